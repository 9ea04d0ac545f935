import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, requireNumber } from '../src/util/args.js';
import { TabpilotError } from '../src/util/errors.js';

/** Issue 11: every argument error is one line with code INVALID_ARGUMENT (Node's parseArgs messages span three). */
const OPTIONS = { horizon: { type: 'string' as const }, out: { type: 'string' as const, short: 'o' }, json: { type: 'boolean' as const } };

function argError(argv: string[]): TabpilotError {
  try {
    parseCommandArgs(argv, OPTIONS, 'forecast');
  } catch (e) {
    if (e instanceof TabpilotError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('argument errors', () => {
  it.each([
    [['data.csv', '--horizon', '-2'], 'forecast: --horizon needs a value; write one that starts with a dash as --horizon=-2'],
    [['data.csv', '-o', '-x'], 'forecast: --out needs a value; write one that starts with a dash as --out=-x'],
    [['data.csv', '--horizon'], 'forecast: --horizon needs a value'],
    [['data.csv', '--bogus', '1'], 'forecast: unknown option --bogus (see --help)'],
    [['data.csv', '-z'], 'forecast: unknown option -z (see --help)'],
    [['data.csv', '--constructor', 'x'], 'forecast: unknown option --constructor (see --help)'],
    [['data.csv', '--json=yes'], 'forecast: --json takes no value, got "yes"'],
  ])('%j', (argv, message) => {
    const e = argError(argv);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe(message);
  });

  it('valid forms still parse, including a dash value after "="', () => {
    const { values, positionals } = parseCommandArgs(['data.csv', '--horizon=-2', '-o', 'out', '--json'], OPTIONS, 'forecast');
    expect(values).toMatchObject({ horizon: '-2', out: 'out', json: true });
    expect(positionals).toEqual(['data.csv']);
  });

  it('numbers in arguments use the data grammar: no hex, no empty string', () => {
    expect(requireNumber('1e3', '--rows')).toBe(1000);
    for (const bad of ['0x10', '', '1_000', 'Infinity']) expect(() => requireNumber(bad, '--rows')).toThrow(/--rows expects a number/);
  });

  it('the CLI prints one line and exits 2 for `forecast --horizon -2`', (ctx) => {
    const cli = path.resolve('dist/src/cli/main.js');
    if (!existsSync(cli)) ctx.skip();
    const r = spawnSync(process.execPath, [cli, 'forecast', 'fixtures/penguins.csv', '--timestamp', 'year', '--target', 'body_mass_g', '--horizon', '-2', '--out', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['tabpilot: forecast: --horizon needs a value; write one that starts with a dash as --horizon=-2']);
  });
});
