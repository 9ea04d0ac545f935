/**
 * `npm run bench -- wrangle [--rows=N]`: a typical flow (impute, one-hot, standard scale, date components,
 * custom formula, drop duplicates) on a generated CSV of 1,000,000 rows, run by tabpilot's flow runner, by
 * nodejs-polars and by pandas (python3, when installed) in the same run. Times exclude reading the CSV
 * (reported separately); rows/s = input rows / transform time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { readTable } from '../../src/io/index.js';
import { Random } from '../../src/util/random.js';
import { type FlowFile, runFlow } from '../../src/wrangle/index.js';
import { type BenchRow, type BenchSuite, GeneratedFile, PROJECT_ROOT, type SuiteResult, timeIt } from '../harness.js';

const require = createRequire(import.meta.url);
const CATEGORIES = ['north', 'south', 'east', 'west', 'central', 'online', 'partner', 'retail', 'outlet', 'export', 'b2b', 'other'];

/** Deterministic CSV: ~1% exact duplicate rows, 5% missing amounts, 2% missing categories. */
function generate(file: string, rows: number): void {
  const rng = new Random(2024);
  const out = new GeneratedFile(file);
  out.write('id,amount,qty,category,created,score\n');
  let prev = '';
  const start = Date.UTC(2022, 0, 1);
  for (let i = 0; i < rows; i++) {
    let line: string;
    if (i > 0 && rng.next() < 0.01) line = prev;
    else {
      const amount = rng.next() < 0.05 ? '' : (rng.next() * 1000).toFixed(2);
      const qty = rng.int(10);
      const cat = rng.next() < 0.02 ? '' : CATEGORIES[rng.int(CATEGORIES.length)];
      const created = new Date(start + Math.floor(rng.next() * 730 * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' ');
      line = `${i},${amount},${qty},${cat},${created},${rng.normal().toFixed(4)}\n`;
    }
    prev = line;
    out.write(line);
  }
  out.close();
}

const node = (id: string, group: string, parameters: Record<string, unknown>, input: string) => ({
  node_id: id, type: 'TRANSFORM', operator: `tabpilot.${group}_0.1`, parameters, inputs: [{ name: 'df', node_id: input, output_name: 'default' }], outputs: [{ name: 'default' }],
});

export const FLOW: FlowFile = {
  metadata: { version: 1 },
  nodes: [
    { node_id: 'src', type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'memory' }, inputs: [], outputs: [{ name: 'default' }] },
    node('impute', 'handle_missing', { operator: 'Impute missing', impute_missing_parameters: { input_column: ['amount'] } }, 'src'),
    node('onehot', 'encode_categorical', { operator: 'One-hot encode', one_hot_encode_parameters: { input_column: ['category'], invalid_handling_strategy: 'Keep' } }, 'impute'),
    node('scale', 'process_numeric', { operator: 'Standard scaler', standard_scaler_parameters: { input_column: ['amount', 'score'] } }, 'onehot'),
    node('dates', 'featurize_date_time', { input_column: 'created', components: ['year', 'month', 'day', 'day_of_week', 'hour'] }, 'scale'),
    node('ratio', 'custom_formula', { output_column: 'ratio', formula: 'if(qty > 0, amount / qty, 0)' }, 'dates'),
    node('dedupe', 'manage_rows', { operator: 'Drop duplicates', drop_duplicates_parameters: {} }, 'ratio'),
  ],
} as unknown as FlowFile;

