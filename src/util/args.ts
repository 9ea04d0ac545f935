import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TabpilotError } from './errors.js';
import { parseNumber } from './parse-number.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's argv strictly. Every failure is a one-line INVALID_ARGUMENT naming the option: an
 * unknown flag, a flag missing its value, a value that starts with a dash (`--horizon -2`, written
 * `--horizon=-2`), a value given to a flag that takes none. Node's own messages span several lines.
 */
export function parseCommandArgs(argv: string[], options: OptionSpec, command: string) {
  const spec: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (e) {
    throw new TabpilotError('INVALID_ARGUMENT', `${command}: ${argumentProblem(argv, spec) ?? oneLine((e as Error).message)}`);
  }
}

/** The first problem in argv, in words (null when none is found here: the caller falls back to Node's). */
function argumentProblem(argv: readonly string[], spec: OptionSpec): string | null {
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(spec)) if (o.short !== undefined) byShort.set(o.short, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') continue;
    const eq = arg.indexOf('=');
    const long = arg.startsWith('--');
    const key = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, 2);
    const name = long ? key : byShort.get(key);
    const option = name !== undefined && Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (option === undefined) return `unknown option ${long ? `--${key}` : `-${key}`} (see --help)`;
    const flag = `--${name}`;
    if (option.type === 'boolean') {
      if (long && eq >= 0) return `${flag} takes no value, got "${arg.slice(eq + 1)}"`;
      continue;
    }
    // A string option: its value is after "=", glued to a short flag, or the next argument.
    if ((long && eq >= 0) || (!long && arg.length > 2)) continue;
    const value = argv[i + 1];
    if (value === undefined) return `${flag} needs a value`;
    if (value.startsWith('-')) return `${flag} needs a value; write one that starts with a dash as ${flag}=${value}`;
    i++;
  }
  return null;
}

const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, ' ').trim();

export function requireNumber(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new TabpilotError('INVALID_ARGUMENT', `${flag} is required`);
    return fallback;
  }
  // The data's number grammar: "", "0x10" and "1_000" are not numbers here either.
  const n = parseNumber(value);
  if (Number.isNaN(n)) throw new TabpilotError('INVALID_ARGUMENT', `${flag} expects a number, got "${value}"`);
  return n;
}
