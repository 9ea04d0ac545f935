/**
 * CLI conventions (issue 12): `-` is standard input/output for tables, `--json` prints one machine-readable
 * summary on standard output (text goes to standard error), reports on training rows are labelled in-sample,
 * progress goes to standard error only. Runs the compiled CLI on the shipped Pima data.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsvText } from '../src/io/index.js';
import { createProgress } from '../src/util/progress.js';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const PIMA = path.join(ROOT, 'fixtures/pima_diabetes2.csv');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-cli-conventions-'));
const model = path.join(dir, 'model');
const tabpilot = (args: string[], input?: Buffer) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', ...(input ? { input } : {}) });

/** Report options that keep each report to a few seconds (permutation importance and SHAP on few rows). */
const FAST_REPORT = ['--repeats', '1', '--shap-rows', '20'];

beforeAll(() => {
  if (!existsSync(CLI)) return;
  const r = tabpilot(['train', PIMA, '--target', 'diabetes', '--algorithm', 'rf', '--out', model, '--json']);
  if (r.status !== 0) throw new Error(r.stderr);
});

describe('tabpilot CLI conventions', () => {
  it('train --json: one JSON object on stdout, the text lines on stderr', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const r = tabpilot(['train', PIMA, '--target', 'diabetes', '--algorithm', 'linear', '--out', 'lin', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { task: string; trainRows: number; classes: string[]; model: string };
    expect(s).toMatchObject({ task: 'binary', trainRows: 768, classes: ['neg', 'pos'], model: path.join('lin', 'model.json') });
    expect(r.stderr).toMatch(/^trained linear/m);
  });

  it('predict without --out writes the same CSV to stdout as --out FILE, reading stdin (gzip) as "-"', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const toFile = tabpilot(['predict', model, PIMA, '--out', 'p.csv']);
    expect(toFile.status, toFile.stderr).toBe(0);
    const toStdout = tabpilot(['predict', model, PIMA]);
    expect(toStdout.status, toStdout.stderr).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(path.join(dir, 'p.csv'), 'utf8'));
    expect(toStdout.stderr).toMatch(/wrote -: 768 rows/);
    const piped = tabpilot(['predict', model, '-', '--json'], gzipSync(readFileSync(PIMA)));
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toBe(toStdout.stdout);
    expect(JSON.parse(piped.stderr.trim().split('\n').pop()!)).toMatchObject({ command: 'predict', rows: 768, task: 'binary', model: 'rf' });
  });

  it('convert IN - writes CSV to stdout that reads back to the same table', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const r = tabpilot(['convert', PIMA, '-']);
    expect(r.status, r.stderr).toBe(0);
    const back = parseCsvText(r.stdout).frame;
    expect([back.numRows, back.numColumns]).toEqual([768, 9]);
    expect(r.stderr).toMatch(/wrote -: 768 rows, 9 columns/);
  });

  it('insights --json - prints only the report JSON on stdout', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const r = tabpilot(['insights', PIMA, '--target', 'diabetes', '--no-quick-model', '--workers', '1', '--out', 'i.html', '--json', '-']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { summary: { columns: number } };
    expect(report.summary.columns).toBe(9);
    expect(r.stderr).toMatch(/^wrote i\.html$/m);
    expect(existsSync(path.join(dir, '-'))).toBe(false);
  });

  it('analyze table-summary prints a text table (no JSON) and --json - only JSON', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const text = tabpilot(['analyze', PIMA, '--analysis', 'table-summary']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(/[{}]/);
    expect(text.stdout).toMatch(/^glucose\s+numeric\s+763\s+44\s+199\s+121\.687\s+30\.5356$/m);
    expect(text.stdout).toMatch(/^mass\s+numeric\s+757\s+18\.2\s+67\.1\s/m);
    const json = tabpilot(['analyze', PIMA, '--analysis', 'table-summary', '--json', '-']);
    expect(json.status, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { data: { rows: number } }).data.rows).toBe(768);
  });

  it('report labels evaluation on the training rows as in-sample, and not on held-out rows', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const inSample = tabpilot(['report', model, '--data', PIMA, '--out', 'in.html', ...FAST_REPORT]);
    expect(inSample.status, inSample.stderr).toBe(0);
    expect(inSample.stdout).toMatch(/IN-SAMPLE evaluation: the evaluation data holds the model's 768 training rows/);
    expect(readFileSync(path.join(dir, 'in.html'), 'utf8')).toContain('data-in-sample="true"');
    // Train on the first 500 rows, report on the other 268: out of sample, no label.
    const lines = readFileSync(PIMA, 'utf8').trimEnd().split('\n');
    writeFileSync(path.join(dir, 'train.csv'), lines.slice(0, 501).join('\n') + '\n');
    writeFileSync(path.join(dir, 'test.csv'), [lines[0], ...lines.slice(501)].join('\n') + '\n');
    expect(tabpilot(['train', 'train.csv', '--target', 'diabetes', '--algorithm', 'rf', '--out', 'm500']).status).toBe(0);
    const held = tabpilot(['report', 'm500', '--data', 'test.csv', '--out', 'out.html', '--json', ...FAST_REPORT]);
    expect(held.status, held.stderr).toBe(0);
    const s = JSON.parse(held.stdout) as { rows: number; inSample: unknown };
    expect(s).toMatchObject({ rows: 268, inSample: null });
    expect(readFileSync(path.join(dir, 'out.html'), 'utf8')).not.toContain('data-in-sample');
    // The training file itself, plus rows appended, is still in-sample.
    writeFileSync(path.join(dir, 'more.csv'), [...lines.slice(0, 501), ...lines.slice(501, 511)].join('\n') + '\n');
    const superset = tabpilot(['report', 'm500', '--data', 'more.csv', '--out', 'more.html', '--json', ...FAST_REPORT]);
    expect((JSON.parse(superset.stdout) as { inSample: { reason: string } | null }).inSample?.reason).toMatch(/500 training rows/);
  });

  it('explain without --out writes the SHAP CSV to stdout; --json summarises on stderr then', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const r = tabpilot(['explain', model, PIMA, '--rows', '5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const shap = parseCsvText(r.stdout).frame;
    expect(shap.numRows).toBe(5);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ command: 'explain', rows: 5, features: 8 });
  });
});

