/**
 * The offline store: append-only Parquet files under `offline/<group>/year=YYYY/month=MM/day=DD/`, one file
 * per write and event date, with the group's features plus `write_time`, `api_invocation_time` and
 * `is_deleted`. Any Parquet reader can read them; tabpilot reads the files listed in the `offline_files`
 * manifest, which is committed in the same transaction as the online store, so a file of a write that never
 * committed (a crash between the rename and the commit) is never read and is removed by the next writer.
 */
import { fsyncSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Column, categoricalFromStrings, datetimeColumn, numericColumn, textColumn, booleanColumn, BOOL_MISSING } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { frameToArrow } from '../io/arrow.js';
import { arrowToParquetBytes, readParquet } from '../io/columnar.js';
import { writeAtomically } from '../util/output.js';
import type { StoreCore } from './core.js';
import type { BatchValues, RecordBatch } from './records.js';
import { eventTimeMs } from './records.js';
import type { FeatureDefinition, FeatureGroup } from './schema.js';

export const WRITE_TIME = 'write_time';
export const API_INVOCATION_TIME = 'api_invocation_time';
export const IS_DELETED = 'is_deleted';
const MS_PER_DAY = 86_400_000;

export interface OfflineFile {
  /** Path relative to the group's offline directory. */
  readonly path: string;
  readonly rows: number;
  readonly minTime: number;
  readonly maxTime: number;
}

let fileCounter = 0;

function partitionOf(ms: number): string {
  const d = new Date(ms);
  const pad = (v: number, w: number) => String(v).padStart(w, '0');
  return `year=${pad(d.getUTCFullYear(), 4)}/month=${pad(d.getUTCMonth() + 1, 2)}/day=${pad(d.getUTCDate(), 2)}`;
}

function featureColumn(f: FeatureDefinition, values: BatchValues, rows: Int32Array): Column {
  const n = rows.length;
  if (values instanceof Float64Array) {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) out[k] = values[rows[k]];
    return f.type === 'Datetime' ? datetimeColumn(f.name, out) : numericColumn(f.name, out);
  }
  const strings = new Array<string | null>(n);
  for (let k = 0; k < n; k++) strings[k] = values[rows[k]];
  return f.type === 'Categorical' ? categoricalFromStrings(f.name, strings) : textColumn(f.name, strings);
}

/** The offline rows of some records of a batch as a Frame (what one Parquet file holds). */
function offlineFrame(group: FeatureGroup, batch: RecordBatch, rows: Int32Array, writeTime: number): Frame {
  const cols = group.features.map((f, j) => featureColumn(f, batch.values[j], rows));
  const stamp = new Float64Array(rows.length).fill(writeTime);
  cols.push(datetimeColumn(API_INVOCATION_TIME, stamp), datetimeColumn(WRITE_TIME, stamp.slice()));
  const deleted = new Uint8Array(rows.length);
  for (let k = 0; k < rows.length; k++) deleted[k] = batch.deleted[rows[k]];
  cols.push(booleanColumn(IS_DELETED, deleted));
  return Frame.fromColumns(cols);
}

/**
 * Writes the records `rows` of a batch, one file per event date, each through a temp file, fsync and
 * rename. Runs inside the caller's write transaction; the caller records the returned files in the manifest.
 */
export function writeOffline(core: StoreCore, group: FeatureGroup, batch: RecordBatch, rows: Int32Array, writeTime: number): OfflineFile[] {
  const byDay = new Map<number, number[]>();
  for (const i of rows) {
    const day = Math.floor(batch.times[i] / MS_PER_DAY);
    let list = byDay.get(day);
    if (list === undefined) byDay.set(day, (list = []));
    list.push(i);
  }
  const files: OfflineFile[] = [];
  for (const [day, list] of [...byDay].sort((a, b) => a[0] - b[0])) {
    const idx = Int32Array.from(list);
    const name = `part-${writeTime}-${process.pid}-${fileCounter++}-${randomBytes(4).toString('hex')}.parquet`;
    const rel = `${partitionOf(day * MS_PER_DAY)}/${name}`;
    const bytes = arrowToParquetBytes(frameToArrow(offlineFrame(group, batch, idx, writeTime)));
    writeAtomically(path.join(core.offlineDir(group.name), rel), (fd) => {
      writeSync(fd, bytes);
      fsyncSync(fd);
    });
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of idx) {
      lo = Math.min(lo, batch.times[i]);
      hi = Math.max(hi, batch.times[i]);
    }
    files.push({ path: rel, rows: idx.length, minTime: lo, maxTime: hi });
  }
  return files;
}

export function recordFiles(core: StoreCore, group: string, files: readonly OfflineFile[]): void {
  const insert = core.db.prepare('INSERT INTO offline_files (grp, path, rows, min_time, max_time) VALUES (?, ?, ?, ?, ?)');
  for (const f of files) insert.run(group, f.path, f.rows, f.minTime, f.maxTime);
}

