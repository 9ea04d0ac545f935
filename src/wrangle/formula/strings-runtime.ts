/**
 * String operations of Format string, Search and edit, Validate string and Parse value as type, one arrow
 * function each, `(s, p) => result` with s never null (the caller maps missing to missing). Copied
 * verbatim into exported modules like runtime.ts, so: arrow functions only, no imports, references only
 * to other `st_` functions.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type P = any;
type Out = string | number | boolean | null;

export const st_fitWidth = (s: string, width: number): string => s.slice(0, width);
export const st_left_pad = (s: string, p: P): Out => st_fitWidth(s, p.width).padStart(p.width, p.fill_character);
export const st_right_pad = (s: string, p: P): Out => st_fitWidth(s, p.width).padEnd(p.width, p.fill_character);
export const st_center = (s: string, p: P): Out => {
  const t = s.slice(0, p.width);
  const total = p.width - t.length;
  const left = Math.floor(total / 2);
  return p.fill_character.repeat(left) + t + p.fill_character.repeat(total - left);
};
export const st_prepend_zeros = (s: string, p: P): Out => s.slice(0, p.width).padStart(p.width, '0');
export const st_stripChars = (s: string, chars: string | null, left: boolean, right: boolean): string => {
  const isStrip = (c: string) => (chars === null ? /\s/.test(c) : chars.includes(c));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && isStrip(s[a])) a++;
  if (right) while (b > a && isStrip(s[b - 1])) b--;
  return s.slice(a, b);
};
export const st_strip_left_and_right = (s: string, p: P): Out => st_stripChars(s, p.characters, true, true);
export const st_strip_left = (s: string, p: P): Out => st_stripChars(s, p.characters, true, false);
export const st_strip_right = (s: string, p: P): Out => st_stripChars(s, p.characters, false, true);
export const st_lower_case = (s: string): Out => s.toLowerCase();
export const st_upper_case = (s: string): Out => s.toUpperCase();
/** First letter of each sentence upper-cased, the rest lower-cased. */
export const st_capitalize = (s: string): Out => s.toLowerCase().replace(/(^\s*|[.!?]\s+)([a-z])/g, (_m: string, a: string, b: string) => a + b.toUpperCase());
export const st_swap_case = (s: string): Out => {
  let out = '';
  for (const c of s) out += c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
  return out;
};
export const st_add_prefix_or_suffix = (s: string, p: P): Out => p.prefix + s + p.suffix;
export const st_remove_symbols = (s: string, p: P): Out => {
  let out = '';
  for (const c of s) if (!(p.symbols === null ? /\s/.test(c) : p.symbols.includes(c))) out += c;
  return out;
};

export const st_find_substring = (s: string, p: P): Out => {
  const end = p.end === null ? s.length : p.end;
  const i = s.slice(0, end).indexOf(p.pattern, p.start);
  return i;
};
export const st_find_substring_from_right = (s: string, p: P): Out => {
  const end = p.end === null ? s.length : p.end;
  const i = s.slice(0, end).lastIndexOf(p.pattern);
  return i >= p.start ? i : -1;
};
export const st_matches_prefix = (s: string, p: P): Out => (p.re.exec(s)?.index ?? -1) === 0;
export const st_find_all_occurrences = (s: string, p: P): Out => JSON.stringify(s.match(new RegExp(p.re.source, p.re.flags.includes('g') ? p.re.flags : p.re.flags + 'g')) ?? []);
export const st_extract_using_regex = (s: string, p: P): Out => {
  const m = p.re.exec(s);
  return m === null ? null : m[0];
};
export const st_extract_between_delimiters = (s: string, p: P): Out => {
  const a = s.indexOf(p.left_delimiter);
  if (a < 0) return null;
  const b = s.indexOf(p.right_delimiter, a + p.left_delimiter.length);
  return b < 0 ? null : s.slice(a + p.left_delimiter.length, b);
};
export const st_extract_from_position = (s: string, p: P): Out => s.substr(p.start_position, p.length);
export const st_find_and_replace_substring = (s: string, p: P): Out => s.replace(new RegExp(p.re.source, p.re.flags + 'g'), p.replacement);
/** First left delimiter through the last right delimiter (inclusive) is replaced; no match leaves s unchanged. */
export const st_replace_between_delimiters = (s: string, p: P): Out => {
  const a = s.indexOf(p.left_delimiter);
  const b = s.lastIndexOf(p.right_delimiter);
  if (a < 0 || b < 0 || b < a + p.left_delimiter.length) return s;
  return s.slice(0, a) + p.replacement + s.slice(b + p.right_delimiter.length);
};
export const st_replace_from_position = (s: string, p: P): Out => s.slice(0, p.start_position) + p.replacement + s.slice(p.start_position + p.length);
export const st_convert_regex_to_missing = (s: string, p: P): Out => (p.re.test(s) ? s : null);
export const st_split_string_by_delimiter = (s: string, p: P): Out => {
  const parts = p.delimiter === null ? s.trim().split(/\s+/) : s.split(p.delimiter);
  if (p.max_splits > 0 && parts.length > p.max_splits + 1) parts.splice(p.max_splits, parts.length, parts.slice(p.max_splits).join(p.delimiter ?? ' '));
  return JSON.stringify(parts);
};

