import { describe, expect, it } from 'vitest';
import { readParquetBytes } from '../../src/io/index.js';
import { fuzzCsv } from './targets/csv.js';
import { fuzzParquet, seedParquet } from './targets/parquet.js';

/** Cases per target in the test suite; `npm run fuzz` runs many more. */
const RUNS = 200;
/** Fixed seeds: a failure here reproduces with the same seed. */
const SEEDS = { csv: 11, parquet: 12 };

describe('fuzz: readers (only a TabpilotError escapes, no case is slow)', () => {
  it(`CSV: ${RUNS} random byte strings and mutated real CSVs`, async () => {
    const r = await fuzzCsv(RUNS, SEEDS.csv);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.cases, r.uncaught, r.hangs]).toEqual([RUNS, 0, 0]);
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    expect(r.rejected).toBeGreaterThan(RUNS / 10);
    expect(r.accepted).toBeGreaterThan(RUNS / 10);
  });

  it(`Parquet: ${RUNS} damaged copies of a valid file through readTable`, async () => {
    // The seed file itself reads back whole: every damaged case starts from real, valid bytes.
    expect(readParquetBytes(seedParquet(), 'seed.parquet').frame.columnNames).toContain('note');
    const r = await fuzzParquet(RUNS, SEEDS.parquet);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.cases, r.uncaught, r.hangs]).toEqual([RUNS, 0, 0]);
    expect(r.rejected).toBeGreaterThan(RUNS / 10);
    expect(r.rejectedByCode.BAD_PARQUET).toBeGreaterThan(0);
  });
});
