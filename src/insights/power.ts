import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { Random } from '../util/random.js';
import { binFeature, singleFeatureScore, type SingleFeatureResult, type SingleFeatureTarget } from './single-feature.js';
import { trainValidSplit, kFolds } from './split.js';
import { distinctCounts, numericValues, type FeatureType } from './stats.js';
import { rowDistinctIndex, type EncodedTarget } from './target.js';

/**
 * Prediction power (A.3.3): a gradient-boosted model on each feature alone, trained on a stratified 80% and
 * scored on the other 20% (R², ROC-AUC or accuracy), normalised against the trivial baseline.
 */

export interface EncodedFeature {
  readonly name: string;
  /** One value per frame row: a number, or a category id when `categorical`; NaN = missing. */
  readonly values: Float64Array;
  readonly categorical: boolean;
}

/** The single-feature model's view of a column (SDI's encoders: numbers as numbers, categories as ids). */
export function encodeFeature(col: Column, featureType: FeatureType): EncodedFeature {
  if (col.kind === 'numeric' || col.kind === 'datetime' || col.kind === 'boolean') {
    return { name: col.name, values: numericValues(col), categorical: false };
  }
  if (featureType === 'numeric') return { name: col.name, values: numericValues(col), categorical: false };
  const distinct = distinctCounts(col);
  const idx = rowDistinctIndex(col, distinct.values);
  // Whitespace-only and empty strings are missing (A.3.5).
  const blank = distinct.values.map((v) => v.trim() === '');
  const values = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) values[i] = idx[i] < 0 || blank[idx[i]] ? NaN : idx[i];
  return { name: col.name, values, categorical: true };
}

/** The named features as the single-feature models see them: datetime columns as their parts (`datetimeParts`). */
export function encodeFeatures(frame: Frame, names: readonly string[], featureType: (name: string) => FeatureType): EncodedFeature[] {
  return names.flatMap((name) => {
    const col = frame.column(name);
    return col.kind === 'datetime' ? datetimeParts(name, col.values) : [encodeFeature(col, featureType(name))];
  });
}

export function singleFeatureTarget(target: EncodedTarget, numRows: number): SingleFeatureTarget {
  const y = new Float64Array(numRows).fill(NaN);
  target.rows.forEach((r, i) => (y[r] = target.y[i]));
  return { task: target.task, y, numClasses: target.task === 'regression' ? 1 : target.classes.length };
}

export interface PowerResult extends SingleFeatureResult {
  readonly name: string;
}

/** Scores every feature on one shared 80/20 split of the rows with a valid target. */
export function predictionPower(features: readonly EncodedFeature[], target: EncodedTarget, numRows: number, rng: Random): PowerResult[] {
  const split = trainValidSplit(target.rows, target.task === 'regression' ? null : target.y, 0.2, rng);
  const t = singleFeatureTarget(target, numRows);
  return features.map((f) => ({ name: f.name, ...singleFeatureScore(binFeature(f.values, f.categorical, split.train), t, split.train, split.valid) }));
}

/** Cross-validated single-feature score (the target-leakage analysis): mean over folds. */
export function crossValidatedPower(feature: EncodedFeature, target: EncodedTarget, numRows: number, folds: number, rng: Random): SingleFeatureResult {
  const t = singleFeatureTarget(target, numRows);
  const splits = kFolds(target.rows, target.task === 'regression' ? null : target.y, folds, rng);
  let score = 0;
  let baseline = 0;
  let normalized = 0;
  let rounds = 0;
  let auc = 0;
  let used = 0;
  for (const s of splits) {
    // Each fold is small; the 100-row floor of A.3.3 applies to the whole sample, not the fold.
    const r = singleFeatureScore(binFeature(feature.values, feature.categorical, s.train), t, s.train, s.valid, undefined);
    if (!Number.isFinite(r.score)) continue;
    score += r.score;
    baseline += r.baseline;
    normalized += r.normalized;
    rounds += r.rounds;
    auc += r.aucOvr ?? NaN;
    used++;
  }
  if (used === 0) return { score: NaN, baseline: NaN, normalized: NaN, rounds: 0 };
  const mean = { score: score / used, baseline: baseline / used, normalized: normalized / used, rounds: rounds / used };
  return target.task === 'multiclass' ? { ...mean, aucOvr: auc / used } : mean;
}

