import { type AutopilotOptions, autopilot } from '../automl/autopilot.js';
import type { AutopilotJob } from '../automl/job.js';
import { TabpilotError } from '../util/errors.js';
import { RedisBackend } from './backend.js';
import { parseBackend } from './connection.js';
import { totalSlots } from './registry.js';
import { remoteTrialRunners } from './trials.js';

/**
 * Autopilot with its trials on the Redis backend. The coordinator (this process) keeps the budget, the search and
 * the leaderboard exactly as with the local pool, so the same seed and candidate budget give the same leaderboard;
 * only where a trial runs changes. `instances` (trials in flight) defaults to the live workers' total slots.
 * When Redis is lost mid-job no further trial starts, the trials in flight fail with BACKEND_LOST, and the job
 * finishes with what completed: `lost` then says why, and the caller exits non-zero after saving it.
 */
export interface BackendJob {
  readonly job: AutopilotJob;
  readonly lost: TabpilotError | null;
}

export async function autopilotOnBackend(options: AutopilotOptions, backend: RedisBackend): Promise<BackendJob> {
  const workers = await backend.workers();
  if (workers.length === 0) options.onWarning?.(`no live worker on ${backend.address.display} yet; trials wait until one starts (tabpilot worker --backend ...)`);
  const instances = options.instances !== undefined && options.instances > 0 ? options.instances : totalSlots(workers);
  const stop = new AbortController();
  // The loss is the abort reason: trials that never started are Stopped with its message, not "out of time".
  backend.onLost((lost) => stop.abort(lost));
  try {
    const job = await autopilot({ ...options, instances }, { runner: remoteTrialRunners(backend), stop: stop.signal });
    return { job, lost: backend.lost };
  } catch (e) {
    // Nothing completed before Redis went away: the loss is the reason, not the empty leaderboard.
    if (backend.lost) throw backend.lost;
    throw e;
  }
}

/**
 * The CLI's entry: Autopilot on the local pool, or with `backend` (a --backend value) on the Redis backend
 * (BACKEND_UNAVAILABLE, exit 2, when Redis cannot be reached at the start). Closes the backend in every case.
 */
export async function autopilotWith(backend: string | undefined, sharedDir: string | undefined, options: AutopilotOptions): Promise<BackendJob> {
  if (backend === undefined) {
    if (sharedDir !== undefined) throw new TabpilotError('INVALID_ARGUMENT', '--shared-dir needs --backend');
    return { job: await autopilot(options), lost: null };
  }
  const connected = await RedisBackend.connect(parseBackend(backend), { sharedDir });
  try {
    return await autopilotOnBackend(options, connected);
  } finally {
    await connected.close();
  }
}
