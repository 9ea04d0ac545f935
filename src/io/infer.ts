/**
 * Feature-type inference, spec A.4.2 (`get_feature_type` / `calc_stats_pandas_series`).
 *
 * Per column, on a sample, we count: rows, null-like (disguised missing tokens), empty, whitespace-only,
 * finite numbers, integers, cardinality (distinct non-missing values, whitespace-stripped), min/max/mean,
 * and, on the first 10,000 rows, values parseable as datetimes (and those that are not also numbers).
 * Scores (normalized to sum 1; highest wins; ties broken binary > numeric > categorical > text > datetime,
 * or binary > categorical > numeric > ... with `preferCategorical`):
 *   numeric     = finite / (rows - null - empty - whitespace)            (0 when there are no numbers)
 *   text        = (rows - finite - null - empty - whitespace) / rows
 *   cardinality == 2: binary = categorical = 1, text = 0
 *   otherwise categorical = 1 (and text = 0) if cardinality/rows < 0.01, 1 - (ratio - 0.01)/0.19 below 0.2, else 0
 *   datetime = 1 and every other score 0 when non-numeric datetimes / parsed > 0.05 and datetimes / parsed > 0.6
 */
import type { ColumnKind } from '../frame/column.js';
import { parseNumber, parseNumberBytes, trimEnd, trimStart } from '../util/parse-number.js';
import { ByteInterner, type TextEncodingName } from './bytes.js';
import { parseDatetime, parseIsoDateBytes } from './datetime.js';

const NOT_DATE = 0;
const DATE_FROM_NUMBER = 1;
const DATE_FROM_TEXT = 2;

function hasDigit(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] >= 48 && buf[i] <= 57) return true;
  return false;
}

export type FeatureType = 'numeric' | 'categorical' | 'binary' | 'text' | 'datetime';

export const DATETIME_ROWS = 10_000;

/** Tokens that mean "missing" when a whole (trimmed) cell equals one of them; empty and blank cells always do. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['NA', 'N/A', 'n/a', '#N/A', 'NULL', 'null', 'NaN', 'nan', '?', '-'];

export interface ColumnMetrics {
  nrows: number;
  nullLikeCount: number;
  emptyCount: number;
  whitespaceCount: number;
  numericFiniteCount: number;
  integerCount: number;
  cardinality: number;
  min: number;
  max: number;
  mean: number;
  datetimeCount: number;
  datetimeNonFloatCount: number;
  datetimeRowsParsed: number;
}

export type FeatureScores = Record<FeatureType, number>;

export interface FeatureTypeDecision {
  featureType: FeatureType;
  kind: ColumnKind;
  scores: FeatureScores;
  /** Integer-valued numeric column whose categorical score ties the numeric one (spec: may be treated as categorical). */
  categoricalCandidate: boolean;
}

export interface InferOptions {
  /** Spec's `prefer_categorical`: on a numeric/categorical tie choose categorical. */
  preferCategorical?: boolean;
}

export function featureTypeToKind(t: FeatureType): ColumnKind {
  switch (t) {
    case 'numeric':
      return 'numeric';
    case 'binary':
    case 'categorical':
      return 'categorical';
    case 'text':
      return 'text';
    case 'datetime':
      return 'datetime';
  }
}

/** Spec A.4.2 scores, normalized, and the winning feature type. */
export function decideFeatureType(m: ColumnMetrics, options: InferOptions = {}): FeatureTypeDecision {
  let numeric = 0;
  let categorical = 0;
  let text = 0;
  let datetime = 0;
  let binary = 0;
  const present = m.nrows - m.nullLikeCount - m.emptyCount - m.whitespaceCount;
  if (m.numericFiniteCount > 0 && present > 0) numeric = m.numericFiniteCount / present;
  if (m.nrows > 0) text = (m.nrows - m.numericFiniteCount - m.nullLikeCount - m.emptyCount - m.whitespaceCount) / m.nrows;
  const ratio = m.nrows > 0 ? m.cardinality / m.nrows : 0;
  if (m.cardinality === 2) {
    binary = 1;
    categorical = 1;
    text = 0;
  } else if (ratio < 0.01) {
    categorical = 1;
    text = 0;
  } else if (ratio < 0.2) {
    categorical = 1 - (ratio - 0.01) / 0.19;
  }
  if (
    m.datetimeRowsParsed > 0 &&
    m.datetimeNonFloatCount / m.datetimeRowsParsed > 0.05 &&
    m.datetimeCount / m.datetimeRowsParsed > 0.6
  ) {
    datetime = 1;
    text = 0;
    categorical = 0;
    numeric = 0;
  }
  const sum = numeric + categorical + text + datetime + binary;
  const scores: FeatureScores = sum > 0
    ? { binary: binary / sum, numeric: numeric / sum, categorical: categorical / sum, text: text / sum, datetime: datetime / sum }
    : { binary: 0, numeric: 0, categorical: 1, text: 0, datetime: 0 };
  const order: FeatureType[] = options.preferCategorical
    ? ['binary', 'categorical', 'numeric', 'text', 'datetime']
    : ['binary', 'numeric', 'categorical', 'text', 'datetime'];
  let best = order[0];
  for (const t of order) if (scores[t] > scores[best]) best = t;
  const categoricalCandidate =
    best === 'numeric' && scores.categorical === scores.numeric && m.integerCount === m.numericFiniteCount && m.numericFiniteCount > 0;
  return { featureType: best, kind: featureTypeToKind(best), scores, categoricalCandidate };
}

