import { objectiveName } from '../metrics/index.js';
import { TabpilotError } from '../util/errors.js';
import { type WeightedResult, selectEnsemble } from './ensemble.js';
import type { AutopilotJob } from './job.js';
import { type LeaderboardRow, rankLeaderboard } from './leaderboard.js';
import { persist } from './persist.js';
import { type JobPlan, planJob } from './plan.js';
import { type TrialRunnerFactory, defaultTrialRunner } from './pool.js';
import { refit } from './refit.js';
import { search } from './search.js';
import { stack } from './stack.js';
import { SearchState } from './search-state.js';
import type { AutopilotOptions } from './types.js';

export { AUTOPILOT_MIN_ROWS, DEFAULT_MAX_CANDIDATES, DEFAULT_MAX_RUNTIME, type AutopilotMode, type AutopilotOptions, type AutopilotPreset, type AutopilotProgress } from './types.js';
export type { CustomMetric, MetricInput } from '../metrics/index.js';
export { hpoLearnerKinds } from './plan.js';

/** Internal hooks of `autopilot()` (not part of the package's API): where trials run. */
export interface AutopilotInternals {
  /** Makes the trial runner of each phase; default: a piscina pool of the trial worker (in-thread with 0 instances). */
  readonly runner?: TrialRunnerFactory;
  /** When aborted, no further trial starts (the search ends as if its time were up); the distributed backend uses it when Redis is lost. */
  readonly stop?: AbortSignal;
}

/** Fails the job when no candidate completed: every one failed (INTERNAL) or none finished in time (BUDGET_TOO_SMALL). */
function requireCompleted(plan: JobPlan, state: SearchState): void {
  const { results } = state;
  if (results.some((r) => r.status === 'Completed')) return;
  const failed = results.filter((r) => r.status === 'Failed');
  if (failed.length > 0 && failed.length === results.length) {
    throw new TabpilotError('INTERNAL', `every candidate failed; first failure (${failed[0].candidate.id}): ${failed[0].failureReason}`);
  }
  throw new TabpilotError(
    'BUDGET_TOO_SMALL',
    `no candidate finished within the ${plan.budget.maxRuntime ?? '?'} s budget (${results.length} started); give a larger --max-runtime or fewer rows`,
  );
}

/** The members of the best row: the ensemble's, or the best single candidate's. */
function chosenMembers(best: LeaderboardRow, ensemble: readonly WeightedResult[] | undefined, state: SearchState): readonly WeightedResult[] {
  if (best.learner === 'ensemble') return ensemble!;
  return [{ result: state.results.find((r) => r.candidate.id === best.candidateId)!, weight: 1 }];
}

/**
 * Runs an Autopilot job: validates the data, infers the problem type, evaluates candidates with cross-validation
 * (or a holdout) on a worker pool, builds a greedy ensemble and returns the job with its leaderboard and model.
 * A short loop over named phases: plan, search, ensemble, refit, persist.
 */
export async function autopilot(options: AutopilotOptions, internals: AutopilotInternals = {}): Promise<AutopilotJob> {
  const runners = internals.runner ?? defaultTrialRunner;
  const plan = await planJob(options);
  const { budget, objective } = plan;
  const objectiveText = objectiveName(objective);
  const seconds = () => (Date.now() - budget.startedAt) / 1000;
  const setupDone = seconds();

  const state = new SearchState(objective, budget, options.onProgress, internals.stop);
  const v = plan.validation;
  const validationText = v.kind === 'cv' ? `${v.numFolds}-fold CV${(v.repeats ?? 1) > 1 ? ` x ${v.repeats} repeats` : ''}` : `holdout ${plan.foldValid[0].length} rows`;
  state.emit('setup', `${plan.task} (${plan.prep.taskReason}); ${plan.features.numRows} rows, ${plan.features.numColumns} features; ${validationText}; objective ${objectiveText}; ${Math.max(1, plan.instances)} instance(s)`);
  const runner = runners(plan.instances, plan.workerMemoryMb);
  try {
    await search(plan, state, runner);
  } finally {
    await runner.close();
  }
  const searchDone = seconds();
  requireCompleted(plan, state);

  await stack(plan, state);
  const stackDone = seconds();
  state.emit('ensemble', 'greedy ensemble selection');
  const ensemble = selectEnsemble(plan, state);
  const ensembleDone = seconds();
  const leaderboard = rankLeaderboard(state.results, ensemble, objective);
  const best = leaderboard[0];

  const final = await refit(plan, state, chosenMembers(best, ensemble?.members, state), runners);
  const job = persist(plan, state, leaderboard, final, { setupDone, searchDone, ensembleDone, refitDone: seconds(), stackSeconds: stackDone - searchDone });
  state.emit('done', `best ${best.candidateId} ${objectiveText}=${best.objective?.toPrecision(5)}`);
  return job;
}
