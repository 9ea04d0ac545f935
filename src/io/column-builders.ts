/**
 * Typed column builders for the CSV pass: each converts one column of a batch of scanned records
 * straight from the byte buffer into its typed array, counting missing and invalid cells.
 */
import {
  BOOL_MISSING,
  booleanColumn,
  CAT_MISSING,
  categoricalColumn,
  type Column,
  type ColumnKind,
  datetimeColumn,
  numericColumn,
  textColumn,
} from '../frame/column.js';
import { parseNumber, parseNumberBytes, trimEnd, trimStart } from '../util/parse-number.js';
import { ByteInterner, decodeBytes, type TextEncodingName } from './bytes.js';
import { FLAG_ESCAPED, FLAG_PARSED, type FieldIndex } from './csv-tokenizer.js';
import { parseDatetime, parseIsoDateBytes } from './datetime.js';
import type { MissingTokens } from './infer.js';
import type { InvalidExample } from './types.js';

const MAX_EXAMPLES = 5;

export interface BatchView {
  buf: Buffer;
  index: FieldIndex;
  /** Fields per record (records in the index are contiguous, so field = record * width + column). */
  width: number;
  /** Records [0, count) of the index. */
  count: number;
}

export abstract class ColumnBuilder {
  missing = 0;
  invalid = 0;
  readonly invalidExamples: InvalidExample[] = [];
  length = 0;

  constructor(
    readonly name: string,
    protected readonly tokens: MissingTokens,
    protected readonly encoding: TextEncodingName,
    protected capacity: number,
  ) {}

  abstract readonly kind: ColumnKind;
  abstract append(batch: BatchView, column: number): void;
  /** The column of all rows appended since the last take, trimmed to its length; the builder starts empty again. */
  abstract take(final?: boolean): Column;

  protected nextCapacity(needed: number): number {
    return Math.max(needed, Math.ceil(this.capacity * 1.5) + 1024);
  }

  protected noteInvalid(line: number, value: string): void {
    this.invalid++;
    if (this.invalidExamples.length < MAX_EXAMPLES) this.invalidExamples.push({ line, value });
  }

  /** The cell as a string with quotes unescaped (slow path). */
  protected cellText(batch: BatchView, f: number): string {
    const text = batch.buf.toString(this.encoding, batch.index.starts[f], batch.index.ends[f]);
    return batch.index.flags[f] & FLAG_ESCAPED ? text.replace(/""/g, '"') : text;
  }

  /** Empty, blank, or a missing token. */
  protected isMissingCell(buf: Buffer, s: number, e: number): boolean {
    const ts = trimStart(buf, s, e);
    const te = trimEnd(buf, ts, e);
    return ts === te || this.tokens.matchBytes(buf, ts, te);
  }
}

function trimTyped<T extends Float64Array | Int32Array | Uint8Array>(values: T, length: number): T {
  // Keep the view when the slack is small; copy when it would waste more than an eighth.
  return (values.length - length > values.length / 8 ? values.slice(0, length) : values.subarray(0, length)) as T;
}

/**
 * Numeric and datetime values are built in SharedArrayBuffers: a Frame read from CSV can then be shared with
 * worker threads (frame/shared.ts) without a second copy; a shared Float64Array reads like any other.
 */
