import { numericColumn } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { lit, num } from '../codegen.js';
import { type ParamReader, defineTransform } from '../step.js';
import { finiteSorted, insertAfter, likeStrings, meanStd, numbersOf, quantileSorted, stringsOf } from '../util.js';

/** y = (x - shift) / scale + offset: every scaler reduces to this, with readable statistics beside it. */
interface Affine {
  shift: number;
  scale: number;
  offset: number;
  [stat: string]: number;
}
interface ScalerTrained {
  columns: Record<string, Affine>;
}

interface ScalerParams {
  inputs: string[];
  output?: string;
  center: boolean;
  scaleOn: boolean;
  lowerQuantile: number;
  upperQuantile: number;
  min: number;
  max: number;
}

type ScalerKind = 'Standard scaler' | 'Robust scaler' | 'Min-max scaler' | 'Max absolute scaler';

function fitAffine(kind: ScalerKind, values: Float64Array, p: ScalerParams): Affine {
  if (kind === 'Standard scaler') {
    const { mean, std } = meanStd(values);
    return { mean, std, shift: p.center ? mean : 0, scale: p.scaleOn && std > 0 ? std : 1, offset: 0 };
  }
  const sorted = finiteSorted(values);
  if (kind === 'Robust scaler') {
    const median = quantileSorted(sorted, 0.5);
    const iqr = quantileSorted(sorted, p.upperQuantile) - quantileSorted(sorted, p.lowerQuantile);
    return { median, iqr, shift: p.center ? median : 0, scale: p.scaleOn && iqr > 0 ? iqr : 1, offset: 0 };
  }
  if (kind === 'Min-max scaler') {
    const lo = sorted.length ? sorted[0] : NaN;
    const hi = sorted.length ? sorted[sorted.length - 1] : NaN;
    const range = hi - lo;
    // A constant column maps to the middle of the target range (Spark's MinMaxScaler rule).
    if (!(range > 0)) return { data_min: lo, data_max: hi, shift: lo, scale: 1, offset: (p.min + p.max) / 2 };
    return { data_min: lo, data_max: hi, shift: lo, scale: range / (p.max - p.min), offset: p.min };
  }
  let maxAbs = 0;
  for (const v of sorted) maxAbs = Math.max(maxAbs, Math.abs(v));
  return { max_abs: maxAbs, shift: 0, scale: maxAbs > 0 ? maxAbs : 1, offset: 0 };
}

function scaler(kind: ScalerKind) {
  return defineTransform<ScalerParams, ScalerTrained>({
    group: 'process_numeric',
    operator: kind,
    rowWise: () => true,
    parse(r: ParamReader) {
      const inputs = r.columns('input_column');
      const output = r.optStr('output_column');
      if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
      const p: ScalerParams = { inputs, output, center: true, scaleOn: true, lowerQuantile: 0.25, upperQuantile: 0.75, min: 0, max: 1 };
      if (kind === 'Standard scaler' || kind === 'Robust scaler') {
        p.center = r.bool('center', true);
        p.scaleOn = r.bool('scale', true);
      }
      if (kind === 'Robust scaler') {
        p.lowerQuantile = r.num('lower_quantile', 0.25, { min: 0, max: 1 });
        p.upperQuantile = r.num('upper_quantile', 0.75, { min: 0, max: 1 });
        if (p.lowerQuantile >= p.upperQuantile) throw r.fail('lower_quantile', 'must be below upper_quantile');
      }
      if (kind === 'Min-max scaler') {
        p.min = r.num('min', 0);
        p.max = r.num('max', 1);
        if (p.min >= p.max) throw r.fail('min', 'must be below max');
      }
      return p;
    },
    inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
    fit(frame, p, ctx) {
      const columns: Record<string, Affine> = {};
      for (const c of p.inputs) columns[c] = fitAffine(kind, numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column'), p);
      return { columns };
    },
    parseTrained(r, p) {
      const cols = r.child('columns', true);
      const columns: Record<string, Affine> = Object.create(null);
      for (const c of p.inputs) {
        const a = cols.child(c, true);
        // Only the affine map is read back; the readable statistics beside it are documentation.
        columns[c] = { shift: a.stat('shift'), scale: a.stat('scale'), offset: a.stat('offset') } as Affine;
      }
      return { columns };
    },
    apply([frame], p, t, ctx) {
      if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": ${kind} is not fitted`);
      let out = frame;
      for (const c of p.inputs) {
        const x = numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column');
        const { shift, scale, offset } = t.columns[c];
        const y = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) y[i] = (x[i] - shift) / scale + offset;
        out = insertAfter(out, c, [numericColumn(p.output ?? c, y)]);
      }
      return out;
    },
    describe: (p) =>
      `${kind.toLowerCase()} on ${p.inputs.join(', ')}${kind === 'Min-max scaler' ? ` to [${p.min}, ${p.max}]` : ''}${p.output ? ` into ${p.output}` : ''}`,
    emit: (p, t) =>
      p.inputs
        .map((c) => {
          const { shift, scale, offset } = t!.columns[c];
          const at = `trained_parameters.columns[${lit(c)}]`;
          return `place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => (toNum(x) - ${num(shift, `${at}.shift`)}) / ${num(scale, `${at}.scale`)} + ${num(offset, `${at}.offset`)})]]);`;
        })
        .join('\n'),
  });
}

