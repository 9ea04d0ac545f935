import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import { cvSecondsEstimate, planJob } from '../src/automl/plan.js';
import { numericColumn } from '../src/frame/column.js';
import { SMALL_DATA_ROWS, portfolio } from '../src/automl/portfolio.js';
import { LEARNED_PORTFOLIO } from '../src/automl/portfolio-learned.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { REPEATED_CV_MAX_ROWS, foldCount, foldRows, makeValidationPlan, scoredRows } from '../src/models/folds.js';
import { learnerSpecs } from '../src/models/registry.js';
import type { LearnerSpec } from '../src/models/types.js';
import { Pipeline, validateArtifact } from '../src/pipeline/pipeline.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { isTabpilotError } from '../src/util/errors.js';

/** Model quality (issue 14): repeated CV on small data, the small-data portfolio, binary decision thresholds. */
let pima: Frame;

beforeAll(async () => {
  pima = (await readTable('fixtures/pima_diabetes2.csv')).frame;
});

describe('repeated stratified k-fold below REPEATED_CV_MAX_ROWS', () => {
  const strata = Int32Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0));

  it('validates every row once per repeat, with a different shuffle per repeat', () => {
    const plan = makeValidationPlan(strata, { seed: 4 });
    expect(plan.repeats).toBe(3);
    expect(foldCount(plan)).toBe(15);
    expect(scoredRows(plan).length).toBe(300);
    const seen = Array.from({ length: 3 }, () => new Int32Array(300));
    for (let f = 0; f < foldCount(plan); f++) {
      const { train, valid } = foldRows(plan, f);
      expect(train.length + valid.length).toBe(300);
      // Stratified: each validation fold has a third of positives, like the data.
      const positives = [...valid].filter((r) => strata[r] === 1).length;
      expect(positives).toBe(20);
      for (const r of valid) seen[Math.floor(f / plan.numFolds)][r]++;
    }
    for (const counts of seen) expect([...counts].every((c) => c === 1)).toBe(true);
    const first = foldRows(plan, 0).valid.join(',');
    expect(foldRows(plan, 5).valid.join(',')).not.toBe(first);
  });

  it('keeps single 5-fold CV at and above the threshold, and repeat 0 equals it', () => {
    const big = new Int32Array(REPEATED_CV_MAX_ROWS);
    const plan = makeValidationPlan(big, { seed: 1 });
    expect(plan.repeats ?? 1).toBe(1);
    expect(foldCount(plan)).toBe(5);
    const single = makeValidationPlan(strata, { seed: 4, repeats: 1 });
    const repeated = makeValidationPlan(strata, { seed: 4 });
    expect(Array.from(repeated.foldOf.subarray(0, 300))).toEqual(Array.from(single.foldOf));
  });
});

describe('holdout when the budget is too tight for k-fold CV', () => {
  it('estimates CV cost from rows x features x classes: letter-shaped data at 60 s on 2 instances is over a quarter of the budget', () => {
    // letter's training rows: 16,000 x 16 features, 26 classes; 5 folds of 12,800 rows each, 500 rounds.
    expect(cvSecondsEstimate(16_000, 16, 26, 5, 5)).toBeCloseTo(85.2, 1);
    expect(cvSecondsEstimate(16_000, 16, 26, 5, 5)).toBeGreaterThan(0.25 * 60 * 2);
    expect(cvSecondsEstimate(16_000, 16, 26, 5, 5)).toBeLessThan(0.25 * 600 * 2);
    // ames (2,344 x 80, regression) stays far below the 60 s budget's share.
    expect(cvSecondsEstimate(2_344, 80, 1, 5, 5)).toBeLessThan(0.25 * 60 * 2 * 0.2);
  });

  it('switches to a holdout with a warning under a tight budget, and keeps CV when the user chose the validation or no GBDT runs', async () => {
    const ames = (await readTable('fixtures/ames.csv')).frame;
    const base = { data: ames, target: 'Sale_Price', instances: 1 };
    // ames' 5-fold CV of the default GBDT: about 3 CPU s; a 5 s budget on one instance allows 1.25 s for it.
    const tight = await planJob({ ...base, maxRuntime: 5 });
    expect(tight.validation.kind).toBe('holdout');
    expect(tight.refit).toBe(true);
    expect(tight.warnings.map((w) => w.code)).toContain('holdout_for_budget');
    const roomy = await planJob({ ...base, maxRuntime: 60 });
    expect(roomy.validation.kind).toBe('cv');
    expect(roomy.warnings.map((w) => w.code)).not.toContain('holdout_for_budget');
    const linearOnly = await planJob({ ...base, maxRuntime: 5, learners: ['linear'] });
    expect(linearOnly.validation.kind).toBe('cv');
    const folds = await planJob({ ...base, maxRuntime: 5, groupColumn: 'Year_Sold' });
    expect([folds.validation.kind, folds.warnings.some((w) => w.code === 'holdout_for_budget')]).toEqual(['cv', false]);
  });
});

