import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSchema } from '../src/frame/align.js';
import { explainerForServing } from '../src/explain/index.js';
import { parseCsvText } from '../src/io/csv.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { decodeCsv, decodeJson } from '../src/serve/payload.js';
import { DEFAULT_MAX_EXPLAIN_ROWS, DEFAULT_MAX_ROWS } from '../src/serve/limits.js';
import { type InferenceServer, createInferenceServer } from '../src/serve/server.js';
import { isTabpilotError } from '../src/util/errors.js';
import { FIXTURES, trainPipeline } from './serve-fixtures.js';

/**
 * Regression tests for issue 11 ("Trust", serving): each `it` fails on the code before the fix. Real sockets on
 * 127.0.0.1 only; every wait is bounded and every server is closed by the test that opened it.
 */

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a POST /invocations that announces `declared` bytes but sends only a few: a stalled upload. */
function stalledUpload(port: number, declared = 1000): Promise<{ socket: net.Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: ${declared}\r\n\r\n1,2,3`);
      resolve({ socket, closed });
    });
    let received = '';
    socket.on('data', (d) => (received += d.toString('utf8')));
    const closed = new Promise<string>((r) => socket.on('close', () => r(received)));
    socket.on('error', () => {
      /* reset by the server: expected */
    });
    socket.once('error', reject);
  });
}

/** `promise`, or 'timeout' after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Data rows of pima (without the target), `n` of them, cycling through the file. */
function pimaRows(n: number): string {
  const lines = readFileSync(path.join(FIXTURES, 'pima_diabetes2.csv'), 'utf8').trim().split('\n').slice(1);
  return Array.from({ length: n }, (_, i) => lines[i % lines.length].split(',').slice(0, 8).join(',')).join('\n');
}

async function startServer(pipeline: Pipeline, options: Parameters<typeof createInferenceServer>[1] = {}): Promise<{ server: InferenceServer; port: number }> {
  const server = createInferenceServer(predictorFromPipeline(pipeline), { defaultKeys: ['predicted_label'], ...options });
  return { server, port: (await server.listen(0, '127.0.0.1')).port };
}

describe('serve hardening (in-process, pima)', () => {
  let linear: Pipeline;
  let gbdt: Pipeline;

  beforeAll(async () => {
    linear = (await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary')).pipeline;
    gbdt = (await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'gbdt', { numRounds: 200, earlyStoppingRounds: 0 })).pipeline;
  });

  it('close() force-closes a stalled upload after the drain deadline', async () => {
    const { server, port } = await startServer(linear, { drainTimeoutMs: 300 });
    const { socket, closed } = await stalledUpload(port);
    try {
      await sleep(50);
      const started = performance.now();
      const result = await within(server.close(), 5_000);
      expect(result).not.toBe('timeout');
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(await within(closed, 2_000)).not.toBe('timeout');
    } finally {
      socket.destroy();
      server.server.closeAllConnections();
    }
  });

  it('close() still lets a request that finishes before the deadline be answered', async () => {
    const { server, port } = await startServer(linear, { drainTimeoutMs: 3_000 });
    const row = pimaRows(1);
    const reply = new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', agent: false, headers: { 'Content-Type': 'text/csv', 'Content-Length': Buffer.byteLength(row) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.write(row.slice(0, 3));
      setTimeout(() => req.end(row.slice(3)), 200);
    });
    await sleep(50);
    const closing = server.close();
    const r = await reply;
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    expect(await within(closing, 3_000)).not.toBe('timeout');
  });

  it('listen() reports a busy port and an unavailable host as TabpilotErrors with a code', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const busy = (holder.address() as net.AddressInfo).port;
    const server = createInferenceServer(predictorFromPipeline(linear));
    try {
      const e1 = await server.listen(busy, '127.0.0.1').then(() => null, (e: unknown) => e);
      expect(isTabpilotError(e1) && e1.code).toBe('ADDRESS_IN_USE');
      expect((e1 as Error).message).toBe(`port ${busy} is in use on 127.0.0.1`);
      // 203.0.113.0/24 is TEST-NET-3: never an address of this machine.
      const e2 = await server.listen(0, '203.0.113.1').then(() => null, (e: unknown) => e);
      expect(isTabpilotError(e2) && e2.code).toBe('ADDRESS_UNAVAILABLE');
      expect((e2 as Error).message).not.toMatch(/\n/);
    } finally {
      holder.close();
    }
  });

  it('answers 413 for more rows than --max-rows / --max-explain-rows, and serves at the limit', async () => {
    const { server, port } = await startServer(gbdt, { maxRows: 50, maxExplainRows: 10, explainer: explainerForServing(gbdt) });
    try {
      const tooMany = await request(port, 'POST', '/invocations', pimaRows(51), { 'Content-Type': 'text/csv' });
      expect(tooMany.status).toBe(413);
      expect(JSON.parse(tooMany.body).error).toMatch(/more than 50 rows/);
      const json = await request(port, 'POST', '/invocations', JSON.stringify({ instances: Array.from({ length: 51 }, () => [1, 2, 3, 4, 5, 6, 7, 8]) }), { 'Content-Type': 'application/json' });
      expect(json.status).toBe(413);
      const jsonl = await request(port, 'POST', '/invocations', Array.from({ length: 51 }, () => '[1,2,3,4,5,6,7,8]').join('\n'), { 'Content-Type': 'application/jsonlines' });
      expect(jsonl.status).toBe(413);
      expect((await request(port, 'POST', '/invocations', pimaRows(50), { 'Content-Type': 'text/csv' })).status).toBe(200);
      const explain = { 'Content-Type': 'text/csv', Accept: 'application/json; explain=true' };
      const tooManyExplained = await request(port, 'POST', '/invocations', pimaRows(11), explain);
      expect(tooManyExplained.status).toBe(413);
      expect(JSON.parse(tooManyExplained.body).error).toMatch(/more than 10 rows.*explain=true/);
      const ok = await request(port, 'POST', '/invocations', pimaRows(10), explain);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).predictions).toHaveLength(10);
    } finally {
      await server.close();
    }
    // The defaults: 10,000 rows and 1,000 explained rows per request.
    expect([DEFAULT_MAX_ROWS, DEFAULT_MAX_EXPLAIN_ROWS]).toEqual([10_000, 1_000]);
    const d = await startServer(linear);
    try {
      expect((await request(d.port, 'POST', '/invocations', pimaRows(10_001), { 'Content-Type': 'text/csv' })).status).toBe(413);
      expect((await request(d.port, 'POST', '/invocations', pimaRows(10_000), { 'Content-Type': 'text/csv' })).status).toBe(200);
    } finally {
      await d.server.close();
    }
  });

  it('keeps answering /ping while a 1,000-row explain request runs, with the same answer as one block', async () => {
    const { server, port } = await startServer(gbdt, { explainer: explainerForServing(gbdt) });
    try {
      const body = pimaRows(1_000);
      const headers = { 'Content-Type': 'text/csv', Accept: 'application/json; keys=probability; explain=true' };
      const started = performance.now();
      let done = false;
      const big = request(port, 'POST', '/invocations', body, headers).finally(() => (done = true));
      const pings: number[] = [];
      await sleep(30);
      for (let i = 0; i < 200 && !done; i++) {
        const t = performance.now();
        expect((await request(port, 'GET', '/ping')).status).toBe(200);
        if (!done) pings.push(performance.now() - t);
        await sleep(10);
      }
      const reply = await big;
      const total = performance.now() - started;
      expect(reply.status).toBe(200);
      // The request takes a while (TreeSHAP of 200 trees); the pings in the meantime do not wait for it.
      expect(pings.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...pings)).toBeLessThan(Math.max(100, total * 0.4));
      // Worked in blocks, the answer is the same as predicting and explaining the frame at once.
      const frame = decodeCsv(body, gbdt.artifact.features).frame;
      const expected = gbdt.predict(frame);
      const contributions = explainerForServing(gbdt).explain(frame);
      const rows = JSON.parse(reply.body).predictions as { probability: number; explanation: { contributions: Record<string, number> } }[];
      expect(rows).toHaveLength(1_000);
      for (const i of [0, 1, 499, 998, 999]) {
        const label = expected.labelIndex![i];
        expect(rows[i].probability).toBe(expected.probabilities![i * 2 + label]);
        expect(rows[i].explanation.contributions.glucose).toBe(contributions.values[i * 8 + 1]);
      }
    } finally {
      await server.close();
    }
  });

  it('rejects a 60 KB body of 20,000 scalar instances for a wide model without allocating per row', () => {
    const wide: FeatureSchema[] = Array.from({ length: 2_000 }, (_, i) => ({ name: `f${i}`, kind: 'numeric' }));
    const body = JSON.stringify({ instances: new Array(20_000).fill(0) });
    expect(body.length).toBeLessThan(64 * 1024);
    const measure = (fn: () => void): { error: unknown; grewBytes: number } => {
      const before = process.memoryUsage().arrayBuffers;
      let error: unknown = null;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      return { error, grewBytes: process.memoryUsage().arrayBuffers - before };
    };
    // No row limit: the shape check alone must refuse it before any column is allocated (2,000 x 20,000 x 8 = 320 MB).
    const shape = measure(() => decodeJson(body, wide));
    expect(isTabpilotError(shape.error) && shape.error.code).toBe('BAD_FORMAT');
    expect((shape.error as Error).message).toMatch(/^row 1: an instance must be/);
    expect(shape.grewBytes).toBeLessThan(32 * 2 ** 20);
    // Rows checked against the limit before anything else.
    const rows = measure(() => decodeJson(JSON.stringify({ instances: new Array(20_000).fill([]) }), wide, { maxRows: 10_000 }));
    expect(isTabpilotError(rows.error) && rows.error.code).toBe('LIMIT_EXCEEDED');
    expect(rows.grewBytes).toBeLessThan(32 * 2 ** 20);
    // A wrong width on the last row is found before allocating too.
    const ragged = [...new Array(999).fill(new Array(2_000).fill(0)), [1, 2]];
    const width = measure(() => decodeJson(JSON.stringify({ instances: ragged }), wide));
    expect((width.error as Error).message).toMatch(/^row 1000: expected 2000 values/);
  });

  it('answers 503 with Retry-After past --max-in-flight concurrent request bodies, and recovers', async () => {
    const { server, port } = await startServer(linear, { maxInFlight: 2, drainTimeoutMs: 200 });
    const uploads = [await stalledUpload(port), await stalledUpload(port)];
    try {
      await sleep(50);
      const refused = await request(port, 'POST', '/invocations', pimaRows(1), { 'Content-Type': 'text/csv' });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect((await request(port, 'GET', '/ping')).status).toBe(200);
      for (const u of uploads) u.socket.destroy();
      await Promise.all(uploads.map((u) => u.closed));
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await request(port, 'POST', '/invocations', pimaRows(1), { 'Content-Type': 'text/csv' })).status;
        if (status !== 200) await sleep(20);
      }
      expect(status).toBe(200);
    } finally {
      for (const u of uploads) u.socket.destroy();
      await server.close();
    }
  });

  it('parses numbers exactly as the CSV reader does (0x10, Infinity, 1_000 are not numbers)', () => {
    const features: FeatureSchema[] = [{ name: 'x', kind: 'numeric' }];
    const cases = ['0x10', '0b11', '0o7', 'Infinity', '-Infinity', '1_000', '1e3', ' 2.5 ', '.5', '5.', '+3', '-0', '1e400', '12abc', '0012', '1,5'];
    for (const text of cases) {
      const quoted = `"${text}"`;
      const batch = parseCsvText(`x\n${quoted}\n`, { types: { x: 'numeric' } }).frame.column('x');
      const expected = (batch.values as Float64Array)[0];
      let served: number;
      try {
        served = (decodeCsv(quoted, features).frame.column('x').values as Float64Array)[0];
      } catch (e) {
        expect(isTabpilotError(e) && e.code).toBe('BAD_FORMAT');
        served = NaN;
      }
      expect([text, served]).toEqual([text, expected]);
    }
    expect(() => decodeJson(JSON.stringify({ instances: [['0x10']] }), features)).toThrow(/row 1, column "x": cannot parse "0x10" as a number/);
  });

  it('parses dates exactly as the CSV reader does (zone-less times are UTC; "1" and "Mar 5" are not dates)', () => {
    const features: FeatureSchema[] = [{ name: 'd', kind: 'datetime' }];
    const cases = ['2020-01-02 10:00', '2024-03-05T14:30+01:00', '2024', '20240305', '3/5/24', '5 Mar 2024', 'Mar 5', '1', '12345', '2020-02-30', 'garbage'];
    for (const text of cases) {
      const expected = (parseCsvText(`d\n"${text}"\n`, { types: { d: 'datetime' } }).frame.column('d').values as Float64Array)[0];
      let served: number;
      try {
        served = (decodeCsv(`"${text}"`, features).frame.column('d').values as Float64Array)[0];
      } catch (e) {
        expect(isTabpilotError(e) && e.code).toBe('BAD_FORMAT');
        served = NaN;
      }
      expect([text, served]).toEqual([text, expected]);
    }
  });

  it('reads object instances by own keys only (a feature named "constructor" must be present)', () => {
    const features: FeatureSchema[] = [{ name: 'constructor', kind: 'numeric' }, { name: '__proto__', kind: 'numeric' }];
    expect(() => decodeJson('{"instances": [{}]}', features)).toThrow(/row 1, column "constructor": missing feature/);
    const ok = decodeJson('{"instances": [{"constructor": 1, "__proto__": 2}]}', features);
    expect(Array.from(ok.frame.column('__proto__').values as Float64Array)).toEqual([2]);
  });
});

/** The CLI tests spawn the built command; without dist/ (npm test builds it) they are skipped. */
const CLI = path.resolve(import.meta.dirname, '../dist/src/cli/main.js');
const built = existsSync(CLI);

function runCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stderr: string; stdout: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let timedOut = false;
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, timedOut });
    });
  });
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
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

describe('tabpilot serve: user errors are one line and exit 2 (CLI)', () => {
  let modelDir: string;
  let holder: net.Server;
  let busy: number;

  beforeAll(async () => {
    if (!built) return;
    const { pipeline } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary');
    modelDir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-serve-hard-'));
    await pipeline.save(modelDir);
    holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    busy = (holder.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    holder?.close();
  });

  it.for([1, 2])('a busy port with --workers %i', async (workers, ctx) => {
    if (!built) ctx.skip();
    const r = await runCli(['serve', modelDir, '--port', String(busy), '--workers', String(workers)]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tabpilot: port ${busy} is in use on 127.0.0.1\n`);
  });

  it('an unavailable --host, a bad model directory and bad limits', async (ctx) => {
    if (!built) ctx.skip();
    const host = await runCli(['serve', modelDir, '--port', '0', '--host', '203.0.113.1', '--workers', '2']);
    expect(host.code).toBe(2);
    expect(host.stderr.trim().split('\n')).toHaveLength(1);
    expect(host.stderr).toMatch(/203\.0\.113\.1/);
    const missing = await runCli(['serve', path.join(modelDir, 'nope'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    for (const flag of ['--max-rows', '--max-explain-rows', '--max-in-flight', '--drain-timeout']) {
      const bad = await runCli(['serve', modelDir, '--port', '0', `${flag}=-1`]);
      expect([flag, bad.code]).toEqual([flag, 2]);
      expect(bad.stderr).toMatch(new RegExp(`^tabpilot: ${flag}`));
    }
  });

  it('SIGTERM with a stalled upload exits after --drain-timeout', async (ctx) => {
    if (!built) ctx.skip();
    for (const workers of ['1', '2']) {
      const child = spawn(process.execPath, [CLI, 'serve', modelDir, '--port', '0', '--workers', workers, '--drain-timeout', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const port = await waitForPort(child);
        const upload = await stalledUpload(port);
        await sleep(100);
        child.kill('SIGTERM');
        expect(await within(exited, 10_000)).toBe(0);
        expect(await within(upload.closed, 2_000)).not.toBe('timeout');
      } finally {
        child.kill('SIGKILL');
      }
    }
  });
});
