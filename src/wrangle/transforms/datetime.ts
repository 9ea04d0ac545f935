import { type Column, numericColumn, textColumn } from '../../frame/index.js';
import { rt_dateComponent, rt_formatSpec, rt_parseDate, rt_parseWithSpec } from '../formula/runtime.js';
import { type ParamReader, defineTransform, flowError } from '../step.js';
import { lit, num } from '../codegen.js';
import { insertAfter, stringsOf, vectorString } from '../util.js';

/** Formats tried, in order, when a datetime format is inferred from the data. */
export const CANDIDATE_FORMATS = [
  '%Y-%m-%dT%H:%M:%S.%fZ', '%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S',
  '%Y-%m-%d %H:%M', '%Y-%m-%d', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y', '%d/%m/%Y',
  '%d-%m-%Y', '%d.%m.%Y', '%Y%m%d', '%d %b %Y', '%b %d %Y', '%d %B %Y', '%B %d %Y', '%b %d, %Y', '%B %d, %Y',
];

/** Java/Spark pattern (yyyy-MM-dd HH:mm:ss) to strftime; strftime patterns pass through. */
export function toStrftime(fmt: string): string {
  if (fmt.includes('%')) return fmt;
  return fmt.replace(/yyyy|yy|MMMM|MMM|MM|M|dd|d|HH|H|hh|mm|ss|SSS|a/g, (t) =>
    ({ yyyy: '%Y', yy: '%y', MMMM: '%B', MMM: '%b', MM: '%m', M: '%m', dd: '%d', d: '%d', HH: '%H', H: '%H', hh: '%I', mm: '%M', ss: '%S', SSS: '%f', a: '%p' })[t] ?? t,
  );
}

export function checkFormat(fmt: string, r: ParamReader, key: string): string {
  const f = toStrftime(fmt);
  try {
    rt_formatSpec(f);
  } catch (e) {
    throw r.fail(key, (e as Error).message);
  }
  return f;
}

export function inferFormat(values: readonly (string | null)[]): string | null {
  const first = values.find((v) => v !== null && v.trim() !== '');
  if (first === undefined || first === null) return null;
  for (const f of CANDIDATE_FORMATS) if (rt_parseWithSpec(first, rt_formatSpec(f)) !== null) return f;
  return null;
}

const UNIT_MS = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 } as const;
export type TimestampUnit = keyof typeof UNIT_MS;

/** Epoch milliseconds of a column: datetime as-is, numbers as Unix timestamps, strings by format or robustly. */
export function datesOf(col: Column, format: string | null, unit: TimestampUnit): { values: Float64Array; failed: number } {
  const n = col.length;
  const out = new Float64Array(n);
  let failed = 0;
  if (col.kind === 'datetime') return { values: col.values, failed: 0 };
  if (col.kind === 'numeric') {
    const k = UNIT_MS[unit];
    for (let i = 0; i < n; i++) out[i] = col.values[i] * k;
    return { values: out, failed: 0 };
  }
  const strings = stringsOf(col);
  const spec = format ? rt_formatSpec(format) : null;
  const specs = spec ? null : CANDIDATE_FORMATS.map((f) => rt_formatSpec(f));
  const cache = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s === null) {
      out[i] = NaN;
      continue;
    }
    let v = cache.get(s);
    if (v === undefined) {
      let t: number | null = null;
      if (spec) t = rt_parseWithSpec(s, spec) as number | null;
      else {
        for (const sp of specs!) if ((t = rt_parseWithSpec(s, sp) as number | null) !== null) break;
        if (t === null) t = rt_parseDate(s) as number | null;
      }
      v = t === null ? NaN : t;
      if (cache.size < 100_000) cache.set(s, v);
    }
    if (v !== v) failed++;
    out[i] = v;
  }
  return { values: out, failed };
}

export const COMPONENTS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'day_of_week', 'day_of_year', 'week_of_year', 'quarter'] as const;
type Component = (typeof COMPONENTS)[number];
/** Period and zero point of each component for cyclic embedding; year has none (always ordinal). */
const CYCLE: Record<Component, [number, number] | null> = {
  year: null, month: [12, 1], day: [31, 1], hour: [24, 0], minute: [60, 0], second: [60, 0], day_of_week: [7, 0], day_of_year: [366, 1], week_of_year: [53, 1], quarter: [4, 1],
};