export interface WordPower {
  readonly word: string;
  /** Rows (with a valid target) whose text contains the word. */
  readonly rows: number;
  readonly power: number;
}

const WORD = /[\p{L}\p{N}_]+/gu;

/**
 * "Important words" of a text feature (A.3.3): the prediction power of "the text contains this word" for the
 * `candidates` words found in most training rows (at least 5 rows, at most 90% of them); the top `limit` by power.
 */
export function importantWords(texts: readonly (string | null)[], target: EncodedTarget, numRows: number, rng: Random, candidates = 50, limit = 10): WordPower[] {
  const split = trainValidSplit(target.rows, target.task === 'regression' ? null : target.y, 0.2, rng);
  const docFreq = new Map<string, number>();
  const wordsOf = new Array<Set<string> | null>(numRows).fill(null);
  for (const r of target.rows) {
    const s = texts[r];
    if (s === null) continue;
    wordsOf[r] = new Set((s.toLowerCase().match(WORD) ?? []) as string[]);
  }
  for (const r of split.train) for (const w of wordsOf[r] ?? []) docFreq.set(w, (docFreq.get(w) ?? 0) + 1);
  const maxDf = 0.9 * split.train.length;
  const words = [...docFreq.entries()]
    .filter(([, c]) => c >= 5 && c <= maxDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, candidates);
  const t = singleFeatureTarget(target, numRows);
  const out: WordPower[] = [];
  for (const [word] of words) {
    const values = new Float64Array(numRows).fill(NaN);
    let rows = 0;
    for (const r of target.rows) {
      const set = wordsOf[r];
      if (set === null) continue;
      const has = set.has(word);
      values[r] = has ? 1 : 0;
      if (has) rows++;
    }
    const res = singleFeatureScore(binFeature(values, false, split.train), t, split.train, split.valid);
    if (Number.isFinite(res.normalized)) out.push({ word, rows, power: res.normalized });
  }
  return out.sort((a, b) => b.power - a.power || (a.word < b.word ? -1 : 1)).slice(0, limit);
}

const DATE_PARTS: readonly [string, (d: Date) => number][] = [
  ['year', (d) => d.getUTCFullYear()],
  ['month', (d) => d.getUTCMonth()],
  ['day', (d) => d.getUTCDate()],
  ['weekday', (d) => d.getUTCDay()],
  ['hour', (d) => d.getUTCHours()],
];

/**
 * A datetime feature as the timestamp plus each calendar part that varies (year, month, day, weekday, hour),
 * named `<col>__<part>`; the feature's prediction power is the best of them (see docs/insights.md).
 */
export function datetimeParts(name: string, epochMs: Float64Array): EncodedFeature[] {
  const out: EncodedFeature[] = [{ name, values: epochMs, categorical: false }];
  for (const [part, get] of DATE_PARTS) {
    const values = new Float64Array(epochMs.length);
    let first = NaN;
    let varies = false;
    for (let i = 0; i < epochMs.length; i++) {
      const t = epochMs[i];
      if (t !== t) {
        values[i] = NaN;
        continue;
      }
      const v = get(new Date(t));
      values[i] = v;
      if (first !== first) first = v;
      else if (v !== first) varies = true;
    }
    if (varies) out.push({ name: `${name}__${part}`, values, categorical: part === 'weekday' || part === 'month' });
  }
  return out;
}

/** Folds the per-part results of `datetimeParts` back into one result per feature (the best part). */
export function bestOfParts(features: readonly string[], results: readonly PowerResult[]): PowerResult[] {
  return features.map((name) => {
    const own = results.filter((r) => r.name === name || r.name.startsWith(`${name}__`));
    const best = own.reduce((a, b) => ((b.normalized > a.normalized || !Number.isFinite(a.normalized)) && Number.isFinite(b.normalized) ? b : a), own[0]);
    return { ...best, name };
  });
}
