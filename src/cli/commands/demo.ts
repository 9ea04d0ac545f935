import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { autopilot } from '../../automl/autopilot.js';
import { readTable } from '../../io/index.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { progressPrinter } from './autopilot.js';

const DATASETS: Record<string, { file: string; target: string; about: string }> = {
  ames: { file: 'ames.csv', target: 'Sale_Price', about: 'Ames housing prices: 2,930 sales, 73 features (40 categorical), regression' },
  pima: { file: 'pima_diabetes2.csv', target: 'diabetes', about: 'Pima Indians diabetes: 768 patients, many missing values, binary' },
  glass: { file: 'glass.csv', target: 'Type', about: 'Glass identification: 214 samples, 6 imbalanced classes, multiclass (small: runs with allowSmall)' },
};

export const help = `Usage: tabpilot demo [--dataset ames|pima|glass] [--max-runtime SECONDS] [--instances N] [--out DIR]

Runs Autopilot on a real dataset shipped in fixtures/ (default: Ames housing, Sale_Price, 60-second budget) and
prints the leaderboard. The job directory (leaderboard, model, job.json) goes to --out (default: a temp dir).`;

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    { dataset: { type: 'string' }, 'max-runtime': { type: 'string' }, instances: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
    'demo',
  );
  const flags = parsed.values as Record<string, string | undefined>;
  const name = flags.dataset ?? 'ames';
  const dataset = DATASETS[name];
  if (!dataset) throw new TabpilotError('INVALID_ARGUMENT', `demo: unknown dataset "${name}"; choose ${Object.keys(DATASETS).join(', ')}`);
  const file = path.join(projectRoot(), 'fixtures', dataset.file);
  if (!existsSync(file)) throw new TabpilotError('FILE_NOT_FOUND', 'the demo dataset is missing', { file });
  const maxRuntime = requireNumber(flags['max-runtime'], '--max-runtime', 60);
  const out = flags.out ?? path.join(os.tmpdir(), `tabpilot-demo-${name}-${Date.now()}`);
  checkOutputPath(out, { kind: 'directory' });
  console.log(`Autopilot demo: ${dataset.about}`);
  console.log(`target ${dataset.target}, budget ${maxRuntime} s\n`);
  const clockStart = Date.now();
  const { frame } = await readTable(file);
  const job = await autopilot({
    clockStart,
    data: frame,
    target: dataset.target,
    sourceFile: file,
    maxRuntime,
    instances: flags.instances !== undefined ? requireNumber(flags.instances, '--instances') : undefined,
    seed: flags.seed !== undefined ? requireNumber(flags.seed, '--seed') : 0,
    allowSmall: frame.numRows < 500,
    onProgress: progressPrinter(),
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  await job.save(out);
  console.log(`\n${job.format(20)}\n`);
  const best = job.best;
  const metrics = Object.entries(best.metrics)
    .map(([k, v]) => `${k} ${Number(v).toPrecision(5)}`)
    .join(', ');
  console.log(`best: ${best.candidateId} (${best.learner}); cross-validated ${metrics}`);
  console.log(`finished in ${((Date.now() - clockStart) / 1000).toFixed(1)} s; job directory: ${out}`);
  console.log(`predict with: tabpilot predict ${path.join(out, 'model')} ${file}`);
  return 0;
}
