import { TabpilotError, type ErrorCode } from '../util/errors.js';
import { tabpilotVersion } from '../util/version.js';

/**
 * The wire contract between a coordinator and its workers: the queue and key names in Redis, the tabpilot
 * version both sides must share, and how a task's failure travels (a JSON object with an error code, so the
 * coordinator branches on the code, never on the text).
 */

/** BullMQ key prefix of tabpilot's queues (keys look like `tabpilot:trials:...`). */
export const QUEUE_PREFIX = 'tabpilot';
/** The one queue every task goes through; a task's `kind` says which handler runs it. */
export const TASK_QUEUE = 'tasks';
/** Published datasets: `tabpilot:data:<sha256>` (see dataset.ts). */
export const DATA_KEY_PREFIX = 'tabpilot:data:';
/** Live workers: `tabpilot:worker:<id>`, a JSON value refreshed by the worker's heartbeat (see registry.ts). */
export const WORKER_KEY_PREFIX = 'tabpilot:worker:';

/** The kinds of task a worker runs. */
export type TaskKind = 'trial' | 'process';

/** What a coordinator puts on the queue: the kind, the sender's version, the hard deadline and the body. */
export interface TaskEnvelope<B = unknown> {
  readonly kind: TaskKind;
  readonly version: string;
  /** Epoch ms: the task must not run past this (the worker refuses it after, and stops it at this time). */
  readonly hardDeadline: number | null;
  readonly body: B;
}

/** A task's failure as it travels back: the code of the error that ended it and its one-line message. */
export interface RemoteFailure {
  readonly code: string;
  readonly message: string;
  /** Processing instances: the tail of the instance's log. */
  readonly log?: string;
}

/** An error raised on a worker, rebuilt on the coordinator with its code. */
export class RemoteTaskError extends Error {
  readonly code: string;
  readonly log?: string;
  constructor(failure: RemoteFailure) {
    super(failure.message);
    this.name = 'RemoteTaskError';
    this.code = failure.code;
    this.log = failure.log;
  }
}

/** The failedReason text a worker stores for `e` (JSON of a RemoteFailure). */
export function encodeFailure(e: unknown, log?: string): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : 'TASK_FAILED';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return JSON.stringify({ code, message, ...(log !== undefined ? { log } : {}) } satisfies RemoteFailure);
}

/** The failure of a failedReason text; a reason that BullMQ itself wrote (a stalled job) is not JSON. */
export function decodeFailure(reason: string | undefined): RemoteTaskError {
  if (reason !== undefined && reason.startsWith('{')) {
    try {
      const f = JSON.parse(reason) as Partial<RemoteFailure>;
      if (typeof f.code === 'string' && typeof f.message === 'string') return new RemoteTaskError({ code: f.code, message: f.message, log: f.log });
    } catch {
      // not ours: fall through
    }
  }
  return new RemoteTaskError({ code: 'WORKER_LOST', message: `the task's worker stopped twice (killed or cut off) and it was not retried again (${reason ?? 'no reason given'})` });
}

/** Coordinator and workers must run the same tabpilot version (the one recorded in model.json too). */
export { tabpilotVersion };

/** The error a worker of another version raises for a task (TabpilotError VERSION_MISMATCH). */
export function versionMismatch(workerVersion: string, taskVersion: string): TabpilotError {
  return new TabpilotError('VERSION_MISMATCH', `worker runs tabpilot ${workerVersion} and refuses a task from a tabpilot ${taskVersion} coordinator; run the same version on the coordinator and every worker`);
}

/** The code of an error, when it has one (TabpilotError, RemoteTaskError, PoolTimeoutError, Node errors). */
export function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export type { ErrorCode };
