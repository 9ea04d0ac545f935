import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATE_MISSING_SQLITE_ENV } from '../src/features/sqlite.js';
import { isTabpilotError } from '../src/util/errors.js';

/**
 * better-sqlite3 is an optional peer: without it the Feature Store fails with DEPENDENCY_MISSING and one line
 * telling the user what to install (it was INTERNAL, a stack trace and exit 70). The missing package is
 * simulated with the test-only environment variable, so these tests run where it is installed.
 */
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const INSTALL = 'npm install better-sqlite3@12';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-no-sqlite-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  delete process.env[SIMULATE_MISSING_SQLITE_ENV];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Feature Store without better-sqlite3', () => {
  it('opening a store throws DEPENDENCY_MISSING naming the install command', async () => {
    process.env[SIMULATE_MISSING_SQLITE_ENV] = '1';
    const { openFeatureStore } = await import('../src/features/index.js');
    const error = (() => {
      try {
        openFeatureStore(path.join(tempDir(), 'store'), { create: true }).listFeatureGroups();
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(isTabpilotError(error) && error.code).toBe('DEPENDENCY_MISSING');
    expect((error as Error).message).toBe(`the Feature Store needs the optional package better-sqlite3, which is not installed; run: ${INSTALL}`);
  });

  it('the CLI exits 2 with that one line', () => {
    if (!existsSync(CLI)) execFileSync(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT });
    const dir = tempDir();
    const args = ['features', 'create', 'finances', '--store', path.join(dir, 'store'), '--id', 'id', '--event-time', 't', '--feature', 'id:String', '--feature', 't:String'];
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, [SIMULATE_MISSING_SQLITE_ENV]: '1' } });
    expect(r.stderr.trim().split('\n')).toEqual([`tabpilot: the Feature Store needs the optional package better-sqlite3, which is not installed; run: ${INSTALL}`]);
    expect(r.status).toBe(2);
  });
});
