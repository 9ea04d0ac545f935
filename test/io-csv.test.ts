import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, NumericColumn, TextColumn, DatetimeColumn } from '../src/frame/column.js';
import { parseCsvBytes, parseCsvText, readCsv, readTable, streamCsv, writeCsv } from '../src/io/index.js';
import { TabpilotError } from '../src/util/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-io-'));
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function thrown(fn: () => unknown): TabpilotError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TabpilotError);
    return e as TabpilotError;
  }
  throw new Error('expected a TabpilotError');
}

async function rejected(p: Promise<unknown>): Promise<TabpilotError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TabpilotError);
    return e as TabpilotError;
  }
  throw new Error('expected a TabpilotError');
}

describe('CSV tokenizing', () => {
  it('handles quotes, escaped quotes, embedded newlines, CRLF and a BOM', () => {
    const text = '\uFEFFid,note,x\r\n1,"hello, world",1.5\r\n2,"say ""hi""\nsecond line",2\r\n3,plain,-3e2\r\n';
    const { frame, report } = parseCsvText(text, { types: { note: 'text' } });
    expect(report.bom).toBe(true);
    expect(frame.columnNames).toEqual(['id', 'note', 'x']);
    const note = frame.column('note') as TextColumn;
    expect(note.values).toEqual(['hello, world', 'say "hi"\nsecond line', 'plain']);
    expect(Array.from((frame.column('x') as NumericColumn).values)).toEqual([1.5, 2, -300]);
  });

  it.each([
    [';', 'a;b;c\n1;x;2,5\n2;y;3\n3;x;4\n'],
    ['|', 'a|b|c\n1|x|2\n2|y|3\n3|x|4\n'],
    ['\t', 'a\tb\tc\n1\tx\t2\n2\ty\t3\n3\tx\t4\n'],
    [',', 'a,b,c\n1,"x;y|z",2\n2,y,3\n3,x,4\n'],
  ])('detects the delimiter %j', (delimiter, text) => {
    const { frame, report } = parseCsvText(text);
    expect(report.delimiter).toBe(delimiter);
    expect(frame.numColumns).toBe(3);
    expect(frame.numRows).toBe(3);
  });

  it('keeps a last row without a trailing newline and a trailing empty field', () => {
    const { frame } = parseCsvText('a,b\n1,\n2,3', { types: { b: 'numeric' } });
    expect(Array.from((frame.column('b') as NumericColumn).values)).toEqual([NaN, 3]);
  });

  it('parses numbers exactly like Number()', () => {
    const cells = ['0.1', '123456789.123456789', '1e-7', '-0.000123', '17976931348623157e292', '.5', '5.', '+7', '0.30000000000000004'];
    const { frame } = parseCsvText('x\n' + cells.join('\n') + '\n', { types: { x: 'numeric' } });
    expect(Array.from((frame.column('x') as NumericColumn).values)).toEqual(cells.map(Number));
  });

  it('reads records split across internal chunks (a file bigger than one 4 MB chunk)', async () => {
    const rows: string[] = ['k,v,s'];
    for (let i = 0; i < 120_000; i++) rows.push(`${i},${(i * 0.25).toFixed(2)},"q ""${i % 7}""\nline"`);
    const p = file('big.csv', rows.join('\n') + '\n');
    const { frame } = await readCsv(p);
    expect(frame.numRows).toBe(120_000);
    const v = frame.column('v') as NumericColumn;
    expect(v.values[119_999]).toBe(29999.75);
    const s = frame.column('s') as CategoricalColumn;
    expect(s.dictionary.length).toBe(7);
    expect(s.dictionary[s.codes[3]]).toBe('q "3"\nline');
  });
});

