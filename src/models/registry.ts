import { TabpilotError } from '../util/errors.js';
import { ensembleSpec } from './ensemble.js';
import { extraTreesSpec, randomForestSpec } from './forest/index.js';
import { gbdtSpec } from './gbdt/index.js';
import { linearSpec } from './linear/index.js';
import { mlpSpec } from './mlp/index.js';
import type { FittedModel, LearnerSpec, ModelJSON } from './types.js';

/**
 * Every learner tabpilot can train or load, by kind. Generic code (Autopilot, the CLI, the conformance tests,
 * model loading) goes through here, never through a learner module directly. The list is built on first use
 * because ensemble.ts imports this module back (an ensemble loads its members through the registry).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySpec = LearnerSpec<any>;

let specs: readonly AnySpec[] | null = null;
let byKind: Map<string, AnySpec> | null = null;

function registered(): Map<string, AnySpec> {
  if (byKind === null) {
    specs = [gbdtSpec, randomForestSpec, extraTreesSpec, linearSpec, mlpSpec, ensembleSpec];
    byKind = new Map(specs.map((s) => [s.kind, s]));
  }
  return byKind;
}

/** All registered learner specs: gbdt, rf, extratrees, linear, mlp, ensemble. */
export function learnerSpecs(): readonly AnySpec[] {
  registered();
  return specs!;
}

/** The spec of one kind; throws INVALID_ARGUMENT listing the known kinds. */
export function getLearnerSpec(kind: string): AnySpec {
  const spec = registered().get(kind);
  if (!spec) throw new TabpilotError('INVALID_ARGUMENT', `unknown learner "${kind}"; known: ${[...registered().keys()].join(', ')}`);
  return spec;
}

/** Rebuilds a fitted model from its JSON (any registered kind). Validates the envelope; never runs code. */
export function modelFromJSON(json: unknown): FittedModel {
  if (json === null || typeof json !== 'object') throw new TabpilotError('MODEL_FORMAT', 'model: expected a JSON object');
  const j = json as Partial<ModelJSON>;
  if (j.format !== 'tabpilot-model') throw new TabpilotError('MODEL_FORMAT', `model: format is ${JSON.stringify(j.format)}, expected "tabpilot-model"`);
  if (typeof j.kind !== 'string') throw new TabpilotError('MODEL_FORMAT', 'model: no "kind"');
  const spec = registered().get(j.kind);
  if (!spec) throw new TabpilotError('MODEL_FORMAT', `model kind "${j.kind}" is not known to this build (known: ${[...registered().keys()].join(', ')})`);
  return spec.fromJSON(j as ModelJSON);
}
