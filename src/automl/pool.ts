import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { TabpilotError } from '../util/errors.js';
import { type TrialOutput, type TrialTask, runTrial } from './trial.js';

/** Runs trials, in pool workers or in this thread. `hardLimitMs` stops a trial that ignores its deadline. */
export interface TrialRunner {
  readonly instances: number;
  run(task: TrialTask, hardLimitMs: number): Promise<TrialOutput>;
  close(): Promise<void>;
}

export class TrialTimeoutError extends Error {
  constructor(seconds: number) {
    super(`trial passed its time limit (${seconds.toFixed(1)} s) and was stopped`);
    this.name = 'TrialTimeoutError';
  }
}

/** Compiled worker script. Workers always run the JS in dist/, also when the caller runs from TypeScript sources. */
export function workerScriptPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.js'), path.resolve(here, '../../dist/src/automl/worker.js')];
  for (const c of candidates) if (c.includes(`${path.sep}dist${path.sep}`) && existsSync(c)) return c;
  throw new TabpilotError('INTERNAL', `the Autopilot worker script is not built (looked for ${candidates[1]}); run "npm run build" first`);
}

export function defaultInstances(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * A piscina pool of `instances` worker threads. A trial that throws rejects with its error; one that runs out
 * of memory (resourceLimits) or passes its hard limit gets its worker terminated; piscina starts a fresh worker
 * for the next task, so the job goes on.
 */
export class PoolRunner implements TrialRunner {
  private readonly pool: Piscina<TrialTask, TrialOutput>;

  constructor(
    readonly instances: number,
    workerMemoryMb = 4096,
  ) {
    this.pool = new Piscina({
      filename: workerScriptPath(),
      minThreads: instances,
      maxThreads: instances,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: workerMemoryMb },
    });
  }

  async run(task: TrialTask, hardLimitMs: number): Promise<TrialOutput> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(1, hardLimitMs),
    );
    try {
      return await this.pool.run(task, { signal: controller.signal });
    } catch (e) {
      if (timedOut) throw new TrialTimeoutError(hardLimitMs / 1000);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Runs trials one at a time in this thread (no hard stop: the learner's own deadline is the only limit). */
export class InProcessRunner implements TrialRunner {
  readonly instances = 1;
  private chain: Promise<unknown> = Promise.resolve();

  run(task: TrialTask): Promise<TrialOutput> {
    const next = this.chain.then(() => runTrial(task));
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
  }
}
