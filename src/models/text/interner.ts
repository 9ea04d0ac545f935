import { words } from './tokenizer.js';

/**
 * Word ids without a string per word occurrence: `WordInterner.appendWordIds` scans a document's characters,
 * hashes each word's lower-cased code units as it goes and finds the word in an open-addressing table of the
 * words seen so far, so only a word's first occurrence makes a string. The result is exactly `words(text)`
 * mapped to ids: an all-ASCII document is scanned directly (there NFKC changes nothing, lower-casing is A-Z ->
 * a-z and the word characters are [A-Za-z0-9]); any other document goes through `words()`.
 */

/** FNV-1a 32-bit offset basis and prime. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Initial slots of the hash table (a power of two; grown to keep the load at most one half). */
const START_SLOTS = 1 << 12;
/** Initial code units of the word store (grown by doubling). */
const START_CHARS = 1 << 15;
/** Code units below this are ASCII. */
const ASCII_END = 0x80;
/** Upper-case ASCII letters A..Z and the distance to their lower case. */
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const TO_LOWER = 0x20;

/** Per ASCII code unit: its lower case when it is a word character (\p{L} or \p{N}: 0-9, A-Z, a-z), else 0. */
const ASCII_WORD = new Uint8Array(ASCII_END);
for (let c = 0; c < ASCII_END; c++) if (/[\p{L}\p{N}]/u.test(String.fromCharCode(c))) ASCII_WORD[c] = c >= UPPER_A && c <= UPPER_Z ? c + TO_LOWER : c;
const encoder = new TextEncoder();
/** The document being scanned, as bytes (ASCII documents only): one scratch buffer for every interner. */
let scratch = new Uint8Array(START_CHARS);

/** A growable list of int32 (typed storage: no boxed numbers). */
export class IntList {
  data: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
}

/** FNV-1a of a string's code units (as a signed 32-bit integer, as the table stores it). */
function hashOf(w: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a of a word's code units, unsigned (fastText hashes words with FNV-1a). */
export function wordHash(w: string): number {
  return hashOf(w) >>> 0;
}

/** Word -> dense id (0, 1, 2, ... in first-seen order). */
export class WordInterner {
  /** The word of each id. */
  readonly words: string[] = [];
  private slots = new Int32Array(START_SLOTS).fill(-1);
  private hashes = new Int32Array(START_SLOTS);
  private starts = new Int32Array(START_SLOTS);
  private lens = new Int32Array(START_SLOTS);
  private chars = new Uint16Array(START_CHARS);
  private used = 0;

  get size(): number {
    return this.words.length;
  }

  /** wordHash of word `id`, already computed when the word was interned. */
  hashOfId(id: number): number {
    return this.hashes[id] >>> 0;
  }

  /** The slot holding word `w` (hash `h`), or the empty slot where it goes. */
  private find(w: string, h: number): number {
    const mask = this.slots.length - 1;
    const len = w.length;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id < 0) return s;
      if (this.hashes[id] !== h || this.lens[id] !== len) continue;
      const at = this.starts[id];
      let k = 0;
      while (k < len && this.chars[at + k] === w.charCodeAt(k)) k++;
      if (k === len) return s;
    }
  }

  /** find() for the lower-cased ASCII word bytes[from, to) of the document being scanned. */
  private findBytes(bytes: Uint8Array, from: number, to: number, h: number): number {
    const { chars } = this;
    const mask = this.slots.length - 1;
    const len = to - from;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id < 0) return s;
      if (this.hashes[id] !== h || this.lens[id] !== len) continue;
      const at = this.starts[id] - from;
      let k = from;
      while (k < to && chars[at + k] === ASCII_WORD[bytes[k]]) k++;
      if (k === to) return s;
    }
  }

  private insert(slot: number, word: string, h: number): number {
    const id = this.words.length;
    if (id === this.hashes.length) {
      const hashes = new Int32Array(2 * id);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const starts = new Int32Array(2 * id);
      starts.set(this.starts);
      this.starts = starts;
      const lens = new Int32Array(2 * id);
      lens.set(this.lens);
      this.lens = lens;
    }
    if (this.used + word.length > this.chars.length) {
      const chars = new Uint16Array(Math.max(2 * this.chars.length, this.used + word.length));
      chars.set(this.chars.subarray(0, this.used));
      this.chars = chars;
    }
    for (let k = 0; k < word.length; k++) this.chars[this.used + k] = word.charCodeAt(k);
    this.starts[id] = this.used;
    this.lens[id] = word.length;
    this.used += word.length;
    this.hashes[id] = h;
    this.words.push(word);
    this.slots[slot] = id;
    if (2 * this.words.length > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(2 * this.slots.length).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.words.length; id++) {
      let s = this.hashes[id] & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }

  /** The id of word `w` (a words() token: lower case), added when `grow`; -1 when absent and not `grow`. */
  id(w: string, grow: boolean): number {
    const h = hashOf(w);
    const slot = this.find(w, h);
    const id = this.slots[slot];
    if (id >= 0 || !grow) return id;
    return this.insert(slot, w, h);
  }

  /**
   * Appends the id of each word of `text` (words(text), in order) to `out`; unknown words give -1 unless
   * `grow`, which adds them.
   */
  appendWordIds(text: string, grow: boolean, out: IntList): void {
    if (!this.scanAscii(text, grow, out)) for (const w of words(text)) out.push(this.id(w, grow));
  }

  /** appendWordIds for an all-ASCII text; false (with `out` untouched) for any other. */
  private scanAscii(text: string, grow: boolean, out: IntList): boolean {
    const n = text.length;
    if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
    const bytes = scratch;
    const { read, written } = encoder.encodeInto(text, bytes);
    // UTF-8 of an ASCII text is its code units, one byte each.
    if (read !== n || written !== n) return false;
    let i = 0;
    while (i < n) {
      if (ASCII_WORD[bytes[i]] === 0) {
        i++;
        continue;
      }
      const from = i;
      let h = FNV_OFFSET;
      for (let c = ASCII_WORD[bytes[i]]; c !== 0; c = i < n ? ASCII_WORD[bytes[i]] : 0) {
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      }
      const slot = this.findBytes(bytes, from, i, h);
      let id = this.slots[slot];
      if (id < 0 && grow) id = this.insert(slot, text.slice(from, i).toLowerCase(), h);
      out.push(id);
    }
    return true;
  }
}
