import { type Column, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { arrayAt, field, numberArrayAt, numberAt, objectAt, oneOfAt, stringAt } from './model-json.js';

/**
 * Featurizer for the column kinds learners do not take natively, fitted on training rows only:
 *   text      hashing TF-IDF: lower-cased word unigrams and bigrams hashed (FNV-1a) into `buckets` columns,
 *             term frequency x smoothed IDF (IDF learned from the training rows), each row L2-normalised;
 *             the raw text column is replaced by `<name>__tfidf<j>` numeric columns.
 *   series    a text column whose every value is a list of numbers separated by commas or semicolons ("time
 *             series as a column of numbers", e.g. "1.5,2,3.25") becomes summary columns `<name>__len`, `__mean`,
 *             `__std`, `__min`, `__max`, `__last`, `__slope` (least-squares slope over the positions) and `__acf1`
 *             (autocorrelation at lag 1); a value that does not parse gives missing values. Detected on the
 *             training rows; such a column is not TF-IDF'd.
 *   datetime  calendar components (`<name>__year`, `__month`, `__day`, `__weekday`, `__hour`) that vary in the
 *             training rows are added; the datetime column itself stays (learners read it as a number).
 * Other columns pass through untouched.
 */
export interface FeaturizerJSON {
  readonly text: readonly { readonly name: string; readonly buckets: number; readonly idf: readonly number[] }[];
  readonly datetime: readonly { readonly name: string; readonly parts: readonly DatePart[] }[];
  /** Number-series columns (absent when there are none, so older models read and write unchanged). */
  readonly series?: readonly { readonly name: string }[];
}

/** The summary columns of a number-series column, in output order. */
export const SERIES_STATS = ['len', 'mean', 'std', 'min', 'max', 'last', 'slope', 'acf1'] as const;
const SERIES_SEPARATOR = /[,;]/;

/** The numbers of one number-series value, or null when it is not a list of finite numbers separated by , or ;. */
export function parseNumberSeries(value: string): Float64Array | null {
  const parts = value.split(SERIES_SEPARATOR);
  const out = new Float64Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i].trim();
    const v = t === '' ? NaN : Number(t);
    if (!Number.isFinite(v)) return null;
    out[i] = v;
  }
  return out;
}

/**
 * Whether a text column is a number-series column on `rows` (all rows when absent): every present value parses
 * (parseNumberSeries) and at least one holds two or more numbers.
 */
export function isNumberSeriesColumn(col: Column, rows?: Int32Array): boolean {
  if (col.kind !== 'text') return false;
  const n = rows ? rows.length : col.length;
  let multi = false;
  for (let i = 0; i < n; i++) {
    const v = col.values[rows ? rows[i] : i];
    if (v === null || v.trim() === '') continue;
    const s = parseNumberSeries(v);
    if (s === null) return false;
    if (s.length > 1) multi = true;
  }
  return multi;
}

/** The SERIES_STATS of one series (population std; slope per position). */
function seriesStats(x: Float64Array): number[] {
  const n = x.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  let lag = 0;
  let sxy = 0;
  const tMean = (n - 1) / 2;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    ss += d * d;
    if (i > 0) lag += d * (x[i - 1] - mean);
    sxy += (i - tMean) * d;
    stt += (i - tMean) ** 2;
  }
  const std = Math.sqrt(ss / n);
  const slope = stt > 0 ? sxy / stt : 0;
  const acf1 = ss > 0 ? lag / ss : 0;
  return [n, mean, std, min, max, x[n - 1], slope, acf1];
}

type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour';
const DATE_PARTS: readonly DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];

export const DEFAULT_TEXT_BUCKETS = 64;

/** Whether a frame has columns this featurizer would act on. */
export function needsFeaturizer(frame: Frame, names: readonly string[] = frame.columnNames): boolean {
  return names.some((n) => {
    const k = frame.column(n).kind;
    return k === 'text' || k === 'datetime';
  });
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TOKEN = /[\p{L}\p{N}]+/gu;

/** Hashed term ids of one document: unigrams and bigrams. */
function hashedTerms(text: string, buckets: number): number[] {
  const words = text.toLowerCase().match(TOKEN) ?? [];
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(fnv1a(words[i]) % buckets);
    if (i > 0) out.push(fnv1a(`${words[i - 1]} ${words[i]}`) % buckets);
  }
  return out;
}

function datePart(ms: number, part: DatePart): number {
  const d = new Date(ms);
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day':
      return d.getUTCDate();
    case 'weekday':
      return d.getUTCDay();
    case 'hour':
      return d.getUTCHours();
  }
}

export class Featurizer {
  constructor(readonly spec: FeaturizerJSON) {}

  /** Learns IDF weights and varying date parts from `rows` of `frame` (all rows when absent) and nothing else. */
  static fit(frame: Frame, featureNames: readonly string[], rows?: Int32Array, buckets = DEFAULT_TEXT_BUCKETS): Featurizer {
    const text: { name: string; buckets: number; idf: number[] }[] = [];
    const datetime: { name: string; parts: DatePart[] }[] = [];
    const series: { name: string }[] = [];
    const n = rows ? rows.length : frame.numRows;
    const rowAt = (i: number) => (rows ? rows[i] : i);
    for (const name of featureNames) {
      const col = frame.column(name);
      if (isNumberSeriesColumn(col, rows)) series.push({ name });
      else if (col.kind === 'text') {
        const df = new Float64Array(buckets);
        const seen = new Uint8Array(buckets);
        for (let i = 0; i < n; i++) {
          const v = col.values[rowAt(i)];
          if (v === null) continue;
          seen.fill(0);
          for (const t of hashedTerms(v, buckets)) {
            if (!seen[t]) {
              seen[t] = 1;
              df[t]++;
            }
          }
        }
        const idf = Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
        text.push({ name, buckets, idf });
      } else if (col.kind === 'datetime') {
        const parts: DatePart[] = [];
        for (const part of DATE_PARTS) {
          let first = NaN;
          let varies = false;
          for (let i = 0; i < n && !varies; i++) {
            const ms = col.values[rowAt(i)];
            if (Number.isNaN(ms)) continue;
            const p = datePart(ms, part);
            if (Number.isNaN(first)) first = p;
            else if (p !== first) varies = true;
          }
          if (varies) parts.push(part);
        }
        datetime.push({ name, parts });
      }
    }
    return new Featurizer({ text, datetime, ...(series.length > 0 ? { series } : {}) });
  }

