import {
  BOOL_MISSING,
  CAT_MISSING,
  type Column,
  booleanColumn,
  categoricalColumn,
  datetimeColumn,
  numericColumn,
  textColumn,
} from '../frame/column.js';
import type { FeatureSchema } from '../frame/align.js';
import { Frame } from '../frame/frame.js';
import { parseNumber } from '../util/parse-number.js';
import { parseDatetime } from '../io/datetime.js';
import { TabpilotError } from '../util/errors.js';
import type { PayloadFormat } from './negotiate.js';

/**
 * Request bodies to a Frame of the model's raw feature columns, in training order and kinds, so the
 * pipeline's alignment is a no-op. Every value is checked here: a bad row or value is a PayloadError
 * naming the 1-based row and the column, never a silent missing value. Unseen categories are allowed
 * (they become missing, as in batch prediction) and counted.
 */

/** A request body that cannot be read as rows of the model's features (BAD_FORMAT; HTTP 400). */
export class PayloadError extends TabpilotError {
  readonly row?: number;

  constructor(message: string, row?: number, column?: string) {
    // Rows of a request body, not lines of a file: the message says "row N".
    super('BAD_FORMAT', row === undefined ? message : `row ${row}${column === undefined ? '' : `, column "${column}"`}: ${message}`);
    this.name = 'PayloadError';
    this.row = row;
  }
}

/** More rows than a request may hold (LIMIT_EXCEEDED; HTTP 413), found before the rows are decoded. */
export class RowLimitError extends TabpilotError {
  constructor(
    readonly limit: number,
    limitFor?: string,
  ) {
    super('LIMIT_EXCEEDED', `more than ${limit} rows in one request${limitFor === undefined ? '' : ` with ${limitFor}`} (the limit is ${limit}); send fewer rows per request`);
    this.name = 'RowLimitError';
  }
}

export interface DecodeOptions {
  /** At most this many data rows (default: no limit); more is a RowLimitError. */
  readonly maxRows?: number;
  /** What the limit applies to, named in its message (e.g. "explain=true"). */
  readonly limitFor?: string;
  /** Features an object instance may leave out (they are missing); the others must be present. */
  readonly optional?: ReadonlySet<string>;
  /**
   * The features a CSV row or an array instance holds, in order, as indices into `features` (default: all of
   * them); the features not listed are missing in such rows.
   */
  readonly positional?: readonly number[];
}

/** Which features a positional row holds (`order`), which it does not (`rest`), and their names for messages. */
interface Layout {
  readonly order: readonly number[];
  readonly rest: readonly number[];
  readonly names: string;
}

const layoutCache = new WeakMap<readonly FeatureSchema[], Layout>();
function layoutOf(features: readonly FeatureSchema[], positional?: readonly number[]): Layout {
  if (positional === undefined) {
    let all = layoutCache.get(features);
    if (all === undefined) {
      all = { order: features.map((_, c) => c), rest: [], names: features.map((f) => f.name).join(', ') };
      layoutCache.set(features, all);
    }
    return all;
  }
  const rest = features.map((_, c) => c).filter((c) => !positional.includes(c));
  return { order: positional, rest, names: positional.map((c) => features[c].name).join(', ') };
}

export interface DecodedPayload {
  readonly frame: Frame;
  /** Non-missing categorical values not in the training vocabulary, per column. */
  readonly unseen: Record<string, number>;
}

export type Cell = string | number | boolean | null;

const MISSING_WORDS = new Set(['', 'nan', 'null', 'none', 'na']);
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

/** Shared empty storage: a builder allocates only the array its kind uses (a typed array costs a GC-tracked buffer). */
const NO_NUMBERS = new Float64Array(0);
const NO_CODES = new Int32Array(0);
const NO_BYTES = new Uint8Array(0);

/** `a` itself when it holds exactly n values (no extra view per column of a single-row request), else its first n. */
function firstN<A extends Float64Array | Int32Array | Uint8Array>(a: A, n: number): A {
  return (a.length === n ? a : a.subarray(0, n)) as A;
}

/** Accumulates typed values column by column while rows are decoded (typed storage doubles as needed). */
class ColumnBuilder {
  private numbers = NO_NUMBERS;
  private codes = NO_CODES;
  private bytes = NO_BYTES;
  private readonly strings: (string | null)[] = [];
  private length = 0;
  private capacity = 0;
  private readonly index: Map<string, number> | null;
  unseen = 0;