/** Matches whole cells against the missing tokens, on bytes (first-byte filter first) or on strings. */
export class MissingTokens {
  private readonly tokens: Set<string>;
  private readonly firstBytes = new Uint8Array(256);
  private readonly maxLength: number;
  /** Token bytes grouped by byte length. */
  private readonly byLength: Uint8Array[][] = [];
  /** Some token is itself a number (e.g. -999): numeric parsers must check tokens even on success. */
  readonly hasNumericToken: boolean;

  constructor(tokens: readonly string[] = DEFAULT_MISSING_TOKENS) {
    this.tokens = new Set(tokens.map((t) => t.trim()).filter((t) => t !== ''));
    let max = 0;
    for (const t of this.tokens) {
      const bytes = Buffer.from(t, 'utf8');
      this.firstBytes[bytes[0]] = 1;
      max = Math.max(max, bytes.length);
      (this.byLength[bytes.length] ??= []).push(bytes);
    }
    for (let i = 0; i <= max; i++) this.byLength[i] ??= [];
    this.maxLength = max;
    this.hasNumericToken = [...this.tokens].some((t) => !Number.isNaN(parseNumber(t)));
  }

  /** True when trimmed bytes [s, e) equal a token (the caller has already handled empty/blank cells). */
  matchBytes(buf: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    if (len > this.maxLength || this.firstBytes[buf[s]] === 0) return false;
    const candidates = this.byLength[len];
    for (let t = 0; t < candidates.length; t++) {
      const token = candidates[t];
      let k = 0;
      while (k < len && token[k] === buf[s + k]) k++;
      if (k === len) return true;
    }
    return false;
  }

  matchString(trimmed: string): boolean {
    return this.tokens.has(trimmed);
  }
}

/** Streaming accumulator of ColumnMetrics over cells given as bytes or strings. */
export class MetricsAccumulator {
  nrows = 0;
  nullLikeCount = 0;
  emptyCount = 0;
  whitespaceCount = 0;
  numericFiniteCount = 0;
  integerCount = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  datetimeCount = 0;
  datetimeNonFloatCount = 0;
  private readonly distinct: ByteInterner;
  private numberOf = new Float64Array(256);
  private dateKind = new Uint8Array(256);

  private saturated = false;
  private lastDateKind = NOT_DATE;

  /**
   * @param saturateAt distinct values beyond which exact cardinality no longer matters: with more than
   *   0.2 x the sample's maximum row count distinct values the categorical score is 0 whatever the final
   *   row count, so the accumulator stops interning (cheaper) and cardinality stays at that lower bound.
   */
  constructor(
    private readonly missing: MissingTokens,
    encoding: TextEncodingName = 'utf8',
    private readonly saturateAt = Infinity,
  ) {
    this.distinct = new ByteInterner(encoding, [], false);
  }

  addBytes(buf: Buffer, s: number, e: number): void {
    const row = this.nrows++;
    if (s === e) {
      this.emptyCount++;
      return;
    }
    const ts = trimStart(buf, s, e);
    const te = trimEnd(buf, ts, e);
    if (ts === te) {
      this.whitespaceCount++;
      return;
    }
    if (this.missing.matchBytes(buf, ts, te)) {
      this.nullLikeCount++;
      return;
    }
    let v: number;
    let dateKind: number;
    if (this.saturated) {
      v = this.classifyValue(buf, ts, te, row < DATETIME_ROWS);
      dateKind = this.lastDateKind;
    } else {
      const before = this.distinct.size;
      const code = this.distinct.intern(buf, ts, te);
      // Each distinct value is classified once (number? date?) and the result reused for its repeats.
      if (code === before) {
        this.classify(buf, ts, te, code);
        if (before + 1 > this.saturateAt) this.saturated = true;
      }
      v = this.numberOf[code];
      dateKind = this.dateKind[code];
    }
    if (v === v) {
      this.countNumber(v);
      if (row < DATETIME_ROWS && dateKind === DATE_FROM_NUMBER) this.datetimeCount++;
    } else if (row < DATETIME_ROWS && dateKind === DATE_FROM_TEXT) {
      this.datetimeCount++;
      this.datetimeNonFloatCount++;
    }
  }

