import { type RecordRow, columnsFromRecords } from './records.js';
import { TabpilotError } from '../util/errors.js';
import {
  type CellValue,
  type Column,
  type ColumnKind,
  cellValue,
  renameColumn,
  sliceColumn,
  takeColumn,
} from './column.js';

export interface FieldSchema {
  readonly name: string;
  readonly kind: ColumnKind;
}

/**
 * An immutable table of named typed columns. Verbs return new frames and never mutate this one.
 * `filter` and `take` return a view: the base columns plus a row selection, gathered per column only
 * when that column is read, so selecting rows then a few columns copies only those columns.
 */
export class Frame {
  private readonly base: readonly Column[];
  private readonly selection: Int32Array | null;
  private readonly byName: Map<string, number>;
  private readonly materialized: (Column | undefined)[];
  readonly numRows: number;

  private constructor(columns: readonly Column[], selection: Int32Array | null) {
    this.base = columns;
    this.selection = selection;
    this.byName = new Map();
    columns.forEach((c, i) => {
      if (this.byName.has(c.name)) throw new TabpilotError('DUPLICATE_COLUMN', `duplicate column name "${c.name}"`, { column: c.name });
      this.byName.set(c.name, i);
    });
    const baseRows = columns.length > 0 ? columns[0].length : 0;
    for (const c of columns) {
      if (c.length !== baseRows) {
        throw new TabpilotError('INVALID_ARGUMENT', `column "${c.name}" has ${c.length} rows, expected ${baseRows}`, { column: c.name });
      }
    }
    this.numRows = selection ? selection.length : baseRows;
    this.materialized = new Array(columns.length);
  }

  static fromColumns(columns: readonly Column[]): Frame {
    return new Frame(columns, null);
  }

  /**
   * A frame from plain objects, e.g. `Frame.fromRecords([{ age: 31, city: 'Oslo' }])`; `schema` forces a column's
   * kind (`{ zip: 'categorical' }`). See `columnsFromRecords` for the rules.
   */
  static fromRecords(records: readonly RecordRow[], schema?: ReadonlyMap<string, ColumnKind> | Readonly<Record<string, ColumnKind>>): Frame {
    return new Frame(columnsFromRecords(records, schema), null);
  }

  static empty(): Frame {
    return new Frame([], null);
  }

  get numColumns(): number {
    return this.base.length;
  }

  get columnNames(): string[] {
    return this.base.map((c) => c.name);
  }

  get schema(): FieldSchema[] {
    return this.base.map((c) => ({ name: c.name, kind: c.kind }));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The column, materialized for this frame's rows (cached). Throws naming the column if absent. */
  column(name: string): Column {
    const i = this.byName.get(name);
    if (i === undefined) {
      throw new TabpilotError('UNKNOWN_COLUMN', `no column "${name}"; columns are: ${this.columnNames.join(', ')}`, { column: name });
    }
    return this.columnAt(i);
  }

  columnAt(i: number): Column {
    let c = this.materialized[i];
    if (c === undefined) {
      c = this.selection ? takeColumn(this.base[i], this.selection) : this.base[i];
      this.materialized[i] = c;
    }
    return c;
  }

  get columns(): Column[] {
    return this.base.map((_, i) => this.columnAt(i));
  }

  select(names: readonly string[]): Frame {
    const cols = names.map((n) => {
      const i = this.byName.get(n);
      if (i === undefined) throw new TabpilotError('UNKNOWN_COLUMN', `no column "${n}"`, { column: n });
      return this.base[i];
    });
    return this.derive(cols);
  }

  drop(names: readonly string[]): Frame {
    for (const n of names) if (!this.byName.has(n)) throw new TabpilotError('UNKNOWN_COLUMN', `no column "${n}"`, { column: n });
    const dropSet = new Set(names);
    return this.derive(this.base.filter((c) => !dropSet.has(c.name)));
  }

  rename(mapping: Readonly<Record<string, string>>): Frame {
    for (const n of Object.keys(mapping)) if (!this.byName.has(n)) throw new TabpilotError('UNKNOWN_COLUMN', `no column "${n}"`, { column: n });
    return this.derive(this.base.map((c) => (Object.hasOwn(mapping, c.name) ? renameColumn(c, mapping[c.name]) : c)));
  }

  /** Adds or replaces a column. The column must have this frame's row count (it is taken as-is). */
  withColumn(column: Column): Frame {
    if (column.length !== this.numRows) {
      throw new TabpilotError('INVALID_ARGUMENT', `column "${column.name}" has ${column.length} rows, frame has ${this.numRows}`, { column: column.name });
    }
    const cols = this.columns;
    const i = this.byName.get(column.name);
    if (i === undefined) cols.push(column);
    else cols[i] = column;
    return new Frame(cols, null);
  }

  /** Rows [start, end): zero-copy for typed columns. */
  slice(start: number, end = this.numRows): Frame {
    const s = Math.max(0, Math.min(start, this.numRows));
    const e = Math.max(s, Math.min(end, this.numRows));
    if (this.selection) return new Frame(this.base, this.selection.subarray(s, e));
    return new Frame(this.base.map((c) => sliceColumn(c, s, e)), null);
  }

  head(n = 5): Frame {
    return this.slice(0, n);
  }

  /** Rows where mask is truthy (mask length = numRows). Returns a view. */
  filter(mask: ArrayLike<number | boolean>): Frame {
    if (mask.length !== this.numRows) {
      throw new TabpilotError('INVALID_ARGUMENT', `filter mask has ${mask.length} entries, frame has ${this.numRows} rows`);
    }
    let count = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
    const idx = new Int32Array(count);
    for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) idx[k++] = i;
    return this.take(idx);
  }

  /** Rows by index (in the given order, repeats allowed). Returns a view. */
  take(indices: ArrayLike<number>): Frame {
    const idx = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!(r >= 0 && r < this.numRows)) throw new TabpilotError('INVALID_ARGUMENT', `row index ${r} out of range [0, ${this.numRows})`);
      idx[i] = this.selection ? this.selection[r] : r;
    }
    return new Frame(this.base, idx);
  }

  /** One row as a null-prototype object keyed by column name (display and row-wise APIs only). */
  row(i: number): Record<string, CellValue> {
    const out: Record<string, CellValue> = Object.create(null);
    for (let c = 0; c < this.base.length; c++) out[this.base[c].name] = cellValue(this.columnAt(c), i);
    return out;
  }

  /** Rows as plain objects: for small frames (previews, tests), never for whole files. */
  toRows(limit = this.numRows): Record<string, CellValue>[] {
    const n = Math.min(limit, this.numRows);
    const out: Record<string, CellValue>[] = [];
    for (let i = 0; i < n; i++) out.push(this.row(i));
    return out;
  }

  private derive(cols: Column[]): Frame {
    return new Frame(cols, this.selection);
  }
}
