import { type Column, cellString, isMissing } from '../../frame/column.js';
import { parseNumber } from '../../util/parse-number.js';
import type { Frame } from '../../frame/frame.js';
import { arrayAt, booleanAt, field, formatError, numberAt, objectAt, oneOfAt, stringArrayAt, stringAt } from '../model-json.js';
import { requireFeatures } from './target.js';

/**
 * The design-matrix builder shared by the linear models and the MLP: turns raw typed columns into a dense
 * row-major numeric matrix. Fitted once on the training rows and stored as plain JSON in the model, so
 * prediction on a raw frame reproduces the training transform exactly.
 *
 *   numeric, boolean  median imputation, a missing-indicator column when training had missing values,
 *                     standardisation (mean 0, sd 1 over the imputed training values)
 *   datetime          days since epoch (imputed + standardised like numerics), plus sin/cos of the month, of the
 *                     weekday and of the hour of day when those vary in training
 *   categorical/text  one-hot over levels seen at least `minCategoryCount` times (the `maxCategories` most
 *                     frequent), one column for all rarer levels, one for missing; a level never seen in
 *                     training maps to all zeros (through a Pipeline, alignToSchema has already turned unseen
 *                     categories into missing values, so there they land in the missing column)
 */
export interface DesignOptions {
  readonly minCategoryCount: number;
  readonly maxCategories: number;
}

export const DEFAULT_DESIGN_OPTIONS: DesignOptions = { minCategoryCount: 5, maxCategories: 100 };

type Cyclic = 'month' | 'weekday' | 'hour';

export type EncodedFeature =
  | { readonly name: string; readonly type: 'numeric'; readonly median: number; readonly mean: number; readonly scale: number; readonly indicator: boolean }
  | {
      readonly name: string;
      readonly type: 'datetime';
      readonly median: number;
      readonly mean: number;
      readonly scale: number;
      readonly indicator: boolean;
      readonly cyclic: readonly Cyclic[];
    }
  | {
      readonly name: string;
      readonly type: 'categorical';
      readonly levels: readonly string[];
      /** Whether a shared column exists for levels seen in training too rarely for their own column. */
      readonly rare: boolean;
      /** Those rare levels (the most frequent MAX_STORED_RARE_LEVELS of them), so prediction can tell rare from unseen. */
      readonly rareLevels: readonly string[];
      readonly missing: boolean;
    };

export interface DesignJSON {
  readonly features: readonly EncodedFeature[];
}

export interface DesignMatrix {
  /** Row-major rows x cols. */
  readonly values: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

const DAY_MS = 86_400_000;
/** Caps the model size for ID-like columns; rarer training levels beyond this are treated as unseen. */
const MAX_STORED_RARE_LEVELS = 2000;

export class DesignEncoder {
  readonly features: readonly EncodedFeature[];
  /** Name of each design column, e.g. `age`, `age__missing`, `color=red`, `when__month_sin`. */
  readonly columnNames: readonly string[];
  /** For each design column, the index of the input feature it came from. */
  readonly columnFeature: Int32Array;

  private constructor(features: readonly EncodedFeature[]) {
    this.features = features;
    const names: string[] = [];
    const owner: number[] = [];
    features.forEach((f, fi) => {
      for (const n of designColumnNames(f)) {
        names.push(n);
        owner.push(fi);
      }
    });
    this.columnNames = names;
    this.columnFeature = Int32Array.from(owner);
  }

  get featureNames(): string[] {
    return this.features.map((f) => f.name);
  }

  get width(): number {
    return this.columnNames.length;
  }

  static fit(data: Frame, featureNames: readonly string[], options: DesignOptions = DEFAULT_DESIGN_OPTIONS): DesignEncoder {
    requireFeatures(data, featureNames);
    return new DesignEncoder(featureNames.map((name) => fitFeature(data.column(name), options)));
  }

  /** The encoder from its JSON at `path`, every feature entry checked (MODEL_FORMAT naming the field). */
  static fromJSON(json: unknown, path = 'preprocessing'): DesignEncoder {
    const list = arrayAt(field(objectAt(json, path), 'features'), `${path}.features`);
    return new DesignEncoder(list.map((f, i) => encodedFeatureFromJSON(f, `${path}.features[${i}]`)));
  }


  toJSON(): DesignJSON {
    return { features: this.features };
  }

