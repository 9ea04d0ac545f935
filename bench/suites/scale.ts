/**
 * `npm run bench -- scale [--rows=N] [--skip-train] [--skip-autopilot] [--max-runtime=S] [--algorithm=ALG]`: the scale row.
 * `tabpilot train` and `tabpilot autopilot --max-runtime S` on a generated N x 30 numeric regression CSV
 * (default 5,000,000 rows, ~1.5 GB), each run as a child process of the built CLI; the claim is a peak RSS of
 * at most 2.5x the CSV's size.
 *
 * Peak RSS: the child's own high-water mark (VmHWM in /proc/PID/status, read while it runs) plus, for any
 * processes it spawns, the sum of their resident sets sampled at the same time (worker threads share the
 * process, so they are inside VmHWM). `/usr/bin/time -v`'s maximum resident set size is reported beside it
 * when that tool exists, as a cross-check. The CSV is generated once per row count (seeded) into
 * $TMPDIR/tabpilot-bench-scale and reused.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Random } from '../../src/util/random.js';
import { type BenchRow, type BenchSuite, GeneratedFile, PROJECT_ROOT, type SuiteResult } from '../harness.js';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
/** The row count and feature count. */
const DEFAULT_ROWS = 5_000_000;
const FEATURES = 30;
/** Claim: peak RSS of each command over the CSV's size. */
const TARGET_RSS_OVER_CSV = 2.5;
/** The autopilot budget, seconds. */
const DEFAULT_MAX_RUNTIME = 600;
/** Features that carry signal (the rest are noise); the target is a fixed linear + nonlinear mix of them. */
const SIGNAL_FEATURES = 8;
/** How often /proc is sampled, ms (a peak between samples is caught by VmHWM for the main process). */
const POLL_MS = 100;
const SEED = 20261127;
const TIME_BIN = '/usr/bin/time';

function argValue(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a === name || a.startsWith(`${name}=`));
  if (hit === undefined) return undefined;
  if (hit.includes('=')) return hit.slice(name.length + 1);
  return args[args.indexOf(hit) + 1];
}

/** Seeded N x 30 numeric CSV with a regression target `y` (3 decimals per feature, a few missing cells). */
export function generateScaleCsv(file: string, rows: number): void {
  const rng = new Random(SEED);
  const out = new GeneratedFile(file);
  const weights = Array.from({ length: SIGNAL_FEATURES }, () => rng.normal());
  out.write([...Array.from({ length: FEATURES }, (_, i) => `x${i + 1}`), 'y'].join(',') + '\n');
  const x = new Float64Array(FEATURES);
  for (let r = 0; r < rows; r++) {
    let y = 0;
    for (let k = 0; k < FEATURES; k++) {
      x[k] = rng.normal() * 10;
      if (k < SIGNAL_FEATURES) y += weights[k] * x[k];
    }
    y += 5 * Math.sin(x[0] / 3) + 0.1 * x[1] * x[2] + rng.normal() * 2;
    let line = '';
    for (let k = 0; k < FEATURES; k++) line += (rng.next() < 0.001 ? '' : x[k].toFixed(3)) + ',';
    out.write(line + y.toFixed(3) + '\n');
  }
  out.close();
}

function procStatusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Descendants of pid (children, grandchildren, ...) from /proc/PID/stat parent ids. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    for (const [c, pp] of parent) {
      if (pp === p) {
        out.push(c);
        queue.push(c);
      }
    }
  }
  return out;
}

interface RunResult {
  wallS: number;
  peakRssMB: number;
  timeMaxRssMB: number | null;
  exitCode: number | null;
  stderrTail: string;
}

