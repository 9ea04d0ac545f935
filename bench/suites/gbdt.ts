import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Column, cellString, numericColumn, toFloat64 } from '../../src/frame/column.js';
import { Frame } from '../../src/frame/frame.js';
import { readTable } from '../../src/io/index.js';
import { logLoss, rmse, rocAuc } from '../../src/metrics/index.js';
import { gbdtSpec } from '../../src/models/gbdt/index.js';
import type { GbdtModel } from '../../src/models/gbdt/model.js';
import { binFrame, bytesPerBinnedValue, treeFeatureNames } from '../../src/models/tree/binning.js';
import { sortLabels } from '../../src/models/preprocess/target.js';
import { nativeHistogramsAvailable, setNativeHistograms } from '../../src/models/tree/histogram.js';
import type { Task } from '../../src/models/types.js';
import { Random } from '../../src/util/random.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT, SHARED_DATASETS, type SuiteResult, cpuMs } from '../harness.js';
import { forestCostRow } from './forest.js';

/**
 * `npm run bench -- gbdt [--rows=N] [--no-native] [--quality [--datasets=a,b] [--seeds=K]]`
 *
 * Speed (default): 100 rounds, 255 bins, 31 leaves, one thread, on fertility.csv and a generated N x 50 numeric
 * binary dataset (N = 1,000,000), against XGBoost hist (lossguide, max_leaves=31) run in a python3 child on the
 * same data in the same run. File parsing is excluded for both; our binning time is reported separately and
 * included in our total, as XGBoost's quantile sketch is included in its total.
 *
 * Quality (--quality): default hyperparameters against XGBoost hist (500 trees, learning rate 0.05) on the shared
 * datasets, 5 shuffled 80/20 splits (seeds 0..4, the same rows for both).
 */
const PEER_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'suites', 'gbdt-peers.py');

export const suite: BenchSuite = {
  description: 'GBDT training/prediction speed and default-parameter quality against XGBoost hist',
  async run(args: string[]): Promise<SuiteResult> {
    if (args.includes('--no-native')) setNativeHistograms(false);
    return args.includes('--quality') ? runQuality(args) : runSpeed(args);
  },
};

function findPython(): { python: string | null; note: string | null } {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import xgboost, numpy, pandas, sklearn'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === 0) return { python, note: null };
  }
  return { python: null, note: 'python3 with xgboost/numpy/pandas/sklearn not found: XGBoost peer skipped' };
}

