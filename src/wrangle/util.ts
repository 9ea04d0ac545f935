import {
  BOOL_MISSING,
  type Column,
  Frame,
  
  
  categoricalFromStrings,
  
  textColumn,
  toFloat64 } from '../frame/index.js';
import { TabpilotError } from '../util/errors.js';
import { st_parseVector, st_vectorString } from './formula/strings-runtime.js';
import { quantileSorted } from '../util/numeric.js';

/** String values of any column (null = missing), without per-row allocation for categorical/text. */
export function stringsOf(col: Column): readonly (string | null)[] {
  if (col.kind === 'text') return col.values;
  const out = new Array<string | null>(col.length);
  if (col.kind === 'categorical') {
    for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    return out;
  }
  if (col.kind === 'boolean') {
    for (let i = 0; i < col.length; i++) out[i] = col.values[i] === BOOL_MISSING ? null : col.values[i] === 1 ? 'true' : 'false';
    return out;
  }
  if (col.kind === 'datetime') {
    for (let i = 0; i < col.length; i++) out[i] = Number.isNaN(col.values[i]) ? null : new Date(col.values[i]).toISOString();
    return out;
  }
  for (let i = 0; i < col.length; i++) out[i] = Number.isNaN(col.values[i]) ? null : String(col.values[i]);
  return out;
}

/** Numbers of a column that must be numeric-like (numeric, boolean, datetime, or numeric text). */
export function numbersOf(col: Column, nodeId: string, field: string): Float64Array {
  if (col.kind === 'categorical') {
    // A categorical column of numeric labels ("1", "2.5") is read as numbers; anything else is a type error.
    const dictNum = col.dictionary.map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (dictNum.some((v) => !Number.isFinite(v))) {
      throw new TabpilotError('TYPE_MISMATCH', `node "${nodeId}", field "${field}": column "${col.name}" is categorical, a numeric column is required`, { column: col.name });
    }
    const out = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? NaN : dictNum[col.codes[i]];
    return out;
  }
  if (col.kind === 'text') {
    let bad = 0;
    for (let i = 0; i < col.length && bad === 0; i++) {
      const s = col.values[i];
      if (s !== null && s.trim() !== '' && !Number.isFinite(Number(s))) bad++;
    }
    if (bad > 0) throw new TabpilotError('TYPE_MISMATCH', `node "${nodeId}", field "${field}": column "${col.name}" is text, a numeric column is required`, { column: col.name });
  }
  return toFloat64(col);
}

/** Keeps a string column's original kind: categorical stays categorical (re-dictionaried), else text. */
export function likeStrings(original: Column, name: string, values: (string | null)[]): Column {
  return original.kind === 'categorical' ? categoricalFromStrings(name, values) : textColumn(name, values);
}

export { quantileSorted };

export function finiteSorted(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  for (let i = 0, k = 0; i < values.length; i++) if (values[i] === values[i]) out[k++] = values[i];
  return out.sort();
}

export function meanStd(values: Float64Array): { mean: number; std: number; count: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  // Sample standard deviation (n - 1), as Spark's StandardScaler and pandas use.
  return { mean: n > 0 ? mean : NaN, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0, count: n };
}

/** Column names safe for `<col>_<category>` outputs: spaces become underscores (as Data Wrangler names them). */
export function safeName(s: string): string {
  return s.replace(/\s+/g, '_');
}


/** Inserts columns right after `after` (or at the end), replacing same-named ones. */
export function insertAfter(frame: Frame, after: string | null, cols: Column[]): Frame {
  const names = new Set(cols.map((c) => c.name));
  const existing = frame.columns.filter((c) => !names.has(c.name) || c.name === after);
  const out: Column[] = [];
  let placed = false;
  for (const c of existing) {
    if (c.name === after && names.has(after)) {
      // The input column itself is replaced: put the new block where it was.
      out.push(...cols);
      placed = true;
      continue;
    }
    out.push(c);
    if (c.name === after) {
      out.push(...cols);
      placed = true;
    }
  }
  if (!placed) out.push(...cols);
  return rebuild(out);
}

export function rebuild(cols: Column[]): Frame {
  return Frame.fromColumns(cols);
}


/** Parses a JSON vector cell ("[1,2,3]") to numbers; null for missing or malformed (the runtime's rule). */
export const parseVector = st_parseVector;

/** JSON text of a dense vector (the runtime's rule, so exported code writes the same text). */
export const vectorString = st_vectorString;
