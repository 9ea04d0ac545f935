import type { Redis, RedisOptions } from 'ioredis';
import { TabpilotError } from '../util/errors.js';
import { loadIoRedis } from './optional.js';

/**
 * Redis connections of the distributed backend. `--backend redis://[user:password@]host:port[/db]`, or
 * `--backend redis` to read the URL (with its password) from the REDIS_URL environment variable, so the password
 * never shows in a process list. Messages name the server without its password.
 */

/** How long connecting may take before the backend counts as unreachable (ms). */
const CONNECT_TIMEOUT_MS = 3000;

export interface BackendAddress {
  readonly url: string;
  /** host:port/db, without credentials, for messages. */
  readonly display: string;
  readonly options: RedisOptions;
}

/** Parses a --backend value. */
export function parseBackend(value: string, env: NodeJS.ProcessEnv = process.env): BackendAddress {
  const raw = value === 'redis' ? env.REDIS_URL : value;
  if (raw === undefined || raw === '') throw new TabpilotError('INVALID_ARGUMENT', '--backend redis reads the REDIS_URL environment variable, which is not set');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TabpilotError('INVALID_ARGUMENT', `--backend expects redis://host:port (or "redis" to read REDIS_URL), got "${value}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new TabpilotError('INVALID_ARGUMENT', `--backend expects a redis:// URL, got protocol "${url.protocol}"`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new TabpilotError('INVALID_ARGUMENT', `--backend: the database number must be a non-negative integer, got "${url.pathname.slice(1)}"`);
  const host = url.hostname || '127.0.0.1';
  const port = url.port ? Number(url.port) : 6379;
  return {
    url: raw,
    display: `redis://${host}:${port}${db ? `/${db}` : ''}`,
    options: {
      host,
      port,
      db,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
    },
  };
}

/** Options of a connection BullMQ may block on (workers, queue events): it retries forever, never fails a command. */
export function blockingOptions(address: BackendAddress): RedisOptions {
  return { ...address.options, maxRetriesPerRequest: null };
}

/**
 * Checks that the server answers (one ping, failing fast: BACKEND_UNAVAILABLE naming the server when it cannot be
 * reached or refuses the password), then returns a client that reconnects by itself when the connection drops.
 */
export async function connectRedis(address: BackendAddress, extra: RedisOptions = {}): Promise<Redis> {
  const { Redis } = await loadIoRedis();
  const probe = new Redis({ ...address.options, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  // The socket's error (ECONNREFUSED, ...) arrives as an event; connect() then only says the connection closed.
  let socketError: NodeJS.ErrnoException | undefined;
  probe.on('error', (e: NodeJS.ErrnoException) => (socketError ??= e));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const err = socketError ?? (e as NodeJS.ErrnoException);
    throw new TabpilotError('BACKEND_UNAVAILABLE', `cannot reach Redis at ${address.display}: ${err.code ?? err.message.split('\n')[0]} (is redis-server running and reachable? see docs/scale-out.md)`);
  } finally {
    probe.disconnect();
  }
  const client = new Redis({ ...address.options, ...extra });
  client.on('error', () => undefined);
  return client;
}

/** Resolves after `ms`, or with `fallback` when `promise` takes longer. Used to close connections to a lost server. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
