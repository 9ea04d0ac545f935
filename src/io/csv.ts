/**
 * CSV into typed columns. Two passes over a chunked byte stream (never the whole file as a string, never
 * row objects): the first infers each column's type (spec A.4.2) on the first `inferenceRows` rows, the
 * second converts every cell straight from bytes into the column's typed array. With `limit`, only the
 * bytes up to the K-th row are read, so the head of a file larger than memory can be inspected.
 */
import { isUtf8 } from 'node:buffer';
import type { ColumnKind } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import type { TextEncodingName } from './bytes.js';
import { type BatchView, type ColumnBuilder, makeBuilder } from './column-builders.js';
import { type ByteSource, bufferSource, fileSource, RecordStream } from './csv-source.js';
import { FIELD_NUMBER, FIELD_PLAIN, FieldIndex, FLAG_ESCAPED, scanRecords, type ScanState } from './csv-tokenizer.js';
import { decideFeatureType, DEFAULT_MISSING_TOKENS, type FeatureTypeDecision, MetricsAccumulator, MissingTokens } from './infer.js';
import { type ColumnReadReport, forcedKinds, type ReadOptions, type ReadReport, type ReadResult } from './types.js';

export const DEFAULT_INFERENCE_ROWS = 50_000;
const CHUNK_BYTES = 4 << 20;
const DELIMITER_CANDIDATES = [',', ';', '|', '\t'];
const COLUMN_KINDS: readonly ColumnKind[] = ['numeric', 'categorical', 'boolean', 'datetime', 'text'];

interface CsvLayout {
  names: string[];
  originalNames: string[];
  renamed: { index: number; from: string; to: string }[];
  delimiter: string;
  bom: boolean;
  dataOffset: number;
  dataLine: number;
}

function unescapeCell(buf: Buffer, index: FieldIndex, f: number, encoding: TextEncodingName): string {
  const text = buf.toString(encoding, index.starts[f], index.ends[f]);
  return index.flags[f] & FLAG_ESCAPED ? text.replace(/""/g, '"') : text;
}

