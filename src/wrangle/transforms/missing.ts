import {
  BOOL_MISSING,
  type Column,
  type Frame,
  booleanColumn,
  categoricalColumn,
  datetimeColumn,
  numericColumn,
  textColumn,
} from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { type ParamReader, defineTransform, flowError } from '../step.js';
import { lit } from '../codegen.js';
import { finiteSorted, insertAfter, quantileSorted, stringsOf } from '../util.js';

const GROUP = 'handle_missing';

interface ColumnsOut {
  inputs: string[];
  output?: string;
}

function readColumnsOut(r: ParamReader): ColumnsOut {
  const inputs = r.columns('input_column');
  const output = r.optStr('output_column');
  if (output !== undefined && inputs.length > 1) throw r.fail('output_column', 'can only be set with a single input column');
  return { inputs, output };
}

/** Fills missing cells of `col` with `value`, keeping the column's kind. */
export function fillColumn(col: Column, value: string | number | boolean, name: string, nodeId: string, field: string): Column {
  const n = col.length;
  switch (col.kind) {
    case 'numeric': {
      const v = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(v)) throw flowError(nodeId, field, `fill value ${lit(value)} is not a number, column "${col.name}" is numeric`, col.name);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = col.values[i] !== col.values[i] ? v : col.values[i];
      return numericColumn(name, out);
    }
    case 'datetime': {
      const v = typeof value === 'number' ? value : Date.parse(String(value));
      if (!Number.isFinite(v)) throw flowError(nodeId, field, `fill value ${lit(value)} is not a date, column "${col.name}" is a datetime`, col.name);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = col.values[i] !== col.values[i] ? v : col.values[i];
      return datetimeColumn(name, out);
    }
    case 'boolean': {
      const s = String(value).toLowerCase();
      if (s !== 'true' && s !== 'false' && s !== '1' && s !== '0') throw flowError(nodeId, field, `fill value ${lit(value)} is not a boolean, column "${col.name}" is boolean`, col.name);
      const v = s === 'true' || s === '1' ? 1 : 0;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = col.values[i] === BOOL_MISSING ? v : col.values[i];
      return booleanColumn(name, out);
    }
    case 'categorical': {
      const s = String(value);
      let code = col.dictionary.indexOf(s);
      const dictionary = code >= 0 ? col.dictionary : [...col.dictionary, s];
      if (code < 0) code = col.dictionary.length;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = col.codes[i] < 0 ? code : col.codes[i];
      return categoricalColumn(name, out, dictionary);
    }
    case 'text': {
      const s = String(value);
      return textColumn(name, col.values.map((v) => (v === null ? s : v)));
    }
  }
}

const emitFill = (inputs: string[], output: string | undefined, values: Record<string, string | number | boolean>): string =>
  inputs
    .map((c) => {
      const v = lit(values[c]);
      return `{ const src = getCol(t, ${lit(c)}); const fill = ${v}; place(t, ${lit(c)}, [[${lit(output ?? c)}, src.map((x) => (isMiss(x) ? fill : x))]]); }`;
    })
    .join('\n');

