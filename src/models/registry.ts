import { ensembleSpec } from './ensemble.js';
import { type AnySpec, BASE_LEARNERS, lookupSpec, modelFromJSONWith } from './learners.js';
import type { BaggingParams } from './ensemble.js';
import type { ForestParams } from './forest/train.js';
import type { GbdtParams } from './gbdt/booster.js';
import type { KnnParams } from './knn/index.js';
import type { LinearParams } from './linear/index.js';
import type { MlpParams } from './mlp/index.js';
import type { TextNbParams } from './text/cnb.js';
import type { TextFastTextParams } from './text/fasttext.js';
import type { TextGbdtParams } from './text/text-gbdt.js';
import type { TextLinearParams } from './text/text-linear.js';
import type { FittedModel, HyperValue, LearnerSpec } from './types.js';

/** Each learner kind's hyperparameters: `getLearnerSpec('gbdt')` is a `LearnerSpec<GbdtParams>`. */
export interface LearnerParams {
  gbdt: GbdtParams;
  rf: ForestParams;
  extratrees: ForestParams;
  linear: LinearParams;
  mlp: MlpParams;
  knn: KnnParams;
  'text-linear': TextLinearParams;
  'text-nb': TextNbParams;
  'text-gbdt': TextGbdtParams;
  'text-fasttext': TextFastTextParams;
  ensemble: BaggingParams;
}

/** Hyperparameters of a learner chosen at run time (a kind read from a file or a flag). */
export type AnyParams = Record<string, HyperValue>;

/**
 * Every learner tabpilot can train or load, by kind. Generic code (Autopilot, the CLI, the conformance tests,
 * model loading) goes through here, never through a learner module directly.
 */
const SPECS: readonly AnySpec[] = [...BASE_LEARNERS, ensembleSpec];
const BY_KIND: ReadonlyMap<string, AnySpec> = new Map(SPECS.map((s) => [s.kind, s]));

/** All registered learner specs: gbdt, rf, extratrees, linear, mlp, ensemble. */
export function learnerSpecs(): readonly AnySpec[] {
  return SPECS;
}

/** The kinds a user can train one model of (every registered learner but the ensemble). */
export function trainableKinds(): readonly string[] {
  return BASE_LEARNERS.map((s) => s.kind);
}

/** The spec of one kind; throws INVALID_ARGUMENT listing the known kinds. */
export function getLearnerSpec<K extends keyof LearnerParams>(kind: K): LearnerSpec<LearnerParams[K]>;
export function getLearnerSpec(kind: string): LearnerSpec<AnyParams>;
export function getLearnerSpec(kind: string): AnySpec {
  return lookupSpec(BY_KIND, kind);
}

/** Rebuilds a fitted model from its JSON (any registered kind). Validates the envelope; never runs code. */
export function modelFromJSON(json: unknown, path?: string): FittedModel {
  return modelFromJSONWith(BY_KIND, json, path);
}
