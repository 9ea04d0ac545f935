/**
 * The Feature Store API: feature groups, ingestion, the online store (put/get/delete/batch get) and the
 * offline store. `openFeatureStore(dir)` opens a local store directory; every method maps to spec C.1.
 */
import { type Column, datetimeColumn, numericColumn, textColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { DEFAULT_STORE_DIR, type OpenOptions, StoreCore, tablesOf } from './core.js';
import { type BuildDatasetOptions, joinDataset } from './dataset.js';
import { ingest, type IngestOptions, type IngestResult, writeBatch } from './ingest.js';
import { recordFiles, writeOffline } from './offline.js';
import { deleteOnline, type FeatureRecord, hash53, OnlineReader } from './online.js';
import { batchFromFrame, eventTimeMs, type RecordBatch } from './records.js';
import { type FeatureDefinition, type FeatureGroup, type FeatureGroupInput, isNumericType, parseTtl, type TtlDuration } from './schema.js';

export interface FeatureGroupDescription extends FeatureGroup {
  /** Records in the online store (visible or not yet purged). */
  readonly onlineRecords: number;
  readonly offlineFiles: number;
  readonly offlineRecords: number;
}

export interface DeleteRecordOptions {
  /** Event time of the deletion (default now); must be later than the stored record's. */
  readonly eventTime?: string | number | Date;
  /** 'soft' (default): the record is no longer returned; 'hard': it is removed from the online store. */
  readonly mode?: 'soft' | 'hard';
}

export interface BatchGetRequest {
  readonly group: string;
  readonly ids: readonly string[];
  readonly features?: readonly string[];
}

export interface BatchGetResult {
  readonly records: { group: string; id: string; record: FeatureRecord }[];
  readonly notFound: { group: string; id: string }[];
}

type RecordInput = Readonly<Record<string, string | number | boolean | Date | null | undefined>>;

/** One record as a one-row Frame (numbers numeric, Dates datetime, the rest text). */
function frameOfRecord(record: RecordInput): Frame {
  const cols: Column[] = [];
  for (const [name, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (typeof v === 'number') cols.push(numericColumn(name, Float64Array.of(v)));
    else if (v instanceof Date) cols.push(datetimeColumn(name, Float64Array.of(v.getTime())));
    else cols.push(textColumn(name, [v === null ? null : String(v)]));
  }
  return Frame.fromColumns(cols);
}

export class FeatureStore {
  private readonly core: StoreCore;

  constructor(dir: string = DEFAULT_STORE_DIR, options: OpenOptions = {}) {
    this.core = new StoreCore(dir, options);
  }

  get dir(): string {
    return this.core.dir;
  }

  createFeatureGroup(definition: FeatureGroupInput): FeatureGroup {
    return this.core.createGroup(definition);
  }

  describeFeatureGroup(name: string): FeatureGroupDescription {
    const group = this.core.group(name);
    const online = this.core.db.prepare<{ n: number }>(`SELECT count(*) AS n FROM ${tablesOf(name).online}`).get()!.n;
    const offline = this.core.db.prepare<{ files: number; rows: number | null }>('SELECT count(*) AS files, sum(rows) AS rows FROM offline_files WHERE grp = ?').get(name)!;
    return { ...group, onlineRecords: online, offlineFiles: offline.files, offlineRecords: offline.rows ?? 0 };
  }

  listFeatureGroups(): FeatureGroup[] {
    return this.core.listGroups();
  }

  deleteFeatureGroup(name: string): void {
    this.core.deleteGroup(name);
  }

  /** Adds features to a group (the only schema change a group allows). */
  addFeatures(name: string, features: readonly FeatureDefinition[]): FeatureGroup {
    return this.core.addFeatures(name, features);
  }

  /** Ingests a Frame or a CSV / Parquet / Arrow / JSON Lines file. */
  ingest(group: string, input: Frame | string, options: IngestOptions = {}): Promise<IngestResult> {
    return ingest(this.core, group, input, options);
  }

  /** Writes one record (offline append + online upsert); returns false when it was already stored unchanged. */
  putRecord(group: string, record: RecordInput, options: { ttl?: TtlDuration | string } = {}): boolean {
    const { batch } = batchFromFrame(this.core.group(group), frameOfRecord(record));
    return writeBatch(this.core, group, batch, options.ttl === undefined ? null : parseTtl(options.ttl)).written === 1;
  }

  /** The latest visible record of an identifier (null: absent, deleted or expired). */
  getRecord(group: string, id: string, features?: readonly string[]): FeatureRecord | null {
    return new OnlineReader(this.core, this.core.group(group), features).get(String(id));
  }

  batchGetRecord(requests: readonly BatchGetRequest[]): BatchGetResult {
    const result: BatchGetResult = { records: [], notFound: [] };
    for (const r of requests) {
      const reader = new OnlineReader(this.core, this.core.group(r.group), r.features);
      for (const id of r.ids) {
        const record = reader.get(String(id));
        if (record === null) result.notFound.push({ group: r.group, id });
        else result.records.push({ group: r.group, id, record });
      }
    }
    return result;
  }

  /**
   * Deletes a record (spec C.1 DeleteRecord): appends a deletion marker to the offline store and soft- or
   * hard-deletes it online. A soft delete not later than the stored record leaves it (the marker is still
   * written); a hard delete not later than it is refused.
   */
  deleteRecord(group: string, id: string, options: DeleteRecordOptions = {}): void {
    const def = this.core.group(group);
    const mode = options.mode ?? 'soft';
    const batch = markerBatch(def, String(id), options.eventTime ?? new Date(this.core.now()));
    this.core.write(() => {
      const stored = new OnlineReader(this.core, def).stored(String(id));
      if (mode === 'hard' && stored !== undefined && batch.times[0] <= stored.event_time) {
        throw new TabpilotError('INVALID_ARGUMENT', `hard delete of "${id}" in "${group}": its event time ${new Date(batch.times[0]).toISOString()} is not later than the stored record's ${new Date(stored.event_time).toISOString()}`);
      }
      const writeTime = this.core.nextWriteTime();
      this.core.db.prepare(`INSERT INTO ${tablesOf(group).keys} (record_id, event_time, hash) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET hash = excluded.hash`)
        .run(batch.ids[0], batch.times[0], hash53('deleted') + 1);
      if (def.offline) recordFiles(this.core, group, writeOffline(this.core, def, batch, Int32Array.of(0), writeTime));
      if (def.online) deleteOnline(this.core, group, batch.ids[0], batch.times[0], writeTime, mode);
    });
  }

  /** Point-in-time correct dataset from the offline store (see dataset.ts). */
  buildDataset(options: BuildDatasetOptions): Promise<Frame> {
    return joinDataset(this.core, options);
  }

  /** A fast reader of one group's online records (prepared statement), for serving. */
  onlineReader(group: string, features?: readonly string[]): OnlineReader {
    return new OnlineReader(this.core, this.core.group(group), features);
  }

  close(): void {
    this.core.close();
  }
}

/** A deletion marker: identifier and event time set, every other feature missing, is_deleted = true. */
function markerBatch(group: FeatureGroup, id: string, when: string | number | Date): RecordBatch {
  const idType = group.features.find((f) => f.name === group.recordIdentifier)!.type;
  if (idType === 'Integral' && !Number.isSafeInteger(Number(id))) {
    throw new TabpilotError('INVALID_ARGUMENT', `record identifier "${id}" of group "${group.name}" must be an integer`, { column: group.recordIdentifier });
  }
  const timeType = group.features.find((f) => f.name === group.eventTime)!.type;
  const ms = when instanceof Date ? when.getTime() : typeof when === 'string' ? eventTimeMs('String', when) : eventTimeMs(timeType === 'Datetime' ? 'Datetime' : 'Fractional', when);
  if (Number.isNaN(ms)) throw new TabpilotError('INVALID_ARGUMENT', `unparseable delete event time ${JSON.stringify(when)}`, { column: group.eventTime });
  const values = group.features.map((f) => {
    let v: string | number | null = null;
    if (f.name === group.recordIdentifier) v = f.type === 'Integral' ? Number(id) : id;
    else if (f.name === group.eventTime) v = f.type === 'String' ? new Date(ms).toISOString() : f.type === 'Fractional' ? ms / 1000 : ms;
    return isNumericType(f.type) ? Float64Array.of(typeof v === 'number' ? v : NaN) : [typeof v === 'string' ? v : null];
  });
  return { length: 1, ids: [id], times: Float64Array.of(ms), values, deleted: Uint8Array.of(1), rows: Int32Array.of(1) };
}

/** Opens the store at `dir` (default ./feature-store); `create: true` makes it when absent. */
export function openFeatureStore(dir: string = DEFAULT_STORE_DIR, options: OpenOptions = {}): FeatureStore {
  return new FeatureStore(dir, options);
}

/** Point-in-time correct dataset: `buildDataset(store, { entities, groups, maxAge? })`. */
export function buildDataset(store: FeatureStore, options: BuildDatasetOptions): Promise<Frame> {
  return store.buildDataset(options);
}

/**
 * For serving: a function from record identifiers to a Frame of the group's features in request order
 * (absent, deleted or expired ids give missing values), reading through one prepared statement.
 */
export function onlineLookup(store: FeatureStore, group: string, features?: readonly string[]): (ids: readonly string[]) => Frame {
  const reader = store.onlineReader(group, features);
  return (ids) => reader.frame(ids).frame;
}
