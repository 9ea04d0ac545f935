// Learns Autopilot's zero-shot portfolio from data (issue 14; TabRepo's / AutoGluon's zero-shot portfolio, FLAML's
// zero-shot): runs every configuration of a candidate pool with Autopilot's own cross-validation on the training rows
// (split seed 0 of ../shared/anchors: the anchors' test rows are never used) of each shared dataset, then greedily
// picks, per data-size regime, the ordered set of configurations that covers the datasets best per second.
//
//   npm run build
//   node scripts/learn-portfolio.mjs run [--datasets=a,b] [--max-rows=5000]   CV scores -> bench/results/portfolio/<name>.json
//   node scripts/learn-portfolio.mjs select                                  -> src/automl/portfolio-learned.ts (+ a report)
//
// `run` is resumable: a dataset whose result file exists is skipped (delete it to re-run). `select` also prints a
// leave-one-dataset-out check: the portfolio learned without a dataset, scored on it, against the hand-made order.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(root, '../shared');
const OUT_DIR = path.join(root, 'bench', 'results', 'portfolio');
const LEARNED_TS = path.join(root, 'src', 'automl', 'portfolio-learned.ts');
/** Training rows per dataset, at most (a seeded subsample above it): keeps the pool affordable on 2 cores. */
const DEFAULT_MAX_ROWS = 2_500;
/** One fold fit may take at most this long; a slower configuration counts as failed (worst regret) there. */
const MAX_TRIAL_SECONDS = 120;
// The two data regimes get a portfolio each, split where Autopilot's portfolio splits them.
const { SMALL_DATA_ROWS } = await import('../dist/src/automl/portfolio.js');
const { METRIC_DIRECTION } = await import('../dist/src/metrics/index.js');
/** Portfolio length per regime: after this many picks the remaining gain is noise on 5-6 datasets. */
const MAX_PICKS = 12;
/** Regret of a configuration that failed or timed out on a dataset (normalised regret is clipped to [0, 1]). */
const FAILED_REGRET = 1;
/** The quality bench's objectives (bench/suites/autopilot.ts): what the portfolio is chosen for. */
const OBJECTIVE = { binary: 'AUC', multiclass: 'LogLoss', regression: 'MSE' };

