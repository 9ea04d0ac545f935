import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { FORMAT_MEDIA_TYPE, type PayloadFormat } from '../../src/serve/negotiate.js';
import { predictorFromPipeline } from '../../src/serve/index.js';
import { createInferenceServer } from '../../src/serve/server.js';
import { trainPipeline } from '../serve-fixtures.js';
import { fuzzServePayload } from './targets/serve-payload.js';

/** Cases per run here; `npm run fuzz` runs more. */
const RUNS = 200;
const SEED = 11;

function post(port: number, body: string, format: PayloadFormat): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', agent: false, headers: { 'Content-Type': FORMAT_MEDIA_TYPE[format] } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('fuzz: serve payload decoders', () => {
  it(`${RUNS} random and mutated CSV / JSON / JSON Lines bodies: accepted or a clean TabpilotError`, async () => {
    const r = await fuzzServePayload(RUNS, SEED);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.cases, r.uncaught, r.hangs]).toEqual([RUNS, 0, 0]);
    // Both outcomes occur: the cases reach past the first syntax check, and some decode whole.
    expect(r.rejected).toBeGreaterThan(RUNS / 10);
    expect(r.accepted).toBeGreaterThan(RUNS / 20);
    expect(r.rejectedByCode.BAD_FORMAT).toBeGreaterThan(0);
  });

  it('the same kind of bodies over HTTP get 200 or a 4xx, never a 500, and the server keeps answering', async () => {
    const { pipeline } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary');
    const server = createInferenceServer(predictorFromPipeline(pipeline), { defaultKeys: ['predicted_label'], maxRows: 20 });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const fc = (await import('fast-check')).default;
      const bodies = fc.sample(fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom<PayloadFormat>('csv', 'json', 'jsonlines')), { seed: SEED, numRuns: 40 });
      const statuses = new Set<number>();
      for (const [body, format] of [...bodies, ['6,148,72,35,,33.6,0.627,50', 'csv'] as [string, PayloadFormat]]) {
        const status = await post(port, body, format);
        statuses.add(status);
        expect([body, status >= 500]).toEqual([body, false]);
      }
      expect(statuses.has(200)).toBe(true);
      expect(statuses.has(400)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
