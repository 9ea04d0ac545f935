import type { Objective } from '../metrics/index.js';
import type { HyperValue, LearnerSpec } from '../models/types.js';
import type { Random } from '../util/random.js';
import { type CandidateResult, lossOf } from './search-state.js';
import { type Observation, proposeTpe } from './tpe.js';

/** One HPO proposal: a learner and its hyperparameter overrides. */
export interface Proposal {
  readonly kind: string;
  readonly params: Record<string, HyperValue>;
}

/** A proposal tunes the learner with the best loss so far with this probability, ... */
const PICK_BEST = 0.55;
/** ... the second best up to this cumulative probability, and a random learner otherwise. */
const PICK_SECOND = 0.85;

/** Proposes up to `count` HPO candidates from the completed history. */
export function proposeBatch(
  specs: readonly LearnerSpec<object>[],
  results: readonly CandidateResult[],
  objective: Objective,
  rng: Random,
  count: number,
): Proposal[] {
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
  const inOrder = [...results].sort((a, b) => a.candidate.index - b.candidate.index);
  const out: Proposal[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    const spec = u < PICK_BEST || ranked.length === 1 ? ranked[0] : u < PICK_SECOND ? ranked[1] : ranked[rng.int(ranked.length)];
    const history: Observation[] = inOrder
      .filter((r) => r.candidate.kind === spec.kind && r.candidate.origin !== 'halving')
      .map((r) => ({ params: { ...spec.defaults, ...r.candidate.params } as Record<string, HyperValue>, loss: r.status === 'Completed' ? lossOf(objective, r.objective) : Infinity }));
    for (const o of out) if (o.kind === spec.kind) history.push({ params: o.params, loss: Infinity });
    const params = proposeTpe(spec.searchSpace, history, rng.fork(i));
    out.push({ kind: spec.kind, params });
  }
  return out;
}
