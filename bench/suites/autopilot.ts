import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { autopilot } from '../../src/automl/autopilot.js';
import type { CandidateDefinition } from '../../src/automl/job.js';
import { cellString, toFloat64 } from '../../src/frame/column.js';
import type { Frame } from '../../src/frame/frame.js';
import { readTable } from '../../src/io/index.js';
import { logLoss, rmse, rocAuc } from '../../src/metrics/index.js';
import type { Task } from '../../src/models/types.js';
import { Random } from '../../src/util/random.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT, SHARED_DATASETS, type SuiteResult } from '../harness.js';

/**
 * `npm run bench -- autopilot [--quality] [--scaling] [--memory] [--budget] [options]` (no part flag: all four).
 *
 *   --quality   each shared dataset: Autopilot with --max-runtime (default 60) and 2 instances, objective AUC /
 *               LogLoss / MSE, trained on the rows outside ../shared/anchors/splits/<name>.json's test rows and
 *               scored on them with the anchors' metrics (ROC AUC, log loss, RMSE) against the anchors' five
 *               library defaults and FLAML's 60 s score; prints the targets with met / not met.
 *               Options: --datasets=a,b  --max-runtime=S  --seeds=0-4 (adds the mean-rank row)
 *               --stack (opt-in stacking on) --no-calibrate (LogLoss temperature scaling off)
 *   --scaling   one fixed candidate list (no runtime limit) with 1 and 2 instances: wall-time ratio.
 *               Options: --scaling-dataset=NAME
 *   --memory    peak RSS of the whole process (main thread + workers) with 1 and 2 instances on fertility.csv
 *               (the same fixed candidate list). Options: --memory-dataset=NAME
 *   --budget    runs with random budgets (seeded) between 10 and 120 s over several datasets; overrun per run.
 *               Options: --budget-runs=N (default 20)  --budget-max=S (default 120)
 *
 * Every Autopilot run happens in a child process (this file run directly with --child) so peak RSS and timing
 * belong to that run alone.
 */

interface DatasetInfo {
  readonly name: string;
  readonly file: string;
  readonly target: string;
  readonly task: Task;
  readonly rows: number;
}

function datasets(): DatasetInfo[] {
  const manifest = JSON.parse(readFileSync(path.join(SHARED_DATASETS, 'manifest.json'), 'utf8')) as { datasets: DatasetInfo[] };
  return manifest.datasets.map((d) => ({ ...d, file: path.join(SHARED_DATASETS, d.file) })).sort((a, b) => a.rows - b.rows);
}

