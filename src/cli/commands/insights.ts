import { readTable, STDIO_PATH, writeTextOutput } from '../../io/index.js';
import { insights, renderInsightsHtml, DEFAULT_SAMPLE_ROWS } from '../../insights/index.js';
import type { Task } from '../../models/types.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/output.js';
import { createProgress, humanLog } from '../../util/progress.js';

export const help = `Usage: tabpilot insights FILE [--target COL] [--problem-type TYPE] [--sample N|all] [--out report.html] [--json report.json]

The Data Quality and Insights report (SageMaker Data Wrangler): summary, target column, quick model,
prediction power per feature, anomalous and duplicate rows, and every warning with its severity,
threshold and suggested fix. Writes one self-contained HTML file (no scripts, no network).
FILE may be CSV, JSON Lines, Parquet or Arrow (plain or .gz); '-' reads standard input.

Options:
  --target COL          target column (enables target, quick model and prediction power sections)
  --problem-type TYPE   regression | binary | multiclass (inferred with Autopilot's rules when absent)
  --sample N|all        analyse a uniform random sample of N rows (default ${DEFAULT_SAMPLE_ROWS}) or all rows
  --seed N              random seed for sampling, splits and the isolation forest (default 0)
  --out FILE            HTML report path (default insights.html)
  --json FILE           also write the report JSON (the data the HTML is rendered from); '-' prints it
                        to standard output (the text summary then goes to standard error)
  --workers N           worker threads for the model fits (default: cores, at most 4; 1 = no pool)
  --budget SECONDS      time budget of the quick model (default 60)
  --no-quick-model      skip the quick model
  -h, --help            show this help`;

const TASKS: Record<string, Task> = {
  regression: 'regression',
  binary: 'binary',
  binaryclassification: 'binary',
  multiclass: 'multiclass',
  multiclassclassification: 'multiclass',
};

export function parseProblemType(value: string | undefined): Task | undefined {
  if (value === undefined) return undefined;
  const key = value.replace(/[_\s-]/g, '').toLowerCase();
  const task = Object.hasOwn(TASKS, key) ? TASKS[key] : undefined;
  if (!task) throw new TabpilotError('INVALID_ARGUMENT', `--problem-type expects regression, binary or multiclass, got "${value}"`);
  return task;
}

export function parseSample(value: string | undefined): number | 'all' {
  if (value === undefined) return DEFAULT_SAMPLE_ROWS;
  if (value === 'all') return 'all';
  const n = requireNumber(value, '--sample');
  if (!Number.isInteger(n) || n < 1) throw new TabpilotError('INVALID_ARGUMENT', `--sample expects a positive integer or "all", got "${value}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      target: { type: 'string' },
      'problem-type': { type: 'string' },
      sample: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      'no-quick-model': { type: 'boolean' },
      workers: { type: 'string' },
      budget: { type: 'string' },
    },
    'insights',
  );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', `insights: expected one FILE, got ${positionals.length}\n\n${help}`);
  const file = positionals[0];
  const problemType = parseProblemType(values['problem-type'] as string | undefined);
  if (problemType && values.target === undefined) throw new TabpilotError('INVALID_ARGUMENT', '--problem-type needs --target');
  const out = (values.out as string | undefined) ?? 'insights.html';
  const outPath = checkOutputPath(out, { inputs: [file] });
  const jsonToStdout = values.json === STDIO_PATH;
  const jsonPath = values.json === undefined ? undefined : jsonToStdout ? STDIO_PATH : checkOutputPath(values.json as string, { inputs: [file] });
  if (jsonPath === outPath) throw new TabpilotError('OUTPUT_PATH', '--out and --json name the same file', { file: out });
  const progress = createProgress('insights');
  progress.step(0, 3, 'reading');
  const { frame } = await readTable(file);
  progress.step(1, 3, `analysing ${frame.numRows} rows`);
  const report = await insights(frame, {
    target: values.target as string | undefined,
    problemType,
    sample: parseSample(values.sample as string | undefined),
    seed: requireNumber(values.seed as string | undefined, '--seed', 0),
    quickModel: values['no-quick-model'] === true ? false : { budgetSeconds: requireNumber(values.budget as string | undefined, '--budget', 60) },
    ...(values.workers !== undefined ? { workers: requireNumber(values.workers as string | undefined, '--workers') } : {}),
    source: file === STDIO_PATH ? 'stdin' : file.split('/').pop(),
  });
  progress.step(2, 3, 'writing');
  writeFileAtomic(outPath, renderInsightsHtml(report));
  progress.finish();
  if (jsonPath !== undefined) writeTextOutput(jsonPath, JSON.stringify(report, null, 2) + '\n');
  const say = humanLog(jsonToStdout);
  const s = report.summary;
  say(`${file}: ${report.sampling.method}; ${s.columns} columns`);
  say(`warnings: ${s.warningCounts.high} high, ${s.warningCounts.medium} medium, ${s.warningCounts.low} low; duplicate ratio ${(100 * s.duplicateRatio).toFixed(2)}%`);
  for (const w of s.highWarnings) say(`  HIGH ${w.title}${w.column ? ` [${w.column}]` : ''}: ${w.message}`);
  const q = report.quickModel;
  if (q && 'baseMetric' in q) say(`quick model: ${q.baseMetric} ${q.score?.toFixed(4)} (baseline ${q.baselineScore?.toFixed(4)})`);
  else if (q && 'error' in q) say(`quick model: not trained (${q.error})`);
  say(`wrote ${out}${values.json !== undefined && !jsonToStdout ? ` and ${values.json}` : ''}`);
  return 0;
}
