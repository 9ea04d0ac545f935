import { describe, expect, it } from 'vitest';
import { alignToSchema } from '../src/frame/align.js';
import { type CategoricalColumn, type NumericColumn, numericColumn, textColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { parseCsvText } from '../src/io/index.js';
import { decodePayload } from '../src/serve/payload.js';
import { isTabpilotError } from '../src/util/errors.js';
import { parseNumber } from '../src/util/parse-number.js';
import { trainPipeline } from './serve-fixtures.js';

/**
 * Issue 11: one number grammar. A value must mean the same number whether it arrives in a CSV file, in a text
 * column given to Pipeline.predict (batch transform), or in a serve request body. Before, alignment used
 * Number(), so "0x10" was 16 at prediction time but not a number when training read the CSV.
 */
const CASES: readonly [string, number][] = [
  ['0x10', NaN],
  ['Infinity', NaN],
  ['1_000', NaN],
  [' 12 ', 12],
  ['1e3', 1000],
  ['-0.5', -0.5],
];
const TEXTS = CASES.map(([t]) => t);
/** The values of a numeric column (the kind is checked where it matters). */
const numbers = (frame: Frame, name: string): number[] => Array.from((frame.column(name) as NumericColumn).values);
const EXPECTED = CASES.map(([, v]) => v);

describe('one number parser', () => {
  it('the grammar: plain finite decimals only', () => {
    expect(TEXTS.map(parseNumber)).toEqual(EXPECTED);
  });

  it('CSV read (forced numeric column): unquoted and quoted cells', () => {
    for (const quote of ['', '"']) {
      const text = `x,y\n${TEXTS.map((t, i) => `${quote}${t}${quote},${i}`).join('\n')}\n`;
      const { frame } = parseCsvText(text, { types: { x: 'numeric' } });
      expect(frame.column('x').kind).toBe('numeric');
      expect(numbers(frame, 'x')).toEqual(EXPECTED);
    }
  });

  it('batch predict: a text column aligned to a numeric feature, and the predictions that follow', async () => {
    const { pipeline, frame } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary');
    const rows = frame.head(CASES.length).select(pipeline.artifact.features.map((f) => f.name));
    const asText = rows.withColumn(textColumn('glucose', TEXTS));
    const asNumbers = rows.withColumn(numericColumn('glucose', Float64Array.from(EXPECTED)));
    const aligned = alignToSchema(asText, pipeline.artifact.features);
    expect(numbers(aligned.frame, 'glucose')).toEqual(EXPECTED);
    expect(aligned.invalid.glucose).toBe(3);
    expect(Array.from(pipeline.predict(asText).probability!)).toEqual(Array.from(pipeline.predict(asNumbers).probability!));
    // The model does use glucose: reading "0x10" as 16 would have changed that row's probability.
    const sixteen = rows.withColumn(numericColumn('glucose', Float64Array.from(EXPECTED, (v, i) => (i === 0 ? 16 : v))));
    expect(pipeline.predict(sixteen).probability![0]).not.toBe(pipeline.predict(asText).probability![0]);
  });

  it('a numeric-looking category label matches only through the same grammar', () => {
    const dictionary = ['16', '1000'];
    const col = textColumn('c', ['16.0', '0x10', '1e3', '1_000']);
    const { frame, unseen } = alignToSchema(Frame.fromColumns([col]), [{ name: 'c', kind: 'categorical', dictionary }]);
    expect(Array.from((frame.column('c') as CategoricalColumn).codes)).toEqual([0, -1, 1, -1]);
    expect(unseen.c).toBe(2);
  });

  it('serve payloads (CSV and JSON strings): the same numbers, and a clean BAD_FORMAT where the others say missing', () => {
    const features = [{ name: 'x', kind: 'numeric' as const }];
    for (const [text, want] of CASES) {
      for (const [body, format] of [
        [`"${text}"`, 'csv'],
        [JSON.stringify({ instances: [[text]] }), 'json'],
      ] as const) {
        let got: number | string;
        try {
          got = numbers(decodePayload(body, format, features).frame, 'x')[0];
        } catch (e) {
          got = isTabpilotError(e) ? e.code : String(e);
        }
        expect([text, format, got]).toEqual([text, format, Number.isNaN(want) ? 'BAD_FORMAT' : want]);
      }
    }
  });
});
