/**
 * Frame <-> Apache Arrow Table, column by column over typed arrays (no per-value JS objects):
 *   numeric     <-> Float64 (missing = null; any Arrow int/float type reads as numeric)
 *   categorical <-> Dictionary<Utf8, Int32> (one dictionary per column; differing batch dictionaries are merged)
 *   boolean     <-> Bool
 *   datetime    <-> Timestamp[ms, UTC] (Date32/Date64 and other timestamp units read as datetime)
 *   text        <-> Utf8 / LargeUtf8
 * The writer records each column's kind in the field metadata (`tabpilot.kind`) so a round trip keeps kinds.
 */
import {
  Bool,
  type Data,
  DataType,
  Dictionary,
  Field,
  Float64,
  Int8,
  Int16,
  Int32,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Type,
  Utf8,
  type Vector,
} from 'apache-arrow';
import { isAscii } from 'node:buffer';
import { ByteInterner, decodeBytes } from './bytes.js';
import { TabpilotError } from '../util/errors.js';
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
import { Frame } from '../frame/frame.js';

export const KIND_METADATA_KEY = 'tabpilot.kind';
const TWO_32 = 2 ** 32;

/** Validity bitmap (1 = present) and null count for a missing predicate over n rows. */
function validity(n: number, isMissing: (i: number) => boolean): { bitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isMissing(i)) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  return nullCount === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount };
}

function utf8Data(strings: readonly (string | null)[]): { offsets: Int32Array; bytes: Uint8Array } {
  const n = strings.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s !== null) total += Buffer.byteLength(s, 'utf8');
    offsets[i + 1] = total;
  }
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s !== null && s.length > 0) bytes.write(s, offsets[i], 'utf8');
  }
  return { offsets, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
}

function columnData(col: Column): { type: DataType; data: Data } {
  const n = col.length;
  switch (col.kind) {
    case 'numeric': {
      const v = col.values;
      const { bitmap, nullCount } = validity(n, (i) => v[i] !== v[i]);
      const type = new Float64();
      return { type, data: makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: v }) };
    }
    case 'datetime': {
      const v = col.values;
      const { bitmap, nullCount } = validity(n, (i) => v[i] !== v[i]);
      // int64 milliseconds written as (lo, hi) 32-bit words: no BigInt per value.
      const words = new Int32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const ms = v[i] === v[i] ? Math.round(v[i]) : 0;
        const hi = Math.floor(ms / TWO_32);
        words[2 * i] = (ms - hi * TWO_32) | 0;
        words[2 * i + 1] = hi;
      }
      const type = new Timestamp(TimeUnit.MILLISECOND, 'UTC');
      return { type, data: makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: words as unknown as BigInt64Array }) };
    }
    case 'boolean': {
      const v = col.values;
      const { bitmap, nullCount } = validity(n, (i) => v[i] === BOOL_MISSING);
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (v[i] === 1) bits[i >> 3] |= 1 << (i & 7);
      const type = new Bool();
      return { type, data: makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: bits }) };
    }
    case 'categorical': {
      const codes = col.codes;
      const { bitmap, nullCount } = validity(n, (i) => codes[i] < 0);
      // The narrowest index type that holds the dictionary: smaller files and faster Parquet round trips.
      const size = col.dictionary.length;
      const IndexArray = size <= 127 ? Int8Array : size <= 32767 ? Int16Array : Int32Array;
      const indexType = size <= 127 ? new Int8() : size <= 32767 ? new Int16() : new Int32();
      let indices: Int8Array | Int16Array | Int32Array;
      if (IndexArray === Int32Array && nullCount === 0) indices = codes;
      else {
        indices = new IndexArray(n);
        for (let i = 0; i < n; i++) indices[i] = codes[i] < 0 ? 0 : codes[i];
      }
      const { offsets, bytes } = utf8Data(col.dictionary);
      const dictData = makeData({ type: new Utf8(), length: size, nullCount: 0, valueOffsets: offsets, data: bytes });
      const type = new Dictionary(new Utf8(), indexType);
      const dictionary = makeVector(dictData);
      return { type, data: makeData({ type, length: n, nullCount, nullBitmap: bitmap, data: indices, dictionary }) };
    }
    case 'text': {
      const v = col.values;
      const { bitmap, nullCount } = validity(n, (i) => v[i] === null);
      const { offsets, bytes } = utf8Data(v);
      const type = new Utf8();
      return { type, data: makeData({ type, length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: bytes }) };
    }
  }
}

/** The Frame as an Arrow Table with one record batch. */
export function frameToArrow(frame: Frame): Table {
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const col of frame.columns) {
    const { type, data } = columnData(col);
    fields.push(new Field(col.name, type, true, new Map([[KIND_METADATA_KEY, col.kind]])));
    children.push(data);
  }
  const schema = new Schema(fields);
  const structData = makeData({ type: new Struct(fields), length: frame.numRows, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, structData)]);
}

function bitIsSet(bitmap: Uint8Array | null | undefined, offset: number, i: number): boolean {
  if (!bitmap || bitmap.length === 0) return true;
  const k = offset + i;
  return (bitmap[k >> 3] & (1 << (k & 7))) !== 0;
}

