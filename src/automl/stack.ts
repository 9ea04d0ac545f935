import { Frame } from '../frame/frame.js';
import { computeMetrics } from '../metrics/index.js';
import { STACK_FORMAT_VERSION, STACK_KIND, stackFeatureColumns } from '../models/ensemble.js';
import { needsFeaturizer } from '../models/featurize.js';
import { foldCount, foldRows } from '../models/folds.js';
import { getLearnerSpec } from '../models/registry.js';
import type { HyperValue } from '../models/types.js';
import { Random, hash32 } from '../util/random.js';
import { type JobPlan, stackingEligible } from './plan.js';
import { objectiveValue } from './search.js';
import { type CandidateResult, STACK_ORIGIN, type SearchState } from './search-state.js';
import { type MemberText, ensembleJsonText } from './trial.js';

/**
 * Phase 2b, stacking (AutoGluon's multi-layer stack ensembling, one extra layer): second-layer learners fitted on
 * the out-of-fold (OOF) predictions of the best STACK_TOP_K first-layer candidates, with the SAME fold plan, so each
 * stacker gets honest-as-AutoGluon OOF predictions of its own and competes on the leaderboard (rows `stack-linear`,
 * `stack-gbdt`) and in greedy ensemble selection like any candidate.
 *
 * The fold choice, as AutoGluon makes it: the stacker of fold f is fitted on the other folds' rows, whose first-layer
 * features are those rows' OOF predictions. Those came from first-layer models that did see fold f's rows, so fold
 * f's labels reach the stacker indirectly (a small optimism in its OOF score); the alternative, nested CV inside every
 * fold, costs folds x folds first-layer fits. At predict time the first layer is each candidate's fold models
 * averaged (AutoGluon's bagged models), the same kind of model that produced the OOF predictions. Stacking needs
 * OOF predictions of every row, so it runs with k-fold CV only (not on a holdout).
 *
 * Budget: the plan keeps STACK_RESERVE_FRACTION of the runtime off the search (plan.ts, budget.stackDeadline). A
 * stacker starts only when its estimated time (the fastest first-layer fold fit times the fold count, then its own
 * measured first fold) ends before that deadline; one that would overrun is dropped whole, never half-fitted.
 */

/** First-layer candidates the stackers read: more adds columns and multiplies the stacked model's predict cost. */
export const STACK_TOP_K = 5;
/** The stackers also read the raw feature columns (AutoGluon's default); measured no better on the anchors, so off. */
export const STACK_PASSTHROUGH = false;
/** Seeds of stacker fits: hash32(seed, STACK_SEED_BASE + stacker x STACK_SEED_STRIDE + fold), apart from candidates'. */
const STACK_SEED_BASE = 1 << 24;
const STACK_SEED_STRIDE = 64;

interface Stacker {
  readonly name: string;
  readonly kind: string;
  readonly params: Record<string, HyperValue>;
}

/** The second-layer learners: a regularised linear model on the logits and a small, slow-learning GBDT. */
const STACKERS: readonly Stacker[] = [
  // C = 0.1: ten times the default L2 penalty, the first-layer columns are strongly correlated.
  { name: 'stack-linear', kind: 'linear', params: { C: 0.1 } },
  // Few shallow trees on a handful of columns: enough to learn where one model beats another, little to over-fit.
  { name: 'stack-gbdt', kind: 'gbdt', params: { numRounds: 100, learningRate: 0.05, numLeaves: 7, minDataInLeaf: 20, lambdaL2: 5, featureFraction: 0.8 } },
];

interface StackFit {
  readonly oof: Float64Array;
  readonly folds: MemberText[];
  readonly fitSeconds: number;
}

/** Fits one stacker on every fold; null when it would not end before `deadline`. */
async function fitStacker(plan: JobPlan, s: number, input: Frame, estimateSeconds: number, deadline: number | undefined): Promise<StackFit | null> {
  const { task, k, validation } = plan;
  const stacker = STACKERS[s];
  const spec = getLearnerSpec(stacker.kind);
  const folds = foldCount(validation);
  const repeats = validation.repeats ?? 1;
  const width = task === 'regression' ? 1 : k;
  const oof = new Float64Array(input.numRows * width);
  const members: MemberText[] = [];
  let perFold = estimateSeconds;
  let fitSeconds = 0;
  for (let f = 0; f < folds; f++) {
    if (deadline !== undefined && Date.now() + perFold * (folds - f) * 1000 > deadline) return null;
    const { train, valid } = foldRows(validation, f);
    const weights = plan.prep.sampleWeight;
    const t0 = performance.now();
    const model = await spec.create({ ...stacker.params }).fit(input, plan.prep.target, {
      task,
      rng: new Random(hash32(plan.seed, STACK_SEED_BASE + s * STACK_SEED_STRIDE + f)),
      rows: train,
      classes: plan.classes,
      classWeight: plan.options.classWeight,
      sampleWeight: weights ? Float64Array.from(train, (r) => weights[r]) : undefined,
      deadline,
    });
    const rows = input.take(valid);
    const p = task === 'regression' ? model.predict(rows) : model.predictProba(rows);
    for (let i = 0; i < valid.length; i++) for (let c = 0; c < width; c++) oof[valid[i] * width + c] += p[i * width + c] / repeats;
    const seconds = (performance.now() - t0) / 1000;
    fitSeconds += seconds;
    perFold = fitSeconds / (f + 1);
    members.push({ source: `${stacker.name}/fold${f}`, modelJson: JSON.stringify(model.toJSON()) });
  }
  return { oof, folds: members, fitSeconds };
}

