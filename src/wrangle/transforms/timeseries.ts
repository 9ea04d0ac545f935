import { type Column, type Frame, booleanColumn, datetimeColumn, numericColumn, textColumn, toFloat64 } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { groupRows } from '../rowkeys.js';
import { type ParamReader, defineTransform, flowError } from '../step.js';
import { lit } from '../codegen.js';
import { finiteSorted, insertAfter, meanStd, numbersOf, quantileSorted, rebuild, stringsOf } from '../util.js';
import { CANDIDATE_FORMATS, datesOf } from './datetime.js';
import { mostFrequent } from './missing.js';

const GROUP = 'time_series';

interface SeriesKey {
  id?: string;
  timestamp?: string;
}

function readSeries(r: ParamReader, timestampRequired = false): SeriesKey {
  return { id: r.optColumn('id_column'), timestamp: timestampRequired ? r.column('timestamp_column') : r.optColumn('timestamp_column') };
}

const seriesColumns = (s: SeriesKey) => [
  ...(s.id ? [{ field: 'id_column', columns: [s.id] }] : []),
  ...(s.timestamp ? [{ field: 'timestamp_column', columns: [s.timestamp] }] : []),
];

/** Row indices of each series (by id), ordered by timestamp (stable), or in row order without a timestamp. */
export function seriesRows(f: Frame, s: SeriesKey): number[][] {
  const n = f.numRows;
  let groups: number[][];
  if (s.id) {
    const g = groupRows([f.column(s.id)], n);
    groups = Array.from({ length: g.count }, () => []);
    for (let i = 0; i < n; i++) groups[g.groupOf[i]].push(i);
  } else groups = [Array.from({ length: n }, (_, i) => i)];
  if (s.timestamp) {
    const t = timestamps(f, s.timestamp);
    for (const rows of groups) rows.sort((a, b) => (t[a] !== t[a] ? 1 : t[b] !== t[b] ? -1 : t[a] - t[b]) || a - b);
  }
  return groups;
}

function timestamps(f: Frame, name: string): Float64Array {
  return datesOf(f.column(name), null, 's').values;
}

export const tsGroupBy = defineTransform<{ id: string; timestamp?: string; columns: string[] }>({
  group: GROUP,
  operator: 'Group by',
  rowWise: () => false,
  parse: (r) => ({ id: r.column('id_column'), timestamp: r.optColumn('timestamp_column'), columns: r.columns('columns') }),
  inputColumns: (p) => [...seriesColumns(p), { field: 'columns', columns: p.columns }],
  apply([f], p) {
    const groups = seriesRows(f, p);
    const first = Int32Array.from(groups.map((g) => g[0]));
    const cols: Column[] = [f.take(first).column(p.id)];
    if (p.timestamp) {
      const t = timestamps(f, p.timestamp);
      cols.push(datetimeColumn(`${p.timestamp}_start`, Float64Array.from(groups, (g) => t[g[0]])), datetimeColumn(`${p.timestamp}_end`, Float64Array.from(groups, (g) => t[g[g.length - 1]])));
    }
    for (const c of p.columns) {
      const col = f.column(c);
      const numeric = col.kind === 'numeric';
      const x = numeric ? toFloat64(col) : null;
      const s = numeric ? null : stringsOf(col);
      cols.push(textColumn(c, groups.map((g) => JSON.stringify(g.map((i) => (numeric ? (x![i] === x![i] ? x![i] : null) : s![i]))))));
    }
    return rebuild(cols);
  },
  describe: (p) => `one row per ${p.id}, with ${p.columns.join(', ')} as arrays${p.timestamp ? ` ordered by ${p.timestamp}` : ''}`,
});

const UNIT_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };
const NUMERIC_DOWN = ['mean', 'median', 'sum', 'min', 'max', 'first', 'last'] as const;
const NUMERIC_UP = ['linear', 'ffill', 'bfill', 'nearest'] as const;

