import type { Frame } from '../../frame/index.js';
import { Random } from '../../util/random.js';
import { TabpilotError } from '../../util/errors.js';
import { flowError } from '../step.js';
import { CAST_OPERATORS, type FlowFile, type FlowNode, parseFlowJson, resolveStep, storedState, topologicalOrder } from './format.js';
import { checkColumns } from './runner.js';

/**
 * The inference pipeline of a flow: the row-wise steps between the raw input (a source, or the output of
 * a join/concatenate) and a target node. Steps that only curate training rows (sort, shuffle, drop
 * duplicates, sampling, split, drop missing, outlier removal, drop invalid timestamps) are skipped;
 * other multi-row steps (join inside the chain, group by, balance, time series windows...) are rejected.
 */
export interface InferenceFlow {
  format: 'tabpilot-inference-flow';
  version: 1;
  /** Node whose output is the raw input of the pipeline. */
  input_node: string;
  /** Row-wise steps in order, with their fitted state. */
  steps: FlowNode[];
  skipped: { node_id: string; operator: string; reason: string }[];
}

function operatorLabel(node: FlowNode): string {
  return typeof node.parameters.operator === 'string' ? node.parameters.operator : node.operator;
}

/** Steps that filter or reorder training rows without changing columns or values. */
function trainingOnly(node: FlowNode, group: string, operator: string, params: Record<string, unknown>): boolean {
  if (group === 'manage_rows' || group === 'sampling' || group === 'split') return true;
  if (group === 'handle_missing' && operator === 'Drop missing') return true;
  if (group === 'handle_outliers' && params.fix === 'Remove') return true;
  if (group === 'time_series' && operator === 'Validate timestamps' && params.policy === 'drop') return true;
  void node;
  return false;
}

/** Default training node: a split output named train, else the input of the first destination, else the last node. */
export function defaultTarget(flow: FlowFile): { node_id: string; output: string } {
  for (const n of flow.nodes) {
    const o = n.outputs.find((x) => /^train(ing)?$/i.test(x.name));
    if (o) return { node_id: n.node_id, output: o.name };
  }
  const dest = flow.nodes.find((n) => n.type === 'DESTINATION');
  if (dest && dest.inputs[0]) return { node_id: dest.inputs[0].node_id, output: dest.inputs[0].output_name };
  const order = topologicalOrder(flow.nodes);
  return { node_id: order[order.length - 1].node_id, output: 'default' };
}

export function parseTarget(flow: FlowFile, spec?: string): { node_id: string; output: string } {
  if (!spec) return defaultTarget(flow);
  const [id, output = 'default'] = spec.split(':');
  const node = flow.nodes.find((n) => n.node_id === id);
  if (!node) throw new TabpilotError('FLOW_INVALID', `no node "${id}" in the flow; nodes are: ${flow.nodes.map((n) => n.node_id).join(', ')}`);
  if (!node.outputs.some((o) => o.name === output)) throw new TabpilotError('FLOW_INVALID', `node "${id}" has no output "${output}"`);
  return { node_id: id, output };
}

export function extractInferenceFlow(flow: FlowFile, target?: string): InferenceFlow {
  const { node_id } = parseTarget(flow, target);
  const byId = new Map(flow.nodes.map((n) => [n.node_id, n]));
  const chain: FlowNode[] = [];
  const skipped: InferenceFlow['skipped'] = [];
  let cur = byId.get(node_id)!;
  for (;;) {
    if (cur.type === 'SOURCE') break;
    if (cur.type === 'TRANSFORM' && !CAST_OPERATORS.includes(cur.operator)) {
      const step = resolveStep(cur);
      if (step.def.arity === 2) break;
      const p = step.params as Record<string, unknown>;
      if (step.def.group === 'custom_function') throw flowError(cur.node_id, 'operator', 'a JavaScript custom function cannot be part of an inference pipeline stored in a model');
      if (!step.def.rowWise(step.params)) {
        if (trainingOnly(cur, step.def.group, step.def.operator, p)) skipped.push({ node_id: cur.node_id, operator: step.def.operator, reason: 'filters or reorders training rows only' });
        else {
          throw flowError(
            cur.node_id,
            'operator',
            `"${step.def.operator}" is a multi-row transform (its output rows depend on other rows), so it cannot be part of an inference pipeline; move it before the join/source boundary or train without it`,
          );
        }
      } else chain.push(cur);
    } else if (cur.type === 'TRANSFORM') chain.push(cur);
    if (cur.inputs.length === 0) break;
    cur = byId.get(cur.inputs[0].node_id)!;
  }
  chain.reverse();
  skipped.reverse();
  return { format: 'tabpilot-inference-flow', version: 1, input_node: cur.node_id, steps: JSON.parse(JSON.stringify(chain)) as FlowNode[], skipped };
}

