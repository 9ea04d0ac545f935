import { TabpilotError } from '../util/errors.js';
import { extraTreesSpec, randomForestSpec } from './forest/index.js';
import { gbdtSpec } from './gbdt/index.js';
import { knnSpec } from './knn/index.js';
import { linearSpec } from './linear/index.js';
import { mlpSpec } from './mlp/index.js';
import { textFastTextSpec } from './text/fasttext.js';
import { textGbdtSpec, textLinearSpec, textNbSpec } from './text/index.js';
import { field, formatError, objectAt, stringAt } from './model-json.js';
import type { FittedModel, LearnerSpec, ModelJSON } from './types.js';

/**
 * The base learners (every kind that fits on features alone) and the lookups shared by the full registry
 * (src/models/registry.ts adds the ensemble, which holds base models). Splitting the two keeps the module
 * graph acyclic: ensemble.ts imports this file, registry.ts imports both.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySpec = LearnerSpec<any>;

// The text learners (tags.input 'text') read raw text columns; Autopilot keeps them to text jobs.
export const BASE_LEARNERS: readonly AnySpec[] = [gbdtSpec, randomForestSpec, extraTreesSpec, linearSpec, mlpSpec, knnSpec, textLinearSpec, textNbSpec, textGbdtSpec, textFastTextSpec];
const BASE_BY_KIND: ReadonlyMap<string, AnySpec> = new Map(BASE_LEARNERS.map((s) => [s.kind, s]));

/** The spec of one kind in `specs`; throws INVALID_ARGUMENT listing the known kinds. */
export function lookupSpec(specs: ReadonlyMap<string, AnySpec>, kind: string): AnySpec {
  const spec = specs.get(kind);
  if (!spec) throw new TabpilotError('INVALID_ARGUMENT', `unknown learner "${kind}"; known: ${[...specs.keys()].join(', ')}`);
  return spec;
}

/** Rebuilds a fitted model of a kind in `specs` from its JSON. Validates the envelope; never runs code. */
export function modelFromJSONWith(specs: ReadonlyMap<string, AnySpec>, json: unknown, path = 'model'): FittedModel {
  const j = objectAt(json, path);
  const kind = stringAt(field(j, 'kind'), `${path}.kind`);
  const spec = specs.get(kind);
  if (!spec) throw formatError(`${path}.kind`, `model kind "${kind}" is not known to this build (known: ${[...specs.keys()].join(', ')})`);
  return spec.fromJSON(j as ModelJSON, path);
}

/** A base learner's spec (gbdt, rf, extratrees, linear, mlp). */
export function baseLearnerSpec(kind: string): AnySpec {
  return lookupSpec(BASE_BY_KIND, kind);
}

/** A fitted base model from its JSON. */
export function baseModelFromJSON(json: unknown, path?: string): FittedModel {
  return modelFromJSONWith(BASE_BY_KIND, json, path);
}