function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export class NumericBuilder extends ColumnBuilder {
  readonly kind: ColumnKind;
  private values: Float64Array;

  constructor(name: string, tokens: MissingTokens, encoding: TextEncodingName, capacity: number, private readonly datetime = false) {
    super(name, tokens, encoding, capacity);
    this.kind = datetime ? 'datetime' : 'numeric';
    this.values = sharedFloat64(capacity);
  }

  append(batch: BatchView, column: number): void {
    const { buf, index, width, count } = batch;
    if (this.length + count > this.values.length) {
      const grown = sharedFloat64(this.nextCapacity(this.length + count));
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
      this.capacity = grown.length;
    }
    const values = this.values;
    const starts = index.starts;
    const ends = index.ends;
    const flags = index.flags;
    const parsed = index.values;
    const checkTokens = this.tokens.hasNumericToken;
    let n = this.length;
    if (!this.datetime) {
      // Hot loop: most cells were parsed by the scanner; the rest are parsed from their bytes; only failures
      // take the slower classification path.
      for (let r = 0, f = column; r < count; r++, f += width) {
        const s = starts[f];
        const e = ends[f];
        const flag = flags[f];
        let v = flag === FLAG_PARSED ? parsed[f] : (flag & FLAG_ESCAPED) === 0 ? parseNumberBytes(buf, s, e) : parseNumber(this.cellText(batch, f));
        if (v !== v) this.classifyFailure(batch, r, f);
        else if (checkTokens && this.isMissingCell(buf, s, e)) {
          v = NaN;
          this.missing++;
        }
        values[n++] = v;
      }
    } else {
      for (let r = 0, f = column; r < count; r++, f += width) {
        const v = this.parseDate(batch, f);
        if (v !== v) this.classifyFailure(batch, r, f);
        values[n++] = v;
      }
    }
    this.length = n;
  }

  private classifyFailure(batch: BatchView, r: number, f: number): void {
    if (this.isMissingCell(batch.buf, batch.index.starts[f], batch.index.ends[f])) this.missing++;
    else this.noteInvalid(batch.index.recordLines[r], this.cellText(batch, f));
  }

  private parseDate(batch: BatchView, f: number): number {
    const s = trimStart(batch.buf, batch.index.starts[f], batch.index.ends[f]);
    const e = trimEnd(batch.buf, s, batch.index.ends[f]);
    if (e - s < 4) return NaN;
    const fast = parseIsoDateBytes(batch.buf, s, e);
    return fast !== undefined ? fast : parseDatetime(this.cellText(batch, f));
  }

  take(final = false): Column {
    // As trimTyped, but a copy stays shared.
    const used = this.values.subarray(0, this.length);
    let values = used;
    if (this.values.length - this.length > this.values.length / 8) {
      values = sharedFloat64(this.length);
      values.set(used);
    }
    this.values = sharedFloat64(final ? 0 : this.capacity);
    this.length = 0;
    return this.datetime ? datetimeColumn(this.name, values) : numericColumn(this.name, values);
  }
}

export class CategoricalBuilder extends ColumnBuilder {
  readonly kind: ColumnKind = 'categorical';
  private codes: Int32Array;
  private readonly interner: ByteInterner;
  private readonly numberCodes = new Map<number, number>();

  /**
   * @param canonicalNumbers numeric-looking cells are stored as their canonical number string ("1.0" -> "1"),
   *   so an inferred categorical column of numbers has one category per number.
   */
  constructor(name: string, tokens: MissingTokens, encoding: TextEncodingName, capacity: number, private readonly canonicalNumbers: boolean) {
    super(name, tokens, encoding, capacity);
    this.codes = new Int32Array(capacity);
    this.interner = new ByteInterner(encoding);
  }

  append(batch: BatchView, column: number): void {
    const { buf, index, width, count } = batch;
    if (this.length + count > this.codes.length) {
      const grown = new Int32Array(this.nextCapacity(this.length + count));
      grown.set(this.codes.subarray(0, this.length));
      this.codes = grown;
      this.capacity = grown.length;
    }
    const codes = this.codes;
    const starts = index.starts;
    const ends = index.ends;
    const flags = index.flags;
    const interner = this.interner;
    let n = this.length;
    for (let r = 0, f = column; r < count; r++, f += width) {
      const s = trimStart(buf, starts[f], ends[f]);
      const e = trimEnd(buf, s, ends[f]);
      if (s === e || this.tokens.matchBytes(buf, s, e)) {
        codes[n++] = CAT_MISSING;
        this.missing++;
        continue;
      }
      if (this.canonicalNumbers) {
        const v = parseNumberBytes(buf, s, e);
        if (v === v) {
          let code = this.numberCodes.get(v);
          if (code === undefined) {
            code = interner.internString(String(v));
            this.numberCodes.set(v, code);
          }
          codes[n++] = code;
          continue;
        }
      }
      codes[n++] = flags[f] & FLAG_ESCAPED ? interner.internString(this.cellText(batch, f).trim()) : interner.intern(buf, s, e);
    }
    this.length = n;
  }

