import {
  type CellValue,
  Frame,
  booleanColumn,
  categoricalFromStrings,
  datetimeColumn,
  numericColumn,
  textColumn,
} from '../src/frame/index.js';
import { transformsOf } from '../src/wrangle/registry.js';
import { ParamReader, type StepOutput } from '../src/wrangle/step.js';
import { Random } from '../src/util/random.js';

type Values = (number | string | boolean | null)[];

/** A literal frame: numbers -> numeric, booleans -> boolean, strings -> text (or categorical when listed in `cat`, datetime in `dates`). */
export function df(cols: Record<string, Values>, opts: { cat?: string[]; dates?: string[] } = {}): Frame {
  return Frame.fromColumns(
    Object.entries(cols).map(([name, v]) => {
      if (opts.dates?.includes(name)) return datetimeColumn(name, Float64Array.from(v, (x) => (x === null ? NaN : Date.parse(String(x)))));
      if (opts.cat?.includes(name)) return categoricalFromStrings(name, v.map((x) => (x === null ? null : String(x))));
      if (v.every((x) => x === null || typeof x === 'number')) return numericColumn(name, Float64Array.from(v, (x) => (x === null ? NaN : (x as number))));
      if (v.every((x) => x === null || typeof x === 'boolean')) return booleanColumn(name, Uint8Array.from(v, (x) => (x === null ? 255 : x ? 1 : 0)));
      return textColumn(name, v.map((x) => (x === null ? null : String(x))));
    }),
  );
}

/** Column values as plain JS (null for missing; dates as ISO strings). */
export function col(f: Frame, name: string): CellValue[] {
  return f.toRows().map((r) => {
    const v = r[name];
    return v instanceof Date ? v.toISOString() : v;
  });
}

export function step(group: string, operator: string | null, params: Record<string, unknown>) {
  const defs = transformsOf(group);
  if (!defs) throw new Error(`no group ${group}`);
  const def = operator ? defs.find((d) => d.operator === operator) : defs[0];
  if (!def) throw new Error(`no operator ${operator}`);
  const r = ParamReader.of('t', params);
  const p = def.parse(r);
  r.done();
  return {
    def,
    params: p,
    run(...inputs: Frame[]): { out: Frame; outputs: StepOutput; trained: unknown; report: Record<string, number> } {
      const ctx = { nodeId: 't', random: new Random(1), report: {} as Record<string, number> };
      const trained = def.fit ? def.fit(inputs[0], p, ctx) : undefined;
      const outputs = def.apply(inputs, p, trained, ctx);
      return { out: outputs as Frame, outputs, trained, report: ctx.report };
    },
    apply(frame: Frame, trained: unknown) {
      const ctx = { nodeId: 't', random: new Random(1), report: {} as Record<string, number> };
      return { out: def.apply([frame], p, trained, ctx) as Frame, report: ctx.report };
    },
  };
}
