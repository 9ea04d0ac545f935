import { beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import { planJob } from '../src/automl/plan.js';
import { PRESETS, presetPortfolio } from '../src/automl/presets.js';
import { portfolio } from '../src/automl/portfolio.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { type CustomMetric, type MetricInput, rocAuc } from '../src/metrics/index.js';
import { foldCount } from '../src/models/folds.js';
import { TabpilotError } from '../src/util/errors.js';

let ames: Frame;
let pima: Frame;
beforeAll(async () => {
  ames = (await readTable('fixtures/ames.csv')).frame;
  pima = (await readTable('fixtures/pima_diabetes2.csv')).frame;
});

/** The TabpilotError code of a rejected promise (fails when it resolves or throws something else). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TabpilotError) return e.code;
    throw e;
  }
  throw new Error('expected a TabpilotError');
}

describe('presets', () => {
  // ames has 2,930 rows: above balanced's repeated-CV limit (2,000), below best's (10,000).
  it('change the fold count, CV repeats and ensemble rounds as documented', async () => {
    const plan = (presets?: 'fast' | 'balanced' | 'best', extra: object = {}) => planJob({ data: ames, target: 'Sale_Price', instances: 0, presets, ...extra });
    const balanced = await plan();
    expect([balanced.validation.kind, balanced.validation.numFolds, balanced.validation.repeats ?? 1, balanced.ensembleRounds]).toEqual(['cv', 5, 1, 25]);
    const explicitBalanced = await plan('balanced');
    expect(explicitBalanced.validation.foldOf).toEqual(balanced.validation.foldOf);

    const fast = await plan('fast');
    expect([fast.validation.numFolds, fast.validation.repeats ?? 1, foldCount(fast.validation), fast.ensembleRounds]).toEqual([3, 1, 3, 10]);
    // Every row is validated exactly once over the 3 folds.
    expect(fast.scored.length).toBe(ames.numRows);

    const best = await plan('best');
    expect([best.validation.numFolds, best.validation.repeats, foldCount(best.validation), best.ensembleRounds]).toEqual([5, 3, 15, 50]);
  });

  it('yield to explicit options', async () => {
    const fast = await planJob({ data: ames, target: 'Sale_Price', instances: 0, presets: 'fast', ensembleRounds: 40, validationFraction: 0.25 });
    expect(fast.ensembleRounds).toBe(40);
    expect(fast.validation.kind).toBe('holdout');
  });

  it('fast runs a smaller portfolio of configurations no costlier than the defaults', () => {
    const all = portfolio();
    const fast = presetPortfolio(PRESETS.fast, all);
    expect(fast.length).toBe(6);
    expect(fast.length).toBeLessThan(all.length);
    for (const e of fast) expect(e.cost ?? 1).toBeLessThanOrEqual(1);
    expect(presetPortfolio(PRESETS.balanced, all)).toEqual(all);
  });

  it('reject an unknown preset naming the choices', async () => {
    const err = await planJob({ data: ames, target: 'Sale_Price', instances: 0, presets: 'quick' as 'fast' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TabpilotError);
    expect((err as TabpilotError).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/fast, balanced or best, got "quick"/);
  });
});

describe('custom objective', () => {
  it('ranks candidates, fills the objective column and drives the search (a planted metric that prefers worse AUC)', async () => {
    const seen: { n: number; probabilities: number; labels: number }[] = [];
    // Planted: minimise AUC, so the candidate with the worst AUC must rank first.
    const lowAuc: CustomMetric = {
      name: 'planted_low_auc',
      fn: (y, p: MetricInput) => {
        seen.push({ n: y.length, probabilities: p.probabilities?.length ?? 0, labels: p.labelIndex?.length ?? 0 });
        return rocAuc(y as Int32Array, p.probabilities!, 1);
      },
      higherIsBetter: false,
    };
    const job = await autopilot({ data: pima, target: 'diabetes', objective: lowAuc, presets: 'fast', learners: ['gbdt', 'linear'], maxCandidates: 4, instances: 1, seed: 7 });
    const singles = job.leaderboard.filter((r) => r.status === 'Completed' && r.learner !== 'ensemble');
    expect(singles.length).toBeGreaterThanOrEqual(3);
    for (const r of job.leaderboard.filter((x) => x.status === 'Completed')) {
      expect(r.objectiveMetric).toBe('planted_low_auc');
      expect(r.objective).toBeCloseTo(r.metrics.AUC!, 12);
    }
    // Ranked by ascending AUC: the best row by the custom metric is the worst by AUC.
    const aucs = singles.map((r) => r.metrics.AUC!);
    expect(aucs).toEqual([...aucs].sort((a, b) => a - b));
    expect(aucs[0]).toBeLessThan(aucs[aucs.length - 1]);
    expect(job.best.metrics.AUC).toBeLessThanOrEqual(Math.min(...aucs));
    expect(job.settings.objective).toBe('planted_low_auc');
    expect(job.settings.objectiveDirection).toBe('minimize');
    // Called on this thread with the out-of-fold predictions of every row: n x 2 probabilities and n labels.
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect([s.n > 700, s.probabilities, s.labels]).toEqual([true, 2 * s.n, s.n]);
  }, 120_000);

  it('a built-in name or a throwing function is one clear INVALID_ARGUMENT', async () => {
    const clash: CustomMetric = { name: 'AUC', fn: () => 0, higherIsBetter: true };
    expect(await codeOf(planJob({ data: pima, target: 'diabetes', instances: 0, objective: clash }))).toBe('INVALID_ARGUMENT');
    const broken: CustomMetric = {
      name: 'broken',
      fn: () => {
        throw new Error('boom');
      },
      higherIsBetter: true,
    };
    const err = await autopilot({ data: pima, target: 'diabetes', objective: broken, presets: 'fast', learners: ['linear'], maxCandidates: 1, instances: 0, seed: 7 }).catch((e: unknown) => e);
    expect((err as TabpilotError).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/custom objective "broken" threw: boom/);
  }, 60_000);
});
