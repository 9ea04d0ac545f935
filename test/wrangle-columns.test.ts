import { describe, expect, it } from 'vitest';
import { col, df, step } from './wrangle-helpers.js';

describe('process numeric', () => {
  const f = df({ x: [1, 2, 3, 4, null] });
  it('standard scaler uses mean and sample std and keeps missing', () => {
    const r = step('process_numeric', 'Standard scaler', { input_column: 'x' }).run(f);
    const sd = Math.sqrt(5 / 3);
    expect(col(r.out, 'x').map((v) => (v === null ? null : Number((v as number).toFixed(6))))).toEqual([-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd].map((v) => Number(v.toFixed(6))).concat([null as never]));
    expect((r.trained as { columns: { x: { mean: number } } }).columns.x.mean).toBe(2.5);
  });
  it('robust, min-max and max-abs scalers', () => {
    const round = (v: unknown[]) => v.map((x) => (x === null ? null : Math.round((x as number) * 1e9) / 1e9));
    expect(round(col(step('process_numeric', 'Robust scaler', { input_column: 'x' }).run(f).out, 'x'))).toEqual(round([-1, -1 / 3, 1 / 3, 1, null]));
    expect(round(col(step('process_numeric', 'Min-max scaler', { input_column: 'x', min: -1, max: 1 }).run(f).out, 'x'))).toEqual(round([-1, -1 / 3, 1 / 3, 1, null]));
    expect(col(step('process_numeric', 'Max absolute scaler', { input_column: 'x', output_column: 'z' }).run(f).out, 'z')).toEqual([0.25, 0.5, 0.75, 1, null]);
    expect(col(step('process_numeric', 'Min-max scaler', { input_column: 'c' }).run(df({ c: [5, 5] })).out, 'c')).toEqual([0.5, 0.5]);
  });
  it('rejects text columns and bad ranges', () => {
    expect(() => step('process_numeric', 'Standard scaler', { input_column: 's' }).run(df({ s: ['a', 'b'] }))).toThrow(/column "s" is text, a numeric column is required/);
    expect(() => step('process_numeric', 'Min-max scaler', { input_column: 'x', min: 2, max: 1 })).toThrow(/field "parameters.min": must be below max/);
  });
});

describe('handle outliers', () => {
  const f = df({ x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 100] });
  it('standard deviation: clip, remove, invalidate', () => {
    const clip = step('handle_outliers', 'Standard deviation numeric outliers', { input_column: 'x', standard_deviations: 2 }).run(f);
    const { lower, upper } = (clip.trained as { bounds: { x: { lower: number; upper: number } } }).bounds.x;
    expect(col(clip.out, 'x')[9]).toBeCloseTo(upper);
    expect(lower).toBeLessThan(1);
    expect(clip.report.outliers).toBe(1);
    const rm = step('handle_outliers', 'Standard deviation numeric outliers', { input_column: 'x', standard_deviations: 2, fix_method: 'Remove' });
    expect(rm.run(f).out.numRows).toBe(9);
    expect(rm.def.rowWise(rm.params)).toBe(false);
    expect(col(step('handle_outliers', 'Standard deviation numeric outliers', { input_column: 'x', standard_deviations: 2, fix_method: 'Invalidate' }).run(f).out, 'x')[9]).toBeNull();
  });
  it('quantile, min-max and robust bounds', () => {
    const q = step('handle_outliers', 'Quantile numeric outliers', { input_column: 'x', lower_quantile: 0.1, upper_quantile: 0.9 }).run(f);
    expect(col(q.out, 'x')[0]).toBeCloseTo(1.9);
    expect(col(q.out, 'x')[9]).toBeCloseTo(18.1);
    expect(col(step('handle_outliers', 'Min-max numeric outliers', { input_column: 'x', lower_threshold: 2, upper_threshold: 8 }).run(f).out, 'x')).toEqual([2, 2, 3, 4, 5, 6, 7, 8, 8, 8]);
    const robust = step('handle_outliers', 'Robust standard deviation numeric outliers', { input_column: 'x', standard_deviations: 3 }).run(f);
    expect(col(robust.out, 'x')[9]).toBeLessThan(20);
    expect(col(robust.out, 'x')[4]).toBe(5);
    expect(() => step('handle_outliers', 'Min-max numeric outliers', { input_column: 'x' })).toThrow(/lower_threshold": is required/);
  });
  it('replaces rare categories, learned at fit time', () => {
    const s = step('handle_outliers', 'Replace rare values', { input_column: 'c', absolute_threshold: 1, fraction_threshold: 0, replacement_string: 'rare' });
    const r = s.run(df({ c: ['a', 'a', 'b', 'c', 'c', null] }, { cat: ['c'] }));
    expect(col(r.out, 'c')).toEqual(['a', 'a', 'rare', 'c', 'c', null]);
    expect(r.out.column('c').kind).toBe('categorical');
    expect(col(s.apply(df({ c: ['a', 'zz'] }), r.trained).out, 'c')).toEqual(['a', 'rare']);
    const top1 = step('handle_outliers', 'Replace rare values', { input_column: 'c', max_common_categories: 1 }).run(df({ c: ['a', 'a', 'b', 'c', 'c', 'c'] }));
    expect(col(top1.out, 'c')).toEqual(['Other', 'Other', 'Other', 'c', 'c', 'c']);
  });
});