function walk(dir: string, rel: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) walk(path.join(dir, e.name), r, out);
    else out.push(r);
  }
}

/**
 * Removes files under the group's offline directory that the manifest does not list (left by a writer that
 * died before its commit). Call inside a write transaction: no other writer is then between rename and commit.
 */
export function removeOrphans(core: StoreCore, group: string): number {
  const listed = new Set(core.db.prepare<{ path: string }>('SELECT path FROM offline_files WHERE grp = ?').all(group).map((r) => r.path));
  const found: string[] = [];
  walk(core.offlineDir(group), '', found);
  let removed = 0;
  for (const f of found) {
    if (listed.has(f)) continue;
    rmSync(path.join(core.offlineDir(group), f), { force: true });
    removed++;
  }
  return removed;
}

/** Offline history of some features of a group: every appended record (deletion markers included). */
export interface History {
  readonly length: number;
  readonly ids: string[];
  readonly times: Float64Array;
  readonly writeTimes: Float64Array;
  readonly deleted: Uint8Array;
  /** Per requested feature: Float64Array (numbers, epoch ms for Datetime) or strings. */
  readonly values: BatchValues[];
}

function appendColumn(target: BatchValues, at: number, col: Column | undefined, n: number, numeric: boolean): void {
  if (numeric) {
    const out = target as Float64Array;
    if (col === undefined || (col.kind !== 'numeric' && col.kind !== 'datetime')) return void out.fill(NaN, at, at + n);
    out.set(col.values, at);
    return;
  }
  const out = target as (string | null)[];
  for (let i = 0; i < n; i++) {
    if (col === undefined) out[at + i] = null;
    else if (col.kind === 'text') out[at + i] = col.values[i];
    else if (col.kind === 'categorical') out[at + i] = col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    else if (col.kind === 'numeric') out[at + i] = Number.isNaN(col.values[i]) ? null : String(col.values[i]);
    else out[at + i] = null;
  }
}

function appendKeys(group: FeatureGroup, frame: Frame, h: { ids: string[]; times: Float64Array; writeTimes: Float64Array; deleted: Uint8Array }, at: number): void {
  const n = frame.numRows;
  const idCol = frame.column(group.recordIdentifier);
  for (let i = 0; i < n; i++) {
    h.ids[at + i] = idCol.kind === 'numeric' ? String(idCol.values[i]) : idCol.kind === 'text' ? idCol.values[i] ?? '' : idCol.kind === 'categorical' ? idCol.dictionary[idCol.codes[i]] ?? '' : '';
  }
  const timeType = group.features.find((f) => f.name === group.eventTime)!.type;
  const timeCol = frame.column(group.eventTime);
  for (let i = 0; i < n; i++) {
    if (timeCol.kind === 'datetime') h.times[at + i] = timeCol.values[i];
    else if (timeCol.kind === 'numeric') h.times[at + i] = eventTimeMs(timeType, timeCol.values[i]);
    else h.times[at + i] = eventTimeMs(timeType, timeCol.kind === 'text' ? timeCol.values[i] : null);
  }
  const wt = frame.column(WRITE_TIME);
  if (wt.kind === 'datetime') h.writeTimes.set(wt.values, at);
  const del = frame.column(IS_DELETED);
  for (let i = 0; i < n; i++) h.deleted[at + i] = del.kind === 'boolean' && del.values[i] !== BOOL_MISSING ? del.values[i] : 0;
}

/**
 * Reads the manifest-listed files of a group whose event times overlap [from, to] and concatenates the
 * identifier, event time, write time, deletion flag and the requested features into typed arrays.
 */
export async function readHistory(core: StoreCore, group: FeatureGroup, features: readonly FeatureDefinition[], from = -Infinity, to = Infinity): Promise<History> {
  const files = core.db
    .prepare<{ path: string; rows: number }>('SELECT path, rows FROM offline_files WHERE grp = ? AND max_time >= ? AND min_time <= ? ORDER BY path')
    .all(group.name, Number.isFinite(from) ? from : -Number.MAX_VALUE, Number.isFinite(to) ? to : Number.MAX_VALUE);
  const total = files.reduce((s, f) => s + f.rows, 0);
  const numeric = features.map((f) => f.type === 'Integral' || f.type === 'Fractional' || f.type === 'Datetime');
  const h = {
    ids: new Array<string>(total), times: new Float64Array(total), writeTimes: new Float64Array(total), deleted: new Uint8Array(total),
    values: numeric.map((isNum): BatchValues => (isNum ? new Float64Array(total) : new Array<string | null>(total))),
  };
  let at = 0;
  for (const f of files) {
    const { frame } = await readParquet(path.join(core.offlineDir(group.name), f.path));
    const n = Math.min(frame.numRows, total - at);
    appendKeys(group, frame, h, at);
    features.forEach((feat, j) => appendColumn(h.values[j], at, frame.has(feat.name) ? frame.column(feat.name) : undefined, n, numeric[j]));
    at += n;
  }
  return { length: at, ...h };
}
