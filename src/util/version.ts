import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TabpilotError } from './errors.js';

/** Folders walked up from this module to the package root (src/util, dist/src/util, dist/cjs/src/util). */
const MAX_LEVELS_UP = 5;

let cached: string | undefined;

/**
 * The version of this tabpilot, read at runtime from its package.json (found by walking up from this module,
 * so it is the same from src/, dist/ and an installed package). Recorded in model.json and printed by the CLI.
 */
export function tabpilotVersion(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < MAX_LEVELS_UP; up++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    if (pkg.name === 'tabpilot' && typeof pkg.version === 'string') return (cached = pkg.version);
  }
  throw new TabpilotError('INTERNAL', 'cannot find the tabpilot package.json to read its version');
}
