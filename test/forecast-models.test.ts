import { describe, expect, it } from 'vitest';
import { Frame, categoricalFromStrings, numericColumn, textColumn } from '../src/frame/index.js';
import { MetricAccumulator, buildPanel, fitArima, fitEts, fitTheta, gridTime, inferFrequency, maseScale, nelderMead, normalQuantile, parseFrequency, thetaForecast } from '../src/forecast/index.js';
import { TabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';

const DAY = 86_400_000;

function holt(n: number, alpha: number, beta: number, rng: Random): Float64Array {
  let l = 100;
  let b = 0.5;
  return Float64Array.from({ length: n }, () => {
    const e = rng.normal();
    const y = l + b + e;
    l = l + b + alpha * e;
    b = b + beta * e;
    return y;
  });
}

function ar1(n: number, phi: number, mu: number, rng: Random): Float64Array {
  let x = 0;
  return Float64Array.from({ length: n }, () => (x = phi * x + rng.normal()) + mu);
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('numerics', () => {
  it('Nelder-Mead finds the minimum of the Rosenbrock function', () => {
    const r = nelderMead((x) => 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, [-1.2, 1], { maxEvaluations: 4000, tolerance: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
  it('normal quantiles match tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.281552, 5);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 4);
  });
  it('weighted quantile loss, WAPE, MAPE, RMSE and MASE follow their definitions', () => {
    const acc = new MetricAccumulator([0.1, 0.9]);
    // actual 10, 20; mean 12, 18; q10 = 8, 15; q90 = 14, 25
    acc.add([10, 20], [1, 1], [12, 18], [[8, 15], [14, 25]], 2);
    const m = acc.result();
    // tau 0.1: 0.1*2 + 0.1*5 = 0.7 -> 2*0.7/30; tau 0.9: 0.1*4 + 0.1*5 = 0.9 -> 2*0.9/30
    expect(m.wqlByQuantile[0]).toBeCloseTo(1.4 / 30, 12);
    expect(m.wqlByQuantile[1]).toBeCloseTo(1.8 / 30, 12);
    expect(m.wql).toBeCloseTo(1.6 / 30, 12);
    expect(m.wape).toBeCloseTo(4 / 30, 12);
    expect(m.mape).toBeCloseTo((0.2 + 0.1) / 2, 12);
    expect(m.rmse).toBeCloseTo(2, 12);
    expect(m.mase).toBeCloseTo(1, 12);
    expect(maseScale([1, 2, 4, 7], 1)).toBeCloseTo(2, 12);
    expect(maseScale([1, 2, 4, 7], 2)).toBeCloseTo(4, 12);
  });
});

describe('planted series: the fitted parameters come back', () => {
  it('ETS(A,A,N) recovers alpha and beta of a simulated Holt series', () => {
    const y = holt(600, 0.5, 0.1, new Random(3));
    const p = fitEts(y, 1, { trend: 'A', season: 'N' });
    expect(p.alpha).toBeGreaterThan(0.38);
    expect(p.alpha).toBeLessThan(0.62);
    expect(p.beta).toBeGreaterThan(0.04);
    expect(p.beta).toBeLessThan(0.18);
  });
  it('ETS selection finds the seasonality of a seasonal series and the absence of trend in a level series', () => {
    const rng = new Random(5);
    const seasonal = Float64Array.from({ length: 240 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 12) + rng.normal());
    expect(fitEts(seasonal, 12).season).not.toBe('N');
    const level = Float64Array.from({ length: 200 }, () => 20 + rng.normal());
    const p = fitEts(level, 1);
    expect(p.season).toBe('N');
    expect(p.alpha).toBeLessThan(0.2);
  });
  it('Theta recovers the drift of a noisy line and extends it', () => {
    const rng = new Random(7);
    const y = Float64Array.from({ length: 200 }, (_, t) => 10 + 0.5 * t + rng.normal());
    const p = fitTheta(y, 1);
    expect(p.seasonal).toBe('none');
    expect(p.drift).toBeCloseTo(0.5, 1);
    const f = thetaForecast(y, 1, p, 10, true);
    // Theta = SES level plus half the drift per step: the forecast keeps rising by about 0.25 per step.
    expect(f.mean[9] - f.mean[0]).toBeGreaterThan(9 * 0.2);
    expect(f.mean[9] - f.mean[0]).toBeLessThan(9 * 0.3);
    expect(f.sigma[9]).toBeGreaterThan(f.sigma[0]);
  });
  it('ARIMA finds d = 0 and phi of an AR(1), and d = 1 for a random walk', () => {
    const p = fitArima(ar1(600, 0.7, 10, new Random(11)), 1);
    expect(p.d).toBe(0);
    expect(p.p).toBeGreaterThanOrEqual(1);
    expect(p.ar[0]).toBeGreaterThan(0.5);
    expect(p.ar[0]).toBeLessThan(0.9);
    expect(p.mu).toBeCloseTo(10, 0);
    const rng = new Random(13);
    let x = 0;
    const walk = Float64Array.from({ length: 400 }, () => (x += rng.normal()));
    expect(fitArima(walk, 1).d).toBe(1);
  });
});

describe('frequencies', () => {
  it('infers minutes, hours, days, weeks, months, quarters and years, with gaps', () => {
    const ts = (step: number, n: number, skip = -1) => Float64Array.from({ length: n }, (_, i) => Date.UTC(2020, 0, 1) + i * step).filter((_, i) => i !== skip);
    expect(inferFrequency([ts(15 * 60_000, 50)], 't')).toEqual({ unit: 'min', multiple: 15 });
    expect(inferFrequency([ts(3_600_000, 50, 7)], 't')).toEqual({ unit: 'H', multiple: 1 });
    expect(inferFrequency([ts(DAY, 50, 3)], 't')).toEqual({ unit: 'D', multiple: 1 });
    expect(inferFrequency([ts(7 * DAY, 50)], 't')).toEqual({ unit: 'W', multiple: 1 });
    const months = Float64Array.from({ length: 30 }, (_, i) => Date.UTC(2020, i, 1));
    expect(inferFrequency([months], 't')).toEqual({ unit: 'M', multiple: 1 });
    const quarters = Float64Array.from({ length: 30 }, (_, i) => Date.UTC(2000, 3 * i, 1));
    expect(inferFrequency([quarters], 't')).toEqual({ unit: 'Q', multiple: 1 });
    const years = Float64Array.from({ length: 30 }, (_, i) => Date.UTC(1900 + i, 0, 1));
    expect(inferFrequency([years], 't')).toEqual({ unit: 'Y', multiple: 1 });
  });
  it('steps month ends by the calendar', () => {
    const g = { frequency: parseFrequency('M'), start: Date.UTC(2023, 0, 31) };
    expect([0, 1, 2, 13].map((k) => iso(gridTime(g, k)))).toEqual(['2023-01-31', '2023-02-28', '2023-03-31', '2024-02-29']);
  });
  it('refuses irregular timestamps and unknown frequency names with one error', () => {
    const junk = Float64Array.from([0, 1, 7, 8, 30, 31, 33, 90, 95].map((d) => Date.UTC(2020, 0, 1) + d * DAY * 1.37));
    expect(() => inferFrequency([junk], 'when')).toThrow(TabpilotError);
    expect(() => parseFrequency('fortnightly')).toThrow(/not a frequency/);
  });
});

describe('the gaps and duplicates rule', () => {
  const frame = Frame.fromColumns([
    categoricalFromStrings('shop', ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b']),
    textColumn('day', ['2024-01-04', '2024-01-01', '2024-01-02', '2024-01-02', '2024-01-02T18:00', '2024-01-01', '2024-01-02', '2024-01-03']),
    numericColumn('sales', Float64Array.from([40, 10, 20, 26, 29, 1, 2, 3])),
  ]);
  it('sorts, combines rows of one period with the mean (or sum), interpolates gaps and marks them unobserved', () => {
    const p = buildPanel(frame, { timestamp: 'day', target: 'sales', itemId: 'shop' });
    expect(p.frequency).toEqual({ unit: 'D', multiple: 1 });
    const a = p.items.find((s) => s.id === 'a')!;
    expect(Array.from(a.y)).toEqual([10, 25, 32.5, 40]);
    expect(Array.from(a.observed)).toEqual([1, 1, 0, 1]);
    expect(p.duplicates).toBe(2);
    expect(p.filled).toBe(1);
    const sum = buildPanel(frame, { timestamp: 'day', target: 'sales', itemId: 'shop', aggregation: 'sum' });
    expect(sum.items[0].y[1]).toBe(75);
  });
  it('bad input is one TabpilotError naming the column or row', () => {
    const err = (f: () => unknown): TabpilotError => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(TabpilotError);
        expect((e as Error).message.split('\n')).toHaveLength(1);
        return e as TabpilotError;
      }
      throw new Error('expected an error');
    };
    expect(err(() => buildPanel(frame, { timestamp: 'date', target: 'sales' })).code).toBe('UNKNOWN_COLUMN');
    expect(err(() => buildPanel(frame, { timestamp: 'day', target: 'revenue' })).column).toBe('revenue');
    expect(err(() => buildPanel(frame, { timestamp: 'day', target: 'shop' })).code).toBe('TYPE_MISMATCH');
    const junk = Frame.fromColumns([textColumn('day', ['2024-01-01', 'soon', '2024-01-03']), numericColumn('v', Float64Array.from([1, 2, 3]))]);
    const e = err(() => buildPanel(junk, { timestamp: 'day', target: 'v' }));
    expect(e.code).toBe('TYPE_MISMATCH');
    expect(e.message).toMatch(/row 2.*"soon"/);
  });
});
