import { explainPipeline, evaluationData, permutationImportance } from '../../explain/index.js';
import { explanationCsv, meanAbsShap } from '../../explain/csv.js';
import { readTable, STDIO_PATH, writeTextOutput } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath } from '../../util/output.js';
import { createProgress, humanLog } from '../../util/progress.js';
import { Random } from '../../util/random.js';

export const help = `Usage: tabpilot explain MODEL_DIR FILE [--out shap.csv] [--rows N] [options]

SHAP contributions for the first N rows of FILE (CSV, JSON Lines, Parquet or Arrow; plain or .gz; '-' =
standard input), written as CSV (to standard output without --out or with --out -): one column per
feature (per feature and class for multiclass), then expected_value and model_output; for every row
expected_value + the contributions = model_output.

Method by model kind:
  gbdt, rf, extratrees   exact TreeSHAP (Lundberg et al. 2018) of the raw score (log-odds for binary
                         boosting, logits for multiclass, averaged leaf probabilities for forests)
  linear                 exact SHAP of the log-odds (centred log-probabilities for multiclass) against
                         --background-rows rows sampled from the background data
  mlp, ensemble          permutation SHAP of the probabilities: --permutations antithetic pairs per row,
                         each against its own background row (seeded); contributions still sum exactly

Options:
  --out FILE             output CSV (absent or '-': standard output; messages then go to standard error)
  --json                 print a JSON summary (method, rows, mean |SHAP|, importance) instead of text
  --rows N               explain the first N rows (default 1000)
  --background FILE      baseline rows for linear/mlp/ensemble (default: FILE itself)
  --background-rows N    background rows for the exact linear method (default 100)
  --permutations P       permutation pairs per row (default 32)
  --seed S               seed for sampling (default 0)
  --importance           also print permutation importance (FILE must hold the target column)
  --repeats R            shuffles per feature for --importance (default 5)`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      out: { type: 'string' },
      rows: { type: 'string' },
      background: { type: 'string' },
      'background-rows': { type: 'string' },
      permutations: { type: 'string' },
      seed: { type: 'string' },
      importance: { type: 'boolean' },
      repeats: { type: 'string' },
      json: { type: 'boolean' },
    },
    'explain',
  );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (parsed.positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'explain: expected MODEL_DIR and FILE (see tabpilot explain --help)');
  const [modelDir, file] = parsed.positionals;
  const out = (values.out as string | undefined) ?? STDIO_PATH;
  const toStdout = out === STDIO_PATH;
  const target = toStdout ? out : checkOutputPath(out, { inputs: [file, values.background as string | undefined], modelDirs: [modelDir] });
  const rows = positiveInt(values.rows as string | undefined, '--rows', 1000);
  const seed = requireNumber(values.seed as string | undefined, '--seed', 0);

  const t0 = performance.now();
  const progress = createProgress('explain');
  const steps = values.importance ? 4 : 3;
  progress.step(0, steps, 'loading');
  const pipeline = await Pipeline.load(modelDir);
  const { frame: data } = await readTable(file);
  const frame = data.head(rows);
  const background = values.background ? (await readTable(values.background as string)).frame : data;
  progress.step(1, steps, `explaining ${frame.numRows} rows`);
  const explanation = explainPipeline(pipeline, frame, {
    background,
    backgroundRows: positiveInt(values['background-rows'] as string | undefined, '--background-rows', 100),
    permutations: positiveInt(values.permutations as string | undefined, '--permutations', 32),
    seed,
  });
  const rowNumbers = Int32Array.from({ length: frame.numRows }, (_, i) => i + 1);
  progress.step(2, steps, 'writing');
  writeTextOutput(target, explanationCsv(explanation, rowNumbers));
  const imp = values.importance ? importance(pipeline, data, file, seed, values.repeats as string | undefined, () => progress.step(3, steps, 'permutation importance')) : undefined;
  progress.finish();
  const seconds = (performance.now() - t0) / 1000;
  const shap = meanAbsShap(explanation);
  const say = humanLog(toStdout);
  if (values.json) {
    say(JSON.stringify({ command: 'explain', output: out, rows: frame.numRows, features: explanation.featureNames.length, outputs: explanation.outputs, method: explanation.detail, seconds, meanAbsShap: shap, importance: imp ?? null }));
    return 0;
  }
  say(`wrote ${out}: ${frame.numRows} rows, ${explanation.featureNames.length} features, ${explanation.outputs.join(' / ')}`);
  say(`method: ${explanation.detail} (${seconds.toFixed(2)} s)`);
  say('mean |SHAP| (global importance):');
  for (const { name, value } of shap.slice(0, 15)) say(`  ${name.padEnd(30)} ${value.toPrecision(4)}`);
  if (imp) {
    say(`permutation importance (${imp.metric} loss, ${imp.repeats} shuffles, 95% CI; baseline ${imp.metric} ${imp.baseline.toPrecision(4)}):`);
    for (const f of imp.features) say(`  ${f.name.padEnd(30)} ${f.importance.toPrecision(4)}  [${f.ciLow.toPrecision(3)}, ${f.ciHigh.toPrecision(3)}]`);
  }
  return 0;
}

function importance(pipeline: Pipeline, data: Parameters<typeof evaluationData>[1], file: string, seed: number, repeats: string | undefined, onStart: () => void) {
  onStart();
  const evalData = evaluationData(pipeline, data, { file });
  return permutationImportance(pipeline, evalData, { repeats: positiveInt(repeats, '--repeats', 5), rng: new Random(seed) });
}

function positiveInt(v: string | undefined, flag: string, fallback: number): number {
  const n = requireNumber(v, flag, fallback);
  if (!Number.isInteger(n) || n < 1) throw new TabpilotError('INVALID_ARGUMENT', `${flag} expects a positive integer, got ${v}`);
  return n;
}
