import { type MetricName, type Objective, isBetter, objectiveDirection } from '../metrics/index.js';
import type { HyperValue } from '../models/types.js';
import type { MemberText } from './trial.js';
import type { AutopilotProgress } from './types.js';

/**
 * The state of one Autopilot search, apart from its orchestration (as FLAML's SearchState): the candidates made so
 * far, their results, the best so far, trial counters and the budget / deadline bookkeeping. The phases
 * (search.ts, ensemble.ts, refit.ts) read and update it; nothing else holds search state.
 */

export interface Candidate {
  /** Position in the job: 0, 1, 2, ... Candidates are ordered by it, never by their id text. */
  readonly index: number;
  /** Seeds of this candidate's fits derive from it: its index, or the original index when re-running a definition. */
  readonly seedKey: number;
  readonly id: string;
  readonly kind: string;
  readonly origin: string;
  /** Overrides of the learner's defaults. */
  readonly params: Record<string, HyperValue>;
}

export interface CandidateResult {
  readonly candidate: Candidate;
  status: 'Completed' | 'Failed' | 'Stopped';
  failureReason?: string;
  objective: number;
  metrics: Partial<Record<MetricName, number>>;
  fitSeconds: number;
  predictSecondsPer1000Rows: number | null;
  /** Out-of-fold predictions (kept for the KEEP_TOP best, for ensembling). */
  oof?: Float64Array;
  members?: MemberText[];
}

/** The search's limits: candidates and wall-clock deadlines (epoch ms; undefined = no time limit). */
export interface SearchBudget {
  readonly startedAt: number;
  readonly maxCandidates: number;
  /** The whole job must be done by then. */
  readonly jobDeadline?: number;
  /** No trial starts after this; the rest of the job's time is kept for ensembling, refit and writing. */
  readonly searchDeadline?: number;
}

/** Origin of the second-layer candidates (stack.ts): their kind is a stacker name, not a learner kind. */
export const STACK_ORIGIN = 'stack';

/** Candidates whose models and out-of-fold predictions are kept for ensembling. */
export const KEEP_TOP = 20;

/** A comparable loss: smaller is better whatever the metric's direction; non-finite values are worst. */
export function lossOf(metric: Objective, value: number): number {
  if (!Number.isFinite(value)) return Infinity;
  return objectiveDirection(metric) === 'maximize' ? -value : value;
}

/** The id of candidate `index`: c000-gbdt, c001-linear, ..., c1000-mlp (the number is at least 3 digits). */
export function candidateId(index: number, kind: string): string {
  return `c${String(index).padStart(3, '0')}-${kind}`;
}

export class SearchState {
  readonly results: CandidateResult[] = [];
  best: CandidateResult | undefined;
  trialsDone = 0;
  trialsRunning = 0;
  private nextIndex = 0;

  constructor(
    readonly objective: Objective,
    readonly budget: SearchBudget,
    private readonly onProgress?: (event: AutopilotProgress) => void,
    /** Aborted: no time is left (no further trial starts). */
    private readonly stop?: AbortSignal,
  ) {}

  /** A new candidate with the next index. */
  newCandidate(kind: string, params: Record<string, HyperValue>, origin: string, seedKey?: number): Candidate {
    const index = this.nextIndex++;
    return { index, seedKey: seedKey ?? index, id: candidateId(index, kind), kind, origin, params };
  }

  /** Candidates made so far (finished or not). */
  get candidatesMade(): number {
    return this.nextIndex;
  }

  /** Candidates that may still be made under maxCandidates. */
  get candidatesLeft(): number {
    return this.budget.maxCandidates - this.nextIndex;
  }

  /** Milliseconds until the search deadline (Infinity without a time limit). */
  timeLeft(): number {
    if (this.stop?.aborted) return 0;
    return this.budget.searchDeadline === undefined ? Infinity : this.budget.searchDeadline - Date.now();
  }

  /**
   * Why the job was stopped before its time was up: the message of the stop signal's reason when it was
   * aborted with an Error (distributed: the BACKEND_LOST error when Redis was lost mid-job); undefined when
   * not stopped, or stopped without a reason.
   */
  stopReason(): string | undefined {
    if (!this.stop?.aborted) return undefined;
    const reason: unknown = this.stop.reason;
    // abort() without a reason gives a DOMException named AbortError: no reason of ours.
    return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : undefined;
  }

  /** True while another candidate may start: candidates and time are left. */
  budgetLeft(): boolean {
    return this.results.length < this.budget.maxCandidates && this.candidatesLeft > 0 && this.timeLeft() > 0;
  }

  /** Records a finished candidate, updates the best so far and drops the kept predictions of all but the KEEP_TOP best. */
  record(result: CandidateResult): void {
    this.results.push(result);
    if (result.status === 'Completed' && (this.best === undefined || isBetter(this.objective, result.objective, this.best.objective))) this.best = result;
    const ranked = this.completedByLoss().filter((r) => r.oof);
    for (let i = KEEP_TOP; i < ranked.length; i++) {
      ranked[i].oof = undefined;
      ranked[i].members = undefined;
    }
  }

  /** Completed results, best first; ties by candidate index. */
  completedByLoss(): CandidateResult[] {
    return this.results.filter((r) => r.status === 'Completed').sort((a, b) => this.compareByLoss(a, b));
  }

  compareByLoss(a: CandidateResult, b: CandidateResult): number {
    return lossOf(this.objective, a.objective) - lossOf(this.objective, b.objective) || a.candidate.index - b.candidate.index;
  }

  /** Every result in candidate order. */
  inIndexOrder(): CandidateResult[] {
    return [...this.results].sort((a, b) => a.candidate.index - b.candidate.index);
  }

  /** Sends a progress event (when the caller listens). */
  emit(phase: AutopilotProgress['phase'], message: string): void {
    if (!this.onProgress) return;
    const { startedAt, jobDeadline, maxCandidates } = this.budget;
    const best = this.best;
    this.onProgress({
      phase,
      message,
      trialsDone: this.trialsDone,
      trialsRunning: this.trialsRunning,
      candidatesDone: this.results.length,
      best: best ? { candidateId: best.candidate.id, objective: best.objective } : undefined,
      elapsedSeconds: (Date.now() - startedAt) / 1000,
      remainingSeconds: jobDeadline ? Math.max(0, (jobDeadline - Date.now()) / 1000) : undefined,
      maxCandidates,
    });
  }
}
