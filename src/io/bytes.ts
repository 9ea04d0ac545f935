/**
 * Byte-level helpers for the CSV fast path: number parsing and string interning straight from a
 * UTF-8 (or Latin-1) buffer, so that numeric and categorical cells never become JS strings.
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

export function trimStart(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  return s;
}

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
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
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
  if (digits <= 15 && exponent >= -22 && exponent <= 22) {
    value = exponent >= 0 ? mantissa * POW10[exponent] : mantissa / POW10[-exponent];
    if (negative) value = -value;
  } else {
    // Long mantissas and large exponents: let the engine round correctly (the grammar is already checked).
    value = Number(latin1(buf, s, e));
  }
  return value - value === 0 ? value : NaN;
}

/** The finite number in a string (same grammar as parseNumberBytes), or NaN. */
export function parseNumberString(text: string): number {
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

export type TextEncodingName = 'utf8' | 'latin1';

interface SliceMethods {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/**
 * Decodes bytes [s, e) of a Buffer. Calls Node's slice methods directly: `toString` re-validates the
 * encoding name and range on every call, which dominates for millions of short cells. Pure-ASCII input may
 * be decoded as Latin-1 (identical result, cheaper).
 */
export function decodeBytes(buf: Buffer, s: number, e: number, encoding: TextEncodingName): string {
  const b = buf as unknown as SliceMethods;
  return encoding === 'latin1' ? b.latin1Slice(s, e) : b.utf8Slice(s, e);
}

/**
 * Interns byte strings into dense codes without building a JS string per occurrence: an open-addressing
 * hash table over FNV-1a hashes, with the bytes of each distinct value kept in a pool for comparison.
 * A JS string is created only the first time a value is seen.
 */
export class ByteInterner {
  readonly dictionary: string[] = [];
  private table: Int32Array;
  private mask: number;
  private hashes = new Uint32Array(64);
  private offsets = new Int32Array(65);
  private pool = new Uint8Array(1024);
  private poolUsed = 0;

  /**
   * @param keepStrings false when only codes and the count of distinct values matter (type inference):
   *   the dictionary then holds '' placeholders and no string is decoded.
   */
  constructor(
    private readonly encoding: TextEncodingName = 'utf8',
    initialDictionary: readonly string[] = [],
    private readonly keepStrings = true,
  ) {
    this.table = new Int32Array(256);
    this.mask = 255;
    for (const s of initialDictionary) this.internString(s);
  }

  get size(): number {
    return this.dictionary.length;
  }

  private lastCode = -1;

  /** Code for bytes [s, e) of buf, adding the value if new. */
  intern(buf: Buffer, s: number, e: number): number {
    // Runs of one value are common (sorted or skewed columns): check the previous value before hashing.
    const last = this.lastCode;
    if (last >= 0) {
      const off = this.offsets[last];
      const len = this.offsets[last + 1] - off;
      if (len === e - s) {
        const pool = this.pool;
        let k = 0;
        while (k < len && pool[off + k] === buf[s + k]) k++;
        if (k === len) return last;
      }
    }
    const code = this.lookup(buf, s, e);
    this.lastCode = code;
    return code;
  }

  private lookup(buf: Buffer, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    h >>>= 0;
    const len = e - s;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const entry = table[slot];
      if (entry === 0) break;
      const code = entry - 1;
      if (this.hashes[code] === h) {
        const off = this.offsets[code];
        if (this.offsets[code + 1] - off === len) {
          const pool = this.pool;
          let same = true;
          for (let k = 0; k < len; k++) {
            if (pool[off + k] !== buf[s + k]) {
              same = false;
              break;
            }
          }
          if (same) return code;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.add(buf, s, e, h, slot, this.keepStrings ? decodeBytes(buf, s, e, this.encoding) : '');
  }

  /** Code for a JS string (slow path: quoted cells with escapes, canonical numbers, preset dictionaries). */
  internString(value: string): number {
    const bytes = Buffer.from(value, this.encoding);
    return this.intern(bytes, 0, bytes.length);
  }

  private add(buf: Uint8Array, s: number, e: number, h: number, slot: number, value: string): number {
    const code = this.dictionary.length;
    const len = e - s;
    if (code + 1 >= this.hashes.length) {
      const hashes = new Uint32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const offsets = new Int32Array(this.offsets.length * 2);
      offsets.set(this.offsets);
      this.offsets = offsets;
    }
    if (this.poolUsed + len > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    this.pool.set(buf.subarray(s, e), this.poolUsed);
    this.poolUsed += len;
    this.hashes[code] = h;
    this.offsets[code + 1] = this.poolUsed;
    this.dictionary.push(value);
    this.table[slot] = code + 1;
    if ((code + 1) * 2 > this.table.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let code = 0; code < this.dictionary.length; code++) {
      let slot = this.hashes[code] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = code + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}
