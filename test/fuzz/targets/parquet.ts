/**
 * Fuzz target: the Parquet reader. A valid Parquet file made from a real fixture (every column kind:
 * numeric, categorical, boolean, datetime, text) gets byte flips, overwritten runs and truncations, and
 * is read back through readTable. Only a TabpilotError may escape; a slow case is a failure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { booleanColumn, datetimeColumn, textColumn } from '../../../src/frame/column.js';
import { arrowToParquetBytes, frameToArrow, readCsvSync, readTable } from '../../../src/io/index.js';
import { FuzzTally, type FuzzReport } from '../harness.js';

/** Fixture rows in the seed file: small enough that a flip often lands in metadata, not only in data pages. */
const SEED_ROWS = 60;

/** A valid Parquet file: penguins' first rows plus a boolean, a datetime and a text column. */
export function seedParquet(): Uint8Array {
  const fixture = path.resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'penguins.csv');
  let frame = readCsvSync(fixture, { limit: SEED_ROWS }).frame;
  const n = frame.numRows;
  frame = frame
    .withColumn(booleanColumn('flag', Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 255 : i % 2))))
    .withColumn(datetimeColumn('seen', Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : Date.UTC(2020, 0, 1 + i)))))
    .withColumn(textColumn('note', Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `note ${i} "quoted", é`))));
  return arrowToParquetBytes(frameToArrow(frame));
}

type Damage = { op: 'flip'; at: number; xor: number } | { op: 'fill'; at: number; len: number; byte: number } | { op: 'truncate'; at: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fill' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }), byte: fc.constantFrom(0x00, 0xff, 0x7f, 0x80) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
);

function apply(seed: Uint8Array, damages: readonly Damage[]): Uint8Array {
  let b = Uint8Array.from(seed);
  for (const d of damages) {
    const at = d.at % Math.max(1, b.length);
    if (d.op === 'flip') b[at] ^= d.xor;
    else if (d.op === 'fill') b.fill(d.byte, at, Math.min(b.length, at + d.len));
    else b = b.subarray(0, at);
  }
  return b;
}

/** Runs `runs` damaged copies of the seed file (from `seed`) through readTable. */
export async function fuzzParquet(runs: number, seed: number): Promise<FuzzReport> {
  const valid = seedParquet();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-fuzz-parquet-'));
  const file = path.join(dir, 'case.parquet');
  const tally = new FuzzTally('parquet');
  try {
    for (const damages of fc.sample(fc.array(damage, { minLength: 1, maxLength: 4 }), { seed, numRuns: runs })) {
      const bytes = apply(valid, damages);
      writeFileSync(file, bytes);
      await tally.run(damages, () => readTable(file));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tally.report();
}

export default fuzzParquet;
