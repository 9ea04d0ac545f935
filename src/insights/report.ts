import { toStrings } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { Task } from '../models/types.js';
import { TabpilotError } from '../util/errors.js';
import { pearsonPairwise } from '../util/numeric.js';
import { Random } from '../util/random.js';
import { CATALOG } from './catalog.js';
import { DEFINITIONS } from './definitions.js';
import { type DuplicateSummary, findDuplicates } from './duplicates.js';
import { InsightsPool, defaultWorkers } from './pool.js';
import { type PowerResult, bestOfParts, encodeFeatures, importantWords, predictionPower } from './power.js';
import { quickModel } from './quick-model.js';
import { anomalyMatrix, samplesSection } from './samples.js';
import { sampleRows } from './split.js';
import { type ColumnStats, type FeatureType, columnStats, distinctCounts, numericValues } from './stats.js';
import type { EncodedTarget } from './target.js';
import { problemTypeOf, statsOnly, targetFeatureType, targetSection } from './target-report.js';
import type { FeatureReport, InsightsOptions, InsightsReport } from './types.js';
import { type Warning, duplicateWarnings, featureWarnings, leakageWarnings, quickModelWarnings, sortWarnings } from './warnings.js';

export type { CellText, FeatureReport, InsightsOptions, InsightsReport, SampleRow, TargetReport } from './types.js';
export { problemTypeOf } from './target-report.js';

export const DEFAULT_SAMPLE_ROWS = 50_000;
/** Anomalous and duplicate rows shown unless the caller asks for another number. */
const DEFAULT_ROWS_SHOWN = 10;
/** Features ranked this high by prediction power count as important (medium-severity feature warnings). */
const IMPORTANT_FEATURES = 5;

const POWER_METRIC: Record<Task, string> = { regression: 'R²', binary: 'ROC-AUC', multiclass: 'accuracy' };

const finite = (x: number | null | undefined): number | null => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

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

/** What every step reads: the analysed (maybe sampled) frame, its column statistics and the problem type. */
interface Context {
  readonly frame: Frame;
  readonly n: number;
  readonly options: InsightsOptions;
  readonly rng: Random;
  readonly shown: number;
  /** Row of the input a row of the analysed frame came from. */
  readonly originalRow: (r: number) => number;
  readonly featureNames: string[];
  readonly stats: Map<string, ColumnStats>;
  readonly task: { task: Task; reason: string } | null;
  /** Wall time per section, milliseconds (filled in as the steps run). */
  readonly timings: Record<string, number>;
}