export const st_cased = (s: string): boolean => s.toLowerCase() !== s.toUpperCase();
export const st_string_length = (s: string, p: P): Out => (s.length === p.length ? 1 : 0);
export const st_starts_with = (s: string, p: P): Out => (s.startsWith(p.prefix) ? 1 : 0);
export const st_ends_with = (s: string, p: P): Out => (s.endsWith(p.suffix) ? 1 : 0);
export const st_is_alphanumeric = (s: string): Out => (/^[\p{L}\p{N}]+$/u.test(s) ? 1 : 0);
export const st_is_alpha = (s: string): Out => (/^\p{L}+$/u.test(s) ? 1 : 0);
export const st_is_digit = (s: string): Out => (/^\p{Nd}+$/u.test(s) ? 1 : 0);
export const st_is_space = (s: string): Out => (/^\s+$/.test(s) ? 1 : 0);
/** Python str.istitle: cased words start upper and continue lower, and there is at least one cased char. */
export const st_is_title = (s: string): Out => {
  let prevCased = false;
  let cased = false;
  for (const c of s) {
    const upper = c !== c.toLowerCase();
    const lower = c !== c.toUpperCase();
    if (upper || lower) {
      // An upper-case letter may only follow an uncased one, a lower-case letter only a cased one.
      if (upper === prevCased) return 0;
      prevCased = true;
      cased = true;
    } else prevCased = false;
  }
  return cased ? 1 : 0;
};
export const st_is_lowercase = (s: string): Out => (st_cased(s) && s === s.toLowerCase() ? 1 : 0);
export const st_is_uppercase = (s: string): Out => (st_cased(s) && s === s.toUpperCase() ? 1 : 0);
export const st_is_numeric = (s: string): Out => (/^\p{N}+$/u.test(s) ? 1 : 0);
export const st_is_decimal = (s: string): Out => (/^\p{Nd}+$/u.test(s) ? 1 : 0);

export const st_parse_long = (s: string): Out => {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Math.trunc(Number(t));
  return Number.isSafeInteger(v) ? v : null;
};
export const st_parse_float = (s: string): Out => {
  const t = s.trim();
  if (t === '') return null;
  const v = Number(t);
  return Number.isFinite(v) || /^[+-]?(inf|infinity)$/i.test(t) ? (Number.isFinite(v) ? v : null) : null;
};
export const st_parse_boolean = (s: string): Out => {
  const t = s.trim().toLowerCase();
  return t === 'true' || t === 't' || t === 'yes' || t === 'y' || t === '1' ? true : t === 'false' || t === 'f' || t === 'no' || t === 'n' || t === '0' ? false : null;
};

