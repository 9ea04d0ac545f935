/**
 * The one number parser: every place that turns user text into a number (the CSV reader, type inference,
 * alignment of text columns at prediction time, serve payloads) uses this grammar, so a value means the same
 * number wherever it arrives. Grammar: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, finite
 * only. Hex (`0x10`), `Infinity`, digit separators (`1_000`), binary/octal literals are not numbers (NaN).
 * `parseNumberBytes` is the byte-level fast path of the CSV reader (cells never become JS strings).
 */

const SPACE = 0x20;
const TAB = 0x09;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Exact powers of ten: with a mantissa below 2^53 and |exponent| <= 22, one multiply/divide is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Decimal digits that always fit the exact double mantissa (10^15 < 2^53). */
export const MAX_EXACT_DIGITS = 15;
/** Largest power of ten that is an exact double (10^22). */
const MAX_EXACT_POW10 = 22;

/**
 * mantissa x 10^exponent, correctly rounded, for an exact integer mantissa of at most MAX_EXACT_DIGITS digits
 * and |exponent| <= 22 (one multiply or divide of two exact doubles). Shared with the CSV scanner's fused
 * numeric path, so both give bit-identical values.
 */
export function scaleExact(mantissa: number, exponent: number, negative: boolean): number {
  const value = exponent >= 0 ? mantissa * POW10[exponent] : mantissa / POW10[-exponent];
  return negative ? -value : value;
}

/** First non-blank byte of [s, e) (blanks: space and tab, the ones a CSV cell may be padded with). */
export function trimStart(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  return s;
}

/** End of [s, e) without trailing blanks (space and tab). */
export function trimEnd(buf: Uint8Array, s: number, e: number): number {
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  return e;
}

/**
 * The finite number spelled by bytes [s, e) (surrounding blanks allowed), or NaN when the text is not a
 * plain decimal number. Grammar: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?. Hex, "Infinity",
 * digit separators and the like are not numbers here (they are not castable to a finite float in the spec).
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number): number {
  s = trimStart(buf, s, e);
  e = trimEnd(buf, s, e);
  if (s >= e) return NaN;
  let i = s;
  let negative = false;
  const c = buf[i];
  if (c === MINUS) {
    negative = true;
    i++;
  } else if (c === PLUS) i++;
  // All digits go into one mantissa; with at most 15 of them it is exact (< 2^53), leading zeros included.
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let d = 0;
  while (i < e && (d = buf[i] - ZERO) >>> 0 <= 9) {
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < e && buf[i] === DOT) {
    i++;
    while (i < e && (d = buf[i] - ZERO) >>> 0 <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      fraction++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  let exponent = -fraction;
  if (i < e && (buf[i] === LOWER_E || buf[i] === UPPER_E)) {
    i++;
    let expNegative = false;
    if (i < e && (buf[i] === MINUS || buf[i] === PLUS)) {
      expNegative = buf[i] === MINUS;
      i++;
    }
    let expDigits = 0;
    let exp = 0;
    while (i < e && (d = buf[i] - ZERO) >>> 0 <= 9) {
      if (exp < 100000) exp = exp * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    exponent += expNegative ? -exp : exp;
  }
  if (i !== e) return NaN;
  let value: number;
  if (digits <= MAX_EXACT_DIGITS && exponent >= -MAX_EXACT_POW10 && exponent <= MAX_EXACT_POW10) {
    value = scaleExact(mantissa, exponent, negative);
  } else {
    // Long mantissas and large exponents: let the engine round correctly (the grammar is already checked).
    value = Number(latin1(buf, s, e));
  }
  return value - value === 0 ? value : NaN;
}

/** The finite number in a string (same grammar as parseNumberBytes, surrounding whitespace allowed), or NaN. */
export function parseNumber(text: string): number {
  const t = text.trim();
  if (t === '' || !NUMBER_PATTERN.test(t)) return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function latin1(buf: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}