/** Counts fields of the first records with a candidate delimiter; the most consistent wide split wins. */
function sniffDelimiter(head: Buffer, start: number, final: boolean): string {
  let best = ',';
  let bestScore = -1;
  for (const d of DELIMITER_CANDIDATES) {
    const index = new FieldIndex();
    const state: ScanState = { position: start, line: 1 };
    try {
      scanRecords(head, head.length, state, index, {
        delimiter: d.charCodeAt(0), expectedFields: -1, maxRecords: 50, final, onRagged: () => {}, onBlankLine: () => {}, file: '',
      });
    } catch {
      continue;
    }
    if (index.recordCount === 0) continue;
    const widthOf = (r: number) => index.recordFirstField[r + 1] - index.recordFirstField[r];
    const width = widthOf(0);
    if (width < 2) continue;
    let same = 0;
    for (let r = 0; r < index.recordCount; r++) if (widthOf(r) === width) same++;
    const score = (same / index.recordCount) * 1000 + Math.min(width, 999);
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

/** Empty names become column_<i>, repeated names get _2, _3, ... (every change is reported). */
export function uniqueColumnNames(raw: readonly string[]): { names: string[]; renamed: { index: number; from: string; to: string }[] } {
  const names: string[] = [];
  const renamed: { index: number; from: string; to: string }[] = [];
  const used = new Set<string>();
  raw.forEach((r, i) => {
    let name = r.trim() === '' ? `column_${i + 1}` : r.trim();
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    names.push(name);
    if (name !== r) renamed.push({ index: i, from: r, to: name });
  });
  return { names, renamed };
}

function readLayout(source: ByteSource, options: ReadOptions): CsvLayout {
  const head = Buffer.allocUnsafe(Math.min(source.size, 1 << 16));
  const n = source.read(head, 0, head.length, 0);
  if (n === 0) throw new TabpilotError('EMPTY_FILE', 'the file is empty', { file: source.name });
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new TabpilotError('BAD_ENCODING', 'the file is UTF-16 (byte-order mark found); convert it to UTF-8', { file: source.name, line: 1 });
  }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const start = bom ? 3 : 0;
  const whole = n === source.size;
  const delimiter = options.delimiter ?? sniffDelimiter(head.subarray(0, n), start, whole);
  if (delimiter.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', `delimiter must be one character, got "${delimiter}"`);
  const stream = new RecordStream(source, start, 1, 1 << 16);
  const index = new FieldIndex();
  const found = stream.next(index, {
    delimiter: delimiter.charCodeAt(0), expectedFields: -1, maxRecords: 1, onRagged: () => {}, onBlankLine: () => {}, file: source.name,
  });
  if (!found) throw new TabpilotError('EMPTY_FILE', 'the file has no header row (only blank lines)', { file: source.name });
  const width = index.recordFirstField[1];
  const encoding: TextEncodingName = options.encoding ?? 'utf8';
  const raw: string[] = [];
  for (let f = 0; f < width; f++) raw.push(unescapeCell(stream.buf, index, f, encoding));
  if (options.header === false) {
    const names = raw.map((_, i) => `column_${i + 1}`);
    return { names, originalNames: names, renamed: [], delimiter, bom, dataOffset: start, dataLine: 1 };
  }
  if (encoding === 'utf8' && options.onInvalidUtf8 !== 'replace') {
    for (let f = 0; f < width; f++) {
      if (!isUtf8(stream.buf.subarray(index.starts[f], index.ends[f]))) {
        throw new TabpilotError('BAD_ENCODING', `header name ${f + 1} is not valid UTF-8; pass encoding 'latin1' or onInvalidUtf8 'replace'`, { file: source.name, line: index.recordLines[0] });
      }
    }
  }
  const { names, renamed } = uniqueColumnNames(raw);
  return { names, originalNames: raw, renamed, delimiter, bom, dataOffset: stream.bytesConsumed, dataLine: index.recordLines[0] + 1 + countNewlinesInHeader(stream.buf, index) };
}

function countNewlinesInHeader(buf: Buffer, index: FieldIndex): number {
  let n = 0;
  for (let f = 0; f < index.recordFirstField[1]; f++) {
    for (let i = index.starts[f]; i < index.ends[f]; i++) if (buf[i] === 0x0a) n++;
  }
  return n;
}

interface PassContext {
  source: ByteSource;
  layout: CsvLayout;
  options: ReadOptions;
  tokens: MissingTokens;
  encoding: TextEncodingName;
  report: ReadReport;
}

/**
 * Batches of complete data rows, at most `maxRows` in all; with sliceRows, batches are cut so that
 * every multiple of sliceRows rows ends a batch (streaming emits frames of exactly that many rows).
 * `moreAfterLimit()` says whether data rows remain once maxRows was reached.
 */
function* dataBatches(ctx: PassContext, maxRows: number, countProblems: boolean, fieldModes: Uint8Array | null, sliceRows = 1 << 16): Generator<BatchView, number> {
  const { source, layout, options, report } = ctx;
  const width = layout.names.length;
  const stream = new RecordStream(source, layout.dataOffset, layout.dataLine, CHUNK_BYTES);
  const index = new FieldIndex();
  const ragged = options.onRaggedRow ?? 'error';
  const checkUtf8 = ctx.encoding === 'utf8';
  const params = {
    delimiter: layout.delimiter.charCodeAt(0),
    expectedFields: width,
    maxRecords: Infinity,
    onRagged: (line: number, fields: number) => {
      if (ragged === 'error') {
        throw new TabpilotError('RAGGED_ROW', `expected ${width} fields (as in the header), found ${fields}; pass onRaggedRow 'skip' to skip such rows`, { file: source.name, line });
      }
      if (countProblems) {
        report.skippedRows++;
        if (report.skippedLines.length < 20) report.skippedLines.push(line);
      }
    },
    onBlankLine: () => {
      if (countProblems) report.blankLines++;
    },
    file: source.name,
    fieldModes,
  };
  let rows = 0;
  while (rows < maxRows) {
    params.maxRecords = Math.min(maxRows - rows, sliceRows - (rows % sliceRows), 1 << 16);
    if (!stream.next(index, params)) return rows;
    if (checkUtf8 && !isUtf8(stream.buf.subarray(index.starts[0], index.ends[index.fieldCount - 1]))) {
      handleInvalidUtf8(ctx, stream.buf, index, width, countProblems);
    }
    rows += index.recordCount;
    yield { buf: stream.buf, index, width, count: index.recordCount };
  }
  if (countProblems) {
    // Stopped by the limit: probe for one more row so the report can say whether the read was truncated.
    const probe = stream.next(index, { ...params, maxRecords: 1, onRagged: () => {}, onBlankLine: () => {} });
    report.truncated = probe;
  }
  return rows;
}

/** Drains dataBatches, returning the row count. */
function forEachBatch(ctx: PassContext, maxRows: number, onBatch: (batch: BatchView) => void, countProblems: boolean, fieldModes: Uint8Array | null = null): number {
  const it = dataBatches(ctx, maxRows, countProblems, fieldModes);
  for (;;) {
    const step = it.next();
    if (step.done) return step.value;
    onBatch(step.value);
  }
}

function handleInvalidUtf8(ctx: PassContext, buf: Buffer, index: FieldIndex, width: number, countProblems: boolean): void {
  for (let f = 0; f < index.fieldCount; f++) {
    if (isUtf8(buf.subarray(index.starts[f], index.ends[f]))) continue;
    const record = Math.floor(f / width);
    const column = ctx.layout.names[f % width];
    if (ctx.options.onInvalidUtf8 !== 'replace') {
      throw new TabpilotError('BAD_ENCODING', `bytes that are not valid UTF-8; pass encoding 'latin1' if the file is Latin-1, or onInvalidUtf8 'replace'`, {
        file: ctx.source.name, line: index.recordLines[record], column,
      });
    }
    if (countProblems) ctx.report.invalidUtf8Cells++;
  }
}

function emptyReport(source: ByteSource, layout: CsvLayout, encoding: string, inferenceRows: number): ReadReport {
  return {
    file: source.name, format: 'csv', rows: 0, columns: layout.names.length, bytes: source.size, truncated: false,
    delimiter: layout.delimiter, bom: layout.bom, encoding, inferenceRows, columnReports: [], renamedColumns: layout.renamed,
    skippedRows: 0, skippedLines: [], blankLines: 0, invalidUtf8Cells: 0, reinferredColumns: [], warnings: [],
  };
}

interface Plan {
  kinds: ColumnKind[];
  decisions: (FeatureTypeDecision | null)[];
  canonicalNumbers: boolean[];
  /** Per column: the sample held no value at all (every cell missing). */
  sampleAllMissing: boolean[];
  sampleRows: number;
  sampleBytes: number;
  sampleReachedEnd: boolean;
}

/** First pass: spec A.4.2 metrics on the first rows, then a kind per column (forced kinds win). */
function planColumns(ctx: PassContext, inferenceRows: number): Plan {
  const { layout, options } = ctx;
  const forced = forcedKinds(options.types);
  for (const [name, kind] of forced) {
    if (!layout.names.includes(name)) throw new TabpilotError('UNKNOWN_COLUMN', `types names a column the file does not have; columns are: ${layout.names.join(', ')}`, { file: ctx.source.name, column: name });
    if (!COLUMN_KINDS.includes(kind)) throw new TabpilotError('INVALID_ARGUMENT', `unknown column kind "${kind}"; use one of ${COLUMN_KINDS.join(', ')}`, { column: name });
  }
  const width = layout.names.length;
  const needed = layout.names.map((n) => !forced.has(n));

  let bytes = 0;
  // With every kind forced, a short sample still gives the bytes-per-row estimate.
  const limit = Math.min(needed.some(Boolean) ? inferenceRows : 1000, options.limit ?? Infinity);
  const accumulators = layout.names.map(() => new MetricsAccumulator(ctx.tokens, ctx.encoding, Math.ceil(0.2 * limit)));
  const rows = forEachBatch(ctx, limit, ({ buf, index, count }) => {
    bytes += index.ends[index.fieldCount - 1] - index.starts[0];
    for (let c = 0; c < width; c++) {
      if (!needed[c]) continue;
      const acc = accumulators[c];
      for (let r = 0, f = c; r < count; r++, f += width) {
        if (index.flags[f] & FLAG_ESCAPED) acc.addString(unescapeCell(buf, index, f, ctx.encoding));
        else acc.addBytes(buf, index.starts[f], index.ends[f]);
      }
    }
  }, false);
  const decisions = layout.names.map((_, c) => (needed[c] ? decideFeatureType(accumulators[c].metrics(), { preferCategorical: options.preferCategorical }) : null));
  const kinds = layout.names.map((n, c) => forced.get(n) ?? decisions[c]!.kind);
  const canonicalNumbers = decisions.map((d, c) => d !== null && accumulators[c].numericFiniteCount > 0);
  const sampleAllMissing = accumulators.map((a, c) => needed[c] && a.cardinality === 0);
  return { kinds, decisions, canonicalNumbers, sampleAllMissing, sampleRows: rows, sampleBytes: bytes, sampleReachedEnd: rows < limit };
}

/** The scanner's fieldModes: numeric columns' plain decimal cells are parsed while scanning. */
function fieldModesOf(kinds: readonly ColumnKind[]): Uint8Array {
  return Uint8Array.from(kinds, (k) => (k === 'numeric' ? FIELD_NUMBER : FIELD_PLAIN));
}

function openCsv(source: ByteSource, options: ReadOptions): PassContext {
  try {
    const layout = readLayout(source, options);
    const encoding: TextEncodingName = options.encoding ?? 'utf8';
    const report = emptyReport(source, layout, encoding, options.inferenceRows ?? DEFAULT_INFERENCE_ROWS);
    return { source, layout, options, tokens: new MissingTokens(options.missingTokens ?? DEFAULT_MISSING_TOKENS), encoding, report };
  } catch (e) {
    source.close();
    throw e;
  }
}

function columnReports(ctx: PassContext, plan: Plan, builders: ColumnBuilder[]): ColumnReadReport[] {
  return builders.map((b, c) => {
    const d = plan.decisions[c];
    const original = ctx.layout.originalNames[c];
    return {
      name: b.name,
      ...(original !== b.name ? { originalName: original } : {}),
      kind: b.kind,
      featureType: d ? d.featureType : b.kind === 'boolean' ? 'boolean' : b.kind,
      forced: d === null,
      ...(d ? { scores: d.scores, categoricalCandidate: d.categoricalCandidate } : {}),
      missing: b.missing,
      invalid: b.invalid,
      invalidExamples: b.invalidExamples,
    };
  });
}

function readCsvSource(open: () => ByteSource, options: ReadOptions): ReadResult {
  const source = open();
  const ctx = openCsv(source, options);
  try {
    const inferenceRows = options.inferenceRows ?? DEFAULT_INFERENCE_ROWS;
    const plan = planColumns(ctx, inferenceRows);
    const limit = options.limit ?? Infinity;
    if (plan.sampleRows === 0 && limit > 0) {
      throw new TabpilotError('NO_DATA_ROWS', 'the file has a header but no data rows', { file: source.name });
    }
    // Capacity from the sample's bytes per row, so 1M-row columns are allocated once.
    const dataBytes = source.size - ctx.layout.dataOffset;
    const estimate = plan.sampleReachedEnd ? plan.sampleRows : Math.ceil((dataBytes / Math.max(1, plan.sampleBytes)) * plan.sampleRows * 1.03) + 1024;
    const capacity = Math.max(1, Math.min(estimate, limit));
    const builders = ctx.layout.names.map((name, c) => makeBuilder(plan.kinds[c], name, ctx.tokens, ctx.encoding, capacity, plan.canonicalNumbers[c]));
    const rows = forEachBatch(ctx, limit, (batch) => {
      for (let c = 0; c < builders.length; c++) builders[c].append(batch, c);
    }, true, fieldModesOf(plan.kinds));
    const report = ctx.report;
    report.rows = rows;
    report.columnReports = columnReports(ctx, plan, builders);
    // The sample said numbers/dates and the rest of the file mostly disagrees, or the sample held no value
    // at all and later rows do: infer those columns on all rows.
    const contradicted = report.columnReports.filter((r, c) =>
      plan.decisions[c] !== null &&
      (((r.kind === 'numeric' || r.kind === 'datetime') && r.invalid > rows - r.missing - r.invalid) || (plan.sampleAllMissing[c] && r.missing < rows)));
    if (contradicted.length > 0 && inferenceRows < rows) {
      const types = forcedKinds(options.types);
      report.columnReports.forEach((r, c) => {
        if (!contradicted.includes(r) && plan.decisions[c] !== null) types.set(r.name, r.kind);
      });
      builders.length = 0; // release this pass's columns before the second one
      const again = readCsvSource(open, { ...options, types, inferenceRows: Number.MAX_SAFE_INTEGER });
      again.report.inferenceRows = inferenceRows;
      again.report.reinferredColumns = contradicted.map((r) => r.name);
      again.report.warnings.push(`type inference on the first ${inferenceRows} rows was contradicted later in the file for ${contradicted.map((r) => `"${r.name}"`).join(', ')}; those columns were re-inferred on all rows`);
      return again;
    }
    for (const r of report.columnReports) {
      if (r.invalid > 0) report.warnings.push(`column "${r.name}": ${r.invalid} value(s) not castable to ${r.kind} were set missing (first at line ${r.invalidExamples[0]?.line}: "${r.invalidExamples[0]?.value}")`);
    }
    if (report.skippedRows > 0) report.warnings.push(`${report.skippedRows} row(s) with the wrong number of fields were skipped (first at line ${report.skippedLines[0]})`);
    if (report.invalidUtf8Cells > 0) report.warnings.push(`${report.invalidUtf8Cells} cell(s) held bytes that are not valid UTF-8 and were decoded with U+FFFD replacement characters`);
    if (report.renamedColumns.length > 0) report.warnings.push(`renamed header(s): ${report.renamedColumns.map((r) => `#${r.index + 1} "${r.from}" -> "${r.to}"`).join(', ')}`);
    const frame = Frame.fromColumns(builders.map((b) => b.take(true)));
    return { frame, report };
  } finally {
    source.close();
  }
}

/** Reads a CSV file into a Frame with inferred (or forced) column kinds. */
export async function readCsv(path: string, options: ReadOptions = {}): Promise<ReadResult> {
  return readCsvSync(path, options);
}

export function readCsvSync(path: string, options: ReadOptions = {}): ReadResult {
  return readCsvSource(() => fileSource(path), options);
}

/** Parses CSV text (same rules as readCsv). */
export function parseCsvText(text: string, options: ReadOptions = {}): ReadResult {
  return parseCsvBytes(Buffer.from(text, 'utf8'), options);
}

export function parseCsvBytes(bytes: Buffer, options: ReadOptions = {}): ReadResult {
  const name = options.sourceName ?? '<text>';
  return readCsvSource(() => bufferSource(bytes, name), options);
}

export interface StreamOptions extends ReadOptions {
  /** Rows per emitted frame (default 65,536). */
  chunkRows?: number;
}

/**
 * Reads a CSV in frames of `chunkRows` rows for batch prediction: kinds are inferred once on the first rows
 * (or forced with `types`) and are the same in every chunk; a categorical column's dictionary only grows,
 * so codes issued in earlier chunks keep their meaning. `onChunk` gets the frame and its first row number
 * (0-based); it may be async (the next chunk is read after it settles). Returns the final report.
 */
export async function streamCsv(
  path: string,
  options: StreamOptions,
  onChunk: (frame: Frame, firstRow: number) => void | Promise<void>,
): Promise<ReadReport> {
  const source = fileSource(path);
  const ctx = openCsv(source, options);
  try {
    const plan = planColumns(ctx, options.inferenceRows ?? DEFAULT_INFERENCE_ROWS);
    if (plan.sampleRows === 0) throw new TabpilotError('NO_DATA_ROWS', 'the file has a header but no data rows', { file: source.name });
    const chunkRows = Math.max(1, options.chunkRows ?? 65_536);
    const builders = ctx.layout.names.map((name, c) => makeBuilder(plan.kinds[c], name, ctx.tokens, ctx.encoding, chunkRows, plan.canonicalNumbers[c]));
    let emitted = 0;
    let inChunk = 0;
    const limit = options.limit ?? Infinity;
    for (const batch of dataBatches(ctx, limit, true, fieldModesOf(plan.kinds), chunkRows)) {
      for (let c = 0; c < builders.length; c++) builders[c].append(batch, c);
      inChunk += batch.count;
      if (inChunk === chunkRows) {
        const frame = Frame.fromColumns(builders.map((b) => b.take()));
        inChunk = 0;
        await onChunk(frame, emitted);
        emitted += frame.numRows;
      }
    }
    if (inChunk > 0) {
      const frame = Frame.fromColumns(builders.map((b) => b.take(true)));
      await onChunk(frame, emitted);
      emitted += frame.numRows;
    }
    ctx.report.rows = emitted;
    ctx.report.columnReports = columnReports(ctx, plan, builders);
    return ctx.report;
  } finally {
    source.close();
  }
}
