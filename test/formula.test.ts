import { describe, expect, it } from 'vitest';
import { parseFormula } from '../src/wrangle/formula/parse.js';
import { col, df, step } from './wrangle-helpers.js';

const formula = (f: string, frame = df({ a: [1, 2, null], b: [10, 0, 5], s: ['Ab', 'cd', null] })) =>
  col(step('custom_formula', null, { output_column: 'y', formula: f }).run(frame).out, 'y');

describe('custom formula', () => {
  it('evaluates arithmetic with SQL null semantics and operator precedence', () => {
    expect(formula('a + b * 2')).toEqual([21, 2, null]);
    expect(formula('-a ^ 2')).toEqual([-1, -4, null]);
    expect(formula('(a + 1) % 2')).toEqual([0, 1, null]);
    expect(formula('b / a')).toEqual([10, 0, null]);
    expect(formula('a / b')).toEqual([0.1, null, null]);
  });
  it('evaluates comparisons, three-valued logic and if', () => {
    expect(formula('a >= 2')).toEqual([false, true, null]);
    expect(formula('a > 1 or b > 1')).toEqual([true, true, true]);
    expect(formula('a > 1 and b > 1')).toEqual([false, false, null]);
    expect(formula('not (a = 1)')).toEqual([false, true, null]);
    expect(formula("if(a > 1, 'big', 'small')")).toEqual(['small', 'big', 'small']);
    expect(formula('coalesce(a, b, 0)')).toEqual([1, 2, 5]);
    expect(formula('isnull(a)')).toEqual([false, false, true]);
  });
  it('has math, string and date functions', () => {
    expect(formula('round(sqrt(b), 2)')).toEqual([3.16, 0, 2.24]);
    expect(formula('abs(a - 3) + greatest(a, 1.5)')).toEqual([3.5, 3, null]);
    expect(formula("concat(lower(s), '-', a)")).toEqual(['ab-1', 'cd-2', null]);
    expect(formula('length(s) + instr(s, "d")')).toEqual([2, 4, null]);
    expect(formula("substring(upper(s), 2) = 'B'")).toEqual([true, false, null]);
    const d = df({ d: ['2024-03-15T10:30:00Z', null], e: ['2024-01-01', '2024-02-01'] }, { dates: ['d'] });
    expect(formula('year(d) * 100 + month(d)', d)).toEqual([202403, null]);
    expect(formula('datediff(d, e)', d)).toEqual([74, null]);
    expect(formula("d > '2024-03-01'", d)).toEqual([true, null]);
    expect(formula('date_add(e, 1)', d)).toEqual(['2024-01-02T00:00:00.000Z', '2024-02-02T00:00:00.000Z']);
  });
  it('points parse errors at the position', () => {
    expect(() => parseFormula('a + * b')).toThrow(/position 5: unexpected "\*"/);
    expect(() => parseFormula('concat(a, b')).toThrow(/position 12: expected "\)" before the end/);
    expect(() => parseFormula("'abc")).toThrow(/position 1: unterminated string/);
    expect(() => parseFormula('a # b')).toThrow(/position 3: unexpected character "#"/);
    expect(() => parseFormula('1 < a < 3')).toThrow(/cannot be chained/);
    try {
      parseFormula('a + * b');
    } catch (e) {
      expect((e as Error).message).toContain('a + * b\n    ^');
    }
  });
  it('reports type errors, unknown columns and functions with positions and the node field', () => {
    expect(() => formula("a + 'x'")).toThrow(/field "parameters.formula".*position 3: "\+" adds numbers; join text with concat/);
    expect(() => formula('nope + 1')).toThrow(/unknown column "nope"/);
    expect(() => formula('frobnicate(a)')).toThrow(/unknown function "frobnicate"/);
    expect(() => formula('if(a, 1, 2)')).toThrow(/the condition of if\(...\) expects a boolean, got a number/);
    expect(() => formula('abs(a, b)')).toThrow(/abs\(...\) takes 1 argument/);
    expect(() => step('custom_formula', null, { output_column: 'y', formula: 'a +' })).toThrow(/field "parameters.formula": formula error at position 4/);
  });
  it('never evaluates JavaScript: identifiers are only columns', () => {
    expect(() => formula('process')).toThrow(/unknown column "process"/);
    expect(() => formula('constructor(a)')).toThrow(/unknown function "constructor"/);
    expect(() => formula('toString(a)')).toThrow(/unknown function "tostring"/);
  });
  it('stores column types when fitted and rejects a changed type', () => {
    const s = step('custom_formula', null, { output_column: 'y', formula: 'a * 2' });
    const r = s.run(df({ a: [1, 2] }));
    expect(r.trained).toEqual({ column_types: { a: 'num' } });
    expect(() => s.apply(df({ a: ['x', 'y'] }), r.trained)).toThrow(/column "a" was num when the step was fitted and is str now/);
  });
});