  constructor(
    readonly feature: FeatureSchema,
    capacity: number,
  ) {
    this.index = feature.kind === 'categorical' ? dictionaryIndex(feature.dictionary ?? []) : null;
    this.reserve(Math.max(1, capacity));
  }

  private reserve(capacity: number): void {
    // Nothing to copy on the first reserve (every column of every request): no empty subarray view is made.
    const n = this.length;
    switch (this.feature.kind) {
      case 'numeric':
      case 'datetime': {
        const a = new Float64Array(capacity);
        if (n > 0) a.set(this.numbers.subarray(0, n));
        this.numbers = a;
        break;
      }
      case 'categorical': {
        const a = new Int32Array(capacity);
        if (n > 0) a.set(this.codes.subarray(0, n));
        this.codes = a;
        break;
      }
      case 'boolean': {
        const a = new Uint8Array(capacity);
        if (n > 0) a.set(this.bytes.subarray(0, n));
        this.bytes = a;
        break;
      }
      case 'text':
        break;
    }
    this.capacity = capacity;
  }

  push(value: Cell, row: number): void {
    const f = this.feature;
    const i = this.length;
    if (i >= this.capacity) this.reserve(this.capacity * 2);
    switch (f.kind) {
      case 'numeric':
        this.numbers[i] = toNumber(value, row, f.name);
        break;
      case 'datetime':
        this.numbers[i] = toTime(value, row, f.name);
        break;
      case 'boolean':
        this.bytes[i] = toBool(value, row, f.name);
        break;
      case 'categorical': {
        const s = toLabel(value);
        if (s === null) this.codes[i] = CAT_MISSING;
        else {
          let code = this.index!.get(s);
          if (code === undefined) code = this.index!.get(s.trim());
          if (code === undefined) {
            this.unseen++;
            code = CAT_MISSING;
          }
          this.codes[i] = code;
        }
        break;
      }
      case 'text':
        this.strings.push(toLabel(value));
        break;
    }
    this.length++;
  }

  build(): Column {
    const f = this.feature;
    const n = this.length;
    switch (f.kind) {
      case 'numeric':
        return numericColumn(f.name, firstN(this.numbers, n));
      case 'datetime':
        return datetimeColumn(f.name, firstN(this.numbers, n));
      case 'boolean':
        return booleanColumn(f.name, firstN(this.bytes, n));
      case 'categorical':
        // The training dictionary itself (same reference), so alignToSchema passes the column through.
        return categoricalColumn(f.name, firstN(this.codes, n), f.dictionary ?? []);
      case 'text':
        return textColumn(f.name, this.strings);
    }
  }
}

const indexCache = new WeakMap<readonly string[], Map<string, number>>();
function dictionaryIndex(dictionary: readonly string[]): Map<string, number> {
  let m = indexCache.get(dictionary);
  if (m === undefined) {
    m = new Map(dictionary.map((d, i) => [d, i]));
    indexCache.set(dictionary, m);
  }
  return m;
}

function toLabel(value: Cell): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  return String(value);
}

function toNumber(value: Cell, row: number, column: string): number {
  if (value === null) return NaN;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new PayloadError(`${value} is not a finite number`, row, column);
  }
  if (typeof value === 'boolean') throw new PayloadError(`expected a number, got ${value}`, row, column);
  const t = value.trim();
  if (MISSING_WORDS.has(t.toLowerCase())) return NaN;
  // The CSV reader's grammar (so batch prediction agrees): plain decimals only; hex, Infinity, 1_000 are not numbers.
  const v = parseNumber(t);
  if (Number.isNaN(v)) throw new PayloadError(`cannot parse ${JSON.stringify(truncate(value))} as a number`, row, column);
  return v;
}

function toTime(value: Cell, row: number, column: string): number {
  if (value === null) return NaN;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new PayloadError(`${value} is not a valid time`, row, column);
  }
  if (typeof value === 'boolean') throw new PayloadError(`expected a date/time, got ${value}`, row, column);
  const t = value.trim();
  if (MISSING_WORDS.has(t.toLowerCase())) return NaN;
  // The CSV reader's shapes, zone-less times as UTC (as training read them); Date.parse would take local time.
  const ms = parseDatetime(t);
  if (Number.isNaN(ms)) throw new PayloadError(`cannot parse ${JSON.stringify(truncate(value))} as a date/time`, row, column);
  return ms;
}

