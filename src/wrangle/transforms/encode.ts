import { type Column, type Frame, numericColumn, textColumn } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { st_minHash } from '../formula/strings-runtime.js';
import { type ParamReader, type StepContext, defineTransform, flowError } from '../step.js';
import { lit, num } from '../codegen.js';
import { insertAfter, safeName, stringsOf, vectorString } from '../util.js';

const GROUP = 'encode_categorical';

/** Categories in Spark StringIndexer order: most frequent first, ties alphabetical. */
export function fitCategories(values: readonly (string | null)[]): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
}

type Invalid = 'Skip' | 'Keep' | 'Error' | 'Replace with NaN';
const INVALID: readonly Invalid[] = ['Skip', 'Keep', 'Error', 'Replace with NaN'];

interface CategoriesTrained {
  categories: Record<string, string[]>;
}

/** Category index per row; -1 = invalid (missing or unseen). Counts invalid cells into the report. */
function indexRows(col: Column, categories: string[], ctx: StepContext, name: string): Int32Array {
  const index = new Map(categories.map((c, i) => [c, i]));
  const out = new Int32Array(col.length);
  if (col.kind === 'categorical') {
    const map = col.dictionary.map((d) => index.get(d) ?? -1);
    for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? -1 : map[col.codes[i]];
  } else {
    const s = stringsOf(col);
    for (let i = 0; i < col.length; i++) out[i] = s[i] === null ? -1 : (index.get(s[i]!) ?? -1);
  }
  let invalid = 0;
  for (let i = 0; i < out.length; i++) if (out[i] < 0) invalid++;
  if (invalid > 0) ctx.report[`invalid_${name}`] = (ctx.report[`invalid_${name}`] ?? 0) + invalid;
  return out;
}

function firstInvalid(col: Column, idx: Int32Array): string {
  for (let i = 0; i < idx.length; i++) if (idx[i] < 0) return JSON.stringify(stringsOf(col)[i]) + ` (row ${i + 1})`;
  return '';
}

function fitAll(frame: Frame, inputs: string[]): CategoriesTrained {
  const categories: Record<string, string[]> = {};
  for (const c of inputs) {
    const col = frame.column(c);
    categories[c] = col.kind === 'categorical' ? fitCategoryCodes(col.codes, col.dictionary) : fitCategories(stringsOf(col));
  }
  return { categories };
}

/** Stored categories: a list of strings per input column. */
function parseCategories(r: ParamReader, inputs: string[]): CategoriesTrained {
  const m = r.child('categories', true);
  const categories: Record<string, string[]> = Object.create(null);
  for (const c of inputs) categories[c] = m.strList(c);
  return { categories };
}

