import path from 'node:path';
import {
  type Column,
  type ColumnKind,
  type Frame,
  booleanColumn,
  categoricalFromStrings,
  countMissing,
  datetimeColumn,
  numericColumn,
  textColumn,
  toFloat64,
} from '../../frame/index.js';
import { readTable } from '../../io/index.js';
import { TabpilotError, isTabpilotError } from '../../util/errors.js';
import { Random, hash32 } from '../../util/random.js';
import { type StepContext, type StepOutput, flowError } from '../step.js';
import { concatFrames } from '../transforms/combine.js';
import { datesOf } from '../transforms/datetime.js';
import type { CustomFunction } from '../transforms/formula.js';
import { rt_parseDate } from '../formula/runtime.js';
import { allocate } from '../transforms/sample.js';
import { stringsOf } from '../util.js';
import {
  CAST_OPERATORS,
  DESTINATION_OPERATORS,
  type FlowFile,
  type FlowNode,
  IDENTITY_OPERATORS,
  SOURCE_OPERATORS,
  paramsHash,
  parseFlowJson,
  resolveStep,
  storedState,
  topologicalOrder,
} from './format.js';
import { type DestinationPolicy, writeDestination } from './destinations.js';
import { type ParamValues, expandSourcePath, resolveParameterValues } from './sources.js';

export interface RunOptions {
  /** Directory relative source and destination paths resolve against (the flow file's directory). */
  baseDir?: string;
  /** Flow parameter overrides (`--param name=value`). */
  params?: ParamValues;
  /** Refit every learned step instead of reusing its stored state. */
  refit?: boolean;
  /** Where destinations are written (relative output paths resolve here). */
  outDir?: string;
  /** Write destination files (default true). */
  write?: boolean;
  /** Accept destinations outside the output directory (default: refused). */
  allowOutside?: boolean;
  /** Replace destination files that already exist (default: refused). */
  overwrite?: boolean;
  /** In-memory frames for source nodes, by node id (library use, tests, the builder). */
  sources?: Record<string, Frame>;
  /** Read only the first K rows of each source (validation dry runs and previews). */
  limit?: number;
  /** JavaScript functions for `custom_function` nodes (library API only). */
  customFunctions?: Record<string, CustomFunction>;
  /** Compute only what these nodes need. */
  targets?: string[];
  /** Fixed clock for Datetime parameters (tests). */
  now?: number;
}

export interface NodeReport {
  rows: Record<string, number>;
  ms: number;
  fitted: boolean;
  counts: Record<string, number>;
}

export interface RunResult {
  /** The flow with fitted state stored in `trained_parameters`. */
  flow: FlowFile;
  /** Outputs of every computed node, by node id and output name. */
  frames: Map<string, Record<string, Frame>>;
  reports: Record<string, NodeReport>;
  written: { node_id: string; path: string; rows: number }[];
  /** Node ids whose learned state was (re)fitted in this run. */
  fitted: string[];
  analyses: Record<string, unknown>;
}

