/**
 * The point-in-time (as-of) join on typed arrays: for each left row (entity id, time), the right record of
 * the same id with the greatest event time <= the row's time (ties on event time: the latest write), or
 * none when that record is a deletion marker or older than `maxAgeMs`. A sort-merge: both sides are bucketed
 * by id with a counting sort, each bucket is sorted by time, then one forward pass per id merges them.
 */

export interface AsOfLeft {
  readonly ids: readonly string[];
  /** Epoch ms. */
  readonly times: Float64Array;
}

export interface AsOfRight {
  readonly length?: number;
  readonly ids: readonly string[];
  readonly times: Float64Array;
  /** Orders records with equal id and event time (later wins); absent = input order. */
  readonly writeTimes?: Float64Array;
  /** 1 = deletion marker: rows it is the latest for get no record. */
  readonly deleted?: Uint8Array;
}

/** Buckets smaller than this are sorted by insertion sort (no comparator calls, no allocation). */
const INSERTION_SORT_MAX = 24;

/** Sorts order[lo, hi) by (primary, secondary, index). */
function sortBucket(order: Int32Array, lo: number, hi: number, primary: Float64Array, secondary: Float64Array | undefined): void {
  const less = (a: number, b: number): boolean => {
    if (primary[a] !== primary[b]) return primary[a] < primary[b];
    if (secondary !== undefined && secondary[a] !== secondary[b]) return secondary[a] < secondary[b];
    return a < b;
  };
  if (hi - lo <= INSERTION_SORT_MAX) {
    for (let i = lo + 1; i < hi; i++) {
      const v = order[i];
      let j = i - 1;
      while (j >= lo && less(v, order[j])) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
    return;
  }
  order.subarray(lo, hi).sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
}

/** Counting sort of rows by code (code < 0: left out); returns the order and bucket starts (k + 1 entries). */
function bucketByCode(codes: Int32Array, k: number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(k + 1);
  let kept = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] >= 0) {
      start[codes[i] + 1]++;
      kept++;
    }
  }
  for (let c = 0; c < k; c++) start[c + 1] += start[c];
  const fill = start.slice(0, k);
  const order = new Int32Array(kept);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) order[fill[codes[i]]++] = i;
  return { order, start };
}

/**
 * Index into `right` of each left row's as-of record, or -1. NaN times never match. O(n + m) plus the
 * per-id sorts (O(b log b) for a bucket of b records).
 */
export function asOfJoin(left: AsOfLeft, right: AsOfRight, maxAgeMs = Infinity): Int32Array {
  const nLeft = left.times.length;
  const nRight = right.length ?? right.times.length;
  const dict = new Map<string, number>();
  const leftCodes = new Int32Array(nLeft);
  for (let i = 0; i < nLeft; i++) {
    const id = left.ids[i];
    let c = dict.get(id);
    if (c === undefined) dict.set(id, (c = dict.size));
    leftCodes[i] = c;
  }
  const rightCodes = new Int32Array(nRight);
  for (let i = 0; i < nRight; i++) rightCodes[i] = Number.isNaN(right.times[i]) ? -1 : dict.get(right.ids[i]) ?? -1;
  const k = dict.size;
  const L = bucketByCode(leftCodes, k);
  const R = bucketByCode(rightCodes, k);
  const out = new Int32Array(nLeft).fill(-1);
  for (let c = 0; c < k; c++) {
    const l0 = L.start[c];
    const l1 = L.start[c + 1];
    const r0 = R.start[c];
    const r1 = R.start[c + 1];
    if (r0 === r1) continue;
    sortBucket(L.order, l0, l1, left.times, undefined);
    sortBucket(R.order, r0, r1, right.times, right.writeTimes);
    let p = r0;
    for (let q = l0; q < l1; q++) {
      const row = L.order[q];
      const t = left.times[row];
      while (p < r1 && right.times[R.order[p]] <= t) p++;
      if (p === r0) continue;
      const match = R.order[p - 1];
      if (right.deleted !== undefined && right.deleted[match] === 1) continue;
      if (t - right.times[match] > maxAgeMs) continue;
      out[row] = match;
    }
  }
  return out;
}