function toBool(value: Cell, row: number, column: string): number {
  if (value === null) return BOOL_MISSING;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (value === 0 || value === 1) return value;
    throw new PayloadError(`expected a boolean, got ${value}`, row, column);
  }
  const t = value.trim().toLowerCase();
  if (MISSING_WORDS.has(t)) return BOOL_MISSING;
  if (TRUE_WORDS.has(t)) return 1;
  if (FALSE_WORDS.has(t)) return 0;
  throw new PayloadError(`cannot parse ${JSON.stringify(truncate(value))} as a boolean`, row, column);
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function builders(features: readonly FeatureSchema[], capacity: number): ColumnBuilder[] {
  return features.map((f) => new ColumnBuilder(f, capacity));
}

function finish(cols: ColumnBuilder[], rows: number): DecodedPayload {
  if (rows === 0) throw new PayloadError('the request has no rows');
  const unseen: Record<string, number> = Object.create(null); // keyed by column name
  for (const b of cols) if (b.unseen > 0) unseen[b.feature.name] = b.unseen;
  return { frame: Frame.fromColumns(cols.map((b) => b.build())), unseen };
}

export function decodePayload(body: string, format: PayloadFormat, features: readonly FeatureSchema[], options: DecodeOptions = {}): DecodedPayload {
  switch (format) {
    case 'csv':
      return decodeCsv(body, features, options);
    case 'json':
      return decodeJson(body, features, options);
    case 'jsonlines':
      return decodeJsonLines(body, features, options);
  }
}

/** Throws a RowLimitError when `rows` data rows are more than the options allow. */
function checkRowCount(rows: number, options: DecodeOptions): void {
  const limit = options.maxRows ?? Infinity;
  if (rows > limit) throw new RowLimitError(limit, options.limitFor);
}

/** RFC 4180 rows without a header: quoted fields may hold commas, quotes ("") and newlines. */
export function decodeCsv(body: string, features: readonly FeatureSchema[], options: DecodeOptions = {}): DecodedPayload {
  const cols = builders(features, 16);
  const layout = layoutOf(features, options.positional);
  const { order, rest } = layout;
  const width = order.length;
  // `row` numbers records as they appear in the body (for messages); dataRows counts predicted rows.
  let row = 0;
  let dataRows = 0;
  let pos = 0;
  const n = body.length;
  const fields: (string | null)[] = [];
  while (pos < n) {
    fields.length = 0;
    row++;
    // One record.
    for (;;) {
      if (body.charCodeAt(pos) === 34 /* " */) {
        let value = '';
        pos++;
        for (;;) {
          const q = body.indexOf('"', pos);
          if (q < 0) throw new PayloadError('unterminated quoted field', row, features[order[fields.length]]?.name);
          value += body.slice(pos, q);
          if (body.charCodeAt(q + 1) === 34) {
            value += '"';
            pos = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        fields.push(value);
        const c = body.charCodeAt(pos);
        if (pos < n && c !== 44 && c !== 10 && c !== 13) {
          throw new PayloadError('unexpected character after a closing quote', row, features[order[fields.length - 1]]?.name);
        }
      } else {
        let end = pos;
        while (end < n) {
          const c = body.charCodeAt(end);
          if (c === 44 || c === 10 || c === 13) break;
          end++;
        }
        const raw = body.slice(pos, end);
        if (raw.includes('"')) throw new PayloadError('stray quote inside an unquoted field', row, features[order[fields.length]]?.name);
        fields.push(raw);
        pos = end;
      }
      if (pos < n && body.charCodeAt(pos) === 44) {
        pos++;
        continue;
      }
      break;
    }
    if (body.charCodeAt(pos) === 13) pos++;
    if (body.charCodeAt(pos) === 10) pos++;
    if (fields.length === 1 && fields[0] === '' && width !== 1) {
      // A blank line: allowed only as trailing whitespace.
      if (body.slice(pos).trim() === '') break;
      throw new PayloadError(`empty line; expected ${width} comma-separated values`, row);
    }
    if (fields.length !== width) {
      throw new PayloadError(`expected ${width} values (${layout.names}), got ${fields.length}`, row);
    }
    // SageMaker sends rows without a header; a first row that is exactly the feature names is one anyway.
    if (row === 1 && order.every((j, c) => fields[c] === features[j].name) && order.some((j) => features[j].kind !== 'text' && features[j].kind !== 'categorical')) continue;
    checkRowCount(dataRows + 1, options);
    for (let c = 0; c < width; c++) cols[order[c]].push(fields[c], row);
    for (const j of rest) cols[j].push(null, row);
    dataRows++;
  }
  return finish(cols, dataRows);
}

function parseJson(text: string, what: string, row?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PayloadError(`${what} is not valid JSON: ${(e as Error).message}`, row);
  }
}

/**
 * `{"instances": [...]}` (or a bare array); each instance an array, an object by column name, or `{"features": [...]}`.
 * The row count and every instance's shape are checked before any column is allocated, so a small body of many
 * malformed instances cannot make the server allocate rows x features values.
 */
export function decodeJson(body: string, features: readonly FeatureSchema[], options: DecodeOptions = {}): DecodedPayload {
  const doc = parseJson(body, 'the body');
  let instances: unknown;
  if (Array.isArray(doc)) instances = doc;
  else if (doc !== null && typeof doc === 'object' && Object.hasOwn(doc, 'instances')) instances = (doc as { instances: unknown }).instances;
  else throw new PayloadError('expected {"instances": [...]} or a JSON array of instances');
  if (!Array.isArray(instances)) throw new PayloadError('"instances" must be an array');
  checkRowCount(instances.length, options);
  const layout = layoutOf(features, options.positional);
  const shaped = instances.map((instance: unknown, i) => instanceShape(instance, features, layout, options, i + 1));
  const cols = builders(features, instances.length);
  for (let i = 0; i < shaped.length; i++) pushShaped(cols, features, layout, shaped[i], i + 1);
  return finish(cols, instances.length);
}

/** One instance per line (blank lines skipped). */
export function decodeJsonLines(body: string, features: readonly FeatureSchema[], options: DecodeOptions = {}): DecodedPayload {
  const cols = builders(features, 16);
  const layout = layoutOf(features, options.positional);
  let row = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    const line = body.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    row++;
    checkRowCount(row, options);
    pushShaped(cols, features, layout, instanceShape(parseJson(line, 'the line', row), features, layout, options, row), row);
  }
  return finish(cols, row);
}