interface ResampleParams {
  timestamp: string;
  id?: string;
  step: number;
  numericDown: (typeof NUMERIC_DOWN)[number];
  otherDown: 'most common' | 'first' | 'last';
  numericUp: (typeof NUMERIC_UP)[number];
  otherUp: 'ffill' | 'bfill';
}

export const resample = defineTransform<ResampleParams>({
  group: GROUP,
  operator: 'Resample',
  rowWise: () => false,
  parse(r) {
    const freq = r.child('frequency', true);
    const quantity = freq.num('quantity', 1, { min: 1, int: true });
    const unit = freq.oneOf('unit', ['second', 'minute', 'hour', 'day', 'week'] as const);
    freq.done();
    const down = r.child('downsample');
    const up = r.child('upsample');
    const p: ResampleParams = {
      timestamp: r.column('timestamp_column'),
      id: r.optColumn('id_column'),
      step: quantity * UNIT_MS[unit],
      numericDown: down.oneOf('numeric', NUMERIC_DOWN, 'mean'),
      otherDown: down.oneOf('non_numeric', ['most common', 'first', 'last'] as const, 'most common'),
      numericUp: up.oneOf('numeric', NUMERIC_UP, 'linear'),
      otherUp: up.oneOf('non_numeric', ['ffill', 'bfill'] as const, 'ffill'),
    };
    down.done();
    up.done();
    return p;
  },
  inputColumns: (p) => seriesColumns(p),
  apply([f], p, _t, ctx) {
    const t = timestamps(f, p.timestamp);
    const groups = seriesRows(f, p);
    const valueCols = f.columns.filter((c) => c.name !== p.timestamp && c.name !== p.id);
    const outIdRows: number[] = [];
    const outTimes: number[] = [];
    const outValues: (number | string | null)[][] = valueCols.map(() => []);
    let buckets = 0;
    for (const rows of groups) {
      const valid = rows.filter((i) => t[i] === t[i]);
      if (valid.length === 0) continue;
      const b0 = Math.floor(t[valid[0]] / p.step);
      const b1 = Math.floor(t[valid[valid.length - 1]] / p.step);
      if ((buckets += b1 - b0 + 1) > 10_000_000) throw flowError(ctx.nodeId, 'parameters.frequency', 'the resampled series would exceed 10,000,000 rows; choose a coarser frequency');
      const members: number[][] = Array.from({ length: b1 - b0 + 1 }, () => []);
      for (const i of valid) members[Math.floor(t[i] / p.step) - b0].push(i);
      for (let b = 0; b < members.length; b++) (outIdRows.push(valid[0]), outTimes.push((b0 + b) * p.step));
      valueCols.forEach((col, k) => {
        const numeric = col.kind === 'numeric';
        const x = numeric ? col.values : null;
        const s = numeric ? null : stringsOf(col);
        const agg: (number | string | null)[] = members.map((m) => {
          if (m.length === 0) return null;
          if (numeric) {
            const v = Float64Array.from(m.map((i) => x![i]).filter((z) => z === z));
            if (v.length === 0) return null;
            switch (p.numericDown) {
              case 'mean':
                return meanStd(v).mean;
              case 'median':
                return quantileSorted(finiteSorted(v), 0.5);
              case 'sum':
                return v.reduce((a, z) => a + z, 0);
              case 'min':
                return Math.min(...v);
              case 'max':
                return Math.max(...v);
              case 'first':
                return v[0];
              case 'last':
                return v[v.length - 1];
            }
          }
          const vals = m.map((i) => s![i]);
          return p.otherDown === 'most common' ? mostFrequent(vals) : p.otherDown === 'first' ? (vals.find((z) => z !== null) ?? null) : ([...vals].reverse().find((z) => z !== null) ?? null);
        });
        const filled = numeric ? fillSeries(agg as (number | null)[], p.numericUp) : fillSeries(agg, p.otherUp);
        outValues[k].push(...filled);
      });
    }
    const idx = Int32Array.from(outIdRows);
    const cols: Column[] = [];
    if (p.id) cols.push(f.take(idx).column(p.id));
    cols.push(datetimeColumn(p.timestamp, Float64Array.from(outTimes)));
    valueCols.forEach((col, k) =>
      cols.push(col.kind === 'numeric' ? numericColumn(col.name, Float64Array.from(outValues[k], (v) => (v === null ? NaN : (v as number)))) : textColumn(col.name, outValues[k] as (string | null)[])),
    );
    return rebuild(cols);
  },
  describe: (p) => `resample ${p.timestamp} every ${p.step / 1000}s${p.id ? ` per ${p.id}` : ''} (down: ${p.numericDown}/${p.otherDown}, up: ${p.numericUp}/${p.otherUp})`,
});

