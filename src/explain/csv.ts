import type { Explanation } from './types.js';

/**
 * SHAP values as CSV: `row` (1-based data row of the input file), one column per feature (per feature and
 * output, `feature[output]`, when there are several outputs), then `expected_value` and `model_output`
 * (= expected value + sum of contributions) per output.
 */
export function explanationCsv(e: Explanation, rowNumbers: ArrayLike<number>): string {
  const m = e.featureNames.length;
  const k = e.outputs.length;
  const label = (o: number): string => e.outputs[o].replace(/^(log-odds|probability|raw score|centred log-probability) of /, '');
  const header = ['row'];
  for (const f of e.featureNames) for (let o = 0; o < k; o++) header.push(k === 1 ? f : `${f}[${label(o)}]`);
  for (let o = 0; o < k; o++) header.push(k === 1 ? 'expected_value' : `expected_value[${label(o)}]`);
  for (let o = 0; o < k; o++) header.push(k === 1 ? 'model_output' : `model_output[${label(o)}]`);
  const lines = [header.map(csvField).join(',')];
  for (let r = 0; r < e.numRows; r++) {
    const cells: (string | number)[] = [rowNumbers[r]];
    const base = r * m * k;
    const total = Float64Array.from(e.expectedValue);
    for (let j = 0; j < m; j++) {
      for (let o = 0; o < k; o++) {
        const v = e.values[base + j * k + o];
        cells.push(v);
        total[o] += v;
      }
    }
    for (let o = 0; o < k; o++) cells.push(e.expectedValue[o]);
    for (let o = 0; o < k; o++) cells.push(total[o]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Mean |SHAP| per feature (summed over outputs), largest first: the global importance of Clarify's mean_abs. */
export function meanAbsShap(e: Explanation): { name: string; value: number }[] {
  const m = e.featureNames.length;
  const k = e.outputs.length;
  const out = e.featureNames.map((name) => ({ name, value: 0 }));
  for (let r = 0; r < e.numRows; r++) {
    for (let j = 0; j < m; j++) for (let o = 0; o < k; o++) out[j].value += Math.abs(e.values[(r * m + j) * k + o]) / e.numRows;
  }
  return out.sort((a, b) => b.value - a.value);
}
