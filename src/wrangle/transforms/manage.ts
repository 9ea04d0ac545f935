import { type Column, type Frame, numericColumn, renameColumn, textColumn, toFloat64 } from '../../frame/index.js';
import { Random } from '../../util/random.js';
import { groupRows } from '../rowkeys.js';
import { defineTransform, flowError } from '../step.js';
import { lit, num } from '../codegen.js';
import { finiteSorted, insertAfter, meanStd, parseVector, quantileSorted, rebuild, stringsOf, vectorString } from '../util.js';
import { isMissingAt, mostFrequent } from './missing.js';

const MC = 'manage_columns';

export const dropColumn = defineTransform<{ columns: string[] }>({
  group: MC,
  operator: 'Drop column',
  rowWise: () => true,
  parse: (r) => ({ columns: r.columns('column_to_drop') }),
  inputColumns: (p) => [{ field: 'column_to_drop', columns: p.columns }],
  apply: ([f], p) => f.drop(p.columns),
  describe: (p) => `drop ${p.columns.join(', ')}`,
  emit: (p) => `dropCols(t, ${lit(p.columns)});`,
});

export const duplicateColumn = defineTransform<{ input: string; output: string }>({
  group: MC,
  operator: 'Duplicate column',
  rowWise: () => true,
  parse: (r) => ({ input: r.column('input_column'), output: r.str('new_name') }),
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  apply: ([f], p) => insertAfter(f, p.input, [renameColumn(f.column(p.input), p.output)]),
  describe: (p) => `copy ${p.input} to ${p.output}`,
  emit: (p) => `place(t, ${lit(p.input)}, [[${lit(p.output)}, getCol(t, ${lit(p.input)}).slice()]]);`,
});

export const renameColumnStep = defineTransform<{ input: string; output: string }>({
  group: MC,
  operator: 'Rename column',
  rowWise: () => true,
  parse: (r) => ({ input: r.column('input_column'), output: r.str('new_name') }),
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  apply([f], p, _t, ctx) {
    if (p.output !== p.input && f.has(p.output)) throw flowError(ctx.nodeId, 'parameters.new_name', `a column "${p.output}" already exists`, p.output);
    return f.rename({ [p.input]: p.output });
  },
  describe: (p) => `rename ${p.input} to ${p.output}`,
  emit: (p) => `renameCol(t, ${lit(p.input)}, ${lit(p.output)});`,
});

type MoveType = 'Move to start' | 'Move to end' | 'Move to index' | 'Move after' | 'Move before';
interface MoveParams {
  column: string;
  type: MoveType;
  target?: string;
  index?: number;
}

function moveOrder(names: string[], p: MoveParams): string[] {
  const rest = names.filter((n) => n !== p.column);
  let at: number;
  if (p.type === 'Move to start') at = 0;
  else if (p.type === 'Move to end') at = rest.length;
  else if (p.type === 'Move to index') at = Math.min(p.index!, rest.length);
  else at = rest.indexOf(p.target!) + (p.type === 'Move after' ? 1 : 0);
  rest.splice(at, 0, p.column);
  return rest;
}

export const moveColumn = defineTransform<MoveParams>({
  group: MC,
  operator: 'Move column',
  rowWise: () => true,
  parse(r) {
    const type = r.oneOf('move_type', ['Move to start', 'Move to end', 'Move to index', 'Move after', 'Move before']);
    // Data Wrangler nests the fields per move type (move_to_start_parameters: {column_to_move}); flat is accepted too.
    const nestedKey = `${type.toLowerCase().replace(/ /g, '_')}_parameters`;
    const q = r.has(nestedKey) ? r.child(nestedKey) : r;
    const p: MoveParams = { column: q.column('column_to_move'), type };
    if (type === 'Move after' || type === 'Move before') p.target = q.column('target_column');
    if (type === 'Move to index') p.index = q.num('index', undefined, { min: 0, int: true });
    if (q !== r) q.done();
    return p;
  },
  inputColumns: (p) => [{ field: 'column_to_move', columns: [p.column] }, ...(p.target ? [{ field: 'target_column', columns: [p.target] }] : [])],
  apply: ([f], p) => f.select(moveOrder(f.columnNames, p)),
  describe: (p) => `${p.type.toLowerCase()} ${p.target ?? (p.index !== undefined ? `${p.index}` : '')}: ${p.column}`.replace(/ :/, ':'),
  emit: (p) => `reorder(t, ${lit(p)});`,
});

