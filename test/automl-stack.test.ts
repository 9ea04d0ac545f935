import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import { planJob, stackingEligible, type JobPlan } from '../src/automl/plan.js';
import { defaultTrialRunner } from '../src/automl/pool.js';
import { search } from '../src/automl/search.js';
import { type CandidateResult, STACK_ORIGIN, SearchState } from '../src/automl/search-state.js';
import { STACK_TOP_K, stack } from '../src/automl/stack.js';
import { ensembleJsonText } from '../src/automl/trial.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { EnsembleModel, type StackJSON, stackFeatureColumns } from '../src/models/ensemble.js';
import { foldRows } from '../src/models/folds.js';
import type { ModelJSON } from '../src/models/types.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { TabpilotError } from '../src/util/errors.js';

/** A small, deterministic job on pima (no time limit): linear and k-NN candidates, 3-fold CV without repeats. */
const OPTIONS = { target: 'diabetes', objective: 'AUC', learners: ['linear', 'knn'], maxCandidates: 4, presets: 'fast', instances: 0, seed: 3, allowSmall: true, stack: true } as const;

let pima: Frame;
let plan: JobPlan;
let state: SearchState;
let stacked: CandidateResult[];

beforeAll(async () => {
  pima = (await readTable('fixtures/pima_diabetes2.csv')).frame;
  plan = await planJob({ ...OPTIONS, data: pima });
  state = new SearchState(plan.objective, plan.budget);
  const runner = defaultTrialRunner(0, plan.workerMemoryMb);
  try {
    await search(plan, state, runner);
  } finally {
    await runner.close();
  }
  await stack(plan, state);
  stacked = state.results.filter((r) => r.candidate.origin === STACK_ORIGIN);
}, 120_000);

/** The final-model JSON (an ensemble) holding one stacked candidate. */
function stackedModelJson(r: CandidateResult): ModelJSON {
  return JSON.parse(ensembleJsonText(plan.task, plan.classes, plan.features.columnNames, [{ weight: 1, member: r.members![0] }])) as ModelJSON;
}

describe('stacking (second layer on out-of-fold predictions)', () => {
  it('fits both stackers on the best first-layer candidates and scores them on out-of-fold rows', () => {
    expect(stacked.map((r) => r.candidate.kind)).toEqual(['stack-linear', 'stack-gbdt']);
    const firstLayer = state.completedByLoss().filter((r) => r.candidate.origin !== STACK_ORIGIN);
    for (const r of stacked) {
      expect(r.status).toBe('Completed');
      expect(r.objective).toBeGreaterThan(0.75); // pima AUC: the first layer scores about 0.82
      expect(r.oof!.length).toBe(pima.numRows * 2);
      const inputs = String(r.candidate.params.inputs).split(' ');
      expect(inputs).toEqual(firstLayer.slice(0, STACK_TOP_K).map((c) => c.candidate.id));
    }
  });

  it("a stacker's fold model, fed the first layer's out-of-fold predictions of its validation rows, gives its out-of-fold predictions", () => {
    const r = stacked[0];
    const json = JSON.parse(r.members![0].modelJson) as StackJSON;
    const inputIds = String(r.candidate.params.inputs).split(' ');
    const inputs = inputIds.map((id) => state.results.find((c) => c.candidate.id === id)!);
    const metaFrame = Frame.fromColumns(stackFeatureColumns(plan.task, plan.k, inputs.map((c) => c.oof!)));
    expect(json.meta.members.length).toBe(plan.foldValid.length);
    for (let f = 0; f < json.meta.members.length; f++) {
      const fold = EnsembleModel.fromJSON({ ...json.meta, members: [json.meta.members[f]] } as ModelJSON);
      const { valid } = foldRows(plan.validation, f);
      const p = fold.predictProba(metaFrame.take(valid));
      for (let i = 0; i < valid.length; i++) expect(p[2 * i + 1]).toBeCloseTo(r.oof![2 * valid[i] + 1], 10);
    }
  });

  it('a stacked model round-trips through model.json with identical predictions', () => {
    for (const r of stacked) {
      const model = EnsembleModel.fromJSON(stackedModelJson(r));
      const before = model.predictProba(pima);
      const again = EnsembleModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())) as ModelJSON);
      expect(Array.from(again.predictProba(pima))).toEqual(Array.from(before));
      // In-sample predictions of a model fitted on these rows: far better than chance.
      const y = plan.yScored as Int32Array;
      let hits = 0;
      for (let i = 0; i < y.length; i++) hits += (before[2 * i + 1] >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
      expect(hits / y.length).toBeGreaterThan(0.7);
    }
  });

  it('model.json validation rejects a corrupted stack field, naming it', () => {
    const base = stackedModelJson(stacked[0]) as unknown as { members: { model: Record<string, unknown> }[] };
    const corrupt = (edit: (m: Record<string, unknown>) => void): unknown => {
      const copy = structuredClone(base);
      edit(copy.members[0].model);
      return copy;
    };
    const cases: [(m: Record<string, unknown>) => void, string][] = [
      [(m) => (m.passthrough = 'yes'), 'model.members[0].model.passthrough'],
      [(m) => (m.inputs = []), 'model.members[0].model.inputs'],
      [(m) => delete m.meta, 'model.members[0].model.meta'],
      [(m) => ((m.meta as { classes: string[] }).classes = ['a', 'b']), 'model.members[0].model.meta.members[0].model.classes'],
    ];
    for (const [edit, field] of cases) {
      let error: unknown;
      try {
        EnsembleModel.fromJSON(corrupt(edit) as ModelJSON);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TabpilotError);
      expect((error as TabpilotError).code).toBe('MODEL_FORMAT');
      expect((error as Error).message).toContain(field);
    }
  });
});

