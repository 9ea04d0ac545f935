import {
  BOOL_MISSING,
  type Column,
  type Frame,
  booleanColumn,
  categoricalColumn,
  categoricalFromStrings,
  datetimeColumn,
  numericColumn,
  renameColumn,
  textColumn,
} from '../../frame/index.js';
import { rowKeyStrings } from '../rowkeys.js';
import { defineTransform, flowError } from '../step.js';
import { rebuild, stringsOf } from '../util.js';
import { dropDuplicates } from './manage.js';

/** Gathers rows by index where -1 yields a missing cell (the non-matching side of an outer join). */
export function takeOrMissing(col: Column, idx: Int32Array): Column {
  const n = idx.length;
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? NaN : col.values[idx[i]];
      return col.kind === 'numeric' ? numericColumn(col.name, out) : datetimeColumn(col.name, out);
    }
    case 'categorical': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? -1 : col.codes[idx[i]];
      return categoricalColumn(col.name, out, col.dictionary);
    }
    case 'boolean': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? BOOL_MISSING : col.values[idx[i]];
      return booleanColumn(col.name, out);
    }
    case 'text': {
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? null : col.values[idx[i]];
      return textColumn(col.name, out);
    }
  }
}

const JOIN_TYPES = ['Inner', 'Left outer', 'Right outer', 'Full outer', 'Left anti', 'Left semi', 'Cartesian cross'] as const;
type JoinType = (typeof JOIN_TYPES)[number];
/** Spark spellings used in Data Wrangler flow files. */
const JOIN_ALIASES: Record<string, JoinType> = {
  inner: 'Inner', leftouter: 'Left outer', left: 'Left outer', rightouter: 'Right outer', right: 'Right outer', fullouter: 'Full outer',
  full: 'Full outer', outer: 'Full outer', leftanti: 'Left anti', leftsemi: 'Left semi', crossjoin: 'Cartesian cross', cross: 'Cartesian cross',
};

interface JoinParams {
  type: JoinType;
  left: string[];
  right: string[];
  leftSuffix: string;
  rightSuffix: string;
  /** One key column per key pair (SQL USING), named as the left key; Data Wrangler keeps both. */
  mergeKeys: boolean;
}

