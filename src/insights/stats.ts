import { BOOL_MISSING, type Column } from '../frame/column.js';
import { quantileSorted } from '../util/numeric.js';

/**
 * Per-column statistics of the Data Quality and Insights report (spec A.4.2 `calc_stats_pandas_series`,
 * A.3.5 definitions). Computed once per column on the (sampled) frame; warnings, feature types and the
 * HTML all read from this one record.
 */

/** The report's ML feature types (A.3.5), distinct from the storage kind of the column. */
export type FeatureType = 'numeric' | 'categorical' | 'binary' | 'text' | 'datetime';

export interface Histogram {
  /** Bin edges (numeric: length = counts.length + 1) or category labels (length = counts.length). */
  readonly edges?: number[];
  readonly labels?: string[];
  readonly counts: number[];
  /** Rows not shown in the bars: missing values, or categories beyond the top ones ("other"). */
  readonly missing: number;
  readonly other?: number;
}

export interface ValueCount {
  readonly value: string;
  readonly count: number;
}

export interface ColumnStats {
  readonly name: string;
  readonly kind: Column['kind'];
  readonly featureType: FeatureType;
  readonly nrows: number;
  /** null-like + empty + whitespace-only (A.3.5 "Missing"). */
  readonly missing: number;
  readonly emptyCount: number;
  readonly whitespaceCount: number;
  /** Non-missing values that are not valid for the feature type (e.g. "six" in a numeric feature). */
  readonly invalid: number;
  readonly valid: number;
  readonly numericFiniteCount: number;
  readonly integerCount: number;
  /** Distinct non-missing values (strings whitespace-stripped). */
  readonly cardinality: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly median: number | null;
  readonly std: number | null;
  /** Third standardised moment (A.3.5). */
  readonly skew: number | null;
  /** Excess kurtosis (normal = 0), the convention the SDI thresholds are written for (A.3.4 note). */
  readonly kurtosis: number | null;
  /** Robust standard deviation: std of values clipped to [P5, P95]. */
  readonly robustStd: number | null;
  /** Numeric values further than 5 robust std from the median. */
  readonly outliers: number;
  readonly scores: Readonly<Record<FeatureType, number>>;
  /** Most frequent values (up to 10), most frequent first. */
  readonly topValues: readonly ValueCount[];
  readonly histogram: Histogram;
}

const TOP_VALUES = 10;
const HISTOGRAM_BINS = 20;
const HISTOGRAM_CATEGORIES = 12;

/** Facts about one distinct string, computed once per distinct value rather than per row. */
interface StringFacts {
  readonly missingKind: 0 | 1 | 2; // 0 present, 1 empty, 2 whitespace-only
  readonly number: number; // finite float or NaN
  readonly key: string; // whitespace-stripped
}

function stringFacts(s: string): StringFacts {
  if (s === '') return { missingKind: 1, number: NaN, key: '' };
  const key = s.trim();
  if (key === '') return { missingKind: 2, number: NaN, key: '' };
  const v = Number(key);
  return { missingKind: 0, number: Number.isFinite(v) ? v : NaN, key };
}

/** Distinct values of a column with their counts: the common representation for string-like columns. */
export interface DistinctCounts {
  readonly values: string[];
  readonly counts: Int32Array;
  readonly nullCount: number;
}