describe('format string, search and edit, validate string', () => {
  const f = df({ s: ['  Hello world. bye  ', 'ab-12', null] });
  const run = (group: string, op: string, params: Record<string, unknown> = {}, frame = f) => col(step(group, op, { input_column: 's', ...params }).run(frame).out, params.output_column ? String(params.output_column) : 's');
  it('pads, strips, cases and prefixes, keeping missing as missing', () => {
    expect(run('format_string', 'Left pad', { width: 7, fill_character: '*' }, df({ s: ['ab', 'abcdefghij', null] }))).toEqual(['*****ab', 'abcdefg', null]);
    expect(run('format_string', 'Center', { width: 6, fill_character: '.' }, df({ s: ['ab'] }))).toEqual(['..ab..']);
    expect(run('format_string', 'Prepend zeros', { width: 5 }, df({ s: ['42'] }))).toEqual(['00042']);
    expect(run('format_string', 'Strip left and right')).toEqual(['Hello world. bye', 'ab-12', null]);
    expect(run('format_string', 'Strip left', { characters: 'a' }, df({ s: ['aab'] }))).toEqual(['b']);
    expect(run('format_string', 'Upper case', { output_column: 'u' })).toEqual(['  HELLO WORLD. BYE  ', 'AB-12', null]);
    expect(run('format_string', 'Capitalize', {}, df({ s: ['hello WORLD. bye now'] }))).toEqual(['Hello world. Bye now']);
    expect(run('format_string', 'Swap case', {}, df({ s: ['aB'] }))).toEqual(['Ab']);
    expect(run('format_string', 'Add prefix or suffix', { prefix: '<', suffix: '>' }, df({ s: ['x'] }))).toEqual(['<x>']);
    expect(run('format_string', 'Remove symbols', { symbols: '-' })).toEqual(['  Hello world. bye  ', 'ab12', null]);
    expect(() => step('format_string', 'Add prefix or suffix', { input_column: 's' })).toThrow(/give a prefix, a suffix or both/);
    expect(() => step('format_string', 'Left pad', { input_column: 's', width: 3, fill_character: 'ab' })).toThrow(/must be one character/);
  });
  it('searches and edits', () => {
    expect(run('search_and_edit', 'Find substring', { pattern: 'o', output_column: 'i' })).toEqual([6, -1, null]);
    expect(run('search_and_edit', 'Find substring (from right)', { pattern: 'o', output_column: 'i' })).toEqual([9, -1, null]);
    expect(run('search_and_edit', 'Matches prefix', { pattern: 'AB', case_sensitive: false, output_column: 'm' })).toEqual([false, true, null]);
    expect(run('search_and_edit', 'Extract using regex', { pattern: '\\d+' })).toEqual([null, '12', null]);
    expect(run('search_and_edit', 'Find all occurrences', { pattern: 'l+' })).toEqual(['["ll","l"]', '[]', null]);
    expect(run('search_and_edit', 'Extract between delimiters', { left_delimiter: 'a', right_delimiter: '1' })).toEqual([null, 'b-', null]);
    expect(run('search_and_edit', 'Extract from position', { start_position: 1, length: 2 }, df({ s: ['abcd'] }))).toEqual(['bc']);
    expect(run('search_and_edit', 'Find and replace substring', { pattern: '[0-9]', replacement: '#' })).toEqual(['  Hello world. bye  ', 'ab-##', null]);
    expect(run('search_and_edit', 'Replace between delimiters', { left_delimiter: '(', right_delimiter: ')', replacement: 'X' }, df({ s: ['a(b)c(d)e', 'none'] }))).toEqual(['aXe', 'none']);
    expect(run('search_and_edit', 'Replace from position', { start_position: 1, length: 2, replacement: 'ZZZ' }, df({ s: ['abcd'] }))).toEqual(['aZZZd']);
    expect(run('search_and_edit', 'Convert regex to missing', { pattern: '[a-z]+-\\d+' })).toEqual([null, 'ab-12', null]);
    expect(run('search_and_edit', 'Split string by delimiter', { delimiter: '-' })).toEqual(['["  Hello world. bye  "]', '["ab","12"]', null]);
    expect(() => step('search_and_edit', 'Extract using regex', { input_column: 's', pattern: '(' })).toThrow(/field "parameters.pattern": is not a valid regular expression/);
  });
  it('validates strings into 1/0 columns', () => {
    const g = df({ s: ['abc', 'ABC', 'Abc Def', '123', ' ', null] });
    const v = (op: string, p: Record<string, unknown> = {}) => col(step('validate_string', op, { input_column: 's', ...p }).run(g).out, `s_${op.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`);
    expect(v('Is lowercase')).toEqual([1, 0, 0, 0, 0, null]);
    expect(v('Is uppercase')).toEqual([0, 1, 0, 0, 0, null]);
    expect(v('Is title')).toEqual([0, 0, 1, 0, 0, null]);
    expect(v('Is digit')).toEqual([0, 0, 0, 1, 0, null]);
    expect(v('Is space')).toEqual([0, 0, 0, 0, 1, null]);
    expect(v('Is alpha')).toEqual([1, 1, 0, 0, 0, null]);
    expect(v('Is alphanumeric')).toEqual([1, 1, 0, 1, 0, null]);
    expect(v('String length', { length: 3 })).toEqual([1, 1, 0, 1, 0, null]);
    expect(v('Ends with', { suffix: 'c' })).toEqual([1, 0, 0, 0, 0, null]);
  });
  it('parses values as types, counting failed casts as missing', () => {
    const g = df({ s: ['12', '3.7', 'x', null, 'true'] });
    const p = (type: string, extra: Record<string, unknown> = {}) => step('parse_value_as_type', null, { input_column: 's', type, ...extra }).run(g);
    const long = p('Long');
    expect(col(long.out, 's')).toEqual([12, 3, null, null, null]);
    expect(long.report.failed_casts_s).toBe(2);
    expect(col(p('Float').out, 's')).toEqual([12, 3.7, null, null, null]);
    expect(col(p('Boolean').out, 's')).toEqual([null, null, null, null, true]);
    const d = step('parse_value_as_type', null, { input_column: 'd', type: 'Date' }).run(df({ d: ['31-01-2024', '31-02-2024', 'x'] }));
    expect(col(d.out, 'd')).toEqual(['2024-01-31T00:00:00.000Z', null, null]);
    expect(d.report.failed_casts_d).toBe(2);
    expect(col(p('String').out, 's')).toEqual(['12', '3.7', 'x', null, 'true']);
    expect(() => step('parse_value_as_type', null, { input_column: 's', type: 'Integer' })).toThrow(/field "parameters.type": expects one of "Long"/);
  });
});

