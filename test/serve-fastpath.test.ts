import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../src/frame/frame.js';
import type { Pipeline } from '../src/pipeline/pipeline.js';
import { type InferenceServer, createInferenceServer } from '../src/serve/server.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { trainPipeline } from './serve-fixtures.js';

/**
 * Issue 13: a request of a few rows is predicted by the TypeScript tree walk, a large one by the native kernel
 * (when built). Both must answer the same bytes for the same row: each row sent alone is compared with the same
 * row inside one batch request large enough for the native path.
 */

function post(port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Rows as JSON objects keyed by feature name, missing values as null. */
function instances(frame: Frame, features: readonly string[], rows: number): Record<string, unknown>[] {
  return Array.from({ length: rows }, (_, r) => {
    const record = frame.row(r);
    return Object.fromEntries(features.map((f) => [f, record[f] ?? null]));
  });
}

/** Rows in one batch: well above the few rows the TypeScript walk takes (src/models/tree/ensemble.ts). */
const BATCH_ROWS = 40;

const cases = [
  // Binary: every tree adds into the one channel (the per-model channel array of src/models/tree/ensemble.ts).
  { name: 'gbdt binary (pima: missing values)', file: 'pima_diabetes2.csv', target: 'diabetes', task: 'binary', kind: 'gbdt', params: { numRounds: 30, earlyStoppingRounds: 0 } },
  { name: 'gbdt multiclass (penguins: categoricals and missing values)', file: 'penguins.csv', target: 'species', task: 'multiclass', kind: 'gbdt', params: { numRounds: 30, earlyStoppingRounds: 0 } },
  { name: 'random forest regression (concrete)', file: 'concrete.csv', target: 'compressive_strength', task: 'regression', kind: 'rf', params: { numTrees: 25 } },
] as const;

for (const c of cases) {
  describe(`single-row and batch requests answer the same bytes: ${c.name}`, () => {
    let pipeline: Pipeline;
    let frame: Frame;
    let server: InferenceServer;
    let port: number;

    beforeAll(async () => {
      ({ pipeline, frame } = await trainPipeline(c.file, c.target, c.task, c.kind, c.params));
      server = createInferenceServer(predictorFromPipeline(pipeline), { defaultKeys: c.task === 'regression' ? undefined : ['predicted_label', 'probability', 'probabilities'] });
      port = (await server.listen(0, '127.0.0.1')).port;
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it('each row alone equals its row in a batch, byte for byte', async () => {
      const features = pipeline.artifact.features.map((f) => f.name);
      const rows = instances(frame, features, BATCH_ROWS);
      const batch = await post(port, JSON.stringify({ instances: rows }));
      expect(batch.status).toBe(200);
      const batchRows = (JSON.parse(batch.body) as { predictions: unknown[] }).predictions.map((p) => JSON.stringify(p));
      expect(batchRows).toHaveLength(BATCH_ROWS);
      // The batch's text is exactly the rows' texts joined, so comparing row texts compares bytes.
      expect(batch.body).toBe(`{"predictions":[${batchRows.join(',')}]}`);
      for (let r = 0; r < BATCH_ROWS; r++) {
        const single = await post(port, JSON.stringify({ instances: [rows[r]] }));
        expect(single.status).toBe(200);
        expect(single.body, `row ${r + 1}`).toBe(`{"predictions":[${batchRows[r]}]}`);
      }
      // Not a constant model: the rows' answers differ.
      expect(new Set(batchRows).size).toBeGreaterThan(1);
    });
  });
}

describe('the in-flight count returns to zero after every request (one close listener per request)', () => {
  let server: InferenceServer;
  let port: number;
  let features: string[];
  let frame: Frame;

  beforeAll(async () => {
    let pipeline: Pipeline;
    ({ pipeline, frame } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'gbdt', { numRounds: 10, earlyStoppingRounds: 0 }));
    features = pipeline.artifact.features.map((f) => f.name);
    // One request at a time: a count left behind by any request would answer 503 to every later one.
    server = createInferenceServer(predictorFromPipeline(pipeline), { maxInFlight: 1 });
    port = (await server.listen(0, '127.0.0.1')).port;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('answers 200 to sequential requests, also after a client went away mid-upload and after a bad request', async () => {
    const body = JSON.stringify({ instances: instances(frame, features, 1) });
    for (let i = 0; i < 5; i++) expect((await post(port, body)).status).toBe(200);
    // A client that sends half a body and closes: its request is counted, then its close takes the count back.
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' }, agent: false });
      req.on('error', () => resolve());
      req.write(body.slice(0, 10), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    expect((await post(port, '{"instances": [[1, 2]]}')).status).toBe(400);
    const after = await post(port, body);
    expect(after.status).toBe(200);
    expect(after.body).toMatch(/^\{"predictions":\[\{"predicted_label":"(pos|neg)"\}\]\}$/);
  });
});
