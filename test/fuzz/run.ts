/**
 * `npm run fuzz -- --runs=N [--seed=S] [--targets=csv,flow] [--out=report.json]`: runs every fuzz target in
 * test/fuzz/targets/*.ts, each in its own child process (so its peak RSS is its own, read from
 * process.resourceUsage().maxRSS), and prints one table: cases, rejected cleanly (a TabpilotError), accepted,
 * uncaught exceptions, hangs (a case over HANG_MS) and peak RSS. The child streams its progress to a file
 * with synchronous writes; a child whose current case makes no progress for CASE_WATCHDOG_MS (a real
 * infinite loop never returns to the harness) is killed and that case counted as a hang. The kept failures
 * (with their inputs, to replay) go to --out. Exit status 1 when any target has an uncaught exception or a hang.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type FuzzCounts, type FuzzFailure, type FuzzReport, HANG_MS, emptyReport, observeFuzz } from './harness.js';

const TARGETS_DIR = path.join(import.meta.dirname, 'targets');
/** Cases per target when --runs is not given. */
const DEFAULT_RUNS = 1_000;
/** Seed of the case generators when --seed is not given (a failure reproduces with the same seed and runs). */
const DEFAULT_SEED = 20_261_127;
/** Time a target may take before its first case (loading TypeScript, training the model-loader's models). */
const SETUP_WATCHDOG_MS = 300_000;
/** A case that has not finished after this long never will: the child is killed and the case counted as a hang. */
const CASE_WATCHDOG_MS = 12 * HANG_MS;
/** How often the parent checks a child's progress file. */
const POLL_MS = 1_000;
/** Failures printed per target under the table (all kept ones go to --out). */
const PRINTED_FAILURES = 3;
/** Characters of a failure's input and error printed under the table. */
const PRINTED_CHARS = 400;
const KB_PER_MB = 1024;

type Target = (runs: number, seed: number) => Promise<FuzzReport>;

interface TargetResult {
  report: FuzzReport;
  peakRssMb: number;
  seconds: number;
  /** Why the child stopped before running every case, if it did. */
  stopped?: string;
}

type ProgressLine = { type: 'progress'; counts: FuzzCounts; maxRss: number } | { type: 'failure'; failure: FuzzFailure } | { type: 'done'; report: FuzzReport; maxRss: number };

/** In the child: runs one target, streaming progress lines to `progressFile`. */
async function child(name: string, runs: number, seed: number, progressFile: string): Promise<void> {
  const fd = openSync(progressFile, 'a');
  const emit = (line: ProgressLine) => writeSync(fd, JSON.stringify(line) + '\n');
  observeFuzz({
    beforeCase: (_index, counts) => emit({ type: 'progress', counts, maxRss: process.resourceUsage().maxRSS }),
    onFailure: (failure) => emit({ type: 'failure', failure }),
  });
  const target = (await import(path.join(TARGETS_DIR, `${name}.ts`))).default as Target;
  const report = await target(runs, seed);
  emit({ type: 'done', report, maxRss: process.resourceUsage().maxRSS });
  closeSync(fd);
}

/** What a child's progress file says: its final report, or the counts and failures up to where it stopped. */
function readProgress(name: string, file: string): { done?: FuzzReport; counts: FuzzCounts; failures: FuzzFailure[]; maxRss: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* the child never started */
  }
  const out = { counts: emptyReport(name) as FuzzCounts, failures: [] as FuzzFailure[], maxRss: 0, done: undefined as FuzzReport | undefined };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let p: ProgressLine;
    try {
      p = JSON.parse(line) as ProgressLine;
    } catch {
      continue; // a line cut short by a kill
    }
    if (p.type === 'progress') [out.counts, out.maxRss] = [p.counts, Math.max(out.maxRss, p.maxRss)];
    else if (p.type === 'failure') out.failures.push(p.failure);
    else [out.done, out.maxRss] = [p.report, Math.max(out.maxRss, p.maxRss)];
  }
  return out;
}

