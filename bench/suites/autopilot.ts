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
import { gbdtSpec } from '../../src/models/gbdt/index.js';
import { sortLabels } from '../../src/models/preprocess/target.js';
import type { Task } from '../../src/models/types.js';
import { Random } from '../../src/util/random.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT, SHARED_DATASETS, type SuiteResult } from '../harness.js';

/**
 * `npm run bench -- autopilot [--quality] [--scaling] [--memory] [--budget] [options]` (no part flag: all four).
 *
 *   --quality   each shared dataset: seeded 80/20 split (seed 0); Autopilot on the 80% with --max-runtime
 *               (default 60) and 2 instances, objective AUC / LogLoss / MSE; the held-out 20% scored with AUC
 *               (binary), log loss (multiclass), RMSE (regression) against scikit-learn HistGradientBoosting,
 *               RandomForest and XGBoost defaults (python3 child, same rows) and our own GBDT defaults.
 *               Options: --datasets=a,b  --runtime=S
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
const PEER_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'suites', 'autopilot-peers.py');

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
  /** Train on these rows and score the others; otherwise train on everything. */
  readonly trainSeed?: number;
  readonly allowSmall?: boolean;
}

interface ChildResult {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly best: string;
  readonly completed: number;
  readonly candidates: number;
  readonly testMetric?: number;
}

function splitRows(n: number, seed: number): { train: Int32Array; test: Int32Array } {
  const perm = new Random(seed).permutation(n);
  const cut = Math.round(n * 0.8);
  return { train: perm.slice(0, cut).sort(), test: perm.slice(cut).sort() };
}

