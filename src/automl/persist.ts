import os from 'node:os';
import { schemaOf } from '../frame/align.js';
import { objectiveDirection, objectiveName } from '../metrics/index.js';
import { getLearnerSpec } from '../models/registry.js';
import { pipelineWithFlow } from '../pipeline/train-flow.js';
import { AutopilotJob, type JobSettings } from './job.js';
import type { LeaderboardRow } from './leaderboard.js';
import type { JobPlan } from './plan.js';
import { DEFAULT_PRESET } from './presets.js';
import type { FinalModel } from './refit.js';
import { type Candidate, STACK_ORIGIN, type SearchState } from './search-state.js';
import type { CandidateDefinition } from './types.js';

/**
 * Phase 5, persist: the finished job — settings for job.json, the ranked leaderboard, the final model (with the
 * flow's row-wise steps when the job trained on a Data Wrangler flow) and every candidate's definition.
 */

/** Seconds from the job's start at the end of each phase. */
export interface PhaseMarks {
  readonly setupDone: number;
  readonly searchDone: number;
  readonly ensembleDone: number;
  readonly refitDone: number;
  /** Seconds spent fitting the stackers (part of ensembleSeconds). */
  readonly stackSeconds?: number;
}

function definitionOf(c: Candidate): CandidateDefinition {
  return { candidateId: c.id, learner: c.kind, hyperparameters: { ...getLearnerSpec(c.kind).defaults, ...c.params }, origin: c.origin, seedKey: c.seedKey };
}

function jobSettings(plan: JobPlan, refitted: boolean): JobSettings {
  const { options, validation, budget } = plan;
  return {
    target: options.target,
    sourceFile: options.sourceFile,
    problemType: plan.task,
    problemTypeReason: plan.prep.taskReason,
    problemTypeGiven: options.problemType !== undefined,
    text: plan.text,
    objective: objectiveName(plan.objective),
    objectiveDirection: objectiveDirection(plan.objective),
    mode: plan.mode,
    presets: plan.options.presets ?? DEFAULT_PRESET,
    maxRuntime: budget.maxRuntime ?? null,
    afterJobSeconds: options.afterJobSeconds ?? 0,
    maxCandidates: budget.maxCandidates,
    instances: Math.max(1, plan.instances),
    inProcess: plan.instances === 0,
    seed: plan.seed,
    validation: validation.kind === 'cv' ? { kind: 'cv', folds: validation.numFolds, ...((validation.repeats ?? 1) > 1 ? { repeats: validation.repeats } : {}) } : { kind: 'holdout', fraction: plan.validationFraction, rows: plan.foldValid[0].length },
    refit: refitted,
    classWeight: options.classWeight ?? null,
    sampleWeight: typeof options.sampleWeight === 'string' ? options.sampleWeight : options.sampleWeight ? 'array' : null,
    learners: options.candidates ? [...new Set(options.candidates.map((c) => c.learner))] : plan.specs.map((s) => s.kind),
    rows: plan.features.numRows,
    droppedRows: plan.prep.droppedRows,
    features: plan.features.numColumns,
    classes: plan.classes ? [...plan.classes] : undefined,
    host: { cores: os.cpus().length, node: process.version },
  };
}

export function persist(plan: JobPlan, state: SearchState, leaderboard: LeaderboardRow[], final: FinalModel, marks: PhaseMarks): AutopilotJob {
  const { flow, target } = plan.options;
  return new AutopilotJob({
    settings: jobSettings(plan, final.refitted),
    leaderboard,
    reportedMetrics: plan.reported,
    features: schemaOf(plan.features),
    finalMembers: final.members,
    decisionThreshold: final.decisionThreshold,
    classes: plan.classes,
    // Stackers are not re-runnable definitions (their inputs are other candidates' predictions).
    candidates: state
      .inIndexOrder()
      .filter((r) => r.candidate.origin !== STACK_ORIGIN)
      .map((r) => definitionOf(r.candidate)),
    calibration: final.calibration,
    warnings: plan.warnings,
    startedAt: state.budget.startedAt,
    phases: {
      setupSeconds: marks.setupDone,
      searchSeconds: marks.searchDone - marks.setupDone,
      ensembleSeconds: marks.ensembleDone - marks.searchDone,
      refitSeconds: marks.refitDone - marks.ensembleDone,
      ...(marks.stackSeconds !== undefined ? { stackSeconds: marks.stackSeconds } : {}),
    },
    // The flow's row-wise steps become part of the model, so predict and serve take raw rows.
    wrapPipeline: flow ? (pipeline) => pipelineWithFlow(pipeline, flow.data, target, [], flow.file) : undefined,
  });
}
