import type { Random } from '../util/random.js';

/**
 * Train/validation splits and folds over a list of row ids (A.3.2): stratified by class for classification,
 * classes with a single row forced into train.
 */

export interface Split {
  readonly train: Int32Array;
  readonly valid: Int32Array;
}

/** `labels[i]` is the class of rows[i] (or null for regression: plain shuffle). */
export function trainValidSplit(rows: Int32Array, labels: Float64Array | null, validFraction: number, rng: Random): Split {
  const train: number[] = [];
  const valid: number[] = [];
  for (const group of groupsOf(rows, labels)) {
    rng.shuffle(group);
    const nValid = group.length < 2 ? 0 : Math.round(group.length * validFraction);
    for (let i = 0; i < group.length; i++) (i < nValid ? valid : train).push(group[i]);
  }
  return { train: Int32Array.from(train).sort(), valid: Int32Array.from(valid).sort() };
}

/** K folds (stratified when labels are given); each split's valid part is one fold. */
export function kFolds(rows: Int32Array, labels: Float64Array | null, k: number, rng: Random): Split[] {
  const foldOf = new Map<number, number>();
  let offset = 0;
  for (const group of groupsOf(rows, labels)) {
    rng.shuffle(group);
    // Continue the round-robin across classes so fold sizes stay balanced.
    for (let i = 0; i < group.length; i++) foldOf.set(group[i], (offset + i) % k);
    offset += group.length;
  }
  const out: Split[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const valid: number[] = [];
    for (const r of rows) (foldOf.get(r) === f ? valid : train).push(r);
    out.push({ train: Int32Array.from(train), valid: Int32Array.from(valid) });
  }
  return out;
}

function groupsOf(rows: Int32Array, labels: Float64Array | null): number[][] {
  if (labels === null) return [Array.from(rows)];
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(rows[i]);
    else byClass.set(labels[i], [rows[i]]);
  }
  return [...byClass.keys()].sort((a, b) => a - b).map((k) => byClass.get(k)!);
}

/** Uniform sample of `size` row ids out of 0..n-1 without replacement, ascending (all rows when size >= n). */
export function sampleRows(n: number, size: number, rng: Random): Int32Array {
  if (size >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  // Partial Fisher-Yates over a virtual identity permutation.
  const swapped = new Map<number, number>();
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    out[i] = vj;
    swapped.set(j, vi);
  }
  return out.sort();
}
