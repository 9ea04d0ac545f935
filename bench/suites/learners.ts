import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cellString, type Column } from '../../src/frame/column.js';
import type { Frame } from '../../src/frame/frame.js';
import { readTable } from '../../src/io/index.js';
import { logLoss, rmse, rocAuc } from '../../src/metrics/index.js';
import { sortLabels } from '../../src/models/preprocess/target.js';
import { getLearnerSpec, learnerSpecs } from '../../src/models/registry.js';
import type { Task } from '../../src/models/types.js';
import { Random } from '../../src/util/random.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT, SHARED_DATASETS } from '../harness.js';

/**
 * `npm run bench -- learners [--datasets=a,b] [--seeds=5] [--learners=gbdt,linear] [--slow-rows=50000]
 *   [--slow-learners=mlp] [--no-peers]`  (`--learners=none`: peers only)
 *
 * Quality of every learner with default hyperparameters on the 11 shared datasets, 5 shuffled 80/20 splits
 * (seeds 0..4), beside scikit-learn HistGradientBoosting / RandomForest / LogisticRegression-Ridge and XGBoost
 * hist (500 trees, learning rate 0.05) on the same splits in a python3 child. Metric: ROC AUC (binary, higher
 * is better), log loss (multiclass) and RMSE (regression), lower is better. Prints the mean over splits.
 */
interface DatasetEntry {
  readonly name: string;
  readonly file: string;
  readonly target: string;
  readonly task: Task;
}

const METRIC: Record<Task, string> = { binary: 'AUC', multiclass: 'logloss', regression: 'RMSE' };
const HIGHER_IS_BETTER: Record<Task, boolean> = { binary: true, multiclass: false, regression: false };
const PEERS = ['sk_hgb', 'sk_rf', 'sk_linear', 'xgboost'] as const;
const PEER_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'suites', 'learners-peers.py');

/** `--name=value` (bench/run.ts takes bare words as suite names, so values are attached with '='). */
function option(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 1);
}

function labelsOf(col: Column): string[] {
  return Array.from({ length: col.length }, (_, i) => cellString(col, i));
}

function score(task: Task, y: Column, classes: readonly string[] | undefined, output: Float64Array): number {
  if (task === 'regression') return rmse(Float64Array.from((y as { values: Float64Array }).values), output);
  const index = new Map(classes!.map((c, i) => [c, i]));
  const yi = Int32Array.from(labelsOf(y), (l) => index.get(l)!);
  return task === 'binary' ? rocAuc(yi, output) : logLoss(yi, output);
}

function mean(xs: readonly number[]): number | null {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length === xs.length && ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
}

/** Relative shortfall of `ours` against `peer` (positive = we are worse), in percent. */
function shortfall(task: Task, ours: number, peer: number): number {
  return (HIGHER_IS_BETTER[task] ? (peer - ours) / Math.abs(peer) : (ours - peer) / Math.abs(peer)) * 100;
}

function pythonAvailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import sklearn, pandas, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? 'python3' : null;
}