  /** The featurizer from its JSON at `path`, every entry checked (MODEL_FORMAT naming the field). */
  static fromJSON(json: unknown, path = 'featurizer'): Featurizer {
    const o = objectAt(json, path);
    const text = arrayAt(field(o, 'text'), `${path}.text`).map((t, i) => {
      const at = `${path}.text[${i}]`;
      const e = objectAt(t, at);
      const buckets = numberAt(field(e, 'buckets'), `${at}.buckets`, { integer: true, min: 1 });
      return { name: stringAt(field(e, 'name'), `${at}.name`), buckets, idf: Array.from(numberArrayAt(field(e, 'idf'), `${at}.idf`, buckets)) };
    });
    const datetime = arrayAt(field(o, 'datetime'), `${path}.datetime`).map((d, i) => {
      const at = `${path}.datetime[${i}]`;
      const e = objectAt(d, at);
      const parts = arrayAt(field(e, 'parts'), `${at}.parts`).map((p, j) => oneOfAt(p, `${at}.parts[${j}]`, DATE_PARTS));
      return { name: stringAt(field(e, 'name'), `${at}.name`), parts };
    });
    const s = field(o, 'series');
    const series = s === undefined ? [] : arrayAt(s, `${path}.series`).map((e, i) => ({ name: stringAt(field(objectAt(e, `${path}.series[${i}]`), 'name'), `${path}.series[${i}].name`) }));
    return new Featurizer({ text, datetime, ...(series.length > 0 ? { series } : {}) });
  }

  toJSON(): FeaturizerJSON {
    return this.spec;
  }

  /** Names of the columns `transform` produces from the given input feature names (order preserved). */
  outputNames(featureNames: readonly string[]): string[] {
    const out: string[] = [];
    for (const name of featureNames) {
      const t = this.spec.text.find((x) => x.name === name);
      const d = this.spec.datetime.find((x) => x.name === name);
      if (this.spec.series?.some((x) => x.name === name)) for (const stat of SERIES_STATS) out.push(`${name}__${stat}`);
      else if (t) for (let j = 0; j < t.buckets; j++) out.push(`${name}__tfidf${j}`);
      else {
        out.push(name);
        if (d) for (const p of d.parts) out.push(`${name}__${p}`);
      }
    }
    return out;
  }

  /** The frame with text columns replaced by TF-IDF columns and date parts added. */
  transform(frame: Frame): Frame {
    const textNames = new Set([...this.spec.text, ...(this.spec.series ?? [])].map((t) => t.name));
    const columns: Column[] = frame.columns.filter((c) => !textNames.has(c.name));
    const n = frame.numRows;
    for (const s of this.spec.series ?? []) if (frame.has(s.name)) columns.push(...seriesColumns(frame.column(s.name), s.name, n));
    for (const t of this.spec.text) {
      if (!frame.has(t.name)) continue;
      const col = frame.column(t.name);
      const strings = col.kind === 'text' ? col.values : null;
      const matrix = Array.from({ length: t.buckets }, () => new Float64Array(n));
      const tf = new Float64Array(t.buckets);
      for (let i = 0; i < n; i++) {
        const v = strings ? strings[i] : null;
        if (v === null) continue;
        tf.fill(0);
        for (const term of hashedTerms(v, t.buckets)) tf[term]++;
        let norm = 0;
        for (let j = 0; j < t.buckets; j++) {
          tf[j] *= t.idf[j];
          norm += tf[j] * tf[j];
        }
        norm = Math.sqrt(norm);
        if (norm > 0) for (let j = 0; j < t.buckets; j++) matrix[j][i] = tf[j] / norm;
      }
      for (let j = 0; j < t.buckets; j++) columns.push(numericColumn(`${t.name}__tfidf${j}`, matrix[j]));
    }
    for (const d of this.spec.datetime) {
      if (!frame.has(d.name)) continue;
      const col = frame.column(d.name);
      if (col.kind !== 'datetime') continue;
      for (const part of d.parts) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = Number.isNaN(col.values[i]) ? NaN : datePart(col.values[i], part);
        columns.push(numericColumn(`${d.name}__${part}`, out));
      }
    }
    return Frame.fromColumns(columns);
  }
}

/** The SERIES_STATS columns of a number-series column (missing or unparseable values: NaN in every column). */
function seriesColumns(col: Column, name: string, n: number): Column[] {
  const out = SERIES_STATS.map(() => new Float64Array(n).fill(NaN));
  for (let i = 0; i < n; i++) {
    const v = col.kind === 'text' ? col.values[i] : null;
    const x = v === null ? null : parseNumberSeries(v);
    if (x === null || x.length === 0) continue;
    seriesStats(x).forEach((value, j) => (out[j][i] = value));
  }
  return SERIES_STATS.map((stat, j) => numericColumn(`${name}__${stat}`, out[j]));
}
