import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AutopilotOptions, type AutopilotProgress, hpoLearnerKinds } from '../../automl/autopilot.js';
import { autopilotWith } from '../../distributed/autopilot.js';
import type { CandidateDefinition } from '../../automl/job.js';
import type { Frame } from '../../frame/frame.js';
import { readTable } from '../../io/index.js';
import { modelReportReserveSeconds } from '../../report/index.js';
import { effectiveMaxRuntime } from '../../automl/plan.js';
import { checkOutputPath } from '../../util/output.js';
import { type ReportInput, jobSummary, saveJobWithReport } from '../autopilot-output.js';
import { parseFlowParams, trainingDataFromFlow } from '../../pipeline/model-flow.js';
import { trainableKinds } from '../../models/registry.js';
import type { Task } from '../../models/types.js';
import { parseCommandArgs, requireNumber } from '../../util/args.js';
import { TabpilotError } from '../../util/errors.js';

export const help = `Usage: tabpilot autopilot FILE --target COL [options]
       tabpilot autopilot --flow FLOW --target COL [options]

Cross-validated AutoML search: a portfolio of strong configurations, then hyperparameter optimisation, then a
greedy ensemble, on a pool of worker threads. Writes the leaderboard and the best model to --out.

Options:
  --target COL               target column (required)
  --problem-type TYPE        binary | multiclass | regression | text (default: inferred as Autopilot does;
                             text = classify a raw text column, also inferred when it is the only feature)
  --objective METRIC         binary: F1 (default), Accuracy, AUC, BalancedAccuracy, Precision, Recall, LogLoss
                             multiclass: Accuracy (default), BalancedAccuracy, F1macro, PrecisionMacro, RecallMacro, LogLoss
                             regression: MSE (default), RMSE, MAE, R2
  --mode MODE                auto (default): portfolio + HPO + ensemble; ensembling: portfolio + ensemble;
                             hpo: HPO over ${hpoLearnerKinds().join(', ')} (best single candidate)
  --presets NAME             fast | balanced (default) | best: fast = 3-fold CV, no repeats, 6 cheap portfolio
                             configurations, 10 ensemble rounds; best = CV repeated up to 10,000 rows, at least
                             half the search time for HPO, 50 ensemble rounds; explicit options win
  --max-runtime SECONDS      hard limit for the whole job (default 600 when --max-candidates is not given)
  --max-candidates N         stop after N candidates (default 250)
  --instances N              worker threads (default: number of cores; 0 = run in this thread)
  --seed N                   seed for folds, search and learners (default 0)
  --validation-fraction F    validate on a stratified holdout of F instead of 5-fold CV (automatic above 50,000 rows)
  --learners LIST            comma-separated subset of ${trainableKinds().join(',')}
  --class-weight balanced    reweight classes to n / (k * count)
  --sample-weight COL        per-row weights from this column (excluded from the features)
  --fold-column COL          validation folds from this column's values (excluded from the features)
  --group-column COL         grouped 5-fold CV: rows sharing this column's value stay in one fold (excluded)
  --refit / --no-refit       refit the final models on all rows (default: only with a holdout)
  --max-trial-seconds S      hard limit for one fold fit
  --candidates FILE          run only these candidate definitions (a JSON object or array; see out/candidates/)
  --allow-small              run even with fewer than 500 rows
  --out DIR                  output directory (default: autopilot-<target>); checked before the search starts
  --overwrite                replace a non-empty --out directory whole (default: refuse it)
  --json                     print one JSON summary on stdout (best candidate, metric, paths, timings,
                             warnings); the human-readable output goes to stderr
  --flow FLOW                search on a Data Wrangler flow's output instead of FILE; the flow's row-wise
                             steps (with their fitted state) are stored in the best model, so predict and
                             serve take raw rows (multi-row steps such as join/group by stay outside)
  --flow-target NODE[:OUT]   flow node to train on (default: the split output named Train)
  --param NAME=VALUE         flow parameter override (repeatable)
  --test FILE                labelled held-out data for the model quality report of the best model
                             (without it the report is computed on the training rows and says it is in-sample)
  --no-report                do not write model-report.html / model-report.json
  --quiet                    no progress output
  --backend URL              run the trials on tabpilot workers of a Redis backend (redis://host:port, or
                             "redis" to read REDIS_URL); see tabpilot worker and docs/scale-out.md
  --shared-dir DIR           with --backend: publish the data to this directory (mounted by every worker)
                             instead of into Redis

The job also writes model-report.html for the best model: metrics, confusion matrix, ROC/PR/calibration or
residual plots, permutation importance and a SHAP summary. It counts against --max-runtime: the search keeps
time for it and the report is sized to what is left, or skipped with a warning (job.json says which).
Warnings about the data (an ID-like column, a column that predicts the target almost perfectly, a class with a
single row) are printed and listed in job.json.`;

