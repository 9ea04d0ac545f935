/**
 * Progress of a long command on standard error. On a terminal: one bar redrawn in place
 * (`label [#####.....] 50% note`); otherwise (a log file, CI, a test spawning the CLI): plain lines,
 * at most one every PLAIN_INTERVAL_MS (none in the first interval) plus a last one when any was shown. Standard output is never touched, so `--json` and
 * `-` (data on stdout) stay machine-readable.
 */

/** Redraws of the terminal bar are at most this often (ms): faster is invisible and costs writes. */
const TTY_INTERVAL_MS = 100;
/** Plain progress lines are at most this often (ms), so a log gets a handful of lines, not thousands. */
const PLAIN_INTERVAL_MS = 5000;
/** Characters in the terminal bar. */
const BAR_WIDTH = 24;

export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Write nothing at all. */
  readonly silent?: boolean;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

export interface Progress {
  /** `done` of `total` units finished; `note` is shown after the percentage. */
  update(done: number, total: number, note?: string): void;
  /** Starts step `index` (0-based) of `steps` named `name` (a progress of named phases). */
  step(index: number, steps: number, name: string): void;
  /** Ends the bar (a newline on a terminal; a final line otherwise when anything was shown). */
  finish(note?: string): void;
}

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

/** A progress reporter labelled `label` (the command name, e.g. "insights"). */
export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const interval = tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS;
  // Plain mode stays quiet for the first interval: a command that ends sooner prints no progress at all.
  let last = tty ? Number.NEGATIVE_INFINITY : now();
  let shown = false;

  const render = (fraction: number, note: string): string => `${label} ${bar(fraction)} ${Math.floor(100 * fraction).toString().padStart(3)}%${note ? ` ${note}` : ''}`;

  const show = (text: string, force: boolean): void => {
    if (options.silent) return;
    const t = now();
    if (!force && t - last < interval) return;
    last = t;
    shown = true;
    stream.write(tty ? `\r${text}\u001b[K` : `${text}\n`);
  };

  return {
    update(done, total, note = '') {
      show(render(total > 0 ? done / total : 0, note), false);
    },
    step(index, steps, name) {
      // A new phase is always shown on a terminal; in plain mode the throttle applies.
      show(render(steps > 0 ? index / steps : 0, name), tty);
    },
    finish(note) {
      if (options.silent) return;
      if (tty) {
        if (shown || note) stream.write(`\r${render(1, note ?? '')}\u001b[K\n`);
      } else if (shown) {
        stream.write(`${render(1, note ?? 'done')}\n`);
      }
    },
  };
}

/**
 * Where a command's human-readable lines go: standard output normally, standard error when standard output
 * carries machine-readable data (`--json`, or a table or JSON written to `-`).
 */
export function humanLog(machineOutput: boolean): (line: string) => void {
  return machineOutput ? (line) => console.error(line) : (line) => console.log(line);
}
