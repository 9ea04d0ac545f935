/**
 * Converting a column to another kind (forced `types` on Parquet/Arrow input, and spec inference on string
 * columns of foreign files). Cells that cannot be converted become missing and are counted as invalid.
 */
import {
  BOOL_MISSING,
  booleanColumn,
  categoricalFromStrings,
  type Column,
  type ColumnKind,
  datetimeColumn,
  isMissing,
  numericColumn,
  textColumn,
  toStrings,
} from '../frame/column.js';
import { parseNumber } from '../util/parse-number.js';
import { parseDatetime } from './datetime.js';
import type { InvalidExample } from './types.js';

export interface Coerced {
  column: Column;
  invalid: number;
  invalidExamples: InvalidExample[];
}

/** Strings of a column with missing tokens, empty and blank cells as null. */
function presentStrings(col: Column, tokens: ReadonlySet<string>): (string | null)[] {
  const values = col.kind === 'numeric' ? canonicalNumbers(col.values) : toStrings(col);
  if (col.kind !== 'text' && col.kind !== 'categorical') return values;
  return values.map((v) => {
    if (v === null) return null;
    const t = v.trim();
    return t === '' || tokens.has(t) ? null : v;
  });
}

function canonicalNumbers(values: Float64Array): (string | null)[] {
  const out = new Array<string | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] === values[i] ? String(values[i]) : null;
  return out;
}

export function coerceColumn(col: Column, kind: ColumnKind, tokens: ReadonlySet<string>): Coerced {
  if (col.kind === kind) return { column: col, invalid: 0, invalidExamples: [] };
  const examples: InvalidExample[] = [];
  let invalid = 0;
  const bad = (i: number, value: string) => {
    invalid++;
    if (examples.length < 5) examples.push({ line: null, value: `row ${i}: ${value}` });
  };
  const n = col.length;
  switch (kind) {
    case 'text':
      return { column: textColumn(col.name, presentStrings(col, tokens)), invalid: 0, invalidExamples: [] };
    case 'categorical': {
      const strings = presentStrings(col, tokens).map((s) => (s === null ? null : s.trim()));
      return { column: categoricalFromStrings(col.name, strings), invalid: 0, invalidExamples: [] };
    }
    case 'numeric': {
      const out = new Float64Array(n);
      if (col.kind === 'boolean' || col.kind === 'datetime') {
        for (let i = 0; i < n; i++) out[i] = isMissing(col, i) ? NaN : col.kind === 'boolean' ? col.values[i] : col.values[i];
      } else {
        const strings = presentStrings(col, tokens);
        for (let i = 0; i < n; i++) {
          const s = strings[i];
          out[i] = s === null ? NaN : parseNumber(s);
          if (s !== null && out[i] !== out[i]) bad(i, s);
        }
      }
      return { column: numericColumn(col.name, out), invalid, invalidExamples: examples };
    }
    case 'datetime': {
      const out = new Float64Array(n);
      if (col.kind === 'numeric') out.set(col.values);
      else {
        const strings = presentStrings(col, tokens);
        for (let i = 0; i < n; i++) {
          const s = strings[i];
          out[i] = s === null ? NaN : parseDatetime(s);
          if (s !== null && out[i] !== out[i]) bad(i, s);
        }
      }
      return { column: datetimeColumn(col.name, out), invalid, invalidExamples: examples };
    }
    case 'boolean': {
      const out = new Uint8Array(n);
      const strings = presentStrings(col, tokens);
      for (let i = 0; i < n; i++) {
        const s = strings[i];
        if (s === null) {
          out[i] = BOOL_MISSING;
          continue;
        }
        const w = s.trim().toLowerCase();
        if (w === 'true' || w === 't' || w === 'yes' || w === 'y' || w === '1') out[i] = 1;
        else if (w === 'false' || w === 'f' || w === 'no' || w === 'n' || w === '0') out[i] = 0;
        else {
          out[i] = BOOL_MISSING;
          bad(i, s);
        }
      }
      return { column: booleanColumn(col.name, out), invalid, invalidExamples: examples };
    }
  }
}
