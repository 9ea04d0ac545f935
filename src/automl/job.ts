import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureSchema } from '../frame/align.js';
import type { Frame } from '../frame/frame.js';
import { METRIC_DIRECTION, type MetricName } from '../metrics/index.js';
import { MODEL_DIR_FORMAT, MODEL_DIR_FORMAT_VERSION, MODEL_FILE, type PredictionResult, Pipeline, validateArtifact } from '../pipeline/pipeline.js';
import type { Task } from '../models/types.js';
import { checkOutputPath, replaceDirectory } from '../util/output.js';
import { type LeaderboardRow, formatLeaderboard, leaderboardCsv } from './leaderboard.js';
import type { Calibration } from './calibrate.js';
import { type MemberText, ensembleJsonText } from './trial.js';
import type { CandidateDefinition, JobWarning } from './types.js';

export type { CandidateDefinition, JobWarning } from './types.js';

/** How `AutopilotJob.save` writes the job directory. */
export interface SaveOptions {
  /** Replace a non-empty directory whole (default: refuse it, so two jobs' candidates never mix). */
  readonly overwrite?: boolean;
  /**
   * Writes more files into the new job directory before job.json, which is written last so it can record what
   * this did: gets the directory being filled (it replaces the target directory at the end) and returns extra
   * top-level job.json fields. The CLI writes the model report here.
   */
  readonly addFiles?: (dir: string) => Promise<Readonly<Record<string, unknown>> | undefined>;
}

export interface JobSettings {
  readonly target: string;
  readonly sourceFile?: string;
  readonly problemType: Task;
  readonly problemTypeReason: string;
  readonly problemTypeGiven: boolean;
  /** A text classification job (--problem-type text, or inferred: the only feature is a text column). */
  readonly text: boolean;
  /** A built-in metric name, or a custom objective's name. */
  readonly objective: string;
  readonly objectiveDirection: 'maximize' | 'minimize';
  readonly mode: string;
  /** fast, balanced or best (presets.ts). */
  readonly presets: string;
  readonly maxRuntime: number | null;
  /** Seconds of maxRuntime kept for the caller's work after the job (the CLI's model report). */
  readonly afterJobSeconds: number;
  readonly maxCandidates: number;
  readonly instances: number;
  readonly inProcess: boolean;
  readonly seed: number;
  readonly validation: { kind: 'cv'; folds: number; repeats?: number } | { kind: 'holdout'; fraction: number; rows: number };
  readonly refit: boolean;
  readonly classWeight: unknown;
  readonly sampleWeight: string | null;
  readonly learners: readonly string[];
  readonly rows: number;
  readonly droppedRows: number;
  readonly features: number;
  readonly classes?: readonly string[];
  readonly host: Record<string, unknown>;
}

interface JobInit {
  readonly settings: JobSettings;
  readonly leaderboard: LeaderboardRow[];
  readonly reportedMetrics: readonly MetricName[];
  readonly features: readonly FeatureSchema[];
  readonly finalMembers: readonly { readonly weight: number; readonly member: MemberText }[];
  readonly classes?: readonly string[];
  readonly candidates: readonly CandidateDefinition[];
  readonly warnings: readonly JobWarning[];
  readonly startedAt: number;
  readonly phases: Readonly<Record<string, number>>;
  /** Rewraps the job's pipeline (e.g. with a Data Wrangler flow's row-wise steps); model.json then holds the result. */
  readonly wrapPipeline?: (pipeline: Pipeline) => Pipeline;
  /** Binary label objectives: the tuned decision threshold stored in model.json. */
  readonly decisionThreshold?: number;
  /** LogLoss objectives: the temperature fitted on out-of-fold predictions (in model.json when applied). */
  readonly calibration?: Calibration;
}

/** A finished Autopilot job: the leaderboard, the best model as a Pipeline, and everything to reproduce it. */
export class AutopilotJob {
  readonly settings: JobSettings;
  /** Best first; failed and stopped candidates at the bottom. */
  readonly leaderboard: readonly LeaderboardRow[];
  readonly reportedMetrics: readonly MetricName[];
  readonly candidates: readonly CandidateDefinition[];
  /** What the user should know about the data and the run (ID-like or leaking columns, skipped refit, ...). */
  readonly warnings: JobWarning[];
  /** model.json of the job's model directory, assembled from the members' JSON text without re-serialising them. */
  readonly modelFileText: string;
  /** LogLoss objectives: the probability calibration tried (job.json `calibration`); undefined when not tried. */
  readonly calibration?: Calibration;
  private pipelineCache: Pipeline | null = null;
  readonly timings: { startedAt: string; finishedAt: string; totalSeconds: number; phases: Readonly<Record<string, number>> };

