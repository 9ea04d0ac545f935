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
import { MAX_EXACT_DIGITS, scaleExact } from '../util/parse-number.js';

export const FLAG_QUOTED = 1;
export const FLAG_ESCAPED = 2;
/** The field is a plain decimal number parsed while scanning (numeric columns only); its value is in `values`. */
export const FLAG_PARSED = 4;

/** fieldModes values: what the scanner computes for a field position besides its byte range. */
export const FIELD_PLAIN = 0;
export const FIELD_NUMBER = 1;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;

export class FieldIndex {
  starts = new Int32Array(1 << 16);
  ends = new Int32Array(1 << 16);
  flags = new Uint8Array(1 << 16);
  /** Per field with FLAG_PARSED: its number (allocated by the first scan with fieldModes). */
  values = new Float64Array(0);
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
    if (this.values.length > 0) {
      const values = new Float64Array(n);
      values.set(this.values);
      this.values = values;
    }
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
  /**
   * Per field position in a record: FIELD_NUMBER for numeric columns, whose plain decimal cells
   * ([+-]digits[.digits], at most 15 digits, no blanks) are parsed during the scan (FLAG_PARSED; any other
   * cell is left to parseNumberBytes). Omitted or null: plain scan.
   */
  fieldModes?: Uint8Array | null;
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

/** From i, just after a closing quote: skips blanks up to the delimiter or line end and returns that position. */
function afterClosingQuote(buf: Uint8Array, i: number, end: number, delim: number, file: string, line: number, nf: number): number {
  while (i < end && (buf[i] === SPACE || buf[i] === TAB) && buf[i] !== delim) i++;
  if (i < end && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) {
    throw new TabpilotError('BAD_FORMAT', `unexpected character after a closing quote (field ${nf + 1})`, { file, line });
  }
  return i;
}

/** What a numeric field scan found besides the field's end: FLAG_PARSED and the value, or nothing. */
interface FieldScan {
  flag: number;
  value: number;
}

/**
 * Scans an unquoted numeric field from i and returns its end. A plain decimal ([+-]digits[.digits], at most
 * MAX_EXACT_DIGITS digits, nothing else) is parsed on the way (FLAG_PARSED, exactly as parseNumberBytes would);
 * a cell that turns out to be anything else (exponent, blanks, text, more digits) is only scanned.
 */
function scanNumberField(buf: Uint8Array, i: number, end: number, delim: number, out: FieldScan): number {
  let negative = false;
  if (i < end) {
    const c = buf[i];
    if (c === MINUS) {
      negative = true;
      i++;
    } else if (c === PLUS) i++;
  }
  const digitsStart = i;
  let mantissa = 0;
  let d = 0;
  while (i < end && (d = buf[i] - ZERO) >>> 0 <= 9) {
    mantissa = mantissa * 10 + d;
    i++;
  }
  let digits = i - digitsStart;
  let fraction = 0;
  if (i < end && buf[i] === DOT) {
    i++;
    const fractionStart = i;
    while (i < end && (d = buf[i] - ZERO) >>> 0 <= 9) {
      mantissa = mantissa * 10 + d;
      i++;
    }
    fraction = i - fractionStart;
    digits += fraction;
  }
  const numberEnd = i;
  while (i < end) {
    const b = buf[i];
    if (b === delim || b === LF || b === CR) break;
    i++;
  }
  if (i === numberEnd && digits > 0 && digits <= MAX_EXACT_DIGITS) {
    out.flag = FLAG_PARSED;
    out.value = scaleExact(mantissa, -fraction, negative);
  }
  return i;
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
  // Hot loop: counters and arrays live in locals (no closure assigns them: that would move them to a heap context).
  let fc = index.fieldCount;
  let rc = index.recordCount;
  let starts = index.starts;
  let ends = index.ends;
  let flags = index.flags;
  let cap = starts.length;
  const modes = p.fieldModes ?? null;
  const modeCount = modes === null ? 0 : modes.length;
  if (modeCount > 0 && index.values.length < cap) index.values = new Float64Array(cap);
  let values = index.values;
  const quote: QuoteScan = { line, flag: 0 };
  const field: FieldScan = { flag: 0, value: 0 };

  records: while (i < end && stored < maxRecords) {
    const recordLine = line;
    const firstField = fc;
    let nf = 0;
    for (;;) {
      // One field starting at i: content [fs, fe), flags, and the number when the scan parsed it.
      let fs: number, fe: number;
      let flag = 0, parsed = 0;
      if (i < end && buf[i] === QUOTE) {
        fs = i + 1;
        quote.line = line;
        quote.flag = FLAG_QUOTED;
        const j = closingQuote(buf, fs, end, final, quote, p.file, recordLine);
        if (j < 0) break records;
        line = quote.line;
        flag = quote.flag;
        fe = j;
        i = afterClosingQuote(buf, j + 1, end, delim, p.file, line, nf);
      } else {
        fs = i;
        const mode = nf < modeCount ? modes![nf] : FIELD_PLAIN;
        if (mode === FIELD_PLAIN) {
          while (i < end) {
            const b = buf[i];
            if (b === delim || b === LF || b === CR) break;
            i++;
          }
        } else {
          field.flag = 0;
          i = scanNumberField(buf, i, end, delim, field);
          flag = field.flag;
          parsed = field.value;
        }
        fe = i;
      }
      if (i >= end && !final) break records;
      if (fc + 1 >= cap) {
        index.growFields();
        ({ starts, ends, flags, values } = index);
        cap = starts.length;
      }
      starts[fc] = fs;
      ends[fc] = fe;
      flags[fc] = flag;
      if (flag === FLAG_PARSED) values[fc] = parsed;
      fc++;
      nf++;
      if (i >= end) break; // final: end of input ends the record
      const b = buf[i];
      if (b === delim) {
        i++;
        if (i >= end) {
          if (!final) break records;
          // "a,b," at the very end: one more, empty, field.
          starts[fc] = ends[fc] = i;
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
