import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import type { AutopilotJob } from '../src/automl/job.js';
import { saveJobWithReport } from '../src/cli/autopilot-output.js';
import { run } from '../src/cli/commands/autopilot.js';
import { numericColumn, textColumn } from '../src/frame/column.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { modelReportReserveSeconds, modelReportSizes } from '../src/report/index.js';
import { isTabpilotError } from '../src/util/errors.js';

/**
 * Issue 11 items 6 and 8, issue 12 item 5: an unusable --out was found only after the search; re-running into a
 * job directory mixed two jobs' candidates; ID-like and leaking columns and single-row classes went unmentioned;
 * the model report ran after --max-runtime; there was no machine-readable summary.
 */
const fixture = (name: string) => path.resolve('fixtures', name);
const PIMA = fixture('pima_diabetes2.csv');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-ap-trust-'));
/** The smallest real job: one linear candidate, trials in this thread. */
const TINY = ['--target', 'diabetes', '--learners', 'linear', '--max-candidates', '1', '--instances', '0', '--quiet'];
const TINY_JOB = { target: 'diabetes', learners: ['linear'], maxCandidates: 1, instances: 0, seed: 3 } as const;

async function outputError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isTabpilotError(e) && e.code === 'OUTPUT_PATH') return e.message;
    throw e;
  }
  throw new Error('expected an OUTPUT_PATH error');
}

/** Runs the CLI in-process, collecting stdout and stderr lines. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('autopilot --out is checked before any work', () => {
  const aFile = path.join(tmp, 'a-file.txt');
  writeFileSync(aFile, 'not a directory\n');

  it('refuses a file, a path under a file and /proc at once, naming the path', async () => {
    for (const [out, words] of [
      [aFile, /exists and is not a directory/],
      [path.join(aFile, 'job'), /under .*a file/],
      ['/proc/tabpilot-job', /kernel pseudo file system/],
    ] as const) {
      const t0 = Date.now();
      // A 600-second budget: refusing after the search would take minutes, not milliseconds.
      const message = await outputError(run([PIMA, '--target', 'diabetes', '--max-runtime', '600', '--quiet', '--out', out]));
      expect(message).toMatch(words);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });

  it('refuses a non-empty directory without --overwrite and leaves it as it was', async () => {
    const old = path.join(tmp, 'occupied');
    mkdirSync(old);
    writeFileSync(path.join(old, 'keep.txt'), 'mine\n');
    expect(await outputError(run([PIMA, ...TINY, '--out', old]))).toMatch(/non-empty directory; pass --overwrite/);
    expect(readdirSync(old)).toEqual(['keep.txt']);
  });

  it('refuses to replace a directory that holds the input file', async () => {
    const holder = path.join(tmp, 'holder');
    mkdirSync(holder);
    const data = path.join(holder, 'pima.csv');
    writeFileSync(data, readFileSync(PIMA));
    expect(await outputError(run([data, ...TINY, '--overwrite', '--out', holder]))).toMatch(/holds the input file/);
    expect(existsSync(data)).toBe(true);
  });

  it('--overwrite replaces an old job whole: none of its candidates survive', async () => {
    const out = path.join(tmp, 'rerun');
    expect((await runCli([PIMA, '--target', 'diabetes', '--learners', 'linear,gbdt', '--max-candidates', '3', '--instances', '0', '--quiet', '--no-report', '--out', out])).code).toBe(0);
    const first = readdirSync(path.join(out, 'candidates'));
    expect(first).toHaveLength(3);
    writeFileSync(path.join(out, 'stale.txt'), 'from an older job\n');
    expect((await runCli([PIMA, ...TINY, '--no-report', '--overwrite', '--out', out])).code).toBe(0);
    const board = JSON.parse(readFileSync(path.join(out, 'leaderboard.json'), 'utf8')).rows as { candidateId: string; learner: string }[];
    const ids = board.filter((r) => r.learner !== 'ensemble').map((r) => `${r.candidateId}.json`);
    expect(readdirSync(path.join(out, 'candidates')).sort()).toEqual(ids.sort());
    expect(ids).toHaveLength(1);
    expect(existsSync(path.join(out, 'stale.txt'))).toBe(false);
    // The re-run command of a candidate writes somewhere new, so it is not refused as the job's own directory.
    const definition = JSON.parse(readFileSync(path.join(out, 'candidates', ids[0]), 'utf8'));
    expect(definition.rerun).toContain(`--out ${out}-${board.find((r) => r.learner !== 'ensemble')!.candidateId}`);
  }, 60_000);

  it('the CLI refuses with one line and exit code 2, before reading the data', (ctx) => {
    const cli = path.resolve('dist/src/cli/main.js');
    if (!existsSync(cli)) ctx.skip();
    const r = spawnSync(process.execPath, [cli, 'autopilot', PIMA, '--target', 'diabetes', '--out', path.join(aFile, 'job')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^tabpilot: [^\n]*a-file\.txt[^\n]*\n$/);
  });
});

describe('AutopilotJob.save(dir, { overwrite })', () => {
  let job: AutopilotJob;
  it('refuses a non-empty directory and a path under a file; overwrite replaces the directory whole', async () => {
    const { frame } = await readTable(PIMA);
    job = await autopilot({ data: frame, ...TINY_JOB });
    const dir = path.join(tmp, 'lib-save');
    mkdirSync(path.join(dir, 'candidates'), { recursive: true });
    writeFileSync(path.join(dir, 'candidates', 'c999-old.json'), '{}\n');
    expect(await outputError(job.save(dir))).toMatch(/non-empty directory/);
    expect(await outputError(job.save(path.join(dir, 'candidates', 'c999-old.json', 'x')))).toMatch(/under .*a file/);
    await job.save(dir, { overwrite: true });
    expect(readdirSync(path.join(dir, 'candidates'))).toEqual([`${job.candidates[0].candidateId}.json`]);
    expect((await Pipeline.load(path.join(dir, 'model'))).predict(frame.head(5)).labels).toEqual(job.predict(frame.head(5)).labels);
  }, 60_000);
});

/** Pima with planted columns: a patient ID, and a copy of the label hidden in a number. */
async function pimaWithPlants(): Promise<Frame> {
  const { frame } = await readTable(PIMA);
  const labels = frame.column('diabetes');
  const n = frame.numRows;
  const ids = Array.from({ length: n }, (_, i) => `P${String(100_000 + i * 7919)}`);
  const leak = new Float64Array(n);
  for (let i = 0; i < n; i++) leak[i] = (labels.kind === 'categorical' && labels.dictionary[labels.codes[i]] === 'pos' ? 1 : 0) + (i % 97) * 1e-4;
  return frame.withColumn(textColumn('patient_id', ids)).withColumn(numericColumn('lab_flag', leak));
}

