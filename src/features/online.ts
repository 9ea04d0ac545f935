/**
 * The online store: one row per record identifier holding the latest record (by event time; on equal event
 * times the later write wins), with its expiry (TTL) and a soft-delete flag. Values are a JSON array in the
 * group's feature order (features added later are simply absent from older rows).
 */
import { type Column, categoricalFromStrings, datetimeColumn, numericColumn, textColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { type StoreCore, tablesOf } from './core.js';
import type { RecordBatch } from './records.js';
import { type FeatureDefinition, type FeatureGroup, isNumericType, MAX_RECORD_BYTES } from './schema.js';
import type { Statement } from './sqlite.js';

/** A record as returned by getRecord: feature name -> value (Datetime as ISO-8601 text, missing as null). */
export type FeatureRecord = Record<string, string | number | null>;

interface OnlineRow {
  record_id: string;
  event_time: number;
  expires_at: number | null;
  deleted: number;
  data: string | null;
}

/** The JSON of record i of a batch (NaN -> null); throws when it exceeds the record size limit. */
export function recordJson(batch: RecordBatch, i: number, file?: string): string {
  // Built by hand: JSON.stringify of a fresh array per record was a quarter of the ingest time.
  let json = '[';
  for (let j = 0; j < batch.values.length; j++) {
    const x = batch.values[j][i];
    if (j > 0) json += ',';
    json += x === null || (typeof x === 'number' && !Number.isFinite(x)) ? 'null' : typeof x === 'number' ? String(x) : JSON.stringify(x);
  }
  json += ']';
  if (json.length > MAX_RECORD_BYTES) {
    throw new TabpilotError('INVALID_RECORD', `row ${batch.rows[i]}: the record is larger than ${MAX_RECORD_BYTES} bytes; nothing was written`, { file });
  }
  return json;
}

/** 53-bit string hash (cyrb53): tells a re-sent record (same values) from an update at the same event time. */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Upserts records into the online store: a record replaces the stored one only if its event time is >= it. */
export function upsertOnline(core: StoreCore, group: string, batch: RecordBatch, rows: Int32Array, json: readonly string[], writeTime: number, expiresAt: (i: number) => number | null): void {
  const t = tablesOf(group).online;
  const upsert = core.db.prepare(
    `INSERT INTO ${t} (record_id, event_time, write_time, expires_at, deleted, data) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(record_id) DO UPDATE SET event_time = excluded.event_time, write_time = excluded.write_time,
       expires_at = excluded.expires_at, deleted = excluded.deleted, data = excluded.data
     WHERE excluded.event_time >= event_time`,
  );
  for (const i of rows) upsert.run(batch.ids[i], batch.times[i], writeTime, expiresAt(i), batch.deleted[i], batch.deleted[i] ? null : json[i]);
}

/** Hard-deletes expired records (TTL); returns how many. */
export function purgeExpired(core: StoreCore, group: string): number {
  return core.db.prepare(`DELETE FROM ${tablesOf(group).online} WHERE expires_at IS NOT NULL AND expires_at <= ?`).run(core.now()).changes;
}

function decodeValue(f: FeatureDefinition, v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (f.type === 'Datetime' && typeof v === 'number') return new Date(v).toISOString();
  return v as string | number;
}

function visible(row: OnlineRow | undefined, now: number): row is OnlineRow & { data: string } {
  return row !== undefined && row.deleted === 0 && row.data !== null && (row.expires_at === null || row.expires_at > now);
}

/** A reader of one group's online records by identifier, with a prepared statement. */
export class OnlineReader {
  private readonly stmt: Statement<OnlineRow>;
  private readonly picks: number[];
  readonly features: readonly FeatureDefinition[];

  constructor(private readonly core: StoreCore, readonly group: FeatureGroup, features?: readonly string[]) {
    this.stmt = core.db.prepare<OnlineRow>(`SELECT record_id, event_time, expires_at, deleted, data FROM ${tablesOf(group.name).online} WHERE record_id = ?`);
    const names = features ?? group.features.map((f) => f.name);
    this.picks = names.map((n) => {
      const j = group.features.findIndex((f) => f.name === n);
      if (j < 0) throw new TabpilotError('UNKNOWN_COLUMN', `feature group "${group.name}" has no feature "${n}"`, { column: n });
      return j;
    });
    this.features = this.picks.map((j) => group.features[j]);
  }

  /** The raw JSON values of the visible record, or null (absent, deleted or expired). */
  values(id: string): unknown[] | null {
    const row = this.stmt.get(id);
    return visible(row, this.core.now()) ? (JSON.parse(row.data) as unknown[]) : null;
  }

  get(id: string): FeatureRecord | null {
    const values = this.values(id);
    if (values === null) return null;
    const out: FeatureRecord = Object.create(null);
    this.picks.forEach((j, k) => (out[this.features[k].name] = decodeValue(this.features[k], values[j])));
    return out;
  }

  /** The records of `ids` as a Frame in request order (absent ids: missing values), plus which were found. */
  frame(ids: readonly string[]): { frame: Frame; found: Uint8Array } {
    const n = ids.length;
    const found = new Uint8Array(n);
    const numeric = this.features.map((f) => isNumericType(f.type));
    const cols = numeric.map((isNum) => (isNum ? new Float64Array(n).fill(NaN) : new Array<string | null>(n).fill(null)));
    for (let i = 0; i < n; i++) {
      const values = this.values(ids[i]);
      if (values === null) continue;
      found[i] = 1;
      this.picks.forEach((j, k) => {
        const v = values[j];
        if (v !== null && v !== undefined) cols[k][i] = v as never;
      });
    }
    const columns: Column[] = this.features.map((f, k) => {
      const c = cols[k];
      if (c instanceof Float64Array) return f.type === 'Datetime' ? datetimeColumn(f.name, c) : numericColumn(f.name, c);
      return f.type === 'Categorical' ? categoricalFromStrings(f.name, c) : textColumn(f.name, c);
    });
    return { frame: Frame.fromColumns(columns), found };
  }

  /** The stored row (visible or not), for delete decisions. */
  stored(id: string): OnlineRow | undefined {
    return this.stmt.get(id);
  }
}

/** Soft delete: marks the row deleted (a tombstone that still blocks older records). Hard delete: removes it. */
export function deleteOnline(core: StoreCore, group: string, id: string, eventTime: number, writeTime: number, mode: 'soft' | 'hard'): void {
  const t = tablesOf(group).online;
  if (mode === 'hard') {
    core.db.prepare(`DELETE FROM ${t} WHERE record_id = ?`).run(id);
    return;
  }
  core.db
    .prepare(
      `INSERT INTO ${t} (record_id, event_time, write_time, expires_at, deleted, data) VALUES (?, ?, ?, NULL, 1, NULL)
       ON CONFLICT(record_id) DO UPDATE SET event_time = excluded.event_time, write_time = excluded.write_time,
         expires_at = NULL, deleted = 1, data = NULL WHERE excluded.event_time > event_time`,
    )
    .run(id, eventTime, writeTime);
}
