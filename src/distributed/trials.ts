import type { TrialRunner, TrialRunnerFactory } from '../automl/pool.js';
import type { MemberText, TrialOutput, TrialTask } from '../automl/trial.js';
import { columnFromShared, frameFromShared, shareColumn, shareFrame } from '../frame/shared.js';
import { binFrame, treeFeatureNames } from '../models/tree/binning.js';
import { shareRowBins } from '../models/tree/builder.js';
import type { HyperValue, Task } from '../models/types.js';
import type { RedisBackend } from './backend.js';
import { type DataRef, type DatasetParts, decodeDataset, encodeDataset } from './dataset.js';

/**
 * Autopilot trials over the Redis backend. The coordinator keeps the search; a trial travels as its small
 * description plus a reference to the job's published data, and comes back as its predictions (bytes, exact)
 * and the fitted member's JSON text. A worker rebuilds the same shared task the local pool would have built.
 */

/** A trial on the wire: everything of a TrialTask but the data, which is referenced by hash. */
export interface TrialBody {
  readonly data: DataRef;
  readonly fold: number;
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly kind: string;
  readonly params: Readonly<Record<string, HyperValue>>;
  readonly seed: number;
  readonly deadline?: number;
  readonly classWeight?: TrialTask['classWeight'];
  readonly source: string;
  readonly candidate: number;
}

/** A TrialOutput on the wire (predictions as base64 of their Float64 bytes). */
interface TrialResultWire {
  readonly predictions: string;
  readonly validRows: number;
  readonly fitSeconds: number;
  readonly predictSeconds: number;
  readonly member: MemberText;
}

/** The dataset of a local trial task, to publish. */
export function datasetOfTask(task: TrialTask): DatasetParts {
  return {
    features: frameFromShared(task.data),
    target: columnFromShared(task.target),
    foldOf: new Int32Array(task.foldOf),
    sampleWeight: task.sampleWeight ? new Float64Array(task.sampleWeight) : undefined,
    binned: task.binned !== undefined,
  };
}

export function trialBody(task: TrialTask, data: DataRef): TrialBody {
  const { fold, classes, kind, params, seed, deadline, classWeight, source, candidate } = task;
  return { data, fold, task: task.task, classes, kind, params, seed, deadline, classWeight, source, candidate };
}

export function encodeTrialOutput(o: TrialOutput): TrialResultWire {
  const p = o.predictions;
  return { predictions: Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64'), validRows: o.validRows, fitSeconds: o.fitSeconds, predictSeconds: o.predictSeconds, member: o.member };
}

export function decodeTrialOutput(value: unknown): TrialOutput {
  const w = value as TrialResultWire;
  const bytes = Buffer.from(w.predictions, 'base64');
  const predictions = new Float64Array(bytes.length / Float64Array.BYTES_PER_ELEMENT);
  new Uint8Array(predictions.buffer).set(bytes);
  return { predictions, validRows: w.validRows, fitSeconds: w.fitSeconds, predictSeconds: w.predictSeconds, member: w.member };
}

/** The shared part of a worker's trial tasks for one dataset, as planJob builds it for local workers. */
export type SharedTrialData = Pick<TrialTask, 'datasetId' | 'data' | 'target' | 'foldOf' | 'binned' | 'sampleWeight'>;

export function sharedTrialData(hash: string, blob: Uint8Array): SharedTrialData {
  const parts = decodeDataset(blob, `dataset ${hash.slice(0, 12)}`);
  const n = parts.features.numRows;
  // Repeated CV keeps one fold id per row and repeat.
  const foldOf = new SharedArrayBuffer(parts.foldOf.length * Int32Array.BYTES_PER_ELEMENT);
  new Int32Array(foldOf).set(parts.foldOf);
  let sampleWeight: SharedArrayBuffer | undefined;
  if (parts.sampleWeight) {
    sampleWeight = new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT);
    new Float64Array(sampleWeight).set(parts.sampleWeight);
  }
  // The same binning planJob does: deterministic in the data, so the bins equal the coordinator's.
  const binned = parts.binned ? shareRowBins(binFrame(parts.features, treeFeatureNames(parts.features), { shared: true })) : undefined;
  return { datasetId: hash, data: shareFrame(parts.features), target: shareColumn(parts.target), foldOf, sampleWeight, binned };
}

export function trialTaskOf(shared: SharedTrialData, body: TrialBody): TrialTask {
  const { fold, classes, kind, params, seed, deadline, classWeight, source, candidate } = body;
  return { ...shared, fold, task: body.task, classes, kind, params, seed, deadline, classWeight, source, candidate };
}

/**
 * Autopilot's trial runner factory on the Redis backend: every phase's runner sends trials to the workers;
 * each dataset is published once, on its first trial.
 */
export function remoteTrialRunners(backend: RedisBackend): TrialRunnerFactory {
  const published = new Map<string, Promise<DataRef>>();
  return (slots: number): TrialRunner => ({
    threads: Math.max(1, slots),
    async run(task: TrialTask, timeoutMs?: number): Promise<TrialOutput> {
      let ref = published.get(task.datasetId);
      if (!ref) {
        ref = backend.publish(encodeDataset(datasetOfTask(task)));
        published.set(task.datasetId, ref);
      }
      return decodeTrialOutput(await backend.run('trial', trialBody(task, await ref), timeoutMs));
    },
    async close(): Promise<void> {},
  });
}
