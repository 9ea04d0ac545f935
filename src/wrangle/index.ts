/** Data Wrangler: transforms over frames, replayable flow files, export to code, inference pipelines. */
export { type StepContext, type TransformDef, ParamReader } from './step.js';
export { allTransforms, transformGroups, transformsOf } from './registry.js';
export { FLOW_FORMAT_VERSION, type FlowFile, type FlowNode, type FlowParameter, parseFlowJson, resolveStep, topologicalOrder } from './flow/format.js';
export { type RunOptions, type RunResult, runFlow, describeFrame } from './flow/runner.js';
export { FlowBuilder, type NodeRef, type AddResult } from './flow/builder.js';
export { type InferenceFlow, applyInferenceSteps, extractInferenceFlow, defaultTarget } from './flow/inference.js';
export { exportFlowModule, frameToTable, renderCell, type Table } from './flow/export.js';
export { loadFlow, saveFlow, validateFlow, describeFlow, type ValidationResult } from './flow/files.js';
export { parseFormula } from './formula/parse.js';
export { flowJsonSchema } from './flow/schema.js';
export { FORMULA_FUNCTIONS } from './formula/compile.js';
