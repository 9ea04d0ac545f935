/**
 * Feature group definitions (spec C.1): a list of typed features, the record identifier and event time
 * feature names, online/offline switches and an optional TTL. Definitions are immutable except for adding
 * features. Names follow SageMaker's rules so every group name is also a safe directory and table name.
 */
import type { ColumnKind } from '../frame/column.js';
import { TabpilotError } from '../util/errors.js';

/** SageMaker's three feature types plus the two tabpilot Frames also carry natively. */
export type FeatureType = 'Integral' | 'Fractional' | 'String' | 'Datetime' | 'Categorical';
export const FEATURE_TYPES: readonly FeatureType[] = ['Integral', 'Fractional', 'String', 'Datetime', 'Categorical'];

export interface FeatureDefinition {
  readonly name: string;
  readonly type: FeatureType;
}

export type TtlUnit = 'Seconds' | 'Minutes' | 'Hours' | 'Days' | 'Weeks';

/** SageMaker `TtlDuration`: ExpiresAt = EventTime + Value x Unit. */
export interface TtlDuration {
  readonly unit: TtlUnit;
  readonly value: number;
}

export interface FeatureGroupInput {
  readonly name: string;
  readonly recordIdentifier: string;
  readonly eventTime: string;
  readonly features: readonly FeatureDefinition[];
  readonly online?: boolean;
  readonly offline?: boolean;
  /** `{ unit, value }` or the short form `7d`. */
  readonly ttl?: TtlDuration | string | null;
  readonly description?: string;
}

export interface FeatureGroup {
  readonly name: string;
  readonly recordIdentifier: string;
  readonly eventTime: string;
  readonly features: readonly FeatureDefinition[];
  readonly online: boolean;
  readonly offline: boolean;
  readonly ttl: TtlDuration | null;
  readonly description: string;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
}

/** Offline-store columns the store adds to every record; a feature may not use these names. */
export const RESERVED_NAMES: readonly string[] = ['is_deleted', 'write_time', 'api_invocation_time'];
/** Spec C.1 limits. */
export const MAX_FEATURES = 2500;
export const MAX_RECORD_ID_BYTES = 2048;
export const MAX_RECORD_BYTES = 350 * 1024;
/** SageMaker's name pattern: letters/digits, inner `-` or `_`, at most 64 characters. */
const NAME_PATTERN = /^[a-zA-Z0-9](?:[-_]*[a-zA-Z0-9]){0,63}$/;

const TTL_UNIT_MS = new Map<TtlUnit, number>([
  ['Seconds', 1000], ['Minutes', 60_000], ['Hours', 3_600_000], ['Days', 86_400_000], ['Weeks', 604_800_000],
]);
const TTL_SHORT = new Map<string, TtlUnit>([['s', 'Seconds'], ['m', 'Minutes'], ['h', 'Hours'], ['d', 'Days'], ['w', 'Weeks']]);

/** The Frame column kind a feature type reads into. */
export function kindOfType(type: FeatureType): ColumnKind {
  switch (type) {
    case 'Integral':
    case 'Fractional':
      return 'numeric';
    case 'Datetime':
      return 'datetime';
    case 'String':
      return 'text';
    case 'Categorical':
      return 'categorical';
  }
}

/** True for the types whose values are numbers in a batch (epoch ms for Datetime). */
export function isNumericType(type: FeatureType): boolean {
  return type === 'Integral' || type === 'Fractional' || type === 'Datetime';
}

export function ttlMs(ttl: TtlDuration): number {
  return ttl.value * TTL_UNIT_MS.get(ttl.unit)!;
}

/** A TtlDuration from `{ unit, value }` or the short form `30s`, `15m`, `12h`, `7d`, `2w`. */
export function parseTtl(input: unknown, what = 'ttl'): TtlDuration {
  if (typeof input === 'string') {
    const m = /^\s*(\d+)\s*([smhdw])\s*$/.exec(input);
    if (m === null) throw new TabpilotError('INVALID_ARGUMENT', `${what} expects a duration like 30s, 15m, 12h, 7d or 2w, got "${input}"`);
    return checkTtl({ unit: TTL_SHORT.get(m[2])!, value: Number(m[1]) }, what);
  }
  if (input !== null && typeof input === 'object') {
    const o = input as { unit?: unknown; value?: unknown };
    if (typeof o.unit !== 'string' || !TTL_UNIT_MS.has(o.unit as TtlUnit)) {
      throw new TabpilotError('INVALID_ARGUMENT', `${what}.unit must be one of ${[...TTL_UNIT_MS.keys()].join(', ')}, got ${JSON.stringify(o.unit)}`);
    }
    return checkTtl({ unit: o.unit as TtlUnit, value: o.value as number }, what);
  }
  throw new TabpilotError('INVALID_ARGUMENT', `${what} expects { unit, value } or a duration like 7d`);
}

