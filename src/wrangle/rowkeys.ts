import { BOOL_MISSING, type Column } from '../frame/index.js';

/**
 * Row identity over a set of columns without building per-row strings: a 32-bit hash per row from the
 * typed values, an open-addressing table of first-seen rows, and an exact column-by-column comparison on
 * a hash hit. Used by drop duplicates, group by, joins and split by key.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Per-column comparable view: numbers (NaN canonical), codes or strings, plus the hash contribution. */
interface KeyColumn {
  hash(i: number): number;
  equal(i: number, j: number): boolean;
}

/** Mixes one column's value hashes into `hashes`, column at a time (typed loops, no per-cell closures). */
function mixColumn(col: Column, hashes: Uint32Array): void {
  const n = hashes.length;
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const v = col.values;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        let h: number;
        if (x !== x) h = 0x7ff80000;
        else {
          f64[0] = x === 0 ? 0 : x;
          h = mix(u32[0], u32[1]);
        }
        hashes[i] = mix(hashes[i], h);
      }
      return;
    }
    case 'categorical': {
      const c = col.codes;
      for (let i = 0; i < n; i++) hashes[i] = mix(hashes[i], c[i] + 1);
      return;
    }
    case 'boolean': {
      const b = col.values;
      for (let i = 0; i < n; i++) hashes[i] = mix(hashes[i], b[i]);
      return;
    }
    case 'text': {
      const t = col.values;
      for (let i = 0; i < n; i++) hashes[i] = mix(hashes[i], t[i] === null ? 0x12345 : stringHash(t[i]!));
    }
  }
}

function keyColumn(col: Column): KeyColumn {
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const v = col.values;
      return {
        hash(i) {
          const x = v[i];
          if (x !== x) return 0x7ff80000;
          f64[0] = x === 0 ? 0 : x;
          return mix(u32[0], u32[1]);
        },
        equal: (i, j) => v[i] === v[j] || (v[i] !== v[i] && v[j] !== v[j]),
      };
    }
    case 'categorical': {
      const c = col.codes;
      return { hash: (i) => c[i] + 1, equal: (i, j) => c[i] === c[j] };
    }
    case 'boolean': {
      const b = col.values;
      return { hash: (i) => b[i], equal: (i, j) => b[i] === b[j] };
    }
    case 'text': {
      const s = col.values;
      return { hash: (i) => (s[i] === null ? 0x12345 : stringHash(s[i]!)), equal: (i, j) => s[i] === s[j] };
    }
  }
}

function rowsEqual(keys: KeyColumn[], a: number, b: number): boolean {
  for (let k = 0; k < keys.length; k++) if (!keys[k].equal(a, b)) return false;
  return true;
}

export interface RowGroups {
  /** Group id per row, in order of first appearance. */
  readonly groupOf: Int32Array;
  /** First row of each group. */
  readonly firstRow: Int32Array;
  readonly count: number;
}

export function groupRows(cols: Column[], n: number): RowGroups {
  const keys = cols.map(keyColumn);
  let size = 16;
  while (size < n * 2) size <<= 1;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const groupOf = new Int32Array(n);
  const first: number[] = [];
  const hashes = new Uint32Array(n).fill(0x2545f491);
  for (const c of cols) mixColumn(c, hashes);
  for (let i = 0; i < n; i++) {
    let slot = hashes[i] & mask;
    for (;;) {
      const g = table[slot];
      if (g < 0) {
        table[slot] = first.length;
        groupOf[i] = first.length;
        first.push(i);
        break;
      }
      const r = first[g];
      if (hashes[r] === hashes[i] && rowsEqual(keys, r, i)) {
        groupOf[i] = g;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { groupOf, firstRow: Int32Array.from(first), count: first.length };
}

/** Canonical key strings of rows (for joins across two frames, where codes are not comparable). */
export function rowKeyStrings(cols: Column[], n: number): (string | null)[] {
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    let key = '';
    let missing = false;
    for (const c of cols) {
      let s: string | null;
      switch (c.kind) {
        case 'numeric':
        case 'datetime':
          s = c.values[i] !== c.values[i] ? null : String(c.values[i]);
          break;
        case 'categorical':
          s = c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
          break;
        case 'boolean':
          s = c.values[i] === BOOL_MISSING ? null : String(c.values[i]);
          break;
        case 'text':
          s = c.values[i];
      }
      if (s === null) {
        missing = true;
        break;
      }
      key += s.length + ':' + s;
    }
    // SQL join semantics: a missing key never matches.
    out[i] = missing ? null : key;
  }
  return out;
}