  take(final = false): Column {
    const codes = trimTyped(this.codes, this.length);
    this.codes = new Int32Array(final ? 0 : this.capacity);
    this.length = 0;
    // A copy: later chunks of a stream may add categories (codes already issued never change).
    return categoricalColumn(this.name, codes, this.interner.dictionary.slice());
  }
}

/**
 * Text cells as strings. Repeated values are common even in "text" columns (ids, SKUs, free text with
 * repeats), so cells are interned while that pays: the same JS string is reused for equal bytes. After
 * 20,000 cells with more than half of them distinct, the builder stops interning and decodes directly.
 */
export class TextBuilder extends ColumnBuilder {
  readonly kind: ColumnKind = 'text';
  private values: (string | null)[] = [];
  private interner: ByteInterner | null;
  private seen = 0;

  constructor(name: string, tokens: MissingTokens, encoding: TextEncodingName, capacity: number) {
    super(name, tokens, encoding, capacity);
    this.interner = new ByteInterner(encoding);
  }

  append(batch: BatchView, column: number): void {
    const { buf, index, width, count } = batch;
    const starts = index.starts;
    const ends = index.ends;
    const flags = index.flags;
    const values = this.values;
    for (let r = 0, f = column; r < count; r++, f += width) {
      const s = starts[f];
      const e = ends[f];
      if (this.isMissingCell(buf, s, e)) {
        values.push(null);
        this.missing++;
      } else if (flags[f] & FLAG_ESCAPED) values.push(this.cellText(batch, f));
      else if (this.interner !== null) {
        values.push(this.interner.dictionary[this.interner.intern(buf, s, e)]);
        if (++this.seen === 20_000 && this.interner.size > 10_000) this.interner = null;
      } else values.push(decodeBytes(buf, s, e, this.encoding));
    }
    this.length += count;
  }

  take(): Column {
    const values = this.values;
    this.values = [];
    this.length = 0;
    return textColumn(this.name, values);
  }
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

export class BooleanBuilder extends ColumnBuilder {
  readonly kind: ColumnKind = 'boolean';
  private values: Uint8Array;

  constructor(name: string, tokens: MissingTokens, encoding: TextEncodingName, capacity: number) {
    super(name, tokens, encoding, capacity);
    this.values = new Uint8Array(capacity);
  }

  append(batch: BatchView, column: number): void {
    const { buf, index, width, count } = batch;
    if (this.length + count > this.values.length) {
      const grown = new Uint8Array(this.nextCapacity(this.length + count));
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
      this.capacity = grown.length;
    }
    for (let r = 0, f = column; r < count; r++, f += width) {
      const s = index.starts[f];
      const e = index.ends[f];
      let v = BOOL_MISSING;
      if (this.isMissingCell(buf, s, e)) this.missing++;
      else {
        const word = this.cellText(batch, f).trim().toLowerCase();
        if (TRUE_WORDS.has(word)) v = 1;
        else if (FALSE_WORDS.has(word)) v = 0;
        else this.noteInvalid(index.recordLines[r], this.cellText(batch, f));
      }
      this.values[this.length++] = v;
    }
  }

  take(final = false): Column {
    const values = trimTyped(this.values, this.length);
    this.values = new Uint8Array(final ? 0 : this.capacity);
    this.length = 0;
    return booleanColumn(this.name, values);
  }
}

export function makeBuilder(
  kind: ColumnKind,
  name: string,
  tokens: MissingTokens,
  encoding: TextEncodingName,
  capacity: number,
  canonicalNumbers: boolean,
): ColumnBuilder {
  switch (kind) {
    case 'numeric':
      return new NumericBuilder(name, tokens, encoding, capacity);
    case 'datetime':
      return new NumericBuilder(name, tokens, encoding, capacity, true);
    case 'categorical':
      return new CategoricalBuilder(name, tokens, encoding, capacity, canonicalNumbers);
    case 'boolean':
      return new BooleanBuilder(name, tokens, encoding, capacity);
    case 'text':
      return new TextBuilder(name, tokens, encoding, capacity);
  }
}
