import { type Column, type Frame, numericColumn, toFloat64 } from '../../frame/index.js';
import { Random } from '../../util/random.js';
import { groupRows } from '../rowkeys.js';
import { type ParamReader, defineTransform, flowError } from '../step.js';
import { numbersOf, rebuild } from '../util.js';
import { concatFrames } from './combine.js';
import { sortIndices } from './manage.js';

/** Integer counts proportional to `weights` summing exactly to `total` (largest remainder). */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k][1]]++;
  return out;
}

function classesOf(frame: Frame, column: string): { groupOf: Int32Array; count: number } {
  return groupRows([frame.column(column)], frame.numRows);
}

/** Rows of each group, in row order. */
function rowsByGroup(groupOf: Int32Array, count: number): number[][] {
  const out: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < groupOf.length; i++) out[groupOf[i]].push(i);
  return out;
}

function randomSubset(rows: number[], k: number, rng: Random): number[] {
  const a = rows.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

interface SampleParams {
  size: number;
  seed: number;
  column?: string;
}

function sampleOp(operator: 'Limit' | 'Randomized' | 'Stratified') {
  return defineTransform<SampleParams>({
    group: 'sampling',
    operator,
    rowWise: () => false,
    parse: (r) => ({
      size: r.num('sample_size', undefined, { min: 0, int: true }),
      seed: operator === 'Limit' ? 0 : r.num('random_seed', 42, { int: true }),
      column: operator === 'Stratified' ? r.column('stratify_column') : undefined,
    }),
    inputColumns: (p) => (p.column ? [{ field: 'stratify_column', columns: [p.column] }] : []),
    apply([f], p) {
      const n = f.numRows;
      const k = Math.min(p.size, n);
      if (operator === 'Limit') return f.head(k);
      const rng = new Random(p.seed);
      if (operator === 'Randomized') return f.take(randomSubset(Array.from({ length: n }, (_, i) => i), k, rng));
      const g = classesOf(f, p.column!);
      const groups = rowsByGroup(g.groupOf, g.count);
      const quotas = allocate(k, groups.map((x) => x.length));
      const rows = groups.flatMap((rowsOf, gi) => randomSubset(rowsOf, Math.min(quotas[gi], rowsOf.length), rng.fork(gi)));
      return f.take(rows.sort((a, b) => a - b));
    },
    describe: (p) => `${operator.toLowerCase()} sample of ${p.size} rows${p.column ? ` stratified by ${p.column}` : ''}${operator !== 'Limit' ? ` (seed ${p.seed})` : ''}`,
  });
}

export const limitSample = sampleOp('Limit');
export const randomSample = sampleOp('Randomized');
export const stratifiedSample = sampleOp('Stratified');

type SplitKind = 'Randomized split' | 'Ordered split' | 'Stratified split' | 'Split by key';
interface SplitParams {
  splits: { name: string; fraction: number }[];
  seed: number;
  error: number;
  column?: string;
  keys?: string[];
  handleDuplicates: boolean;
}

function readSplits(r: ParamReader): { name: string; fraction: number }[] {
  const list = r.list('splits');
  if (list.length < 2) throw r.fail('splits', 'needs at least two splits');
  const splits = list.map((s) => {
    const out = { name: s.str('name'), fraction: s.num('percentage', undefined, { min: 0, max: 1 }) };
    s.done();
    return out;
  });
  const names = new Set(splits.map((s) => s.name));
  if (names.size !== splits.length) throw r.fail('splits', 'split names must be unique');
  const sum = splits.reduce((a, s) => a + s.fraction, 0);
  if (Math.abs(sum - 1) > 1e-6) throw r.fail('splits', `percentages must sum to 1, they sum to ${sum}`);
  return splits;
}

function splitOp(kind: SplitKind) {
  return defineTransform<SplitParams>({
    group: 'split',
    operator: kind,
    rowWise: () => false,
    parse(r) {
      const p: SplitParams = {
        splits: readSplits(r),
        seed: r.num('random_seed', 42, { int: true }),
        error: Math.min(1, r.num('error', 0.0001, { min: 0 })),
        handleDuplicates: false,
      };
      if (kind === 'Ordered split') {
        p.column = r.optColumn('input_column');
        p.handleDuplicates = r.bool('handle_duplicates', false);
      }
      if (kind === 'Stratified split') p.column = r.column('input_column');
      if (kind === 'Split by key') p.keys = r.columns('key_column');
      return p;
    },
    inputColumns: (p) => [...(p.column ? [{ field: 'input_column', columns: [p.column] }] : []), ...(p.keys ? [{ field: 'key_column', columns: p.keys }] : [])],
    outputNames: (p) => p.splits.map((s) => s.name),
    apply([f], p, _t, ctx) {
      const n = f.numRows;
      const rng = new Random(p.seed);
      const fractions = p.splits.map((s) => s.fraction);
      const assign = new Int32Array(n);
      const fill = (rows: ArrayLike<number>) => {
        const counts = allocate(rows.length, fractions);
        let o = 0;
        counts.forEach((c, s) => {
          for (let i = 0; i < c; i++) assign[rows[o++]] = s;
        });
      };
      if (kind === 'Randomized split') fill(rng.permutation(n));
      else if (kind === 'Ordered split') {
        if (!p.column) fill(Int32Array.from({ length: n }, (_, i) => i));
        else {
          let x = numbersOf(f.column(p.column), ctx.nodeId, 'parameters.input_column');
          if (p.handleDuplicates) x = Float64Array.from(x, (v) => v + rng.uniform(-1e-9, 1e-9) * Math.max(1, Math.abs(v)));
          fill(sortIndices(rebuild([numericColumn('k', x)]), ['k'], [true]));
        }
      } else if (kind === 'Stratified split') {
        const g = classesOf(f, p.column!);
        if (g.count > 100) throw flowError(ctx.nodeId, 'parameters.input_column', `stratified split needs at most 100 distinct values, "${p.column}" has ${g.count}`, p.column);
        rowsByGroup(g.groupOf, g.count).forEach((rows, gi) => fill(rng.fork(gi).shuffle(rows)));
      } else {
        const g = groupRows(p.keys!.map((k) => f.column(k)), n);
        const perm = rng.permutation(g.count);
        const sizes = new Float64Array(g.count);
        for (let i = 0; i < n; i++) sizes[g.groupOf[i]]++;
        // Whole keys are dealt out in random order until each split reaches its share of rows.
        const target = allocate(n, fractions);
        const keySplit = new Int32Array(g.count);
        let s = 0;
        let filled = 0;
        for (const key of perm) {
          while (s < target.length - 1 && filled >= target[s]) {
            s++;
            filled = 0;
          }
          keySplit[key] = s;
          filled += sizes[key];
        }
        for (let i = 0; i < n; i++) assign[i] = keySplit[g.groupOf[i]];
      }
      const out: Record<string, Frame> = {};
      p.splits.forEach((sp, s) => {
        const rows: number[] = [];
        for (let i = 0; i < n; i++) if (assign[i] === s) rows.push(i);
        out[sp.name] = f.take(rows);
      });
      return out;
    },
    describe: (p) =>
      `${kind.toLowerCase()} into ${p.splits.map((s) => `${s.name} ${Math.round(s.fraction * 1000) / 10}%`).join(', ')}${p.column ? ` by ${p.column}` : ''}${p.keys ? ` keeping each ${p.keys.join('+')} in one split` : ''}`,
  });
}

export const randomSplit = splitOp('Randomized split');
export const orderedSplit = splitOp('Ordered split');
export const stratifiedSplit = splitOp('Stratified split');
export const keySplit = splitOp('Split by key');

// ---- Balance data ----

type BalanceKind = 'Random oversample' | 'Random undersample' | 'SMOTE';
interface BalanceParams {
  target: string;
  ratio: number;
  seed: number;
  k: number;
}

function balanceOp(kind: BalanceKind) {
  return defineTransform<BalanceParams>({
    group: 'balance_data',
    operator: kind,
    rowWise: () => false,
    parse: (r) => ({
      target: r.column('target_column'),
      ratio: r.num('ratio', 1, { min: 0, max: 1, exclusiveMin: true }),
      seed: r.num('random_seed', 42, { int: true }),
      k: kind === 'SMOTE' ? r.num('k_neighbors', 5, { min: 1, int: true }) : 5,
    }),
    inputColumns: (p) => [{ field: 'target_column', columns: [p.target] }],
    apply([f], p, _t, ctx) {
      const g = classesOf(f, p.target);
      const groups = rowsByGroup(g.groupOf, g.count).map((rows) => rows.filter((r) => !isMissingTarget(f.column(p.target), r)));
      if (groups.filter((x) => x.length > 0).length < 2) throw flowError(ctx.nodeId, 'parameters.target_column', `"${p.target}" needs at least two classes to balance`, p.target);
      const rng = new Random(p.seed);
      const maxCount = Math.max(...groups.map((x) => x.length));
      if (kind === 'Random undersample') {
        const minCount = Math.min(...groups.filter((x) => x.length > 0).map((x) => x.length));
        const cap = Math.ceil(minCount / p.ratio);
        const keep = new Uint8Array(f.numRows).fill(1);
        groups.forEach((rows, gi) => {
          if (rows.length <= cap) return;
          const chosen = new Set(randomSubset(rows, cap, rng.fork(gi)));
          for (const r of rows) if (!chosen.has(r)) keep[r] = 0;
        });
        return f.filter(keep);
      }
      const want = Math.floor(maxCount * p.ratio);
      const extra: Frame[] = [];
      groups.forEach((rows, gi) => {
        const need = want - rows.length;
        if (need <= 0 || rows.length === 0) return;
        const r = rng.fork(gi);
        if (kind === 'Random oversample') extra.push(f.take(Array.from({ length: need }, () => rows[r.int(rows.length)])));
        else extra.push(smote(f, rows, need, p, r));
      });
      return extra.length ? concatFrames([f, ...extra]) : f;
    },
    describe: (p) => `${kind === 'SMOTE' ? 'SMOTE-oversample' : kind.toLowerCase()} ${p.target} to a minority/majority ratio of ${p.ratio}`,
  });
}

function isMissingTarget(col: Column, i: number): boolean {
  return col.kind === 'categorical' ? col.codes[i] < 0 : col.kind === 'text' ? col.values[i] === null : col.kind === 'boolean' ? col.values[i] === 255 : col.values[i] !== col.values[i];
}

/**
 * SMOTE: neighbours by squared Euclidean distance over standardised numeric features (missing = mean);
 * numeric features interpolate w*A + (1-w)*B, every other feature is copied from A or B, choosing A with a
 * per-sample probability.
 */
/** Minority rows SMOTE searches neighbours among: brute force is O(m^2), so large classes use a random subset. */
const SMOTE_POOL = 4000;

function smote(f: Frame, allRows: number[], need: number, p: BalanceParams, rng: Random): Frame {
  const rows = allRows.length > SMOTE_POOL ? Array.from(rng.permutation(allRows.length).subarray(0, SMOTE_POOL), (i) => allRows[i]) : allRows;
  const numeric = f.columns.filter((c) => c.name !== p.target && c.kind === 'numeric').map((c) => c.name);
  const m = rows.length;
  const d = numeric.length;
  const X = new Float64Array(m * d);
  numeric.forEach((name, j) => {
    const v = toFloat64(f.column(name));
    let s = 0;
    let s2 = 0;
    let c = 0;
    for (const r of rows) if (v[r] === v[r]) (s += v[r]), (s2 += v[r] * v[r]), c++;
    const mean = c ? s / c : 0;
    const sd = c > 1 ? Math.sqrt(Math.max(1e-12, s2 / c - mean * mean)) : 1;
    rows.forEach((r, i) => (X[i * d + j] = v[r] === v[r] ? (v[r] - mean) / sd : 0));
  });
  const k = Math.min(p.k, m - 1);
  const neighbours: Int32Array[] = [];
  for (let a = 0; a < m; a++) {
    const dist: [number, number][] = [];
    for (let b = 0; b < m; b++) {
      if (b === a) continue;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = X[a * d + j] - X[b * d + j];
        s += t * t;
      }
      dist.push([s, b]);
    }
    dist.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    neighbours.push(Int32Array.from(dist.slice(0, Math.max(1, k)).map((x) => x[1])));
  }
  const A = new Int32Array(need);
  const B = new Int32Array(need);
  const w = new Float64Array(need);
  const pickA = new Float64Array(need);
  for (let s = 0; s < need; s++) {
    const a = rng.int(m);
    A[s] = rows[a];
    B[s] = m > 1 ? rows[neighbours[a][rng.int(neighbours[a].length)]] : rows[a];
    w[s] = rng.next();
    pickA[s] = rng.next();
  }
  const cols = f.columns.map((col) => {
    if (col.kind === 'numeric' && col.name !== p.target) {
      const out = new Float64Array(need);
      for (let s = 0; s < need; s++) out[s] = w[s] * col.values[A[s]] + (1 - w[s]) * col.values[B[s]];
      return numericColumn(col.name, out);
    }
    if (col.name === p.target) return f.take(A).column(col.name);
    const idx = new Int32Array(need);
    for (let s = 0; s < need; s++) idx[s] = rng.next() < pickA[s] ? A[s] : B[s];
    return f.take(idx).column(col.name);
  });
  return rebuild(cols);
}

export const randomOversample = balanceOp('Random oversample');
export const randomUndersample = balanceOp('Random undersample');
export const smoteOversample = balanceOp('SMOTE');

export const samplingTransforms = [limitSample, randomSample, stratifiedSample];
export const splitTransforms = [randomSplit, orderedSplit, stratifiedSplit, keySplit];
export const balanceTransforms = [randomOversample, randomUndersample, smoteOversample];
