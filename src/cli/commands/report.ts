import { readTable } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { modelReportJsonPath, writeModelReport } from '../../report/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { createProgress, humanLog } from '../../util/progress.js';

export const help = `Usage: tabpilot report MODEL_DIR --data TEST_FILE [--out model-report.html] [options]

Model quality report of MODEL_DIR on labelled data (CSV, JSON Lines, Parquet or Arrow, plain or .gz, with
the target column; '-' = standard input): one self-contained HTML page (inline CSS and SVG, no scripts)
plus the same data as JSON next to it. Data that is (or starts with) the model's training rows is
labelled in-sample: its metrics overstate accuracy on new data.

Contents: metrics with bootstrap standard deviations; classification: confusion matrix, ROC and
precision-recall curves with AUCs (binary; one-vs-rest for multiclass), calibration curve, gain and lift
(binary); regression: predicted vs actual with best-fit line, standardized residuals, residual histogram;
permutation importance with 95% confidence intervals; SHAP summary plot and mean |SHAP|.

Options:
  --data FILE            labelled evaluation data (required)
  --out FILE             HTML output (default model-report.html; JSON written beside it)
  --seed S               seed for sampling, bootstrap and shuffles (default 0)
  --repeats R            shuffles per feature for permutation importance (default 5)
  --shap-rows N          rows explained for the SHAP summary (default 500 trees, 100 other models)
  --json                 print a JSON summary (output, rows, metrics, in-sample) instead of text`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, repeats: { type: 'string' }, 'shap-rows': { type: 'string' }, json: { type: 'boolean' } }, 'report');
  const json = (parsed.values as Record<string, unknown>).json === true;
  const values = parsed.values as Record<string, string | undefined>;
  if (parsed.positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'report: expected one MODEL_DIR (see tabpilot report --help)');
  if (!values.data) throw new TabpilotError('INVALID_ARGUMENT', 'report: --data TEST_FILE is required');
  const out = values.out ?? 'model-report.html';
  const modelDir = parsed.positionals[0];
  // The HTML and its JSON twin: neither may replace the data or land in the model directory (model.json).
  const target = checkOutputPath(out, { inputs: [values.data], modelDirs: [modelDir] });
  checkOutputPath(modelReportJsonPath(target), { inputs: [values.data], modelDirs: [modelDir] });
  const progress = createProgress('report');
  progress.step(0, 2, 'loading');
  const pipeline = await Pipeline.load(modelDir);
  const { frame } = await readTable(values.data);
  progress.step(1, 2, `evaluating ${frame.numRows} rows`);
  const shapRows = values['shap-rows'] !== undefined ? requireNumber(values['shap-rows'], '--shap-rows') : undefined;
  const report = await writeModelReport(pipeline, frame, target, {
    dataName: values.data,
    seed: requireNumber(values.seed, '--seed', 0),
    importanceRepeats: requireNumber(values.repeats, '--repeats', 5),
    shapRows,
  });
  progress.finish();
  const inSample = report.evaluation.inSample;
  if (json) {
    console.log(JSON.stringify({ command: 'report', output: out, json: modelReportJsonPath(out), rows: report.evaluation.rows, seconds: report.evaluation.seconds, inSample: inSample ?? null, metrics: report.metrics }));
    return 0;
  }
  const say = humanLog(json);
  say(`wrote ${out} (${report.evaluation.rows} rows, ${report.evaluation.seconds.toFixed(2)} s)`);
  if (inSample) say(`  IN-SAMPLE evaluation: ${inSample.reason}; these metrics overstate accuracy on new data`);
  for (const m of report.metrics) say(`  ${m.name.padEnd(18)} ${m.value.toPrecision(4)} (std ${m.std.toPrecision(2)})`);
  return 0;
}