describe('autopilot warns about the data', () => {
  it('names an ID-like column and a leaking column, in the log and in job.json', async () => {
    const data = await pimaWithPlants();
    const logged: string[] = [];
    const job = await autopilot({ data, ...TINY_JOB, onWarning: (m) => logged.push(m) });
    const byCode = (code: string) => job.warnings.filter((w) => w.code === code);
    expect(byCode('id_column').map((w) => w.column)).toEqual(['patient_id']);
    expect(byCode('target_leakage').map((w) => w.column)).toEqual(['lab_flag']);
    expect(logged.some((m) => m.includes('"patient_id"'))).toBe(true);
    expect(logged.some((m) => m.includes('"lab_flag"'))).toBe(true);
    const dir = path.join(tmp, 'warned');
    await job.save(dir);
    const saved = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8'));
    expect(saved.warnings).toEqual(job.warnings);
    for (const w of saved.warnings) expect(Object.keys(w).sort()).toEqual(expect.arrayContaining(['code', 'message']));
  }, 60_000);

  it('says nothing of the kind about the untouched data', async () => {
    const { frame } = await readTable(PIMA);
    const job = await autopilot({ data: frame, ...TINY_JOB });
    expect(job.warnings.filter((w) => w.code === 'id_column' || w.code === 'target_leakage')).toEqual([]);
  }, 60_000);

  it('warns about a class with a single row', async () => {
    const { frame } = await readTable(fixture('glass.csv'));
    const type = frame.column('Type');
    const labels = Array.from({ length: frame.numRows }, (_, i) => (i === 0 ? 'solo' : type.kind === 'categorical' ? type.dictionary[type.codes[i]] : String((type as { values: ArrayLike<unknown> }).values[i])));
    const data = frame.drop(['Type']).withColumn(textColumn('Type', labels));
    const job = await autopilot({ data, target: 'Type', learners: ['linear'], maxCandidates: 1, instances: 0, allowSmall: true });
    const single = job.warnings.filter((w) => w.code === 'single_row_class');
    expect(single).toHaveLength(1);
    expect(single[0].column).toBe('Type');
    expect(single[0].message).toContain('"solo"');
  }, 60_000);
});

