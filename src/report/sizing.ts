import type { Frame } from '../frame/frame.js';
import { treeExplainer } from '../explain/trees.js';
import { getLearnerSpec } from '../models/registry.js';
import type { Pipeline } from '../pipeline/pipeline.js';

/**
 * Rows for the model report's permutation importance and sampled SHAP, sized from the model's measured prediction
 * cost so each section takes about REPORT_SECTION_MS: an ensemble of many fold models over many features would
 * otherwise need minutes (permutation SHAP costs 2 x SHAP_PERMUTATIONS x (features + 1) predictions per explained row).
 * Given a time budget (`budgetMs`, what is left of `autopilot --max-runtime`), the sections shrink to fit it and
 * `estimatedMs` says whether even the smallest report fits (the caller skips the report when it does not).
 */
export interface ReportSizes {
  /** Rows explained by SHAP; undefined for tree models without a budget (exact TreeSHAP is cheap). */
  readonly shapRows?: number;
  readonly importanceRows: number;
  readonly importanceRepeats: number;
  /** Estimated wall time of the whole report at these sizes (ms), prediction on every row included. */
  readonly estimatedMs: number;
}

/** Target time of one report section (ms). */
const REPORT_SECTION_MS = 8000;
/** Shuffles per feature in permutation importance; with a tight budget, down to the minimum the estimator takes. */
const IMPORTANCE_REPEATS = 3;
const MIN_IMPORTANCE_REPEATS = 2;
/** Rows whose prediction time is measured, and the small probe that separates the per-call cost from the per-row cost. */
const PROBE_ROWS = 300;
const SMALL_PROBE_ROWS = 20;
/** Rows explained with TreeSHAP to time it (tree models, with a budget). */
const TREESHAP_PROBE_ROWS = 10;
/** Bounds of the permutation-importance rows; with a budget the floor drops to BUDGET_MIN_IMPORTANCE_ROWS. */
const MIN_IMPORTANCE_ROWS = 100;
const MAX_IMPORTANCE_ROWS = 5000;
const BUDGET_MIN_IMPORTANCE_ROWS = 50;
/** Bounds of the rows explained with sampled SHAP; with a budget the floor drops to BUDGET_MIN_SHAP_ROWS. */
const MIN_SHAP_ROWS = 10;
const MAX_SHAP_ROWS = 100;
const BUDGET_MIN_SHAP_ROWS = 5;
/** Rows explained with TreeSHAP by the report (its default for tree models). */
const MAX_TREESHAP_ROWS = 500;
/** Permutations per explained row of the sampled (permutation) SHAP explainer. */
const SHAP_PERMUTATIONS = 16;
/** Floor of the measured cost per row (ms), so a very fast model does not divide by ~0. */
const MIN_MS_PER_ROW = 1e-4;
/** The report's cost besides predictions: bootstrap metrics, curves, HTML and JSON rendering and writing (ms). */
const FIXED_REPORT_MS = 400;
/** Share of the budget left after the fixed costs given to each of the two sized sections (importance, SHAP); the
 * rest is slack for rounding and timing noise. */
const SECTION_BUDGET_SHARE = 0.4;

/** Of an `autopilot --max-runtime`, the share kept for the model report, at most REPORT_RESERVE_MAX_SECONDS. */
const REPORT_RESERVE_FRACTION = 0.15;
const REPORT_RESERVE_MAX_SECONDS = 30;

/** Seconds of a job's runtime budget to keep for its model report (the job ends that much earlier). */
export function modelReportReserveSeconds(maxRuntimeSeconds: number): number {
  return Math.min(REPORT_RESERVE_MAX_SECONDS, maxRuntimeSeconds * REPORT_RESERVE_FRACTION);
}

/** Predicting k rows takes about callMs + k x rowMs. */
interface PredictCost {
  readonly callMs: number;
  readonly rowMs: number;
}

function timePredict(pipeline: Pipeline, rows: Frame): number {
  const t0 = performance.now();
  pipeline.predict(rows);
  return performance.now() - t0;
}

