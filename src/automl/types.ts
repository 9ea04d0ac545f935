import type { Frame } from '../frame/frame.js';
import type { CustomMetric } from '../metrics/index.js';
import type { HyperValue, Task } from '../models/types.js';
import type { FlowTrainingData } from '../pipeline/model-flow.js';

/** The public options and progress events of `autopilot()` (re-exported by autopilot.ts). */

/** Enough to re-run one candidate: `tabpilot autopilot FILE --target T --candidates <this file>`. */
export interface CandidateDefinition {
  readonly candidateId?: string;
  readonly learner: string;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly origin?: string;
  /** Fits of the candidate are seeded from the job seed and this key; keep it to reproduce the candidate exactly. */
  readonly seedKey?: number;
}

export type AutopilotMode = 'auto' | 'ensembling' | 'hpo';

/** Speed / quality trade-off of a job (presets.ts). */
export type AutopilotPreset = 'fast' | 'balanced' | 'best';

export interface AutopilotOptions {
  readonly data: Frame;
  readonly target: string;
  readonly problemType?: Task;
  /**
   * A text classification job (`--problem-type text`): the feature columns are raw text and only the text
   * learners (tags.input 'text') run. Inferred when the only feature is a text column (see isTextJobFrame).
   */
  readonly text?: boolean;
  /**
   * Objective metric name (Autopilot names: F1, AUC, MSE, ...), or a custom metric computed on this thread from
   * the out-of-fold predictions (see CustomMetric); default per problem type. It ranks the candidates, fills the
   * leaderboard's objective column and drives ensemble selection.
   */
  readonly objective?: string | CustomMetric;
  /** fast, balanced (the defaults) or best: see presets.ts and docs/autopilot.md; explicit options override it. */
  readonly presets?: AutopilotPreset;
  /** auto: portfolio, then HPO, then greedy ensemble; ensembling: portfolio + ensemble; hpo: HPO of one learner per family. */
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
  /** A column naming each row's validation fold (excluded from the features): its distinct values are the folds. */
  readonly foldColumn?: string;
  /** A column of group ids (excluded from the features): grouped k-fold CV, no group in two folds. */
  readonly groupColumn?: string;
  /** A column of per-row weights (excluded from the features), or the weights themselves. */
  readonly sampleWeight?: string | Float64Array;
  readonly ensembleRounds?: number;
  /** Fit second-layer stackers on the best candidates' out-of-fold predictions (stack.ts); default false (opt-in: see docs/autopilot.md). */
  readonly stack?: boolean;
  /** LogLoss objectives: temperature-scale the final model's probabilities when it helps (calibrate.ts); default true. */
  readonly calibrate?: boolean;
  /** Hard limit for one fold fit, seconds. */
  readonly maxTrialSeconds?: number;
  /** V8 old-space limit per worker; a trial above it fails and its worker is replaced. */
  readonly workerMemoryMb?: number;
  /** A fixed candidate list: no portfolio, no HPO. */
  readonly candidates?: readonly CandidateDefinition[];
  /**
   * `data` is this Data Wrangler flow's training output (`trainingDataFromFlow(file)`): the job's model then
   * stores the flow's row-wise steps (with their fitted state), so it predicts from raw rows.
   */
  readonly flow?: { readonly data: FlowTrainingData; readonly file: string };
  readonly onProgress?: (event: AutopilotProgress) => void;
  readonly onWarning?: (message: string) => void;
  /** Source file name, for error messages and job.json. */
  readonly sourceFile?: string;
  /** Epoch ms when the job's clock started (default: now). The CLI starts it before reading the file, so
   * --max-runtime covers reading the data too. */
  readonly clockStart?: number;
  /**
   * Seconds at the end of maxRuntime kept for the caller's work after the job (the CLI's model report): the job's
   * phases end this much earlier, so the caller can finish within maxRuntime. Default 0.
   */
  readonly afterJobSeconds?: number;
}

/** Something the user should know about the job or its data (job.json `warnings`; codes are stable, branch on them). */
export interface JobWarning {
  /** e.g. id_column, target_leakage, single_row_class, dropped_missing_target, small_data, model_report_skipped. */
  readonly code: string;
  /** The column it is about, when it is about one. */
  readonly column?: string;
  readonly message: string;
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

/** Autopilot's minimum number of rows with a target (spec B.1). */
export const AUTOPILOT_MIN_ROWS = 500;
export const DEFAULT_MAX_CANDIDATES = 250;
/** When neither a runtime nor a candidate limit is given. */
export const DEFAULT_MAX_RUNTIME = 600;
