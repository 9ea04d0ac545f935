import {
  type InstanceResult,
  RedisBackend,
  failedJobError,
  parseBackend,
  parseInputFlag,
  parseOutputFlag,
  runProcessingLocal,
  runProcessingOnBackend,
} from '../../distributed/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot process MODULE.js --input NAME=PATH[:sharded|replicated] --output NAME=DIR [options] [-- ARGS]

Processing job: runs the default export of MODULE.js once per instance, as
  export default async function ({ inputs, outputs, instance, instanceCount, args }) { ... }
inputs[NAME].files are the input files this instance gets (sharded: the files are split across instances by
key, i.e. by their sorted path relative to PATH; replicated, the default: every instance gets all of them);
outputs[NAME] is this instance's folder DIR/instance-<i>; args are the arguments after --. Each instance runs
in its own process; a failing instance fails the job with its error and log.

Built in: builtin:batch-transform (predictions of a model for every file of one input):
  tabpilot process builtin:batch-transform --input data=DIR:sharded --output predictions=OUT --instances 4 -- --model MODEL_DIR

Options:
  --input NAME=PATH[:D]  an input file or folder (repeatable); D = sharded | replicated (default)
  --output NAME=DIR      an output folder (repeatable)
  --instances N          instances (default 1)
  --backend URL          run the instances on the workers of this Redis backend (paths must be the same there)
  --max-runtime S        stop every instance after S seconds (the job fails)
  --json                 print the per-instance results as JSON`;

/** Lines of a failed instance's log printed with its error. */
const LOG_TAIL_LINES = 40;

function printResults(results: readonly InstanceResult[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify(results.map(({ log: _log, ...r }) => r), null, 2));
    return;
  }
  for (const r of results) console.log(`instance ${r.instance}: ${r.ok ? 'ok' : `FAILED: ${r.error}`} (${r.seconds.toFixed(1)} s${r.host ? `, ${r.host}` : ''})`);
}

export async function run(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const args = dash >= 0 ? argv.slice(dash + 1) : [];
  const { values, positionals } = parseCommandArgs(
    own,
    {
      input: { type: 'string', multiple: true },
      output: { type: 'string', multiple: true },
      instances: { type: 'string' },
      backend: { type: 'string' },
      'max-runtime': { type: 'string' },
      json: { type: 'boolean' },
    },
    'process',
  );
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'process: expected one MODULE.js (or builtin:batch-transform); see tabpilot process --help');
  const job = {
    module: positionals[0],
    inputs: ((values.input as string[] | undefined) ?? []).map(parseInputFlag),
    outputs: ((values.output as string[] | undefined) ?? []).map(parseOutputFlag),
    instances: values.instances !== undefined ? requireNumber(values.instances as string, '--instances') : 1,
    args,
  };
  const maxRuntime = values['max-runtime'] !== undefined ? requireNumber(values['max-runtime'] as string, '--max-runtime') : undefined;
  if (maxRuntime !== undefined && !(maxRuntime > 0)) throw new TabpilotError('INVALID_ARGUMENT', `--max-runtime must be a positive number of seconds, got ${maxRuntime}`);
  const timeoutMs = maxRuntime !== undefined ? maxRuntime * 1000 : undefined;
  let results: InstanceResult[];
  if (values.backend !== undefined) {
    const backend = await RedisBackend.connect(parseBackend(values.backend as string));
    try {
      results = await runProcessingOnBackend(job, backend, timeoutMs);
    } finally {
      await backend.close();
    }
  } else {
    results = await runProcessingLocal(job, timeoutMs);
  }
  printResults(results, values.json === true);
  const failure = failedJobError(results);
  if (failure === null) return 0;
  const first = results.find((r) => !r.ok)!;
  if (first.log.trim() !== '') console.error(`--- log of instance ${first.instance} (end) ---\n${first.log.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')}\n---`);
  console.error(`tabpilot: ${failure.message}`);
  return 1;
}
