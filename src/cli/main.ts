#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isTabpilotError } from '../util/errors.js';
import { userFsError } from '../util/output.js';
import { tabpilotVersion } from '../util/version.js';

/** Exit codes: bad input or usage (2), and an internal error (70, sysexits' EX_SOFTWARE). */
const EXIT_USER_ERROR = 2;
const EXIT_INTERNAL_ERROR = 70;

/**
 * The `tabpilot` command. Each subcommand lives in ./commands/<name>.ts and exports
 * `help: string` and `run(argv: string[]): Promise<number>` (the exit code). The CLI only parses
 * arguments and prints; the work is done by the same library functions users import.
 */
export interface CommandModule {
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, string> = {
  inspect: 'Show rows, columns, inferred types and statistics of a CSV/Parquet/Arrow file',
  convert: 'Convert between CSV, Parquet and Arrow IPC',
  train: 'Train one built-in algorithm (gbdt, rf, extratrees, linear, mlp)',
  predict: 'Batch transform: predictions for a CSV/Parquet file',
  autopilot: 'Cross-validated AutoML search with HPO and ensembling',
  demo: 'Run Autopilot on a shipped real dataset',
  flow: 'Run, validate, show or export a Data Wrangler flow',
  insights: 'Data Quality and Insights report (HTML + JSON)',
  analyze: 'Run one analysis (histogram, correlation, leakage, ...)',
  serve: 'Local inference endpoint (SageMaker container contract)',
  explain: 'SHAP contributions for rows of a file',
  report: 'Model quality report (HTML)',
  forecast: 'Time-series forecasting: backtested candidates, ensemble, quantile forecasts',
  features: 'Feature Store: feature groups, ingest, online get, point-in-time datasets',
  doctor: 'Version, Node, native kernels, MLP backend and worker threads of this installation',
  worker: 'Run tasks of distributed jobs from a Redis backend (scale-out)',
  workers: 'List the live workers of a Redis backend',
  process: 'Processing job: run a module once per instance over sharded or replicated inputs',
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return `Usage: tabpilot <command> [options]   (tabpilot --version [--verbose])\n\nCommands:\n${lines.join('\n')}\n\nRun 'tabpilot <command> --help' for a command's options.`;
}

async function loadCommand(name: string): Promise<CommandModule | null> {
  try {
    return (await import(`./commands/${name}.js`)) as CommandModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`commands/${name}.js`)) return null;
    throw e;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    // `--version --verbose` is `tabpilot doctor`.
    if (!rest.includes('--verbose')) console.log(tabpilotVersion());
    return rest.includes('--verbose') ? main(['doctor']) : 0;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    console.error(`tabpilot: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USER_ERROR;
  }
  const cmd = await loadCommand(name);
  if (cmd === null) {
    console.error(`tabpilot: command "${name}" is not available in this build`);
    return EXIT_USER_ERROR;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.help);
    return 0;
  }
  return cmd.run(rest);
}

function isEntryPoint(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // A file system error the user caused (no such file, permission denied, a pipe where a file belongs,
      // ...) is one line and exit code 2 like any bad input; anything else is a bug: stack and exit 70.
      const user = isTabpilotError(e) ? e : userFsError(e);
      if (user !== null) console.error(`tabpilot: ${user.message}`);
      else console.error(`tabpilot: internal error: ${(e as Error)?.stack ?? String(e)}`);
      process.exitCode = user !== null ? EXIT_USER_ERROR : EXIT_INTERNAL_ERROR;
    },
  );
}
