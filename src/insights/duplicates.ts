import { type Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';

/**
 * Duplicate rows (A.3 Samples, A.3.4 dataset insights): the ratio counts every row that has an identical twin
 * (pandas `duplicated(keep=False)`), missing equal to missing, all columns (target included).
 */
export interface DuplicateGroup {
  /** First row of the group. */
  readonly row: number;
  /** How many identical rows (>= 2). */
  readonly count: number;
}

export interface DuplicateSummary {
  readonly rows: number;
  /** Rows that have at least one identical twin. */
  readonly duplicatedRows: number;
  /** Rows that `Drop duplicates` would remove (all but the first of each group). */
  readonly redundantRows: number;
  readonly ratio: number;
  /** Most frequent duplicated rows first. */
  readonly groups: readonly DuplicateGroup[];
  /** Group id per row (-1 = unique), for callers that need the membership. */
  readonly groupOf: Int32Array;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashColumnInto(col: Column, hashes: Uint32Array): void {
  const n = col.length;
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        f64[0] = v !== v ? NaN : v === 0 ? 0 : v; // one NaN and one zero
        hashes[i] = mix(mix(hashes[i], u32[0]), u32[1]);
      }
      return;
    case 'categorical':
      for (let i = 0; i < n; i++) hashes[i] = mix(hashes[i], col.codes[i] + 1);
      return;
    case 'boolean':
      for (let i = 0; i < n; i++) hashes[i] = mix(hashes[i], col.values[i]);
      return;
    case 'text':
      for (let i = 0; i < n; i++) {
        const s = col.values[i];
        hashes[i] = mix(hashes[i], s === null ? 0x5bd1e995 : stringHash(s));
      }
  }
}

function sameValue(col: Column, a: number, b: number): boolean {
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const x = col.values[a];
      const y = col.values[b];
      return x === y || (x !== x && y !== y);
    }
    case 'categorical':
      return col.codes[a] === col.codes[b];
    case 'boolean':
      return col.values[a] === col.values[b];
    case 'text':
      return col.values[a] === col.values[b];
  }
}

export function findDuplicates(frame: Frame, maxGroups = 20): DuplicateSummary {
  const n = frame.numRows;
  const columns = frame.columns;
  const hashes = new Uint32Array(n);
  for (const col of columns) hashColumnInto(col, hashes);
  // One pass: rows with the same hash are compared value by value with the first row of each group seen so far.
  const groupOf = new Int32Array(n).fill(-1);
  const firstRow: number[] = [];
  const size: number[] = [];
  const repsByHash = new Map<number, number[]>();
  const rowsEqual = (a: number, b: number) => columns.every((c) => sameValue(c, a, b));
  const repGroup = new Int32Array(n).fill(-1); // for representative rows: their group, once a twin appears
  for (let r = 0; r < n; r++) {
    const reps = repsByHash.get(hashes[r]);
    if (reps === undefined) {
      repsByHash.set(hashes[r], [r]);
      continue;
    }
    let match = -1;
    for (const rep of reps) {
      if (rowsEqual(rep, r)) {
        match = rep;
        break;
      }
    }
    if (match < 0) {
      reps.push(r);
      continue;
    }
    let g = repGroup[match];
    if (g < 0) {
      g = firstRow.length;
      repGroup[match] = g;
      groupOf[match] = g;
      firstRow.push(match);
      size.push(1);
    }
    groupOf[r] = g;
    size[g]++;
  }
  let duplicatedRows = 0;
  for (const s of size) duplicatedRows += s;
  const groups = firstRow
    .map((row, g) => ({ row, count: size[g] }))
    .sort((a, b) => b.count - a.count || a.row - b.row)
    .slice(0, maxGroups);
  return {
    rows: n,
    duplicatedRows,
    redundantRows: duplicatedRows - size.length,
    ratio: n > 0 ? duplicatedRows / n : 0,
    groups,
    groupOf,
  };
}
