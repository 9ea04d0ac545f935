import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { openFeatureStore } from '../src/features/index.js';
import { ROOT, tempDir } from './features-helpers.js';

const DIST_FEATURES = path.join(ROOT, 'dist/src/features/index.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const BATCH = 500;

/**
 * A child process that ingests batches of BATCH new records into group `g` forever (or `batches` times),
 * printing `ACK <batch>` after each ingest returns, i.e. after its transaction committed.
 */
function childScript(store: string, prefix: string, batches: number): string {
  return `
import { openFeatureStore } from ${JSON.stringify(pathToFileURL(DIST_FEATURES).href)};
import { Frame, textColumn, numericColumn } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src/frame/index.js')).href)};
const store = openFeatureStore(${JSON.stringify(store)});
for (let b = 0; b < ${batches}; b++) {
  const ids = Array.from({ length: ${BATCH} }, (_, i) => '${prefix}' + (b * ${BATCH} + i));
  const ts = ids.map((_, i) => new Date(Date.UTC(2024, 0, 1 + ((b + i) % 20))).toISOString());
  await store.ingest('g', Frame.fromColumns([textColumn('id', ids), textColumn('t', ts), numericColumn('v', Float64Array.from(ids, (_, i) => b * ${BATCH} + i))]));
  process.stdout.write('ACK ' + b + '\\n');
}
store.close();
`;
}

function makeStore(): string {
  const dir = path.join(tempDir('fs-crash-'), 'store');
  const store = openFeatureStore(dir, { create: true });
  store.createFeatureGroup({ name: 'g', recordIdentifier: 'id', eventTime: 't', features: [{ name: 'id', type: 'String' }, { name: 't', type: 'String' }, { name: 'v', type: 'Integral' }] });
  store.close();
  return dir;
}

function startChild(store: string, prefix: string, batches: number, onAck?: (batch: number) => void): Promise<{ acked: number; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(store, prefix, batches)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let stderr = '';
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const l of lines) {
        if (!l.startsWith('ACK ')) continue;
        acked = Number(l.slice(4)) + 1;
        onAck?.(acked);
        if (onAck !== undefined && acked >= 6) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ acked, code, signal, stderr }));
  });
}

function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet')).sort();
}

beforeAll(() => {
  if (!existsSync(DIST_FEATURES)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
});

describe('crash safety and concurrent writers (child processes)', () => {
  it('kill -9 mid-ingest: every acknowledged record is there and the store opens cleanly', async () => {
    const dir = makeStore();
    const r = await startChild(dir, 'r', 1_000_000, () => undefined);
    expect(r.signal).toBe('SIGKILL');
    expect(r.acked).toBeGreaterThanOrEqual(6);
    const store = openFeatureStore(dir);
    const d = store.describeFeatureGroup('g');
    // Acknowledged batches are all there; the batch in flight is there whole or not at all.
    expect(d.offlineRecords).toBeGreaterThanOrEqual(r.acked * BATCH);
    expect(d.offlineRecords % BATCH).toBe(0);
    expect(d.onlineRecords).toBe(d.offlineRecords);
    for (let i = 0; i < r.acked * BATCH; i += 97) expect(store.getRecord('g', `r${i}`)?.v).toBe(i);
    // The next write removes files a dead writer left uncommitted: on disk = the manifest.
    const written = await store.ingest('g', path.join(tempDir('fs-crash-in-'), 'none.csv')).catch((e: { code: string }) => e.code);
    expect(written).toBe('FILE_NOT_FOUND');
    store.putRecord('g', { id: 'after', t: '2024-02-01T00:00:00Z', v: 1 });
    const after = store.describeFeatureGroup('g');
    expect(parquetFiles(path.join(dir, 'offline/g'))).toHaveLength(after.offlineFiles);
    store.close();
  });

  it('two processes ingesting into one group keep every record', async () => {
    const dir = makeStore();
    const [a, b] = await Promise.all([startChild(dir, 'a', 8), startChild(dir, 'b', 8)]);
    expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, '', 0, '']);
    const store = openFeatureStore(dir);
    const d = store.describeFeatureGroup('g');
    expect([d.onlineRecords, d.offlineRecords]).toEqual([2 * 8 * BATCH, 2 * 8 * BATCH]);
    expect(parquetFiles(path.join(dir, 'offline/g'))).toHaveLength(d.offlineFiles);
    expect(store.getRecord('g', 'a3999')?.v).toBe(3999);
    expect(store.getRecord('g', 'b0')?.v).toBe(0);
    store.close();
  });
});