/** Times the pipeline on a small and a larger probe (after a warm-up) to split the per-call and per-row costs. */
function predictCost(pipeline: Pipeline, data: Frame): PredictCost {
  const big = data.head(Math.min(data.numRows, PROBE_ROWS));
  const small = data.head(Math.min(data.numRows, SMALL_PROBE_ROWS));
  pipeline.predict(small);
  const tSmall = timePredict(pipeline, small);
  const tBig = timePredict(pipeline, big);
  if (big.numRows <= small.numRows) return { callMs: 0, rowMs: Math.max(MIN_MS_PER_ROW, tBig / Math.max(1, big.numRows)) };
  const rowMs = Math.max(MIN_MS_PER_ROW, (tBig - tSmall) / (big.numRows - small.numRows), tBig / big.numRows / 2);
  return { callMs: Math.max(0, tSmall - small.numRows * rowMs), rowMs };
}

const clamp = (x: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, x)));

/** Times `pipeline` on up to PROBE_ROWS rows of `data` and sizes the report's costly sections from it (see ReportSizes). */
export function modelReportSizes(pipeline: Pipeline, data: Frame, budgetMs?: number): ReportSizes {
  const cost = predictCost(pipeline, data);
  const features = pipeline.artifact.features.length;
  const fixedMs = FIXED_REPORT_MS + cost.callMs + data.numRows * cost.rowMs;
  const sectionMs = budgetMs === undefined ? REPORT_SECTION_MS : Math.min(REPORT_SECTION_MS, Math.max(0, budgetMs - fixedMs) * SECTION_BUDGET_SHARE);
  const minImportanceRows = budgetMs === undefined ? MIN_IMPORTANCE_ROWS : BUDGET_MIN_IMPORTANCE_ROWS;
  const minShapRows = budgetMs === undefined ? MIN_SHAP_ROWS : BUDGET_MIN_SHAP_ROWS;

  // Importance: one prediction of every row, then one per feature and repeat.
  const importanceCost = (rows: number, repeats: number) => (features * repeats + 1) * (cost.callMs + rows * cost.rowMs);
  let importanceRepeats = IMPORTANCE_REPEATS;
  if (budgetMs !== undefined && importanceCost(minImportanceRows, importanceRepeats) > sectionMs) importanceRepeats = MIN_IMPORTANCE_REPEATS;
  const perRowImportance = (features * importanceRepeats + 1) * cost.rowMs;
  const callsMs = (features * importanceRepeats + 1) * cost.callMs;
  const importanceRows = clamp((sectionMs - callsMs) / perRowImportance, minImportanceRows, MAX_IMPORTANCE_ROWS);

  // SHAP: permutation SHAP evaluates 2 x permutations x (features + 1) mixed rows per explained row; TreeSHAP is timed.
  const treeExplained = getLearnerSpec(pipeline.model.kind).tags.family === 'tree';
  let shapRows: number | undefined;
  let shapRowMs: number;
  if (treeExplained) {
    const explainer = budgetMs !== undefined ? treeExplainer(pipeline) : null;
    const probe = data.head(Math.min(data.numRows, TREESHAP_PROBE_ROWS));
    const t0 = performance.now();
    explainer?.explain(probe);
    shapRowMs = explainer ? (performance.now() - t0) / Math.max(1, probe.numRows) : 0;
    shapRows = explainer ? clamp(sectionMs / Math.max(MIN_MS_PER_ROW, shapRowMs), minShapRows, MAX_TREESHAP_ROWS) : undefined;
  } else {
    shapRowMs = 2 * SHAP_PERMUTATIONS * (features + 1) * cost.rowMs;
    shapRows = clamp(sectionMs / shapRowMs, minShapRows, MAX_SHAP_ROWS);
  }
  const estimatedMs = fixedMs + importanceCost(importanceRows, importanceRepeats) + (shapRows ?? 0) * shapRowMs;
  return { shapRows, importanceRows, importanceRepeats, estimatedMs };
}
