import { availableParallelism } from 'node:os';
import path from 'node:path';
import { readTable, STDIO_PATH } from '../../io/index.js';
import { TRAINABLE_ALGORITHMS, runTrainingJob } from '../../pipeline/training-job.js';
import type { Column } from '../../frame/column.js';
import type { HyperValue, Task } from '../../models/types.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';
import { checkOutputPath, replaceDirectory } from '../../util/output.js';
import { parseFlowParams, trainingDataFromFlow } from '../../pipeline/model-flow.js';
import { pipelineWithFlow } from '../../pipeline/train-flow.js';
import { MODEL_FILE, Pipeline } from '../../pipeline/pipeline.js';
import { TARGET_FINGERPRINT_KEY, targetFingerprint } from '../../report/index.js';
import { createProgress, humanLog } from '../../util/progress.js';

export const help = `Usage: tabpilot train FILE --target COL --algorithm ALG [options]
       tabpilot train --flow FLOW --target COL --algorithm ALG [options]

Runs one training job with a built-in algorithm on FILE (CSV, JSON Lines, Parquet or Arrow; plain or
.gz; '-' = standard input) and writes a self-describing model directory
(MODEL_DIR/model.json: input schema, category vocabularies, preprocessing, learner state, format
version, training metadata; plain JSON, nothing executes on load). Predict with 'tabpilot predict'.

Algorithms: ${TRAINABLE_ALGORITHMS.join(', ')}

Options:
  --target COL             target column (required)
  --algorithm ALG          ${TRAINABLE_ALGORITHMS.join('|')} (required)
  --hyperparameters JSON   overrides, camelCase names, e.g. '{"numRounds":300,"learningRate":0.05}'
  --validation FILE        validation data: early stopping (gbdt, mlp) and reported metrics
  --problem-type TYPE      regression | binary | multiclass (default: inferred from the target,
                           with Autopilot's rules)
  --ignore COLS            comma-separated columns to leave out of the features (IDs)
  --seed N                 random seed (default 0): same seed, same data, same settings = same model
  --threads N              gbdt: threads for histogram construction (default: the number of cores; the
                           model does not depend on it)
  --time-limit SEC         stop adding rounds/epochs after SEC seconds
  --out MODEL_DIR          model directory to write (default: model); an existing non-empty directory is
                           refused unless --overwrite
  --overwrite              replace MODEL_DIR whole (the new model is written beside it, then renamed)
  --flow FLOW              train on a Data Wrangler flow's output (instead of FILE): its row-wise steps,
                           with their fitted state, become part of the model, so predict takes raw rows
  --flow-target NODE[:OUT] the flow node to train on (default: the split output named Train)
  --param NAME=VALUE       flow parameter override (repeatable)
  --json                   print a JSON summary (task, rows, classes, timings, validation metrics, model
                           path) on standard output; the text lines go to standard error
  -h, --help               show this help

Rows whose target is missing are dropped (the count is printed and stored in the metadata).`;

const TASKS: readonly Task[] = ['regression', 'binary', 'multiclass'];

