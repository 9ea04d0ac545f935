import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FORECASTER_FORMAT, forecastFrame, loadForecaster } from '../../forecast/index.js';
import { readTable, writeTable } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { batchTransform } from '../../pipeline/batch-transform.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';

export const help = `Usage: tabpilot predict MODEL_DIR FILE --out PREDICTIONS [options]

Batch transform: predictions for every row of FILE (CSV, Parquet or Arrow) with the model in
MODEL_DIR, written as PREDICTIONS (.csv, .parquet or .arrow). CSV input is streamed in chunks, so
memory stays flat on large files. Rows keep their input order.

A forecast model directory (from tabpilot forecast) is accepted too: FILE is then the history (the
same columns as the training file), optionally with future covariates in --covariates FILE, and the
output holds item, timestamp, mean and one column per quantile, as forecast.csv does.

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
  --covariates FILE forecast models: future values of the covariates over the horizon
  -h, --help        show this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { out: { type: 'string' }, keep: { type: 'string' }, 'chunk-rows': { type: 'string' }, covariates: { type: 'string' } }, 'predict');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'predict: expected MODEL_DIR and FILE (see tabpilot predict --help)');
  const [modelDir, input] = positionals;
  const output = values.out as string | undefined;
  if (!output) throw new TabpilotError('INVALID_ARGUMENT', 'predict: --out PREDICTIONS is required');
  const target = checkOutputPath(output, { inputs: [input], modelDirs: [modelDir] });
  const chunkRows = requireNumber(values['chunk-rows'] as string | undefined, '--chunk-rows', 65_536);
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new TabpilotError('INVALID_ARGUMENT', '--chunk-rows expects a positive integer');
  const keep = ((values.keep as string | undefined) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

  const t0 = performance.now();
  if (await isForecaster(modelDir)) {
    const covariates = values.covariates as string | undefined;
    const forecaster = loadForecaster(modelDir);
    const history = (await readTable(input)).frame;
    const future = covariates === undefined ? undefined : (await readTable(covariates)).frame;
    const frame = forecastFrame(forecaster.predict(history, future));
    writeTable(frame, target);
    console.log(`wrote ${output}: ${frame.numRows} forecast rows in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return 0;
  }
  const pipeline = await Pipeline.load(modelDir);
  const summary = await batchTransform(pipeline, { input, output: target, keep, chunkRows });
  const seconds = (performance.now() - t0) / 1000;
  for (const [col, n] of Object.entries(summary.unseen)) console.error(`note: column "${col}": ${n} values with a category not seen in training were treated as missing`);
  for (const [col, n] of Object.entries(summary.invalid)) console.error(`note: column "${col}": ${n} values could not be parsed and were treated as missing`);
  console.log(`wrote ${output}: ${summary.rows} rows (${pipeline.artifact.task}, ${pipeline.model.kind}) in ${seconds.toFixed(2)} s`);
  return 0;
}

/** Whether MODEL_DIR/model.json is a forecaster's (any read or parse problem is left to the pipeline loader). */
async function isForecaster(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as unknown;
    return json !== null && typeof json === 'object' && (json as { format?: unknown }).format === FORECASTER_FORMAT;
  } catch {
    return false;
  }
}
