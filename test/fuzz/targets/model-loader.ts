/**
 * Fuzz target: the model loader. A real model directory is trained in the setup (runTrainingJob on the
 * penguins fixture: a small multiclass GBDT and a linear model, with numeric and categorical features), then
 * each case damages its model.json (any value of the JSON replaced by a hostile one, or the text truncated or
 * a character flipped) and loads it with Pipeline.load (which runs validateArtifact and the learner's
 * fromJSON). Invariants: loading returns or throws a TabpilotError with code MODEL_FORMAT (nothing else); a
 * model that loads predicts on real rows, or throws a TabpilotError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Frame } from '../../../src/frame/frame.js';
import { readTable } from '../../../src/io/index.js';
import { MODEL_FILE, Pipeline, type TrainingJobOptions, runTrainingJob } from '../../../src/pipeline/index.js';
import { isTabpilotError } from '../../../src/util/errors.js';
import { FuzzTally, type FuzzReport } from '../harness.js';
import { jsonReplacement, mutateJson } from '../mutate-json.js';

/** Boosting rounds of the GBDT: a few trees per class keep model.json small, so each case is cheap. */
const GBDT_ROUNDS = 3;
/** Rows predicted by a model that loaded. */
const PREDICT_ROWS = 20;
/** Most values replaced in one mutated model.json. */
const MAX_MUTATIONS = 3;

interface Setup {
  models: string[];
  rows: Frame;
}

/** Trains the seed models (JSON text of their artifacts) on penguins. */
export async function trainSeedModels(): Promise<Setup> {
  const file = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'penguins.csv');
  const { frame } = await readTable(file);
  const jobs: Pick<TrainingJobOptions, 'algorithm' | 'hyperparameters'>[] = [
    { algorithm: 'gbdt', hyperparameters: { numRounds: GBDT_ROUNDS } },
    { algorithm: 'linear', hyperparameters: {} },
  ];
  const models: string[] = [];
  for (const job of jobs) {
    const { pipeline } = await runTrainingJob({ data: frame, target: 'species', seed: 1, sourceFile: file, ...job });
    models.push(JSON.stringify(pipeline.artifact));
  }
  return { models, rows: frame.head(PREDICT_ROWS) };
}

const text = fc.oneof(fc.constantFrom('', 'constructor', '__proto__', 'gbdt', 'linear', 'ensemble', 'numeric', 'categorical', 'binary', 'regression'), fc.string({ maxLength: 8 }));

type Damage = { json: [number, unknown][] } | { text: { at: number; op: 'truncate' | 'flip'; xor: number } };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ json: fc.array(fc.tuple(fc.nat(), jsonReplacement(text)), { minLength: 1, maxLength: MAX_MUTATIONS }) }) },
  { weight: 1, arbitrary: fc.record({ text: fc.record({ at: fc.nat(), op: fc.constantFrom('truncate' as const, 'flip' as const), xor: fc.integer({ min: 1, max: 127 }) }) }) },
);

function damaged(model: string, d: Damage): string {
  if ('json' in d) return JSON.stringify(mutateJson(JSON.parse(model), d.json));
  const at = d.text.at % model.length;
  if (d.text.op === 'truncate') return model.slice(0, at);
  return model.slice(0, at) + String.fromCharCode(model.charCodeAt(at) ^ d.text.xor) + model.slice(at + 1);
}

/** Loads the model directory: MODEL_FORMAT or a model; then predicts (a TabpilotError is a clean rejection). */
async function loadAndPredict(dir: string, rows: Frame): Promise<void> {
  let pipeline: Pipeline;
  try {
    pipeline = await Pipeline.load(dir);
  } catch (e) {
    if (isTabpilotError(e) && e.code !== 'MODEL_FORMAT') throw new Error(`Pipeline.load threw ${e.code}, expected MODEL_FORMAT: ${e.message}`);
    throw e;
  }
  pipeline.predict(rows);
}

/** Runs `runs` damaged copies of the seed models' model.json (from `seed`) through Pipeline.load and predict. */
export async function fuzzModelLoader(runs: number, seed: number): Promise<FuzzReport> {
  const { models, rows } = await trainSeedModels();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-fuzz-model-'));
  const tally = new FuzzTally('model-loader');
  try {
    for (const [i, d] of fc.sample(fc.tuple(fc.nat({ max: models.length - 1 }), damage), { seed, numRuns: runs })) {
      const body = damaged(models[i], d);
      writeFileSync(path.join(dir, MODEL_FILE), body);
      await tally.run({ model: i, damage: d }, () => loadAndPredict(dir, rows));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tally.report();
}

export default fuzzModelLoader;
