import { readTable, STDIO_PATH, writeTable } from '../../io/index.js';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { humanLog } from '../../util/progress.js';
import { parseTypeFlags } from './inspect.js';

export const help = `Usage: tabpilot convert IN OUT [--limit N] [--type COL=KIND ...] [--json]

Converts between CSV (.csv, .tsv), Parquet (.parquet) and Arrow IPC (.arrow, .feather), chosen by
extension (IN may also be recognised by content). IN may also be JSON Lines (.jsonl) and gzip-compressed
(.csv.gz, .jsonl.gz). '-' as IN reads standard input (format recognised by content); '-' as OUT writes
CSV to standard output. Column types are inferred from CSV input as in
'tabpilot inspect' and kept in Parquet/Arrow output (categoricals as dictionary columns).

Options:
  --limit N         convert only the first N data rows
  --type COL=KIND   force a column's kind (numeric, categorical, boolean, datetime, text); repeatable
  --json            print a JSON summary (output, rows, columns, warnings) instead of the text line
  -h, --help        show this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { limit: { type: 'string' }, type: { type: 'string', multiple: true }, json: { type: 'boolean' } }, 'convert');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'convert: expected IN and OUT (see tabpilot convert --help)');
  const [input, output] = positionals;
  const toStdout = output === STDIO_PATH;
  const target = toStdout ? output : checkOutputPath(output, { inputs: [input] });
  const limit = values.limit !== undefined ? Number(values.limit as string) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new TabpilotError('INVALID_ARGUMENT', `--limit expects a positive integer, got "${values.limit}"`);
  const { frame, report } = await readTable(input, { limit, types: parseTypeFlags(values.type as string[] | undefined) });
  writeTable(frame, target);
  for (const w of report.warnings) console.error(`warning: ${w}`);
  // With the table on standard output, the summary (text or JSON) goes to standard error.
  const say = humanLog(toStdout);
  if (values.json) say(JSON.stringify({ command: 'convert', input, output, rows: frame.numRows, columns: frame.numColumns, warnings: report.warnings }));
  else say(`wrote ${output}: ${frame.numRows} rows, ${frame.numColumns} columns`);
  return 0;
}
