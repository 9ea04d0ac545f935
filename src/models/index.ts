/**
 * `tabpilot/models`: the learner registry, each learner's spec, and the learner contract's types.
 */
export { learnerSpecs, getLearnerSpec, modelFromJSON, trainableKinds, type LearnerParams, type AnyParams } from './registry.js';
export { gbdtSpec } from './gbdt/index.js';
export { randomForestSpec, extraTreesSpec } from './forest/index.js';
export { linearSpec } from './linear/index.js';
export { mlpSpec } from './mlp/index.js';
export { ensembleSpec } from './ensemble.js';
export { inferProblemType, detectProblemType, type ProblemTypeDecision, type ProblemTypeInference, type ProblemTypeRefusal } from './problem-type.js';
export type { Task, Learner, LearnerSpec, LearnerTags, FittedModel, FitContext, ModelJSON, HyperValue, ProgressEvent, FeatureImportance } from './types.js';