describe('stacking in a whole job', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-stack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the stackers on the leaderboard, and the saved model predicts as the job does', async () => {
    const job = await autopilot({ ...OPTIONS, data: pima });
    const rows = job.leaderboard.filter((r) => r.origin === STACK_ORIGIN);
    expect(rows.map((r) => r.learner).sort()).toEqual(['stack-gbdt', 'stack-linear']);
    for (const r of rows) expect(r.objective).toBe(stacked.find((s) => s.candidate.kind === r.learner)!.objective);
    // Stackers are not re-runnable candidate definitions.
    expect(job.candidates.some((c) => c.learner.startsWith('stack'))).toBe(false);
    await job.save(path.join(dir, 'job'));
    const loaded = await Pipeline.load(path.join(dir, 'job', 'model'));
    expect(Array.from(loaded.predict(pima).probabilities!)).toEqual(Array.from(job.predict(pima).probabilities!));
  }, 120_000);

  it('a model directory whose model is a stack loads, predicts, and names a corrupted stack field', async () => {
    const file = path.join(dir, 'job', 'model', 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { model: ModelJSON };
    json.model = stackedModelJson(stacked[0]);
    writeFileSync(file, JSON.stringify(json));
    const loaded = await Pipeline.load(path.join(dir, 'job', 'model'));
    const expected = EnsembleModel.fromJSON(stackedModelJson(stacked[0])).predictProba(pima);
    expect(Array.from(loaded.predict(pima).probabilities!)).toEqual(Array.from(expected));
    (json.model as unknown as { members: { model: Record<string, unknown> }[] }).members[0].model.passthrough = 1;
    writeFileSync(file, JSON.stringify(json));
    await expect(Pipeline.load(path.join(dir, 'job', 'model'))).rejects.toThrow('model.members[0].model.passthrough');
  });

  it('respects a short --max-runtime with stacking on', async () => {
    const t0 = Date.now();
    const job = await autopilot({ data: pima, target: 'diabetes', objective: 'AUC', maxRuntime: 10, instances: 2, seed: 1, allowSmall: true, stack: true });
    const seconds = (Date.now() - t0) / 1000;
    expect(seconds).toBeLessThanOrEqual(10);
    expect(job.timings.phases.stackSeconds).toBeGreaterThanOrEqual(0);
    expect(job.leaderboard[0].objective).toBeGreaterThan(0.75);
  }, 60_000);
});

describe('stacking is opt-in', () => {
  it('is off unless the job asks for it', () => {
    expect(stackingEligible({}, 'auto', true)).toBe(false);
    expect(stackingEligible({ stack: true }, 'auto', true)).toBe(true);
    expect(stackingEligible({ stack: true }, 'hpo', true)).toBe(false);
    expect(stackingEligible({ stack: true }, 'auto', false)).toBe(false);
  });
});