export const suite: BenchSuite = {
  description: 'typical flow (impute, one-hot, scale, date parts, formula, dedupe) on 1M generated rows vs pandas and nodejs-polars',
  async run(args) {
    // `--rows=N` (bench/run.ts takes every bare word as a suite name).
    const flag = args.find((a) => a.startsWith('--rows='));
    const rows = flag ? Number(flag.slice('--rows='.length)) : 1_000_000;
    const dir = path.join(os.tmpdir(), 'tabpilot-bench');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `wrangle_${rows}.csv`);
    if (!existsSync(file)) generate(file, rows);
    const notes: string[] = [`input: ${file} (${rows} rows); machine shared by several processes, so compare ratios measured in this run`];
    const out: BenchRow[] = [];

    const read = await timeIt(() => readTable(file));
    const frame = read.result.frame;
    const fitRun = await timeIt(() => runFlow(FLOW, { sources: { src: frame } }), 1);
    const fitted = fitRun.result.flow;
    const applyRun = await timeIt(() => runFlow(fitted, { sources: { src: frame } }), 2);
    const result = applyRun.result.frames.get('dedupe')!.default;
    out.push({ engine: 'tabpilot (fit + apply)', read_ms: read.ms, transform_ms: fitRun.ms, rows_per_s: rows / (fitRun.ms / 1000), rows_out: result.numRows, columns_out: result.numColumns });
    out.push({ engine: 'tabpilot (stored state)', read_ms: read.ms, transform_ms: applyRun.ms, rows_per_s: rows / (applyRun.ms / 1000), rows_out: result.numRows, columns_out: result.numColumns });
    const steps = applyRun.result.reports;
    notes.push(`tabpilot per step (ms, stored state): ${Object.entries(steps).filter(([k]) => k !== 'src').map(([k, r]) => `${k} ${r.ms}`).join(', ')}`);

    try {
      const pl = require('nodejs-polars') as typeof import('nodejs-polars');
      const t0 = performance.now();
      const df = pl.readCSV(file, { tryParseDates: true });
      const readMs = performance.now() - t0;
      const polarsRun = () => {
        const mean = df.getColumn('amount').mean();
        let d = df.withColumn(pl.col('amount').fillNull(pl.lit(mean)));
        const dummies = d.select('category').toDummies();
        d = d.drop('category').hstack(dummies) as unknown as typeof d;
        for (const c of ['amount', 'score']) {
          const sd = d.select(pl.col(c).std()).getColumn(c).get(0) as number;
          d = d.withColumn(pl.col(c).sub(pl.lit(d.getColumn(c).mean())).div(pl.lit(sd)).alias(c));
        }
        const created = pl.col('created');
        d = d.withColumns(
          created.dt.year().alias('created_year'),
          created.dt.month().alias('created_month'),
          created.dt.day().alias('created_day'),
          created.dt.weekday().alias('created_day_of_week'),
          created.dt.hour().alias('created_hour'),
          pl.when(pl.col('qty').gt(0)).then(pl.col('amount').div(pl.col('qty'))).otherwise(pl.lit(0)).alias('ratio'),
        );
        return d.unique();
      };
      const p = await timeIt(polarsRun, 2);
      out.push({ engine: 'nodejs-polars', read_ms: readMs, transform_ms: p.ms, rows_per_s: rows / (p.ms / 1000), rows_out: p.result.height, columns_out: p.result.width });
    } catch (e) {
      notes.push(`nodejs-polars skipped: ${(e as Error).message.split('\n')[0]}`);
    }

    try {
      const text = execFileSync('python3', [path.join(PROJECT_ROOT, 'bench/suites/wrangle-peers.py'), file, '2'], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const r = JSON.parse(text.trim().split('\n').pop()!) as { read_ms: number; ms: number; rows_out: number; columns_out: number; pandas: string };
      out.push({ engine: `pandas ${r.pandas}`, read_ms: r.read_ms, transform_ms: r.ms, rows_per_s: rows / (r.ms / 1000), rows_out: r.rows_out, columns_out: r.columns_out });
    } catch (e) {
      notes.push(`pandas skipped (python3 with pandas not available): ${(e as Error).message.split('\n')[0]}`);
    }
    const pandas = out.find((r) => String(r.engine).startsWith('pandas'));
    if (pandas) for (const r of out) r.vs_pandas = (pandas.transform_ms as number) / (r.transform_ms as number);
    notes.push('vs_pandas = pandas transform time / this engine\'s (above 1 = faster than pandas); tabpilot "stored state" reuses fitted parameters as a production re-run does');
    return { suite: 'wrangle', rows: out, notes } satisfies SuiteResult;
  },
};
