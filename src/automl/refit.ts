import { foldCount } from '../models/folds.js';
import { Semaphore } from '../util/pool.js';
import { type WeightedResult, decisionThreshold } from './ensemble.js';
import { type JobPlan, buildTrialTask } from './plan.js';
import type { TrialRunnerFactory } from './pool.js';
import { describeError } from './search.js';
import { STACK_ORIGIN, type SearchState } from './search-state.js';
import { type Calibration, calibrate } from './calibrate.js';
import type { MemberText } from './trial.js';

/**
 * Phase 4, refit: the final model's members are the chosen candidates' validation-fold models, or, when the plan
 * asks for it and the time left allows, each chosen candidate refitted on every row.
 */

/** A fitted member of the final model and its weight. */
export interface FinalMember {
  readonly weight: number;
  readonly member: MemberText;
}

export interface FinalModel {
  readonly members: FinalMember[];
  /** True when the members were refitted on all rows. */
  readonly refitted: boolean;
  /** Binary label objectives: the tuned decision threshold (see ensemble.ts decisionThreshold). */
  readonly decisionThreshold?: number;
  /** LogLoss objectives: the temperature tried on the final model's out-of-fold predictions (see calibrate.ts). */
  readonly calibration?: Calibration;
}

/** A refit on all rows of a holdout plan takes this many times one validation fit (1 / (1 - holdout 0.2)), ... */
const REFIT_GROWTH_HOLDOUT = 1.3;
/** ... of a k-fold plan this many times one fold fit (5 folds: all rows / 4/5 of them). */
const REFIT_GROWTH_CV = 1.25;
/** The refit starts only if its estimated time, with this margin, ends before the deadline. */
const REFIT_ESTIMATE_MARGIN = 1.2;

/** The chosen candidates' validation-fold models, each candidate's weight split over its folds. */
function foldMembers(chosen: readonly WeightedResult[]): FinalMember[] {
  return chosen.flatMap((m) => m.result.members!.map((member) => ({ member, weight: m.weight / m.result.members!.length })));
}

export async function refit(plan: JobPlan, state: SearchState, chosen: readonly WeightedResult[], runners: TrialRunnerFactory): Promise<FinalModel> {
  const threshold = decisionThreshold(plan, chosen);
  const calibration = calibrate(plan, chosen);
  if (calibration) state.emit('refit', `temperature ${calibration.temperature}: out-of-fold log loss ${calibration.oofLogLossBefore.toPrecision(4)} -> ${calibration.oofLogLossAfter.toPrecision(4)}${calibration.rows !== undefined ? ` on ${calibration.rows} sampled rows` : ''}${calibration.applied ? '' : ' (not kept)'}`);
  const fallback: FinalModel = { members: foldMembers(chosen), refitted: false, decisionThreshold: threshold, calibration };
  // A stacker's first layer must stay the fold models whose out-of-fold predictions it learnt from.
  if (!plan.refit || chosen.some((m) => m.result.candidate.origin === STACK_ORIGIN)) return fallback;
  const { validation, instances } = plan;
  const growth = validation.kind === 'holdout' ? REFIT_GROWTH_HOLDOUT : REFIT_GROWTH_CV;
  const fitEstimate = chosen.reduce((s, m) => s + (m.result.fitSeconds / Math.max(1, foldCount(validation))) * growth, 0);
  const deadline = plan.budget.finalDeadline;
  const slots = Math.max(1, instances);
  if (deadline !== undefined && Date.now() + (fitEstimate / Math.min(slots, chosen.length)) * 1000 * REFIT_ESTIMATE_MARGIN >= deadline) {
    plan.warn('not enough time left to refit on all rows; the final model uses the validation-fold models', 'refit_skipped');
    return fallback;
  }
  state.emit('refit', `refitting ${chosen.length} model(s) on all ${plan.features.numRows} rows`);
  const runner = runners(Math.min(instances, chosen.length), plan.workerMemoryMb);
  const semaphore = new Semaphore(Math.max(1, Math.min(instances, chosen.length)));
  try {
    const outs = await Promise.all(
      chosen.map((m) =>
        semaphore.run(async () => {
          const c = m.result.candidate;
          const left = deadline === undefined ? Infinity : deadline - Date.now();
          if (left <= 0) return null;
          const task = buildTrialTask(plan, c, -1, Number.isFinite(left) ? Date.now() + left : undefined);
          return runner.run(task, left + plan.budget.hardGraceMs).catch((e: unknown) => {
            plan.warn(`refit of ${c.id} failed (${describeError(e)}); keeping its validation-fold models`, 'refit_failed');
            return null;
          });
        }),
      ),
    );
    if (outs.some((o) => o === null)) return fallback;
    return { members: outs.map((o, i) => ({ member: o!.member, weight: chosen[i].weight })), refitted: true, decisionThreshold: threshold, calibration };
  } finally {
    await runner.close();
  }
}