/** Fills nulls along a series: linear interpolation (inner gaps only), forward/backward fill or nearest. */
export function fillSeries<T extends number | string | null>(v: T[], how: 'linear' | 'ffill' | 'bfill' | 'nearest'): T[] {
  const out = v.slice();
  const n = out.length;
  if (how === 'ffill') for (let i = 1; i < n; i++) if (out[i] === null) out[i] = out[i - 1];
  if (how === 'bfill') for (let i = n - 2; i >= 0; i--) if (out[i] === null) out[i] = out[i + 1];
  if (how === 'linear' || how === 'nearest') {
    let prev = -1;
    for (let i = 0; i < n; i++) {
      if (out[i] === null) continue;
      if (prev >= 0 && i - prev > 1) {
        for (let j = prev + 1; j < i; j++) {
          const w = (j - prev) / (i - prev);
          out[j] = (how === 'linear' ? (out[prev] as number) * (1 - w) + (out[i] as number) * w : w <= 0.5 ? out[prev] : out[i]) as T;
        }
      }
      prev = i;
    }
  }
  return out;
}

type TsStrategy = 'Constant value' | 'Most common value' | 'Forward fill' | 'Backward fill' | 'Interpolate';
interface TsMissingParams extends SeriesKey {
  inputs: string[];
  strategy: TsStrategy;
  value?: string;
  leftover: 'None' | 'Forward fill' | 'Backward fill';
}

export const tsHandleMissing = defineTransform<TsMissingParams>({
  group: GROUP,
  operator: 'Handle missing',
  rowWise: () => false,
  parse(r) {
    const strategy = r.oneOf('strategy', ['Constant value', 'Most common value', 'Forward fill', 'Backward fill', 'Interpolate']);
    return {
      ...readSeries(r),
      inputs: r.columns('input_column'),
      strategy,
      value: strategy === 'Constant value' ? String(r.raw('custom_value') ?? (() => { throw r.fail('custom_value', 'is required with "Constant value"'); })()) : (r.raw('custom_value'), undefined),
      leftover: r.oneOf('leftover_nans', ['None', 'Forward fill', 'Backward fill'], 'None'),
    };
  },
  inputColumns: (p) => [...seriesColumns(p), { field: 'input_column', columns: p.inputs }],
  apply([f], p, _t, ctx) {
    const groups = seriesRows(f, p);
    let out = f;
    for (const c of p.inputs) {
      const col = f.column(c);
      const numeric = col.kind === 'numeric';
      const x: (number | string | null)[] = numeric ? Array.from(col.values, (v) => (v === v ? v : null)) : [...stringsOf(col)];
      if (p.strategy === 'Constant value' && numeric && !Number.isFinite(Number(p.value))) throw flowError(ctx.nodeId, 'parameters.custom_value', `"${p.value}" is not a number, column "${c}" is numeric`, c);
      for (const rows of groups) {
        let v = rows.map((i) => x[i]);
        if (p.strategy === 'Constant value') v = v.map((z) => (z === null ? (numeric ? Number(p.value) : p.value!) : z));
        else if (p.strategy === 'Most common value') {
          const mc = mostFrequent(v.map((z) => (z === null ? null : String(z))));
          v = v.map((z) => (z === null && mc !== null ? (numeric ? Number(mc) : mc) : z));
        } else if (p.strategy === 'Interpolate') {
          if (!numeric) throw flowError(ctx.nodeId, 'parameters.strategy', `"Interpolate" needs a numeric column, "${c}" is ${col.kind}`, c);
          v = fillSeries(v, 'linear');
        } else v = fillSeries(v, p.strategy === 'Forward fill' ? 'ffill' : 'bfill');
        if (p.leftover !== 'None') v = fillSeries(v, p.leftover === 'Forward fill' ? 'ffill' : 'bfill');
        rows.forEach((i, k) => (x[i] = v[k]));
      }
      const made = numeric ? numericColumn(c, Float64Array.from(x, (z) => (z === null ? NaN : (z as number)))) : textColumn(c, x as (string | null)[]);
      out = insertAfter(out, c, [made]);
    }
    return out;
  },
  describe: (p) => `fill missing ${p.inputs.join(', ')} along each series${p.id ? ` of ${p.id}` : ''} by ${p.strategy.toLowerCase()}`,
});