/** Runs a flow: sources are read, steps fitted (or their stored state reused) and applied, destinations written. */
export async function runFlow(input: FlowFile, opts: RunOptions = {}): Promise<RunResult> {
  // Parsing normalizes defaults (input output_name, outputs) and re-checks structure for library callers.
  const flow: FlowFile = parseFlowJson(JSON.parse(JSON.stringify(input)));
  const baseDir = opts.baseDir ?? process.cwd();
  const params = resolveParameterValues(flow, opts.params);
  const seed = flow.metadata.seed ?? 42;
  let order = topologicalOrder(flow.nodes);
  if (opts.targets) order = neededNodes(order, opts.targets);
  const frames = new Map<string, Record<string, Frame>>();
  const reports: Record<string, NodeReport> = {};
  const written: RunResult['written'] = [];
  const fitted: string[] = [];
  const analyses: Record<string, unknown> = {};
  const sourceFiles = new Set<string>();

  for (const node of order) {
    const t0 = performance.now();
    const inputs = node.inputs.map((inp) => {
      const out = frames.get(inp.node_id)?.[inp.output_name];
      if (!out) throw flowError(node.node_id, 'inputs', `input "${inp.node_id}" output "${inp.output_name}" was not computed`);
      return out;
    });
    const ctx: StepContext = { nodeId: node.node_id, random: new Random(hash32(seed, stringSeed(node.node_id))), report: {} };
    let out: Record<string, Frame>;
    let didFit = false;
    try {
      switch (node.type) {
        case 'SOURCE': {
          if (!SOURCE_OPERATORS.includes(node.operator)) throw flowError(node.node_id, 'operator', `unknown source operator "${node.operator}"; use "${SOURCE_OPERATORS[0]}"`);
          const frame = opts.sources?.[node.node_id] ?? (await readSource(node, baseDir, params, opts, sourceFiles));
          out = { default: sampleSource(node, frame) };
          break;
        }
        case 'DATASET':
        case 'VISUALIZATION': {
          expectInputs(node, inputs, 1);
          if (node.type === 'DATASET' && !IDENTITY_OPERATORS.includes(node.operator)) throw flowError(node.node_id, 'operator', `unknown dataset operator "${node.operator}"`);
          if (node.type === 'VISUALIZATION') analyses[node.node_id] = await runVisualization(node, inputs[0]);
          out = { default: inputs[0] };
          break;
        }
        case 'DESTINATION': {
          expectInputs(node, inputs, 1);
          if (!DESTINATION_OPERATORS.includes(node.operator)) throw flowError(node.node_id, 'operator', `unknown destination operator "${node.operator}"; use "${DESTINATION_OPERATORS[0]}"`);
          if (opts.write !== false) written.push({ node_id: node.node_id, path: writeDestination(node, inputs[0], destinationPolicy(opts, baseDir), sourceFiles), rows: inputs[0].numRows });
          out = { default: inputs[0] };
          break;
        }
        case 'TRANSFORM': {
          if (CAST_OPERATORS.includes(node.operator)) {
            expectInputs(node, inputs, 1);
            out = { default: castTypes(node, inputs[0], ctx) };
            break;
          }
          const step = resolveStep(node);
          expectInputs(node, inputs, step.def.arity ?? 1);
          checkColumns(node.node_id, inputs[0], step.def.inputColumns(step.params));
          if (step.def.rightColumns) checkColumns(node.node_id, inputs[1], step.def.rightColumns(step.params));
          let result: StepOutput;
          if (step.def.group === 'custom_function') {
            const name = (step.params as { name: string }).name;
            const fn = opts.customFunctions?.[name];
            if (!fn) throw flowError(node.node_id, 'parameters.function_name', `no JavaScript function "${name}" was registered (custom functions exist only in the library API)`);
            result = fn(inputs[0]);
          } else {
            let trained: unknown;
            if (step.def.fit) {
              const stored = opts.refit ? null : storedState(node, step);
              if (stored?.status === 'fitted') {
                trained = stored.state;
              } else {
                trained = step.def.fit(inputs[0], step.params, ctx);
                node.trained_parameters = { _hash: paramsHash(step.rawParams), ...(trained as Record<string, unknown>) };
                didFit = true;
                fitted.push(node.node_id);
              }
            }
            result = step.def.apply(inputs, step.params, trained, ctx);
          }
          out = result instanceof Object && 'numRows' in result ? { default: result as Frame } : (result as Record<string, Frame>);
          const names = step.def.outputNames?.(step.params) ?? ['default'];
          for (const o of node.outputs) {
            if (!out[o.name]) throw flowError(node.node_id, 'outputs', `output "${o.name}" is not produced by this step; it produces ${names.map((n) => `"${n}"`).join(', ')}`);
          }
          break;
        }
      }
    } catch (e) {
      throw withNode(e, node);
    }
    frames.set(node.node_id, out);
    reports[node.node_id] = {
      rows: Object.fromEntries(Object.entries(out).map(([k, f]) => [k, f.numRows])),
      ms: Math.round((performance.now() - t0) * 10) / 10,
      fitted: didFit,
      counts: ctx.report,
    };
  }
  return { flow, frames, reports, written, fitted, analyses };
}

/** Where destinations go and what they may replace: `outDir` (default the flow's folder), confined, no overwrite unless asked. */
export function destinationPolicy(opts: RunOptions, baseDir: string): DestinationPolicy {
  return { outDir: opts.outDir ?? baseDir, allowOutside: opts.allowOutside, overwrite: opts.overwrite };
}

