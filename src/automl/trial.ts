import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { getLearnerSpec } from '../models/registry.js';
import type { BinnedData } from '../models/tree/binning.js';
import type { FitContext, FittedModel, HyperValue, Learner, Task } from '../models/types.js';
import { Random } from '../util/random.js';
import { Featurizer, needsFeaturizer } from '../models/featurize.js';
import { splitByFold } from '../models/folds.js';
import { ENSEMBLE_FORMAT_VERSION } from '../models/ensemble.js';
import { type SharedColumn, type SharedFrame, columnFromShared, frameFromShared } from '../frame/shared.js';

/**
 * One unit of work of the search: fit one candidate on the training rows of one fold and predict that fold's
 * validation rows (or, with fold = -1, fit on every row: the refit). Everything it reads lives in shared memory;
 * the same function runs in a pool worker and in-process.
 */
export interface TrialTask {
  /** Identifies the shared dataset so a worker rebuilds its Frame view once, not per task. */
  readonly datasetId: string;
  readonly data: SharedFrame;
  readonly target: SharedColumn;
  /** Int32 fold id per row (see folds.ts). */
  readonly foldOf: SharedArrayBuffer;
  readonly fold: number;
  /** Tree learners' pre-binned matrix (bins on a SharedArrayBuffer), when the dataset needs no featurizer. */
  readonly binned?: BinnedData;
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly kind: string;
  readonly params: Readonly<Record<string, HyperValue>>;
  readonly seed: number;
  /** Epoch ms: the learner stops adding work after this. */
  readonly deadline?: number;
  readonly classWeight?: 'balanced' | Readonly<Record<string, number>>;
  /** Float64 weight per row of the dataset. */
  readonly sampleWeight?: SharedArrayBuffer;
  /** Source label stored with the fitted member. */
  readonly source: string;
  /** The candidate's index in the job (its number in the candidate id). */
  readonly candidate: number;
}

export interface TrialOutput {
  /** Validation predictions in fold-row order: n_valid x k probabilities (classification) or n_valid values. */
  readonly predictions: Float64Array;
  readonly validRows: number;
  readonly fitSeconds: number;
  readonly predictSeconds: number;
  readonly member: MemberText;
}

/**
 * A fitted ensemble member serialised in the worker: the main thread keeps and writes these strings as they
 * are (a string crosses the thread boundary as one copy, and large models are never re-serialised).
 */
export interface MemberText {
  readonly source: string;
  readonly featurizerJson?: string;
  readonly modelJson: string;
}

/** The JSON text of an ensemble member (see EnsembleMemberJSON) with the given weight. */
export function memberJsonText(m: MemberText, weight: number): string {
  const featurizer = m.featurizerJson !== undefined ? `"featurizer":${m.featurizerJson},` : '';
  return `{"weight":${JSON.stringify(weight)},"source":${JSON.stringify(m.source)},${featurizer}"model":${m.modelJson}}`;
}

/**
 * The JSON text of an ensemble model (see EnsembleJSON) over `members` (weights normalised to sum 1), assembled
 * from the members' text without re-serialising them; `temperature` for a calibrated classification model.
 */
export function ensembleJsonText(
  task: Task,
  classes: readonly string[] | undefined,
  featureNames: readonly string[],
  members: readonly { readonly weight: number; readonly member: MemberText }[],
  temperature?: number,
): string {
  const total = members.reduce((sum, m) => sum + m.weight, 0);
  return (
    `{"format":"tabpilot-model","formatVersion":${ENSEMBLE_FORMAT_VERSION},"kind":"ensemble","task":${JSON.stringify(task)},` +
    (classes ? `"classes":${JSON.stringify(classes)},` : '') +
    `"featureNames":${JSON.stringify(featureNames)},"members":[${members.map((m) => memberJsonText(m.member, m.weight / total)).join(',')}]` +
    (temperature !== undefined ? `,"temperature":${JSON.stringify(temperature)}` : '') +
    '}'
  );
}

interface PreparedDataset {
  readonly frame: Frame;
  readonly target: Column;
  readonly foldOf: Int32Array;
}

const cache = new Map<string, PreparedDataset>();

function prepare(task: TrialTask): PreparedDataset {
  let p = cache.get(task.datasetId);
  if (!p) {
    // A worker serves one job at a time; keep only the latest dataset.
    cache.clear();
    p = { frame: frameFromShared(task.data), target: columnFromShared(task.target), foldOf: new Int32Array(task.foldOf) };
    cache.set(task.datasetId, p);
  }
  return p;
}

/**
 * Validation rows are predicted this many at a time, so a trial never holds a copy of every validation row at once
 * (predictions are row by row, so the result is the same as one call over all rows).
 */
