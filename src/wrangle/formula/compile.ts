import {
  BOOL_MISSING,
  type Column,
  type ColumnKind,
  booleanColumn,
  datetimeColumn,
  numericColumn,
  textColumn,
} from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { lit, num } from '../codegen.js';
import { type BinOp, type Expr, formulaError } from './parse.js';
import * as rt from './runtime.js';

type Cell = rt.Cell;
export type FType = 'num' | 'str' | 'bool' | 'date' | 'null';

export function typeOfKind(kind: ColumnKind): FType {
  return kind === 'numeric' ? 'num' : kind === 'boolean' ? 'bool' : kind === 'datetime' ? 'date' : 'str';
}

/** Formula type of a column; a categorical column whose labels are all numbers ("1", "2.5") reads as numbers. */
export function typeOfColumn(col: Column): FType {
  if (col.kind === 'categorical' && col.dictionary.length > 0 && col.dictionary.every((d) => d.trim() !== '' && Number.isFinite(Number(d)))) return 'num';
  return typeOfKind(col.kind);
}

interface Sig {
  params: FType[];
  optional?: number;
  variadic?: boolean;
  ret: FType | 'unify';
  impl: string;
}

const num1 = (impl: string): Sig => ({ params: ['num'], ret: 'num', impl });
const str1 = (impl: string): Sig => ({ params: ['str'], ret: 'str', impl });
const date1 = (impl: string): Sig => ({ params: ['date'], ret: 'num', impl });

const FUNCTIONS: Record<string, Sig> = {
  abs: num1('rt_abs'), sqrt: num1('rt_sqrt'), exp: num1('rt_exp'), ln: num1('rt_ln'), log: num1('rt_ln'),
  log10: num1('rt_log10'), log2: num1('rt_log2'), log1p: num1('rt_log1p'), floor: num1('rt_floor'), ceil: num1('rt_ceil'),
  sign: num1('rt_sign'), sin: num1('rt_sin'), cos: num1('rt_cos'), tan: num1('rt_tan'),
  round: { params: ['num', 'num'], optional: 1, ret: 'num', impl: 'rt_round' },
  pow: { params: ['num', 'num'], ret: 'num', impl: 'rt_pow' },
  mod: { params: ['num', 'num'], ret: 'num', impl: 'rt_mod' },
  least: { params: [], variadic: true, ret: 'unify', impl: 'rt_least' },
  greatest: { params: [], variadic: true, ret: 'unify', impl: 'rt_greatest' },
  coalesce: { params: [], variadic: true, ret: 'unify', impl: 'rt_coalesce' },
  nullif: { params: [], variadic: true, ret: 'unify', impl: 'rt_nullif' },
  isnull: { params: ['null'], ret: 'bool', impl: 'rt_isnull' },
  isnotnull: { params: ['null'], ret: 'bool', impl: 'rt_isnotnull' },
  concat: { params: [], variadic: true, ret: 'str', impl: 'rt_concat' },
  lower: str1('rt_lower'), upper: str1('rt_upper'), trim: str1('rt_trim'), ltrim: str1('rt_ltrim'), rtrim: str1('rt_rtrim'),
  length: { params: ['str'], ret: 'num', impl: 'rt_length' },
  substring: { params: ['str', 'num', 'num'], optional: 1, ret: 'str', impl: 'rt_substring' },
  substr: { params: ['str', 'num', 'num'], optional: 1, ret: 'str', impl: 'rt_substring' },
  left: { params: ['str', 'num'], ret: 'str', impl: 'rt_left' },
  right: { params: ['str', 'num'], ret: 'str', impl: 'rt_right' },
  replace: { params: ['str', 'str', 'str'], ret: 'str', impl: 'rt_replace' },
  contains: { params: ['str', 'str'], ret: 'bool', impl: 'rt_contains' },
  startswith: { params: ['str', 'str'], ret: 'bool', impl: 'rt_startswith' },
  endswith: { params: ['str', 'str'], ret: 'bool', impl: 'rt_endswith' },
  instr: { params: ['str', 'str'], ret: 'num', impl: 'rt_instr' },
  lpad: { params: ['str', 'num', 'str'], optional: 1, ret: 'str', impl: 'rt_lpad' },
  rpad: { params: ['str', 'num', 'str'], optional: 1, ret: 'str', impl: 'rt_rpad' },
  string: { params: ['str'], ret: 'str', impl: 'rt_string' },
  number: { params: ['null'], ret: 'num', impl: 'rt_number' },
  double: { params: ['null'], ret: 'num', impl: 'rt_number' },
  to_date: { params: ['date'], ret: 'date', impl: 'rt_parseDate' },
  year: date1('rt_year'), month: date1('rt_month'), day: date1('rt_day'), hour: date1('rt_hour'), minute: date1('rt_minute'),
  second: date1('rt_second'), dayofweek: date1('rt_dayofweek'), dayofyear: date1('rt_dayofyear'), weekofyear: date1('rt_weekofyear'),
  datediff: { params: ['date', 'date'], ret: 'num', impl: 'rt_datediff' },
  date_add: { params: ['date', 'num'], ret: 'date', impl: 'rt_date_add' },
};