/** Milliseconds since `t0`, to a tenth. */
function since(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

/** Validates the options and draws the row sample. */
function sampleInput(input: Frame, options: InsightsOptions, rng: Random) {
  const limit = options.sample ?? DEFAULT_SAMPLE_ROWS;
  if (limit !== 'all' && !(Number.isInteger(limit) && limit > 0)) {
    throw new TabpilotError('INVALID_ARGUMENT', `sample must be a positive integer or "all", got ${String(limit)}`);
  }
  if (input.numRows === 0) throw new TabpilotError('NO_DATA_ROWS', 'the data has no rows');
  const sampled = limit !== 'all' && input.numRows > limit;
  const sampleIdx = sampled ? sampleRows(input.numRows, limit, rng.fork(1)) : null;
  const frame = sampleIdx ? input.take(sampleIdx) : input;
  if (options.target !== undefined && !frame.has(options.target)) {
    throw new TabpilotError('UNKNOWN_COLUMN', `target column "${options.target}" not found; columns are: ${frame.columnNames.join(', ')}`, { column: options.target });
  }
  return { frame, sampled, originalRow: (r: number) => (sampleIdx ? sampleIdx[r] : r) };
}

/** The stated or inferred problem type, then every column's statistics (the target's for its type). */
function describeColumns(frame: Frame, options: InsightsOptions): { task: Context['task']; stats: Map<string, ColumnStats> } {
  let task: Context['task'] = null;
  if (options.target !== undefined) {
    const col = frame.column(options.target);
    task = options.problemType ? { task: options.problemType, reason: 'stated by the user' } : problemTypeOf(col, columnStats(col).cardinality);
  }
  const stats = new Map<string, ColumnStats>();
  for (const c of frame.columns) stats.set(c.name, columnStats(c, c.name === options.target && task ? targetFeatureType(task.task) : undefined));
  return { task, stats };
}

/** The quick model job (or its absence, or the reason it cannot run). */
function quickModelJob(ctx: Context, target: EncodedTarget, pool: InsightsPool | null): Promise<InsightsReport['quickModel']> {
  const { options } = ctx;
  if (options.quickModel === false) return Promise.resolve(null);
  if (ctx.featureNames.length === 0) return Promise.resolve({ error: 'there are no feature columns besides the target' });
  const t = performance.now();
  const opts = typeof options.quickModel === 'object' ? options.quickModel : {};
  return quickModel(ctx.frame, options.target!, target, ctx.featureNames, ctx.rng.fork(3), opts, pool?.foldRunner, pool?.workers ?? 1).then(
    (q) => {
      ctx.timings.quickModel = since(t);
      return q as InsightsReport['quickModel'];
    },
    (e: unknown) => ({ error: (e as Error).message }),
  );
}

/** |Pearson| of each numeric feature with the target (not for multiclass targets). */
function targetCorrelations(ctx: Context, target: EncodedTarget): Map<string, number> {
  const correlations = new Map<string, number>();
  if (target.task === 'multiclass') return correlations;
  const y = new Float64Array(ctx.n).fill(NaN);
  target.rows.forEach((r, i) => (y[r] = target.y[i]));
  for (const name of ctx.featureNames) {
    const col = ctx.frame.column(name);
    if (ctx.stats.get(name)!.featureType === 'numeric' || col.kind === 'numeric' || col.kind === 'boolean') correlations.set(name, Math.abs(pearsonPairwise(numericValues(col), y)));
  }
  return correlations;
}

/**
 * Prediction power per feature and the quick model, in the worker pool when there is one, concurrently; the
 * isolation forest is submitted to the pool alongside them (its scores are awaited by the samples step).
 */
async function runModels(ctx: Context, target: EncodedTarget | null, anomalies: { x: Float64Array; d: number; seed: number }, pool: InsightsPool | null) {
  const none = { powers: [] as PowerResult[], quick: null as InsightsReport['quickModel'], correlations: new Map<string, number>(), anomalyScores: null };
  if (!target) return none;
  const enc = encodeFeatures(ctx.frame, ctx.featureNames, (name) => ctx.stats.get(name)!.featureType);
  const powerSeed = ctx.rng.fork(2).seed;
  const t = performance.now();
  const quickJob = quickModelJob(ctx, target, pool);
  const powerJob = (pool ? pool.predictionPower(enc, target, ctx.n, powerSeed) : Promise.resolve(predictionPower(enc, target, ctx.n, new Random(powerSeed)))).then((p) => {
    ctx.timings.predictionPower = since(t);
    return p;
  });
  const anomalyScores = pool && anomalies.d > 0 && ctx.n > 1 ? pool.anomalyScores(anomalies.x, ctx.n, anomalies.d, anomalies.seed) : null;
  const [powers, quick] = await Promise.all([powerJob, quickJob]);
  return { powers: bestOfParts(ctx.featureNames, powers), quick, correlations: targetCorrelations(ctx, target), anomalyScores };
}

/** One report per feature with its warnings (the leakage ones first), ranked by prediction power. */
function featureSection(ctx: Context, powers: PowerResult[], correlations: Map<string, number>, target: EncodedTarget | null): { features: FeatureReport[]; leak: Warning[] } {
  const powerOf = new Map(powers.map((p) => [p.name, p]));
  const ranked = powers.filter((p) => Number.isFinite(p.normalized)).sort((a, b) => b.normalized - a.normalized);
  const important = new Set(ranked.slice(0, IMPORTANT_FEATURES).map((p) => p.name));
  const features: FeatureReport[] = ctx.featureNames.map((name) => {
    const st = ctx.stats.get(name)!;
    const p = powerOf.get(name);
    const warnings = featureWarnings({
      stats: st,
      distinct: distinctCounts(ctx.frame.column(name)),
      power: p?.normalized ?? NaN,
      targetCorrelation: correlations.get(name) ?? NaN,
      important: important.has(name) || powers.length === 0,
    });
    const words = target && st.featureType === 'text' ? importantWords(toStrings(ctx.frame.column(name)), target, ctx.n, ctx.rng.fork(5)) : undefined;
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
      predictionMetric: ctx.task ? POWER_METRIC[ctx.task.task] : null,
      targetCorrelation: finite(correlations.get(name)),
      warnings,
    };
  });
  const leak = leakageWarnings(powers.map((p) => ({ name: p.name, power: p.normalized })));
  for (const w of leak) features.find((x) => x.name === w.column)?.warnings.unshift(w);
  features.sort((a, b) => (b.predictionPower ?? -1) - (a.predictionPower ?? -1));
  return { features, leak };
}

