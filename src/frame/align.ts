import { TabpilotError } from '../util/errors.js';
import { parseNumber } from '../util/parse-number.js';
import {
  BOOL_MISSING,
  CAT_MISSING,
  type Column,
  type ColumnKind,
  booleanColumn,
  categoricalColumn,
  cellString,
  datetimeColumn,
  isMissing,
  numericColumn,
  textColumn,
} from './column.js';
import { Frame } from './frame.js';

/** One input column a model was trained on: its name, kind and (categorical) vocabulary. */
export interface FeatureSchema {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Training vocabulary of a categorical column; codes index into it. */
  readonly dictionary?: readonly string[];
}

export interface AlignResult {
  /** The feature columns, in schema order, converted to the schema's kinds and vocabularies. */
  readonly frame: Frame;
  /** Per column: non-missing categorical values not in the training vocabulary (now missing). */
  readonly unseen: Record<string, number>;
  /** Per column: non-missing values that could not be parsed as the training kind (now missing). */
  readonly invalid: Record<string, number>;
}

export function schemaOf(frame: Frame, names: readonly string[] = frame.columnNames): FeatureSchema[] {
  return names.map((name) => {
    const col = frame.column(name);
    return col.kind === 'categorical' ? { name, kind: col.kind, dictionary: [...col.dictionary] } : { name, kind: col.kind };
  });
}

/**
 * Makes `frame` look like the training data: the schema's columns, in its order, with its kinds and
 * categorical vocabularies. Extra columns are ignored. A missing feature column is an error; an unseen
 * category or an unparseable value becomes missing and is counted, so callers can report it.
 */
export function alignToSchema(frame: Frame, features: readonly FeatureSchema[], where: { file?: string } = {}): AlignResult {
  const missing = features.filter((f) => !frame.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw new TabpilotError(
      'SCHEMA_MISMATCH',
      `missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (the model was trained on: ${features.map((f) => f.name).join(', ')})`,
      { file: where.file, column: missing[0] },
    );
  }
  // Keyed by column name: null-prototype objects, so a column may be called "constructor" or "__proto__".
  const unseen: Record<string, number> = Object.create(null);
  const invalid: Record<string, number> = Object.create(null);
  const columns = features.map((f) => {
    const { column, unseenCount, invalidCount } = convertColumn(frame.column(f.name), f);
    if (unseenCount > 0) unseen[f.name] = unseenCount;
    if (invalidCount > 0) invalid[f.name] = invalidCount;
    return column;
  });
  return { frame: Frame.fromColumns(columns), unseen, invalid };
}

interface Converted {
  column: Column;
  unseenCount: number;
  invalidCount: number;
}

function convertColumn(col: Column, f: FeatureSchema): Converted {
  switch (f.kind) {
    case 'numeric':
      return toNumeric(col, f.name);
    case 'datetime':
      return toDatetime(col, f.name);
    case 'categorical':
      return toCategorical(col, f.name, f.dictionary ?? []);
    case 'boolean':
      return toBoolean(col, f.name);
    case 'text':
      return { column: col.kind === 'text' ? col : textColumn(f.name, stringsOf(col)), unseenCount: 0, invalidCount: 0 };
  }
}

function stringsOf(col: Column): (string | null)[] {
  const out = new Array<string | null>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = isMissing(col, i) ? null : cellString(col, i);
  return out;
}

function toNumeric(col: Column, name: string): Converted {
  if (col.kind === 'numeric') return { column: col, unseenCount: 0, invalidCount: 0 };
  const out = new Float64Array(col.length);
  let invalid = 0;
  if (col.kind === 'categorical') {
    // Parse each dictionary entry once, then map codes.
    const parsed = col.dictionary.map(parseNumber);
    for (let i = 0; i < col.length; i++) {
      const c = col.codes[i];
      if (c < 0) out[i] = NaN;
      else {
        out[i] = parsed[c];
        if (Number.isNaN(parsed[c])) invalid++;
      }
    }
  } else if (col.kind === 'boolean') {
    for (let i = 0; i < col.length; i++) out[i] = col.values[i] === BOOL_MISSING ? NaN : col.values[i];
  } else if (col.kind === 'datetime') {
    out.set(col.values);
  } else {
    for (let i = 0; i < col.length; i++) {
      const s = col.values[i];
      if (s === null) out[i] = NaN;
      else {
        out[i] = parseNumber(s);
        if (Number.isNaN(out[i]) && s.trim() !== '') invalid++;
      }
    }
  }
  return { column: numericColumn(name, out), unseenCount: 0, invalidCount: invalid };
}

