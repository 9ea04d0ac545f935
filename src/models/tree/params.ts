import { TabpilotError } from '../../util/errors.js';

/** What values a hyperparameter accepts at all (wider than the search domain). */
export type ParamRule =
  | { readonly type: 'int'; readonly min: number; readonly max?: number }
  | { readonly type: 'float'; readonly min: number; readonly max?: number; readonly minExclusive?: boolean }
  | { readonly type: 'choice'; readonly values: readonly (string | number | boolean)[] }
  | { readonly type: 'boolean' };

/** Fills defaults and validates; throws INVALID_ARGUMENT naming the bad (or unknown) hyperparameter. */
export function resolveParams<P extends object>(kind: string, defaults: Readonly<P>, rules: Readonly<Record<keyof P, ParamRule>>, given: Partial<P> = {}): P {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const rule = (rules as Record<string, ParamRule>)[name];
    if (rule === undefined) {
      throw new TabpilotError('INVALID_ARGUMENT', `${kind}: unknown hyperparameter "${name}"; known: ${Object.keys(defaults).join(', ')}`);
    }
    const bad = (why: string): never => {
      throw new TabpilotError('INVALID_ARGUMENT', `${kind}: hyperparameter "${name}" ${why}, got ${JSON.stringify(value)}`);
    };
    switch (rule.type) {
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value)) bad('must be an integer');
        if ((value as number) < rule.min || (rule.max !== undefined && (value as number) > rule.max)) bad(`must be in [${rule.min}, ${rule.max ?? 'inf'}]`);
        break;
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value)) bad('must be a finite number');
        if ((rule.minExclusive ? (value as number) <= rule.min : (value as number) < rule.min) || (rule.max !== undefined && (value as number) > rule.max)) {
          bad(`must be in ${rule.minExclusive ? '(' : '['}${rule.min}, ${rule.max ?? 'inf'}]`);
        }
        break;
      case 'choice':
        if (!rule.values.includes(value as string | number | boolean)) bad(`must be one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') bad('must be true or false');
        break;
    }
    out[name] = value;
  }
  return out as P;
}
