import type { ColumnKind } from '../../frame/column.js';
import { readTable, summarizeFrame, type ColumnSummary, type TableSummary } from '../../io/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot inspect FILE [--target COL] [--json] [--limit N] [--type COL=KIND ...]

Reads a CSV, JSON Lines, Parquet or Arrow IPC file (plain or .gz; '-' = standard input) and prints its rows, columns and, per column: inferred type
(spec A.4.2: numeric, categorical, binary, text, datetime), missing and invalid counts, cardinality,
min / max / mean, and the most frequent values of categorical columns.

Options:
  --target COL        mark COL as the target column (must exist)
  --json              print the summary as JSON (shape documented in docs/io.md)
  --limit N           read only the first N data rows
  --type COL=KIND     force a column's kind (numeric, categorical, boolean, datetime, text); repeatable
  --prefer-categorical  integer columns that tie numeric/categorical become categorical
  -h, --help          show this help`;

const KINDS: readonly ColumnKind[] = ['numeric', 'categorical', 'boolean', 'datetime', 'text'];

/** `--type COL=KIND` flags as a Map keyed by column name (a column may be called "constructor"). */
export function parseTypeFlags(values: string[] | undefined): Map<string, ColumnKind> {
  const types = new Map<string, ColumnKind>();
  for (const v of values ?? []) {
    const eq = v.lastIndexOf('=');
    const name = v.slice(0, eq);
    const kind = v.slice(eq + 1) as ColumnKind;
    if (eq <= 0 || !KINDS.includes(kind)) throw new TabpilotError('INVALID_ARGUMENT', `--type expects COL=KIND with KIND one of ${KINDS.join(', ')}, got "${v}"`);
    types.set(name, kind);
  }
  return types;
}

function fmt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-3 ? v.toExponential(3) : v.toFixed(a >= 100 ? 1 : 4).replace(/\.?0+$/, '');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function renderSummary(s: TableSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file ?? '(frame)'}: ${s.rows} rows${s.truncated ? ' (first rows only: --limit)' : ''}, ${s.columns} columns (${s.format})`);
  lines.push(`types: ${Object.entries(s.kindCounts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (s.target !== null) lines.push(`target: ${s.target}`);
  const header = ['column', 'type', 'missing', 'invalid', 'distinct', 'min', 'max', 'mean / top values'];
  const rows = s.columnSummaries.map((c: ColumnSummary) => [
    truncate(c.name, 28) + (c.target ? ' (target)' : ''),
    c.featureType + (c.categoricalCandidate ? '*' : '') + (c.forced ? ' (forced)' : ''),
    String(c.missing),
    String(c.invalid),
    String(c.cardinality),
    truncate(fmt(c.min), 24),
    truncate(fmt(c.max), 24),
    c.top ? truncate(c.top.map((t) => `${t.value} (${t.count})`).join(', '), 60) : fmt(c.mean),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  lines.push('', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  if (s.columnSummaries.some((c) => c.categoricalCandidate)) {
    lines.push('', '* integer column with few distinct values: the spec allows treating it as categorical (--prefer-categorical)');
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    target: { type: 'string' },
    json: { type: 'boolean' },
    limit: { type: 'string' },
    type: { type: 'string', multiple: true },
    'prefer-categorical': { type: 'boolean' },
  }, 'inspect');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'inspect: expected exactly one FILE (see tabpilot inspect --help)');
  const limit = values.limit !== undefined ? requireNumber(values.limit as string, '--limit') : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new TabpilotError('INVALID_ARGUMENT', `--limit expects a positive integer, got "${values.limit}"`);
  const { frame, report } = await readTable(positionals[0], {
    limit,
    types: parseTypeFlags(values.type as string[] | undefined),
    preferCategorical: values['prefer-categorical'] === true,
  });
  const target = values.target as string | undefined;
  if (target !== undefined && !frame.has(target)) {
    throw new TabpilotError('INVALID_TARGET', `target column not found; columns are: ${frame.columnNames.join(', ')}`, { file: positionals[0], column: target });
  }
  const summary = summarizeFrame(frame, report, target);
  console.log(values.json ? JSON.stringify(summary, null, 2) : renderSummary(summary));
  return 0;
}
