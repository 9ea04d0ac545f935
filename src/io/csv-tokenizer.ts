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

/** What `closingQuote` updates as it scans: the line counter and the field's flags. */
interface QuoteScan {
  line: number;
  flag: number;
}

/**
 * From j, just after an opening quote, finds the closing quote and returns its index, or -1 when the buffer
 * ends first and more bytes may come (not `final`). Doubled quotes set FLAG_ESCAPED; line breaks inside the
 * quotes advance `s.line`.
 */
function closingQuote(buf: Uint8Array, j: number, end: number, final: boolean, s: QuoteScan, file: string, recordLine: number): number {
  for (;;) {
    // Plain content runs until a quote or a line break.
    while (j < end) {
      const b = buf[j];
      if (b === QUOTE || b === LF || b === CR) break;
      j++;
    }
    if (j >= end) {
      if (final) throw new TabpilotError('BAD_FORMAT', `quoted field opened here is never closed`, { file, line: recordLine });
      return -1;
    }
    const b = buf[j];
    if (b === QUOTE) {
      if (j + 1 >= end && !final) return -1;
      if (j + 1 < end && buf[j + 1] === QUOTE) {
        s.flag |= FLAG_ESCAPED;
        j += 2;
        continue;
      }
      return j;
    }
    if (b === LF) s.line++;
    else if (!(j + 1 < end && buf[j + 1] === LF)) s.line++;
    j++;
  }
}

/**
 * Scans complete records from buf[state.position, end) into index, advancing state. Incomplete trailing
 * records are left for the next call (unless `final`). Returns the number of records stored.
 */
export function scanRecords(buf: Uint8Array, end: number, state: ScanState, index: FieldIndex, p: ScanParams): number {
  const delim = p.delimiter;
  const expected = p.expectedFields;
  const final = p.final;
  const maxRecords = p.maxRecords;
  let i = state.position;
  let line = state.line;
  let stored = 0;
  // Hot loop: counters and arrays live in locals and are written back to `index` on exit.
  let fc = index.fieldCount;
  let rc = index.recordCount;
  let starts = index.starts;
  let ends = index.ends;
  let flags = index.flags;
  let cap = starts.length;
  const grow = () => {
    index.growFields();
    starts = index.starts;
    ends = index.ends;
    flags = index.flags;
    cap = starts.length;
  };

  const quote: QuoteScan = { line, flag: 0 };

  records: while (i < end && stored < maxRecords) {
    const recordLine = line;
    const firstField = fc;
    let nf = 0;
    for (;;) {
      // One field starting at i.
      let fs: number;
      let fe: number;
      let flag = 0;
      if (i < end && buf[i] === QUOTE) {
        fs = i + 1;
        quote.line = line;
        quote.flag = FLAG_QUOTED;
        const j = closingQuote(buf, fs, end, final, quote, p.file, recordLine);
        if (j < 0) break records;
        line = quote.line;
        flag = quote.flag;
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
      if (fc + 1 >= cap) grow();
      starts[fc] = fs;
      ends[fc] = fe;
      flags[fc] = flag;
      fc++;
      nf++;
      if (i >= end) break; // final: end of input ends the record
      const b = buf[i];
      if (b === delim) {
        i++;
        if (i >= end) {
          if (!final) break records;
          // "a,b," at the very end: one more, empty, field.
          starts[fc] = i;
          ends[fc] = i;
          flags[fc] = 0;
          fc++;
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
    state.position = i;
    state.line = line;
    if (nf === 1 && ends[firstField] === starts[firstField] && flags[firstField] === 0) {
      fc = firstField;
      p.onBlankLine();
      continue;
    }
    if (expected >= 0 && nf !== expected) {
      fc = firstField;
      p.onRagged(recordLine, nf);
      continue;
    }
    if (rc + 1 >= index.recordLines.length) index.growRecords();
    index.recordLines[rc] = recordLine;
    index.recordFirstField[rc] = firstField;
    rc++;
    index.recordFirstField[rc] = fc;
    stored++;
  }
  // Drop the fields of a partially scanned record.
  index.recordCount = rc;
  index.fieldCount = rc === 0 ? 0 : index.recordFirstField[rc];
  return stored;
}
