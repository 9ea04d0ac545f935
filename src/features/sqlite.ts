/**
 * The embedded database of the online store: better-sqlite3 (SQLite in WAL mode), loaded on first use so
 * commands that never touch the Feature Store do not pay for the native module. Only the few methods
 * tabpilot calls are typed here (no @types dependency).
 */
import { createRequire } from 'node:module';
import { TabpilotError } from '../util/errors.js';

export interface RunResult {
  readonly changes: number;
}

export interface Statement<Row = unknown> {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
  raw(toggle?: boolean): Statement<unknown[]>;
}

export interface Transaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}

export interface Database {
  prepare<Row = unknown>(sql: string): Statement<Row>;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
}

type DatabaseConstructor = new (file: string, options?: { timeout?: number; readonly?: boolean }) => Database;

/**
 * How long a writer waits for another process's write transaction before failing (SQLite busy timeout):
 * an ingest of a few hundred thousand rows holds the lock for seconds, so a minute leaves wide margin.
 */
export const BUSY_TIMEOUT_MS = 60_000;

/** SQLite page cache per connection, in KiB (negative pragma value): keeps a few hundred thousand online records hot. */
const CACHE_KIB = 65_536;

let ctor: DatabaseConstructor | undefined;

function sqlite(): DatabaseConstructor {
  if (ctor === undefined) {
    try {
      ctor = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
    } catch (e) {
      throw new TabpilotError('INTERNAL', `the Feature Store needs the better-sqlite3 package, which did not load: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return ctor;
}

/**
 * Opens (creating) the database file in WAL mode with full synchronous commits: a transaction is durable
 * once `COMMIT` returns, which is when tabpilot acknowledges a write; a killed process loses nothing
 * acknowledged and the next open recovers the WAL.
 */
export function openDatabase(file: string): Database {
  const Ctor = sqlite();
  const db = new Ctor(file, { timeout: BUSY_TIMEOUT_MS });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = OFF');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return db;
}

/** A SQLite identifier quoted for SQL text (group names are validated, this is belt and braces). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