function runPeer(python: string, job: unknown): Record<string, unknown> {
  const r = spawnSync(python, [PEER_SCRIPT], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`xgboost peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** `--name=value` (bench/run.ts treats bare words as suite names). */
function argValue(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`${name}=`));
  return hit?.slice(name.length + 1);
}

// ---------------------------------------------------------------- speed

/** Issue 13 targets: CPU-time ratio against XGBoost (1 thread), and 2-thread speedup over our 1 thread. */
const CPU_RATIO_TARGET = 1.0;
const SPEEDUP_TARGET = 1.8;

const SPEED_PARAMS = { numRounds: 100, learningRate: 0.1, numLeaves: 31, maxBins: 255, minDataInLeaf: 20, minSumHessian: 1e-3, earlyStoppingRounds: 0 };

async function runSpeed(args: string[]): Promise<SuiteResult> {
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const { python, note } = findPython();
  if (note) notes.push(note);
  notes.push(`native histogram kernel: ${nativeHistogramsAvailable() && !args.includes('--no-native') ? 'on' : 'off (TypeScript kernel)'}`);
  notes.push(`targets: 1 thread, CPU time ours/XGBoost <= ${CPU_RATIO_TARGET}; 2 threads, train wall >= ${SPEEDUP_TARGET}x faster than our 1 thread and <= ${CPU_RATIO_TARGET}x XGBoost nthread=2 wall`);
  notes.push('one thread each (except the 2-thread row); the machine is shared with other jobs, so wall times are noisy: the CPU-time ratio (process user+system time) is the fairer comparison under contention');
  notes.push('totals include binning (ours) and DMatrix construction + quantile sketch (XGBoost); prediction is the trained 100-tree model over up to 1,000,000 rows');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-gbdt-'));
  try {
    const fertility = path.join(SHARED_DATASETS, 'fertility.csv');
    if (existsSync(fertility)) {
      const { frame } = await readTable(fertility);
      const fertilityRow = await speedCase('fertility.csv (254,654 x 7)', frame.drop(['morekids']), frame.column('morekids'), python, tmp);
      rows.push(fertilityRow, predictionRow(fertilityRow, false));
    } else notes.push(`fertility.csv not found under ${SHARED_DATASETS}: skipped`);
    if (existsSync(fertility)) rows.push(wholeProcessCase(fertility, python, tmp));
    const n = Number(argValue(args, '--rows') ?? 1_000_000);
    const { data, target } = syntheticBinary(n, 50, new Random(42));
    const oneThread = await speedCase(`synthetic ${n.toLocaleString('en')} x 50`, data, target, python, tmp);
    rows.push(oneThread, predictionRow(oneThread, n >= 1_000_000));
    rows.push(await twoThreadCase(`synthetic ${n.toLocaleString('en')} x 50, 2 threads`, data, target, python, tmp, oneThread));
    rows.push(await forestCostRow()); // issue 13: extra trees' cost per tree against rf (bench/suites/forest.ts)
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { suite: 'gbdt', rows, notes };
}

/**
 * What a user feels: `tabpilot train` on the CSV (parse + bin + 100 rounds + write the model directory) against
 * a pandas read_csv + XGBoost fit + save_model script, each a fresh process, timed by /usr/bin/time when present.
 */
function wholeProcessCase(csv: string, python: string | null, tmp: string): BenchRow {
  const timed = (cmd: string, args: string[]): { wall: number; cpu: number | null; rssMb: number | null } => {
    const useTime = existsSync('/usr/bin/time');
    const t0 = performance.now();
    const r = useTime
      ? spawnSync('/usr/bin/time', ['-f', 'TIMING %e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
      : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
    const line = (r.stderr ?? '').split('\n').find((l) => l.startsWith('TIMING '));
    if (!line) return { wall, cpu: null, rssMb: null };
    const [, , user, sys, rss] = line.split(' ').map(Number);
    return { wall, cpu: user + sys, rssMb: rss / 1024 };
  };
  const ours = timed(process.execPath, [
    path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'), 'train', csv, '--target', 'morekids', '--algorithm', 'gbdt', '--threads', '1',
    '--hyperparameters', JSON.stringify({ numRounds: 100, learningRate: 0.1, numLeaves: 31, maxBins: 255 }), '--out', path.join(tmp, 'model'),
  ]);
  const row: BenchRow = { dataset: 'whole process: tabpilot train fertility.csv', 'ours total s': ours.wall, 'ours cpu s': ours.cpu, 'peak RSS MB': ours.rssMb === null ? null : Math.round(ours.rssMb) };
  if (python) {
    const script = [
      'import pandas as pd, xgboost as xgb',
      `df = pd.read_csv(${JSON.stringify(csv)})`,
      "y = (df.pop('morekids') == 'yes').astype(int)",
      'for c in df.columns:',
      "    if df[c].dtype == object: df[c] = df[c].astype('category')",
      "m = xgb.XGBClassifier(n_estimators=100, learning_rate=0.1, tree_method='hist', enable_categorical=True, n_jobs=1, max_leaves=31, grow_policy='lossguide', max_depth=0, max_bin=255)",
      'm.fit(df, y)',
      `m.save_model(${JSON.stringify(path.join(tmp, 'xgb.json'))})`,
    ].join('\n');
    const peer = timed(python, ['-c', script]);
    row['xgb total s'] = peer.wall;
    row['ratio wall'] = ours.wall / peer.wall;
    row['xgb cpu s'] = peer.cpu;
    row['ratio cpu'] = ours.cpu !== null && peer.cpu !== null ? ours.cpu / peer.cpu : null;
    row['xgb peak RSS MB'] = peer.rssMb === null ? null : Math.round(peer.rssMb);
  }
  return row;
}

/** y = 1 with probability sigmoid(nonlinear function of the first 10 features + noise). */
function syntheticBinary(n: number, p: number, rng: Random): { data: Frame; target: Column } {
  const cols: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.fround(rng.normal());
    cols.push(v);
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = cols[0][i] * cols[1][i] + Math.sin(2 * cols[2][i]) + 0.5 * cols[3][i] - Math.abs(cols[4][i]) + 0.3 * cols[5][i] * cols[6][i] + (cols[7][i] > 0.5 ? 1 : 0) - 0.2 * cols[8][i] + 0.1 * cols[9][i];
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { data: Frame.fromColumns(cols.map((v, j) => numericColumn(`x${j}`, v))), target: numericColumn('y', y) };
}

async function speedCase(name: string, data: Frame, target: Column, python: string | null, tmp: string): Promise<BenchRow> {
  const names = treeFeatureNames(data);
  const rssBefore = process.memoryUsage().rss;
  const cpu = (): number => cpuMs() / 1000;
  const t0 = performance.now();
  const c0 = cpu();
  const binned = binFrame(data, names, { maxBins: 255 });
  const binMs = performance.now() - t0;
  const binCpu = cpu() - c0;
  const t1 = performance.now();
  const c1 = cpu();
  const model = (await gbdtSpec.create(SPEED_PARAMS).fit(data, target, { task: 'binary', rng: new Random(0), binned })) as GbdtModel;
  const trainMs = performance.now() - t1;
  const trainCpu = cpu() - c1;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  const predictRows = Math.min(data.numRows, 1_000_000);
  const predFrame = data.slice(0, predictRows);
  model.predictRaw(predFrame.slice(0, 1000)); // warm up
  let predictPerS = 0;
  let predictPerCpuS = 0;
  for (let rep = 0; rep < PREDICT_REPEATS; rep++) {
    const t2 = performance.now();
    const c2 = cpu();
    model.predictRaw(predFrame);
    predictPerS = Math.max(predictPerS, predictRows / ((performance.now() - t2) / 1000));
    predictPerCpuS = Math.max(predictPerCpuS, predictRows / (cpu() - c2));
  }
  const ours = (binMs + trainMs) / 1000;
  const oursCpu = binCpu + trainCpu;
  const row: BenchRow = {
    dataset: name,
    'bin s': binMs / 1000,
    'train s': trainMs / 1000,
    'ours total s': ours,
    'xgb total s': null,
    'ratio wall': null,
    'ours cpu s': oursCpu,
    'xgb cpu s': null,
    'ratio cpu': null,
    'bytes/bin value': bytesPerBinnedValue(binned),
    'predict rows/s': Math.round(predictPerS),
    'predict rows/cpu-s': Math.round(predictPerCpuS),
    'xgb predict rows/cpu-s': null,
    'peak RSS MB': Math.round(peakRssMb),
    'RSS growth MB': Math.round(rssGrowthMb),
    'xgb peak RSS MB': null,
  };
  if (python) {
    const F = names.length;
    const n = data.numRows;
    const x = new Float32Array(n * F);
    names.forEach((nm, f) => {
      const v = toFloat64(data.column(nm));
      for (let i = 0; i < n; i++) x[i * F + f] = v[i];
    });
    const yv = toFloat64(target.kind === 'numeric' ? target : target);
    const y = new Float32Array(n);
    if (target.kind === 'numeric') for (let i = 0; i < n; i++) y[i] = yv[i];
    else {
      const labels = sortLabels([...new Set(Array.from({ length: n }, (_, i) => cellString(target, i)))]);
      for (let i = 0; i < n; i++) y[i] = labels.indexOf(cellString(target, i));
    }
    const xFile = path.join(tmp, 'x.f32');
    const yFile = path.join(tmp, 'y.f32');
    writeFileSync(xFile, new Uint8Array(x.buffer));
    writeFileSync(yFile, new Uint8Array(y.buffer));
    const r = runPeer(python, { mode: 'speed', x: xFile, y: yFile, rows: n, cols: F, rounds: 100, leaves: 31, bins: 255, threads: 1, predict_rows: predictRows });
    row['xgb total s'] = r.fit_s as number;
    row['ratio wall'] = ours / (r.fit_s as number);
    row['xgb cpu s'] = r.fit_cpu_s as number;
    row['ratio cpu'] = oursCpu / (r.fit_cpu_s as number);
    row['xgb predict rows/cpu-s'] = Math.round(r.predict_rows_per_cpu_s as number);
    row['xgb peak RSS MB'] = Math.round(r.peak_rss_mb as number);
  }
  row.target = `cpu ratio <= ${CPU_RATIO_TARGET}`;
  row.met = row['ratio cpu'] === null ? 'no peer' : (row['ratio cpu'] as number) <= CPU_RATIO_TARGET ? 'met' : 'not met';
  return row;
}

/** The same fit with numThreads 2 (binning reused), against our 1-thread train time and XGBoost nthread=2. */
async function twoThreadCase(name: string, data: Frame, target: Column, python: string | null, tmp: string, oneThread: BenchRow): Promise<BenchRow> {
  const binned = binFrame(data, treeFeatureNames(data), { maxBins: 255 });
  const t0 = performance.now();
  await gbdtSpec.create({ ...SPEED_PARAMS, numThreads: 2 }).fit(data, target, { task: 'binary', rng: new Random(0), binned });
  const trainS = (performance.now() - t0) / 1000;
  const speedup = (oneThread['train s'] as number) / trainS;
  const row: BenchRow = { dataset: name, 'train s': trainS, '1-thread train s': oneThread['train s'], speedup, 'xgb 2-thread total s': null, 'ratio wall': null };
  if (python) {
    const r = runPeer(python, { mode: 'speed', x: path.join(tmp, 'x.f32'), y: path.join(tmp, 'y.f32'), rows: data.numRows, cols: data.numColumns, rounds: 100, leaves: 31, bins: 255, threads: 2, predict_rows: 1000 });
    row['xgb 2-thread total s'] = r.fit_s as number;
    row['ratio wall'] = (oneThread['bin s'] as number + trainS) / (r.fit_s as number);
  }
  row.target = `speedup >= ${SPEEDUP_TARGET} and ratio wall <= ${CPU_RATIO_TARGET}`;
  const peerMet = row['ratio wall'] === null || (row['ratio wall'] as number) <= CPU_RATIO_TARGET;
  row.met = speedup >= SPEEDUP_TARGET && peerMet ? 'met' : 'not met';
  return row;
}

/** Issue 13 prediction targets: rows per CPU-second of our one thread, and that rate against XGBoost's. */
const PREDICT_ROWS_PER_THREAD_S_TARGET = 1_000_000;
const PREDICT_XGB_RATIO_TARGET = 2;
/** Prediction passes per case; the best is kept (a shared machine only ever slows a pass down). */
const PREDICT_REPEATS = 3;

/**
 * The batch-prediction target row of a speed case: the trained 100-tree x 31-leaf model over the case's rows
 * (one thread), rows per CPU-second against XGBoost's booster.predict in the same run; with `perThread`, also
 * the absolute rate target (on the 1M x 50 set).
 */
function predictionRow(speed: BenchRow, perThread: boolean): BenchRow {
  const ours = speed['predict rows/cpu-s'] as number;
  const xgb = speed['xgb predict rows/cpu-s'] as number | null;
  const ratio = xgb === null ? null : ours / xgb;
  const targets = [`rows/cpu-s >= ${PREDICT_XGB_RATIO_TARGET}x xgb`];
  let met = ratio === null ? null : ratio >= PREDICT_XGB_RATIO_TARGET;
  if (perThread) {
    targets.push(`>= ${PREDICT_ROWS_PER_THREAD_S_TARGET.toLocaleString('en')} rows/s per thread (rows/cpu-s)`);
    met = (met ?? true) && ours >= PREDICT_ROWS_PER_THREAD_S_TARGET;
  }
  return {
    dataset: `batch prediction: ${speed.dataset}`,
    'predict rows/s': speed['predict rows/s'],
    'predict rows/cpu-s': ours,
    'xgb predict rows/cpu-s': xgb,
    'predict ratio cpu (ours/xgb)': ratio,
    target: targets.join(' and '),
    met: met === null ? 'no peer' : met ? 'met' : 'not met',
  };
}

// ---------------------------------------------------------------- quality

interface DatasetInfo {
  name: string;
  file: string;
  target: string;
  task: Task;
}

async function runQuality(args: string[]): Promise<SuiteResult> {
  const manifest = JSON.parse(readFileSync(path.join(SHARED_DATASETS, 'manifest.json'), 'utf8')) as { datasets: DatasetInfo[] };
  const only = argValue(args, '--datasets')?.split(',');
  const seeds = Number(argValue(args, '--seeds') ?? 5);
  const overrides = JSON.parse(argValue(args, '--params') ?? '{}') as Record<string, number>;
  const { python, note } = args.includes('--no-peer') ? { python: null, note: 'peer skipped (--no-peer)' } : findPython();
  const notes: string[] = note ? [note] : [];
  if (Object.keys(overrides).length > 0) notes.push(`hyperparameter overrides: ${JSON.stringify(overrides)}`);
  notes.push(`${seeds} shuffled 80/20 splits (seeds 0..${seeds - 1}); metric: ROC AUC (binary, higher is better), log loss (multiclass) and RMSE (regression), lower is better`);
  notes.push('ours: gbdt with default hyperparameters; xgb: XGBoost hist, 500 trees, learning rate 0.05, other defaults, categorical support on');
  const rows: BenchRow[] = [];
  let within = 0;
  let compared = 0;
  for (const ds of manifest.datasets) {
    if (only && !only.includes(ds.name)) continue;
    const { frame } = await readTable(path.join(SHARED_DATASETS, ds.file));
    const target = frame.column(ds.target);
    const data = frame.drop([ds.target]);
    const n = frame.numRows;
    const classes = ds.task === 'regression' ? undefined : sortLabels([...new Set(Array.from({ length: n }, (_, i) => cellString(target, i)))]);
    const splits: Int32Array[] = [];
    const ours: number[] = [];
    const t0 = performance.now();
    for (let seed = 0; seed < seeds; seed++) {
      const perm = new Random(seed).permutation(n);
      const cut = Math.floor(n * 0.8);
      const train = perm.slice(0, cut).sort();
      const test = perm.slice(cut).sort();
      splits.push(train);
      const model = await gbdtSpec.create(overrides).fit(data, target, { task: ds.task, rng: new Random(seed), rows: train, classes });
      ours.push(evaluate(ds.task, model, data.take(test), target, test, classes));
    }
    const oursS = (performance.now() - t0) / 1000;
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    const row: BenchRow = { dataset: ds.name, task: ds.task, rows: n, ours: mean(ours), xgb: null, 'rel diff %': null, within1pct: null, 'ours s': oursS, 'xgb s': null };
    if (python) {
      const t1 = performance.now();
      const r = runPeer(python, {
        mode: 'quality',
        file: path.join(SHARED_DATASETS, ds.file),
        target: ds.target,
        task: ds.task,
        classes,
        splits: splits.map((s) => Array.from(s)),
        rounds: 500,
        lr: 0.05,
      });
      row['xgb s'] = (performance.now() - t1) / 1000;
      const xgb = mean(r.metrics as number[]);
      // Positive = we are worse.
      const rel = ds.task === 'binary' ? (xgb - mean(ours)) / xgb : (mean(ours) - xgb) / xgb;
      row.xgb = xgb;
      row['rel diff %'] = 100 * rel;
      row.within1pct = rel <= 0.01 ? 'yes' : 'NO';
      compared++;
      if (rel <= 0.01) within++;
    }
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  if (compared > 0) notes.push(`within 1% of XGBoost (or better) on ${within} of ${compared} datasets`);
  return { suite: 'gbdt', rows, notes };
}

function evaluate(task: Task, model: { predict(f: Frame): Float64Array; predictProba(f: Frame): Float64Array }, test: Frame, target: Column, rows: Int32Array, classes?: string[]): number {
  if (task === 'regression') {
    const y = toFloat64(target);
    const yt = Float64Array.from(rows, (r) => y[r]);
    return rmse(yt, model.predict(test));
  }
  const yt = Int32Array.from(rows, (r) => classes!.indexOf(cellString(target, r)));
  const proba = model.predictProba(test);
  return task === 'binary' ? rocAuc(yt, proba, 1) : logLoss(yt, proba);
}
