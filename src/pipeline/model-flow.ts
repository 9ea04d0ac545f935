import path from 'node:path';
import { type FeatureSchema, alignToSchema, schemaOf } from '../frame/align.js';
import type { Frame } from '../frame/index.js';
import { TabpilotError } from '../util/errors.js';
import { loadFlow, saveFlow } from '../wrangle/flow/files.js';
import { type InferenceFlow, applyInferenceSteps, extractInferenceFlow, parseTarget } from '../wrangle/flow/inference.js';
import { runFlow } from '../wrangle/flow/runner.js';

/**
 * Flows inside models. A model trained from a flow stores the flow's row-wise steps (with their fitted
 * state) and the schema the learner saw after them; prediction aligns raw rows to the raw schema, applies
 * the steps, then aligns the result to the learner's schema, so category dictionaries always match.
 */
export interface ModelFlow extends InferenceFlow {
  /** Features as the learner saw them (after the steps). */
  output_features?: FeatureSchema[];
  /** Where the flow came from (informational). */
  origin?: { file: string; target: string };
}

/** The model pipeline's flow applier (registered with src/models/artifact.ts). */
export function applyModelFlow(flow: unknown, frame: Frame): Frame {
  const out = applyInferenceSteps(flow, frame);
  const features = (flow as ModelFlow).output_features;
  return features ? alignToSchema(out, features).frame : out;
}

export interface FlowTrainingData {
  /** Output of the training node (e.g. the Train split): what the learner is fitted on. */
  training: Frame;
  /** Raw rows at the inference boundary (source or join output): the model's input schema. */
  raw: Frame;
  inference: InferenceFlow;
  targetNode: string;
  fitted: string[];
}

/**
 * Runs a flow file for training (`tabpilot train/autopilot --flow`): learned steps are fitted or reused and
 * their state saved back into the file, then the training node's output and the raw boundary rows are returned.
 */
export async function trainingDataFromFlow(file: string, opts: { target?: string; params?: Record<string, string>; refit?: boolean; save?: boolean } = {}): Promise<FlowTrainingData> {
  const { flow, baseDir } = await loadFlow(file);
  const target = parseTarget(flow, opts.target);
  const inference = extractInferenceFlow(flow, `${target.node_id}:${target.output}`);
  const run = await runFlow(flow, { baseDir, params: opts.params, refit: opts.refit, write: false, targets: [target.node_id] });
  if (run.fitted.length > 0 && opts.save !== false) saveFlow(run.flow, file);
  const fittedInference = extractInferenceFlow(run.flow, `${target.node_id}:${target.output}`);
  const training = run.frames.get(target.node_id)?.[target.output];
  const raw = run.frames.get(inference.input_node)?.default;
  if (!training || !raw) throw new TabpilotError('INTERNAL', `flow ${file}: training node "${target.node_id}" was not computed`);
  return { training, raw, inference: fittedInference, targetNode: `${target.node_id}${target.output !== 'default' ? `:${target.output}` : ''}`, fitted: run.fitted };
}

/** The flow to store in a model: the inference steps plus the learner's feature schema. */
export function modelFlow(data: FlowTrainingData, learnerFeatures: readonly FeatureSchema[], file: string): ModelFlow {
  return { ...data.inference, output_features: [...learnerFeatures], origin: { file: path.resolve(file), target: data.targetNode } };
}

/** Raw input schema of a model trained from a flow: the boundary rows' columns minus target and ignored ones. */
export function rawFeatureSchema(data: FlowTrainingData, target: string, ignore: readonly string[] = []): FeatureSchema[] {
  const skip = new Set([target, ...ignore]);
  return schemaOf(data.raw, data.raw.columnNames.filter((c) => !skip.has(c)));
}

/** `--param name=value` flags to flow parameter overrides. */
export function parseFlowParams(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null); // keyed by parameter name
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new TabpilotError('INVALID_ARGUMENT', `--param expects name=value, got "${v}"`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}


