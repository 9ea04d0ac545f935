import cluster from 'node:cluster';
import {
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_EXPLAIN_ROWS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_ROWS,
} from '../../serve/limits.js';
import { keysFromEnvironment, parseKeys } from '../../serve/negotiate.js';
import { serve } from '../../serve/run.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot serve MODEL_DIR [--host 127.0.0.1] [--port 8080] [--workers N]
                      [--max-body-mb 6] [--max-rows 10000] [--max-explain-rows 1000] [--max-in-flight 32]
                      [--drain-timeout 10] [--keys predicted_label,probability] [--background FILE]
                      [--feature-store DIR --lookup GROUP:ID_COLUMN ...]

Serves a model directory with SageMaker's inference container contract:
  GET  /ping          200 once the model is loaded
  POST /invocations   text/csv (rows without header, training column order), application/json
                      ({"instances": [...]}: arrays or objects by column name) or application/jsonlines

The Accept header picks the output format and keys, e.g.
  Accept: application/json; keys="predicted_label,probability,probabilities,labels"
  Accept: text/csv; keys=predicted_label+probability; explain=true
Default keys: --keys, else env SAGEMAKER_INFERENCE_OUTPUT, else predicted_label.
explain=true adds SHAP contributions (TreeSHAP for tree models; for other models the server needs
--background FILE, rows used as the baseline distribution).

Options:
  --host H          interface to bind (default 127.0.0.1: loopback only)
  --port P          TCP port (default 8080; 0 picks a free port)
  --workers N       processes sharing the port (node:cluster; default 1)
  --max-body-mb M   request body limit in MiB; larger bodies get 413 (default 6, as SageMaker)
  --max-rows N      rows per request; more get 413 (default 10000)
  --max-explain-rows N  rows per request with explain=true; more get 413 (default 1000)
  --max-in-flight N request bodies received or worked on at once; more get 503 + Retry-After (default 32)
  --drain-timeout S on SIGTERM, seconds to let in-flight requests finish before closing them (default 10)
  --keys K          default response keys
  --background FILE baseline rows for explanations of non-tree models
  --access-log      print one line per request (time, pid, method, path, status, handler ms)
  --feature-store DIR  Feature Store the lookups read (default ./feature-store)
  --lookup GROUP:ID_COLUMN  fill the model features feature group GROUP supplies from its online store,
                    by the request's ID_COLUMN (repeatable). Requests then carry ID_COLUMN; CSV rows and
                    arrays hold the other features (training order), then ID_COLUMN. A value the request
                    has wins over the store's; unknown, deleted or expired ids leave the features missing.
SIGTERM or SIGINT stops accepting connections and exits after in-flight requests are answered
(or closed at the drain timeout). A busy port, an unusable --host or a bad model directory is one line, exit 2.`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      'max-body-mb': { type: 'string' },
      'max-rows': { type: 'string' },
      'max-explain-rows': { type: 'string' },
      'max-in-flight': { type: 'string' },
      'drain-timeout': { type: 'string' },
      keys: { type: 'string' },
      background: { type: 'string' },
      'access-log': { type: 'boolean' },
      'feature-store': { type: 'string' },
      lookup: { type: 'string', multiple: true },
    },
    'serve',
  );
  const values = parsed.values as Record<string, string | undefined>;
  const accessLog = (parsed.values as Record<string, unknown>)['access-log'] === true;
  const positionals = parsed.positionals;
  if (positionals.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'serve: expected one MODEL_DIR');
  const port = requireNumber(values.port, '--port', 8080);
  const workers = requireNumber(values.workers, '--workers', 1);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TabpilotError('INVALID_ARGUMENT', `--port must be an integer in [0, 65535], got ${port}`);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new TabpilotError('INVALID_ARGUMENT', `--workers must be an integer in [1, 64], got ${workers}`);
  const maxMb = requireNumber(values['max-body-mb'], '--max-body-mb', DEFAULT_MAX_BODY_BYTES / 2 ** 20);
  if (!(maxMb > 0)) throw new TabpilotError('INVALID_ARGUMENT', '--max-body-mb must be positive');
  const maxRows = positiveInteger(values['max-rows'], '--max-rows', DEFAULT_MAX_ROWS);
  const maxExplainRows = positiveInteger(values['max-explain-rows'], '--max-explain-rows', DEFAULT_MAX_EXPLAIN_ROWS);
  const maxInFlight = positiveInteger(values['max-in-flight'], '--max-in-flight', DEFAULT_MAX_IN_FLIGHT);
  const drainSeconds = requireNumber(values['drain-timeout'], '--drain-timeout', DEFAULT_DRAIN_TIMEOUT_MS / 1000);
  if (!(drainSeconds >= 0)) throw new TabpilotError('INVALID_ARGUMENT', `--drain-timeout must be a number of seconds >= 0, got ${drainSeconds}`);
  const lookupValues = (parsed.values as Record<string, unknown>).lookup as string[] | undefined;
  // The lookup module opens SQLite: loaded only when asked for.
  const lookups = lookupValues === undefined ? [] : await import('../../serve/lookup.js').then(({ parseLookup }) => lookupValues.map((v) => parseLookup(v)));
  const featureStore = values['feature-store'];
  if (featureStore !== undefined && lookups.length === 0) throw new TabpilotError('INVALID_ARGUMENT', '--feature-store needs at least one --lookup GROUP:ID_COLUMN');
  const background = values.background;
  const { explainerForServing } = await import('../../explain/index.js');
  const backgroundFrame = background !== undefined ? await loadBackground(background) : undefined;
  try {
    await serve({
      modelDir: positionals[0],
      host: values.host ?? '127.0.0.1',
      port,
      workers,
      maxBodyBytes: Math.floor(maxMb * 2 ** 20),
      maxRows,
      maxExplainRows,
      maxInFlight,
      drainTimeoutMs: Math.round(drainSeconds * 1000),
      defaultKeys: values.keys !== undefined ? parseKeys(values.keys, '--keys') : keysFromEnvironment(),
      explainer: (pipeline) => explainerForServing(pipeline, backgroundFrame),
      accessLog,
      featureStore,
      lookups,
    });
  } catch (e) {
    // A cluster worker has reported its failure to the primary, which prints it once.
    if (cluster.isWorker) return 2;
    throw e;
  }
  return 0;
}

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  const n = requireNumber(value, flag, fallback);
  if (!Number.isInteger(n) || n < 1) throw new TabpilotError('INVALID_ARGUMENT', `${flag} must be a positive integer, got ${value}`);
  return n;
}

async function loadBackground(file: string) {
  const { readTable } = await import('../../io/index.js');
  return (await readTable(file)).frame;
}
