import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainPipeline } from './serve-fixtures.js';

const CLI = path.resolve(import.meta.dirname, '../dist/src/cli/main.js');
const built = existsSync(CLI);

function waitForAddress(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

function post(port: number, body: string, slowMs = 0): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/invocations', agent: false, headers: { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    if (slowMs === 0) req.end(body);
    else {
      req.write(body.slice(0, 5));
      setTimeout(() => req.end(body.slice(5)), slowMs);
    }
  });
}

function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe.skipIf(!built)('tabpilot serve (CLI, 2 workers)', () => {
  it('refuses a model file of a newer format version or with a tampered model, before listening', async () => {
    const { pipeline } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-serve-bad-'));
    const artifact = JSON.parse(JSON.stringify(pipeline.artifact)) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...artifact, formatVersion: 99 }));
    const newer = await runToExit(['serve', dir, '--port', '0', '--workers', '2']);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(/format version 99 is newer than this build supports/);
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...artifact, model: { ...(artifact.model as object), kind: 'eval("code")' } }));
    const tampered = await runToExit(['serve', dir, '--port', '0']);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toMatch(/model kind "eval\("code"\)" is not known/);
  });

  it('serves with 2 workers and exits 0 on SIGTERM after answering the in-flight request', async () => {
    const { pipeline } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-serve-'));
    await pipeline.save(dir);
    const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0', '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await waitForAddress(child);
      const row = '6,148,72,35,,33.6,0.627,50';
      const expected = pipeline.classes![pipeline.predict(pipeline.prepare(
        (await import('../src/serve/payload.js')).decodeCsv(row, pipeline.artifact.features).frame,
      ).frame).labelIndex![0]];
      const replies = await Promise.all(Array.from({ length: 20 }, () => post(port, row)));
      for (const r of replies) expect(r).toEqual({ status: 200, body: `${expected}\n` });
      const inFlight = post(port, `${row}\n${row}`, 400);
      await new Promise((r) => setTimeout(r, 150));
      child.kill('SIGTERM');
      expect(await inFlight).toEqual({ status: 200, body: `${expected}\n${expected}\n` });
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
if (!built) console.warn('serve-cli test skipped: dist/ is not built (npm test builds it)');
