import type { Frame } from '../frame/frame.js';
import { type SharedColumn, type SharedFrame, shareColumn, shareFrame } from '../frame/shared.js';
import { type CustomMetric, DEFAULT_OBJECTIVE, type MetricName, METRIC_DIRECTION, type Objective, REPORTED_METRICS, parseMetricName } from '../metrics/index.js';
import { needsFeaturizer } from '../models/featurize.js';
import { isTextJobFrame } from '../models/text/index.js';
import { DEFAULT_VALIDATION_FRACTION, type ValidationPlan, foldCount, foldRows, makeValidationPlan, quantileStrata, scoredRows } from '../models/folds.js';
import { GBDT_DEFAULTS } from '../models/gbdt/index.js';
import { getLearnerSpec, learnerSpecs, trainableKinds } from '../models/registry.js';
import { type BinnedData, binFrame, treeFeatureNames } from '../models/tree/binning.js';
import { shareRowBins } from '../models/tree/builder.js';
import type { LearnerSpec, Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { hash32 } from '../util/random.js';
import { DEFAULT_WORKER_MEMORY_MB, defaultInstances } from './pool.js';
import { type Prepared, prepareData } from './prepare.js';
import { dataWarnings } from './checks.js';
import { type PresetSettings, presetRepeats, presetSettings } from './presets.js';
import type { Candidate, SearchBudget } from './search-state.js';
import type { TrialTask } from './trial.js';
import { type AutopilotMode, type AutopilotOptions, DEFAULT_MAX_CANDIDATES, DEFAULT_MAX_RUNTIME, type JobWarning } from './types.js';

/**
 * Phase 1, plan: validate the options, prepare the data (target, problem type, weights), choose the objective and
 * learners, the validation plan (k-fold CV or a holdout) and the time budget, and share the data with the workers
 * once. Everything later phases read about the job is in the returned JobPlan.
 */

const MODES: readonly AutopilotMode[] = ['auto', 'ensembling', 'hpo'];
/** Below this runtime nothing can be fitted and validated. */
const MIN_RUNTIME_SECONDS = 5;
/** Time kept back from the search for ensembling, refit and writing: this fraction of the runtime, ... */
const RESERVE_FRACTION = 0.1;
/** ... but at least this long ... */
const RESERVE_MIN_MS = 2000;
/** ... and at most this long. */
const RESERVE_MAX_MS = 20_000;
/** A trial may overrun the search deadline by this share of the reserve before it is stopped, ... */
const HARD_GRACE_RESERVE_SHARE = 1 / 3;
/** ... at most this long. */
const HARD_GRACE_MAX_MS = 2000;
/** Ensembling and refit must end this share of the reserve before the job deadline (the rest is for writing). */
const FINAL_PHASES_RESERVE_SHARE = 0.5;
/** Share of the job's runtime kept off the search for stacking (stack.ts), when the job stacks ... */
const STACK_RESERVE_FRACTION = 0.05;
/** ... but at most this much (a 10-minute job's stackers fit in far less). */
const STACK_RESERVE_MAX_MS = 20_000;
/** Seeds per candidate: a candidate's fits use seedKey x SEED_STRIDE + fold + 1 (the refit: fold -1). */
const SEED_STRIDE = 64;
/**
 * CPU seconds of the default GBDT per training row x feature x raw score (classes for multiclass) x boosting round,
 * on the reference 2-core machine: letter's 12,800 x 16 x 26 x 500 fit took 17 CPU s (XGBoost hist: 17.4).
 */
const GBDT_SECONDS_PER_CELL_ROUND = 6.4e-9;
/**
 * Under a time budget, k-fold CV is kept while its folds of one default boosting candidate are estimated to take at
 * most this share of the CPU budget (runtime x instances); above it every candidate would be cut short by its
 * deadline, so the search validates on a holdout instead (FLAML's auto rule makes the same trade on rows x features).
 */
const CV_BUDGET_SHARE = 0.25;

/** The job's time limits (epoch ms) on top of the search's. */
export interface JobBudget extends SearchBudget {
  readonly maxRuntime?: number;
  /** Extra time a trial gets past the search deadline before its worker is stopped. */
  readonly hardGraceMs: number;
  /** Ensembling and refit stop by then. */
  readonly finalDeadline?: number;
  /** Stacking (stack.ts) ends by then: the search deadline before STACK_RESERVE_FRACTION was taken off it. */
  readonly stackDeadline?: number;
}

/** The job's data, shared once with every worker (SharedArrayBuffers: posting them copies nothing). */
export interface SharedData {
  readonly datasetId: string;
  readonly data: SharedFrame;
  readonly target: SharedColumn;
  readonly foldOf: SharedArrayBuffer;
  readonly sampleWeight?: SharedArrayBuffer;
  readonly binned?: BinnedData;
}

export interface JobPlan {
  readonly options: AutopilotOptions;
  readonly mode: AutopilotMode;
  readonly seed: number;
  /** Pool workers; 0 = trials run in this thread. */
  readonly instances: number;
  /** V8 heap limit per pool worker (MB). */
  readonly workerMemoryMb: number;
  readonly budget: JobBudget;
  readonly prep: Prepared;
  readonly task: Task;
  readonly features: Frame;
  readonly classes?: readonly string[];
  /** Columns of a prediction row: the number of classes, or 1 for regression. */
  readonly k: number;
  /** A built-in metric name, or the user's custom metric (scored on this thread). */
  readonly objective: Objective;
  /** The preset's settings (balanced unless options.presets says otherwise). */
  readonly preset: PresetSettings;
  readonly reported: readonly MetricName[];
  /** Learners the portfolio and HPO may use (empty with a fixed candidate list). */
  readonly specs: LearnerSpec<object>[];
  readonly ensembleRounds: number;
  readonly validation: ValidationPlan;
  readonly validationFraction: number;
  readonly refit: boolean;
  /** Validation rows of each fold. */
  readonly foldValid: Int32Array[];
  /** Rows with an out-of-fold prediction, their targets and weights; oofPosition maps a row to its place. */
  readonly scored: Int32Array;
  readonly yScored: Int32Array | Float64Array;
  readonly weightScored?: Float64Array;
  readonly oofPosition: Int32Array;
  readonly shared: SharedData;
  readonly warnings: JobWarning[];
  /** A text classification job: only the text learners run (options.text, or the only feature is free text). */
  readonly text: boolean;
  /** Records a warning (job.json) and tells the caller (onWarning); `code` is stable, `column` names what it is about. */
  warn(message: string, code?: string, column?: string): void;
}

function validateOptions(options: AutopilotOptions): void {
  const mode = options.mode ?? 'auto';
  if (!MODES.includes(mode)) throw new TabpilotError('INVALID_ARGUMENT', `mode must be auto, ensembling or hpo, got "${mode}"`);
  if (options.maxRuntime !== undefined && !(options.maxRuntime > 0)) throw new TabpilotError('INVALID_ARGUMENT', `maxRuntime must be a positive number of seconds, got ${options.maxRuntime}`);
  if (options.maxRuntime !== undefined && options.maxRuntime < MIN_RUNTIME_SECONDS) {
    throw new TabpilotError('BUDGET_TOO_SMALL', `a runtime of ${options.maxRuntime} s is too small to fit and validate anything; give at least ${MIN_RUNTIME_SECONDS} s`);
  }
  if (options.maxCandidates !== undefined && !(Number.isInteger(options.maxCandidates) && options.maxCandidates >= 1)) {
    throw new TabpilotError('INVALID_ARGUMENT', `maxCandidates must be a positive integer, got ${options.maxCandidates}`);
  }
  if (options.validationFraction !== undefined && !(options.validationFraction > 0 && options.validationFraction < 1)) {
    throw new TabpilotError('INVALID_ARGUMENT', `validationFraction must be between 0 and 1, got ${options.validationFraction}`);
  }
  if (options.afterJobSeconds !== undefined && !(options.afterJobSeconds >= 0)) {
    throw new TabpilotError('INVALID_ARGUMENT', `afterJobSeconds must be a non-negative number of seconds, got ${options.afterJobSeconds}`);
  }
}

/**
 * Whether the job stacks (stack.ts): only when asked (`stack: true`), in ensembling modes with k-fold CV and no fixed
 * candidate list. Off by default: on the shared datasets at 60 s it lost on penguins (log loss 0.09-0.12 with it,
 * 0.05 without) and won nothing the calibration did not (docs/autopilot.md, Stacking).
 */
export function stackingEligible(options: Pick<AutopilotOptions, 'stack' | 'candidates'>, mode: AutopilotMode, cv: boolean): boolean {
  return options.stack === true && mode !== 'hpo' && cv && options.candidates === undefined;
}

/** The job's runtime limit in seconds: maxRuntime, or DEFAULT_MAX_RUNTIME when no candidate limit is given either. */
export function effectiveMaxRuntime(options: Pick<AutopilotOptions, 'maxRuntime' | 'maxCandidates' | 'candidates'>): number | undefined {
  return options.maxRuntime ?? (options.maxCandidates === undefined && options.candidates === undefined ? DEFAULT_MAX_RUNTIME : undefined);
}

function jobBudget(options: AutopilotOptions, startedAt: number, stacking: boolean): JobBudget {
  const maxRuntime = effectiveMaxRuntime(options);
  const maxCandidates = options.candidates ? options.candidates.length : (options.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
  // The caller's after-job work (afterJobSeconds) comes off the end, but the job keeps at least MIN_RUNTIME_SECONDS.
  const jobRuntime = maxRuntime !== undefined ? Math.max(Math.min(maxRuntime, MIN_RUNTIME_SECONDS), maxRuntime - (options.afterJobSeconds ?? 0)) : undefined;
  const jobDeadline = jobRuntime !== undefined ? startedAt + jobRuntime * 1000 : undefined;
  const reserveMs = jobRuntime !== undefined ? Math.min(RESERVE_MAX_MS, Math.max(RESERVE_MIN_MS, jobRuntime * 1000 * RESERVE_FRACTION)) : 0;
  const stackMs = jobRuntime !== undefined && stacking ? Math.min(STACK_RESERVE_MAX_MS, jobRuntime * 1000 * STACK_RESERVE_FRACTION) : 0;
  return {
    startedAt,
    maxRuntime,
    maxCandidates,
    jobDeadline,
    searchDeadline: jobDeadline !== undefined ? jobDeadline - reserveMs - stackMs : undefined,
    stackDeadline: jobDeadline !== undefined && stacking ? jobDeadline - reserveMs : undefined,
    hardGraceMs: Math.min(HARD_GRACE_MAX_MS, reserveMs * HARD_GRACE_RESERVE_SHARE),
    finalDeadline: jobDeadline !== undefined ? jobDeadline - reserveMs * FINAL_PHASES_RESERVE_SHARE : undefined,
  };
}

/**
 * The learners HPO mode tunes: one per family (tree, linear, neural network), the registry's first of each, as
 * SageMaker Autopilot's HPO mode tunes XGBoost, Linear Learner and an MLP.
 */
export function hpoLearnerKinds(specs: readonly LearnerSpec<object>[] = trainableKinds().map((k) => getLearnerSpec(k))): string[] {
  const byFamily = new Map<string, string>();
  for (const s of specs) if (!byFamily.has(s.tags.family)) byFamily.set(s.tags.family, s.kind);
  return [...byFamily.values()];
}

function chooseSpecs(options: AutopilotOptions, mode: AutopilotMode, task: Task, text: boolean): LearnerSpec<object>[] {
  const trainable = new Set(trainableKinds());
  // Text jobs use only the text learners (they read raw text), tabular jobs only the others.
  const all = learnerSpecs().filter((s) => trainable.has(s.kind) && s.tags.tasks.includes(task) && (s.tags.input === 'text') === text) as LearnerSpec<object>[];
  let chosen = all;
  if (options.learners && options.learners.length > 0) {
    for (const k of options.learners) getLearnerSpec(k);
    chosen = all.filter((s) => options.learners!.includes(s.kind));
  } else if (mode === 'hpo') {
    const hpo = hpoLearnerKinds(all);
    chosen = all.filter((s) => hpo.includes(s.kind));
  }
  if (chosen.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `no learner available for ${task} (asked for: ${options.learners?.join(', ') ?? 'any'})`);
  return chosen;
}

function shareData(prep: Prepared, validation: ValidationPlan, usesTrees: boolean, datasetId: string): SharedData {
  const n = prep.features.numRows;
  const foldOf = new SharedArrayBuffer(validation.foldOf.length * Int32Array.BYTES_PER_ELEMENT);
  new Int32Array(foldOf).set(validation.foldOf);
  let sampleWeight: SharedArrayBuffer | undefined;
  if (prep.sampleWeight) {
    sampleWeight = new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT);
    new Float64Array(sampleWeight).set(prep.sampleWeight);
  }
  // Tree learners share one pre-binned matrix when no featurizer has to run per fold.
  const binned = usesTrees && !needsFeaturizer(prep.features) ? shareRowBins(binFrame(prep.features, treeFeatureNames(prep.features), { shared: true })) : undefined;
  return { datasetId, data: shareFrame(prep.features), target: shareColumn(prep.target), foldOf, sampleWeight, binned };
}

/**
 * Estimated CPU seconds of k-fold CV (`fits` fold fits) of one default GBDT candidate on `rows` x `features` with
 * `dim` raw scores per row (the number of classes for multiclass, else 1).
 */
export function cvSecondsEstimate(rows: number, features: number, dim: number, fits: number, folds: number): number {
  const trainRows = rows * (folds > 1 ? 1 - 1 / folds : 1);
  return fits * trainRows * features * dim * GBDT_DEFAULTS.numRounds * GBDT_SECONDS_PER_CELL_ROUND;
}

/**
 * Whether the budget is too tight for k-fold CV (see CV_BUDGET_SHARE): only for a searched portfolio with the GBDT
 * among its learners, a time budget, and no validation the user chose (holdout fraction, fold or group column).
 * Says so in a `holdout_for_budget` warning.
 */
function tooTightForCv(options: AutopilotOptions, prep: Prepared, specs: readonly LearnerSpec<object>[], instances: number, folds: number, repeats: number, warn: (message: string, code?: string) => void): boolean {
  const runtime = effectiveMaxRuntime(options);
  if (runtime === undefined || options.validationFraction !== undefined || prep.folds || prep.groups || !specs.some((s) => s.kind === 'gbdt')) return false;
  const dim = prep.task === 'multiclass' ? (prep.classes?.length ?? 1) : 1;
  const estimate = cvSecondsEstimate(prep.features.numRows, prep.features.numColumns, dim, folds * repeats, folds);
  const cpuBudget = runtime * Math.max(1, instances);
  if (estimate <= cpuBudget * CV_BUDGET_SHARE) return false;
  warn(
    `validating on a ${DEFAULT_VALIDATION_FRACTION * 100}% holdout instead of ${folds}-fold CV: one boosting candidate's folds would take about ${Math.round(estimate)} of the ${Math.round(cpuBudget)} CPU seconds of the budget (a longer max runtime keeps CV)`,
    'holdout_for_budget',
  );
  return true;
}

/** Whether this is a text classification job: asked for (options.text), or the only feature is a text column. */
function textJob(options: AutopilotOptions, prep: Prepared): boolean {
  if (options.text !== true) return prep.task !== 'regression' && isTextJobFrame(prep.features);
  if (prep.task === 'regression') throw new TabpilotError('INVALID_ARGUMENT', 'problem type text classifies text; the target looks numeric (regression): give a label column');
  const textColumns = prep.features.columns.filter((c) => c.kind === 'text' || c.kind === 'categorical');
  if (textColumns.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `problem type text needs a text feature column; the features are ${prep.features.columnNames.join(', ')}`, { file: options.sourceFile });
  return true;
}

/** The job's objective: the default of the task, a built-in metric by name, or a checked custom metric. */
function chooseObjective(given: string | CustomMetric | undefined, task: Task): Objective {
  if (given === undefined || given === '') return DEFAULT_OBJECTIVE[task];
  if (typeof given === 'string') return parseMetricName(given, task);
  if (typeof given !== 'object' || given === null || typeof given.fn !== 'function' || typeof given.higherIsBetter !== 'boolean' || typeof given.name !== 'string' || given.name.trim() === '') {
    throw new TabpilotError('INVALID_ARGUMENT', 'a custom objective needs { name: non-empty string, fn: (yTrue, prediction) => number, higherIsBetter: boolean }');
  }
  if (Object.hasOwn(METRIC_DIRECTION, given.name)) throw new TabpilotError('INVALID_ARGUMENT', `custom objective name "${given.name}" is a built-in metric name; give it another name`);
  return given;
}

/** Validates the options, prepares the data and builds everything the later phases share. */
export async function planJob(options: AutopilotOptions): Promise<JobPlan> {
  const startedAt = options.clockStart ?? Date.now();
  const warnings: JobWarning[] = [];
  const warn = (message: string, code = 'note', column?: string) => {
    warnings.push(column !== undefined ? { code, column, message } : { code, message });
    options.onWarning?.(message);
  };
  validateOptions(options);
  const mode = options.mode ?? 'auto';
  const instances = options.instances ?? defaultInstances();
  if (!(Number.isInteger(instances) && instances >= 0)) throw new TabpilotError('INVALID_ARGUMENT', `instances must be a non-negative integer, got ${instances}`);
  const seed = options.seed ?? 0;
  const preset = presetSettings(options.presets);
  const prep = await prepareData(options, warn);
  const { task, features, classes } = prep;
  const objective = chooseObjective(options.objective, task);
  const text = textJob(options, prep);
  for (const w of dataWarnings(prep, { seed, textJob: text })) warn(w.message, w.code, w.column);
  const specs = options.candidates ? [] : chooseSpecs(options, mode, task, text);
  const n = features.numRows;

  const strata = task === 'regression' ? quantileStrata(prep.y as Float64Array) : (prep.y as Int32Array);
  const repeats = presetRepeats(preset, n);
  const holdoutForBudget = tooTightForCv(options, prep, specs, instances, preset.folds, repeats, warn);
  const validation = makeValidationPlan(strata, { seed, validationFraction: options.validationFraction, forceHoldout: holdoutForBudget, folds: prep.folds, groups: prep.groups, numFolds: preset.folds, repeats });
  const budget = jobBudget(options, startedAt, stackingEligible(options, mode, validation.kind === 'cv'));
  const isScored = (i: number) => validation.kind === 'cv' || validation.foldOf[i] === 0;
  const scored = scoredRows(validation);
  const oofPosition = new Int32Array(n).fill(-1);
  scored.forEach((r, i) => (oofPosition[r] = i));
  const usesTrees = options.candidates ? options.candidates.some((c) => getLearnerSpec(c.learner).tags.family === 'tree') : specs.some((s) => s.tags.family === 'tree');
  return {
    options,
    mode,
    seed,
    instances,
    workerMemoryMb: options.workerMemoryMb ?? DEFAULT_WORKER_MEMORY_MB,
    budget,
    prep,
    task,
    features,
    classes,
    k: classes?.length ?? 1,
    objective,
    preset,
    reported: REPORTED_METRICS[task],
    specs,
    ensembleRounds: options.ensembleRounds ?? preset.ensembleRounds,
    validation,
    validationFraction: options.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    refit: options.refit === 'auto' || options.refit === undefined ? validation.kind === 'holdout' : options.refit,
    foldValid: Array.from({ length: foldCount(validation) }, (_, f) => foldRows(validation, f).valid),
    scored,
    yScored: task === 'regression' ? (prep.y as Float64Array).filter((_, i) => isScored(i)) : (prep.y as Int32Array).filter((_, i) => isScored(i)),
    weightScored: prep.sampleWeight ? prep.sampleWeight.filter((_, i) => isScored(i)) : undefined,
    oofPosition,
    shared: shareData(prep, validation, usesTrees, `${process.pid}-${startedAt}-${hash32(seed, n)}`),
    warnings,
    warn,
    text,
  };
}

/**
 * The one way a trial is described: fit candidate `c` on the training rows of `fold` and predict its validation
 * rows, or with fold -1 fit on every row (the refit). `deadline` (epoch ms) is when the learner stops adding work.
 */
export function buildTrialTask(plan: JobPlan, c: Candidate, fold: number, deadline: number | undefined): TrialTask {
  const { shared } = plan;
  return {
    datasetId: shared.datasetId,
    data: shared.data,
    target: shared.target,
    foldOf: shared.foldOf,
    fold,
    binned: shared.binned,
    task: plan.task,
    classes: plan.classes,
    kind: c.kind,
    params: c.params,
    seed: hash32(plan.seed, c.seedKey * SEED_STRIDE + fold + 1),
    deadline,
    classWeight: plan.options.classWeight,
    sampleWeight: shared.sampleWeight,
    source: fold >= 0 ? `${c.id}/fold${fold}` : `${c.id}/refit`,
    candidate: c.index,
  };
}
