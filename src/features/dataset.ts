/**
 * Point-in-time correct training datasets (spec C.1 "create a dataset", point_in_time_accurate_join): each
 * entity row (identifier + event time) gets, per feature group, the feature values of the latest record with
 * event time <= the row's time (optionally no older than maxAge), from the offline store; a deletion marker
 * as the latest record means no values; duplicates (same id and event time) resolve to the latest write.
 */
import { type Column, categoricalFromStrings, datetimeColumn, numericColumn, textColumn, BOOL_MISSING } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { parseDatetime } from '../io/datetime.js';
import { TabpilotError } from '../util/errors.js';
import { asOfJoin } from './asof.js';
import type { StoreCore } from './core.js';
import { readHistory } from './offline.js';
import type { BatchValues } from './records.js';
import { type FeatureDefinition, type FeatureGroup, parseTtl, type TtlDuration, ttlMs } from './schema.js';

export interface DatasetGroup {
  readonly group: string;
  /** Features to join (default: all but the group's identifier and event time). */
  readonly features?: readonly string[];
  /** Entity column holding this group's record identifiers (default: the group's identifier name). */
  readonly entityId?: string;
}

export interface BuildDatasetOptions {
  /** One row per training example: an identifier column and an event time column (plus anything else, e.g. the label). */
  readonly entities: Frame;
  readonly groups: readonly (string | DatasetGroup)[];
  /** Entity event time column (default: the first group's event time name). */
  readonly eventTime?: string;
  /** Ignore feature records older than this relative to the entity row (`7d`, or { unit, value }). */
  readonly maxAge?: TtlDuration | string;
}

const MS_PER_SECOND = 1000;

/** Entity times in epoch ms: datetime columns as-is, text as ISO-8601, numbers as Unix seconds. */
function entityTimes(col: Column): Float64Array {
  const n = col.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ms = NaN;
    if (col.kind === 'datetime') ms = col.values[i];
    else if (col.kind === 'numeric') ms = col.values[i] * MS_PER_SECOND;
    else if (col.kind === 'text' || col.kind === 'categorical') {
      const s = col.kind === 'text' ? col.values[i] : col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
      ms = s === null ? NaN : parseDatetime(s);
    }
    if (Number.isNaN(ms)) throw new TabpilotError('INVALID_RECORD', `entity row ${i + 1}: missing or unparseable event time`, { column: col.name });
    out[i] = ms;
  }
  return out;
}

function entityIds(col: Column): string[] {
  const out = new Array<string>(col.length);
  for (let i = 0; i < col.length; i++) {
    let s: string | null = null;
    if (col.kind === 'text') s = col.values[i];
    else if (col.kind === 'categorical') s = col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
    else if (col.kind === 'numeric') s = Number.isNaN(col.values[i]) ? null : String(col.values[i]);
    else if (col.kind === 'boolean') s = col.values[i] === BOOL_MISSING ? null : String(col.values[i] === 1);
    if (s === null || s === '') throw new TabpilotError('INVALID_RECORD', `entity row ${i + 1}: missing record identifier`, { column: col.name });
    out[i] = s;
  }
  return out;
}

/** Output column of one feature: the matched history values (match -1 = missing). */
function gather(f: FeatureDefinition, name: string, values: BatchValues, match: Int32Array): Column {
  const n = match.length;
  if (values instanceof Float64Array) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = match[i] < 0 ? NaN : values[match[i]];
    return f.type === 'Datetime' ? datetimeColumn(name, out) : numericColumn(name, out);
  }
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) out[i] = match[i] < 0 ? null : values[match[i]];
  return f.type === 'Categorical' ? categoricalFromStrings(name, out) : textColumn(name, out);
}

function featuresOf(group: FeatureGroup, names: readonly string[] | undefined): FeatureDefinition[] {
  if (names === undefined) return group.features.filter((f) => f.name !== group.recordIdentifier && f.name !== group.eventTime);
  return names.map((n) => {
    const f = group.features.find((x) => x.name === n);
    if (f === undefined) throw new TabpilotError('UNKNOWN_COLUMN', `feature group "${group.name}" has no feature "${n}"`, { column: n });
    return f;
  });
}

/** Builds the point-in-time correct dataset: the entity columns followed by each group's features. */
export async function joinDataset(core: StoreCore, options: BuildDatasetOptions): Promise<Frame> {
  const { entities } = options;
  if (options.groups.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'buildDataset needs at least one feature group');
  const specs = options.groups.map((g) => (typeof g === 'string' ? { group: g } : g));
  const groups = specs.map((s) => core.group(s.group));
  for (const g of groups) if (!g.offline) throw new TabpilotError('INVALID_ARGUMENT', `feature group "${g.name}" has no offline store to build datasets from`);
  const timeName = options.eventTime ?? groups[0].eventTime;
  if (!entities.has(timeName)) throw new TabpilotError('SCHEMA_MISMATCH', `the entities have no event time column "${timeName}"`, { column: timeName });
  const times = entityTimes(entities.column(timeName));
  const maxAge = options.maxAge === undefined ? Infinity : ttlMs(parseTtl(options.maxAge, 'maxAge'));
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  let out = entities;
  const used = new Set(entities.columnNames);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    const idName = specs[g].entityId ?? group.recordIdentifier;
    if (!entities.has(idName)) throw new TabpilotError('SCHEMA_MISMATCH', `the entities have no identifier column "${idName}" for group "${group.name}"`, { column: idName });
    const features = featuresOf(group, specs[g].features);
    const history = await readHistory(core, group, features, lo - maxAge, hi);
    const match = asOfJoin({ ids: entityIds(entities.column(idName)), times }, history, maxAge);
    features.forEach((f, j) => {
      const name = used.has(f.name) ? `${group.name}.${f.name}` : f.name;
      if (used.has(name)) throw new TabpilotError('DUPLICATE_COLUMN', `two dataset columns would be named "${name}"`, { column: name });
      used.add(name);
      out = out.withColumn(gather(f, name, history.values[j], match));
    });
  }
  return out;
}
