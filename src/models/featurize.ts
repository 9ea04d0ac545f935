import { type Column, numericColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { arrayAt, field, numberArrayAt, numberAt, objectAt, oneOfAt, stringAt } from './model-json.js';

/**
 * Featurizer for the column kinds learners do not take natively, fitted on training rows only:
 *   text      hashing TF-IDF: lower-cased word unigrams and bigrams hashed (FNV-1a) into `buckets` columns,
 *             term frequency x smoothed IDF (IDF learned from the training rows), each row L2-normalised;
 *             the raw text column is replaced by `<name>__tfidf<j>` numeric columns.
 *   datetime  calendar components (`<name>__year`, `__month`, `__day`, `__weekday`, `__hour`) that vary in the
 *             training rows are added; the datetime column itself stays (learners read it as a number).
 * Other columns pass through untouched.
 */
export interface FeaturizerJSON {
  readonly text: readonly { readonly name: string; readonly buckets: number; readonly idf: readonly number[] }[];
  readonly datetime: readonly { readonly name: string; readonly parts: readonly DatePart[] }[];
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
    const n = rows ? rows.length : frame.numRows;
    const rowAt = (i: number) => (rows ? rows[i] : i);
    for (const name of featureNames) {
      const col = frame.column(name);
      if (col.kind === 'text') {
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
    return new Featurizer({ text, datetime });
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
    return new Featurizer({ text, datetime });
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
      if (t) for (let j = 0; j < t.buckets; j++) out.push(`${name}__tfidf${j}`);
      else {
        out.push(name);
        if (d) for (const p of d.parts) out.push(`${name}__${p}`);
      }
    }
    return out;
  }

  /** The frame with text columns replaced by TF-IDF columns and date parts added. */
  transform(frame: Frame): Frame {
    const textNames = new Set(this.spec.text.map((t) => t.name));
    const columns: Column[] = frame.columns.filter((c) => !textNames.has(c.name));
    const n = frame.numRows;
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
