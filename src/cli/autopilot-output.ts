import path from 'node:path';
import type { AutopilotJob } from '../automl/job.js';
import type { Frame } from '../frame/frame.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { modelReportSizes, writeModelReport } from '../report/index.js';

/**
 * What `tabpilot autopilot` does after the search: write the job directory (whole, replacing an old one only with
 * --overwrite) with the best model's quality report inside it, sized to what is left of --max-runtime or skipped
 * with a note, and the one-object summary of `--json`.
 */

/** Kept below the deadline for writing job.json and swapping the directory into place after the report (ms). */
const WRITE_MARGIN_MS = 300;

/** Where the model report's rows come from; `data: null` means no report can be made (`reason`). */
export interface ReportInput {
  readonly data: Frame | null;
  readonly dataName: string;
  readonly reason?: string;
}

/** What happened to the model report (job.json `modelReport`, the --json summary). */
export interface ReportOutcome {
  readonly written: boolean;
  /** model-report.html in the job directory, when written. */
  readonly file?: string;
  readonly seconds: number;
  /** Why it was not written. */
  readonly reason?: string;
  readonly sizes?: { readonly importanceRows: number; readonly importanceRepeats: number; readonly shapRows?: number; readonly estimatedSeconds: number };
}

export interface SaveJobOptions {
  readonly overwrite: boolean;
  /** null: no report (--no-report, or the job stopped early). */
  readonly report: ReportInput | null;
  /** Epoch ms by which everything must be written (the start plus --max-runtime), if there is a limit. */
  readonly deadline?: number;
  /** Human-readable lines (stdout, or stderr with --json). */
  readonly say: (line: string) => void;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Writes the model report into the job directory being filled, or says why not. */
async function reportInto(dir: string, out: string, job: AutopilotJob, input: ReportInput, options: SaveJobOptions): Promise<ReportOutcome> {
  const t0 = Date.now();
  if (input.data === null) {
    options.say(`note: no model report: ${input.reason}`);
    return { written: false, seconds: 0, reason: input.reason };
  }
  const pipeline = await Pipeline.load(path.join(dir, 'model'));
  const leftMs = () => (options.deadline !== undefined ? options.deadline - WRITE_MARGIN_MS - Date.now() : undefined);
  const { estimatedMs, ...sizes } = modelReportSizes(pipeline, input.data, leftMs());
  const recorded = { ...sizes, estimatedSeconds: seconds(estimatedMs) };
  // Sizing itself predicts a few probes: what is left is measured after it.
  const budgetMs = leftMs();
  if (budgetMs !== undefined && estimatedMs > budgetMs) {
    const reason = `not enough of --max-runtime left for the model report (about ${seconds(estimatedMs)} s needed, ${seconds(Math.max(0, budgetMs))} s left); run tabpilot report ${path.join(out, 'model')} --data FILE, or give a larger --max-runtime`;
    job.addWarning({ code: 'model_report_skipped', message: reason });
    options.say(`warning: ${reason}`);
    return { written: false, seconds: seconds(Date.now() - t0), reason, sizes: recorded };
  }
  await writeModelReport(pipeline, input.data, path.join(dir, 'model-report.html'), { dataName: input.dataName, ...sizes });
  const took = seconds(Date.now() - t0);
  options.say(`model report written in ${took.toFixed(1)} s`);
  return { written: true, file: path.join(out, 'model-report.html'), seconds: took, sizes: recorded };
}

/**
 * Saves the job to `out` (see AutopilotJob.save) with the model report written into it before job.json, which
 * records the outcome. A report error does not lose the job: the job is saved (its warnings say the report
 * failed), then the error is thrown.
 */
export async function saveJobWithReport(job: AutopilotJob, out: string, options: SaveJobOptions): Promise<ReportOutcome | null> {
  let outcome: ReportOutcome | null = null;
  let failure: unknown = null;
  await job.save(out, {
    overwrite: options.overwrite,
    addFiles: async (dir) => {
      if (options.report === null) return undefined;
      try {
        outcome = await reportInto(dir, out, job, options.report, options);
      } catch (e) {
        failure = e;
        const reason = `the model report failed: ${(e as Error).message}`;
        job.addWarning({ code: 'model_report_failed', message: reason });
        outcome = { written: false, seconds: 0, reason };
      }
      return { modelReport: outcome };
    },
  });
  if (failure !== null) throw failure;
  return outcome;
}

/** The `--json` summary: one object on stdout with what a script needs to find and judge the job. */
export function jobSummary(job: AutopilotJob, out: string, report: ReportOutcome | null, startedAt: number, stopped: string | null): Record<string, unknown> {
  const dir = path.resolve(out);
  const best = job.best;
  return {
    format: 'tabpilot-autopilot-summary',
    formatVersion: 1,
    jobDir: dir,
    modelDir: path.join(dir, 'model'),
    leaderboard: path.join(dir, 'leaderboard.csv'),
    leaderboardJson: path.join(dir, 'leaderboard.json'),
    jobFile: path.join(dir, 'job.json'),
    problemType: job.settings.problemType,
    objective: { metric: job.settings.objective, direction: job.settings.objectiveDirection },
    best: { candidateId: best.candidateId, learner: best.learner, objective: best.objective, metrics: best.metrics, members: best.members },
    candidates: job.leaderboard.length,
    completed: job.leaderboard.filter((r) => r.status === 'Completed').length,
    modelReport: report,
    timings: { ...job.timings, reportSeconds: report?.seconds ?? 0, wallSeconds: seconds(Date.now() - startedAt) },
    warnings: job.warnings,
    stopped,
  };
}