export const standardScaler = scaler('Standard scaler');
export const robustScaler = scaler('Robust scaler');
export const minMaxScaler = scaler('Min-max scaler');
export const maxAbsScaler = scaler('Max absolute scaler');

// ---- Handle outliers ----

type Fix = 'Clip' | 'Remove' | 'Invalidate';
type OutlierKind = 'Standard deviation numeric outliers' | 'Robust standard deviation numeric outliers' | 'Quantile numeric outliers' | 'Min-max numeric outliers';
interface OutlierParams {
  inputs: string[];
  output?: string;
  fix: Fix;
  k: number;
  lowerQuantile: number;
  upperQuantile: number;
  lowerThreshold: number;
  upperThreshold: number;
}
interface OutlierTrained {
  bounds: Record<string, { lower: number; upper: number }>;
}

function fitBounds(kind: OutlierKind, x: Float64Array, p: OutlierParams): { lower: number; upper: number } {
  if (kind === 'Min-max numeric outliers') return { lower: p.lowerThreshold, upper: p.upperThreshold };
  if (kind === 'Standard deviation numeric outliers') {
    const { mean, std } = meanStd(x);
    return { lower: mean - p.k * std, upper: mean + p.k * std };
  }
  const sorted = finiteSorted(x);
  const lo = quantileSorted(sorted, p.lowerQuantile);
  const hi = quantileSorted(sorted, p.upperQuantile);
  if (kind === 'Quantile numeric outliers') return { lower: lo, upper: hi };
  // Robust: mean and std of the values inside the quantile range, as the insights report's outlier rule.
  const inner = sorted.filter((v) => v >= lo && v <= hi);
  const { mean, std } = meanStd(inner);
  return { lower: mean - p.k * std, upper: mean + p.k * std };
}

function outliers(kind: OutlierKind) {
  return defineTransform<OutlierParams, OutlierTrained>({
    group: 'handle_outliers',
    operator: kind,
    rowWise: (p) => p.fix !== 'Remove',
    parse(r) {
      const inputs = r.columns('input_column');
      const output = r.optStr('output_column');
      if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
      const p: OutlierParams = { inputs, output, fix: r.oneOf('fix_method', ['Clip', 'Remove', 'Invalidate'], 'Clip'), k: 0, lowerQuantile: 0, upperQuantile: 1, lowerThreshold: -Infinity, upperThreshold: Infinity };
      if (kind === 'Standard deviation numeric outliers') p.k = r.num('standard_deviations', 4, { min: 0, exclusiveMin: true });
      if (kind === 'Robust standard deviation numeric outliers') {
        p.k = r.num('standard_deviations', 5, { min: 0, exclusiveMin: true });
        p.lowerQuantile = r.num('lower_quantile', 0.05, { min: 0, max: 1 });
        p.upperQuantile = r.num('upper_quantile', 0.95, { min: 0, max: 1 });
      }
      if (kind === 'Quantile numeric outliers') {
        p.lowerQuantile = r.num('lower_quantile', 0.01, { min: 0, max: 1 });
        p.upperQuantile = r.num('upper_quantile', 0.99, { min: 0, max: 1 });
      }
      if (kind === 'Min-max numeric outliers') {
        p.lowerThreshold = r.num('lower_threshold');
        p.upperThreshold = r.num('upper_threshold');
        if (p.lowerThreshold > p.upperThreshold) throw r.fail('lower_threshold', 'must not exceed upper_threshold');
      }
      if (p.lowerQuantile >= p.upperQuantile) throw r.fail('lower_quantile', 'must be below upper_quantile');
      return p;
    },
    inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
    fit(frame, p, ctx) {
      const bounds: OutlierTrained['bounds'] = {};
      for (const c of p.inputs) bounds[c] = fitBounds(kind, numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column'), p);
      return { bounds };
    },
    parseTrained(r, p) {
      const b = r.child('bounds', true);
      const bounds: OutlierTrained['bounds'] = Object.create(null);
      for (const c of p.inputs) {
        const x = b.child(c, true);
        bounds[c] = { lower: x.stat('lower') as number, upper: x.stat('upper') as number };
      }
      return { bounds };
    },
    apply([frame], p, t, ctx) {
      if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": ${kind} is not fitted`);
      let out = frame;
      const keep = new Uint8Array(frame.numRows).fill(1);
      let flagged = 0;
      for (const c of p.inputs) {
        const x = numbersOf(frame.column(c), ctx.nodeId, 'parameters.input_column');
        const { lower, upper } = t.bounds[c];
        const y = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const v = x[i];
          if (v < lower || v > upper) {
            flagged++;
            if (p.fix === 'Clip') y[i] = v < lower ? lower : upper;
            else if (p.fix === 'Invalidate') y[i] = NaN;
            else {
              keep[i] = 0;
              y[i] = v;
            }
          } else y[i] = v;
        }
        out = insertAfter(out, c, [numericColumn(p.output ?? c, y)]);
      }
      ctx.report.outliers = (ctx.report.outliers ?? 0) + flagged;
      return p.fix === 'Remove' ? out.filter(keep) : out;
    },
    describe: (p) => `${kind.toLowerCase()} on ${p.inputs.join(', ')}: ${p.fix.toLowerCase()} values outside the fitted bounds`,
    emit: (p, t) =>
      p.inputs
        .map((c) => {
          const at = `trained_parameters.bounds[${lit(c)}]`;
          const lower = num(t!.bounds[c].lower, `${at}.lower`);
          const upper = num(t!.bounds[c].upper, `${at}.upper`);
          const fix = p.fix === 'Clip' ? `(v < ${lower} ? ${lower} : ${upper})` : 'null';
          return `place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => { const v = toNum(x); return v < ${lower} || v > ${upper} ? ${fix} : v; })]]);`;
        })
        .join('\n'),
  });
}

