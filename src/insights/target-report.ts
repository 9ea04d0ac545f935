import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { detectProblemType } from '../models/problem-type.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { rowValues } from './samples.js';
import { type ColumnStats, type FeatureType, type Histogram, OUTLIER_ROBUST_STDS, columnStats, numericHistogram } from './stats.js';
import { type EncodedTarget, encodeTarget } from './target.js';
import type { SampleRow, TargetReport } from './types.js';
import { type Warning, classificationTargetWarnings, regressionTargetWarnings } from './warnings.js';

/** Data Wrangler's quick-model rule: a target with more distinct values than this is a regression. */
const DATA_WRANGLER_REGRESSION_CARDINALITY = 100;
/** Bins of a regression target's histogram. */
const TARGET_HISTOGRAM_BINS = 30;
/** Classes shown in a classification target's histogram (the rest are "other"). */
const TARGET_TOP_CLASSES = 20;

/**
 * Autopilot's determine_task (spec B.1); when it declines to decide (an integer target that looks ordinal but has
 * more than 100 values), fall back to Data Wrangler's quick-model rule: regression if > 100 distinct values.
 */
export function problemTypeOf(col: Column, cardinality: number = columnStats(col).cardinality): { task: Task; reason: string } {
  const d = detectProblemType(col);
  if (d.ok) return { task: d.task, reason: d.reason };
  if (d.code !== 'AMBIGUOUS_INTEGER' || cardinality < 2) throw new TabpilotError('INVALID_TARGET', d.reason, { column: col.name });
  const task: Task = cardinality > DATA_WRANGLER_REGRESSION_CARDINALITY ? 'regression' : cardinality === 2 ? 'binary' : 'multiclass';
  const rule = cardinality > DATA_WRANGLER_REGRESSION_CARDINALITY ? '> 100 means regression' : '<= 100 means classification';
  return { task, reason: `Autopilot's rules could not decide (${d.reason}); Data Wrangler's rule applied: ${cardinality} distinct values ${rule}. Pass a problem type to override.` };
}

/** The feature type the target's statistics are computed for, given the problem type. */
export function targetFeatureType(task: Task): FeatureType {
  return task === 'regression' ? 'numeric' : task === 'binary' ? 'binary' : 'categorical';
}

/** The first `limit` rows not in the (ascending) list of valid rows. */
function invalidTargetRows(valid: Int32Array, n: number, limit: number): number[] {
  const out: number[] = [];
  for (let r = 0, k = 0; r < n && out.length < limit; r++) {
    if (k < valid.length && valid[k] === r) k++;
    else out.push(r);
  }
  return out;
}

export function statsOnly(s: ColumnStats): Omit<ColumnStats, 'histogram' | 'topValues'> {
  const { histogram: _h, topValues: _t, ...rest } = s;
  return rest;
}

/** What the target section shows: warnings, histogram, classes or outlying rows. */
function targetShape(frame: Frame, st: ColumnStats, encoded: EncodedTarget, name: string, shown: number, originalRow: (r: number) => number) {
  if (encoded.task === 'regression') {
    let outlierRows: SampleRow[] | undefined;
    if (st.outliers > 0 && st.median !== null && st.robustStd !== null) {
      const lo = st.median - OUTLIER_ROBUST_STDS * st.robustStd;
      const hi = st.median + OUTLIER_ROBUST_STDS * st.robustStd;
      const rows = Array.from(encoded.rows).filter((_, i) => encoded.y[i] < lo || encoded.y[i] > hi);
      outlierRows = rows.slice(0, shown).map((r) => ({ row: originalRow(r), values: rowValues(frame, r) }));
    }
    return { warnings: regressionTargetWarnings(st), histogram: numericHistogram(encoded.y, TARGET_HISTOGRAM_BINS), outlierRows, classes: undefined };
  }
  const valid = encoded.rows.length;
  const warnings: Warning[] = classificationTargetWarnings(name, encoded.task, encoded.classes, encoded.classCounts);
  const classes = encoded.classes.map((label, k) => ({ label, count: encoded.classCounts[k], ratio: encoded.classCounts[k] / valid })).sort((a, b) => b.count - a.count);
  const top = classes.slice(0, TARGET_TOP_CLASSES);
  const histogram: Histogram = { labels: top.map((c) => c.label), counts: top.map((c) => c.count), missing: frame.numRows - valid, other: valid - top.reduce((s, c) => s + c.count, 0) };
  return { warnings, histogram, outlierRows: undefined, classes };
}

/** The target section (A.3.1) and the target as the models see it. */
export function targetSection(
  frame: Frame,
  name: string,
  task: { task: Task; reason: string },
  st: ColumnStats,
  shown: number,
  originalRow: (r: number) => number,
): { report: TargetReport; encoded: EncodedTarget } {
  const n = frame.numRows;
  const encoded = encodeTarget(frame.column(name), task.task);
  const valid = encoded.rows.length;
  const shape = targetShape(frame, st, encoded, name, shown, originalRow);
  const report: TargetReport = {
    name,
    task: task.task,
    taskReason: task.reason,
    stats: statsOnly(st),
    missing: st.missing,
    invalid: n - valid - st.missing,
    validRows: valid,
    ...(shape.classes ? { classes: shape.classes } : {}),
    histogram: shape.histogram,
    ...(shape.outlierRows ? { outlierRows: shape.outlierRows } : {}),
    invalidRows: invalidTargetRows(encoded.rows, n, shown).map((r) => ({ row: originalRow(r), values: rowValues(frame, r) })),
    warnings: shape.warnings,
  };
  return { report, encoded };
}
