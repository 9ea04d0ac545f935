// Builds the optional C++ kernels (native/) with node-gyp. Every kernel has a TypeScript twin, so the addon
// only buys speed.
//   `npm run build:native`              build, show the compiler output, exit non-zero on failure.
//   `node native/build.mjs --optional`  the package's "install" script (`npm ci` here, `npm install tabpilot` in
//                                       a consumer): builds when a C++ toolchain exists, prints ONE line either
//                                       way, and never fails the install.
// node-gyp: the project's own (a devDependency), else the one npm runs scripts with (npm_config_node_gyp), else
// the copy bundled with npm. Headers: --nodedir=/usr when the system Node headers exist (no download), else
// whatever node-gyp is configured with (its cache, or npm's nodedir setting).
import { existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const optional = process.argv.includes('--optional');
const addon = path.join(here, 'build', 'Release', 'tabpilot_native.node');
/** Parallel compile jobs: the kernels are one translation unit, more would not help. */
const JOBS = 2;
/** Tools node-gyp needs: a C++ compiler, make and Python (gyp). */
const COMPILERS = ['c++', 'g++', 'clang++'];

function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, cmd)));
}

function findNodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // not a dependency here (a consumer's install): use npm's
  }
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

function missingTools() {
  const missing = [];
  if (!COMPILERS.some(onPath)) missing.push('a C++ compiler');
  if (!onPath('make')) missing.push('make');
  if (!onPath('python3') && !onPath('python')) missing.push('python3');
  return missing;
}

/** Exits with `code`; in --optional mode always 0 after printing `line` (the one line the install shows). */
function finish(code, line) {
  if (optional) {
    console.log(`tabpilot: ${line}`);
    process.exit(0);
  }
  (code === 0 ? console.log : console.error)(line);
  process.exit(code);
}

const fallback = 'the TypeScript kernels will be used (same results, slower); run "npm run build:native" to retry';
if (process.env.TABPILOT_SKIP_NATIVE === '1') finish(0, `native kernels skipped (TABPILOT_SKIP_NATIVE=1); ${fallback}`);
const missing = missingTools();
if (missing.length > 0) finish(1, `no C++ toolchain (missing ${missing.join(', ')}); ${fallback}`);
const nodeGyp = findNodeGyp();
if (nodeGyp === null) finish(1, `node-gyp not found; ${fallback}`);
const args = [nodeGyp, 'rebuild', `--jobs=${JOBS}`];
if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const result = spawnSync(process.execPath, args, { cwd: here, stdio: optional ? 'pipe' : 'inherit', encoding: 'utf8' });
if (result.status !== 0 || !existsSync(addon)) {
  const detail = optional ? ` (${lastLine(result.stderr) || result.error?.message || 'node-gyp failed'})` : '';
  finish(result.status || 1, `native kernels not built${detail}; ${fallback}`);
}
// In a consumer's node_modules nobody rebuilds incrementally: drop the object files (about 0.6 MB of the install).
if (here.split(path.sep).includes('node_modules')) {
  rmSync(path.join(here, 'build', 'Release', 'obj.target'), { recursive: true, force: true });
  rmSync(path.join(here, 'build', 'Release', '.deps'), { recursive: true, force: true });
}
finish(0, `native kernels built (${path.relative(process.cwd(), addon) || addon})`);

function lastLine(text) {
  const lines = (text ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('gyp info'));
  return lines.find((l) => /error/i.test(l))?.slice(0, 200) ?? lines.at(-1)?.slice(0, 200) ?? '';
}
