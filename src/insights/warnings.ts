import { CATALOG_BY_ID, DISGUISED_MISSING_TOKENS, type Severity, THRESHOLDS as T, type WarningId } from './catalog.js';
import type { ColumnStats, DistinctCounts } from './stats.js';
import { detectPattern } from './patterns.js';
import type { Task } from '../models/types.js';

/** One raised warning: the catalog entry plus what was measured. */
export interface Warning {
  readonly id: WarningId;
  readonly title: string;
  readonly severity: Severity;
  /** The column it is about (feature or target); absent for dataset-level warnings. */
  readonly column?: string;
  /** What was found, with the numbers. */
  readonly message: string;
  /** The measured value that crossed the threshold. */
  readonly value: number | null;
  readonly rule: string;
  readonly explanation: string;
  readonly fix: { readonly transform: string; readonly text: string };
}

export function makeWarning(id: WarningId, message: string, value: number | null, column?: string, important = false): Warning {
  const entry = CATALOG_BY_ID.get(id)!;
  const severity: Severity = entry.severity === 'medium_if_important' ? (important ? 'medium' : 'low') : entry.severity;
  return { id, title: entry.title, severity, ...(column !== undefined ? { column } : {}), message, value, rule: entry.rule, explanation: entry.explanation, fix: entry.fix };
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;

/** A.3.4 regression target insights. */
export function regressionTargetWarnings(stats: ColumnStats): Warning[] {
  const out: Warning[] = [];
  const c = stats.name;
  const present = stats.nrows - stats.missing;
  const nonNumeric = present > 0 ? (present - stats.numericFiniteCount) / stats.nrows : 0;
  if (nonNumeric > T.nonNumericTargetRatio) {
    out.push(makeWarning('regression_many_non_numeric', `${pct(nonNumeric)} of target values are not finite numbers (threshold ${pct(T.nonNumericTargetRatio)}).`, nonNumeric, c));
  } else if (nonNumeric > 0) {
    out.push(makeWarning('regression_non_numeric', `${pct(nonNumeric)} of target values are not finite numbers.`, nonNumeric, c));
  }
  const skew = stats.skew ?? 0;
  const kurt = stats.kurtosis ?? 0;
  if (stats.outliers > 0) {
    if (Math.abs(skew) > T.skew) {
      out.push(makeWarning('skewed_target', `The target has ${stats.outliers} outliers and skew ${skew.toFixed(2)} (|skew| > ${T.skew}).`, skew, c));
    } else if (kurt > T.heavyTailKurtosis) {
      out.push(makeWarning('heavy_tailed_target', `The target has ${stats.outliers} outliers and excess kurtosis ${kurt.toFixed(2)} (> ${T.heavyTailKurtosis}).`, kurt, c));
    } else if (kurt > T.fewOutliersKurtosis) {
      out.push(makeWarning('target_few_outliers', `The target has ${stats.outliers} outliers (excess kurtosis ${kurt.toFixed(2)}).`, kurt, c));
    }
  }
  const top = stats.topValues[0];
  if (top && stats.numericFiniteCount > 0 && stats.cardinality > 0) {
    const freq = top.count / stats.numericFiniteCount;
    const limit = Math.max(T.frequentLabelRatio, T.frequentLabelCardinalityFactor / stats.cardinality);
    if (freq > limit) {
      out.push(makeWarning('regression_frequent_label', `The value ${top.value} is ${pct(freq)} of the target (threshold ${pct(limit)}).`, freq, c));
    }
  }
  return out;
}

/** A.3.4 classification target insights. */
export function classificationTargetWarnings(name: string, task: Task, classes: readonly string[], counts: readonly number[]): Warning[] {
  const out: Warning[] = [];
  if (task === 'binary') {
    classes.forEach((label, k) => {
      if (counts[k] < T.smallMinorityCount) {
        out.push(makeWarning('very_small_minority', `Class "${label}" has only ${counts[k]} rows (fewer than ${T.smallMinorityCount}).`, counts[k], name));
      }
    });
    return out;
  }
  if (classes.length > T.tooManyClasses) {
    out.push(makeWarning('too_many_classes', `The target has ${classes.length} classes (more than ${T.tooManyClasses}).`, classes.length, name));
    return out;
  }
  const most = Math.max(...counts);
  const rare = classes.filter((_, k) => counts[k] <= T.rareLabelCount);
  if (rare.length > 0) {
    out.push(
      makeWarning('rare_target_label', `${rare.length} class(es) have at most ${T.rareLabelCount} rows: ${rare.slice(0, 10).map((l) => `"${l}"`).join(', ')}.`, rare.length, name),
    );
  }
  const imbalanced = classes.filter((_, k) => counts[k] > T.rareLabelCount && counts[k] < T.imbalanceRatio * most);
  if (imbalanced.length > 0) {
    out.push(
      makeWarning(
        'classes_too_imbalanced',
        `${imbalanced.length} class(es) have fewer than ${pct(T.imbalanceRatio)} of the rows of the largest class: ${imbalanced.slice(0, 10).map((l) => `"${l}"`).join(', ')}.`,
        imbalanced.length,
        name,
      ),
    );
  }
  return out;
}

export interface FeatureEvidence {
  readonly stats: ColumnStats;
  readonly distinct: DistinctCounts;
  /** Normalised prediction power, NaN when not computed. */
  readonly power: number;
  /** |Pearson| with the target, NaN when not defined. */
  readonly targetCorrelation: number;
  /** True for a top-5 feature by prediction power (med_sev_feature). */
  readonly important: boolean;
}

const TOKENS = new Set<string>(DISGUISED_MISSING_TOKENS);

/** A.3.4 feature insights and the notebook-widget column checks. Leakage is handled by `leakageWarnings`. */
export function featureWarnings(e: FeatureEvidence): Warning[] {
  const { stats, distinct } = e;
  const c = stats.name;
  const out: Warning[] = [];
  const present = stats.nrows - stats.missing;
  if (Number.isFinite(e.targetCorrelation) && e.targetCorrelation > T.targetCorrelation) {
    out.push(makeWarning('target_correlation', `|Pearson correlation| with the target is ${e.targetCorrelation.toFixed(3)} (> ${T.targetCorrelation}).`, e.targetCorrelation, c));
  }
  if (Number.isFinite(e.power) && e.power <= 0 && stats.cardinality > 1) {
    out.push(makeWarning('uninformative_feature', 'Prediction power is 0: alone, this feature does not beat a constant prediction.', e.power, c));
  }
  if (stats.cardinality === 1) {
    out.push(makeWarning('constant_feature', `Every non-missing value is "${stats.topValues[0]?.value}".`, 1, c));
  }
  if (stats.featureType === 'numeric' && stats.cardinality > T.disguisedMissingMinCardinality && stats.numericFiniteCount > 0) {
    const [first, second] = stats.topValues;
    const f1 = first.count / stats.numericFiniteCount;
    if (f1 > T.disguisedMissingFrequency && first.count > T.disguisedMissingFactor * (second?.count ?? 0) && Number.isFinite(Number(first.value))) {
      out.push(
        makeWarning(
          'disguised_missing_numeric',
          `The value ${first.value} is ${pct(f1)} of the rows, ${second ? (first.count / second.count).toFixed(1) : '∞'}x the next most common value; it may stand for "missing".`,
          Number(first.value),
          c,
          e.important,
        ),
      );
    }
  }
  if (stats.kind === 'categorical' || stats.kind === 'text') {
    const tokens: string[] = [];
    let tokenRows = 0;
    distinct.values.forEach((v, i) => {
      if (distinct.counts[i] > 0 && v !== '' && TOKENS.has(v.trim().toUpperCase())) {
        tokens.push(v);
        tokenRows += distinct.counts[i];
      }
    });
    if (tokens.length > 0) {
      out.push(
        makeWarning('disguised_missing_token', `${tokenRows} rows hold placeholder values ${tokens.map((t) => JSON.stringify(t)).join(', ')}.`, tokenRows / stats.nrows, c, e.important),
      );
    }
  }
  if ((stats.featureType === 'categorical' || stats.featureType === 'binary') && stats.cardinality > 1) {
    const most = stats.topValues[0].count;
    let rare = 0;
    for (let i = 0; i < distinct.values.length; i++) if (distinct.counts[i] > 0 && distinct.counts[i] < T.rareCategoryRatio * most) rare++;
    if (rare > 0) {
      out.push(makeWarning('rare_categories', `${rare} categor${rare === 1 ? 'y has' : 'ies have'} fewer than ${pct(T.rareCategoryRatio)} of the rows of the most common one.`, rare, c, e.important));
    }
  }
  if ((stats.featureType === 'text' || stats.featureType === 'categorical') && (stats.kind === 'categorical' || stats.kind === 'text')) {
    const p = detectPattern(distinct);
    if (p && p.confidence >= T.patternConfidence && p.confidence < 1) {
      out.push(
        makeWarning(
          'high_confidence_pattern',
          `${pct(p.confidence)} of values match ${p.pattern}; non-matching: ${p.nonMatching.map((v) => JSON.stringify(v)).join(', ')}.`,
          p.confidence,
          c,
        ),
      );
    }
  }
  const missingRatio = stats.nrows > 0 ? stats.missing / stats.nrows : 0;
  if (missingRatio > T.manyMissingRatio) out.push(makeWarning('many_missing_values', `${pct(missingRatio)} of values are missing.`, missingRatio, c));
  else if (missingRatio > 0) out.push(makeWarning('missing_values', `${stats.missing} values (${pct(missingRatio)}) are missing.`, missingRatio, c));
  const stringLike = stats.kind === 'categorical' || stats.kind === 'text';
  if (stringLike && present > 1 && stats.cardinality === present && stats.featureType !== 'numeric') {
    out.push(makeWarning('id_column', `All ${present} non-missing values are distinct.`, 1, c));
  } else if (stringLike && present > 1 && stats.cardinality / present >= T.highCardinalityRatio && stats.featureType !== 'numeric') {
    out.push(makeWarning('high_cardinality', `${pct(stats.cardinality / present)} of values are unique.`, stats.cardinality / present, c));
  }
  return out;
}

/** Target leakage: one warning per leaking feature, or one "multiple leakage" warning when several fire. */
export function leakageWarnings(powers: readonly { name: string; power: number }[]): Warning[] {
  const leaking = powers.filter((p) => Number.isFinite(p.power) && p.power > T.leakagePower);
  if (leaking.length === 0) return [];
  if (leaking.length >= 3) {
    const names = leaking.map((p) => `"${p.name}"`).join(', ');
    return [
      makeWarning(
        'target_leakage',
        `${leaking.length} features each predict the target almost perfectly on their own (${names}): either the task is very easy or several columns leak the target.`,
        Math.max(...leaking.map((p) => p.power)),
      ),
    ];
  }
  return leaking.map((p) => makeWarning('target_leakage', `Prediction power ${p.power.toFixed(3)} (> ${T.leakagePower}).`, p.power, p.name));
}

export function duplicateWarnings(ratio: number, duplicatedRows: number, rows: number): Warning[] {
  if (ratio > T.duplicateRatio) {
    return [makeWarning('many_duplicate_rows', `${duplicatedRows} of ${rows} rows (${pct(ratio)}) have an identical twin (threshold ${pct(T.duplicateRatio)}).`, ratio)];
  }
  if (ratio > 0) return [makeWarning('duplicate_rows', `${duplicatedRows} of ${rows} rows (${pct(ratio)}) have an identical twin.`, ratio)];
  return [];
}

export function quickModelWarnings(metric: string, score: number, baseline: number): Warning[] {
  if (!Number.isFinite(score) || !Number.isFinite(baseline)) return [];
  if (score < baseline) {
    return [makeWarning('quick_model_very_low_score', `Validation ${metric} ${score.toFixed(3)} is below the trivial baseline ${baseline.toFixed(3)}.`, score)];
  }
  const limit = T.quickModelLowOffset + T.quickModelLowSlope * baseline;
  if (score < limit) {
    return [makeWarning('quick_model_low_score', `Validation ${metric} ${score.toFixed(3)} is below ${limit.toFixed(3)} (0.05 + 0.95 x baseline ${baseline.toFixed(3)}).`, score)];
  }
  return [];
}

const ORDER: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export function sortWarnings(ws: Warning[]): Warning[] {
  return ws.slice().sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}
