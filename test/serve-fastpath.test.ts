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
