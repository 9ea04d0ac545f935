import { describe, expect, it } from 'vitest';
import {
  Frame,
  categoricalFromStrings,
  countMissing,
  numericColumn,
  textColumn,
} from '../src/frame/index.js';
import { TabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';

const frame = () =>
  Frame.fromColumns([
    numericColumn('x', Float64Array.from([1, 2, NaN, 4])),
    categoricalFromStrings('c', ['a', 'b', null, 'a']),
    textColumn('t', ['p', 'q', 'r', null]),
  ]);

describe('Frame', () => {
  it('reports shape and schema', () => {
    const f = frame();
    expect(f.numRows).toBe(4);
    expect(f.schema).toEqual([
      { name: 'x', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
      { name: 't', kind: 'text' },
    ]);
  });

  it('filters as a view and keeps the categorical dictionary shared', () => {
    const f = frame();
    const g = f.filter([1, 0, 0, 1]);
    expect(g.numRows).toBe(2);
    expect(g.toRows()).toEqual([
      { x: 1, c: 'a', t: 'p' },
      { x: 4, c: 'a', t: null },
    ]);
    const c = g.column('c');
    expect(c.kind === 'categorical' && c.dictionary).toBe((f.column('c') as { dictionary: unknown }).dictionary);
  });

  it('composes take after filter against the original rows', () => {
    const g = frame().filter([0, 1, 1, 1]).take([2, 0]);
    expect(g.toRows().map((r) => r.x)).toEqual([4, 2]);
  });

  it('slices typed columns without copying', () => {
    const f = frame();
    const s = f.slice(1, 3);
    const base = f.column('x');
    const sliced = s.column('x');
    expect(base.kind === 'numeric' && sliced.kind === 'numeric' && sliced.values.buffer === base.values.buffer).toBe(true);
    expect(s.numRows).toBe(2);
  });

  it('select, drop, rename, withColumn return new frames', () => {
    const f = frame();
    expect(f.select(['t', 'x']).columnNames).toEqual(['t', 'x']);
    expect(f.drop(['c']).columnNames).toEqual(['x', 't']);
    expect(f.rename({ x: 'y' }).columnNames).toEqual(['y', 'c', 't']);
    const w = f.withColumn(numericColumn('z', new Float64Array(4)));
    expect(w.columnNames).toEqual(['x', 'c', 't', 'z']);
    expect(f.columnNames).toEqual(['x', 'c', 't']);
  });

  it('counts missing values per kind', () => {
    const f = frame();
    expect(f.columns.map(countMissing)).toEqual([1, 1, 1]);
  });

  it('names the unknown column in its error', () => {
    expect(() => frame().column('nope')).toThrowError(TabpilotError);
    expect(() => frame().column('nope')).toThrowError(/nope/);
  });

  it('rejects duplicate names and mismatched lengths', () => {
    expect(() => Frame.fromColumns([numericColumn('a', new Float64Array(1)), numericColumn('a', new Float64Array(1))])).toThrow(/duplicate/);
    expect(() => Frame.fromColumns([numericColumn('a', new Float64Array(1)), numericColumn('b', new Float64Array(2))])).toThrow(/rows/);
  });
});

describe('Random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });

  it('permutation is a permutation', () => {
    const p = new Random(1).permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
