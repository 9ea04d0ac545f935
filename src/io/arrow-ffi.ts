/**
 * Columns straight from parquet-wasm's memory through the Arrow C Data Interface, skipping the IPC
 * serialization and copy that `intoIPCStream` costs. Only the layouts tabpilot needs are handled
 * (float/int/bool, timestamps and dates, utf8 and large utf8, dictionaries of utf8); anything else returns
 * null and the caller falls back to the IPC path.
 *
 * Struct layouts (wasm32: pointers are 4 bytes, int64 fields 8-byte aligned):
 *   ArrowSchema { format@0, name@4, metadata@8, flags@16 (i64), n_children@24 (i64), children@32, dictionary@36, release@40, private@44 }
 *   ArrowArray  { length@0, null_count@8, offset@16, n_buffers@24, n_children@32 (all i64), buffers@40, children@44, dictionary@48, release@52, private@56 }
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
import { KIND_METADATA_KEY } from './arrow.js';
import { ByteInterner, decodeBytes } from './bytes.js';

const TWO_32 = 2 ** 32;

interface SchemaNode {
  format: string;
  name: string;
  metadata: Map<string, string>;
  children: number[];
  dictionary: number;
}

interface ArrayNode {
  length: number;
  nullCount: number;
  offset: number;
  buffers: number[];
  children: number[];
  dictionary: number;
}

export interface FfiColumns {
  columns: Column[];
  recorded: Map<string, ColumnKind>;
  nullCounts: Map<string, number>;
}

class Reader {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly buf: Buffer;

  constructor(readonly memory: ArrayBuffer) {
    this.view = new DataView(memory);
    this.bytes = new Uint8Array(memory);
    this.buf = Buffer.from(memory);
  }

  u32(p: number): number {
    return this.view.getUint32(p, true);
  }

  i64(p: number): number {
    return this.view.getUint32(p, true) + this.view.getInt32(p + 4, true) * TWO_32;
  }

  cString(p: number): string {
    if (p === 0) return '';
    let e = p;
    while (this.bytes[e] !== 0) e++;
    return this.buf.toString('utf8', p, e);
  }

  metadata(p: number): Map<string, string> {
    const out = new Map<string, string>();
    if (p === 0) return out;
    const n = this.view.getInt32(p, true);
    let q = p + 4;
    for (let i = 0; i < n; i++) {
      const kl = this.view.getInt32(q, true);
      const key = this.buf.toString('utf8', q + 4, q + 4 + kl);
      q += 4 + kl;
      const vl = this.view.getInt32(q, true);
      out.set(key, this.buf.toString('utf8', q + 4, q + 4 + vl));
      q += 4 + vl;
    }
    return out;
  }

  pointers(p: number, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.u32(p + 4 * i));
    return out;
  }

  schema(p: number): SchemaNode {
    return {
      format: this.cString(this.u32(p)),
      name: this.cString(this.u32(p + 4)),
      metadata: this.metadata(this.u32(p + 8)),
      children: this.pointers(this.u32(p + 32), this.i64(p + 24)),
      dictionary: this.u32(p + 36),
    };
  }

  array(p: number): ArrayNode {
    return {
      length: this.i64(p),
      nullCount: this.i64(p + 8),
      offset: this.i64(p + 16),
      buffers: this.pointers(this.u32(p + 40), this.i64(p + 24)),
      children: this.pointers(this.u32(p + 44), this.i64(p + 32)),
      dictionary: this.u32(p + 48),
    };
  }

  /** True when bit (offset + i) of the validity bitmap is set (or there is no bitmap). */
  valid(a: ArrayNode, i: number): boolean {
    const bitmap = a.buffers[0];
    if (bitmap === 0 || a.nullCount === 0) return true;
    const k = a.offset + i;
    return (this.bytes[bitmap + (k >> 3)] & (1 << (k & 7))) !== 0;
  }
}

const INT_TYPES: Record<string, [number, new (b: ArrayBuffer, o: number, n: number) => ArrayLike<number>]> = {
  c: [1, Int8Array], C: [1, Uint8Array], s: [2, Int16Array], S: [2, Uint16Array], i: [4, Int32Array], I: [4, Uint32Array],
  f: [4, Float32Array], g: [8, Float64Array],
};

