import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/io/index.js';
import { type Table, applyInferenceSteps, frameToTable, renderCell } from '../src/wrangle/index.js';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

const CSV = `name,city,amount,ts,code,score,meta
"  alice smith ",Paris,10.5,2024-03-15 10:30:00,0012,1,"{""k"":1,""tags"":[""a""]}"
Bob JONES,Lyon,,2023-12-31 23:59:59,7,2,"{""k"":""two"",""ok"":true}"
"carol-ann o'neil",Paris,300,2024-02-29 00:00:00,x,3,not json
Dave,Nice,42,,15,4,
,Lyon,7.25,2022-06-01 12:00:00,3,5,"{""k"":3}"
Eve Adams,Paris,-3,2021-01-01 06:15:00,,6,"[1,2]"
`;

let step = 0;
const node = (group: string, parameters: Record<string, unknown>) => {
  const id = `s${++step}`;
  return { node_id: id, type: 'TRANSFORM', operator: `tabpilot.${group}_0.1`, parameters, inputs: [{ name: 'df', node_id: step === 1 ? 'src' : `s${step - 1}` }], outputs: [{ name: 'default' }] };
};
const op = (group: string, operator: string, params: Record<string, unknown>) =>
  node(group, { operator, [`${operator.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}_parameters`]: params });

const NODES = [
  op('handle_missing', 'Add indicator for missing', { input_column: ['amount'] }),
  op('handle_missing', 'Impute missing', { input_column: ['amount', 'city'], numeric_parameters: { strategy: 'Median' } }),
  op('handle_missing', 'Fill missing', { input_column: 'name', fill_value: 'unknown' }),
  op('encode_categorical', 'Similarity encode', { input_column: 'name', target_dimension: 4 }),
  op('featurize_text', 'Character statistics', { input_column: 'name' }),
  op('featurize_text', 'Vectorize', { input_column: 'name', output_format: 'Flattened', idf_minimum_document_frequency: 1, output_column: 'tf' }),
  op('featurize_text', 'Vectorize', { input_column: 'name', vectorizer: 'Hashing', number_of_features: 8, tokenizer: 'Custom', regex: '[a-z]+', regex_splits_on_gaps: false, binary: true }),
  op('encode_categorical', 'Similarity encode', { input_column: 'name', target_dimension: 3, output_style: 'Vector', output_column: 'sim_vec' }),
  op('manage_vectors', 'Flatten', { input_column: 'sim_vec', output_prefix: 'sv' }),
  op('manage_vectors', 'Assemble', { input_column: ['score', 'sim_vec'], output_column: 'assembled' }),
  node('flatten_structured', { input_column: 'meta' }),
  op('manage_columns', 'Duplicate column', { input_column: 'city', new_name: 'city_code' }),
  op('manage_columns', 'Duplicate column', { input_column: 'city', new_name: 'city_vec' }),
  op('encode_categorical', 'One-hot encode', { input_column: 'city_vec', output_style: 'Vector', invalid_handling_strategy: 'Replace with missing' }),
  op('encode_categorical', 'Ordinal encode', { input_column: 'city_code', invalid_handling_strategy: 'Keep' }),
  op('encode_categorical', 'One-hot encode', { input_column: 'city', invalid_handling_strategy: 'Replace with missing', drop_last: true }),
  op('handle_outliers', 'Quantile numeric outliers', { input_column: 'score', lower_quantile: 0.2, upper_quantile: 0.8, fix_method: 'Invalidate' }),
  op('handle_outliers', 'Replace rare values', { input_column: 'name', absolute_threshold: 0, fraction_threshold: 0 }),
  op('process_numeric', 'Min-max scaler', { input_column: 'amount', output_column: 'amount_mm', min: -1, max: 1 }),
  op('process_numeric', 'Robust scaler', { input_column: 'amount' }),
  op('process_numeric', 'Max absolute scaler', { input_column: 'score' }),
  node('featurize_date_time', { input_column: 'ts', components: ['year', 'month', 'day_of_week', 'hour', 'quarter'], embedding_mode: 'Cyclic' }),
  node('featurize_date_time', { input_column: 'ts', components: ['month', 'day'], output_style: 'Vector' }),
  op('time_series', 'Validate timestamps', { timestamp_column: 'ts', policy: 'indicate' }),
  node('parse_value_as_type', { input_column: 'code', type: 'Long', output_column: 'code_long' }),
  op('format_string', 'Strip left and right', { input_column: 'name' }),
  op('format_string', 'Capitalize', { input_column: 'name', output_column: 'name_cap' }),
  op('format_string', 'Left pad', { input_column: 'code', width: 6, fill_character: '0' }),
  op('format_string', 'Remove symbols', { input_column: 'name', symbols: "-'", output_column: 'name_clean' }),
  op('search_and_edit', 'Extract using regex', { input_column: 'name', pattern: '[A-Z][a-z]+', output_column: 'first_cap' }),
  op('search_and_edit', 'Find substring', { input_column: 'name', pattern: 'a', output_column: 'pos_a' }),
  op('search_and_edit', 'Matches prefix', { input_column: 'name', pattern: '^[a-c]', regex: true, case_sensitive: false, output_column: 'starts_abc' }),
  op('search_and_edit', 'Split string by delimiter', { input_column: 'name', output_column: 'words' }),
  op('validate_string', 'Is title', { input_column: 'name' }),
  op('validate_string', 'String length', { input_column: 'name', length: 4 }),
  node('custom_formula', { output_column: 'label', formula: "concat(upper(left(name, 3)), '-', year(ts), '-', if(amount > 0, 'pos', 'neg'))" }),
  node('custom_formula', { output_column: 'next_day', formula: "date_add(to_date(ts), 1)" }),
  node('custom_formula', { output_column: 'mix', formula: 'round(ln(abs(amount) + 1) * 100) / 100 + coalesce(code_long, -1) + length(words)' }),
  node('reduce_dimensionality', { input_column: ['amount_mm', 'score'], number_of_principal_components: 2, keep_input_columns: true }),
  node('reduce_dimensionality', { input_column: ['amount_mm', 'score'], number_of_principal_components: 1, keep_input_columns: true, output_style: 'Vector', output_column: 'pca_vec' }),
  op('manage_columns', 'Move column', { move_type: 'Move to start', column_to_move: 'label' }),
  op('manage_columns', 'Rename column', { input_column: 'pos_a', new_name: 'a_at' }),
  op('manage_columns', 'Drop column', { column_to_drop: ['ts'] }),
];

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
  dir = mkdtempSync(path.join(os.tmpdir(), 'flow-export-'));
  writeFileSync(path.join(dir, 'people.csv'), CSV);
  const flow = {
    metadata: { version: 1 },
    nodes: [{ node_id: 'src', type: 'SOURCE', operator: 'tabpilot.source_0.1', parameters: { path: 'people.csv', column_types: { code: 'text', meta: 'text' } }, inputs: [], outputs: [{ name: 'default' }] }, ...NODES],
  };
  writeFileSync(path.join(dir, 'people.flow'), JSON.stringify(flow, null, 2));
});

