import { type Column, cellString, isMissing, toFloat64 } from '../../frame/column.js';
import { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import type { FitContext, Task } from '../types.js';

/** The training target as numbers: regression values, or class indices into `classes`. */
export interface EncodedTarget {
  readonly task: Task;
  /** Regression: the values. Classification: the class index as a float (handy for generic loops). */
  readonly y: Float64Array;
  /** Classification only: class index per row. */
  readonly classIndex?: Int32Array;
  /** Classification only: labels in model order. */
  readonly classes?: readonly string[];
}

/** Sorts labels numerically when every label is a number, else as plain strings. */
export function sortLabels(labels: readonly string[]): string[] {
  const numeric = labels.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return [...labels].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Encodes `target` for `task`: the rows listed in `rows` (all rows when omitted), so `y[i]` is the target of
 * row `rows[i]`. A missing or non-finite target is an error naming the row; so is a label outside `classes`
 * when the caller fixed the class order. Classes are otherwise the sorted distinct labels (sortLabels).
 */
export function encodeTarget(target: Column, task: Task, classes?: readonly string[], rows?: Int32Array): EncodedTarget {
  const n = rows ? rows.length : target.length;
  const rowAt = (i: number): number => (rows ? rows[i] : i);
  if (task === 'regression') {
    if (target.kind !== 'numeric' && target.kind !== 'boolean') {
      throw new TabpilotError('INVALID_TARGET', `regression needs a numeric target, got a ${target.kind} column`, { column: target.name });
    }
    const values = toFloat64(target);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = values[rowAt(i)];
      if (!Number.isFinite(y[i])) {
        throw new TabpilotError('INVALID_TARGET', `target is missing or not finite at row ${rowAt(i) + 1} of the training data`, { column: target.name });
      }
    }
    return { task, y };
  }
  const labels = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = rowAt(i);
    if (isMissing(target, r) || (target.kind === 'numeric' && !Number.isFinite(target.values[r]))) {
      throw new TabpilotError('INVALID_TARGET', `target is missing at row ${r + 1} of the training data`, { column: target.name });
    }
    labels[i] = cellString(target, r);
  }
  const order = classes ? [...classes] : sortLabels([...new Set(labels)]);
  const index = new Map<string, number>();
  order.forEach((c, i) => index.set(c, i));
  const classIndex = new Int32Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = index.get(labels[i]);
    if (k === undefined) {
      throw new TabpilotError(
        'INVALID_TARGET',
        `target label "${labels[i]}" at row ${rowAt(i) + 1} is not one of the declared classes (${order.join(', ')})`,
        { column: target.name },
      );
    }
    classIndex[i] = k;
    y[i] = k;
  }
  if (task === 'binary' && order.length !== 2) {
    throw new TabpilotError('INVALID_TARGET', `binary classification needs exactly 2 classes, got ${order.length} (${order.slice(0, 10).join(', ')})`, { column: target.name });
  }
  if (task === 'multiclass' && order.length < 2) {
    throw new TabpilotError('INVALID_TARGET', `classification needs at least 2 classes, got ${order.length}`, { column: target.name });
  }
  return { task, y, classIndex, classes: order };
}

/** Training rows of data and target, honouring ctx.rows (a view, no copy of untouched columns). */
export function trainingRows(data: Frame, target: Column, rows?: Int32Array): { data: Frame; target: Column } {
  if (target.length !== data.numRows) {
    throw new TabpilotError('INVALID_ARGUMENT', `target has ${target.length} rows but the data has ${data.numRows}`, { column: target.name });
  }
  if (!rows) return { data, target };
  const view = Frame.fromColumns([target]).take(rows);
  return { data: data.take(rows), target: view.columnAt(0) };
}

/**
 * Per-row training weights: ctx.sampleWeight times the class weight ('balanced' = n / (k * weighted count_k),
 * or a per-label record, unspecified labels 1). Negative or non-finite weights are an error.
 */
export function effectiveWeights(n: number, ctx: FitContext, encoded: EncodedTarget): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (ctx.sampleWeight) {
    if (ctx.sampleWeight.length !== n) {
      throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight has ${ctx.sampleWeight.length} entries, expected ${n} (one per training row)`);
    }
    for (let i = 0; i < n; i++) {
      const v = ctx.sampleWeight[i];
      if (!(v >= 0) || !Number.isFinite(v)) throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight[${i}] = ${v} is not a finite non-negative number`);
      w[i] = v;
    }
  }
  if (ctx.classWeight && encoded.classIndex && encoded.classes) {
    const k = encoded.classes.length;
    const perClass = new Float64Array(k).fill(1);
    if (ctx.classWeight === 'balanced') {
      const counts = new Float64Array(k);
      let total = 0;
      for (let i = 0; i < n; i++) {
        counts[encoded.classIndex[i]] += w[i];
        total += w[i];
      }
      for (let c = 0; c < k; c++) perClass[c] = counts[c] > 0 ? total / (k * counts[c]) : 0;
    } else {
      for (const [label, v] of Object.entries(ctx.classWeight)) {
        const c = encoded.classes.indexOf(label);
        if (c < 0) throw new TabpilotError('INVALID_ARGUMENT', `classWeight names "${label}", which is not a class (${encoded.classes.join(', ')})`);
        if (!(v >= 0) || !Number.isFinite(v)) throw new TabpilotError('INVALID_ARGUMENT', `classWeight for "${label}" must be a finite non-negative number`);
        perClass[c] = v;
      }
    }
    for (let i = 0; i < n; i++) w[i] *= perClass[encoded.classIndex[i]];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i];
  if (!(sum > 0)) throw new TabpilotError('INVALID_ARGUMENT', 'the training weights sum to zero');
  return w;
}

/** Checks a fitted model's feature columns are all present; throws SCHEMA_MISMATCH naming the missing ones. */
export function requireFeatures(data: Frame, featureNames: readonly string[]): void {
  const missing = featureNames.filter((f) => !data.has(f));
  if (missing.length > 0) {
    throw new TabpilotError(
      'SCHEMA_MISMATCH',
      `missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; the model reads ${featureNames.length} columns: ${featureNames.join(', ')}`,
      { column: missing[0] },
    );
  }
}
