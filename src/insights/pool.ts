import type { Frame } from '../frame/frame.js';
import { type SharedFrame, shareFrame } from '../frame/shared.js';
import type { Task } from '../models/types.js';
import { isTabpilotError } from '../util/errors.js';
import { type TaskPool, availableCores, compiledWorkerPath, workerPool } from '../util/pool.js';
import { Random } from '../util/random.js';
import { isolationForestScores } from './isolation-forest.js';
import { type EncodedFeature, type PowerResult, predictionPower } from './power.js';
import { type FoldInput, type FoldOutput, type FoldRunner, fitFold } from './quick-model.js';
import type { EncodedTarget } from './target.js';

/**
 * A piscina pool for the report's model fits: the quick model's folds and the per-feature prediction-power
 * models, on the shared worker pool (src/util/pool.ts). The frame, target and encoded features are copied once
 * into SharedArrayBuffers; every task reads that memory (posting a SharedArrayBuffer shares it). Workers run the
 * compiled JS in dist/; when it is not built the pool throws WORKER_UNAVAILABLE (ask for workers: 1 to run in
 * this thread).
 */

export interface SharedTarget {
  readonly task: Task;
  readonly rows: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly length: number;
  readonly classes: string[];
  readonly classCounts: number[];
}

export interface SharedFeature {
  readonly name: string;
  readonly values: SharedArrayBuffer;
  readonly length: number;
  readonly categorical: boolean;
}

export type InsightsTask =
  | { readonly kind: 'fold'; readonly frame: SharedFrame; readonly target: SharedTarget; readonly fold: Omit<FoldInput, 'frame' | 'target'> }
  | { readonly kind: 'power'; readonly features: readonly SharedFeature[]; readonly target: SharedTarget; readonly numRows: number; readonly seed: number }
  | { readonly kind: 'anomaly'; readonly x: SharedArrayBuffer; readonly n: number; readonly d: number; readonly seed: number };

function share<T extends Float64Array | Int32Array>(a: T): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(Math.max(1, a.byteLength));
  new (a.constructor as { new (b: SharedArrayBuffer): T })(buf).set(a);
  return buf;
}

export function shareTarget(t: EncodedTarget): SharedTarget {
  return { task: t.task, rows: share(t.rows), y: share(t.y), length: t.rows.length, classes: t.classes, classCounts: t.classCounts };
}

export function targetFromShared(s: SharedTarget): EncodedTarget {
  return {
    task: s.task,
    rows: new Int32Array(s.rows, 0, s.length),
    y: new Float64Array(s.y, 0, s.length),
    classes: s.classes,
    classCounts: s.classCounts,
  };
}

export function shareFeatures(features: readonly EncodedFeature[]): SharedFeature[] {
  return features.map((f) => ({ name: f.name, values: share(f.values), length: f.values.length, categorical: f.categorical }));
}

export function featuresFromShared(s: readonly SharedFeature[]): EncodedFeature[] {
  return s.map((f) => ({ name: f.name, values: new Float64Array(f.values, 0, f.length), categorical: f.categorical }));
}

/** The compiled insights worker (dist/src/insights/worker.js); throws WORKER_UNAVAILABLE when it is not built. */
export function insightsWorkerPath(): string {
  return compiledWorkerPath(import.meta.url, 'worker.js');
}

/** Report workers by default: one per core, at most MAX_DEFAULT_WORKERS. */
const MAX_DEFAULT_WORKERS = 4;
/** Idle report workers exit after this long (ms). */
const IDLE_TIMEOUT_MS = 30_000;

export function defaultWorkers(): number {
  return Math.min(MAX_DEFAULT_WORKERS, availableCores());
}

type InsightsResult = FoldOutput | PowerResult[] | Float64Array;

export class InsightsPool {
  private readonly pool: TaskPool<InsightsTask, InsightsResult>;
  private sharedFrame: { frame: Frame; shared: SharedFrame } | null = null;
  private sharedTarget: { target: EncodedTarget; shared: SharedTarget } | null = null;

  private constructor(
    filename: string,
    readonly workers: number,
  ) {
    this.pool = workerPool({ filename, threads: workers, idleTimeoutMs: IDLE_TIMEOUT_MS });
  }

  /**
   * A pool of `workers` threads, or null when workers < 2: the caller then runs every task in this thread.
   * Throws WORKER_UNAVAILABLE when the worker script is not built.
   */
  static create(workers: number): InsightsPool | null {
    if (workers < 2) return null;
    return new InsightsPool(insightsWorkerPath(), workers);
  }

  private frameOf(frame: Frame): SharedFrame {
    if (this.sharedFrame?.frame !== frame) this.sharedFrame = { frame, shared: shareFrame(frame) };
    return this.sharedFrame.shared;
  }

  private targetOf(target: EncodedTarget): SharedTarget {
    if (this.sharedTarget?.target !== target) this.sharedTarget = { target, shared: shareTarget(target) };
    return this.sharedTarget.shared;
  }

  readonly foldRunner: FoldRunner = (folds, frame, target) => {
    const f = this.frameOf(frame);
    const t = this.targetOf(target);
    return Promise.all(
      folds.map((fold) =>
        this.runOrInline(
          () => this.pool.run({ kind: 'fold', frame: f, target: t, fold }) as Promise<FoldOutput>,
          () => fitFold({ ...fold, frame, target }),
        ),
      ),
    );
  };

  /**
   * A task whose worker fails for a reason other than bad input (a crashed or killed worker, a Node module-loader
   * assertion seen intermittently when piscina loads ESM workers) is run again in this thread.
   */
  private async runOrInline<T>(pooled: () => Promise<T>, inline: () => T | Promise<T>): Promise<T> {
    try {
      return await pooled();
    } catch (e) {
      if (isTabpilotError(e) || (e as { name?: string })?.name === 'TabpilotError') throw e;
      this.fallbacks++;
      return inline();
    }
  }

  /** Tasks that had to be re-run in this thread. */
  fallbacks = 0;

  /** Prediction power of the features, split into one task per worker. */
  async predictionPower(features: readonly EncodedFeature[], target: EncodedTarget, numRows: number, seed: number): Promise<PowerResult[]> {
    const t = this.targetOf(target);
    const shared = shareFeatures(features);
    const chunks: SharedFeature[][] = Array.from({ length: Math.min(this.workers, shared.length) }, () => []);
    shared.forEach((f, i) => chunks[i % chunks.length].push(f));
    const results = await Promise.all(
      chunks.map((c) =>
        this.runOrInline(
          () => this.pool.run({ kind: 'power', features: c, target: t, numRows, seed }) as Promise<PowerResult[]>,
          () => predictionPower(featuresFromShared(c), target, numRows, new Random(seed)),
        ),
      ),
    );
    const byName = new Map(results.flat().map((r) => [r.name, r]));
    return features.map((f) => byName.get(f.name)!);
  }

  /** Isolation-forest decision values of the rows of `x` (n x d, row-major). */
  anomalyScores(x: Float64Array, n: number, d: number, seed: number): Promise<Float64Array> {
    const shared = share(x);
    return this.runOrInline(
      () => this.pool.run({ kind: 'anomaly', x: shared, n, d, seed }) as Promise<Float64Array>,
      () => isolationForestScores(x, n, d, new Random(seed)),
    );
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
