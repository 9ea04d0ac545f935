import { closeSync, existsSync, openSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { type Column, cellString } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { formatFromExtension, isStreamableCsv, readTable, STDIO_PATH, streamCsv, writeTable } from '../io/index.js';
import { TabpilotError } from '../util/errors.js';
import { type Pipeline, predictionFrame } from './pipeline.js';

export interface BatchTransformOptions {
  readonly input: string;
  readonly output: string;
  /** Input columns copied into the output before the prediction columns (IDs, for joining). */
  readonly keep?: readonly string[];
  /** Rows per chunk for CSV input (memory stays proportional to this, not to the file). */
  readonly chunkRows?: number;
}

export interface BatchTransformSummary {
  readonly rows: number;
  readonly chunks: number;
  /** Per feature column: values treated as missing because the category was not seen in training. */
  readonly unseen: Record<string, number>;
  /** Per feature column: values treated as missing because they could not be parsed as the training kind. */
  readonly invalid: Record<string, number>;
  readonly output: string;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    return existsSync(b) && realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Appends frames to a CSV file: header once, then rows; categorical/text cells quoted when needed. */
class CsvAppender {
  private fd: number;
  private wroteHeader = false;
  constructor(file: string) {
    this.fd = openSync(file, 'w');
  }
  append(frame: Frame): void {
    const columns = frame.columns;
    const quote = (s: string) => (/[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    let out = '';
    if (!this.wroteHeader) {
      out += columns.map((c) => quote(c.name)).join(',') + '\n';
      this.wroteHeader = true;
    }
    const quoted = columns.map((c: Column) => c.kind === 'categorical' || c.kind === 'text');
    for (let i = 0; i < frame.numRows; i++) {
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) out += ',';
        const s = cellString(columns[c], i);
        out += quoted[c] ? quote(s) : s;
      }
      out += '\n';
      if (out.length > 1 << 20) {
        writeSync(this.fd, out);
        out = '';
      }
    }
    if (out.length > 0) writeSync(this.fd, out);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Batch transform: predictions for every row of a CSV or Parquet/Arrow file, written in the same format.
 * CSV is streamed in chunks (memory stays flat); Parquet/Arrow input is read whole, then predicted in chunks.
 * Rows keep their input order; features are matched by name; extra columns (the target, IDs) are ignored;
 * a missing feature column is an error; unseen categories and unparseable values become missing and are
 * counted in the summary. The output is written to a temporary file and renamed, and is never the input.
 */
export async function batchTransform(pipeline: Pipeline, options: BatchTransformOptions): Promise<BatchTransformSummary> {
  const { input, output } = options;
  if (input !== STDIO_PATH && !existsSync(input)) throw new TabpilotError('FILE_NOT_FOUND', 'no such file', { file: input });
  if (sameFile(input, output)) throw new TabpilotError('INVALID_ARGUMENT', 'the output file would overwrite the input', { file: output });
  // Standard input, gzip, JSON Lines, Parquet and Arrow are read whole; plain CSV files are streamed.
  const inFormat = isStreamableCsv(input) ? 'csv' : 'whole';
  const outFormat = formatFromExtension(output);
  if (outFormat === null) throw new TabpilotError('INVALID_ARGUMENT', 'cannot tell the output format from the extension; use .csv, .parquet or .arrow', { file: output });
  const keep = options.keep ?? [];
  const chunkRows = options.chunkRows ?? 65_536;
  // Keyed by column name: null-prototype objects, so a column may be called "constructor" or "__proto__".
  const unseen: Record<string, number> = Object.create(null);
  const invalid: Record<string, number> = Object.create(null);
  const tmp = path.join(path.dirname(path.resolve(output)), `.${path.basename(output)}.tmp-${process.pid}-${Date.now()}${path.extname(output)}`);
  let rows = 0;
  let chunks = 0;

  const predictChunk = (chunk: Frame): Frame => {
    for (const k of keep) {
      if (!chunk.has(k)) throw new TabpilotError('UNKNOWN_COLUMN', `--keep column "${k}" is not in the input`, { file: input, column: k });
    }
    const result = pipeline.predict(chunk, { file: input });
    addCounts(unseen, result.unseen ?? {});
    addCounts(invalid, result.invalid ?? {});
    const predicted = predictionFrame(result);
    rows += chunk.numRows;
    chunks++;
    if (keep.length === 0) return predicted;
    return Frame.fromColumns([...keep.map((k) => chunk.column(k)), ...predicted.columns.filter((c) => !keep.includes(c.name))]);
  };

  try {
    if (inFormat === 'csv' && outFormat === 'csv') {
      // Check the header first, so a missing feature column is reported against the model's schema.
      const head = await readTable(input, { limit: 1 });
      pipeline.prepare(head.frame, { file: input });
      // Read feature columns with the training kinds so each chunk parses straight into the right type.
      const types = Object.fromEntries(pipeline.artifact.features.map((f) => [f.name, f.kind]));
      const appender = new CsvAppender(tmp);
      try {
        const report = await streamCsv(input, { types, chunkRows }, (chunk) => appender.append(predictChunk(chunk)));
        for (const c of report.columnReports) if (Object.hasOwn(types, c.name) && c.invalid > 0) invalid[c.name] = (invalid[c.name] ?? 0) + c.invalid;
        if (rows === 0) appender.append(predictionFrame(pipeline.predict(emptyLike(pipeline))));
      } finally {
        appender.close();
      }
    } else {
      const { frame } = await readTable(input);
      const parts: Frame[] = [];
      for (let start = 0; start < frame.numRows; start += chunkRows) parts.push(predictChunk(frame.slice(start, start + chunkRows)));
      if (parts.length === 0) throw new TabpilotError('NO_DATA_ROWS', 'the input has no rows', { file: input });
      writeTable(concatFrames(parts), tmp);
    }
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { rows, chunks, unseen, invalid, output };
}

/** A zero-row frame with the pipeline's raw feature columns (so an empty input still gets a header). */
function emptyLike(pipeline: Pipeline): Frame {
  return Frame.fromColumns(
    pipeline.artifact.features.map((f) => {
      switch (f.kind) {
        case 'categorical':
          return { kind: 'categorical', name: f.name, codes: new Int32Array(0), dictionary: f.dictionary ?? [], length: 0 } as Column;
        case 'boolean':
          return { kind: 'boolean', name: f.name, values: new Uint8Array(0), length: 0 } as Column;
        case 'text':
          return { kind: 'text', name: f.name, values: [], length: 0 } as Column;
        default:
          return { kind: f.kind, name: f.name, values: new Float64Array(0), length: 0 } as Column;
      }
    }),
  );
}

/** Column `name` of every part, one after the other, into `out` (a typed array of the total length). */
function stacked<T extends Float64Array | Uint8Array>(parts: readonly Frame[], name: string, out: T): T {
  let o = 0;
  for (const p of parts) {
    const c = p.column(name) as unknown as { values: T; length: number };
    out.set(c.values, o);
    o += c.length;
  }
  return out;
}

/** Row-wise concatenation of frames with identical columns (prediction outputs of one pipeline). */
function concatFrames(parts: readonly Frame[]): Frame {
  if (parts.length === 1) return parts[0];
  const names = parts[0].columnNames;
  const total = parts.reduce((s, p) => s + p.numRows, 0);
  const columns = names.map((name) => {
    const first = parts[0].column(name);
    switch (first.kind) {
      case 'numeric':
      case 'datetime':
        return { ...first, values: stacked(parts, name, new Float64Array(total)), length: total } as Column;
      case 'boolean':
        return { ...first, values: stacked(parts, name, new Uint8Array(total)), length: total } as Column;
      case 'categorical': {
        // Prediction labels share the pipeline's class dictionary; kept input columns may not, so remap by string.
        const dictionary: string[] = [];
        const index = new Map<string, number>();
        const out = new Int32Array(total);
        let o = 0;
        for (const p of parts) {
          const c = p.column(name) as typeof first;
          const remap = c.dictionary.map((d) => {
            let k = index.get(d);
            if (k === undefined) {
              k = dictionary.length;
              dictionary.push(d);
              index.set(d, k);
            }
            return k;
          });
          for (let i = 0; i < c.length; i++) out[o + i] = c.codes[i] < 0 ? -1 : remap[c.codes[i]];
          o += c.length;
        }
        return { kind: 'categorical', name, codes: out, dictionary, length: total } as Column;
      }
      case 'text': {
        const out: (string | null)[] = [];
        for (const p of parts) out.push(...(p.column(name) as typeof first).values);
        return { ...first, values: out, length: total } as Column;
      }
    }
  });
  return Frame.fromColumns(columns);
}
