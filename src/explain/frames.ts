import {
  type Column,
  booleanColumn,
  categoricalColumn,
  datetimeColumn,
  numericColumn,
  takeColumn,
  textColumn,
} from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';

/**
 * Row mixing for model-agnostic explanations. `x` and `background` are aligned to the same schema (same
 * kinds, categorical columns sharing one dictionary), so a column of a hybrid row is either the explained
 * row's value or a background row's value.
 */

/** a's rows then b's rows, column by column. */
export function concatColumns(a: Column, b: Column): Column {
  if (a.kind !== b.kind) throw new TabpilotError('INTERNAL', `cannot concatenate ${a.kind} and ${b.kind} columns "${a.name}"`);
  switch (a.kind) {
    case 'numeric':
    case 'datetime': {
      const out = new Float64Array(a.length + b.length);
      out.set(a.values);
      out.set((b as typeof a).values, a.length);
      return a.kind === 'numeric' ? numericColumn(a.name, out) : datetimeColumn(a.name, out);
    }
    case 'categorical': {
      const bb = b as typeof a;
      if (bb.dictionary !== a.dictionary) throw new TabpilotError('INTERNAL', `column "${a.name}": dictionaries differ`);
      const out = new Int32Array(a.length + b.length);
      out.set(a.codes);
      out.set(bb.codes, a.length);
      return categoricalColumn(a.name, out, a.dictionary);
    }
    case 'boolean': {
      const out = new Uint8Array(a.length + b.length);
      out.set(a.values);
      out.set((b as typeof a).values, a.length);
      return booleanColumn(a.name, out);
    }
    case 'text':
      return textColumn(a.name, [...a.values, ...(b as typeof a).values]);
  }
}

/**
 * Builds hybrid rows: hybrid h takes column c from explained row xRow[h] when fromX[h * m + c] is 1, else
 * from background row bgRow[h].
 */
export class RowMixer {
  private readonly combined: Column[];
  private readonly numX: number;

  constructor(
    readonly x: Frame,
    readonly background: Frame,
  ) {
    this.numX = x.numRows;
    this.combined = x.columnNames.map((name) => concatColumns(x.column(name), background.column(name)));
  }

  get numColumns(): number {
    return this.combined.length;
  }

  mix(xRow: Int32Array, bgRow: Int32Array, fromX: Uint8Array): Frame {
    const m = this.combined.length;
    const n = xRow.length;
    const idx = new Int32Array(n);
    const columns = this.combined.map((col, c) => {
      for (let h = 0; h < n; h++) idx[h] = fromX[h * m + c] === 1 ? xRow[h] : this.numX + bgRow[h];
      return takeColumn(col, idx);
    });
    return Frame.fromColumns(columns);
  }
}