  /** Builds the design matrix of `data` (feature columns by name; extra columns ignored). */
  transform(data: Frame): DesignMatrix {
    requireFeatures(data, this.featureNames);
    const n = data.numRows;
    const p = this.width;
    const out = new Float64Array(n * p);
    let offset = 0;
    for (const f of this.features) {
      const col = data.column(f.name);
      if (f.type === 'categorical') offset = writeCategorical(f, col, out, n, p, offset);
      else offset = writeNumeric(f, col, out, n, p, offset);
    }
    return { values: out, rows: n, cols: p };
  }
}

function designColumnNames(f: EncodedFeature): string[] {
  if (f.type === 'categorical') {
    const names = f.levels.map((l) => `${f.name}=${l}`);
    if (f.rare) names.push(`${f.name}__rare`);
    if (f.missing) names.push(`${f.name}__missing`);
    return names;
  }
  const names = [f.name];
  if (f.indicator) names.push(`${f.name}__missing`);
  if (f.type === 'datetime') for (const c of f.cyclic) names.push(`${f.name}__${c}_sin`, `${f.name}__${c}_cos`);
  return names;
}

/** Numeric view of a column for a numeric/datetime feature, whatever kind it arrived as (unparseable = NaN). */
function numericValues(col: Column): Float64Array {
  switch (col.kind) {
    case 'numeric':
    case 'datetime':
      return col.values;
    case 'boolean': {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = col.values[i] > 1 ? NaN : col.values[i];
      return out;
    }
    case 'categorical': {
      const parsed = col.dictionary.map(parseNumber);
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = col.codes[i] < 0 ? NaN : parsed[col.codes[i]];
      return out;
    }
    case 'text': {
      const out = new Float64Array(col.length);
      for (let i = 0; i < col.length; i++) out[i] = col.values[i] === null ? NaN : parseNumber(col.values[i] as string);
      return out;
    }
  }
}

function median(values: Float64Array): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return 0;
  const m = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[m] : (finite[m - 1] + finite[m]) / 2;
}

function fitFeature(col: Column, options: DesignOptions): EncodedFeature {
  if (col.kind === 'categorical' || col.kind === 'text') return fitCategorical(col, options);
  const raw = numericValues(col);
  const isDate = col.kind === 'datetime';
  const values = isDate ? raw.map((v) => v / DAY_MS) : raw;
  const med = median(values);
  let missing = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : (missing++, med);
    sum += v;
  }
  const mean = values.length > 0 ? sum / values.length : 0;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number.isFinite(values[i]) ? values[i] : med;
    ss += (v - mean) * (v - mean);
  }
  const sd = values.length > 1 ? Math.sqrt(ss / values.length) : 0;
  const scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  const base = { name: col.name, median: med, mean, scale, indicator: missing > 0 };
  if (!isDate) return { ...base, type: 'numeric' };
  return { ...base, type: 'datetime', cyclic: varyingCycles(raw) };
}

function cycleValue(ms: number, c: Cyclic): [number, number] {
  const d = new Date(ms);
  switch (c) {
    case 'month':
      return [d.getUTCMonth(), 12];
    case 'weekday':
      return [d.getUTCDay(), 7];
    case 'hour':
      return [d.getUTCHours() + d.getUTCMinutes() / 60, 24];
  }
}

function varyingCycles(ms: Float64Array): Cyclic[] {
  const out: Cyclic[] = [];
  for (const c of ['month', 'weekday', 'hour'] as const) {
    let first = NaN;
    for (let i = 0; i < ms.length; i++) {
      if (!Number.isFinite(ms[i])) continue;
      const v = cycleValue(ms[i], c)[0];
      if (Number.isNaN(first)) first = v;
      else if (v !== first) {
        out.push(c);
        break;
      }
    }
  }
  return out;
}

/** Level index per row (-1 missing, `unknown` for a level not in the map), via the dictionary when there is one. */
function levelCodes(col: Column, levelIndex: ReadonlyMap<string, number>, unknown: number): Int32Array {
  const n = col.length;
  const out = new Int32Array(n);
  if (col.kind === 'categorical') {
    const remap = col.dictionary.map((d) => levelIndex.get(d) ?? unknown);
    for (let i = 0; i < n; i++) out[i] = col.codes[i] < 0 ? -1 : remap[col.codes[i]];
    return out;
  }
  const cache = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (isMissing(col, i)) {
      out[i] = -1;
      continue;
    }
    const s = cellString(col, i);
    let c = cache.get(s);
    if (c === undefined) {
      c = levelIndex.get(s) ?? unknown;
      cache.set(s, c);
    }
    out[i] = c;
  }
  return out;
}

