import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { type BenchSuite, type BenchRow, PROJECT_ROOT, SHARED_DATASETS, timeIt } from '../harness.js';
import { schemaOf } from '../../src/frame/align.js';
import { cellString } from '../../src/frame/column.js';
import type { Frame } from '../../src/frame/frame.js';
import { readTable } from '../../src/io/index.js';
import { explainPipeline } from '../../src/explain/index.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { getLearnerSpec } from '../../src/models/registry.js';
import { Random } from '../../src/util/random.js';

/**
 * Load test of `tabpilot serve` on loopback with autocannon: a 300-tree binary GBDT (credit_data, or the
 * pima fixture when the shared datasets are absent).
 *   1. single-row JSON requests at a fixed 500 requests/s (1 worker): p50/p99 latency, errors (target p99 <= 5 ms)
 *   2. max throughput of single-row requests with 1 worker and with --workers 2 (the ratio is the claim)
 *   3. 1,000-row CSV batches: rows/s over HTTP, against pipeline.predict in-process on the same rows
 * Every phase runs for a fixed time (default 8 s; `--seconds=N`), so the suite stops by itself.
 */

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');

/** The part of autocannon's API used here (the package ships no type declarations). */
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
/** autocannon's run: a promise of the result that also emits 'response' (client, status, bytes, milliseconds). */
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult> & { on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Server {
  child: ChildProcess;
  port: number;
  /** Handler milliseconds from the access log (when started with it). */
  handlerMs: number[];
}

function startServer(modelDir: string, workers: number, accessLog = false): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', modelDir, '--port', '0', '--workers', String(workers), ...(accessLog ? ['--access-log'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const handlerMs: number[] = [];
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (!accessLog) return;
      const text = partial + d.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const m = / (\d+\.\d+)ms$/.exec(line);
        if (m) handlerMs.push(Number(m[1]));
      }
    });
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), handlerMs });
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/**
 * Peer: a bare node:http server that reads the body and answers a constant, started the same way. Its latency
 * at the same request rate is the floor this machine imposes (HTTP, scheduling, autocannon itself).
 */
function startBaselineServer(): Promise<Server> {
  const script = `const http=require('node:http');const s=http.createServer((q,r)=>{q.resume();q.on('end',()=>{r.writeHead(200,{'Content-Type':'application/json'});r.end('{"predictions":[{"predicted_label":"good"}]}')})});s.listen(0,'127.0.0.1',()=>console.log('http://127.0.0.1:'+s.address().port));process.on('SIGTERM',()=>s.close(()=>process.exit(0)));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), handlerMs: [] });
    });
    child.on('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  total: number;
}

/** Percentile of sorted values (nearest rank). */
function percentile(sorted: readonly number[], f: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(f * sorted.length) - 1)];
}

async function load(opts: { port: number; body: string; contentType: string; connections: number; seconds: number; rate?: number; pipelining?: number }): Promise<LoadResult> {
  // Per-response times (hrtime, microsecond resolution): autocannon's own histogram keeps whole milliseconds,
  // too coarse to compare two sub-millisecond tails.
  const times: number[] = [];
  const run = autocannon({
    url: `http://127.0.0.1:${opts.port}/invocations`,
    method: 'POST',
    headers: { 'content-type': opts.contentType },
    body: opts.body,
    connections: opts.connections,
    duration: opts.seconds,
    pipelining: opts.pipelining ?? 1,
    ...(opts.rate !== undefined ? { overallRate: opts.rate } : {}),
  });
  run.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const result = await run;
  times.sort((a, b) => a - b);
  return {
    requestsPerSecond: result.requests.total / opts.seconds,
    p50: percentile(times, 0.5),
    p90: percentile(times, 0.9),
    p99: percentile(times, 0.99),
    max: times.length > 0 ? times[times.length - 1] : result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

/** Rounds of the same load: totals summed, latency percentiles as the median over rounds. */
function combine(rounds: LoadResult[]): LoadResult {
  const median = (vs: number[]): number => {
    const s = vs.slice().sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    requestsPerSecond: rounds.reduce((a, r) => a + r.requestsPerSecond, 0) / rounds.length,
    p50: median(rounds.map((r) => r.p50)),
    p90: median(rounds.map((r) => r.p90)),
    p99: median(rounds.map((r) => r.p99)),
    max: Math.max(...rounds.map((r) => r.max)),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    total: rounds.reduce((a, r) => a + r.total, 0),
  };
}

/**
 * Optional peer for TreeSHAP: xgboost's C++ TreeSHAP (`pred_contribs`) on an xgboost model of the same size
 * (300 rounds, 31 leaves, leaf-wise, single thread) trained on the same file (categoricals one-hot encoded).
 */
const XGBOOST_SHAP = `
import json, sys, time
import numpy as np, pandas as pd, xgboost as xgb
job = json.loads(sys.stdin.read())
df = pd.read_csv(job["file"])
y = (df[job["target"]].astype(str) == job["positive"]).to_numpy(dtype=float)
X = pd.get_dummies(df.drop(columns=[job["target"]])).astype(float)
b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "grow_policy": "lossguide", "max_leaves": 31, "max_depth": 0,
               "eta": 0.05, "nthread": 1, "min_child_weight": 1e-3}, xgb.DMatrix(X, label=y), num_boost_round=job["rounds"])
d = xgb.DMatrix(X.iloc[: job["rows"]])
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    c = b.predict(d, pred_contribs=True)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"rows_per_s": job["rows"] / best}))
`;

function xgboostShapRowsPerSecond(job: Record<string, unknown>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', XGBOOST_SHAP], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.on('error', () => resolve(null));
    child.on('exit', (code) => {
      try {
        resolve(code === 0 ? (JSON.parse(out.trim().split('\n').pop()!) as { rows_per_s: number }).rows_per_s : null);
      } catch {
        resolve(null);
      }
    });
    child.stdin!.end(JSON.stringify(job));
  });
}