/** Runs the CLI with args, sampling memory; under /usr/bin/time -v when available. */
async function runCli(args: string[]): Promise<RunResult> {
  const useTime = existsSync(TIME_BIN);
  const cmd = useTime ? TIME_BIN : process.execPath;
  const argv = useTime ? ['-v', process.execPath, CLI, ...args] : [CLI, ...args];
  const t0 = performance.now();
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  let peakKb = 0;
  const sample = () => {
    // Under /usr/bin/time the node process is its child: the main process is the first descendant.
    const procs = descendants(child.pid!);
    const main = useTime ? procs[0] : child.pid!;
    if (main === undefined) return;
    let kb = procStatusKb(main, 'VmHWM');
    for (const p of procs) if (p !== main) kb += procStatusKb(p, 'VmRSS');
    peakKb = Math.max(peakKb, kb);
  };
  const timer = setInterval(sample, POLL_MS);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearInterval(timer);
  const wallS = (performance.now() - t0) / 1000;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const timeMaxRssMB = m ? Number(m[1]) / 1024 : null;
  return { wallS, peakRssMB: Math.max(peakKb / 1024, timeMaxRssMB ?? 0), timeMaxRssMB, exitCode, stderrTail: stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('\t')).slice(-3).join(' | ') };
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

export const suite: BenchSuite = {
  description: `tabpilot train and autopilot on a generated N x ${FEATURES} numeric CSV: wall time and peak RSS / CSV size (target <= ${TARGET_RSS_OVER_CSV})`,
  async run(args: string[]): Promise<SuiteResult> {
    const rows = Number(argValue(args, '--rows') ?? DEFAULT_ROWS);
    const maxRuntime = Number(argValue(args, '--max-runtime') ?? DEFAULT_MAX_RUNTIME);
    const algorithm = argValue(args, '--algorithm') ?? 'gbdt';
    const skipAutopilot = args.includes('--skip-autopilot');
    const skipTrain = args.includes('--skip-train');
    const work = path.join(os.tmpdir(), 'tabpilot-bench-scale');
    mkdirSync(work, { recursive: true });
    const csv = path.join(work, `scale-${rows}x${FEATURES}-v1.csv`);
    const notes: string[] = [];
    if (!existsSync(csv)) {
      const t0 = performance.now();
      generateScaleCsv(csv, rows);
      notes.push(`generated ${csv} in ${round((performance.now() - t0) / 1000, 1)} s`);
    }
    const csvBytes = statSync(csv).size;
    const csvMB = csvBytes / 2 ** 20;
    const benchRows: BenchRow[] = [];
    const extra: Record<string, unknown> = { csv, csvBytes, rows, features: FEATURES, targetRssOverCsv: TARGET_RSS_OVER_CSV };
    const steps: [string, string[]][] = [];
    if (!skipTrain) steps.push([`train --algorithm ${algorithm}`, ['train', csv, '--target', 'y', '--algorithm', algorithm, '--seed', '0']]);
    if (!skipAutopilot) steps.push([`autopilot --max-runtime ${maxRuntime}`, ['autopilot', csv, '--target', 'y', '--max-runtime', String(maxRuntime), '--quiet', '--no-report', '--seed', '0']]);
    for (const [label, cliArgs] of steps) {
      const out = path.join(work, `out-${label.split(' ')[0]}-${process.pid}`);
      const loadAvg = os.loadavg().map((l) => l.toFixed(2)).join(' ');
      const r = await runCli([...cliArgs, '--out', out, '--overwrite']);
      rmSync(out, { recursive: true, force: true });
      const ratio = r.peakRssMB / csvMB;
      benchRows.push({
        command: `tabpilot ${label}`,
        rows,
        'CSV MB': round(csvMB, 0),
        'wall s': round(r.wallS, 1),
        'peak RSS MB': round(r.peakRssMB, 0),
        '/usr/bin/time max RSS MB': r.timeMaxRssMB === null ? null : round(r.timeMaxRssMB, 0),
        'peak RSS / CSV size': round(ratio, 2),
        target: `<= ${TARGET_RSS_OVER_CSV}`,
        met: r.exitCode === 0 && ratio <= TARGET_RSS_OVER_CSV ? 'met' : 'not met',
        'load avg at start': loadAvg,
      });
      if (r.exitCode !== 0) notes.push(`${label} exited with code ${r.exitCode}: ${r.stderrTail}`);
    }
    notes.push(`machine: ${os.cpus().length} cores, ${round(os.totalmem() / 2 ** 30, 1)} GiB; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return { suite: 'scale', rows: benchRows, notes, extra };
  },
};