function fitCategorical(col: Column, options: DesignOptions): EncodedFeature {
  const counts = new Map<string, number>();
  let missing = 0;
  if (col.kind === 'categorical') {
    const byCode = new Float64Array(col.dictionary.length);
    for (let i = 0; i < col.length; i++) {
      const c = col.codes[i];
      if (c < 0) missing++;
      else byCode[c]++;
    }
    col.dictionary.forEach((d, c) => {
      if (byCode[c] > 0) counts.set(d, (counts.get(d) ?? 0) + byCode[c]);
    });
  } else {
    for (let i = 0; i < col.length; i++) {
      if (isMissing(col, i)) missing++;
      else {
        const s = cellString(col, i);
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    }
  }
  // Most frequent first; ties broken by label so the encoding does not depend on dictionary order.
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = ranked.filter(([, c]) => c >= options.minCategoryCount).slice(0, options.maxCategories);
  const levels = kept.map(([l]) => l).sort();
  const keptSet = new Set(levels);
  const rareLevels = ranked
    .filter(([l]) => !keptSet.has(l))
    .slice(0, MAX_STORED_RARE_LEVELS)
    .map(([l]) => l)
    .sort();
  return { name: col.name, type: 'categorical', levels, rare: rareLevels.length > 0, rareLevels, missing: missing > 0 };
}

function writeCategorical(
  f: Extract<EncodedFeature, { type: 'categorical' }>,
  col: Column,
  out: Float64Array,
  n: number,
  p: number,
  offset: number,
): number {
  const index = new Map<string, number>();
  f.levels.forEach((l, i) => index.set(l, i));
  const RARE = f.levels.length;
  for (const l of f.rareLevels) index.set(l, RARE);
  const UNSEEN = -2;
  const codes = levelCodes(col, index, UNSEEN);
  const rareCol = f.rare ? offset + f.levels.length : -1;
  const missingCol = f.missing ? offset + f.levels.length + (f.rare ? 1 : 0) : -1;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    const row = i * p;
    if (c >= 0 && c < RARE) out[row + offset + c] = 1;
    else if (c === RARE) out[row + rareCol] = 1;
    else if (c === -1 && missingCol >= 0) out[row + missingCol] = 1;
  }
  return offset + f.levels.length + (f.rare ? 1 : 0) + (f.missing ? 1 : 0);
}

function writeNumeric(
  f: Extract<EncodedFeature, { type: 'numeric' | 'datetime' }>,
  col: Column,
  out: Float64Array,
  n: number,
  p: number,
  offset: number,
): number {
  const raw = numericValues(col);
  const isDate = f.type === 'datetime';
  const indicatorCol = f.indicator ? offset + 1 : -1;
  let next = offset + 1 + (f.indicator ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const r = raw[i];
    const v = isDate ? r / DAY_MS : r;
    const row = i * p;
    if (Number.isFinite(v)) out[row + offset] = (v - f.mean) / f.scale;
    else {
      out[row + offset] = (f.median - f.mean) / f.scale;
      if (indicatorCol >= 0) out[row + indicatorCol] = 1;
    }
  }
  if (f.type === 'datetime') {
    const fallback = f.median * DAY_MS;
    for (const c of f.cyclic) {
      for (let i = 0; i < n; i++) {
        const ms = Number.isFinite(raw[i]) ? raw[i] : fallback;
        const [v, period] = cycleValue(ms, c);
        const angle = (2 * Math.PI * v) / period;
        out[i * p + next] = Math.sin(angle);
        out[i * p + next + 1] = Math.cos(angle);
      }
      next += 2;
    }
  }
  return next;
}

const CYCLES: readonly Cyclic[] = ['month', 'weekday', 'hour'];

function encodedFeatureFromJSON(json: unknown, path: string): EncodedFeature {
  const o = objectAt(json, path);
  const name = stringAt(field(o, 'name'), `${path}.name`);
  const type = oneOfAt(field(o, 'type'), `${path}.type`, ['numeric', 'datetime', 'categorical'] as const);
  if (type === 'categorical') {
    return {
      name,
      type,
      levels: stringArrayAt(field(o, 'levels'), `${path}.levels`),
      rare: booleanAt(field(o, 'rare'), `${path}.rare`),
      rareLevels: stringArrayAt(field(o, 'rareLevels'), `${path}.rareLevels`),
      missing: booleanAt(field(o, 'missing'), `${path}.missing`),
    };
  }
  const base = {
    name,
    median: numberAt(field(o, 'median'), `${path}.median`),
    mean: numberAt(field(o, 'mean'), `${path}.mean`),
    scale: numberAt(field(o, 'scale'), `${path}.scale`),
    indicator: booleanAt(field(o, 'indicator'), `${path}.indicator`),
  };
  if (base.scale === 0) throw formatError(`${path}.scale`, 'expected a non-zero number, got 0');
  if (type === 'numeric') return { ...base, type };
  const cyclic = arrayAt(field(o, 'cyclic'), `${path}.cyclic`).map((c, j) => oneOfAt(c, `${path}.cyclic[${j}]`, CYCLES));
  return { ...base, type, cyclic };
}
