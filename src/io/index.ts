/**
 * Reading and writing tables: CSV, Parquet and Arrow IPC into a typed Frame plus a report of what was
 * inferred, missing, invalid, renamed or skipped.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { isArrowBytes, isParquetBytes, readArrow, readParquet, writeArrow, writeParquet } from './columnar.js';
import { readCsv, writeCsv } from './csv.js';
import type { ReadOptions, ReadResult, TableFormat } from './types.js';

export { parseCsvBytes, parseCsvText, readCsv, readCsvSync, streamCsv, writeCsv, uniqueColumnNames, DEFAULT_INFERENCE_ROWS, type StreamOptions } from './csv.js';
export { frameToArrow, arrowToFrame } from './arrow.js';
export { readParquet, readArrow, writeParquet, writeArrow, parquetBytesToArrow, arrowToParquetBytes } from './columnar.js';
export {
  decideFeatureType, inferFromStrings, inferColumnKinds, metricsOfStrings, featureTypeToKind, DEFAULT_MISSING_TOKENS, DATETIME_ROWS,
  type ColumnMetrics, type FeatureType, type FeatureScores, type FeatureTypeDecision, type InferOptions,
} from './infer.js';
export { coerceColumn } from './coerce.js';
export { parseDatetime } from './datetime.js';
export { summarizeFrame, type ColumnSummary, type TableSummary } from './summary.js';
export type { ColumnReadReport, InvalidExample, ReadOptions, ReadReport, ReadResult, TableFormat } from './types.js';

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.psv': 'csv',
  '.parquet': 'parquet', '.pq': 'parquet',
  '.arrow': 'arrow', '.feather': 'arrow', '.ipc': 'arrow', '.arrows': 'arrow',
};

/** Format from the file extension, or null when the extension says nothing. */
export function formatFromExtension(file: string): TableFormat | null {
  return EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

function sniffFormat(file: string): TableFormat {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TabpilotError('FILE_NOT_FOUND', 'no such file', { file });
    throw new TabpilotError('FILE_NOT_FOUND', `cannot open: ${(e as Error).message}`, { file });
  }
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    const bytes = head.subarray(0, n);
    if (isParquetBytes(bytes)) return 'parquet';
    if (isArrowBytes(bytes)) return 'arrow';
    return 'csv';
  } finally {
    closeSync(fd);
  }
}

/** Reads CSV, Parquet or Arrow IPC (by extension; by content when the extension is unknown). */
export async function readTable(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  const format = formatFromExtension(file) ?? sniffFormat(file);
  switch (format) {
    case 'csv':
      return readCsv(file, options);
    case 'parquet':
      return readParquet(file, options);
    case 'arrow':
      return readArrow(file, options);
  }
}

/** Writes by extension: .csv/.tsv (tab for .tsv), .parquet, .arrow/.feather. */
export function writeTable(frame: Frame, file: string): void {
  const format = formatFromExtension(file);
  switch (format) {
    case 'csv':
      return writeCsv(frame, file, { delimiter: path.extname(file).toLowerCase() === '.tsv' ? '\t' : ',' });
    case 'parquet':
      return writeParquet(frame, file);
    case 'arrow':
      return writeArrow(frame, file);
    case null:
      throw new TabpilotError('INVALID_ARGUMENT', `cannot tell the output format from the extension; use .csv, .tsv, .parquet or .arrow`, { file });
  }
}