export const join = defineTransform<JoinParams>({
  group: 'join_tables',
  operator: 'Join',
  arity: 2,
  rowWise: () => false,
  parse(r) {
    const raw = r.str('join_type');
    const type = JOIN_TYPES.find((t) => t.toLowerCase() === raw.toLowerCase()) ?? JOIN_ALIASES[raw.toLowerCase().replace(/[\s_-]/g, '')];
    if (!type) throw r.fail('join_type', `expects one of ${JOIN_TYPES.map((t) => `"${t}"`).join(', ')}, got ${JSON.stringify(raw)}`);
    const cross = type === 'Cartesian cross';
    const left = cross ? (r.raw('left_column'), []) : r.columns('left_column');
    const right = cross ? (r.raw('right_column'), []) : r.columns('right_column');
    if (left.length !== right.length) throw r.fail('right_column', `names ${right.length} column(s), left_column names ${left.length}`);
    return { type, left, right, leftSuffix: r.str('left_suffix', '_0'), rightSuffix: r.str('right_suffix', '_1'), mergeKeys: r.bool('merge_keys', false) };
  },
  inputColumns: (p) => [{ field: 'left_column', columns: p.left }],
  rightColumns: (p) => [{ field: 'right_column', columns: p.right }],
  apply([L, R], p, _t, ctx) {
    const li: number[] = [];
    const ri: number[] = [];
    if (p.type === 'Cartesian cross') {
      if (L.numRows * R.numRows > 50_000_000) throw flowError(ctx.nodeId, 'parameters.join_type', `a cartesian join of ${L.numRows} x ${R.numRows} rows is too large`);
      for (let a = 0; a < L.numRows; a++) for (let b = 0; b < R.numRows; b++) li.push(a), ri.push(b);
    } else {
      for (let k = 0; k < p.left.length; k++) {
        const a = L.column(p.left[k]);
        const b = R.column(p.right[k]);
        const numA = a.kind === 'numeric' || a.kind === 'boolean';
        const numB = b.kind === 'numeric' || b.kind === 'boolean';
        if (numA !== numB && !(a.kind === 'datetime' && b.kind === 'datetime')) {
          // Keys are compared as text, so 1 and "1" match; only warn-worthy mismatches (numbers vs words) are errors.
          const sample = stringsOf(numA ? b : a).find((s) => s !== null);
          if (sample !== undefined && sample !== null && !Number.isFinite(Number(sample))) {
            throw flowError(ctx.nodeId, 'parameters.right_column', `cannot join ${a.kind} column "${a.name}" with ${b.kind} column "${b.name}"`, b.name);
          }
        }
      }
      const lk = rowKeyStrings(p.left.map((c) => L.column(c)), L.numRows);
      const rk = rowKeyStrings(p.right.map((c) => R.column(c)), R.numRows);
      const index = new Map<string, number[]>();
      rk.forEach((k, i) => {
        if (k === null) return;
        const list = index.get(k);
        if (list) list.push(i);
        else index.set(k, [i]);
      });
      const matchedRight = new Uint8Array(R.numRows);
      for (let a = 0; a < L.numRows; a++) {
        const hits = lk[a] === null ? undefined : index.get(lk[a]!);
        if (p.type === 'Left anti') {
          if (!hits) li.push(a);
          continue;
        }
        if (p.type === 'Left semi') {
          if (hits) li.push(a);
          continue;
        }
        if (hits) for (const b of hits) li.push(a), ri.push(b), (matchedRight[b] = 1);
        else if (p.type === 'Left outer' || p.type === 'Full outer') li.push(a), ri.push(-1);
      }
      if (p.type === 'Right outer' || p.type === 'Full outer') {
        if (p.type === 'Right outer') {
          // Right outer keeps right rows in their order: rebuild pairs from the right side.
          li.length = 0;
          ri.length = 0;
          const lindex = new Map<string, number[]>();
          lk.forEach((k, i) => {
            if (k === null) return;
            const list = lindex.get(k);
            if (list) list.push(i);
            else lindex.set(k, [i]);
          });
          for (let b = 0; b < R.numRows; b++) {
            const hits = rk[b] === null ? undefined : lindex.get(rk[b]!);
            if (hits) for (const a of hits) li.push(a), ri.push(b);
            else li.push(-1), ri.push(b);
          }
        } else for (let b = 0; b < R.numRows; b++) if (!matchedRight[b]) li.push(-1), ri.push(b);
      }
    }
    const lidx = Int32Array.from(li);
    const leftCols = L.columns.map((c) => takeOrMissing(c, lidx));
    if (p.type === 'Left anti' || p.type === 'Left semi') return rebuild(leftCols);
    const ridx = Int32Array.from(ri);
    let rightCols = R.columns.map((c) => takeOrMissing(c, ridx));
    if (p.mergeKeys) {
      p.left.forEach((lk, k) => {
        const at = leftCols.findIndex((c) => c.name === lk);
        leftCols[at] = mergeKey(leftCols[at], rightCols.find((c) => c.name === p.right[k])!, lidx);
      });
      const rightKeys = new Set(p.right);
      rightCols = rightCols.filter((c) => !rightKeys.has(c.name));
    }
    const leftNames = new Set(leftCols.map((c) => c.name));
    const rightNames = new Set(rightCols.map((c) => c.name));
    const out = [
      ...leftCols.map((c) => (rightNames.has(c.name) ? renameColumn(c, c.name + p.leftSuffix) : c)),
      ...rightCols.map((c) => (leftNames.has(c.name) ? renameColumn(c, c.name + p.rightSuffix) : c)),
    ];
    const seen = new Set<string>();
    for (const c of out) {
      if (seen.has(c.name)) throw flowError(ctx.nodeId, 'parameters.left_suffix', `the joined table would have two columns named "${c.name}"; choose other suffixes`, c.name);
      seen.add(c.name);
    }
    return rebuild(out);
  },
  describe: (p) =>
    p.type === 'Cartesian cross'
      ? 'cartesian cross join of the two inputs'
      : `${p.type.toLowerCase()} join on ${p.left.map((l, i) => `left.${l} = right.${p.right[i]}`).join(' and ')}${p.mergeKeys ? ' (one key column kept)' : ''} (clashing names get ${p.leftSuffix} / ${p.rightSuffix})`,
});