export const validateTimestamps = defineTransform<{ timestamp: string; policy: 'drop' | 'indicate' | 'error'; output: string }>({
  group: GROUP,
  operator: 'Validate timestamps',
  rowWise: (p) => p.policy !== 'drop',
  parse: (r) => {
    const timestamp = r.column('timestamp_column');
    return { timestamp, policy: r.oneOf('policy', ['drop', 'indicate', 'error'], 'error'), output: r.str('output_column', `${timestamp}_is_valid`) };
  },
  inputColumns: (p) => [{ field: 'timestamp_column', columns: [p.timestamp] }],
  apply([f], p, _t, ctx) {
    const col = f.column(p.timestamp);
    if (col.kind === 'boolean') throw flowError(ctx.nodeId, 'parameters.timestamp_column', `"${p.timestamp}" is boolean, not a timestamp`, p.timestamp);
    const t = datesOf(col, null, 's').values;
    const valid = Uint8Array.from(t, (v) => (v === v ? 1 : 0));
    const bad = valid.length - valid.reduce((a, b) => a + b, 0);
    if (p.policy === 'error' && bad > 0) {
      const row = valid.indexOf(0);
      throw new TabpilotError('FLOW_INVALID', `node "${ctx.nodeId}": ${bad} invalid or missing timestamp(s) in "${p.timestamp}", first at row ${row + 1}: ${lit(stringsOf(col)[row])}`, { column: p.timestamp, line: row + 1 });
    }
    ctx.report[`invalid_timestamps_${p.timestamp}`] = bad;
    if (p.policy === 'drop') return f.filter(valid);
    return p.policy === 'indicate' ? insertAfter(f, p.timestamp, [booleanColumn(p.output, valid)]) : f.withColumn(datetimeColumn(p.timestamp, t));
  },
  describe: (p) => `validate timestamps in ${p.timestamp}: ${p.policy === 'drop' ? 'drop invalid rows' : p.policy === 'indicate' ? `flag them in ${p.output}` : 'fail on an invalid one'}`,
  emit(p) {
    // Same robust parse as datesOf(col, null, 's'): Dates as-is, numbers as Unix seconds, text by the candidate formats.
    const parse = `const specs = ${lit(CANDIDATE_FORMATS)}.map((f) => rt_formatSpec(f));
  const ms = getCol(t, ${lit(p.timestamp)}).map((x) => { if (x === null) return null; if (x instanceof Date) return rt_parseDate(x); if (typeof x === 'number') return x * 1000; if (typeof x === 'boolean') return null; for (const s of specs) { const v = rt_parseWithSpec(x, s); if (v !== null) return v; } return rt_parseDate(x); });`;
    if (p.policy === 'indicate') return `{ ${parse}\n  place(t, ${lit(p.timestamp)}, [[${lit(p.output)}, ms.map((v) => v !== null)]]); }`;
    return `{ ${parse}\n  const bad = ms.indexOf(null); if (bad >= 0) throw new Error(${lit(`invalid or missing timestamp in "${p.timestamp}" at row `)} + (bad + 1));\n  setCol(t, ${lit(p.timestamp)}, ms.map((v) => new Date(v as number))); }`;
  },
});