const PREDICT_CHUNK_ROWS = 65_536;
/**
 * Design-matrix learners (linear, nn, neighbors) copy their training rows and then a dense design (with missing
 * indicators) per worker, about 24 bytes per cell or more. Above this many training cells (rows x features) a
 * trial fits on a seeded subsample of the training rows that stays under it: about 0.2-0.3 GB per worker at any
 * data size (2^23 cells = 280k rows of 30 features); tree learners read the shared binned matrix and are not
 * limited. Validation rows are never subsampled.
 */
export const DESIGN_MAX_TRAIN_CELLS = 2 ** 23;
/**
 * Forests grow every tree until its leaves are pure (minSamplesLeaf 1, no depth limit), so a tree's nodes grow with
 * its training rows: on millions of rows one forest trial held gigabytes per worker and was still growing at the
 * deadline (5M x 30: the whole-run RSS peak came from rf / extratrees trials stopped there). Above this many
 * training cells a forest trial fits on a seeded subsample under it (2^24 cells = 560k rows of 30 features), like
 * the design learners; no shared dataset of the quality bench reaches it (fertility: 204k x 7).
 */
export const FOREST_MAX_TRAIN_CELLS = 2 ** 24;
/** Learner kinds whose trial is capped at FOREST_MAX_TRAIN_CELLS. */
const FOREST_KINDS: ReadonlySet<string> = new Set(['rf', 'extratrees']);
/** Random stream (fork key) of the design learners' row subsample; early stopping's inner split uses 7. */
const SUBSAMPLE_STREAM = 11;

/** Below this many training rows a fold fits without an early-stopping split (too few rows to spare). */
const EARLY_STOPPING_MIN_ROWS = 200;
/** Fraction of a fold's training rows held out for early stopping. */
const INNER_VALIDATION_FRACTION = 0.1;

/** Splits training rows into inner train / early-stopping rows, stratified by class (by target decile for regression). */
function innerSplit(train: Int32Array, target: Column, rng: Random): { train: Int32Array; valid: Int32Array; trainPositions: Int32Array } {
  const n = train.length;
  const key = new Int32Array(n);
  if (target.kind === 'categorical') {
    for (let i = 0; i < n; i++) key[i] = Math.max(0, target.codes[train[i]]);
  } else if (target.kind === 'numeric') {
    targetDeciles(target.values, train, key);
  }
  // Positions grouped by key (ascending), in row order within a group: a counting sort into one typed array.
  let maxKey = 0;
  for (let i = 0; i < n; i++) if (key[i] > maxKey) maxKey = key[i];
  const groupStart = new Int32Array(maxKey + 2);
  for (let i = 0; i < n; i++) groupStart[key[i] + 1]++;
  for (let k = 0; k <= maxKey; k++) groupStart[k + 1] += groupStart[k];
  const byKey = new Int32Array(n);
  const fill = groupStart.slice(0, maxKey + 1);
  for (let i = 0; i < n; i++) byKey[fill[key[i]]++] = i;
  const isValid = new Uint8Array(n);
  let validCount = 0;
  for (let k = 0; k <= maxKey; k++) {
    const order = rng.shuffle(byKey.subarray(groupStart[k], groupStart[k + 1]));
    const take = Math.round(order.length * INNER_VALIDATION_FRACTION);
    for (let j = 0; j < take; j++) isValid[order[j]] = 1;
    validCount += take;
  }
  const trainPositions = new Int32Array(n - validCount);
  const valid = new Int32Array(validCount);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (isValid[i]) valid[v++] = train[i];
    else trainPositions[t++] = i;
  }
  return { train: trainPositions.map((p) => train[p]), valid, trainPositions };
}

/**
 * key[i] = decile of row train[i]'s target among the training rows: floor(rank x 10 / n), rank = its position in a
 * stable ascending sort by value. Computed from one sorted copy of the values (a lower bound per row, ties ranked
 * in row order) instead of an index sort with a comparator, which at 4M rows took two 32 MB arrays on the V8 heap
 * and seconds; the keys are the same (`<` treats -0 and 0 as equal, as the comparator's difference did).
 */
export function targetDeciles(values: Float64Array, train: Int32Array, key: Int32Array): void {
  const n = train.length;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = values[train[i]];
  sorted.sort();
  if (n > 0 && Number.isNaN(sorted[n - 1])) {
    // A missing target (not expected here): the comparator sort, whose order NaN leaves to the engine.
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[train[a]] - values[train[b]]);
    for (let r = 0; r < n; r++) key[order[r]] = Math.floor((r * 10) / n);
    return;
  }
  // Rows already ranked among those equal to sorted[p], at p = their lower bound.
  const taken = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[train[i]];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    key[i] = Math.floor(((lo + taken[lo]++) * 10) / n);
  }
}