describe('type inference in the reader', () => {
  it('maps spec types to column kinds and keeps numeric categories as canonical strings', () => {
    const lines = ['num,bin,cat,txt,when'];
    const cats = ['red', 'green', 'blue'];
    for (let i = 0; i < 400; i++) lines.push(`${i * 1.5},${i % 2 === 0 ? '1.0' : '0'},${cats[i % 3]},note ${i} words,2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
    const { frame, report } = parseCsvText(lines.join('\n'));
    const types = Object.fromEntries(report.columnReports.map((c) => [c.name, c.featureType]));
    expect(types).toEqual({ num: 'numeric', bin: 'binary', cat: 'categorical', txt: 'text', when: 'datetime' });
    expect(frame.column('bin').kind).toBe('categorical');
    expect((frame.column('bin') as CategoricalColumn).dictionary).toEqual(['1', '0']);
    expect((frame.column('when') as DatetimeColumn).values[0]).toBe(Date.UTC(2024, 0, 1));
    expect(frame.column('txt').kind).toBe('text');
  });

  it('honours per-column overrides (zip codes stay strings with leading zeros)', () => {
    const text = 'zip,v\n02134,1\n10001,2\n02134,3\n';
    const { frame, report } = parseCsvText(text, { types: { zip: 'categorical' } });
    expect((frame.column('zip') as CategoricalColumn).dictionary).toEqual(['02134', '10001']);
    expect(report.columnReports[0].forced).toBe(true);
    expect(() => parseCsvText(text, { types: { nope: 'numeric' } })).toThrow(/nope/);
  });

  it('treats disguised missing tokens as missing, configurable', () => {
    const text = 'x,y\n1,a\nNA,b\n?,N/A\n-, \n4,NULL\nnull,c\nNaN,a\n,b\n';
    const { frame, report } = parseCsvText(text, { types: { x: 'numeric', y: 'categorical' } });
    const x = frame.column('x') as NumericColumn;
    expect(Array.from(x.values).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, null, null, 4, null, null, null]);
    expect(report.columnReports[0].missing).toBe(6);
    expect(report.columnReports[0].invalid).toBe(0);
    expect(report.columnReports[1].missing).toBe(3);
    const custom = parseCsvText('x\n1\n-999\n3\n', { missingTokens: ['-999'], types: { x: 'numeric' } });
    expect(Number.isNaN((custom.frame.column('x') as NumericColumn).values[1])).toBe(true);
  });

  it('offers integer low-cardinality columns as categorical and flips with preferCategorical', () => {
    const lines = ['rooms'];
    for (let i = 0; i < 1000; i++) lines.push(String(i % 5));
    const text = lines.join('\n');
    const plain = parseCsvText(text);
    expect(plain.report.columnReports[0].featureType).toBe('numeric');
    expect(plain.report.columnReports[0].categoricalCandidate).toBe(true);
    const preferred = parseCsvText(text, { preferCategorical: true });
    expect(preferred.frame.column('rooms').kind).toBe('categorical');
  });

  it('counts garbage in a numeric column as invalid, with line numbers, instead of failing', () => {
    const lines = ['v'];
    for (let i = 0; i < 200; i++) lines.push(i === 57 ? 'oops' : i === 120 ? '12,5kg' : String(i));
    const { frame, report } = parseCsvText(lines.join('\n'), { delimiter: ';' });
    expect(frame.column('v').kind).toBe('numeric');
    const r = report.columnReports[0];
    expect(r.invalid).toBe(2);
    expect(r.missing).toBe(0);
    expect(r.invalidExamples).toEqual([{ line: 59, value: 'oops' }, { line: 122, value: '12,5kg' }]);
    expect(report.warnings.join(' ')).toMatch(/line 59/);
  });

  it('re-infers a column on all rows when the rest of the file contradicts the sample', () => {
    const lines = ['v'];
    for (let i = 0; i < 300; i++) lines.push(i < 100 ? String(i) : `w${i % 3}`);
    const { frame, report } = parseCsvText(lines.join('\n'), { inferenceRows: 100 });
    expect(report.reinferredColumns).toEqual(['v']);
    expect(frame.column('v').kind).not.toBe('numeric');
    // A column empty throughout the sample is inferred again once values show up.
    const late = ['id,late'];
    for (let i = 0; i < 300; i++) late.push(`${i},${i < 150 ? '' : (i * 0.5).toFixed(1)}`);
    const again = parseCsvText(late.join('\n'), { inferenceRows: 100 });
    expect(again.report.reinferredColumns).toEqual(['late']);
    expect(again.frame.column('late').kind).toBe('numeric');
  });
});

describe('bad CSV input', () => {
  it('missing file', async () => {
    const e = await rejected(readTable(path.join(dir, 'does-not-exist.csv')));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.message).toContain('does-not-exist.csv');
  });

  it('empty file', async () => {
    const e = await rejected(readCsv(file('empty.csv', '')));
    expect(e.code).toBe('EMPTY_FILE');
  });

  it('header only', async () => {
    const e = await rejected(readCsv(file('header.csv', 'a,b,c\n')));
    expect(e.code).toBe('NO_DATA_ROWS');
    expect(e.file).toContain('header.csv');
  });

  it('ragged rows: error names the line, skip counts and lists them', () => {
    const text = 'a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n';
    const e = thrown(() => parseCsvText(text, { sourceName: 'r.csv' }));
    expect(e.code).toBe('RAGGED_ROW');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/r\.csv, line 3/);
    const { frame, report } = parseCsvText(text, { onRaggedRow: 'skip' });
    expect(frame.numRows).toBe(3);
    expect(report.skippedRows).toBe(2);
    expect(report.skippedLines).toEqual([3, 5]);
    expect(report.warnings.join(' ')).toMatch(/2 row\(s\).*skipped/);
  });

  it('line numbers count newlines inside quoted fields', () => {
    const e = thrown(() => parseCsvText('a,b\n"x\ny",1\n2\n'));
    expect(e.line).toBe(4);
  });

  it('duplicate and empty header names are made unique and reported', () => {
    const { frame, report } = parseCsvText('a,,a,b,a\n1,2,3,4,5\n');
    expect(frame.columnNames).toEqual(['a', 'column_2', 'a_2', 'b', 'a_3']);
    expect(report.renamedColumns).toEqual([
      { index: 1, from: '', to: 'column_2' },
      { index: 2, from: 'a', to: 'a_2' },
      { index: 4, from: 'a', to: 'a_3' },
    ]);
    expect(report.columnReports[2].originalName).toBe('a');
  });

  it('non-UTF-8 bytes: error naming line and column by default, replacement + count on request, latin1 decoding', () => {
    const bytes = Buffer.concat([Buffer.from('name,v\nok,1\ncaf'), Buffer.from([0xe9]), Buffer.from(',2\n')]);
    const e = thrown(() => parseCsvBytes(bytes, { sourceName: 'l1.csv' }));
    expect(e.code).toBe('BAD_ENCODING');
    expect(e.line).toBe(3);
    expect(e.column).toBe('name');
    const replaced = parseCsvBytes(bytes, { onInvalidUtf8: 'replace', types: { name: 'text' } });
    expect(replaced.report.invalidUtf8Cells).toBe(1);
    expect((replaced.frame.column('name') as TextColumn).values[1]).toBe('caf\uFFFD');
    const latin = parseCsvBytes(bytes, { encoding: 'latin1', types: { name: 'text' } });
    expect((latin.frame.column('name') as TextColumn).values[1]).toBe('café');
  });

  it('UTF-16 and unterminated quotes are clear errors', () => {
    expect(thrown(() => parseCsvBytes(Buffer.from([0xff, 0xfe, 0x61, 0x00]))).code).toBe('BAD_ENCODING');
    const e = thrown(() => parseCsvText('a,b\n1,"open\n2,3\n'));
    expect(e.code).toBe('BAD_FORMAT');
    expect(e.line).toBe(2);
  });
});

describe('limit, streaming and writing', () => {
  const ames = path.resolve('fixtures/ames.csv');

  it('limit reads the first K rows and says the read was truncated', async () => {
    const { frame, report } = await readCsv(ames, { limit: 25 });
    expect(frame.numRows).toBe(25);
    expect(report.truncated).toBe(true);
    const all = await readCsv(ames, { limit: 100_000 });
    expect(all.frame.numRows).toBe(2930);
    expect(all.report.truncated).toBe(false);
  });

  it('limit does not read past the rows it needs (a broken row far below is never seen)', async () => {
    const rows = ['a,b'];
    for (let i = 0; i < 200_000; i++) rows.push(`${i},${i % 3}`);
    rows.push('broken,row,with,too,many,fields');
    const p = file('long.csv', rows.join('\n') + '\n');
    const head = await readCsv(p, { limit: 100 });
    expect(head.frame.numRows).toBe(100);
    expect(head.report.truncated).toBe(true);
    await expect(readCsv(p)).rejects.toThrow(/line 200002/);
  });

  it('streamCsv emits fixed-size chunks with stable kinds and growing dictionaries', async () => {
    const full = await readCsv(ames);
    const starts: number[] = [];
    let rows = 0;
    let sum = 0;
    let lastDict: readonly string[] = [];
    const report = await streamCsv(ames, { chunkRows: 1000 }, (chunk, firstRow) => {
      starts.push(firstRow);
      rows += chunk.numRows;
      expect(chunk.schema).toEqual(full.frame.schema);
      const n = chunk.column('Neighborhood') as CategoricalColumn;
      expect(n.dictionary.slice(0, lastDict.length)).toEqual(lastDict);
      lastDict = n.dictionary;
      for (const v of (chunk.column('Sale_Price') as NumericColumn).values) sum += v;
    });
    expect(starts).toEqual([0, 1000, 2000]);
    expect(rows).toBe(2930);
    expect(report.rows).toBe(2930);
    expect(sum).toBe((full.frame.column('Sale_Price') as NumericColumn).values.reduce((a, b) => a + b, 0));
  });

  it('writeCsv round-trips quoting, missing values and kinds', async () => {
    const src = parseCsvText('a,b,c\n"x, y",1.5,2024-02-03T04:05:06.007Z\n"q""uote",,2024-02-04\nplain,3,\n', { types: { a: 'text' } }).frame;
    const out = path.join(dir, 'round.csv');
    writeCsv(src, out);
    const back = await readCsv(out, { types: { a: 'text' } });
    expect(back.frame.schema).toEqual(src.schema);
    expect(back.frame.toRows()).toEqual(src.toRows());
  });
});
