import { type Column, toStrings } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { arrayAt, booleanAt, field, formatError, numberArrayAt, numberAt, objectAt, stringArrayAt } from '../model-json.js';
import { IntList, WordInterner } from './interner.js';
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
 * Builds L2-normalised TF-IDF rows one document at a time: `add` each term occurrence (negative = not a term),
 * then `endRow`. Dense per-row counters with a list of the touched terms; entries in typed arrays grown by
 * doubling (no boxed numbers for the garbage collector).
 */
class CsrBuilder {
  private readonly counts: Float64Array;
  private readonly touched: Int32Array;
  private numTouched = 0;
  private readonly indptr: Int32Array;
  private indices = new Int32Array(INITIAL_NONZEROS);
  private values = new Float64Array(INITIAL_NONZEROS);
  private nnz = 0;
  private row = 0;

  constructor(
    private readonly idf: Float64Array,
    private readonly sublinearTf: boolean,
    private readonly numRows: number,
  ) {
    this.counts = new Float64Array(idf.length);
    this.touched = new Int32Array(idf.length);
    this.indptr = new Int32Array(numRows + 1);
  }

  add(j: number): void {
    if (j < 0) return;
    if (this.counts[j] === 0) this.touched[this.numTouched++] = j;
    this.counts[j]++;
  }

  endRow(): void {
    const { counts, idf } = this;
    const m = this.numTouched;
    const touched = this.touched.subarray(0, m).sort();
    let norm = 0;
    for (let t = 0; t < m; t++) {
      const j = touched[t];
      const tf = this.sublinearTf ? 1 + Math.log(counts[j]) : counts[j];
      counts[j] = tf * idf[j];
      norm += counts[j] * counts[j];
    }
    norm = Math.sqrt(norm);
    if (this.nnz + m > this.indices.length) {
      const size = Math.max(2 * this.indices.length, this.nnz + m);
      const indices = new Int32Array(size);
      indices.set(this.indices.subarray(0, this.nnz));
      const values = new Float64Array(size);
      values.set(this.values.subarray(0, this.nnz));
      this.indices = indices;
      this.values = values;
    }
    for (let t = 0; t < m; t++) {
      const j = touched[t];
      this.indices[this.nnz] = j;
      this.values[this.nnz++] = norm > 0 ? counts[j] / norm : 0;
      counts[j] = 0;
    }
    this.numTouched = 0;
    this.indptr[++this.row] = this.nnz;
  }

  finish(): Csr {
    const { nnz } = this;
    return { numRows: this.numRows, numCols: this.idf.length, indptr: this.indptr, indices: this.indices.slice(0, nnz), values: this.values.slice(0, nnz) };
  }
}

/**
 * A vocabulary's term ids: words interned once each (WordInterner), bigrams looked up by the numeric pair of
 * their word ids, character n-grams by string.
 */
class TermIndex {
  readonly words = new WordInterner();
  readonly pairs = new PairTable();
  /** Term id of word id w as a unigram (-1: not a term). */
  unigram = new Int32Array(0);
  /** Term id of pair number p as a bigram (-1: not a term). */
  bigram = new Int32Array(0);
  readonly char = new Map<string, number>();

  constructor(readonly options: TokenizerOptions) {}

  /** Adds the word and bigram terms of one document, given as its word ids ids[from, to) (-1 = unknown word). */
  countWords(ids: Int32Array, from: number, to: number, row: CsrBuilder): void {
    const { unigram, bigram, pairs } = this;
    const bigrams = this.options.wordNgrams >= 2;
    let prev = -1;
    for (let p = from; p < to; p++) {
      const id = ids[p];
      if (id >= 0) {
        row.add(unigram[id]);
        if (bigrams && prev >= 0) {
          const pair = pairs.get(prev, id, false);
          if (pair >= 0) row.add(bigram[pair]);
        }
      }
      prev = id;
    }
  }

  /** Adds the character n-gram terms of one document's words (only when the options ask for them). */
  countChars(ws: Iterable<string>, row: CsrBuilder): void {
    const cn = this.options.charNgrams;
    if (!cn) return;
    const add = (gram: string): void => row.add(this.char.get(gram) ?? -1);
    for (const w of ws) forEachCharNgram(w, cn, add);
  }
}

/** The words of ids[from, to) as strings (every id known). */
function* wordsOf(interner: WordInterner, ids: Int32Array, from: number, to: number): Iterable<string> {
  for (let p = from; p < to; p++) yield interner.words[ids[p]];
}

export class TfidfVectorizer {
  private readonly lookup: TermIndex;

  constructor(
    readonly options: Pick<TfidfOptions, 'wordNgrams' | 'charNgrams' | 'sublinearTf'>,
    readonly terms: readonly string[],
    readonly idf: Float64Array,
  ) {
    const lookup = new TermIndex(options);
    const unigram: number[] = [];
    const bigram: number[] = [];
    terms.forEach((t, j) => {
      if (t.startsWith(CHAR_PREFIX)) lookup.char.set(t, j);
      else if (t.includes(' ')) {
        const [a, b] = t.split(' ');
        bigram[lookup.pairs.get(lookup.words.id(a, true), lookup.words.id(b, true), true)] = j;
      } else unigram[lookup.words.id(t, true)] = j;
    });
    lookup.unigram = Int32Array.from({ length: lookup.words.size }, (_, w) => unigram[w] ?? -1);
    lookup.bigram = Int32Array.from({ length: lookup.pairs.size }, (_, p) => bigram[p] ?? -1);
    this.lookup = lookup;
  }

