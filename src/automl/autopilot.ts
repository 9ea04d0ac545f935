import { detectProblemType } from '../models/problem-type.js';
import os from 'node:os';
import { schemaOf } from '../frame/align.js';
import { type Column, categoricalColumn, cellString, isMissing, numericColumn, toFloat64 } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import {
  DEFAULT_OBJECTIVE,
  METRIC_DIRECTION,
  type MetricName,
  REPORTED_METRICS,
  computeMetrics,
  isBetter,
  parseMetricName,
} from '../metrics/index.js';
import { sortLabels } from '../models/preprocess/target.js';
import { getLearnerSpec, learnerSpecs } from '../models/registry.js';
import { type BinnedData, binFrame, treeFeatureNames } from '../models/tree/binning.js';
import type { HyperValue, LearnerSpec, Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { Random, hash32 } from '../util/random.js';
import { caruanaSelection } from './caruana.js';
import { needsFeaturizer } from '../models/featurize.js';
import { type ValidationPlan, foldRows, makeValidationPlan, quantileStrata, scoredRows } from '../models/folds.js';
import { AutopilotJob, type CandidateDefinition, type JobSettings } from './job.js';
import type { LeaderboardRow } from './leaderboard.js';
import { InProcessRunner, PoolRunner, type TrialRunner, TrialTimeoutError, defaultInstances } from './pool.js';
import { portfolio } from './portfolio.js';
import { shareColumn, shareFrame } from '../frame/shared.js';
import { type Observation, proposeTpe } from './tpe.js';
import type { MemberText, TrialOutput, TrialTask } from './trial.js';

export type AutopilotMode = 'auto' | 'ensembling' | 'hpo';

export interface AutopilotOptions {
  readonly data: Frame;
  readonly target: string;
  readonly problemType?: Task;
  /** Objective metric name (Autopilot names: F1, AUC, MSE, ...); default per problem type. */
  readonly objective?: string;
  /** auto: portfolio, then HPO, then greedy ensemble; ensembling: portfolio + ensemble; hpo: HPO of gbdt, linear, mlp. */
  readonly mode?: AutopilotMode;
  /** Hard limit for the whole job, seconds (search, ensembling, refit). */
  readonly maxRuntime?: number;
  readonly maxCandidates?: number;
  /** Pool workers; 0 runs trials in this thread (no hard per-trial stop). Default: number of cores. */
  readonly instances?: number;
  readonly seed?: number;
  /** Use a holdout of this fraction instead of 5-fold CV. */
  readonly validationFraction?: number;
  /** Run with fewer than 500 rows (Autopilot's minimum). */
  readonly allowSmall?: boolean;
  /** Restrict the learners (kinds). */
  readonly learners?: readonly string[];
  /** Refit the final models on all rows: true, false, or 'auto' (only when validating on a holdout). */
  readonly refit?: boolean | 'auto';
  readonly classWeight?: 'balanced' | Readonly<Record<string, number>>;
  /** A column of per-row weights (excluded from the features), or the weights themselves. */
  readonly sampleWeight?: string | Float64Array;
  readonly ensembleRounds?: number;
  /** Hard limit for one fold fit, seconds. */
  readonly maxTrialSeconds?: number;
  /** V8 old-space limit per worker; a trial above it fails and its worker is replaced. */
  readonly workerMemoryMb?: number;
  /** A fixed candidate list: no portfolio, no HPO. */
  readonly candidates?: readonly CandidateDefinition[];
  readonly onProgress?: (event: AutopilotProgress) => void;
  readonly onWarning?: (message: string) => void;
  /** Source file name, for error messages and job.json. */
  readonly sourceFile?: string;
  /** Epoch ms when the job's clock started (default: now). The CLI starts it before reading the file, so
   * --max-runtime covers reading the data too. */
  readonly clockStart?: number;
  /** Test hook: make given candidate indices fail (throw), exhaust memory or hang. */
  readonly chaos?: Readonly<Record<number, 'throw' | 'oom' | 'hang'>>;
}

export interface AutopilotProgress {
  readonly phase: 'setup' | 'search' | 'ensemble' | 'refit' | 'done';
  readonly message: string;
  readonly trialsDone: number;
  readonly trialsRunning: number;
  readonly candidatesDone: number;
  readonly maxCandidates?: number;
  readonly best?: { readonly candidateId: string; readonly objective: number };
  readonly elapsedSeconds: number;
  readonly remainingSeconds?: number;
}

export const AUTOPILOT_MIN_ROWS = 500;
export const DEFAULT_MAX_CANDIDATES = 250;
/** When neither a runtime nor a candidate limit is given. */
export const DEFAULT_MAX_RUNTIME = 600;
const MIN_RUNTIME_SECONDS = 5;
const HPO_BATCH = 4;
/** Under a time budget, the most of the remaining time one candidate may use. */
const CANDIDATE_SHARE = 0.4;
/** Candidates whose models and out-of-fold predictions are kept for ensembling. */
const KEEP_TOP = 20;
const HPO_LEARNERS = ['gbdt', 'linear', 'mlp'];

interface Candidate {
  readonly index: number;
  /** Seeds of this candidate's fits derive from it: its index, or the original index when re-running a definition. */
  readonly seedKey: number;
  readonly id: string;
  readonly kind: string;
  readonly origin: string;
  /** Overrides of the learner's defaults. */
  readonly params: Record<string, HyperValue>;
}

interface CandidateResult {
  readonly candidate: Candidate;
  status: 'Completed' | 'Failed' | 'Stopped';
  failureReason?: string;
  objective: number;
  metrics: Partial<Record<MetricName, number>>;
  fitSeconds: number;
  predictSecondsPer1000Rows: number | null;
  oof?: Float64Array;
  members?: MemberText[];
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  get running(): number {
    return this.active;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function describeError(e: unknown): string {
  if (e instanceof TrialTimeoutError) return e.message;
  const err = e as Error & { code?: string };
  const msg = err?.message ?? String(e);
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|heap limit/i.test(msg)) return `out of memory: ${msg}`;
  return msg.split('\n')[0];
}

function lossOf(metric: MetricName, value: number): number {
  if (!Number.isFinite(value)) return Infinity;
  return METRIC_DIRECTION[metric] === 'maximize' ? -value : value;
}

/** Validated inputs: feature frame, encoded target, problem type. */
interface Prepared {
  readonly features: Frame;
  readonly target: Column;
  readonly task: Task;
  readonly taskReason: string;
  readonly classes?: readonly string[];
  /** Class index (classification) or value (regression) per row. */
  readonly y: Int32Array | Float64Array;
  readonly sampleWeight?: Float64Array;
  readonly droppedRows: number;
}

async function prepareData(options: AutopilotOptions, warn: (m: string) => void): Promise<Prepared> {
  const { data, target: targetName } = options;
  const where = { file: options.sourceFile, column: targetName };
  if (!data.has(targetName)) {
    throw new TabpilotError('INVALID_TARGET', `target column "${targetName}" is not in the data; columns are: ${data.columnNames.join(', ')}`, where);
  }
  const weightColumn = typeof options.sampleWeight === 'string' ? options.sampleWeight : undefined;
  if (weightColumn !== undefined && !data.has(weightColumn)) {
    throw new TabpilotError('UNKNOWN_COLUMN', `sample weight column "${weightColumn}" is not in the data`, { file: options.sourceFile, column: weightColumn });
  }
  const raw = data.column(targetName);
  const keep = new Uint8Array(data.numRows);
  let kept = 0;
  for (let i = 0; i < data.numRows; i++) {
    const ok = !isMissing(raw, i) && !(raw.kind === 'numeric' && !Number.isFinite(raw.values[i])) && !(raw.kind === 'text' && raw.values[i]!.trim() === '');
    keep[i] = ok ? 1 : 0;
    if (ok) kept++;
  }
  if (kept === 0) throw new TabpilotError('INVALID_TARGET', 'the target column has no values (all missing)', where);
  const rows = kept === data.numRows ? data : data.filter(keep);
  const droppedRows = data.numRows - kept;
  if (droppedRows > 0) warn(`${droppedRows} rows with a missing target were dropped (Autopilot ignores them)`);
  const targetCol = rows.column(targetName);
  let task = options.problemType;
  let taskReason = 'set by the user';
  if (task === undefined) {
    const inferred = detectProblemType(targetCol);
    if (!inferred.ok) throw new TabpilotError('INVALID_TARGET', inferred.reason, where);
    task = inferred.task;
    taskReason = inferred.reason;
  }
  const n = rows.numRows;
  if (n < AUTOPILOT_MIN_ROWS) {
    const msg = `the data has ${n} rows with a target; Autopilot requires at least ${AUTOPILOT_MIN_ROWS}`;
    if (!options.allowSmall) throw new TabpilotError('INVALID_ARGUMENT', `${msg}. Pass --allow-small (allowSmall: true) to run anyway`, { file: options.sourceFile });
    warn(`${msg}; running anyway (allowSmall): validation scores on so few rows are noisy`);
  }
  let target: Column;
  let classes: string[] | undefined;
  let y: Int32Array | Float64Array;
  if (task === 'regression') {
    const values = Float64Array.from(toFloat64(targetCol));
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(values[i])) {
        throw new TabpilotError('INVALID_TARGET', `regression needs a numeric target; value "${cellString(targetCol, i)}" is not a number`, where);
      }
    }
    target = numericColumn(targetName, values);
    y = values;
  } else {
    const labels = new Array<string>(n);
    for (let i = 0; i < n; i++) labels[i] = cellString(targetCol, i);
    classes = sortLabels([...new Set(labels)]);
    if (classes.length < 2) throw new TabpilotError('INVALID_TARGET', `the target has only one class ("${classes[0]}"); classification needs at least 2`, where);
    if (task === 'binary' && classes.length !== 2) {
      throw new TabpilotError('INVALID_TARGET', `binary classification needs exactly 2 classes, the target has ${classes.length}`, where);
    }
    const index = new Map(classes.map((c, i) => [c, i]));
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = index.get(labels[i])!;
    target = categoricalColumn(targetName, codes, classes);
    y = codes;
  }
  let sampleWeight: Float64Array | undefined;
  if (weightColumn !== undefined) sampleWeight = Float64Array.from(toFloat64(rows.column(weightColumn)));
  else if (options.sampleWeight instanceof Float64Array) {
    if (options.sampleWeight.length !== data.numRows) {
      throw new TabpilotError('INVALID_ARGUMENT', `sampleWeight has ${options.sampleWeight.length} entries, the data has ${data.numRows} rows`);
    }
    sampleWeight = kept === data.numRows ? options.sampleWeight : options.sampleWeight.filter((_, i) => keep[i] === 1);
  }
  if (sampleWeight) {
    for (let i = 0; i < sampleWeight.length; i++) {
      if (!(sampleWeight[i] >= 0) || !Number.isFinite(sampleWeight[i])) {
        throw new TabpilotError('INVALID_ARGUMENT', `sample weight at row ${i + 1} is ${sampleWeight[i]}; weights must be finite and non-negative`);
      }
    }
  }
  const drop = [targetName, ...(weightColumn ? [weightColumn] : [])];
  const features = rows.drop(drop);
  if (features.numColumns === 0) throw new TabpilotError('INVALID_ARGUMENT', 'the data has no feature columns besides the target');
  return { features, target, task, taskReason, classes, y, sampleWeight, droppedRows };
}

