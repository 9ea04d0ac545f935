import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run as predict } from '../src/cli/commands/predict.js';
import { run as train } from '../src/cli/commands/train.js';
import { readTable, writeTable } from '../src/io/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';

const work = mkdtempSync(path.join(tmpdir(), 'tabpilot-cli-'));
let logs: string[];
beforeEach(() => {
  logs = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
}

describe('tabpilot train + predict', () => {
  const model = path.join(work, 'penguins-linear');

  it('trains a linear model into a model directory, inferring the problem type', async () => {
    expect(await train(['fixtures/penguins.csv', '--target', 'species', '--algorithm', 'linear', '--seed', '3', '--out', model])).toBe(0);
    const json = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8'));
    expect(json.task).toBe('multiclass');
    expect(json.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(json.training.algorithm).toBe('linear');
    expect(json.training.seed).toBe(3);
    expect(json.training.trainRows).toBe(344);
    expect(logs.join('\n')).toMatch(/trained linear \(multiclass/);
  });

  it('predicts a CSV in input order with the batch-transform columns, chunked or not', async () => {
    const out = path.join(work, 'pred.csv');
    const outChunked = path.join(work, 'pred-chunked.csv');
    expect(await predict([model, 'fixtures/penguins.csv', '--out', out])).toBe(0);
    expect(await predict([model, 'fixtures/penguins.csv', '--out', outChunked, '--chunk-rows', '50'])).toBe(0);
    const rows = csvRows(out);
    expect(rows[0]).toEqual(['predicted_label', 'probability', 'probability_Adelie', 'probability_Chinstrap', 'probability_Gentoo']);
    expect(rows.length).toBe(345);
    expect(readFileSync(outChunked, 'utf8')).toBe(readFileSync(out, 'utf8'));
    const pipeline = await Pipeline.load(model);
    const { frame } = await readTable('fixtures/penguins.csv');
    const direct = pipeline.predict(frame);
    for (const i of [0, 100, 343]) {
      expect(rows[i + 1][0]).toBe(direct.labels![i]);
      expect(Number(rows[i + 1][1])).toBe(direct.probability![i]);
    }
  });

  it('matches features by name: reordered columns, no target, an extra column; --keep copies IDs', async () => {
    const { frame } = await readTable('fixtures/penguins.csv');
    const shuffled = frame.drop(['species']).select(['year', 'sex', 'body_mass_g', 'island', 'flipper_length_mm', 'bill_depth_mm', 'bill_length_mm']);
    const input = path.join(work, 'reordered.csv');
    writeTable(shuffled, input);
    const out = path.join(work, 'pred-reordered.csv');
    expect(await predict([model, input, '--out', out, '--keep', 'year'])).toBe(0);
    const a = csvRows(out);
    const b = csvRows(path.join(work, 'pred.csv'));
    expect(a[0][0]).toBe('year');
    expect(a.map((r) => r.slice(1))).toEqual(b);
  });

  it('writes Parquet for Parquet input', async () => {
    const { frame } = await readTable('fixtures/penguins.csv');
    const input = path.join(work, 'penguins.parquet');
    writeTable(frame, input);
    const out = path.join(work, 'pred.parquet');
    expect(await predict([model, input, '--out', out])).toBe(0);
    const back = (await readTable(out)).frame;
    expect(back.numRows).toBe(344);
    expect(back.columnNames[0]).toBe('predicted_label');
  });

  it('counts unparseable values and unseen categories, treating them as missing', async () => {
    const text = readFileSync('fixtures/penguins.csv', 'utf8').split('\n');
    const header = text[0].split(',');
    const massIdx = header.findIndex((h) => h.replace(/"/g, '') === 'body_mass_g');
    const islandIdx = header.findIndex((h) => h.replace(/"/g, '') === 'island');
    const edited = text.map((line, i) => {
      if (i < 1 || i > 3) return line;
      const cells = line.split(',');
      cells[massIdx] = 'heavy';
      cells[islandIdx] = 'Atlantis';
      return cells.join(',');
    });
    const input = path.join(work, 'edited.csv');
    writeFileSync(input, edited.join('\n'));
    expect(await predict([model, input, '--out', path.join(work, 'pred-edited.csv')])).toBe(0);
    const all = logs.join('\n');
    expect(all).toMatch(/"island": 3 values with a category not seen in training/);
    expect(all).toMatch(/"body_mass_g": 3 values could not be parsed/);
  });

  it('fails clearly on a missing feature column and never writes a partial output', async () => {
    const { frame } = await readTable('fixtures/penguins.csv');
    const input = path.join(work, 'no-island.csv');
    writeTable(frame.drop(['island']), input);
    const out = path.join(work, 'never.csv');
    await expect(predict([model, input, '--out', out])).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH' });
    expect(existsSync(out)).toBe(false);
    await expect(predict([model, input, '--out', input])).rejects.toMatchObject({ code: 'OUTPUT_PATH' });
  });

  it('passes --hyperparameters, uses --validation, drops rows with a missing target (counted)', async () => {
    const lines = readFileSync('fixtures/concrete.csv', 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const t = header.findIndex((h) => h.replace(/"/g, '') === 'compressive_strength');
    const trainLines = lines.slice(0, 801).map((l, i) => (i >= 1 && i <= 4 ? l.split(',').map((c, j) => (j === t ? '' : c)).join(',') : l));
    writeFileSync(path.join(work, 'c-train.csv'), trainLines.join('\n'));
    writeFileSync(path.join(work, 'c-valid.csv'), [lines[0], ...lines.slice(801)].join('\n'));
    const out = path.join(work, 'concrete-mlp');
    const code = await train([
      path.join(work, 'c-train.csv'), '--target', 'compressive_strength', '--algorithm', 'mlp',
      '--hyperparameters', '{"epochs":3,"hiddenWidth":16}', '--validation', path.join(work, 'c-valid.csv'), '--out', out,
    ]);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
    expect(json.task).toBe('regression');
    expect(json.training.droppedMissingTarget).toBe(4);
    expect(json.training.trainRows).toBe(796);
    expect(json.training.hyperparameters.hiddenWidth).toBe(16);
    expect(json.training.learner.backend).toBe('wasm');
    expect(json.training.learner.validation).toBe('given');
    expect(json.training.validationMetrics.RMSE).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/dropped 4 rows with a missing target/);
  });

  it('rejects bad arguments with clear messages', async () => {
    await expect(train(['fixtures/penguins.csv', '--algorithm', 'linear'])).rejects.toThrow(/--target/);
    await expect(train(['fixtures/penguins.csv', '--target', 'species', '--algorithm', 'svm'])).rejects.toThrow(/unknown algorithm "svm"/);
    await expect(train(['fixtures/penguins.csv', '--target', 'nope', '--algorithm', 'linear'])).rejects.toThrow(/target column "nope"/);
    await expect(train(['fixtures/penguins.csv', '--target', 'species', '--algorithm', 'linear', '--hyperparameters', '{C:1}'])).rejects.toThrow(/not valid JSON/);
    await expect(train(['fixtures/penguins.csv', '--target', 'species', '--algorithm', 'linear', '--hyperparameters', '{"l3":1}'])).rejects.toThrow(/unknown hyperparameter "l3"/);
  });
});
