import { describe, expect, it } from 'vitest';
import { SearchState } from '../src/automl/search-state.js';
import { TabpilotError } from '../src/util/errors.js';

/**
 * Scale-out: when Redis is lost mid-job the coordinator aborts the search's stop signal with the BACKEND_LOST
 * error (src/distributed/autopilot.ts). Trials that never started are Stopped; their reason must be the loss,
 * not "the job ran out of time" (src/automl/search.ts reads it from SearchState.stopReason).
 */
const BUDGET = { startedAt: 0, maxCandidates: 10 };
/** A search deadline an hour away: time is not what stops these searches. */
const HOUR_MS = 3_600_000;

describe('SearchState stop reason', () => {
  it('is the message of the error the stop signal was aborted with, and no time is left', () => {
    const stop = new AbortController();
    const state = new SearchState('accuracy', { ...BUDGET, searchDeadline: Date.now() + HOUR_MS }, undefined, stop.signal);
    expect(state.stopReason()).toBeUndefined();
    expect(state.timeLeft()).toBeGreaterThan(0);
    const lost = new TabpilotError('BACKEND_LOST', "Redis at redis://127.0.0.1:6379 restarted and lost this job's queued tasks");
    stop.abort(lost);
    expect(state.stopReason()).toBe(lost.message);
    expect(state.timeLeft()).toBe(0);
    expect(state.budgetLeft()).toBe(false);
  });

  it('is undefined without a signal, or when aborted without a reason', () => {
    expect(new SearchState('accuracy', BUDGET).stopReason()).toBeUndefined();
    const stop = new AbortController();
    const state = new SearchState('accuracy', BUDGET, undefined, stop.signal);
    stop.abort();
    expect(state.timeLeft()).toBe(0);
    expect(state.stopReason()).toBeUndefined();
  });
});
