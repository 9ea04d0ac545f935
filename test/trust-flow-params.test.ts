import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11: `flow --param name=value` values are keyed by user text. In a plain object a flow parameter named
 * "constructor" read Object.prototype.constructor when not given (its value became "function Object() ..."),
 * and `--param __proto__=...` was dropped. The credit flow with its "applicants" parameter renamed shows both.
 */
const CLI = path.resolve('dist/src/cli/main.js');
const WRANGLE = path.resolve('fixtures/wrangle');
/** What flow validate prints when every source was read and the dry run passed. */
const DRY_RUN_PASSED = 'dry run on the first 1000 rows of each source passed';

function flowWithParameter(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-trust-params-'));
  for (const f of ['credit_applicants.csv', 'credit_finances.csv']) copyFileSync(path.join(WRANGLE, f), path.join(dir, f));
  const text = readFileSync(path.join(WRANGLE, 'credit.flow'), 'utf8').replace('"name": "applicants"', `"name": ${JSON.stringify(name)}`).replace('{{applicants}}', `{{${name}}}`);
  const file = path.join(dir, 'credit.flow');
  writeFileSync(file, text);
  return file;
}

const validate = (file: string, ...params: string[]) =>
  spawnSync(process.execPath, [CLI, 'flow', 'validate', file, ...params.flatMap((p) => ['--param', p])], { encoding: 'utf8' });

describe('flow --param with Object.prototype names', () => {
  it('a parameter named "constructor" keeps its default when not given, and takes --param', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const file = flowWithParameter('constructor');
    // The default reads credit_applicants.csv: the dry run over the sources passes.
    const byDefault = validate(file);
    expect([byDefault.status, byDefault.stderr]).toEqual([0, '']);
    expect(byDefault.stdout).toContain(DRY_RUN_PASSED);
    // The value given is the path read (validate notes that it does not exist).
    const given = validate(file, 'constructor=missing.csv');
    expect(given.stdout).toContain(`${path.sep}missing.csv: no such file`);
  });

  it('a parameter named "__proto__" is set by --param __proto__=...', (ctx) => {
    if (!existsSync(CLI)) ctx.skip();
    const file = flowWithParameter('__proto__');
    expect(validate(file).stdout).toContain(DRY_RUN_PASSED);
    const given = validate(file, '__proto__=missing.csv');
    expect(given.stdout).toContain(`${path.sep}missing.csv: no such file`);
  });
});