// ---- Manage rows ----

/** Stable row order by columns; missing values sort last in either direction. */
export function sortIndices(frame: Frame, by: string[], ascending: boolean[]): Int32Array {
  const n = frame.numRows;
  const keys = by.map((c) => {
    const col = frame.column(c);
    if (col.kind === 'categorical') {
      const rank = new Int32Array(col.dictionary.length);
      const order = col.dictionary.map((_, i) => i).sort((a, b) => (col.dictionary[a] < col.dictionary[b] ? -1 : col.dictionary[a] > col.dictionary[b] ? 1 : 0));
      order.forEach((d, r) => (rank[d] = r));
      return Float64Array.from(col.codes, (c) => (c < 0 ? NaN : rank[c]));
    }
    if (col.kind === 'text') {
      const distinct = [...new Set(col.values.filter((v): v is string => v !== null))].sort();
      const rank = new Map(distinct.map((v, i) => [v, i]));
      return Float64Array.from(col.values, (v) => (v === null ? NaN : rank.get(v)!));
    }
    return toFloat64(col);
  });
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const sorted = Array.from(idx).sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const x = keys[k][a];
      const y = keys[k][b];
      if (x === y) continue;
      if (x !== x) return y !== y ? 0 : 1;
      if (y !== y) return -1;
      return ascending[k] ? x - y : y - x;
    }
    return a - b;
  });
  return Int32Array.from(sorted);
}

export const sortRows = defineTransform<{ columns: string[]; ascending: boolean }>({
  group: 'manage_rows',
  operator: 'Sort',
  rowWise: () => false,
  parse: (r) => ({ columns: r.columns('sort_by'), ascending: r.bool('ascending', true) }),
  inputColumns: (p) => [{ field: 'sort_by', columns: p.columns }],
  apply: ([f], p) => f.take(sortIndices(f, p.columns, p.columns.map(() => p.ascending))),
  describe: (p) => `sort rows by ${p.columns.join(', ')} ${p.ascending ? 'ascending' : 'descending'}`,
});

export const shuffleRows = defineTransform<{ seed: number }>({
  group: 'manage_rows',
  operator: 'Shuffle',
  rowWise: () => false,
  parse: (r) => ({ seed: r.num('random_seed', 42, { int: true }) }),
  inputColumns: () => [],
  apply: ([f], p) => f.take(new Random(p.seed).permutation(f.numRows)),
  describe: (p) => `shuffle rows (seed ${p.seed})`,
});

export const dropDuplicates = defineTransform<{ columns: string[] | null; keep: 'first' | 'last' }>({
  group: 'manage_rows',
  operator: 'Drop duplicates',
  rowWise: () => false,
  parse: (r) => ({ columns: r.has('input_column') ? r.columns('input_column') : (r.raw('input_column'), null), keep: r.oneOf('keep', ['first', 'last'], 'first') }),
  inputColumns: (p) => (p.columns ? [{ field: 'input_column', columns: p.columns }] : []),
  apply([f], p, _t, ctx) {
    const cols = (p.columns ?? f.columnNames).map((c) => f.column(c));
    const g = groupRows(cols, f.numRows);
    let rows: Int32Array;
    if (p.keep === 'first') rows = g.firstRow;
    else {
      const last = new Int32Array(g.count);
      for (let i = 0; i < f.numRows; i++) last[g.groupOf[i]] = i;
      rows = last.sort();
    }
    ctx.report.duplicates_dropped = (ctx.report.duplicates_dropped ?? 0) + f.numRows - rows.length;
    return rows.length === f.numRows ? f : f.take(rows);
  },
  describe: (p) => `drop duplicate rows${p.columns ? ` (by ${p.columns.join(', ')})` : ''}, keeping the ${p.keep}`,
});

// ---- Manage vectors ----