function parseProblemType(v: string | undefined): Task | undefined {
  if (v === undefined) return undefined;
  const t = v.toLowerCase().replace(/classification$/, '');
  if (t === 'binary' || t === 'multiclass' || t === 'regression') return t;
  throw new TabpilotError('INVALID_ARGUMENT', `--problem-type must be binary, multiclass, regression or text, got "${v}"`);
}

async function readCandidates(file: string): Promise<CandidateDefinition[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TabpilotError('FILE_NOT_FOUND', 'candidate definitions file not found', { file });
    throw new TabpilotError('INVALID_ARGUMENT', `candidate definitions are not valid JSON: ${(e as Error).message}`, { file });
  }
  const list = Array.isArray(json) ? json : [json];
  return list.map((c, i) => {
    const d = c as Partial<CandidateDefinition>;
    if (typeof d?.learner !== 'string' || typeof d.hyperparameters !== 'object' || d.hyperparameters === null) {
      throw new TabpilotError('INVALID_ARGUMENT', `candidate ${i + 1}: expected { "learner": KIND, "hyperparameters": {...} }`, { file });
    }
    return { learner: d.learner, hyperparameters: d.hyperparameters, candidateId: d.candidateId, seedKey: typeof d.seedKey === 'number' ? d.seedKey : undefined };
  });
}

/** Progress on a terminal: one redrawn bar line; elsewhere: one log line per finished candidate. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (e: AutopilotProgress) => void {
  const tty = stream.isTTY === true;
  let lastBar = '';
  return (e) => {
    const bestText = e.best ? `best ${e.best.objective.toPrecision(5)} (${e.best.candidateId})` : 'best -';
    const timeText = e.remainingSeconds !== undefined ? `${Math.ceil(e.remainingSeconds)} s left` : `${e.elapsedSeconds.toFixed(0)} s`;
    if (!tty) {
      if (e.phase !== 'search' || e.message) stream.write(`[autopilot ${e.elapsedSeconds.toFixed(1)}s] ${e.message}\n`);
      return;
    }
    if (e.phase === 'setup' || e.phase === 'done') {
      if (lastBar) stream.write('\n');
      stream.write(`${e.message}\n`);
      lastBar = '';
      return;
    }
    const fraction =
      e.remainingSeconds !== undefined ? e.elapsedSeconds / (e.elapsedSeconds + e.remainingSeconds) : e.maxCandidates ? e.candidatesDone / e.maxCandidates : 0;
    const width = 24;
    const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.phase} | candidates ${e.candidatesDone} | trials ${e.trialsDone} | ${bestText} | ${timeText}`;
    stream.write(`\r${bar.padEnd(lastBar.length)}`);
    lastBar = bar;
  };
}

/**
 * When this command is the process (`tabpilot autopilot ...`), the job's clock starts with the process, so
 * --max-runtime bounds the wall time a user measures, Node's start-up and module loading included; called
 * in-process (tests, demo), it starts now.
 */