/** The left key where the left row exists, else the right key (full and right outer joins). */
function mergeKey(left: Column, right: Column, lidx: Int32Array): Column {
  if (left.kind === 'numeric' && right.kind === 'numeric') {
    return numericColumn(left.name, Float64Array.from(left.values, (v, i) => (lidx[i] < 0 ? right.values[i] : v)));
  }
  const a = stringsOf(left);
  const b = stringsOf(right);
  const merged = a.map((v, i) => (lidx[i] < 0 ? b[i] : v));
  return left.kind === 'categorical' ? categoricalFromStrings(left.name, merged) : textColumn(left.name, merged);
}

/** Vertical union aligned by column name; kinds are reconciled (same kind kept, else text). */
export function concatFrames(frames: Frame[]): Frame {
  const names: string[] = [];
  for (const f of frames) for (const n of f.columnNames) if (!names.includes(n)) names.push(n);
  const total = frames.reduce((s, f) => s + f.numRows, 0);
  const cols = names.map((name) => {
    const parts = frames.map((f) => (f.has(name) ? f.column(name) : null));
    const kinds = new Set(parts.filter((c): c is Column => c !== null).map((c) => c.kind));
    const kind = kinds.size === 1 ? [...kinds][0] : kinds.size === 2 && kinds.has('categorical') && kinds.has('text') ? 'categorical' : [...kinds].every((k) => k === 'numeric' || k === 'boolean') ? 'numeric' : 'text';
    if (kind === 'numeric' || kind === 'datetime') {
      const out = new Float64Array(total).fill(NaN);
      let o = 0;
      frames.forEach((f, k) => {
        const c = parts[k];
        if (c) {
          const v = c.kind === 'boolean' ? Float64Array.from(c.values, (b) => (b === BOOL_MISSING ? NaN : b)) : (c as { values: Float64Array }).values;
          out.set(v, o);
        }
        o += f.numRows;
      });
      return kind === 'numeric' ? numericColumn(name, out) : datetimeColumn(name, out);
    }
    if (kind === 'boolean') {
      const out = new Uint8Array(total).fill(BOOL_MISSING);
      let o = 0;
      frames.forEach((f, k) => {
        const c = parts[k];
        if (c && c.kind === 'boolean') out.set(c.values, o);
        o += f.numRows;
      });
      return booleanColumn(name, out);
    }
    const strings: (string | null)[] = new Array(total).fill(null);
    let o = 0;
    frames.forEach((f, k) => {
      const c = parts[k];
      if (c) {
        const s = stringsOf(c);
        for (let i = 0; i < s.length; i++) strings[o + i] = s[i];
      }
      o += f.numRows;
    });
    if (kind !== 'categorical') return textColumn(name, strings);
    const dictionary: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(total);
    for (let i = 0; i < total; i++) {
      const v = strings[i];
      if (v === null) {
        codes[i] = -1;
        continue;
      }
      let c = index.get(v);
      if (c === undefined) index.set(v, (c = dictionary.push(v) - 1));
      codes[i] = c;
    }
    return categoricalColumn(name, codes, dictionary);
  });
  return rebuild(cols);
}

interface ConcatParams {
  removeDuplicates: boolean;
  sourceColumn?: string;
  leftName: string;
  rightName: string;
}

export const concatenate = defineTransform<ConcatParams>({
  group: 'concatenate_datasets',
  operator: 'Concatenate',
  arity: 2,
  rowWise: () => false,
  parse: (r) => ({
    removeDuplicates: r.bool('remove_duplicates', false),
    sourceColumn: r.optStr('indicator_column'),
    leftName: r.str('left_name', 'left'),
    rightName: r.str('right_name', 'right'),
  }),
  inputColumns: () => [],
  apply([L, R], p, _t, ctx) {
    let out = concatFrames([L, R]);
    if (p.sourceColumn) {
      if (out.has(p.sourceColumn)) throw flowError(ctx.nodeId, 'parameters.indicator_column', `a column "${p.sourceColumn}" already exists`, p.sourceColumn);
      const codes = new Int32Array(out.numRows);
      codes.fill(1, L.numRows);
      out = out.withColumn(categoricalColumn(p.sourceColumn, codes, [p.leftName, p.rightName]));
    }
    if (p.removeDuplicates) out = dropDuplicates.apply([out], { columns: null, keep: 'first' }, undefined, ctx) as Frame;
    return out;
  },
  describe: (p) => `stack the second input under the first${p.sourceColumn ? `, marking the source in ${p.sourceColumn}` : ''}${p.removeDuplicates ? ', then drop duplicate rows' : ''}`,
});
