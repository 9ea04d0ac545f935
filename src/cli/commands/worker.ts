import { DEFAULT_LOCK_MS, parseBackend, startWorker } from '../../distributed/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { availableCores } from '../../util/pool.js';

export const help = `Usage: tabpilot worker --backend redis://HOST:PORT [options]

Runs tasks of distributed jobs (Autopilot trials, processing instances) from a Redis + BullMQ backend. Start
any number of workers, on any machines that reach Redis; stop one with Ctrl-C (it finishes its running tasks).
A task whose worker dies goes back to the queue once, then fails. See docs/scale-out.md.

Options:
  --backend URL          redis://[user:password@]host:port[/db], or "redis" to read REDIS_URL (required)
  --concurrency N        tasks at once, each on its own worker thread (default: number of cores)
  --shared-dir DIR       the directory coordinators publish large data to, as mounted on this machine
  --memory-mb MB         V8 heap limit per trial thread
  --lock-ms MS           a task's lock without renewal (default ${DEFAULT_LOCK_MS}); a killed worker's task is retried after about this long
  --quiet                no log lines`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { backend: { type: 'string' }, concurrency: { type: 'string' }, 'shared-dir': { type: 'string' }, 'memory-mb': { type: 'string' }, 'lock-ms': { type: 'string' }, quiet: { type: 'boolean' } },
    'worker',
  );
  if (positionals.length > 0) throw new TabpilotError('INVALID_ARGUMENT', `worker: unexpected argument "${positionals[0]}"`);
  const backend = values.backend as string | undefined;
  if (backend === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'worker: --backend redis://HOST:PORT is required');
  const num = (name: string) => (values[name] !== undefined ? requireNumber(values[name] as string, `--${name}`) : undefined);
  const quiet = values.quiet === true;
  const handle = await startWorker({
    address: parseBackend(backend),
    concurrency: num('concurrency') ?? availableCores(),
    sharedDir: values['shared-dir'] as string | undefined,
    memoryMb: num('memory-mb'),
    lockMs: num('lock-ms'),
    log: quiet ? undefined : (line) => console.error(`[worker ${new Date().toISOString()}] ${line}`),
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await handle.close();
  return 0;
}