/** A typed view of a 1/2/4/8-byte primitive buffer (copied when unaligned), from the array's offset. */
function primitiveView(r: Reader, format: string, a: ArrayNode): ArrayLike<number> | null {
  const spec = Object.hasOwn(INT_TYPES, format) ? INT_TYPES[format] : undefined;
  if (!spec) return null;
  const [size, Ctor] = spec;
  const start = a.buffers[1] + a.offset * size;
  const len = a.length;
  return start % size === 0 ? new Ctor(r.memory, start, len) : new Ctor(r.memory.slice(start, start + len * size), 0, len);
}

/** Copies the array's values into out at row, as float64. */
function copyNumbers(r: Reader, format: string, a: ArrayNode, out: Float64Array, row: number): boolean {
  const len = a.length;
  if (format === 'l' || format === 'L') {
    const start = a.buffers[1] + a.offset * 8;
    // int64 as (lo, hi) 32-bit words: exact up to 2^53, no BigInt per value.
    const words = start % 4 === 0 ? new Int32Array(r.memory, start, len * 2) : new Int32Array(r.memory.slice(start, start + len * 8));
    const signed = format === 'l';
    for (let i = 0; i < len; i++) {
      const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
      out[row + i] = hi * TWO_32 + (words[2 * i] >>> 0);
    }
    return true;
  }
  const view = primitiveView(r, format, a);
  if (view === null) return false;
  out.set(view, row);
  return true;
}

function timestampScale(format: string): number | null {
  if (format === 'tdD') return 86_400_000;
  if (format === 'tdm') return 1;
  if (!format.startsWith('ts')) return null;
  switch (format[2]) {
    case 's':
      return 1000;
    case 'm':
      return 1;
    case 'u':
      return 1e-3;
    case 'n':
      return 1e-6;
  }
  return null;
}

function readStringsInto(r: Reader, a: ArrayNode, large: boolean, out: (string | null)[], row: number, interner: { value: ByteInterner | null }): void {
  const offsetsPtr = a.buffers[1];
  const data = a.buffers[2];
  const n = a.length;
  // Offsets as a typed-array view when aligned (arrow-rs buffers are 64-byte aligned); int64 offsets via words.
  let offsets: Int32Array;
  if (large) {
    const words = new Int32Array(r.memory.slice(offsetsPtr + a.offset * 8, offsetsPtr + (a.offset + n + 1) * 8));
    offsets = new Int32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = words[2 * i];
  } else {
    const start = offsetsPtr + a.offset * 4;
    offsets = start % 4 === 0 ? new Int32Array(r.memory, start, n + 1) : new Int32Array(r.memory.slice(start, start + (n + 1) * 4));
  }
  const bitmap = a.nullCount > 0 ? a.buffers[0] : 0;
  const bytes = r.bytes;
  const buf = r.buf;
  for (let i = 0; i < n; i++) {
    if (bitmap !== 0) {
      const k = a.offset + i;
      if ((bytes[bitmap + (k >> 3)] & (1 << (k & 7))) === 0) {
        out[row + i] = null;
        continue;
      }
    }
    const s = data + offsets[i];
    const e = data + offsets[i + 1];
    const dict = interner.value;
    if (dict !== null) {
      out[row + i] = dict.dictionary[dict.intern(buf, s, e)];
      // Unique-heavy columns stop interning (see TextBuilder).
      if (i === 20_000 && dict.size > 10_000) interner.value = null;
    } else out[row + i] = decodeBytes(buf, s, e, 'utf8');
  }
}

/**
 * Reads every column of the FFI stream into Frame columns; null when some layout is not supported.
 * `memory` must be read after the stream exists (wasm memory may have grown).
 */
