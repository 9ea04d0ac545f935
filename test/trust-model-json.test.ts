import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/index.js';
import { getLearnerSpec } from '../src/models/registry.js';
import { MODEL_FILE, Pipeline } from '../src/pipeline/index.js';
import { isTabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';
import { trainSeedModels } from './fuzz/targets/model-loader.js';

/**
 * Issue 11, found by the model-loader fuzz target (seed 7, case 6265): a tree's catOffset of 2^31 passed the
 * "integer >= 0" check, wrapped to -2^31 in its Int32Array, slipped past the "inside catWords" check and made
 * the native kernel read out of bounds (the process died with SIGSEGV on predict). Every Int32Array field of a
 * tree is now range-checked on load: MODEL_FORMAT naming the field.
 */
type TreeJson = Record<string, number[]>;

/** Rows of fixtures/text/spam.csv the text-gbdt case trains on (enough for a vocabulary, fast to fit). */
const SPAM_ROWS = 300;

describe('model.json tree fields beyond int32', () => {
  it.each([
    ['catOffset', 2 ** 31],
    ['catLength', 2 ** 31],
    ['left', 2 ** 32 + 1],
    ['binThreshold', 2 ** 31],
  ])('%s = %d on a categorical split is MODEL_FORMAT on load, not a crash on predict', async (name, value) => {
    const { models, rows } = await trainSeedModels();
    const artifact = JSON.parse(models[0]) as { model: { kind: string; trees: TreeJson[] } };
    expect(artifact.model.kind).toBe('gbdt');
    // The first categorical split of any tree (penguins' island and sex are categorical features).
    const t = artifact.model.trees.findIndex((tree) => tree.categorical.includes(1));
    expect(t).toBeGreaterThanOrEqual(0);
    const node = artifact.model.trees[t].categorical.indexOf(1);
    artifact.model.trees[t][name][node] = value;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-trust-model-'));
    try {
      writeFileSync(path.join(dir, MODEL_FILE), JSON.stringify(artifact));
      const error = await Pipeline.load(dir).then(
        (p) => {
          p.predict(rows);
          return null;
        },
        (e: unknown) => e,
      );
      expect(isTabpilotError(error) && error.code).toBe('MODEL_FORMAT');
      expect(String((error as Error).message)).toContain(`trees[${t}].${name}[${node}]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The same wrap in text-gbdt's `selected` term ids: 2^32 became term 0 and 2^31 became -2^31 (a negative index
 * into the vocabulary), both past the "inside the vocabulary" check. Now range-checked before the Int32Array.
 */
describe('model.json text-gbdt selected term ids beyond int32', () => {
  it.each([2 ** 31, 2 ** 32])('selected[0] = %d is MODEL_FORMAT on load', async (value) => {
    const { frame } = await readTable('fixtures/text/spam.csv', { limit: SPAM_ROWS });
    const spec = getLearnerSpec('text-gbdt');
    const model = await spec.create({ minDf: 2, selectK: 20, numRounds: 3 }).fit(frame, frame.column('label'), { task: 'binary', rng: new Random(1) });
    const json = JSON.parse(JSON.stringify(model.toJSON())) as { selected: number[] };
    // The untouched JSON loads: the failure below is the damaged field, not the test's setup.
    expect(() => spec.fromJSON(json as never)).not.toThrow();
    json.selected[0] = value;
    const error = (() => {
      try {
        spec.fromJSON(json as never);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(isTabpilotError(error) && error.code).toBe('MODEL_FORMAT');
    expect(String((error as Error).message)).toContain('model.selected[0]');
  });
});
