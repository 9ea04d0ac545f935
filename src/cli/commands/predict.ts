import { Pipeline } from '../../pipeline/pipeline.js';
import { batchTransform } from '../../pipeline/batch-transform.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot predict MODEL_DIR FILE --out PREDICTIONS [options]

Batch transform: predictions for every row of FILE (CSV, Parquet or Arrow) with the model in
MODEL_DIR, written as PREDICTIONS (.csv, .parquet or .arrow). CSV input is streamed in chunks, so
memory stays flat on large files. Rows keep their input order.

Output columns: classification: predicted_label, probability (of the predicted label) and one
probability_<label> per class; regression: prediction.

Input columns are matched to the training features by name, in any order; extra columns (such as the
target) are ignored; a missing feature column is an error. A category not seen in training or a value
that cannot be parsed as the column's training type is treated as missing (counts are printed).

Options:
  --out FILE        where to write predictions (required; written to a temp file, then renamed;
                    never the input file)
  --keep COLS       comma-separated input columns to copy in front of the predictions (IDs)
  --chunk-rows N    rows per chunk when streaming CSV (default 65536)
  -h, --help        show this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { out: { type: 'string' }, keep: { type: 'string' }, 'chunk-rows': { type: 'string' } }, 'predict');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'predict: expected MODEL_DIR and FILE (see tabpilot predict --help)');
  const [modelDir, input] = positionals;
  const output = values.out as string | undefined;
  if (!output) throw new TabpilotError('INVALID_ARGUMENT', 'predict: --out PREDICTIONS is required');
  const chunkRows = requireNumber(values['chunk-rows'] as string | undefined, '--chunk-rows', 65_536);
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new TabpilotError('INVALID_ARGUMENT', '--chunk-rows expects a positive integer');
  const keep = ((values.keep as string | undefined) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

  const t0 = performance.now();
  const pipeline = await Pipeline.load(modelDir);
  const summary = await batchTransform(pipeline, { input, output, keep, chunkRows });
  const seconds = (performance.now() - t0) / 1000;
  for (const [col, n] of Object.entries(summary.unseen)) console.error(`note: column "${col}": ${n} values with a category not seen in training were treated as missing`);
  for (const [col, n] of Object.entries(summary.invalid)) console.error(`note: column "${col}": ${n} values could not be parsed and were treated as missing`);
  console.log(`wrote ${summary.output}: ${summary.rows} rows (${pipeline.artifact.task}, ${pipeline.model.kind}) in ${seconds.toFixed(2)} s`);
  return 0;
}