function checkTtl(ttl: TtlDuration, what: string): TtlDuration {
  if (!(Number.isInteger(ttl.value) && ttl.value >= 1)) {
    throw new TabpilotError('INVALID_ARGUMENT', `${what} must be a whole number >= 1 of ${ttl.unit}, got ${JSON.stringify(ttl.value)}`);
  }
  return ttl;
}

export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TabpilotError('INVALID_ARGUMENT', `${what} ${JSON.stringify(name)} is not a valid name: use letters, digits, and inner - or _, at most 64 characters`);
  }
  return name;
}

function checkFeature(f: unknown, i: number): FeatureDefinition {
  const o = (f ?? {}) as { name?: unknown; type?: unknown };
  const name = checkName(o.name, `features[${i}].name`);
  if (RESERVED_NAMES.includes(name)) {
    throw new TabpilotError('INVALID_ARGUMENT', `feature name "${name}" is reserved (${RESERVED_NAMES.join(', ')} are added by the offline store)`, { column: name });
  }
  if (typeof o.type !== 'string' || !FEATURE_TYPES.includes(o.type as FeatureType)) {
    throw new TabpilotError('INVALID_ARGUMENT', `feature "${name}" has type ${JSON.stringify(o.type)}; types are ${FEATURE_TYPES.join(', ')}`, { column: name });
  }
  return { name, type: o.type as FeatureType };
}

/** Checks a list of features: valid names and types, no duplicates (among themselves and `existing`). */
export function checkFeatures(features: unknown, existing: readonly FeatureDefinition[] = []): FeatureDefinition[] {
  if (!Array.isArray(features)) throw new TabpilotError('INVALID_ARGUMENT', 'features must be a list of { name, type }');
  const out = features.map(checkFeature);
  const seen = new Set(existing.map((f) => f.name));
  for (const f of out) {
    if (seen.has(f.name)) throw new TabpilotError('INVALID_ARGUMENT', `feature "${f.name}" is defined twice`, { column: f.name });
    seen.add(f.name);
  }
  if (seen.size > MAX_FEATURES) throw new TabpilotError('LIMIT_EXCEEDED', `a feature group holds at most ${MAX_FEATURES} features, got ${seen.size}`);
  return out;
}

/** Validates a definition and returns it normalized (defaults filled, creation time stamped). */
export function normalizeGroup(input: FeatureGroupInput, now: number): FeatureGroup {
  const name = checkName(input?.name, 'feature group name');
  const features = checkFeatures(input.features);
  const byName = new Map(features.map((f) => [f.name, f]));
  const id = byName.get(input.recordIdentifier);
  if (id === undefined) throw new TabpilotError('INVALID_ARGUMENT', `recordIdentifier "${input.recordIdentifier}" is not one of the features`, { column: String(input.recordIdentifier) });
  if (id.type !== 'String' && id.type !== 'Integral') {
    throw new TabpilotError('INVALID_ARGUMENT', `the record identifier "${id.name}" must be String or Integral, not ${id.type}`, { column: id.name });
  }
  const time = byName.get(input.eventTime);
  if (time === undefined) throw new TabpilotError('INVALID_ARGUMENT', `eventTime "${input.eventTime}" is not one of the features`, { column: String(input.eventTime) });
  if (time.type !== 'String' && time.type !== 'Fractional' && time.type !== 'Datetime') {
    throw new TabpilotError('INVALID_ARGUMENT', `the event time feature "${time.name}" must be String (ISO-8601), Fractional (Unix seconds) or Datetime, not ${time.type}`, { column: time.name });
  }
  if (id.name === time.name) throw new TabpilotError('INVALID_ARGUMENT', 'recordIdentifier and eventTime must be different features');
  const online = input.online ?? true;
  const offline = input.offline ?? true;
  if (!online && !offline) throw new TabpilotError('INVALID_ARGUMENT', 'a feature group needs the online store, the offline store or both');
  const ttl = input.ttl === undefined || input.ttl === null ? null : parseTtl(input.ttl);
  return {
    name, recordIdentifier: id.name, eventTime: time.name, features, online, offline, ttl,
    description: typeof input.description === 'string' ? input.description : '', createdAt: new Date(now).toISOString(),
  };
}
