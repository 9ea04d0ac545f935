/** Frame -> CSV file (written to a temp file and renamed into place) or standard output (`-`). */
import { writeFileSync } from 'node:fs';
import { type Column, cellString } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { writeAtomically } from '../util/output.js';

/** Characters of output text buffered before each write. */
const WRITE_BUFFER_CHARS = 1 << 20;

/** Writes a Frame as RFC 4180 CSV (header row; missing = empty field; datetimes as ISO 8601 UTC); `-` is standard output. */
export function writeCsv(frame: Frame, path: string, options: { delimiter?: string } = {}): void {
  if (path === '-') {
    csvChunks(frame, options.delimiter ?? ',', (text) => process.stdout.write(text));
    return;
  }
  writeAtomically(path, (fd) => csvChunks(frame, options.delimiter ?? ',', (text) => writeFileSync(fd, text)));
}

/** The CSV text of a frame, handed out in pieces of about WRITE_BUFFER_CHARS. */
function csvChunks(frame: Frame, delimiter: string, emit: (text: string) => void): void {
  const columns = frame.columns;
  const needsQuote = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter.replace(/[\\\]^-]/g, '\\$&')}"\\r\\n]|^\\s|\\s$`);
  const quote = (s: string) => (needsQuote.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  let out = columns.map((c) => quote(c.name)).join(delimiter) + '\n';
  const quoteColumn = columns.map((c: Column) => c.kind === 'categorical' || c.kind === 'text');
  for (let i = 0; i < frame.numRows; i++) {
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) out += delimiter;
      const s = cellString(columns[c], i);
      out += quoteColumn[c] ? quote(s) : s;
    }
    out += '\n';
    if (out.length > WRITE_BUFFER_CHARS) {
      emit(out);
      out = '';
    }
  }
  emit(out);
}