/** Word count, length, then capital/lower/digit/special ratios over the string's non-space characters (0 when none). */
export const st_characterStats = (s: string): number[] => {
  const trimmed = s.trim();
  const words = trimmed === '' ? 0 : trimmed.split(/\s+/).length;
  let nonSpace = 0;
  let upper = 0;
  let lower = 0;
  let digit = 0;
  let special = 0;
  for (const ch of s) {
    if (/\s/.test(ch)) continue;
    nonSpace++;
    if (ch >= 'A' && ch <= 'Z') upper++;
    else if (ch >= 'a' && ch <= 'z') lower++;
    else if (ch >= '0' && ch <= '9') digit++;
    else if (!/[\p{L}\p{N}]/u.test(ch)) special++;
  }
  return [words, s.length, nonSpace === 0 ? 0 : upper / nonSpace, nonSpace === 0 ? 0 : lower / nonSpace, nonSpace === 0 ? 0 : digit / nonSpace, nonSpace === 0 ? 0 : special / nonSpace];
};
export const st_hash32 = (a: number, b: number): number => {
  let h = Math.imul(a ^ 0x27d4eb2d, 0x165667b1) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
};
/** Min-hash signature of a string's character 3-grams (padded with spaces), each hash scaled to [0, 1). */
export const st_minHash = (s: string, dimension: number): number[] => {
  const padded = ` ${s} `;
  const grams: number[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193);
    grams.push(h >>> 0);
  }
  const out: number[] = [];
  for (let d = 0; d < dimension; d++) {
    let min = 0xffffffff;
    for (const g of grams) {
      const h = st_hash32(d + 1, g);
      if (h < min) min = h;
    }
    out.push(min / 4294967296);
  }
  return out;
};

/** Tokens of a string: Standard = lower-case + whitespace split; Custom = regex split (gaps) or matches, min length. */
export const st_tokenize = (s: string, p: P): string[] => {
  if (p.tokenizer === 'Standard') return s.toLowerCase().split(/\s+/).filter((t: string) => t !== '');
  const text = p.lowercase ? s.toLowerCase() : s;
  const re = new RegExp(p.pattern, 'g');
  const toks: string[] = p.gaps ? text.split(re) : (text.match(re) ?? []);
  return toks.filter((t: string) => t !== '' && t.length >= p.minTokenLength);
};
/** Term counts of one document; terms below the minimum term frequency (absolute, or a fraction of the tokens) are dropped. */
export const st_termCounts = (tokens: string[], minTermFreq: number): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const minTf = minTermFreq >= 1 ? minTermFreq : minTermFreq * tokens.length;
  for (const [t, c] of counts) if (c < minTf) counts.delete(t);
  return counts;
};
export const st_hashIndex = (term: string, size: number): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
  return (h >>> 0) % size;
};
/** Sparse term vector of one document (slot -> weight), by vocabulary index or hashing, then binary and IDF. */
export const st_vectorize = (s: string, p: P, index: Map<string, number> | null, idf: number[] | null, size: number): Map<number, number> => {
  const vec = new Map<number, number>();
  for (const [term, c] of st_termCounts(st_tokenize(s, p), p.minTermFreq)) {
    const j = index === null ? st_hashIndex(term, size) : index.get(term);
    if (j === undefined) continue;
    vec.set(j, (vec.get(j) ?? 0) + (p.binary ? 1 : c));
  }
  if (p.binary) for (const [j, v] of vec) vec.set(j, v > 0 ? 1 : 0);
  if (idf !== null) for (const [j, v] of vec) vec.set(j, v * idf[j]);
  return vec;
};
export const st_sparseJson = (vec: Map<number, number>, size: number): string => {
  const idx = [...vec.keys()].sort((a: number, b: number) => a - b);
  return JSON.stringify({ size, indices: idx, values: idx.map((j: number) => vec.get(j)) });
};

/** A dense vector as JSON text: finite numbers as written by String(), anything else as null. */
export const st_vectorString = (values: ArrayLike<number>): string => {
  let s = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) s += ',';
    const v = values[i];
    s += Number.isFinite(v) ? String(v) : 'null';
  }
  return s + ']';
};
/** A JSON array cell as numbers (null elements = NaN); null for missing or malformed cells. */
export const st_parseVector = (s: string | null): number[] | null => {
  if (s === null) return null;
  try {
    const v = JSON.parse(s);
    if (!Array.isArray(v)) return null;
    return v.map((x: unknown) => (typeof x === 'number' ? x : x === null ? NaN : Number(x)));
  } catch {
    return null;
  }
};
/** A first-level JSON value as a cell: strings and numbers as they are, objects and arrays as JSON, booleans as text. */
export const st_jsonCell = (v: unknown): string | number | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};
export const st_parseObject = (s: string | null): Record<string, unknown> | null => {
  if (s === null) return null;
  try {
    const v = JSON.parse(s);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
};