function toDatetime(col: Column, name: string): Converted {
  if (col.kind === 'datetime') return { column: col, unseenCount: 0, invalidCount: 0 };
  if (col.kind === 'numeric') return { column: datetimeColumn(name, col.values), unseenCount: 0, invalidCount: 0 };
  const strings = stringsOf(col);
  const out = new Float64Array(col.length);
  let invalid = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    if (s === null || s.trim() === '') out[i] = NaN;
    else {
      const t = Date.parse(s);
      out[i] = Number.isNaN(t) ? NaN : t;
      if (Number.isNaN(t)) invalid++;
    }
  }
  return { column: datetimeColumn(name, out), unseenCount: 0, invalidCount: invalid };
}

/** Canonical string of a number as a categorical label: integers without a trailing ".0". */
function numberLabel(v: number): string {
  return String(v);
}

function toCategorical(col: Column, name: string, dictionary: readonly string[]): Converted {
  // Already coded by the training dictionary itself (served requests): nothing to remap, no index to build.
  if (col.kind === 'categorical' && col.dictionary === dictionary) return { column: col, unseenCount: 0, invalidCount: 0 };
  const index = new Map<string, number>();
  dictionary.forEach((d, i) => index.set(d, i));
  const out = new Int32Array(col.length);
  let unseen = 0;
  const lookup = (s: string): number => {
    let code = index.get(s);
    if (code === undefined) {
      const trimmed = s.trim();
      code = index.get(trimmed);
      // A number written differently ("1.0" vs "1") still matches a numeric-looking label.
      if (code === undefined && trimmed !== '') {
        const v = parseNumber(trimmed);
        if (!Number.isNaN(v)) code = index.get(numberLabel(v));
      }
    }
    return code ?? CAT_MISSING;
  };
  if (col.kind === 'categorical') {
    const remap = col.dictionary.map(lookup);
    for (let i = 0; i < col.length; i++) {
      const c = col.codes[i];
      if (c < 0) out[i] = CAT_MISSING;
      else {
        out[i] = remap[c];
        if (remap[c] === CAT_MISSING) unseen++;
      }
    }
  } else {
    const cache = new Map<string, number>();
    for (let i = 0; i < col.length; i++) {
      if (isMissing(col, i)) {
        out[i] = CAT_MISSING;
        continue;
      }
      const s = col.kind === 'numeric' ? numberLabel(col.values[i]) : cellString(col, i);
      let code = cache.get(s);
      if (code === undefined) {
        code = lookup(s);
        cache.set(s, code);
      }
      out[i] = code;
      if (code === CAT_MISSING) unseen++;
    }
  }
  return { column: categoricalColumn(name, out, dictionary), unseenCount: unseen, invalidCount: 0 };
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

function toBoolean(col: Column, name: string): Converted {
  if (col.kind === 'boolean') return { column: col, unseenCount: 0, invalidCount: 0 };
  const out = new Uint8Array(col.length);
  let invalid = 0;
  for (let i = 0; i < col.length; i++) {
    if (isMissing(col, i)) {
      out[i] = BOOL_MISSING;
      continue;
    }
    const s = cellString(col, i).trim().toLowerCase();
    if (TRUE_WORDS.has(s)) out[i] = 1;
    else if (FALSE_WORDS.has(s)) out[i] = 0;
    else {
      out[i] = BOOL_MISSING;
      invalid++;
    }
  }
  return { column: booleanColumn(name, out), unseenCount: 0, invalidCount: invalid };
}
