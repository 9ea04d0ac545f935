/**
 * Records as typed column batches, validated against a group's schema. A batch keeps one array per feature
 * (Float64Array for Integral/Fractional/Datetime with NaN = missing, Datetime in epoch ms; strings with null =
 * missing for String/Categorical), the record identifiers as strings and the event times in epoch ms.
 */
import { type Column, BOOL_MISSING } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { parseDatetime } from '../io/datetime.js';
import { TabpilotError } from '../util/errors.js';
import { type FeatureDefinition, type FeatureGroup, isNumericType, MAX_RECORD_ID_BYTES } from './schema.js';

export type BatchValues = Float64Array | (string | null)[];

export interface RecordBatch {
  readonly length: number;
  readonly ids: string[];
  /** Event times, epoch ms. */
  readonly times: Float64Array;
  /** One array per feature of the group, in definition order. */
  readonly values: BatchValues[];
  /** 1 for a deletion marker (all features but identifier and event time are missing). */
  readonly deleted: Uint8Array;
  /** Source row of each record (1-based data row), for messages. */
  readonly rows: Int32Array;
}

export interface RejectedRecord {
  /** 1-based data row of the input. */
  readonly row: number;
  readonly field: string;
  readonly code: 'INVALID_RECORD' | 'DUPLICATE_RECORD';
  readonly message: string;
}

/** What to do with a batch holding bad records: refuse it whole (default) or keep the good records. */
export type OnInvalid = 'refuse' | 'skip';

/** Event times must fall in years 0000-9999 (spec C.1). */
const MIN_EVENT_MS = new Date('0000-01-01T00:00:00Z').getTime();
const MAX_EVENT_MS = new Date('9999-12-31T23:59:59.999Z').getTime();
/** ISO-8601 date at the start of a String event time (what spec C.1 accepts, with optional time and zone). */
const ISO_START = /^\s*[+-]?\d{4}-\d{2}-\d{2}(?:$|[T ])/;
const MS_PER_SECOND = 1000;

type Report = (row: number, message: string) => void;

function numberFrom(col: Column, i: number, integral: boolean, report: Report): number {
  let v: number;
  switch (col.kind) {
    case 'numeric':
      v = col.values[i];
      break;
    case 'boolean':
      v = col.values[i] === BOOL_MISSING ? NaN : col.values[i];
      break;
    case 'datetime':
      if (!Number.isNaN(col.values[i])) report(i, `expected a number, got the datetime ${new Date(col.values[i]).toISOString()}`);
      return NaN;
    case 'text':
    case 'categorical': {
      const s = col.kind === 'text' ? col.values[i] : col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
      if (s === null || s.trim() === '') return NaN;
      v = Number(s.trim());
      if (!Number.isFinite(v)) {
        report(i, `expected a number, got ${JSON.stringify(s)}`);
        return NaN;
      }
    }
  }
  if (integral && !Number.isNaN(v) && !Number.isSafeInteger(v)) report(i, `expected an integer (Integral), got ${v}`);
  return v;
}

function datetimeFrom(col: Column, i: number, report: Report): number {
  if (col.kind === 'datetime') return col.values[i];
  if (col.kind === 'text' || col.kind === 'categorical') {
    const s = col.kind === 'text' ? col.values[i] : col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    if (s === null || s.trim() === '') return NaN;
    const ms = parseDatetime(s);
    if (Number.isNaN(ms)) report(i, `expected a date/time, got ${JSON.stringify(s)}`);
    return ms;
  }
  if (col.kind === 'numeric' && Number.isNaN(col.values[i])) return NaN;
  report(i, `expected a date/time (ISO-8601 text or a datetime column), got a ${col.kind} value`);
  return NaN;
}

function stringFrom(col: Column, i: number): string | null {
  switch (col.kind) {
    case 'text':
      return col.values[i];
    case 'categorical':
      return col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    case 'numeric':
      return Number.isNaN(col.values[i]) ? null : String(col.values[i]);
    case 'datetime':
      return Number.isNaN(col.values[i]) ? null : new Date(col.values[i]).toISOString();
    case 'boolean':
      return col.values[i] === BOOL_MISSING ? null : col.values[i] === 1 ? 'true' : 'false';
  }
}

/** One feature's values from a column (absent column: all missing); bad cells go to `report`. */
export function convertColumn(feature: FeatureDefinition, col: Column | undefined, n: number, report: Report): BatchValues {
  if (isNumericType(feature.type)) {
    const out = new Float64Array(n).fill(NaN);
    if (col === undefined) return out;
    const integral = feature.type === 'Integral';
    for (let i = 0; i < n; i++) out[i] = feature.type === 'Datetime' ? datetimeFrom(col, i, report) : numberFrom(col, i, integral, report);
    return out;
  }
  const out = new Array<string | null>(n).fill(null);
  if (col !== undefined) for (let i = 0; i < n; i++) out[i] = stringFrom(col, i);
  return out;
}

/** Epoch ms of an event time value of the group's event-time feature type (NaN when unparseable). */
export function eventTimeMs(type: FeatureDefinition['type'], value: number | string | null): number {
  if (value === null) return NaN;
  if (type === 'String') {
    if (typeof value !== 'string' || !ISO_START.test(value)) return NaN;
    return parseDatetime(value);
  }
  if (typeof value !== 'number') return NaN;
  const ms = type === 'Fractional' ? Math.round(value * MS_PER_SECOND) : value;
  return ms >= MIN_EVENT_MS && ms <= MAX_EVENT_MS ? ms : NaN;
}

