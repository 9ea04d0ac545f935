import { connectRedis, listWorkers, parseBackend } from '../../distributed/index.js';
import { parseCommandArgs } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot workers --backend redis://HOST:PORT [--json]

Lists the live workers of a Redis backend: host, process id, tabpilot version, concurrency and the tasks they
are running now. A worker that stopped disappears within a few seconds.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { backend: { type: 'string' }, json: { type: 'boolean' } }, 'workers');
  if (positionals.length > 0) throw new TabpilotError('INVALID_ARGUMENT', `workers: unexpected argument "${positionals[0]}"`);
  const backend = values.backend as string | undefined;
  if (backend === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'workers: --backend redis://HOST:PORT is required');
  const redis = await connectRedis(parseBackend(backend));
  try {
    const workers = await listWorkers(redis);
    if (values.json === true) {
      console.log(JSON.stringify(workers, null, 2));
      return 0;
    }
    if (workers.length === 0) {
      console.log('no live workers');
      return 0;
    }
    const rows = workers.map((w) => [w.host, String(w.pid), w.version, String(w.concurrency), String(w.tasksDone), `${Math.round((Date.now() - w.startedAt) / 1000)} s`, w.current.length > 0 ? w.current.join('; ') : 'idle']);
    const header = ['host', 'pid', 'version', 'concurrency', 'done', 'up', 'current task'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    console.log([line(header), ...rows.map(line)].join('\n'));
    return 0;
  } finally {
    redis.disconnect();
  }
}
