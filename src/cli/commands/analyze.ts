import { ANALYSES, analysisInfo, runAnalysis } from '../../analyses/index.js';
import { readTable, STDIO_PATH, writeTextOutput } from '../../io/index.js';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/output.js';
import { humanLog } from '../../util/progress.js';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const PARAM_FLAGS = [...new Set(ANALYSES.flatMap((a) => a.params))];

export const help = `Usage: tabpilot analyze FILE --analysis NAME [options]

Runs one Data Wrangler analysis and prints its result; chart-producing analyses write an SVG.

Analyses:
${ANALYSES.map((a) => `  ${a.name.padEnd(22)} ${a.description}\n  ${''.padEnd(22)} params: ${a.params.map((p) => `--${kebab(p)}${a.required.includes(p) ? ' (required)' : ''}`).join(' ') || '(none)'}`).join('\n')}

Options:
  --analysis NAME       the analysis to run
  --out FILE.svg        write the chart (default <analysis>.svg for chart-producing analyses)
  --json FILE           write the full result as JSON (otherwise a summary is printed); '-' prints it to
                        standard output (text lines then go to standard error)
FILE may be CSV, JSON Lines, Parquet or Arrow (plain or .gz); '-' reads standard input.
  --param KEY=VALUE     any parameter by its camelCase name (repeatable)
List parameters (columns, label-values, facet-values, metrics) take comma-separated values.

Examples:
  tabpilot analyze diamonds.csv --analysis histogram --column price --color-by cut --facet-by color
  tabpilot analyze credit.csv --analysis bias --label Status --label-values bad --facet Marital --facet-values widow
  tabpilot analyze ames.csv --analysis multicollinearity --target Sale_Price`;

export async function run(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
    analysis: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    param: { type: 'string', multiple: true },
  };
  for (const p of PARAM_FLAGS) options[kebab(p)] = { type: p === 'robust' ? 'boolean' : 'string' };
  const parsed = parseCommandArgs(argv, options, 'analyze');
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (parsed.positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', `analyze: expected one FILE, got ${parsed.positionals.length}\n\n${help}`);
  if (typeof values.analysis !== 'string') throw new TabpilotError('INVALID_ARGUMENT', `analyze: --analysis NAME is required; one of ${ANALYSES.map((a) => a.name).join(', ')}`);
  const info = analysisInfo(values.analysis);
  const params: Record<string, unknown> = Object.create(null); // keyed by user-given parameter names
  for (const [flag, v] of Object.entries(values)) {
    if (v === undefined || ['analysis', 'out', 'json', 'param', 'help'].includes(flag)) continue;
    params[camel(flag)] = v;
  }
  for (const kv of (values.param as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new TabpilotError('INVALID_ARGUMENT', `--param expects KEY=VALUE, got "${kv}"`);
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const file = parsed.positionals[0];
  // The paths given are checked before the analysis runs; a default chart name (known once the analysis has
  // said whether it draws SVG or HTML) is checked just before it is written.
  const check = (out: string): string => checkOutputPath(out, { inputs: [file] });
  const outPath = typeof values.out === 'string' ? check(values.out) : undefined;
  const jsonToStdout = values.json === STDIO_PATH;
  const jsonPath = typeof values.json !== 'string' ? undefined : jsonToStdout ? STDIO_PATH : check(values.json);
  if (jsonPath !== undefined && jsonPath === outPath) throw new TabpilotError('OUTPUT_PATH', '--out and --json name the same file', { file: values.json as string });
  const { frame } = await readTable(file);
  const result = await runAnalysis(info.name, frame, params);
  const say = humanLog(jsonToStdout);
  say(result.summary);
  for (const [text, ext] of [[result.svg, 'svg'], [result.html, 'html']] as const) {
    if (!text) continue;
    const out = (values.out as string | undefined) ?? `${info.name}.${ext}`;
    writeFileAtomic(outPath ?? check(out), text);
    say(`wrote ${out}`);
  }
  if (jsonPath !== undefined) {
    writeTextOutput(jsonPath, JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    if (!jsonToStdout) say(`wrote ${values.json}`);
  } else if (info.name === 'table-summary') {
    // Text only on standard output; the JSON is one --json - away.
    say(renderTableSummary(result.data as TableSummaryData));
  } else if (!result.svg && !result.html) {
    say(JSON.stringify(result.data, null, 2));
  }
  return 0;
}

interface TableSummaryData {
  rows: number;
  columns: { column: string; type: string; count: number; min: unknown; max: unknown; mean: unknown; stddev: unknown }[];
}

/** Significant digits of numbers in the table-summary text table. */
const SUMMARY_DIGITS = 6;

function renderTableSummary(data: TableSummaryData): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' ? String(Number(v.toPrecision(SUMMARY_DIGITS))) : String(v));
  const header = ['column', 'type', 'count', 'min', 'max', 'mean', 'stddev'];
  const rows = data.columns.map((c) => [c.column, c.type, cell(c.count), cell(c.min), cell(c.max), cell(c.mean), cell(c.stddev)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
