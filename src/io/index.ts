/**
 * Reading and writing tables: CSV, JSON Lines (plain or gzip), Parquet and Arrow IPC into a typed Frame plus a report of what was
 * inferred, missing, invalid, renamed or skipped.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { writeFileAtomic } from '../util/output.js';
import { isArrowBytes, isParquetBytes, readArrow, readArrowBytes, readParquet, readParquetBytes, writeArrow, writeParquet } from './columnar.js';
import { gunzipSync } from 'node:zlib';
import { parseCsvBytes, parseCsvText, readCsv } from './csv.js';
import { jsonLinesToCsv } from './jsonl.js';
import { readWhole, statInput } from './csv-source.js';
import { writeCsv } from './csv-write.js';
import type { ReadOptions, ReadResult, TableFormat } from './types.js';

export { parseCsvBytes, parseCsvText, readCsv, readCsvSync, streamCsv, uniqueColumnNames, DEFAULT_INFERENCE_ROWS, type StreamOptions } from './csv.js';
export { writeCsv } from './csv-write.js';
export { parseJsonLines, readJsonLines, jsonLinesToCsv } from './jsonl.js';
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
  ['.jsonl', 'jsonl'], ['.ndjson', 'jsonl'],
]);

/** The path that means standard input (read) or standard output (write) on the command line. */
export const STDIO_PATH = '-';
/** Where standard input is read from (a pipe or socket: read whole, never at an offset). */
const STDIN_DEVICE = '/dev/stdin';
/** Extension of gzip-compressed files (`data.csv.gz`, `rows.jsonl.gz`). */
const GZIP_EXTENSION = '.gz';

/**
 * Writes text to a file (temp file, then rename) or, for `-`, to standard output. Commands check a file
 * path with checkOutputPath first; `-` needs no check.
 */
export function writeTextOutput(file: string, text: string): void {
  if (file === STDIO_PATH) process.stdout.write(text);
  else writeFileAtomic(file, text);
}

/** Whether the name ends in .gz (the format is then the extension before it). */
export function isGzipName(file: string): boolean {
  return path.extname(file).toLowerCase() === GZIP_EXTENSION;
}

/** Format from the file extension (`.gz` looks at the extension before it), or null when it says nothing. */
export function formatFromExtension(file: string): TableFormat | null {
  const name = isGzipName(file) ? file.slice(0, -GZIP_EXTENSION.length) : file;
  return EXTENSIONS.get(path.extname(name).toLowerCase()) ?? null;
}

/** gzip's magic number (RFC 1952): 1f 8b. */
function isGzipBytes(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** JSON Lines starts with an object; a CSV header line never starts with `{` (after a BOM and blank space). */
function looksLikeJsonLines(head: Uint8Array): boolean {
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b;
  }
  return false;
}

function formatOfBytes(head: Uint8Array): TableFormat {
  if (isParquetBytes(head)) return 'parquet';
  if (isArrowBytes(head)) return 'arrow';
  if (looksLikeJsonLines(head)) return 'jsonl';
  return 'csv';
}

/** Bytes read to tell the format: Parquet (PAR1), Arrow (ARROW1 / stream continuation), gzip, JSON Lines' `{`. */
const MAGIC_BYTES = 64;

function readHead(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new TabpilotError('FILE_NOT_FOUND', `cannot open: ${(e as Error).message}`, { file });
  }
  try {
    const head = Buffer.alloc(MAGIC_BYTES);
    const n = readSync(fd, head, 0, MAGIC_BYTES, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function gunzip(bytes: Buffer, file: string): Buffer {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new TabpilotError('BAD_FORMAT', `cannot decompress gzip: ${(e as Error).message}`, { file });
  }
}

/** Reads a table held in memory: gunzipped when it starts with gzip's magic, then by `format` or by content. */
export function readTableBytes(bytes: Buffer, file: string, format: TableFormat | null, options: ReadOptions = {}): ReadResult {
  const plain = isGzipBytes(bytes) ? gunzip(bytes, file) : bytes;
  switch (format ?? formatOfBytes(plain.subarray(0, MAGIC_BYTES))) {
    case 'csv':
      return parseCsvBytes(plain, { ...options, sourceName: file });
    case 'jsonl':
      return withFormat(parseCsvText(jsonLinesToCsv(plain.toString('utf8'), file), { ...options, sourceName: file }), 'jsonl');
    case 'parquet':
      return readParquetBytes(plain, file, options);
    case 'arrow':
      return readArrowBytes(plain, file, options);
  }
}

function withFormat(result: ReadResult, format: TableFormat): ReadResult {
  return { ...result, report: { ...result.report, format } };
}

/**
 * Whether a file is CSV that can be read in chunks from disk (not standard input, not compressed, not another
 * format): batch transform streams those and reads the others whole.
 */
export function isStreamableCsv(file: string): boolean {
  if (file === STDIO_PATH || isGzipName(file)) return false;
  const format = formatFromExtension(file);
  if ((format !== null && format !== 'csv') || !statInput(file).isFile()) return false;
  const head = readHead(file);
  return !isGzipBytes(head) && (format ?? formatOfBytes(head)) === 'csv';
}

/**
 * Reads CSV, JSON Lines, Parquet or Arrow IPC (by extension; by content when the extension is unknown), plain or
 * gzip-compressed (`.gz`, or gzip's magic bytes). `-` is standard input, read whole and recognised by content.
 * Pipes and devices (/dev/stdin) are read once into memory, since they cannot be read at an offset.
 */
export async function readTable(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  if (file === STDIO_PATH) return readTableBytes(readWhole(STDIN_DEVICE), 'stdin', null, options);
  const format = formatFromExtension(file);
  if (!statInput(file).isFile() || isGzipName(file) || format === 'jsonl') return readTableBytes(readWhole(file), file, format, options);
  const head = readHead(file);
  if (isGzipBytes(head)) return readTableBytes(readWhole(file), file, format, options);
  switch (format ?? formatOfBytes(head)) {
    case 'csv':
      return readCsv(file, options);
    case 'jsonl':
      return readTableBytes(readWhole(file), file, 'jsonl', options);
    case 'parquet':
      return readParquet(file, options);
    case 'arrow':
      return readArrow(file, options);
  }
}

/** Writes by extension: .csv/.tsv (tab for .tsv), .parquet, .arrow/.feather; `-` is CSV on standard output. */
export function writeTable(frame: Frame, file: string): void {
  if (file === STDIO_PATH) return writeCsv(frame, file);
  const format = formatFromExtension(file);
  switch (format) {
    case 'csv':
      return writeCsv(frame, file, { delimiter: path.extname(file).toLowerCase() === '.tsv' ? '\t' : ',' });
    case 'parquet':
      return writeParquet(frame, file);
    case 'arrow':
      return writeArrow(frame, file);
    case 'jsonl':
      throw new TabpilotError('INVALID_ARGUMENT', 'writing JSON Lines is not supported; use .csv, .tsv, .parquet or .arrow', { file });
    case null:
      throw new TabpilotError('INVALID_ARGUMENT', `cannot tell the output format from the extension; use .csv, .tsv, .parquet or .arrow`, { file });
  }
}