/** Each chunk's Data, after checking the vector type. */
function chunks(vector: Vector): Data[] {
  return vector.data as Data[];
}

/** Sets out[row + i] = NaN where the chunk's validity bit is 0. */
function applyNulls(d: Data, out: Float64Array, row: number): void {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return;
  const bitmap = d.nullBitmap;
  const offset = d.offset;
  for (let i = 0; i < d.length; i++) {
    const k = offset + i;
    if ((bitmap[k >> 3] & (1 << (k & 7))) === 0) out[row + i] = NaN;
  }
}

function readNumeric(name: string, vector: Vector, n: number): Float64Array {
  const only = chunks(vector);
  if (only.length === 1 && DataType.isFloat(only[0].type) && (only[0].type as unknown as { precision: number }).precision === 2) {
    // One Float64 chunk: use its buffer in place (nulls become NaN there). The caller owns the table
    // (it was just decoded), so this is safe and saves a copy per column.
    const d = only[0];
    const values = (d.values as Float64Array).subarray(0, d.length);
    applyNulls(d, values, 0);
    return values;
  }
  const out = new Float64Array(n);
  let row = 0;
  for (const d of chunks(vector)) {
    const type = d.type as DataType;
    const len = d.length;
    if (DataType.isInt(type) && (type as unknown as { bitWidth: number }).bitWidth === 64) {
      const signed = (type as unknown as { isSigned: boolean }).isSigned;
      const buf = d.values as unknown as BigInt64Array;
      // int64 as (lo, hi) 32-bit words: exact up to 2^53, no BigInt per value.
      const words = new Int32Array(buf.buffer, buf.byteOffset, len * 2);
      for (let i = 0; i < len; i++) {
        const lo = words[2 * i] >>> 0;
        const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
        out[row + i] = hi * TWO_32 + lo;
      }
    } else if (DataType.isInt(type) || DataType.isFloat(type)) {
      if (type.typeId === Type.Float && (type as unknown as { precision: number }).precision === 0) {
        throw new TabpilotError('BAD_FORMAT', 'half-precision floats are not supported', { column: name });
      }
      // Typed-array set converts Int8..Int32 / Float32 / Float64 natively.
      out.set((d.values as Float64Array).subarray(0, len), row);
    } else if (DataType.isDecimal(type)) {
      for (let i = 0; i < len; i++) {
        const v = vector.get(row + i);
        out[row + i] = v === null ? NaN : Number(v);
      }
    } else {
      throw new TabpilotError('INTERNAL', `not a numeric Arrow type: ${String(type)}`, { column: name });
    }
    applyNulls(d, out, row);
    row += len;
  }
  return out;
}

function readTimestampMs(vector: Vector, n: number): Float64Array {
  const out = new Float64Array(n);
  let row = 0;
  for (const d of chunks(vector)) {
    const type = d.type as DataType;
    const len = d.length;
    if (DataType.isDate(type)) {
      const dayUnit = (type as unknown as { unit: number }).unit === 0;
      if (dayUnit) {
        const v = d.values as unknown as Int32Array;
        for (let i = 0; i < len; i++) out[row + i] = v[i] * 86_400_000;
      } else {
        const v = d.values as unknown as BigInt64Array;
        const words = new Int32Array(v.buffer, v.byteOffset, len * 2);
        for (let i = 0; i < len; i++) out[row + i] = words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0);
      }
    } else {
      const unit = (type as unknown as { unit: TimeUnit }).unit;
      const scale = unit === TimeUnit.SECOND ? 1000 : unit === TimeUnit.MILLISECOND ? 1 : unit === TimeUnit.MICROSECOND ? 1e-3 : 1e-6;
      const v = d.values as unknown as BigInt64Array | Int32Array;
      const words = v instanceof Int32Array ? v : new Int32Array(v.buffer, v.byteOffset, len * 2);
      for (let i = 0; i < len; i++) out[row + i] = (words[2 * i + 1] * TWO_32 + (words[2 * i] >>> 0)) * scale;
    }
    applyNulls(d, out, row);
    row += len;
  }
  return out;
}

/**
 * Strings of a Utf8 chunk. Repeated values share one JS string (interned on bytes) while at least half of
 * the values repeat; unique-heavy columns switch to plain decoding after 20,000 values.
 */
function decodeUtf8Data(d: Data, row: number, out: (string | null)[]): void {
  const offsets = d.valueOffsets as Int32Array;
  const bytes = d.values as Uint8Array;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encoding = isAscii(buf) ? 'latin1' : 'utf8';
  let interner: ByteInterner | null = new ByteInterner(encoding);
  const hasNulls = d.nullCount > 0;
  for (let i = 0; i < d.length; i++) {
    if (hasNulls && !bitIsSet(d.nullBitmap, d.offset, i)) {
      out[row + i] = null;
      continue;
    }
    const s = Number(offsets[i]);
    const e = Number(offsets[i + 1]);
    if (interner !== null) {
      out[row + i] = interner.dictionary[interner.intern(buf, s, e)];
      if (i === 20_000 && interner.size > 10_000) interner = null;
    } else out[row + i] = decodeBytes(buf, s, e, encoding);
  }
}

