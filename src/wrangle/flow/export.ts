import { BOOL_MISSING, type Frame } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import * as rt from '../formula/runtime.js';
import * as st from '../formula/strings-runtime.js';
import { comment, lit, num } from '../codegen.js';
import { flowError } from '../step.js';
import { CAST_OPERATORS, type FlowFile, resolveStep, storedState } from './format.js';
import { type InferenceFlow, extractInferenceFlow, parseTarget } from './inference.js';
import { type RunOptions, runFlow } from './runner.js';

/**
 * `flow export`: a standalone TypeScript module applying the fitted row-wise steps of a flow, with no flow
 * interpreter. Each step becomes straight-line code over a columnar `Table`; the formula and string
 * functions are the engine's own runtime functions, copied as source, so the module computes exactly
 * what the engine computes.
 */
export type TableCell = number | string | boolean | Date | null;
export interface Table {
  names: string[];
  cols: Record<string, TableCell[]>;
  n: number;
}

/** A frame as a Table: numbers (missing = null), strings, booleans and Dates. */
export function frameToTable(frame: Frame): Table {
  const cols = Object.create(null) as Record<string, TableCell[]>;
  for (const c of frame.columns) {
    const out = new Array<TableCell>(c.length);
    for (let i = 0; i < c.length; i++) {
      switch (c.kind) {
        case 'numeric':
          out[i] = c.values[i] !== c.values[i] ? null : c.values[i];
          break;
        case 'datetime':
          out[i] = c.values[i] !== c.values[i] ? null : new Date(c.values[i]);
          break;
        case 'boolean':
          out[i] = c.values[i] === BOOL_MISSING ? null : c.values[i] === 1;
          break;
        case 'categorical':
          out[i] = c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
          break;
        case 'text':
          out[i] = c.values[i];
      }
    }
    cols[c.name] = out;
  }
  return { names: frame.columnNames, cols, n: frame.numRows };
}

/** A cell as a CSV writer renders it (same rules as the frame's cellString). */
export function renderCell(v: TableCell): string {
  if (v === null) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v;
}

