import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import type { AutopilotJob } from '../src/automl/job.js';
import { textColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { buildModelReport, renderModelReportHtml } from '../src/report/index.js';
import { predictorFromPipeline } from '../src/serve/index.js';

/**
 * End to end on the SpamAssassin fixture: the text job is inferred (the only feature is a text column), runs
 * only the text learners through the same search, ensemble and refit, and its saved model predicts from raw
 * text alone, through Pipeline and through the serving predictor.
 */
let frame: Frame;
let job: AutopilotJob;
const dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-text-'));

beforeAll(async () => {
  frame = (await readTable('fixtures/text/spam.csv')).frame;
  // A holdout keeps the test quick (one fit per candidate) and makes the job refit on every row.
  job = await autopilot({ data: frame, target: 'label', maxCandidates: 3, instances: 0, seed: 5, validationFraction: 0.2 });
  await job.save(dir);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('autopilot text job', () => {
  it('is inferred as binary text classification and uses only the text learners', () => {
    expect(job.task).toBe('binary');
    expect(job.settings.text).toBe(true);
    const learners = new Set(job.leaderboard.filter((r) => r.learner !== 'ensemble').map((r) => r.learner));
    expect(learners.size).toBeGreaterThan(0);
    for (const l of learners) expect(l.startsWith('text-'), l).toBe(true);
    expect(job.best.objective).toBeGreaterThan(0.9);
  });

  it('saves a model that predicts from the raw text column alone (Pipeline and the serving predictor)', async () => {
    const pipeline = await Pipeline.load(path.join(dir, 'model'));
    expect(pipeline.artifact.features.map((f) => f.name)).toEqual(['text']);
    const messages = [
      'FREE money!!! Click here to remove yourself from our list and claim your prize now, limited offer',
      'Re: kernel patch for the rpm build, I tested it on my laptop yesterday and it works; thanks for the review',
    ];
    const raw = Frame.fromColumns([textColumn('text', messages)]);
    const result = pipeline.predict(raw);
    expect(result.labels).toEqual(['spam', 'ham']);
    const served = predictorFromPipeline(pipeline).predict(raw);
    expect(Array.from(served.labelIndex!)).toEqual(Array.from(result.labelIndex!));
    // Same predictions as the in-memory job on real rows.
    const head = frame.take(Int32Array.from({ length: 50 }, (_, i) => i)).drop(['label']);
    expect(Array.from(pipeline.predict(head).probabilities!)).toEqual(Array.from(job.pipeline.predict(head).probabilities!));
  });

  it('lists the top words per class in the model report', () => {
    const sample = frame.take(Int32Array.from({ length: 300 }, (_, i) => i));
    const report = buildModelReport(job.pipeline, sample, { importanceRows: 100, importanceRepeats: 1, shapRows: 5, bootstrap: 20 });
    expect(report.topTerms, 'a text model has a top-words section').toBeDefined();
    const { perClass } = report.topTerms!;
    expect(Object.keys(perClass).sort()).toEqual(['ham', 'spam']);
    expect(perClass.spam.length).toBeGreaterThan(5);
    expect(renderModelReportHtml(report)).toContain('Top words per class');
  });

  it('refuses --problem-type text for a regression target and without a text column', async () => {
    const { frame: concrete } = await readTable('fixtures/concrete.csv');
    await expect(autopilot({ data: concrete, target: 'compressive_strength', text: true, maxCandidates: 1, instances: 0, allowSmall: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const { frame: pima } = await readTable('fixtures/pima_diabetes2.csv');
    await expect(autopilot({ data: pima, target: 'diabetes', text: true, maxCandidates: 1, instances: 0, allowSmall: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
