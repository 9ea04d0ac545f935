import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { Pipeline } from '../pipeline/pipeline.js';
import { type ErrorCode, TabpilotError, isTabpilotError } from '../util/errors.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type ServeLimits } from './limits.js';
import type { ResponseKey } from './negotiate.js';
import type { FeatureLookup, LookupSpec } from './lookup.js';
import type { ContributionSource } from './predictor.js';
import { predictorFromPipeline } from './index.js';
import { type InferenceServer, createInferenceServer } from './server.js';

/**
 * Runs the endpoint until SIGTERM/SIGINT. With workers > 1 the process becomes a node:cluster primary
 * that forks that many copies of the same command; each loads the model and serves on the shared port,
 * and the primary forwards the shutdown signal and waits for every worker to finish its in-flight requests
 * (each worker closes what is left at the drain deadline). A worker that cannot start (busy port, bad host)
 * reports the error to the primary, which prints it once and ends the command with it.
 */
export interface ServeOptions extends Partial<ServeLimits> {
  readonly modelDir: string;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly defaultKeys?: readonly ResponseKey[];
  /** Builds the explainer for `explain=true` requests (lazily, on first use). */
  readonly explainer?: (pipeline: Pipeline) => ContributionSource;
  readonly log?: (line: string) => void;
  /** Print one line per request: time, method, path, status, milliseconds spent in the handler. */
  readonly accessLog?: boolean;
  /** Feature Store directory the lookups read (default ./feature-store). */
  readonly featureStore?: string;
  /** Model features filled from feature groups' online stores by a request's identifier column (./lookup.ts). */
  readonly lookups?: readonly LookupSpec[];
}

/** Opens the Feature Store and prepares the lookups (loaded only when asked for: it opens SQLite). */
async function openLookupsFor(options: ServeOptions, pipeline: Pipeline): Promise<FeatureLookup | undefined> {
  if (options.lookups === undefined || options.lookups.length === 0) return undefined;
  const { openLookups } = await import('./lookup.js');
  const { DEFAULT_STORE_DIR } = await import('../features/index.js');
  return openLookups(options.featureStore ?? DEFAULT_STORE_DIR, options.lookups, pipeline.artifact.features);
}

type WorkerMessage = { type: 'listening'; address: AddressInfo } | { type: 'failed'; message: string; code: ErrorCode };

/** After the drain deadline, how long the primary waits for a worker to exit before killing it. */
const WORKER_EXIT_GRACE_MS = 5_000;

/** In a cluster worker: tells the primary why this worker cannot serve, then lets the worker exit. */
async function reportStartupFailure(e: unknown): Promise<void> {
  if (!cluster.isWorker) return;
  const message: WorkerMessage = { type: 'failed', message: (e as Error)?.message ?? String(e), code: isTabpilotError(e) ? e.code : 'INTERNAL' };
  await new Promise<void>((resolve) => process.send!(message, undefined, {}, () => resolve()));
  process.disconnect?.();
}

export async function serve(options: ServeOptions): Promise<void> {
  if (options.workers > 1 && cluster.isPrimary) return runPrimary(options);
  return runWorker(options);
}

