import {
  type Column,
  type ColumnKind,
  booleanColumn,
  categoricalColumn,
  datetimeColumn,
  numericColumn,
  textColumn,
} from './column.js';
import { Frame } from './frame.js';

/**
 * A frame laid out in SharedArrayBuffers so every pool worker reads the same memory: posting a SharedColumn to a
 * worker shares the buffer, it does not copy it. Text is stored as UTF-8 bytes plus Int32 offsets
 * (offset -1 = missing). Only dictionaries (small string arrays) are copied per message.
 */
export interface SharedColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly length: number;
  /** Values (numeric, datetime: Float64; boolean: Uint8) or codes (categorical: Int32) or text start offsets (Int32, n + 1). */
  readonly buffer: SharedArrayBuffer;
  readonly dictionary?: readonly string[];
  /** Text only: UTF-8 bytes of all values back to back. */
  readonly textBytes?: SharedArrayBuffer;
  /** Text only: 1 where the value is missing (Uint8, n). */
  readonly textMissing?: SharedArrayBuffer;
}

export interface SharedFrame {
  readonly columns: readonly SharedColumn[];
  readonly numRows: number;
}

function sharedCopy<T extends Float64Array | Int32Array | Uint8Array>(src: T, Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }): SharedArrayBuffer {
  // Already shared (the CSV reader builds numeric columns in SharedArrayBuffers): the workers read it in place.
  if (src.buffer instanceof SharedArrayBuffer && src.byteOffset === 0 && src.length > 0) return src.buffer;
  const buffer = new SharedArrayBuffer(Math.max(1, src.length) * Ctor.BYTES_PER_ELEMENT);
  new Ctor(buffer).set(src);
  return buffer;
}

export function shareColumn(col: Column): SharedColumn {
  const base = { name: col.name, kind: col.kind, length: col.length };
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      return { ...base, buffer: sharedCopy(col.values, Float64Array) };
    case 'boolean':
      return { ...base, buffer: sharedCopy(col.values, Uint8Array) };
    case 'categorical':
      return { ...base, buffer: sharedCopy(col.codes, Int32Array), dictionary: [...col.dictionary] };
    case 'text': {
      const encoder = new TextEncoder();
      const encoded = col.values.map((v) => (v === null ? null : encoder.encode(v)));
      let total = 0;
      for (const e of encoded) if (e) total += e.length;
      const bytes = new SharedArrayBuffer(Math.max(1, total));
      const view = new Uint8Array(bytes);
      const offsetsBuffer = new SharedArrayBuffer((col.length + 1) * 4);
      const offsets = new Int32Array(offsetsBuffer);
      const missingBuffer = new SharedArrayBuffer(Math.max(1, col.length));
      const missing = new Uint8Array(missingBuffer);
      let at = 0;
      for (let i = 0; i < encoded.length; i++) {
        const e = encoded[i];
        offsets[i] = at;
        if (e === null) {
          missing[i] = 1;
          continue;
        }
        view.set(e, at);
        at += e.length;
      }
      offsets[col.length] = at;
      return { ...base, buffer: offsetsBuffer, textBytes: bytes, textMissing: missingBuffer };
    }
  }
}

export function columnFromShared(s: SharedColumn): Column {
  const n = s.length;
  switch (s.kind) {
    case 'numeric':
      return numericColumn(s.name, new Float64Array(s.buffer, 0, n));
    case 'datetime':
      return datetimeColumn(s.name, new Float64Array(s.buffer, 0, n));
    case 'boolean':
      return booleanColumn(s.name, new Uint8Array(s.buffer, 0, n));
    case 'categorical':
      return categoricalColumn(s.name, new Int32Array(s.buffer, 0, n), s.dictionary ?? []);
    case 'text': {
      const offsets = new Int32Array(s.buffer, 0, n + 1);
      const missing = new Uint8Array(s.textMissing!);
      const bytes = new Uint8Array(s.textBytes!);
      const decoder = new TextDecoder();
      const values = new Array<string | null>(n);
      for (let i = 0; i < n; i++) {
        // TextDecoder cannot read a SharedArrayBuffer view directly; copy this one value.
        values[i] = missing[i] ? null : decoder.decode(bytes.slice(offsets[i], offsets[i + 1]));
      }
      return textColumn(s.name, values);
    }
  }
}

export function shareFrame(frame: Frame): SharedFrame {
  return { columns: frame.columns.map(shareColumn), numRows: frame.numRows };
}

export function frameFromShared(s: SharedFrame): Frame {
  return Frame.fromColumns(s.columns.map(columnFromShared));
}

