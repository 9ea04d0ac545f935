// Replays Autopilot's ensemble phase offline (issue 14): how the final model is chosen from the kept candidates,
// scored on the anchors' test rows. `harvest` runs Autopilot's search (the real plan, folds and portfolio) on the
// training rows of a shared dataset's split and saves, for every kept candidate, its out-of-fold predictions and the
// test-row predictions of its fold models; `compare` then tries the selection rules on the same predictions, so a
// rule is judged on identical candidates instead of on reruns whose searches differ by timing.
//
//   npm run build
//   node scripts/replay-ensemble.mjs harvest [--datasets=a,b] [--seeds=0-2] [--max-runtime=60]
//   node scripts/replay-ensemble.mjs compare [--small] [--bags=20] [--fraction=0.5] [--bag-seed=0]
//
// `compare` prints each set's test score under three rules (the best single candidate by out-of-fold score; greedy
// selection, what Autopilot does; bagged selection) and how often bagged beats greedy. --small keeps the sets under
// SMALL_DATA_ROWS training rows.
// Harvested files go to bench/results/ensemble-replay/<dataset>-<seed>.json (not committed: a few MB each);
// `harvest` skips a file that exists. The datasets default to the shared ones under SMALL_DATA_ROWS training rows.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(root, '../shared');
const OUT_DIR = path.join(root, 'bench', 'results', 'ensemble-replay');
const dist = (p) => import(path.join(root, 'dist', 'src', p));
const { readTable } = await dist('index.js');
const { planJob } = await dist('automl/plan.js');
const { search } = await dist('automl/search.js');
const { SearchState } = await dist('automl/search-state.js');
const { defaultTrialRunner } = await dist('automl/pool.js');
const { rankLeaderboard } = await dist('automl/leaderboard.js');
const { persist } = await dist('automl/persist.js');
const { SMALL_DATA_ROWS } = await dist('automl/portfolio.js');
const { caruanaSelection, scorePredictions } = await dist('automl/caruana.js');
const { Random } = await dist('util/random.js');
const { objectiveDirection } = await dist('metrics/index.js');
const { cellString, toFloat64 } = await dist('frame/column.js');

/** The quality bench's objectives (bench/suites/autopilot.ts). */
const OBJECTIVE = { binary: 'AUC', multiclass: 'LogLoss', regression: 'MSE' };
/** Autopilot's ensemble rounds (presets.ts 'balanced'). */
const ROUNDS = 25;
/** Bagged ensemble selection (Caruana et al. 2004, section 5.3), the alternative tried: bags over random halves. */
const BAGS = 20;
const BAG_FRACTION = 0.5;

const args = process.argv.slice(2);
const argValue = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const manifest = JSON.parse(readFileSync(path.join(SHARED, 'datasets', 'manifest.json'), 'utf8')).datasets;

function parseSeeds(text) {
  if (!text) return [0, 1, 2];
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return text.split(',').map(Number);
}

async function harvestOne(ds, seed, maxRuntime) {
  const file = path.join(OUT_DIR, `${ds.name}-${seed}.json`);
  if (existsSync(file)) return console.log(`${ds.name} seed ${seed}: exists, skipped`);
  const { frame } = await readTable(path.join(SHARED, 'datasets', ds.file));
  const split = JSON.parse(readFileSync(path.join(SHARED, 'anchors', 'splits', `${ds.name}.json`), 'utf8'));
  const testRows = split.test_indices[`seed${seed}`];
  const isTest = new Uint8Array(frame.numRows);
  for (const r of testRows) isTest[r] = 1;
  const trainRows = [];
  for (let r = 0; r < frame.numRows; r++) if (!isTest[r]) trainRows.push(r);
  const train = frame.take(Int32Array.from(trainRows));
  const test = frame.take(Int32Array.from(testRows));
  const objective = OBJECTIVE[ds.task];
  const plan = await planJob({ data: train, target: ds.target, problemType: ds.task, objective, maxRuntime, instances: 2, seed: 0, allowSmall: true });
  const state = new SearchState(plan.objective, plan.budget, undefined, undefined);
  const runner = defaultTrialRunner(plan.instances, plan.workerMemoryMb);
  try {
    await search(plan, state, runner);
  } finally {
    await runner.close();
  }
  const leaderboard = rankLeaderboard(state.results, undefined, plan.objective);
  const col = test.column(ds.target);
  const index = new Map((plan.classes ?? []).map((c, i) => [c, i]));
  const yTest = ds.task === 'regression' ? Array.from(toFloat64(col)) : Array.from({ length: col.length }, (_, i) => index.get(cellString(col, i)) ?? 0);
  const candidates = [];
  for (const r of state.completedByLoss()) {
    if (!r.oof || !r.members) continue;
    // The candidate's fold models, equally weighted, as the final model would hold them without a refit.
    const final = { members: r.members.map((member) => ({ member, weight: 1 / r.members.length })), refitted: false };
    const p = persist(plan, state, leaderboard, final, { setupDone: 0, searchDone: 0, ensembleDone: 0, refitDone: 0 }).predict(test);
    candidates.push({ id: r.candidate.id, oof: Array.from(r.oof), test: Array.from(ds.task === 'regression' ? p.prediction : p.probabilities) });
  }
  const out = { name: ds.name, task: ds.task, objective, seed, trainRows: trainRows.length, k: plan.k ?? null, yOof: Array.from(plan.yScored), yTest, candidates };
  writeFileSync(`${file}.tmp`, JSON.stringify(out));
  renameSync(`${file}.tmp`, file);
  console.log(`${ds.name} seed ${seed}: ${candidates.length} candidates kept`);
}

