import { describe, expect, it } from 'vitest';
import type { Frame } from '../src/frame/index.js';
import { col, df, step } from './wrangle-helpers.js';

describe('manage columns, rows and vectors; group by', () => {
  const f = df({ a: [3, 1, 2, 1], b: ['x', 'y', 'z', 'y'] });
  it('drops, duplicates, renames and moves columns', () => {
    expect(step('manage_columns', 'Drop column', { column_to_drop: ['a'] }).run(f).out.columnNames).toEqual(['b']);
    expect(step('manage_columns', 'Duplicate column', { input_column: 'a', new_name: 'a2' }).run(f).out.columnNames).toEqual(['a', 'a2', 'b']);
    expect(step('manage_columns', 'Rename column', { input_column: 'a', new_name: 'z' }).run(f).out.columnNames).toEqual(['z', 'b']);
    expect(() => step('manage_columns', 'Rename column', { input_column: 'a', new_name: 'b' }).run(f)).toThrow(/a column "b" already exists/);
    expect(step('manage_columns', 'Move column', { move_type: 'Move to start', column_to_move: 'b' }).run(f).out.columnNames).toEqual(['b', 'a']);
    const g = df({ p: [1], q: [2], r: [3] });
    expect(step('manage_columns', 'Move column', { move_type: 'Move after', column_to_move: 'p', target_column: 'q' }).run(g).out.columnNames).toEqual(['q', 'p', 'r']);
    expect(step('manage_columns', 'Move column', { move_type: 'Move to index', column_to_move: 'r', index: 1 }).run(g).out.columnNames).toEqual(['p', 'r', 'q']);
  });
  it('sorts (missing last), shuffles with a seed and drops duplicates', () => {
    const g = df({ a: [3, null, 1, 2], b: ['c', 'a', 'b', 'a'] });
    expect(col(step('manage_rows', 'Sort', { sort_by: 'a' }).run(g).out, 'a')).toEqual([1, 2, 3, null]);
    expect(col(step('manage_rows', 'Sort', { sort_by: 'a', ascending: false }).run(g).out, 'a')).toEqual([3, 2, 1, null]);
    expect(col(step('manage_rows', 'Sort', { sort_by: ['b', 'a'] }).run(g).out, 'a')).toEqual([2, null, 1, 3]);
    const s1 = col(step('manage_rows', 'Shuffle', { random_seed: 3 }).run(g).out, 'b');
    expect(col(step('manage_rows', 'Shuffle', { random_seed: 3 }).run(g).out, 'b')).toEqual(s1);
    expect([...s1].sort()).toEqual(['a', 'a', 'b', 'c']);
    const d = step('manage_rows', 'Drop duplicates', {}).run(f);
    expect(col(d.out, 'a')).toEqual([3, 1, 2]);
    expect(d.report.duplicates_dropped).toBe(1);
    expect(col(step('manage_rows', 'Drop duplicates', { input_column: 'b', keep: 'last' }).run(df({ a: [1, 2, 3], b: ['x', 'x', 'y'] })).out, 'a')).toEqual([2, 3]);
    expect(col(step('manage_rows', 'Drop duplicates', {}).run(df({ a: [null, null, 1] })).out, 'a')).toEqual([null, 1]);
  });
  it('assembles and flattens vectors', () => {
    const v = step('manage_vectors', 'Assemble', { input_column: ['a', 'c'], output_column: 'v' }).run(df({ a: [1, 2], c: [3, null] }));
    expect(col(v.out, 'v')).toEqual(['[1,3]', '[2,null]']);
    const fl = step('manage_vectors', 'Flatten', { input_column: 'v', output_prefix: 'e' }).run(df({ v: ['[1,2,3]', '[4]', null] }));
    expect(fl.trained).toEqual({ length: 3 });
    expect(fl.out.row(1)).toMatchObject({ e_0: 4, e_1: null, e_2: null });
    expect(() => step('manage_vectors', 'Flatten', { input_column: 'v' }).run(df({ v: ['x'] }))).toThrow(/holds no vector/);
  });
  it('groups by keys with aggregates', () => {
    const g = df({ k: ['a', 'b', 'a', 'a'], x: [1, 5, 3, null], s: ['p', 'q', 'p', 'r'] });
    const r = step('group_by', null, {
      group_by_columns: 'k',
      aggregations: [
        { column: 'x', function: 'mean' },
        { column: 'x', function: 'count' },
        { column: 'x', function: 'max' },
        { column: 's', function: 'most_common' },
        { column: 's', function: 'nunique' },
      ],
    }).run(g);
    expect(r.out.toRows()).toEqual([
      { k: 'a', x_mean: 2, x_count: 2, x_max: 3, s_most_common: 'p', s_nunique: 2 },
      { k: 'b', x_mean: 5, x_count: 1, x_max: 5, s_most_common: 'q', s_nunique: 1 },
    ]);
    expect(() => step('group_by', null, { group_by_columns: 'k', aggregations: [{ column: 's', function: 'sum' }] }).run(g)).toThrow(/"sum" needs a numeric column, "s" is text/);
    expect(() => step('group_by', null, { group_by_columns: 'k', aggregations: [{ column: 'x', function: 'avg' }] })).toThrow(/aggregations\[0\].function/);
  });
});

