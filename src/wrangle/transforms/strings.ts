import { type Column, booleanColumn, datetimeColumn, numericColumn, textColumn } from '../../frame/index.js';
import { rt_formatSpec, rt_parseWithSpec } from '../formula/runtime.js';
import * as st from '../formula/strings-runtime.js';
import { type ParamReader, type TransformDef, defineTransform } from '../step.js';
import { lit } from '../codegen.js';
import { insertAfter, likeStrings, stringsOf } from '../util.js';
import { checkFormat } from './datetime.js';

type OutKind = 'str' | 'num' | 'bool';
type Parsed = Record<string, unknown> & { re?: RegExp };
const ST = st as unknown as Record<string, (s: string, p: Parsed) => string | number | boolean | null>;

interface StringOpParams {
  inputs: string[];
  output?: string;
  args: Parsed;
}

function snake(op: string): string {
  return op.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

function regexArg(r: ParamReader, key: string, flags = ''): RegExp {
  const src = r.str(key);
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw r.fail(key, `is not a valid regular expression: ${(e as Error).message}`);
  }
}

/** A one-column-in, one-column-out string operation; the work is a `st_` runtime function. */
function stringOp(group: string, operator: string, out: OutKind, readArgs: (r: ParamReader) => Parsed = () => ({})): TransformDef<StringOpParams> {
  const fnName = `st_${snake(operator)}`;
  const fn = ST[fnName];
  if (!fn) throw new Error(`missing runtime function ${fnName}`);
  const defaultOut = (c: string) => (out === 'str' ? c : `${c}_${snake(operator)}`);
  return defineTransform<StringOpParams>({
    group,
    operator,
    rowWise: () => true,
    parse(r) {
      const inputs = r.columns('input_column');
      const output = r.optStr('output_column');
      if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
      return { inputs, output, args: readArgs(r) };
    },
    inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
    apply([frame], p) {
      let f = frame;
      for (const c of p.inputs) {
        const col = frame.column(c);
        const values = stringsOf(col);
        const name = p.output ?? defaultOut(c);
        let made: Column;
        if (out === 'str') {
          const res = values.map((s) => (s === null ? null : (fn(s, p.args) as string | null)));
          made = likeStrings(col, name, res);
        } else {
          const res = new Float64Array(values.length);
          for (let i = 0; i < values.length; i++) {
            const s = values[i];
            const v = s === null ? null : fn(s, p.args);
            res[i] = v === null ? NaN : Number(v);
          }
          made = out === 'bool' ? booleanColumn(name, Uint8Array.from(res, (v) => (v !== v ? 255 : v))) : numericColumn(name, res);
        }
        f = insertAfter(f, c, [made]);
      }
      return f;
    },
    describe: (p) => `${operator.toLowerCase()} on ${p.inputs.join(', ')}${Object.keys(p.args).length ? ` (${describeArgs(p.args)})` : ''}${p.output ? ` into ${p.output}` : ''}`,
    emit(p) {
      const { re, ...rest } = p.args;
      const args = re ? `{ ...${lit(rest)}, re: new RegExp(${lit(re.source)}, ${lit(re.flags)}) }` : lit(rest);
      const post = out === 'bool' ? '(v === null ? null : Boolean(v))' : 'v';
      return p.inputs
        .map(
          (c) =>
            `{ const args = ${args}; place(t, ${lit(c)}, [[${lit(p.output ?? defaultOut(c))}, getCol(t, ${lit(c)}).map((x) => { const s = toStr(x); const v = s === null ? null : ${fnName}(s, args); return ${post}; })]]); }`,
        )
        .join('\n');
    },
  });
}

