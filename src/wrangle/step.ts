import type { Frame } from '../frame/index.js';
import { TabpilotError } from '../util/errors.js';
import type { Random } from '../util/random.js';

/**
 * The step protocol. A transform is a named sub-operator of a group (as Data Wrangler groups them:
 * "Encode categorical" > "One-hot encode"). Its parameters are parsed and validated into a typed object
 * once, when the step is added or the flow is loaded; learned transforms split `fit` (frame -> readable
 * JSON state) from `apply` (frame + state -> frame), so the state can live in the flow file and be reused.
 */
export interface StepContext {
  /** Node id, used in error messages. */
  readonly nodeId: string;
  readonly random: Random;
  /** Counters a step reports (failed casts, unseen categories, dropped rows...). */
  readonly report: Record<string, number>;
}

export type StepOutput = Frame | Record<string, Frame>;

export interface TransformDef<P = unknown, T = unknown> {
  /** Group key used in the flow operator, e.g. `encode_categorical`. */
  readonly group: string;
  /** Display name of the sub-operator, e.g. `One-hot encode`; equals the group title for single-operator groups. */
  readonly operator: string;
  /** Number of input frames (2 for join and concatenate). */
  readonly arity?: 1 | 2;
  /** One output row per input row, no cross-row state at apply time: usable in an inference pipeline. */
  rowWise(params: P): boolean;
  parse(r: ParamReader): P;
  /** Columns the step reads from its (first) input; checked before apply so errors name the parameter. */
  inputColumns(params: P): { field: string; columns: string[] }[];
  /** Second-input columns (join). */
  rightColumns?(params: P): { field: string; columns: string[] }[];
  /** Named outputs (split); default one output named `default`. */
  outputNames?(params: P): string[];
  fit?(frame: Frame, params: P, ctx: StepContext): T;
  /**
   * Type-checks fitted state read back from a flow file (`trained_parameters`, read with `r`) and returns
   * it typed: required with `fit`, so state that `fit` did not produce fails with the node and field
   * named instead of corrupting a column or reaching exported code.
   */
  parseTrained?(r: ParamReader, params: P): T;
  apply(inputs: Frame[], params: P, trained: T | undefined, ctx: StepContext): StepOutput;
  describe(params: P): string;
  /**
   * Standalone code for `flow export`: a TypeScript statement block that rewrites `t` (a `Table`, see
   * flow/export.ts) in place. Absent = the step cannot be exported.
   */
  emit?(params: P, trained: T | undefined): string;
}

export function defineTransform<P, T = undefined>(def: TransformDef<P, T>): TransformDef<P, T> {
  return def;
}

