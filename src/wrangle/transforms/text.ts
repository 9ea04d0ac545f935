import { type Column, numericColumn, textColumn } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { defineTransform } from '../step.js';
import { lit, num } from '../codegen.js';
import { st_characterStats, st_hashIndex, st_sparseJson, st_termCounts, st_tokenize, st_vectorize } from '../formula/strings-runtime.js';
import { insertAfter, safeName, stringsOf } from '../util.js';

const STAT_SUFFIXES = ['-stats_word_count', '-stats_char_count', '-stats_capital_ratio', '-stats_lower_ratio', '-stats_digit_ratio', '-stats_special_ratio'] as const;

export const characterStats = st_characterStats;

export const characterStatistics = defineTransform<{ input: string }>({
  group: 'featurize_text',
  operator: 'Character statistics',
  rowWise: () => true,
  parse: (r) => ({ input: r.column('input_column') }),
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  apply([f], p) {
    const values = stringsOf(f.column(p.input));
    const cols = STAT_SUFFIXES.map(() => new Float64Array(values.length));
    values.forEach((s, i) => {
      const st = s === null ? null : characterStats(s);
      for (let k = 0; k < cols.length; k++) cols[k][i] = st === null ? NaN : st[k];
    });
    return insertAfter(f, p.input, STAT_SUFFIXES.map((suf, k) => numericColumn(p.input + suf, cols[k])));
  },
  describe: (p) => `character statistics of ${p.input} (word count, length, capital/lower/digit/special ratios)`,
  emit: (p) =>
    `{ const stats = getCol(t, ${lit(p.input)}).map((x) => { const s = toStr(x); return s === null ? null : st_characterStats(s); });
  place(t, ${lit(p.input)}, ${lit(STAT_SUFFIXES.map((suf) => p.input + suf))}.map((name, k) => [name, stats.map((v) => (v === null ? null : v[k]))] as [string, Cell[]])); }`,
});

interface VectorizeParams {
  input: string;
  output: string;
  tokenizer: 'Standard' | 'Custom';
  minTokenLength: number;
  pattern: string;
  gaps: boolean;
  lowercase: boolean;
  vectorizer: 'Count' | 'Hashing';
  minTermFreq: number;
  minDocFreq: number;
  maxDocFreq: number;
  maxVocabulary: number;
  binary: boolean;
  numFeatures: number;
  applyIdf: boolean;
  idfMinDocFreq: number;
  style: 'Vector' | 'Flattened';
}
interface VectorizeTrained {
  vocabulary: string[];
  idf: number[] | null;
  documents: number;
}

export function tokenize(s: string, p: Pick<VectorizeParams, 'tokenizer' | 'minTokenLength' | 'pattern' | 'gaps' | 'lowercase'>): string[] {
  return st_tokenize(s, p);
}

/** Absolute threshold from an integer or a fraction of `total` (Spark CountVectorizer rule). */
const threshold = (v: number, total: number) => (v >= 1 ? v : v * total);

function termCounts(tokens: string[], p: VectorizeParams): Map<string, number> {
  return st_termCounts(tokens, p.minTermFreq);
}

/** Parameters the runtime vectorizer reads (plain JSON, inlined into exported code). */
function runtimeParams(p: VectorizeParams) {
  return { tokenizer: p.tokenizer, pattern: p.pattern, gaps: p.gaps, lowercase: p.lowercase, minTokenLength: p.minTokenLength, minTermFreq: p.minTermFreq, binary: p.binary };
}

