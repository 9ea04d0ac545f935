import { type Column, toStrings } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { arrayAt, booleanAt, field, formatError, numberArrayAt, numberAt, objectAt, stringArrayAt } from '../model-json.js';
import { CHAR_PREFIX, type TokenizerOptions, forEachCharNgram, words } from './tokenizer.js';

/**
 * TF-IDF with a fitted vocabulary (not hashed buckets): `fit` learns the terms and their IDF from the documents
 * it is given and nothing else (the learners call it on a fold's training rows only), `transform` gives a sparse
 * CSR matrix of L2-normalised rows. IDF is scikit-learn's smoothed ln((1 + n) / (1 + df)) + 1.
 */

/** Compressed sparse rows: row i's entries are indices/values[indptr[i] .. indptr[i + 1]), indices ascending. */
export interface Csr {
  readonly numRows: number;
  readonly numCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export interface TfidfOptions extends TokenizerOptions {
  /** A term must occur in at least this many training documents. */
  readonly minDf: number;
  /** Keep at most this many terms (highest document frequency first, ties by term). */
  readonly maxFeatures: number;
  /** Term frequency 1 + ln(count) instead of the raw count. */
  readonly sublinearTf: boolean;
}

export interface TfidfJSON {
  readonly wordNgrams: number;
  readonly charNgrams: readonly [number, number] | null;
  readonly sublinearTf: boolean;
  readonly terms: readonly string[];
  readonly idf: readonly number[];
}

/** One document per row: the row's feature columns' strings joined by a space (missing cells skipped). */
export function documents(frame: Frame, featureNames: readonly string[], rows?: Int32Array): string[] {
  const cols: (string | null)[][] = featureNames.map((n) => stringsOf(frame.column(n)));
  const n = rows ? rows.length : frame.numRows;
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    let doc = '';
    for (const c of cols) {
      const v = c[r];
      if (v !== null) doc = doc === '' ? v : `${doc} ${v}`;
    }
    out[i] = doc;
  }
  return out;
}

