import { describe, expect, it } from 'vitest';
import { booleanColumn, categoricalFromStrings, numericColumn, textColumn } from '../src/frame/column.js';
import { inferProblemType } from '../src/models/problem-type.js';

const num = (v: number[]) => numericColumn('y', Float64Array.from(v));
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('inferProblemType (Autopilot determine_task)', () => {
  it('two distinct values are binary, whatever their type', () => {
    expect(inferProblemType(num([0, 1, 1, NaN])).task).toBe('binary');
    expect(inferProblemType(categoricalFromStrings('y', ['yes', 'no', null])).task).toBe('binary');
    expect(inferProblemType(booleanColumn('y', Uint8Array.from([0, 1, 255]))).task).toBe('binary');
  });
  it('numeric with at most 5 distinct values is multiclass', () => {
    expect(inferProblemType(num(range(100, (i) => i % 5))).task).toBe('multiclass');
  });
  it('1% non-integers make a numeric target regression', () => {
    const v = range(100, (i) => i % 10);
    v[0] = 0.5; // 1 of 100 = 0.01 -> regression
    expect(inferProblemType(num(v)).task).toBe('regression');
  });
  it('integer targets: ordinal-encoded small cardinality is multiclass, wide spread is regression', () => {
    // 10 distinct values 0..9, max 9 <= 10*10: ordinal -> multiclass (<= 100)
    expect(inferProblemType(num(range(1000, (i) => i % 10))).task).toBe('multiclass');
    // prices: 200 distinct values in 1000 rows (0.2 >= 0.015), max 100000 > 10*200 -> regression
    expect(inferProblemType(num(range(1000, (i) => 1000 + (i % 200) * 500))).task).toBe('regression');
    // 50 distinct not-ordinal values but ratio 50/10000 < 0.015 -> multiclass by the <= 100 rule
    expect(inferProblemType(num(range(10000, (i) => 5000 + (i % 50) * 1000))).task).toBe('multiclass');
  });
  it('unclear integer targets ask for the problem type', () => {
    // 150 distinct ordinal-encoded values: neither rule applies
    expect(() => inferProblemType(num(range(15000, (i) => i % 150)))).toThrow(/set the problem type/);
  });
  it('text targets are multiclass up to 2000 classes', () => {
    expect(inferProblemType(textColumn('y', ['a', 'b', 'c', null])).task).toBe('multiclass');
    expect(() => inferProblemType(textColumn('y', range(2001, (i) => `c${i}`)))).toThrow(/more than 2000/);
  });
  it('numeric strings count as numeric', () => {
    expect(inferProblemType(textColumn('y', range(100, (i) => String(i * 1.5)))).task).toBe('regression');
  });
  it('rejects missing or constant targets', () => {
    expect(() => inferProblemType(num([NaN, NaN]))).toThrow(/all missing/);
    expect(() => inferProblemType(num([1, 1, 1]))).toThrow(/single value/);
  });
});
