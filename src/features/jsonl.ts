/**
 * JSON Lines (one JSON object per line) into a Frame: a column per key seen; columns whose present values
 * are all numbers are numeric, the others text (numbers and booleans written as text, for the schema
 * validation to convert). Nested objects and arrays are refused naming the line and key.
 */
import { readFileSync } from 'node:fs';
import { type Column, numericColumn, textColumn } from '../frame/column.js';
import { Frame } from '../frame/frame.js';
import { TabpilotError } from '../util/errors.js';
import { userFsError } from '../util/output.js';

export function parseJsonLines(text: string, file?: string): Frame {
  const keys = new Map<string, (string | number | boolean | null)[]>();
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
      if (col === undefined) keys.set(k, (col = new Array(rows).fill(null)));
      col[rows] = v as string | number | boolean | null;
    }
    rows++;
    for (const col of keys.values()) if (col.length < rows) col.push(null);
  }
  if (rows === 0) throw new TabpilotError('NO_DATA_ROWS', 'no records in the JSON Lines input', { file });
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
