import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowBuilder, type FlowFile, applyInferenceSteps, extractInferenceFlow, parseFlowJson, runFlow, validateFlow } from '../src/wrangle/index.js';
import { col, df } from './wrangle-helpers.js';

const src = (id = 'src', p: Record<string, unknown> = { path: 'data.csv' }) => ({ node_id: id, type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: p, inputs: [], outputs: [{ name: 'default' }] });
const tx = (id: string, group: string, parameters: Record<string, unknown>, input = 'src', outputs = [{ name: 'default' }]) => ({
  node_id: id,
  type: 'TRANSFORM',
  operator: `tabpilot.${group}_0.1`,
  parameters,
  inputs: [{ name: 'df', node_id: input, output_name: 'default' }],
  outputs,
});
const flowOf = (...nodes: unknown[]) => ({ metadata: { version: 1 }, nodes });
const impute = { operator: 'Impute missing', impute_missing_parameters: { input_column: ['x'] } };

describe('flow file validation', () => {
  it('rejects a newer format version, naming the field', () => {
    expect(() => parseFlowJson({ metadata: { version: 2 }, nodes: [] })).toThrow(/field "metadata.version": the flow has format version 2, this tabpilot reads up to version 1/);
  });
  it('rejects cycles, unknown transforms, dangling inputs and unknown outputs', () => {
    const a = tx('a', 'handle_missing', impute, 'b');
    const b = tx('b', 'handle_missing', impute, 'a');
    expect(() => parseFlowJson(flowOf(a, b))).toThrow(/the flow has a cycle: (a -> b -> a|b -> a -> b)/);
    expect(() => parseFlowJson(flowOf(src(), tx('t', 'handle_missing', impute, 'nowhere')))).toThrow(/node "t", field "inputs\[0\].node_id": refers to a node "nowhere"/);
    const badOut = { ...tx('t', 'handle_missing', impute), inputs: [{ name: 'df', node_id: 'src', output_name: 'Train' }] };
    expect(() => parseFlowJson(flowOf(src(), badOut))).toThrow(/node "src" has no output "Train"/);
    expect(() => parseFlowJson(flowOf({ ...src(), type: 'MAGIC' }))).toThrow(/node "src", field "type"/);
  });
  it('reports every invalid step with node and field', async () => {
    const res = await validateFlow(
      flowOf(
        src(),
        tx('u', 'teleport', {}),
        tx('w', 'handle_missing', { operator: 'Fill missing', fill_missing_parameters: { input_column: 'x', fill_value: [1] } }),
        tx('v', 'handle_missing', { operator: 'Impute missing', impute_missing_parameters: { input_column: ['x'], strategy: 'Mean' } }),
        tx('s', 'split', { operator: 'Randomized split', randomized_split_parameters: { splits: [{ name: 'A', percentage: 0.5 }, { name: 'B', percentage: 0.5 }] } }, 'src', [{ name: 'A' }, { name: 'C' }]),
      ),
    );
    expect(res.ok).toBe(false);
    expect(res.errors).toEqual([
      'node "u", field "operator": unknown transform "tabpilot.teleport_0.1"',
      'node "w", field "parameters.fill_missing_parameters.fill_value": is required (a string or a number)',
      'node "v", field "parameters.impute_missing_parameters.strategy": is not a parameter of this step',
      'node "s", field "outputs": "C" is not an output of this step; it produces A, B',
    ]);
  });
  it('a step naming a missing column fails the dry run with node, field and column', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flow-'));
    writeFileSync(path.join(dir, 'data.csv'), 'x,y\n1,a\n,b\n');
    const flow = flowOf(src(), tx('t', 'handle_missing', { operator: 'Fill missing', fill_missing_parameters: { input_column: ['z'], fill_value: 0 } }));
    const res = await validateFlow(flow, { baseDir: dir });
    expect(res.errors[0]).toMatch(/node "t", field "parameters.input_column": column "z" does not exist; columns are: x, y/);
  });
});