function readStrings(vector: Vector, n: number): (string | null)[] {
  const out = new Array<string | null>(n);
  let row = 0;
  for (const d of chunks(vector)) {
    if (DataType.isUtf8(d.type) || DataType.isLargeUtf8(d.type)) decodeUtf8Data(d, row, out);
    else for (let i = 0; i < d.length; i++) {
      const v = vector.get(row + i);
      out[row + i] = v === null || v === undefined ? null : String(v);
    }
    row += d.length;
  }
  return out;
}

function readDictionary(name: string, vector: Vector, n: number): Column {
  const codes = new Int32Array(n);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  let row = 0;
  let lastDict: Vector | undefined;
  let remap: Int32Array = new Int32Array(0);
  for (const d of chunks(vector)) {
    const dictVector = d.dictionary as Vector;
    if (dictVector !== lastDict) {
      // A new (or first) dictionary: map its entries to the merged dictionary by string.
      const entries = readStrings(dictVector, dictVector.length);
      remap = new Int32Array(entries.length);
      entries.forEach((s, k) => {
        const key = s ?? '';
        let code = index.get(key);
        if (code === undefined) {
          code = dictionary.length;
          index.set(key, code);
          dictionary.push(key);
        }
        remap[k] = code;
      });
      lastDict = dictVector;
    }
    const keys = d.values as unknown as Int32Array | BigInt64Array | BigUint64Array;
    const len = d.length;
    let identity = remap.length <= dictionary.length;
    for (let k = 0; identity && k < remap.length; k++) identity = remap[k] === k;
    const bigKeys = keys instanceof BigInt64Array || keys instanceof BigUint64Array;
    // Identity remap (the usual case: one dictionary): a native typed-array copy widens Int8/Int16 keys.
    if (identity && !bigKeys) codes.set((keys as Int32Array).subarray(0, len), row);
    else if (bigKeys) for (let i = 0; i < len; i++) codes[row + i] = remap[Number(keys[i])];
    else for (let i = 0; i < len; i++) codes[row + i] = remap[keys[i]];
    if (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0) {
      const bitmap = d.nullBitmap;
      for (let i = 0; i < len; i++) {
        const k = d.offset + i;
        if ((bitmap[k >> 3] & (1 << (k & 7))) === 0) codes[row + i] = CAT_MISSING;
      }
    }
    row += len;
  }
  return categoricalColumn(name, codes, dictionary);
}

function readBool(vector: Vector, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let row = 0;
  for (const d of chunks(vector)) {
    const bits = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++) {
      const k = d.offset + i;
      out[row + i] = !bitIsSet(d.nullBitmap, d.offset, i) ? BOOL_MISSING : (bits[k >> 3] >> (k & 7)) & 1;
    }
    row += d.length;
  }
  return out;
}

/** The natural Frame kind of an Arrow field (before any `tabpilot.kind` metadata or caller override). */
export function arrowKind(field: Field): ColumnKind | null {
  const t = field.type as DataType;
  if (DataType.isDictionary(t)) return 'categorical';
  if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t)) return 'numeric';
  if (DataType.isBool(t)) return 'boolean';
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'datetime';
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'text';
  return null;
}

/**
 * An Arrow Table as a Frame. Single-chunk Float64 columns share the table's buffers (null slots are
 * overwritten with NaN), so pass a table you own (freshly decoded), or copy the frame's columns. Strings without `tabpilot.kind` metadata come back as text; callers that want
 * spec type inference on them (the IO readers do) decide afterwards. Unsupported types (lists, structs, ...)
 * throw naming the column.
 */
export function arrowToFrame(table: Table): Frame {
  const n = table.numRows;
  const columns: Column[] = [];
  for (let c = 0; c < table.schema.fields.length; c++) {
    const field = table.schema.fields[c];
    const vector = table.getChildAt(c)!;
    const kind = arrowKind(field);
    if (kind === null) throw new TabpilotError('BAD_FORMAT', `unsupported Arrow type ${String(field.type)}`, { column: field.name });
    switch (kind) {
      case 'numeric':
        columns.push(numericColumn(field.name, readNumeric(field.name, vector, n)));
        break;
      case 'datetime':
        columns.push(datetimeColumn(field.name, readTimestampMs(vector, n)));
        break;
      case 'boolean':
        columns.push(booleanColumn(field.name, readBool(vector, n)));
        break;
      case 'categorical':
        columns.push(readDictionary(field.name, vector, n));
        break;
      case 'text':
        columns.push(textColumn(field.name, readStrings(vector, n)));
        break;
    }
  }
  return Frame.fromColumns(columns);
}

/** The `tabpilot.kind` recorded by frameToArrow for each field, when present. */
export function recordedKinds(table: Table): Map<string, ColumnKind> {
  const out = new Map<string, ColumnKind>();
  for (const f of table.schema.fields) {
    const k = f.metadata.get(KIND_METADATA_KEY);
    if (k === 'numeric' || k === 'categorical' || k === 'boolean' || k === 'datetime' || k === 'text') out.set(f.name, k);
  }
  return out;
}