function chooseSpecs(options: AutopilotOptions, mode: AutopilotMode, task: Task): LearnerSpec<object>[] {
  const all = learnerSpecs().filter((s) => s.kind !== 'ensemble' && s.tags.tasks.includes(task)) as LearnerSpec<object>[];
  let chosen = all;
  if (options.learners && options.learners.length > 0) {
    for (const k of options.learners) getLearnerSpec(k);
    chosen = all.filter((s) => options.learners!.includes(s.kind));
  } else if (mode === 'hpo') {
    chosen = all.filter((s) => HPO_LEARNERS.includes(s.kind));
  }
  if (chosen.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `no learner available for ${task} (asked for: ${options.learners?.join(', ') ?? 'any'})`);
  return chosen;
}

/**
 * Runs an Autopilot job: validates the data, infers the problem type, evaluates candidates with cross-validation
 * (or a holdout) on a worker pool, builds a greedy ensemble and returns the job with its leaderboard and model.
 */
export async function autopilot(options: AutopilotOptions): Promise<AutopilotJob> {
  const startedAt = options.clockStart ?? Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const mode = options.mode ?? 'auto';
  if (!['auto', 'ensembling', 'hpo'].includes(mode)) throw new TabpilotError('INVALID_ARGUMENT', `mode must be auto, ensembling or hpo, got "${mode}"`);
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
  const maxRuntime = options.maxRuntime ?? (options.maxCandidates === undefined && options.candidates === undefined ? DEFAULT_MAX_RUNTIME : undefined);
  const maxCandidates = options.candidates ? options.candidates.length : (options.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
  const instances = options.instances ?? defaultInstances();
  if (!(Number.isInteger(instances) && instances >= 0)) throw new TabpilotError('INVALID_ARGUMENT', `instances must be a non-negative integer, got ${instances}`);
  const seed = options.seed ?? 0;
  const jobDeadline = maxRuntime !== undefined ? startedAt + maxRuntime * 1000 : undefined;
  // Time kept back for ensembling, refit bookkeeping and writing results.
  const reserveMs = maxRuntime !== undefined ? Math.min(20_000, Math.max(2000, maxRuntime * 1000 * 0.1)) : 0;
  const searchDeadline = jobDeadline !== undefined ? jobDeadline - reserveMs : undefined;
  const hardGraceMs = Math.min(2000, reserveMs / 3);

  const phaseMarks: Record<string, number> = {};
  const mark = (name: string) => (phaseMarks[name] = (Date.now() - startedAt) / 1000);
  const prep = await prepareData(options, warn);
  const { task, features, classes } = prep;
  const objective = options.objective ? parseMetricName(options.objective, task) : DEFAULT_OBJECTIVE[task];
  const reported = REPORTED_METRICS[task];
  const specs = options.candidates ? [] : chooseSpecs(options, mode, task);
  const n = features.numRows;
  const k = classes?.length ?? 1;
  const progressBase = () => ({ elapsedSeconds: (Date.now() - startedAt) / 1000, remainingSeconds: jobDeadline ? Math.max(0, (jobDeadline - Date.now()) / 1000) : undefined, maxCandidates });

  // ---- validation plan and shared data, built once
  const strata = task === 'regression' ? quantileStrata(prep.y as Float64Array) : (prep.y as Int32Array);
  const plan: ValidationPlan = makeValidationPlan(strata, { seed, validationFraction: options.validationFraction, forceHoldout: undefined });
  const refit = options.refit === 'auto' || options.refit === undefined ? plan.kind === 'holdout' : options.refit;
  const scored = scoredRows(plan);
  const yScored = task === 'regression' ? (prep.y as Float64Array).filter((_, i) => plan.kind === 'cv' || plan.foldOf[i] === 0) : (prep.y as Int32Array).filter((_, i) => plan.kind === 'cv' || plan.foldOf[i] === 0);
  const weightScored = prep.sampleWeight ? prep.sampleWeight.filter((_, i) => plan.kind === 'cv' || plan.foldOf[i] === 0) : undefined;
  const oofPosition = new Int32Array(n).fill(-1);
  scored.forEach((r, i) => (oofPosition[r] = i));
  const foldValid = Array.from({ length: plan.numFolds }, (_, f) => foldRows(plan, f).valid);

  const datasetId = `${process.pid}-${startedAt}-${hash32(seed, n)}`;
  const sharedData = shareFrame(features);
  const sharedTarget = shareColumn(prep.target);
  const foldBuffer = new SharedArrayBuffer(n * 4);
  new Int32Array(foldBuffer).set(plan.foldOf);
  let weightBuffer: SharedArrayBuffer | undefined;
  if (prep.sampleWeight) {
    weightBuffer = new SharedArrayBuffer(n * 8);
    new Float64Array(weightBuffer).set(prep.sampleWeight);
  }
  let binned: BinnedData | undefined;
  const usesTrees = options.candidates ? options.candidates.some((c) => getLearnerSpec(c.learner).tags.family === 'tree') : specs.some((s) => s.tags.family === 'tree');
  if (usesTrees && !needsFeaturizer(features)) binned = binFrame(features, treeFeatureNames(features), { shared: true });

  mark('setupDone');
  const runner: TrialRunner = instances === 0 ? new InProcessRunner() : new PoolRunner(instances, options.workerMemoryMb);
  const semaphore = new Semaphore(Math.max(1, instances));
  const results: CandidateResult[] = [];
  let trialsDone = 0;
  let best: CandidateResult | undefined;
  let nextIndex = 0;

  const emit = (phase: AutopilotProgress['phase'], message: string) =>
    options.onProgress?.({
      phase,
      message,
      trialsDone,
      trialsRunning: semaphore.running,
      candidatesDone: results.length,
      best: best ? { candidateId: best.candidate.id, objective: best.objective } : undefined,
      ...progressBase(),
    });
  emit('setup', `${task} (${prep.taskReason}); ${n} rows, ${features.numColumns} features; ${plan.kind === 'cv' ? `${plan.numFolds}-fold CV` : `holdout ${foldValid[0].length} rows`}; objective ${objective}; ${Math.max(1, instances)} instance(s)`);

  const timeLeft = () => (searchDeadline === undefined ? Infinity : searchDeadline - Date.now());

  const makeCandidate = (kind: string, params: Record<string, HyperValue>, origin: string, seedKey?: number): Candidate => {
    const index = nextIndex++;
    return { index, seedKey: seedKey ?? index, id: `c${String(index).padStart(3, '0')}-${kind}`, kind, origin, params };
  };

  const pruneKept = () => {
    const ranked = results.filter((r) => r.status === 'Completed' && r.oof).sort((a, b) => lossOf(objective, a.objective) - lossOf(objective, b.objective) || a.candidate.index - b.candidate.index);
    for (let i = KEEP_TOP; i < ranked.length; i++) {
      ranked[i].oof = undefined;
      ranked[i].members = undefined;
    }
  };

  const runFold = async (c: Candidate, fold: number, state: { failed: boolean; started: number; deadline?: number }): Promise<TrialOutput | null> =>
    semaphore.run(async () => {
      if (state.failed) return null;
      const left = timeLeft();
      if (left <= 0) return null;
      const trialLimitMs = options.maxTrialSeconds !== undefined ? options.maxTrialSeconds * 1000 : Infinity;
      // Under a time budget, split what is left over this candidate's remaining folds, so a slow candidate
      // still finishes every fold (with fewer rounds) instead of being stopped half-way.
      const foldsLeft = plan.numFolds - state.started;
      state.started++;
      // One candidate may take at most CANDIDATE_SHARE of the time left when it starts, so a slow candidate
      // cannot starve the rest of the search (its folds still all run, with fewer rounds).
      state.deadline ??= Date.now() + left * CANDIDATE_SHARE;
      const candidateLeft = Math.min(left, Math.max(state.deadline - Date.now(), Math.min(left, 1000)));
      const share = candidateLeft / Math.ceil(foldsLeft / Math.max(1, instances));
      const softMs = Math.min(share, trialLimitMs);
      const deadline = Number.isFinite(softMs) ? Date.now() + softMs : undefined;
      const hardMs = Number.isFinite(softMs) ? Math.min(softMs + Math.max(1000, softMs * 0.1), left + hardGraceMs) : 2 ** 31 - 1;
      const task: TrialTask = {
        datasetId,
        data: sharedData,
        target: sharedTarget,
        foldOf: foldBuffer,
        fold,
        binned,
        task: prep.task,
        classes,
        kind: c.kind,
        params: c.params,
        seed: hash32(seed, c.seedKey * 64 + fold + 1),
        deadline,
        classWeight: options.classWeight,
        sampleWeight: weightBuffer,
        source: fold >= 0 ? `${c.id}/fold${fold}` : `${c.id}/refit`,
        chaos: options.chaos?.[c.index],
      };
      try {
        return await runner.run(task, hardMs);
      } finally {
        trialsDone++;
      }
    });

  const evaluate = async (c: Candidate): Promise<CandidateResult> => {
    const state = { failed: false, started: 0 };
    let failure: string | undefined;
    const outputs = await Promise.all(
      Array.from({ length: plan.numFolds }, (_, f) =>
        runFold(c, f, state).catch((e: unknown) => {
          // A trial cut off because the whole job ran out of time is Stopped, not Failed.
          // Without a per-trial limit from the user, a timeout can only come from the job's own budget.
          if (e instanceof TrialTimeoutError && (timeLeft() <= 0 || options.maxTrialSeconds === undefined)) return null;
          state.failed = true;
          failure ??= describeError(e);
          return null;
        }),
      ),
    );
    const result: CandidateResult = { candidate: c, status: 'Completed', objective: NaN, metrics: {}, fitSeconds: 0, predictSecondsPer1000Rows: null };
    for (const o of outputs) if (o) result.fitSeconds += o.fitSeconds;
    if (failure !== undefined) {
      result.status = 'Failed';
      result.failureReason = failure;
    } else if (outputs.some((o) => o === null)) {
      result.status = 'Stopped';
      result.failureReason = 'the job ran out of time before every fold was fitted';
    } else {
      const oof = new Float64Array(scored.length * k);
      let predictSeconds = 0;
      let predictedRows = 0;
      outputs.forEach((o, f) => {
        const rows = foldValid[f];
        const p = o!.predictions;
        for (let i = 0; i < rows.length; i++) {
          const at = oofPosition[rows[i]];
          for (let j = 0; j < k; j++) oof[at * k + j] = p[i * k + j];
        }
        predictSeconds += o!.predictSeconds;
        predictedRows += o!.validRows;
      });
      result.oof = oof;
      result.members = outputs.map((o) => o!.member);
      result.metrics = computeMetrics(task, yScored, task === 'regression' ? { prediction: oof } : { probabilities: oof }, { numClasses: k, weight: weightScored });
      result.objective = result.metrics[objective] ?? NaN;
      result.predictSecondsPer1000Rows = predictedRows > 0 ? (predictSeconds / predictedRows) * 1000 : null;
      if (!Number.isFinite(result.objective)) {
        result.status = 'Failed';
        result.failureReason = `objective ${objective} is not finite (${result.objective})`;
      }
    }
    results.push(result);
    if (result.status === 'Completed' && (best === undefined || isBetter(objective, result.objective, best.objective))) best = result;
    pruneKept();
    emit('search', `${c.id} ${result.status === 'Completed' ? `${objective}=${result.objective.toPrecision(5)}` : `${result.status}: ${result.failureReason}`}`);
    return result;
  };

  const budgetLeft = () => results.length < maxCandidates && nextIndex < maxCandidates && timeLeft() > 0;
  const definitionOf = (c: Candidate): CandidateDefinition => ({
    candidateId: c.id,
    learner: c.kind,
    hyperparameters: { ...getLearnerSpec(c.kind).defaults, ...c.params },
    origin: c.origin,
    seedKey: c.seedKey,
  });

  try {
    // ---- phase 1: a given candidate list, or the portfolio
    if (options.candidates) {
      const list = options.candidates.map((d) => makeCandidate(d.learner, { ...d.hyperparameters }, 'given', d.seedKey));
      await Promise.all(list.map(evaluate));
    } else if (mode !== 'hpo') {
      const entries = portfolio(specs, k).slice(0, maxCandidates);
      await Promise.all(entries.map((e) => evaluate(makeCandidate(e.kind, { ...e.params }, 'portfolio'))));
    }
    // ---- phase 2: HPO in fixed-size batches; each batch depends only on earlier batches (deterministic)
    if (!options.candidates && mode !== 'ensembling') {
      const defaultsFirst = mode === 'hpo' ? specs.map((s) => makeCandidate(s.kind, {}, 'hpo')) : [];
      if (defaultsFirst.length > 0) await Promise.all(defaultsFirst.slice(0, maxCandidates).map(evaluate));
      let batch = 0;
      const useHalving = plan.kind === 'holdout';
      while (budgetLeft()) {
        const proposals = proposeBatch(specs, results, objective, new Random(seed).fork(1000 + batch), Math.min(HPO_BATCH * (useHalving ? 2 : 1), maxCandidates - nextIndex));
        if (proposals.length === 0) break;
        if (useHalving) {
          await successiveHalving(proposals);
        } else {
          await Promise.all(proposals.map((p) => evaluate(makeCandidate(p.kind, p.params, 'hpo'))));
        }
        batch++;
      }
    }

    // Successive halving on the fidelity parameter: all proposals at 1/4 fidelity, the best half at full.
    async function successiveHalving(proposals: { kind: string; params: Record<string, HyperValue> }[]): Promise<void> {
      const low = proposals.map((p) => {
        const spec = getLearnerSpec(p.kind);
        const fp = spec.fidelityParam;
        if (!fp || typeof p.params[fp] !== 'number') return null;
        const full = p.params[fp] as number;
        return { p, fp, full, reduced: Math.max(1, Math.round(full / 4)) };
      });
      const rung0 = await Promise.all(
        proposals.map((p, i) => {
          const l = low[i];
          if (!budgetLeft()) return Promise.resolve(null);
          return evaluate(makeCandidate(p.kind, l ? { ...p.params, [l.fp]: l.reduced } : p.params, l ? 'halving' : 'hpo'));
        }),
      );
      const promotable = rung0
        .map((r, i) => ({ r, i }))
        .filter((x) => x.r && x.r.status === 'Completed' && low[x.i])
        .sort((a, b) => lossOf(objective, a.r!.objective) - lossOf(objective, b.r!.objective) || a.i - b.i)
        .slice(0, Math.max(1, Math.floor(proposals.length / 2)));
      await Promise.all(promotable.map((x) => (budgetLeft() ? evaluate(makeCandidate(proposals[x.i].kind, proposals[x.i].params, 'hpo')) : null)));
    }
  } finally {
    await runner.close();
  }

  mark('searchDone');
  // ---- leaderboard of single candidates, then the greedy ensemble
  const completed = results.filter((r) => r.status === 'Completed');
  if (completed.length === 0) {
    const failed = results.filter((r) => r.status === 'Failed');
    if (failed.length > 0 && failed.length === results.length) {
      throw new TabpilotError('INTERNAL', `every candidate failed; first failure (${failed[0].candidate.id}): ${failed[0].failureReason}`);
    }
    throw new TabpilotError(
      'BUDGET_TOO_SMALL',
      `no candidate finished within the ${maxRuntime ?? '?'} s budget (${results.length} started); give a larger --max-runtime or fewer rows`,
    );
  }
  emit('ensemble', 'greedy ensemble selection');
  const pool = completed
    .filter((r) => r.oof && r.members)
    .sort((a, b) => lossOf(objective, a.objective) - lossOf(objective, b.objective) || a.candidate.index - b.candidate.index)
    .slice(0, KEEP_TOP);
  let ensembleRow: { counts: Int32Array; metrics: Partial<Record<MetricName, number>>; objective: number } | undefined;
  const ensembleDeadline = jobDeadline !== undefined ? jobDeadline - reserveMs / 2 : undefined;
  if (mode !== 'hpo' && pool.length >= 2 && !options.candidates) {
    const selection = caruanaSelection({
      task,
      metric: objective,
      yTrue: yScored,
      predictions: pool.map((r) => r.oof!),
      rounds: options.ensembleRounds ?? 25,
      numClasses: k,
      weight: weightScored,
      deadline: ensembleDeadline,
    });
    const distinct = selection.counts.reduce((s, c) => s + (c > 0 ? 1 : 0), 0);
    if (distinct >= 2) {
      const total = selection.counts.reduce((s, c) => s + c, 0);
      const avg = new Float64Array(pool[0].oof!.length);
      pool.forEach((r, j) => {
        const w = selection.counts[j] / total;
        if (w > 0) for (let i = 0; i < avg.length; i++) avg[i] += w * r.oof![i];
      });
      const metrics = computeMetrics(task, yScored, task === 'regression' ? { prediction: avg } : { probabilities: avg }, { numClasses: k, weight: weightScored });
      ensembleRow = { counts: selection.counts, metrics, objective: metrics[objective] ?? NaN };
    }
  }

  mark('ensembleDone');
  // ---- rows, ranking
  const rows: Omit<LeaderboardRow, 'rank'>[] = results.map((r) => ({
    candidateId: r.candidate.id,
    learner: r.candidate.kind,
    origin: r.candidate.origin,
    hyperparameters: { ...getLearnerSpec(r.candidate.kind).defaults, ...r.candidate.params },
    status: r.status,
    objectiveMetric: objective,
    objective: r.status === 'Completed' ? r.objective : null,
    metrics: r.metrics,
    fitSeconds: r.fitSeconds,
    predictSecondsPer1000Rows: r.predictSecondsPer1000Rows,
    ...(r.failureReason ? { failureReason: r.failureReason } : {}),
  }));
  let ensembleMembers: { result: CandidateResult; weight: number }[] | undefined;
  if (ensembleRow) {
    const total = ensembleRow.counts.reduce((s, c) => s + c, 0);
    ensembleMembers = pool.map((r, j) => ({ result: r, weight: ensembleRow!.counts[j] / total })).filter((m) => m.weight > 0);
    const memberFit = ensembleMembers.reduce((s, m) => s + m.result.fitSeconds, 0);
    const memberPredict = ensembleMembers.reduce((s, m) => s + (m.result.predictSecondsPer1000Rows ?? 0), 0);
    rows.push({
      candidateId: 'ensemble',
      learner: 'ensemble',
      origin: 'ensemble',
      hyperparameters: { rounds: options.ensembleRounds ?? 25 },
      status: 'Completed',
      objectiveMetric: objective,
      objective: ensembleRow.objective,
      metrics: ensembleRow.metrics,
      fitSeconds: memberFit,
      predictSecondsPer1000Rows: memberPredict,
      members: ensembleMembers.map((m) => ({ candidateId: m.result.candidate.id, weight: m.weight })),
    });
  }
  const statusOrder = { Completed: 0, Failed: 1, Stopped: 2 } as const;
  const indexOf = (id: string) => (id === 'ensemble' ? -1 : Number(id.slice(1, 4)));
  rows.sort((a, b) => {
    if (a.status !== b.status) return statusOrder[a.status] - statusOrder[b.status];
    if (a.status === 'Completed') {
      const d = lossOf(objective, a.objective!) - lossOf(objective, b.objective!);
      if (d !== 0) return d;
    }
    return indexOf(a.candidateId) - indexOf(b.candidateId);
  });
  const leaderboard: LeaderboardRow[] = rows.map((r, i) => ({ ...r, rank: i + 1 }));
  const bestRow = leaderboard[0];

  // ---- final model: the best row's fold models (or refits) with their weights
  const chosen: { result: CandidateResult; weight: number }[] =
    bestRow.learner === 'ensemble' ? ensembleMembers! : [{ result: results.find((r) => r.candidate.id === bestRow.candidateId)!, weight: 1 }];
  let refitDone = false;
  let finalMembers: { weight: number; member: MemberText }[] = chosen.flatMap((m) => m.result.members!.map((member) => ({ member, weight: m.weight / m.result.members!.length })));
  if (refit) {
    const fitEstimate = chosen.reduce((s, m) => s + (m.result.fitSeconds / Math.max(1, plan.numFolds)) * (plan.kind === 'holdout' ? 1.3 : 1.25), 0);
    const refitDeadline = jobDeadline !== undefined ? jobDeadline - reserveMs / 2 : undefined;
    const slots = Math.max(1, instances);
    if (refitDeadline === undefined || Date.now() + (fitEstimate / Math.min(slots, chosen.length)) * 1000 * 1.2 < refitDeadline) {
      emit('refit', `refitting ${chosen.length} model(s) on all ${n} rows`);
      const refitRunner: TrialRunner = instances === 0 ? new InProcessRunner() : new PoolRunner(Math.min(instances, chosen.length), options.workerMemoryMb);
      const sem = new Semaphore(Math.max(1, Math.min(instances, chosen.length)));
      try {
        const outs = await Promise.all(
          chosen.map((m) =>
            sem.run(async () => {
              const c = m.result.candidate;
              const left = refitDeadline === undefined ? Infinity : refitDeadline - Date.now();
              if (left <= 0) return null;
              return refitRunner
                .run(
                  {
                    datasetId,
                    data: sharedData,
                    target: sharedTarget,
                    foldOf: foldBuffer,
                    fold: -1,
                    binned,
                    task,
                    classes,
                    kind: c.kind,
                    params: c.params,
                    seed: hash32(seed, c.seedKey * 64),
                    deadline: Number.isFinite(left) ? Date.now() + left : undefined,
                    classWeight: options.classWeight,
                    sampleWeight: weightBuffer,
                    source: `${c.id}/refit`,
                  },
                  Number.isFinite(left) ? left + hardGraceMs : 2 ** 31 - 1,
                )
                .catch((e: unknown) => {
                  warn(`refit of ${c.id} failed (${describeError(e)}); keeping its validation-fold models`);
                  return null;
                });
            }),
          ),
        );
        if (outs.every((o) => o !== null)) {
          finalMembers = outs.map((o, i) => ({ member: o!.member, weight: chosen[i].weight }));
          refitDone = true;
        }
      } finally {
        await refitRunner.close();
      }
    } else {
      warn('not enough time left to refit on all rows; the final model uses the validation-fold models');
    }
  }

  mark('refitDone');
  const settings: JobSettings = {
    target: options.target,
    sourceFile: options.sourceFile,
    problemType: task,
    problemTypeReason: prep.taskReason,
    problemTypeGiven: options.problemType !== undefined,
    objective,
    objectiveDirection: METRIC_DIRECTION[objective],
    mode,
    maxRuntime: maxRuntime ?? null,
    maxCandidates,
    instances: Math.max(1, instances),
    inProcess: instances === 0,
    seed,
    validation: plan.kind === 'cv' ? { kind: 'cv', folds: plan.numFolds } : { kind: 'holdout', fraction: options.validationFraction ?? 0.2, rows: foldValid[0].length },
    refit: refitDone,
    classWeight: options.classWeight ?? null,
    sampleWeight: typeof options.sampleWeight === 'string' ? options.sampleWeight : options.sampleWeight ? 'array' : null,
    learners: options.candidates ? [...new Set(options.candidates.map((c) => c.learner))] : specs.map((s) => s.kind),
    rows: n,
    droppedRows: prep.droppedRows,
    features: features.numColumns,
    classes: classes ? [...classes] : undefined,
    host: { cores: os.cpus().length, node: process.version },
  };
  const job = new AutopilotJob({
    settings,
    leaderboard,
    reportedMetrics: reported,
    features: schemaOf(features),
    finalMembers,
    classes,
    candidates: results.map((r) => definitionOf(r.candidate)),
    warnings,
    startedAt,
    phases: {
      setupSeconds: phaseMarks.setupDone,
      searchSeconds: phaseMarks.searchDone - phaseMarks.setupDone,
      ensembleSeconds: phaseMarks.ensembleDone - phaseMarks.searchDone,
      refitSeconds: phaseMarks.refitDone - phaseMarks.ensembleDone,
    },
  });
  emit('done', `best ${bestRow.candidateId} ${objective}=${bestRow.objective?.toPrecision(5)}`);
  return job;
}

/** Proposes up to `count` HPO candidates from the completed history. */
function proposeBatch(
  specs: readonly LearnerSpec<object>[],
  results: readonly CandidateResult[],
  objective: MetricName,
  rng: Random,
  count: number,
): { kind: string; params: Record<string, HyperValue> }[] {
  if (count <= 0) return [];
  // Learners ranked by their best loss so far; untried learners rank first so each gets a chance.
  const bestLoss = new Map<string, number>();
  for (const s of specs) bestLoss.set(s.kind, -Infinity);
  const tried = new Set(results.map((r) => r.candidate.kind));
  for (const s of specs) if (tried.has(s.kind)) bestLoss.set(s.kind, Infinity);
  for (const r of results) {
    if (r.status !== 'Completed') continue;
    bestLoss.set(r.candidate.kind, Math.min(bestLoss.get(r.candidate.kind)!, lossOf(objective, r.objective)));
  }
  const ranked = [...specs].sort((a, b) => bestLoss.get(a.kind)! - bestLoss.get(b.kind)! || specs.indexOf(a) - specs.indexOf(b));
  const out: { kind: string; params: Record<string, HyperValue> }[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    const spec = u < 0.55 || ranked.length === 1 ? ranked[0] : u < 0.85 ? ranked[1] : ranked[rng.int(ranked.length)];
    const history: Observation[] = [...results]
      .sort((a, b) => a.candidate.index - b.candidate.index)
      .filter((r) => r.candidate.kind === spec.kind && r.candidate.origin !== 'halving')
      .map((r) => ({ params: { ...spec.defaults, ...r.candidate.params } as Record<string, HyperValue>, loss: r.status === 'Completed' ? lossOf(objective, r.objective) : Infinity }));
    for (const o of out) if (o.kind === spec.kind) history.push({ params: o.params, loss: Infinity });
    const params = proposeTpe(spec.searchSpace, history, rng.fork(i));
    out.push({ kind: spec.kind, params });
  }
  return out;
}
