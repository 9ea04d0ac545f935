/**
 * Byte-level helpers for the CSV fast path: string interning straight from a UTF-8 (or Latin-1) buffer, so
 * that categorical cells never become JS strings. Numbers are parsed by src/util/parse-number.ts (the one
 * number grammar, shared with alignment and serving).
 */

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