describe('featurize date/time', () => {
  it('extracts components from strings with an inferred format and counts failures', () => {
    const f = df({ d: ['2024-03-15 10:30:00', '2023-12-31 23:59:59', 'not a date', null] });
    const s = step('featurize_date_time', null, { input_column: 'd', components: ['year', 'month', 'day_of_week', 'hour', 'quarter'] });
    const r = s.run(f);
    expect(r.trained).toEqual({ format: '%Y-%m-%d %H:%M:%S' });
    expect(col(r.out, 'd_year')).toEqual([2024, 2023, null, null]);
    expect(col(r.out, 'd_day_of_week')).toEqual([4, 6, null, null]);
    expect(col(r.out, 'd_quarter')).toEqual([1, 4, null, null]);
    expect(r.report.unparsed_d).toBe(1);
  });
  it('takes explicit formats, unix timestamps, and cyclic embedding', () => {
    const a = step('featurize_date_time', null, { input_column: 'd', datetime_format: 'dd/MM/yyyy', components: ['month', 'day'] }).run(df({ d: ['05/11/2024'] }));
    expect(a.out.row(0)).toMatchObject({ d_month: 11, d_day: 5 });
    const u = step('featurize_date_time', null, { input_column: 't', timestamp_unit: 'ms', components: ['year'], keep_input_column: false }).run(df({ t: [Date.UTC(2020, 5, 1)] }));
    expect(u.out.row(0)).toEqual({ t_year: 2020 });
    const c = step('featurize_date_time', null, { input_column: 'd', components: ['hour'], embedding_mode: 'Cyclic' }).run(df({ d: ['2024-01-01T06:00:00Z'] }, { dates: ['d'] }));
    expect(col(c.out, 'd_hour_sin')[0]).toBeCloseTo(1);
    expect(col(c.out, 'd_hour_cos')[0]).toBeCloseTo(0);
    expect(() => step('featurize_date_time', null, { input_column: 'd', components: ['century'] })).toThrow(/unknown component "century"/);
    expect(() => step('featurize_date_time', null, { input_column: 'd', datetime_format: '%Q' })).toThrow(/unsupported datetime format code %Q/);
  });
});

