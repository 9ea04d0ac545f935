import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { writeFileAtomic } from '../util/output.js';
import { renderModelReportHtml } from './html.js';
import { type ModelReport, type ModelReportOptions, buildModelReport } from './model-report.js';

export * from './curves.js';
export * from './in-sample.js';
export { renderModelReportHtml } from './html.js';
export * from './model-report.js';
export { modelReportReserveSeconds, modelReportSizes, type ReportSizes } from './sizing.js';

/**
 * Writes the model quality report for `pipeline` evaluated on `frame` (which must hold the target column):
 * `outPath` (HTML, self-contained) and, next to it, the same data as JSON (`<name>.json`). Returns the data.
 */
export async function writeModelReport(pipeline: Pipeline, frame: Frame, outPath: string, options: ModelReportOptions = {}): Promise<ModelReport> {
  const report = buildModelReport(pipeline, frame, options);
  writeFileAtomic(outPath, renderModelReportHtml(report));
  writeFileAtomic(modelReportJsonPath(outPath), JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  return report;
}

/** The JSON twin written beside the HTML report: `report.html` -> `report.json`. */
export function modelReportJsonPath(outPath: string): string {
  return outPath.replace(/\.html?$/i, '') + '.json';
}
