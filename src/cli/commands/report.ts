import { readTable } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { modelReportJsonPath, writeModelReport } from '../../report/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';

export const help = `Usage: tabpilot report MODEL_DIR --data TEST_FILE [--out model-report.html] [options]

Model quality report of MODEL_DIR on labelled data (CSV, Parquet or Arrow with the target column): one
self-contained HTML page (inline CSS and SVG, no scripts) plus the same data as JSON next to it.

Contents: metrics with bootstrap standard deviations; classification: confusion matrix, ROC and
precision-recall curves with AUCs (binary; one-vs-rest for multiclass), calibration curve, gain and lift
(binary); regression: predicted vs actual with best-fit line, standardized residuals, residual histogram;
permutation importance with 95% confidence intervals; SHAP summary plot and mean |SHAP|.

Options:
  --data FILE            labelled evaluation data (required)
  --out FILE             HTML output (default model-report.html; JSON written beside it)
  --seed S               seed for sampling, bootstrap and shuffles (default 0)
  --repeats R            shuffles per feature for permutation importance (default 5)
  --shap-rows N          rows explained for the SHAP summary (default 500 trees, 100 other models)`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, repeats: { type: 'string' }, 'shap-rows': { type: 'string' } }, 'report');
  const values = parsed.values as Record<string, string | undefined>;
  if (parsed.positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'report: expected one MODEL_DIR (see tabpilot report --help)');
  if (!values.data) throw new TabpilotError('INVALID_ARGUMENT', 'report: --data TEST_FILE is required');
  const out = values.out ?? 'model-report.html';
  const modelDir = parsed.positionals[0];
  // The HTML and its JSON twin: neither may replace the data or land in the model directory (model.json).
  const target = checkOutputPath(out, { inputs: [values.data], modelDirs: [modelDir] });
  checkOutputPath(modelReportJsonPath(target), { inputs: [values.data], modelDirs: [modelDir] });
  const pipeline = await Pipeline.load(modelDir);
  const { frame } = await readTable(values.data);
  const shapRows = values['shap-rows'] !== undefined ? requireNumber(values['shap-rows'], '--shap-rows') : undefined;
  const report = await writeModelReport(pipeline, frame, target, {
    dataName: values.data,
    seed: requireNumber(values.seed, '--seed', 0),
    importanceRepeats: requireNumber(values.repeats, '--repeats', 5),
    shapRows,
  });
  console.log(`wrote ${out} (${report.evaluation.rows} rows, ${report.evaluation.seconds.toFixed(2)} s)`);
  for (const m of report.metrics) console.log(`  ${m.name.padEnd(18)} ${m.value.toPrecision(4)} (std ${m.std.toPrecision(2)})`);
  return 0;
}
