import { describe, expect, it } from 'vitest';
import { Frame, alignToSchema, categoricalFromStrings, numericColumn, schemaOf, textColumn } from '../src/frame/index.js';

describe('alignToSchema', () => {
  const train = Frame.fromColumns([
    numericColumn('x', Float64Array.from([1, 2, 3])),
    categoricalFromStrings('color', ['red', 'blue', 'red']),
  ]);
  const schema = schemaOf(train);

  it('remaps categories to the training vocabulary and counts unseen ones', () => {
    const input = Frame.fromColumns([
      categoricalFromStrings('color', ['blue', 'green', null, 'red']),
      numericColumn('x', Float64Array.from([5, 6, 7, 8])),
      numericColumn('extra', Float64Array.from([0, 0, 0, 0])),
    ]);
    const { frame, unseen, invalid } = alignToSchema(input, schema);
    expect(frame.columnNames).toEqual(['x', 'color']);
    const color = frame.column('color');
    expect(color.kind).toBe('categorical');
    if (color.kind !== 'categorical') return;
    expect(color.dictionary).toEqual(['red', 'blue']);
    expect([...color.codes]).toEqual([1, -1, -1, 0]);
    expect(unseen).toEqual({ color: 1 });
    expect(invalid).toEqual({});
  });

  it('parses numbers from text and counts unparseable values', () => {
    const input = Frame.fromColumns([textColumn('x', ['1.5', 'abc', null]), textColumn('color', ['red', 'red', 'red'])]);
    const { frame, invalid } = alignToSchema(input, schema);
    const x = frame.column('x');
    expect(x.kind === 'numeric' && [...x.values]).toEqual([1.5, NaN, NaN]);
    expect(invalid).toEqual({ x: 1 });
  });

  it('matches numeric input against numeric-looking category labels', () => {
    const s = schemaOf(Frame.fromColumns([categoricalFromStrings('k', ['1', '2'])]));
    const { frame } = alignToSchema(Frame.fromColumns([numericColumn('k', Float64Array.from([2, 1, 3]))]), s);
    const k = frame.column('k');
    expect(k.kind === 'categorical' && [...k.codes]).toEqual([1, 0, -1]);
  });

  it('names the missing feature column', () => {
    const input = Frame.fromColumns([numericColumn('x', Float64Array.from([1]))]);
    expect(() => alignToSchema(input, schema, { file: 'in.csv' })).toThrowError(/in\.csv.*"color"/);
  });
});
