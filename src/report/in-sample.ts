/**
 * In-sample evaluation: a report on the rows a model was trained on overstates its accuracy (a forest scores
 * F1 1.000 on its own training rows). The training metadata records a fingerprint of the training target
 * (`TARGET_FINGERPRINT_KEY`: row count and a SHA-256 of the target values in row order); the report compares
 * it with the evaluation data, and also labels data read from the very file the model was trained on.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { type Column, cellString, isMissing } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';

/** Key of the fingerprint in a model's training metadata (model.json `training`). */
export const TARGET_FINGERPRINT_KEY = 'targetFingerprint';

export interface TargetFingerprint {
  /** Training rows (rows with a target). */
  readonly rows: number;
  /** SHA-256 (hex) of the target values of those rows, one per line, in row order. */
  readonly sha256: string;
}

export interface InSampleEvaluation {
  /** Why the evaluation data is (a superset of) the training data, in words. */
  readonly reason: string;
}

/** Whether row i has a usable target (the training job drops the others). */
function hasTarget(target: Column, i: number): boolean {
  return !isMissing(target, i) && !(target.kind === 'numeric' && !Number.isFinite(target.values[i]));
}

/**
 * Fingerprint of a target column: its rows with a target, up to `limit` of them (all by default). Equal
 * fingerprints mean the same target values in the same order, which for real data means the same rows.
 */
export function targetFingerprint(target: Column, limit = Number.POSITIVE_INFINITY): TargetFingerprint {
  const hash = createHash('sha256');
  let rows = 0;
  for (let i = 0; i < target.length && rows < limit; i++) {
    if (!hasTarget(target, i)) continue;
    hash.update(cellString(target, i));
    hash.update('\n');
    rows++;
  }
  return { rows, sha256: hash.digest('hex') };
}

function recordedFingerprint(training: Record<string, unknown>): TargetFingerprint | null {
  const f = training[TARGET_FINGERPRINT_KEY] as Partial<TargetFingerprint> | undefined;
  return f && typeof f.rows === 'number' && typeof f.sha256 === 'string' ? { rows: f.rows, sha256: f.sha256 } : null;
}

/**
 * Whether `frame` (read from `dataName`) is the model's training data or starts with it: the first training-row
 * count of target values hash to the recorded fingerprint, or `dataName` is the recorded training file. Null
 * when neither holds (or the model records neither).
 */
export function detectInSample(pipeline: Pipeline, frame: Frame, dataName?: string): InSampleEvaluation | null {
  const training = pipeline.artifact.training as Record<string, unknown>;
  const target = pipeline.artifact.target;
  const recorded = recordedFingerprint(training);
  if (recorded !== null && frame.has(target)) {
    const seen = targetFingerprint(frame.column(target), recorded.rows);
    if (seen.rows === recorded.rows && seen.sha256 === recorded.sha256) {
      return { reason: `the evaluation data holds the model's ${recorded.rows} training rows (same target values in the same order)` };
    }
  }
  const source = training.sourceFile;
  if (typeof source === 'string' && dataName !== undefined && dataName !== '-' && path.resolve(dataName) === path.resolve(source)) {
    return { reason: `the evaluation data is the training file (${path.basename(source)})` };
  }
  return null;
}