function asInferenceFlow(flowJson: unknown, target?: string): InferenceFlow {
  const obj = flowJson as Record<string, unknown>;
  if (obj && obj.format === 'tabpilot-inference-flow') {
    if (obj.version !== 1) throw new TabpilotError('FLOW_INVALID', `inference flow version ${String(obj.version)} is newer than this tabpilot reads (1)`);
    return obj as unknown as InferenceFlow;
  }
  return extractInferenceFlow(parseFlowJson(flowJson), target);
}

/**
 * Applies the fitted row-wise steps of a flow to a frame of raw rows (the model pipeline's entry point).
 * Accepts a whole flow file (its default training target) or an extracted inference flow.
 */
interface PreparedStep {
  node: FlowNode;
  step: ReturnType<typeof resolveStep>;
  trained: unknown;
}

/** Resolved steps per flow object: serving applies the same model flow to every request without re-parsing it. */
const prepared = new WeakMap<object, PreparedStep[]>();

function prepare(inf: InferenceFlow): PreparedStep[] {
  return inf.steps.map((node) => {
    if (CAST_OPERATORS.includes(node.operator)) throw flowError(node.node_id, 'operator', 'type-cast nodes are not supported in an inference pipeline; cast with "Parse value as type"');
    const step = resolveStep(node);
    let trained: unknown;
    if (step.def.fit) {
      const stored = storedState(node, step);
      if (stored.status === 'missing') throw new TabpilotError('NOT_FITTED', `node "${node.node_id}" (${operatorLabel(node)}) has no fitted state; run the flow once (tabpilot flow run) before using it for inference`);
      if (stored.status === 'stale') throw new TabpilotError('NOT_FITTED', `node "${node.node_id}" (${operatorLabel(node)}): its parameters changed after it was fitted; re-run the flow with --refit`);
      trained = stored.state;
    }
    return { node, step, trained };
  });
}

/**
 * Applies the fitted row-wise steps of a flow to a frame of raw rows (the model pipeline's entry point).
 * Accepts a whole flow file (its default training target) or an extracted inference flow.
 */
export function applyInferenceSteps(flowJson: unknown, frame: Frame, opts: { target?: string; report?: Record<string, number> } = {}): Frame {
  const cacheable = typeof flowJson === 'object' && flowJson !== null && (flowJson as { format?: unknown }).format === 'tabpilot-inference-flow';
  let steps = cacheable ? prepared.get(flowJson as object) : undefined;
  if (!steps) {
    steps = prepare(asInferenceFlow(flowJson, opts.target));
    if (cacheable) prepared.set(flowJson as object, steps);
  }
  let out = frame;
  for (const { node, step, trained } of steps) {
    checkColumns(node.node_id, out, step.def.inputColumns(step.params));
    const report: Record<string, number> = {};
    const result = step.def.apply([out], step.params, trained, { nodeId: node.node_id, random: new Random(0), report });
    if (opts.report) for (const [k, v] of Object.entries(report)) opts.report[`${node.node_id}.${k}`] = v;
    out = result as Frame;
  }
  return out;
}