/** The summary section's counts over all columns and warnings. */
function summarySection(ctx: Context, dup: DuplicateSummary, warnings: Warning[]): InsightsReport['summary'] {
  const { n, frame } = ctx;
  let missingCells = 0;
  let invalidCells = 0;
  let outliers = 0;
  const featureTypes: Record<FeatureType, number> = { numeric: 0, categorical: 0, binary: 0, text: 0, datetime: 0 };
  for (const [name, st] of ctx.stats) {
    missingCells += st.missing;
    invalidCells += st.invalid;
    if (name !== ctx.options.target) {
      outliers += st.outliers;
      featureTypes[st.featureType]++;
    }
  }
  const warningCounts = { high: 0, medium: 0, low: 0 };
  for (const w of warnings) warningCounts[w.severity]++;
  return {
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
  };
}

async function buildReport(input: Frame, options: InsightsOptions, pool: InsightsPool | null): Promise<InsightsReport> {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    timings[name] = since(t0);
    t0 = performance.now();
  };
  const seed = options.seed ?? 0;
  const rng = new Random(seed);
  const { frame, sampled, originalRow } = sampleInput(input, options, rng);
  const n = frame.numRows;
  lap('sampling');

  const { task, stats } = describeColumns(frame, options);
  const featureNames = frame.columnNames.filter((c) => c !== options.target);
  const ctx: Context = { frame, n, options, rng, shown: options.sampleRowsShown ?? DEFAULT_ROWS_SHOWN, originalRow, featureNames, stats, task, timings };
  lap('statistics');

  const dup = findDuplicates(frame);
  lap('duplicates');

  const target = options.target !== undefined && task ? targetSection(frame, options.target, task, stats.get(options.target)!, ctx.shown, originalRow) : null;
  lap('target');

  const anomalyColumns = featureNames.filter((c) => stats.get(c)!.featureType !== 'text' || frame.column(c).kind === 'categorical');
  const anomalies = { ...anomalyMatrix(frame, anomalyColumns), seed: rng.fork(4).seed };
  const models = await runModels(ctx, target?.encoded ?? null, anomalies, pool);
  lap('models');

  const { features, leak } = featureSection(ctx, models.powers, models.correlations, target?.encoded ?? null);
  lap('featureSummary');

  const samples = await samplesSection(frame, { ...anomalies, scores: models.anomalyScores }, dup, ctx.shown, originalRow);
  lap('samples');

  const quick = models.quick;
  const qmWarnings = quick && 'baseMetric' in quick && quick.score !== null && quick.baselineScore !== null ? quickModelWarnings(quick.baseMetric, quick.score, quick.baselineScore) : [];
  const featureOwn = features.flatMap((f) => f.warnings.filter((w) => w.id !== 'target_leakage'));
  const warnings = sortWarnings([...duplicateWarnings(dup.ratio, dup.duplicatedRows, n), ...(target?.report.warnings ?? []), ...qmWarnings, ...leak, ...featureOwn]);
  const summary = summarySection(ctx, dup, warnings);
  lap('summary');

  return {
    format: 'tabpilot-insights',
    formatVersion: 1,
    source: options.source ?? null,
    generatedAt: new Date().toISOString(),
    seed,
    sampling: {
      totalRows: input.numRows,
      analysedRows: n,
      sampled,
      method: sampled ? `uniform random sample of ${n} of ${input.numRows} rows without replacement (seed ${seed})` : `all ${n} rows`,
    },
    summary,
    target: target?.report ?? null,
    quickModel: quick,
    features,
    samples,
    warnings,
    catalog: CATALOG,
    definitions: DEFINITIONS,
    timings,
  };
}
