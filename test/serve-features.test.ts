import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaOf } from '../src/frame/align.js';
import { type Column, cellString, numericColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { getLearnerSpec } from '../src/models/registry.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { type FeatureLookup, openLookups, parseLookup } from '../src/serve/lookup.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { type InferenceServer, createInferenceServer } from '../src/serve/server.js';
import { Random } from '../src/util/random.js';
import { financesFrame, financesStore, tempDir } from './features-helpers.js';
import { loadFixture } from './serve-fixtures.js';

/**
 * Serving with Feature Store lookups: the `finances` group over the real credit finances table, a GBDT whose
 * features come partly from the applicants table (sent in the request) and partly from the group (looked up
 * by applicant_id). Predictions over HTTP must equal predicting on the joined frame directly.
 */

const CLI = path.resolve(import.meta.dirname, '../dist/src/cli/main.js');
const built = existsSync(CLI);
const OWN = ['Seniority', 'Home', 'Age', 'Marital', 'Records', 'Job'];
const LOOKED_UP = ['Income', 'Debt', 'Amount'];

let dir: string;
let storeDir: string;
let modelDir: string;
let pipeline: Pipeline;
let joined: Frame;
let applicants: Frame;

/** The applicants with their finances joined by id (absent ids: missing), built from the CSV, not the store. */
async function joinFinances(apps: Frame): Promise<Frame> {
  const fin = await financesFrame();
  const row = new Map<string, number>();
  const ids = fin.column('applicant_id');
  for (let i = 0; i < fin.numRows; i++) row.set(cellString(ids, i), i);
  const appIds = apps.column('applicant_id');
  const cols: Column[] = LOOKED_UP.map((name) => {
    const src = fin.column(name);
    if (src.kind !== 'numeric') throw new Error(`${name} is not numeric`);
    return numericColumn(name, Float64Array.from({ length: apps.numRows }, (_, i) => {
      const j = row.get(cellString(appIds, i));
      return j === undefined ? NaN : src.values[j];
    }));
  });
  return cols.reduce((f, c) => f.withColumn(c), apps);
}

beforeAll(async () => {
  dir = tempDir('tabpilot-serve-features-');
  const store = financesStore(dir);
  await store.ingest('finances', await financesFrame());
  store.close();
  storeDir = path.join(dir, 'store');
  applicants = loadFixture('wrangle/credit_applicants.csv');
  joined = await joinFinances(applicants);
  const features = [...OWN, ...LOOKED_UP];
  const data = joined.select(features);
  const model = await getLearnerSpec('gbdt').create({ numRounds: 40, earlyStoppingRounds: 0 }).fit(data, joined.column('Status'), { task: 'binary', rng: new Random(3) });
  pipeline = Pipeline.fromModel(model, { target: 'Status', features: schemaOf(data) });
  modelDir = path.join(dir, 'model');
  await pipeline.save(modelDir);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function post(port: number, body: string, contentType: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/invocations', agent: false, headers: { 'Content-Type': contentType, Accept: 'application/json; keys=probabilities' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function probabilities(body: string): number[][] {
  return (JSON.parse(body) as { predictions: { probabilities: number[] }[] }).predictions.map((p) => p.probabilities);
}

function expected(frame: Frame): number[][] {
  const p = pipeline.predict(frame).probabilities!;
  const k = pipeline.classes!.length;
  return Array.from({ length: frame.numRows }, (_, i) => Array.from(p.subarray(i * k, i * k + k)));
}

/** Rows as JSON objects holding the applicant's own features and applicant_id only. */
function instances(frame: Frame): Record<string, unknown>[] {
  return frame.toRows().map((r) => Object.fromEntries([...OWN, 'applicant_id'].map((c) => [c, r[c]])));
}

describe('serve with Feature Store lookups (in-process, 127.0.0.1)', () => {
  let server: InferenceServer;
  let lookup: FeatureLookup;
  let port: number;

  beforeAll(async () => {
    lookup = openLookups(storeDir, [parseLookup('finances:applicant_id')], pipeline.artifact.features);
    server = createInferenceServer(predictorFromPipeline(pipeline), { lookup });
    port = (await server.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await server.close();
    lookup.close();
  });

  it('predicts as on the joined frame, for JSON objects and CSV rows', async () => {
    // Rows with finances present and absent from the store (the table misses 125 applicants).
    const rows = joined.take(Int32Array.from({ length: 300 }, (_, i) => i * 14));
    const missingInStore = Array.from(rows.column('Income').values as Float64Array).filter(Number.isNaN).length;
    expect(missingInStore).toBeGreaterThan(0);
    const json = await post(port, JSON.stringify({ instances: instances(rows) }), 'application/json');
    expect(json.status).toBe(200);
    expect(probabilities(json.body)).toEqual(expected(rows));
    // Without the lookup the looked-up features would be missing: the predictions would differ.
    const blank = LOOKED_UP.reduce((f, c) => f.withColumn(numericColumn(c, new Float64Array(rows.numRows).fill(NaN))), rows);
    expect(probabilities(json.body)).not.toEqual(expected(blank));
    // CSV: the features no lookup supplies in training order, then the identifier column.
    const csv = Array.from({ length: rows.numRows }, (_, i) => [...OWN, 'applicant_id'].map((c) => cellString(rows.column(c), i)).join(',')).join('\n');
    const viaCsv = await post(port, csv, 'text/csv');
    expect(viaCsv.status).toBe(200);
    expect(probabilities(viaCsv.body)).toEqual(expected(rows));
  });

  it('answers an unknown id with its looked-up features missing (200)', async () => {
    const row = joined.take([0]);
    const unknown = { ...instances(row)[0], applicant_id: 'NO-SUCH-ID' };
    const r = await post(port, JSON.stringify({ instances: [unknown] }), 'application/json');
    expect(r.status).toBe(200);
    const nan = (name: string): Column => numericColumn(name, Float64Array.of(NaN));
    const blank = LOOKED_UP.reduce((f, c) => f.withColumn(nan(c)), row);
    expect(probabilities(r.body)).toEqual(expected(blank));
    expect(probabilities(r.body)).not.toEqual(expected(row));
  });

  it('lets a value in the request win over the store, and fills only what the request leaves missing', async () => {
    const row = joined.take([1]);
    const own = instances(row)[0];
    const r = await post(port, JSON.stringify({ instances: [{ ...own, Income: 5, Debt: null }] }), 'application/json');
    expect(r.status).toBe(200);
    const overridden = row.withColumn(numericColumn('Income', Float64Array.of(5)));
    expect(probabilities(r.body)).toEqual(expected(overridden));
    expect(probabilities(r.body)).not.toEqual(expected(row));
  });

  it('requires the identifier column and names it', async () => {
    const own = instances(joined.take([2]))[0];
    delete own.applicant_id;
    const r = await post(port, JSON.stringify({ instances: [own] }), 'application/json');
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/row 1, column \\"applicant_id\\": missing feature/);
  });
});

describe('tabpilot serve --feature-store --lookup (CLI)', () => {
  function start(args: string[]): { child: ChildProcess; port: Promise<number>; exit: Promise<{ code: number | null; stderr: string }> } {
    const child = spawn(process.execPath, [CLI, 'serve', modelDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
    const port = new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      void exit.then(({ code }) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    port.catch(() => undefined); // a server that exits at startup is awaited through `exit`
    return { child, port, exit };
  }

  it('serves predictions with the looked-up features and exits 0 on SIGTERM', async (ctx) => {
    if (!built) ctx.skip();
    const s = start(['--feature-store', storeDir, '--lookup', 'finances:applicant_id']);
    try {
      const port = await s.port;
      const rows = joined.take(Int32Array.from({ length: 40 }, (_, i) => 7 + i * 97));
      const r = await post(port, JSON.stringify({ instances: instances(rows) }), 'application/json');
      expect(r.status).toBe(200);
      expect(probabilities(r.body)).toEqual(expected(rows));
      s.child.kill('SIGTERM');
      expect((await s.exit).code).toBe(0);
    } finally {
      s.child.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses a --lookup naming an unknown group: one line, exit 2', async (ctx) => {
    if (!built) ctx.skip();
    for (const workers of ['1', '2']) {
      const { code, stderr } = await start(['--feature-store', storeDir, '--lookup', 'nosuch:applicant_id', '--workers', workers]).exit;
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/no feature group "nosuch" in .*; groups are: finances/);
    }
    const bad = await start(['--lookup', 'finances']).exit;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lookup must be GROUP:ID_COLUMN/);
  }, 30_000);
});
if (!built) console.warn('serve-features CLI tests skipped: dist/ is not built (npm test builds it)');