/** An instance's values: an array in the layout's order, or an object holding every required feature as an own key. */
type Shaped = readonly unknown[] | Readonly<Record<string, unknown>>;

function instanceShape(instance: unknown, features: readonly FeatureSchema[], layout: Layout, options: DecodeOptions, row: number): Shaped {
  let values = instance;
  if (values !== null && typeof values === 'object' && !Array.isArray(values)) {
    const obj = values as Record<string, unknown>;
    if (Array.isArray(obj.features) && Object.keys(obj).length === 1) values = obj.features;
    else {
      for (const f of features) {
        if (!Object.hasOwn(obj, f.name) && options.optional?.has(f.name) !== true) throw new PayloadError('missing feature (use null for a missing value)', row, f.name);
      }
      return obj;
    }
  }
  if (!Array.isArray(values)) throw new PayloadError('an instance must be an array of values or an object keyed by column name', row);
  if (values.length !== layout.order.length) {
    throw new PayloadError(`expected ${layout.order.length} values (${layout.names}), got ${values.length}`, row);
  }
  return values;
}

function pushShaped(cols: ColumnBuilder[], features: readonly FeatureSchema[], layout: Layout, values: Shaped, row: number): void {
  if (Array.isArray(values)) {
    const { order } = layout;
    for (let c = 0; c < order.length; c++) cols[order[c]].push(checkCell(values[c], row, features[order[c]].name), row);
    for (const j of layout.rest) cols[j].push(null, row);
    return;
  }
  const obj = values as Readonly<Record<string, unknown>>;
  for (let c = 0; c < features.length; c++) {
    const name = features[c].name;
    // Own keys only: an optional feature left out must not read Object.prototype.
    cols[c].push(checkCell(Object.hasOwn(obj, name) ? obj[name] : null, row, name), row);
  }
}

/**
 * A column of `feature`'s kind from `n` plain values, checked and converted as request values are (unseen
 * categories become missing and are counted); `cellAt(i)` gives row i's value. Used to merge looked-up features.
 */
export function columnFromCells(feature: FeatureSchema, n: number, cellAt: (i: number) => Cell): { column: Column; unseen: number } {
  const b = new ColumnBuilder(feature, n);
  for (let i = 0; i < n; i++) b.push(cellAt(i), i + 1);
  return { column: b.build(), unseen: b.unseen };
}

function checkCell(v: unknown, row: number, column: string): Cell {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === undefined) return null;
  throw new PayloadError(`expected a number, string, boolean or null, got ${Array.isArray(v) ? 'an array' : 'an object'}`, row, column);
}