export const FORMULA_FUNCTIONS = Object.keys(FUNCTIONS).concat(['if']).sort();

const BIN_IMPL: Record<BinOp, string> = {
  '+': 'rt_add', '-': 'rt_sub', '*': 'rt_mul', '/': 'rt_div', '%': 'rt_mod', '^': 'rt_pow',
  '=': 'rt_eq', '!=': 'rt_ne', '<': 'rt_lt', '<=': 'rt_le', '>': 'rt_gt', '>=': 'rt_ge', and: 'rt_and', or: 'rt_or',
};

/**
 * A type-checked expression lowered to calls of runtime functions. Implicit conversions are made explicit
 * here (text to date where a date is expected, date to ISO text where text is expected), so the
 * in-process closure and the exported code perform exactly the same calls.
 */
export type Lowered =
  | { k: 'const'; v: Cell; type: FType }
  | { k: 'col'; name: string; type: FType }
  | { k: 'call'; fn: string; args: Lowered[]; type: FType };

export function lower(src: string, e: Expr, columnTypes: Record<string, FType>): Lowered {
  const conv = (x: Lowered, want: FType, pos: number, what: string): Lowered => {
    if (x.type === want || x.type === 'null' || want === 'null') return x;
    if (want === 'date' && x.type === 'str') return { k: 'call', fn: 'rt_parseDate', args: [x], type: 'date' };
    if (want === 'str' && x.type === 'date') return { k: 'call', fn: 'rt_dateToIso', args: [x], type: 'str' };
    if (want === 'str' && (x.type === 'num' || x.type === 'bool')) return { k: 'call', fn: 'rt_string', args: [x], type: 'str' };
    throw formulaError(src, pos, `${what} expects ${describeType(want)}, got ${describeType(x.type)}`);
  };
  const unify = (xs: Lowered[], pos: number, what: string): { args: Lowered[]; type: FType } => {
    const types = [...new Set(xs.map((x) => x.type).filter((t) => t !== 'null'))];
    if (types.length === 0) return { args: xs, type: 'null' };
    let target = types[0];
    if (types.length > 1) {
      if (types.every((t) => t === 'date' || t === 'str')) target = 'date';
      else throw formulaError(src, pos, `${what} mixes ${types.map(describeType).join(' and ')}`);
    }
    return { args: xs.map((x) => conv(x, target, pos, what)), type: target };
  };
  const go = (e: Expr): Lowered => {
    switch (e.k) {
      case 'num':
        return { k: 'const', v: e.v, type: 'num' };
      case 'str':
        return { k: 'const', v: e.v, type: 'str' };
      case 'bool':
        return { k: 'const', v: e.v, type: 'bool' };
      case 'null':
        return { k: 'const', v: null, type: 'null' };
      case 'col': {
        const t = Object.hasOwn(columnTypes, e.name) ? columnTypes[e.name] : undefined;
        if (t === undefined) {
          throw formulaError(src, e.pos, `unknown column "${e.name}"${Object.hasOwn(FUNCTIONS, e.name.toLowerCase()) ? ` (did you mean ${e.name}(...)?)` : ''}; columns are: ${Object.keys(columnTypes).join(', ')}`);
        }
        return { k: 'col', name: e.name, type: t };
      }
      case 'un': {
        const a = go(e.a);
        if (e.op === '-') return { k: 'call', fn: 'rt_neg', args: [conv(a, 'num', e.pos, 'unary "-"')], type: 'num' };
        return { k: 'call', fn: 'rt_not', args: [conv(a, 'bool', e.pos, '"not"')], type: 'bool' };
      }
      case 'bin': {
        const a = go(e.a);
        const b = go(e.b);
        const fn = BIN_IMPL[e.op];
        if (e.op === 'and' || e.op === 'or') return { k: 'call', fn, args: [conv(a, 'bool', e.pos, `"${e.op}"`), conv(b, 'bool', e.pos, `"${e.op}"`)], type: 'bool' };
        if (['=', '!=', '<', '<=', '>', '>='].includes(e.op)) return { k: 'call', fn, args: unify([a, b], e.pos, `comparison "${e.op}"`).args, type: 'bool' };
        if (e.op === '+' && (a.type === 'str' || b.type === 'str')) throw formulaError(src, e.pos, '"+" adds numbers; join text with concat(a, b)');
        if ((e.op === '+' || e.op === '-') && (a.type === 'date' || b.type === 'date')) {
          throw formulaError(src, e.pos, `"${e.op}" on dates: use date_add(date, days) or datediff(a, b)`);
        }
        return { k: 'call', fn, args: [conv(a, 'num', e.pos, `"${e.op}"`), conv(b, 'num', e.pos, `"${e.op}"`)], type: 'num' };
      }
      case 'call': {
        const args = e.args.map(go);
        if (e.name === 'if') {
          if (args.length !== 3) throw formulaError(src, e.pos, `if(condition, then, else) takes 3 arguments, got ${args.length}`);
          const u = unify(args.slice(1), e.pos, 'if(...) branches');
          return { k: 'call', fn: 'rt_if', args: [conv(args[0], 'bool', e.pos, 'the condition of if(...)'), ...u.args], type: u.type };
        }
        const sig = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
        if (!sig) throw formulaError(src, e.pos, `unknown function "${e.name}"; functions are: ${FORMULA_FUNCTIONS.join(', ')}`);
        if (sig.variadic) {
          if (args.length === 0) throw formulaError(src, e.pos, `${e.name}(...) needs at least one argument`);
          if (e.name === 'nullif' && args.length !== 2) throw formulaError(src, e.pos, 'nullif(a, b) takes 2 arguments');
          if (sig.ret === 'str') return { k: 'call', fn: sig.impl, args: args.map((a) => conv(a, 'str', e.pos, `${e.name}(...)`)), type: 'str' };
          const u = unify(args, e.pos, `${e.name}(...)`);
          return { k: 'call', fn: sig.impl, args: u.args, type: u.type };
        }
        const min = sig.params.length - (sig.optional ?? 0);
        if (args.length < min || args.length > sig.params.length) {
          throw formulaError(src, e.pos, `${e.name}(...) takes ${min === sig.params.length ? min : `${min} to ${sig.params.length}`} argument(s), got ${args.length}`);
        }
        const conv2 = args.map((a, i) => conv(a, sig.params[i], e.args[i].pos, `argument ${i + 1} of ${e.name}(...)`));
        return { k: 'call', fn: sig.impl, args: conv2, type: sig.ret as FType };
      }
    }
  };
  return go(e);
}