/** In the parent: runs one target in a child process under the watchdog. */
async function runTarget(name: string, runs: number, seed: number, work: string): Promise<TargetResult> {
  const progressFile = path.join(work, `${name}.progress`);
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--child=${name}`, `--runs=${runs}`, `--seed=${seed}`, `--progress=${progressFile}`], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4 * PRINTED_CHARS);
    process.stderr.write(d);
  });
  let killedFor: string | undefined;
  let size = -1;
  let lastChange = performance.now();
  const timer = setInterval(() => {
    let now = 0;
    try {
      now = statSync(progressFile).size;
    } catch {
      /* not created yet */
    }
    if (now !== size) [size, lastChange] = [now, performance.now()];
    const limit = size <= 0 ? SETUP_WATCHDOG_MS : CASE_WATCHDOG_MS;
    if (performance.now() - lastChange > limit) {
      killedFor = `no progress for ${limit / 1000} s`;
      proc.kill('SIGKILL');
    }
  }, POLL_MS);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.on('close', (code, sig) => resolve([code, sig])));
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const p = readProgress(name, progressFile);
  const peakRssMb = p.maxRss / KB_PER_MB;
  if (p.done && status === 0) return { report: p.done, peakRssMb, seconds };
  // The child died or was killed inside case number p.counts.cases: that case is a hang or an uncaught error.
  const report: FuzzReport = { ...p.counts, failures: p.failures, cases: p.counts.cases + 1 };
  const kind = killedFor ? 'hang' : 'uncaught';
  const how = signal !== null ? `was killed by ${signal}` : `exited with status ${status}`;
  const error = killedFor ?? `the child process ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`;
  report[kind === 'hang' ? 'hangs' : 'uncaught']++;
  report.failures.push({ kind, index: p.counts.cases, input: `case ${p.counts.cases} of seed ${seed}`, error });
  return { report, peakRssMb, seconds, stopped: `stopped at case ${p.counts.cases}: ${error.split('\n')[0]}` };
}

const short = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > PRINTED_CHARS ? `${s.slice(0, PRINTED_CHARS)}...` : s;
};

/** The results as a Markdown table (what docs/security.md holds). */
function fuzzTable(results: readonly TargetResult[]): string {
  const rows = results.map(({ report: r, peakRssMb }) => [r.target, r.cases, r.rejected, r.accepted, r.uncaught, r.hangs, Math.round(peakRssMb)]);
  const head = ['target', 'cases', 'rejected cleanly', 'accepted', 'uncaught', 'hangs', 'peak RSS MB'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function parent(values: { runs?: string; seed?: string; targets?: string; out?: string }): Promise<number> {
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error('--runs and --seed expect integers (runs >= 1)');
  const all = readdirSync(TARGETS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
  const names = values.targets === undefined ? all : values.targets.split(',');
  for (const n of names) if (!all.includes(n)) throw new Error(`unknown target "${n}"; targets are: ${all.join(', ')}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-fuzz-'));
  const results: TargetResult[] = [];
  try {
    for (const name of names) {
      console.error(`fuzz: ${name}: ${runs} runs, seed ${seed} ...`);
      const r = await runTarget(name, runs, seed, work);
      console.error(`fuzz: ${name}: ${r.report.cases} cases in ${r.seconds.toFixed(1)} s${r.stopped ? ` (${r.stopped})` : ''}`);
      results.push(r);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\nfuzz: --runs=${runs} --seed=${seed} (a hang is a case over ${HANG_MS / 1000} s)\n\n${fuzzTable(results)}\n`);
  for (const { report } of results) {
    for (const f of report.failures.slice(0, PRINTED_FAILURES)) console.log(`${report.target} case ${f.index}: ${f.kind}: ${short(f.error)}\n  input: ${short(f.input)}`);
  }
  const out = values.out ?? path.join(os.tmpdir(), `tabpilot-fuzz-${seed}.json`);
  writeFileSync(out, JSON.stringify({ runs, seed, results }, null, 2));
  console.log(`reports with the kept failures and their inputs: ${out}`);
  return results.some((r) => r.report.uncaught + r.report.hangs > 0) ? 1 : 0;
}

const { values } = parseArgs({
  options: { runs: { type: 'string' }, seed: { type: 'string' }, targets: { type: 'string' }, out: { type: 'string' }, child: { type: 'string' }, progress: { type: 'string' } },
  strict: true,
});
if (values.child !== undefined) await child(values.child, Number(values.runs), Number(values.seed), values.progress!);
else process.exitCode = await parent(values);