describe('flow export over the row-wise catalog', () => {
  it('gives the engine output cell for cell on new rows, including unseen categories and bad values', async () => {
    const run = spawnSync(process.execPath, [CLI, 'flow', 'run', 'people.flow', '--save'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const e = spawnSync(process.execPath, [CLI, 'flow', 'export', 'people.flow', '--out', 'gen/people.ts'], { cwd: dir, encoding: 'utf8' });
    expect(e.status, e.stderr).toBe(0);
    mkdirSync(path.join(dir, 'gen'), { recursive: true });
    writeFileSync(path.join(dir, 'gen/package.json'), '{"type":"module"}');
    execFileSync(process.execPath, [TSC, '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'gen/people.ts'], { cwd: dir });
    const mod = (await import(pathToFileURL(path.join(dir, 'gen/people.js')).href)) as { transform(t: Table): Table; STEP_COUNT: number };
    expect(mod.STEP_COUNT).toBe(NODES.length);
    const flow = JSON.parse(readFileSync(path.join(dir, 'people.flow'), 'utf8'));
    // New rows: an unseen city, an unparseable date, text where a number is expected.
    writeFileSync(path.join(dir, 'new.csv'), CSV + 'Zed Z,Berlin,1e3,not a date,abc,99,"{""k"":5,""new"":1}"\n');
    const { frame } = await readTable(path.join(dir, 'new.csv'), { types: { code: 'text', meta: 'text' } });
    const expected = frameToTable(applyInferenceSteps(flow, frame, { target: `s${NODES.length}` }));
    const actual = mod.transform(frameToTable(frame));
    expect(actual.names).toEqual(expected.names);
    for (const name of expected.names) expect(actual.cols[name].map(renderCell), name).toEqual(expected.cols[name].map(renderCell));
    expect(expected.names[0]).toBe('label');
    expect(expected.cols.label[0]).toBe('ALI-2024-neg');
    expect(expected.cols.city_code[6]).toBe(3);
  });
});