function describeType(t: FType): string {
  return t === 'num' ? 'a number' : t === 'str' ? 'text' : t === 'bool' ? 'a boolean' : t === 'date' ? 'a date' : 'null';
}

type RowFn = (i: number) => Cell;
const RUNTIME = rt as unknown as Record<string, (...a: Cell[]) => Cell>;

/** Reader of a frame column as cells in the formula's type. */
function columnReader(col: Column): RowFn {
  switch (col.kind) {
    case 'numeric':
    case 'datetime': {
      const v = col.values;
      return (i) => (v[i] !== v[i] ? null : v[i]);
    }
    case 'boolean': {
      const v = col.values;
      return (i) => (v[i] === BOOL_MISSING ? null : v[i] === 1);
    }
    case 'categorical': {
      const { codes, dictionary } = col;
      return (i) => (codes[i] < 0 ? null : dictionary[codes[i]]);
    }
    case 'text': {
      const v = col.values;
      return (i) => v[i];
    }
  }
}

export function toClosure(l: Lowered, column: (name: string) => Column): RowFn {
  if (l.k === 'const') {
    const v = l.v;
    return () => v;
  }
  if (l.k === 'col') {
    const col = column(l.name);
    if (col.kind === 'categorical' && l.type === 'num') {
      const { codes } = col;
      const values = col.dictionary.map(Number);
      return (i) => (codes[i] < 0 ? null : values[codes[i]]);
    }
    return columnReader(col);
  }
  const f = RUNTIME[l.fn];
  const a = l.args.map((x) => toClosure(x, column));
  // Fixed-arity specialisations: no argument array per row in the common cases.
  if (a.length === 1) {
    const [a0] = a;
    return (i) => f(a0(i));
  }
  if (a.length === 2) {
    const [a0, a1] = a;
    return (i) => f(a0(i), a1(i));
  }
  if (a.length === 3) {
    const [a0, a1, a2] = a;
    if (l.fn === 'rt_if') return (i) => (a0(i) === true ? a1(i) : a2(i));
    return (i) => f(a0(i), a1(i), a2(i));
  }
  return (i) => f(...a.map((g) => g(i)));
}

