// What a user gets from `npm install tabpilot`: packs this project (dist must be built), installs the tarball
// into a fresh temp project OFFLINE from the npm cache, and reports the size of its node_modules.
//   node scripts/consumer-size.mjs [--keep]      prints the size, the largest packages and the project dir
// test/consumer.test.ts uses the same helpers, then runs ESM, CommonJS and TypeScript code against the install.
//
// Offline: the consumer gets a package-lock.json built from this project's lock (the exact versions and
// integrity hashes of the production dependencies), so npm takes every tarball from its cache by integrity and
// needs no registry metadata; the tabpilot tarball itself is a file: dependency.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The budget for a consumer's node_modules, in MB (10^6 bytes, apparent file sizes). Measured 79.7-79.8 MB on
 * 2026-11-27: tfjs-core 37.1 + parquet-wasm 15.3 + tfjs-backend-cpu 10.6 + apache-arrow 8.3 + tabpilot 5.4
 * (with its native build) + piscina, node-addon-api, seedrandom, flatbuffers ~2.5. Was 103.8 MB before bullmq
 * (scale-out, ~11 MB with ioredis, luxon, msgpackr) and @tensorflow/tfjs-backend-wasm (13.2 MB, faster MLP
 * training) became optional peers and ml-matrix (~1.3 MB) gave way to src/util/linalg.ts; 342 MB with the
 * @tensorflow/tfjs umbrella. Going over means a new dependency or a fatter build: look before raising it.
 */
export const CONSUMER_BUDGET_MB = 80;
const REGISTRY = 'https://registry.npmjs.org/';

/** Runs npm without blocking the event loop (vitest's worker must keep answering while npm works). */
function npm(args, cwd) {
  return new Promise((resolve) => {
    execFile('npm', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, stdout: stdout ?? '', stderr: stderr ?? '', error });
    });
  });
}

/** `npm pack` into `dir`: the tarball path and the packed file list, or throws with npm's message. */
export async function pack(dir) {
  const r = await npm(['pack', '--json', '--pack-destination', dir], root);
  if (!r.ok) throw new Error(`npm pack failed: ${r.stderr.trim() === '' ? r.error?.message : r.stderr.trim().split('\n').at(-1)}`);
  const [info] = JSON.parse(r.stdout);
  return { tarball: path.join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/** The registry tarball URL of `name@version` (lock entries here omit `resolved`). */
function tarballUrl(name, version) {
  return `${REGISTRY}${name}/-/${name.split('/').pop()}-${version}.tgz`;
}

/** Writes package.json and package-lock.json of a consumer project in `dir` depending only on `tarball`. */
export function writeConsumerProject(dir, tarball, extra = {}) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const self = lock.packages[''];
  const packages = Object.create(null);
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || entry.dev || entry.devOptional || entry.link) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[key] = { ...entry, resolved: entry.resolved ?? tarballUrl(name, entry.version) };
  }
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const { name: _n, devDependencies: _d, ...published } = self;
  packages['node_modules/tabpilot'] = { ...published, resolved: `file:${tarball}`, integrity };
  const pkg = { name: 'tabpilot-consumer', version: '1.0.0', private: true, dependencies: { tabpilot: `file:${tarball}` }, ...extra };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const rootEntry = { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies };
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages: { '': rootEntry, ...packages } }, null, 2));
}

/** `npm install --offline` in the consumer project; returns npm's output (the install script's line included). */
export async function installOffline(dir) {
  const r = await npm(['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], dir);
  if (!r.ok) throw new Error(`offline install failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout + r.stderr;
}

/** Apparent size in bytes of everything under `dir` (symlinks counted as links, not followed). */
export function treeBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(full) : lstatSync(full).size;
  }
  return total;
}

/** Top-level packages of a node_modules by size, largest first: [name, bytes][]. */
export function packageSizes(nodeModules) {
  const out = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const full = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) for (const sub of readdirSync(full)) out.push([`${entry.name}/${sub}`, treeBytes(path.join(full, sub))]);
    else out.push([entry.name, treeBytes(full)]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

export const mb = (bytes) => bytes / 1e6;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-consumer-'));
  try {
    const { tarball } = await pack(dir);
    const project = path.join(dir, 'project');
    mkdirSync(project);
    writeConsumerProject(project, tarball);
    const log = await installOffline(project);
    const line = log.split('\n').find((l) => l.startsWith('tabpilot: '));
    if (line) console.log(line);
    const nm = path.join(project, 'node_modules');
    const total = treeBytes(nm);
    console.log(`consumer node_modules: ${mb(total).toFixed(1)} MB (budget ${CONSUMER_BUDGET_MB} MB)`);
    for (const [name, bytes] of packageSizes(nm).slice(0, 10)) console.log(`  ${mb(bytes).toFixed(1).padStart(6)} MB  ${name}`);
    if (process.argv.includes('--keep')) console.log(`project: ${project}`);
    process.exitCode = mb(total) <= CONSUMER_BUDGET_MB ? 0 : 1;
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}
