import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TabpilotError, isTabpilotError } from '../../util/errors.js';
import { CAST_OPERATORS, DESTINATION_OPERATORS, type FlowFile, type FlowNode, SOURCE_OPERATORS, parseFlowJson, resolveStep, storedState, topologicalOrder } from './format.js';
import { checkDestination } from './destinations.js';
import { type RunOptions, destinationPolicy, runFlow, sourcePathOf } from './runner.js';
import { defaultTarget } from './inference.js';

export async function loadFlow(file: string): Promise<{ flow: FlowFile; baseDir: string }> {
  if (!existsSync(file)) throw new TabpilotError('FILE_NOT_FOUND', 'no such flow file', { file });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TabpilotError('FLOW_INVALID', `not valid JSON: ${(e as Error).message}`, { file });
  }
  try {
    return { flow: parseFlowJson(json, file), baseDir: path.dirname(path.resolve(file)) };
  } catch (e) {
    if (isTabpilotError(e) && e.file === undefined) throw new TabpilotError(e.code, e.message, { file });
    throw e;
  }
}

/** Writes a flow file atomically (temporary file, then rename). */
export function saveFlow(flow: FlowFile, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(flow, null, 2) + '\n');
  renameSync(tmp, file);
}

export interface ValidationResult {
  ok: boolean;
  errors: string[];
  /** Whether the flow was also run on the first rows of its sources (catches missing columns, type errors). */
  dryRun: boolean;
  notes: string[];
}

/**
 * Static checks (structure, version, cycles, operators, every step's parameters), then, when the sources
 * can be read, a dry run on their first rows so a step naming a missing column fails here.
 */
export async function validateFlow(json: unknown, opts: RunOptions & { dryRunRows?: number; file?: string } = {}): Promise<ValidationResult> {
  const errors: string[] = [];
  const notes: string[] = [];
  let flow: FlowFile;
  try {
    flow = parseFlowJson(json, opts.file);
  } catch (e) {
    return { ok: false, errors: [(e as Error).message], dryRun: false, notes };
  }
  for (const node of flow.nodes) {
    try {
      if (node.type === 'TRANSFORM' && !CAST_OPERATORS.includes(node.operator)) {
        const step = resolveStep(node);
        const want = step.def.arity ?? 1;
        if (node.inputs.length !== want) throw new TabpilotError('FLOW_INVALID', `node "${node.node_id}", field "inputs": expects ${want} input(s), got ${node.inputs.length}`);
        const names = step.def.outputNames?.(step.params) ?? ['default'];
        for (const o of node.outputs) if (!names.includes(o.name)) throw new TabpilotError('FLOW_INVALID', `node "${node.node_id}", field "outputs": "${o.name}" is not an output of this step; it produces ${names.join(', ')}`);
        // Stored fitted state is type-checked like the parameters (it reaches computations and exported code).
        if (step.def.fit) storedState(node, step);
      } else if (node.type === 'SOURCE') {
        if (!SOURCE_OPERATORS.includes(node.operator)) throw new TabpilotError('FLOW_INVALID', `node "${node.node_id}", field "operator": unknown source operator "${node.operator}"`);
        sourcePathOf(node);
      } else if (node.type === 'DESTINATION') {
        if (!DESTINATION_OPERATORS.includes(node.operator)) throw new TabpilotError('FLOW_INVALID', `node "${node.node_id}", field "operator": unknown destination operator "${node.operator}"`);
        const target = checkDestination(node, destinationPolicy(opts, opts.baseDir ?? process.cwd()));
        if (!opts.overwrite && existsSync(target)) notes.push(`node "${node.node_id}": ${target} already exists; flow run replaces it only with --overwrite`);
      }
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length > 0) return { ok: false, errors, dryRun: false, notes };
  let dryRun = false;
  try {
    const rows = opts.dryRunRows ?? 1000;
    await runFlow(flow, { ...opts, write: false, limit: rows });
    dryRun = true;
    notes.push(`dry run on the first ${rows} rows of each source passed`);
  } catch (e) {
    if (isTabpilotError(e) && e.code === 'FILE_NOT_FOUND') notes.push(`dry run skipped: ${e.message}`);
    else errors.push((e as Error).message);
  }
  return { ok: errors.length === 0, errors, dryRun, notes };
}

/** The DAG and each step in words (`tabpilot flow show`). */
export function describeFlow(flow: FlowFile): string {
  const lines: string[] = [];
  const params = flow.metadata.parameters ?? [];
  lines.push(`flow format version ${flow.metadata.version}, ${flow.nodes.length} nodes${flow.metadata.seed !== undefined ? `, seed ${flow.metadata.seed}` : ''}`);
  if (params.length) {
    lines.push('parameters:');
    for (const p of params) lines.push(`  {{${p.name}}} ${p.type} = ${JSON.stringify(p.default_value)}${p.datetime_format ? ` format ${p.datetime_format}` : ''}${p.relative_range ? ` range ${p.relative_range}` : ''}`);
  }
  lines.push('steps (in run order):');
  const order = topologicalOrder(flow.nodes);
  const consumers = new Map<string, string[]>();
  for (const n of flow.nodes) for (const i of n.inputs) consumers.set(i.node_id, [...(consumers.get(i.node_id) ?? []), n.node_id + (i.output_name !== 'default' ? ` (${i.output_name})` : '')]);
  order.forEach((n, k) => {
    const from = n.inputs.map((i) => i.node_id + (i.output_name !== 'default' ? `:${i.output_name}` : '')).join(' + ');
    lines.push(`  ${String(k + 1).padStart(2)}. [${n.node_id}]${n.name ? ` "${n.name}"` : ''} ${n.type}${from ? ` <- ${from}` : ''}`);
    lines.push(`      ${nodeInWords(n)}`);
    const to = consumers.get(n.node_id);
    if (to) lines.push(`      -> ${to.join(', ')}`);
  });
  try {
    const t = defaultTarget(flow);
    lines.push(`training/inference target: ${t.node_id}${t.output !== 'default' ? `:${t.output}` : ''}`);
  } catch {
    /* no target for an empty flow */
  }
  return lines.join('\n');
}

function nodeInWords(n: FlowNode): string {
  try {
    switch (n.type) {
      case 'SOURCE':
        return `read ${sourcePathOf(n)}`;
      case 'DESTINATION': {
        const p = (n.parameters.output_config as Record<string, unknown> | undefined) ?? n.parameters;
        return `write ${String(p.output_path)}`;
      }
      case 'DATASET':
        return 'dataset (pass-through)';
      case 'VISUALIZATION':
        return `analysis ${n.operator} (does not change the data)`;
      case 'TRANSFORM': {
        if (CAST_OPERATORS.includes(n.operator)) return `cast column types ${JSON.stringify(n.parameters.column_types ?? {})}`;
        const step = resolveStep(n);
        const learned = step.def.fit ? (n.trained_parameters && Object.keys(n.trained_parameters).length > 1 ? ' [fitted]' : ' [not fitted yet]') : '';
        const rowWise = step.def.rowWise(step.params) ? '' : ' [multi-row]';
        return `${step.def.operator}: ${step.def.describe(step.params)}${learned}${rowWise}`;
      }
    }
  } catch (e) {
    return `INVALID: ${(e as Error).message}`;
  }
}