export function evaluateToColumn(l: Lowered, name: string, rows: number, column: (name: string) => Column): Column {
  const fn = toClosure(l, column);
  if (l.type === 'str') {
    const out = new Array<string | null>(rows);
    for (let i = 0; i < rows; i++) out[i] = fn(i) as string | null;
    return textColumn(name, out);
  }
  if (l.type === 'bool') {
    const out = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = fn(i);
      out[i] = v === null ? BOOL_MISSING : v ? 1 : 0;
    }
    return booleanColumn(name, out);
  }
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = fn(i);
    out[i] = v === null ? NaN : (v as number);
  }
  return l.type === 'date' ? datetimeColumn(name, out) : numericColumn(name, out);
}

/** TypeScript source of the expression over `row(i)` column arrays named by `colVar(name)`. */
export function emitExpression(l: Lowered, colVar: (name: string) => string): string {
  // Constants as checked numbers or JSON literals (a formula's strings are user text); Infinity stays Infinity.
  if (l.k === 'const') return typeof l.v === 'number' ? num(l.v, 'formula constant') : lit(l.v);
  if (l.k === 'col') {
    const read = l.type === 'num' ? 'rt_number' : l.type === 'bool' ? 'rt_bool' : l.type === 'date' ? 'rt_parseDate' : 'rt_toStr';
    return `${read}(${colVar(l.name)}[i])`;
  }
  const args = l.args.map((a) => emitExpression(a, colVar));
  if (l.fn === 'rt_if') return `(${args[0]} === true ? ${args[1]} : ${args[2]})`;
  // Function names come from the FUNCTIONS and BIN_IMPL tables, never from formula text; checked anyway.
  if (!/^rt_[A-Za-z0-9_]+$/.test(l.fn)) throw new TabpilotError('INTERNAL', `formula function ${lit(l.fn)} is not a runtime function`);
  return `${l.fn}(${args.join(', ')})`;
}

export function referencedColumns(l: Lowered, out = new Set<string>()): Set<string> {
  if (l.k === 'col') out.add(l.name);
  if (l.k === 'call') l.args.forEach((a) => referencedColumns(a, out));
  return out;
}
