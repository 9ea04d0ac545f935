import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { autopilot } from '../../src/automl/autopilot.js';
import type { AutopilotJob } from '../../src/automl/job.js';
import type { CandidateDefinition } from '../../src/automl/types.js';
import { RedisBackend, autopilotWith, parseBackend } from '../../src/distributed/index.js';
import { loadBullMq } from '../../src/distributed/optional.js';
import { QUEUE_PREFIX, TASK_QUEUE } from '../../src/distributed/protocol.js';
import { readTable } from '../../src/io/index.js';
import { Semaphore } from '../../src/util/pool.js';
import { type BenchRow, type BenchSuite, PROJECT_ROOT, type SuiteResult } from '../harness.js';

/**
 * Scale-out overhead: the same fixed candidate list (cross-validated on the concrete fixture) on
 *   (a) the local pool with 2 worker threads, and
 *   (b) a local redis-server with 2 `tabpilot worker` processes (concurrency 1 each);
 * the claim is (b)/(a) <= 1.15 with identical leaderboards. Then a simulated run: 16 workers that sleep each
 * trial's recorded cost (the fold fits of (a), replayed SIM_ROUNDS times) fed by the coordinator's queue; the
 * claim is that they are >= 90% busy (sum of costs / (16 x makespan)). Needs redis-server on the PATH.
 */

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const SEED = 7;
const TARGET = 'compressive_strength';
const CANDIDATES: CandidateDefinition[] = [
  { learner: 'gbdt', hyperparameters: { numRounds: 300 } },
  { learner: 'rf', hyperparameters: { numTrees: 100 } },
  { learner: 'linear', hyperparameters: { C: 1 } },
  { learner: 'extratrees', hyperparameters: { numTrees: 100 } },
  { learner: 'gbdt', hyperparameters: { numRounds: 600, learningRate: 0.05 } },
  { learner: 'linear', hyperparameters: { C: 0.1 } },
];
/** Simulated workers. */
const SIM_WORKERS = 16;
/** The recorded trial costs are replayed this many times, so the run is long against its last task. */
const SIM_ROUNDS = 12;
/** Claims. */
const MAX_OVERHEAD = 1.15;
const MIN_BUSY = 0.9;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForLine(child: ChildProcess, re: RegExp): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      if (re.test(d.toString())) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => reject(new Error(`process exited before printing ${re}`)));
  });
}

function board(job: AutopilotJob): string {
  return JSON.stringify(job.leaderboard.map((r) => [r.candidateId, r.status, r.objective]));
}

/** 16 in-process workers that sleep `sleepMs`; returns the busy fraction of the coordinator's run. */
async function simulate(url: string, costsMs: readonly number[]): Promise<{ busy: number; makespanS: number; tasks: number }> {
  const address = parseBackend(url);
  const { Worker } = await loadBullMq();
  const workers = Array.from(
    { length: SIM_WORKERS },
    () =>
      new Worker(TASK_QUEUE, async (job) => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), (job.data.body as { sleepMs: number }).sleepMs)), {
        connection: { ...address.options, maxRetriesPerRequest: null },
        prefix: QUEUE_PREFIX,
        concurrency: 1,
      }),
  );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const backend = await RedisBackend.connect(address);
  const tasks = Array.from({ length: SIM_ROUNDS }, () => costsMs).flat();
  const semaphore = new Semaphore(SIM_WORKERS);
  const t0 = performance.now();
  await Promise.all(tasks.map((sleepMs) => semaphore.run(() => backend.run('trial', { sleepMs }))));
  const makespan = performance.now() - t0;
  await backend.close();
  await Promise.all(workers.map((w) => w.close()));
  const total = tasks.reduce((s, x) => s + x, 0);
  return { busy: total / (SIM_WORKERS * makespan), makespanS: makespan / 1000, tasks: tasks.length };
}

export const suite: BenchSuite = {
  description: 'Autopilot on the local pool vs Redis + BullMQ workers; coordinator utilisation of 16 simulated workers',
  async run(): Promise<SuiteResult> {
    const { frame } = await readTable(path.join(PROJECT_ROOT, 'fixtures', 'concrete.csv'));
    const options = { data: frame, target: TARGET, candidates: CANDIDATES, seed: SEED };
    const notes: string[] = [];
    const t0 = performance.now();
    const local = await autopilot({ ...options, instances: 2 });
    const localS = (performance.now() - t0) / 1000;

    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(redis, /Ready to accept connections/);
    const url = `redis://127.0.0.1:${port}`;
    const workerProcs = [0, 1].map(() => spawn(process.execPath, [CLI, 'worker', '--backend', url, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await Promise.all(workerProcs.map((w) => waitForLine(w, /task\(s\) at a time/)));
      const t1 = performance.now();
      const remote = await autopilotWith(url, undefined, options);
      const remoteS = (performance.now() - t1) / 1000;
      for (const w of workerProcs) w.kill('SIGTERM');
      const same = board(remote.job) === board(local);
      const ratio = remoteS / localS;
      // Each candidate's fit time, split evenly over its fold fits: the recorded trial costs.
      const folds = Math.max(1, local.settings.validation.kind === 'cv' ? local.settings.validation.folds : 1);
      const costsMs = local.leaderboard.filter((r) => r.learner !== 'ensemble').flatMap((r) => Array.from({ length: folds }, () => (r.fitSeconds * 1000) / folds));
      const sim = await simulate(url, costsMs);
      const rows: BenchRow[] = [
        { run: 'local pool, 2 threads', seconds: localS, ratio: 1, claim: '-', ok: '-' },
        { run: 'Redis, 2 worker processes', seconds: remoteS, ratio, claim: `<= ${MAX_OVERHEAD}, same leaderboard`, ok: ratio <= MAX_OVERHEAD && same ? 'yes' : 'NO' },
        { run: `simulated ${SIM_WORKERS} workers, ${sim.tasks} trials`, seconds: sim.makespanS, ratio: sim.busy, claim: `busy >= ${MIN_BUSY}`, ok: sim.busy >= MIN_BUSY ? 'yes' : 'NO' },
      ];
      if (!same) notes.push('the Redis leaderboard differs from the local one');
      notes.push(`${CANDIDATES.length} fixed candidates, ${local.settings.validation.kind === 'cv' ? `${folds}-fold CV` : 'holdout'} on fixtures/concrete.csv (${frame.numRows} rows); ratio of the simulated row = busy fraction`);
      return { suite: 'scale-out', rows, notes, extra: { localSeconds: localS, remoteSeconds: remoteS, overhead: ratio, sameLeaderboard: same, simulated: sim } };
    } finally {
      for (const w of workerProcs) if (w.exitCode === null) w.kill('SIGTERM');
      redis.kill('SIGTERM');
    }
  },
};
