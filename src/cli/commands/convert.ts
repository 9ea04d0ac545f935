import { readTable, writeTable } from '../../io/index.js';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { parseTypeFlags } from './inspect.js';

export const help = `Usage: tabpilot convert IN OUT [--limit N] [--type COL=KIND ...]

Converts between CSV (.csv, .tsv), Parquet (.parquet) and Arrow IPC (.arrow, .feather), chosen by
extension (IN may also be recognised by content). Column types are inferred from CSV input as in
'tabpilot inspect' and kept in Parquet/Arrow output (categoricals as dictionary columns).

Options:
  --limit N         convert only the first N data rows
  --type COL=KIND   force a column's kind (numeric, categorical, boolean, datetime, text); repeatable
  -h, --help        show this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { limit: { type: 'string' }, type: { type: 'string', multiple: true } }, 'convert');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'convert: expected IN and OUT (see tabpilot convert --help)');
  const [input, output] = positionals;
  const target = checkOutputPath(output, { inputs: [input] });
  const limit = values.limit !== undefined ? Number(values.limit as string) : undefined;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new TabpilotError('INVALID_ARGUMENT', `--limit expects a positive integer, got "${values.limit}"`);
  const { frame, report } = await readTable(input, { limit, types: parseTypeFlags(values.type as string[] | undefined) });
  writeTable(frame, target);
  for (const w of report.warnings) console.error(`warning: ${w}`);
  console.log(`wrote ${output}: ${frame.numRows} rows, ${frame.numColumns} columns`);
  return 0;
}
