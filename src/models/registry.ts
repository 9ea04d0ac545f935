import { TabpilotError } from '../util/errors.js';
import { linearSpec } from './linear/index.js';
import { mlpSpec } from './mlp/index.js';
import type { LearnerSpec, ModelJSON, FittedModel } from './types.js';

/**
 * Every learner tabpilot can train or load, by kind. Generic code (Autopilot, the CLI, the conformance tests,
 * model loading) goes through here, never through a learner module directly.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SPECS: readonly LearnerSpec<any>[] = [linearSpec, mlpSpec];

const BY_KIND = new Map(SPECS.map((s) => [s.kind, s]));

/** All registered learner specs (gbdt, rf, extratrees, linear, mlp, ensemble as they are built). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function learnerSpecs(): readonly LearnerSpec<any>[] {
  return SPECS;
}

/** The spec of one kind; throws INVALID_ARGUMENT listing the known kinds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function getLearnerSpec(kind: string): LearnerSpec<any> {
  const spec = BY_KIND.get(kind);
  if (!spec) throw new TabpilotError('INVALID_ARGUMENT', `unknown learner "${kind}"; known: ${[...BY_KIND.keys()].join(', ')}`);
  return spec;
}

/** Rebuilds a fitted model from its JSON (any registered kind). Validates the envelope; never runs code. */
export function modelFromJSON(json: unknown): FittedModel {
  if (json === null || typeof json !== 'object') throw new TabpilotError('MODEL_FORMAT', 'model: expected a JSON object');
  const j = json as Partial<ModelJSON>;
  if (j.format !== 'tabpilot-model') throw new TabpilotError('MODEL_FORMAT', `model: format is ${JSON.stringify(j.format)}, expected "tabpilot-model"`);
  if (typeof j.kind !== 'string') throw new TabpilotError('MODEL_FORMAT', 'model: no "kind"');
  const spec = BY_KIND.get(j.kind);
  if (!spec) throw new TabpilotError('MODEL_FORMAT', `model kind "${j.kind}" is not known to this build (known: ${[...BY_KIND.keys()].join(', ')})`);
  return spec.fromJSON(j as ModelJSON);
}
