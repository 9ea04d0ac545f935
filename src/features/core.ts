/**
 * The store directory: `store.json` (format and version), `store.sqlite` (group definitions, the online
 * store, the offline manifest and the key index that makes ingestion idempotent) and `offline/<group>/`
 * (Parquet files partitioned by event date). Every write runs in one SQLite IMMEDIATE transaction, so two
 * processes writing one store take turns (busy timeout) and a crash rolls back whatever was not committed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TabpilotError } from '../util/errors.js';
import { userFsError, writeFileAtomic } from '../util/output.js';
import { checkFeatures, type FeatureDefinition, type FeatureGroup, type FeatureGroupInput, normalizeGroup } from './schema.js';
import { type Database, openDatabase, quoteIdent } from './sqlite.js';

export const STORE_FORMAT = 'tabpilot-feature-store';
/** Version of the directory layout and tables this code reads and writes. */
export const STORE_FORMAT_VERSION = 1;
export const DEFAULT_STORE_DIR = './feature-store';
const MANIFEST = 'store.json';
const DATABASE = 'store.sqlite';
export const OFFLINE_DIR = 'offline';

export interface OpenOptions {
  /** Create the directory and tables when absent (default false: a missing store is FILE_NOT_FOUND). */
  readonly create?: boolean;
  /** Clock in epoch ms (tests inject one to exercise TTL expiry). */
  readonly now?: () => number;
}

/** Table names of one group. Group names are validated against a strict pattern; they are quoted anyway. */
export function tablesOf(group: string): { online: string; keys: string } {
  return { online: quoteIdent(`online:${group}`), keys: quoteIdent(`keys:${group}`) };
}

function readManifest(dir: string): void {
  const file = path.join(dir, MANIFEST);
  let json: { format?: unknown; formatVersion?: unknown };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (e) {
    if (e instanceof SyntaxError) throw new TabpilotError('STORE_VERSION', `not a feature store manifest (invalid JSON)`, { file });
    throw userFsError(e, 'FILE_ERROR', file) ?? e;
  }
  if (json.format !== STORE_FORMAT || typeof json.formatVersion !== 'number') {
    throw new TabpilotError('STORE_VERSION', `not a tabpilot feature store (format ${JSON.stringify(json.format)})`, { file });
  }
  if (json.formatVersion > STORE_FORMAT_VERSION) {
    throw new TabpilotError('STORE_VERSION', `the store has format version ${json.formatVersion}, newer than this tabpilot reads (${STORE_FORMAT_VERSION}); upgrade tabpilot`, { file });
  }
}

function prepareDirectory(dir: string, create: boolean): void {
  const manifest = path.join(dir, MANIFEST);
  if (existsSync(manifest)) return readManifest(dir);
  if (!create) throw new TabpilotError('FILE_NOT_FOUND', 'no feature store here (create a feature group first, or pass --store DIR)', { file: dir });
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new TabpilotError('OUTPUT_PATH', 'is a file, not a feature store directory', { file: dir });
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new TabpilotError('STORE_VERSION', 'the directory is not empty and is not a feature store (no store.json)', { file: dir });
    }
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(manifest, JSON.stringify({ format: STORE_FORMAT, formatVersion: STORE_FORMAT_VERSION }, null, 2) + '\n');
  } catch (e) {
    throw userFsError(e, 'OUTPUT_PATH', dir) ?? e;
  }
}

const BASE_TABLES = `
CREATE TABLE IF NOT EXISTS feature_groups (name TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS offline_files (grp TEXT NOT NULL, path TEXT NOT NULL, rows INTEGER NOT NULL,
  min_time REAL NOT NULL, max_time REAL NOT NULL, PRIMARY KEY (grp, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID;`;

function groupTables(group: string): string {
  const t = tablesOf(group);
  const idx = quoteIdent(`expiry:${group}`);
  return `
CREATE TABLE IF NOT EXISTS ${t.online} (record_id TEXT PRIMARY KEY, event_time REAL NOT NULL, write_time REAL NOT NULL,
  expires_at REAL, deleted INTEGER NOT NULL, data TEXT);
CREATE INDEX IF NOT EXISTS ${idx} ON ${t.online} (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS ${t.keys} (record_id TEXT NOT NULL, event_time REAL NOT NULL, hash INTEGER NOT NULL,
  PRIMARY KEY (record_id, event_time)) WITHOUT ROWID;`;
}

