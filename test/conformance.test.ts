import { beforeAll, describe, expect, it } from 'vitest';
import { type Column, cellString, numericColumn, toFloat64 } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { learnerSpecs, modelFromJSON } from '../src/models/registry.js';
import type { FitContext, FittedModel, HyperValue, LearnerSpec, Task } from '../src/models/types.js';
import { isTabpilotError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';

/**
 * One conformance suite over every registered learner (the contract of src/models/types.ts): each learner is
 * fitted with its default hyperparameters on small real data and must beat a trivial baseline, round-trip
 * through JSON with identical predictions, be deterministic for a seed, and reject bad input clearly.
 */
interface Case {
  readonly file: string;
  readonly target: string;
  readonly task: Task;
  /** Raw text features: only text learners (tags.input 'text') take this case, and they take no other. */
  readonly text?: boolean;
}
const CASES: readonly Case[] = [
  { file: 'fixtures/penguins.csv', target: 'species', task: 'multiclass' },
  { file: 'fixtures/pima_diabetes2.csv', target: 'diabetes', task: 'binary' },
  { file: 'fixtures/concrete.csv', target: 'compressive_strength', task: 'regression' },
  { file: 'fixtures/text/spam.csv', target: 'label', task: 'binary', text: true },
];

interface Split {
  readonly train: Frame;
  readonly test: Frame;
}
const splits = new Map<string, Split>();

beforeAll(async () => {
  for (const c of CASES) {
    const { frame } = await readTable(c.file);
    const perm = new Random(7).permutation(frame.numRows);
    const cut = Math.floor(frame.numRows * 0.8);
    splits.set(c.file, { train: frame.take(perm.subarray(0, cut)), test: frame.take(perm.subarray(cut)) });
  }
});

/** The defaults (what a user gets with no options) must be good; ensembles bag the cheapest base learner. */
function cheapParams(spec: LearnerSpec): Record<string, HyperValue> {
  if (spec.tags.family === 'ensemble') return Object.fromEntries(Object.entries(spec.searchSpace).map(([k, v]) => [k, v.cheap]));
  return {};
}

/** Share of rows where two prediction vectors agree (labels) or are close relative to the target spread (regression). */
function agreement(task: Task, a: Float64Array, b: Float64Array, spread: number): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (task === 'regression' ? Math.abs(a[i] - b[i]) < 0.25 * spread : a[i] === b[i]) same++;
  return same / a.length;
}

function spreadOf(col: Column): number {
  const y = toFloat64(col);
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  return Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
}

function labelsOf(col: Column): string[] {
  return Array.from({ length: col.length }, (_, i) => cellString(col, i));
}

/** Test-set score: log loss (classification) or RMSE (regression), for the model and for a constant baseline. */
function scoreAgainstBaseline(model: FittedModel, split: Split, c: Case): { model: number; baseline: number } {
  const yTest = split.test.column(c.target);
  const yTrain = split.train.column(c.target);
  if (c.task === 'regression') {
    const pred = model.predict(split.test);
    const y = toFloat64(yTest);
    const mean = toFloat64(yTrain).reduce((a, b) => a + b, 0) / yTrain.length;
    let se = 0;
    let seBase = 0;
    for (let i = 0; i < y.length; i++) {
      se += (pred[i] - y[i]) ** 2;
      seBase += (mean - y[i]) ** 2;
    }
    return { model: Math.sqrt(se / y.length), baseline: Math.sqrt(seBase / y.length) };
  }
  const classes = model.classes!;
  const k = classes.length;
  const proba = model.predictProba(split.test);
  const prior = new Float64Array(k);
  for (const l of labelsOf(yTrain)) prior[classes.indexOf(l)] += 1 / yTrain.length;
  let ll = 0;
  let llBase = 0;
  labelsOf(yTest).forEach((l, i) => {
    const c = classes.indexOf(l);
    ll -= Math.log(Math.max(proba[i * k + c], 1e-15));
    llBase -= Math.log(Math.max(prior[c], 1e-15));
  });
  return { model: ll / yTest.length, baseline: llBase / yTest.length };
}

function expectTabpilotError(fn: () => unknown, codes: readonly string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeDefined();
  expect(isTabpilotError(caught), String(caught)).toBe(true);
  expect(codes).toContain((caught as { code: string }).code);
}

async function expectRejects(p: Promise<unknown>, codes: readonly string[]): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a rejection').toBeDefined();
  expect(isTabpilotError(caught), String(caught)).toBe(true);
  expect(codes).toContain((caught as { code: string }).code);
}

/**
 * The target with every row from `start` on made wrong but valid: regression values mirrored around a far
 * constant, class labels moved to the next class. A learner that reads those rows predicts visibly differently.
 */