export const assembleVector = defineTransform<{ inputs: string[]; output: string }>({
  group: 'manage_vectors',
  operator: 'Assemble',
  rowWise: () => true,
  parse: (r) => ({ inputs: r.columns('input_column'), output: r.str('output_column') }),
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  apply([f], p, _t, ctx) {
    const parts = p.inputs.map((c) => {
      const col = f.column(c);
      if (col.kind === 'text') return { vec: col.values.map(parseVector) };
      if (col.kind === 'categorical') throw flowError(ctx.nodeId, 'parameters.input_column', `column "${c}" is categorical; assemble takes numeric and vector columns`, c);
      return { num: toFloat64(col) };
    });
    const out = new Array<string | null>(f.numRows);
    for (let i = 0; i < f.numRows; i++) {
      const v: number[] = [];
      for (const part of parts) {
        if (part.num) v.push(part.num[i]);
        else v.push(...(part.vec![i] ?? [NaN]));
      }
      out[i] = vectorString(v);
    }
    return f.withColumn(textColumn(p.output, out));
  },
  describe: (p) => `assemble ${p.inputs.join(', ')} into the vector column ${p.output}`,
  emit: (p) =>
    `{ const parts = ${lit(p.inputs)}.map((c) => getCol(t, c)); const out: Cell[] = new Array(t.n);
  for (let i = 0; i < t.n; i++) { const v: number[] = []; for (const col of parts) { const x = col[i]; if (typeof x === 'string') v.push(...(st_parseVector(x) ?? [NaN])); else v.push(toNum(x)); } out[i] = st_vectorString(v); }
  setCol(t, ${lit(p.output)}, out); }`,
});