function describeArgs(a: Parsed): string {
  return Object.entries(a)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k} ${v instanceof RegExp ? `/${v.source}/` : JSON.stringify(v)}`)
    .join(', ');
}

const pad = (r: ParamReader): Parsed => {
  const fill = r.str('fill_character', ' ');
  if (fill.length !== 1) throw r.fail('fill_character', `must be one character, got ${lit(fill)}`);
  return { width: r.num('width', undefined, { min: 0, int: true }), fill_character: fill };
};
const chars = (key: string) => (r: ParamReader): Parsed => ({ [key === 'symbols' ? 'symbols' : 'characters']: r.optStr(key) ?? null });

const FS = 'format_string';
export const formatStringTransforms = [
  stringOp(FS, 'Left pad', 'str', pad),
  stringOp(FS, 'Right pad', 'str', pad),
  stringOp(FS, 'Center', 'str', pad),
  stringOp(FS, 'Prepend zeros', 'str', (r) => ({ width: r.num('width', undefined, { min: 0, int: true }) })),
  stringOp(FS, 'Strip left and right', 'str', chars('characters')),
  stringOp(FS, 'Strip left', 'str', chars('characters')),
  stringOp(FS, 'Strip right', 'str', chars('characters')),
  stringOp(FS, 'Lower case', 'str'),
  stringOp(FS, 'Upper case', 'str'),
  stringOp(FS, 'Capitalize', 'str'),
  stringOp(FS, 'Swap case', 'str'),
  stringOp(FS, 'Add prefix or suffix', 'str', (r) => {
    const prefix = r.str('prefix', '');
    const suffix = r.str('suffix', '');
    if (prefix === '' && suffix === '') throw r.fail('prefix', 'give a prefix, a suffix or both');
    return { prefix, suffix };
  }),
  stringOp(FS, 'Remove symbols', 'str', chars('symbols')),
];

const SE = 'search_and_edit';
const range = (r: ParamReader): Parsed => ({ pattern: r.str('pattern'), start: r.num('start', 0, { min: 0, int: true }), end: r.optNum('end', { min: 0, int: true }) ?? null });
export const searchEditTransforms = [
  stringOp(SE, 'Find substring', 'num', range),
  stringOp(SE, 'Find substring (from right)', 'num', range),
  stringOp(SE, 'Matches prefix', 'bool', (r) => {
    const regex = r.bool('regex', false);
    const caseSensitive = r.bool('case_sensitive', true);
    const pattern = r.str('pattern');
    let re: RegExp;
    try {
      re = new RegExp(regex ? pattern : pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), caseSensitive ? '' : 'i');
    } catch (e) {
      throw r.fail('pattern', `is not a valid regular expression: ${(e as Error).message}`);
    }
    return { re };
  }),
  stringOp(SE, 'Find all occurrences', 'str', (r) => ({ re: regexArg(r, 'pattern') })),
  stringOp(SE, 'Extract using regex', 'str', (r) => ({ re: regexArg(r, 'pattern') })),
  stringOp(SE, 'Extract between delimiters', 'str', (r) => ({ left_delimiter: r.str('left_delimiter'), right_delimiter: r.str('right_delimiter') })),
  stringOp(SE, 'Extract from position', 'str', (r) => ({ start_position: r.num('start_position', undefined, { min: 0, int: true }), length: r.num('length', undefined, { min: 0, int: true }) })),
  stringOp(SE, 'Find and replace substring', 'str', (r) => ({ re: regexArg(r, 'pattern'), replacement: r.str('replacement', '') })),
  stringOp(SE, 'Replace between delimiters', 'str', (r) => ({ left_delimiter: r.str('left_delimiter'), right_delimiter: r.str('right_delimiter'), replacement: r.str('replacement', '') })),
  stringOp(SE, 'Replace from position', 'str', (r) => ({ start_position: r.num('start_position', undefined, { min: 0, int: true }), length: r.num('length', undefined, { min: 0, int: true }), replacement: r.str('replacement', '') })),
  stringOp(SE, 'Convert regex to missing', 'str', (r) => ({ re: new RegExp(`^(?:${regexArg(r, 'pattern').source})$`) })),
  stringOp(SE, 'Split string by delimiter', 'str', (r) => ({ delimiter: r.optStr('delimiter') ?? null, max_splits: r.num('max_splits', 0, { min: 0, int: true }) })),
];

const VS = 'validate_string';
export const validateStringTransforms = [
  stringOp(VS, 'String length', 'num', (r) => ({ length: r.num('length', undefined, { min: 0, int: true }) })),
  stringOp(VS, 'Starts with', 'num', (r) => ({ prefix: r.str('prefix') })),
  stringOp(VS, 'Ends with', 'num', (r) => ({ suffix: r.str('suffix') })),
  ...['Is alphanumeric', 'Is alpha', 'Is digit', 'Is space', 'Is title', 'Is lowercase', 'Is uppercase', 'Is numeric', 'Is decimal'].map((op) => stringOp(VS, op, 'num')),
];

type TargetType = 'Long' | 'Float' | 'Boolean' | 'Date' | 'String';
interface ParseTypeParams {
  inputs: string[];
  output?: string;
  type: TargetType;
  dateFormat: string;
}

export const parseValueAsType = defineTransform<ParseTypeParams>({
  group: 'parse_value_as_type',
  operator: 'Parse value as type',
  rowWise: () => true,
  parse(r) {
    const inputs = r.columns('input_column');
    const output = r.optStr('output_column');
    if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
    const type = r.oneOf('type', ['Long', 'Float', 'Boolean', 'Date', 'String']);
    return { inputs, output, type, dateFormat: checkFormat(r.str('date_format', 'dd-MM-yyyy'), r, 'date_format') };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  apply([frame], p, _t, ctx) {
    let f = frame;
    for (const c of p.inputs) {
      const col = frame.column(c);
      const name = p.output ?? c;
      let made: Column;
      let failed = 0;
      if (p.type === 'String') made = textColumn(name, [...stringsOf(col)]);
      else if (p.type === 'Date' && col.kind === 'datetime') made = datetimeColumn(name, col.values);
      else if ((p.type === 'Float' || p.type === 'Long') && (col.kind === 'numeric' || col.kind === 'boolean')) {
        const v = col.kind === 'numeric' ? col.values : Float64Array.from(col.values, (b) => (b === 255 ? NaN : b));
        made = numericColumn(name, p.type === 'Long' ? v.map(Math.trunc) : v);
      } else {
        const values = stringsOf(col);
        const n = values.length;
        const spec = p.type === 'Date' ? rt_formatSpec(p.dateFormat) : null;
        const res = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const s = values[i];
          if (s === null) {
            res[i] = NaN;
            continue;
          }
          const v = p.type === 'Long' ? st.st_parse_long(s) : p.type === 'Float' ? st.st_parse_float(s) : p.type === 'Boolean' ? st.st_parse_boolean(s) : rt_parseWithSpec(s, spec!);
          if (v === null) {
            failed++;
            res[i] = NaN;
          } else res[i] = Number(v);
        }
        made = p.type === 'Boolean' ? booleanColumn(name, Uint8Array.from(res, (v) => (v !== v ? 255 : v))) : p.type === 'Date' ? datetimeColumn(name, res) : numericColumn(name, res);
      }
      if (failed > 0) ctx.report[`failed_casts_${c}`] = (ctx.report[`failed_casts_${c}`] ?? 0) + failed;
      f = insertAfter(f, c, [made]);
    }
    return f;
  },
  describe: (p) => `parse ${p.inputs.join(', ')} as ${p.type}${p.type === 'Date' ? ` (${p.dateFormat})` : ''}; values that fail to parse become missing`,
  emit(p) {
    const conv =
      p.type === 'String'
        ? `x instanceof Date ? x.toISOString() : rt_toStr(x)`
        : p.type === 'Date'
          ? `x instanceof Date ? x : (() => { const v = rt_parseWithSpec(toStr(x), spec); return v === null ? null : new Date(v as number); })()`
          : p.type === 'Boolean'
            ? `typeof x === 'boolean' ? x : (() => { const s = toStr(x); return s === null ? null : st_parse_boolean(s); })()`
            : `typeof x === 'number' ? ${p.type === 'Long' ? 'Math.trunc(x)' : 'x'} : typeof x === 'boolean' ? Number(x) : (() => { const s = toStr(x); return s === null ? null : ${p.type === 'Long' ? 'st_parse_long' : 'st_parse_float'}(s); })()`;
    return p.inputs
      .map(
        (c) =>
          `{ const spec = rt_formatSpec(${lit(p.dateFormat)}); void spec; place(t, ${lit(c)}, [[${lit(p.output ?? c)}, getCol(t, ${lit(c)}).map((x) => (x === null ? null : ${conv}))]]); }`,
      )
      .join('\n');
  },
});