/** fitCategories over codes: same order (frequency, then label), counted without per-row strings. */
function fitCategoryCodes(codes: Int32Array, dictionary: readonly string[]): string[] {
  const counts = new Float64Array(dictionary.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[codes[i]]++;
  return dictionary
    .map((d, k) => [d, counts[k]] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([d]) => d);
}

interface OrdinalParams {
  inputs: string[];
  output?: string;
  invalid: Invalid;
}

export const ordinalEncode = defineTransform<OrdinalParams, CategoriesTrained>({
  group: GROUP,
  operator: 'Ordinal encode',
  rowWise: (p) => p.invalid !== 'Skip',
  parse(r) {
    const inputs = r.columns('input_column');
    const output = r.optStr('output_column');
    if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
    return { inputs, output, invalid: r.oneOf('invalid_handling_strategy', INVALID, 'Replace with NaN') };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  fit: (frame, p) => fitAll(frame, p.inputs),
  parseTrained: (r, p) => parseCategories(r, p.inputs),
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": ordinal encoder is not fitted`);
    let out = frame;
    const keep = new Uint8Array(frame.numRows).fill(1);
    for (const c of p.inputs) {
      const col = frame.column(c);
      const cats = t.categories[c];
      const idx = indexRows(col, cats, ctx, c);
      if (p.invalid === 'Error') {
        const bad = firstInvalid(col, idx);
        if (bad) throw flowError(ctx.nodeId, 'parameters.invalid_handling_strategy', `column "${c}" has a missing or unseen category ${bad} and the strategy is "Error"`, c);
      }
      const values = new Float64Array(idx.length);
      for (let i = 0; i < idx.length; i++) {
        if (idx[i] >= 0) values[i] = idx[i];
        else if (p.invalid === 'Keep') values[i] = cats.length;
        else {
          values[i] = NaN;
          if (p.invalid === 'Skip') keep[i] = 0;
        }
      }
      out = insertAfter(out, c, [numericColumn(p.output ?? c, values)]);
    }
    return p.invalid === 'Skip' ? out.filter(keep) : out;
  },
  describe: (p) => `ordinal-encode ${p.inputs.join(', ')} (most frequent category = 0; invalid values: ${p.invalid})`,
  emit(p, t) {
    return p.inputs
      .map((c) => {
        const cats = t!.categories[c];
        const onInvalid = p.invalid === 'Keep' ? num(cats.length, 'category count') : p.invalid === 'Error' ? `invalidValue(${lit(c)}, x)` : 'null';
        return `{ const index = new Map<string, number>(${lit(cats)}.map((c, i) => [c, i] as [string, number]));
  place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => { const k = isMiss(x) ? undefined : index.get(String(x)); return k !== undefined ? k : ${onInvalid}; })]]); }`;
      })
      .join('\n');
  },
});

type OneHotInvalid = 'Skip' | 'Keep' | 'Error' | 'Replace with missing';
interface OneHotParams {
  inputs: string[];
  invalid: OneHotInvalid;
  dropLast: boolean;
  style: 'Columns' | 'Vector';
  ordinalInput: boolean;
  output?: string;
}

/** Output slot names of a one-hot encoded column: `<col>_<category>` plus `<col>_invalid` under Keep. */
export function oneHotSlots(col: string, cats: string[], p: Pick<OneHotParams, 'invalid' | 'dropLast'>): string[] {
  const slots = cats.map((c) => `${col}_${safeName(c)}`);
  if (p.invalid === 'Keep') slots.push(`${col}_invalid`);
  if (p.dropLast) slots.pop();
  return slots;
}

export const oneHotEncode = defineTransform<OneHotParams, CategoriesTrained>({
  group: GROUP,
  operator: 'One-hot encode',
  rowWise: (p) => p.invalid !== 'Skip',
  parse(r) {
    const inputs = r.columns('input_column');
    const output = r.optStr('output_column');
    const style = r.oneOf('output_style', ['Columns', 'Vector'], 'Columns');
    if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
    return {
      inputs,
      output,
      style,
      invalid: r.oneOf('invalid_handling_strategy', ['Skip', 'Keep', 'Error', 'Replace with missing'], 'Keep'),
      dropLast: r.bool('drop_last', false),
      ordinalInput: r.bool('is_ordinal_encoded', false),
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  fit(frame, p, ctx) {
    if (!p.ordinalInput) return fitAll(frame, p.inputs);
    const categories: Record<string, string[]> = {};
    for (const c of p.inputs) {
      const col = frame.column(c);
      if (col.kind !== 'numeric') throw flowError(ctx.nodeId, 'parameters.is_ordinal_encoded', `column "${c}" must hold non-negative integers`, c);
      let max = -1;
      for (const v of col.values) {
        if (v !== v) continue;
        if (v < 0 || !Number.isInteger(v)) throw flowError(ctx.nodeId, 'parameters.is_ordinal_encoded', `column "${c}" holds ${v}, expected non-negative integers`, c);
        max = Math.max(max, v);
      }
      categories[c] = Array.from({ length: max + 1 }, (_, i) => String(i));
    }
    return { categories };
  },
  parseTrained: (r, p) => parseCategories(r, p.inputs),
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": one-hot encoder is not fitted`);
    let out = frame;
    const keep = new Uint8Array(frame.numRows).fill(1);
    for (const c of p.inputs) {
      const col = frame.column(c);
      const cats = t.categories[c];
      const idx = indexRows(col, cats, ctx, c);
      if (p.invalid === 'Error') {
        const bad = firstInvalid(col, idx);
        if (bad) throw flowError(ctx.nodeId, 'parameters.invalid_handling_strategy', `column "${c}" has a missing or unseen category ${bad} and the strategy is "Error"`, c);
      }
      const slots = oneHotSlots(p.output ?? c, cats, p);
      const k = slots.length;
      const n = idx.length;
      // Row-major would be natural for a vector; columns are written directly as that is the common output.
      const cols = slots.map(() => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        let s = idx[i];
        if (s < 0) {
          if (p.invalid === 'Keep') s = cats.length;
          else if (p.invalid === 'Replace with missing') {
            for (let j = 0; j < k; j++) cols[j][i] = NaN;
            continue;
          } else {
            keep[i] = 0;
            continue;
          }
        }
        if (s < k) cols[s][i] = 1;
      }
      const newCols: Column[] =
        p.style === 'Columns'
          ? slots.map((s, j) => numericColumn(s, cols[j]))
          : [textColumn(p.output ?? c, Array.from({ length: n }, (_, i) => vectorString(cols.map((cc) => cc[i]))))];
      out = insertAfter(out, c, newCols);
      if (p.style === 'Columns' && !slots.includes(c)) out = out.drop([c]);
    }
    return p.invalid === 'Skip' ? out.filter(keep) : out;
  },
  describe: (p) =>
    `one-hot encode ${p.inputs.join(', ')} into ${p.style === 'Columns' ? 'one 0/1 column per category' : 'a vector column'}${p.dropLast ? ' (last category dropped)' : ''}; invalid values: ${p.invalid}`,
  emit(p, t) {
    if (p.style !== 'Columns') {
      return p.inputs
        .map((c) => {
          const cats = t!.categories[c];
          const k = oneHotSlots(p.output ?? c, cats, p).length;
          const onInvalid = p.invalid === 'Keep' ? num(cats.length, 'category count') : p.invalid === 'Error' ? `invalidValue(${lit(c)}, x)` : '-1';
          return `{ const index = new Map<string, number>(${lit(cats)}.map((c, i) => [c, i] as [string, number]));
  place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => { const h = isMiss(x) ? undefined : index.get(String(x)); const s = h !== undefined ? h : ${onInvalid}; return st_vectorString(Array.from({ length: ${num(k, 'slot count')} }, (_, j) => (s === -1 ? NaN : s === j ? 1 : 0))); })]]); }`;
        })
        .join('\n');
    }
    return p.inputs
      .map((c) => {
        const cats = t!.categories[c];
        const slots = oneHotSlots(p.output ?? c, cats, p);
        const onInvalid =
          p.invalid === 'Keep' ? num(cats.length, 'category count') : p.invalid === 'Error' ? `invalidValue(${lit(c)}, x)` : p.invalid === 'Replace with missing' ? '-1' : '-2';
        return `{ const index = new Map<string, number>(${lit(cats)}.map((c, i) => [c, i] as [string, number]));
  const slots = ${lit(slots)};
  const src = getCol(t, ${lit(c)});
  const hot = src.map((x) => { const k = isMiss(x) ? undefined : index.get(String(x)); return k !== undefined ? k : ${onInvalid}; });
  place(t, ${lit(c)}, slots.map((s, j) => [s, hot.map((h) => (h === -1 ? null : h === j ? 1 : 0))] as [string, Cell[]]));
  ${slots.includes(c) ? '' : `dropCols(t, [${lit(c)}]);`} }`;
      })
      .join('\n');
  },
});

interface SimilarityParams {
  input: string;
  dimension: number;
  style: 'Columns' | 'Vector';
  output: string;
}

/** Min-hash signature of a string's character 3-grams (the exported runtime's function, as a typed array). */
export function minHash(s: string, dimension: number): Float64Array {
  return Float64Array.from(st_minHash(s, dimension));
}

export const similarityEncode = defineTransform<SimilarityParams>({
  group: GROUP,
  operator: 'Similarity encode',
  rowWise: () => true,
  parse(r: ParamReader) {
    const input = r.column('input_column');
    return {
      input,
      dimension: r.num('target_dimension', 30, { min: 1, max: 1024, int: true }),
      style: r.oneOf('output_style', ['Columns', 'Vector'], 'Columns'),
      output: r.str('output_column', `${input}_sim`),
    };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  apply([frame], p) {
    const col = frame.column(p.input);
    const values = stringsOf(col);
    const n = values.length;
    const cache = new Map<string, Float64Array>();
    const cols = Array.from({ length: p.dimension }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null) {
        for (let d = 0; d < p.dimension; d++) cols[d][i] = NaN;
        continue;
      }
      let sig = cache.get(v);
      if (!sig) cache.set(v, (sig = minHash(v, p.dimension)));
      for (let d = 0; d < p.dimension; d++) cols[d][i] = sig[d];
    }
    const out: Column[] =
      p.style === 'Columns'
        ? cols.map((c, d) => numericColumn(`${p.output}_${d}`, c))
        : [textColumn(p.output, Array.from({ length: n }, (_, i) => (values[i] === null ? null : vectorString(cols.map((c) => c[i])))))];
    return insertAfter(frame, p.input, out);
  },
  describe: (p) => `similarity-encode ${p.input} into ${p.dimension} min-hash features of its character 3-grams (${p.output})`,
  emit: (p) =>
    p.style !== 'Columns'
      ? `place(t, ${lit(p.input)}, [[${lit(p.output)}, getCol(t, ${lit(p.input)}).map((x) => { const s = toStr(x); return s === null ? null : st_vectorString(st_minHash(s, ${num(p.dimension, 'parameters.target_dimension')})); })]]);`
      : `{ const sigs = getCol(t, ${lit(p.input)}).map((x) => { const s = toStr(x); return s === null ? null : st_minHash(s, ${num(p.dimension, 'parameters.target_dimension')}); });
  place(t, ${lit(p.input)}, Array.from({ length: ${num(p.dimension, 'parameters.target_dimension')} }, (_, d) => [${lit(p.output)} + '_' + d, sigs.map((v) => (v === null ? null : v[d]))] as [string, Cell[]])); }`,
});

export const encodeTransforms = [ordinalEncode, oneHotEncode, similarityEncode];
