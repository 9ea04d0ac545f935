import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { run as processCommand } from '../src/cli/commands/process.js';
import { run as train } from '../src/cli/commands/train.js';
import { batchTransform } from '../src/pipeline/batch-transform.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { type Proc, RedisServer, fixture, freePort, redisTestsUnavailable, startWorkerProcess } from './scale-out-helpers.js';

/**
 * Processing jobs: a user module once per instance over sharded or replicated inputs, a failing instance, and the
 * built-in batch transform over a folder, locally (child processes) and on Redis workers.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-processing-'));
const inputDir = path.join(dir, 'in');
const FILES = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt'];
mkdirSync(inputDir);
for (const f of FILES) writeFileSync(path.join(inputDir, f), f);
const moduleFile = path.join(dir, 'module.mjs');
writeFileSync(
  moduleFile,
  `import { writeFileSync } from 'node:fs';
import path from 'node:path';
export default async function ({ inputs, outputs, instance, instanceCount, args }) {
  const files = inputs.data.files.map((f) => path.basename(f));
  writeFileSync(path.join(outputs.out, 'seen.json'), JSON.stringify({ instance, instanceCount, files, args }));
  if (args.includes('--fail') && instance === 1) {
    console.log('instance 1 is about to fail');
    throw new Error('instance one broke');
  }
}
`,
);

function seen(out: string, instances: number): { instance: number; instanceCount: number; files: string[]; args: string[] }[] {
  return Array.from({ length: instances }, (_, i) => JSON.parse(readFileSync(path.join(out, `instance-${i}`, 'seen.json'), 'utf8')));
}

/** Runs `tabpilot process ...`, returning the exit code and what it printed. */
async function processJob(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await processCommand(args);
    return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n'), err: error.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('tabpilot process (local)', () => {
  it('shards the input files across instances by key, each file to exactly one instance', async () => {
    const out = path.join(dir, 'sharded');
    const r = await processJob([moduleFile, '--input', `data=${inputDir}:sharded`, '--output', `out=${out}`, '--instances', '2', '--', '--flag', 'x']);
    expect(r.code).toBe(0);
    const s = seen(out, 2);
    expect(s.map((x) => x.files)).toEqual([
      ['a.txt', 'c.txt', 'e.txt'],
      ['b.txt', 'd.txt'],
    ]);
    expect(s.map((x) => [x.instance, x.instanceCount])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(s[1].args).toEqual(['--flag', 'x']);
  });

  it('replicates an input to every instance (the default)', async () => {
    const out = path.join(dir, 'replicated');
    const r = await processJob([moduleFile, '--input', `data=${inputDir}`, '--output', `out=${out}`, '--instances', '3']);
    expect(r.code).toBe(0);
    for (const s of seen(out, 3)) expect(s.files).toEqual(FILES);
  });

  it('fails the job with the failing instance error and its log', async () => {
    const out = path.join(dir, 'failing');
    const r = await processJob([moduleFile, '--input', `data=${inputDir}:sharded`, '--output', `out=${out}`, '--instances', '2', '--', '--fail']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/tabpilot: instance 1 of 2 failed: instance one broke/);
    expect(r.err).toMatch(/log of instance 1[\s\S]*instance 1 is about to fail/);
    expect(r.out).toMatch(/instance 0: ok/);
  });

  it('refuses a bad --input with one line naming it', async () => {
    await expect(processJob([moduleFile, '--input', 'nopath', '--instances', '1'])).rejects.toThrow(/--input expects NAME=PATH\[:sharded\|replicated\], got "nopath"/);
    await expect(processJob([path.join(dir, 'missing.mjs'), '--instances', '1'])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

/** pima split into three CSV files, and a linear model trained on it. */
async function batchSetup(): Promise<{ parts: string; model: string }> {
  const parts = path.join(dir, 'parts');
  mkdirSync(parts, { recursive: true });
  const [header, ...rows] = readFileSync(fixture('pima_diabetes2.csv'), 'utf8').trimEnd().split('\n');
  const third = Math.ceil(rows.length / 3);
  for (let p = 0; p < 3; p++) writeFileSync(path.join(parts, `part-${p}.csv`), [header, ...rows.slice(p * third, (p + 1) * third)].join('\n') + '\n');
  const model = path.join(dir, 'model');
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    expect(await train([fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--algorithm', 'linear', '--out', model])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return { parts, model };
}

/** The batch transform output of every part, as batchTransform writes it directly. */
async function expectedPredictions(parts: string, model: string): Promise<Map<string, string>> {
  const pipeline = await Pipeline.load(model);
  const out = new Map<string, string>();
  for (const f of readdirSync(parts).sort()) {
    const file = path.join(dir, `direct-${f}`);
    await batchTransform(pipeline, { input: path.join(parts, f), output: file });
    out.set(f, readFileSync(file, 'utf8'));
  }
  return out;
}

function collected(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const inst of readdirSync(out).sort()) for (const f of readdirSync(path.join(out, inst))) m.set(f, readFileSync(path.join(out, inst, f), 'utf8'));
  return m;
}

describe('built-in batch transform', () => {
  let setup: Promise<{ parts: string; model: string }> | undefined;
  const once = () => (setup ??= batchSetup());
  let server: RedisServer | undefined;
  let worker: Proc | undefined;
  afterAll(async () => {
    await worker?.stop();
    await server?.kill();
  });

  it('predicts every file of a folder, sharded over instances, exactly as batch transform does', async () => {
    const { parts, model } = await once();
    const out = path.join(dir, 'predictions');
    const r = await processJob(['builtin:batch-transform', '--input', `data=${parts}:sharded`, '--output', `predictions=${out}`, '--instances', '2', '--', '--model', model]);
    expect(r.code).toBe(0);
    expect(readdirSync(path.join(out, 'instance-0')).sort()).toEqual(['part-0.csv', 'part-2.csv']);
    expect(readdirSync(path.join(out, 'instance-1'))).toEqual(['part-1.csv']);
    expect(collected(out)).toEqual(await expectedPredictions(parts, model));
  });

  it('runs the same job on Redis workers with the same outputs', async (ctx) => {
    const unavailable = redisTestsUnavailable();
    if (unavailable !== null) ctx.skip(unavailable);
    const { parts, model } = await once();
    server = new RedisServer(await freePort());
    await server.start();
    worker = await startWorkerProcess(server.url, ['--concurrency', '2']);
    const out = path.join(dir, 'predictions-remote');
    const r = await processJob(['builtin:batch-transform', '--input', `data=${parts}:sharded`, '--output', `predictions=${out}`, '--instances', '2', '--backend', server.url, '--', '--model', model]);
    expect(r.code).toBe(0);
    expect(collected(out)).toEqual(await expectedPredictions(parts, model));
    await worker.waitFor(/finished process instance 1/);
  });
});