const TABLE_HELPERS = `
export type Cell = number | string | boolean | Date | null;
/** A columnar table: column names in order, one array of cells per column, the row count. */
export interface Table {
  names: string[];
  cols: Record<string, Cell[]>;
  n: number;
}

// Column names are user text: the column map has no prototype and is read by own keys only.
const hasCol = (cols: Record<string, unknown>, name: string): boolean => Object.prototype.hasOwnProperty.call(cols, name);
function copyCols(cols: Record<string, Cell[]>): Record<string, Cell[]> {
  const out = Object.create(null) as Record<string, Cell[]>;
  for (const k of Object.keys(cols)) out[k] = cols[k];
  return out;
}
function getCol(t: Table, name: string): Cell[] {
  const c = hasCol(t.cols, name) ? t.cols[name] : undefined;
  if (c === undefined) throw new Error(\`no column "\${name}"; columns are: \${t.names.join(', ')}\`);
  return c;
}
/** Adds or replaces a column (a replaced column keeps its position). */
function setCol(t: Table, name: string, values: Cell[]): void {
  if (!hasCol(t.cols, name)) t.names.push(name);
  t.cols[name] = values;
}
/** Puts columns right after \`after\`, replacing same-named ones (the input column itself is replaced in place). */
function place(t: Table, after: string, entries: [string, Cell[]][]): void {
  const names = new Set(entries.map((e) => e[0]));
  const existing = t.names.filter((n) => !names.has(n) || n === after);
  const out: string[] = [];
  let placed = false;
  for (const c of existing) {
    if (c === after && names.has(after)) {
      out.push(...entries.map((e) => e[0]));
      placed = true;
      continue;
    }
    out.push(c);
    if (c === after) {
      out.push(...entries.map((e) => e[0]));
      placed = true;
    }
  }
  if (!placed) out.push(...entries.map((e) => e[0]));
  for (const [name, values] of entries) t.cols[name] = values;
  for (const n of t.names) if (!out.includes(n)) delete t.cols[n];
  t.names = out;
}
function dropCols(t: Table, names: string[]): void {
  for (const n of names) getCol(t, n);
  t.names = t.names.filter((n) => !names.includes(n));
  for (const n of names) delete t.cols[n];
}
function renameCol(t: Table, from: string, to: string): void {
  const c = getCol(t, from);
  if (from === to) return;
  if (hasCol(t.cols, to)) throw new Error(\`a column "\${to}" already exists\`);
  t.names = t.names.map((n) => (n === from ? to : n));
  delete t.cols[from];
  t.cols[to] = c;
}
function reorder(t: Table, p: { column: string; type: string; target?: string; index?: number }): void {
  const rest = t.names.filter((n) => n !== p.column);
  let at: number;
  if (p.type === 'Move to start') at = 0;
  else if (p.type === 'Move to end') at = rest.length;
  else if (p.type === 'Move to index') at = Math.min(p.index!, rest.length);
  else at = rest.indexOf(p.target!) + (p.type === 'Move after' ? 1 : 0);
  rest.splice(at, 0, p.column);
  t.names = rest;
}
function invalidValue(column: string, value: Cell): never {
  throw new Error(\`column "\${column}" has a missing or unseen category \${JSON.stringify(value)} and the strategy is "Error"\`);
}
const isMiss = (x: Cell): boolean => x === null || (typeof x === 'number' && x !== x);
const toNum = (x: Cell): number => (x instanceof Date ? x.getTime() : rt_toNum(x));
const toNumOrNaN = (x: Cell): number => toNum(x);
const toStr = (x: Cell): string | null => (x instanceof Date ? x.toISOString() : rt_toStr(x));

/** Rows (objects) to a Table; \`names\` fixes the column order (default: keys of the first row). */
export function fromRows(rows: Record<string, Cell>[], names?: string[]): Table {
  const cols = Object.create(null) as Record<string, Cell[]>;
  const order = names ?? (rows.length ? Object.keys(rows[0]) : []);
  for (const n of order) cols[n] = rows.map((r) => (hasCol(r, n) && r[n] !== undefined ? r[n] : null));
  return { names: order.slice(), cols, n: rows.length };
}
export function toRows(t: Table): Record<string, Cell>[] {
  const out: Record<string, Cell>[] = [];
  for (let i = 0; i < t.n; i++) {
    const row: Record<string, Cell> = {};
    for (const n of t.names) Object.defineProperty(row, n, { value: t.cols[n][i], enumerable: true, writable: true, configurable: true });
    out.push(row);
  }
  return out;
}
`;

/** Source of the runtime functions, each re-declared with a permissive signature so strict mode accepts it. */
function runtimeSource(): string {
  const lines: string[] = [];
  for (const mod of [rt, st] as Record<string, unknown>[]) {
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function') continue;
      lines.push(`const ${name}: (...a: any[]) => any = ${annotateInnerArrows(fn.toString())};`);
    }
  }
  return lines.join('\n');
}

/**
 * Compiled runtime functions lose their parameter annotations; the outer function is typed by its
 * declaration, inner arrow functions get \`any\` parameters so the module passes \`strict\`.
 */