export function distinctCounts(col: Column): DistinctCounts {
  if (col.kind === 'categorical') {
    const counts = new Int32Array(col.dictionary.length);
    let nullCount = 0;
    for (let i = 0; i < col.length; i++) {
      const c = col.codes[i];
      if (c < 0) nullCount++;
      else counts[c]++;
    }
    return { values: col.dictionary.slice(), counts, nullCount };
  }
  if (col.kind === 'text') {
    const index = new Map<string, number>();
    const counts: number[] = [];
    let nullCount = 0;
    for (const s of col.values) {
      if (s === null) {
        nullCount++;
        continue;
      }
      const k = index.get(s);
      if (k === undefined) {
        index.set(s, counts.length);
        counts.push(1);
      } else counts[k]++;
    }
    return { values: [...index.keys()], counts: Int32Array.from(counts), nullCount };
  }
  if (col.kind === 'boolean') {
    const counts = new Int32Array(2);
    let nullCount = 0;
    for (let i = 0; i < col.length; i++) {
      const v = col.values[i];
      if (v === BOOL_MISSING) nullCount++;
      else counts[v]++;
    }
    return { values: ['false', 'true'], counts, nullCount };
  }
  const index = new Map<number, number>();
  const counts: number[] = [];
  let nullCount = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col.values[i];
    if (v !== v) {
      nullCount++;
      continue;
    }
    const k = index.get(v);
    if (k === undefined) {
      index.set(v, counts.length);
      counts.push(1);
    } else counts[k]++;
  }
  const values = [...index.keys()].map((v) => (col.kind === 'datetime' ? new Date(v).toISOString() : String(v)));
  return { values, counts: Int32Array.from(counts), nullCount };
}

/** Sorted copy of the finite values. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  for (let i = 0, k = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out.sort();
}


interface Moments {
  mean: number;
  std: number;
  skew: number;
  kurtosis: number;
}

export function moments(sorted: Float64Array): Moments {
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // Population moments, as scipy.stats.skew / kurtosis (bias=True) compute them; 0 for a constant column.
  const skew = m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
  const kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
  // std is the sample standard deviation (n - 1), as pandas and Spark report it.
  return { mean, std: n > 1 ? Math.sqrt((m2 * n) / (n - 1)) : 0, skew, kurtosis };
}

export function robustStd(sorted: Float64Array): number {
  const p5 = quantileSorted(sorted, 0.05);
  const p95 = quantileSorted(sorted, 0.95);
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.min(p95, Math.max(p5, sorted[i]));
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.min(p95, Math.max(p5, sorted[i])) - mean;
    ss += d * d;
  }
  return n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
}

/** Equal-width histogram with "nice" bins over [min, max]. */
export function numericHistogram(values: ArrayLike<number>, bins = HISTOGRAM_BINS, range?: [number, number]): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      missing++;
      continue;
    }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (range) [lo, hi] = range;
  if (!(hi >= lo)) return { edges: [], counts: [], missing };
  if (hi === lo) {
    hi = lo + 0.5;
    lo = lo - 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges, counts, missing };
}

function topOf(d: DistinctCounts, k: number): number[] {
  const order = Array.from({ length: d.values.length }, (_, i) => i);
  order.sort((a, b) => d.counts[b] - d.counts[a] || (d.values[a] < d.values[b] ? -1 : 1));
  return order.slice(0, k);
}

/** A.4.2 type scores, normalised to sum 1. */
function typeScores(nrows: number, missing: number, numericFinite: number, cardinality: number): Record<FeatureType, number> {
  const present = nrows - missing;
  const scores: Record<FeatureType, number> = { binary: 0, numeric: 0, categorical: 0, text: 0, datetime: 0 };
  scores.numeric = present > 0 && numericFinite > 0 ? numericFinite / present : 0;
  scores.text = nrows > 0 ? (nrows - numericFinite - missing) / nrows : 0;
  if (cardinality === 2) {
    scores.binary = 1;
    scores.categorical = 1;
    scores.text = 0;
  } else {
    const ratio = nrows > 0 ? cardinality / nrows : 1;
    if (ratio < 0.01) {
      scores.categorical = 1;
      scores.text = 0;
    } else if (ratio < 0.2) scores.categorical = 1 - (ratio - 0.01) / 0.19;
  }
  const total = scores.binary + scores.numeric + scores.categorical + scores.text + scores.datetime;
  if (total > 0) for (const k of Object.keys(scores) as FeatureType[]) scores[k] /= total;
  return scores;
}

const TIE_ORDER: readonly FeatureType[] = ['binary', 'numeric', 'categorical', 'text', 'datetime'];

function bestType(scores: Record<FeatureType, number>): FeatureType {
  let best: FeatureType = 'text';
  let bestScore = -1;
  for (const t of TIE_ORDER) {
    if (scores[t] > bestScore) {
      best = t;
      bestScore = scores[t];
    }
  }
  return best;
}

