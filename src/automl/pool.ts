import { type TaskPool, availableCores, compiledWorkerPath, inProcessPool, workerPool } from '../util/pool.js';
import { type TrialOutput, type TrialTask, runTrial } from './trial.js';

/**
 * Runs trials, in pool workers or in this thread (src/util/pool.ts). `run(task, hardLimitMs)` stops a trial that
 * ignores its deadline (pool workers only): it rejects with a PoolTimeoutError and its worker is replaced.
 */
export type TrialRunner = TaskPool<TrialTask, TrialOutput>;

/**
 * Makes the runner of one phase (search or refit): `slots` trials at once, `memoryMb` heap per worker; slots 0
 * means run in this thread. The default is `defaultTrialRunner`; tests inject one whose workers fail on purpose.
 */
export type TrialRunnerFactory = (slots: number, memoryMb: number) => TrialRunner;

/** V8 old-space limit per trial worker (MB) unless the job sets workerMemoryMb. */
export const DEFAULT_WORKER_MEMORY_MB = 4096;

export function defaultInstances(): number {
  return availableCores();
}

/** The compiled trial worker (dist/src/automl/worker.js). */
export function trialWorkerPath(): string {
  return compiledWorkerPath(import.meta.url, 'worker.js');
}

/** A piscina pool of `slots` workers running `filename` (default: the trial worker), or in-thread with 0 slots. */
export function trialRunner(slots: number, memoryMb: number, filename?: string, workerData?: unknown): TrialRunner {
  if (slots === 0) return inProcessPool(runTrial);
  return workerPool<TrialTask, TrialOutput>({ filename: filename ?? trialWorkerPath(), threads: slots, memoryMb, workerData });
}

export const defaultTrialRunner: TrialRunnerFactory = (slots, memoryMb) => trialRunner(slots, memoryMb);
