import { TabpilotError } from '../util/errors.js';
import type { Task } from '../metrics/task.js';

/**
 * The one checker for serialised models (model.json and every learner's fromJSON). Each reader takes the value
 * and its path from the model directory root (e.g. `model.trees[3].threshold`) and throws
 * TabpilotError('MODEL_FORMAT') naming the exact field: `model.trees[3].threshold[12]: expected a number`.
 * Only own properties are read, so a prototype key never passes for a field.
 */

/** The MODEL_FORMAT error for `path`. */
export function formatError(path: string, what: string): TabpilotError {
  return new TabpilotError('MODEL_FORMAT', `${path}: ${what}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v === 'object' ? 'an object' : String(v);
}

function expected(path: string, what: string, v: unknown): TabpilotError {
  return formatError(path, `expected ${what}, got ${describe(v)}`);
}

/** A plain JSON object. */
export function objectAt(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw expected(path, 'an object', v);
  return v as Record<string, unknown>;
}

/** An own field of `o` (undefined when absent). */
export function field(o: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}

export interface NumberRule {
  /** Must be an integer. */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

function checkNumber(v: unknown, path: string, rule: NumberRule): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw expected(path, 'a number', v);
  if (rule.integer && !Number.isInteger(v)) throw expected(path, 'an integer', v);
  if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
    throw expected(path, `a number in [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]`, v);
  }
  return v;
}

/** A finite number (optionally an integer within [min, max]). */
export function numberAt(v: unknown, path: string, rule: NumberRule = {}): number {
  return checkNumber(v, path, rule);
}

export function stringAt(v: unknown, path: string): string {
  if (typeof v !== 'string') throw expected(path, 'a string', v);
  return v;
}

export function booleanAt(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw expected(path, 'true or false', v);
  return v;
}

export function oneOfAt<T extends string | number>(v: unknown, path: string, values: readonly T[]): T {
  if (!values.includes(v as T)) throw expected(path, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  return v as T;
}

/** An array, of `length` entries when given. */
export function arrayAt(v: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(v)) throw expected(path, 'an array', v);
  if (length !== undefined && v.length !== length) throw formatError(path, `expected ${length} entries, got ${v.length}`);
  return v;
}

/**
 * An array of finite numbers (each checked against `rule`, named by index) of `length` entries when given.
 * `nullAs` admits null entries and stores them as that value (JSON has no Infinity).
 */
export function numberArrayAt(v: unknown, path: string, length?: number, rule: NumberRule & { readonly nullAs?: number } = {}): Float64Array {
  const a = arrayAt(v, path, length);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    out[i] = x === null && rule.nullAs !== undefined ? rule.nullAs : checkNumber(x, `${path}[${i}]`, rule);
  }
  return out;
}

export function stringArrayAt(v: unknown, path: string, length?: number): string[] {
  const a = arrayAt(v, path, length);
  for (let i = 0; i < a.length; i++) stringAt(a[i], `${path}[${i}]`);
  return a as string[];
}

export const TASKS: readonly Task[] = ['regression', 'binary', 'multiclass'];

export function taskAt(v: unknown, path: string): Task {
  return oneOfAt(v, path, TASKS);
}

/**
 * Class labels for `task`: absent (or null) for regression, distinct strings for classification (exactly 2 for
 * binary, at least 2 for multiclass).
 */
export function classesAt(v: unknown, path: string, task: Task): string[] | undefined {
  if (task === 'regression') {
    if (v !== undefined && v !== null) throw formatError(path, 'a regression model has no classes');
    return undefined;
  }
  const classes = stringArrayAt(v, path);
  if (task === 'binary' ? classes.length !== 2 : classes.length < 2) {
    throw formatError(path, `a ${task} model needs ${task === 'binary' ? 'exactly 2' : 'at least 2'} classes, got ${classes.length}`);
  }
  if (new Set(classes).size !== classes.length) throw formatError(path, 'class labels must be distinct');
  return [...classes];
}

/**
 * The envelope every serialised model shares: format "tabpilot-model", its kind, and a format version this build
 * reads (1..supportedVersion). Returns the object for the learner's own fields.
 */
export function checkModelJSON(json: unknown, kind: string, supportedVersion: number, path = 'model'): Record<string, unknown> {
  const j = objectAt(json, path);
  const format = field(j, 'format');
  if (format !== 'tabpilot-model') throw formatError(`${path}.format`, `expected "tabpilot-model", got ${describe(format)}`);
  const k = field(j, 'kind');
  if (k !== kind) throw formatError(`${path}.kind`, `expected "${kind}", got ${describe(k)}`);
  const version = field(j, 'formatVersion');
  if (typeof version !== 'number' || !Number.isInteger(version) || version > supportedVersion || version < 1) {
    throw formatError(
      `${path}.formatVersion`,
      `${kind} model format version ${describe(version)} is not supported by this build (supports 1..${supportedVersion}); upgrade tabpilot or retrain`,
    );
  }
  return j;
}
