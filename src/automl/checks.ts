import { takeColumn } from '../frame/column.js';
import { columnStats, distinctCounts } from '../insights/stats.js';
import { bestOfParts, encodeFeatures, predictionPower } from '../insights/power.js';
import { sampleRows } from '../insights/split.js';
import { encodeTarget } from '../insights/target.js';
import { type Warning, featureWarnings, leakageWarnings } from '../insights/warnings.js';
import { Random } from '../util/random.js';
import type { Prepared } from './prepare.js';
import type { JobWarning } from './types.js';

/**
 * Checks of the prepared data that Autopilot reports before the search (job log and job.json `warnings`): an
 * ID-like column, a column that predicts the target almost perfectly on its own (target leakage), a class with a
 * single row. The ID and leakage detectors are the Data Quality and Insights report's own (src/insights), run on
 * the same evidence: column statistics and single-feature prediction power.
 */

/** Rows the checks look at (a seeded sample beyond it): prediction power per feature is a small model per column. */
const CHECK_SAMPLE_ROWS = 20_000;
/** Stream of the job seed the sample and the prediction-power split are drawn from. */
const CHECK_SEED_STREAM = 0x636b;

export interface DataCheckOptions {
  readonly seed: number;
  /** A text classification job: its features are free text, where every value being distinct is expected. */
  readonly textJob?: boolean;
}

/** An insights warning as a job warning: its title, what was measured and the suggested fix, on one line. */
function jobWarning(w: Warning): JobWarning {
  const subject = w.column !== undefined ? `${w.title} "${w.column}"` : w.title;
  const message = `${subject}: ${w.message} ${w.fix.text}`;
  return w.column !== undefined ? { code: w.id, column: w.column, message } : { code: w.id, message };
}

/** Classes of the target with a single row: stratified validation cannot both train on and score them. */
function singleRowClasses(prep: Prepared): JobWarning[] {
  if (prep.classes === undefined) return [];
  const counts = new Int32Array(prep.classes.length);
  for (const c of prep.y as Int32Array) counts[c]++;
  const column = prep.target.name;
  return prep.classes.flatMap((label, k) =>
    counts[k] === 1
      ? [{ code: 'single_row_class', column, message: `class "${label}" of target "${column}" has a single row: no model can both learn it and be scored on it; add rows of it, or merge or drop the class` }]
      : [],
  );
}

export function dataWarnings(prep: Prepared, options: DataCheckOptions): JobWarning[] {
  const rng = new Random(options.seed).fork(CHECK_SEED_STREAM);
  const rows = prep.features.numRows > CHECK_SAMPLE_ROWS ? sampleRows(prep.features.numRows, CHECK_SAMPLE_ROWS, rng.fork(1)) : null;
  const frame = rows ? prep.features.take(rows) : prep.features;
  const target = encodeTarget(rows ? takeColumn(prep.target, rows) : prep.target, prep.task);
  const names = frame.columnNames;
  // Only string-like columns can be ID columns, and only their feature type changes how they are encoded.
  const stringLike = names.filter((name) => frame.column(name).kind === 'categorical' || frame.column(name).kind === 'text');
  const stats = new Map(stringLike.map((name) => [name, columnStats(frame.column(name))]));
  const idLike = stringLike.flatMap((name) => {
    const col = frame.column(name);
    if (options.textJob === true && col.kind === 'text') return [];
    const evidence = { stats: stats.get(name)!, distinct: distinctCounts(col), power: NaN, targetCorrelation: NaN, important: false };
    return featureWarnings(evidence).filter((w) => w.id === 'id_column');
  });
  const featureType = (name: string) => stats.get(name)?.featureType ?? 'numeric';
  const powers = bestOfParts(names, predictionPower(encodeFeatures(frame, names, featureType), target, frame.numRows, rng.fork(2)));
  const leaking = leakageWarnings(powers.map((p) => ({ name: p.name, power: p.normalized })));
  return [...leaking.map(jobWarning), ...idLike.map(jobWarning), ...singleRowClasses(prep)];
}
