import { describe, expect, it } from 'vitest';
import { col, df, step } from './wrangle-helpers.js';

describe('handle missing', () => {
  it('fills numeric and categorical columns keeping their kinds', () => {
    const f = df({ x: [1, null, 3], c: ['a', null, 'b'] }, { cat: ['c'] });
    const { out } = step('handle_missing', 'Fill missing', { input_column: ['x'], fill_value: '0' }).run(f);
    expect(col(out, 'x')).toEqual([1, 0, 3]);
    const { out: o2 } = step('handle_missing', 'Fill missing', { input_column: 'c', fill_value: 'zz', output_column: 'c2' }).run(f);
    expect(col(o2, 'c2')).toEqual(['a', 'zz', 'b']);
    expect(o2.column('c2').kind).toBe('categorical');
    expect(o2.columnNames).toEqual(['x', 'c', 'c2']);
  });
  it('rejects a non-numeric fill value for a numeric column, naming the field', () => {
    const f = df({ x: [1, null] });
    expect(() => step('handle_missing', 'Fill missing', { input_column: 'x', fill_value: 'abc' }).run(f)).toThrow(/field "fill_value".*not a number/);
  });
  it('imputes mean, median and most frequent from the fit data and reuses them', () => {
    const f = df({ x: [1, 2, null, 10], c: ['a', 'b', 'b', null] });
    const mean = step('handle_missing', 'Impute missing', { input_column: ['x', 'c'] });
    const r = mean.run(f);
    expect(r.trained).toEqual({ fill_values: { x: 13 / 3, c: 'b' } });
    expect(col(r.out, 'x')[2]).toBeCloseTo(13 / 3);
    expect(col(r.out, 'c')[3]).toBe('b');
    const med = step('handle_missing', 'Impute missing', { input_column: 'x', numeric_parameters: { strategy: 'Approximate Median' } }).run(f);
    expect(col(med.out, 'x')[2]).toBe(2);
    // Applying the stored state to new data uses the fitted value, not the new data's.
    const again = mean.apply(df({ x: [null, 100], c: [null, 'z'] }), r.trained);
    expect(col(again.out, 'x')).toEqual([13 / 3, 100]);
  });
  it('adds a missing indicator and drops rows with missing values', () => {
    const f = df({ x: [1, null, 3], y: ['a', 'b', null] });
    const { out } = step('handle_missing', 'Add indicator for missing', { input_column: 'x' }).run(f);
    expect(col(out, 'x_indicator')).toEqual([false, true, false]);
    const d = step('handle_missing', 'Drop missing', { input_column: ['y'] }).run(f);
    expect(d.out.numRows).toBe(2);
    expect(d.report.rows_dropped).toBe(1);
    expect(step('handle_missing', 'Drop missing', {}).run(f).out.numRows).toBe(1);
  });
  it('rejects unknown parameters and wrong types', () => {
    expect(() => step('handle_missing', 'Fill missing', { input_column: 'x', fill_value: 0, colour: 1 })).toThrow(/field "parameters.colour": is not a parameter/);
    expect(() => step('handle_missing', 'Impute missing', { input_column: 3 })).toThrow(/input_column.*column name/);
  });
});

describe('encode categorical', () => {
  const f = df({ c: ['a', 'b', 'a', null, 'c', 'a'] }, { cat: ['c'] });
  it('ordinal-encodes by frequency and applies the invalid strategies', () => {
    const s = step('encode_categorical', 'Ordinal encode', { input_column: 'c' });
    const r = s.run(f);
    expect(r.trained).toEqual({ categories: { c: ['a', 'b', 'c'] } });
    expect(col(r.out, 'c')).toEqual([0, 1, 0, null, 2, 0]);
    const unseen = df({ c: ['b', 'zzz'] });
    expect(col(s.apply(unseen, r.trained).out, 'c')).toEqual([1, null]);
    const keep = step('encode_categorical', 'Ordinal encode', { input_column: 'c', invalid_handling_strategy: 'Keep' });
    expect(col(keep.apply(unseen, r.trained).out, 'c')).toEqual([1, 3]);
    const skip = step('encode_categorical', 'Ordinal encode', { input_column: 'c', invalid_handling_strategy: 'Skip' });
    expect(skip.apply(unseen, r.trained).out.numRows).toBe(1);
    expect(skip.def.rowWise(skip.params)).toBe(false);
    const err = step('encode_categorical', 'Ordinal encode', { input_column: 'c', invalid_handling_strategy: 'Error' });
    expect(() => err.apply(unseen, r.trained)).toThrow(/unseen category "zzz" \(row 2\)/);
  });
  it('one-hot encodes into <col>_<category> columns with drop last and invalid handling', () => {
    const s = step('encode_categorical', 'One-hot encode', { input_column: 'c', invalid_handling_strategy: 'Keep' });
    const r = s.run(f);
    expect(r.out.columnNames).toEqual(['c_a', 'c_b', 'c_c', 'c_invalid']);
    expect(r.out.row(3)).toEqual({ c_a: 0, c_b: 0, c_c: 0, c_invalid: 1 });
    const drop = step('encode_categorical', 'One-hot encode', { input_column: 'c', invalid_handling_strategy: 'Keep', drop_last: true }).run(f);
    expect(drop.out.columnNames).toEqual(['c_a', 'c_b', 'c_c']);
    const nan = step('encode_categorical', 'One-hot encode', { input_column: 'c', invalid_handling_strategy: 'Replace with missing' });
    const unseen = nan.apply(df({ c: ['q', 'b'] }), r.trained).out;
    expect(unseen.row(0)).toEqual({ c_a: null, c_b: null, c_c: null });
    expect(unseen.row(1)).toEqual({ c_a: 0, c_b: 1, c_c: 0 });
    const err = step('encode_categorical', 'One-hot encode', { input_column: 'c', invalid_handling_strategy: 'Error' });
    expect(() => err.run(f)).toThrow(/missing or unseen category null \(row 4\)/);
    const skip = step('encode_categorical', 'One-hot encode', { input_column: 'c', invalid_handling_strategy: 'Skip' }).run(f);
    expect(skip.out.numRows).toBe(5);
  });
  it('one-hot encodes into a vector column and from ordinal input', () => {
    const v = step('encode_categorical', 'One-hot encode', { input_column: 'c', output_style: 'Vector', invalid_handling_strategy: 'Replace with missing' }).run(f);
    expect(col(v.out, 'c')[1]).toBe('[0,1,0]');
    const o = step('encode_categorical', 'One-hot encode', { input_column: 'k', is_ordinal_encoded: true, invalid_handling_strategy: 'Error' }).run(df({ k: [0, 2, 1] }));
    expect(o.out.columnNames).toEqual(['k_0', 'k_1', 'k_2']);
    expect(() => step('encode_categorical', 'One-hot encode', { input_column: 'k', is_ordinal_encoded: true }).run(df({ k: [0, -1] }))).toThrow(/non-negative integers/);
  });
  it('similarity-encodes similar strings to similar vectors', () => {
    const s = step('encode_categorical', 'Similarity encode', { input_column: 's', target_dimension: 64 }).run(df({ s: ['California', 'Calfornia', 'Texas', null] }));
    const vec = (i: number) => Array.from({ length: 64 }, (_, d) => col(s.out, `s_sim_${d}`)[i] as number);
    const agree = (a: number[], b: number[]) => a.filter((x, i) => x === b[i]).length;
    expect(agree(vec(0), vec(1))).toBeGreaterThan(agree(vec(0), vec(2)) + 10);
    expect(col(s.out, 's_sim_0')[3]).toBeNull();
  });
});
