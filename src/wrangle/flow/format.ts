import { TabpilotError } from '../../util/errors.js';
import { type AnyTransform, isSingleOperator, snakeOperator, transformsOf } from '../registry.js';
import { ParamReader, flowError } from '../step.js';

/**
 * The flow file: Data Wrangler's .flow shape (metadata + nodes with node_id, type, operator, parameters,
 * trained_parameters, inputs, outputs), versioned, with readable fitted state. JSON Schema:
 * schemas/flow.schema.json. Documented in docs/wrangle.md.
 */
export const FLOW_FORMAT_VERSION = 1;

export type NodeType = 'SOURCE' | 'TRANSFORM' | 'VISUALIZATION' | 'DESTINATION' | 'DATASET';
export const NODE_TYPES: readonly NodeType[] = ['SOURCE', 'TRANSFORM', 'VISUALIZATION', 'DESTINATION', 'DATASET'];

export interface FlowInput {
  name: string;
  node_id: string;
  output_name: string;
}
export interface FlowOutput {
  name: string;
}

export interface FlowNode {
  node_id: string;
  type: NodeType;
  operator: string;
  name?: string;
  parameters: Record<string, unknown>;
  trained_parameters?: Record<string, unknown>;
  inputs: FlowInput[];
  outputs: FlowOutput[];
}

export type FlowParameterType = 'Number' | 'String' | 'Pattern' | 'Datetime';
export interface FlowParameter {
  name: string;
  type: FlowParameterType;
  default_value: string | number;
  /** Datetime: strftime or yyyy/MM/dd pattern used to write the date into the path. */
  datetime_format?: string;
  /** Datetime: match every date in [value - range, value], e.g. "7 days", "24 hours", "1 years". */
  relative_range?: string;
  description?: string;
}

export interface FlowFile {
  metadata: {
    version: number;
    format?: 'tabpilot-flow';
    /** Seed for every random step that does not set its own. */
    seed?: number;
    parameters?: FlowParameter[];
    [k: string]: unknown;
  };
  nodes: FlowNode[];
}

/** Canonical operator strings for each node kind. */
export const SOURCE_OPERATORS = ['tabpilot.source_0.1', 'sagemaker.s3_source_0.1'];
export const DESTINATION_OPERATORS = ['tabpilot.destination_0.1', 'sagemaker.s3_destination_0.1'];
export const IDENTITY_OPERATORS = ['tabpilot.identity_0.1', 'sagemaker.dataset.identity_0.1'];
export const CAST_OPERATORS = ['tabpilot.infer_and_cast_type_0.1', 'sagemaker.spark.infer_and_cast_type_0.1', 'sagemaker.spark.infer_and_cast_type_0.2'];

/** Group of a transform operator string: `tabpilot.<group>_<version>` or `sagemaker.spark.<group>_<version>`. */
export function groupOfOperator(operator: string): string | null {
  const m = /^(?:tabpilot|sagemaker\.spark)\.([a-z0-9_]+?)_\d+\.\d+$/.exec(operator);
  return m ? m[1] : null;
}

export function operatorOfGroup(group: string): string {
  return `tabpilot.${group}_0.1`;
}

export interface ResolvedStep {
  def: AnyTransform;
  params: unknown;
  /** Raw parameter block the typed params came from (used for the trained-state hash). */
  rawParams: unknown;
}

/** Finds the transform of a TRANSFORM node and parses its parameters; errors name the node and field. */
export function resolveStep(node: FlowNode): ResolvedStep {
  const group = groupOfOperator(node.operator);
  const defs = group ? transformsOf(group) : undefined;
  if (!group || !defs) throw flowError(node.node_id, 'operator', `unknown transform "${node.operator}"`);
  const top = ParamReader.of(node.node_id, node.parameters);
  let def: AnyTransform;
  let reader: ParamReader;
  let raw: unknown;
  if (isSingleOperator(group)) {
    def = defs[0];
    if (node.parameters && typeof node.parameters.operator === 'string' && node.parameters.operator !== def.operator) {
      throw flowError(node.node_id, 'parameters.operator', `"${node.parameters.operator}" is not an operator of ${group}; it has "${def.operator}"`);
    }
    top.raw('operator');
    reader = top;
    raw = node.parameters;
  } else {
    const opName = top.str('operator');
    const found = defs.find((d) => d.operator.toLowerCase() === opName.toLowerCase());
    if (!found) throw flowError(node.node_id, 'parameters.operator', `unknown ${group} operator "${opName}"; operators are: ${defs.map((d) => `"${d.operator}"`).join(', ')}`);
    def = found;
    const key = parameterBlockKey(node.parameters, def.operator);
    reader = top.child(key);
    raw = node.parameters[key];
    // Other operators' parameter blocks are kept (as Data Wrangler does) but must be objects.
    for (const k of Object.keys(node.parameters)) if (k !== key && k !== 'operator' && !k.endsWith('_parameters')) top.raw(k);
    for (const k of Object.keys(node.parameters)) if (k.endsWith('_parameters')) top.raw(k);
  }
  const params = def.parse(reader);
  reader.done();
  if (reader !== top) top.done();
  return { def, params, rawParams: raw ?? {} };
}

