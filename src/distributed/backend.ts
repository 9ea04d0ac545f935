import { randomBytes } from 'node:crypto';
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { TabpilotError } from '../util/errors.js';
import { PoolTimeoutError } from '../util/pool.js';
import { type BackendAddress, blockingOptions, connectRedis, within } from './connection.js';
import { type DataRef, publishBlob } from './dataset.js';
import { loadBullMq } from './optional.js';
import { QUEUE_PREFIX, TASK_QUEUE, type TaskEnvelope, type TaskKind, decodeFailure, tabpilotVersion } from './protocol.js';
import { type WorkerInfo, listWorkers } from './registry.js';

/**
 * The coordinator's side of the Redis backend: puts tasks on the BullMQ queue, hears their results through the
 * queue's event stream, publishes the job's data, and watches the connection. When Redis is lost mid-job (down
 * for longer than a grace period, or back without this job's marker key because it restarted without its
 * data) every waiting and later task fails at once with BACKEND_LOST and `lost` says why, so the caller stops.
 */

/** A dropped connection that is not back within this long (ms) counts as a lost backend. */
const LOST_GRACE_MS = 2000;
/** Closing connections to a server that may be gone waits at most this long (ms). */
const CLOSE_WAIT_MS = 1000;
/** The job's marker key lives this long (s); it only has to outlive the job. */
const MARKER_TTL_SECONDS = 7 * 24 * 3600;

interface Pending {
  resolve(value: unknown): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

export interface RedisBackendOptions {
  /** A directory every worker mounts: data is published there instead of into Redis. */
  readonly sharedDir?: string;
}

export class RedisBackend {
  /** Why the backend was lost (BACKEND_LOST), or null while it is fine. */
  lost: TabpilotError | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly lostListeners: ((e: TabpilotError) => void)[] = [];
  private nextTask = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly address: BackendAddress,
    private readonly client: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    /** This job's id: task ids and the marker key derive from it. */
    readonly jobKey: string,
    private readonly options: RedisBackendOptions,
  ) {}

  /** Connects (BACKEND_UNAVAILABLE when Redis cannot be reached), starts listening, marks the job. */
  static async connect(address: BackendAddress, options: RedisBackendOptions = {}): Promise<RedisBackend> {
    const { Queue, QueueEvents } = await loadBullMq();
    const client = await connectRedis(address);
    const jobKey = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const queue = new Queue(TASK_QUEUE, { connection: { ...address.options, enableOfflineQueue: false }, prefix: QUEUE_PREFIX });
    queue.on('error', () => undefined);
    // Listen from the stream's current end, so no event of this job is missed between connecting and reading.
    const last = (await client.xrevrange(`${QUEUE_PREFIX}:${TASK_QUEUE}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const events = new QueueEvents(TASK_QUEUE, { connection: blockingOptions(address), prefix: QUEUE_PREFIX, lastEventId: last });
    events.on('error', () => undefined);
    await events.waitUntilReady();
    await client.set(markerKey(jobKey), '1', 'EX', MARKER_TTL_SECONDS);
    const backend = new RedisBackend(address, client, queue, events, jobKey, options);
    backend.listen();
    return backend;
  }

  private listen(): void {
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, (p) => p.resolve(returnvalue)));
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, (p) => p.reject(decodeFailure(failedReason))));
    this.client.on('close', () => {
      if (this.closed || this.lost || this.graceTimer) return;
      this.graceTimer = setTimeout(() => this.markLost(`lost the connection to Redis at ${this.address.display} for more than ${LOST_GRACE_MS / 1000} s`), LOST_GRACE_MS);
    });
    this.client.on('ready', () => {
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
      if (this.closed || this.lost) return;
      // Back: the marker tells whether Redis kept its data (queued tasks, published datasets) or restarted empty.
      this.client.exists(markerKey(this.jobKey)).then(
        (n) => {
          if (n === 0) this.markLost(`Redis at ${this.address.display} restarted and lost this job's queued tasks`);
        },
        () => undefined,
      );
    });
  }

  private settle(jobId: string, fn: (p: Pending) => void): void {
    const p = this.pending.get(jobId);
    if (!p) return;
    this.pending.delete(jobId);
    clearTimeout(p.timer);
    fn(p);
  }

  private markLost(reason: string): void {
    if (this.lost || this.closed) return;
    this.lost = new TabpilotError('BACKEND_LOST', reason);
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(this.lost!));
    for (const l of this.lostListeners) l(this.lost);
  }

  /** Calls `fn` once if the backend is lost. */
  onLost(fn: (e: TabpilotError) => void): void {
    if (this.lost) fn(this.lost);
    else this.lostListeners.push(fn);
  }

  /** Publishes a dataset blob once (content-addressed). */
  publish(blob: Uint8Array): Promise<DataRef> {
    if (this.lost) return Promise.reject(this.lost);
    return publishBlob(this.client, blob, this.options.sharedDir);
  }

  /**
   * Runs one task on some worker and resolves with its return value. With a finite `timeoutMs` the task gets a
   * hard deadline: the worker refuses it after that and stops it then; here it rejects with a PoolTimeoutError.
   */
  run(kind: TaskKind, body: unknown, timeoutMs?: number): Promise<unknown> {
    if (this.lost) return Promise.reject(this.lost);
    const finite = timeoutMs !== undefined && Number.isFinite(timeoutMs);
    const envelope: TaskEnvelope = { kind, version: tabpilotVersion(), hardDeadline: finite ? Date.now() + timeoutMs : null, body };
    const jobId = `${this.jobKey}-${this.nextTask++}`;
    const result = new Promise<unknown>((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (finite) {
        p.timer = setTimeout(() => {
          this.settle(jobId, (q) => q.reject(new PoolTimeoutError(timeoutMs / 1000)));
          // A task nobody took yet is withdrawn; a running one is stopped by its worker at the same deadline.
          this.queue.remove(jobId).catch(() => undefined);
        }, Math.max(1, timeoutMs));
      }
      this.pending.set(jobId, p);
    });
    // Not awaited: when Redis goes away while adding, the loss rejects `result` and nothing waits on the add.
    this.queue.add(kind, envelope, { jobId, attempts: 1, removeOnComplete: true, removeOnFail: true }).catch((e: unknown) => {
      this.settle(jobId, (p) => p.reject(this.lost ?? new TabpilotError('BACKEND_LOST', `cannot queue a task on Redis at ${this.address.display}: ${(e as Error).message}`)));
    });
    return result;
  }

  /** Workers that sent a heartbeat recently. */
  workers(): Promise<WorkerInfo[]> {
    return listWorkers(this.client);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.graceTimer);
    if (!this.lost) await within(this.client.del(markerKey(this.jobKey)), CLOSE_WAIT_MS);
    await within(this.events.close(), CLOSE_WAIT_MS);
    await within(this.queue.close(), CLOSE_WAIT_MS);
    // A close that waited on a server that is gone leaves its connection reconnecting: cut them.
    for (const c of [await within(this.queue.client, CLOSE_WAIT_MS), await within(this.events.client, CLOSE_WAIT_MS)]) c?.disconnect();
    this.client.disconnect();
  }
}

function markerKey(jobKey: string): string {
  return `tabpilot:job:${jobKey}`;
}
