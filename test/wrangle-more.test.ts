import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../src/frame/index.js';
import { type FlowFile, runFlow } from '../src/wrangle/index.js';
import { col, df, step } from './wrangle-helpers.js';

describe('remaining string operators', () => {
  const f = df({ s: ['abc  ', 'A1', '٣', '½', null] });
  const out = (group: string, op: string, p: Record<string, unknown> = {}) => {
    const r = step(group, op, { input_column: 's', ...p }).run(f).out;
    return col(r, r.columnNames[r.columnNames.indexOf('s') + (r.columnNames.length > 1 ? 1 : 0)]);
  };
  it('right pad, strip right, lower case', () => {
    expect(col(step('format_string', 'Right pad', { input_column: 's', width: 4, fill_character: '_' }).run(f).out, 's')).toEqual(['abc ', 'A1__', '٣___', '½___', null]);
    expect(col(step('format_string', 'Strip right', { input_column: 's' }).run(f).out, 's')).toEqual(['abc', 'A1', '٣', '½', null]);
    expect(col(step('format_string', 'Lower case', { input_column: 's' }).run(f).out, 's')).toEqual(['abc  ', 'a1', '٣', '½', null]);
  });
  it('is numeric accepts numeric characters, is decimal only decimal digits, starts with', () => {
    expect(out('validate_string', 'Is numeric')).toEqual([0, 0, 1, 1, null]);
    expect(out('validate_string', 'Is decimal')).toEqual([0, 0, 1, 0, null]);
    expect(out('validate_string', 'Starts with', { prefix: 'A' })).toEqual([0, 1, 0, 0, null]);
    expect(() => step('validate_string', 'Starts with', { input_column: 's' })).toThrow(/field "parameters.prefix": is required/);
  });
});

describe('fill missing on every kind', () => {
  it('boolean and datetime fills convert the value or fail naming the field', () => {
    const f = df({ b: [true, null], d: ['2024-01-01', null] }, { dates: ['d'] });
    expect(col(step('handle_missing', 'Fill missing', { input_column: 'b', fill_value: 'false' }).run(f).out, 'b')).toEqual([true, false]);
    expect(col(step('handle_missing', 'Fill missing', { input_column: 'd', fill_value: '2020-05-05' }).run(f).out, 'd')).toEqual(['2024-01-01T00:00:00.000Z', '2020-05-05T00:00:00.000Z']);
    expect(() => step('handle_missing', 'Fill missing', { input_column: 'b', fill_value: 'maybe' }).run(f)).toThrow(/not a boolean/);
    expect(() => step('handle_missing', 'Fill missing', { input_column: 'd', fill_value: 'soon' }).run(f)).toThrow(/not a date/);
    expect(() => step('handle_missing', 'Impute missing', { input_column: 'b', column_type: 'Numeric' }).run(f)).toThrow(/"Numeric" imputation needs a numeric column/);
  });
});

