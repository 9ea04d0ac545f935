import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable, summarizeFrame } from '../../io/index.js';
import { TabpilotError } from '../../util/errors.js';
import { renderSummary } from './inspect.js';

// Temporary demo (IO owner): inspects the shipped Ames housing fixture. The Autopilot owner replaces it
// with the full Autopilot run.
export const help = `Usage: tabpilot demo

Inspects the shipped Ames housing dataset (fixtures/ames.csv) with Sale_Price as the target.`;

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export async function run(_argv: string[]): Promise<number> {
  const file = path.join(projectRoot(), 'fixtures', 'ames.csv');
  if (!existsSync(file)) throw new TabpilotError('FILE_NOT_FOUND', 'the demo dataset is missing', { file });
  const { frame, report } = await readTable(file);
  console.log(renderSummary(summarizeFrame(frame, report, 'Sale_Price')));
  return 0;
}
