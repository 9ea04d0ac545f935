import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { renderModelReportHtml } from './html.js';
import { type ModelReport, type ModelReportOptions, buildModelReport } from './model-report.js';

export * from './curves.js';
export { renderModelReportHtml } from './html.js';
export * from './model-report.js';

/**
 * Writes the model quality report for `pipeline` evaluated on `frame` (which must hold the target column):
 * `outPath` (HTML, self-contained) and, next to it, the same data as JSON (`<name>.json`). Returns the data.
 */
export async function writeModelReport(pipeline: Pipeline, frame: Frame, outPath: string, options: ModelReportOptions = {}): Promise<ModelReport> {
  const report = buildModelReport(pipeline, frame, options);
  await mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
  const jsonPath = outPath.replace(/\.html?$/i, '') + '.json';
  await atomicWrite(outPath, renderModelReportHtml(report));
  await atomicWrite(jsonPath, JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  return report;
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
