import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_FILE, Pipeline } from '../../src/pipeline/index.js';
import { fuzzModelLoader, trainSeedModels } from './targets/model-loader.js';

/** Cases per test run; `npm run fuzz` runs many more. */
const RUNS = 200;
/** Fixed seed: a failure reproduces with the same seed. */
const SEED = 13;

describe('fuzz: the model loader (damaged model.json)', () => {
  it('the seed models are real: each loads back and predicts every row', async () => {
    const { models, rows } = await trainSeedModels();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-fuzz-seed-'));
    try {
      for (const text of models) {
        writeFileSync(path.join(dir, MODEL_FILE), text);
        const result = (await Pipeline.load(dir)).predict(rows);
        expect(result.labels).toHaveLength(rows.numRows);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`${RUNS} damaged copies: Pipeline.load throws only MODEL_FORMAT, a loaded model predicts or rejects cleanly`, async () => {
    const r = await fuzzModelLoader(RUNS, SEED);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.cases, r.uncaught, r.hangs]).toEqual([RUNS, 0, 0]);
    // Both outcomes occur: most damage is caught on load, some (a changed number, an extra key) is harmless.
    expect(r.rejectedByCode.MODEL_FORMAT).toBeGreaterThan(RUNS / 2);
    expect(r.accepted).toBeGreaterThan(0);
  });
});
