import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import { rankLeaderboard } from '../src/automl/leaderboard.js';
import { trialRunner } from '../src/automl/pool.js';
import { type CandidateResult, SearchState } from '../src/automl/search-state.js';
import { Featurizer } from '../src/models/featurize.js';
import { foldRows, makeValidationPlan, stratifiedFolds, stratifiedHoldout } from '../src/models/folds.js';
import { shareColumn, shareFrame } from '../src/frame/shared.js';
import { runTrial } from '../src/automl/trial.js';
import { caruanaSelection } from '../src/automl/caruana.js';
import { categoricalColumn, datetimeColumn, numericColumn, textColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { Random } from '../src/util/random.js';
import { compiledWorkerPath, isPoolTimeout, workerPool } from '../src/util/pool.js';

let pima: Frame;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-automl-'));
beforeAll(async () => {
  pima = (await readTable('fixtures/pima_diabetes2.csv')).frame;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FAST = { learners: ['gbdt', 'linear'], seed: 7 } as const;

describe('validation plan', () => {
  it('stratified folds keep class shares and sizes within one row', () => {
    const strata = Int32Array.from({ length: 103 }, (_, i) => (i < 23 ? 1 : 0));
    const foldOf = stratifiedFolds(strata, 5, new Random(1));
    for (let f = 0; f < 5; f++) {
      const { valid } = foldRows({ kind: 'cv', numFolds: 5, foldOf }, f);
      expect(valid.length === 20 || valid.length === 21).toBe(true);
      const pos = [...valid].filter((r) => strata[r] === 1).length;
      expect(pos === 4 || pos === 5).toBe(true);
    }
  });
  it('holdout takes the fraction of every class; CV switches to holdout above 50,000 rows', () => {
    const strata = Int32Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const foldOf = stratifiedHoldout(strata, 0.2, new Random(3));
    expect([...foldOf].filter((f, i) => f === 0 && strata[i] === 1).length).toBe(20);
    expect([...foldOf].filter((f) => f === 0).length).toBe(200);
    expect(makeValidationPlan(new Int32Array(50_001), { seed: 0 }).kind).toBe('holdout');
    expect(makeValidationPlan(new Int32Array(50_000), { seed: 0 }).kind).toBe('cv');
  });
});

describe('fold hygiene', () => {
  // Real rows of pima with a text and a datetime column derived from them, so the featurizer and the linear
  // learner's imputation/scaling/one-hot all have something to learn.
  function dataset(poisonFold: number | null, foldOf: Int32Array): { features: Frame; target: ReturnType<typeof categoricalColumn> } {
    const n = pima.numRows;
    const glucose = pima.column('glucose');
    const mass = pima.column('mass');
    const g = glucose.kind === 'numeric' ? glucose.values : new Float64Array(n);
    const text = new Array<string | null>(n);
    const glucoseCopy = Float64Array.from(g);
    const when = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      text[i] = Number.isNaN(g[i]) ? null : g[i] > 140 ? 'high glucose reading' : 'normal glucose reading';
      when[i] = Date.UTC(2020, i % 12, 1 + (i % 28));
      if (poisonFold !== null && foldOf[i] === poisonFold) {
        // Validation rows get values no training row has: a leak would change the fitted statistics.
        text[i] = 'poison token never seen in training';
        glucoseCopy[i] = 1e6;
        when[i] = Date.UTC(1950, 0, 1);
      }
    }
    const diabetes = pima.column('diabetes');
    const labels = Array.from({ length: n }, (_, i) => (diabetes.kind === 'categorical' ? diabetes.dictionary[diabetes.codes[i]] : String(i % 2)));
    const classes = ['neg', 'pos'];
    const target = categoricalColumn('diabetes', Int32Array.from(labels, (l) => classes.indexOf(l)), classes);
    const features = Frame.fromColumns([numericColumn('glucose', glucoseCopy), mass, textColumn('note', text), datetimeColumn('visit', when)]);
    return { features, target };
  }

  it('a fold model is identical whatever the validation rows contain', async () => {
    const foldOf = stratifiedFolds(Int32Array.from({ length: pima.numRows }, (_, i) => i % 2), 5, new Random(5));
    const fit = async (poison: boolean) => {
      const { features, target } = dataset(poison ? 2 : null, foldOf);
      const buffer = new SharedArrayBuffer(foldOf.length * 4);
      new Int32Array(buffer).set(foldOf);
      return runTrial({
        datasetId: `hygiene-${poison}`,
        data: shareFrame(features),
        target: shareColumn(target),
        foldOf: buffer,
        fold: 2,
        task: 'binary',
        classes: ['neg', 'pos'],
        kind: 'linear',
        params: {},
        seed: 1,
        source: 'test',
      });
    };
    const clean = await fit(false);
    const poisoned = await fit(true);
    expect(clean.member.featurizerJson).toBeDefined();
    expect(poisoned.member.modelJson).toBe(clean.member.modelJson);
    expect(poisoned.member.featurizerJson).toBe(clean.member.featurizerJson);
    // ...while the validation predictions do see the poisoned rows.
    expect(Array.from(poisoned.predictions)).not.toEqual(Array.from(clean.predictions));
  });

  it('the featurizer learns IDF from training rows only', () => {
    const frame = Frame.fromColumns([textColumn('t', ['a b', 'a', 'zzz', null])]);
    const all = Featurizer.fit(frame, ['t'], undefined, 8).toJSON();
    const train = Featurizer.fit(frame, ['t'], Int32Array.from([0, 1]), 8).toJSON();
    expect(train.text[0].idf).not.toEqual(all.text[0].idf);
    expect(Featurizer.fit(frame.take([0, 1]), ['t'], undefined, 8).toJSON()).toEqual(train);
  });
});

describe('autopilot search', () => {
  it('is deterministic with --max-candidates whatever the number of instances', async () => {
    const run = (instances: number) => autopilot({ data: pima, target: 'diabetes', maxCandidates: 6, instances, ...FAST });
    const [one, two] = [await run(1), await run(2)];
    const key = (j: Awaited<ReturnType<typeof run>>) => j.leaderboard.map((r) => `${r.candidateId}:${r.status}:${r.objective}`);
    expect(key(two)).toEqual(key(one));
    expect(one.leaderboard.filter((r) => r.learner !== 'ensemble' && r.origin !== 'stack').length).toBe(6);
    // Every row reports all binary metrics.
    for (const r of one.leaderboard.filter((x) => x.status === 'Completed')) {
      expect(Object.keys(r.metrics).sort()).toEqual(['AUC', 'Accuracy', 'BalancedAccuracy', 'F1', 'LogLoss', 'Precision', 'Recall']);
    }
  }, 60_000);

  it('saves a job directory whose model predicts like the job, and a candidate re-runs to the same score', async () => {
    const job = await autopilot({ data: pima, target: 'diabetes', maxCandidates: 4, instances: 2, objective: 'AUC', ...FAST });
    const out = path.join(tmp, 'job');
    await job.save(out);
    const pipeline = await Pipeline.load(path.join(out, 'model'));
    const a = pipeline.predict(pima).probabilities!;
    const b = job.predict(pima).probabilities!;
    expect(Array.from(a)).toEqual(Array.from(b));
    const csv = readFileSync(path.join(out, 'leaderboard.csv'), 'utf8').split('\n');
    expect(csv[0]).toContain('candidate_id,learner,origin,status,objective_metric,objective,F1,Accuracy,AUC');
    const jobJson = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    expect(jobJson.settings.problemType).toBe('binary');
    expect(jobJson.settings.objective).toBe('AUC');
    const row = job.leaderboard.find((r) => r.candidateId.startsWith('c001'))!;
    const definition = JSON.parse(readFileSync(path.join(out, 'candidates', `${row.candidateId}.json`), 'utf8'));
    const rerun = await autopilot({ data: pima, target: 'diabetes', objective: 'AUC', seed: 7, instances: 1, candidates: [definition] });
    expect(rerun.leaderboard[0].objective).toBe(row.objective);
  }, 60_000);

  it('stays within --max-runtime including ensembling, by its own recorded timings', async () => {
    const maxRuntime = 6;
    const job = await autopilot({ data: pima, target: 'diabetes', maxRuntime, instances: 2, ...FAST });
    expect(job.leaderboard.filter((r) => r.status === 'Completed').length).toBeGreaterThan(2);
    const out = path.join(tmp, 'timed');
    await job.save(out);
    const { timings, settings } = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    expect(settings.maxRuntime).toBe(maxRuntime);
    expect(timings.totalSeconds).toBe(job.timings.totalSeconds);
    // The job's clock runs from its start to the finished job; every phase took its part of it, in order.
    expect(timings.totalSeconds).toBeLessThanOrEqual(maxRuntime);
    expect((Date.parse(timings.finishedAt) - Date.parse(timings.startedAt)) / 1000).toBeCloseTo(timings.totalSeconds, 2);
    const { setupSeconds, searchSeconds, ensembleSeconds, refitSeconds } = timings.phases;
    for (const s of [setupSeconds, searchSeconds, ensembleSeconds, refitSeconds]) expect(s).toBeGreaterThanOrEqual(0);
    expect(setupSeconds + searchSeconds + ensembleSeconds + refitSeconds).toBeLessThanOrEqual(timings.totalSeconds);
    // The search used its budget: it stops when time runs out, not for lack of candidates.
    expect(setupSeconds + searchSeconds).toBeGreaterThan(maxRuntime / 2);
  }, 30_000);

  it('records failing, hanging and out-of-memory trials as failed, replaces their workers and goes on', async () => {
    const failures = { 0: 'throw', 1: 'hang', 2: 'oom' };
    const worker = path.join(__dirname, 'helpers', 'failing-trial-worker.mjs');
    const job = await autopilot(
      { data: pima, target: 'diabetes', maxCandidates: 6, instances: 2, maxTrialSeconds: 3, workerMemoryMb: 96, ...FAST },
      { runner: (slots, memoryMb) => trialRunner(slots, memoryMb, worker, { failures }) },
    );
    const byIndex = (i: number) => job.leaderboard.find((r) => r.candidateId.startsWith(`c00${i}`))!;
    expect(byIndex(0).status).toBe('Failed');
    expect(byIndex(0).failureReason).toMatch(/fails on purpose/);
    expect(byIndex(1).status).toBe('Failed');
    expect(byIndex(1).failureReason).toMatch(/time limit/);
    expect(byIndex(2).status).toBe('Failed');
    expect(byIndex(2).failureReason).toMatch(/^out of memory/);
    // Later candidates ran on replacement workers (both original workers were terminated: hang and OOM).
    for (const i of [3, 4, 5]) expect(byIndex(i).status).toBe('Completed');
    expect(job.best.status).toBe('Completed');
  }, 60_000);

  it('class weights reach the learners: balanced raises minority recall', async () => {
    const base = { data: pima, target: 'diabetes', instances: 0, candidates: [{ learner: 'linear', hyperparameters: {} }] };
    const plain = await autopilot(base);
    const balanced = await autopilot({ ...base, classWeight: 'balanced' });
    expect(balanced.best.metrics.Recall!).toBeGreaterThan(plain.best.metrics.Recall! + 0.05);
  }, 30_000);

  it('sample weights from a column reach the learners and are not a feature', async () => {
    const diabetes = pima.column('diabetes');
    const w = Float64Array.from({ length: pima.numRows }, (_, i) => (diabetes.kind === 'categorical' && diabetes.dictionary[diabetes.codes[i]] === 'pos' ? 3 : 1));
    const data = pima.withColumn(numericColumn('w', w));
    const candidates = [{ learner: 'linear', hyperparameters: {} }];
    const plain = await autopilot({ data: pima, target: 'diabetes', instances: 0, candidates });
    const weighted = await autopilot({ data, target: 'diabetes', instances: 0, candidates, sampleWeight: 'w' });
    expect(weighted.pipeline.artifact.features.map((f) => f.name)).not.toContain('w');
    // Weighted scoring as well as weighted fitting: recall of the up-weighted class rises.
    expect(weighted.best.metrics.Recall!).toBeGreaterThan(plain.best.metrics.Recall! + 0.05);
  }, 30_000);
});

describe('worker pool', () => {
  it('finds the compiled worker from sources and says clearly when it is not built', () => {
    const fromSource = compiledWorkerPath(new URL('../src/automl/pool.ts', import.meta.url).href, 'worker.js');
    expect(fromSource).toBe(path.resolve(__dirname, '..', 'dist', 'src', 'automl', 'worker.js'));
    expect(() => compiledWorkerPath(new URL('../src/automl/pool.ts', import.meta.url).href, 'no-such-worker.js')).toThrow(expect.objectContaining({ code: 'WORKER_UNAVAILABLE' }));
    expect(() => workerPool({ filename: path.join(tmp, 'missing.js'), threads: 1 })).toThrow(expect.objectContaining({ code: 'WORKER_UNAVAILABLE' }));
  });
  it('stops a task at its time limit and replaces the worker', async () => {
    const pool = workerPool<unknown, unknown>({ filename: path.join(__dirname, 'helpers', 'failing-trial-worker.mjs'), threads: 1, workerData: { failures: { 5: 'hang' } } });
    try {
      const stopped = await pool.run({ candidate: 5 }, 300).catch((e: unknown) => e);
      expect(isPoolTimeout(stopped)).toBe(true);
      // The replacement worker runs the real trial function (which rejects this empty task with its own error).
      const next = await pool.run({ candidate: 6 }, 10_000).catch((e: unknown) => e);
      expect(isPoolTimeout(next)).toBe(false);
      expect(next).toBeInstanceOf(Error);
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('bad input', () => {
  it('names the problem clearly', async () => {
    await expect(autopilot({ data: pima, target: 'nope', maxCandidates: 1 })).rejects.toThrow(/target column "nope" is not in the data/);
    const missing = pima.withColumn(numericColumn('diabetes', new Float64Array(pima.numRows).fill(NaN)));
    await expect(autopilot({ data: missing, target: 'diabetes', maxCandidates: 1 })).rejects.toThrow(/all missing/);
    const oneClass = pima.withColumn(textColumn('diabetes', new Array(pima.numRows).fill('neg')));
    await expect(autopilot({ data: oneClass, target: 'diabetes', maxCandidates: 1 })).rejects.toThrow(/single value|only one class/);
    await expect(autopilot({ data: pima.head(300), target: 'diabetes', maxCandidates: 1 })).rejects.toThrow(/at least 500.*--allow-small/);
    await expect(autopilot({ data: pima, target: 'diabetes', maxRuntime: 1 })).rejects.toMatchObject({ code: 'BUDGET_TOO_SMALL' });
    await expect(autopilot({ data: pima, target: 'diabetes', objective: 'MSE', maxCandidates: 1 })).rejects.toThrow(/unknown objective metric "MSE" for binary/);
  });
  it('runs small data with allowSmall and warns', async () => {
    const warnings: string[] = [];
    const job = await autopilot({ data: pima.head(300), target: 'diabetes', allowSmall: true, maxCandidates: 2, instances: 0, onWarning: (m) => warnings.push(m), ...FAST });
    expect(warnings.join()).toMatch(/requires at least 500/);
    expect(job.best.status).toBe('Completed');
  }, 30_000);
});

describe('greedy ensemble selection', () => {
  it('picks complementary models with replacement', () => {
    // m2 is the best single model; m0 and m1 err in opposite directions, so adding both cancels their errors.
    const y = Float64Array.from([0, 0, 0, 0]);
    const m0 = Float64Array.from([1, -1, 1, -1]);
    const m1 = Float64Array.from([-1, 1, -1, 1]);
    const m2 = Float64Array.from([0.6, 0.6, 0.6, 0.6]);
    const r = caruanaSelection({ task: 'regression', metric: 'MSE', yTrue: y, predictions: [m0, m1, m2], rounds: 4 });
    expect(r.trace[0]).toBeCloseTo(0.36, 12); // round 1: m2 alone
    expect(r.trace[1]).toBeCloseTo(0.34, 12); // m2 + m0
    expect(r.trace[2]).toBeCloseTo(0.04, 12); // m2 + m0 + m1
    expect(Array.from(r.counts)).toEqual([2, 1, 1]); // round 4 picks m0 again (with replacement; ties to the first)
    expect(r.score).toBeCloseTo(0.085, 12);
  });
});

describe('search components', () => {
  it('TPE concentrates proposals near the optimum and stays inside the domain', async () => {
    const { proposeTpe } = await import('../src/automl/tpe.js');
    const space = {
      x: { domain: { type: 'float' as const, low: 0.001, high: 1000, log: true }, default: 1, cheap: 1 },
      k: { domain: { type: 'choice' as const, values: ['a', 'b', 'c'] }, default: 'a', cheap: 'a' },
    };
    // Loss: distance of log10(x) from 1 (x = 10), plus a penalty unless k = 'b'.
    const loss = (p: Record<string, unknown>) => Math.abs(Math.log10(p.x as number) - 1) + (p.k === 'b' ? 0 : 1);
    const rng = new Random(11);
    const history: { params: Record<string, string | number | boolean>; loss: number }[] = [];
    for (let i = 0; i < 40; i++) {
      const p = proposeTpe(space, history, rng.fork(i));
      expect(p.x as number).toBeGreaterThanOrEqual(0.001);
      expect(p.x as number).toBeLessThanOrEqual(1000);
      history.push({ params: p, loss: loss(p) });
    }
    const lastTen = history.slice(-10);
    expect(lastTen.filter((h) => h.params.k === 'b').length).toBeGreaterThanOrEqual(6);
    expect(Math.min(...history.map((h) => h.loss))).toBeLessThan(0.15);
  });
  it('the portfolio drops hyperparameters a learner does not declare and orders by value per second', async () => {
    const { portfolio } = await import('../src/automl/portfolio.js');
    const { learnerSpecs } = await import('../src/models/registry.js');
    const entries = portfolio(learnerSpecs().filter((s) => s.kind !== 'ensemble'));
    for (const e of entries) {
      const spec = learnerSpecs().find((s) => s.kind === e.kind)!;
      for (const k of Object.keys(e.params)) expect(k in spec.searchSpace || k in spec.defaults).toBe(true);
    }
    const mlpAt = entries.findIndex((e) => e.kind === 'mlp');
    const gbdtAt = entries.findIndex((e) => e.kind === 'gbdt');
    expect(gbdtAt).toBeGreaterThanOrEqual(0);
    expect(mlpAt).toBeGreaterThanOrEqual(0);
    expect(gbdtAt).toBeLessThan(mlpAt); // the expensive MLP comes after the default GBDT
    // Without arguments the portfolio covers every trainable learner of the registry.
    expect(new Set(portfolio().map((e) => e.kind))).toEqual(new Set(['gbdt', 'rf', 'extratrees', 'linear', 'mlp', 'knn']));
  });
  it('orders candidates by their index, also from 1,000 candidates on', () => {
    const state = new SearchState('F1', { startedAt: Date.now(), maxCandidates: 1200 });
    const candidates = Array.from({ length: 1200 }, (_, i) => state.newCandidate(i % 2 ? 'gbdt' : 'linear', {}, 'hpo'));
    expect(candidates[999].id).toBe('c999-gbdt');
    expect(candidates[1000].id).toBe('c1000-linear');
    // Results arrive out of order; every candidate fails, so rank is candidate order alone.
    const rng = new Random(3);
    for (const c of rng.shuffle(Int32Array.from({ length: 1200 }, (_, i) => i))) {
      const failed: CandidateResult = { candidate: candidates[c], status: 'Failed', failureReason: 'x', objective: NaN, metrics: {}, fitSeconds: 0, predictSecondsPer1000Rows: null };
      state.record(failed);
    }
    expect(state.inIndexOrder().map((r) => r.candidate.index)).toEqual(candidates.map((c) => c.index));
    const board = rankLeaderboard(state.results, undefined, 'F1');
    expect(board.map((r) => r.candidateId)).toEqual(candidates.map((c) => c.id));
    expect(board.findIndex((r) => r.candidateId === 'c1000-linear')).toBe(1000);
    expect(state.budgetLeft()).toBe(false);
  });
});