describe('time series fill strategies and resample of text', () => {
  const f = df({ t: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z', '2024-01-01T03:00:00Z'], v: [null, 2, null, 4], s: ['a', null, 'b', 'b'] });
  const hm = (strategy: string, extra: Record<string, unknown> = {}) => col(step('time_series', 'Handle missing', { input_column: 'v', timestamp_column: 't', strategy, ...extra }).run(f).out, 'v');
  it('constant, most common, forward and backward fill with leftovers', () => {
    expect(hm('Constant value', { custom_value: 0 })).toEqual([0, 2, 0, 4]);
    expect(hm('Forward fill')).toEqual([null, 2, 2, 4]);
    expect(hm('Forward fill', { leftover_nans: 'Backward fill' })).toEqual([2, 2, 2, 4]);
    expect(hm('Backward fill')).toEqual([2, 2, 4, 4]);
    expect(col(step('time_series', 'Handle missing', { input_column: 's', strategy: 'Most common value' }).run(f).out, 's')).toEqual(['a', 'b', 'b', 'b']);
    expect(() => hm('Constant value')).toThrow(/custom_value": is required/);
    expect(() => step('time_series', 'Handle missing', { input_column: 's', strategy: 'Interpolate' }).run(f)).toThrow(/"Interpolate" needs a numeric column/);
  });
  it('resamples text by most common and fills new buckets forward', () => {
    const g = df({ t: ['2024-01-01T00:00:00Z', '2024-01-01T00:20:00Z', '2024-01-01T02:10:00Z'], s: ['x', 'x', 'y'], v: [1, 3, 5] });
    const r = step('time_series', 'Resample', { timestamp_column: 't', frequency: { quantity: 1, unit: 'hour' }, upsample: { numeric: 'ffill' } }).run(g).out;
    expect(r.toRows().map((x) => [x.s, x.v])).toEqual([['x', 2], ['x', 2], ['y', 5]]);
  });
});

describe('Data Wrangler shaped flows', () => {
  it('reads sagemaker operators, an s3Uri source path and a flat-parameter custom formula', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-'));
    writeFileSync(path.join(dir, 'in.csv'), 'a,b\n1,x\n,y\n3,x\n');
    const flow = {
      metadata: { version: 1, disable_limits: false, instance_type: 'ml.m5.4xlarge' },
      nodes: [
        { node_id: 's', type: 'SOURCE', operator: 'sagemaker.s3_source_0.1', parameters: { dataset_definition: { datasetSourceType: 'S3', name: 'in', s3ExecutionContext: { s3Uri: 'in.csv', s3ContentType: 'csv', s3HasHeader: true } } }, inputs: [], outputs: [{ name: 'default', sampling: { sampling_method: 'sample_by_limit', limit_rows: 50000 } }] },
        { node_id: 'types', type: 'TRANSFORM', operator: 'sagemaker.spark.infer_and_cast_type_0.1', parameters: {}, inputs: [{ name: 'df', node_id: 's', output_name: 'default' }], outputs: [{ name: 'default' }] },
        { node_id: 'fill', type: 'TRANSFORM', operator: 'sagemaker.spark.handle_missing_0.1', parameters: { operator: 'Fill missing', fill_missing_parameters: { input_column: ['a'], fill_value: '0' }, impute_parameters: { column_type: 'Numeric', numeric_parameters: { strategy: 'Approximate Median' } } }, inputs: [{ name: 'df', node_id: 'types', output_name: 'default' }], outputs: [{ name: 'default' }] },
        { node_id: 'f', type: 'TRANSFORM', operator: 'sagemaker.spark.custom_formula_0.1', parameters: { output_column: 'c', formula: 'a * 2' }, inputs: [{ name: 'df', node_id: 'fill', output_name: 'default' }], outputs: [{ name: 'default' }] },
        { node_id: 'd', type: 'DESTINATION', operator: 'sagemaker.s3_destination_0.1', name: 'out', parameters: { output_config: { compression: 'none', output_path: 'out.csv', output_content_type: 'CSV', delimiter: ',' } }, inputs: [{ name: 'df', node_id: 'f', output_name: 'default' }], outputs: [{ name: 'default' }] },
      ],
    };
    const r = await runFlow(flow as unknown as FlowFile, { baseDir: dir });
    expect(col(r.frames.get('f')!.default as Frame, 'c')).toEqual([2, 0, 6]);
    expect(r.written[0].path).toBe(path.join(dir, 'out.csv'));
  });
  it('samples a source at import and casts with the data types node', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-'));
    writeFileSync(path.join(dir, 'in.csv'), 'a,b\n' + Array.from({ length: 100 }, (_, i) => `${i},${i % 2 ? 'p' : 'q'}`).join('\n') + '\n');
    const flow = {
      metadata: { version: 1 },
      nodes: [
        { node_id: 's', type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'in.csv', sampling: { method: 'stratified', size: 10, column: 'b' } }, inputs: [], outputs: [{ name: 'default' }] },
        { node_id: 'c', type: 'TRANSFORM', operator: 'tabpilot.infer_and_cast_type_0.1', parameters: { column_types: { a: 'text', b: 'boolean' } }, inputs: [{ name: 'df', node_id: 's' }], outputs: [{ name: 'default' }] },
      ],
    };
    const r = await runFlow(flow as unknown as FlowFile, { baseDir: dir });
    const out = r.frames.get('c')!.default as Frame;
    expect(out.numRows).toBe(10);
    expect(out.column('a').kind).toBe('text');
    expect(r.reports.c.counts.failed_casts_b).toBe(10);
  });
});

describe('Data Wrangler parameter spellings', () => {
  it('reads impute_parameters, nested move parameters and capitalised time-series blocks', async () => {
    const { resolveStep } = await import('../src/wrangle/flow/format.js');
    const node = (operator: string, parameters: Record<string, unknown>) => ({ node_id: 'n', type: 'TRANSFORM' as const, operator, parameters, inputs: [], outputs: [] });
    const imp = resolveStep(node('sagemaker.spark.handle_missing_0.1', { operator: 'Impute missing', impute_parameters: { column_type: 'Numeric', input_column: ['a'], numeric_parameters: { strategy: 'Approximate Median' } } }));
    expect(imp.params).toMatchObject({ inputs: ['a'], strategy: 'Approximate Median' });
    const mv = resolveStep(node('sagemaker.spark.manage_columns_0.1', { operator: 'Move column', move_column_parameters: { move_type: 'Move to start', move_to_start_parameters: { column_to_move: 'b' } } }));
    expect(mv.params).toEqual({ column: 'b', type: 'Move to start' });
    const ts = resolveStep(node('sagemaker.spark.time_series_0.1', { operator: 'Validate timestamps', Validate_timestamps_parameters: { timestamp_column: 't', policy: 'drop' } }));
    expect(ts.params).toMatchObject({ timestamp: 't', policy: 'drop' });
  });
});

describe('analysis nodes', () => {
  it('runs a known analysis operator with its parameters and describes otherwise', async () => {
    const flow = {
      metadata: { version: 1 },
      nodes: [
        { node_id: 's', type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'mem' }, inputs: [], outputs: [{ name: 'default' }] },
        { node_id: 'summary', type: 'VISUALIZATION', operator: 'sagemaker.visualizations.describe_0.1', parameters: {}, inputs: [{ name: 'df', node_id: 's' }], outputs: [{ name: 'default' }] },
        { node_id: 'plain', type: 'VISUALIZATION', operator: 'tabpilot.describe_0.1', parameters: {}, inputs: [{ name: 'df', node_id: 's' }], outputs: [{ name: 'default' }] },
      ],
    };
    const r = await runFlow(flow as unknown as FlowFile, { sources: { s: df({ x: [1, 2, null] }) } });
    expect((r.analyses.summary as { analysis: string }).analysis).toBe('table-summary');
    expect((r.analyses.plain as { columns: { missing: number }[] }).columns[0].missing).toBe(1);
  });
});