function annotateInnerArrows(src: string): string {
  const head = src.indexOf('=>');
  const body = src
    .slice(head + 2)
    .replace(/\(([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)\)\s*=>/g, (_m, params: string) => `(${params.split(',').map((p) => `${p.trim()}: any`).join(', ')}) =>`)
    // Minified single parameters without parentheses (esbuild output): `c=>` becomes `(c: any) =>`.
    .replace(/(^|[^\w$.:])([A-Za-z_$][\w$]*)\s*=>/g, (_m, pre: string, param: string) => `${pre}(${param}: any) =>`);
  return src.slice(0, head + 2) + body;
}

export interface ExportOptions {
  /** Training node (`node_id` or `node_id:output`); default: the split output named Train, else the first destination's input. */
  target?: string;
  /** Name shown in the header comment. */
  source?: string;
}

/**
 * The flow with current fitted state for every learned step an export of `target` needs. When a step has
 * none (a fresh flow file, or parameters edited since the last run), the flow is run up to the target
 * without writing anything, so `flow export` works on a flow that was never run. The input is not changed.
 */
export async function fitForExport(flow: FlowFile, opts: ExportOptions & Pick<RunOptions, 'baseDir' | 'params' | 'sources' | 'now'> = {}): Promise<{ flow: FlowFile; fitted: string[] }> {
  const inf = extractInferenceFlow(flow, opts.target);
  const unfitted = inf.steps.some((node) => {
    if (CAST_OPERATORS.includes(node.operator)) return false;
    const step = resolveStep(node);
    return step.def.fit !== undefined && storedState(node, step).status !== 'fitted';
  });
  if (!unfitted) return { flow, fitted: [] };
  const { node_id } = parseTarget(flow, opts.target);
  const run = await runFlow(flow, { baseDir: opts.baseDir, params: opts.params, sources: opts.sources, now: opts.now, write: false, targets: [node_id] });
  return { flow: run.flow, fitted: run.fitted };
}

/**
 * The module's source. Every value taken from the flow (node ids, column names, formulas, fitted state)
 * is embedded through codegen.ts (`lit`, `num`, `comment`), never interpolated raw.
 */
export function exportFlowModule(flow: FlowFile, opts: ExportOptions = {}): string {
  const inf: InferenceFlow = extractInferenceFlow(flow, opts.target);
  const blocks: string[] = [];
  for (const node of inf.steps) {
    const step = resolveStep(node);
    let trained: unknown;
    if (step.def.fit) {
      const stored = storedState(node, step);
      if (stored.status !== 'fitted') {
        throw new TabpilotError('NOT_FITTED', `node ${lit(node.node_id)} (${step.def.operator}) has no fitted state for its current parameters; run the flow first (tabpilot flow run), or export with the CLI, which fits it`);
      }
      trained = stored.state;
    }
    const code = step.def.emit?.(step.params, trained) ?? '';
    if (code.trim() === '') throw flowError(node.node_id, 'operator', `"${step.def.operator}" with these parameters has no standalone code generator; it can run in flows and inference pipelines, but not in an exported module`);
    blocks.push(`  ${comment('node ', node.node_id)}\n  ${comment('', step.def.describe(step.params))}\n  ${code.replace(/\n/g, '\n  ')}`);
  }
  const skipped = inf.skipped.map((s) => `${comment('  skipped: node ', s.node_id)}\n${comment('    ', `${s.operator}: ${s.reason}`)}`).join('\n');
  return `// Generated by \`tabpilot flow export\`. Do not edit: re-export instead.
${opts.source !== undefined ? `${comment('Source flow: ', opts.source)}\n` : ''}// Applies the fitted row-wise steps of the flow to raw rows, the output of this node:
${comment('  ', inf.input_node)}
// No dependencies: usable from any TypeScript or JavaScript project.
${skipped ? `// Training-only steps not included:\n${skipped}\n` : ''}/* eslint-disable */
${TABLE_HELPERS}
// ---- formula and string runtime (copied from tabpilot) ----
// esbuild-based runners (tsx, vitest) wrap functions in __name(fn, "name"); a no-op keeps such copies valid.
const __name = <T,>(f: T, _name?: string): T => f;
void __name;
${runtimeSource()}

/** Number of steps this module applies. */
export const STEP_COUNT = ${num(inf.steps.length, 'step count')};

/** Applies the flow's steps to a copy of \`input\` and returns it. */
export function transform(input: Table): Table {
  const t: Table = { names: input.names.slice(), cols: copyCols(input.cols), n: input.n };
${blocks.join('\n')}
  return t;
}

/** Row-object convenience wrapper around transform(). */
export function transformRows(rows: Record<string, Cell>[], names?: string[]): Record<string, Cell>[] {
  return toRows(transform(fromRows(rows, names)));
}
`;
}
