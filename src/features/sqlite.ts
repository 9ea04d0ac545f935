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

/** The optional peer the Feature Store needs, and the install command a user is told to run when it is missing. */
const SQLITE_PACKAGE = 'better-sqlite3';
const SQLITE_INSTALL = 'npm install better-sqlite3@12';

/**
 * Set to "1" by tests only (test/sqlite-missing.test.ts): loading better-sqlite3 fails as if it were not
 * installed, so the user-facing error can be checked end to end. It can only make a load fail, never load
 * something else.
 */
export const SIMULATE_MISSING_SQLITE_ENV = 'TABPILOT_TEST_MISSING_SQLITE';

function loadSqlite(): DatabaseConstructor {
  if (process.env[SIMULATE_MISSING_SQLITE_ENV] === '1') {
    throw Object.assign(new Error(`Cannot find module '${SQLITE_PACKAGE}' (simulated by ${SIMULATE_MISSING_SQLITE_ENV})`), { code: 'MODULE_NOT_FOUND' });
  }
  return createRequire(import.meta.url)(SQLITE_PACKAGE) as DatabaseConstructor;
}

function sqlite(): DatabaseConstructor {
  if (ctor === undefined) {
    try {
      ctor = loadSqlite();
    } catch (e) {
      // Not installed, or installed for another Node ABI: either way the fix is the same install.
      const why = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'is not installed' : `did not load (${(e as Error).message.split('\n')[0]})`;
      throw new TabpilotError('DEPENDENCY_MISSING', `the Feature Store needs the optional package ${SQLITE_PACKAGE}, which ${why}; run: ${SQLITE_INSTALL}`);
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
