import { ensembleSpec } from './ensemble.js';
import { type AnySpec, BASE_LEARNERS, lookupSpec, modelFromJSONWith } from './learners.js';
import type { FittedModel } from './types.js';

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
export function getLearnerSpec(kind: string): AnySpec {
  return lookupSpec(BY_KIND, kind);
}

/** Rebuilds a fitted model from its JSON (any registered kind). Validates the envelope; never runs code. */
export function modelFromJSON(json: unknown, path?: string): FittedModel {
  return modelFromJSONWith(BY_KIND, json, path);
}
