import type { Redis } from 'ioredis';
import { WORKER_KEY_PREFIX } from './protocol.js';

/**
 * Live workers: each worker writes `tabpilot:worker:<id>` (JSON) every HEARTBEAT_MS with an expiry of a few
 * heartbeats, so a worker that died disappears from the list by itself.
 */

/** How often a worker refreshes its entry (ms). */
export const HEARTBEAT_MS = 2000;
/** An entry expires after this many missed heartbeats. */
const HEARTBEATS_TO_EXPIRE = 3;
/** Keys read per SCAN step. */
const SCAN_COUNT = 200;

export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly concurrency: number;
  /** Tasks running now: "<kind> <label>". */
  readonly current: readonly string[];
  readonly startedAt: number;
  readonly tasksDone: number;
}

export async function writeHeartbeat(redis: Redis, info: WorkerInfo): Promise<void> {
  await redis.set(WORKER_KEY_PREFIX + info.id, JSON.stringify(info), 'PX', HEARTBEAT_MS * HEARTBEATS_TO_EXPIRE);
}

export async function removeHeartbeat(redis: Redis, id: string): Promise<void> {
  await redis.del(WORKER_KEY_PREFIX + id);
}

/** Every live worker, by host then id. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${WORKER_KEY_PREFIX}*`, 'COUNT', SCAN_COUNT);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const out: WorkerInfo[] = [];
  for (const v of values) if (v !== null) out.push(JSON.parse(v) as WorkerInfo);
  return out.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}

/** Total task slots of the live workers (at least 1). */
export function totalSlots(workers: readonly WorkerInfo[]): number {
  return Math.max(1, workers.reduce((s, w) => s + w.concurrency, 0));
}