  get numTerms(): number {
    return this.terms.length;
  }

  /** Learns the vocabulary and IDF from `docs` alone. */
  static fit(docs: readonly string[], options: TfidfOptions): TfidfVectorizer {
    return TfidfVectorizer.fitTransform(docs, options).vectorizer;
  }

  /**
   * Learns the vocabulary and IDF from `docs` alone and gives their TF-IDF rows (the same as
   * `vectorizer.transform(docs)`, from one tokenization of each document).
   */
  static fitTransform(docs: readonly string[], options: TfidfOptions): { vectorizer: TfidfVectorizer; X: Csr } {
    const n = docs.length;
    const interner = new WordInterner();
    const ids = new IntList();
    const docStart = new Int32Array(n + 1);
    for (let d = 0; d < n; d++) {
      interner.appendWordIds(docs[d], true, ids);
      docStart[d + 1] = ids.length;
    }
    // Document frequencies, counted once per document through a per-term "last document" stamp.
    const data = ids.data;
    const wordDf = new Int32Array(interner.size);
    const wordSeen = new Int32Array(interner.size).fill(-1);
    const pairs = new PairTable();
    const bigramDf = new IntList();
    const bigramSeen = new IntList();
    const charDf = new Map<string, number>();
    const seenChar = new Set<string>();
    const countChar = (gram: string): void => {
      if (seenChar.has(gram)) return;
      seenChar.add(gram);
      charDf.set(gram, (charDf.get(gram) ?? 0) + 1);
    };
    for (let d = 0; d < n; d++) {
      for (let p = docStart[d]; p < docStart[d + 1]; p++) {
        const id = data[p];
        if (wordSeen[id] !== d) {
          wordSeen[id] = d;
          wordDf[id]++;
        }
        if (options.wordNgrams < 2 || p === docStart[d]) continue;
        const pair = pairs.get(data[p - 1], id, true);
        if (pair === bigramDf.length) {
          bigramDf.push(0);
          bigramSeen.push(-1);
        }
        if (bigramSeen.data[pair] !== d) {
          bigramSeen.data[pair] = d;
          bigramDf.data[pair]++;
        }
      }
      if (options.charNgrams) {
        seenChar.clear();
        for (const w of wordsOf(interner, data, docStart[d], docStart[d + 1])) forEachCharNgram(w, options.charNgrams, countChar);
      }
    }
    const wordList = interner.words;
    let kept: [string, number][] = [];
    wordList.forEach((w, id) => {
      if (wordDf[id] >= options.minDf) kept.push([w, wordDf[id]]);
    });
    bigramDf.data.subarray(0, bigramDf.length).forEach((df, pair) => {
      if (df >= options.minDf) kept.push([`${wordList[pairs.first[pair]]} ${wordList[pairs.second[pair]]}`, df]);
    });
    for (const [gram, df] of charDf) if (df >= options.minDf) kept.push([gram, df]);
    if (kept.length > options.maxFeatures) kept = kept.sort((a, b) => b[1] - a[1] || byString(a[0], b[0])).slice(0, options.maxFeatures);
    kept.sort((a, b) => byString(a[0], b[0]));
    const idf = Float64Array.from(kept, ([, df]) => Math.log((1 + n) / (1 + df)) + 1);
    const vectorizer = new TfidfVectorizer({ wordNgrams: options.wordNgrams, charNgrams: options.charNgrams, sublinearTf: options.sublinearTf }, kept.map(([t]) => t), idf);
    // The documents' word ids in the vectorizer's own numbering (-1: not in the vocabulary): no second tokenization.
    const { lookup } = vectorizer;
    const toVocab = new Int32Array(wordList.length);
    for (let id = 0; id < wordList.length; id++) toVocab[id] = lookup.words.id(wordList[id], false);
    const vocabIds = new Int32Array(ids.length);
    for (let p = 0; p < ids.length; p++) vocabIds[p] = toVocab[data[p]];
    const row = new CsrBuilder(idf, options.sublinearTf, n);
    for (let d = 0; d < n; d++) {
      lookup.countWords(vocabIds, docStart[d], docStart[d + 1], row);
      if (options.charNgrams) lookup.countChars(wordsOf(interner, data, docStart[d], docStart[d + 1]), row);
      row.endRow();
    }
    return { vectorizer, X: row.finish() };
  }

  /** The documents as L2-normalised TF-IDF rows; terms outside the vocabulary are ignored. */
  transform(docs: readonly string[]): Csr {
    const { lookup } = this;
    const row = new CsrBuilder(this.idf, this.options.sublinearTf, docs.length);
    const ids = new IntList();
    for (const doc of docs) {
      ids.length = 0;
      if (this.options.charNgrams) {
        // Character n-grams need every word's string, including words outside the vocabulary.
        const ws = words(doc);
        for (const w of ws) ids.push(lookup.words.id(w, false));
        lookup.countChars(ws, row);
      } else lookup.words.appendWordIds(doc, false, ids);
      lookup.countWords(ids.data, 0, ids.length, row);
      row.endRow();
    }
    return row.finish();
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