function csvBody(frame: Frame, features: string[], rows: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    lines.push(
      features
        .map((f) => {
          const s = cellString(frame.column(f), r % frame.numRows);
          return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        })
        .join(','),
    );
  }
  return lines.join('\n');
}

/** What the fixed-rate phase asks of the endpoint (a choice: a busy single-model endpoint, well below saturation). */
const FIXED_RATE = 500;
/** Target: our p99 at most this multiple of the bare server's p99 in the same rounds (issue 13). */
const P99_VS_BARE_TARGET = 1.2;
/** Absolute target for the fixed-rate p99, milliseconds (spec). */
const P99_TARGET_MS = 5;

/**
 * Single-row JSON at a fixed rate, 1 worker, in rounds alternating with the bare node:http peer so both see the
 * same machine load; p50/p99 are medians over rounds. Our server runs as users run it (no access log); a
 * separate round with --access-log gives the time inside the handler (decode + predict + encode).
 */
async function fixedRatePhase(dir: string, oneRow: string, seconds: number): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const json = { body: oneRow, contentType: 'application/json', connections: 10 };
  const server = await startServer(dir, 1);
  const baseline = await startBaselineServer();
  await load({ port: server.port, ...json, connections: 4, seconds: 2 }); // warm-up
  await load({ port: baseline.port, ...json, connections: 4, seconds: 1 });
  const rounds = 4;
  const roundSeconds = Math.max(1, Math.round(seconds / 2));
  const ours: LoadResult[] = [];
  const peer: LoadResult[] = [];
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(await load({ port: server.port, ...json, seconds: roundSeconds, rate: FIXED_RATE }));
    peer.push(await load({ port: baseline.port, ...json, seconds: roundSeconds, rate: FIXED_RATE }));
    loads.push(os.loadavg()[0]);
  }
  await stopServer(baseline.child);
  await stopServer(server.child);
  const logged = await startServer(dir, 1, true);
  await load({ port: logged.port, ...json, connections: 4, seconds: 1 });
  logged.handlerMs.length = 0;
  await load({ port: logged.port, ...json, seconds: roundSeconds, rate: FIXED_RATE });
  await new Promise((r) => setTimeout(r, 400)); // let the buffered access log arrive
  await stopServer(logged.child);

  const fixed = combine(ours);
  const floor = combine(peer);
  const ratio = fixed.p99 / floor.p99;
  const load1 = loads.reduce((a, b) => a + b, 0) / loads.length;
  const rows: BenchRow[] = [
    { phase: `single-row JSON @ ${FIXED_RATE} req/s`, workers: 1, 'req/s': fixed.requestsPerSecond, 'rows/s': fixed.requestsPerSecond, 'p50 ms': fixed.p50, 'p99 ms': fixed.p99, 'max ms': fixed.max, errors: fixed.errors, ratio: null },
  ];
  const handler = logged.handlerMs.slice().sort((a, b) => a - b);
  if (handler.length > 0) {
    rows.push({ phase: '  same, server-side handler time', workers: 1, 'req/s': null, 'rows/s': null, 'p50 ms': percentile(handler, 0.5), 'p99 ms': percentile(handler, 0.99), 'max ms': handler[handler.length - 1], errors: null, ratio: null });
  }
  rows.push({ phase: `  peer: bare node:http constant answer @ ${FIXED_RATE} req/s`, workers: 1, 'req/s': floor.requestsPerSecond, 'rows/s': null, 'p50 ms': floor.p50, 'p99 ms': floor.p99, 'max ms': floor.max, errors: floor.errors, ratio: 1 });
  rows.push({ phase: `  p99 vs bare server (target <= ${P99_VS_BARE_TARGET}x: ${ratio <= P99_VS_BARE_TARGET ? 'met' : 'not met'}; load avg ${load1.toFixed(1)})`, workers: 1, 'req/s': null, 'rows/s': null, 'p50 ms': null, 'p99 ms': null, 'max ms': null, errors: null, ratio });
  const fmt = (rs: LoadResult[]): string => rs.map((o) => o.p99.toFixed(2)).join(', ');
  const notes = [
    `fixed-rate phase: ${rounds} rounds of ${roundSeconds} s alternating with the bare node:http peer; p50/p99 are medians over rounds of per-response times (per-round p99 ours: ${fmt(ours)} ms; peer: ${fmt(peer)} ms); ratio = our p99 / peer p99 (p50 ratio ${(fixed.p50 / floor.p50).toFixed(2)}x)`,
    `p99 vs bare server: ${ratio.toFixed(2)}x, target <= ${P99_VS_BARE_TARGET}x: ${ratio <= P99_VS_BARE_TARGET ? 'met' : 'NOT met'} (load average ${loads.map((l) => l.toFixed(1)).join(', ')} during the rounds, on ${os.cpus().length} cores shared with other jobs)`,
    `target p99 <= ${P99_TARGET_MS} ms at ${FIXED_RATE} req/s with zero errors: ${fixed.p99 <= P99_TARGET_MS && fixed.errors === 0 ? 'met' : 'NOT met'} (client p99 ${fixed.p99.toFixed(2)} ms, ${fixed.errors} errors of ${fixed.total})`,
    'server-side handler time (decode + predict + encode, from --access-log, one separate round) separates our work from scheduling delays on a busy machine',
  ];
  return { rows, notes };
}

