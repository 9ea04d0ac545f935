import { TabpilotError } from '../util/errors.js';
import type { HyperValue, HyperparameterSpec } from './types.js';

/**
 * Fills defaults and validates user hyperparameters against a learner's search space: unknown names, wrong
 * types, non-integers for int domains and values outside the hard limits are errors naming the hyperparameter.
 * The search domain is the tuning range, not a hard limit: users may go beyond it (say 5000 rounds), but a
 * numeric value must keep the sign of its domain (a domain starting at 0 or above rejects negatives).
 */
export function resolveParams<P extends object>(
  kind: string,
  defaults: Readonly<P>,
  space: Readonly<Record<string, HyperparameterSpec>>,
  given: Partial<P> | undefined,
  hardLimits: Readonly<Record<string, { low?: number; high?: number }>> = {},
): P {
  const out = { ...defaults } as Record<string, HyperValue>;
  if (given === undefined || given === null) return out as P;
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new TabpilotError('INVALID_ARGUMENT', `${kind}: hyperparameters must be an object of name: value`);
  }
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (!(name in out)) {
      throw new TabpilotError('INVALID_ARGUMENT', `${kind}: unknown hyperparameter "${name}"; known: ${Object.keys(out).join(', ')}`);
    }
    const spec = space[name];
    const domain = spec?.domain;
    const bad = (why: string) => new TabpilotError('INVALID_ARGUMENT', `${kind}: hyperparameter "${name}" ${why}, got ${JSON.stringify(value)}`);
    if (domain === undefined) {
      if (typeof value !== typeof out[name]) throw bad(`must be a ${typeof out[name]}`);
    } else if (domain.type === 'choice') {
      if (!domain.values.includes(value as HyperValue)) throw bad(`must be one of ${domain.values.map((v) => JSON.stringify(v)).join(', ')}`);
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('must be a finite number');
      if (domain.type === 'int' && !Number.isInteger(value)) throw bad('must be an integer');
      if (domain.low >= 0 && value < 0) throw bad('must not be negative');
      if (domain.log && value <= 0) throw bad('must be positive');
    }
    const limit = hardLimits[name];
    if (limit && typeof value === 'number') {
      if (limit.low !== undefined && value < limit.low) throw bad(`must be at least ${limit.low}`);
      if (limit.high !== undefined && value > limit.high) throw bad(`must be at most ${limit.high}`);
    }
    out[name] = value as HyperValue;
  }
  return out as P;
}

/** Checks a serialised model's envelope; throws MODEL_FORMAT with a clear message when it does not fit. */
export function checkModelJSON(json: unknown, kind: string, supportedVersion: number): Record<string, unknown> {
  if (json === null || typeof json !== 'object') throw new TabpilotError('MODEL_FORMAT', `${kind} model: expected a JSON object`);
  const j = json as Record<string, unknown>;
  if (j.format !== 'tabpilot-model') throw new TabpilotError('MODEL_FORMAT', `${kind} model: format is ${JSON.stringify(j.format)}, expected "tabpilot-model"`);
  if (j.kind !== kind) throw new TabpilotError('MODEL_FORMAT', `model kind is ${JSON.stringify(j.kind)}, expected "${kind}"`);
  if (typeof j.formatVersion !== 'number' || j.formatVersion > supportedVersion || j.formatVersion < 1) {
    throw new TabpilotError(
      'MODEL_FORMAT',
      `${kind} model: format version ${JSON.stringify(j.formatVersion)} is not supported by this build (supports 1..${supportedVersion}); upgrade tabpilot or retrain`,
    );
  }
  return j;
}
