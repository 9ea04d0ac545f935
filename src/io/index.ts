/**
 * Reading and writing tables: CSV, Parquet and Arrow IPC into a typed Frame plus a report of what was
 * inferred, missing, invalid, renamed or skipped.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { isArrowBytes, isParquetBytes, readArrow, readArrowBytes, readParquet, readParquetBytes, writeArrow, writeParquet } from './columnar.js';
import { parseCsvBytes, readCsv } from './csv.js';
import { readWhole, statInput } from './csv-source.js';
import { writeCsv } from './csv-write.js';
import type { ReadOptions, ReadResult, TableFormat } from './types.js';

export { parseCsvBytes, parseCsvText, readCsv, readCsvSync, streamCsv, uniqueColumnNames, DEFAULT_INFERENCE_ROWS, type StreamOptions } from './csv.js';
export { writeCsv } from './csv-write.js';
export { frameToArrow, arrowToFrame } from './arrow.js';
export { readParquet, readParquetBytes, readArrow, readArrowBytes, writeParquet, writeArrow, parquetBytesToArrow, arrowToParquetBytes } from './columnar.js';
export {
  decideFeatureType, inferFromStrings, inferColumnKinds, metricsOfStrings, featureTypeToKind, DEFAULT_MISSING_TOKENS, DATETIME_ROWS,
  type ColumnMetrics, type FeatureType, type FeatureScores, type FeatureTypeDecision, type InferOptions,
} from './infer.js';
export { coerceColumn } from './coerce.js';
export { parseDatetime } from './datetime.js';
export { summarizeFrame, type ColumnSummary, type TableSummary } from './summary.js';
export type { ColumnReadReport, InvalidExample, ReadOptions, ReadReport, ReadResult, TableFormat } from './types.js';

const EXTENSIONS = new Map<string, TableFormat>([
  ['.csv', 'csv'], ['.tsv', 'csv'], ['.txt', 'csv'], ['.psv', 'csv'],
  ['.parquet', 'parquet'], ['.pq', 'parquet'],
  ['.arrow', 'arrow'], ['.feather', 'arrow'], ['.ipc', 'arrow'], ['.arrows', 'arrow'],
]);

/** Format from the file extension, or null when the extension says nothing. */
export function formatFromExtension(file: string): TableFormat | null {
  return EXTENSIONS.get(path.extname(file).toLowerCase()) ?? null;
}

function formatOfBytes(head: Uint8Array): TableFormat {
  if (isParquetBytes(head)) return 'parquet';
  if (isArrowBytes(head)) return 'arrow';
  return 'csv';
}

/** Bytes that identify Parquet (PAR1) and Arrow (ARROW1 / stream continuation) at the start of a file. */
const MAGIC_BYTES = 8;

function sniffFormat(file: string): TableFormat {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new TabpilotError('FILE_NOT_FOUND', `cannot open: ${(e as Error).message}`, { file });
  }
  try {
    const head = Buffer.alloc(MAGIC_BYTES);
    const n = readSync(fd, head, 0, MAGIC_BYTES, 0);
    return formatOfBytes(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads CSV, Parquet or Arrow IPC (by extension; by content when the extension is unknown). Pipes and
 * devices (/dev/stdin) are read once into memory, since they cannot be read at an offset.
 */
export async function readTable(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  if (!statInput(file).isFile()) {
    const bytes = readWhole(file);
    switch (formatFromExtension(file) ?? formatOfBytes(bytes)) {
      case 'csv':
        return parseCsvBytes(bytes, { ...options, sourceName: file });
      case 'parquet':
        return readParquetBytes(bytes, file, options);
      case 'arrow':
        return readArrowBytes(bytes, file, options);
    }
  }
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
