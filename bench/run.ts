import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchSuite, formatTable, writeResult } from './harness.js';

/**
 * `npm run bench [-- suite ...]`: runs the named suites (all when none are named). Each suite is a module
 * bench/suites/<name>.ts exporting `suite: BenchSuite`.
 */
const suitesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'suites');

function available(): string[] {
  if (!existsSync(suitesDir)) return [];
  return readdirSync(suitesDir)
    .filter((f) => f.endsWith('.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .filter((v, i, a) => a.indexOf(v) === i)
    .sort();
}

async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('-'));
  const all = available();
  const chosen = names.length > 0 ? names : all;
  for (const name of chosen) {
    if (!all.includes(name)) {
      console.error(`bench: unknown suite "${name}"; available: ${all.join(', ')}`);
      return 2;
    }
  }
  for (const name of chosen) {
    const mod = (await import(`./suites/${name}.js`)) as { suite: BenchSuite };
    console.log(`\n== ${name}: ${mod.suite.description}`);
    const result = await mod.suite.run(argv.filter((a) => a !== name));
    console.log(formatTable(result.rows));
    for (const n of result.notes) console.log(`note: ${n}`);
    console.log(`wrote ${writeResult(result)}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