  addString(value: string | null): void {
    const row = this.nrows++;
    if (value === null) {
      this.nullLikeCount++;
      return;
    }
    if (value === '') {
      this.emptyCount++;
      return;
    }
    const t = value.trim();
    if (t === '') {
      this.whitespaceCount++;
      return;
    }
    if (this.missing.matchString(t)) {
      this.nullLikeCount++;
      return;
    }
    this.distinct.internString(t);
    const v = parseNumber(t);
    if (v === v) {
      this.countNumber(v);
      if (row < DATETIME_ROWS && /^[12]\d{3}$|^\d{8}$/.test(t) && !Number.isNaN(parseDatetime(t))) this.datetimeCount++;
    } else if (row < DATETIME_ROWS && !Number.isNaN(parseDatetime(t))) {
      this.datetimeCount++;
      this.datetimeNonFloatCount++;
    }
  }

  private classify(buf: Buffer, s: number, e: number, code: number): void {
    if (code >= this.numberOf.length) {
      const numbers = new Float64Array(this.numberOf.length * 2);
      numbers.set(this.numberOf);
      this.numberOf = numbers;
      const kinds = new Uint8Array(this.dateKind.length * 2);
      kinds.set(this.dateKind);
      this.dateKind = kinds;
    }
    this.numberOf[code] = this.classifyValue(buf, s, e, true);
    this.dateKind[code] = this.lastDateKind;
  }

  /** The cell's number (NaN if none); sets lastDateKind when checkDate. */
  private classifyValue(buf: Buffer, s: number, e: number, checkDate: boolean): number {
    const v = parseNumberBytes(buf, s, e);
    let kind = NOT_DATE;
    if (!checkDate) {
      // Dates only matter on the first DATETIME_ROWS rows.
    } else if (v === v) {
      // A bare year or YYYYMMDD also parses as a date (as pandas would); it never counts as a non-float date.
      if ((e - s === 4 || e - s === 8) && Number.isInteger(v) && v > 0 && !Number.isNaN(parseDatetime(buf.toString('latin1', s, e)))) kind = DATE_FROM_NUMBER;
    } else if (hasDigit(buf, s, e)) {
      const fast = parseIsoDateBytes(buf, s, e);
      const ms = fast !== undefined ? fast : parseDatetime(buf.toString('utf8', s, e));
      if (!Number.isNaN(ms)) kind = DATE_FROM_TEXT;
    }
    this.lastDateKind = kind;
    return v;
  }

  private countNumber(v: number): void {
    this.numericFiniteCount++;
    if (Number.isInteger(v)) this.integerCount++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
  }

  get cardinality(): number {
    return this.distinct.size;
  }

  metrics(): ColumnMetrics {
    const n = this.numericFiniteCount;
    return {
      nrows: this.nrows,
      nullLikeCount: this.nullLikeCount,
      emptyCount: this.emptyCount,
      whitespaceCount: this.whitespaceCount,
      numericFiniteCount: n,
      integerCount: this.integerCount,
      cardinality: this.distinct.size,
      min: n > 0 ? this.min : NaN,
      max: n > 0 ? this.max : NaN,
      mean: n > 0 ? this.sum / n : NaN,
      datetimeCount: this.datetimeCount,
      datetimeNonFloatCount: this.datetimeNonFloatCount,
      datetimeRowsParsed: Math.min(this.nrows, DATETIME_ROWS),
    };
  }
}

/** Metrics of a column of strings (null = missing). */
export function metricsOfStrings(values: readonly (string | null)[], missingTokens: readonly string[] = DEFAULT_MISSING_TOKENS): ColumnMetrics {
  const acc = new MetricsAccumulator(new MissingTokens(missingTokens));
  for (const v of values) acc.addString(v);
  return acc.metrics();
}

/** Spec A.4.2 feature type of a column of strings (null = missing). */
export function inferFromStrings(
  values: readonly (string | null)[],
  options: InferOptions & { missingTokens?: readonly string[] } = {},
): FeatureTypeDecision & { metrics: ColumnMetrics } {
  const metrics = metricsOfStrings(values, options.missingTokens);
  return { ...decideFeatureType(metrics, options), metrics };
}

/** Feature type per column for columns given as strings, keyed by column name. */
export function inferColumnKinds(
  columns: Readonly<Record<string, readonly (string | null)[]>>,
  options: InferOptions & { missingTokens?: readonly string[] } = {},
): Record<string, FeatureTypeDecision & { metrics: ColumnMetrics }> {
  // Keyed by column names: a null-prototype object, so "__proto__" or "constructor" are ordinary keys.
  const out: Record<string, FeatureTypeDecision & { metrics: ColumnMetrics }> = Object.create(null);
  for (const [name, values] of Object.entries(columns)) out[name] = inferFromStrings(values, options);
  return out;
}