export const fillMissing = defineTransform<ColumnsOut & { fill: string | number }>({
  group: GROUP,
  operator: 'Fill missing',
  rowWise: () => true,
  parse(r) {
    const base = readColumnsOut(r);
    const raw = r.raw('fill_value');
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') throw r.fail('fill_value', 'is required (a string or a number)');
    return { ...base, fill: typeof raw === 'boolean' ? String(raw) : raw };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  apply([frame], p, _t, ctx) {
    let out = frame;
    for (const c of p.inputs) {
      const col = frame.column(c);
      out = insertAfter(out, c, [fillColumn(col, p.fill, p.output ?? c, ctx.nodeId, 'fill_value')]);
    }
    return out;
  },
  describe: (p) => `fill missing values of ${p.inputs.join(', ')} with ${lit(p.fill)}${p.output ? ` into ${p.output}` : ''}`,
  emit(p) {
    // The frame version converts the fill value to the column's kind; numeric text fill values become numbers.
    const v = typeof p.fill === 'string' && p.fill.trim() !== '' && Number.isFinite(Number(p.fill)) ? Number(p.fill) : p.fill;
    return emitFill(p.inputs, p.output, Object.fromEntries(p.inputs.map((c) => [c, v])));
  },
});

type ImputeStrategy = 'Mean' | 'Approximate Median' | 'Median';
interface ImputeParams extends ColumnsOut {
  columnType: 'Numeric' | 'Categorical' | 'Auto';
  strategy: ImputeStrategy;
}
interface ImputeTrained {
  fill_values: Record<string, number | string | null>;
}

export const imputeMissing = defineTransform<ImputeParams, ImputeTrained>({
  group: GROUP,
  operator: 'Impute missing',
  rowWise: () => true,
  parse(r) {
    const base = readColumnsOut(r);
    const columnType = r.oneOf('column_type', ['Numeric', 'Categorical', 'Auto'], 'Auto');
    const np = r.child('numeric_parameters');
    const strategy = np.oneOf('strategy', ['Mean', 'Approximate Median', 'Median'], 'Mean');
    np.done();
    r.child('categorical_parameters').done();
    return { ...base, columnType, strategy };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  fit(frame, p, ctx) {
    const fill_values: Record<string, number | string | null> = {};
    for (const c of p.inputs) {
      const col = frame.column(c);
      const numeric = col.kind === 'numeric' || col.kind === 'datetime';
      if (p.columnType === 'Numeric' && !numeric) throw flowError(ctx.nodeId, 'parameters.column_type', `column "${c}" is ${col.kind}, "Numeric" imputation needs a numeric column`, c);
      if (numeric && p.columnType !== 'Categorical') {
        if (p.strategy === 'Mean') {
          // Summed in row order without sorting (a million values: no O(n log n) just for a mean).
          let s = 0;
          let n = 0;
          const v = col.values;
          for (let i = 0; i < v.length; i++) if (v[i] === v[i]) (s += v[i]), n++;
          fill_values[c] = n === 0 ? null : s / n;
        } else {
          const sorted = finiteSorted(col.values);
          fill_values[c] = sorted.length === 0 ? null : quantileSorted(sorted, 0.5);
        }
      } else {
        fill_values[c] = col.kind === 'categorical' ? mostFrequentCode(col.codes, col.dictionary) : mostFrequent(stringsOf(col));
      }
    }
    return { fill_values };
  },
  parseTrained(r, p) {
    const m = r.child('fill_values', true);
    const fill_values: Record<string, number | string | null> = Object.create(null);
    for (const c of p.inputs) {
      const v = m.raw(c);
      if (v !== null && typeof v !== 'number' && typeof v !== 'string') throw m.fail(c, `expects a number, a string or null, got ${v === undefined ? 'nothing' : lit(v)}`);
      fill_values[c] = v;
    }
    return { fill_values };
  },
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": impute step is not fitted`);
    let out = frame;
    for (const c of p.inputs) {
      const v = t.fill_values[c];
      const col = frame.column(c);
      if (v === null || v === undefined) {
        out = insertAfter(out, c, [{ ...col, name: p.output ?? c } as Column]);
        continue;
      }
      out = insertAfter(out, c, [fillColumn(col, v, p.output ?? c, ctx.nodeId, 'trained_parameters.fill_values')]);
    }
    return out;
  },
  describe: (p) => `impute missing values of ${p.inputs.join(', ')} with the ${p.columnType === 'Categorical' ? 'most frequent value' : `${p.strategy.toLowerCase()} (most frequent value for non-numeric columns)`}`,
  emit(p, t) {
    const values: Record<string, string | number | boolean> = Object.create(null);
    const cols = p.inputs.filter((c) => t && t.fill_values[c] !== null && t.fill_values[c] !== undefined);
    for (const c of cols) values[c] = t!.fill_values[c] as string | number;
    const noop = p.inputs.filter((c) => !cols.includes(c) && p.output);
    return emitFill(cols, p.output, values) + noop.map((c) => `\nplace(t, ${lit(c)}, [[${lit(p.output)}, getCol(t, ${lit(c)}).slice()]]);`).join('');
  },
});

/** Most frequent category by counting codes (no strings per row); ties go to the smallest label. */
export function mostFrequentCode(codes: Int32Array, dictionary: readonly string[]): string | null {
  const counts = new Float64Array(dictionary.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[codes[i]]++;
  let best = -1;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    if (best < 0 || counts[k] > counts[best] || (counts[k] === counts[best] && dictionary[k] < dictionary[best])) best = k;
  }
  return best < 0 ? null : dictionary[best];
}

export function mostFrequent(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  // Ties go to the lexicographically smallest value, so the result does not depend on row order.
  for (const [k, n] of counts) if (n > bestCount || (n === bestCount && best !== null && k < best)) [best, bestCount] = [k, n];
  return best;
}

export const addMissingIndicator = defineTransform<{ inputs: string[]; suffix: string }>({
  group: GROUP,
  operator: 'Add indicator for missing',
  rowWise: () => true,
  parse(r) {
    return { inputs: r.columns('input_column'), suffix: r.str('output_column_suffix', '_indicator') };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: p.inputs }],
  apply([frame], p) {
    let out = frame;
    for (const c of p.inputs) {
      const col = frame.column(c);
      const flag = new Uint8Array(col.length);
      for (let i = 0; i < col.length; i++) flag[i] = isMissingAt(col, i) ? 1 : 0;
      out = insertAfter(out, c, [booleanColumn(`${c}${p.suffix}`, flag)]);
    }
    return out;
  },
  describe: (p) => `add a true/false column ${p.inputs.map((c) => c + p.suffix).join(', ')} marking missing values`,
  emit: (p) =>
    p.inputs.map((c) => `place(t, ${lit(c)}, [[${lit(c + p.suffix)}, getCol(t, ${lit(c)}).map((x) => isMiss(x))]]);`).join('\n'),
});

export function isMissingAt(col: Column, i: number): boolean {
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      return col.values[i] !== col.values[i];
    case 'categorical':
      return col.codes[i] < 0;
    case 'boolean':
      return col.values[i] === BOOL_MISSING;
    case 'text':
      return col.values[i] === null;
  }
}

export const dropMissing = defineTransform<{ inputs: string[] | null }>({
  group: GROUP,
  operator: 'Drop missing',
  rowWise: () => false,
  parse(r) {
    return { inputs: r.has('input_column') ? r.columns('input_column') : (r.raw('input_column'), null) };
  },
  inputColumns: (p) => (p.inputs ? [{ field: 'input_column', columns: p.inputs }] : []),
  apply([frame], p, _t, ctx) {
    const cols = (p.inputs ?? frame.columnNames).map((c) => frame.column(c));
    const keep = new Uint8Array(frame.numRows).fill(1);
    for (const col of cols) for (let i = 0; i < col.length; i++) if (isMissingAt(col, i)) keep[i] = 0;
    const out = frame.filter(keep);
    ctx.report.rows_dropped = (ctx.report.rows_dropped ?? 0) + frame.numRows - out.numRows;
    return out;
  },
  describe: (p) => `drop rows with a missing value in ${p.inputs ? p.inputs.join(', ') : 'any column'}`,
});

export const handleMissingTransforms = [fillMissing, imputeMissing, addMissingIndicator, dropMissing];

export type { Frame };
