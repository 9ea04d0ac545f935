/**
 * The formula language's runtime: every operator and function as a plain arrow function over cells.
 * Dates are epoch milliseconds, missing is null, and any missing operand gives missing (SQL semantics),
 * except the null-aware functions (coalesce, isnull, and, or).
 *
 * These same function objects run in-process and are copied verbatim into `flow export` modules
 * (through Function.prototype.toString), so the exported code cannot drift from the engine. Hence the
 * rules for this file: arrow functions only, no imports, and references only to other `rt_` functions.
 */
export type Cell = number | string | boolean | null;

export const rt_num = (x: number): Cell => (Number.isFinite(x) ? x : null);
export const rt_toNum = (x: Cell): number => {
  if (x === null) return NaN;
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  const s = x.trim();
  return s === '' ? NaN : Number(s);
};
export const rt_isMiss = (x: Cell): boolean => x === null || (typeof x === 'number' && x !== x);
export const rt_toStr = (x: Cell): string | null => (rt_isMiss(x) ? null : typeof x === 'string' ? x : String(x));
export const rt_add = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_num((a as number) + (b as number)));
export const rt_sub = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_num((a as number) - (b as number)));
export const rt_mul = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_num((a as number) * (b as number)));
export const rt_div = (a: Cell, b: Cell): Cell => (a === null || b === null || b === 0 ? null : rt_num((a as number) / (b as number)));
export const rt_mod = (a: Cell, b: Cell): Cell => (a === null || b === null || b === 0 ? null : rt_num((a as number) % (b as number)));
export const rt_pow = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_num(Math.pow(a as number, b as number)));
export const rt_neg = (a: Cell): Cell => (a === null ? null : -(a as number));
export const rt_cmp = (a: Cell, b: Cell): number => ((a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0);
export const rt_eq = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : a === b);
export const rt_ne = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : a !== b);
export const rt_lt = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_cmp(a, b) < 0);
export const rt_le = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_cmp(a, b) <= 0);
export const rt_gt = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_cmp(a, b) > 0);
export const rt_ge = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : rt_cmp(a, b) >= 0);
// Three-valued logic: false and null = false, true or null = true.
export const rt_and = (a: Cell, b: Cell): Cell => (a === false || b === false ? false : a === null || b === null ? null : true);
export const rt_or = (a: Cell, b: Cell): Cell => (a === true || b === true ? true : a === null || b === null ? null : false);
export const rt_not = (a: Cell): Cell => (a === null ? null : !a);
export const rt_if = (c: Cell, a: Cell, b: Cell): Cell => (c === true ? a : b);
export const rt_isnull = (a: Cell): Cell => a === null;
export const rt_isnotnull = (a: Cell): Cell => a !== null;
export const rt_coalesce = (...xs: Cell[]): Cell => {
  for (const x of xs) if (x !== null) return x;
  return null;
};
export const rt_nullif = (a: Cell, b: Cell): Cell => (a === b ? null : a);
export const rt_abs = (a: Cell): Cell => (a === null ? null : Math.abs(a as number));
export const rt_sqrt = (a: Cell): Cell => (a === null ? null : rt_num(Math.sqrt(a as number)));
export const rt_exp = (a: Cell): Cell => (a === null ? null : rt_num(Math.exp(a as number)));
export const rt_ln = (a: Cell): Cell => (a === null ? null : rt_num(Math.log(a as number)));
export const rt_log10 = (a: Cell): Cell => (a === null ? null : rt_num(Math.log10(a as number)));
export const rt_log2 = (a: Cell): Cell => (a === null ? null : rt_num(Math.log2(a as number)));
export const rt_log1p = (a: Cell): Cell => (a === null ? null : rt_num(Math.log1p(a as number)));
export const rt_floor = (a: Cell): Cell => (a === null ? null : Math.floor(a as number));
export const rt_ceil = (a: Cell): Cell => (a === null ? null : Math.ceil(a as number));
export const rt_sign = (a: Cell): Cell => (a === null ? null : Math.sign(a as number));
export const rt_sin = (a: Cell): Cell => (a === null ? null : Math.sin(a as number));
export const rt_cos = (a: Cell): Cell => (a === null ? null : Math.cos(a as number));
export const rt_tan = (a: Cell): Cell => (a === null ? null : rt_num(Math.tan(a as number)));
export const rt_round = (a: Cell, d: Cell = 0): Cell => {
  if (a === null || d === null) return null;
  const f = Math.pow(10, d as number);
  // Half away from zero, as SQL ROUND does.
  return (Math.sign(a as number) * Math.round(Math.abs(a as number) * f)) / f;
};
export const rt_least = (...xs: Cell[]): Cell => {
  let best: Cell = null;
  for (const x of xs) if (x !== null && (best === null || rt_cmp(x, best) < 0)) best = x;
  return best;
};
export const rt_greatest = (...xs: Cell[]): Cell => {
  let best: Cell = null;
  for (const x of xs) if (x !== null && (best === null || rt_cmp(x, best) > 0)) best = x;
  return best;
};
export const rt_concat = (...xs: Cell[]): Cell => {
  let s = '';
  for (const x of xs) {
    if (x === null) return null;
    s += String(x);
  }
  return s;
};
export const rt_lower = (a: Cell): Cell => (a === null ? null : String(a).toLowerCase());
export const rt_upper = (a: Cell): Cell => (a === null ? null : String(a).toUpperCase());
export const rt_length = (a: Cell): Cell => (a === null ? null : String(a).length);
export const rt_trim = (a: Cell): Cell => (a === null ? null : String(a).trim());
export const rt_ltrim = (a: Cell): Cell => (a === null ? null : String(a).trimStart());
export const rt_rtrim = (a: Cell): Cell => (a === null ? null : String(a).trimEnd());
/** 1-based start as in SQL; a negative start counts from the end. */
export const rt_substring = (a: Cell, start: Cell, len: Cell = null): Cell => {
  if (a === null || start === null) return null;
  const s = String(a);
  const st = start as number;
  const from = st > 0 ? st - 1 : st < 0 ? Math.max(0, s.length + st) : 0;
  return len === null ? s.slice(from) : s.slice(from, from + Math.max(0, len as number));
};
export const rt_left = (a: Cell, n: Cell): Cell => (a === null || n === null ? null : String(a).slice(0, Math.max(0, n as number)));
export const rt_right = (a: Cell, n: Cell): Cell => (a === null || n === null ? null : (n as number) <= 0 ? '' : String(a).slice(-(n as number)));
export const rt_replace = (a: Cell, from: Cell, to: Cell): Cell => (a === null || from === null || to === null ? null : String(a).split(String(from)).join(String(to)));
export const rt_contains = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : String(a).includes(String(b)));
export const rt_startswith = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : String(a).startsWith(String(b)));
export const rt_endswith = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : String(a).endsWith(String(b)));
/** 1-based position of b in a, 0 when absent (SQL INSTR). */
export const rt_instr = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : String(a).indexOf(String(b)) + 1);
export const rt_lpad = (a: Cell, n: Cell, pad: Cell = ' '): Cell => (a === null || n === null || pad === null ? null : String(a).padStart(n as number, String(pad)).slice(0, n as number));
export const rt_rpad = (a: Cell, n: Cell, pad: Cell = ' '): Cell => (a === null || n === null || pad === null ? null : String(a).padEnd(n as number, String(pad)).slice(0, n as number));
export const rt_string = (a: Cell): Cell => (a === null ? null : String(a));
export const rt_number = (a: Cell): Cell => (a === null ? null : rt_num(rt_toNum(a)));
export const rt_parseDate = (a: Cell | Date): Cell => {
  if (a === null) return null;
  if (typeof a === 'number') return a;
  if (a instanceof Date) return Number.isFinite(a.getTime()) ? a.getTime() : null;
  const s = String(a).trim();
  // Date-only ISO strings are UTC midnight (Date.parse rule); anything else must carry a zone or is read as UTC.
  const t = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? Date.parse(s.replace(' ', 'T') + 'Z') : Date.parse(s);
  return Number.isFinite(t) ? t : null;
};
export const rt_toDate = (a: Cell): Date | null => (a === null ? null : new Date(a as number));
export const rt_dateToIso = (a: Cell): Cell => (a === null ? null : new Date(a as number).toISOString());
export const rt_year = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCFullYear());
export const rt_month = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCMonth() + 1);
export const rt_day = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCDate());
export const rt_hour = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCHours());
export const rt_minute = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCMinutes());
export const rt_second = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCSeconds());
/** 1 = Sunday ... 7 = Saturday (Spark dayofweek). */
export const rt_dayofweek = (d: Cell): Cell => (d === null ? null : new Date(d as number).getUTCDay() + 1);
export const rt_dayofyear = (d: Cell): Cell => {
  if (d === null) return null;
  const t = new Date(d as number);
  return Math.floor((Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86400000) + 1;
};
/** ISO-8601 week number. */
export const rt_weekofyear = (d: Cell): Cell => {
  if (d === null) return null;
  const t = new Date(d as number);
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const dow = (t.getUTCDay() + 6) % 7;
  const thursday = day - dow * 86400000 + 3 * 86400000;
  const yearStart = Date.UTC(new Date(thursday).getUTCFullYear(), 0, 1);
  return Math.floor((thursday - yearStart) / 86400000 / 7) + 1;
};
export const rt_datediff = (a: Cell, b: Cell): Cell => (a === null || b === null ? null : Math.floor((a as number) / 86400000) - Math.floor((b as number) / 86400000));
export const rt_date_add = (d: Cell, days: Cell): Cell => (d === null || days === null ? null : (d as number) + (days as number) * 86400000);
export const rt_bool = (x: Cell): Cell =>
  x === null ? null : typeof x === 'boolean' ? x : x === 1 || x === 'true' || x === '1' ? true : x === 0 || x === 'false' || x === '0' ? false : null;

/** strftime-style format (%Y %y %m %d %H %I %M %S %f %p %b %B %j %z and literals) compiled to a regex. */
export const rt_formatSpec = (fmt: string): { re: RegExp; fields: string[] } => {
  // A Map, not an object literal: this source is also compiled, unannotated, inside exported modules.
  const parts = new Map<string, string>([
    ['Y', '(\\d{4})'], ['y', '(\\d{2})'], ['m', '(\\d{1,2})'], ['d', '(\\d{1,2})'], ['H', '(\\d{1,2})'], ['I', '(\\d{1,2})'], ['M', '(\\d{1,2})'],
    ['S', '(\\d{1,2})'], ['f', '(\\d{1,9})'], ['p', '([AaPp][Mm])'], ['b', '([A-Za-z]{3})'], ['B', '([A-Za-z]+)'], ['j', '(\\d{1,3})'], ['z', '(Z|[+-]\\d{2}:?\\d{2})'],
  ]);
  let src = '^';
  const fields: string[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch === '%' && i + 1 < fmt.length) {
      const code = fmt[++i];
      if (code === '%') src += '%';
      else if (parts.has(code)) {
        src += parts.get(code);
        fields.push(code);
      } else throw new Error(`unsupported datetime format code %${code}`);
    } else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return { re: new RegExp(src + '$'), fields };
};
export const rt_parseWithSpec = (x: Cell, spec: { re: RegExp; fields: string[] }): Cell => {
  if (x === null) return null;
  const m = spec.re.exec(String(x).trim());
  if (m === null) return null;
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let pm = -1;
  let doy = -1;
  let offset = 0;
  for (let k = 0; k < spec.fields.length; k++) {
    const v = m[k + 1];
    const f = spec.fields[k];
    if (f === 'Y') year = Number(v);
    else if (f === 'y') year = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
    else if (f === 'm') month = Number(v);
    else if (f === 'd') day = Number(v);
    else if (f === 'H' || f === 'I') hour = Number(v);
    else if (f === 'M') minute = Number(v);
    else if (f === 'S') second = Number(v);
    else if (f === 'f') ms = Math.floor(Number(v.padEnd(3, '0').slice(0, 3)));
    else if (f === 'p') pm = v.toLowerCase() === 'pm' ? 1 : 0;
    else if (f === 'j') doy = Number(v);
    else if (f === 'b' || f === 'B') {
      const idx = 'janfebmaraprmayjunjulaugsepoctnovdec'.indexOf(v.slice(0, 3).toLowerCase());
      if (idx < 0 || idx % 3 !== 0) return null;
      month = idx / 3 + 1;
    } else if (f === 'z' && v !== 'Z') {
      const sign = v[0] === '-' ? -1 : 1;
      const digits = v.slice(1).replace(':', '');
      offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
    }
  }
  if (pm === 1 && hour < 12) hour += 12;
  if (pm === 0 && hour === 12) hour = 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const t = doy > 0 ? Date.UTC(year, 0, doy, hour, minute, second, ms) : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Reject rolled-over dates such as 31 February.
  if (doy <= 0 && new Date(t).getUTCDate() !== day) return null;
  return t - offset;
};
/** Datetime components; day_of_week 0 = Monday (pandas convention). */
export const rt_dateComponent = (d: Cell, component: string): Cell => {
  if (d === null) return null;
  const t = new Date(d as number);
  switch (component) {
    case 'year':
      return t.getUTCFullYear();
    case 'month':
      return t.getUTCMonth() + 1;
    case 'day':
      return t.getUTCDate();
    case 'hour':
      return t.getUTCHours();
    case 'minute':
      return t.getUTCMinutes();
    case 'second':
      return t.getUTCSeconds();
    case 'day_of_week':
      return (t.getUTCDay() + 6) % 7;
    case 'day_of_year':
      return rt_dayofyear(d);
    case 'week_of_year':
      return rt_weekofyear(d);
    case 'quarter':
      return Math.floor(t.getUTCMonth() / 3) + 1;
    default:
      return null;
  }
};
