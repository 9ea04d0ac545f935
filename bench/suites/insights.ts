import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable } from '../../src/io/index.js';
import { insights, renderInsightsHtml } from '../../src/insights/index.js';
import type { Task } from '../../src/models/types.js';
import { type BenchRow, type BenchSuite, SHARED_DATASETS } from '../harness.js';

/**
 * The full Data Quality and Insights report (statistics, duplicates, target, prediction power, quick model,
 * isolation forest, HTML) on diamonds.csv (54k rows, default 50k sample) and fertility.csv (254k rows sampled to
 * 50k), with 2 workers. Targets: at most 15 s each. Peer: the reference implementation's steps in Python
 * (pandas statistics, XGBoost per-feature and quick models, scikit-learn IsolationForest) in the same run.
 * Times exclude reading the CSV (reported separately).
 */
const CASES: { file: string; target: string; task: Task }[] = [
  { file: 'diamonds.csv', target: 'price', task: 'regression' },
  { file: 'fertility.csv', target: 'morekids', task: 'binary' },
];
const TARGET_SECONDS = 15;
const WORKERS = 2;
const SECTIONS = ['sampling', 'statistics', 'duplicates', 'target', 'predictionPower', 'quickModel', 'featureSummary', 'samples'];

function pythonPeer(file: string, target: string, task: Task): Record<string, number> | string {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'insights-peers.py');
  const src = existsSync(script) ? script : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench/suites/insights-peers.py');
  const r = spawnSync('python3', [src, file, target, task, '50000', String(WORKERS)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

export const suite: BenchSuite = {
  description: `insights report on diamonds (54k rows) and fertility (254k rows, 50k sample), ${WORKERS} workers; target <= ${TARGET_SECONDS} s`,
  async run(args) {
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    const skipPeers = args.includes('--no-peers');
    for (const c of CASES) {
      const file = path.join(SHARED_DATASETS, c.file);
      if (!existsSync(file)) {
        notes.push(`${c.file} not found under ${SHARED_DATASETS}; skipped`);
        continue;
      }
      const t0 = performance.now();
      const { frame } = await readTable(file);
      const readMs = performance.now() - t0;
      const t1 = performance.now();
      const report = await insights(frame, { target: c.target, problemType: c.task, workers: WORKERS, source: c.file });
      const html = renderInsightsHtml(report);
      const totalMs = performance.now() - t1;
      const row: BenchRow = {
        dataset: c.file,
        rows: `${report.sampling.analysedRows}/${report.sampling.totalRows}`,
        impl: 'tabpilot',
        read_s: readMs / 1000,
        total_s: totalMs / 1000,
        target_met: totalMs / 1000 <= TARGET_SECONDS ? 'yes' : 'NO',
      };
      for (const s of SECTIONS) row[s] = (report.timings[s] ?? 0) / 1000;
      row.html_kb = Math.round(html.length / 1024);
      rows.push(row);
      const q = report.quickModel;
      if (q && 'baseMetric' in q) notes.push(`${c.file}: quick model ${q.baseMetric} ${q.score?.toFixed(4)} (${q.mode}, rounds ${q.rounds.join('/')}); high warnings: ${report.summary.highWarnings.map((w) => w.title).join(', ') || 'none'}`);
      notes.push(`${c.file}: prediction power, quick model and isolation forest run concurrently in the pool, so their section times overlap (samples = waiting for the forest) (models section ${((report.timings.models ?? 0) / 1000).toFixed(2)} s wall)`);
      if (!skipPeers) {
        const peer = pythonPeer(file, c.target, c.task);
        if (typeof peer === 'string') notes.push(`python peer skipped for ${c.file}: ${peer}`);
        else {
          const peerTotal = Object.values(peer).reduce((a, b) => a + b, 0) / 1000;
          const prow: BenchRow = { dataset: c.file, rows: row.rows, impl: 'python (pandas+xgboost+sklearn)', read_s: null, total_s: peerTotal, target_met: null };
          for (const s of SECTIONS) prow[s] = peer[s] !== undefined ? peer[s] / 1000 : null;
          rows.push(prow);
          row.vs_python = peerTotal / (totalMs / 1000);
          const ratio = (s: string) => (peer[s] !== undefined && report.timings[s] ? (peer[s] / report.timings[s]).toFixed(1) : 'n/a');
          notes.push(
            `${c.file}: tabpilot ${(peerTotal / (totalMs / 1000)).toFixed(2)}x the speed of the Python peer overall (peer ${peerTotal.toFixed(2)} s); by section: prediction power ${ratio('predictionPower')}x, quick model ${ratio('quickModel')}x (same rounds/learning rate/early stopping), statistics ${ratio('statistics')}x, duplicates ${ratio('duplicates')}x (our isolation forest overlaps the models, so it has no ratio)`,
          );
        }
      }
    }
    notes.push('machine shared with other jobs while measuring: wall times are noisy; compare ratios from the same run');
    return { suite: 'insights', rows, notes };
  },
};