/** Statistics of one column. `featureType` overrides the inferred type (e.g. a stated target type). */
/** A numeric value farther than this many robust standard deviations from the median is an outlier (A.3.5). */
export const OUTLIER_ROBUST_STDS = 5;

/** What one pass over a column's values finds: the values as numbers (NaN = missing or not a number) and counts. */
interface ValueScan {
  readonly numbers: Float64Array;
  empty: number;
  whitespace: number;
  numericFinite: number;
  integerCount: number;
  /** Distinct non-missing values (strings whitespace-stripped). */
  readonly keys: Set<string>;
}

/** Categorical and text columns: numbers parsed per distinct string, empty and whitespace-only counted as missing. */
function scanStrings(col: Column & { kind: 'categorical' | 'text' }, distinct: DistinctCounts, scan: ValueScan): void {
  const facts = distinct.values.map(stringFacts);
  const { numbers } = scan;
  if (col.kind === 'categorical') {
    for (let i = 0; i < col.length; i++) numbers[i] = col.codes[i] < 0 ? NaN : facts[col.codes[i]].number;
  } else {
    const byValue = new Map<string, number>();
    distinct.values.forEach((v, i) => byValue.set(v, i));
    for (let i = 0; i < col.length; i++) {
      const s = col.values[i];
      numbers[i] = s === null ? NaN : facts[byValue.get(s)!].number;
    }
  }
  facts.forEach((f, i) => {
    const c = distinct.counts[i];
    if (c === 0) return;
    if (f.missingKind === 1) scan.empty += c;
    else if (f.missingKind === 2) scan.whitespace += c;
    else {
      scan.keys.add(f.key);
      if (Number.isFinite(f.number)) {
        scan.numericFinite += c;
        if (Number.isInteger(f.number)) scan.integerCount += c;
      }
    }
  });
}

function scanValues(col: Column, distinct: DistinctCounts): ValueScan {
  const nrows = col.length;
  const scan: ValueScan = { numbers: new Float64Array(nrows), empty: 0, whitespace: 0, numericFinite: 0, integerCount: 0, keys: new Set<string>() };
  if (col.kind === 'numeric' || col.kind === 'datetime') {
    for (let i = 0; i < nrows; i++) {
      const v = col.values[i];
      scan.numbers[i] = Number.isFinite(v) ? v : NaN;
      if (Number.isFinite(v)) {
        scan.numericFinite++;
        if (Number.isInteger(v)) scan.integerCount++;
      }
    }
    for (const v of distinct.values) scan.keys.add(v);
  } else if (col.kind === 'boolean') {
    for (let i = 0; i < nrows; i++) scan.numbers[i] = col.values[i] === BOOL_MISSING ? NaN : col.values[i];
    scan.numericFinite = nrows - distinct.nullCount;
    scan.integerCount = scan.numericFinite;
    distinct.values.forEach((v, i) => distinct.counts[i] > 0 && scan.keys.add(v));
  } else if (col.kind === 'categorical' || col.kind === 'text') scanStrings(col, distinct, scan);
  return scan;
}

type NumericSummary = Pick<ColumnStats, 'min' | 'max' | 'mean' | 'median' | 'std' | 'skew' | 'kurtosis' | 'robustStd' | 'outliers'>;

/** Order statistics and moments of the finite values (all null when there are none to summarise). */
function numericSummary(sorted: Float64Array, summarise: boolean, countOutliers: boolean): NumericSummary {
  if (sorted.length === 0 || !summarise) return { min: null, max: null, mean: null, median: null, std: null, skew: null, kurtosis: null, robustStd: null, outliers: 0 };
  const median = quantileSorted(sorted, 0.5);
  const m = moments(sorted);
  const rstd = robustStd(sorted);
  let outliers = 0;
  if (countOutliers) {
    const lo = median - OUTLIER_ROBUST_STDS * rstd;
    const hi = median + OUTLIER_ROBUST_STDS * rstd;
    for (let i = 0; i < sorted.length; i++) if (sorted[i] < lo || sorted[i] > hi) outliers++;
  }
  return { min: sorted[0], max: sorted[sorted.length - 1], mean: m.mean, median, std: m.std, skew: m.skew, kurtosis: m.kurtosis, robustStd: rstd, outliers };
}