  constructor(init: JobInit) {
    this.settings = init.settings;
    this.leaderboard = init.leaderboard;
    this.reportedMetrics = init.reportedMetrics;
    this.candidates = init.candidates;
    this.warnings = [...init.warnings];
    const best = this.best;
    const task = init.settings.problemType;
    const featureNames = init.features.map((f) => f.name);
    this.calibration = init.calibration;
    const modelText = ensembleJsonText(task, init.classes, featureNames, init.finalMembers, init.calibration?.applied ? init.calibration.temperature : undefined);
    const training = {
      algorithm: best.learner,
      hyperparameters: best.learner === 'ensemble' ? { members: best.members } : { ...best.hyperparameters },
      seed: init.settings.seed,
      trainedAt: new Date().toISOString(),
      trainRows: init.settings.rows,
      autopilot: { candidateId: best.candidateId, objective: best.objectiveMetric, value: best.objective, metrics: best.metrics, refit: init.settings.refit },
    };
    const modelFileText =
      `{"format":${JSON.stringify(MODEL_DIR_FORMAT)},"formatVersion":${MODEL_DIR_FORMAT_VERSION},"task":${JSON.stringify(task)},` +
      `"target":${JSON.stringify(init.settings.target)},` +
      (init.classes ? `"classes":${JSON.stringify(init.classes)},` : '') +
      `"features":${JSON.stringify(init.features)},"model":${modelText},"training":${JSON.stringify(training)}` +
      (init.decisionThreshold !== undefined ? `,"decisionThreshold":${init.decisionThreshold}` : '') +
      '}\n';
    if (init.wrapPipeline) {
      // The wrapped artifact is written as Pipeline.save writes it.
      this.pipelineCache = init.wrapPipeline(Pipeline.fromArtifact(validateArtifact(JSON.parse(modelFileText))));
      this.modelFileText = JSON.stringify(this.pipelineCache.artifact) + '\n';
    } else {
      this.modelFileText = modelFileText;
    }
    const finished = Date.now();
    this.timings = { startedAt: new Date(init.startedAt).toISOString(), finishedAt: new Date(finished).toISOString(), totalSeconds: (finished - init.startedAt) / 1000, phases: init.phases };
  }

  get best(): LeaderboardRow {
    return this.leaderboard[0];
  }

  get task(): Task {
    return this.settings.problemType;
  }

  /** The job's model as a Pipeline (built on first use: loading every member's model takes time). */
  get pipeline(): Pipeline {
    this.pipelineCache ??= Pipeline.fromArtifact(validateArtifact(JSON.parse(this.modelFileText)));
    return this.pipelineCache;
  }

  /** Predictions of the best model for raw input rows (aligned to the training schema). */
  predict(frame: Frame): PredictionResult {
    return this.pipeline.predict(frame);
  }

  /** Records a warning found after the job (e.g. by the caller's model report); job.json lists it. */
  addWarning(warning: JobWarning): void {
    this.warnings.push(warning);
  }

  /** The leaderboard as a terminal table. */
  format(limit?: number): string {
    return formatLeaderboard(this.leaderboard, limit);
  }

  toJSON(): Record<string, unknown> {
    return {
      format: 'tabpilot-autopilot-job',
      formatVersion: 1,
      settings: this.settings,
      timings: this.timings,
      best: { candidateId: this.best.candidateId, learner: this.best.learner, objective: this.best.objective, metrics: this.best.metrics, members: this.best.members },
      warnings: this.warnings,
      ...(this.calibration ? { calibration: this.calibration } : {}),
      candidates: this.leaderboard.length,
    };
  }

  /**
   * Writes the job directory: leaderboard.csv and leaderboard.json, model/ (a model directory that
   * `tabpilot predict` and `tabpilot serve` load), job.json, and candidates/<id>.json per candidate.
   * The directory is checked first (OUTPUT_PATH: under a file, in /proc, not writable, or non-empty without
   * `overwrite`), then written into a temp directory beside it that replaces it whole at the end.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    const target = checkOutputPath(dir, { kind: 'directory', overwrite: options.overwrite });
    await replaceDirectory(target, async (tmp) => {
      await mkdir(path.join(tmp, 'candidates'));
      await mkdir(path.join(tmp, 'model'));
      await writeFile(path.join(tmp, 'model', MODEL_FILE), this.modelFileText);
      await writeFile(path.join(tmp, 'leaderboard.csv'), leaderboardCsv(this.leaderboard, this.reportedMetrics));
      await writeFile(
        path.join(tmp, 'leaderboard.json'),
        JSON.stringify({ objective: this.settings.objective, direction: this.settings.objectiveDirection, problemType: this.settings.problemType, rows: this.leaderboard }, null, 2) + '\n',
      );
      for (const c of this.candidates) {
        await writeFile(path.join(tmp, 'candidates', `${c.candidateId}.json`), JSON.stringify(this.candidateFile(c, dir), null, 2) + '\n');
      }
      const extra = options.addFiles ? await options.addFiles(tmp) : undefined;
      await writeFile(path.join(tmp, 'job.json'), JSON.stringify({ ...this.toJSON(), ...extra }, null, 2) + '\n');
    });
  }

  /** candidates/<id>.json: the definition, with the commands that train it alone and re-run it (into a new directory). */
  private candidateFile(c: CandidateDefinition, dir: string): Record<string, unknown> {
    const file = this.settings.sourceFile ?? 'DATA.csv';
    const s = this.settings;
    // A custom objective is a function the command line cannot pass: the re-run then uses the default objective.
    const objectiveFlag = Object.hasOwn(METRIC_DIRECTION, s.objective) ? ` --objective ${s.objective}` : '';
    const presetsFlag = s.presets !== 'balanced' ? ` --presets ${s.presets}` : '';
    return {
      ...c,
      target: s.target,
      problemType: s.problemType,
      objective: s.objective,
      validation: s.validation,
      train: `tabpilot train ${file} --target ${s.target} --problem-type ${s.problemType} --algorithm ${c.learner} --hyperparameters '${JSON.stringify(c.hyperparameters)}' --seed ${s.seed}`,
      rerun: `tabpilot autopilot ${file} --target ${s.target} --problem-type ${s.problemType}${objectiveFlag}${presetsFlag} --seed ${s.seed} --candidates ${path.join(dir, 'candidates', `${c.candidateId}.json`)} --out ${dir}-${c.candidateId}`,
    };
  }
}