/** The stacked model's JSON text (see StackJSON), assembled from the members' text. */
function stackJsonText(plan: JobPlan, inputs: readonly CandidateResult[], metaNames: readonly string[], folds: readonly MemberText[], passthrough: boolean): string {
  const { task, classes } = plan;
  const featureNames = plan.features.columnNames;
  const inputText = inputs.map((r) => ensembleJsonText(task, classes, featureNames, r.members!.map((member) => ({ weight: 1, member }))));
  return (
    `{"format":"tabpilot-model","formatVersion":${STACK_FORMAT_VERSION},"kind":"${STACK_KIND}","task":${JSON.stringify(task)},` +
    (classes ? `"classes":${JSON.stringify(classes)},` : '') +
    `"featureNames":${JSON.stringify(featureNames)},"inputs":[${inputText.join(',')}],` +
    `"meta":${ensembleJsonText(task, classes, metaNames, folds.map((member) => ({ weight: 1, member })))},"passthrough":${passthrough}}`
  );
}

/**
 * Fits the stackers on the best first-layer candidates' OOF predictions and records each as a candidate (origin
 * STACK_ORIGIN). Does nothing when the job is not eligible, fewer than two candidates kept their predictions, or
 * there is no time.
 */
export async function stack(plan: JobPlan, state: SearchState, passthroughWanted = STACK_PASSTHROUGH): Promise<void> {
  if (!stackingEligible(plan.options, plan.mode, plan.validation.kind === 'cv')) return;
  const inputs = state
    .completedByLoss()
    .filter((r) => r.oof && r.members && r.candidate.origin !== STACK_ORIGIN)
    .slice(0, STACK_TOP_K);
  if (inputs.length < 2) return;
  const { task, k } = plan;
  const columns = stackFeatureColumns(task, k, inputs.map((r) => r.oof!));
  const passthrough = passthroughWanted && !needsFeaturizer(plan.features, plan.features.columnNames);
  const input = passthrough ? columns.reduce((f, c) => f.withColumn(c), plan.features) : Frame.fromColumns(columns);
  const folds = foldCount(plan.validation);
  // The fastest first-layer fold fit, scaled by the columns read: the stackers read the same rows, and with many
  // classes more columns than the features.
  const estimate = Math.min(...inputs.map((r) => r.fitSeconds / folds)) * Math.max(1, input.numColumns / Math.max(1, plan.features.numColumns));
  const deadline = plan.budget.stackDeadline;
  state.emit('ensemble', `stacking on the out-of-fold predictions of ${inputs.map((r) => r.candidate.id).join(', ')}`);
  for (let s = 0; s < STACKERS.length; s++) {
    const stacker = STACKERS[s];
    const fit = await fitStacker(plan, s, input, estimate, deadline);
    if (!fit) {
      state.emit('ensemble', `${stacker.name} skipped: not enough time left`);
      continue;
    }
    const metrics = computeMetrics(task, plan.yScored, task === 'regression' ? { prediction: fit.oof } : { probabilities: fit.oof }, { numClasses: k, weight: plan.weightScored });
    const params: Record<string, HyperValue> = { learner: stacker.kind, ...stacker.params, inputs: inputs.map((r) => r.candidate.id).join(' '), passthrough };
    const candidate = state.newCandidate(stacker.name, params, STACK_ORIGIN);
    const inputPredict = inputs.reduce((sum, r) => sum + (r.predictSecondsPer1000Rows ?? 0), 0);
    state.record({
      candidate,
      status: 'Completed',
      objective: objectiveValue(plan, metrics, fit.oof),
      metrics,
      fitSeconds: fit.fitSeconds,
      predictSecondsPer1000Rows: inputPredict,
      oof: fit.oof,
      members: [{ source: candidate.id, modelJson: stackJsonText(plan, inputs, input.columnNames, fit.folds, passthrough) }],
    });
  }
}