describe('join and concatenate', () => {
  const L = df({ id: [1, 2, 3, null], v: ['a', 'b', 'c', 'd'] });
  const R = df({ id: [2, 3, 3, 4], v: ['B', 'C', 'C2', 'D'] });
  const join = (type: string, extra: Record<string, unknown> = {}) => step('join_tables', null, { join_type: type, left_column: 'id', right_column: 'id', ...extra }).run(L, R).out;
  it('implements all seven join types with _0/_1 suffixes on clashes', () => {
    const inner = join('Inner');
    expect(inner.columnNames).toEqual(['id_0', 'v_0', 'id_1', 'v_1']);
    expect(col(inner, 'v_1')).toEqual(['B', 'C', 'C2']);
    expect(col(join('Left outer'), 'v_1')).toEqual([null, 'B', 'C', 'C2', null]);
    expect(col(join('Right outer'), 'v_0')).toEqual(['b', 'c', 'c', null]);
    expect(col(join('Full outer'), 'v_0')).toEqual(['a', 'b', 'c', 'c', 'd', null]);
    expect(col(join('leftanti'), 'v')).toEqual(['a', 'd']);
    expect(col(join('Left semi'), 'v')).toEqual(['b', 'c']);
    expect(step('join_tables', null, { join_type: 'Cartesian cross' }).run(L, R).out.numRows).toBe(16);
    expect(col(join('Full outer', { merge_keys: true }), 'id')).toEqual([1, 2, 3, 3, null, 4]);
    expect(() => join('sideways')).toThrow(/field "parameters.join_type": expects one of/);
    expect(() => step('join_tables', null, { join_type: 'Inner', left_column: 'v', right_column: 'id' }).run(L, R)).toThrow(/cannot join text column "v" with numeric column "id"/);
  });
  it('concatenates by column name with a source indicator and optional dedupe', () => {
    const a = df({ x: [1, 2], c: ['p', 'q'] }, { cat: ['c'] });
    const b = df({ c: ['q', 'r'], x: [2, 3], y: [true, false] }, { cat: ['c'] });
    const r = step('concatenate_datasets', null, { indicator_column: 'src' }).run(a, b).out;
    expect(r.columnNames).toEqual(['x', 'c', 'y', 'src']);
    expect(col(r, 'y')).toEqual([null, null, true, false]);
    expect(col(r, 'src')).toEqual(['left', 'left', 'right', 'right']);
    const d = step('concatenate_datasets', null, { remove_duplicates: true }).run(a, df({ x: [2], c: ['q'] }, { cat: ['c'] })).out;
    expect(d.numRows).toBe(2);
  });
});

