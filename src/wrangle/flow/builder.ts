import type { Frame } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import type { CustomFunction } from '../transforms/formula.js';
import { snakeOperator, transformsOf, isSingleOperator } from '../registry.js';
import { FLOW_FORMAT_VERSION, type FlowFile, type FlowNode, type FlowParameter, operatorOfGroup, parseFlowJson, resolveStep } from './format.js';
import { runFlow } from './runner.js';

/** A node output: a node id, or `{ node, output }` for a named output of a split. */
export type NodeRef = string | { node: string; output: string };

export interface AddResult {
  node_id: string;
  /** First rows of the step's output (or of each named output). */
  preview: Record<string, Frame>;
  /** Rows per output. */
  rows: Record<string, number>;
  /** Counters the step reported (failed casts, unseen categories, dropped rows). */
  counts: Record<string, number>;
}

/**
 * Builds a flow step by step, as the Data Wrangler UI does: each step is validated when added (its
 * parameters, the columns it names) and run on the data so far, returning a preview of its first rows.
 * Learned steps are fitted when added; `toJSON()` gives the flow file with that fitted state.
 */
export class FlowBuilder {
  private readonly nodes: FlowNode[] = [];
  private readonly memory: Record<string, Frame> = {};
  private readonly functions: Record<string, CustomFunction> = {};
  private readonly parameters: FlowParameter[] = [];
  private counter = 0;

  constructor(
    private readonly opts: { baseDir?: string; previewRows?: number; seed?: number } = {},
  ) {}

  private id(prefix: string): string {
    let id: string;
    do id = `${prefix}-${++this.counter}`;
    while (this.nodes.some((n) => n.node_id === id));
    return id;
  }

  private static input(ref: NodeRef, name = 'df') {
    return typeof ref === 'string' ? { name, node_id: ref, output_name: 'default' } : { name, node_id: ref.node, output_name: ref.output };
  }

  parameter(p: FlowParameter): this {
    this.parameters.push(p);
    return this;
  }

  /** A source node: a file path (may hold {{param}} placeholders) or an in-memory frame. */
  async source(name: string, from: { path: string; column_types?: Record<string, string> } | { frame: Frame }, nodeId = this.id('source')): Promise<AddResult> {
    const node: FlowNode = {
      node_id: nodeId,
      type: 'SOURCE',
      operator: 'tabpilot.source_0.1',
      name,
      parameters: 'path' in from ? { path: from.path, ...(from.column_types ? { column_types: from.column_types } : {}) } : { path: `memory:${name}` },
      inputs: [],
      outputs: [{ name: 'default' }],
    };
    if ('frame' in from) this.memory[nodeId] = from.frame;
    return this.push(node);
  }

  /**
   * Adds a transform. `group` is the operator group (e.g. `encode_categorical`); `operator` the sub-operator
   * for multi-operator groups (e.g. `One-hot encode`); `params` its parameters.
   */
  async add(input: NodeRef | NodeRef[], group: string, operator: string | null, params: Record<string, unknown>, nodeId = this.id(group)): Promise<AddResult> {
    const defs = transformsOf(group);
    if (!defs) throw new TabpilotError('FLOW_INVALID', `unknown transform group "${group}"`);
    const parameters = isSingleOperator(group) ? params : { operator, [`${snakeOperator(operator ?? '')}_parameters`]: params };
    const inputs = (Array.isArray(input) ? input : [input]).map((r, i) => FlowBuilder.input(r, i === 0 ? 'df' : `df${i}`));
    const node: FlowNode = { node_id: nodeId, type: 'TRANSFORM', operator: operatorOfGroup(group), parameters, inputs, outputs: [{ name: 'default' }] };
    let step;
    try {
      step = resolveStep(node);
    } catch (e) {
      this.counter--;
      throw e;
    }
    const names = step.def.outputNames?.(step.params);
    if (names) node.outputs = names.map((name) => ({ name }));
    return this.push(node);
  }

  /** A JavaScript function step (library only: such a flow runs only where the function is registered). */
  async custom(input: NodeRef, name: string, fn: CustomFunction, rowWise = false): Promise<AddResult> {
    this.functions[name] = fn;
    return this.add(input, 'custom_function', null, { function_name: name, row_wise: rowWise });
  }

  async destination(input: NodeRef, outputPath: string, nodeId = this.id('destination')): Promise<AddResult> {
    return this.push({ node_id: nodeId, type: 'DESTINATION', operator: 'tabpilot.destination_0.1', parameters: { output_path: outputPath }, inputs: [FlowBuilder.input(input)], outputs: [{ name: 'default' }] });
  }

  private async push(node: FlowNode): Promise<AddResult> {
    this.nodes.push(node);
    try {
      const run = await runFlow(this.toJSON(), { baseDir: this.opts.baseDir, sources: this.memory, customFunctions: this.functions, write: false, targets: [node.node_id] });
      const fittedNode = run.flow.nodes.find((n) => n.node_id === node.node_id)!;
      if (fittedNode.trained_parameters) node.trained_parameters = fittedNode.trained_parameters;
      // Upstream nodes fitted during this run keep their state too.
      for (const n of run.flow.nodes) {
        const mine = this.nodes.find((x) => x.node_id === n.node_id);
        if (mine && n.trained_parameters && !mine.trained_parameters) mine.trained_parameters = n.trained_parameters;
      }
      const out = run.frames.get(node.node_id)!;
      const rows = this.opts.previewRows ?? 10;
      return {
        node_id: node.node_id,
        preview: Object.fromEntries(Object.entries(out).map(([k, f]) => [k, f.head(rows)])),
        rows: Object.fromEntries(Object.entries(out).map(([k, f]) => [k, f.numRows])),
        counts: run.reports[node.node_id].counts,
      };
    } catch (e) {
      this.nodes.pop();
      this.counter--;
      throw e;
    }
  }

  toJSON(): FlowFile {
    const flow: FlowFile = {
      metadata: { version: FLOW_FORMAT_VERSION, format: 'tabpilot-flow', ...(this.opts.seed !== undefined ? { seed: this.opts.seed } : {}), ...(this.parameters.length ? { parameters: this.parameters } : {}) },
      nodes: JSON.parse(JSON.stringify(this.nodes)) as FlowNode[],
    };
    return parseFlowJson(flow);
  }
}
