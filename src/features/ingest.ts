/**
 * Writing records: validate a batch, then in one transaction skip records already stored with the same
 * identifier, event time and values (idempotent re-ingestion), append the rest to the offline store, upsert
 * them into the online store and commit. A write is acknowledged only after the commit returns.
 */
import path from 'node:path';
import type { Frame } from '../frame/frame.js';
import { readTable } from '../io/index.js';
import { TabpilotError } from '../util/errors.js';
import { type StoreCore, tablesOf } from './core.js';
import { readJsonLines } from './jsonl.js';
import { type OfflineFile, recordFiles, removeOrphans, writeOffline } from './offline.js';
import { hash53, purgeExpired, recordJson, upsertOnline } from './online.js';
import { batchFromFrame, type OnInvalid, type RecordBatch, type RejectedRecord } from './records.js';
import { type FeatureGroup, parseTtl, type TtlDuration, ttlMs } from './schema.js';

export interface IngestOptions {
  /** Bad records: 'refuse' the whole batch (default, nothing written) or 'skip' them and keep the rest. */
  readonly onInvalid?: OnInvalid;
  /** Record-level TTL (overrides the group's): ExpiresAt = event time + ttl, which must be in the future. */
  readonly ttl?: TtlDuration | string;
}

export interface IngestResult {
  readonly group: string;
  /** Records in the input. */
  readonly records: number;
  /** Records written (appended offline, offered to the online store). */
  readonly written: number;
  /** Records already stored with the same identifier, event time and values: nothing written for them. */
  readonly unchanged: number;
  readonly rejected: RejectedRecord[];
  /** Offline files written, relative to the group's offline directory. */
  readonly files: string[];
}

/** Groups whose offline directory this process has cleaned of uncommitted files (once per store handle). */
const cleaned = new WeakMap<StoreCore, Set<string>>();

function cleanOnce(core: StoreCore, group: string): void {
  let set = cleaned.get(core);
  if (set === undefined) cleaned.set(core, (set = new Set()));
  if (set.has(group)) return;
  removeOrphans(core, group);
  set.add(group);
}

/** Which records are new or changed: inserts/updates the key index and returns their batch positions. */
function newRecords(core: StoreCore, group: string, batch: RecordBatch, json: readonly string[]): Int32Array {
  const upsert = core.db.prepare(
    `INSERT INTO ${tablesOf(group).keys} (record_id, event_time, hash) VALUES (?, ?, ?)
     ON CONFLICT(record_id, event_time) DO UPDATE SET hash = excluded.hash WHERE hash != excluded.hash`,
  );
  const rows: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    if (upsert.run(batch.ids[i], batch.times[i], hash53(json[i]) + batch.deleted[i]).changes > 0) rows.push(i);
  }
  return Int32Array.from(rows);
}

function expiryOf(group: FeatureGroup, batch: RecordBatch, recordTtl: TtlDuration | null, now: number, file?: string): (i: number) => number | null {
  const ttl = recordTtl ?? group.ttl;
  if (ttl === null) return () => null;
  const span = ttlMs(ttl);
  if (recordTtl !== null) {
    for (let i = 0; i < batch.length; i++) {
      if (batch.times[i] + span <= now) {
        throw new TabpilotError('INVALID_RECORD', `row ${batch.rows[i]}: the TTL expires in the past (event time ${new Date(batch.times[i]).toISOString()} + ${ttl.value} ${ttl.unit}); nothing was written`, { file, column: group.eventTime });
      }
    }
  }
  return (i) => batch.times[i] + span;
}

/** Writes a validated batch in one transaction (see the module comment). */
export function writeBatch(core: StoreCore, groupName: string, batch: RecordBatch, ttl: TtlDuration | null = null, file?: string): { written: number; unchanged: number; files: OfflineFile[] } {
  const json = Array.from({ length: batch.length }, (_, i) => recordJson(batch, i, file));
  return core.write(() => {
    // The definition under the write lock: another process may have deleted the group meanwhile.
    const group = core.group(groupName);
    const expiry = expiryOf(group, batch, ttl, core.now(), file);
    if (group.offline) cleanOnce(core, group.name);
    const rows = newRecords(core, group.name, batch, json);
    const writeTime = core.nextWriteTime();
    let files: OfflineFile[] = [];
    if (rows.length > 0 && group.offline) {
      files = writeOffline(core, group, batch, rows, writeTime);
      recordFiles(core, group.name, files);
    }
    if (group.online) {
      upsertOnline(core, group.name, batch, rows, json, writeTime, expiry);
      purgeExpired(core, group.name);
    }
    return { written: rows.length, unchanged: batch.length - rows.length, files };
  });
}

const JSON_LINES = new Set(['.jsonl', '.ndjson']);

/** Reads an input file as text columns (CSV: every column forced to text so bad cells are reported, not dropped). */
export async function readInput(file: string): Promise<Frame> {
  const ext = path.extname(file).toLowerCase();
  if (JSON_LINES.has(ext)) return readJsonLines(file);
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') {
    const head = await readTable(file, { limit: 1 });
    const types = new Map(head.frame.columnNames.map((n) => [n, 'text' as const]));
    return (await readTable(file, { types })).frame;
  }
  return (await readTable(file)).frame;
}

/** Ingests a Frame or a file (CSV, Parquet, Arrow, JSON Lines) into a group. */
export async function ingest(core: StoreCore, groupName: string, input: Frame | string, options: IngestOptions = {}): Promise<IngestResult> {
  const group = core.group(groupName);
  const file = typeof input === 'string' ? input : undefined;
  const frame = typeof input === 'string' ? await readInput(input) : input;
  const { batch, rejected } = batchFromFrame(group, frame, { file, onInvalid: options.onInvalid });
  const ttl = options.ttl === undefined ? null : parseTtl(options.ttl);
  const result = writeBatch(core, groupName, batch, ttl, file);
  return { group: groupName, records: frame.numRows, written: result.written, unchanged: result.unchanged, rejected, files: result.files.map((f) => f.path) };
}
