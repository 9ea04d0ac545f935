import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import type { AutopilotJob } from '../src/automl/job.js';
import type { CandidateDefinition } from '../src/automl/types.js';
import { RedisBackend, autopilotWith, decodeDataset, encodeDataset, parseBackend } from '../src/distributed/index.js';
import { readTable } from '../src/io/index.js';
import { type Proc, ROOT, RedisServer, fixture, freePort, redisTestsUnavailable, sleep, startWorkerProcess, tabpilot } from './scale-out-helpers.js';

/**
 * Scale-out on a real redis-server (started here on a free port, killed in afterAll) with real `tabpilot worker`
 * processes: the same leaderboard as the local pool, a worker killed mid-trial, Redis lost mid-job, a worker
 * of another version, Redis unreachable, and no task past its deadline.
 */

const unavailable = redisTestsUnavailable();
const workers: Proc[] = [];
let server: RedisServer;

/** A holdout job (one trial per candidate, then the refit of the chosen ones) on pima. */
const HOLDOUT = 0.2;
const SEED = 3;
const FAST: CandidateDefinition[] = [
  { learner: 'linear', hyperparameters: { C: 1 } },
  { learner: 'gbdt', hyperparameters: { numRounds: 40 } },
  { learner: 'rf', hyperparameters: { numTrees: 20 } },
  { learner: 'linear', hyperparameters: { C: 0.05 } },
];
/** A trial long enough (about a second) to kill its worker in the middle of it. */
const SLOW: CandidateDefinition = { learner: 'gbdt', hyperparameters: { numRounds: 400, learningRate: 0.02 } };

async function pima() {
  return (await readTable(fixture('pima_diabetes2.csv'))).frame;
}

/** What must match between two runs: every row's id, status and scores. */
function board(job: AutopilotJob) {
  return job.leaderboard.map((r) => ({ id: r.candidateId, status: r.status, objective: r.objective, metrics: r.metrics }));
}

async function localJob(candidates: CandidateDefinition[]): Promise<AutopilotJob> {
  return autopilot({ data: await pima(), target: 'diabetes', candidates, seed: SEED, validationFraction: HOLDOUT, instances: 2 });
}

async function remoteJob(candidates: CandidateDefinition[]) {
  return autopilotWith(server.url, undefined, { data: await pima(), target: 'diabetes', candidates, seed: SEED, validationFraction: HOLDOUT });
}

async function stopWorkers(): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
}

