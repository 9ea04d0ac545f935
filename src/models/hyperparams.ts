import { TabpilotError } from '../util/errors.js';
import type { HyperValue } from './types.js';

/**
 * What values one hyperparameter accepts at all (scikit-learn's `_parameter_constraints`): declared by each learner
 * next to its defaults. This is wider than the search domain: users may go beyond the tuning range (say 5000
 * rounds) but never outside these limits. `nullable` also admits null.
 */
export type ParamConstraint = (
  | { readonly type: 'int'; readonly min?: number; readonly max?: number }
  | { readonly type: 'float'; readonly min?: number; readonly max?: number; readonly minExclusive?: boolean; readonly maxExclusive?: boolean }
  | { readonly type: 'choice'; readonly values: readonly HyperValue[] }
  | { readonly type: 'boolean' }
  | { readonly type: 'string' }
) & { readonly nullable?: boolean };

/** One constraint per hyperparameter of P: every name in the defaults is declared, and nothing else. */
export type ParamConstraints<P extends object> = { readonly [K in keyof P]: ParamConstraint };

function describeRange(c: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }): string {
  return `in ${c.minExclusive ? '(' : '['}${c.min ?? '-inf'}, ${c.max ?? 'inf'}${c.maxExclusive ? ')' : ']'}`;
}

/** Why `value` breaks `c`, or null when it satisfies it. */
function violation(c: ParamConstraint, value: unknown): string | null {
  if (value === null) return c.nullable ? null : 'must not be null';
  switch (c.type) {
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
      if (c.type === 'int' && !Number.isInteger(value)) return 'must be an integer';
      const r = c as { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean };
      const low = r.min === undefined ? false : r.minExclusive ? value <= r.min : value < r.min;
      const high = r.max === undefined ? false : r.maxExclusive ? value >= r.max : value > r.max;
      return low || high ? `must be ${describeRange(r)}` : null;
    }
    case 'choice':
      return c.values.includes(value as HyperValue) ? null : `must be one of ${c.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
  }
}

/**
 * Fills defaults and validates user hyperparameters against a learner's declared constraints. Unknown names
 * (only the object's own keys are read, so `toString` or `__proto__` are unknown names too) and values that break
 * a constraint throw INVALID_ARGUMENT naming the learner and the hyperparameter. `undefined` values keep the default.
 */
export function resolveParams<P extends object>(kind: string, defaults: Readonly<P>, constraints: ParamConstraints<P>, given: unknown): P {
  const out = { ...defaults } as Record<string, unknown>;
  if (given === undefined || given === null) return out as P;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new TabpilotError('INVALID_ARGUMENT', `${kind}: hyperparameters must be an object of name: value, got ${JSON.stringify(given)}`);
  }
  const declared = constraints as Readonly<Record<string, ParamConstraint>>;
  for (const name of Object.keys(given)) {
    const value = (given as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (!Object.hasOwn(declared, name)) {
      throw new TabpilotError('INVALID_ARGUMENT', `${kind}: unknown hyperparameter "${name}"; known: ${Object.keys(declared).join(', ')}`);
    }
    const why = violation(declared[name], value);
    if (why !== null) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: hyperparameter "${name}" ${why}, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out as P;
}
