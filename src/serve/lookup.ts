import type { FeatureSchema } from '../frame/align.js';
import { type Column, cellValue, isMissing } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { type FeatureStore, onlineLookup, openFeatureStore } from '../features/index.js';
import { TabpilotError } from '../util/errors.js';
import { type Cell, type DecodeOptions, type DecodedPayload, columnFromCells } from './payload.js';

/**
 * Serving with a Feature Store (`tabpilot serve --feature-store DIR --lookup GROUP:ID_COLUMN`): a request
 * carries the identifier column, and the model features a feature group supplies are filled from the group's
 * online store before predicting.
 *
 * The request: CSV rows and array instances hold the model features no lookup supplies (training order), then
 * the identifier columns that are not model features (in --lookup order). Object instances are keyed by name:
 * the identifier columns are required, the looked-up features may be left out, the rest as without lookups.
 *
 * The rule: a looked-up feature takes the request's value when the request has a usable one (a key present
 * with a non-missing value), else the store's; with several lookups supplying one feature, the first --lookup
 * that has a value wins. Unknown, deleted and expired identifiers leave their features missing (still 200).
 */

export interface LookupSpec {
  readonly group: string;
  readonly idColumn: string;
}

/** `GROUP:ID_COLUMN` (a flag value) as a LookupSpec; anything else is INVALID_ARGUMENT naming the flag. */
export function parseLookup(text: string, flag = '--lookup'): LookupSpec {
  const at = text.indexOf(':');
  const group = text.slice(0, at);
  const idColumn = text.slice(at + 1);
  if (at <= 0 || idColumn === '' || idColumn.includes(':')) {
    throw new TabpilotError('INVALID_ARGUMENT', `${flag} must be GROUP:ID_COLUMN (a feature group and the request column holding its record identifier), got ${JSON.stringify(text)}`);
  }
  return { group, idColumn };
}

/** One lookup: the request column with the identifiers, and which model feature each group feature fills. */
interface Source {
  readonly group: string;
  readonly idColumn: string;
  readonly lookup: (ids: readonly string[]) => Frame;
  /** Model feature name -> group feature name (the same, or the model name is `<group>.<feature>`). */
  readonly fills: ReadonlyMap<string, string>;
}

export class FeatureLookup {
  /** The columns a request is decoded into: the model features, identifier columns as text, extra identifiers last. */
  readonly requestFeatures: readonly FeatureSchema[];
  /** What tells the decoder which columns a positional row holds and which an object may leave out. */
  readonly decodeOptions: Pick<DecodeOptions, 'optional' | 'positional'>;

  constructor(
    private readonly store: FeatureStore,
    private readonly sources: readonly Source[],
    private readonly modelFeatures: readonly FeatureSchema[],
  ) {
    const ids = new Set(sources.map((s) => s.idColumn));
    const filled = new Set(sources.flatMap((s) => [...s.fills.keys()]));
    const asText = (f: FeatureSchema): FeatureSchema => (ids.has(f.name) ? { name: f.name, kind: 'text' } : f);
    const extra = [...ids].filter((id) => !modelFeatures.some((f) => f.name === id)).map((name): FeatureSchema => ({ name, kind: 'text' }));
    this.requestFeatures = [...modelFeatures.map(asText), ...extra];
    const positional: number[] = [];
    this.requestFeatures.forEach((f, j) => {
      if (!filled.has(f.name) || ids.has(f.name)) positional.push(j);
    });
    this.decodeOptions = { optional: filled, positional };
  }

  /** The decoded request with looked-up features filled in and identifier columns in their model kinds. */
  fill(decoded: DecodedPayload): DecodedPayload {
    const request = decoded.frame;
    const n = request.numRows;
    const unseen: Record<string, number> = Object.create(null); // keyed by column name
    Object.assign(unseen, decoded.unseen);
    const found = this.sources.map((s) => {
      const idCol = request.column(s.idColumn);
      const ids = Array.from({ length: n }, (_, i) => (isMissing(idCol, i) ? '' : String(cellValue(idCol, i))));
      return s.lookup(ids);
    });
    let frame = request;
    for (const feature of this.modelFeatures) {
      const own = request.column(feature.name);
      const stored = this.sources.flatMap((s, k) => (s.fills.has(feature.name) ? [found[k].column(s.fills.get(feature.name)!)] : []));
      if (stored.length === 0 && own.kind === feature.kind) continue;
      const cellAt = (i: number): Cell => {
        if (!isMissing(own, i)) return cellOf(own, i);
        for (const c of stored) if (!isMissing(c, i)) return cellOf(c, i);
        return null;
      };
      const merged = columnFromCells(feature, n, cellAt);
      if (merged.unseen > 0) unseen[feature.name] = (unseen[feature.name] ?? 0) + merged.unseen;
      frame = frame.withColumn(merged.column);
    }
    return { frame, unseen };
  }

  close(): void {
    this.store.close();
  }
}

function cellOf(col: Column, i: number): Cell {
  const v = cellValue(col, i);
  return v instanceof Date ? v.getTime() : v;
}

/**
 * Opens the store once and prepares every lookup; a missing store, an unknown group (UNKNOWN_GROUP) or a group
 * that supplies none of the model's features is a one-line TabpilotError. `close()` closes the store.
 */
export function openLookups(storeDir: string, specs: readonly LookupSpec[], modelFeatures: readonly FeatureSchema[]): FeatureLookup {
  const store = openFeatureStore(storeDir);
  try {
    const modelNames = new Set(modelFeatures.map((f) => f.name));
    const sources = specs.map((spec): Source => {
      const group = store.describeFeatureGroup(spec.group);
      const fills = new Map<string, string>();
      for (const f of group.features) {
        if (f.name === group.recordIdentifier) continue;
        for (const name of [f.name, `${group.name}.${f.name}`]) if (modelNames.has(name) && name !== spec.idColumn) fills.set(name, f.name);
      }
      if (fills.size === 0) {
        throw new TabpilotError('INVALID_ARGUMENT', `--lookup ${spec.group}:${spec.idColumn}: feature group "${spec.group}" supplies none of the model's features (${[...modelNames].join(', ')})`);
      }
      return { group: spec.group, idColumn: spec.idColumn, lookup: onlineLookup(store, spec.group, [...new Set(fills.values())]), fills };
    });
    return new FeatureLookup(store, sources, modelFeatures);
  } catch (e) {
    store.close();
    throw e;
  }
}