/** `train` itself, or a seeded subsample of it (in row order) of at most `maxCells / features` rows. */
export function capTrainingRows(train: Int32Array, features: number, maxCells: number, rng: Random): Int32Array {
  const keep = Math.max(1, Math.floor(maxCells / Math.max(1, features)));
  if (train.length <= keep) return train;
  const picked = rng.shuffle(Int32Array.from(train)).slice(0, keep);
  return picked.sort();
}

/**
 * Predictions of `model` for `rows` of `input` (regression values or class probabilities), `chunkRows` rows at a
 * time.
 */
export function predictRows(model: FittedModel, input: Frame, rows: Int32Array, regression: boolean, chunkRows = PREDICT_CHUNK_ROWS): Float64Array {
  let out: Float64Array | null = null;
  for (let start = 0; start < rows.length; start += chunkRows) {
    const chunk = input.take(rows.subarray(start, Math.min(rows.length, start + chunkRows)));
    const p = regression ? model.predict(chunk) : model.predictProba(chunk);
    if (start === 0 && chunk.numRows === rows.length) return p;
    out ??= new Float64Array((p.length / chunk.numRows) * rows.length);
    out.set(p, (p.length / chunk.numRows) * start);
  }
  return out ?? new Float64Array(0);
}

export async function runTrial(task: TrialTask): Promise<TrialOutput> {
  const { frame, target, foldOf } = prepare(task);
  const t0 = performance.now();
  const { learner, featurizer, input, ctx, valid } = trialSetup(task, frame, target, foldOf);
  const model = await learner.fit(input, target, ctx);
  const fitSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const predictions = valid.length > 0 ? predictRows(model, input, valid, task.task === 'regression') : new Float64Array(0);
  const predictSeconds = (performance.now() - t1) / 1000;
  return {
    predictions,
    validRows: valid.length,
    fitSeconds,
    predictSeconds,
    member: {
      source: task.source,
      ...(featurizer ? { featurizerJson: JSON.stringify(featurizer.toJSON()) } : {}),
      modelJson: JSON.stringify(model.toJSON()),
    },
  };
}

/**
 * A trial up to its fit: the learner, the (featurized) input and the fit context. The fold's training rows and the
 * inner split's scratch stay in here, so a large fit holds only the rows it fits on (4 bytes a row each).
 */
function trialSetup(task: TrialTask, frame: Frame, target: Column, foldOf: Int32Array): { learner: Learner<Record<string, HyperValue>>; featurizer?: Featurizer; input: Frame; ctx: FitContext; valid: Int32Array } {
  const split = splitByFold(foldOf, frame.numRows, task.fold);
  const spec = getLearnerSpec(task.kind);
  const designLearner = spec.tags.family === 'linear' || spec.tags.family === 'nn' || spec.tags.family === 'neighbors';
  const maxCells = designLearner ? DESIGN_MAX_TRAIN_CELLS : FOREST_KINDS.has(task.kind) ? FOREST_MAX_TRAIN_CELLS : Infinity;
  const train = Number.isFinite(maxCells) ? capTrainingRows(split.train, frame.numColumns, maxCells, new Random(task.seed).fork(SUBSAMPLE_STREAM)) : split.train;
  const featureNames = frame.columnNames;
  // Fold hygiene: the featurizer learns only from this fold's training rows.
  // Text learners (tags.input 'text') fit their own TF-IDF vocabulary on the same rows, from the raw text.
  const featurizer = spec.tags.input !== 'text' && needsFeaturizer(frame, featureNames) ? Featurizer.fit(frame, featureNames, train) : undefined;
  const input = featurizer ? featurizer.transform(frame) : frame;
  let sampleWeight: Float64Array | undefined;
  if (task.sampleWeight) {
    const all = new Float64Array(task.sampleWeight);
    sampleWeight = new Float64Array(train.length);
    for (let i = 0; i < train.length; i++) sampleWeight[i] = all[train[i]];
  }
  const learner = spec.create({ ...task.params });
  const rng = new Random(task.seed);
  // Early stopping watches an inner split of the training rows, never the fold's validation rows.
  const inner = spec.tags.supportsEarlyStopping && train.length >= EARLY_STOPPING_MIN_ROWS ? innerSplit(train, target, rng.fork(7)) : null;
  if (inner && sampleWeight) {
    const fold = sampleWeight;
    sampleWeight = Float64Array.from(inner.trainPositions, (p) => fold[p]);
  }
  const ctx: FitContext = {
    task: task.task,
    rng,
    deadline: task.deadline,
    rows: inner ? inner.train : train,
    validation: inner ? { data: input, target, rows: inner.valid } : undefined,
    classes: task.classes,
    classWeight: task.classWeight,
    sampleWeight,
    binned: featurizer || spec.tags.family !== 'tree' ? undefined : task.binned,
  };
  return { learner, featurizer, input, ctx, valid: split.valid };
}