describe('running flows', () => {
  it('reuses stored fitted state, refits on request or when parameters change', async () => {
    const sources = { src: df({ x: [1, null, 3] }) };
    const flow = flowOf(src(), tx('t', 'handle_missing', impute)) as unknown as FlowFile;
    const first = await runFlow(flow, { sources });
    expect(first.fitted).toEqual(['t']);
    expect(first.flow.nodes[1].trained_parameters).toMatchObject({ fill_values: { x: 2 } });
    const other = { src: df({ x: [10, null, 30] }) };
    const reused = await runFlow(first.flow, { sources: other });
    expect(reused.fitted).toEqual([]);
    expect(col(reused.frames.get('t')!.default, 'x')).toEqual([10, 2, 30]);
    expect((await runFlow(first.flow, { sources: other, refit: true })).fitted).toEqual(['t']);
    const changed = JSON.parse(JSON.stringify(first.flow));
    changed.nodes[1].parameters.impute_missing_parameters.numeric_parameters = { strategy: 'Median' };
    expect((await runFlow(changed, { sources: other })).fitted).toEqual(['t']);
  });
  it('substitutes Number, String, Pattern and Datetime parameters into source paths', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flow-'));
    mkdirSync(path.join(dir, 'v2'));
    for (const [f, x] of [['sales_2024-01-01.csv', 1], ['sales_2024-01-05.csv', 2], ['sales_2023-06-01.csv', 3], ['part-1.csv', 4], ['part-2.csv', 5]] as const) writeFileSync(path.join(dir, 'v2', f), `x\n${x}\n`);
    const meta = {
      version: 1,
      parameters: [
        { name: 'ver', type: 'Number', default_value: 2 },
        { name: 'day', type: 'Datetime', default_value: '2024-01-06', datetime_format: 'yyyy-MM-dd', relative_range: '7 days' },
        { name: 'parts', type: 'Pattern', default_value: '\\d+' },
        { name: 'one', type: 'String', default_value: 'part-1.csv' },
      ],
    };
    const run = async (p: string, params?: Record<string, string>) => col((await runFlow({ metadata: meta, nodes: [src('src', { path: p })] } as unknown as FlowFile, { baseDir: dir, params })).frames.get('src')!.default, 'x');
    expect(await run('v{{ver}}/sales_{{day}}.csv')).toEqual([1, 2]);
    expect(await run('v{{ver}}/part-{{parts}}.csv')).toEqual([4, 5]);
    expect(await run('v{{ver}}/{{one}}')).toEqual([4]);
    expect(await run('v{{ver}}/{{one}}', { one: 'part-2.csv' })).toEqual([5]);
    await expect(run('v{{ver}}/{{one}}', { ver: 'abc' })).rejects.toThrow(/parameter "ver" is a Number, got "abc"/);
    // The one number grammar (src/util/parse-number.ts): Number() would take each of these (0x02 is 2, '' is 0).
    for (const bad of ['0x02', '', 'Infinity', '1_0', '0b10']) {
      await expect(run('v{{ver}}/{{one}}', { ver: bad })).rejects.toThrow(`parameter "ver" is a Number, got "${bad}"`);
    }
    await expect(run('v{{ver}}/{{nope}}.csv')).rejects.toThrow(/placeholder \{\{nope\}\} names no flow parameter/);
    await expect(run('v{{ver}}/x.csv', { zzz: '1' })).rejects.toThrow(/the flow has no parameter "zzz"/);
  });
  it('never overwrites an input and leaves no partial output on failure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flow-'));
    writeFileSync(path.join(dir, 'data.csv'), 'x\n1\n');
    const dest = (p: string) => ({ node_id: 'd', type: 'DESTINATION', operator: 'tabpilot.destination_0.1', parameters: { output_path: p }, inputs: [{ name: 'df', node_id: 'src' }], outputs: [{ name: 'default' }] });
    await expect(runFlow(flowOf(src(), dest('data.csv')) as unknown as FlowFile, { baseDir: dir })).rejects.toThrow(/would overwrite the input file/);
    await expect(runFlow(flowOf(src(), dest('out.unknown')) as unknown as FlowFile, { baseDir: dir })).rejects.toThrow(/node "d"/);
    expect(readdirSync(dir)).toEqual(['data.csv']);
    const ok = await runFlow(flowOf(src(), dest('sub/out.csv')) as unknown as FlowFile, { baseDir: dir });
    expect(ok.written[0].path).toBe(path.join(dir, 'sub/out.csv'));
    expect(readdirSync(path.join(dir, 'sub'))).toEqual(['out.csv']);
  });
});

