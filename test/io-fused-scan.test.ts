/**
 * The CSV scanner parses plain decimal cells of numeric columns while it scans (FLAG_PARSED); every other
 * cell goes through parseNumberBytes. Whatever path a cell takes, its value must be bit-identical to the
 * string parser's (parseNumber: regex grammar + the engine's correctly rounded Number()). Categorical cells
 * (interned from bytes) must give the same categories as the text path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, NumericColumn, TextColumn } from '../src/frame/column.js';
import { parseCsvText } from '../src/io/index.js';
import { parseNumber, parseNumberBytes } from '../src/util/parse-number.js';

const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));

/** Cells that are mostly numbers of every shape (long mantissas, exponents, signs, blanks) and some junk. */
const cell = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('', '-', '+'), digits(20), fc.constantFrom('', '.'), digits(20)).map(([s, a, d, b]) => s + a + d + b) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('', '-'), digits(17), fc.constantFrom('.', ''), digits(6), fc.constantFrom('e', 'E', 'e-', 'E+'), digits(4)).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(' ', '\t', ''), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom(' ', '')).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9.eE+\- x]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('NA', '-', '', '1.2.3', '0x10', '.', '-.5', '1.', '007', '-0', '-0.000', '999999999999999', '9999999999999999', '0.1234567890123456789') },
);

function csvOf(cells: string[]): string {
  return 'x,tag\n' + cells.map((c, i) => `${c},r${i}`).join('\n') + '\n';
}

describe('numeric cells parsed during the scan', () => {
  it('give the same value as the string parser for every cell shape (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 200 }), (cells) => {
        const { frame } = parseCsvText(csvOf(cells), { types: { x: 'numeric' } });
        const values = (frame.column('x') as NumericColumn).values;
        expect(values.length).toBe(cells.length);
        for (let i = 0; i < cells.length; i++) {
          const expected = parseNumber(cells[i]);
          if (!Object.is(values[i], expected)) throw new Error(`cell ${JSON.stringify(cells[i])}: got ${values[i]}, expected ${expected}`);
        }
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('agree with parseNumberBytes on the same bytes, including -0 and 15/16-digit mantissas', () => {
    const cells = ['-0', '-0.0', '0.1', '123456789012345', '1234567890123456', '12345678.90123456', '0.000000000000001', '-.5', '1.', '+7', '  3.5', '2e3'];
    const { frame } = parseCsvText(csvOf(cells), { types: { x: 'numeric' } });
    const values = (frame.column('x') as NumericColumn).values;
    cells.forEach((c, i) => {
      const bytes = Buffer.from(c);
      expect(Object.is(values[i], parseNumberBytes(bytes, 0, bytes.length)), c).toBe(true);
    });
    expect(Object.is(values[0], -0)).toBe(true);
    expect(values[5]).toBe(12345678.90123456);
  });

  it('still counts missing and invalid cells and names the line of the first invalid one', () => {
    const { report } = parseCsvText(csvOf(['1.5', 'NA', '', 'abc', '2', '3x']), { types: { x: 'numeric' } });
    const r = report.columnReports.find((c) => c.name === 'x')!;
    expect(r.missing).toBe(2);
    expect(r.invalid).toBe(2);
    expect(r.invalidExamples[0]).toEqual({ line: 5, value: 'abc' });
  });

  it('a numeric missing token (-999) is still missing when the cell parses during the scan', () => {
    const { frame, report } = parseCsvText(csvOf(['1', '-999', '2.5']), { types: { x: 'numeric' }, missingTokens: ['-999'] });
    const values = (frame.column('x') as NumericColumn).values;
    expect(Number.isNaN(values[1])).toBe(true);
    expect(values[2]).toBe(2.5);
    expect(report.columnReports[0].missing).toBe(1);
  });

  it('inferred numeric columns across many scan batches keep every value', () => {
    const n = 150_000;
    const cells = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `${i}.25` : i % 11 === 0 ? `-${i}e-3` : String(i)));
    const { frame } = parseCsvText(csvOf(cells));
    const values = (frame.column('x') as NumericColumn).values;
    expect(frame.column('x').kind).toBe('numeric');
    for (let i = 0; i < n; i += 997) expect(values[i]).toBe(Number(cells[i]));
    expect(values[n - 1]).toBe(Number(cells[n - 1]));
  });
});

describe('categorical cells interned from bytes', () => {
  const word = fc.oneof(
    fc.constantFrom('a', 'b', 'ab', 'ba', 'NA', '', ' a', 'a ', '\t b', 'x y', 'é', 'ü b', '"q"', '"a ""x"""', '"a,b"', '-', 'aa', 'bb'),
    fc.stringMatching(/^[ab ]{0,4}$/),
  );

  it('give the same categories as the unhashed text path (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 300 }), (cells) => {
        const text = 'c,n\n' + cells.map((c, i) => `${c},${i}`).join('\n') + '\n';
        const asCat = parseCsvText(text, { types: { c: 'categorical' } }).frame.column('c') as CategoricalColumn;
        const asText = parseCsvText(text, { types: { c: 'text' } }).frame.column('c') as TextColumn;
        for (let i = 0; i < cells.length; i++) {
          const t = asText.values[i];
          const got = asCat.codes[i] < 0 ? null : asCat.dictionary[asCat.codes[i]];
          const want = t === null ? null : t.trim();
          if (got !== want) throw new Error(`row ${i} cell ${JSON.stringify(cells[i])}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
        // One code per distinct value.
        expect(new Set(asCat.dictionary).size).toBe(asCat.dictionary.length);
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