interface DateParams {
  input: string;
  format: string | null;
  infer: boolean;
  unit: TimestampUnit;
  components: Component[];
  embedding: 'Ordinal' | 'Cyclic';
  style: 'Columns' | 'Vector';
  output: string;
  keepInput: boolean;
}

export function componentColumns(p: Pick<DateParams, 'components' | 'embedding' | 'output'>): { name: string; component: Component; fn: 'sin' | 'cos' | null }[] {
  const out: { name: string; component: Component; fn: 'sin' | 'cos' | null }[] = [];
  for (const c of p.components) {
    if (p.embedding === 'Cyclic' && CYCLE[c]) {
      out.push({ name: `${p.output}_${c}_sin`, component: c, fn: 'sin' }, { name: `${p.output}_${c}_cos`, component: c, fn: 'cos' });
    } else out.push({ name: `${p.output}_${c}`, component: c, fn: null });
  }
  return out;
}

/**
 * Calendar fields of epoch milliseconds by integer arithmetic (days-from-civil inverse, H. Hinnant), so a
 * million timestamps cost no Date objects. Agrees with Date's UTC getters; checked in the tests.
 */
export function componentColumn(ms: Float64Array, c: Component, fn: 'sin' | 'cos' | null): Float64Array {
  const n = ms.length;
  const out = new Float64Array(n);
  // One plain loop per component: the branch is taken once per column, not once per value.
  if (c === 'hour' || c === 'minute' || c === 'second' || c === 'day_of_week') {
    const unit = c === 'hour' ? 3600000 : c === 'minute' ? 60000 : 1000;
    const mod = c === 'hour' ? 24 : 60;
    for (let i = 0; i < n; i++) {
      const t = ms[i];
      if (t !== t) out[i] = NaN;
      else if (c === 'day_of_week') {
        const days = Math.floor(t / 86400000);
        out[i] = (((days + 3) % 7) + 7) % 7;
      } else {
        const inDay = t - Math.floor(t / 86400000) * 86400000;
        out[i] = Math.floor(inDay / unit) % mod;
      }
    }
  } else if (c === 'day_of_year' || c === 'week_of_year') {
    for (let i = 0; i < n; i++) out[i] = ms[i] !== ms[i] ? NaN : (rt_dateComponent(ms[i], c) as number);
  } else {
    const which = c === 'year' ? 0 : c === 'month' ? 1 : c === 'day' ? 2 : 3;
    for (let i = 0; i < n; i++) {
      const t = ms[i];
      if (t !== t) {
        out[i] = NaN;
        continue;
      }
      const z = Math.floor(t / 86400000) + 719468;
      const era = Math.floor(z / 146097);
      const doe = z - era * 146097;
      const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
      const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
      const mp = Math.floor((5 * doy + 2) / 153);
      const month = mp < 10 ? mp + 3 : mp - 9;
      out[i] = which === 0 ? yoe + era * 400 + (month <= 2 ? 1 : 0) : which === 1 ? month : which === 2 ? doy - Math.floor((153 * mp + 2) / 5) + 1 : Math.floor((month - 1) / 3) + 1;
    }
  }
  if (fn !== null) {
    const [period, zero] = CYCLE[c]!;
    const k = (2 * Math.PI) / period;
    for (let i = 0; i < n; i++) out[i] = fn === 'sin' ? Math.sin(k * (out[i] - zero)) : Math.cos(k * (out[i] - zero));
  }
  return out;
}

