import type { Frame } from '../frame/frame.js';
import { getLearnerSpec } from '../models/registry.js';
import type { Pipeline } from '../pipeline/pipeline.js';

/**
 * Rows for the model report's permutation importance and sampled SHAP, sized from the model's measured prediction
 * cost so each section takes about REPORT_SECTION_MS: an ensemble of many fold models over many features would
 * otherwise need minutes (permutation SHAP costs 2 x SHAP_PERMUTATIONS x (features + 1) predictions per explained row).
 */
export interface ReportSizes {
  /** Rows explained by sampled SHAP; undefined for tree models (exact TreeSHAP is cheap). */
  readonly shapRows?: number;
  readonly importanceRows: number;
  readonly importanceRepeats: number;
}

/** Target time of one report section (ms). */
const REPORT_SECTION_MS = 8000;
/** Shuffles per feature in permutation importance. */
const IMPORTANCE_REPEATS = 3;
/** Rows whose prediction time is measured. */
const PROBE_ROWS = 300;
/** Bounds of the permutation-importance rows. */
const MIN_IMPORTANCE_ROWS = 100;
const MAX_IMPORTANCE_ROWS = 5000;
/** Bounds of the rows explained with sampled SHAP. */
const MIN_SHAP_ROWS = 10;
const MAX_SHAP_ROWS = 100;
/** Permutations per explained row of the sampled (permutation) SHAP explainer. */
const SHAP_PERMUTATIONS = 16;
/** Floor of the measured cost per row (ms), so a very fast model does not divide by ~0. */
const MIN_MS_PER_ROW = 1e-4;

/** Times `pipeline` on up to PROBE_ROWS rows of `data` and sizes the report's costly sections from it. */
export function modelReportSizes(pipeline: Pipeline, data: Frame): ReportSizes {
  const probe = data.head(Math.min(data.numRows, PROBE_ROWS));
  const t0 = performance.now();
  pipeline.predict(probe);
  const msPerRow = Math.max(MIN_MS_PER_ROW, (performance.now() - t0) / Math.max(1, probe.numRows));
  const features = pipeline.artifact.features.length;
  const importanceRows = Math.round(Math.min(MAX_IMPORTANCE_ROWS, Math.max(MIN_IMPORTANCE_ROWS, REPORT_SECTION_MS / (features * IMPORTANCE_REPEATS * msPerRow))));
  const treeExplained = getLearnerSpec(pipeline.model.kind).tags.family === 'tree';
  const shapRows = treeExplained
    ? undefined
    : Math.round(Math.min(MAX_SHAP_ROWS, Math.max(MIN_SHAP_ROWS, REPORT_SECTION_MS / (2 * SHAP_PERMUTATIONS * (features + 1) * msPerRow))));
  return { shapRows, importanceRows, importanceRepeats: IMPORTANCE_REPEATS };
}
