import { describe, expect, it } from 'vitest';
import { readParquetBytes } from '../../src/io/index.js';
import type { FuzzReport } from './harness.js';
import { fuzzCsv } from './targets/csv.js';
import { fuzzParquet, seedParquet } from './targets/parquet.js';

const rejectedCount = (r: FuzzReport): number => Object.values(r.rejected).reduce((a, b) => a + b, 0);

/** Cases per target in the test suite; `npm run fuzz` runs many more. */
const RUNS = 200;
/** Fixed seeds: a failure here reproduces with the same seed. */
const SEEDS = { csv: 11, parquet: 12 };

describe('fuzz: readers (only a TabpilotError escapes, no case is slow)', () => {
  it(`CSV: ${RUNS} random byte strings and mutated real CSVs`, async () => {
    const r = await fuzzCsv(RUNS, SEEDS.csv);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect(r.runs).toBe(RUNS);
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    expect(rejectedCount(r)).toBeGreaterThan(RUNS / 10);
    expect(r.ok).toBeGreaterThan(RUNS / 10);
  });

  it(`Parquet: ${RUNS} damaged copies of a valid file through readTable`, async () => {
    // The seed file itself reads back whole: every damaged case starts from real, valid bytes.
    expect(readParquetBytes(seedParquet(), 'seed.parquet').frame.columnNames).toContain('note');
    const r = await fuzzParquet(RUNS, SEEDS.parquet);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect(r.runs).toBe(RUNS);
    expect(rejectedCount(r)).toBeGreaterThan(RUNS / 10);
    expect(r.rejected.BAD_PARQUET).toBeGreaterThan(0);
  });
});
