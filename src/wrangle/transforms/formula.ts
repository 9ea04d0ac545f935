import type { Frame } from '../../frame/index.js';
import { TabpilotError } from '../../util/errors.js';
import { type FType, emitExpression, evaluateToColumn, lower, referencedColumns, typeOfColumn } from '../formula/compile.js';
import { formulaColumns, parseFormula } from '../formula/parse.js';
import { defineTransform, flowError } from '../step.js';
import { lit } from '../codegen.js';

interface FormulaParams {
  output: string;
  formula: string;
  columns: string[];
}
const FTYPES: readonly FType[] = ['num', 'str', 'bool', 'date', 'null'];

interface FormulaTrained {
  /** Types of the columns the formula reads, fixed when the step was defined (export and inference rely on them). */
  column_types: Record<string, FType>;
}

export const customFormula = defineTransform<FormulaParams, FormulaTrained>({
  group: 'custom_formula',
  operator: 'Custom formula',
  rowWise: () => true,
  parse(r) {
    const output = r.str('output_column');
    const formula = r.str('formula');
    let ast;
    try {
      ast = parseFormula(formula);
    } catch (e) {
      throw r.fail('formula', (e as Error).message);
    }
    return { output, formula, columns: [...formulaColumns(ast)] };
  },
  inputColumns: () => [],
  fit(frame, p, ctx) {
    const all: Record<string, FType> = Object.fromEntries(frame.columns.map((c) => [c.name, typeOfColumn(c)]));
    compileChecked(p, all, ctx.nodeId);
    const column_types: Record<string, FType> = {};
    for (const c of p.columns) column_types[c] = all[c];
    return { column_types };
  },
  parseTrained(r, p) {
    const m = r.child('column_types', true);
    const column_types: Record<string, FType> = Object.create(null);
    for (const c of p.columns) column_types[c] = m.oneOf(c, FTYPES);
    return { column_types };
  },
  apply([frame], p, t, ctx) {
    if (!t) throw new TabpilotError('NOT_FITTED', `node "${ctx.nodeId}": custom formula is not fitted`);
    for (const c of p.columns) {
      if (!frame.has(c)) throw flowError(ctx.nodeId, 'parameters.formula', `the formula reads column "${c}", which does not exist; columns are: ${frame.columnNames.join(', ')}`, c);
      const kind = typeOfColumn(frame.column(c));
      if (kind !== t.column_types[c]) throw flowError(ctx.nodeId, 'parameters.formula', `column "${c}" was ${t.column_types[c]} when the step was fitted and is ${kind} now`, c);
    }
    const l = compileChecked(p, t.column_types, ctx.nodeId);
    return frame.withColumn(evaluateToColumn(l, p.output, frame.numRows, (n) => frame.column(n)));
  },
  describe: (p) => `compute ${p.output} = ${p.formula}`,
  emit(p, t) {
    const l = compileChecked(p, t!.column_types, 'export');
    const cols = [...referencedColumns(l)];
    const vars = new Map(cols.map((c, i) => [c, `c${i}`]));
    const reads = cols.map((c) => `const ${vars.get(c)} = getCol(t, ${lit(c)});`).join(' ');
    let expr = emitExpression(l, (n) => vars.get(n)!);
    if (l.type === 'date') expr = `rt_toDate(${expr})`;
    return `{ ${reads} const out: Cell[] = new Array(t.n); for (let i = 0; i < t.n; i++) out[i] = ${expr}; setCol(t, ${lit(p.output)}, out); }`;
  },
});

function compileChecked(p: FormulaParams, types: Record<string, FType>, nodeId: string) {
  try {
    return lower(p.formula, parseFormula(p.formula), types);
  } catch (e) {
    throw flowError(nodeId, 'parameters.formula', (e as Error).message);
  }
}

/** A JavaScript function over a frame: library API only (it cannot be stored in a flow file). */
export type CustomFunction = (frame: Frame) => Frame;

export const customFunction = defineTransform<{ name: string; rowWise: boolean }>({
  group: 'custom_function',
  operator: 'Custom function',
  rowWise: (p) => p.rowWise,
  parse: (r) => ({ name: r.str('function_name'), rowWise: r.bool('row_wise', false) }),
  inputColumns: () => [],
  apply() {
    throw new TabpilotError('INTERNAL', 'custom functions are applied by the runner');
  },
  describe: (p) => `apply the JavaScript function "${p.name}" (library API)`,
});