describe('the model report counts against --max-runtime', () => {
  it('keeps a share of the runtime for the report', () => {
    expect(modelReportReserveSeconds(60)).toBeGreaterThan(0);
    expect(modelReportReserveSeconds(60)).toBeLessThan(60 * 0.5);
    expect(modelReportReserveSeconds(6000)).toBeLessThan(modelReportReserveSeconds(6000 * 0.5) * 2);
  });

  it('sizes the report to a budget, and says when even the smallest report does not fit', async () => {
    const { frame } = await readTable(PIMA);
    const job = await autopilot({ data: frame, ...TINY_JOB });
    const pipeline = job.pipeline;
    const free = modelReportSizes(pipeline, frame);
    const roomy = modelReportSizes(pipeline, frame, 60_000);
    const tight = modelReportSizes(pipeline, frame, 1);
    expect(roomy.estimatedMs).toBeLessThanOrEqual(60_000);
    expect(tight.importanceRows).toBeLessThanOrEqual(free.importanceRows);
    expect(tight.estimatedMs).toBeGreaterThan(1);
  }, 60_000);

  it('skips the report with a warning when no time is left, keeps the job, and job.json records it', async () => {
    const { frame } = await readTable(PIMA);
    const job = await autopilot({ data: frame, ...TINY_JOB });
    const dir = path.join(tmp, 'late');
    const lines: string[] = [];
    const outcome = await saveJobWithReport(job, dir, { overwrite: false, report: { data: frame, dataName: 'pima' }, deadline: Date.now(), say: (l) => lines.push(l) });
    expect(outcome?.written).toBe(false);
    expect(existsSync(path.join(dir, 'model-report.html'))).toBe(false);
    const saved = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8'));
    expect(saved.modelReport.written).toBe(false);
    expect(saved.warnings.map((w: { code: string }) => w.code)).toContain('model_report_skipped');
    expect(lines.join('\n')).toMatch(/warning: not enough of --max-runtime left for the model report/);
    expect(existsSync(path.join(dir, 'model', 'model.json'))).toBe(true);
  }, 60_000);

  it('autopilot --max-runtime 8 returns within 8 s + 5% with the report written or skipped', async () => {
    const maxRuntime = 8;
    const out = path.join(tmp, 'budget');
    const t0 = Date.now();
    const r = await runCli([PIMA, '--target', 'diabetes', '--max-runtime', String(maxRuntime), '--instances', '1', '--quiet', '--out', out]);
    const wall = (Date.now() - t0) / 1000;
    expect(r.code).toBe(0);
    expect(wall).toBeLessThanOrEqual(maxRuntime * 1.05);
    const saved = JSON.parse(readFileSync(path.join(out, 'job.json'), 'utf8'));
    expect(saved.settings.afterJobSeconds).toBeCloseTo(modelReportReserveSeconds(maxRuntime), 6);
    expect(existsSync(path.join(out, 'model-report.html'))).toBe(saved.modelReport.written);
    if (!saved.modelReport.written) expect(saved.warnings.map((w: { code: string }) => w.code)).toContain('model_report_skipped');
  }, 60_000);
});

describe('autopilot --json', () => {
  it('prints one JSON summary on stdout and the human text on stderr', async () => {
    const out = path.join(tmp, 'json');
    const r = await runCli([PIMA, ...TINY, '--json', '--out', out]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const board = JSON.parse(readFileSync(path.join(out, 'leaderboard.json'), 'utf8'));
    expect(summary.best.candidateId).toBe(board.rows[0].candidateId);
    expect(summary.best.objective).toBe(board.rows[0].objective);
    expect(summary.objective.metric).toBe('F1');
    expect(summary.leaderboard).toBe(path.join(out, 'leaderboard.csv'));
    expect(existsSync(summary.leaderboard)).toBe(true);
    expect(existsSync(path.join(summary.modelDir, 'model.json'))).toBe(true);
    expect(summary.modelReport.written).toBe(true);
    expect(existsSync(summary.modelReport.file)).toBe(true);
    expect(summary.timings.totalSeconds).toBeGreaterThan(0);
    expect(summary.timings.reportSeconds).toBeGreaterThan(0);
    expect(Array.isArray(summary.warnings)).toBe(true);
    expect(r.stderr).toContain('best: ');
    expect(r.stderr).toMatch(/model quality report: /);
  }, 60_000);
});