describe('small-data portfolio', () => {
  const specs = learnerSpecs().filter((s) => s.kind !== 'ensemble' && s.tags.input !== 'text') as LearnerSpec<object>[];
  it('adds k-nearest neighbours and regularised configurations below SMALL_DATA_ROWS only', () => {
    const small = portfolio(specs, 2, SMALL_DATA_ROWS - 1).map((e) => `${e.kind}:${e.name}`);
    const large = portfolio(specs, 2, 100_000).map((e) => `${e.kind}:${e.name}`);
    expect(small).toContain('knn:default');
    expect(small).toContain('gbdt:tiny-data');
    expect(large.some((e) => e.startsWith('knn:'))).toBe(false);
    expect(large).not.toContain('gbdt:tiny-data');
    expect(small.length).toBeGreaterThan(large.length);
  });
});

describe('learned portfolio', () => {
  const specs = learnerSpecs().filter((s) => s.kind !== 'ensemble' && s.tags.input !== 'text') as LearnerSpec<object>[];
  it('runs the learned configurations of the data regime first, in their learned order, then the hand-made ones', () => {
    for (const [rows, learned] of [[100_000, LEARNED_PORTFOLIO.large], [SMALL_DATA_ROWS - 1, LEARNED_PORTFOLIO.small]] as const) {
      expect(learned.length).toBeGreaterThan(2);
      const entries = portfolio(specs, 2, rows);
      expect(entries.slice(0, learned.length).map((e) => `${e.kind}:${e.name}`)).toEqual(learned.map((e) => `${e.kind}:${e.name}`));
      // Nothing of the hand-made portfolio is lost: it follows, without duplicates.
      const hand = portfolio(specs, 2, rows, false).map((e) => `${e.kind}:${JSON.stringify(e.params)}`);
      const all = entries.map((e) => `${e.kind}:${JSON.stringify(e.params)}`);
      for (const h of hand) expect(all).toContain(h);
      expect(new Set(all).size).toBe(all.length);
    }
    // The hand-made order alone has none of the configurations only the learning found.
    const handNames = portfolio(specs, 2, 100_000, false).map((e) => `${e.kind}:${e.name}`);
    expect(handNames).not.toContain(`${LEARNED_PORTFOLIO.large[0].kind}:${LEARNED_PORTFOLIO.large[0].name}`);
  });
});

describe('portfolio priced for this installation', () => {
  const specs = learnerSpecs().filter((s) => s.kind !== 'ensemble' && s.tags.input !== 'text') as LearnerSpec<object>[];
  const mlpPositions = (rows: number) => portfolio(specs, 2, rows).flatMap((e, i) => (e.kind === 'mlp' ? [i] : []));
  it('moves MLP entries back when MLP training would run on the slow cpu backend', () => {
    const saved = process.env.TABPILOT_TF_BACKEND;
    try {
      process.env.TABPILOT_TF_BACKEND = 'wasm';
      const fast = mlpPositions(100_000);
      process.env.TABPILOT_TF_BACKEND = 'cpu';
      const slow = mlpPositions(100_000);
      expect(fast.length).toBeGreaterThan(0);
      expect(slow.length).toBe(fast.length);
      // The learned portfolio's MLP entry no longer runs in the learned block, and every MLP entry moves back.
      expect(LEARNED_PORTFOLIO.large.some((e) => e.kind === 'mlp')).toBe(true);
      expect(fast[0]).toBeLessThan(LEARNED_PORTFOLIO.large.length);
      for (let i = 0; i < fast.length; i++) expect(slow[i]).toBeGreaterThanOrEqual(fast[i]);
      expect(slow[0]).toBeGreaterThan(fast[0]);
      expect(slow[0]).toBeGreaterThanOrEqual(LEARNED_PORTFOLIO.large.length);
    } finally {
      if (saved === undefined) delete process.env.TABPILOT_TF_BACKEND;
      else process.env.TABPILOT_TF_BACKEND = saved;
    }
  });
});