const args = process.argv.slice(2);
const argValue = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** The candidate pool: the hand-made portfolio's tabular entries plus variants around them. */
function candidatePool(handMade) {
  const pool = handMade.filter((e) => !e.kind.startsWith('text-')).map((e) => ({ kind: e.kind, name: e.name, params: e.params }));
  const more = [
    ['gbdt', 'lr05-l15', { learningRate: 0.05, numLeaves: 15, minDataInLeaf: 20 }],
    ['gbdt', 'lr05-l63-ff07', { learningRate: 0.05, numLeaves: 63, minDataInLeaf: 10, featureFraction: 0.7 }],
    ['gbdt', 'lr1-l7', { learningRate: 0.1, numLeaves: 7, minDataInLeaf: 10 }],
    ['gbdt', 'lr03-l15-bag', { learningRate: 0.03, numLeaves: 15, baggingFraction: 0.7, baggingFreq: 1, featureFraction: 0.7, numRounds: 1000 }],
    ['gbdt', 'lr05-l127-ff05', { learningRate: 0.05, numLeaves: 127, minDataInLeaf: 3, featureFraction: 0.5 }],
    ['gbdt', 'l2-30', { learningRate: 0.05, numLeaves: 31, lambdaL2: 30, minDataInLeaf: 20 }],
    ['gbdt', 'depth6', { learningRate: 0.05, numLeaves: 63, maxDepth: 6 }],
    ['gbdt', 'ff05-bag', { learningRate: 0.05, numLeaves: 31, featureFraction: 0.5, baggingFraction: 0.8, baggingFreq: 1 }],
    ['rf', 'leaf5', { minSamplesLeaf: 5 }],
    ['rf', 'log2', { maxFeatures: 'log2' }],
    ['extratrees', 'sqrt', { maxFeatures: 'sqrt' }],
    ['extratrees', 'leaf3', { minSamplesLeaf: 3 }],
    ['mlp', 'narrow', { hiddenWidth: 64, dropout: 0 }],
    ['mlp', 'deep', { depth: 3, hiddenWidth: 128, dropout: 0.2 }],
    ['knn', 'k5', { k: 5 }],
    ['linear', 'C0.01', { C: 0.01 }],
  ];
  for (const [kind, name, params] of more) pool.push({ kind, name, params });
  const seen = new Set();
  return pool.filter((c) => {
    const key = `${c.kind}:${JSON.stringify(c.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const keyOf = (c) => `${c.kind}/${c.name}`;

function manifest() {
  return JSON.parse(readFileSync(path.join(SHARED, 'datasets', 'manifest.json'), 'utf8')).datasets;
}

/** Seeded subsample (Fisher-Yates with a small LCG) so every run sees the same rows. */
function subsample(rows, max) {
  if (rows.length <= max) return rows;
  const a = rows.slice();
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(next() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, max).sort((x, y) => x - y);
}

async function runDataset(d, pool, maxRows) {
  const { readTable } = await import('../dist/src/io/index.js');
  const { autopilot } = await import('../dist/src/automl/autopilot.js');
  const { frame } = await readTable(path.join(SHARED, 'datasets', d.file));
  const split = JSON.parse(readFileSync(path.join(SHARED, 'anchors', 'splits', `${d.name}.json`), 'utf8'));
  const isTest = new Uint8Array(frame.numRows);
  for (const r of split.test_indices.seed0) isTest[r] = 1;
  const train = [];
  for (let r = 0; r < frame.numRows; r++) if (!isTest[r]) train.push(r);
  const rows = subsample(train, maxRows);
  const data = frame.take(Int32Array.from(rows));
  const started = Date.now();
  const job = await autopilot({
    data,
    target: d.target,
    problemType: d.task,
    objective: OBJECTIVE[d.task],
    candidates: pool.map((c) => ({ candidateId: keyOf(c), learner: c.kind, hyperparameters: c.params })),
    instances: 1,
    seed: 0,
    allowSmall: true,
    refit: false,
    maxRuntime: 6 * 3600,
    maxTrialSeconds: MAX_TRIAL_SECONDS,
  });
  const results = {};
  for (const row of job.leaderboard) {
    // Candidate ids are cNNN-kind, NNN the index in the given list.
    const index = Number(/^c(\d+)-/.exec(row.candidateId)?.[1] ?? NaN);
    if (!Number.isInteger(index) || pool[index] === undefined) continue;
    results[keyOf(pool[index])] = { status: row.status, objective: row.objective, fitSeconds: row.fitSeconds };
  }
  return {
    dataset: d.name,
    task: d.task,
    trainRows: rows.length,
    fullTrainRows: train.length,
    objectiveMetric: job.leaderboard[0]?.objectiveMetric,
    seconds: (Date.now() - started) / 1000,
    loadAverage: os.loadavg(),
    results,
  };
}

async function run() {
  const { portfolio } = await import('../dist/src/automl/portfolio.js');
  const pool = candidatePool(portfolio(undefined, 2, 0, false));
  const only = argValue('datasets')?.split(',');
  const maxRows = Number(argValue('max-rows') ?? DEFAULT_MAX_ROWS);
  mkdirSync(OUT_DIR, { recursive: true });
  for (const d of manifest().sort((a, b) => a.rows - b.rows)) {
    if (only && !only.includes(d.name)) continue;
    const file = path.join(OUT_DIR, `${d.name}.json`);
    if (existsSync(file)) continue;
    console.error(`${d.name}: ${pool.length} configurations...`);
    const result = await runDataset(d, pool, maxRows);
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ pool, ...result }, null, 1));
    renameSync(tmp, file);
    console.error(`${d.name}: done in ${result.seconds.toFixed(0)} s`);
  }
}

// ---------------------------------------------------------------- selection

/** Loss to minimise from an objective value (a maximised metric is negated). */
const lossOf = (metric, v) => (METRIC_DIRECTION[metric] === 'maximize' ? -v : v);

/**
 * Regret matrix: per dataset, each configuration's loss scaled so the best configuration is 0 and the median one 1
 * (clipped to [0, 1]); failures get FAILED_REGRET. Cost: fit seconds relative to the dataset's median.
 */
function regretMatrix(files, keys) {
  return files.map((f) => {
    const losses = keys.map((k) => {
      const r = f.results[k];
      return r && r.status === 'Completed' && Number.isFinite(r.objective) ? lossOf(f.objectiveMetric, r.objective) : NaN;
    });
    const ok = losses.filter(Number.isFinite).sort((a, b) => a - b);
    const best = ok[0];
    const median = ok[Math.floor(ok.length / 2)];
    const scale = median - best > 0 ? median - best : 1;
    const times = keys.map((k) => f.results[k]?.fitSeconds ?? NaN);
    const okTimes = times.filter(Number.isFinite).sort((a, b) => a - b);
    const medianTime = okTimes[Math.floor(okTimes.length / 2)] || 1;
    return {
      dataset: f.dataset,
      rows: f.trainRows,
      regret: losses.map((l) => (Number.isFinite(l) ? Math.min(1, (l - best) / scale) : FAILED_REGRET)),
      cost: times.map((t) => (Number.isFinite(t) ? t / medianTime : 10)),
    };
  });
}

/** Mean over datasets of the best regret among the chosen configurations. */
function coverage(matrix, chosen) {
  let sum = 0;
  for (const m of matrix) sum += chosen.length === 0 ? 1 : Math.min(...chosen.map((i) => m.regret[i]));
  return sum / matrix.length;
}

/** Greedy forward selection by coverage gain per sqrt(cost) (the hand-made portfolio's value-per-second rule). */
function greedy(matrix, n) {
  const meanCost = Array.from({ length: n }, (_, i) => matrix.reduce((s, m) => s + m.cost[i], 0) / matrix.length);
  const chosen = [];
  let current = coverage(matrix, chosen);
  while (chosen.length < Math.min(MAX_PICKS, n)) {
    let bestI = -1;
    let bestValue = 0;
    for (let i = 0; i < n; i++) {
      if (chosen.includes(i)) continue;
      const gain = current - coverage(matrix, [...chosen, i]);
      const value = gain / Math.sqrt(Math.max(0.05, meanCost[i]));
      if (value > bestValue) {
        bestValue = value;
        bestI = i;
      }
    }
    if (bestI < 0) break;
    chosen.push(bestI);
    current = coverage(matrix, chosen);
  }
  return chosen;
}

/** Fit time relative to the learner's default configuration, geometric mean over datasets (PortfolioEntry.cost). */
function relativeCost(files, c) {
  let logSum = 0;
  let n = 0;
  for (const f of files) {
    const own = f.results[keyOf(c)]?.fitSeconds;
    const base = f.results[`${c.kind}/default`]?.fitSeconds;
    if (!(own > 0) || !(base > 0)) continue;
    logSum += Math.log(own / base);
    n++;
  }
  return n === 0 ? 1 : Number(Math.exp(logSum / n).toFixed(2));
}

/** Anytime curve: coverage after the first k configurations of `order`, k = 1..K. */
function curve(matrix, order, K) {
  return Array.from({ length: K }, (_, k) => coverage(matrix, order.slice(0, k + 1)));
}

async function select() {
  const { portfolio } = await import('../dist/src/automl/portfolio.js');
  const files = manifest()
    .map((d) => path.join(OUT_DIR, `${d.name}.json`))
    .filter(existsSync)
    .map((f) => JSON.parse(readFileSync(f, 'utf8')));
  if (files.length === 0) throw new Error('no results: run `node scripts/learn-portfolio.mjs run` first');
  const pool = files[0].pool;
  const keys = pool.map(keyOf);
  // A dataset's regime is that of its full training set (the subsample only makes the pool affordable).
  const regimes = { small: files.filter((f) => f.fullTrainRows < SMALL_DATA_ROWS), large: files.filter((f) => f.fullTrainRows >= SMALL_DATA_ROWS) };
  const learned = {};
  const report = [];
  for (const [regime, group] of Object.entries(regimes)) {
    const matrix = regretMatrix(group, keys);
    const order = greedy(matrix, keys.length);
    learned[regime] = order.map((i) => ({ kind: pool[i].kind, name: pool[i].name, params: pool[i].params, cost: relativeCost(group, pool[i]) }));
    // Leave one dataset out: learn on the others, score the held-out dataset; against the hand-made order.
    const handOrder = portfolio(undefined, 2, regime === 'small' ? 0 : SMALL_DATA_ROWS, false)
      .map((e) => keys.indexOf(`${e.kind}/${e.name}`))
      .filter((i) => i >= 0);
    const K = 6;
    const loo = Array(K).fill(0);
    const hand = Array(K).fill(0);
    for (let d = 0; d < matrix.length; d++) {
      const rest = matrix.filter((_, j) => j !== d);
      const o = greedy(rest, keys.length);
      curve([matrix[d]], o, K).forEach((v, k) => (loo[k] += v / matrix.length));
      curve([matrix[d]], handOrder, K).forEach((v, k) => (hand[k] += v / matrix.length));
    }
    report.push({ regime, datasets: group.map((f) => f.dataset), order: order.map((i) => keys[i]), leaveOneOut: loo, handMade: hand });
  }
  const body = JSON.stringify(learned, null, 2);
  const ts = `// Generated by scripts/learn-portfolio.mjs from bench/results/portfolio/*.json: do not edit by hand.
// Per data-size regime (training rows below / at or above SMALL_DATA_ROWS), configurations in run order: greedy
// coverage of the shared datasets' cross-validated scores per second of fit time.
import type { HyperValue } from '../models/types.js';

export interface LearnedEntry {
  readonly kind: string;
  readonly name: string;
  readonly params: Readonly<Record<string, HyperValue>>;
  /** Fit time relative to the learner's default configuration on the shared datasets. */
  readonly cost: number;
}

export const LEARNED_PORTFOLIO: { readonly small: readonly LearnedEntry[]; readonly large: readonly LearnedEntry[] } = ${body};
`;
  const tmp = `${LEARNED_TS}.tmp-${process.pid}`;
  writeFileSync(tmp, ts);
  renameSync(tmp, LEARNED_TS);
  writeFileSync(path.join(OUT_DIR, 'selection.json'), JSON.stringify(report, null, 1));
  for (const r of report) {
    console.log(`${r.regime} (${r.datasets.join(', ')}): ${r.order.join(' > ')}`);
    console.log(`  mean regret of the best of the first k (k=1..6), leave-one-dataset-out learned: ${r.leaveOneOut.map((v) => v.toFixed(3)).join(' ')}`);
    console.log(`  hand-made order:                                                   ${r.handMade.map((v) => v.toFixed(3)).join(' ')}`);
  }
}

if (args[0] === 'run') await run();
else if (args[0] === 'select') await select();
else {
  console.error('usage: node scripts/learn-portfolio.mjs run [--datasets=a,b] [--max-rows=N] | select');
  process.exit(2);
}