export const flattenVector = defineTransform<{ input: string; prefix: string; length?: number }, { length: number }>({
  group: 'manage_vectors',
  operator: 'Flatten',
  rowWise: () => true,
  parse: (r) => {
    const input = r.column('input_column');
    return { input, prefix: r.str('output_prefix', input), length: r.optNum('number_of_outputs', { min: 1, int: true }) };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  fit(f, p, ctx) {
    if (p.length) return { length: p.length };
    const col = f.column(p.input);
    const first = stringsOf(col).map(parseVector).find((v) => v !== null);
    if (!first) throw flowError(ctx.nodeId, 'parameters.input_column', `column "${p.input}" holds no vector (a JSON array such as [1,2,3])`, p.input);
    return { length: first.length };
  },
  parseTrained: (r) => ({ length: r.num('length', undefined, { min: 0, int: true }) }),
  apply([f], p, t) {
    const k = t?.length ?? p.length ?? 0;
    const vecs = stringsOf(f.column(p.input)).map(parseVector);
    const cols: Column[] = [];
    for (let j = 0; j < k; j++) cols.push(numericColumn(`${p.prefix}_${j}`, Float64Array.from(vecs, (v) => (v && j < v.length ? v[j] : NaN))));
    return insertAfter(f, p.input, cols);
  },
  describe: (p) => `flatten the vector column ${p.input} into ${p.prefix}_0, ${p.prefix}_1, ...`,
  emit: (p, t) =>
    `{ const vecs = getCol(t, ${lit(p.input)}).map((x) => st_parseVector(toStr(x)));
  place(t, ${lit(p.input)}, Array.from({ length: ${num(t?.length ?? p.length ?? 0, 'trained_parameters.length')} }, (_, j) => [${lit(p.prefix)} + '_' + j, vecs.map((v) => (v && j < v.length ? v[j] : null))] as [string, Cell[]])); }`,
});

// ---- Group by ----

export const AGGREGATES = ['count', 'sum', 'mean', 'median', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'most_common'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Aggregates one column over groups; numeric aggregates need a numeric column. */
export function aggregateColumn(col: Column, groupOf: Int32Array, groups: number, fn: Aggregate, name: string, nodeId: string): Column {
  const n = col.length;
  if (fn === 'count') {
    const out = new Float64Array(groups);
    for (let i = 0; i < n; i++) if (!isMissingAt(col, i)) out[groupOf[i]]++;
    return numericColumn(name, out);
  }
  if (fn === 'first' || fn === 'last' || fn === 'most_common' || fn === 'nunique') {
    const s = stringsOf(col);
    const per: (string | null)[][] = Array.from({ length: groups }, () => []);
    for (let i = 0; i < n; i++) per[groupOf[i]].push(s[i]);
    if (fn === 'nunique') return numericColumn(name, Float64Array.from(per, (v) => new Set(v.filter((x) => x !== null)).size));
    const pick = per.map((v) => (fn === 'first' ? (v.find((x) => x !== null) ?? null) : fn === 'last' ? ([...v].reverse().find((x) => x !== null) ?? null) : mostFrequent(v)));
    if (col.kind === 'numeric') return numericColumn(name, Float64Array.from(pick, (v) => (v === null ? NaN : Number(v))));
    return textColumn(name, pick);
  }
  if (col.kind !== 'numeric' && col.kind !== 'boolean' && col.kind !== 'datetime') {
    throw flowError(nodeId, 'parameters.aggregations', `"${fn}" needs a numeric column, "${col.name}" is ${col.kind}`, col.name);
  }
  const x = toFloat64(col);
  const out = new Float64Array(groups);
  if (fn === 'sum' || fn === 'mean') {
    const cnt = new Float64Array(groups);
    for (let i = 0; i < n; i++) if (x[i] === x[i]) {
      out[groupOf[i]] += x[i];
      cnt[groupOf[i]]++;
    }
    if (fn === 'mean') for (let g = 0; g < groups; g++) out[g] = cnt[g] > 0 ? out[g] / cnt[g] : NaN;
    return numericColumn(name, out);
  }
  if (fn === 'min' || fn === 'max') {
    out.fill(NaN);
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const g = groupOf[i];
      if (v === v && (out[g] !== out[g] || (fn === 'min' ? v < out[g] : v > out[g]))) out[g] = v;
    }
    return col.kind === 'datetime' ? { ...numericColumn(name, out), kind: 'datetime' } as Column : numericColumn(name, out);
  }
  const per: number[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; i < n; i++) if (x[i] === x[i]) per[groupOf[i]].push(x[i]);
  for (let g = 0; g < groups; g++) {
    const v = Float64Array.from(per[g]);
    if (fn === 'median') out[g] = quantileSorted(finiteSorted(v), 0.5);
    else {
      const { std } = meanStd(v);
      out[g] = v.length > 1 ? (fn === 'std' ? std : std * std) : NaN;
    }
  }
  return numericColumn(name, out);
}

interface GroupByParams {
  keys: string[];
  aggregations: { column: string; fn: Aggregate; output: string }[];
}

export const groupBy = defineTransform<GroupByParams>({
  group: 'group_by',
  operator: 'Group by',
  rowWise: () => false,
  parse(r) {
    const keys = r.columns('group_by_columns');
    const aggregations = r.list('aggregations', false).map((a) => {
      const column = a.column('column');
      const fn = a.oneOf('function', AGGREGATES);
      const output = a.str('output_column', `${column}_${fn}`);
      a.done();
      return { column, fn, output };
    });
    return { keys, aggregations };
  },
  inputColumns: (p) => [
    { field: 'group_by_columns', columns: p.keys },
    { field: 'aggregations', columns: p.aggregations.map((a) => a.column) },
  ],
  apply([f], p, _t, ctx) {
    const keyCols = p.keys.map((k) => f.column(k));
    const g = groupRows(keyCols, f.numRows);
    const keysOut = f.select(p.keys).take(g.firstRow).columns;
    const aggs = p.aggregations.map((a) => aggregateColumn(f.column(a.column), g.groupOf, g.count, a.fn, a.output, ctx.nodeId));
    if (p.aggregations.length === 0) aggs.push(aggregateColumn(keyCols[0], g.groupOf, g.count, 'count', 'count', ctx.nodeId));
    return rebuild([...keysOut, ...aggs]);
  },
  describe: (p) => `group by ${p.keys.join(', ')}${p.aggregations.length ? ` computing ${p.aggregations.map((a) => `${a.fn}(${a.column})`).join(', ')}` : ' counting rows'}`,
});

export const manageTransforms = [dropColumn, duplicateColumn, renameColumnStep, moveColumn, sortRows, shuffleRows, dropDuplicates, assembleVector, flattenVector, groupBy];