function clockStartOf(argv: readonly string[]): number {
  const own = process.argv.length === argv.length + 3 && process.argv[2] === 'autopilot' && argv.every((a, i) => process.argv[i + 3] === a);
  return own ? Math.round(performance.timeOrigin) : Date.now();
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      target: { type: 'string' },
      'problem-type': { type: 'string' },
      objective: { type: 'string' },
      mode: { type: 'string' },
      presets: { type: 'string' },
      'max-runtime': { type: 'string' },
      'max-candidates': { type: 'string' },
      instances: { type: 'string' },
      seed: { type: 'string' },
      'validation-fraction': { type: 'string' },
      learners: { type: 'string' },
      'class-weight': { type: 'string' },
      'sample-weight': { type: 'string' },
      'fold-column': { type: 'string' },
      'group-column': { type: 'string' },
      refit: { type: 'boolean' },
      'no-refit': { type: 'boolean' },
      'max-trial-seconds': { type: 'string' },
      candidates: { type: 'string' },
      'allow-small': { type: 'boolean' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
      test: { type: 'string' },
      'no-report': { type: 'boolean' },
      overwrite: { type: 'boolean' },
      json: { type: 'boolean' },
      flow: { type: 'string' },
      'flow-target': { type: 'string' },
      param: { type: 'string', multiple: true },
      backend: { type: 'string' },
      'shared-dir': { type: 'string' },
    },
    'autopilot',
  );
  const positionals = parsed.positionals;
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const str = (name: string): string | undefined => flags[name] as string | undefined;
  const num = (name: string): number | undefined => (str(name) !== undefined ? requireNumber(str(name), `--${name}`) : undefined);
  const flowFile = str('flow');
  if (positionals.length !== (flowFile ? 0 : 1)) throw new TabpilotError('INVALID_ARGUMENT', flowFile ? 'autopilot: give either an input FILE or --flow, not both' : 'autopilot: expected one input FILE (see tabpilot autopilot --help)');
  const file = flowFile ?? positionals[0];
  const target = str('target');
  if (target === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'autopilot: --target COL is required');
  const mode = str('mode') as AutopilotOptions['mode'];
  const classWeight = str('class-weight');
  if (classWeight !== undefined && classWeight !== 'balanced') throw new TabpilotError('INVALID_ARGUMENT', `--class-weight supports "balanced", got "${classWeight}"`);
  const out = str('out') ?? `autopilot-${target.replace(/[^\w.-]+/g, '_')}`;
  const overwrite = flags.overwrite === true;
  checkOutputPath(out, { kind: 'directory', overwrite, inputs: [file, str('test'), str('candidates')] });
  const json = flags.json === true;
  const say = json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  const withReport = flags['no-report'] !== true;
  const clockStart = clockStartOf(argv);
  const flowData = flowFile ? await trainingDataFromFlow(flowFile, { target: str('flow-target'), params: parseFlowParams((parsed.values as Record<string, unknown>).param as string[] | undefined) }) : undefined;
  const { frame } = flowData ? { frame: flowData.training } : await readTable(file);
  // Read before the search, so a bad --test fails at once; its reading counts against --max-runtime.
  const testFile = str('test');
  const report = withReport ? await reportInput(testFile, flowData ? undefined : { frame, file }) : null;
  const limits = { maxRuntime: num('max-runtime'), maxCandidates: num('max-candidates'), candidates: str('candidates') !== undefined ? await readCandidates(str('candidates')!) : undefined };
  const maxRuntime = effectiveMaxRuntime(limits);
  const quiet = flags.quiet === true;
  const { job, lost } = await autopilotWith(str('backend'), str('shared-dir'), {
    data: frame,
    target,
    sourceFile: file,
    clockStart,
    problemType: str('problem-type')?.toLowerCase() === 'text' ? undefined : parseProblemType(str('problem-type')),
    text: str('problem-type')?.toLowerCase() === 'text' ? true : undefined,
    objective: str('objective'),
    mode,
    presets: str('presets') as AutopilotOptions['presets'],
    maxRuntime: limits.maxRuntime,
    maxCandidates: limits.maxCandidates,
    // The model report counts against --max-runtime: the job ends early enough to leave it time.
    afterJobSeconds: report !== null && maxRuntime !== undefined ? modelReportReserveSeconds(maxRuntime) : undefined,
    instances: num('instances'),
    seed: num('seed'),
    validationFraction: num('validation-fraction'),
    learners: str('learners')?.split(',').map((s) => s.trim()).filter(Boolean),
    classWeight: classWeight === 'balanced' ? 'balanced' : undefined,
    sampleWeight: str('sample-weight'),
    foldColumn: str('fold-column'),
    groupColumn: str('group-column'),
    refit: flags.refit ? true : flags['no-refit'] ? false : 'auto',
    maxTrialSeconds: num('max-trial-seconds'),
    candidates: limits.candidates,
    allowSmall: flags['allow-small'] === true,
    onProgress: quiet ? undefined : progressPrinter(),
    onWarning: (m) => console.error(`warning: ${m}`),
    flow: flowData ? { data: flowData, file: flowFile! } : undefined,
  });
  const deadline = maxRuntime !== undefined ? clockStart + maxRuntime * 1000 : undefined;
  const reportOutcome = await saveJobWithReport(job, out, { overwrite, report: lost ? null : report, deadline, say });
  if (flowData) {
    say(`flow: ${flowData.inference.steps.length} row-wise steps from ${flowFile} stored in ${path.join(out, 'model')} (trained on ${flowData.targetNode})`);
  }
  say(job.format());
  const best = job.best;
  say(`\nbest: ${best.candidateId} (${best.learner}) ${best.objectiveMetric} = ${best.objective}`);
  say(`wrote ${path.join(out, 'leaderboard.csv')}, ${path.join(out, 'model')}/ (tabpilot predict ${path.join(out, 'model')} FILE), job.json, candidates/`);
  if (reportOutcome?.file !== undefined) say(`model quality report: ${reportOutcome.file}`);
  say(`total ${((Date.now() - clockStart) / 1000).toFixed(1)} s (reading, search, ensembling, writing and the model report)`);
  if (json) console.log(JSON.stringify(jobSummary(job, out, reportOutcome, clockStart, lost ? lost.message : null), null, 2));
  if (lost) {
    console.error(`tabpilot: ${lost.message}; stopped launching trials and saved the partial leaderboard to ${out}`);
    return 1;
  }
  return 0;
}

/**
 * The rows of the best model's quality report: held-out data when given; otherwise the training rows, labelled
 * in-sample. The report is made from the saved model directory, so it describes exactly what predict and serve use.
 */
async function reportInput(testFile: string | undefined, training: { frame: Frame; file: string } | undefined): Promise<ReportInput> {
  if (testFile !== undefined) return { data: (await readTable(testFile)).frame, dataName: `${testFile} (held out)` };
  if (training !== undefined) {
    return {
      data: training.frame,
      dataName: `${training.file} (the training rows: in-sample and optimistic; the leaderboard's cross-validated metrics are the honest estimate; pass --test FILE for held-out data)`,
    };
  }
  return { data: null, dataName: '', reason: 'a flow-trained model needs raw held-out rows (--test FILE)' };
}
