/**
 * RFC 4180 record scanner over raw bytes. It does not build strings: it records, for each field, the byte
 * range of its content (quotes excluded) and a flag, and for each record its first line number, so the
 * column converters can parse numbers and intern categories straight from the buffer.
 *
 * Quoting: a field starting with `"` runs to the matching `"`; `""` inside is an escaped quote (flag
 * ESCAPED); newlines inside quotes are data. Blanks between a closing quote and the delimiter are allowed.
 * Records end at LF, CRLF or a lone CR. A blank line is skipped (and counted).
 */
import { TabpilotError } from '../util/errors.js';

export const FLAG_QUOTED = 1;
export const FLAG_ESCAPED = 2;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

export class FieldIndex {
  starts = new Int32Array(1 << 16);
  ends = new Int32Array(1 << 16);
  flags = new Uint8Array(1 << 16);
  /** Per record: line number (1-based) where it starts, and the index of its first field. */
  recordLines = new Int32Array(1 << 12);
  recordFirstField = new Int32Array((1 << 12) + 1);
  fieldCount = 0;
  recordCount = 0;

  reset(): void {
    this.fieldCount = 0;
    this.recordCount = 0;
  }

  growFields(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(n);
    ends.set(this.ends);
    this.ends = ends;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
  }

  growRecords(): void {
    const n = this.recordLines.length * 2;
    const lines = new Int32Array(n);
    lines.set(this.recordLines);
    this.recordLines = lines;
    const first = new Int32Array(n + 1);
    first.set(this.recordFirstField);
    this.recordFirstField = first;
  }
}

export interface ScanState {
  /** Byte offset of the first unconsumed byte (start of an incomplete record, or end). */
  position: number;
  /** Line number at `position`. */
  line: number;
}

export interface RaggedHandler {
  /** Called for a record whose field count differs from `expectedFields`; it throws or counts. */
  (line: number, fields: number): void;
}

export interface ScanParams {
  delimiter: number;
  /** Fields per record, or -1 to accept any count (header and delimiter sniffing). */
  expectedFields: number;
  /** Stop after this many records have been stored in `index`. */
  maxRecords: number;
  /** True when [position, end) runs to the end of the input (no more bytes will come). */
  final: boolean;
  onRagged: RaggedHandler;
  onBlankLine: () => void;
  file: string;
}

/**
 * Scans complete records from buf[state.position, end) into index, advancing state. Incomplete trailing
 * records are left for the next call (unless `final`). Returns the number of records stored.
 */
export function scanRecords(buf: Uint8Array, end: number, state: ScanState, index: FieldIndex, p: ScanParams): number {
  const delim = p.delimiter;
  const expected = p.expectedFields;
  const final = p.final;
  let i = state.position;
  let line = state.line;
  let stored = 0;
  let starts = index.starts;
  let ends = index.ends;
  let flags = index.flags;

  records: while (i < end && stored < p.maxRecords) {
    const recordStart = i;
    const recordLine = line;
    const firstField = index.fieldCount;
    let nf = 0;
    for (;;) {
      // One field starting at i.
      let fs: number;
      let fe: number;
      let flag = 0;
      if (i < end && buf[i] === QUOTE) {
        flag = FLAG_QUOTED;
        let j = i + 1;
        fs = j;
        for (;;) {
          if (j >= end) {
            if (final) throw new TabpilotError('BAD_FORMAT', `quoted field opened here is never closed`, { file: p.file, line: recordLine });
            break records;
          }
          const b = buf[j];
          if (b === QUOTE) {
            if (j + 1 >= end && !final) break records;
            if (j + 1 < end && buf[j + 1] === QUOTE) {
              flag |= FLAG_ESCAPED;
              j += 2;
              continue;
            }
            break;
          }
          if (b === LF) line++;
          else if (b === CR && !(j + 1 < end && buf[j + 1] === LF)) line++;
          j++;
        }
        fe = j;
        i = j + 1;
        while (i < end && (buf[i] === SPACE || buf[i] === TAB) && buf[i] !== delim) i++;
        if (i < end && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) {
          throw new TabpilotError('BAD_FORMAT', `unexpected character after a closing quote (field ${nf + 1})`, { file: p.file, line });
        }
      } else {
        fs = i;
        while (i < end) {
          const b = buf[i];
          if (b === delim || b === LF || b === CR) break;
          i++;
        }
        fe = i;
      }
      if (i >= end && !final) break records;
      if (index.fieldCount === starts.length) {
        index.growFields();
        starts = index.starts;
        ends = index.ends;
        flags = index.flags;
      }
      const f = index.fieldCount++;
      starts[f] = fs;
      ends[f] = fe;
      flags[f] = flag;
      nf++;
      if (i >= end) break; // final: end of input ends the record
      const b = buf[i];
      if (b === delim) {
        i++;
        if (i >= end) {
          if (!final) break records;
          // "a,b," at the very end: one more, empty, field.
          if (index.fieldCount === starts.length) {
            index.growFields();
            starts = index.starts;
            ends = index.ends;
            flags = index.flags;
          }
          const g = index.fieldCount++;
          starts[g] = i;
          ends[g] = i;
          flags[g] = 0;
          nf++;
          break;
        }
        continue;
      }
      // CR, LF or CRLF ends the record.
      if (b === CR) {
        if (i + 1 < end) {
          if (buf[i + 1] === LF) i++;
        } else if (!final) break records;
      }
      i++;
      line++;
      break;
    }
    // A complete record of nf fields.
    if (nf === 1 && ends[firstField] === starts[firstField] && flags[firstField] === 0) {
      index.fieldCount = firstField;
      state.position = i;
      state.line = line;
      p.onBlankLine();
      continue;
    }
    if (expected >= 0 && nf !== expected) {
      index.fieldCount = firstField;
      state.position = i;
      state.line = line;
      p.onRagged(recordLine, nf);
      continue;
    }
    if (index.recordCount + 1 >= index.recordLines.length) index.growRecords();
    index.recordLines[index.recordCount] = recordLine;
    index.recordFirstField[index.recordCount] = firstField;
    index.recordCount++;
    index.recordFirstField[index.recordCount] = index.fieldCount;
    stored++;
    state.position = i;
    state.line = line;
    void recordStart;
  }
  // Roll back a partially scanned record.
  index.fieldCount = index.recordFirstField[index.recordCount] ?? index.fieldCount;
  if (index.recordCount === 0) index.fieldCount = 0;
  return stored;
}