export const vectorizeText = defineTransform<VectorizeParams, VectorizeTrained>({
  group: 'featurize_text',
  operator: 'Vectorize',
  rowWise: () => true,
  parse(r) {
    const input = r.column('input_column');
    const vectorizer = r.oneOf('vectorizer', ['Count', 'Hashing'], 'Count');
    const style = r.oneOf('output_format', ['Vector', 'Flattened'], 'Vector');
    if (style === 'Flattened' && vectorizer === 'Hashing') throw r.fail('output_format', '"Flattened" needs the Count vectorizer');
    const pattern = r.str('regex', '\\s+');
    try {
      new RegExp(pattern, 'g');
    } catch (e) {
      throw r.fail('regex', `is not a valid regular expression: ${(e as Error).message}`);
    }
    return {
      input,
      output: r.str('output_column', `${input}_vec`),
      tokenizer: r.oneOf('tokenizer', ['Standard', 'Custom'], 'Standard'),
      minTokenLength: r.num('minimum_token_length', 1, { min: 0, int: true }),
      pattern,
      gaps: r.bool('regex_splits_on_gaps', true),
      lowercase: r.bool('to_lowercase', true),
      vectorizer,
      minTermFreq: r.num('minimum_term_frequency', 1, { min: 0 }),
      minDocFreq: r.num('minimum_document_frequency', 1, { min: 0 }),
      maxDocFreq: r.num('maximum_document_frequency', 0.999, { min: 0 }),
      maxVocabulary: r.num('maximum_vocabulary_size', 262144, { min: 1, int: true }),
      binary: r.bool('binary', false),
      numFeatures: r.num('number_of_features', 262144, { min: 1, int: true }),
      applyIdf: r.bool('apply_idf', true),
      idfMinDocFreq: r.num('idf_minimum_document_frequency', 5, { min: 0, int: true }),
      style,
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  fit(frame, p) {
    const docs = stringsOf(frame.column(p.input)).map((s) => (s === null ? new Map<string, number>() : termCounts(tokenize(s, p), p)));
    const m = docs.length;
    let vocabulary: string[] = [];
    const slots = p.vectorizer === 'Count' ? 0 : p.numFeatures;
    const df = new Map<string, number>();
    const tf = new Map<string, number>();
    for (const d of docs) for (const [t, c] of d) (df.set(t, (df.get(t) ?? 0) + 1), tf.set(t, (tf.get(t) ?? 0) + c));
    if (p.vectorizer === 'Count') {
      const minDf = threshold(p.minDocFreq, m);
      const maxDf = threshold(p.maxDocFreq, m);
      vocabulary = [...df.entries()]
        .filter(([, n]) => n >= minDf && n <= maxDf)
        .sort((a, b) => tf.get(b[0])! - tf.get(a[0])! || (a[0] < b[0] ? -1 : 1))
        .slice(0, p.maxVocabulary)
        .map(([t]) => t);
    }
    let idf: number[] | null = null;
    if (p.applyIdf) {
      const size = p.vectorizer === 'Count' ? vocabulary.length : slots;
      const dfSlot = new Float64Array(size);
      const index = new Map(vocabulary.map((t, i) => [t, i]));
      for (const d of docs) {
        const seen = new Set<number>();
        for (const t of d.keys()) {
          const j = p.vectorizer === 'Count' ? index.get(t) : st_hashIndex(t, slots);
          if (j !== undefined) seen.add(j);
        }
        for (const j of seen) dfSlot[j]++;
      }
      // Spark IDF: log((m + 1) / (df + 1)); terms in fewer than minDocFreq documents get weight 0.
      idf = Array.from(dfSlot, (n) => (n >= p.idfMinDocFreq ? Math.log((m + 1) / (n + 1)) : 0));
    }
    return { vocabulary, idf, documents: m };
  },
  parseTrained(r, p) {
    const vocabulary = r.strList('vocabulary');
    const size = p.vectorizer === 'Count' ? vocabulary.length : p.numFeatures;
    const idf = r.has('idf') ? (r.statList('idf', size) as number[]) : (r.raw('idf'), null);
    if (p.applyIdf && idf === null) throw r.fail('idf', 'is required when apply_idf is true (a list of numbers)');
    return { vocabulary, idf, documents: r.num('documents', 0, { min: 0, int: true }) };
  },
  apply([frame], p, t) {
    if (!t) throw new TabpilotError('NOT_FITTED', 'vectorizer is not fitted');
    const values = stringsOf(frame.column(p.input));
    const index = new Map(t.vocabulary.map((w, i) => [w, i]));
    const size = p.vectorizer === 'Count' ? t.vocabulary.length : p.numFeatures;
    const rp = runtimeParams(p);
    const vocab = p.vectorizer === 'Count' ? index : null;
    const rows = values.map((s) => (s === null ? null : st_vectorize(s, rp, vocab, t.idf, size)));
    let cols: Column[];
    if (p.style === 'Flattened') {
      cols = t.vocabulary.map((w, j) => numericColumn(`${p.output}_${safeName(w)}`, Float64Array.from(rows, (v) => (v === null ? NaN : (v.get(j) ?? 0)))));
    } else {
      // Sparse vector as JSON in Spark's shape: {"size": n, "indices": [...], "values": [...]}.
      // Sparse vector as JSON in Spark's shape: {"size": n, "indices": [...], "values": [...]}.
      cols = [textColumn(p.output, rows.map((v) => (v === null ? null : st_sparseJson(v, size))))];
    }
    return insertAfter(frame, p.input, cols);
  },
  emit(p, t) {
    const tr = t!;
    const size = p.vectorizer === 'Count' ? tr.vocabulary.length : p.numFeatures;
    const head = `const rp = ${lit(runtimeParams(p))}; const vocab = ${p.vectorizer === 'Count' ? `new Map<string, number>(${lit(tr.vocabulary)}.map((w, i) => [w, i] as [string, number]))` : 'null'}; const idf = ${lit(tr.idf)};
  const vecs = getCol(t, ${lit(p.input)}).map((x) => { const s = toStr(x); return s === null ? null : st_vectorize(s, rp, vocab, idf, ${num(size, 'vector size')}); });`;
    if (p.style === 'Flattened') {
      const names = tr.vocabulary.map((w) => `${p.output}_${safeName(w)}`);
      return `{ ${head}\n  place(t, ${lit(p.input)}, ${lit(names)}.map((name, j) => [name, vecs.map((v) => (v === null ? null : (v.get(j) ?? 0)))] as [string, Cell[]])); }`;
    }
    return `{ ${head}\n  place(t, ${lit(p.input)}, [[${lit(p.output)}, vecs.map((v) => (v === null ? null : st_sparseJson(v, ${num(size, 'vector size')})))]]); }`;
  },
  describe: (p) => `${p.vectorizer === 'Count' ? 'count' : 'hashing'}-vectorize ${p.input}${p.applyIdf ? ' with IDF' : ''} into ${p.style === 'Flattened' ? 'one column per term' : `the sparse vector column ${p.output}`}`,
});

export const textTransforms = [characterStatistics, vectorizeText];
