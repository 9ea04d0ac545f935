import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cellValue } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import { parseJsonLines as featureStoreJsonLines } from '../src/features/index.js';
import { isStreamableCsv, readTable } from '../src/io/index.js';
import { TabpilotError } from '../src/util/errors.js';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const PIMA = path.join(ROOT, 'fixtures/pima_diabetes2.csv');
const PENGUINS = path.join(ROOT, 'fixtures/penguins.csv');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-io-jsonl-'));

/** The frame as JSON Lines: one object per row, numbers as JSON numbers, missing cells as null. */
function toJsonLines(frame: Frame): string {
  const lines: string[] = [];
  for (let i = 0; i < frame.numRows; i++) {
    const row: Record<string, unknown> = Object.create(null);
    for (const c of frame.columns) {
      row[c.name] = cellValue(c, i);
    }
    lines.push(JSON.stringify(row));
  }
  return lines.join('\n') + '\n';
}

function expectSameFrame(a: Frame, b: Frame): void {
  expect(b.columnNames).toEqual(a.columnNames);
  expect(b.columns.map((c) => c.kind)).toEqual(a.columns.map((c) => c.kind));
  expect(b.numRows).toBe(a.numRows);
  for (const c of a.columns) {
    const d = b.column(c.name);
    for (let i = 0; i < a.numRows; i += 7) expect(cellValue(d, i)).toEqual(cellValue(c, i));
  }
}

describe('JSON Lines and gzip inputs', () => {
  it('reads JSON Lines with the CSV type inference: penguins as .jsonl equals penguins as .csv', async () => {
    const csv = await readTable(PENGUINS);
    const file = path.join(dir, 'penguins.jsonl');
    writeFileSync(file, toJsonLines(csv.frame));
    const jsonl = await readTable(file);
    expect(jsonl.report.format).toBe('jsonl');
    expectSameFrame(csv.frame, jsonl.frame);
    // Categorical strings stay categorical (not text): the species dictionary is the CSV's.
    expect(jsonl.frame.column('species').kind).toBe('categorical');
  });

  it('reads .csv.gz and .jsonl.gz, and gzip by magic bytes under a plain name', async () => {
    const csv = await readTable(PIMA);
    const gz = path.join(dir, 'pima.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(PIMA)));
    expectSameFrame(csv.frame, (await readTable(gz)).frame);
    const jgz = path.join(dir, 'pima.jsonl.gz');
    writeFileSync(jgz, gzipSync(toJsonLines(csv.frame)));
    expectSameFrame(csv.frame, (await readTable(jgz)).frame);
    const disguised = path.join(dir, 'pima-gzipped.csv');
    writeFileSync(disguised, gzipSync(readFileSync(PIMA)));
    expectSameFrame(csv.frame, (await readTable(disguised)).frame);
    // Batch transform streams only plain CSV files from disk.
    expect(isStreamableCsv(PIMA)).toBe(true);
    expect([gz, jgz, disguised, '-'].map(isStreamableCsv)).toEqual([false, false, false, false]);
  });

  it('names the line of a bad JSON Lines record', async () => {
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(file, '{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n\n{"a": 3, "b": }\n');
    const err = await readTable(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TabpilotError);
    expect((err as TabpilotError).code).toBe('BAD_FORMAT');
    expect((err as TabpilotError).line).toBe(4);
    expect((err as TabpilotError).message).toMatch(/bad\.jsonl, line 4: invalid JSON/);
    writeFileSync(file, '{"a": 1}\n{"a": {"nested": 1}}\n');
    const nested = await readTable(file).catch((e: unknown) => e as TabpilotError);
    expect(nested).toMatchObject({ code: 'BAD_FORMAT', line: 2, column: 'a' });
  });

  it('keeps one JSON Lines parser: the Feature Store reads through src/io (numeric or text columns)', () => {
    const frame = featureStoreJsonLines('{"id":"A1","x":1.5,"ok":true}\n{"id":"A2","x":null}\n');
    expect(frame.columns.map((c) => [c.name, c.kind])).toEqual([['id', 'text'], ['x', 'numeric'], ['ok', 'text']]);
  });

  it('reads standard input as "-" from the CLI, recognising gzip and JSON Lines by content', async (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const csv = await readTable(PIMA);
    for (const input of [readFileSync(PIMA), gzipSync(readFileSync(PIMA)), Buffer.from(toJsonLines(csv.frame))]) {
      const r = spawnSync(process.execPath, [CLI, 'inspect', '-', '--json'], { input, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as { rows: number; columns: number };
      expect([s.rows, s.columns]).toEqual([768, 9]);
    }
  });
});