async function runWorker(options: ServeOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  let pipeline: Pipeline;
  let server: InferenceServer;
  let address: AddressInfo;
  let lookup: FeatureLookup | undefined;
  try {
    pipeline = await Pipeline.load(options.modelDir);
    // Opened once per worker, closed on shutdown.
    lookup = await openLookupsFor(options, pipeline);
    const drainSeconds = (options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) / 1000;
    server = createInferenceServer(predictorFromPipeline(pipeline), {
      maxBodyBytes: options.maxBodyBytes,
      maxRows: options.maxRows,
      maxExplainRows: options.maxExplainRows,
      maxInFlight: options.maxInFlight,
      drainTimeoutMs: options.drainTimeoutMs,
      defaultKeys: options.defaultKeys,
      explainer: options.explainer ? () => options.explainer!(pipeline) : undefined,
      onRequest: options.accessLog ? accessLogger() : undefined,
      onDrainTimeout: () => log(`tabpilot serve: requests still open after ${drainSeconds} s (pid ${process.pid}); closing their connections`),
      lookup,
    });
    address = await server.listen(options.port, options.host);
  } catch (e) {
    lookup?.close();
    await reportStartupFailure(e);
    throw e;
  }
  if (cluster.isWorker) process.send?.({ type: 'listening', address } satisfies WorkerMessage);
  else log(`tabpilot serve: ${describeModel(pipeline)} on ${url(address)} (pid ${process.pid})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      if (!cluster.isWorker) log('tabpilot serve: shutting down, finishing in-flight requests');
      // A cluster worker's IPC channel would keep it alive; disconnecting lets it exit once the server is closed.
      void server.close().then(() => {
        lookup?.close();
        if (cluster.isWorker) process.disconnect?.();
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * Access-log lines are buffered and written at most every 200 ms: stdout to a pipe is synchronous on Linux,
 * so a line per request would make every request wait for whoever reads the log.
 */
function accessLogger(): (method: string, path: string, status: number, ms: number) => void {
  let buffer: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    if (buffer.length === 0) return;
    process.stdout.write(buffer.join(''));
    buffer = [];
  };
  process.on('exit', flush);
  return (method, path, status, ms) => {
    buffer.push(`${new Date().toISOString()} ${process.pid} ${method} ${path} ${status} ${ms.toFixed(3)}ms\n`);
    if (timer === null) timer = setTimeout(flush, 200).unref();
  };
}

function url(a: AddressInfo): string {
  return `http://${a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
}

function describeModel(p: Pipeline): string {
  return `${p.model.kind} ${p.task} model (${p.artifact.features.length} features, target "${p.artifact.target}")`;
}

async function runPrimary(options: ServeOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Validate the model once here, so a bad model directory fails fast instead of in every worker.
  const pipeline = await Pipeline.load(options.modelDir);
  (await openLookupsFor(options, pipeline))?.close();
  let started = false;
  let shuttingDown = false;
  const workers = new Set<Worker>();

  const fork = (): Promise<AddressInfo> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      workers.add(worker);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'listening') resolve(m.address);
        // A user error keeps its code (one line, exit 2); anything else stays an internal error.
        else reject(m.code === 'INTERNAL' ? new Error(`worker ${worker.process.pid}: ${m.message}`) : new TabpilotError(m.code, m.message));
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        reject(new TabpilotError('INTERNAL', `worker exited (${signal ?? code}) before listening`));
        // Only a worker that dies while serving is replaced; failures during startup end the command.
        if (started && !shuttingDown) {
          log(`tabpilot serve: worker ${worker.process.pid} exited (${signal ?? code}); starting a replacement`);
          fork().catch((e: Error) => log(`tabpilot serve: replacement failed: ${e.message}`));
        }
      });
    });

  // Workers close what is still open at their drain deadline; one that has not exited shortly after is killed.
  const stopAll = (): Promise<void> =>
    new Promise((resolve) => {
      shuttingDown = true;
      if (workers.size === 0) return resolve();
      const killer = setTimeout(() => {
        for (const w of workers) w.process.kill('SIGKILL');
      }, (options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS) + WORKER_EXIT_GRACE_MS);
      for (const w of workers) {
        w.on('exit', () => {
          if (workers.size > 0) return;
          clearTimeout(killer);
          resolve();
        });
        w.process.kill('SIGTERM');
      }
    });

  // The primary owns the listening handle, so with port 0 every worker shares the one free port it picked.
  let addresses: AddressInfo[];
  try {
    addresses = await Promise.all(Array.from({ length: options.workers }, () => fork()));
  } catch (e) {
    await stopAll();
    throw e;
  }
  started = true;
  const first = addresses[0];
  log(`tabpilot serve: ${describeModel(pipeline)} on ${url(first)} with ${options.workers} workers (primary pid ${process.pid})`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      if (shuttingDown) return;
      log('tabpilot serve: shutting down workers, finishing in-flight requests');
      void stopAll().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