interface LagParams extends SeriesKey {
  input: string;
  lag: number;
  all: boolean;
  dropEmpty: boolean;
}

export const lagFeatures = defineTransform<LagParams>({
  group: GROUP,
  operator: 'Lag features',
  rowWise: () => false,
  parse: (r) => ({
    ...readSeries(r),
    input: r.column('input_column'),
    lag: r.num('lag', 1, { min: 1, int: true }),
    all: r.bool('include_entire_lag_window', false),
    dropEmpty: r.bool('drop_rows_without_history', false),
  }),
  inputColumns: (p) => [...seriesColumns(p), { field: 'input_column', columns: [p.input] }],
  apply([f], p, _t, ctx) {
    const x = numbersOf(f.column(p.input), ctx.nodeId, 'parameters.input_column');
    const lags = p.all ? Array.from({ length: p.lag }, (_, k) => k + 1) : [p.lag];
    const outs = lags.map(() => new Float64Array(f.numRows).fill(NaN));
    const keep = new Uint8Array(f.numRows).fill(1);
    for (const rows of seriesRows(f, p)) {
      rows.forEach((i, pos) => {
        lags.forEach((L, k) => {
          if (pos >= L) outs[k][i] = x[rows[pos - L]];
        });
        if (pos < p.lag) keep[i] = 0;
      });
    }
    const out = insertAfter(f, p.input, lags.map((L, k) => numericColumn(`${p.input}_lag_${L}`, outs[k])));
    return p.dropEmpty ? out.filter(keep) : out;
  },
  describe: (p) => `lag ${p.input} by ${p.all ? `1..${p.lag}` : p.lag} step(s) along each series`,
});

const ROLLING = ['mean', 'sum', 'min', 'max', 'std', 'median', 'count'] as const;
interface RollingParams extends SeriesKey {
  input: string;
  window: number;
  features: (typeof ROLLING)[number][];
}

export const rollingWindow = defineTransform<RollingParams>({
  group: GROUP,
  operator: 'Rolling window features',
  rowWise: () => false,
  parse(r) {
    const features = r.strList('features', ['mean', 'std', 'min', 'max']);
    for (const x of features) if (!(ROLLING as readonly string[]).includes(x)) throw r.fail('features', `unknown feature "${x}"; features are ${ROLLING.join(', ')}`);
    return { ...readSeries(r), input: r.column('input_column'), window: r.num('window_size', undefined, { min: 1, int: true }), features: features as RollingParams['features'] };
  },
  inputColumns: (p) => [...seriesColumns(p), { field: 'input_column', columns: [p.input] }],
  apply([f], p, _t, ctx) {
    const x = numbersOf(f.column(p.input), ctx.nodeId, 'parameters.input_column');
    const outs = p.features.map(() => new Float64Array(f.numRows).fill(NaN));
    for (const rows of seriesRows(f, p)) {
      rows.forEach((i, pos) => {
        // Features at t use t-w .. t-1 only, so no value leaks from the row itself.
        const w = Float64Array.from(rows.slice(Math.max(0, pos - p.window), pos).map((r) => x[r]).filter((v) => v === v));
        p.features.forEach((feat, k) => {
          if (feat === 'count') return void (outs[k][i] = w.length);
          if (w.length === 0) return;
          outs[k][i] =
            feat === 'mean' ? meanStd(w).mean : feat === 'sum' ? w.reduce((a, b) => a + b, 0) : feat === 'min' ? Math.min(...w) : feat === 'max' ? Math.max(...w) : feat === 'median' ? quantileSorted(finiteSorted(w), 0.5) : w.length > 1 ? meanStd(w).std : NaN;
        });
      });
    }
    return insertAfter(f, p.input, p.features.map((feat, k) => numericColumn(`${p.input}_rolling_${p.window}_${feat}`, outs[k])));
  },
  describe: (p) => `rolling ${p.features.join('/')} of ${p.input} over the previous ${p.window} step(s)`,
});

export const timeSeriesTransforms = [tsGroupBy, resample, tsHandleMissing, validateTimestamps, lagFeatures, rollingWindow];
