// Per-tree fit cost of `rf` vs `extratrees` (issue 13): fit time, nodes and depth per tree, and a digest of the
// predictions (same seed => same digest when only how split statistics are computed changes).
// Run: npx tsx scripts/forest-cost.mjs [numTrees]            (the TypeScript sources, via tsx)
//  or: npm run build && node scripts/forest-cost.mjs --dist [numTrees]   (the compiled code the CLI runs)
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const dist = args.includes('--dist');
const load = (mod) => import(dist ? `../dist/src/${mod}.js` : `../src/${mod}.ts`);
const { readTable } = await load('io/index');
const { extraTreesSpec, randomForestSpec } = await load('models/forest/index');
const { Random } = await load('util/random');

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
/** Trees per fit: enough for a stable per-tree time, small enough to run in seconds. */
const NUM_TREES = Number(args.find((a) => a !== '--dist') ?? 30);
const CASES = [
  { file: 'ames.csv', target: 'Sale_Price', task: 'regression' },
  { file: 'pima_diabetes2.csv', target: 'diabetes', task: 'binary' },
];

function depthOf(tree) {
  let max = 0;
  const stack = [[0, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop();
    if (tree.left[node] < 0) max = Math.max(max, d);
    else stack.push([tree.left[node], d + 1], [tree.right[node], d + 1]);
  }
  return max;
}

console.log(`load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}, ${os.cpus().length} cpus, ${NUM_TREES} trees per fit`);
// CPU time is the steadier figure on a loaded machine (wall time includes waiting for a core).
console.log('data                kind        wall ms/tree  cpu ms/tree  nodes/tree  depth  prediction digest');
for (const c of CASES) {
  const { frame } = await readTable(path.join(FIXTURES, c.file));
  const data = frame.drop([c.target]);
  const target = frame.column(c.target);
  for (const spec of [randomForestSpec, extraTreesSpec]) {
    await spec.create({ numTrees: 2 }).fit(data, target, { task: c.task, rng: new Random(0) }); // warm-up
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const model = await spec.create({ numTrees: NUM_TREES }).fit(data, target, { task: c.task, rng: new Random(1) });
    const cpu = process.cpuUsage(cpu0);
    const ms = (performance.now() - t0) / NUM_TREES;
    const cpuMs = (cpu.user + cpu.system) / 1000 / NUM_TREES;
    const list = model.state.trees;
    const nodes = list.reduce((s, t) => s + t.numNodes, 0) / list.length;
    const depth = list.reduce((s, t) => s + depthOf(t), 0) / list.length;
    const pred = c.task === 'regression' ? model.predict(data) : model.predictProba(data);
    const digest = createHash('sha256').update(new Uint8Array(pred.buffer, pred.byteOffset, pred.byteLength)).digest('hex').slice(0, 16);
    console.log(`${c.file.padEnd(20)}${spec.kind.padEnd(12)}${ms.toFixed(1).padStart(12)}  ${cpuMs.toFixed(1).padStart(11)}  ${nodes.toFixed(0).padStart(10)}  ${depth.toFixed(1).padStart(5)}  ${digest}`);
  }
}
