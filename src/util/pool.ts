import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { TabpilotError } from './errors.js';

/**
 * The one worker-thread pool of tabpilot: a thin wrapper over piscina used by Autopilot's trials and the insights
 * report's model fits. It runs a compiled worker module (one task per worker at a time), applies a V8 heap limit
 * per worker, stops a task at its time limit by terminating its worker, and lets piscina start a fresh worker in
 * place of any worker that died (thrown out of memory, terminated, crashed), so the pool goes on.
 *
 * When workers cannot start (the compiled worker script is missing) it throws TabpilotError('WORKER_UNAVAILABLE');
 * running in this thread instead is never silent: a caller asks for it with `inProcessPool`.
 */
export interface TaskPool<T, R> {
  /** Tasks that run at the same time. */
  readonly threads: number;
  /** Runs one task. With `timeoutMs` (finite), a task still running then rejects with a PoolTimeoutError. */
  run(task: T, timeoutMs?: number): Promise<R>;
  close(): Promise<void>;
}

export interface WorkerPoolOptions {
  /** Absolute path of the compiled worker module (see `compiledWorkerPath`); its default export runs one task. */
  readonly filename: string;
  readonly threads: number;
  /** V8 old-space limit per worker (MB); a task above it fails and its worker is replaced. */
  readonly memoryMb?: number;
  /** Idle workers above `threads` exit after this long (ms). */
  readonly idleTimeoutMs?: number;
  /** Passed to every worker as piscina's `workerData`. */
  readonly workerData?: unknown;
}

/** The error code of a task stopped at its time limit. */
export const POOL_TIMEOUT = 'POOL_TASK_TIMEOUT';

/** A task passed its time limit; its worker was terminated (and is replaced for the next task). */
export class PoolTimeoutError extends Error {
  readonly code = POOL_TIMEOUT;
  constructor(readonly seconds: number) {
    super(`task passed its time limit (${seconds.toFixed(1)} s) and was stopped`);
    this.name = 'PoolTimeoutError';
  }
}

/** True when `e` is a task stopped at its time limit. */
export function isPoolTimeout(e: unknown): e is PoolTimeoutError {
  return (e as { code?: unknown } | null)?.code === POOL_TIMEOUT;
}

/** The longest delay setTimeout accepts (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Default idle time before a worker above the minimum exits: workers are kept for the whole job. */
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Worker threads to use by default: one per available core. */
export function availableCores(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * The compiled JS of the worker module `file` that sits next to the module at `moduleUrl` (pass
 * `import.meta.url`). Workers always run the JS in dist/, also when the caller runs from TypeScript sources
 * (src/<area>/x.ts -> dist/src/<area>/file). Throws WORKER_UNAVAILABLE when it is not built.
 */
export function compiledWorkerPath(moduleUrl: string, file: string): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  // Compiled modules live in <root>/dist/src/<area>/, sources in <root>/src/<area>/.
  const root = path.resolve(here, '..', '..');
  const candidate = path.basename(root) === 'dist' ? path.join(here, file) : path.join(root, 'dist', 'src', path.basename(here), file);
  if (!existsSync(candidate)) {
    throw new TabpilotError('WORKER_UNAVAILABLE', `the worker script is not built (looked for ${candidate}); run "npm run build" first, or run in this thread (instances 0 / workers 1)`);
  }
  return candidate;
}

/** A piscina pool of `threads` workers. Throws WORKER_UNAVAILABLE when the worker file does not exist. */
export function workerPool<T, R>(options: WorkerPoolOptions): TaskPool<T, R> {
  if (!existsSync(options.filename)) {
    throw new TabpilotError('WORKER_UNAVAILABLE', `the worker script ${options.filename} does not exist; run "npm run build" first`);
  }
  const pool = new Piscina<T, R>({
    filename: options.filename,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    concurrentTasksPerWorker: 1,
    workerData: options.workerData,
    ...(options.memoryMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: options.memoryMb } } : {}),
  });
  let closed = false;
  return {
    threads: options.threads,
    async run(task: T, timeoutMs?: number): Promise<R> {
      if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return pool.run(task);
      const controller = new AbortController();
      let timedOut = false;
      // Aborting a running task terminates its worker; piscina starts a fresh one for the next task.
      const timer = setTimeout(
        () => {
          timedOut = true;
          controller.abort();
        },
        Math.min(MAX_TIMER_MS, Math.max(1, timeoutMs)),
      );
      try {
        return await pool.run(task, { signal: controller.signal });
      } catch (e) {
        if (timedOut) throw new PoolTimeoutError(timeoutMs / 1000);
        throw e;
      } finally {
        clearTimeout(timer);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}

/**
 * The explicit in-thread mode: tasks run one at a time in this thread through `fn` (the function the worker
 * module wraps). There is no hard stop: a task's own deadline is its only time limit.
 */
export function inProcessPool<T, R>(fn: (task: T) => R | Promise<R>): TaskPool<T, R> {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    threads: 1,
    run(task: T): Promise<R> {
      const next = chain.then(() => fn(task));
      chain = next.catch(() => undefined);
      return next;
    },
    async close(): Promise<void> {
      await chain;
    },
  };
}

/** Limits how many async jobs run at once (FIFO); a job's start time is when it gets a slot. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  get running(): number {
    return this.active;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