export function columnsFromFfi(memory: ArrayBuffer, schemaAddr: number, arrayAddrs: ArrayLike<number>): FfiColumns | null {
  const r = new Reader(memory);
  const root = r.schema(schemaAddr);
  if (root.format !== '+s') return null;
  const fields = root.children.map((p) => r.schema(p));
  const batches = Array.from(arrayAddrs, (p) => r.array(p));
  const numRows = batches.reduce((n, b) => n + b.length, 0);
  const columns: Column[] = [];
  const recorded = new Map<string, ColumnKind>();
  const nullCounts = new Map<string, number>();
  for (let c = 0; c < fields.length; c++) {
    const field = fields[c];
    const kind = field.metadata.get(KIND_METADATA_KEY);
    if (kind === 'numeric' || kind === 'categorical' || kind === 'boolean' || kind === 'datetime' || kind === 'text') recorded.set(field.name, kind);
    const chunks = batches.map((b) => r.array(b.children[c]));
    nullCounts.set(field.name, chunks.reduce((n, a) => n + a.nullCount, 0));
    const column = readColumn(r, field, chunks, numRows);
    if (column === null) return null;
    columns.push(column);
  }
  return { columns, recorded, nullCounts };
}

function readColumn(r: Reader, field: SchemaNode, chunks: ArrayNode[], n: number): Column | null {
  const f = field.format;
  if (field.dictionary !== 0) {
    const valueFormat = r.schema(field.dictionary).format;
    if (valueFormat !== 'u' && valueFormat !== 'U') return null;
    if (!Object.hasOwn(INT_TYPES, f) && f !== 'l' && f !== 'L') return null;
    const codes = new Int32Array(n);
    const dictionary: string[] = [];
    const index = new Map<string, number>();
    let row = 0;
    for (const a of chunks) {
      const d = r.array(a.dictionary);
      const entries: (string | null)[] = new Array(d.length);
      readStringsInto(r, d, valueFormat === 'U', entries, 0, { value: null });
      const remap = new Int32Array(entries.length);
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
      const len = a.length;
      let keys: ArrayLike<number> | null = primitiveView(r, f, a);
      if (keys === null) {
        const wide = new Float64Array(len);
        copyNumbers(r, f, a, wide, 0);
        keys = wide;
      }
      let identity = true;
      for (let k = 0; identity && k < remap.length; k++) identity = remap[k] === k;
      if (identity && !(keys instanceof Float64Array)) codes.set(keys, row);
      else for (let i = 0; i < len; i++) codes[row + i] = remap[keys[i]];
      if (a.nullCount > 0 && a.buffers[0] !== 0) {
        const bitmap = a.buffers[0];
        for (let i = 0; i < len; i++) {
          const k = a.offset + i;
          if ((r.bytes[bitmap + (k >> 3)] & (1 << (k & 7))) === 0) codes[row + i] = CAT_MISSING;
        }
      }
      row += len;
    }
    return categoricalColumn(field.name, codes, dictionary);
  }
  if (f === 'u' || f === 'U') {
    const values = new Array<string | null>(n);
    const interner = { value: new ByteInterner('utf8') as ByteInterner | null };
    let row = 0;
    for (const a of chunks) {
      readStringsInto(r, a, f === 'U', values, row, interner);
      row += a.length;
    }
    return textColumn(field.name, values);
  }
  if (f === 'b') {
    const out = new Uint8Array(n);
    let row = 0;
    for (const a of chunks) {
      const bits = a.buffers[1];
      for (let i = 0; i < a.length; i++) {
        const k = a.offset + i;
        out[row + i] = !r.valid(a, i) ? BOOL_MISSING : (r.bytes[bits + (k >> 3)] >> (k & 7)) & 1;
      }
      row += a.length;
    }
    return booleanColumn(field.name, out);
  }
  const scale = timestampScale(f);
  const out = new Float64Array(n);
  let row = 0;
  for (const a of chunks) {
    const ok = scale === null ? copyNumbers(r, f, a, out, row) : copyNumbers(r, f === 'tdD' ? 'i' : 'l', a, out, row);
    if (!ok) return null;
    if (scale !== null && scale !== 1) for (let i = 0; i < a.length; i++) out[row + i] *= scale;
    if (a.nullCount > 0 && a.buffers[0] !== 0) {
      const bitmap = a.buffers[0];
      for (let i = 0; i < a.length; i++) {
        const k = a.offset + i;
        if ((r.bytes[bitmap + (k >> 3)] & (1 << (k & 7))) === 0) out[row + i] = NaN;
      }
    }
    row += a.length;
  }
  if (scale !== null) return datetimeColumn(field.name, out);
  if (Object.hasOwn(INT_TYPES, f) || f === 'l' || f === 'L') return numericColumn(field.name, out);
  return null;
}
