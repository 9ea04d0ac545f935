/**
 * JSON Lines (one JSON object per line). Two readers share one line parser:
 * - `parseJsonLines`: the Feature Store's reader: columns whose present values are all numbers are numeric,
 *   the others text (numbers and booleans written as text, for the schema validation to convert);
 * - `parseJsonLinesTable`: a table like a CSV's: the cells go through the CSV reader's type inference
 *   (see `jsonLinesToCsv`), with the same read report.
 * Nested objects and arrays are refused naming the line and key; a line that is not JSON names the line.
 */
import { readFileSync } from 'node:fs';
import { type Column, numericColumn, textColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { userFsError } from '../util/output.js';

type Cell = string | number | boolean | null;

/** The records of a JSON Lines text as columns keyed by field name (in first-seen order), padded with null. */
function jsonLinesColumns(text: string, file?: string): { keys: Map<string, Cell[]>; rows: number } {
  const keys = new Map<string, Cell[]>();
  let rows = 0;
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new TabpilotError('BAD_FORMAT', `invalid JSON: ${(e as Error).message}`, { file, line: ln + 1 });
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new TabpilotError('BAD_FORMAT', 'each line must be a JSON object', { file, line: ln + 1 });
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v === 'object') throw new TabpilotError('BAD_FORMAT', 'nested objects and arrays are not features', { file, line: ln + 1, column: k });
      let col = keys.get(k);
      if (col === undefined) keys.set(k, (col = new Array<Cell>(rows).fill(null)));
      col[rows] = v as Cell;
    }
    rows++;
    for (const col of keys.values()) if (col.length < rows) col.push(null);
  }
  if (rows === 0) throw new TabpilotError('NO_DATA_ROWS', 'no records in the JSON Lines input', { file });
  return { keys, rows };
}

export function parseJsonLines(text: string, file?: string): Frame {
  const { keys } = jsonLinesColumns(text, file);
  const columns: Column[] = [];
  for (const [name, values] of keys) {
    if (values.every((v) => v === null || typeof v === 'number')) {
      columns.push(numericColumn(name, Float64Array.from(values, (v) => (v === null ? NaN : (v as number)))));
    } else {
      columns.push(textColumn(name, values.map((v) => (v === null ? null : String(v)))));
    }
  }
  return Frame.fromColumns(columns);
}

export function readJsonLines(file: string): Frame {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TabpilotError('FILE_NOT_FOUND', 'no such file', { file });
    throw userFsError(e, 'FILE_ERROR', file) ?? e;
  }
  return parseJsonLines(text, file);
}

/** A CSV field: quoted when it holds a delimiter, quote, line break or edge space; null is an empty (missing) cell. */
function csvField(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]|^\s|\s$/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * JSON Lines as CSV text (header of every key seen, then one record per line), so the one CSV reader infers the
 * column types from the string cells exactly as it does for a CSV file. JSON null is a missing cell.
 */
export function jsonLinesToCsv(text: string, file?: string): string {
  const { keys, rows } = jsonLinesColumns(text, file);
  const columns = [...keys.values()];
  const out: string[] = [[...keys.keys()].map(csvField).join(',')];
  for (let r = 0; r < rows; r++) out.push(columns.map((c) => csvField(c[r])).join(','));
  return out.join('\n') + '\n';
}