describe('progress on standard error', () => {
  const sink = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, stream: { isTTY, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
  };

  it('redraws one bar in place on a terminal, throttled', () => {
    let t = 0;
    const { writes, stream } = sink(true);
    const p = createProgress('train gbdt', { stream, now: () => t });
    p.update(10, 100, '10/100');
    t += 10;
    p.update(20, 100); // within the redraw interval: not drawn
    t += 500;
    p.update(50, 100, '50/100');
    p.finish();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\rtrain gbdt \[##\.+\]  10% 10\/100/);
    expect(writes[1]).toMatch(/\[#{12}\.{12}\]  50% 50\/100/);
    expect(writes[2]).toMatch(/100%.*\n$/);
  });

  it('prints nothing for a short job off a terminal, plain lines for a long one', () => {
    let t = 0;
    const quiet = sink(false);
    const p = createProgress('insights', { stream: quiet.stream, now: () => t });
    p.step(0, 3, 'reading');
    t += 1000;
    p.step(1, 3, 'analysing');
    p.finish();
    expect(quiet.writes).toEqual([]);
    const loud = sink(false);
    const q = createProgress('insights', { stream: loud.stream, now: () => t });
    t += 6000;
    q.step(2, 3, 'writing');
    q.finish();
    expect(loud.writes).toEqual([`insights [${'#'.repeat(16)}${'.'.repeat(8)}]  66% writing\n`, `insights [${'#'.repeat(24)}] 100% done\n`]);
  });
});