export type StoredState = { status: 'fitted'; state: unknown } | { status: 'missing' } | { status: 'stale' };

/**
 * The fitted state stored on a learned step's node (`trained_parameters`), type-checked by the step's
 * `parseTrained` (errors name the node and the field). `missing` when the node was never fitted, `stale`
 * when its parameters changed after fitting: the state is not used then, so it is not checked.
 */
export function storedState(node: FlowNode, step: ResolvedStep): StoredState {
  const stored = node.trained_parameters;
  if (!stored || Object.keys(stored).length <= 1) return { status: 'missing' };
  if (stored._hash !== paramsHash(step.rawParams)) return { status: 'stale' };
  if (!step.def.parseTrained) throw new TabpilotError('INTERNAL', `transform "${step.def.operator}" learns state but cannot check stored state`);
  const r = ParamReader.of(node.node_id, stored, 'trained_parameters');
  r.raw('_hash');
  return { status: 'fitted', state: step.def.parseTrained(r, step.params) };
}

/** Data Wrangler spellings of parameter blocks that differ from `<snake operator>_parameters`. */
const BLOCK_ALIASES: Record<string, string[]> = { 'Impute missing': ['impute_parameters'] };

/** The key of an operator's parameter block; matched case-insensitively (time-series flows write `Resample_parameters`). */
function parameterBlockKey(parameters: Record<string, unknown>, operator: string): string {
  const wanted = [`${snakeOperator(operator)}_parameters`, ...(BLOCK_ALIASES[operator] ?? [])];
  for (const w of wanted) {
    const hit = Object.keys(parameters).find((k) => k.toLowerCase().replace(/[^a-z0-9]+/g, '_') === w);
    if (hit !== undefined) return hit;
  }
  return wanted[0];
}

