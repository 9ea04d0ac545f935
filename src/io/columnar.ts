/**
 * Parquet (parquet-wasm) and Arrow IPC (apache-arrow) files <-> Frame. Both go through an Arrow Table and
 * src/frame/arrow.ts. Columns keep their stored types; string columns written by other tools (no
 * `tabpilot.kind` metadata) get spec A.4.2 inference so low-cardinality strings become categorical.
 */
import { DataType, type Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { createRequire } from 'node:module';
import { arrowToFrame, frameToArrow, recordedKinds } from './arrow.js';
import { type Column, type ColumnKind, countMissing } from '../frame/column.js';
import { columnsFromFfi } from './arrow-ffi.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { writeFileAtomic } from '../util/output.js';
import { coerceColumn } from './coerce.js';
import { readWhole, statInput } from './csv-source.js';
import { DEFAULT_INFERENCE_ROWS } from './csv.js';
import { decideFeatureType, DEFAULT_MISSING_TOKENS, metricsOfStrings } from './infer.js';
import { type ColumnReadReport, forcedKinds, type ReadOptions, type ReadReport, type ReadResult, type TableFormat } from './types.js';

function readBytes(path: string): Buffer {
  statInput(path);
  return readWhole(path);
}

const PARQUET_MAGIC = Buffer.from('PAR1');

type ParquetWasm = typeof import('parquet-wasm');
let parquetWasm: ParquetWasm | undefined;
/** parquet-wasm, loaded on first use: compiling its wasm costs ~100 ms that CSV-only work should not pay. */
function parquet(): ParquetWasm {
  parquetWasm ??= createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
  return parquetWasm;
}

export function isParquetBytes(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && PARQUET_MAGIC.equals(bytes.subarray(0, 4));
}

export function isArrowBytes(bytes: Uint8Array): boolean {
  const file = bytes.length >= 6 && Buffer.from(bytes.subarray(0, 6)).toString('latin1') === 'ARROW1';
  const stream = bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff;
  return file || stream;
}

function checkParquetBytes(bytes: Uint8Array, file: string): void {
  if (bytes.length === 0) throw new TabpilotError('EMPTY_FILE', 'the file is empty', { file });
  if (!isParquetBytes(bytes)) throw new TabpilotError('BAD_PARQUET', 'not a Parquet file (no PAR1 magic at the start)', { file });
  if (bytes.length < 12 || !PARQUET_MAGIC.equals(bytes.subarray(bytes.length - 4))) {
    throw new TabpilotError('BAD_PARQUET', 'truncated Parquet file (no PAR1 magic at the end)', { file });
  }
}

function decodeParquet(bytes: Uint8Array, file: string, limit?: number): ReturnType<ParquetWasm['readParquet']> {
  try {
    return parquet().readParquet(bytes, { batchSize: 1 << 20, ...(limit !== undefined ? { limit } : {}) });
  } catch (e) {
    throw new TabpilotError('BAD_PARQUET', `cannot read Parquet: ${String((e as Error)?.message ?? e)}`, { file });
  }
}

/**
 * Parquet bytes as Frame columns, read from wasm memory through the Arrow C Data Interface (no IPC copy);
 * layouts that path does not handle go through Arrow IPC instead.
 */
function parquetBytesToColumns(bytes: Uint8Array, file: string, limit?: number): { frame: Frame; recorded: Map<string, ColumnKind>; nullCounts: Map<string, number> } {
  checkParquetBytes(bytes, file);
  const stream = decodeParquet(bytes, file, limit).intoFFI();
  try {
    const addrs = stream.arrayAddrs();
    const read = columnsFromFfi(parquet().wasmMemory().buffer, stream.schemaAddr(), addrs);
    if (read !== null) return { frame: Frame.fromColumns(read.columns), recorded: read.recorded, nullCounts: read.nullCounts };
  } finally {
    stream.free();
  }
  return fromArrowTable(parquetBytesToArrow(bytes, file, limit));
}

/** Parquet bytes as an Arrow JS Table (via IPC). */
export function parquetBytesToArrow(bytes: Uint8Array, file: string, limit?: number): Table {
  checkParquetBytes(bytes, file);
  return tableFromIPC(decodeParquet(bytes, file, limit).intoIPCStream());
}

export function arrowToParquetBytes(table: Table): Uint8Array {
  const pw = parquet();
  const wasmTable = pw.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build();
  return pw.writeParquet(wasmTable, props);
}

/** Frame, recorded kinds and null counts of an Arrow table (IPC path). */
function fromArrowTable(table: Table): { frame: Frame; recorded: Map<string, ColumnKind>; nullCounts: Map<string, number> } {
  const nullCounts = new Map<string, number>();
  table.schema.fields.forEach((f, i) => {
    // Float columns may hold NaN that is not null: those are counted on the values.
    if (!DataType.isFloat(f.type)) nullCounts.set(f.name, table.getChildAt(i)!.nullCount);
  });
  return { frame: arrowToFrame(table), recorded: recordedKinds(table), nullCounts };
}

/** Applies recorded kinds, string inference, forced `types` and `limit` to a Frame read from Arrow. */
function finishColumnar(
  read: { frame: Frame; recorded: Map<string, ColumnKind>; nullCounts: Map<string, number> },
  format: TableFormat, file: string | null, bytes: number | null, options: ReadOptions,
): ReadResult {
  let frame = read.frame;
  const recorded = read.recorded;
  // Missing counts straight from Arrow null counts (no pass over the values) when no limit cuts the rows.
  const nullCounts = options.limit === undefined || frame.numRows <= options.limit ? read.nullCounts : new Map<string, number>();
  const truncated = options.limit !== undefined && frame.numRows > options.limit;
  if (options.limit !== undefined) frame = frame.head(options.limit);
  const forced = forcedKinds(options.types);
  for (const name of forced.keys()) {
    if (!frame.has(name)) throw new TabpilotError('UNKNOWN_COLUMN', `types names a column the file does not have; columns are: ${frame.columnNames.join(', ')}`, { file: file ?? undefined, column: name });
  }
  const tokens = new Set(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const inferenceRows = options.inferenceRows ?? DEFAULT_INFERENCE_ROWS;
  const columns: Column[] = [];
  const reports: ColumnReadReport[] = [];
  for (const col of frame.columns) {
    let target = forced.get(col.name);
    let report: Partial<ColumnReadReport> = { featureType: col.kind === 'boolean' ? 'boolean' : col.kind };
    if (target === undefined && col.kind === 'text' && !recorded.has(col.name)) {
      const sample = col.values.length > inferenceRows ? col.values.slice(0, inferenceRows) : col.values;
      const decision = decideFeatureType(metricsOfStrings(sample, options.missingTokens), { preferCategorical: options.preferCategorical });
      target = decision.kind;
      report = { featureType: decision.featureType, scores: decision.scores, categoricalCandidate: decision.categoricalCandidate };
    }
    const coerced = target !== undefined ? coerceColumn(col, target, tokens) : { column: col, invalid: 0, invalidExamples: [] };
    if (forced.has(col.name)) report = { featureType: target === 'boolean' ? 'boolean' : target! };
    columns.push(coerced.column);
    reports.push({
      name: col.name,
      kind: coerced.column.kind,
      featureType: report.featureType!,
      forced: forced.has(col.name),
      ...(report.scores ? { scores: report.scores, categoricalCandidate: report.categoricalCandidate } : {}),
      missing: coerced.column === col ? nullCounts.get(col.name) ?? countMissing(col) : countMissing(coerced.column) - coerced.invalid,
      invalid: coerced.invalid,
      invalidExamples: coerced.invalidExamples,
    });
  }
  const result: ReadReport = {
    file, format, rows: frame.numRows, columns: columns.length, bytes, truncated, inferenceRows, columnReports: reports,
    renamedColumns: [], skippedRows: 0, skippedLines: [], blankLines: 0, invalidUtf8Cells: 0, reinferredColumns: [], warnings: [],
  };
  for (const r of reports) if (r.invalid > 0) result.warnings.push(`column "${r.name}": ${r.invalid} value(s) not castable to ${r.kind} were set missing`);
  return { frame: Frame.fromColumns(columns), report: result };
}

export async function readParquet(path: string, options: ReadOptions = {}): Promise<ReadResult> {
  return readParquetBytes(readBytes(path), path, options);
}

/** Parquet file bytes (named `path` in messages) into a Frame, as readParquet. */
export function readParquetBytes(bytes: Uint8Array, path: string, options: ReadOptions = {}): ReadResult {
  // parquet-wasm's limit reads only the row groups needed; one extra row tells whether the file was cut.
  const limit = options.limit !== undefined ? options.limit + 1 : undefined;
  return finishColumnar(parquetBytesToColumns(bytes, path, limit), 'parquet', path, bytes.length, options);
}

export async function readArrow(path: string, options: ReadOptions = {}): Promise<ReadResult> {
  return readArrowBytes(readBytes(path), path, options);
}

/** Arrow IPC file or stream bytes (named `path` in messages) into a Frame, as readArrow. */
export function readArrowBytes(bytes: Uint8Array, path: string, options: ReadOptions = {}): ReadResult {
  if (bytes.length === 0) throw new TabpilotError('EMPTY_FILE', 'the file is empty', { file: path });
  if (!isArrowBytes(bytes)) throw new TabpilotError('BAD_ARROW', 'not an Arrow IPC file or stream', { file: path });
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new TabpilotError('BAD_ARROW', `cannot read Arrow IPC: ${String((e as Error)?.message ?? e)}`, { file: path });
  }
  return finishColumnar(fromArrowTable(table), 'arrow', path, bytes.length, options);
}

export function writeParquet(frame: Frame, path: string): void {
  writeOut(path, arrowToParquetBytes(frameToArrow(frame)));
}

/** Arrow IPC file format (`.arrow`/`.feather`); `stream: true` writes the streaming format. */
export function writeArrow(frame: Frame, path: string, options: { stream?: boolean } = {}): void {
  writeOut(path, tableToIPC(frameToArrow(frame), options.stream ? 'stream' : 'file'));
}

function writeOut(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}
