import { TabpilotError } from '../util/errors.js';
import {
  BOOL_MISSING,
  type CellValue,
  type Column,
  type ColumnKind,
  booleanColumn,
  categoricalFromStrings,
  datetimeColumn,
  numericColumn,
  textColumn,
} from './column.js';

/** A record: one row as a plain object keyed by column name. Only the object's own keys are read. */
export type RecordRow = Readonly<Record<string, CellValue | undefined>>;

/**
 * Columns from plain objects (the inverse of `Frame.toRows`). Column order is the order in which names first
 * appear; a name missing from a record is a missing value there. With a `schema` entry the column gets that
 * kind (strings parse as numbers / ISO dates / true-false as needed); without one the kind follows the JS
 * values: numbers -> numeric, booleans -> boolean, Dates -> datetime, anything else -> categorical.
 * A value that does not fit its column's kind is an INVALID_ARGUMENT naming the record and the field.
 */
export function columnsFromRecords(records: readonly RecordRow[], schema?: ReadonlyMap<string, ColumnKind> | Readonly<Record<string, ColumnKind>>): Column[] {
  const kinds = schema === undefined ? new Map<string, ColumnKind>() : schema instanceof Map ? new Map(schema) : new Map(Object.entries(schema));
  const names: string[] = [...kinds.keys()];
  const seen = new Set(names);
  for (const r of records) {
    if (r === null || typeof r !== 'object') throw new TabpilotError('INVALID_ARGUMENT', `record ${records.indexOf(r)}: expected an object`);
    for (const k of Object.keys(r)) if (!seen.has(k)) {
      seen.add(k);
      names.push(k);
    }
  }
  return names.map((name) => buildColumn(name, records, kinds.get(name) ?? inferKind(name, records)));
}

function inferKind(name: string, records: readonly RecordRow[]): ColumnKind {
  let kind: ColumnKind | null = null;
  for (const r of records) {
    const v = Object.hasOwn(r, name) ? r[name] : undefined;
    if (v === null || v === undefined) continue;
    const k: ColumnKind = typeof v === 'number' ? 'numeric' : typeof v === 'boolean' ? 'boolean' : v instanceof Date ? 'datetime' : 'categorical';
    if (kind === null) kind = k;
    else if (kind !== k) return 'categorical';
  }
  return kind ?? 'numeric';
}

function fieldError(name: string, i: number, v: unknown, kind: ColumnKind): TabpilotError {
  return new TabpilotError('INVALID_ARGUMENT', `record ${i}, field "${name}": ${JSON.stringify(v) ?? String(v)} is not a ${kind} value`, { column: name });
}

function buildColumn(name: string, records: readonly RecordRow[], kind: ColumnKind): Column {
  const n = records.length;
  const at = (i: number): CellValue | undefined => (Object.hasOwn(records[i]!, name) ? records[i]![name] : undefined);
  if (kind === 'numeric' || kind === 'datetime') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = at(i);
      out[i] = v === null || v === undefined || v === '' ? NaN : kind === 'numeric' ? toNumber(v) : toEpochMs(v);
      if (Number.isNaN(out[i]) && !(v === null || v === undefined || v === '')) throw fieldError(name, i, v, kind);
    }
    return kind === 'numeric' ? numericColumn(name, out) : datetimeColumn(name, out);
  }
  if (kind === 'boolean') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (v === null || v === undefined || v === '') out[i] = BOOL_MISSING;
      else if (v === true || v === 'true' || v === 1) out[i] = 1;
      else if (v === false || v === 'false' || v === 0) out[i] = 0;
      else throw fieldError(name, i, v, kind);
    }
    return booleanColumn(name, out);
  }
  const strings = Array.from({ length: n }, (_, i) => {
    const v = at(i);
    return v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
  });
  return kind === 'text' ? textColumn(name, strings) : categoricalFromStrings(name, strings);
}

function toNumber(v: CellValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v.trim());
  return NaN;
}

function toEpochMs(v: CellValue): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return NaN;
}
