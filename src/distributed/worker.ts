import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_WORKER_MEMORY_MB, type TrialRunner, trialRunner } from '../automl/pool.js';
import { TabpilotError } from '../util/errors.js';
import { type BackendAddress, blockingOptions, connectRedis, within } from './connection.js';
import { type DataRef, fetchBlob } from './dataset.js';
import { loadBullMq } from './optional.js';
import { type InstanceSpec, runInstance } from './processing.js';
import { QUEUE_PREFIX, TASK_QUEUE, type TaskEnvelope, decodeFailure, encodeFailure, tabpilotVersion, versionMismatch } from './protocol.js';
import { HEARTBEAT_MS, type WorkerInfo, removeHeartbeat, writeHeartbeat } from './registry.js';
import { type SharedTrialData, type TrialBody, encodeTrialOutput, sharedTrialData, trialTaskOf } from './trials.js';

/**
 * `tabpilot worker`: takes tasks from the BullMQ queue and runs them, `concurrency` at a time. Trials run on a
 * local pool of worker threads (so this thread stays free to renew the tasks' locks); processing instances run
 * in child processes. A task holds a lock the worker renews; when the worker dies, the lock expires and another
 * worker's stalled-job check puts the task back once (maxStalledCount 1); a second loss fails it. A task from a
 * coordinator of another tabpilot version, or past its hard deadline, is refused with a clear message.
 */

export interface WorkerOptions {
  readonly address: BackendAddress;
  /** Tasks at once (default: the number of cores). */
  readonly concurrency: number;
  /** The directory the coordinators publish large data to, as mounted here. */
  readonly sharedDir?: string;
  /** How long a task's lock lasts without renewal (ms): a killed worker's task is retried after about this long. */
  readonly lockMs?: number;
  readonly memoryMb?: number;
  /** Reports what the worker does (one line per event). */
  readonly log?: (line: string) => void;
}

export interface WorkerHandle {
  readonly info: () => WorkerInfo;
  close(): Promise<void>;
}

/** Default task lock (ms), BullMQ's default: long enough for a busy event loop, short enough to retry soon. */
export const DEFAULT_LOCK_MS = 30_000;
/** Datasets a worker keeps decoded (most recent first). */
const DATASET_CACHE_SIZE = 2;
/** Times a task may lose its worker and go back to the queue (BullMQ's maxStalledCount); one more loss fails it. */
const MAX_STALLED_COUNT = 1;
/** Closing waits at most this long for running tasks (ms). */
const CLOSE_WAIT_MS = 5000;

class DatasetCache {
  private readonly entries = new Map<string, Promise<SharedTrialData>>();
  constructor(
    private readonly redis: Redis,
    private readonly sharedDir: string | undefined,
  ) {}
  get(ref: DataRef): Promise<SharedTrialData> {
    let p = this.entries.get(ref.hash);
    if (p) {
      this.entries.delete(ref.hash);
    } else {
      p = fetchBlob(this.redis, ref, this.sharedDir).then((blob) => sharedTrialData(ref.hash, blob));
      p.catch(() => this.entries.delete(ref.hash));
    }
    this.entries.set(ref.hash, p);
    while (this.entries.size > DATASET_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    return p;
  }
}

function labelOf(env: TaskEnvelope): string {
  if (env.kind === 'trial') return `trial ${(env.body as TrialBody).source}`;
  return `process instance ${(env.body as InstanceSpec).instance}`;
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const { address } = options;
  const log = options.log ?? (() => undefined);
  const version = tabpilotVersion();
  const { Worker } = await loadBullMq();
  const redis = await connectRedis(address);
  const concurrency = options.concurrency;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new TabpilotError('INVALID_ARGUMENT', `--concurrency must be a positive integer, got ${concurrency}`);
  const pool: TrialRunner = trialRunner(concurrency, options.memoryMb ?? DEFAULT_WORKER_MEMORY_MB);
  const cache = new DatasetCache(redis, options.sharedDir);
  const current = new Map<string, string>();
  const id = `${os.hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  let tasksDone = 0;
  const startedAt = Date.now();
  const info = (): WorkerInfo => ({ id, host: os.hostname(), pid: process.pid, version, concurrency, current: [...current.values()], startedAt, tasksDone });

  const processor = async (job: Job<TaskEnvelope>): Promise<unknown> => {
    const env = job.data;
    const label = labelOf(env);
    if (env.version !== version) {
      log(`refused ${label}: coordinator runs tabpilot ${env.version}, this worker ${version}`);
      throw new Error(encodeFailure(versionMismatch(version, env.version)));
    }
    const left = env.hardDeadline === null ? Infinity : env.hardDeadline - Date.now();
    if (left <= 0) throw new Error(encodeFailure({ code: 'PAST_DEADLINE', message: `${label} reached the worker after its deadline; not run` }));
    current.set(job.id!, label);
    log(`started ${label} (task ${job.id})`);
    const t0 = Date.now();
    try {
      const result = env.kind === 'trial' ? await runTrialBody(env.body as TrialBody, left) : await runProcessBody(env.body as InstanceSpec, left);
      log(`finished ${label} in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
      return result;
    } catch (e) {
      log(`failed ${label}: ${decodeFailure((e as Error).message).message.split('\n')[0]}`);
      throw e;
    } finally {
      current.delete(job.id!);
      tasksDone++;
    }
  };

  const runTrialBody = async (body: TrialBody, left: number) => {
    try {
      const shared = await cache.get(body.data);
      return encodeTrialOutput(await pool.run(trialTaskOf(shared, body), left));
    } catch (e) {
      throw new Error(encodeFailure(e));
    }
  };

  const runProcessBody = async (spec: InstanceSpec, left: number) => {
    const r = await runInstance(spec, left);
    const result = { ...r, host: os.hostname() };
    if (!r.ok) throw new Error(encodeFailure({ code: 'PROCESSING_FAILED', message: r.error ?? 'failed' }, r.log));
    return result;
  };

  const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  const worker = new Worker<TaskEnvelope>(TASK_QUEUE, processor, {
    connection: blockingOptions(address),
    prefix: QUEUE_PREFIX,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: MAX_STALLED_COUNT,
  });
  worker.on('error', (e) => log(`queue connection: ${e.message.split('\n')[0]}`));
  worker.on('stalled', (jobId) => log(`task ${jobId} stalled (its worker stopped); it goes back to the queue once`));
  await worker.waitUntilReady();
  const beat = () => writeHeartbeat(redis, info()).catch(() => undefined);
  await beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  log(`worker ${id} (tabpilot ${version}) on ${address.display}, ${concurrency} task(s) at a time`);

  let closed = false;
  return {
    info,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await within(worker.close(), CLOSE_WAIT_MS);
      await within(removeHeartbeat(redis, id), CLOSE_WAIT_MS);
      await pool.close();
      redis.disconnect();
    },
  };
}