describe('decision threshold for binary label objectives', () => {
  it('is tuned on out-of-fold predictions, stored in model.json and applied by predict and by serve', async () => {
    const job = await autopilot({
      data: pima,
      target: 'diabetes',
      objective: 'F1',
      candidates: [{ learner: 'linear', hyperparameters: {} }],
      instances: 0,
      seed: 0,
    });
    const threshold = job.pipeline.artifact.decisionThreshold;
    // The positive class is the minority (35 %): F1 prefers a threshold below 0.5.
    expect(threshold).toBeDefined();
    expect(threshold!).toBeLessThan(0.5);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-threshold-'));
    try {
      await job.save(dir);
      const loaded = await Pipeline.load(path.join(dir, 'model'));
      expect(loaded.artifact.decisionThreshold).toBe(threshold);
      const result = loaded.predict(pima);
      const p = result.probabilities!;
      let changed = 0;
      for (let i = 0; i < pima.numRows; i++) {
        expect(result.labelIndex![i]).toBe(p[2 * i + 1] >= threshold! ? 1 : 0);
        if (p[2 * i + 1] >= threshold! && p[2 * i + 1] < 0.5) changed++;
      }
      expect(changed).toBeGreaterThan(0);
      const served = predictorFromPipeline(loaded).predict(pima);
      expect(Array.from(served.labelIndex!)).toEqual(Array.from(result.labelIndex!));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not set for a ranking objective (AUC)', async () => {
    const job = await autopilot({ data: pima, target: 'diabetes', objective: 'AUC', candidates: [{ learner: 'linear', hyperparameters: {} }], instances: 0 });
    expect(job.pipeline.artifact.decisionThreshold).toBeUndefined();
  });

  it('is validated: a number in [0, 1], binary models only', () => {
    const base = JSON.parse(JSON.stringify(job0Artifact()));
    for (const bad of [{ ...base, decisionThreshold: 1.5 }, { ...base, decisionThreshold: 'high' }, { ...base, task: 'regression', classes: undefined, decisionThreshold: 0.3 }]) {
      try {
        validateArtifact(bad);
        expect.unreachable('must be rejected');
      } catch (e) {
        expect(isTabpilotError(e) && e.code).toBe('MODEL_FORMAT');
        expect((e as Error).message).toContain('decisionThreshold');
      }
    }
  });
});

describe('--group-column and --fold-column', () => {
  /** Patient-like groups of uneven size (1 to 7 rows), so a plain row split would put a group in two folds. */
  function groupIds(n: number): Float64Array {
    const g = new Float64Array(n);
    for (let i = 0, id = 0; i < n; id++) for (let s = 0; s < 1 + (id % 7) && i < n; s++) g[i++] = id;
    return g;
  }

  it('grouped CV puts no group in two folds and drops the group column from the features', async () => {
    const data = pima.withColumn(numericColumn('patient', groupIds(pima.numRows)));
    const plan = await planJob({ data, target: 'diabetes', groupColumn: 'patient', maxCandidates: 1, instances: 0 });
    expect(plan.features.has('patient')).toBe(false);
    expect(plan.validation.numFolds).toBe(5);
    const foldOfGroup = new Map<number, number>();
    const g = groupIds(pima.numRows);
    for (let i = 0; i < pima.numRows; i++) {
      const f = plan.validation.foldOf[i];
      expect(foldOfGroup.get(g[i]) ?? f).toBe(f);
      foldOfGroup.set(g[i], f);
    }
    // Balanced in rows: no fold more than 10 % away from n / 5.
    for (let f = 0; f < 5; f++) expect(Math.abs(plan.foldValid[f].length - pima.numRows / 5)).toBeLessThan(pima.numRows * 0.02 + 8);
  });

  it('a fold column is used as given; bad columns fail with a clear code', async () => {
    const fold = Float64Array.from({ length: pima.numRows }, (_, i) => (i < 300 ? 10 : i < 500 ? 20 : 30));
    const data = pima.withColumn(numericColumn('fold', fold));
    const plan = await planJob({ data, target: 'diabetes', foldColumn: 'fold', maxCandidates: 1, instances: 0 });
    expect(plan.validation.numFolds).toBe(3);
    expect(plan.foldValid.map((v) => v.length)).toEqual([300, 200, pima.numRows - 500]);
    expect(plan.features.has('fold')).toBe(false);
    const codeOf = async (opts: object) => planJob({ data, target: 'diabetes', maxCandidates: 1, instances: 0, ...opts }).then(() => 'ok', (e: unknown) => (isTabpilotError(e) ? e.code : String(e)));
    expect(await codeOf({ foldColumn: 'nope' })).toBe('UNKNOWN_COLUMN');
    expect(await codeOf({ foldColumn: 'fold', groupColumn: 'fold' })).toBe('INVALID_ARGUMENT');
    expect(await codeOf({ groupColumn: 'fold' })).toBe('INVALID_ARGUMENT');
  });
});

/** A minimal valid binary artifact. */
function job0Artifact(): unknown {
  return {
    format: 'tabpilot-model-dir',
    formatVersion: 1,
    task: 'binary',
    target: 'y',
    classes: ['a', 'b'],
    features: [{ name: 'x', kind: 'numeric' }],
    model: { kind: 'linear' },
    training: {},
  };
}
