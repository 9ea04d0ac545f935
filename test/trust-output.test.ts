import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable, writeCsv } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { isTabpilotError } from '../src/util/errors.js';
import { checkOutputPath, replaceDirectory, userFsError, writeAtomically, writeFileAtomic } from '../src/util/output.js';

/**
 * Issue 11: outputs overwrote inputs and models (`insights x.csv --out x.csv`, `report M --out M/model.html`
 * replacing M/model.json), `train --out /proc/x` never returned, and user mistakes (`train --out FILE`,
 * `inspect /dev/stdin`) ended in stack traces with exit code 70.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-trust-out-'));
const data = path.join(dir, 'pima.csv');
copyFileSync('fixtures/pima_diabetes2.csv', data);
const dataBytes = readFileSync(data);

const CLI = path.resolve('dist/src/cli/main.js');
/** Long enough for a small training run; `train --out /proc/x` used to spin until killed. */
const CLI_TIMEOUT_MS = 60_000;
const tabpilot = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: CLI_TIMEOUT_MS });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isTabpilotError(e) && e.code === 'OUTPUT_PATH') return e.message;
    throw e;
  }
  throw new Error('expected an OUTPUT_PATH error');
}

/** A one-line user error: exit code 2, `tabpilot: <message>`, no stack. */
function expectUserError(r: ReturnType<typeof tabpilot>, message: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^tabpilot: [^\n]*\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

const model = path.join(dir, 'model');
let trained: Promise<void> | null = null;
/** One model directory shared by the CLI tests (trained once, on first use). */
function trainModel(): Promise<void> {
  trained ??= (async () => {
    const r = tabpilot(['train', data, '--target', 'diabetes', '--algorithm', 'linear', '--out', model]);
    expect(r.status, r.stderr).toBe(0);
  })();
  return trained;
}

describe('checkOutputPath', () => {
  it('refuses an input, reached directly, through .. or through a symbolic link', () => {
    expect(refusal(() => checkOutputPath(data, { inputs: [data] }))).toMatch(/is the input file/);
    const dotted = path.join(dir, 'sub', '..', 'pima.csv');
    expect(refusal(() => checkOutputPath(dotted, { inputs: [data] }))).toMatch(/is the input file/);
    const link = path.join(dir, 'link.csv');
    symlinkSync(data, link);
    expect(refusal(() => checkOutputPath(link, { inputs: [data] }))).toMatch(/is the input file/);
    expect(refusal(() => checkOutputPath(data, { inputs: [link] }))).toMatch(/is the input file/);
    expect(checkOutputPath(path.join(dir, 'other.csv'), { inputs: [data] })).toBe(path.join(dir, 'other.csv'));
  });

  it('refuses a path inside a model directory it reads, under a file, in /proc, or on a device', () => {
    const m = path.join(dir, 'm');
    mkdirSync(m, { recursive: true });
    expect(refusal(() => checkOutputPath(path.join(m, 'model.html'), { modelDirs: [m] }))).toMatch(/inside the model directory/);
    expect(refusal(() => checkOutputPath(path.join(m, 'deeper', 'x.csv'), { modelDirs: [m] }))).toMatch(/inside the model directory/);
    expect(refusal(() => checkOutputPath(path.join(data, 'x.csv')))).toMatch(/under a file/);
    expect(refusal(() => checkOutputPath('/proc/x/y.csv'))).toMatch(/\/proc/);
    expect(refusal(() => checkOutputPath('/proc/x', { kind: 'directory' }))).toMatch(/\/proc/);
    expect(refusal(() => checkOutputPath('/dev/null'))).toMatch(/not a regular file/);
    expect(refusal(() => checkOutputPath(dir))).toMatch(/is a directory/);
    expect(refusal(() => checkOutputPath(data, { kind: 'directory' }))).toMatch(/not a directory/);
  });

  it('refuses a non-empty directory unless overwrite, and a directory holding an input', () => {
    const d = path.join(dir, 'full');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'keep.txt'), 'x');
    expect(refusal(() => checkOutputPath(d, { kind: 'directory' }))).toMatch(/non-empty directory; pass --overwrite/);
    expect(checkOutputPath(d, { kind: 'directory', overwrite: true })).toBe(d);
    expect(refusal(() => checkOutputPath(d, { kind: 'directory', overwrite: true, inputs: [path.join(d, 'keep.txt')] }))).toMatch(/holds the input file/);
  });

  it('refuses a directory it cannot write', (ctx) => {
    if (process.getuid?.() === 0) ctx.skip(); // root may write anywhere
    const ro = path.join(dir, 'readonly');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    expect(refusal(() => checkOutputPath(path.join(ro, 'x.csv')))).toMatch(/cannot write in directory/);
  });
});