export const featurizeDatetime = defineTransform<DateParams, { format: string | null }>({
  group: 'featurize_date_time',
  operator: 'Featurize date/time',
  rowWise: () => true,
  parse(r) {
    const input = r.column('input_column');
    const fmt = r.optStr('datetime_format');
    const components = r.strList('components', ['year', 'month', 'day', 'hour', 'minute', 'second', 'day_of_week', 'day_of_year', 'week_of_year', 'quarter']);
    for (const c of components) if (!(COMPONENTS as readonly string[]).includes(c)) throw r.fail('components', `unknown component "${c}"; components are ${COMPONENTS.join(', ')}`);
    return {
      input,
      format: fmt ? checkFormat(fmt, r, 'datetime_format') : null,
      infer: r.bool('infer_datetime_format', fmt === undefined),
      unit: r.oneOf('timestamp_unit', ['s', 'ms', 'us', 'ns'], 's'),
      components: components as Component[],
      embedding: r.oneOf('embedding_mode', ['Ordinal', 'Cyclic'], 'Ordinal'),
      style: r.oneOf('output_style', ['Columns', 'Vector'], 'Columns'),
      output: r.str('output_column', input),
      keepInput: r.bool('keep_input_column', true),
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  parseTrained(r) {
    if (!r.has('format')) return (r.raw('format'), { format: null });
    // The stored format is already in the runtime's form: checked as it is used, not converted again.
    const format = r.str('format');
    try {
      rt_formatSpec(format);
    } catch (e) {
      throw r.fail('format', (e as Error).message);
    }
    return { format };
  },
  fit(frame, p) {
    if (p.format || !p.infer) return { format: p.format };
    const col = frame.column(p.input);
    return { format: col.kind === 'text' || col.kind === 'categorical' ? inferFormat(stringsOf(col)) : null };
  },
  apply([frame], p, t, ctx) {
    const col = frame.column(p.input);
    const format = t?.format ?? p.format;
    if (p.infer && format === null && (col.kind === 'text' || col.kind === 'categorical') && stringsOf(col).some((s) => s !== null)) {
      throw flowError(ctx.nodeId, 'parameters.infer_datetime_format', `no known datetime format matches the first value of "${p.input}"; give datetime_format`, p.input);
    }
    const { values, failed } = datesOf(col, format, p.unit);
    if (failed > 0) ctx.report[`unparsed_${p.input}`] = (ctx.report[`unparsed_${p.input}`] ?? 0) + failed;
    const specs = componentColumns(p);
    const cols = specs.map((s) => componentColumn(values, s.component, s.fn));
    const made: Column[] =
      p.style === 'Columns'
        ? specs.map((s, j) => numericColumn(s.name, cols[j]))
        : [textColumn(`${p.output}_vector`, Array.from({ length: values.length }, (_, i) => (values[i] !== values[i] ? null : vectorString(cols.map((c) => c[i])))))];
    let out = insertAfter(frame, p.input, made);
    if (!p.keepInput) out = out.drop([p.input]);
    return out;
  },
  describe: (p) =>
    `extract ${p.components.join(', ')} from ${p.input}${p.format ? ` (format ${p.format})` : p.infer ? ' (format inferred)' : ''} as ${p.embedding.toLowerCase()} ${p.style === 'Columns' ? 'columns' : 'vector'}`,
  emit(p, t) {
    const format = t?.format ?? p.format;
    const specs = componentColumns(p);
    const parse = format
      ? `const spec = rt_formatSpec(${lit(format)}); const ms = src.map((x) => (x instanceof Date ? rt_parseDate(x) : typeof x === 'number' ? x * ${num(UNIT_MS[p.unit], 'timestamp unit')} : rt_parseWithSpec(x, spec)));`
      : `const specs = ${lit(CANDIDATE_FORMATS)}.map((f) => rt_formatSpec(f)); const ms = src.map((x) => { if (x instanceof Date) return rt_parseDate(x); if (x === null || typeof x === 'number') return x === null ? null : x * ${num(UNIT_MS[p.unit], 'timestamp unit')}; for (const s of specs) { const v = rt_parseWithSpec(x, s); if (v !== null) return v; } return rt_parseDate(x); });`;
    const cyc = (c: Component) => CYCLE[c];
    const parts = specs.map((s) => {
      if (s.fn === null) return `[${lit(s.name)}, ms.map((v) => rt_dateComponent(v, ${lit(s.component)}))]`;
      const [period, zero] = cyc(s.component)!;
      return `[${lit(s.name)}, ms.map((v) => { const c = rt_dateComponent(v, ${lit(s.component)}); return c === null ? null : Math.${s.fn === 'sin' ? 'sin' : 'cos'}(((2 * Math.PI) / ${num(period, 'cycle period')}) * ((c as number) - ${num(zero, 'cycle origin')})); })]`;
    });
    const place =
      p.style === 'Columns'
        ? `place(t, ${lit(p.input)}, [${parts.join(', ')}] as [string, Cell[]][]);`
        : `const parts = [${parts.join(', ')}] as [string, Cell[]][]; place(t, ${lit(p.input)}, [[${lit(`${p.output}_vector`)}, ms.map((v, i) => (v === null ? null : st_vectorString(parts.map((q) => (q[1][i] === null ? NaN : (q[1][i] as number))))))]]);`;
    return `{ const src = getCol(t, ${lit(p.input)}); ${parse}
  ${place}${p.keepInput ? '' : ` dropCols(t, [${lit(p.input)}]);`} }`;
  },
});
