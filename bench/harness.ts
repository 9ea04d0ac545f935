import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One row of a benchmark table. `ratio` columns are computed against peers measured in the same run. */
export type BenchRow = Record<string, string | number | null>;

export interface SuiteResult {
  readonly suite: string;
  readonly rows: BenchRow[];
  /** Free-form notes printed under the table (skipped peers, caveats). */
  readonly notes: string[];
  readonly extra?: Record<string, unknown>;
}

export interface BenchSuite {
  readonly description: string;
  run(args: string[]): Promise<SuiteResult>;
}

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes('/dist/') ? '../..' : '..');
export const SHARED_DATASETS = path.resolve(PROJECT_ROOT, '../shared/datasets');
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

/** CPU time (user + system) of this process so far, ms: differences of it are the suites' CPU-time measures. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
  };
}

/** Wall time of fn in milliseconds (best of `repeats`). */
export async function timeIt<T>(fn: () => T | Promise<T>, repeats = 1): Promise<{ ms: number; result: T }> {
  let best = Infinity;
  let result!: T;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    result = await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, result };
}

export function formatTable(rows: BenchRow[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | null | undefined): string =>
    v === null || v === undefined ? '-' : typeof v === 'number' ? formatNumber(v) : v;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 10) return v.toFixed(2);
  return v.toPrecision(4);
}

export function writeResult(result: SuiteResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.suite}.json`);
  writeFileSync(file, JSON.stringify({ ...result, machine: machineInfo() }, null, 2) + '\n');
  return file;
}

/** Characters buffered before a generated file's text goes to disk. */
const GENERATED_CHUNK_CHARS = 1 << 22;

/**
 * A generated input file (the benches' seeded CSVs): text is appended in chunks to a temp file that replaces
 * `file` only at close(), so an interrupted run never leaves a half file that a later run would take as done.
 */
export class GeneratedFile {
  private readonly tmp: string;
  private readonly fd: number;
  private buffered = '';

  constructor(private readonly file: string) {
    this.tmp = `${file}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(text: string): void {
    this.buffered += text;
    if (this.buffered.length > GENERATED_CHUNK_CHARS) {
      writeSync(this.fd, this.buffered);
      this.buffered = '';
    }
  }

  close(): void {
    writeSync(this.fd, this.buffered);
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
  }
}
