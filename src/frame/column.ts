/**
 * Typed columns. Each kind keeps its values in one typed array (text excepted), with a kind-specific
 * missing marker, so hot loops never touch per-value JS objects:
 *   numeric     Float64Array, NaN = missing
 *   categorical Int32Array codes into `dictionary`, -1 = missing
 *   boolean     Uint8Array 0/1, 255 = missing
 *   datetime    Float64Array epoch milliseconds (UTC), NaN = missing
 *   text        array of strings, null = missing
 */
export type ColumnKind = 'numeric' | 'categorical' | 'boolean' | 'datetime' | 'text';

export const BOOL_MISSING = 255;
export const CAT_MISSING = -1;

export type CellValue = number | string | boolean | Date | null;

interface ColumnBase {
  readonly name: string;
  readonly length: number;
}

export interface NumericColumn extends ColumnBase {
  readonly kind: 'numeric';
  readonly values: Float64Array;
}
export interface CategoricalColumn extends ColumnBase {
  readonly kind: 'categorical';
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}
export interface BooleanColumn extends ColumnBase {
  readonly kind: 'boolean';
  readonly values: Uint8Array;
}
export interface DatetimeColumn extends ColumnBase {
  readonly kind: 'datetime';
  readonly values: Float64Array;
}
export interface TextColumn extends ColumnBase {
  readonly kind: 'text';
  readonly values: readonly (string | null)[];
}

export type Column = NumericColumn | CategoricalColumn | BooleanColumn | DatetimeColumn | TextColumn;

export function numericColumn(name: string, values: Float64Array): NumericColumn {
  return { kind: 'numeric', name, values, length: values.length };
}
export function categoricalColumn(name: string, codes: Int32Array, dictionary: readonly string[]): CategoricalColumn {
  return { kind: 'categorical', name, codes, dictionary, length: codes.length };
}
export function booleanColumn(name: string, values: Uint8Array): BooleanColumn {
  return { kind: 'boolean', name, values, length: values.length };
}
export function datetimeColumn(name: string, values: Float64Array): DatetimeColumn {
  return { kind: 'datetime', name, values, length: values.length };
}
export function textColumn(name: string, values: readonly (string | null)[]): TextColumn {
  return { kind: 'text', name, values, length: values.length };
}

/** Builds a categorical column from strings (null = missing); dictionary in first-seen order. */
export function categoricalFromStrings(name: string, values: readonly (string | null)[]): CategoricalColumn {
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      codes[i] = CAT_MISSING;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(v);
    }
    codes[i] = code;
  }
  return categoricalColumn(name, codes, dictionary);
}

export function isMissing(col: Column, i: number): boolean {
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      return Number.isNaN(col.values[i]);
    case 'categorical':
      return col.codes[i] < 0;
    case 'boolean':
      return col.values[i] === BOOL_MISSING;
    case 'text':
      return col.values[i] === null;
  }
}

/** The value at row i as a plain JS value (for display and row-wise APIs, not hot loops). */
export function cellValue(col: Column, i: number): CellValue {
  switch (col.kind) {
    case 'numeric': {
      const v = col.values[i];
      return Number.isNaN(v) ? null : v;
    }
    case 'datetime': {
      const v = col.values[i];
      return Number.isNaN(v) ? null : new Date(v);
    }
    case 'categorical': {
      const c = col.codes[i];
      return c < 0 ? null : col.dictionary[c];
    }
    case 'boolean': {
      const v = col.values[i];
      return v === BOOL_MISSING ? null : v === 1;
    }
    case 'text':
      return col.values[i];
  }
}

/** The value at row i rendered as a string ('' for missing), as a CSV writer would. */
export function cellString(col: Column, i: number): string {
  switch (col.kind) {
    case 'numeric': {
      const v = col.values[i];
      return Number.isNaN(v) ? '' : String(v);
    }
    case 'datetime': {
      const v = col.values[i];
      return Number.isNaN(v) ? '' : new Date(v).toISOString();
    }
    case 'categorical': {
      const c = col.codes[i];
      return c < 0 ? '' : col.dictionary[c];
    }
    case 'boolean': {
      const v = col.values[i];
      return v === BOOL_MISSING ? '' : v === 1 ? 'true' : 'false';
    }
    case 'text':
      return col.values[i] ?? '';
  }
}

export function countMissing(col: Column): number {
  let n = 0;
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      for (let i = 0; i < col.length; i++) if (col.values[i] !== col.values[i]) n++;
      return n;
    case 'categorical':
      for (let i = 0; i < col.length; i++) if (col.codes[i] < 0) n++;
      return n;
    case 'boolean':
      for (let i = 0; i < col.length; i++) if (col.values[i] === BOOL_MISSING) n++;
      return n;
    case 'text':
      for (let i = 0; i < col.length; i++) if (col.values[i] === null) n++;
      return n;
  }
}

/** Rows [start, end) without copying typed data (subarray views). */
export function sliceColumn(col: Column, start: number, end: number): Column {
  switch (col.kind) {
    case 'numeric':
      return numericColumn(col.name, col.values.subarray(start, end));
    case 'datetime':
      return datetimeColumn(col.name, col.values.subarray(start, end));
    case 'categorical':
      return categoricalColumn(col.name, col.codes.subarray(start, end), col.dictionary);
    case 'boolean':
      return booleanColumn(col.name, col.values.subarray(start, end));
    case 'text':
      return textColumn(col.name, col.values.slice(start, end));
  }
}

/** Gathers rows by index. The dictionary of a categorical column is shared, not copied. */
export function takeColumn(col: Column, indices: Int32Array | Uint32Array): Column {
  const n = indices.length;
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const out = new Float64Array(n);
      const src = col.values;
      for (let i = 0; i < n; i++) out[i] = src[indices[i]];
      return col.kind === 'numeric' ? numericColumn(col.name, out) : datetimeColumn(col.name, out);
    }
    case 'categorical': {
      const out = new Int32Array(n);
      const src = col.codes;
      for (let i = 0; i < n; i++) out[i] = src[indices[i]];
      return categoricalColumn(col.name, out, col.dictionary);
    }
    case 'boolean': {
      const out = new Uint8Array(n);
      const src = col.values;
      for (let i = 0; i < n; i++) out[i] = src[indices[i]];
      return booleanColumn(col.name, out);
    }
    case 'text': {
      const out = new Array<string | null>(n);
      const src = col.values;
      for (let i = 0; i < n; i++) out[i] = src[indices[i]];
      return textColumn(col.name, out);
    }
  }
}

export function renameColumn(col: Column, name: string): Column {
  return { ...col, name } as Column;
}

/** Numeric view of any column: numeric/datetime as-is, boolean 0/1, categorical codes; missing = NaN. */
export function toFloat64(col: Column): Float64Array {
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      return col.values;
    case 'boolean': {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = col.values[i] === BOOL_MISSING ? NaN : col.values[i];
      return out;
    }
    case 'categorical': {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? NaN : col.codes[i];
      return out;
    }
    case 'text': {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) {
        const s = col.values[i];
        const v = s === null || s.trim() === '' ? NaN : Number(s);
        out[i] = Number.isFinite(v) ? v : NaN;
      }
      return out;
    }
  }
}

/** Strings for any column (null = missing). */
export function toStrings(col: Column): (string | null)[] {
  const out = new Array<string | null>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = isMissing(col, i) ? null : cellString(col, i);
  return out;
}
