import { describe, expect, it } from 'vitest';
import { fuzzFlow } from './targets/flow.js';
import { fuzzFormula } from './targets/formula.js';

/**
 * A few fuzz cases on every test run (fixed seeds, so a failure reproduces); `npm run fuzz -- --runs=N`
 * runs the same targets longer. A failure lists the inputs that broke an invariant.
 */
/** Random flows (each also mutated once) per test run: about 10 s with the child-process batch. */
const FLOW_RUNS = 25;
/** Exported modules executed in the child process per test run. */
const FLOW_CHILD_RUNS = 6;
/** Random formulas per test run (fast: parsing only). */
const FORMULA_RUNS = 400;
const SEED = 20_241_127;

describe('fuzz: flows through the loader, validator and exporter', () => {
  it('only TabpilotErrors escape, exported modules parse and never run flow values as code', async () => {
    const r = await fuzzFlow(FLOW_RUNS, SEED, FLOW_CHILD_RUNS);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.uncaught, r.hangs]).toEqual([0, 0]);
    expect(r.accepted + r.rejected).toBe(r.cases);
    // The generator is useful only if some flows export and run: the child batch was filled.
    expect(r.executed).toBe(FLOW_CHILD_RUNS);
    expect(r.accepted).toBeGreaterThan(FLOW_RUNS / 2);
  });
});

describe('fuzz: the formula parser', () => {
  it('throws only TabpilotErrors, never a TypeError, a stack overflow or a hang', async () => {
    const r = await fuzzFormula(FORMULA_RUNS, SEED);
    expect(r.failures, JSON.stringify(r.failures.slice(0, 3), null, 2)).toEqual([]);
    expect([r.cases, r.uncaught, r.hangs]).toEqual([FORMULA_RUNS, 0, 0]);
    // Both outcomes are exercised: some formulas parse and type-check, most are rejected.
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.rejectedByCode.FLOW_INVALID).toBeGreaterThan(0);
  });
});