describe('sampling, split and balance', () => {
  const n = 1000;
  const f = df({ i: Array.from({ length: n }, (_, i) => i), y: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 'pos' : 'neg')), g: Array.from({ length: n }, (_, i) => `k${i % 50}`) });
  it('samples by limit, at random and stratified, reproducibly', () => {
    expect(col(step('sampling', 'Limit', { sample_size: 3 }).run(f).out, 'i')).toEqual([0, 1, 2]);
    const r = step('sampling', 'Randomized', { sample_size: 100, random_seed: 1 }).run(f).out;
    expect(r.numRows).toBe(100);
    expect(col(step('sampling', 'Randomized', { sample_size: 100, random_seed: 1 }).run(f).out, 'i')).toEqual(col(r, 'i'));
    const s = step('sampling', 'Stratified', { sample_size: 200, stratify_column: 'y' }).run(f).out;
    expect(col(s, 'y').filter((v) => v === 'pos').length).toBe(20);
  });
  it('splits with named outputs: random, ordered, stratified and by key', () => {
    const split = (op: string, extra: Record<string, unknown> = {}) =>
      step('split', op, { splits: [{ name: 'Train', percentage: 0.8 }, { name: 'Test', percentage: 0.2 }], ...extra }).run(f).outputs as Record<string, Frame>;
    const r = split('Randomized split');
    expect([r.Train.numRows, r.Test.numRows]).toEqual([800, 200]);
    expect(new Set([...col(r.Train, 'i'), ...col(r.Test, 'i')]).size).toBe(n);
    const o = split('Ordered split');
    expect(col(o.Test, 'i')[0]).toBe(800);
    const s = split('Stratified split', { input_column: 'y' });
    expect(col(s.Test, 'y').filter((v) => v === 'pos').length).toBe(20);
    const k = split('Split by key', { key_column: 'g' });
    const trainKeys = new Set(col(k.Train, 'g'));
    expect(col(k.Test, 'g').some((g) => trainKeys.has(g))).toBe(false);
    expect(k.Test.numRows).toBe(200);
    expect(() => step('split', 'Randomized split', { splits: [{ name: 'a', percentage: 0.5 }, { name: 'b', percentage: 0.4 }] })).toThrow(/percentages must sum to 1, they sum to 0.9/);
    expect(() => step('split', 'Stratified split', { input_column: 'i', splits: [{ name: 'a', percentage: 0.5 }, { name: 'b', percentage: 0.5 }] }).run(f)).toThrow(/at most 100 distinct values/);
  });
  it('balances by random over/undersampling and SMOTE', () => {
    const count = (fr: Frame, v: string) => col(fr, 'y').filter((x) => x === v).length;
    const over = step('balance_data', 'Random oversample', { target_column: 'y' }).run(f).out;
    expect([count(over, 'pos'), count(over, 'neg')]).toEqual([900, 900]);
    const under = step('balance_data', 'Random undersample', { target_column: 'y', ratio: 0.5 }).run(f).out;
    expect([count(under, 'pos'), count(under, 'neg')]).toEqual([100, 200]);
    const m = df({ x: [0, 1, 2, 3, 10, 11], z: [0, 0, 0, 0, 5, 6], c: ['a', 'a', 'a', 'a', 'b', 'c'], y: ['n', 'n', 'n', 'n', 'p', 'p'] });
    const sm = step('balance_data', 'SMOTE', { target_column: 'y', k_neighbors: 1 }).run(m).out;
    expect(count(sm, 'p')).toBe(4);
    const synth = sm.toRows().slice(6);
    for (const r of synth) {
      expect(r.x as number).toBeGreaterThanOrEqual(10);
      expect(r.x as number).toBeLessThanOrEqual(11);
      expect(['b', 'c']).toContain(r.c);
    }
    expect(() => step('balance_data', 'SMOTE', { target_column: 'y' }).run(df({ y: ['a', 'a'] }))).toThrow(/at least two classes/);
  });
});

describe('PCA, text, nested data', () => {
  it('PCA picks components by variance threshold and stores loadings', () => {
    const x = Array.from({ length: 50 }, (_, i) => i);
    const f = df({ a: x, b: x.map((v) => 2 * v + (v % 3)), c: x.map((v) => (v * 7) % 5) });
    const s = step('reduce_dimensionality', null, { input_column: ['a', 'b', 'c'], variance_threshold: 60 });
    const r = s.run(f);
    const t = r.trained as { components: number[][]; explained_variance_ratio: number[] };
    expect(t.components.length).toBe(1);
    expect(t.explained_variance_ratio[0]).toBeGreaterThan(0.6);
    expect(r.out.columnNames).toEqual(['pca_0']);
    const all = step('reduce_dimensionality', null, { input_column: ['a', 'b', 'c'], number_of_principal_components: 3, keep_input_columns: true }).run(f);
    expect(all.out.columnNames).toEqual(['a', 'b', 'c', 'pca_0', 'pca_1', 'pca_2']);
    expect(() => step('reduce_dimensionality', null, { input_column: ['a', 'b'], number_of_principal_components: 3 })).toThrow(/more than the 2 input columns/);
  });
  it('character statistics use per-string non-space denominators', () => {
    const r = step('featurize_text', 'Character statistics', { input_column: 't' }).run(df({ t: ['Ab 1!', '', null] }));
    expect(r.out.row(0)).toMatchObject({ 't-stats_word_count': 2, 't-stats_char_count': 5, 't-stats_capital_ratio': 0.25, 't-stats_lower_ratio': 0.25, 't-stats_digit_ratio': 0.25, 't-stats_special_ratio': 0.25 });
    expect(r.out.row(1)).toMatchObject({ 't-stats_word_count': 0, 't-stats_capital_ratio': 0 });
  });
  it('count-vectorizes with a fitted vocabulary, IDF and flattened output', () => {
    const docs = df({ t: ['the cat sat', 'the dog sat', 'the cat ran', null] });
    const s = step('featurize_text', 'Vectorize', { input_column: 't', output_format: 'Flattened', apply_idf: false });
    const r = s.run(docs);
    expect((r.trained as { vocabulary: string[] }).vocabulary).toEqual(['the', 'cat', 'sat', 'dog', 'ran']);
    expect(r.out.row(1)).toMatchObject({ t_vec_the: 1, t_vec_cat: 0, t_vec_dog: 1 });
    expect(r.out.row(3)).toMatchObject({ t_vec_the: null });
    const idf = step('featurize_text', 'Vectorize', { input_column: 't', idf_minimum_document_frequency: 1 }).run(docs);
    const v = JSON.parse(col(idf.out, 't_vec')[0] as string);
    expect(v.size).toBe(5);
    expect(v.values[0]).toBeCloseTo(Math.log(5 / 4));
    expect(v.indices).toEqual([0, 1, 2]);
    const h = step('featurize_text', 'Vectorize', { input_column: 't', vectorizer: 'Hashing', number_of_features: 16, apply_idf: false, tokenizer: 'Custom', regex: '[a-z]+', regex_splits_on_gaps: false }).run(docs);
    expect(JSON.parse(col(h.out, 't_vec')[0] as string).size).toBe(16);
    expect(() => step('featurize_text', 'Vectorize', { input_column: 't', vectorizer: 'Hashing', output_format: 'Flattened' })).toThrow(/needs the Count vectorizer/);
  });
  it('flattens JSON objects and explodes arrays', () => {
    const f = df({ j: ['{"name":{"first":"A"},"age":3}', '{"age":4}', 'oops', null] });
    const r = step('flatten_structured', null, { input_column: 'j' }).run(f);
    expect(r.out.columnNames).toEqual(['j', 'j_name', 'j_age']);
    expect(col(r.out, 'j_name')).toEqual(['{"first":"A"}', null, null, null]);
    expect(col(r.out, 'j_age')).toEqual([3, 4, null, null]);
    expect(r.report.not_json_objects_j).toBe(1);
    const e = step('explode_array', null, { input_column: 'a' }).run(df({ k: [1, 2, 3], a: ['[1,2]', '[]', null] }));
    expect(col(e.out, 'k')).toEqual([1, 1, 2, 3]);
    expect(col(e.out, 'a_flatten')).toEqual([1, 2, null, null]);
  });
});

