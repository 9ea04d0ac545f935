import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Frame } from '../frame/frame.js';
import { type SharedFrame, shareFrame } from '../frame/shared.js';
import type { Task } from '../models/types.js';
import { isTabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { isolationForestScores } from './isolation-forest.js';
import { type EncodedFeature, type PowerResult, predictionPower } from './power.js';
import { type FoldInput, type FoldOutput, type FoldRunner, fitFold } from './quick-model.js';
import type { EncodedTarget } from './target.js';

/**
 * A piscina pool for the report's model fits: the quick model's folds and the per-feature prediction-power
 * models. The frame, target and encoded features are copied once into SharedArrayBuffers; every task reads
 * that memory (posting a SharedArrayBuffer shares it). Workers run the compiled JS in dist/.
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

/** The compiled worker, or null when the project has not been built (callers then run inline). */
export function insightsWorkerPath(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'worker.js'), path.resolve(here, '../../dist/src/insights/worker.js')];
  return candidates.find((c) => c.includes(`${path.sep}dist${path.sep}`) && existsSync(c)) ?? null;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

export class InsightsPool {
  private readonly pool: Piscina<InsightsTask, FoldOutput | PowerResult[] | Float64Array>;
  private sharedFrame: { frame: Frame; shared: SharedFrame } | null = null;
  private sharedTarget: { target: EncodedTarget; shared: SharedTarget } | null = null;

  private constructor(
    filename: string,
    readonly workers: number,
  ) {
    this.pool = new Piscina({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 30_000, concurrentTasksPerWorker: 1 });
  }

  /** A pool of `workers` threads, or null when workers < 2 or the worker script is not built. */
  static create(workers: number): InsightsPool | null {
    if (workers < 2) return null;
    const file = insightsWorkerPath();
    return file ? new InsightsPool(file, workers) : null;
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

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}