function argValue(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

// ---------------------------------------------------------------- child process

interface ChildJob {
  readonly file: string;
  readonly target: string;
  readonly task?: Task;
  readonly objective?: string;
  readonly maxRuntime?: number;
  readonly maxCandidates?: number;
  readonly candidates?: CandidateDefinition[];
  readonly instances: number;
  readonly seed: number;
  /** Score these rows (0-based data rows) and train on the others; otherwise train on everything. */
  readonly testRows?: readonly number[];
  readonly allowSmall?: boolean;
  /** Autopilot's stacking (default off; --stack) and LogLoss calibration (default on; --no-calibrate). */
  readonly stack?: boolean;
  readonly calibrate?: boolean;
}

interface ChildResult {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly best: string;
  readonly completed: number;
  readonly candidates: number;
  readonly testMetric?: number;
}

/** AUC (binary), log loss (multiclass) or RMSE (regression) of predictions on the test frame. */
function testMetric(task: Task, test: Frame, target: string, classes: readonly string[], prediction: { probabilities?: Float64Array; prediction?: Float64Array }): number {
  const col = test.column(target);
  if (task === 'regression') return rmse(Float64Array.from(toFloat64(col)), prediction.prediction!);
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from({ length: col.length }, (_, i) => index.get(cellString(col, i)) ?? 0);
  return task === 'binary' ? rocAuc(y, prediction.probabilities!) : logLoss(y, prediction.probabilities!);
}

async function child(job: ChildJob): Promise<ChildResult> {
  const { frame } = await readTable(job.file);
  let train = frame;
  let test: Frame | undefined;
  if (job.testRows !== undefined) {
    const isTest = new Uint8Array(frame.numRows);
    for (const r of job.testRows) isTest[r] = 1;
    const trainRows: number[] = [];
    for (let r = 0; r < frame.numRows; r++) if (!isTest[r]) trainRows.push(r);
    train = frame.take(Int32Array.from(trainRows));
    test = frame.take(Int32Array.from(job.testRows));
  }
  const out = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-bench-ap-'));
  // The budget covers the job from the call to the written directory (reading the CSV is the caller's).
  const t0 = Date.now();
  const result = await autopilot({
    data: train,
    target: job.target,
    problemType: job.task,
    objective: job.objective,
    maxRuntime: job.maxRuntime,
    maxCandidates: job.maxCandidates,
    candidates: job.candidates,
    instances: job.instances,
    seed: job.seed,
    allowSmall: job.allowSmall,
    stack: job.stack,
    calibrate: job.calibrate,
    sourceFile: job.file,
  });
  await result.save(out);
  const seconds = (Date.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  let metric: number | undefined;
  if (test) {
    const p = result.predict(test);
    metric = testMetric(result.task, test, job.target, result.settings.classes ?? [], p);
  }
  return {
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    best: `${result.best.candidateId}`,
    completed: result.leaderboard.filter((r) => r.status === 'Completed').length,
    candidates: result.leaderboard.length,
    testMetric: metric,
  };
}

function runChild(job: ChildJob): ChildResult {
  const self = fileURLToPath(import.meta.url);
  // The job goes through stdin: a test-row list is too long for one command-line argument.
  const r = spawnSync(process.execPath, [self, '--child'], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`autopilot child could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`autopilot child failed (${r.status ?? r.signal}): ${(r.stderr ?? '').slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

// ---------------------------------------------------------------- parts

// ---------------------------------------------------------------- quality against the anchors

const ANCHORS = path.resolve(PROJECT_ROOT, '../shared/anchors');
/** The five library defaults measured in ../shared/anchors/scores.json. */
const DEFAULT_MODELS = ['hgb', 'rf', 'linear', 'xgb', 'lgbm'] as const;
const OBJECTIVE: Record<Task, string> = { binary: 'AUC', multiclass: 'LogLoss', regression: 'MSE' };
const HIGHER_IS_BETTER: Record<Task, boolean> = { binary: true, multiclass: false, regression: false };
const ANCHOR_METRIC: Record<Task, string> = { binary: 'auc', multiclass: 'log_loss', regression: 'rmse' };
/** Target: beat the best of the five defaults on at least this many datasets. */
const BEAT_BEST_DEFAULT_TARGET = 9;
/** Issue 14's short-budget row: with --max-runtime 15 (or less), beat FLAML's 60 s score on at least this many. */
const SHORT_RUNTIME_S = 15;
const SHORT_RUNTIME_FLAML_WINS = 6;

interface AnchorScores {
  readonly task: Task;
  readonly models: Record<string, Array<Record<string, number>>>;
  readonly flaml_60s_seed0?: Record<string, number> | null;
}

function anchors(): { scores: Record<string, AnchorScores>; testRows: (name: string, seed: number) => number[] } {
  const scores = (JSON.parse(readFileSync(path.join(ANCHORS, 'scores.json'), 'utf8')) as { datasets: Record<string, AnchorScores> }).datasets;
  const testRows = (name: string, seed: number): number[] => {
    const split = JSON.parse(readFileSync(path.join(ANCHORS, 'splits', `${name}.json`), 'utf8')) as { test_indices: Record<string, number[]> };
    const rows = split.test_indices[`seed${seed}`];
    if (!rows) throw new Error(`${name}: anchors have no split seed ${seed}`);
    return rows;
  };
  return { scores, testRows };
}

/** `--seeds=0-4` or `--seeds=0,2`. */
function parseSeeds(text: string | undefined): number[] {
  if (!text) return [0];
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return text.split(',').map(Number);
}

/** Rank (1 = best, ties share the mean rank) of `value` among `values` (which contains it). */
function rankOf(value: number, values: readonly number[], higherIsBetter: boolean): number {
  const better = values.filter((v) => (higherIsBetter ? v > value : v < value)).length;
  const ties = values.filter((v) => v === value).length;
  return better + (ties + 1) / 2;
}

async function quality(args: string[], rows: BenchRow[], notes: string[]): Promise<Record<string, unknown>> {
  const only = argValue(args, '--datasets')?.split(',');
  const runtime = Number(argValue(args, '--max-runtime') ?? argValue(args, '--runtime') ?? 60);
  const seeds = parseSeeds(argValue(args, '--seeds'));
  const { scores, testRows } = anchors();
  let beatFlaml = 0;
  let flamlCompared = 0;
  let beatBest = 0;
  let bestCompared = 0;
  const rankSums = new Map<string, number>();
  let rankCount = 0;
  /** Per dataset: the rank sums of the six over its seeds, and how many seeds were ranked. */
  const datasetRanks = new Map<string, { sums: Map<string, number>; count: number }>();
  for (const ds of datasets()) {
    if (only && !only.includes(ds.name)) continue;
    const anchor = scores[ds.name];
    if (!anchor) {
      notes.push(`${ds.name}: no anchor scores`);
      continue;
    }
    const key = ANCHOR_METRIC[ds.task];
    const higher = HIGHER_IS_BETTER[ds.task];
    const better = (a: number, b: number) => (higher ? a > b : a < b);
    for (const seed of seeds) {
      let ap: ChildResult | null = null;
      try {
        ap = runChild({ file: ds.file, target: ds.target, task: ds.task, objective: OBJECTIVE[ds.task], maxRuntime: runtime, instances: 2, seed: 0, testRows: testRows(ds.name, seed), allowSmall: true, stack: args.includes('--stack'), calibrate: !args.includes('--no-calibrate') });
      } catch (e) {
        // A failed job (say no candidate finished in time) is a result too: it loses every comparison.
        notes.push(`${ds.name} seed ${seed}: ${String((e as Error).message).split('\n').find((l) => l.includes('Error')) ?? (e as Error).message}`);
      }
      const m = ap?.testMetric ?? NaN;
      const defaults = DEFAULT_MODELS.map((k) => anchor.models[k]?.[seed]?.[key]).filter((v): v is number => Number.isFinite(v));
      const bestDefault = defaults.reduce((a, b) => (better(a, b) ? a : b));
      const flaml = seed === 0 ? anchor.flaml_60s_seed0?.[key] : undefined;
      const row: BenchRow = { part: 'quality', dataset: ds.name, seed, metric: key, autopilot: m, best_default: bestDefault };
      for (const k of DEFAULT_MODELS) row[k] = anchor.models[k]?.[seed]?.[key] ?? null;
      row.flaml_60s = flaml ?? null;
      row.beats_best_default = better(m, bestDefault) ? 'yes' : 'no';
      row.beats_flaml = flaml === undefined ? null : better(m, flaml) ? 'yes' : 'no';
      row.autopilot_s = ap ? Number(ap.seconds.toFixed(1)) : null;
      row.candidates = ap ? `${ap.completed}/${ap.candidates}` : 'failed';
      row.best = ap?.best ?? null;
      rows.push(row);
      if (seed === 0) {
        bestCompared++;
        if (better(m, bestDefault)) beatBest++;
        if (flaml !== undefined) {
          flamlCompared++;
          if (better(m, flaml)) beatFlaml++;
        }
      }
      // A failed job ranks last.
      const all = [Number.isFinite(m) ? m : higher ? -Infinity : Infinity, ...DEFAULT_MODELS.map((k) => anchor.models[k]?.[seed]?.[key] ?? NaN)];
      if (all.slice(1).every(Number.isFinite)) {
        rankCount++;
        const own = datasetRanks.get(ds.name) ?? { sums: new Map<string, number>(), count: 0 };
        own.count++;
        datasetRanks.set(ds.name, own);
        ['autopilot', ...DEFAULT_MODELS].forEach((name, i) => {
          const r = rankOf(all[i], all, higher);
          rankSums.set(name, (rankSums.get(name) ?? 0) + r);
          own.sums.set(name, (own.sums.get(name) ?? 0) + r);
        });
      }
      console.error(`[bench autopilot] ${ds.name} seed ${seed}: autopilot ${m} best default ${bestDefault} flaml ${flaml ?? '-'}`);
    }
  }
  const meanRanks = Object.fromEntries([...rankSums].map(([k, v]) => [k, v / Math.max(1, rankCount)]));
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const targets: BenchRow[] = [
    {
      part: 'target',
      dataset: `beat FLAML 60 s (seed 0, ${runtime} s; target ${runtime <= SHORT_RUNTIME_S ? `${SHORT_RUNTIME_FLAML_WINS} of 10` : 'all'})`,
      result: `${beatFlaml} of ${flamlCompared}`,
      status: met(flamlCompared > 0 && beatFlaml >= (runtime <= SHORT_RUNTIME_S ? Math.min(SHORT_RUNTIME_FLAML_WINS, flamlCompared) : flamlCompared)),
    },
    { part: 'target', dataset: `beat best of 5 defaults (seed 0, ${runtime} s)`, result: `${beatBest} of ${bestCompared}`, status: met(beatBest >= Math.min(BEAT_BEST_DEFAULT_TARGET, bestCompared)) },
  ];
  if (seeds.length > 1) targets.push(...rankRows(datasetRanks, meanRanks, seeds, runtime, rows));
  rows.push(...targets);
  notes.push(`quality: Autopilot (--max-runtime ${runtime} --instances 2) on the anchors' split rows; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  return { beatFlaml, flamlCompared, beatBest, bestCompared, meanRanks };
}

/**
 * Issue 14's rank target: per dataset, the mean rank over the seeds of Autopilot and each default (a `rank` row
 * each), Autopilot's the best (strictly) on every dataset; the mean over all datasets is printed beside it.
 */
function rankRows(datasetRanks: Map<string, { sums: Map<string, number>; count: number }>, meanRanks: Record<string, number>, seeds: readonly number[], runtime: number, rows: BenchRow[]): BenchRow[] {
  let best = 0;
  for (const [dataset, { sums, count }] of datasetRanks) {
    const mean = (k: string) => (sums.get(k) ?? NaN) / count;
    const rival = DEFAULT_MODELS.reduce((a, b) => (mean(b) < mean(a) ? b : a));
    const ours = mean('autopilot');
    if (ours < mean(rival)) best++;
    rows.push({ part: 'rank', dataset, seeds: count, autopilot: Number(ours.toFixed(2)), best_default: `${rival} ${mean(rival).toFixed(2)}`, best: ours < mean(rival) ? 'yes' : 'no' });
  }
  const ours = meanRanks.autopilot ?? NaN;
  const bestOther = Math.min(...DEFAULT_MODELS.map((k) => meanRanks[k] ?? Infinity));
  return [
    { part: 'target', dataset: `mean rank of 6 the best on every dataset (seeds ${seeds.join(',')}, ${runtime} s)`, result: `${best} of ${datasetRanks.size}`, status: best === datasetRanks.size && best > 0 ? 'met' : 'not met' },
    { part: 'info', dataset: `mean rank of 6 over all datasets (seeds ${seeds.join(',')})`, result: `${ours.toFixed(2)} (best default ${bestOther.toFixed(2)})`, status: '-' },
  ];
}

const FIXED_CANDIDATES: CandidateDefinition[] = [
  { learner: 'gbdt', hyperparameters: {} },
  { learner: 'gbdt', hyperparameters: { learningRate: 0.1, numLeaves: 15, numRounds: 200 } },
  { learner: 'rf', hyperparameters: {} },
  { learner: 'extratrees', hyperparameters: {} },
  { learner: 'linear', hyperparameters: {} },
  { learner: 'gbdt', hyperparameters: { learningRate: 0.05, numLeaves: 63, minDataInLeaf: 50, featureFraction: 0.7 } },
];

function scaling(args: string[], rows: BenchRow[], notes: string[]): Record<string, unknown> {
  const ds = datasets().find((d) => d.name === (argValue(args, '--scaling-dataset') ?? 'mlc_churn'))!;
  const base = { file: ds.file, target: ds.target, task: ds.task, candidates: FIXED_CANDIDATES, seed: 0 };
  const one = runChild({ ...base, instances: 1 });
  const two = runChild({ ...base, instances: 2 });
  const ratio = one.seconds / two.seconds;
  rows.push({ part: 'scaling', dataset: ds.name, instances_1_s: one.seconds, instances_2_s: two.seconds, speedup: ratio, candidates: FIXED_CANDIDATES.length });
  notes.push(`scaling: ${FIXED_CANDIDATES.length} fixed candidates x 5 folds on ${ds.name}: ${one.seconds.toFixed(1)} s with 1 instance, ${two.seconds.toFixed(1)} s with 2 (${ratio.toFixed(2)}x; target >= 1.7x)`);
  return { one: one.seconds, two: two.seconds, ratio };
}

function memory(args: string[], rows: BenchRow[], notes: string[]): Record<string, unknown> {
  const ds = datasets().find((d) => d.name === (argValue(args, '--memory-dataset') ?? 'fertility'))!;
  const candidates: CandidateDefinition[] = [
    { learner: 'gbdt', hyperparameters: { numRounds: 100 } },
    { learner: 'gbdt', hyperparameters: { learningRate: 0.1, numLeaves: 15, numRounds: 100 } },
    { learner: 'linear', hyperparameters: {} },
    { learner: 'rf', hyperparameters: { numTrees: 30, maxDepth: 12 } },
  ];
  const base = { file: ds.file, target: ds.target, task: ds.task, candidates, seed: 0 };
  const one = runChild({ ...base, instances: 1 });
  const two = runChild({ ...base, instances: 2 });
  const ratio = two.maxRssMb / one.maxRssMb;
  rows.push({ part: 'memory', dataset: ds.name, rss_1_mb: one.maxRssMb, rss_2_mb: two.maxRssMb, ratio, instances_1_s: one.seconds, instances_2_s: two.seconds });
  notes.push(`memory: peak RSS on ${ds.name} (${candidates.length} fixed candidates): ${one.maxRssMb.toFixed(0)} MB with 1 instance, ${two.maxRssMb.toFixed(0)} MB with 2 (${ratio.toFixed(2)}x; target <= 1.6x)`);
  return { one: one.maxRssMb, two: two.maxRssMb, ratio };
}

function budget(args: string[], rows: BenchRow[], notes: string[]): Record<string, unknown> {
  const runs = Number(argValue(args, '--budget-runs') ?? 20);
  const max = Number(argValue(args, '--budget-max') ?? 120);
  const rng = new Random(2024);
  const pool = datasets().filter((d) => ['credit_data', 'mlc_churn', 'letter', 'ames', 'diamonds', 'fertility', 'concrete'].includes(d.name));
  let worst = -Infinity;
  let violations = 0;
  for (let r = 0; r < runs; r++) {
    const ds = pool[r % pool.length];
    const limit = Math.round(10 + rng.next() * (max - 10));
    const res = runChild({ file: ds.file, target: ds.target, task: ds.task, maxRuntime: limit, instances: 2, seed: r });
    const over = res.seconds - limit;
    const allowed = Math.max(2, limit * 0.05);
    if (over > allowed) violations++;
    worst = Math.max(worst, over);
    rows.push({ part: 'budget', run: r + 1, dataset: ds.name, budget_s: limit, job_s: res.seconds, overrun_s: over, ok: over <= allowed ? 'yes' : 'no', completed: res.completed });
    console.error(`[bench autopilot] budget run ${r + 1}/${runs}: ${ds.name} budget ${limit} s, job ${res.seconds.toFixed(1)} s`);
  }
  notes.push(`budget: ${runs} runs with budgets in [10, ${max}] s: ${violations} overran by more than max(5%, 2 s); worst overrun ${worst.toFixed(2)} s`);
  return { runs, violations, worst };
}

export const suite: BenchSuite = {
  description: 'Autopilot quality vs scikit-learn/XGBoost defaults, 1 vs 2 instance scaling and memory, budget adherence',
  async run(args: string[]): Promise<SuiteResult> {
    if (!existsSync(SHARED_DATASETS)) return { suite: 'autopilot', rows: [], notes: [`${SHARED_DATASETS} not found: nothing to run`] };
    const parts = ['--quality', '--scaling', '--memory', '--budget'].filter((p) => args.includes(p));
    const chosen = parts.length > 0 ? parts : ['--quality', '--scaling', '--memory', '--budget'];
    const rows: BenchRow[] = [];
    const notes: string[] = [`machine: ${os.cpus().length} cores shared with other work; timings are noisy`];
    const extra: Record<string, unknown> = {};
    if (chosen.includes('--scaling')) extra.scaling = scaling(args, rows, notes);
    if (chosen.includes('--memory')) extra.memory = memory(args, rows, notes);
    if (chosen.includes('--quality')) extra.quality = await quality(args, rows, notes);
    if (chosen.includes('--budget')) extra.budget = budget(args, rows, notes);
    return { suite: 'autopilot', rows, notes, extra };
  },
};

if (process.argv[2] === '--child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  child(JSON.parse(readFileSync(0, 'utf8')) as ChildJob).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error((e as Error)?.stack ?? String(e));
      process.exit(1);
    },
  );
}
