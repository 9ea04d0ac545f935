import { cellString } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { Random } from '../util/random.js';
import type { DuplicateSummary } from './duplicates.js';
import { isolationForestScores } from './isolation-forest.js';
import { distinctCounts, numericValues } from './stats.js';
import { rowDistinctIndex } from './target.js';
import type { CellText, InsightsReport, SampleRow } from './types.js';

/** The report's sample rows (A.3 Samples): rows as text, the most anomalous rows and the most repeated ones. */

/** One row as text per column (null = missing), keyed by column name. */
export function rowValues(frame: Frame, row: number): Record<string, CellText> {
  const out: Record<string, CellText> = Object.create(null); // keyed by column name
  for (const c of frame.columns) {
    const s = cellString(c, row);
    out[c.name] = s === '' && c.kind !== 'text' && c.kind !== 'categorical' ? null : s;
  }
  return out;
}

/** Dense matrix for the isolation forest: numbers as-is, categories by frequency, missing = column median. */
export function anomalyMatrix(frame: Frame, names: readonly string[]): { x: Float64Array; d: number } {
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

/** How the anomaly scores are computed, as the report states it. */
const ANOMALY_METHOD = 'isolation forest, 100 trees of 256 rows; score < 0 is anomalous';

/**
 * The samples section: the `shown` lowest isolation-forest scores (from the pool's `scores` when it computed
 * them, else here with `seed`) and the `shown` most repeated rows. `originalRow` maps back to input rows.
 */
export async function samplesSection(
  frame: Frame,
  anomalies: { x: Float64Array; d: number; scores: Promise<Float64Array> | null; seed: number },
  dup: DuplicateSummary,
  shown: number,
  originalRow: (r: number) => number,
): Promise<InsightsReport['samples']> {
  const n = frame.numRows;
  let anomalous: (SampleRow & { score: number })[] = [];
  if (anomalies.d > 0 && n > 1) {
    const scores = anomalies.scores ? await anomalies.scores : isolationForestScores(anomalies.x, n, anomalies.d, new Random(anomalies.seed));
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
    anomalous = order.slice(0, shown).map((r) => ({ row: originalRow(r), score: scores[r], values: rowValues(frame, r) }));
  }
  const duplicateRows = dup.groups.slice(0, shown).map((g) => ({ row: originalRow(g.row), count: g.count, values: rowValues(frame, g.row) }));
  return {
    anomalous: { method: ANOMALY_METHOD, rows: anomalous },
    duplicates: { ratio: dup.ratio, duplicatedRows: dup.duplicatedRows, redundantRows: dup.redundantRows, rows: duplicateRows },
  };
}
