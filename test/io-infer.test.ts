import { describe, expect, it } from 'vitest';
import { type ColumnMetrics, decideFeatureType, inferFromStrings, metricsOfStrings, parseDatetime } from '../src/io/index.js';

const base: ColumnMetrics = {
  nrows: 1000, nullLikeCount: 0, emptyCount: 0, whitespaceCount: 0, numericFiniteCount: 0, integerCount: 0,
  cardinality: 0, min: NaN, max: NaN, mean: NaN, datetimeCount: 0, datetimeNonFloatCount: 0, datetimeRowsParsed: 1000,
};
const m = (over: Partial<ColumnMetrics>): ColumnMetrics => ({ ...base, ...over });

describe('spec A.4.2 scores', () => {
  it('numeric = finite / non-missing rows; text = non-numeric present rows / rows', () => {
    const d = decideFeatureType(m({ numericFiniteCount: 900, nullLikeCount: 50, emptyCount: 30, whitespaceCount: 20, cardinality: 800 }));
    // numeric 900/900 = 1, text 0, categorical 0 (ratio 0.8): normalized numeric = 1
    expect(d.scores.numeric).toBe(1);
    expect(d.featureType).toBe('numeric');
    const mixed = decideFeatureType(m({ numericFiniteCount: 400, cardinality: 900 }));
    // numeric 0.4, text 0.6 -> text
    expect(mixed.scores.text).toBeCloseTo(0.6, 12);
    expect(mixed.featureType).toBe('text');
  });

  it('cardinality 2 gives binary = categorical = 1, text = 0, and binary wins the tie', () => {
    const d = decideFeatureType(m({ cardinality: 2 }));
    expect(d.scores.binary).toBe(0.5);
    expect(d.scores.categorical).toBe(0.5);
    expect(d.scores.text).toBe(0);
    expect(d.featureType).toBe('binary');
    expect(d.kind).toBe('categorical');
  });

  it('categorical ramp: 1 below ratio 0.01, linear to 0 at 0.2', () => {
    expect(decideFeatureType(m({ cardinality: 9 })).featureType).toBe('categorical');
    const ramp = decideFeatureType(m({ cardinality: 105 })); // ratio 0.105 -> 0.5, text 1
    expect(ramp.scores.categorical / ramp.scores.text).toBeCloseTo(0.5, 12);
    expect(ramp.featureType).toBe('text');
    expect(decideFeatureType(m({ cardinality: 200 })).scores.categorical).toBe(0);
  });

  it('numeric/categorical tie goes to numeric, or categorical with preferCategorical', () => {
    const ints = m({ numericFiniteCount: 1000, integerCount: 1000, cardinality: 5 });
    const d = decideFeatureType(ints);
    expect(d.scores.numeric).toBe(d.scores.categorical);
    expect(d.featureType).toBe('numeric');
    expect(d.categoricalCandidate).toBe(true);
    expect(decideFeatureType(ints, { preferCategorical: true }).featureType).toBe('categorical');
    const floats = decideFeatureType(m({ numericFiniteCount: 1000, integerCount: 10, cardinality: 5 }));
    expect(floats.categoricalCandidate).toBe(false);
  });

  it('datetime when > 5% non-numeric dates and > 60% dates among parsed rows, zeroing the rest', () => {
    const d = decideFeatureType(m({ datetimeCount: 610, datetimeNonFloatCount: 60, numericFiniteCount: 550, cardinality: 900 }));
    expect(d.featureType).toBe('datetime');
    expect(d.scores.datetime).toBe(1);
    expect(decideFeatureType(m({ datetimeCount: 600, datetimeNonFloatCount: 600, cardinality: 900 })).featureType).not.toBe('datetime');
    expect(decideFeatureType(m({ datetimeCount: 900, datetimeNonFloatCount: 50, numericFiniteCount: 850, cardinality: 900 })).featureType).toBe('numeric');
  });
});

describe('metrics from values', () => {
  it('counts null-like, empty, whitespace, numbers and whitespace-stripped cardinality', () => {
    const metrics = metricsOfStrings(['1', ' 1 ', '2.5', '', '   ', 'NA', null, 'x', '?']);
    expect(metrics).toMatchObject({
      nrows: 9, nullLikeCount: 3, emptyCount: 1, whitespaceCount: 1, numericFiniteCount: 3, integerCount: 2, cardinality: 3, min: 1, max: 2.5,
    });
  });

  it('bare years are dates but never non-float dates; only the first 10,000 rows are parsed', () => {
    const years = inferFromStrings(Array.from({ length: 100 }, (_, i) => String(1950 + i)));
    expect(years.metrics.datetimeCount).toBe(100);
    expect(years.metrics.datetimeNonFloatCount).toBe(0);
    expect(years.featureType).toBe('numeric');
    const many = metricsOfStrings(Array.from({ length: 12_000 }, (_, i) => `2020-01-${String((i % 28) + 1).padStart(2, '0')}`));
    expect(many.datetimeRowsParsed).toBe(10_000);
    expect(many.datetimeCount).toBe(10_000);
  });

  it('parses common datetime shapes as UTC and rejects impossible dates', () => {
    expect(parseDatetime('2024-03-05')).toBe(Date.UTC(2024, 2, 5));
    expect(parseDatetime('2024-03-05T14:30:15.250Z')).toBe(Date.UTC(2024, 2, 5, 14, 30, 15, 250));
    expect(parseDatetime('2024-03-05 14:30+01:00')).toBe(Date.UTC(2024, 2, 5, 13, 30));
    expect(parseDatetime('03/25/2024')).toBe(Date.UTC(2024, 2, 25));
    expect(parseDatetime('25/03/2024')).toBe(Date.UTC(2024, 2, 25));
    expect(parseDatetime('5-Mar-2024')).toBe(Date.UTC(2024, 2, 5));
    expect(parseDatetime('March 5, 2024 2:15 PM')).toBe(Date.UTC(2024, 2, 5, 14, 15));
    expect(parseDatetime('2024-02-30')).toBeNaN();
    expect(parseDatetime('hello')).toBeNaN();
    expect(parseDatetime('12.5')).toBeNaN();
  });
});
