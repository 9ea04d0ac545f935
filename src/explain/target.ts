import { cellString, isMissing, toFloat64 } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { TabpilotError } from '../util/errors.js';

/** Labelled rows for evaluation: the rows whose target is usable, and the target encoded for metrics. */
export interface EvaluationData {
  readonly frame: Frame;
  /** Regression: values. Classification: indices into pipeline.classes. */
  readonly y: Int32Array | Float64Array;
  /** Rows left out because the target was missing (or not a number, for regression). */
  readonly missingTarget: number;
  /** Classification: rows left out because their label is not one of the model's classes, per label. */
  readonly unknownLabels: Record<string, number>;
}

export function evaluationData(pipeline: Pipeline, frame: Frame, where: { file?: string } = {}): EvaluationData {
  const target = pipeline.artifact.target;
  if (!frame.has(target)) {
    throw new TabpilotError('SCHEMA_MISMATCH', `the data has no target column "${target}" (needed to evaluate the model)`, { ...where, column: target });
  }
  const col = frame.column(target);
  const n = frame.numRows;
  const keep: number[] = [];
  let missingTarget = 0;
  const unknownLabels: Record<string, number> = Object.create(null); // keyed by label text
  if (pipeline.task === 'regression') {
    const v = toFloat64(col);
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      if (Number.isFinite(v[i])) {
        keep.push(i);
        y.push(v[i]);
      } else missingTarget++;
    }
    if (keep.length === 0) throw new TabpilotError('INVALID_TARGET', 'no row has a numeric target value', { ...where, column: target });
    return { frame: keep.length === n ? frame : frame.take(keep), y: Float64Array.from(y), missingTarget, unknownLabels };
  }
  const index = new Map(pipeline.classes!.map((c, i) => [c, i]));
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isMissing(col, i)) {
      missingTarget++;
      continue;
    }
    let s = cellString(col, i);
    let c = index.get(s);
    if (c === undefined) {
      s = s.trim();
      c = index.get(s);
    }
    if (c === undefined) {
      unknownLabels[s] = (unknownLabels[s] ?? 0) + 1;
      continue;
    }
    keep.push(i);
    y.push(c);
  }
  if (keep.length === 0) throw new TabpilotError('INVALID_TARGET', `no row has one of the model's class labels (${pipeline.classes!.join(', ')})`, { ...where, column: target });
  return { frame: keep.length === n ? frame : frame.take(keep), y: Int32Array.from(y), missingTarget, unknownLabels };
}