function corruptTargetFrom(y: Column, start: number, task: Task): Column {
  if (y.kind === 'numeric') {
    const v = Float64Array.from(y.values);
    const labels = [...new Set(v)].sort((a, b) => a - b);
    for (let i = start; i < v.length; i++) v[i] = task === 'regression' ? 1000 - 10 * v[i] : labels[(labels.indexOf(v[i]) + 1) % labels.length];
    return numericColumn(y.name, v);
  }
  if (y.kind === 'categorical') {
    const codes = Int32Array.from(y.codes);
    for (let i = start; i < codes.length; i++) if (codes[i] >= 0) codes[i] = (codes[i] + 1) % y.dictionary.length;
    return { ...y, codes };
  }
  throw new Error(`unexpected target kind ${y.kind}`);
}

const SPECS = learnerSpecs();

it('registers every learner kind that exists in this build', () => {
  const kinds = SPECS.map((s) => s.kind);
  expect(kinds).toContain('linear');
  expect(kinds).toContain('mlp');
  expect(new Set(kinds).size).toBe(kinds.length);
});

for (const spec of SPECS) {
  describe(`learner ${spec.kind}`, () => {
    it('declares a usable search space: defaults valid, every hyperparameter has domain, default and cheap value', () => {
      expect(spec.relativeCost).toBeGreaterThan(0);
      for (const [name, hp] of Object.entries(spec.searchSpace)) {
        const d = hp.domain;
        for (const v of [hp.default, hp.cheap]) {
          if (d.type === 'choice') expect(d.values, name).toContain(v);
          else {
            expect(typeof v, name).toBe('number');
            expect(v as number, name).toBeGreaterThanOrEqual(d.low);
            expect(v as number, name).toBeLessThanOrEqual(d.high);
          }
        }
      }
      if (spec.fidelityParam) expect(Object.keys(spec.searchSpace)).toContain(spec.fidelityParam);
      // The learner holds exactly the defaults, or the given values over them.
      expect(spec.create().params).toEqual(spec.defaults);
      const cheap = Object.fromEntries(Object.entries(spec.searchSpace).map(([k, v]) => [k, v.cheap]));
      const changed = Object.keys(cheap).filter((k) => cheap[k] !== (spec.defaults as Record<string, unknown>)[k]);
      expect(changed.length, 'the cheap values differ from the defaults somewhere').toBeGreaterThan(0);
      expect(spec.create(cheap).params).toEqual({ ...spec.defaults, ...cheap });
      expectTabpilotError(() => spec.create({ noSuchHyperparameter: 1 } as never), ['INVALID_ARGUMENT']);
    });

    for (const c of CASES) {
      if (!spec.tags.tasks.includes(c.task)) continue;
      // Text learners take only the text case, every other learner only the tabular ones.
      if ((c.text === true) !== (spec.tags.input === 'text')) continue;
      describe(`${c.task} (${c.file})`, () => {
        let model: FittedModel;
        const ctx = (seed: number): FitContext => ({ task: c.task, rng: new Random(seed) });

        beforeAll(async () => {
          const { train } = splits.get(c.file)!;
          model = await spec.create(cheapParams(spec)).fit(train, train.column(c.target), ctx(1));
        });

        it('beats a constant baseline on held-out rows', () => {
          const s = scoreAgainstBaseline(model, splits.get(c.file)!, c);
          expect(s.model).toBeLessThan(s.baseline * (c.task === 'binary' ? 0.95 : 0.8));
        });

        it('exposes a fixed class order and well-formed outputs', () => {
          const { test, train } = splits.get(c.file)!;
          expect(model.task).toBe(c.task);
          expect(model.featureNames).not.toContain(c.target);
          expect([...model.featureNames].sort()).toEqual(train.columnNames.filter((n) => n !== c.target).sort());
          const pred = model.predict(test);
          expect(pred.length).toBe(test.numRows);
          if (c.task === 'regression') {
            expect(model.classes).toBeUndefined();
            expectTabpilotError(() => model.predictProba(test), ['INVALID_ARGUMENT']);
          } else {
            const distinct = [...new Set(labelsOf(train.column(c.target)))].sort();
            expect(model.classes).toEqual(distinct);
            const k = distinct.length;
            const proba = model.predictProba(test);
            expect(proba.length).toBe(test.numRows * k);
            for (let i = 0; i < test.numRows; i++) {
              let sum = 0;
              let best = 0;
              for (let j = 0; j < k; j++) {
                sum += proba[i * k + j];
                if (proba[i * k + j] > proba[i * k + best]) best = j;
              }
              expect(sum).toBeCloseTo(1, 6);
              expect(pred[i]).toBe(best);
            }
          }
          const imp = model.featureImportance();
          expect(imp.names).toEqual(model.featureNames);
          expect(imp.gain.length).toBe(model.featureNames.length);
          expect(imp.gain.some((g) => g > 0)).toBe(true);
        });

        it('records the hyperparameters it was fitted with (its defaults here) in its JSON', (t) => {
          const json = model.toJSON() as { params?: unknown };
          if (json.params === undefined) {
            // The ensemble stores its members, not the bagging parameters.
            expect(spec.tags.family).toBe('ensemble');
            t.skip();
          }
          // numThreads is a runtime setting, not part of the model: the same trees come out on any thread count.
          const { numThreads: _threads, ...fitted } = { ...spec.defaults, ...cheapParams(spec) } as Record<string, unknown>;
          expect(json.params).toEqual(fitted);
        });

        it('round-trips through JSON text with identical predictions', () => {
          const { test } = splits.get(c.file)!;
          const text = JSON.stringify(model.toJSON());
          const json = JSON.parse(text);
          expect(json.format).toBe('tabpilot-model');
          expect(json.kind).toBe(spec.kind);
          expect(typeof json.formatVersion).toBe('number');
          const loaded = modelFromJSON(json);
          expect(loaded.kind).toBe(spec.kind);
          expect(loaded.classes).toEqual(model.classes);
          expect(Array.from(loaded.predict(test))).toEqual(Array.from(model.predict(test)));
          if (c.task !== 'regression') expect(Array.from(loaded.predictProba(test))).toEqual(Array.from(model.predictProba(test)));
          expect(JSON.stringify(loaded.toJSON())).toBe(text);
          expectTabpilotError(() => spec.fromJSON({ ...json, formatVersion: 999 }), ['MODEL_FORMAT']);
          expectTabpilotError(() => modelFromJSON({ ...json, kind: 'no-such-kind' }), ['MODEL_FORMAT']);
        });

        it('gives identical predictions for the same seed', async () => {
          const { train, test } = splits.get(c.file)!;
          const again = await spec.create(cheapParams(spec)).fit(train, train.column(c.target), ctx(1));
          const a = c.task === 'regression' ? model.predict(test) : model.predictProba(test);
          const b = c.task === 'regression' ? again.predict(test) : again.predictProba(test);
          expect(Array.from(b)).toEqual(Array.from(a));
        });

        it('trains on ctx.rows only (like on those rows taken out; tree bins may come from all rows)', async () => {
          const { train, test } = splits.get(c.file)!;
          // Rows 0..69% plus a corrupted target on the other rows: using them would show.
          const cut = Math.floor(train.numRows * 0.7);
          const rows = Int32Array.from({ length: cut }, (_, i) => i);
          const corrupted = corruptTargetFrom(train.column(c.target), cut, c.task);
          const viaRows = await spec.create(cheapParams(spec)).fit(train.withColumn(corrupted), corrupted, { ...ctx(3), rows });
          const taken = train.take(rows);
          const viaTake = await spec.create(cheapParams(spec)).fit(taken, taken.column(c.target), ctx(3));
          const a = viaRows.predict(test);
          const b = viaTake.predict(test);
          if (spec.tags.family === 'linear' || spec.tags.family === 'nn') expect(Array.from(a)).toEqual(Array.from(b));
          else expect(agreement(c.task, a, b, spreadOf(train.column(c.target)))).toBeGreaterThan(0.9);
        });

        it('rejects a missing feature column at predict time, naming it', () => {
          const { test } = splits.get(c.file)!;
          const dropped = model.featureNames[0];
          let caught: unknown;
          try {
            model.predict(test.drop([dropped]));
          } catch (e) {
            caught = e;
          }
          expect(isTabpilotError(caught)).toBe(true);
          expect(['SCHEMA_MISMATCH', 'UNKNOWN_COLUMN']).toContain((caught as { code: string }).code);
          expect(String((caught as Error).message)).toContain(dropped);
        });

        it('rejects a missing target value', async () => {
          const { train } = splits.get(c.file)!;
          const y = train.column(c.target);
          let broken: Column;
          if (y.kind === 'numeric') {
            const v = Float64Array.from(y.values);
            v[3] = NaN;
            broken = numericColumn(c.target, v);
          } else if (y.kind === 'categorical') {
            const codes = Int32Array.from(y.codes);
            codes[3] = -1;
            broken = { ...y, codes };
          } else throw new Error(`unexpected target kind ${y.kind}`);
          await expectRejects(spec.create(cheapParams(spec)).fit(train.withColumn(broken), broken, ctx(1)), ['INVALID_TARGET']);
        });

        if (c.task !== 'regression') {
          it('uses ctx.classes order and rejects a label outside it', async () => {
            const { train, test } = splits.get(c.file)!;
            const distinct = [...new Set(labelsOf(train.column(c.target)))].sort();
            const reversed = [...distinct].reverse();
            const m = await spec.create(cheapParams(spec)).fit(train, train.column(c.target), { ...ctx(1), classes: reversed });
            expect(m.classes).toEqual(reversed);
            const k = reversed.length;
            // Same data, reversed class order: the predicted labels should broadly agree once mapped back.
            const mapped = m.predict(test).map((c) => k - 1 - c);
            expect(agreement(c.task, mapped, model.predict(test), 0)).toBeGreaterThan(0.75);
            await expectRejects(spec.create(cheapParams(spec)).fit(train, train.column(c.target), { ...ctx(1), classes: distinct.slice(1) }), ['INVALID_TARGET']);
          });
        }
      });
    }
  });
}