describe('atomic writes', () => {
  it('writeFileAtomic replaces the whole file and leaves no temp file; a failed write leaves the old file', () => {
    const d = mkdtempSync(path.join(dir, 'atomic-'));
    const f = path.join(d, 'out.txt');
    writeFileAtomic(f, 'first');
    writeFileAtomic(f, 'second');
    expect(readFileSync(f, 'utf8')).toBe('second');
    expect(() => writeAtomically(f, (fd) => {
      writeFileSync(fd, 'partial');
      throw new Error('disk full');
    })).toThrow('disk full');
    expect(readFileSync(f, 'utf8')).toBe('second');
    expect(readdirSync(d)).toEqual(['out.txt']);
  });

  it('writeCsv writes through a temp file: writing a frame over its own source file is safe', async () => {
    const copy = path.join(dir, 'copy.csv');
    copyFileSync(data, copy);
    const { frame } = await readTable(copy);
    writeCsv(frame, copy);
    expect((await readTable(copy)).frame.numRows).toBe(768);
  });

  it('replaceDirectory swaps the directory whole, and keeps the old one when filling fails', async () => {
    const d = path.join(dir, 'swap');
    mkdirSync(d);
    writeFileSync(path.join(d, 'stale.txt'), 'old');
    await expect(replaceDirectory(d, async () => {
      throw new Error('fit failed');
    })).rejects.toThrow('fit failed');
    expect(readdirSync(d)).toEqual(['stale.txt']);
    await replaceDirectory(d, async (tmp) => writeFileSync(path.join(tmp, 'new.txt'), 'new'));
    expect(readdirSync(d)).toEqual(['new.txt']);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('maps the file system errors a user causes to one-line errors, and nothing else', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file or directory, open \'x\''), { code: 'ENOENT', path: 'x' });
    expect(userFsError(enoent)?.message).toBe('x: no such file or directory (ENOENT)');
    expect(userFsError(Object.assign(new Error('x'), { code: 'ESPIPE' }))?.code).toBe('FILE_ERROR');
    expect(userFsError(new TypeError('bug'))).toBeNull();
  });
});

describe('the CLI never writes over its inputs or models', () => {
  it('insights --out INPUT and --json INPUT are refused before any work, the data untouched', () => {
    expectUserError(tabpilot(['insights', data, '--out', data, '--no-quick-model']), /is the input file/);
    expectUserError(tabpilot(['insights', data, '--json', path.join(dir, '..', path.basename(dir), 'pima.csv'), '--no-quick-model']), /is the input file/);
    expect(readFileSync(data).equals(dataBytes)).toBe(true);
  });

  it('analyze, convert, explain and predict refuse their inputs and model directories', async () => {
    await trainModel();
    expectUserError(tabpilot(['analyze', data, '--analysis', 'histogram', '--column', 'glucose', '--out', data]), /is the input file/);
    expectUserError(tabpilot(['analyze', data, '--analysis', 'correlation', '--json', data]), /is the input file/);
    const link = path.join(dir, 'alias.csv');
    symlinkSync(data, link);
    expectUserError(tabpilot(['convert', data, link]), /is the input file/);
    expectUserError(tabpilot(['explain', model, data, '--out', path.join(model, 'shap.csv')]), /inside the model directory/);
    expectUserError(tabpilot(['predict', model, data, '--out', data]), /is the input file/);
    expectUserError(tabpilot(['predict', model, data, '--out', path.join(model, 'model.json')]), /inside the model directory/);
    expect(readFileSync(data).equals(dataBytes)).toBe(true);
    await expect(Pipeline.load(model)).resolves.toBeInstanceOf(Pipeline);
  });

  it('report --out MODEL_DIR/model.html would write its JSON twin over model.json: refused, the model still loads', async () => {
    await trainModel();
    const before = readFileSync(path.join(model, 'model.json'));
    expectUserError(tabpilot(['report', model, '--data', data, '--out', path.join(model, 'model.html')]), /inside the model directory/);
    expect(readFileSync(path.join(model, 'model.json')).equals(before)).toBe(true);
    // Outside the model directory, the twin may not be the data either: report.html -> report.json.
    const json = path.join(dir, 'twin.json');
    writeFileSync(json, '{}');
    expectUserError(tabpilot(['report', model, '--data', json, '--out', path.join(dir, 'twin.html')]), /is the input file/);
  });
});

describe('train output directories', () => {
  it('train --out /proc/x and --out FILE are one-line errors, at once', () => {
    const t0 = performance.now();
    expectUserError(tabpilot(['train', data, '--target', 'diabetes', '--algorithm', 'linear', '--out', '/proc/x']), /\/proc\/x: .*\/proc/);
    expect(performance.now() - t0).toBeLessThan(CLI_TIMEOUT_MS / 2);
    expectUserError(tabpilot(['train', data, '--target', 'diabetes', '--algorithm', 'linear', '--out', data]), /not a directory/);
    expect(readFileSync(data).equals(dataBytes)).toBe(true);
  });

  it('re-running train into a non-empty directory needs --overwrite, which replaces it whole', () => {
    const out = path.join(dir, 'retrain');
    mkdirSync(out);
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    expectUserError(tabpilot(['train', data, '--target', 'diabetes', '--algorithm', 'linear', '--out', out]), /non-empty directory; pass --overwrite/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    const r = tabpilot(['train', data, '--target', 'diabetes', '--algorithm', 'linear', '--out', out, '--overwrite']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['model.json']);
    expect(existsSync(path.join(out, 'notes.txt'))).toBe(false);
  });
});

describe('user errors are one line with exit code 2', () => {
  it('inspect /dev/stdin reads a pipe (it used to fail with ESPIPE and a stack)', () => {
    const r = tabpilot(['inspect', '/dev/stdin', '--json'], 'a,b\n1,x\n2,y\n');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 2, columns: 2 });
    expectUserError(tabpilot(['inspect', '/dev/stdin'], ''), /the file is empty/);
  });

  it('a directory, a missing file and a path under a file are named, not stack traces', () => {
    expectUserError(tabpilot(['inspect', dir]), /is a directory/);
    expectUserError(tabpilot(['inspect', path.join(dir, 'nope.csv')]), /no such file/);
    expectUserError(tabpilot(['inspect', path.join(data, 'x.csv')]), /x\.csv/);
    expectUserError(tabpilot(['convert', data, path.join(data, 'x.parquet')]), /under a file/);
  });
});
