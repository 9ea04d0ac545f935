import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TabpilotError } from './errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's argv strictly; unknown flags are an error naming the flag. */
export function parseCommandArgs(argv: string[], options: OptionSpec, command: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new TabpilotError('INVALID_ARGUMENT', `${command}: ${(e as Error).message}`);
  }
}

export function requireNumber(value: string | undefined, flag: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new TabpilotError('INVALID_ARGUMENT', `${flag} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TabpilotError('INVALID_ARGUMENT', `${flag} expects a number, got "${value}"`);
  return n;
}
