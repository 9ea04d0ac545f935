/**
 * Fuzz target: Data Wrangler flows through the loader, the validator and the exporter. Cases are random
 * flows (a source, then a chain of row-wise steps whose column names, node ids, output names, formulas,
 * fill values and patterns are drawn from injection payloads and arbitrary strings), fitted on a small
 * in-memory frame, and mutated copies of them (any value of the JSON, stored state included, replaced by
 * a payload, a number, null, an object or arbitrary JSON). Invariants:
 *  - only a TabpilotError escapes (and never code INTERNAL, which wraps an unexpected JavaScript error);
 *    a case the loader, runner or exporter rejects is counted as rejected cleanly;
 *  - every exported module parses without syntax errors and no payload became code (no identifier of
 *    the syntax tree contains the canary's name);
 *  - a sample of exported modules, run in one child process on their data, never calls the canary.
 */
import fc from 'fast-check';
import { Frame, numericColumn, textColumn } from '../../../src/frame/index.js';
import { TabpilotError, isTabpilotError } from '../../../src/util/errors.js';
import { exportFlowModule, frameToTable } from '../../../src/wrangle/flow/export.js';
import { validateFlow } from '../../../src/wrangle/flow/files.js';
import { type FlowFile, parseFlowJson } from '../../../src/wrangle/flow/format.js';
import { runFlow } from '../../../src/wrangle/flow/runner.js';
import { CANARY, CANARY_EXIT, PAYLOADS, type TableJson, checkModuleSource, runModules, transpile } from '../exported.js';
import { FuzzTally, type FuzzReport } from '../harness.js';
import { jsonReplacement, mutateJson } from '../mutate-json.js';

/** Longest chain of steps in a random flow. */
const MAX_STEPS = 5;
/** Most values replaced in one mutated flow. */
const MAX_MUTATIONS = 3;
/** Exported modules run in the child process per fuzz call (each adds about 50 ms to one child run). */
const DEFAULT_CHILD_RUNS = 8;

/** Names: payloads, Object.prototype members, plain names and arbitrary strings (non-empty). */
const text = fc.oneof(
  fc.constantFrom(...PAYLOADS),
  fc.constantFrom('a', 'b', 'x y', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);

/** A formula string literal or quoted column name: backslash and the quote escaped (parse.ts rules). */
const quote = (s: string, q: string) => q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`) + q;

type Step = { operator: string; parameters: Record<string, unknown> };
const op = (group: string, operator: string, params: Record<string, unknown>): Step => ({
  operator: `tabpilot.${group}_0.1`,
  parameters: { operator, [`${operator.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}_parameters`]: params },
});

/** Step templates over the numeric column `n`, the text column `s`, a new name `o` and a payload string `p`. */
const TEMPLATES: ((n: string, s: string, o: string, p: string) => Step)[] = [
  (_n, s, o, p) => ({ operator: 'tabpilot.custom_formula_0.1', parameters: { output_column: o, formula: `concat(${quote(s, '`')}, ${quote(p, "'")})` } }),
  (n, _s, o) => ({ operator: 'tabpilot.custom_formula_0.1', parameters: { output_column: o, formula: `${quote(n, '`')} * 2 + 1e400 - 0.5` } }),
  (n, _s, o) => op('process_numeric', 'Standard scaler', { input_column: [n], output_column: o }),
  (n, _s, o) => op('process_numeric', 'Min-max scaler', { input_column: [n], output_column: o, min: -1, max: 1 }),
  (n) => op('handle_missing', 'Impute missing', { input_column: [n], column_type: 'Numeric' }),
  (_n, s, o, p) => op('handle_missing', 'Fill missing', { input_column: s, fill_value: p, output_column: o }),
  (_n, s) => op('encode_categorical', 'One-hot encode', { input_column: s, invalid_handling_strategy: 'Keep' }),
  (_n, s, o) => op('encode_categorical', 'Ordinal encode', { input_column: s, output_column: o, invalid_handling_strategy: 'Keep' }),
  (_n, s, o, p) => op('handle_outliers', 'Replace rare values', { input_column: s, output_column: o, replacement_string: p, absolute_threshold: 1, fraction_threshold: 0 }),
  (n, _s, o) => op('handle_outliers', 'Min-max numeric outliers', { input_column: n, output_column: o, lower_threshold: -1, upper_threshold: 2, fix_method: 'Clip' }),
  (_n, s, o) => op('manage_columns', 'Duplicate column', { input_column: s, new_name: o }),
  (_n, s, o, p) => op('search_and_edit', 'Find substring', { input_column: s, pattern: p, output_column: o }),
  (_n, s, o) => op('time_series', 'Validate timestamps', { timestamp_column: s, policy: 'indicate', output_column: o }),
  (_n, s) => op('featurize_text', 'Character statistics', { input_column: s }),
];

interface FlowCase {
  flow: FlowFile;
  frame: Frame;
  target: string;
}

const flowCase = fc
  .record({
    names: fc.uniqueArray(text, { minLength: 2, maxLength: 2 }),
    ids: fc.array(text, { minLength: MAX_STEPS + 1, maxLength: MAX_STEPS + 1 }),
    steps: fc.array(fc.record({ t: fc.nat({ max: TEMPLATES.length - 1 }), out: text, payload: text }), { minLength: 1, maxLength: MAX_STEPS }),
    cell: text,
  })
  .map(({ names: [n, s], ids, steps, cell }): FlowCase => {
    const frame = Frame.fromColumns([numericColumn(n, Float64Array.from([1, 2.5, NaN, -3, 4, 1])), textColumn(s, ['a', 'b', null, 'a', cell, '2024-01-02'])]);
    // Ids get their position so they are unique; the payload part stays.
    const id = (i: number) => `${ids[i]}#${i}`;
    const nodes: Record<string, unknown>[] = [{ node_id: id(0), type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'in-memory.csv' }, inputs: [], outputs: [{ name: 'default' }] }];
    steps.forEach((st, k) => {
      const step = TEMPLATES[st.t](n, s, st.out, st.payload);
      nodes.push({ node_id: id(k + 1), type: 'TRANSFORM', ...step, inputs: [{ name: 'df', node_id: id(k) }], outputs: [{ name: 'default' }] });
    });
    return { flow: { metadata: { version: 1 }, nodes } as unknown as FlowFile, frame, target: id(steps.length) };
  });