function stringsOf(col: Column): (string | null)[] {
  return col.kind === 'text' ? (col.values as (string | null)[]) : toStrings(col);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A document: its text, or its words already split (words()), which skips tokenizing it again. */
export type Document = string | readonly string[];

/** Longest word n-gram supported (bigrams are looked up by their pair of word ids, not a joined string). */
export const MAX_WORD_NGRAMS = 2;
/** Initial capacity of a CSR matrix's entries (grown by doubling). */
const INITIAL_NONZEROS = 1 << 14;
/** Initial slots of a PairTable (a power of two). */
const PAIR_TABLE_START = 1 << 12;

/**
 * Open-addressing hash table from a pair of word ids to a dense pair number (0, 1, 2, ... in insertion order):
 * typed arrays and integer hashing, several times faster than a Map keyed by joined strings or big numbers.
 */
class PairTable {
  private a = new Int32Array(PAIR_TABLE_START);
  private b = new Int32Array(PAIR_TABLE_START);
  private id = new Int32Array(PAIR_TABLE_START).fill(-1);
  /** First and second word of each pair number. */
  readonly first: number[] = [];
  readonly second: number[] = [];

  get size(): number {
    return this.first.length;
  }

  private slot(x: number, y: number): number {
    const mask = this.id.length - 1;
    let h = (Math.imul(x, 0x9e3779b1) ^ Math.imul(y + 0x7f4a7c15, 0x85ebca6b)) & mask;
    while (this.id[h] >= 0 && (this.a[h] !== x || this.b[h] !== y)) h = (h + 1) & mask;
    return h;
  }

  /** The pair's number, or -1 when absent and not `add`. */
  get(x: number, y: number, add: boolean): number {
    const h = this.slot(x, y);
    if (this.id[h] >= 0 || !add) return this.id[h];
    const n = this.first.length;
    this.a[h] = x;
    this.b[h] = y;
    this.id[h] = n;
    this.first.push(x);
    this.second.push(y);
    // Keep the load at most one half.
    if (2 * (n + 1) > this.id.length) this.grow();
    return n;
  }

  private grow(): void {
    const size = this.id.length * 2;
    this.a = new Int32Array(size);
    this.b = new Int32Array(size);
    this.id = new Int32Array(size).fill(-1);
    for (let n = 0; n < this.first.length; n++) {
      const h = this.slot(this.first[n], this.second[n]);
      this.a[h] = this.first[n];
      this.b[h] = this.second[n];
      this.id[h] = n;
    }
  }
}

/**
 * Term ids of documents against a fixed vocabulary: words are hashed once each, bigrams are looked up by the
 * numeric pair of their word ids, character n-grams by string. Used by fit (with a growing vocabulary of every
 * term seen) and transform (the fitted vocabulary).
 */
class TermIndex {
  readonly wordId = new Map<string, number>();
  /** Term id of word w as a unigram, -1 when it is not a term. */
  unigram: number[] = [];
  readonly pairs = new PairTable();
  /** Term id of bigram pair number p, -1 when it is not a term. */
  bigram: number[] = [];
  readonly char = new Map<string, number>();

  constructor(readonly options: TokenizerOptions) {}

  /** The word's id (added when `grow`), or -1. */
  word(w: string, grow: boolean): number {
    let id = this.wordId.get(w);
    if (id === undefined) {
      if (!grow) return -1;
      id = this.wordId.size;
      this.wordId.set(w, id);
      this.unigram.push(-1);
    }
    return id;
  }

  /** Reports each term occurrence of `doc`: a word id, a bigram's pair number, a character n-gram. */
  scan(doc: Document, grow: boolean, onWord: (id: number) => void, onBigram: (key: number) => void, onChar: (gram: string) => void): void {
    const ws = typeof doc === 'string' ? words(doc) : doc;
    let prev = -1;
    for (const w of ws) {
      const id = this.word(w, grow);
      if (id >= 0) onWord(id);
      if (this.options.wordNgrams >= 2 && prev >= 0 && id >= 0) {
        const pair = this.pairs.get(prev, id, grow);
        if (pair >= 0) onBigram(pair);
      }
      prev = id;
    }
    const cn = this.options.charNgrams;
    if (cn) for (const w of ws) forEachCharNgram(w, cn, onChar);
  }
}

export class TfidfVectorizer {
  private readonly lookup: TermIndex;

  constructor(
    readonly options: Pick<TfidfOptions, 'wordNgrams' | 'charNgrams' | 'sublinearTf'>,
    readonly terms: readonly string[],
    readonly idf: Float64Array,
  ) {
    this.lookup = new TermIndex(options);
    terms.forEach((t, j) => {
      if (t.startsWith(CHAR_PREFIX)) this.lookup.char.set(t, j);
      else if (t.includes(' ')) {
        const [a, b] = t.split(' ');
        this.lookup.bigram[this.lookup.pairs.get(this.lookup.word(a, true), this.lookup.word(b, true), true)] = j;
      } else this.lookup.unigram[this.lookup.word(t, true)] = j;
    });
  }

  get numTerms(): number {
    return this.terms.length;
  }

  /** Learns the vocabulary and IDF from `docs` alone; `keepWords` (when given) receives each document's words. */
  static fit(docs: readonly string[], options: TfidfOptions, keepWords?: string[][]): TfidfVectorizer {
    const index = new TermIndex(options);
    const wordDf: number[] = [];
    const wordSeen: number[] = [];
    const bigramDf: number[] = [];
    const charDf = new Map<string, number>();
    const bigramSeen: number[] = [];
    const seenChar = new Set<string>();
    docs.forEach((text, d) => {
      seenChar.clear();
      const doc = words(text);
      keepWords?.push(doc);
      index.scan(
        doc,
        true,
        (id) => {
          if (wordSeen[id] === d + 1) return;
          wordSeen[id] = d + 1;
          wordDf[id] = (wordDf[id] ?? 0) + 1;
        },
        (pair) => {
          if (bigramSeen[pair] === d + 1) return;
          bigramSeen[pair] = d + 1;
          bigramDf[pair] = (bigramDf[pair] ?? 0) + 1;
        },
        (gram) => {
          if (seenChar.has(gram)) return;
          seenChar.add(gram);
          charDf.set(gram, (charDf.get(gram) ?? 0) + 1);
        },
      );
    });
    const wordList = [...index.wordId.keys()];
    let kept: [string, number][] = [];
    wordList.forEach((w, id) => {
      if (wordDf[id] >= options.minDf) kept.push([w, wordDf[id]]);
    });
    const { first, second } = index.pairs;
    bigramDf.forEach((d, pair) => {
      if (d >= options.minDf) kept.push([`${wordList[first[pair]]} ${wordList[second[pair]]}`, d]);
    });
    for (const [gram, d] of charDf) if (d >= options.minDf) kept.push([gram, d]);
    if (kept.length > options.maxFeatures) kept = kept.sort((a, b) => b[1] - a[1] || byString(a[0], b[0])).slice(0, options.maxFeatures);
    kept.sort((a, b) => byString(a[0], b[0]));
    const n = docs.length;
    const idf = Float64Array.from(kept, ([, d]) => Math.log((1 + n) / (1 + d)) + 1);
    return new TfidfVectorizer({ wordNgrams: options.wordNgrams, charNgrams: options.charNgrams, sublinearTf: options.sublinearTf }, kept.map(([t]) => t), idf);
  }

  /** The documents as L2-normalised TF-IDF rows; terms outside the vocabulary are ignored. */
  transform(docs: readonly Document[]): Csr {
    const counts = new Float64Array(this.terms.length);
    const touched: number[] = [];
    const indptr = new Int32Array(docs.length + 1);
    // Typed arrays grown by doubling: no boxed numbers for the garbage collector.
    let indices = new Int32Array(INITIAL_NONZEROS);
    let values = new Float64Array(INITIAL_NONZEROS);
    let nnz = 0;
    const count = (j: number | undefined): void => {
      if (j === undefined || j < 0) return;
      if (counts[j] === 0) touched.push(j);
      counts[j]++;
    };
    const { lookup } = this;
    for (let i = 0; i < docs.length; i++) {
      touched.length = 0;
      lookup.scan(
        docs[i],
        false,
        (id) => count(lookup.unigram[id]),
        (pair) => count(lookup.bigram[pair]),
        (gram) => count(lookup.char.get(gram)),
      );
      touched.sort((a, b) => a - b);
      let norm = 0;
      for (const j of touched) {
        const tf = this.options.sublinearTf ? 1 + Math.log(counts[j]) : counts[j];
        counts[j] = tf * this.idf[j];
        norm += counts[j] * counts[j];
      }
      norm = Math.sqrt(norm);
      if (nnz + touched.length > indices.length) {
        const size = Math.max(2 * indices.length, nnz + touched.length);
        const grownIndices = new Int32Array(size);
        grownIndices.set(indices.subarray(0, nnz));
        const grownValues = new Float64Array(size);
        grownValues.set(values.subarray(0, nnz));
        indices = grownIndices;
        values = grownValues;
      }
      for (const j of touched) {
        indices[nnz] = j;
        values[nnz++] = norm > 0 ? counts[j] / norm : 0;
        counts[j] = 0;
      }
      indptr[i + 1] = nnz;
    }
    return { numRows: docs.length, numCols: this.terms.length, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
  }

  toJSON(): TfidfJSON {
    return { ...this.options, terms: this.terms, idf: Array.from(this.idf) };
  }

  static fromJSON(json: unknown, path: string): TfidfVectorizer {
    const o = objectAt(json, path);
    const wordNgrams = numberAt(field(o, 'wordNgrams'), `${path}.wordNgrams`, { integer: true, min: 1, max: MAX_WORD_NGRAMS });
    const cn = field(o, 'charNgrams');
    let charNgrams: [number, number] | null = null;
    if (cn !== null) {
      const a = arrayAt(cn, `${path}.charNgrams`, 2).map((v, i) => numberAt(v, `${path}.charNgrams[${i}]`, { integer: true, min: 1 }));
      if (a[0] > a[1]) throw formatError(`${path}.charNgrams`, 'min must not exceed max');
      charNgrams = [a[0], a[1]];
    }
    const sublinearTf = booleanAt(field(o, 'sublinearTf'), `${path}.sublinearTf`);
    const terms = stringArrayAt(field(o, 'terms'), `${path}.terms`);
    if (new Set(terms).size !== terms.length) throw formatError(`${path}.terms`, 'terms must be distinct');
    const idf = numberArrayAt(field(o, 'idf'), `${path}.idf`, terms.length);
    return new TfidfVectorizer({ wordNgrams, charNgrams, sublinearTf }, terms, idf);
  }
}

/**
 * Chi-squared statistic of each column of X against the classes (scikit-learn's `chi2` on non-negative
 * features): observed per-class column sums against what the class frequencies predict.
 */
export function chi2Scores(X: Csr, classIndex: Int32Array, k: number): Float64Array {
  const observed = new Float64Array(k * X.numCols);
  const total = new Float64Array(X.numCols);
  const classCount = new Float64Array(k);
  for (let i = 0; i < X.numRows; i++) {
    const c = classIndex[i];
    classCount[c]++;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
      observed[c * X.numCols + X.indices[p]] += X.values[p];
      total[X.indices[p]] += X.values[p];
    }
  }
  const scores = new Float64Array(X.numCols);
  for (let c = 0; c < k; c++) {
    const share = classCount[c] / X.numRows;
    for (let j = 0; j < X.numCols; j++) {
      const expected = share * total[j];
      if (expected > 0) scores[j] += (observed[c * X.numCols + j] - expected) ** 2 / expected;
    }
  }
  return scores;
}
