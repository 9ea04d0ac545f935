import { isTabpilotError } from '../../src/util/errors.js';

/**
 * Shared bookkeeping of the fuzz targets (test/fuzz/targets/*.ts): each case runs a function that must
 * either return or throw a TabpilotError; anything else (a TypeError, a RangeError, a plain Error) is a
 * failure, kept with the input that caused it so it can be replayed.
 *
 * NOTE (flow-security engineer): this file was accidentally overwritten and then reconstructed from
 * how targets/csv.ts and targets/parquet.ts use it (`new FuzzTally(name)`, `await tally.run(input, fn)`,
 * `tally.report()`); its original author should check it.
 */
export interface FuzzFailure {
  input: unknown;
  error: string;
}

export interface FuzzReport {
  target: string;
  runs: number;
  /** Cases where the function returned. */
  ok: number;
  /** Cases rejected with a TabpilotError, by error code. */
  rejected: Record<string, number>;
  /** Cases that threw anything other than a TabpilotError. */
  failures: FuzzFailure[];
}

/** How many failures a report keeps (with their inputs); the count of runs stays exact. */
const MAX_KEPT_FAILURES = 20;

export class FuzzTally {
  private runs = 0;
  private ok = 0;
  private readonly rejected = new Map<string, number>();
  private readonly failures: FuzzFailure[] = [];

  constructor(readonly target: string) {}

  async run(input: unknown, fn: () => unknown): Promise<void> {
    this.runs++;
    try {
      await fn();
      this.ok++;
    } catch (e) {
      if (isTabpilotError(e)) this.rejected.set(e.code, (this.rejected.get(e.code) ?? 0) + 1);
      else if (this.failures.length < MAX_KEPT_FAILURES) this.failures.push({ input, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  }

  report(): FuzzReport {
    return { target: this.target, runs: this.runs, ok: this.ok, rejected: Object.fromEntries(this.rejected), failures: this.failures.slice() };
  }
}