export const stdOutliers = outliers('Standard deviation numeric outliers');
export const robustStdOutliers = outliers('Robust standard deviation numeric outliers');
export const quantileOutliers = outliers('Quantile numeric outliers');
export const minMaxOutliers = outliers('Min-max numeric outliers');

interface RareParams {
  inputs: string[];
  output?: string;
  replacement: string;
  absolute: number;
  fraction: number;
  maxCommon: number;
}
interface RareTrained {
  common: Record<string, string[]>;
}

export const replaceRare = defineTransform<RareParams, RareTrained>({
  group: 'handle_outliers',
  operator: 'Replace rare values',
  rowWise: () => true,
  parse(r) {
    const inputs = r.columns('input_column');
    const output = r.optStr('output_column');
    if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
    return {
      inputs,
      output,
      replacement: r.str('replacement_string', 'Other'),
      absolute: r.num('absolute_threshold', 0, { min: 0 }),
      fraction: r.num('fraction_threshold', 0.01, { min: 0, max: 1 }),
      maxCommon: r.num('max_common_categories', 0, { min: 0, int: true }),
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  fit(frame, p) {
    const common: Record<string, string[]> = {};
    for (const c of p.inputs) {
      const values = stringsOf(frame.column(c));
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      let kept = [...counts.entries()].filter(([, n]) => n > p.absolute && n > p.fraction * values.length);
      kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      if (p.maxCommon > 0) kept = kept.slice(0, p.maxCommon);
      common[c] = kept.map(([k]) => k);
    }
    return { common };
  },
  parseTrained(r, p) {
    const m = r.child('common', true);
    const common: Record<string, string[]> = Object.create(null);
    for (const c of p.inputs) common[c] = m.strList(c);
    return { common };
  },
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": replace rare is not fitted`);
    let out = frame;
    for (const c of p.inputs) {
      const col = frame.column(c);
      const common = new Set(t.common[c]);
      const values = stringsOf(col).map((v) => (v === null || common.has(v) ? v : p.replacement));
      out = insertAfter(out, c, [likeStrings(col, p.output ?? c, values)]);
    }
    return out;
  },
  describe: (p) => `replace rare categories of ${p.inputs.join(', ')} with "${p.replacement}"`,
  emit: (p, t) =>
    p.inputs
      .map(
        (c) =>
          `{ const common = new Set(${lit(t!.common[c])}); place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => (isMiss(x) || common.has(String(x)) ? toStr(x) : ${lit(p.replacement)}))]]); }`,
      )
      .join('\n'),
});

export const numericTransforms = [standardScaler, robustScaler, minMaxScaler, maxAbsScaler];
export const outlierTransforms = [stdOutliers, robustStdOutliers, quantileOutliers, minMaxOutliers, replaceRare];
