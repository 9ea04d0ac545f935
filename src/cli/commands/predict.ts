import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import { FORECASTER_FORMAT, forecastFrame, loadForecaster } from '../../forecast/index.js';
import { readTable, STDIO_PATH, writeTable } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { batchTransform } from '../../pipeline/batch-transform.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { createProgress, humanLog } from '../../util/progress.js';

export const help = `Usage: tabpilot predict MODEL_DIR FILE [--out PREDICTIONS] [options]

Batch transform: predictions for every row of FILE (CSV, JSON Lines, Parquet or Arrow; plain or .gz;
'-' = standard input) with the model in MODEL_DIR, written as PREDICTIONS (.csv, .parquet or .arrow),
or as CSV on standard output without --out (or with --out -). CSV files are streamed in chunks, so
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
  --out FILE        where to write predictions (written to a temp file, then renamed; never the input
                    file); absent or '-': CSV on standard output (messages then go to standard error)
  --json            print a JSON summary (rows, task, model, seconds, unseen/invalid counts) instead of
                    the text line (on standard error when the predictions are on standard output)
  --keep COLS       comma-separated input columns to copy in front of the predictions (IDs)
  --chunk-rows N    rows per chunk when streaming CSV (default 65536)
  --covariates FILE forecast models: future values of the covariates over the horizon
  -h, --help        show this help`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { out: { type: 'string' }, keep: { type: 'string' }, 'chunk-rows': { type: 'string' }, covariates: { type: 'string' }, json: { type: 'boolean' } }, 'predict');
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'predict: expected MODEL_DIR and FILE (see tabpilot predict --help)');
  const [modelDir, input] = positionals;
  const output = (values.out as string | undefined) ?? STDIO_PATH;
  const toStdout = output === STDIO_PATH;
  const target = toStdout ? output : checkOutputPath(output, { inputs: [input], modelDirs: [modelDir] });
  const say = humanLog(toStdout);
  const json = values.json === true;
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
    const seconds = (performance.now() - t0) / 1000;
    if (json) say(JSON.stringify({ command: 'predict', output, rows: frame.numRows, task: 'forecast', seconds }));
    else say(`wrote ${output}: ${frame.numRows} forecast rows in ${seconds.toFixed(2)} s`);
    return 0;
  }
  const progress = createProgress('predict');
  progress.step(0, 2, 'loading the model');
  const pipeline = await Pipeline.load(modelDir);
  progress.step(1, 2, 'predicting');
  const summary = toStdout ? await predictToStdout(pipeline, input, keep, chunkRows) : await batchTransform(pipeline, { input, output: target, keep, chunkRows });
  progress.finish();
  const seconds = (performance.now() - t0) / 1000;
  for (const [col, n] of Object.entries(summary.unseen)) console.error(`note: column "${col}": ${n} values with a category not seen in training were treated as missing`);
  for (const [col, n] of Object.entries(summary.invalid)) console.error(`note: column "${col}": ${n} values could not be parsed and were treated as missing`);
  const { task } = pipeline.artifact;
  if (json) say(JSON.stringify({ command: 'predict', output, rows: summary.rows, task, model: pipeline.model.kind, seconds, unseen: summary.unseen, invalid: summary.invalid }));
  else say(`wrote ${output}: ${summary.rows} rows (${task}, ${pipeline.model.kind}) in ${seconds.toFixed(2)} s`);
  return 0;
}

/** Batch transform into a private temporary CSV, then copied to standard output (the file is removed). */
async function predictToStdout(pipeline: Pipeline, input: string, keep: string[], chunkRows: number): ReturnType<typeof batchTransform> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tabpilot-predict-'));
  try {
    const file = path.join(dir, 'predictions.csv');
    const summary = await batchTransform(pipeline, { input, output: file, keep, chunkRows });
    await pipeStreams(createReadStream(file), process.stdout, { end: false });
    return { ...summary, output: STDIO_PATH };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
