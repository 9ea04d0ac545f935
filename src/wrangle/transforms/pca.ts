import { type Column, numericColumn, textColumn } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { symmetricEigen } from '../../util/linalg.js';
import { defineTransform, flowError } from '../step.js';
import { lit } from '../codegen.js';
import { insertAfter, meanStd, numbersOf, vectorString } from '../util.js';

interface PcaParams {
  inputs: string[];
  components?: number;
  threshold: number;
  center: boolean;
  scale: boolean;
  style: 'Columns' | 'Vector';
  output: string;
  keepInput: boolean;
}
interface PcaTrained {
  mean: number[];
  std: number[];
  /** k x d loadings, row-major per component. */
  components: number[][];
  explained_variance_ratio: number[];
}

/** Smallest k whose cumulative explained variance reaches `threshold` percent. */
export function componentsForThreshold(ratios: number[], threshold: number): number {
  let cum = 0;
  for (let k = 0; k < ratios.length; k++) {
    cum += ratios[k];
    if (cum * 100 >= threshold - 1e-9) return k + 1;
  }
  return ratios.length;
}

export const pca = defineTransform<PcaParams, PcaTrained>({
  group: 'reduce_dimensionality',
  operator: 'Principal component analysis',
  rowWise: () => true,
  parse(r) {
    const inputs = r.columns('input_column', { min: 2 });
    const components = r.optNum('number_of_principal_components', { min: 1, int: true });
    const threshold = r.num('variance_threshold', 95, { min: 0, max: 100, exclusiveMin: true });
    if (components !== undefined && components > inputs.length) throw r.fail('number_of_principal_components', `is ${components}, more than the ${inputs.length} input columns`);
    return {
      inputs,
      components,
      threshold,
      center: r.bool('center', true),
      scale: r.bool('scale', true),
      style: r.oneOf('output_style', ['Columns', 'Vector'], 'Columns'),
      output: r.str('output_column', 'pca'),
      keepInput: r.bool('keep_input_columns', false),
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  fit(frame, p, ctx) {
    const xs = p.inputs.map((c) => numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column'));
    const d = xs.length;
    const stats = xs.map((x) => meanStd(x));
    const mean = stats.map((s) => (p.center ? s.mean : 0));
    const std = stats.map((s) => (p.scale && s.std > 0 ? s.std : 1));
    // Covariance accumulated over complete rows in one pass of typed arrays (no per-row objects).
    const sums = new Float64Array(d * d);
    const row = new Float64Array(d);
    let m = 0;
    for (let i = 0; i < frame.numRows; i++) {
      let complete = true;
      for (let j = 0; j < d; j++) {
        row[j] = (xs[j][i] - mean[j]) / std[j];
        if (row[j] !== row[j]) complete = false;
      }
      if (!complete) continue;
      m++;
      for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) sums[a * d + b] += row[a] * row[b];
    }
    if (m < 2) throw flowError(ctx.nodeId, 'parameters.input_column', 'PCA needs at least two rows without missing values');
    const cov = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] = cov[b * d + a] = sums[a * d + b] / (m - 1);
    // Largest eigenvalue first; sign convention (from symmetricEigen): the largest loading is positive, so refits
    // give the same orientation.
    const { values, vectors } = symmetricEigen(cov, d);
    const total = values.reduce((a, v) => a + Math.max(0, v), 0);
    const ratios = Array.from(values, (v) => (total > 0 ? Math.max(0, v) / total : 0));
    const k = p.components ?? componentsForThreshold(ratios, p.threshold);
    const components = Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, j) => vectors[j * d + c]));
    return { mean, std, components, explained_variance_ratio: ratios.slice(0, k) };
  },
  parseTrained(r, p) {
    const d = p.inputs.length;
    const mean = r.statList('mean', d) as number[];
    const std = r.statList('std', d) as number[];
    const rows = r.raw('components');
    if (!Array.isArray(rows) || rows.length === 0) throw r.fail('components', `expects a list of components (lists of ${d} numbers), got ${lit(rows)}`);
    const components = rows.map((w, k) => {
      if (!Array.isArray(w) || w.length !== d || w.some((x) => x !== null && typeof x !== 'number')) throw r.fail(`components[${k}]`, `expects ${d} numbers, got ${lit(w)}`);
      return w as number[];
    });
    return { mean, std, components, explained_variance_ratio: r.has('explained_variance_ratio') ? (r.statList('explained_variance_ratio') as number[]) : [] };
  },
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": PCA is not fitted`);
    const xs = p.inputs.map((c) => numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column'));
    const n = frame.numRows;
    const k = t.components.length;
    const outs = Array.from({ length: k }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const w = t.components[c];
        let s = 0;
        for (let j = 0; j < xs.length; j++) s += ((xs[j][i] - t.mean[j]) / t.std[j]) * w[j];
        outs[c][i] = s;
      }
    }
    const made: Column[] = p.style === 'Columns' ? outs.map((o, c) => numericColumn(`${p.output}_${c}`, o)) : [textColumn(p.output, Array.from({ length: n }, (_, i) => vectorString(outs.map((o) => o[i]))))];
    let out = insertAfter(frame, p.inputs[p.inputs.length - 1], made);
    if (!p.keepInput) out = out.drop(p.inputs);
    return out;
  },
  describe: (p) => `PCA of ${p.inputs.join(', ')} to ${p.components ?? `the components explaining ${p.threshold}% of variance`} (${p.output}_0, ...)`,
  emit(p, t) {
    const tr = t!;
    return `{ const xs = ${lit(p.inputs)}.map((c) => getCol(t, c).map((x) => toNumOrNaN(x))); const mean = ${lit(tr.mean)}; const std = ${lit(tr.std)}; const comps = ${lit(tr.components)};
  const outs = comps.map((w) => xs[0].map((_, i) => { let s = 0; for (let j = 0; j < xs.length; j++) s += ((xs[j][i] - mean[j]) / std[j]) * w[j]; return s; }));
  place(t, ${lit(p.inputs[p.inputs.length - 1])}, ${p.style === 'Columns' ? `outs.map((o, c) => [${lit(p.output)} + '_' + c, o] as [string, Cell[]])` : `[[${lit(p.output)}, xs[0].map((_, i) => st_vectorString(outs.map((o) => o[i])))]]`});
  ${p.keepInput ? '' : `dropCols(t, ${lit(p.inputs)});`} }`;
  },
});