describe('scale-out on Redis + BullMQ', () => {
  beforeAll(async () => {
    if (unavailable !== null) return;
    server = new RedisServer(await freePort());
    await server.start();
  });
  afterAll(async () => {
    await stopWorkers();
    await server?.kill();
  });

  it('withdraws a task nobody took by its deadline, so no worker runs it later', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const backend = await RedisBackend.connect(parseBackend(server.url));
    try {
      const t0 = Date.now();
      const err = await backend.run('trial', { never: 'run' }, 300).catch((e: unknown) => e as { code?: string });
      expect(err).toMatchObject({ code: 'POOL_TASK_TIMEOUT' });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await backend.close();
    }
    const client = new Redis(server.url);
    expect(await client.llen('tabpilot:tasks:wait')).toBe(0);
    client.disconnect();
  });

  it('round-trips the job data exactly through Arrow IPC', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const frame = await pima();
    const foldOf = Int32Array.from({ length: frame.numRows * 3 }, (_, i) => i % 5);
    const parts = { features: frame.select(frame.columnNames.filter((c) => c !== 'diabetes')), target: frame.column('diabetes'), foldOf, sampleWeight: Float64Array.from({ length: frame.numRows }, (_, i) => (i % 7) / 3), binned: true };
    const back = decodeDataset(encodeDataset(parts));
    expect(back.features.columnNames).toEqual(parts.features.columnNames);
    for (const c of parts.features.columns) expect(back.features.column(c.name)).toEqual(c);
    expect(back.target).toEqual(parts.target);
    expect(back.foldOf).toEqual(foldOf);
    expect(back.sampleWeight).toEqual(parts.sampleWeight);
  });

  it('gives the same leaderboard as the local pool for the same seed and candidates, publishing the data once', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    workers.push(await startWorkerProcess(server.url), await startWorkerProcess(server.url));
    const local = await localJob(FAST);
    const { job, lost } = await remoteJob(FAST);
    expect(lost).toBeNull();
    expect(board(job)).toEqual(board(local));
    expect(job.settings.instances).toBe(2);
    // Both workers took trials, and the data went into Redis once, under its hash.
    expect(workers.every((w) => w.lines.some((l) => /finished trial/.test(l)))).toBe(true);
    const client = new Redis(server.url);
    expect((await client.keys('tabpilot:data:*')).length).toBe(1);
    client.disconnect();
  });

  it('retries a trial whose worker is killed -9 mid-trial on another worker, with the same result', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const candidates = [SLOW, FAST[0]];
    const local = await localJob(candidates);
    const running = remoteJob(candidates);
    const victim = await Promise.race(workers.map((w) => w.waitFor(/started trial c000-gbdt\/fold0/).then(() => w)));
    victim.kill9();
    const { job, lost } = await running;
    expect(lost).toBeNull();
    expect(board(job)).toEqual(board(local));
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.lines.some((l) => /finished trial c000-gbdt\/fold0/.test(l))).toBe(true);
    await stopWorkers();
  });

  it('records a trial as Failed when its worker is killed a second time', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const [a, b] = [await startWorkerProcess(server.url), await startWorkerProcess(server.url)];
    workers.push(a, b);
    const running = remoteJob([SLOW, FAST[0]]);
    const first = await Promise.race([a, b].map((w) => w.waitFor(/started trial c000-gbdt\/fold0/).then(() => w)));
    first.kill9();
    const second = first === a ? b : a;
    await second.waitFor(/started trial c000-gbdt\/fold0/, 20_000);
    second.kill9();
    workers.push(await startWorkerProcess(server.url));
    const { job } = await running;
    const row = job.leaderboard.find((r) => r.candidateId === 'c000-gbdt')!;
    expect(row.status).toBe('Failed');
    expect(row.failureReason).toMatch(/worker stopped twice/);
    expect(job.leaderboard.find((r) => r.candidateId === 'c001-linear')!.status).toBe('Completed');
    await stopWorkers();
  });

  it('refuses tasks on a worker of another tabpilot version, with a clear message', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const other = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-other-version-'));
    cpSync(path.join(ROOT, 'dist', 'src'), path.join(other, 'dist', 'src'), { recursive: true });
    writeFileSync(path.join(other, 'package.json'), JSON.stringify({ name: 'tabpilot', version: '9.9.9', type: 'module' }));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(other, 'node_modules'));
    const w = await startWorkerProcess(server.url, [], path.join(other, 'dist', 'src', 'cli', 'main.js'));
    workers.push(w);
    const err = await remoteJob([FAST[0]]).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/worker runs tabpilot 9\.9\.9 and refuses a task from a tabpilot 0\.\d+\.\d+ coordinator/);
    await w.waitFor(/refused trial c000-linear/);
    await stopWorkers();
  });

  it('exits non-zero with the partial leaderboard saved when Redis restarts mid-job; workers reconnect', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    workers.push(await startWorkerProcess(server.url));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-lost-'));
    const candidatesFile = path.join(dir, 'candidates.json');
    writeFileSync(candidatesFile, JSON.stringify([FAST[0], SLOW, { ...SLOW, hyperparameters: { numRounds: 401 } }]));
    const out = path.join(dir, 'job');
    const coordinator = tabpilot(['autopilot', fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--candidates', candidatesFile, '--seed', String(SEED), '--validation-fraction', String(HOLDOUT), '--backend', server.url, '--no-report', '--out', out]);
    await coordinator.waitFor(/c000-linear F1=/);
    await server.kill();
    await server.start();
    const code = await coordinator.exited;
    expect(code).toBe(1);
    expect(coordinator.lines.join('\n')).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ restarted and lost this job's queued tasks; stopped launching trials and saved the partial leaderboard/);
    const csv = readFileSync(path.join(out, 'leaderboard.csv'), 'utf8');
    expect(csv).toMatch(/c000-linear[^\n]*Completed/);
    expect(csv).not.toMatch(/c002-gbdt[^\n]*Completed/);
    // c002 was either queued when Redis restarted (Failed) or never launched (Stopped by the stop signal): either
    // way its reason names the lost backend, never "out of time".
    expect(csv).toMatch(/c002-gbdt[^\n]*(Stopped[^\n]*the job was stopped before every fold was fitted: |Failed[^\n]*)Redis at redis:\/\/127\.0\.0\.1:\d+ restarted and lost/);
    expect(csv).not.toMatch(/ran out of time/);
    // The worker survived the restart and is back in the list of live workers.
    const list = async () => {
      const p = tabpilot(['workers', '--backend', server.url]);
      await p.exited;
      return p.lines.join('\n');
    };
    let text = await list();
    for (let i = 0; i < 20 && !/0\.\d+\.\d+\s+1\s/.test(text); i++) {
      await sleep(500);
      text = await list();
    }
    expect(text).toMatch(/host\s+pid\s+version\s+concurrency/);
    expect(text).toMatch(/0\.\d+\.\d+\s+1\s/);
    await stopWorkers();
  });

  it('fails fast with one line and exit code 2 when Redis cannot be reached', async (ctx) => {
    if (unavailable !== null) ctx.skip(unavailable);
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const ap = tabpilot(['autopilot', fixture('pima_diabetes2.csv'), '--target', 'diabetes', '--max-candidates', '1', '--backend', closed, '--quiet', '--out', path.join(os.tmpdir(), 'tabpilot-never')]);
    expect(await ap.exited).toBe(2);
    expect(ap.lines).toEqual([expect.stringMatching(new RegExp(`^tabpilot: cannot reach Redis at ${closed.replace(/\./g, '\\.')}: ECONNREFUSED`))]);
    const w = tabpilot(['worker', '--backend', closed]);
    expect(await w.exited).toBe(2);
    expect(w.lines).toHaveLength(1);
    expect(existsSync(path.join(os.tmpdir(), 'tabpilot-never', 'leaderboard.csv'))).toBe(false);
  });
});