export const suite: BenchSuite = {
  description: 'every learner (defaults) vs scikit-learn and XGBoost on 11 real datasets, 5 shuffled 80/20 splits',
  async run(args) {
    const manifest = JSON.parse(readFileSync(path.join(SHARED_DATASETS, 'manifest.json'), 'utf8')) as { datasets: DatasetEntry[] };
    const only = option(args, '--datasets')?.split(',');
    const datasets = manifest.datasets.filter((d) => !only || only.includes(d.name));
    const seeds = Array.from({ length: Number(option(args, '--seeds') ?? 5) }, (_, i) => i);
    const kinds = (option(args, '--learners')?.split(',') ?? learnerSpecs().filter((s) => s.tags.input !== 'text').map((s) => s.kind).filter((k) => k !== 'ensemble')).filter((k) => k !== 'none');
    const slowRows = Number(option(args, '--slow-rows') ?? 50_000);
    const slowKinds = new Set(option(args, '--slow-learners')?.split(',') ?? ['mlp']);
    const python = args.includes('--no-peers') ? null : pythonAvailable();
    const hasXgboost = python !== null && spawnSync(python, ['-c', 'import xgboost'], { encoding: 'utf8' }).status === 0;
    const notes: string[] = [];
    if (!python) notes.push('python3 with scikit-learn/pandas not found (or --no-peers): scikit-learn and XGBoost peers skipped');
    else if (!hasXgboost) notes.push('xgboost not installed: XGBoost peer skipped');
    notes.push('metric: AUC for binary (higher is better), log loss for multiclass and RMSE for regression (lower is better); mean over splits');
    notes.push('gbdt_vs_xgb: relative shortfall of our gbdt against XGBoost hist (500 trees, lr 0.05) in %, positive = worse');
    notes.push('peers: sklearn HGB with native categoricals (ordinal codes); RF (100 trees) with median imputation; LogisticRegression/Ridge with median imputation + indicators, standardisation, one-hot (min_frequency 5); XGBoost enable_categorical');
    const rows: BenchRow[] = [];
    const extra: Record<string, unknown> = {};
    const tmp = mkdtempSync(path.join(tmpdir(), 'tabpilot-bench-learners-'));
    let within1 = 0;
    let within3 = 0;
    let compared = 0;
    try {
      for (const d of datasets) {
        const file = path.join(SHARED_DATASETS, d.file);
        const { frame } = await readTable(file);
        const task = d.task;
        const classes = task === 'regression' ? undefined : sortLabels([...new Set(labelsOf(frame.column(d.target)))]);
        const n = frame.numRows;
        const cut = Math.floor(n * 0.8);
        const splits = seeds.map((s) => {
          const perm = new Random(s).permutation(n);
          return { train: perm.subarray(0, cut), test: perm.subarray(cut) };
        });
        const results: Record<string, { metric: number[]; seconds: number[] }> = {};
        for (const kind of kinds) {
          const spec = getLearnerSpec(kind);
          results[kind] = { metric: [], seconds: [] };
          for (const [si, split] of splits.entries()) {
            let trainRows = split.train;
            if (slowKinds.has(kind) && trainRows.length > slowRows) {
              trainRows = trainRows.subarray(0, slowRows);
              if (si === 0) notes.push(`${d.name}: ${kind} trained on a random ${slowRows}-row subsample of the ${split.train.length} training rows (time)`);
            }
            const train: Frame = frame.take(trainRows);
            const test: Frame = frame.take(split.test);
            try {
              const t0 = performance.now();
              const model = await spec.create().fit(train, train.column(d.target), { task, rng: new Random(seeds[si]), ...(classes ? { classes } : {}) });
              const seconds = (performance.now() - t0) / 1000;
              const out = task === 'regression' ? model.predict(test) : task === 'binary' ? model.predictProba(test) : model.predictProba(test);
              results[kind].metric.push(score(task, test.column(d.target), classes, out));
              results[kind].seconds.push(seconds);
            } catch (e) {
              notes.push(`${d.name}: ${kind} failed on split ${si}: ${(e as Error).message.slice(0, 200)}`);
              results[kind].metric.push(NaN);
              results[kind].seconds.push(NaN);
            }
          }
          process.stderr.write(`  ${d.name} ${kind}: ${mean(results[kind].metric)?.toPrecision(5) ?? 'failed'} (${(mean(results[kind].seconds) ?? NaN).toFixed(2)} s/fit)\n`);
        }
        if (python) {
          const specFile = path.join(tmp, `${d.name}.json`);
          writeFileSync(specFile, JSON.stringify({ file, target: d.target, task, classes, seeds, splits: splits.map((s) => ({ train: Array.from(s.train), test: Array.from(s.test) })) }));
          const r = spawnSync(python, [PEER_SCRIPT, specFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
          if (r.status !== 0) notes.push(`${d.name}: python peers failed: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
          else Object.assign(results, JSON.parse(r.stdout));
          process.stderr.write(`  ${d.name} peers: ${PEERS.map((p) => `${p} ${mean(results[p]?.metric ?? [])?.toPrecision(5)}`).join(', ')}\n`);
        }
        const row: BenchRow = { dataset: d.name, task, rows: n, metric: METRIC[task] };
        for (const kind of [...kinds, ...PEERS]) row[kind] = results[kind] ? mean(results[kind].metric) : null;
        const ours = mean(results.gbdt?.metric ?? []);
        const xgb = mean(results.xgboost?.metric ?? []);
        if (ours !== null && xgb !== null) {
          const gap = shortfall(task, ours, xgb);
          row.gbdt_vs_xgb = Math.round(gap * 100) / 100;
          compared++;
          if (gap <= 1) within1++;
          if (gap <= 3) within3++;
        } else row.gbdt_vs_xgb = null;
        row.gbdt_s = mean(results.gbdt?.seconds ?? []);
        row.xgb_s = mean(results.xgboost?.seconds ?? []);
        rows.push(row);
        extra[d.name] = results;
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    if (compared > 0) notes.push(`our gbdt is within 1% of XGBoost on ${within1} of ${compared} datasets, within 3% on ${within3} of ${compared}`);
    notes.push('fit seconds (gbdt_s, xgb_s) are per split, measured on a shared 2-core machine under load; XGBoost uses n_jobs=2');
    return { suite: 'learners', rows, notes, extra: { perSplit: extra, seeds } };
  },
};