export const suite: BenchSuite = {
  description: 'inference endpoint load test (autocannon on loopback, 300-tree GBDT)',
  async run(args: string[]) {
    const secondsArg = args.find((a) => a.startsWith('--seconds='));
    const seconds = secondsArg ? Math.max(1, Number(secondsArg.slice('--seconds='.length))) : 8;
    const notes: string[] = [];
    const shared = path.join(SHARED_DATASETS, 'credit_data.csv');
    const dataFile = existsSync(shared) ? shared : path.join(PROJECT_ROOT, 'fixtures', 'pima_diabetes2.csv');
    const target = dataFile === shared ? 'Status' : 'diabetes';
    const { frame } = await readTable(dataFile);
    const features = frame.columnNames.filter((c) => c !== target);
    const data = frame.select(features);
    const t0 = performance.now();
    const model = await getLearnerSpec('gbdt')
      .create({ numRounds: 300, earlyStoppingRounds: 0 })
      .fit(data, frame.column(target), { task: 'binary', rng: new Random(0) });
    const fitSeconds = (performance.now() - t0) / 1000;
    const pipeline = Pipeline.fromModel(model, { target, features: schemaOf(data) });
    const trees = (model as unknown as { numTrees?: number }).numTrees;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-bench-serve-'));
    await pipeline.save(dir);
    notes.push(`model: gbdt with ${trees} trees on ${path.basename(dataFile)} (${frame.numRows} rows, ${features.length} features; fit ${fitSeconds.toFixed(1)} s)`);
    notes.push(`machine: ${os.cpus().length} cores shared by the server, autocannon (same machine) and other jobs; numbers are noisy`);

    const rows: BenchRow[] = [];
    const oneRow = JSON.stringify({ instances: [features.map((f) => frame.row(0)[f])] });
    const batch = csvBody(frame, features, 1000);
    try {
      // 1. Fixed rate, one worker, against the bare node:http peer in the same rounds.
      const fixed = await fixedRatePhase(dir, oneRow, seconds);
      rows.push(...fixed.rows);
      notes.push(...fixed.notes);
      if (args.includes('--only=fixed')) return { suite: 'serve', rows, notes };

      let server = await startServer(dir, 1);
      await load({ port: server.port, body: oneRow, contentType: 'application/json', connections: 4, seconds: 2 });

      // 2. Max throughput, one worker then two.
      const max1 = await load({ port: server.port, body: oneRow, contentType: 'application/json', connections: 32, seconds });
      // 3. 1,000-row batches, one worker.
      const batch1 = await load({ port: server.port, body: batch, contentType: 'text/csv', connections: 4, seconds });
      await stopServer(server.child);

      server = await startServer(dir, 2);
      await load({ port: server.port, body: oneRow, contentType: 'application/json', connections: 4, seconds: 2 });
      const max2 = await load({ port: server.port, body: oneRow, contentType: 'application/json', connections: 32, seconds });
      const batch2 = await load({ port: server.port, body: batch, contentType: 'text/csv', connections: 4, seconds });
      await stopServer(server.child);

      rows.push({ phase: 'single-row JSON, max', workers: 1, 'req/s': max1.requestsPerSecond, 'rows/s': max1.requestsPerSecond, 'p50 ms': max1.p50, 'p99 ms': max1.p99, 'max ms': max1.max, errors: max1.errors, ratio: 1 });
      rows.push({ phase: 'single-row JSON, max', workers: 2, 'req/s': max2.requestsPerSecond, 'rows/s': max2.requestsPerSecond, 'p50 ms': max2.p50, 'p99 ms': max2.p99, 'max ms': max2.max, errors: max2.errors, ratio: max2.requestsPerSecond / max1.requestsPerSecond });

      // In-process peer: the same 1,000 rows through pipeline.predict, no HTTP, no parsing.
      const inProcessFrame = frame.take(Int32Array.from({ length: 1000 }, (_, i) => i % frame.numRows));
      pipeline.predict(inProcessFrame);
      // Best of 20: the least-disturbed run on a shared machine, as the HTTP phases' throughput is an average.
      const { ms } = await timeIt(() => pipeline.predict(inProcessFrame), 20);
      const inProcessRowsPerSecond = 1000 / (ms / 1000);
      rows.push({ phase: 'in-process predict, 1,000 rows (best of 20)', workers: null, 'req/s': null, 'rows/s': inProcessRowsPerSecond, 'p50 ms': ms, 'p99 ms': null, 'max ms': null, errors: 0, ratio: 1 });
      rows.push({ phase: '1,000-row CSV batches', workers: 1, 'req/s': batch1.requestsPerSecond, 'rows/s': batch1.requestsPerSecond * 1000, 'p50 ms': batch1.p50, 'p99 ms': batch1.p99, 'max ms': batch1.max, errors: batch1.errors, ratio: (batch1.requestsPerSecond * 1000) / inProcessRowsPerSecond });
      rows.push({ phase: '1,000-row CSV batches', workers: 2, 'req/s': batch2.requestsPerSecond, 'rows/s': batch2.requestsPerSecond * 1000, 'p50 ms': batch2.p50, 'p99 ms': batch2.p99, 'max ms': batch2.max, errors: batch2.errors, ratio: (batch2.requestsPerSecond * 1000) / inProcessRowsPerSecond });
      notes.push('ratio: --workers 2 vs 1 for max throughput; HTTP batch rows/s vs in-process pipeline.predict (single thread) for batches');

      // 4. TreeSHAP on 1,000 rows (in-process), against xgboost's C++ TreeSHAP when Python xgboost is installed.
      const shapRows = inProcessFrame.slice(0, 1000);
      explainPipeline(pipeline, shapRows.head(50));
      const shap = await timeIt(() => explainPipeline(pipeline, shapRows), 3);
      const shapRowsPerSecond = 1000 / (shap.ms / 1000);
      const xgbRowsPerSecond = dataFile === shared ? await xgboostShapRowsPerSecond({ file: dataFile, target, positive: pipeline.classes![1], rounds: 300, rows: 1000 }) : null;
      if (xgbRowsPerSecond !== null) rows.push({ phase: 'peer: xgboost pred_contribs, 1,000 rows (1 thread)', workers: null, 'req/s': null, 'rows/s': xgbRowsPerSecond, 'p50 ms': 1000 / (xgbRowsPerSecond / 1000), 'p99 ms': null, 'max ms': null, errors: null, ratio: 1 });
      else notes.push('xgboost TreeSHAP peer skipped (python3 with xgboost and pandas not available, or shared datasets absent)');
      rows.push({ phase: 'TreeSHAP explain, 1,000 rows (best of 3)', workers: null, 'req/s': null, 'rows/s': shapRowsPerSecond, 'p50 ms': shap.ms, 'p99 ms': null, 'max ms': null, errors: null, ratio: xgbRowsPerSecond !== null ? shapRowsPerSecond / xgbRowsPerSecond : null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { suite: 'serve', rows, notes };
  },
};
