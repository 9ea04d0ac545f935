import { type Column } from '../frame/column.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { distinctCounts, numericValues } from './stats.js';

/**
 * The target as the insights models see it: rows with a valid target only (A.3.5: regression targets must cast
 * to a finite float, classification targets must be non-missing), labels as class indices.
 */
export interface EncodedTarget {
  readonly task: Task;
  /** Rows of the frame whose target is valid, ascending. */
  readonly rows: Int32Array;
  /** Regression: value per valid row. Classification: class index per valid row (as float). */
  readonly y: Float64Array;
  /** Classification: class labels, index order = y. */
  readonly classes: string[];
  /** Classification: rows per class over the valid rows. */
  readonly classCounts: number[];
}

function isBlank(s: string): boolean {
  return s.trim() === '';
}

export function encodeTarget(col: Column, task: Task): EncodedTarget {
  if (task === 'regression') {
    const values = numericValues(col);
    let n = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
    const rows = new Int32Array(n);
    const y = new Float64Array(n);
    for (let i = 0, k = 0; i < values.length; i++) {
      if (values[i] === values[i]) {
        rows[k] = i;
        y[k++] = values[i];
      }
    }
    return { task, rows, y, classes: [], classCounts: [] };
  }
  const distinct = distinctCounts(col);
  // Label per distinct value; blank strings are missing (A.3.4 classification insights).
  const labelOf = distinct.values.map((v) => (isBlank(v) ? null : v.trim()));
  const classes = [...new Set(labelOf.filter((v): v is string => v !== null))].sort(naturalCompare);
  if (classes.length < 2) {
    throw new TabpilotError('INVALID_TARGET', `target "${col.name}" has ${classes.length} distinct value(s); classification needs at least 2`, {
      column: col.name,
    });
  }
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const codeOfDistinct = labelOf.map((l) => (l === null ? -1 : classIndex.get(l)!));
  const perRow = rowDistinctIndex(col, distinct.values);
  let n = 0;
  for (let i = 0; i < perRow.length; i++) if (perRow[i] >= 0 && codeOfDistinct[perRow[i]] >= 0) n++;
  const rows = new Int32Array(n);
  const y = new Float64Array(n);
  const classCounts = new Array<number>(classes.length).fill(0);
  for (let i = 0, k = 0; i < perRow.length; i++) {
    const d = perRow[i];
    if (d < 0) continue;
    const c = codeOfDistinct[d];
    if (c < 0) continue;
    rows[k] = i;
    y[k++] = c;
    classCounts[c]++;
  }
  return { task, rows, y, classes, classCounts };
}

/** Numbers sort numerically, everything else as strings. */
export function naturalCompare(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index into `values` (the order distinctCounts returns) per row; -1 = missing. */
export function rowDistinctIndex(col: Column, values: readonly string[]): Int32Array {
  const out = new Int32Array(col.length);
  switch (col.kind) {
    case 'categorical':
      out.set(col.codes);
      return out;
    case 'boolean':
      for (let i = 0; i < col.length; i++) out[i] = col.values[i] > 1 ? -1 : col.values[i];
      return out;
    case 'text': {
      const index = new Map(values.map((v, i) => [v, i]));
      for (let i = 0; i < col.length; i++) {
        const s = col.values[i];
        out[i] = s === null ? -1 : index.get(s)!;
      }
      return out;
    }
    default: {
      const index = new Map<number, number>();
      let next = 0;
      // distinctCounts numbers distinct values in first-seen order; replay that order.
      for (let i = 0; i < col.length; i++) {
        const v = col.values[i];
        if (v !== v) {
          out[i] = -1;
          continue;
        }
        let k = index.get(v);
        if (k === undefined) {
          k = next++;
          index.set(v, k);
        }
        out[i] = k;
      }
      return out;
    }
  }
}
