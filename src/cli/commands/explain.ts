import { explainPipeline, evaluationData, permutationImportance } from '../../explain/index.js';
import { explanationCsv, meanAbsShap } from '../../explain/csv.js';
import { readTable } from '../../io/index.js';
import { Pipeline } from '../../pipeline/pipeline.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../../util/output.js';
import { Random } from '../../util/random.js';

export const help = `Usage: tabpilot explain MODEL_DIR FILE --out shap.csv [--rows N] [options]

SHAP contributions for the first N rows of FILE (CSV, Parquet or Arrow), written as CSV: one column per
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
  --out FILE             output CSV (required)
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
    },
    'explain',
  );
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (parsed.positionals.length !== 2) throw new TabpilotError('INVALID_ARGUMENT', 'explain: expected MODEL_DIR and FILE (see tabpilot explain --help)');
  const [modelDir, file] = parsed.positionals;
  const out = values.out as string | undefined;
  if (!out) throw new TabpilotError('INVALID_ARGUMENT', 'explain: --out FILE is required');
  const target = checkOutputPath(out, { inputs: [file, values.background as string | undefined], modelDirs: [modelDir] });
  const rows = positiveInt(values.rows as string | undefined, '--rows', 1000);
  const seed = requireNumber(values.seed as string | undefined, '--seed', 0);

  const t0 = performance.now();
  const pipeline = await Pipeline.load(modelDir);
  const { frame: data } = await readTable(file);
  const frame = data.head(rows);
  const background = values.background ? (await readTable(values.background as string)).frame : data;
  const explanation = explainPipeline(pipeline, frame, {
    background,
    backgroundRows: positiveInt(values['background-rows'] as string | undefined, '--background-rows', 100),
    permutations: positiveInt(values.permutations as string | undefined, '--permutations', 32),
    seed,
  });
  const rowNumbers = Int32Array.from({ length: frame.numRows }, (_, i) => i + 1);
  writeFileAtomic(target, explanationCsv(explanation, rowNumbers));
  console.log(`wrote ${out}: ${frame.numRows} rows, ${explanation.featureNames.length} features, ${explanation.outputs.join(' / ')}`);
  console.log(`method: ${explanation.detail} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  console.log('mean |SHAP| (global importance):');
  for (const { name, value } of meanAbsShap(explanation).slice(0, 15)) console.log(`  ${name.padEnd(30)} ${value.toPrecision(4)}`);
  if (values.importance) {
    const evalData = evaluationData(pipeline, data, { file });
    const imp = permutationImportance(pipeline, evalData, { repeats: positiveInt(values.repeats as string | undefined, '--repeats', 5), rng: new Random(seed) });
    console.log(`permutation importance (${imp.metric} loss, ${imp.repeats} shuffles, 95% CI; baseline ${imp.metric} ${imp.baseline.toPrecision(4)}):`);
    for (const f of imp.features) console.log(`  ${f.name.padEnd(30)} ${f.importance.toPrecision(4)}  [${f.ciLow.toPrecision(3)}, ${f.ciHigh.toPrecision(3)}]`);
  }
  return 0;
}

function positiveInt(v: string | undefined, flag: string, fallback: number): number {
  const n = requireNumber(v, flag, fallback);
  if (!Number.isInteger(n) || n < 1) throw new TabpilotError('INVALID_ARGUMENT', `${flag} expects a positive integer, got ${v}`);
  return n;
}
