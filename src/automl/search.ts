import { type MetricName, computeMetrics, objectiveName, scoreObjective } from '../metrics/index.js';
import { foldCount } from '../models/folds.js';
import { getLearnerSpec } from '../models/registry.js';
import type { HyperValue } from '../models/types.js';
import { Semaphore, isPoolTimeout } from '../util/pool.js';
import { TabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { type Proposal, proposeBatch } from './hpo.js';
import { type JobPlan, buildTrialTask } from './plan.js';
import type { TrialRunner } from './pool.js';
import { portfolio } from './portfolio.js';
import { presetPortfolio } from './presets.js';
import { type Candidate, type CandidateResult, type SearchState, lossOf } from './search-state.js';
import type { TrialOutput } from './trial.js';

/**
 * Phase 2, search: a given candidate list, or the portfolio; then TPE proposals in fixed-size batches (each batch
 * depends only on earlier ones, so a seed and --max-candidates reproduce the search), with successive halving on
 * a holdout. Every candidate is evaluated on every fold through the trial runner; results go to the SearchState.
 */

/** HPO proposals per batch (doubled under successive halving: half are promoted). */
const HPO_BATCH = 4;
/** Under successive halving a batch proposes this many times HPO_BATCH candidates at low fidelity. */
const HALVING_BATCH_FACTOR = 2;
/** Low-fidelity rungs train with 1/HALVING_REDUCTION of the fidelity parameter (rounds, trees, epochs). */
const HALVING_REDUCTION = 4;
/** Random streams of HPO batch b are forked from the job seed at HPO_STREAM + b. */
const HPO_STREAM = 1000;
/** Under a time budget, the most of the remaining time one candidate may use. */
const CANDIDATE_SHARE = 0.4;
/** A candidate always gets at least this long (ms) when that much of the search is left. */
const MIN_CANDIDATE_MS = 1000;
/** A trial's hard limit is its soft deadline plus this share of it, ... */
const HARD_OVERRUN_FRACTION = 0.1;
/** ... and at least this long (ms). */
const MIN_HARD_OVERRUN_MS = 1000;

/** What the search phase works with. */
export interface SearchContext {
  readonly plan: JobPlan;
  readonly state: SearchState;
  readonly runner: TrialRunner;
  readonly semaphore: Semaphore;
}

/** A trial's failure, for the leaderboard: code-based for workers that were stopped or ran out of memory. */
export function describeError(e: unknown): string {
  if (isPoolTimeout(e)) return `trial passed its time limit (${e.seconds.toFixed(1)} s) and was stopped`;
  const err = e as (Error & { code?: string }) | undefined;
  const msg = err?.message ?? String(e);
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') return `out of memory: ${msg}`;
  return msg.split('\n')[0];
}

/** Per-candidate bookkeeping of its folds. */
interface CandidateClock {
  failed: boolean;
  started: number;
  deadline?: number;
  /** Epoch ms: the candidate is skipped when its first fold has not started by then (the preset's HPO share). */
  startBy?: number;
  skipped?: boolean;
}

async function runFold(ctx: SearchContext, c: Candidate, fold: number, clock: CandidateClock): Promise<TrialOutput | null> {
  const { plan, state } = ctx;
  return ctx.semaphore.run(async () => {
    if (clock.failed) return null;
    if (clock.started === 0 && clock.startBy !== undefined && Date.now() > clock.startBy) {
      clock.skipped = true;
      return null;
    }
    const left = state.timeLeft();
    if (left <= 0) return null;
    const trialLimitMs = plan.options.maxTrialSeconds !== undefined ? plan.options.maxTrialSeconds * 1000 : Infinity;
    // Under a time budget, split what is left over this candidate's remaining folds, so a slow candidate
    // still finishes every fold (with fewer rounds) instead of being stopped half-way.
    const foldsLeft = foldCount(plan.validation) - clock.started;
    clock.started++;
    // One candidate may take at most CANDIDATE_SHARE of the time left when it starts, so a slow candidate
    // cannot starve the rest of the search (its folds still all run, with fewer rounds).
    clock.deadline ??= Date.now() + left * CANDIDATE_SHARE;
    const candidateLeft = Math.min(left, Math.max(clock.deadline - Date.now(), Math.min(left, MIN_CANDIDATE_MS)));
    const share = candidateLeft / Math.ceil(foldsLeft / Math.max(1, plan.instances));
    const softMs = Math.min(share, trialLimitMs);
    const deadline = Number.isFinite(softMs) ? Date.now() + softMs : undefined;
    const hardMs = Number.isFinite(softMs) ? Math.min(softMs + Math.max(MIN_HARD_OVERRUN_MS, softMs * HARD_OVERRUN_FRACTION), left + plan.budget.hardGraceMs) : Infinity;
    state.trialsRunning++;
    try {
      return await ctx.runner.run(buildTrialTask(plan, c, fold, deadline), hardMs);
    } finally {
      state.trialsRunning--;
      state.trialsDone++;
    }
  });
}

/**
 * The objective of out-of-fold (or ensemble) predictions `oof` whose reported metrics are `metrics`: read from
 * them for a built-in metric; a custom objective is computed here, on the coordinator (its function cannot be
 * sent to a worker). A custom function that throws is reported as an INVALID_ARGUMENT error naming it.
 */
export function objectiveValue(plan: JobPlan, metrics: Partial<Record<MetricName, number>>, oof: Float64Array): number {
  const { objective, task, k } = plan;
  if (typeof objective === 'string') return metrics[objective] ?? NaN;
  const prediction = task === 'regression' ? { prediction: oof } : { probabilities: oof };
  try {
    return scoreObjective(task, objective, plan.yScored, prediction, { numClasses: k, weight: plan.weightScored });
  } catch (e) {
    throw new TabpilotError('INVALID_ARGUMENT', `custom objective "${objective.name}" threw: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Scores a candidate whose every fold finished: its out-of-fold predictions, metrics and members. */
function scoreFolds(plan: JobPlan, result: CandidateResult, outputs: readonly TrialOutput[]): void {
  const { k } = plan;
  const objective = objectiveName(plan.objective);
  const oof = new Float64Array(plan.scored.length * k);
  // Repeated CV: each row is predicted once per repeat; its out-of-fold prediction is their mean.
  const share = 1 / (plan.validation.repeats ?? 1);
  let predictSeconds = 0;
  let predictedRows = 0;
  outputs.forEach((o, f) => {
    const rows = plan.foldValid[f];
    const p = o.predictions;
    for (let i = 0; i < rows.length; i++) {
      const at = plan.oofPosition[rows[i]];
      for (let j = 0; j < k; j++) oof[at * k + j] += p[i * k + j] * share;
    }
    predictSeconds += o.predictSeconds;
    predictedRows += o.validRows;
  });
  result.oof = oof;
  result.members = outputs.map((o) => o.member);
  const prediction = plan.task === 'regression' ? { prediction: oof } : { probabilities: oof };
  result.metrics = computeMetrics(plan.task, plan.yScored, prediction, { numClasses: k, weight: plan.weightScored });
  result.objective = objectiveValue(plan, result.metrics, oof);
  result.predictSecondsPer1000Rows = predictedRows > 0 ? (predictSeconds / predictedRows) * 1000 : null;
  if (!Number.isFinite(result.objective)) {
    result.status = 'Failed';
    result.failureReason = `objective ${objective} is not finite (${result.objective})`;
  }
}

/** Evaluates one candidate on every fold and records the result. */
export async function evaluate(ctx: SearchContext, c: Candidate, startBy?: number): Promise<CandidateResult> {
  const { plan, state } = ctx;
  const clock: CandidateClock = { failed: false, started: 0, startBy };
  let failure: string | undefined;
  const outputs = await Promise.all(
    Array.from({ length: foldCount(plan.validation) }, (_, f) =>
      runFold(ctx, c, f, clock).catch((e: unknown) => {
        // A trial cut off because the whole job ran out of time is Stopped, not Failed.
        // Without a per-trial limit from the user, a timeout can only come from the job's own budget.
        if (isPoolTimeout(e) && (state.timeLeft() <= 0 || plan.options.maxTrialSeconds === undefined)) return null;
        clock.failed = true;
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
    const stopped = state.stopReason();
    result.failureReason = clock.skipped
      ? 'skipped: the preset keeps the rest of the search time for HPO'
      : stopped !== undefined
        ? `the job was stopped before every fold was fitted: ${stopped}`
        : 'the job ran out of time before every fold was fitted';
  } else {
    scoreFolds(plan, result, outputs as TrialOutput[]);
  }
  state.record(result);
  const objectiveText = `${objectiveName(plan.objective)}=${result.objective.toPrecision(5)}`;
  state.emit('search', `${c.id} ${result.status === 'Completed' ? objectiveText : `${result.status}: ${result.failureReason}`}`);
  return result;
}

/** Successive halving on the fidelity parameter: all proposals at 1/HALVING_REDUCTION fidelity, the best half at full. */
async function successiveHalving(ctx: SearchContext, proposals: readonly Proposal[]): Promise<void> {
  const { state } = ctx;
  const low = proposals.map((p) => {
    const fp = getLearnerSpec(p.kind).fidelityParam;
    if (!fp || typeof p.params[fp] !== 'number') return null;
    return { fp, reduced: Math.max(1, Math.round((p.params[fp] as number) / HALVING_REDUCTION)) };
  });
  const rung0 = await Promise.all(
    proposals.map((p, i) => {
      const l = low[i];
      if (!state.budgetLeft()) return Promise.resolve(null);
      return evaluate(ctx, state.newCandidate(p.kind, l ? { ...p.params, [l.fp]: l.reduced } : p.params, l ? 'halving' : 'hpo'));
    }),
  );
  const promotable = rung0
    .map((r, i) => ({ r, i }))
    .filter((x) => x.r && x.r.status === 'Completed' && low[x.i])
    .sort((a, b) => lossOf(state.objective, a.r!.objective) - lossOf(state.objective, b.r!.objective) || a.i - b.i)
    .slice(0, Math.max(1, Math.floor(proposals.length / 2)));
  await Promise.all(promotable.map((x) => (state.budgetLeft() ? evaluate(ctx, state.newCandidate(proposals[x.i].kind, proposals[x.i].params, 'hpo')) : null)));
}

/** The first candidates: a given list, or the portfolio (not in HPO mode). */
async function firstCandidates(ctx: SearchContext): Promise<void> {
  const { plan, state } = ctx;
  const given = plan.options.candidates;
  if (given) {
    const list = given.map((d) => state.newCandidate(d.learner, { ...d.hyperparameters }, 'given', d.seedKey));
    await Promise.all(list.map((c) => evaluate(ctx, c)));
  } else if (plan.mode !== 'hpo') {
    const entries = presetPortfolio(plan.preset, portfolio(plan.specs, plan.k, plan.features.numRows)).slice(0, state.budget.maxCandidates);
    // Under a time budget the preset may keep part of the search for HPO: portfolio candidates not started by then are skipped.
    const { searchDeadline, startedAt } = state.budget;
    const startBy = searchDeadline !== undefined && plan.preset.portfolioTimeShare < 1 && plan.mode !== 'ensembling' ? startedAt + (searchDeadline - startedAt) * plan.preset.portfolioTimeShare : undefined;
    await Promise.all(entries.map((e) => evaluate(ctx, state.newCandidate(e.kind, { ...e.params }, 'portfolio'), startBy)));
  }
}

/** HPO in fixed-size batches until the candidate or time budget runs out. */
async function hpoBatches(ctx: SearchContext): Promise<void> {
  const { plan, state } = ctx;
  if (plan.mode === 'hpo') {
    const defaultsFirst = plan.specs.map((s) => state.newCandidate(s.kind, {} as Record<string, HyperValue>, 'hpo'));
    await Promise.all(defaultsFirst.slice(0, state.budget.maxCandidates).map((c) => evaluate(ctx, c)));
  }
  const useHalving = plan.validation.kind === 'holdout';
  for (let batch = 0; state.budgetLeft(); batch++) {
    const size = Math.min(HPO_BATCH * (useHalving ? HALVING_BATCH_FACTOR : 1), state.candidatesLeft);
    const proposals = proposeBatch(plan.specs, state.results, plan.objective, new Random(plan.seed).fork(HPO_STREAM + batch), size);
    if (proposals.length === 0) break;
    if (useHalving) await successiveHalving(ctx, proposals);
    else await Promise.all(proposals.map((p) => evaluate(ctx, state.newCandidate(p.kind, p.params, 'hpo'))));
  }
}

/** Runs the whole search on `runner` (the caller closes it). */
export async function search(plan: JobPlan, state: SearchState, runner: TrialRunner): Promise<void> {
  const ctx: SearchContext = { plan, state, runner, semaphore: new Semaphore(Math.max(1, plan.instances)) };
  await firstCandidates(ctx);
  if (!plan.options.candidates && plan.mode !== 'ensembling') await hpoBatches(ctx);
}
