import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowToFrame, frameToArrow } from '../src/io/arrow.js';
import { booleanColumn, categoricalFromStrings, datetimeColumn, numericColumn, textColumn, type CategoricalColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { arrowToParquetBytes, parquetBytesToArrow, readArrow, readCsv, readParquet, readTable, writeArrow, writeParquet, writeTable } from '../src/io/index.js';
import { TabpilotError } from '../src/util/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-columnar-'));
const sample = () =>
  Frame.fromColumns([
    numericColumn('x', Float64Array.from([1.5, NaN, -2, 1e300])),
    categoricalFromStrings('c', ['a', null, 'b', 'a']),
    booleanColumn('b', Uint8Array.from([1, 0, 255, 1])),
    datetimeColumn('t', Float64Array.from([Date.UTC(1969, 11, 31, 23, 59), NaN, Date.UTC(2024, 1, 29, 12), -1e12])),
    textColumn('s', ['héllo', null, '', 'multi\nline']),
  ]);

async function rejected(p: Promise<unknown>): Promise<TabpilotError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TabpilotError);
    return e as TabpilotError;
  }
  throw new Error('expected a TabpilotError');
}

describe('Frame <-> Arrow', () => {
  it('round-trips every kind, missing values included, with Arrow-native types', () => {
    const f = sample();
    const table = frameToArrow(f);
    expect(table.schema.fields.map((x) => String(x.type))).toEqual(['Float64', 'Dictionary<Int8, Utf8>', 'Bool', 'Timestamp<MILLISECOND, UTC>', 'Utf8']);
    expect(table.getChild('x')!.get(1)).toBeNull();
    expect(table.getChild('c')!.get(2)).toBe('b');
    const back = arrowToFrame(table);
    expect(back.schema).toEqual(f.schema);
    expect(back.toRows()).toEqual(f.toRows());
  });

  it('reads foreign Arrow types: ints, int64, float32, dictionary strings', () => {
    const table = tableFromArrays({
      i: Int16Array.from([1, -2, 3]),
      big: BigInt64Array.from([1n, -(2n ** 40n), 3n]),
      f: Float32Array.from([0.5, 1.5, 2.5]),
      s: ['p', 'q', 'p'],
    });
    const frame = arrowToFrame(table);
    expect(frame.schema.map((s) => s.kind)).toEqual(['numeric', 'numeric', 'numeric', 'categorical']);
    expect(frame.row(1)).toEqual({ i: -2, big: -(2 ** 40), f: 1.5, s: 'q' });
  });
});

describe('Parquet and Arrow IPC files', () => {
  it('write then read keeps kinds and values (Parquet, Arrow file)', async () => {
    const f = sample();
    for (const ext of ['parquet', 'arrow']) {
      const p = path.join(dir, `s.${ext}`);
      writeTable(f, p);
      const { frame, report } = await readTable(p);
      expect(report.format).toBe(ext);
      expect(frame.schema).toEqual(f.schema);
      expect(frame.toRows()).toEqual(f.toRows());
    }
  });

  it('CSV -> Parquet -> Frame equals the CSV read; limit reads the first rows', async () => {
    const csv = await readCsv(path.resolve('fixtures/ames.csv'));
    const p = path.join(dir, 'ames.parquet');
    writeParquet(csv.frame, p);
    const pq = await readParquet(p);
    expect(pq.frame.schema).toEqual(csv.frame.schema);
    expect(pq.frame.toRows(50)).toEqual(csv.frame.toRows(50));
    const head = await readParquet(p, { limit: 10 });
    expect(head.frame.numRows).toBe(10);
    expect(head.report.truncated).toBe(true);
    const forced = await readParquet(p, { types: { Year_Sold: 'categorical' } });
    expect((forced.frame.column('Year_Sold') as CategoricalColumn).dictionary).toContain('2010');
  });

  it('Parquet from wasm memory (C Data Interface) equals the Arrow IPC route for foreign types', async () => {
    const table = tableFromArrays({
      i: Int16Array.from([1, -2, 3, 4]),
      big: BigInt64Array.from([1n, -(2n ** 40n), 3n, 2n ** 50n]),
      f: Float32Array.from([0.5, 1.5, 2.5, -1]),
      s: ['p', 'q', 'p', 'r'],
    });
    const p = path.join(dir, 'types.parquet');
    writeFileSync(p, arrowToParquetBytes(table));
    const viaFfi = (await readParquet(p)).frame;
    const viaIpc = arrowToFrame(parquetBytesToArrow(readFileSync(p), p));
    expect(viaFfi.toRows()).toEqual(viaIpc.toRows());
    expect(viaFfi.row(3)).toEqual({ i: 4, big: 2 ** 50, f: -1, s: 'r' });
  });

  it('string columns from other writers get spec inference', async () => {
    const table = tableFromArrays({ color: Array.from({ length: 500 }, (_, i) => ['red', 'blue', 'green'][i % 3]) });
    const p = path.join(dir, 'foreign.parquet');
    writeFileSync(p, arrowToParquetBytes(table));
    const { frame, report } = await readParquet(p);
    expect(frame.column('color').kind).toBe('categorical');
    expect(report.columnReports[0].featureType).toBe('categorical');
  });

  it('not Parquet, truncated Parquet, empty file and bad Arrow are typed errors naming the file', async () => {
    const notPq = path.join(dir, 'not.parquet');
    writeFileSync(notPq, 'a,b\n1,2\n');
    let e = await rejected(readParquet(notPq));
    expect(e.code).toBe('BAD_PARQUET');
    expect(e.message).toContain('not.parquet');
    const good = path.join(dir, 'good.parquet');
    writeParquet(sample(), good);
    const bytes = readFileSync(good);
    const cut = path.join(dir, 'cut.parquet');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    e = await rejected(readParquet(cut));
    expect(e.code).toBe('BAD_PARQUET');
    expect(e.message).toMatch(/truncated/);
    // Magic intact at both ends but the middle corrupted.
    const mangled = Buffer.from(bytes);
    mangled.fill(0x7f, 8, bytes.length - 12);
    const bad = path.join(dir, 'mangled.parquet');
    writeFileSync(bad, mangled);
    expect((await rejected(readParquet(bad))).code).toBe('BAD_PARQUET');
    const empty = path.join(dir, 'empty.parquet');
    writeFileSync(empty, '');
    expect((await rejected(readParquet(empty))).code).toBe('EMPTY_FILE');
    const badArrow = path.join(dir, 'bad.arrow');
    writeFileSync(badArrow, 'hello world');
    expect((await rejected(readArrow(badArrow))).code).toBe('BAD_ARROW');
  });

  it('detects the format by content when the extension is unknown', async () => {
    const p = path.join(dir, 'noext.bin');
    writeFileSync(p, tableToIPC(frameToArrow(sample()), 'stream'));
    const { report } = await readTable(p);
    expect(report.format).toBe('arrow');
    const w = path.join(dir, 'w.feather');
    writeArrow(sample(), w);
    expect((await readTable(w)).frame.numRows).toBe(4);
  });
});