describe('time series', () => {
  const f = df({ id: ['a', 'a', 'a', 'b', 'b'], t: ['2024-01-01T00:00:00Z', '2024-01-01T02:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T01:30:00Z'], v: [1, 3, null, 10, 20] });
  it('lags and rolls along each series in timestamp order', () => {
    const lag = step('time_series', 'Lag features', { input_column: 'v', id_column: 'id', timestamp_column: 't', lag: 1 }).run(f).out;
    expect(col(lag, 'v_lag_1')).toEqual([null, null, 1, null, 10]);
    const roll = step('time_series', 'Rolling window features', { input_column: 'v', id_column: 'id', timestamp_column: 't', window_size: 2, features: ['mean', 'count'] }).run(f).out;
    expect(col(roll, 'v_rolling_2_mean')).toEqual([null, 1, 1, null, 10]);
    expect(col(roll, 'v_rolling_2_count')).toEqual([0, 1, 1, 0, 1]);
  });
  it('fills missing values along a series and validates timestamps', () => {
    const hm = step('time_series', 'Handle missing', { input_column: 'v', id_column: 'id', timestamp_column: 't', strategy: 'Interpolate' }).run(f).out;
    expect(col(hm, 'v')).toEqual([1, 3, 2, 10, 20]);
    const bad = df({ t: ['2024-01-01', 'garbage', null] });
    expect(() => step('time_series', 'Validate timestamps', { timestamp_column: 't' }).run(bad)).toThrow(/2 invalid or missing timestamp\(s\) in "t", first at row 2: "garbage"/);
    expect(step('time_series', 'Validate timestamps', { timestamp_column: 't', policy: 'drop' }).run(bad).out.numRows).toBe(1);
    expect(col(step('time_series', 'Validate timestamps', { timestamp_column: 't', policy: 'indicate' }).run(bad).out, 't_is_valid')).toEqual([true, false, false]);
  });
  it('resamples: downsample by mean, upsample by interpolation, per id', () => {
    const r = step('time_series', 'Resample', { timestamp_column: 't', id_column: 'id', frequency: { quantity: 30, unit: 'minute' } }).run(f).out;
    const a = r.toRows().filter((x) => x.id === 'a');
    expect(a.map((x) => x.v)).toEqual([1, 1.5, 2, 2.5, 3]);
    const g = step('time_series', 'Group by', { id_column: 'id', timestamp_column: 't', columns: ['v'] }).run(f).out;
    expect(col(g, 'v')).toEqual(['[1,null,3]', '[10,20]']);
    expect(() => step('time_series', 'Resample', { timestamp_column: 't', frequency: { quantity: 1, unit: 'fortnight' } })).toThrow(/frequency.unit/);
  });
});