describe('builder and inference pipeline', () => {
  it('validates each step when added and returns a preview', async () => {
    const b = new FlowBuilder({ previewRows: 2 });
    const s = await b.source('t', { frame: df({ x: [1, null, 3, 4], c: ['a', 'b', 'a', null] }, { cat: ['c'] }) });
    const imp = await b.add(s.node_id, 'handle_missing', 'Impute missing', { input_column: ['x', 'c'] });
    expect(imp.preview.default.numRows).toBe(2);
    expect(col(imp.preview.default, 'x')).toEqual([1, 8 / 3]);
    await expect(b.add(imp.node_id, 'encode_categorical', 'One-hot encode', { input_column: 'nope' })).rejects.toThrow(/field "parameters.input_column": column "nope" does not exist/);
    await expect(b.add(imp.node_id, 'encode_categorical', 'Two-hot encode', {})).rejects.toThrow(/unknown encode_categorical operator "Two-hot encode"/);
    const oh = await b.add(imp.node_id, 'encode_categorical', 'One-hot encode', { input_column: 'c' });
    expect(oh.preview.default.columnNames).toEqual(['x', 'c_a', 'c_b', 'c_invalid']);
    const sp = await b.add(oh.node_id, 'split', 'Randomized split', { splits: [{ name: 'Train', percentage: 0.5 }, { name: 'Test', percentage: 0.5 }] });
    expect(sp.rows).toEqual({ Train: 2, Test: 2 });
    await b.add({ node: sp.node_id, output: 'Test' }, 'process_numeric', 'Standard scaler', { input_column: 'x' });
    const flow = b.toJSON();
    expect(flow.nodes.map((n) => n.node_id)).toEqual(['source-1', 'handle_missing-2', 'encode_categorical-3', 'split-4', 'process_numeric-5']);
    const inf = extractInferenceFlow(flow, 'split-4:Train');
    expect(inf.steps.map((n) => n.node_id)).toEqual(['handle_missing-2', 'encode_categorical-3']);
    expect(inf.skipped.map((n) => n.node_id)).toEqual(['split-4']);
    const out = applyInferenceSteps(inf, df({ x: [null], c: ['zz'] }));
    expect(out.toRows()).toEqual([{ x: 8 / 3, c_a: 0, c_b: 0, c_invalid: 1 }]);
  });
  it('rejects multi-row steps and unfitted steps for inference with clear messages', async () => {
    const flow = parseFlowJson(flowOf(src(), tx('g', 'group_by', { group_by_columns: 'x' })));
    expect(() => extractInferenceFlow(flow, 'g')).toThrow(/node "g", field "operator": "Group by" is a multi-row transform/);
    const unfitted = parseFlowJson(flowOf(src(), tx('t', 'handle_missing', impute)));
    expect(() => applyInferenceSteps(unfitted, df({ x: [1] }), { target: 't' })).toThrow(/node "t" \(Impute missing\) has no fitted state; run the flow once/);
  });
  it('runs a library-only JavaScript step', async () => {
    const b = new FlowBuilder();
    const s = await b.source('t', { frame: df({ x: [1, 2] }) });
    const r = await b.custom(s.node_id, 'double', (f) => f.withColumn({ ...f.column('x'), name: 'x2', values: (f.column('x') as { values: Float64Array }).values.map((v) => v * 2) } as never));
    expect(col(r.preview.default, 'x2')).toEqual([2, 4]);
    await expect(runFlow(b.toJSON(), { sources: { [s.node_id]: df({ x: [1] }) } })).rejects.toThrow(/no JavaScript function "double" was registered/);
  });
});

describe('published JSON Schema', () => {
  it('schemas/flow.schema.json is the schema generated from the registry, and covers the example flow', async () => {
    const { readFileSync } = await import('node:fs');
    const { flowJsonSchema } = await import('../src/wrangle/flow/schema.js');
    const file = JSON.parse(readFileSync(path.join(__dirname, '../schemas/flow.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(flowJsonSchema())));
    const transformEnum = (file.$defs.node.allOf[3].then.properties.operator.enum as string[]);
    const example = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/wrangle/credit.flow'), 'utf8'));
    for (const n of example.nodes) if (n.type === 'TRANSFORM') expect(transformEnum).toContain(n.operator);
    expect(file.properties.metadata.properties.version.maximum).toBe(1);
  });
});