/** Numeric bins over the non-outlier range (outliers counted as "other"), or the most common categories. */
function columnHistogram(type: FeatureType, numbers: Float64Array, distinct: DistinctCounts, missing: number, s: NumericSummary): Histogram {
  if (type === 'numeric' || type === 'datetime') {
    // Outliers would squash the bars into one bin: plot the non-outlier range and count the rest as "other".
    const range: [number, number] | undefined =
      s.outliers > 0 && s.median !== null && s.robustStd !== null && s.min !== null && s.max !== null
        ? [Math.max(s.min, s.median - OUTLIER_ROBUST_STDS * s.robustStd), Math.min(s.max, s.median + OUTLIER_ROBUST_STDS * s.robustStd)]
        : undefined;
    return { ...numericHistogram(numbers, HISTOGRAM_BINS, range), missing, ...(range ? { other: s.outliers } : {}) };
  }
  const shown = topOf(distinct, HISTOGRAM_CATEGORIES).filter((i) => distinct.counts[i] > 0);
  const shownTotal = shown.reduce((sum, i) => sum + distinct.counts[i], 0);
  return {
    labels: shown.map((i) => distinct.values[i]),
    counts: shown.map((i) => distinct.counts[i]),
    missing: distinct.nullCount,
    other: numbers.length - distinct.nullCount - shownTotal,
  };
}

export function columnStats(col: Column, featureType?: FeatureType): ColumnStats {
  const nrows = col.length;
  const distinct = distinctCounts(col);
  const scan = scanValues(col, distinct);
  const missing = distinct.nullCount + scan.empty + scan.whitespace;
  const cardinality = scan.keys.size;
  const scores = typeScores(nrows, missing, scan.numericFinite, cardinality);
  const inferred: FeatureType = col.kind === 'datetime' ? 'datetime' : col.kind === 'boolean' || cardinality === 2 ? 'binary' : bestType(scores);
  const type = featureType ?? inferred;
  const isStringKind = col.kind === 'categorical' || col.kind === 'text';
  const numericLike = type === 'numeric' || type === 'datetime' || (type === 'binary' && !isStringKind);
  const summary = numericSummary(sortedFinite(scan.numbers), numericLike || scan.numericFinite > 0, type === 'numeric');
  const present = nrows - missing;
  // A.3.5: numeric features must cast to a finite float; any other type accepts every non-missing value.
  const valid = type === 'numeric' ? scan.numericFinite : present;
  return {
    name: col.name,
    kind: col.kind,
    featureType: type,
    nrows,
    missing,
    emptyCount: scan.empty,
    whitespaceCount: scan.whitespace,
    invalid: present - valid,
    valid,
    numericFiniteCount: scan.numericFinite,
    integerCount: scan.integerCount,
    cardinality,
    ...summary,
    scores,
    topValues: topOf(distinct, TOP_VALUES).map((i) => ({ value: distinct.values[i], count: distinct.counts[i] })),
    histogram: columnHistogram(type, scan.numbers, distinct, missing, summary),
  };
}

/** Numbers of a column as the report sees them: finite floats, NaN for missing or unparseable. */
export function numericValues(col: Column): Float64Array {
  if (col.kind === 'numeric' || col.kind === 'datetime') {
    const out = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = Number.isFinite(col.values[i]) ? col.values[i] : NaN;
    return out;
  }
  if (col.kind === 'boolean') {
    const out = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = col.values[i] === BOOL_MISSING ? NaN : col.values[i];
    return out;
  }
  if (col.kind === 'categorical') {
    const parsed = col.dictionary.map((s) => stringFacts(s).number);
    const out = new Float64Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? NaN : parsed[col.codes[i]];
    return out;
  }
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const s = col.values[i];
    out[i] = s === null ? NaN : stringFacts(s).number;
  }
  return out;
}
