import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with `npm run consumer-size` (no declarations).
import * as consumer from '../scripts/consumer-size.mjs';

/**
 * What a user gets: `npm pack` this project (after `npm run build`), install the tarball into a fresh project
 * offline, then use it the way users do: an ES module, a CommonJS script, `tsc --strict` under the node16 and
 * bundler resolutions, and the `tabpilot` bin. Skipped only when `npm pack` itself cannot run.
 */
interface Helpers {
  root: string;
  CONSUMER_BUDGET_MB: number;
  pack(dir: string): Promise<{ tarball: string; files: string[] }>;
  writeConsumerProject(dir: string, tarball: string): void;
  installOffline(dir: string): Promise<string>;
  treeBytes(dir: string): number;
  packageSizes(dir: string): [string, number][];
}
const h = consumer as unknown as Helpers;

const DATA = path.join(h.root, 'fixtures', 'pima_diabetes2.csv');
/** Packing, installing (with the native build) and two trainings take about a minute on two cores. */
const TIMEOUT_MS = 300_000;

let tmp: string;
let packed: { tarball: string; files: string[] } | null = null;
let packError = '';
let project: string;
let installLog = '';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-consumer-test-'));
  try {
    packed = await h.pack(tmp);
  } catch (e) {
    packError = (e as Error).message;
    return;
  }
  project = path.join(tmp, 'project');
  mkdirSync(project);
  h.writeConsumerProject(project, packed.tarball);
  installLog = await h.installOffline(project);
  // A TypeScript user has @types/node; link ours (installing it would need the registry).
  symlinkSync(path.join(h.root, 'node_modules', '@types', 'node'), path.join(project, 'node_modules', '@types', 'node'), 'dir');
}, TIMEOUT_MS);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs a command in the consumer project (asynchronously: vitest's worker must stay responsive). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')} failed (${String(error.code)}):\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Train (gbdt and a 2-epoch mlp), save, load and predict through the public API; prints a JSON summary. */
const BODY = `
  const { frame } = await readTable(process.argv[2]);
  const job = await runTrainingJob({ data: frame, target: 'diabetes', algorithm: 'gbdt', seed: 0 });
  const dir = process.argv[3];
  await job.pipeline.save(dir);
  const loaded = await Pipeline.load(dir);
  const result = loaded.predict(frame);
  const mlp = await runTrainingJob({ data: frame, target: 'diabetes', algorithm: 'mlp', seed: 0, hyperparameters: { epochs: 2 } });
  const modelJson = JSON.parse(readFileSync(dir + '/model.json', 'utf8'));
  console.log(JSON.stringify({
    labels: result.labels.slice(0, 50),
    probability: Array.from(result.probability.slice(0, 50)),
    tabpilotVersion: modelJson.training.tabpilotVersion,
    mlpBackend: mlp.pipeline.artifact.model.training.backend,
    frameRows: frameRows(frame),
  }));
`;

const TS_BODY = `
import { readTable, runTrainingJob, Pipeline, type PredictionResult } from 'tabpilot';
import { parseCsvText } from 'tabpilot/io';
import type { Frame } from 'tabpilot/frame';
import { learnerSpecs } from 'tabpilot/models';

export async function check(file: string, dir: string): Promise<number> {
  const { frame } = await readTable(file);
  const rows: number = frame.numRows;
  const job = await runTrainingJob({ data: frame, target: 'diabetes', algorithm: 'gbdt', seed: 0 });
  await job.pipeline.save(dir);
  const result: PredictionResult = (await Pipeline.load(dir)).predict(frame);
  const small: Frame = parseCsvText('a,b\\n1,2\\n').frame;
  const kinds: string[] = learnerSpecs().map((s) => s.kind);
  return rows + small.numRows + kinds.length + (result.probability?.length ?? 0);
}
`;

