import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autopilot } from '../src/automl/autopilot.js';
import { calibrate, calibrationStride, fitTemperature } from '../src/automl/calibrate.js';
import type { AutopilotJob } from '../src/automl/job.js';
import { readTable } from '../src/io/index.js';
import type { Frame } from '../src/frame/frame.js';
import { logLoss } from '../src/metrics/index.js';
import { temperatureScale } from '../src/models/ensemble.js';
import { Pipeline, validateArtifact } from '../src/pipeline/pipeline.js';
import { predictorFromPipeline } from '../src/serve/index.js';
import { createInferenceServer } from '../src/serve/server.js';

/**
 * Planted over-confidence: a GBDT with a large learning rate, many rounds, tiny leaves and no early stopping fits
 * pima's training folds almost perfectly, so its out-of-fold probabilities are far too close to 0 and 1.
 */
const OVERCONFIDENT = { learner: 'gbdt', hyperparameters: { numRounds: 200, learningRate: 0.5, numLeaves: 31, minDataInLeaf: 2, earlyStoppingRounds: 0 } };
const OPTIONS = { target: 'diabetes', objective: 'LogLoss', candidates: [OVERCONFIDENT], presets: 'fast', instances: 0, seed: 5, allowSmall: true } as const;

let pima: Frame;
let job: AutopilotJob;
let dir: string;