const replacement = jsonReplacement(text);
const mutations = fc.array(fc.tuple(fc.nat(), replacement), { minLength: 1, maxLength: MAX_MUTATIONS });

/** A clean rejection (a TabpilotError other than INTERNAL) is returned; anything else is rethrown (a failure). */
function rejection(e: unknown): unknown {
  if (isTabpilotError(e) && e.code !== 'INTERNAL') return e;
  throw e instanceof Error ? e : new Error(String(e));
}

/** Exports and checks the module (one parse, no emit); returns its source. The exporter's rejections propagate. */
function exportChecked(flow: unknown, target: string): string {
  const source = exportFlowModule(parseFlowJson(flow), { target, source: target });
  const { errors, injected } = checkModuleSource(source, CANARY);
  if (errors.length > 0) throw new Error(`exported module does not parse: ${errors.join('; ')}`);
  if (injected.length > 0) throw new Error(`flow values became code in the exported module: ${injected.join(', ')}`);
  return source;
}

/** A frame as JSON cells (the exported module's Table, minus Dates, which this frame does not hold). */
const tableJson = (frame: Frame): TableJson => frameToTable(frame) as unknown as TableJson;

export interface FlowFuzzReport extends FuzzReport {
  /** Exported modules that were run in the child process. */
  executed: number;
}

/** Runs `runs` random flows and as many mutated copies from `seed`; `childRuns` exported modules are executed. */
export async function fuzzFlow(runs: number, seed: number, childRuns = DEFAULT_CHILD_RUNS): Promise<FlowFuzzReport> {
  const tally = new FuzzTally('flow');
  const toRun: { js: string; table: TableJson }[] = [];
  for (const [c, muts] of fc.sample(fc.tuple(flowCase, mutations), { seed, numRuns: runs })) {
    const sources = { [(c.flow.nodes[0] as { node_id: string }).node_id]: c.frame };
    let fitted: FlowFile | null = null;
    await tally.run({ flow: c.flow }, async () => {
      const json: unknown = JSON.parse(JSON.stringify(c.flow));
      const v = await validateFlow(json, { sources });
      if (!v.ok && v.errors.length === 0) throw new Error('validateFlow: not ok without an error');
      try {
        fitted = (await runFlow(c.flow, { sources, write: false })).flow;
      } catch (e) {
        throw rejection(e);
      }
      const source = exportChecked(fitted, c.target);
      if (toRun.length < childRuns) toRun.push({ js: transpile(source).js, table: tableJson(c.frame) });
    });
    if (!fitted) continue;
    const m = mutateJson(JSON.parse(JSON.stringify(fitted)), muts);
    await tally.run({ mutated: m }, async () => {
      // Both the validator and the exporter see every mutated flow; the case is rejected if either refused it.
      let refused: unknown = null;
      try {
        const v = await validateFlow(JSON.parse(JSON.stringify(m)), { sources });
        if (!v.ok && v.errors.length === 0) throw new Error('validateFlow: not ok without an error');
        if (!v.ok) refused = new TabpilotError('FLOW_INVALID', v.errors[0]);
      } catch (e) {
        refused = rejection(e);
      }
      try {
        exportChecked(m, c.target);
      } catch (e) {
        refused ??= rejection(e);
      }
      if (refused !== null) throw refused;
    });
  }
  if (toRun.length > 0) {
    await tally.run({ childModules: toRun.length }, () => {
      const r = runModules(toRun);
      if (r.status === CANARY_EXIT) throw new Error(`the canary fired in an exported module: ${r.stdout}`);
      if (r.status !== 0 || r.results.length !== toRun.length) throw new Error(`the child process failed (status ${r.status}): ${r.stderr}`);
    });
  }
  return { ...tally.report(), executed: toRun.length };
}

export default fuzzFlow;
