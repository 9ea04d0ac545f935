import { readTable } from '../../io/index.js';
import { insights, renderInsightsHtml, DEFAULT_SAMPLE_ROWS } from '../../insights/index.js';
import type { Task } from '../../models/types.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/output.js';

export const help = `Usage: tabpilot insights FILE [--target COL] [--problem-type TYPE] [--sample N|all] [--out report.html] [--json report.json]

The Data Quality and Insights report (SageMaker Data Wrangler): summary, target column, quick model,
prediction power per feature, anomalous and duplicate rows, and every warning with its severity,
threshold and suggested fix. Writes one self-contained HTML file (no scripts, no network).

Options:
  --target COL          target column (enables target, quick model and prediction power sections)
  --problem-type TYPE   regression | binary | multiclass (inferred with Autopilot's rules when absent)
  --sample N|all        analyse a uniform random sample of N rows (default ${DEFAULT_SAMPLE_ROWS}) or all rows
  --seed N              random seed for sampling, splits and the isolation forest (default 0)
  --out FILE            HTML report path (default insights.html)
  --json FILE           also write the report JSON (the data the HTML is rendered from)
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
  const jsonPath = values.json !== undefined ? checkOutputPath(values.json as string, { inputs: [file] }) : undefined;
  if (jsonPath === outPath) throw new TabpilotError('OUTPUT_PATH', '--out and --json name the same file', { file: out });
  const { frame } = await readTable(file);
  const report = await insights(frame, {
    target: values.target as string | undefined,
    problemType,
    sample: parseSample(values.sample as string | undefined),
    seed: requireNumber(values.seed as string | undefined, '--seed', 0),
    quickModel: values['no-quick-model'] === true ? false : { budgetSeconds: requireNumber(values.budget as string | undefined, '--budget', 60) },
    ...(values.workers !== undefined ? { workers: requireNumber(values.workers as string | undefined, '--workers') } : {}),
    source: file.split('/').pop(),
  });
  writeFileAtomic(outPath, renderInsightsHtml(report));
  if (jsonPath !== undefined) writeFileAtomic(jsonPath, JSON.stringify(report, null, 2) + '\n');
  const s = report.summary;
  console.log(`${file}: ${report.sampling.method}; ${s.columns} columns`);
  console.log(`warnings: ${s.warningCounts.high} high, ${s.warningCounts.medium} medium, ${s.warningCounts.low} low; duplicate ratio ${(100 * s.duplicateRatio).toFixed(2)}%`);
  for (const w of s.highWarnings) console.log(`  HIGH ${w.title}${w.column ? ` [${w.column}]` : ''}: ${w.message}`);
  const q = report.quickModel;
  if (q && 'baseMetric' in q) console.log(`quick model: ${q.baseMetric} ${q.score?.toFixed(4)} (baseline ${q.baselineScore?.toFixed(4)})`);
  else if (q && 'error' in q) console.log(`quick model: not trained (${q.error})`);
  console.log(`wrote ${out}${values.json !== undefined ? ` and ${values.json}` : ''}`);
  return 0;
}
