import { cellString, type Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { detectProblemType } from '../models/problem-type.js';

/** Data Wrangler's quick-model rule: a target with more distinct values than this is a regression. */
const DATA_WRANGLER_REGRESSION_CARDINALITY = 100;
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { CATALOG, type CatalogEntry } from './catalog.js';
import { DEFINITIONS, type Definition } from './definitions.js';
import { findDuplicates } from './duplicates.js';
import { isolationForestScores } from './isolation-forest.js';
import { bestOfParts, datetimeParts, encodeFeature, importantWords, predictionPower, type PowerResult, type WordPower } from './power.js';
import { toStrings } from '../frame/column.js';
import { pearsonPairwise } from '../util/numeric.js';
import { quickModel, type QuickModelOptions, type QuickModelResult } from './quick-model.js';
import { InsightsPool, defaultWorkers } from './pool.js';
import { sampleRows } from './split.js';
import { columnStats, distinctCounts, numericHistogram, numericValues, type ColumnStats, type FeatureType, type Histogram } from './stats.js';
import { encodeTarget, rowDistinctIndex } from './target.js';
import {
  classificationTargetWarnings,
  duplicateWarnings,
  featureWarnings,
  leakageWarnings,
  quickModelWarnings,
  regressionTargetWarnings,
  sortWarnings,
  type Warning,
} from './warnings.js';

export const DEFAULT_SAMPLE_ROWS = 50_000;

export interface InsightsOptions {
  /** Target column; without it the target, quick model and prediction power sections are omitted. */
  readonly target?: string;
  /** Stated problem type; inferred with Autopilot's rules (spec B.1) when absent. */
  readonly problemType?: Task;
  /** Rows to analyse: a uniform random sample of this many rows (default 50,000), or 'all'. */
  readonly sample?: number | 'all';
  readonly seed?: number;
  /** Skip the quick model (the rest of the report does not need it). */
  readonly quickModel?: boolean | QuickModelOptions;
  /** A name for the data (file name) shown in the report. */
  readonly source?: string;
  /** Worker threads for the model fits (default: cores, at most 4); 1 = everything in this thread. */
  readonly workers?: number;
  /** Anomalous and duplicate rows to show. */
  readonly sampleRowsShown?: number;
}

export type CellText = string | null;

export interface SampleRow {
  /** Row number in the input (0-based). */
  readonly row: number;
  readonly values: Record<string, CellText>;
}

export interface FeatureReport {
  readonly name: string;
  readonly featureType: FeatureType;
  readonly stats: Omit<ColumnStats, 'histogram' | 'topValues'>;
  readonly topValues: ColumnStats['topValues'];
  readonly histogram: Histogram;
  /** Normalised prediction power in [0, 1]; null when not computed (no target, < 100 rows, one class). */
  readonly predictionPower: number | null;
  readonly predictionScore: number | null;
  readonly predictionBaseline: number | null;
  readonly predictionMetric: string | null;
  readonly targetCorrelation: number | null;
  /** Text features: the words whose presence predicts the target best (A.3.3). */
  readonly importantWords?: WordPower[];
  readonly warnings: Warning[];
}

export interface TargetReport {
  readonly name: string;
  readonly task: Task;
  readonly taskReason: string;
  readonly stats: Omit<ColumnStats, 'histogram' | 'topValues'>;
  readonly missing: number;
  readonly invalid: number;
  readonly validRows: number;
  readonly classes?: { label: string; count: number; ratio: number }[];
  readonly histogram: Histogram;
  readonly outlierRows?: SampleRow[];
  /** A few rows whose target is missing or invalid (they are ignored by the models). */
  readonly invalidRows: SampleRow[];
  readonly warnings: Warning[];
}

export interface InsightsReport {
  readonly format: 'tabpilot-insights';
  readonly formatVersion: 1;
  readonly source: string | null;
  readonly generatedAt: string;
  readonly seed: number;
  readonly sampling: {
    readonly totalRows: number;
    readonly analysedRows: number;
    readonly sampled: boolean;
    readonly method: string;
  };
  readonly summary: {
    readonly rows: number;
    readonly columns: number;
    readonly missingCells: number;
    readonly missingRatio: number;
    readonly invalidCells: number;
    readonly featureTypes: Record<FeatureType, number>;
    readonly outliers: number;
    readonly duplicateRatio: number;
    readonly duplicateRows: number;
    readonly highWarnings: Warning[];
    readonly warningCounts: Record<'high' | 'medium' | 'low', number>;
  };
  readonly target: TargetReport | null;
  readonly quickModel: QuickModelResult | { readonly error: string } | null;
  readonly features: FeatureReport[];
  readonly samples: {
    readonly anomalous: { readonly method: string; readonly rows: (SampleRow & { score: number })[] };
    readonly duplicates: { readonly ratio: number; readonly duplicatedRows: number; readonly redundantRows: number; readonly rows: (SampleRow & { count: number })[] };
  };
  readonly warnings: Warning[];
  readonly catalog: readonly CatalogEntry[];
  readonly definitions: readonly Definition[];
  /** Wall time per section, milliseconds. */
  readonly timings: Record<string, number>;
}

const POWER_METRIC: Record<Task, string> = { regression: 'R²', binary: 'ROC-AUC', multiclass: 'accuracy' };

const finite = (x: number | null | undefined): number | null => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

function rowValues(frame: Frame, row: number): Record<string, CellText> {
  const out: Record<string, CellText> = {};
  for (const c of frame.columns) {
    const s = cellString(c, row);
    out[c.name] = s === '' && c.kind !== 'text' && c.kind !== 'categorical' ? null : s;
  }
  return out;
}

/** The first `limit` rows not in the (ascending) list of valid rows. */
function invalidTargetRows(valid: Int32Array, n: number, limit: number): number[] {
  const out: number[] = [];
  for (let r = 0, k = 0; r < n && out.length < limit; r++) {
    if (k < valid.length && valid[k] === r) k++;
    else out.push(r);
  }
  return out;
}

function statsOnly(s: ColumnStats): Omit<ColumnStats, 'histogram' | 'topValues'> {
  const { histogram: _h, topValues: _t, ...rest } = s;
  return rest;
}

/** Dense matrix for the isolation forest: numbers as-is, categories by frequency, missing = column median. */
function anomalyMatrix(frame: Frame, names: readonly string[]): { x: Float64Array; d: number } {
  const n = frame.numRows;
  const cols: Float64Array[] = [];
  for (const name of names) {
    const col = frame.column(name);
    let v: Float64Array;
    if (col.kind === 'categorical' || col.kind === 'text') {
      const d = distinctCounts(col);
      const freq = Array.from(d.counts, (c) => c / n);
      const idx = rowDistinctIndex(col, d.values);
      v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = idx[i] < 0 ? NaN : freq[idx[i]];
    } else v = numericValues(col).slice();
    const sorted = Float64Array.from(v.filter((x) => x === x)).sort();
    if (sorted.length === 0) continue;
    const median = sorted[sorted.length >> 1];
    for (let i = 0; i < n; i++) if (v[i] !== v[i]) v[i] = median;
    cols.push(v);
  }
  const d = cols.length;
  const x = new Float64Array(n * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) x[i * d + j] = cols[j][i];
  return { x, d };
}

function stats0(col: Column): number {
  return columnStats(col).cardinality;
}

/**
 * Autopilot's determine_task (spec B.1); when it declines to decide (an integer target that looks ordinal but has
 * more than 100 values), fall back to Data Wrangler's quick-model rule: regression if > 100 distinct values.
 */
export function problemTypeOf(col: Column, cardinality: number = columnStats(col).cardinality): { task: Task; reason: string } {
  const d = detectProblemType(col);
  if (d.ok) return { task: d.task, reason: d.reason };
  if (d.code !== 'AMBIGUOUS_INTEGER' || cardinality < 2) throw new TabpilotError('INVALID_TARGET', d.reason, { column: col.name });
  const task: Task = cardinality > DATA_WRANGLER_REGRESSION_CARDINALITY ? 'regression' : cardinality === 2 ? 'binary' : 'multiclass';
  const rule = cardinality > DATA_WRANGLER_REGRESSION_CARDINALITY ? '> 100 means regression' : '<= 100 means classification';
  return { task, reason: `Autopilot's rules could not decide (${d.reason}); Data Wrangler's rule applied: ${cardinality} distinct values ${rule}. Pass a problem type to override.` };
}

function targetFeatureType(task: Task): FeatureType {
  return task === 'regression' ? 'numeric' : task === 'binary' ? 'binary' : 'categorical';
}

/**
 * The Data Quality and Insights report (spec A.3) as JSON. The HTML (`renderInsightsHtml`) is rendered from
 * this object and nothing else.
 */
export async function insights(input: Frame, options: InsightsOptions = {}): Promise<InsightsReport> {
  const pool = InsightsPool.create(options.workers ?? defaultWorkers());
  try {
    return await buildReport(input, options, pool);
  } finally {
    await pool?.close();
  }
}

async function buildReport(input: Frame, options: InsightsOptions, pool: InsightsPool | null): Promise<InsightsReport> {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = Math.round((t - t0) * 10) / 10;
    t0 = t;
  };
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  const shown = options.sampleRowsShown ?? 10;
  const limit = options.sample ?? DEFAULT_SAMPLE_ROWS;
  if (limit !== 'all' && !(Number.isInteger(limit) && limit > 0)) {
    throw new TabpilotError('INVALID_ARGUMENT', `sample must be a positive integer or "all", got ${String(limit)}`);
  }
  if (input.numRows === 0) throw new TabpilotError('NO_DATA_ROWS', 'the data has no rows');
  const totalRows = input.numRows;
  const sampled = limit !== 'all' && totalRows > limit;
  const sampleIdx = sampled ? sampleRows(totalRows, limit, rng.fork(1)) : null;
  const frame = sampleIdx ? input.take(sampleIdx) : input;
  const originalRow = (r: number) => (sampleIdx ? sampleIdx[r] : r);
  const n = frame.numRows;
  if (options.target !== undefined && !frame.has(options.target)) {
    throw new TabpilotError('UNKNOWN_COLUMN', `target column "${options.target}" not found; columns are: ${frame.columnNames.join(', ')}`, { column: options.target });
  }
  lap('sampling');

  // Target and problem type first: the target's stats are computed for its stated type.
  let task: Task | null = null;
  let taskReason = '';
  if (options.target !== undefined) {
    if (options.problemType) {
      task = options.problemType;
      taskReason = 'stated by the user';
    } else {
      const inferred = problemTypeOf(frame.column(options.target), stats0(frame.column(options.target)));
      task = inferred.task;
      taskReason = inferred.reason;
    }
  }
  const featureNames = frame.columnNames.filter((c) => c !== options.target);
  const stats = new Map<string, ColumnStats>();
  for (const c of frame.columns) stats.set(c.name, columnStats(c, c.name === options.target && task ? targetFeatureType(task) : undefined));
  lap('statistics');

  const dup = findDuplicates(frame);
  lap('duplicates');

  // Target section.
  let targetReport: TargetReport | null = null;
  let encoded: ReturnType<typeof encodeTarget> | null = null;
  if (options.target !== undefined && task) {
    const col = frame.column(options.target);
    const st = stats.get(options.target)!;
    encoded = encodeTarget(col, task);
    const valid = encoded.rows.length;
    let warnings: Warning[];
    let histogram: Histogram = st.histogram;
    let classes: TargetReport['classes'];
    let outlierRows: SampleRow[] | undefined;
    if (task === 'regression') {
      warnings = regressionTargetWarnings(st);
      histogram = numericHistogram(encoded.y, 30);
      if (st.outliers > 0 && st.median !== null && st.robustStd !== null) {
        const lo = st.median - 5 * st.robustStd;
        const hi = st.median + 5 * st.robustStd;
        const rows = Array.from(encoded.rows).filter((_, i) => encoded!.y[i] < lo || encoded!.y[i] > hi);
        outlierRows = rows.slice(0, shown).map((r) => ({ row: originalRow(r), values: rowValues(frame, r) }));
      }
    } else {
      const e = encoded;
      warnings = classificationTargetWarnings(options.target, task, e.classes, e.classCounts);
      classes = e.classes.map((label, k) => ({ label, count: e.classCounts[k], ratio: e.classCounts[k] / valid })).sort((a, b) => b.count - a.count);
      const top = classes.slice(0, 20);
      histogram = { labels: top.map((c) => c.label), counts: top.map((c) => c.count), missing: n - valid, other: valid - top.reduce((s, c) => s + c.count, 0) };
    }
    targetReport = {
      name: options.target,
      task,
      taskReason,
      stats: statsOnly(st),
      missing: st.missing,
      invalid: n - valid - st.missing,
      validRows: valid,
      ...(classes ? { classes } : {}),
      histogram,
      ...(outlierRows ? { outlierRows } : {}),
      invalidRows: invalidTargetRows(encoded.rows, n, shown).map((r) => ({ row: originalRow(r), values: rowValues(frame, r) })),
      warnings,
    };
  }
  lap('target');

  // Prediction power per feature, the quick model and the isolation forest: in the worker pool when there is one,
  // concurrently (submitted longest first).
  let powers: PowerResult[] = [];
  const correlations = new Map<string, number>();
  let quick: InsightsReport['quickModel'] = null;
  const anomalyColumns = featureNames.filter((c) => stats.get(c)!.featureType !== 'text' || frame.column(c).kind === 'categorical');
  const anomalyInput = anomalyMatrix(frame, anomalyColumns);
  const anomalySeed = rng.fork(4).seed;
  let anomalyJob: Promise<Float64Array> | null = null;
  if (encoded && task && options.target !== undefined) {
    const target = encoded;
    const targetName = options.target;
    const enc = featureNames.flatMap((name) => {
      const col = frame.column(name);
      return col.kind === 'datetime' ? datetimeParts(name, col.values) : [encodeFeature(col, stats.get(name)!.featureType)];
    });
    const powerSeed = rng.fork(2).seed;
    const t = performance.now();
    const quickJob =
      options.quickModel === false
        ? Promise.resolve(null)
        : featureNames.length === 0
        ? Promise.resolve({ error: 'there are no feature columns besides the target' })
        : quickModel(frame, targetName, target, featureNames, rng.fork(3), typeof options.quickModel === 'object' ? options.quickModel : {}, pool?.foldRunner, pool?.workers ?? 1).then(
            (q) => {
              timings.quickModel = Math.round((performance.now() - t) * 10) / 10;
              return q as InsightsReport['quickModel'];
            },
            (e: unknown) => ({ error: (e as Error).message }),
          );
    const powerJob = (pool ? pool.predictionPower(enc, target, n, powerSeed) : Promise.resolve(predictionPower(enc, target, n, new Random(powerSeed)))).then((p) => {
      timings.predictionPower = Math.round((performance.now() - t) * 10) / 10;
      return p;
    });
    if (pool && anomalyInput.d > 0 && n > 1) anomalyJob = pool.anomalyScores(anomalyInput.x, n, anomalyInput.d, anomalySeed);
    [powers, quick] = await Promise.all([powerJob, quickJob]);
    powers = bestOfParts(featureNames, powers);
    if (task !== 'multiclass') {
      const y = new Float64Array(n).fill(NaN);
      target.rows.forEach((r, i) => (y[r] = target.y[i]));
      for (const name of featureNames) {
        const col = frame.column(name);
        if (stats.get(name)!.featureType === 'numeric' || col.kind === 'numeric' || col.kind === 'boolean') correlations.set(name, Math.abs(pearsonPairwise(numericValues(col), y)));
      }
    }
  }
  lap('models');

  // Feature warnings (med_sev_feature needs the top-5 ranking).
  const powerOf = new Map(powers.map((p) => [p.name, p]));
  const ranked = powers.filter((p) => Number.isFinite(p.normalized)).sort((a, b) => b.normalized - a.normalized);
  const important = new Set(ranked.slice(0, 5).map((p) => p.name));
  const features: FeatureReport[] = featureNames.map((name) => {
    const st = stats.get(name)!;
    const p = powerOf.get(name);
    const warnings = featureWarnings({
      stats: st,
      distinct: distinctCounts(frame.column(name)),
      power: p?.normalized ?? NaN,
      targetCorrelation: correlations.get(name) ?? NaN,
      important: important.has(name) || powers.length === 0,
    });
    const words = encoded && st.featureType === 'text' ? importantWords(toStrings(frame.column(name)), encoded, n, rng.fork(5)) : undefined;
    return {
      name,
      featureType: st.featureType,
      ...(words ? { importantWords: words } : {}),
      stats: statsOnly(st),
      topValues: st.topValues,
      histogram: st.histogram,
      predictionPower: finite(p?.normalized),
      predictionScore: finite(p?.score),
      predictionBaseline: finite(p?.baseline),
      predictionMetric: task ? POWER_METRIC[task] : null,
      targetCorrelation: finite(correlations.get(name)),
      warnings,
    };
  });
  const leak = leakageWarnings(powers.map((p) => ({ name: p.name, power: p.normalized })));
  for (const w of leak) {
    const f = features.find((x) => x.name === w.column);
    if (f) f.warnings.unshift(w);
  }
  features.sort((a, b) => (b.predictionPower ?? -1) - (a.predictionPower ?? -1));
  lap('featureSummary');

  // Samples: anomalous rows by isolation forest over the features, and duplicate rows.
  let anomalous: (SampleRow & { score: number })[] = [];
  const { x, d } = anomalyInput;
  if (d > 0 && n > 1) {
    const scores = anomalyJob ? await anomalyJob : isolationForestScores(x, n, d, new Random(anomalySeed));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
    anomalous = order.slice(0, shown).map((r) => ({ row: originalRow(r), score: scores[r], values: rowValues(frame, r) }));
  }
  const duplicateRows = dup.groups.slice(0, shown).map((g) => ({ row: originalRow(g.row), count: g.count, values: rowValues(frame, g.row) }));
  lap('samples');

  const dupWarnings = duplicateWarnings(dup.ratio, dup.duplicatedRows, n);
  const qmWarnings =
    quick && 'baseMetric' in quick && quick.score !== null && quick.baselineScore !== null ? quickModelWarnings(quick.baseMetric, quick.score, quick.baselineScore) : [];
  const warnings = sortWarnings([...dupWarnings, ...(targetReport?.warnings ?? []), ...qmWarnings, ...leak, ...features.flatMap((f) => f.warnings.filter((w) => w.id !== 'target_leakage'))]);

  let missingCells = 0;
  let invalidCells = 0;
  let outliers = 0;
  const featureTypes: Record<FeatureType, number> = { numeric: 0, categorical: 0, binary: 0, text: 0, datetime: 0 };
  for (const [name, st] of stats) {
    missingCells += st.missing;
    invalidCells += st.invalid;
    if (name !== options.target) {
      outliers += st.outliers;
      featureTypes[st.featureType]++;
    }
  }
  const warningCounts = { high: 0, medium: 0, low: 0 };
  for (const w of warnings) warningCounts[w.severity]++;
  lap('summary');

  return {
    format: 'tabpilot-insights',
    formatVersion: 1,
    source: options.source ?? null,
    generatedAt: new Date().toISOString(),
    seed,
    sampling: {
      totalRows,
      analysedRows: n,
      sampled,
      method: sampled ? `uniform random sample of ${n} of ${totalRows} rows without replacement (seed ${seed})` : `all ${n} rows`,
    },
    summary: {
      rows: n,
      columns: frame.numColumns,
      missingCells,
      missingRatio: n * frame.numColumns > 0 ? missingCells / (n * frame.numColumns) : 0,
      invalidCells,
      featureTypes,
      outliers,
      duplicateRatio: dup.ratio,
      duplicateRows: dup.duplicatedRows,
      highWarnings: warnings.filter((w) => w.severity === 'high'),
      warningCounts,
    },
    target: targetReport,
    quickModel: quick,
    features,
    samples: {
      anomalous: { method: 'isolation forest, 100 trees of 256 rows; score < 0 is anomalous', rows: anomalous },
      duplicates: { ratio: dup.ratio, duplicatedRows: dup.duplicatedRows, redundantRows: dup.redundantRows, rows: duplicateRows },
    },
    warnings,
    catalog: CATALOG,
    definitions: DEFINITIONS,
    timings,
  };
}

