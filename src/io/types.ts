import type { ColumnKind } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import type { FeatureScores, FeatureType } from './infer.js';

/** jsonl: JSON Lines, read through the CSV reader's type inference (src/io/jsonl.ts). */
export type TableFormat = 'csv' | 'jsonl' | 'parquet' | 'arrow';

export interface ReadOptions {
  /**
   * Force the kind of some columns, e.g. `{ zip: 'categorical' }` or a Map; the others are inferred. Only
   * the object's own keys count, so a column may be named "constructor" or "__proto__".
   */
  types?: Readonly<Record<string, ColumnKind>> | ReadonlyMap<string, ColumnKind>;
  /** Read only the first K data rows (only the bytes needed are read). */
  limit?: number;
  /** Cells equal (after trimming) to one of these are missing. Default DEFAULT_MISSING_TOKENS. */
  missingTokens?: readonly string[];
  /** Spec `prefer_categorical`: integer columns that tie numeric/categorical become categorical. */
  preferCategorical?: boolean;
  /** Rows used for type inference (the first N). Default 50,000 (Data Wrangler's default sample). */
  inferenceRows?: number;
  /** CSV: field delimiter; detected among `,` `;` `|` TAB when absent. */
  delimiter?: string;
  /** CSV: the first row holds column names (default true). */
  header?: boolean;
  /** CSV: rows whose field count differs from the header: throw RAGGED_ROW (default) or skip and count. */
  onRaggedRow?: 'error' | 'skip';
  /** CSV: 'utf8' (default; invalid bytes handled per `onInvalidUtf8`) or 'latin1'. */
  encoding?: 'utf8' | 'latin1';
  /** CSV: bytes that are not valid UTF-8: throw BAD_ENCODING naming line and column (default), or replace with U+FFFD and count. */
  onInvalidUtf8?: 'error' | 'replace';
  /** File name used in error messages when reading from text or bytes. */
  sourceName?: string;
}

export interface InvalidExample {
  line: number | null;
  value: string;
}

export interface ColumnReadReport {
  name: string;
  /** Header text before it was made unique / non-empty (only when it changed). */
  originalName?: string;
  kind: ColumnKind;
  /** Spec feature type (binary and categorical both map to kind 'categorical'). */
  featureType: FeatureType | 'boolean';
  /** True when the caller forced the kind through `types`. */
  forced: boolean;
  scores?: FeatureScores;
  /** Integer-valued column with few distinct values: spec says it may be used as categorical. */
  categoricalCandidate?: boolean;
  /** Cells that were missing (empty, blank or a missing token). */
  missing: number;
  /** Cells present but not castable to the column's kind (they are stored as missing). */
  invalid: number;
  invalidExamples: InvalidExample[];
}

export interface ReadReport {
  file: string | null;
  format: TableFormat;
  rows: number;
  columns: number;
  bytes: number | null;
  /** True when `limit` stopped the read before the end of the data. */
  truncated: boolean;
  delimiter?: string;
  bom?: boolean;
  encoding?: string;
  inferenceRows: number;
  columnReports: ColumnReadReport[];
  /** Header names that were empty or duplicated and have been renamed. */
  renamedColumns: { index: number; from: string; to: string }[];
  /** Rows skipped with `onRaggedRow: 'skip'` (and the first few of their line numbers). */
  skippedRows: number;
  skippedLines: number[];
  /** Blank lines between rows (skipped). */
  blankLines: number;
  /** Cells that held bytes invalid in UTF-8 (replaced by U+FFFD with `onInvalidUtf8: 'replace'`). */
  invalidUtf8Cells: number;
  /** Columns whose sampled kind was contradicted by the rest of the file and were re-inferred on all rows. */
  reinferredColumns: string[];
  warnings: string[];
}

export interface ReadResult {
  frame: Frame;
  report: ReadReport;
}

/** `options.types` as a Map of the caller's own keys (never inherited Object.prototype members). */
export function forcedKinds(types: ReadOptions['types']): Map<string, ColumnKind> {
  if (types === undefined) return new Map();
  if (types instanceof Map) return new Map(types);
  const record = types as Readonly<Record<string, ColumnKind>>;
  return new Map(Object.keys(record).map((name) => [name, record[name]]));
}
