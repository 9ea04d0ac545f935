import { type Column, numericColumn, textColumn } from '../../frame/index.js';
import { defineTransform } from '../step.js';
import { lit } from '../codegen.js';
import { insertAfter, rebuild, stringsOf } from '../util.js';

function parseJson(s: string | null): unknown {
  if (s === null) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** A JSON value as a cell: numbers stay numbers (when the whole column is numeric), others become JSON text. */
function cellText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function typedColumn(name: string, values: unknown[]): Column {
  if (values.every((v) => v === undefined || v === null || typeof v === 'number')) {
    return numericColumn(name, Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN)));
  }
  return textColumn(name, values.map(cellText));
}

export const flattenStructured = defineTransform<{ input: string }, { keys: string[] }>({
  group: 'flatten_structured',
  operator: 'Flatten structured',
  rowWise: () => true,
  parse: (r) => ({ input: r.column('input_column') }),
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  fit(f, p) {
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const s of stringsOf(f.column(p.input))) {
      const v = parseJson(s);
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) if (!seen.has(k)) (seen.add(k), keys.push(k));
    }
    return { keys };
  },
  parseTrained: (r) => ({ keys: r.strList('keys') }),
  apply([f], p, t, ctx) {
    const parsed = stringsOf(f.column(p.input)).map(parseJson);
    let bad = 0;
    parsed.forEach((v, i) => {
      if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) bad++;
      else if (v === undefined && stringsOf(f.column(p.input))[i] !== null) bad++;
    });
    if (bad) ctx.report[`not_json_objects_${p.input}`] = bad;
    const cols = (t?.keys ?? []).map((k) =>
      typedColumn(`${p.input}_${k}`, parsed.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined))),
    );
    return insertAfter(f, p.input, cols);
  },
  describe: (p) => `flatten the JSON objects in ${p.input} into one column per first-level key (${p.input}_<key>)`,
  emit: (p, t) =>
    `{ const objs = getCol(t, ${lit(p.input)}).map((x) => st_parseObject(toStr(x)));
  place(t, ${lit(p.input)}, ${lit(t?.keys ?? [])}.map((k) => [${lit(p.input)} + '_' + k, objs.map((o) => (o === null ? null : st_jsonCell(o[k])))] as [string, Cell[]])); }`,
});

export const explodeArray = defineTransform<{ input: string; output: string }>({
  group: 'explode_array',
  operator: 'Explode array',
  rowWise: () => false,
  parse: (r) => {
    const input = r.column('input_column');
    return { input, output: r.str('output_column', `${input}_flatten`) };
  },
  inputColumns: (p) => [{ field: 'input_column', columns: [p.input] }],
  apply([f], p) {
    const strings = stringsOf(f.column(p.input));
    const rows: number[] = [];
    const items: unknown[] = [];
    strings.forEach((s, i) => {
      const v = parseJson(s);
      // Like explode_outer: a missing or empty array keeps its row with a missing element.
      if (Array.isArray(v) && v.length > 0) for (const x of v) (rows.push(i), items.push(x));
      else (rows.push(i), items.push(Array.isArray(v) ? undefined : v));
    });
    const base = f.take(rows);
    return rebuild(insertAfter(base, p.input, [typedColumn(p.output, items)]).columns);
  },
  describe: (p) => `one row per element of the array column ${p.input} (element in ${p.output})`,
});

export const nestedTransforms = [flattenStructured, explodeArray];