/** The shared state of an open store: directory, database, clock and the group registry. */
export class StoreCore {
  readonly dir: string;
  readonly db: Database;
  readonly now: () => number;

  constructor(dir: string, options: OpenOptions = {}) {
    this.dir = path.resolve(dir);
    this.now = options.now ?? Date.now;
    prepareDirectory(this.dir, options.create ?? false);
    try {
      this.db = openDatabase(path.join(this.dir, DATABASE));
    } catch (e) {
      // A missing better-sqlite3 is not the store's fault: its own code and install hint pass through.
      if (e instanceof TabpilotError && e.code === 'DEPENDENCY_MISSING') throw e;
      throw new TabpilotError('STORE_VERSION', `cannot open the store database: ${(e as Error).message}`, { file: path.join(this.dir, DATABASE) });
    }
    this.db.exec(BASE_TABLES);
  }

  /** Runs fn in one IMMEDIATE transaction (takes the write lock first, so concurrent writers queue). */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * The write time of a new write: the clock, but strictly after every earlier write to this store (by any
   * process), so "the newer write wins" has an order even within one millisecond. Call inside `write`.
   */
  nextWriteTime(): number {
    const last = this.db.prepare<{ value: number }>("SELECT value FROM meta WHERE key = 'last_write_time'").get()?.value ?? -Infinity;
    const t = Math.max(this.now(), last + 1);
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('last_write_time', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(t);
    return t;
  }

  offlineDir(group: string): string {
    return path.join(this.dir, OFFLINE_DIR, group);
  }

  findGroup(name: string): FeatureGroup | null {
    const row = this.db.prepare<{ definition: string }>('SELECT definition FROM feature_groups WHERE name = ?').get(name);
    return row === undefined ? null : (JSON.parse(row.definition) as FeatureGroup);
  }

  group(name: string): FeatureGroup {
    const g = this.findGroup(name);
    if (g === null) {
      const known = this.listGroups().map((x) => x.name);
      throw new TabpilotError('UNKNOWN_GROUP', `no feature group "${name}" in ${this.dir}; groups are: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    }
    return g;
  }

  listGroups(): FeatureGroup[] {
    return this.db.prepare<{ definition: string }>('SELECT definition FROM feature_groups ORDER BY name').all().map((r) => JSON.parse(r.definition) as FeatureGroup);
  }

  createGroup(input: FeatureGroupInput): FeatureGroup {
    const group = normalizeGroup(input, this.now());
    return this.write(() => {
      if (this.findGroup(group.name) !== null) throw new TabpilotError('GROUP_EXISTS', `feature group "${group.name}" already exists in ${this.dir}`);
      // Files left by a deleted group of the same name (a crash between commit and removal) go first.
      rmSync(this.offlineDir(group.name), { recursive: true, force: true });
      this.db.exec(groupTables(group.name));
      this.db.prepare('INSERT INTO feature_groups (name, definition) VALUES (?, ?)').run(group.name, JSON.stringify(group));
      return group;
    });
  }

  /** Adds features (the only schema change allowed); returns the new definition. */
  addFeatures(name: string, features: readonly FeatureDefinition[]): FeatureGroup {
    return this.write(() => {
      const group = this.group(name);
      const added = checkFeatures(features, group.features);
      if (added.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'no features to add');
      const next: FeatureGroup = { ...group, features: [...group.features, ...added] };
      this.db.prepare('UPDATE feature_groups SET definition = ? WHERE name = ?').run(JSON.stringify(next), name);
      return next;
    });
  }

  deleteGroup(name: string): void {
    this.write(() => {
      this.group(name);
      const t = tablesOf(name);
      this.db.exec(`DROP TABLE IF EXISTS ${t.online}; DROP TABLE IF EXISTS ${t.keys};`);
      this.db.prepare('DELETE FROM offline_files WHERE grp = ?').run(name);
      this.db.prepare('DELETE FROM feature_groups WHERE name = ?').run(name);
    });
    rmSync(this.offlineDir(name), { recursive: true, force: true });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