function classesOf(frame: Frame, target: string): string[] {
  const col = frame.column(target);
  const seen = new Set<string>();
  for (let i = 0; i < col.length; i++) {
    const s = cellString(col, i);
    if (s !== '') seen.add(s);
  }
  return sortLabels([...seen]);
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
  if (job.trainSeed !== undefined) {
    const s = splitRows(frame.numRows, job.trainSeed);
    train = frame.take(s.train);
    test = frame.take(s.test);
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
  const r = spawnSync(process.execPath, [self, '--child', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`autopilot child failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

// ---------------------------------------------------------------- parts

function findPython(): string | null {
  const r = spawnSync('python3', ['-c', 'import sklearn, xgboost, pandas'], { encoding: 'utf8' });
  return r.status === 0 ? 'python3' : null;
}

const OBJECTIVE: Record<Task, string> = { binary: 'AUC', multiclass: 'LogLoss', regression: 'MSE' };
const HIGHER_IS_BETTER: Record<Task, boolean> = { binary: true, multiclass: false, regression: false };

async function quality(args: string[], rows: BenchRow[], notes: string[]): Promise<Record<string, unknown>> {
  const only = argValue(args, '--datasets')?.split(',');
  const runtime = Number(argValue(args, '--runtime') ?? 60);
  const python = findPython();
  if (!python) notes.push('python3 with scikit-learn/xgboost/pandas not found: peers skipped');
  // --reuse-peers=FILE: take the peers' and our GBDT defaults' scores from an earlier results file (they are
  // deterministic: fixed seeds, same rows), so a re-run only repeats the Autopilot runs.
  const reuseFile = argValue(args, '--reuse-peers');
  const reused = new Map<string, BenchRow>();
  if (reuseFile) {
    const old = JSON.parse(readFileSync(reuseFile, 'utf8')) as { rows: BenchRow[] };
    for (const r of old.rows) if (r.part === 'quality') reused.set(String(r.dataset), r);
    notes.push(`peer and GBDT-default scores reused from ${reuseFile}`);
  }
  let beatPeers = 0;
  let beatOurs = 0;
  let compared = 0;
  for (const ds of datasets()) {
    if (only && !only.includes(ds.name)) continue;
    const { frame } = await readTable(ds.file);
    const classes = ds.task === 'regression' ? [] : classesOf(frame, ds.target);
    const split = splitRows(frame.numRows, 0);
    const ap = runChild({ file: ds.file, target: ds.target, task: ds.task, objective: OBJECTIVE[ds.task], maxRuntime: runtime, instances: 2, seed: 0, trainSeed: 0, allowSmall: true });
    const previous = reused.get(ds.name);
    let ours: number;
    let gbdtSeconds: number;
    let peers: { hgb?: number; rf?: number; xgb?: number } = {};
    if (previous) {
      ours = Number(previous.ours_gbdt_default);
      gbdtSeconds = Number(previous.gbdt_default_s);
      peers = { hgb: previous.sk_hgb as number | undefined, rf: previous.sk_rf as number | undefined, xgb: previous.xgboost as number | undefined };
    } else {
      // Our GBDT defaults on the same rows, in this process.
      const t0 = Date.now();
      const data = frame.drop([ds.target]);
      const model = await gbdtSpec.create({}).fit(data, frame.column(ds.target), { task: ds.task, rng: new Random(0), rows: split.train, classes: ds.task === 'regression' ? undefined : classes });
      const testData = data.take(split.test);
      ours = testMetric(ds.task, frame.take(split.test), ds.target, classes, ds.task === 'regression' ? { prediction: model.predict(testData) } : { probabilities: model.predictProba(testData) });
      gbdtSeconds = (Date.now() - t0) / 1000;
      if (python) {
        const r = spawnSync(python, [PEER_SCRIPT], {
          input: JSON.stringify({ file: ds.file, target: ds.target, task: ds.task, classes, train: Array.from(split.train) }),
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        });
        if (r.status === 0) peers = JSON.parse(r.stdout.trim().split('\n').pop()!);
        else notes.push(`${ds.name}: peers failed: ${r.stderr.slice(-300)}`);
      }
    }
    const better = (a: number, b: number) => (HIGHER_IS_BETTER[ds.task] ? a > b : a < b);
    const peerValues = [peers.hgb, peers.rf, peers.xgb].filter((v): v is number => v !== undefined && Number.isFinite(v));
    const bestPeer = peerValues.length ? peerValues.reduce((a, b) => (better(a, b) ? a : b)) : null;
    const m = ap.testMetric!;
    if (bestPeer !== null) {
      compared++;
      if (better(m, bestPeer)) beatPeers++;
    }
    if (better(m, ours)) beatOurs++;
    rows.push({
      part: 'quality',
      dataset: ds.name,
      metric: ds.task === 'binary' ? 'AUC' : ds.task === 'multiclass' ? 'logloss' : 'RMSE',
      autopilot: m,
      ours_gbdt_default: ours,
      sk_hgb: peers.hgb ?? null,
      sk_rf: peers.rf ?? null,
      xgboost: peers.xgb ?? null,
      best_peer: bestPeer,
      beats_peers: bestPeer === null ? null : better(m, bestPeer) ? 'yes' : 'no',
      beats_ours: better(m, ours) ? 'yes' : 'no',
      autopilot_s: Number(ap.seconds.toFixed(1)),
      gbdt_default_s: Number(gbdtSeconds.toFixed(1)),
      candidates: `${ap.completed}/${ap.candidates}`,
      best: ap.best,
    });
    console.error(`[bench autopilot] ${ds.name}: autopilot ${m} ours ${ours} peers ${JSON.stringify(peers)}`);
  }
  notes.push(`quality: Autopilot (--max-runtime ${runtime} --instances 2) beat the best scikit-learn/XGBoost default on ${beatPeers} of ${compared} datasets, our GBDT defaults on ${beatOurs} of ${rows.filter((r) => r.part === 'quality').length}`);
  return { beatPeers, compared, beatOurs };
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
  child(JSON.parse(process.argv[3]) as ChildJob).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error((e as Error)?.stack ?? String(e));
      process.exit(1);
    },
  );
}