/** Greedy selection repeated over random subsets of the candidates, each bag's weights averaged. */
function baggedSelection(input, bags, fraction, seed) {
  const m = input.predictions.length;
  const weights = new Float64Array(m);
  const size = Math.min(m, Math.max(2, Math.round(fraction * m)));
  const random = new Random(seed);
  for (let b = 0; b < bags; b++) {
    const subset = random.permutation(m).subarray(0, size);
    const { counts } = caruanaSelection({ ...input, predictions: Array.from(subset, (j) => input.predictions[j]) });
    const total = counts.reduce((s, c) => s + c, 0);
    subset.forEach((j, i) => (weights[j] += counts[i] / total / bags));
  }
  return weights;
}

/** Rule name -> weights over the candidates (already ranked best first by out-of-fold objective). */
function rules(input) {
  const m = input.predictions.length;
  const single = new Float64Array(m);
  single[0] = 1;
  const counts = caruanaSelection(input).counts;
  const total = counts.reduce((s, c) => s + c, 0);
  return {
    single,
    greedy: Float64Array.from(counts, (c) => c / total),
    bagged: baggedSelection(input, Number(argValue('bags') ?? BAGS), Number(argValue('fraction') ?? BAG_FRACTION), Number(argValue('bag-seed') ?? 0)),
  };
}

function compare() {
  const files = readdirSync(OUT_DIR).filter((f) => f.endsWith('.json') && !(args.includes('--small') && JSON.parse(readFileSync(path.join(OUT_DIR, f), 'utf8')).trainRows >= SMALL_DATA_ROWS)).sort();
  const tally = { baggedBetter: 0, baggedWorse: 0, ties: 0, relative: [] };
  console.log('dataset-seed          rows  cands  test: single      greedy      bagged');
  for (const f of files) {
    const d = JSON.parse(readFileSync(path.join(OUT_DIR, f), 'utf8'));
    if (d.candidates.length < 2) continue;
    const yOof = d.task === 'regression' ? Float64Array.from(d.yOof) : Int32Array.from(d.yOof);
    const yTest = d.task === 'regression' ? Float64Array.from(d.yTest) : Int32Array.from(d.yTest);
    const oof = d.candidates.map((c) => Float64Array.from(c.oof));
    const test = d.candidates.map((c) => Float64Array.from(c.test));
    const input = { task: d.task, metric: d.objective, yTrue: yOof, predictions: oof, rounds: ROUNDS, numClasses: d.k ?? undefined };
    const sign = objectiveDirection(d.objective) === 'maximize' ? -1 : 1;
    const scores = Object.fromEntries(
      Object.entries(rules(input)).map(([name, w]) => {
        const p = new Float64Array(test[0].length);
        w.forEach((wj, j) => {
          if (wj > 0) for (let i = 0; i < p.length; i++) p[i] += wj * test[j][i];
        });
        return [name, scorePredictions(d.task, d.objective, yTest, p, d.k ?? undefined)];
      }),
    );
    const loss = (v) => sign * v;
    if (loss(scores.bagged) < loss(scores.greedy)) tally.baggedBetter++;
    else if (loss(scores.bagged) > loss(scores.greedy)) tally.baggedWorse++;
    else tally.ties++;
    tally.relative.push((loss(scores.bagged) - loss(scores.greedy)) / Math.abs(scores.greedy));
    const fmt = (v) => v.toPrecision(6).padStart(11);
    console.log(`${`${d.name}-${d.seed}`.padEnd(20)} ${String(d.trainRows).padStart(5)} ${String(d.candidates.length).padStart(6)}  ${fmt(scores.single)} ${fmt(scores.greedy)} ${fmt(scores.bagged)}`);
  }
  const mean = tally.relative.reduce((s, v) => s + v, 0) / Math.max(1, tally.relative.length);
  console.log(`bagged vs greedy on the test rows: better ${tally.baggedBetter}, worse ${tally.baggedWorse}, tied ${tally.ties}; mean relative loss change ${(100 * mean).toFixed(2)}%`);
}

if (args[0] === 'harvest') {
  mkdirSync(OUT_DIR, { recursive: true });
  const names = argValue('datasets')?.split(',');
  const chosen = manifest.filter((d) => (names ? names.includes(d.name) : d.rows * 0.8 < SMALL_DATA_ROWS));
  for (const seed of parseSeeds(argValue('seeds'))) for (const ds of chosen) await harvestOne(ds, seed, Number(argValue('max-runtime') ?? 60));
} else if (args[0] === 'compare') {
  compare();
} else {
  console.error('usage: node scripts/replay-ensemble.mjs harvest [--datasets=a,b] [--seeds=0-2] [--max-runtime=60] | compare [--small] [--bags=N] [--fraction=F] [--bag-seed=S]');
  process.exit(2);
}