describe('the published package', () => {
  it('packs what a user needs and nothing else', (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    const files = packed!.files;
    for (const f of ['package.json', 'README.md', 'LICENSE', 'schemas/flow.schema.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/automl/worker.js', 'dist/cjs/package.json', 'dist/cjs/src/index.js', 'dist/cjs/src/index.d.ts', 'native/binding.gyp', 'native/build.mjs', 'native/src/kernels.cc']) {
      expect(files, f).toContain(f);
    }
    const unwanted = files.filter((f) => /\.map$/.test(f) || f.startsWith('dist/bench/') || f.startsWith('native/build/') || /^(src|test|bench|fixtures|docs|scripts)\//.test(f));
    expect(unwanted).toEqual([]);
    // Every subpath of the exports map points at files that are in the tarball.
    const pkg = JSON.parse(readFileSync(path.join(h.root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      const t = target as Record<'import' | 'require', { types: string; default: string }>;
      for (const cond of ['import', 'require'] as const) {
        for (const f of [t[cond].types, t[cond].default]) expect(files, `${sub} ${cond}`).toContain(f.replace(/^\.\//, ''));
      }
    }
  });

  it('installs offline, builds or skips the native kernels in one line, and stays within the size budget', (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    const lines = installLog.split('\n').filter((l) => l.startsWith('tabpilot: '));
    expect(lines).toHaveLength(1);
    const nodeModules = path.join(project, 'node_modules');
    const names = h.packageSizes(nodeModules).map(([n]) => n);
    // Optional peers (bullmq for scale-out, the wasm MLP backend, tfjs-node, better-sqlite3) are not installed.
    for (const gone of ['@tensorflow/tfjs', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', 'bullmq', 'ioredis', 'ml-matrix', 'papaparse', 'better-sqlite3', 'typescript']) {
      expect(names, gone).not.toContain(gone);
    }
    const mb = h.treeBytes(nodeModules) / 1e6;
    console.log(`consumer node_modules: ${mb.toFixed(1)} MB`);
    expect(mb).toBeLessThanOrEqual(h.CONSUMER_BUDGET_MB);
  });

  it('trains, saves, loads and predicts from an ES module and from CommonJS, with the same predictions', async (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    writeFileSync(path.join(project, 'use.mjs'), `import { readTable, runTrainingJob, Pipeline } from 'tabpilot';\nimport { readFileSync } from 'node:fs';\nconst frameRows = (f) => f.numRows;\n${BODY}`);
    writeFileSync(
      path.join(project, 'use.cjs'),
      `const { runTrainingJob, Pipeline } = require('tabpilot');\nconst { readTable } = require('tabpilot/io');\nconst { readFileSync } = require('node:fs');\nconst frameRows = (f) => f.numRows;\n(async () => {${BODY}})().catch((e) => { console.error(e); process.exit(1); });\n`,
    );
    const esm = JSON.parse(await run('node', ['use.mjs', DATA, path.join(project, 'model-esm')])) as Record<string, unknown>;
    const cjs = JSON.parse(await run('node', ['use.cjs', DATA, path.join(project, 'model-cjs')])) as Record<string, unknown>;
    expect(esm.frameRows).toBe(768);
    expect(esm.tabpilotVersion).toBe(JSON.parse(readFileSync(path.join(h.root, 'package.json'), 'utf8')).version);
    // The wasm backend is an optional peer, not installed here: MLP training falls back to cpu silently.
    expect(esm.mlpBackend).toBe('cpu');
    expect((esm.labels as string[]).every((l) => l === 'pos' || l === 'neg')).toBe(true);
    expect(cjs).toEqual(esm);
  }, TIMEOUT_MS);

  it('type-checks user code with tsc --strict under node16 (ESM and CommonJS) and bundler resolution', async (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    const tsc = path.join(h.root, 'node_modules', 'typescript', 'bin', 'tsc');
    const common = ['--strict', '--noEmit', '--target', 'es2022'];
    writeFileSync(path.join(project, 'check.mts'), TS_BODY);
    writeFileSync(path.join(project, 'check.cts'), TS_BODY);
    writeFileSync(path.join(project, 'check.ts'), TS_BODY);
    await run('node', [tsc, ...common, '--module', 'node16', '--moduleResolution', 'node16', 'check.mts', 'check.cts']);
    await run('node', [tsc, ...common, '--module', 'esnext', '--moduleResolution', 'bundler', 'check.ts']);
  }, TIMEOUT_MS);

  it('has a tabpilot bin that reports its version and installation', async (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    const bin = path.join(project, 'node_modules', '.bin', 'tabpilot');
    expect((await run(bin, ['--version'])).trim()).toBe(JSON.parse(readFileSync(path.join(h.root, 'package.json'), 'utf8')).version);
    const doctor = await run(bin, ['doctor']);
    const nativeBuilt = installLog.includes('tabpilot: native kernels built');
    expect(doctor).toContain(`native kernels: ${nativeBuilt ? 'on' : 'off'}`);
    expect(doctor).toContain('mlp backend: cpu (npm install @tensorflow/tfjs-backend-wasm for faster MLP training)');
    expect(doctor).toMatch(/worker threads: \d+/);
  }, TIMEOUT_MS);

  it('asks for the optional bullmq in one line (exit 2) when scale-out is used without it', async (ctx) => {
    if (packed === null) ctx.skip(`npm pack is not possible here: ${packError}`);
    const bin = path.join(project, 'node_modules', '.bin', 'tabpilot');
    // Port 1: nothing listens there, but the missing package is reported before any connection is tried.
    const failed = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(bin, ['worker', '--backend', 'redis://127.0.0.1:1', '--quiet'], { cwd: project, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }, (error, _stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
      });
    });
    expect(failed.code).toBe(2);
    expect(failed.stderr.trim()).toBe('tabpilot: scale-out needs the optional package bullmq: npm install bullmq@5');
  }, TIMEOUT_MS);
});