beforeAll(async () => {
  pima = (await readTable('fixtures/pima_diabetes2.csv')).frame;
  job = await autopilot({ ...OPTIONS, data: pima });
  dir = mkdtempSync(path.join(os.tmpdir(), 'tabpilot-calibration-'));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The job's model.json without its temperature: the uncalibrated model. */
function uncalibrated(): Pipeline {
  const json = JSON.parse(job.modelFileText) as { model: Record<string, unknown> };
  delete json.model.temperature;
  return Pipeline.fromArtifact(validateArtifact(json));
}

describe('temperature scaling of LogLoss jobs', () => {
  it('softens the planted over-confident model and lowers its out-of-fold log loss', () => {
    const c = job.calibration!;
    expect(c.method).toBe('temperature');
    expect(c.applied).toBe(true);
    expect(c.temperature).toBeGreaterThan(1.5);
    expect(c.oofLogLossAfter).toBeLessThan(c.oofLogLossBefore * 0.9);
    expect((job.toJSON() as { calibration?: unknown }).calibration).toEqual(c);
    expect((JSON.parse(job.modelFileText) as { model: { temperature: number } }).model.temperature).toBe(c.temperature);
  });

  it('fitTemperature finds the temperature that was planted', () => {
    // Honest probabilities of pima's rows (the uncalibrated model's, in-sample: y drawn from them), sharpened by 1/3.
    const honest = uncalibrated().predict(pima).probabilities!;
    const soft = temperatureScale(honest, 2, 4);
    const n = pima.numRows;
    const y = Int32Array.from({ length: n }, (_, i) => (((i * 0.618034) % 1) < soft[2 * i + 1] ? 1 : 0));
    const sharp = temperatureScale(soft, 2, 1 / 3);
    const t = fitTemperature(y, sharp, 2);
    expect(t).toBeGreaterThan(2);
    expect(t).toBeLessThan(4.5);
    expect(logLoss(y, temperatureScale(sharp, 2, t))).toBeLessThan(logLoss(y, sharp));
  });

  it('predict applies the temperature (probabilities change, labels do not)', () => {
    const raw = uncalibrated().predict(pima);
    const calibrated = job.predict(pima);
    const expected = temperatureScale(raw.probabilities!, 2, job.calibration!.temperature);
    calibrated.probabilities!.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 12));
    expect(Array.from(calibrated.labelIndex!)).toEqual(Array.from(raw.labelIndex!));
    const extreme = (p: Float64Array) => p.filter((v) => v > 0.999 || v < 0.001).length;
    expect(extreme(calibrated.probabilities!)).toBeLessThan(extreme(raw.probabilities!));
  });

  it('a saved job loads with its temperature, and serve answers with the calibrated probabilities', async () => {
    await job.save(path.join(dir, 'job'));
    const loaded = await Pipeline.load(path.join(dir, 'job', 'model'));
    expect(Array.from(loaded.predict(pima).probabilities!)).toEqual(Array.from(job.predict(pima).probabilities!));
    const server = createInferenceServer(predictorFromPipeline(loaded), { defaultKeys: ['predicted_label'] });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const rows = [0, 1, 2];
      const instances = rows.map((r) => {
        const o = { ...pima.row(r) } as Record<string, unknown>;
        delete o.diabetes;
        return o;
      });
      const reply = await fetch(`http://127.0.0.1:${port}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json; keys="probabilities"' },
        body: JSON.stringify({ instances }),
      });
      expect(reply.status).toBe(200);
      const body = (await reply.json()) as { predictions: { probabilities: number[] }[] };
      const expected = job.predict(pima.take(rows)).probabilities!;
      body.predictions.forEach((p, i) => p.probabilities.forEach((v, c) => expect(v).toBeCloseTo(expected[2 * i + c], 9)));
    } finally {
      await server.close();
    }
  });

  it('model.json validation rejects a bad temperature, naming the field', async () => {
    const file = path.join(dir, 'job', 'model', 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { model: Record<string, unknown> };
    for (const bad of [-1, 0, 'hot']) {
      json.model.temperature = bad;
      writeFileSync(file, JSON.stringify(json));
      await expect(Pipeline.load(path.join(dir, 'job', 'model'))).rejects.toThrow('model.temperature');
    }
  });

  it('is not tried when switched off or when the objective is not LogLoss', async () => {
    const off = await autopilot({ ...OPTIONS, data: pima, calibrate: false });
    expect(off.calibration).toBeUndefined();
    expect((JSON.parse(off.modelFileText) as { model: Record<string, unknown> }).model.temperature).toBeUndefined();
    const auc = await autopilot({ ...OPTIONS, data: pima, objective: 'AUC' });
    expect(auc.calibration).toBeUndefined();
  }, 120_000);
  it('stays within the job budget: skipped with a calibration_skipped warning when the deadline is too close', () => {
    // A planted over-confident binary model: 2,000 rows, probabilities pushed to 0.999 / 0.001, one in seven wrong.
    const n = 2000;
    const y = Int32Array.from({ length: n }, (_, i) => i % 2);
    const p = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p1 = (i % 7 === 0 ? 1 - y[i] : y[i]) === 1 ? 0.999 : 0.001;
      p[2 * i] = 1 - p1;
      p[2 * i + 1] = p1;
    }
    const warnings: string[] = [];
    const plan = (finalDeadline: number) =>
      ({ task: 'binary', objective: 'LogLoss', options: {}, yScored: y, k: 2, budget: { finalDeadline }, warn: (_m: string, code: string) => warnings.push(code) }) as never;
    const chosen = [{ result: { oof: p }, weight: 1 }] as never;
    expect(calibrate(plan(Date.now() - 1), chosen)).toBeUndefined();
    expect(warnings).toEqual(['calibration_skipped']);
    const c = calibrate(plan(Date.now() + 60_000), chosen)!;
    expect(c.applied).toBe(true);
    expect(c.temperature).toBeGreaterThan(1);
    expect(warnings).toEqual(['calibration_skipped']);
  });
  it('samples every s-th row when the time left covers only part of the rows', () => {
    // 16,000 rows, 20 ms a pass, 112 passes: all rows need ~2.2 s (at 70% of the time left).
    expect(calibrationStride(16_000, 20, 10_000)).toBe(1);
    expect(calibrationStride(16_000, 20, 1_000)).toBe(4); // 0.7 s affords 5,000 rows
    expect(calibrationStride(16_000, 20, 100)).toBe(0); // 500 rows: below 1,000, skipped
    expect(calibrationStride(600, 1, 5)).toBe(0); // 600 rows: too few for all of them
    expect(calibrationStride(600, 1, 1_000)).toBe(1);
  });
});
