import { afterEach, describe, expect, it, vi } from 'vitest';
import { TabpilotError } from '../../src/util/errors.js';
import { FuzzTally, HANG_MS } from './harness.js';

/** The harness every fuzz target reports through: each outcome lands in exactly one count. */
describe('fuzz harness', () => {
  afterEach(() => vi.useRealTimers());

  it('counts accepted, rejected cleanly (by code), uncaught (INTERNAL included) and hangs', async () => {
    const t = new FuzzTally('unit');
    await t.run('a', () => 1);
    await t.run('b', () => {
      throw new TabpilotError('BAD_FORMAT', 'no');
    });
    await t.run('c', () => {
      throw new TypeError('x is undefined');
    });
    await t.run('d', () => {
      throw new TabpilotError('INTERNAL', 'wrapped bug');
    });
    // A case that returned but took longer than HANG_MS is a hang, not accepted.
    vi.useFakeTimers({ toFake: ['performance'] });
    await t.run('e', () => vi.advanceTimersByTime(HANG_MS + 1));
    vi.useRealTimers();
    const r = t.report();
    expect({ ...r, failures: r.failures.map((f) => [f.kind, f.index, f.input]) }).toEqual({
      target: 'unit',
      cases: 5,
      accepted: 1,
      rejected: 1,
      uncaught: 2,
      hangs: 1,
      rejectedByCode: { BAD_FORMAT: 1 },
      failures: [
        ['uncaught', 2, 'c'],
        ['uncaught', 3, 'd'],
        ['hang', 4, 'e'],
      ],
    });
  });
});