/** Stable hash of a parameter block: trained state is reused only while its parameters are unchanged. */
export function paramsHash(value: unknown): string {
  const s = stableStringify(value);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 0x01000193);
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 0x85ebca6b);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  return `{${Object.keys(v as object)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Structural checks on parsed JSON: shapes, version, unique ids, known node types, input references. */
export function parseFlowJson(json: unknown, file?: string): FlowFile {
  const fail = (message: string) => new TabpilotError('FLOW_INVALID', message, file ? { file } : {});
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('a flow file is a JSON object with "metadata" and "nodes"');
  const obj = json as Record<string, unknown>;
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null) throw fail('field "metadata" is required (an object with "version")');
  if (typeof meta.version !== 'number' || !Number.isInteger(meta.version)) throw fail('field "metadata.version" must be an integer');
  if (meta.version > FLOW_FORMAT_VERSION) {
    throw fail(`field "metadata.version": the flow has format version ${meta.version}, this tabpilot reads up to version ${FLOW_FORMAT_VERSION}; upgrade tabpilot`);
  }
  if (meta.version < 1) throw fail(`field "metadata.version": unsupported format version ${meta.version}`);
  if (meta.parameters !== undefined) {
    if (!Array.isArray(meta.parameters)) throw fail('field "metadata.parameters" must be a list');
    meta.parameters.forEach((p: unknown, i) => {
      const q = p as Record<string, unknown>;
      if (typeof q?.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(q.name)) throw fail(`field "metadata.parameters[${i}].name" must be an identifier`);
      if (!['Number', 'String', 'Pattern', 'Datetime'].includes(q.type as string)) throw fail(`field "metadata.parameters[${i}].type" must be Number, String, Pattern or Datetime`);
      if (typeof q.default_value !== 'string' && typeof q.default_value !== 'number') throw fail(`field "metadata.parameters[${i}].default_value" is required`);
      if (q.type === 'Number' && !Number.isFinite(Number(q.default_value))) throw fail(`field "metadata.parameters[${i}].default_value" must be a number`);
    });
  }
  if (!Array.isArray(obj.nodes)) throw fail('field "nodes" must be a list');
  const ids = new Set<string>();
  const nodes = obj.nodes.map((n: unknown, i: number): FlowNode => {
    const node = n as Record<string, unknown>;
    if (typeof node !== 'object' || node === null) throw fail(`nodes[${i}] must be an object`);
    const id = node.node_id;
    if (typeof id !== 'string' || id === '') throw fail(`field "nodes[${i}].node_id" is required`);
    if (ids.has(id)) throw flowError(id, 'node_id', 'two nodes share this id');
    ids.add(id);
    if (!NODE_TYPES.includes(node.type as NodeType)) throw flowError(id, 'type', `must be one of ${NODE_TYPES.join(', ')}, got ${JSON.stringify(node.type)}`);
    if (typeof node.operator !== 'string') throw flowError(id, 'operator', 'is required (a string)');
    if (node.parameters !== undefined && (typeof node.parameters !== 'object' || node.parameters === null || Array.isArray(node.parameters))) throw flowError(id, 'parameters', 'must be an object');
    const trained = node.trained_parameters;
    if (trained !== undefined && (typeof trained !== 'object' || trained === null || Array.isArray(trained))) throw flowError(id, 'trained_parameters', 'must be an object');
    if (trained !== undefined && (trained as Record<string, unknown>)._hash !== undefined && typeof (trained as Record<string, unknown>)._hash !== 'string') throw flowError(id, 'trained_parameters._hash', 'must be a string');
    const inputs = (node.inputs ?? []) as unknown[];
    if (!Array.isArray(inputs)) throw flowError(id, 'inputs', 'must be a list');
    const outputs = (node.outputs ?? [{ name: 'default' }]) as unknown[];
    if (!Array.isArray(outputs)) throw flowError(id, 'outputs', 'must be a list');
    return {
      node_id: id,
      type: node.type as NodeType,
      operator: node.operator,
      ...(typeof node.name === 'string' ? { name: node.name } : {}),
      parameters: (node.parameters ?? {}) as Record<string, unknown>,
      ...(node.trained_parameters !== undefined ? { trained_parameters: node.trained_parameters as Record<string, unknown> } : {}),
      inputs: inputs.map((inp, k) => {
        const x = inp as Record<string, unknown>;
        if (typeof x?.node_id !== 'string') throw flowError(id, `inputs[${k}].node_id`, 'is required');
        return { name: typeof x.name === 'string' ? x.name : k === 0 ? 'df' : `df${k}`, node_id: x.node_id, output_name: typeof x.output_name === 'string' ? x.output_name : 'default' };
      }),
      outputs: outputs.map((o, k) => {
        const x = o as Record<string, unknown>;
        if (typeof x?.name !== 'string') throw flowError(id, `outputs[${k}].name`, 'is required');
        return { ...x, name: x.name } as FlowOutput;
      }),
    };
  });
  const byId = new Map(nodes.map((n) => [n.node_id, n]));
  for (const n of nodes) {
    n.inputs.forEach((inp, k) => {
      const up = byId.get(inp.node_id);
      if (!up) throw flowError(n.node_id, `inputs[${k}].node_id`, `refers to a node "${inp.node_id}" that does not exist`);
      if (!up.outputs.some((o) => o.name === inp.output_name)) {
        throw flowError(n.node_id, `inputs[${k}].output_name`, `node "${up.node_id}" has no output "${inp.output_name}"; its outputs are ${up.outputs.map((o) => `"${o.name}"`).join(', ')}`);
      }
    });
  }
  topologicalOrder(nodes);
  return { metadata: { ...(meta as FlowFile['metadata']) }, nodes };
}

/** Nodes in dependency order; a cycle is an error naming a node on it. */
export function topologicalOrder(nodes: FlowNode[]): FlowNode[] {
  const byId = new Map(nodes.map((n) => [n.node_id, n]));
  const state = new Map<string, 1 | 2>();
  const out: FlowNode[] = [];
  const visit = (n: FlowNode, path: string[]) => {
    const s = state.get(n.node_id);
    if (s === 2) return;
    if (s === 1) {
      const cycle = path.slice(path.indexOf(n.node_id)).concat(n.node_id);
      throw flowError(n.node_id, 'inputs', `the flow has a cycle: ${cycle.join(' -> ')}`);
    }
    state.set(n.node_id, 1);
    for (const inp of n.inputs) visit(byId.get(inp.node_id)!, [...path, n.node_id]);
    state.set(n.node_id, 2);
    out.push(n);
  };
  for (const n of nodes) visit(n, []);
  return out;
}