function checkColumns(group: FeatureGroup, frame: Frame, file: string | undefined): void {
  const names = new Set(group.features.map((f) => f.name));
  for (const c of frame.columnNames) {
    if (!names.has(c)) {
      throw new TabpilotError('SCHEMA_MISMATCH', `column "${c}" is not a feature of group "${group.name}" (add it with 'tabpilot features update' first)`, { file, column: c });
    }
  }
  for (const key of [group.recordIdentifier, group.eventTime]) {
    if (!frame.has(key)) throw new TabpilotError('SCHEMA_MISMATCH', `the input has no column "${key}" (${key === group.eventTime ? 'event time' : 'record identifier'} of group "${group.name}")`, { file, column: key });
  }
}

/** Identifiers and event times of the converted key columns; missing or bad keys are reported. */
function keysOf(group: FeatureGroup, values: BatchValues[], n: number, reportAt: (field: string) => Report): { ids: string[]; times: Float64Array } {
  const idIdx = group.features.findIndex((f) => f.name === group.recordIdentifier);
  const timeIdx = group.features.findIndex((f) => f.name === group.eventTime);
  const timeType = group.features[timeIdx].type;
  const idValues = values[idIdx];
  const timeValues = values[timeIdx];
  const ids = new Array<string>(n);
  const times = new Float64Array(n);
  const badId = reportAt(group.recordIdentifier);
  const badTime = reportAt(group.eventTime);
  for (let i = 0; i < n; i++) {
    const raw = idValues[i];
    const id = typeof raw === 'number' ? (Number.isNaN(raw) ? null : String(raw)) : raw;
    if (id === null || id === '') badId(i, 'missing record identifier');
    else if (Buffer.byteLength(id) > MAX_RECORD_ID_BYTES) badId(i, `record identifier longer than ${MAX_RECORD_ID_BYTES} bytes`);
    ids[i] = id ?? '';
    const t = timeValues[i];
    const ms = timeType === 'String' ? eventTimeMs('String', t as string | null) : eventTimeMs(timeType, Number.isNaN(t as number) ? null : (t as number));
    if (t === null || Number.isNaN(t)) badTime(i, 'missing event time');
    else if (Number.isNaN(ms)) badTime(i, `unparseable event time ${JSON.stringify(t)} (ISO-8601 like 2024-03-05T14:30:00Z${timeType === 'Fractional' ? ', or Unix seconds' : ''}, years 0000-9999)`);
    else if (timeType === 'String') (timeValues as (string | null)[])[i] = new Date(ms).toISOString();
    times[i] = ms;
  }
  return { ids, times };
}

function selectRows(batch: RecordBatch, keep: Int32Array): RecordBatch {
  const pickF = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  return {
    length: keep.length,
    ids: Array.from(keep, (i) => batch.ids[i]),
    times: pickF(batch.times),
    values: batch.values.map((v) => (v instanceof Float64Array ? pickF(v) : Array.from(keep, (i) => v[i]))),
    deleted: Uint8Array.from(keep, (i) => batch.deleted[i]),
    rows: Int32Array.from(keep, (i) => batch.rows[i]),
  };
}

/**
 * Validates a frame against a group and returns its records. Columns must be features of the group; the
 * identifier and event time columns must be present; other features may be absent (missing). With
 * `onInvalid: 'refuse'` the first bad record throws (INVALID_RECORD / DUPLICATE_RECORD naming row and
 * field); with 'skip' bad records are left out and listed in `rejected`.
 */
export function batchFromFrame(group: FeatureGroup, frame: Frame, options: { file?: string; onInvalid?: OnInvalid } = {}): { batch: RecordBatch; rejected: RejectedRecord[] } {
  checkColumns(group, frame, options.file);
  const n = frame.numRows;
  const bad = new Map<number, RejectedRecord>();
  const reportAt = (field: string, code: RejectedRecord['code'] = 'INVALID_RECORD'): Report => (i, message) => {
    if (!bad.has(i)) bad.set(i, { row: i + 1, field, code, message });
  };
  const values = group.features.map((f) => convertColumn(f, frame.has(f.name) ? frame.column(f.name) : undefined, n, reportAt(f.name)));
  const { ids, times } = keysOf(group, values, n, (field) => reportAt(field));
  const firstRow = new Map<string, number>();
  const dup = reportAt(group.eventTime, 'DUPLICATE_RECORD');
  for (let i = 0; i < n; i++) {
    if (bad.has(i)) continue;
    const key = `${times[i]}\u0000${ids[i]}`;
    const seen = firstRow.get(key);
    if (seen !== undefined) dup(i, `duplicate record: identifier ${JSON.stringify(ids[i])} with this event time is also row ${seen + 1}`);
    else firstRow.set(key, i);
  }
  const batch: RecordBatch = { length: n, ids, times, values, deleted: new Uint8Array(n), rows: Int32Array.from({ length: n }, (_, i) => i + 1) };
  const rejected = [...bad.values()].sort((a, b) => a.row - b.row);
  if (rejected.length === 0) return { batch, rejected };
  if ((options.onInvalid ?? 'refuse') === 'refuse') {
    const r = rejected[0];
    const more = rejected.length > 1 ? ` (${rejected.length} bad records in all; nothing was written)` : ' (nothing was written)';
    throw new TabpilotError(r.code, `row ${r.row}: ${r.message}${more}`, { file: options.file, column: r.field });
  }
  const keep = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !bad.has(i));
  return { batch: selectRows(batch, keep), rejected };
}
