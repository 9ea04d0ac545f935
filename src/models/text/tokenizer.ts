/**
 * Text tokenization for the text learners: Unicode-aware words (runs of letters \p{L} and digits \p{N}, NFKC
 * normalised and lower-cased), optional word bigrams, and optional character n-grams inside word boundaries
 * (scikit-learn's `char_wb`: each word padded with one space on both sides). Character n-grams are prefixed with
 * '#', which never occurs in a word, so a word and a character n-gram never share a term.
 */
export interface TokenizerOptions {
  /** Longest word n-gram: 1 = unigrams, 2 = unigrams and bigrams. */
  readonly wordNgrams: number;
  /** Character n-gram lengths [min, max] inside word boundaries; null = none. */
  readonly charNgrams: readonly [number, number] | null;
}

const WORD = /[\p{L}\p{N}]+/gu;
/** Marks a character n-gram term (never part of a word token). */
export const CHAR_PREFIX = '#';
/** Words longer than this are cut before character n-grams are taken (long hashes, base64 runs). */
const MAX_CHAR_WORD_LENGTH = 30;

/** The words of `text`: NFKC-normalised, lower-cased runs of Unicode letters and digits. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Calls `emit` for every character n-gram term of one word (see TokenizerOptions.charNgrams). */
export function forEachCharNgram(word: string, range: readonly [number, number], emit: (term: string) => void): void {
  // Code points, not UTF-16 units, so astral characters are never split.
  const chars = [' ', ...Array.from(word).slice(0, MAX_CHAR_WORD_LENGTH), ' '];
  for (let n = range[0]; n <= range[1] && n <= chars.length; n++) {
    for (let s = 0; s + n <= chars.length; s++) emit(CHAR_PREFIX + chars.slice(s, s + n).join(''));
  }
}

/** Calls `emit` for every term of `text` (repeats included): words, word n-grams, then character n-grams. */
export function forEachTerm(text: string, options: TokenizerOptions, emit: (term: string) => void): void {
  const ws = words(text);
  for (let i = 0; i < ws.length; i++) {
    emit(ws[i]);
    for (let n = 2; n <= options.wordNgrams && i + 1 >= n; n++) emit(ws.slice(i + 1 - n, i + 1).join(' '));
  }
  const cn = options.charNgrams;
  if (cn) for (const w of ws) forEachCharNgram(w, cn, emit);
}

/** Every term of `text` as a list (see forEachTerm). */
export function terms(text: string, options: TokenizerOptions): string[] {
  const out: string[] = [];
  forEachTerm(text, options, (t) => out.push(t));
  return out;
}