function parseHyperparameters(text: string | undefined): Record<string, HyperValue> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TabpilotError('INVALID_ARGUMENT', `--hyperparameters is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TabpilotError('INVALID_ARGUMENT', '--hyperparameters must be a JSON object, e.g. \'{"learningRate":0.05}\'');
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (!['number', 'string', 'boolean'].includes(typeof v)) throw new TabpilotError('INVALID_ARGUMENT', `--hyperparameters: "${k}" must be a number, string or boolean`);
  }
  return parsed as Record<string, HyperValue>;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      target: { type: 'string' },
      algorithm: { type: 'string' },
      hyperparameters: { type: 'string' },
      validation: { type: 'string' },
      'problem-type': { type: 'string' },
      ignore: { type: 'string' },
      seed: { type: 'string' },
      threads: { type: 'string' },
      'time-limit': { type: 'string' },
      out: { type: 'string' },
      overwrite: { type: 'boolean' },
      flow: { type: 'string' },
      'flow-target': { type: 'string' },
      param: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    'train',
  );
  const positionals = parsed.positionals;
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const flowFile = values.flow as string | undefined;
  if (positionals.length !== (flowFile ? 0 : 1)) throw new TabpilotError('INVALID_ARGUMENT', flowFile ? 'train: give either a data FILE or --flow, not both' : 'train: expected one data FILE (see tabpilot train --help)');
  if (flowFile && values.validation) throw new TabpilotError('INVALID_ARGUMENT', 'train: --validation cannot be combined with --flow (hold data out with a split in the flow)');
  const file = flowFile ?? positionals[0];
  const target = values.target as string | undefined;
  const algorithm = values.algorithm as string | undefined;
  if (!target) throw new TabpilotError('INVALID_ARGUMENT', 'train: --target COL is required');
  if (!algorithm) throw new TabpilotError('INVALID_ARGUMENT', `train: --algorithm is required (${TRAINABLE_ALGORITHMS.join(', ')})`);
  const problemType = values['problem-type'] as string | undefined;
  if (problemType !== undefined && !TASKS.includes(problemType as Task)) {
    throw new TabpilotError('INVALID_ARGUMENT', `--problem-type must be one of ${TASKS.join(', ')}, got "${problemType}"`);
  }
  const seed = requireNumber(values.seed as string | undefined, '--seed', 0);
  if (!Number.isInteger(seed) || seed < 0) throw new TabpilotError('INVALID_ARGUMENT', '--seed expects a non-negative integer');
  const timeLimit = values['time-limit'] !== undefined ? requireNumber(values['time-limit'] as string, '--time-limit') : undefined;
  const hyperparameters = parseHyperparameters(values.hyperparameters as string | undefined);
  if (values.threads !== undefined && algorithm !== 'gbdt') throw new TabpilotError('INVALID_ARGUMENT', `train: --threads applies to --algorithm gbdt only, got "${algorithm}"`);
  const threads = requireNumber(values.threads as string | undefined, '--threads', availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new TabpilotError('INVALID_ARGUMENT', `--threads expects a positive integer, got "${values.threads}"`);
  // A single fit owns the machine: all cores unless --threads or the numThreads hyperparameter says otherwise.
  if (algorithm === 'gbdt') hyperparameters.numThreads ??= threads;
  const out = (values.out as string | undefined) ?? 'model';
  const outDir = checkOutputPath(out, { kind: 'directory', overwrite: values.overwrite === true, inputs: [file, values.validation as string | undefined] });
  const ignore = ((values.ignore as string | undefined) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

  const t0 = performance.now();
  const flowData = flowFile ? await trainingDataFromFlow(flowFile, { target: values['flow-target'] as string | undefined, params: parseFlowParams(values.param as string[] | undefined) }) : undefined;
  const { frame, report } = flowData ? { frame: flowData.training, report: { warnings: [] as string[] } } : await readTable(file);
  for (const w of report.warnings) console.error(`warning: ${w}`);
  const validation = values.validation ? (await readTable(values.validation as string)).frame : undefined;
  const readSeconds = (performance.now() - t0) / 1000;

  const progress = createProgress(`train ${algorithm}`);
  const result = await runTrainingJob({
    data: frame,
    target,
    algorithm,
    hyperparameters,
    validation,
    seed,
    task: problemType as Task | undefined,
    ignore,
    timeLimit,
    sourceFile: file === STDIO_PATH ? 'stdin' : path.resolve(file),
    onProgress: (e) => progress.update(e.iteration, e.total, `${e.iteration}/${e.total}${e.metric !== undefined ? ` validation ${e.metric.toPrecision(5)}` : ''}`),
  });
  progress.finish();
  const pipeline = withTargetFingerprint(flowData ? pipelineWithFlow(result.pipeline, flowData, target, ignore, flowFile!) : result.pipeline, frame.has(target) ? frame.column(target) : undefined);
  await replaceDirectory(outDir, async (tmp) => {
    await pipeline.save(tmp);
  });
  const saved = path.join(out, MODEL_FILE);
  const json = values.json === true;
  const say = humanLog(json);
  if (flowData) say(`flow: ${flowData.inference.steps.length} row-wise steps from ${flowFile} (trained on ${flowData.targetNode}${flowData.inference.skipped.length ? `; training-only steps left out: ${flowData.inference.skipped.map((s) => s.node_id).join(', ')}` : ''})`);

  const artifact = pipeline.artifact;
  const learnerInfo = artifact.training.learner as Record<string, unknown> | undefined;
  say(`trained ${algorithm} (${result.task}: ${result.taskReason})`);
  say(`  rows: ${artifact.training.trainRows} train${validation ? `, ${artifact.training.validationRows} validation` : ''}; features: ${artifact.features.length}`);
  if (result.droppedMissingTarget > 0) say(`  dropped ${result.droppedMissingTarget} rows with a missing target`);
  if (artifact.classes) say(`  classes: ${artifact.classes.join(', ')}`);
  say(`  read ${readSeconds.toFixed(2)} s, fit ${result.fitSeconds.toFixed(2)} s`);
  if (learnerInfo?.backend) say(`  tensorflow backend: ${learnerInfo.backend}`);
  if (result.validationMetrics) {
    say(`  validation: ${Object.entries(result.validationMetrics).map(([k, v]) => `${k} ${v.toPrecision(5)}`).join(', ')}`);
  }
  say(`wrote ${saved}`);
  if (json) {
    console.log(JSON.stringify({
      command: 'train', algorithm, task: result.task, taskReason: result.taskReason, model: saved,
      trainRows: artifact.training.trainRows, validationRows: artifact.training.validationRows ?? 0, features: artifact.features.length,
      droppedMissingTarget: result.droppedMissingTarget, classes: artifact.classes ?? null,
      readSeconds, fitSeconds: result.fitSeconds, validationMetrics: result.validationMetrics ?? null,
    }));
  }
  return 0;
}

/**
 * The model with a fingerprint of its training target in the metadata, so `tabpilot report` can tell when it
 * is evaluated on its own training rows (src/report/in-sample.ts). Trained from a flow, the target column of
 * the flow's output is the one fingerprinted.
 */
function withTargetFingerprint(pipeline: Pipeline, target: Column | undefined): Pipeline {
  if (target === undefined) return pipeline;
  const artifact = pipeline.artifact;
  return Pipeline.fromArtifact({ ...artifact, training: { ...artifact.training, [TARGET_FINGERPRINT_KEY]: targetFingerprint(target) } });
}