function stringSeed(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Errors thrown by a step without a node reference get one. */
function withNode(e: unknown, node: FlowNode): unknown {
  if (isTabpilotError(e)) {
    if (e.message.includes(`node "${node.node_id}"`)) return e;
    const err = new TabpilotError(e.code, `node "${node.node_id}" (${node.operator}${typeof node.parameters?.operator === 'string' ? `: ${node.parameters.operator}` : ''}): ${e.message}`);
    Object.assign(err, { file: e.file, line: e.line, column: e.column });
    return err;
  }
  if (e instanceof Error) return new TabpilotError('INTERNAL', `node "${node.node_id}": ${e.message}`);
  return e;
}

function expectInputs(node: FlowNode, inputs: Frame[], n: number): void {
  if (inputs.length !== n) throw flowError(node.node_id, 'inputs', `expects ${n} input${n === 1 ? '' : 's'}, got ${inputs.length}`);
}

export function checkColumns(nodeId: string, frame: Frame, refs: { field: string; columns: string[] }[]): void {
  for (const { field, columns } of refs) {
    for (const c of columns) {
      if (!frame.has(c)) throw flowError(nodeId, `parameters.${field}`, `column "${c}" does not exist; columns are: ${frame.columnNames.join(', ')}`, c);
    }
  }
}

function neededNodes(order: FlowNode[], targets: string[]): FlowNode[] {
  const byId = new Map(order.map((n) => [n.node_id, n]));
  const need = new Set<string>();
  const visit = (id: string) => {
    if (need.has(id)) return;
    const n = byId.get(id);
    if (!n) throw new TabpilotError('FLOW_INVALID', `no node "${id}" in the flow`);
    need.add(id);
    n.inputs.forEach((i) => visit(i.node_id));
  };
  targets.forEach(visit);
  return order.filter((n) => need.has(n.node_id));
}

/** The path template of a source node: `parameters.path`, or Data Wrangler's s3ExecutionContext.s3Uri. */
export function sourcePathOf(node: FlowNode): string {
  const p = node.parameters as Record<string, unknown>;
  if (typeof p.path === 'string') return p.path;
  const def = p.dataset_definition as { s3ExecutionContext?: { s3Uri?: unknown } } | undefined;
  const uri = def?.s3ExecutionContext?.s3Uri;
  if (typeof uri === 'string') return uri.replace(/^file:\/\//, '');
  throw flowError(node.node_id, 'parameters.path', 'is required (the CSV or Parquet file to read)');
}

async function readSource(node: FlowNode, baseDir: string, params: ReturnType<typeof resolveParameterValues>, opts: RunOptions, sourceFiles: Set<string>): Promise<Frame> {
  const files = expandSourcePath(sourcePathOf(node), baseDir, params, node.node_id, opts.now);
  const types = node.parameters.column_types as Record<string, ColumnKind> | undefined;
  const frames: Frame[] = [];
  for (const file of files) {
    sourceFiles.add(path.resolve(file));
    const { frame } = await readTable(file, { ...(types ? { types } : {}), ...(opts.limit ? { limit: opts.limit } : {}) });
    frames.push(node.parameters.add_filename_column ? frame.withColumn(categoricalFromStrings('_filename', new Array(frame.numRows).fill(path.basename(file)))) : frame);
  }
  return frames.length === 1 ? frames[0] : concatFrames(frames);
}

/** Import sampling: none (default), first K, random or stratified (Data Wrangler's import options). */
function sampleSource(node: FlowNode, frame: Frame): Frame {
  const s = node.parameters.sampling as { method?: string; size?: number; column?: string; seed?: number } | undefined;
  if (!s || s.method === undefined || s.method === 'none') return frame;
  const size = Number(s.size);
  if (!Number.isInteger(size) || size < 0) throw flowError(node.node_id, 'parameters.sampling.size', 'must be a non-negative integer');
  const k = Math.min(size, frame.numRows);
  const rng = new Random(s.seed ?? 42);
  if (s.method === 'first_k') return frame.head(k);
  if (s.method === 'random') return frame.take(Array.from(rng.permutation(frame.numRows).subarray(0, k)).sort((a, b) => a - b));
  if (s.method === 'stratified') {
    if (!s.column || !frame.has(s.column)) throw flowError(node.node_id, 'parameters.sampling.column', `names no column of the source`);
    const values = stringsOf(frame.column(s.column));
    const groups = new Map<string, number[]>();
    values.forEach((v, i) => {
      const key = v ?? '\u0000';
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const lists = [...groups.values()];
    const quotas = allocate(k, lists.map((l) => l.length));
    const rows = lists.flatMap((l, gi) => Array.from(rng.fork(gi).shuffle(l.slice())).slice(0, quotas[gi]));
    return frame.take(rows.sort((a, b) => a - b));
  }
  throw flowError(node.node_id, 'parameters.sampling.method', `expects "none", "first_k", "random" or "stratified", got ${JSON.stringify(s.method)}`);
}

/** Data types node: `parameters.column_types` casts named columns; failed casts become missing and are counted. */
function castTypes(node: FlowNode, frame: Frame, ctx: StepContext): Frame {
  const types = (node.parameters.column_types ?? {}) as Record<string, unknown>;
  let out = frame;
  for (const [name, kind] of Object.entries(types)) {
    if (!frame.has(name)) throw flowError(node.node_id, `parameters.column_types.${name}`, `column "${name}" does not exist; columns are: ${frame.columnNames.join(', ')}`, name);
    const col = frame.column(name);
    if (col.kind === kind) continue;
    let made: Column;
    const before = countMissing(col);
    switch (kind) {
      case 'numeric':
        made = numericColumn(name, col.kind === 'categorical' ? Float64Array.from(stringsOf(col), (s) => (s === null || s.trim() === '' ? NaN : Number(s))).map((v) => (Number.isFinite(v) ? v : NaN)) : toFloat64(col));
        break;
      case 'text':
        made = textColumn(name, [...stringsOf(col)]);
        break;
      case 'categorical':
        made = categoricalFromStrings(name, stringsOf(col));
        break;
      case 'boolean':
        made = booleanColumn(name, Uint8Array.from(stringsOf(col), (s) => (s === null ? 255 : /^(true|1|yes|t|y)$/i.test(s) ? 1 : /^(false|0|no|f|n)$/i.test(s) ? 0 : 255)));
        break;
      case 'datetime':
        made = col.kind === 'numeric' ? datetimeColumn(name, datesOf(col, null, 's').values) : datetimeColumn(name, Float64Array.from(stringsOf(col), (s) => (rt_parseDate(s) as number | null) ?? NaN));
        break;
      default:
        throw flowError(node.node_id, `parameters.column_types.${name}`, `unknown kind ${JSON.stringify(kind)}; kinds are numeric, categorical, boolean, datetime, text`);
    }
    const failed = countMissing(made) - before;
    if (failed > 0) ctx.report[`failed_casts_${name}`] = failed;
    out = out.withColumn(made);
  }
  return out;
}

/**
 * An analysis node: operators the analyses module knows (Data Wrangler's describe and insights report,
 * `tabpilot.analysis.<name>`) run there with `parameters.analysis_parameters`; others get describeFrame.
 * Imported on demand: the analyses module pulls in models, which themselves load flows.
 */
async function runVisualization(node: FlowNode, frame: Frame): Promise<unknown> {
  if (node.operator === 'tabpilot.describe_0.1') return describeFrame(frame);
  const analyses = (await import('../../analyses/index.js')) as typeof import('../../analyses/index.js');
  const name = analysesName(analyses, node.operator);
  if (name === null) return describeFrame(frame);
  const params = (node.parameters.analysis_parameters ?? {}) as Record<string, unknown>;
  if (typeof params !== 'object' || Array.isArray(params)) throw flowError(node.node_id, 'parameters.analysis_parameters', 'must be an object');
  return analyses.runAnalysis(name, frame, params);
}

function analysesName(mod: { analysisForOperator(op: string): string | null }, operator: string): string | null {
  return mod.analysisForOperator(operator);
}

/** Per-column summary of a visualization (describe) node. */
export function describeFrame(frame: Frame): Record<string, unknown> {
  return {
    rows: frame.numRows,
    columns: frame.columns.map((c) => {
      const base = { name: c.name, kind: c.kind, missing: countMissing(c) };
      if (c.kind !== 'numeric') return { ...base, distinct: new Set(stringsOf(c)).size };
      let n = 0, s = 0, s2 = 0, min = Infinity, max = -Infinity;
      for (const v of c.values) if (v === v) (n++, (s += v), (s2 += v * v), (min = Math.min(min, v)), (max = Math.max(max, v)));
      const mean = n ? s / n : NaN;
      return { ...base, mean, std: n > 1 ? Math.sqrt(Math.max(0, (s2 - n * mean * mean) / (n - 1))) : NaN, min: n ? min : NaN, max: n ? max : NaN };
    }),
  };
}