describe('calendar arithmetic', () => {
  it('componentColumn agrees with Date UTC getters, including before 1970 and leap days', async () => {
    const { componentColumn } = await import('../src/wrangle/transforms/datetime.js');
    const ms = Float64Array.from({ length: 2000 }, (_, i) => Date.UTC(1900, 0, 1) + i * 1.7e9 + (i % 7) * 3.6e6 + 1234);
    ms[0] = Date.UTC(2024, 1, 29, 23, 59, 59);
    ms[1] = NaN;
    const check = (c: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'day_of_week' | 'quarter', get: (d: Date) => number) => {
      const out = componentColumn(ms, c, null);
      ms.forEach((t, i) => expect(out[i], `${c} ${t}`).toBe(t !== t ? NaN : get(new Date(t))));
    };
    check('year', (d) => d.getUTCFullYear());
    check('month', (d) => d.getUTCMonth() + 1);
    check('day', (d) => d.getUTCDate());
    check('hour', (d) => d.getUTCHours());
    check('minute', (d) => d.getUTCMinutes());
    check('second', (d) => d.getUTCSeconds());
    check('day_of_week', (d) => (d.getUTCDay() + 6) % 7);
    check('quarter', (d) => Math.floor(d.getUTCMonth() / 3) + 1);
  });
});
