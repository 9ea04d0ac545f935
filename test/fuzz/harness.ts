import { isTabpilotError } from '../../src/util/errors.js';

/**
 * Shared bookkeeping of the fuzz targets (test/fuzz/targets/*.ts). Each case runs a function that must
 * either return (accepted) or throw a TabpilotError (rejected cleanly); anything else (a TypeError, a
 * RangeError, a plain Error an invariant check threw, a TabpilotError with code INTERNAL, which wraps an
 * unexpected JavaScript error) is an uncaught exception, and a case slower than
 * HANG_MS is a hang, whatever it returned. Uncaught cases and hangs are kept with their input so they can be
 * replayed. Every target reports the same fields (FuzzReport); `npm run fuzz` (test/fuzz/run.ts) runs each
 * target in a child process and adds its peak RSS, and the *.fuzz.test.ts files run a few cases of each.
 */

/** A case slower than this is a hang: inputs are at most a few KB, so every parser should take milliseconds. */
export const HANG_MS = 5_000;
/** How many failures a report keeps (with their inputs); the counts stay exact. */
const MAX_KEPT_FAILURES = 20;

export interface FuzzFailure {
  kind: 'uncaught' | 'hang';
  /** 0-based case number within the target's run. */
  index: number;
  input: unknown;
  error: string;
}

/** The counts of a report (what run.ts's table prints). cases = accepted + rejected + uncaught + hangs. */
export interface FuzzCounts {
  target: string;
  cases: number;
  /** Returned normally. */
  accepted: number;
  /** Threw a TabpilotError (the user sees one clear line). */
  rejected: number;
  /** Threw anything else: a bug. */
  uncaught: number;
  /** Took longer than HANG_MS: a bug. */
  hangs: number;
  /** The clean rejections by error code. */
  rejectedByCode: Record<string, number>;
}

export interface FuzzReport extends FuzzCounts {
  /** The first MAX_KEPT_FAILURES uncaught exceptions and hangs, with their inputs. */
  failures: FuzzFailure[];
}

/** Optional observers, set by run.ts in its child process to stream progress (so a real hang can be reported). */
export interface FuzzObserver {
  /** Before each case, with the counts of the cases before it. */
  beforeCase?(index: number, counts: FuzzCounts): void;
  /** Each kept failure, when it happens. */
  onFailure?(failure: FuzzFailure): void;
}
let observer: FuzzObserver = {};
export function observeFuzz(o: FuzzObserver): void {
  observer = o;
}

/** An empty report (run.ts fills one from the progress of a child process that never finished). */
export function emptyReport(target: string): FuzzReport {
  return { target, cases: 0, accepted: 0, rejected: 0, uncaught: 0, hangs: 0, rejectedByCode: {}, failures: [] };
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e));

export class FuzzTally {
  private readonly r: FuzzReport;
  private readonly byCode = new Map<string, number>();

  constructor(readonly target: string) {
    this.r = emptyReport(target);
  }

  async run(input: unknown, fn: () => unknown): Promise<void> {
    const index = this.r.cases++;
    observer.beforeCase?.(index, this.counts(index));
    const t0 = performance.now();
    let code: string | null = null;
    let error: string | null = null;
    try {
      await fn();
    } catch (e) {
      if (isTabpilotError(e) && e.code !== 'INTERNAL') code = e.code;
      else error = describe(e);
    }
    const ms = performance.now() - t0;
    if (ms > HANG_MS) this.fail({ kind: 'hang', index, input, error: `took ${Math.round(ms)} ms (limit ${HANG_MS} ms)${error === null ? '' : `, then ${error}`}` });
    else if (error !== null) this.fail({ kind: 'uncaught', index, input, error });
    else if (code !== null) {
      this.r.rejected++;
      this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    } else this.r.accepted++;
  }

  private fail(f: FuzzFailure): void {
    if (f.kind === 'hang') this.r.hangs++;
    else this.r.uncaught++;
    if (this.r.failures.length < MAX_KEPT_FAILURES) {
      this.r.failures.push(f);
      observer.onFailure?.(f);
    }
  }

  /** The counts so far (`cases` is the number of cases finished when `upTo` is given). */
  private counts(upTo = this.r.cases): FuzzCounts {
    const { failures: _kept, ...counts } = this.r;
    return { ...counts, cases: upTo, rejectedByCode: Object.fromEntries(this.byCode) };
  }

  report(): FuzzReport {
    return { ...this.counts(), failures: this.r.failures.slice() };
  }
}