export function flowError(nodeId: string, field: string | undefined, message: string, column?: string): TabpilotError {
  const where = field ? `node "${nodeId}", field "${field}"` : `node "${nodeId}"`;
  const err = new TabpilotError('FLOW_INVALID', `${where}: ${message}`);
  // The column is kept as data without the "column ...:" prefix, so messages start with the node.
  if (column !== undefined) Object.assign(err, { column });
  return err;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Reads a step's parameter object with typed accessors. Each failure names the node and the field path;
 * `done()` rejects keys that were never read, so a misspelt parameter is an error, not a silent default.
 */
export class ParamReader {
  private readonly used = new Set<string>();
  constructor(
    readonly nodeId: string,
    private readonly obj: Record<string, unknown>,
    private readonly path: string,
  ) {}

  static of(nodeId: string, raw: unknown, path = 'parameters'): ParamReader {
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw flowError(nodeId, path, 'must be an object');
    return new ParamReader(nodeId, raw as Record<string, unknown>, path);
  }

  field(key: string): string {
    return `${this.path}.${key}`;
  }

  fail(key: string, message: string): TabpilotError {
    return flowError(this.nodeId, this.field(key), message);
  }

  has(key: string): boolean {
    const v = Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
    return v !== undefined && v !== null;
  }

  raw(key: string): unknown {
    this.used.add(key);
    // Own keys only: keys are user text, and "constructor" or "__proto__" must not reach Object.prototype.
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }

  /** Keys of the object (maps keyed by column name in fitted state). */
  keys(): string[] {
    return Object.keys(this.obj);
  }

  /** A fitted statistic: a number, or null (JSON stores NaN as null). Numeric strings are refused. */
  stat(key: string): number | null {
    const v = this.raw(key);
    if (v === null) return null;
    if (typeof v !== 'number') throw this.fail(key, `expects a number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return v;
  }

  /** A list of fitted statistics (numbers or null), optionally of a fixed length. */
  statList(key: string, length?: number): (number | null)[] {
    const v = this.raw(key);
    if (!Array.isArray(v) || v.some((x) => x !== null && typeof x !== 'number')) throw this.fail(key, `expects a list of numbers, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    if (length !== undefined && v.length !== length) throw this.fail(key, `expects ${length} numbers, got ${v.length}`);
    return v as (number | null)[];
  }

  str(key: string, fallback?: string): string {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (fallback === undefined) throw this.fail(key, 'is required (a string)');
      return fallback;
    }
    if (typeof v !== 'string') throw this.fail(key, `expects a string, got ${JSON.stringify(v)}`);
    return v;
  }

  optStr(key: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw this.fail(key, `expects a string, got ${JSON.stringify(v)}`);
    return v;
  }

  num(key: string, fallback?: number, opts: { min?: number; max?: number; int?: boolean; exclusiveMin?: boolean } = {}): number {
    let v = this.raw(key);
    if (v === undefined || v === null || v === '') {
      if (fallback === undefined) throw this.fail(key, 'is required (a number)');
      return fallback;
    }
    // SageMaker flow files store some numbers as strings ("fill_value": "0").
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.fail(key, `expects a number, got ${JSON.stringify(v)}`);
    if (opts.int && !Number.isInteger(v)) throw this.fail(key, `expects an integer, got ${v}`);
    if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) throw this.fail(key, `must be ${opts.exclusiveMin ? '>' : '>='} ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) throw this.fail(key, `must be <= ${opts.max}, got ${v}`);
    return v;
  }

  optNum(key: string, opts: { min?: number; max?: number; int?: boolean } = {}): number | undefined {
    if (!this.has(key) || this.raw(key) === '') {
      this.used.add(key);
      return undefined;
    }
    return this.num(key, undefined, opts);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (typeof v !== 'boolean') throw this.fail(key, `expects true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<const O extends string>(key: string, options: readonly O[], fallback?: O): O {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (fallback === undefined) throw this.fail(key, `is required (one of ${options.map((o) => `"${o}"`).join(', ')})`);
      return fallback;
    }
    const hit = options.find((o) => typeof v === 'string' && o.toLowerCase() === v.toLowerCase());
    if (hit === undefined) throw this.fail(key, `expects one of ${options.map((o) => `"${o}"`).join(', ')}, got ${JSON.stringify(v)}`);
    return hit;
  }

  /** A column list: accepts one name or an array of names (flow files use both). */
  columns(key: string, opts: { min?: number } = { min: 1 }): string[] {
    const v = this.raw(key);
    const list = v === undefined || v === null ? [] : typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((c) => typeof c !== 'string' || c === '')) {
      throw this.fail(key, `expects a column name or a list of column names, got ${JSON.stringify(v)}`);
    }
    if (list.length < (opts.min ?? 1)) throw this.fail(key, `is required (at least ${opts.min ?? 1} column name)`);
    return list as string[];
  }

  column(key: string): string {
    const v = this.raw(key);
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
    if (typeof v !== 'string' || v === '') throw this.fail(key, `expects a column name, got ${JSON.stringify(v)}`);
    return v;
  }

  optColumn(key: string): string | undefined {
    if (!this.has(key) || this.raw(key) === '') {
      this.used.add(key);
      return undefined;
    }
    return this.column(key);
  }

  strList(key: string, fallback?: string[]): string[] {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (fallback === undefined) throw this.fail(key, 'is required (a list of strings)');
      return fallback;
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.fail(key, `expects a list of strings, got ${JSON.stringify(v)}`);
    return v as string[];
  }

  child(key: string, required = false): ParamReader {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (required) throw this.fail(key, 'is required (an object)');
      return new ParamReader(this.nodeId, {}, this.field(key));
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw this.fail(key, 'expects an object');
    return new ParamReader(this.nodeId, v as Record<string, unknown>, this.field(key));
  }

  list(key: string, required = true): ParamReader[] {
    const v = this.raw(key);
    if (v === undefined || v === null) {
      if (required) throw this.fail(key, 'is required (a list)');
      return [];
    }
    if (!Array.isArray(v)) throw this.fail(key, 'expects a list');
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw flowError(this.nodeId, `${this.field(key)}[${i}]`, 'expects an object');
      return new ParamReader(this.nodeId, item as Record<string, unknown>, `${this.field(key)}[${i}]`);
    });
  }

  json(key: string): Json | undefined {
    return this.raw(key) as Json | undefined;
  }

  /** Rejects parameters that were never read (typos, parameters of another operator). */
  done(): void {
    for (const k of Object.keys(this.obj)) {
      if (!this.used.has(k) && this.obj[k] !== undefined) throw this.fail(k, 'is not a parameter of this step');
    }
  }
}
