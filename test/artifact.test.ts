import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { schemaOf } from '../src/frame/align.js';
import { categoricalFromStrings } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { MODEL_FILE, Pipeline, predictionFrame, validateArtifact } from '../src/pipeline/pipeline.js';
import { linearSpec } from '../src/models/linear/index.js';
import { Random } from '../src/util/random.js';

let votes: Frame;
let pipeline: Pipeline;
const dir = mkdtempSync(path.join(tmpdir(), 'tabpilot-artifact-'));

beforeAll(async () => {
  votes = (await readTable('fixtures/house_votes84.csv')).frame;
  const features = votes.columnNames.filter((c) => c !== 'Class');
  const model = await linearSpec.create().fit(votes, votes.column('Class'), { task: 'binary', rng: new Random(0) });
  pipeline = Pipeline.fromModel(model, { target: 'Class', features: schemaOf(votes, features), training: { algorithm: 'linear', seed: 0 } });
  await pipeline.save(dir);
});

describe('model directory', () => {
  it('holds one self-describing model.json', () => {
    const json = JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8'));
    expect(json.format).toBe('tabpilot-model-dir');
    expect(json.formatVersion).toBe(1);
    expect(json.task).toBe('binary');
    expect(json.target).toBe('Class');
    expect(json.classes).toEqual(['democrat', 'republican']);
    expect(json.features).toHaveLength(16);
    expect(json.features[0]).toEqual({ name: 'V1', kind: 'categorical', dictionary: expect.arrayContaining(['y', 'n']) });
    expect(json.model.kind).toBe('linear');
    expect(json.training).toEqual({ algorithm: 'linear', seed: 0 });
  });

  it('loads back and predicts raw input identically, columns in any order, target ignored', async () => {
    const loaded = await Pipeline.load(dir);
    const reordered = votes.select([...votes.columnNames].reverse());
    const a = pipeline.predict(votes);
    const b = loaded.predict(reordered);
    expect(Array.from(b.probabilities!)).toEqual(Array.from(a.probabilities!));
    expect(b.labels!.slice(0, 5)).toEqual(a.labels!.slice(0, 5));
    for (let i = 0; i < votes.numRows; i++) expect(b.probability![i]).toBe(a.probabilities![2 * i + b.labelIndex![i]]);
  });

  it('treats an unseen category as missing and counts it', () => {
    const v1 = votes.column('V1') as { codes: Int32Array; dictionary: readonly string[] };
    const strings = Array.from(v1.codes, (c) => (c < 0 ? null : v1.dictionary[c]));
    const withUnseen = votes.withColumn(categoricalFromStrings('V1', strings.map((s, i) => (i < 3 ? 'abstain' : s))));
    const withMissing = votes.withColumn(categoricalFromStrings('V1', strings.map((s, i) => (i < 3 ? null : s))));
    const a = pipeline.predict(withUnseen);
    const b = pipeline.predict(withMissing);
    expect(a.unseen).toEqual({ V1: 3 });
    expect(Array.from(a.probabilities!)).toEqual(Array.from(b.probabilities!));
  });

  it('names a missing feature column', () => {
    expect(() => pipeline.predict(votes.drop(['V7']))).toThrow(/missing feature column "V7"/);
  });

  it('gives the batch-transform columns', () => {
    const out = predictionFrame(pipeline.predict(votes.head(4)));
    expect(out.columnNames).toEqual(['predicted_label', 'probability', 'probability_democrat', 'probability_republican']);
    expect(out.numRows).toBe(4);
  });

  it('rejects broken or foreign model files with clear errors', async () => {
    const good = JSON.parse(readFileSync(path.join(dir, MODEL_FILE), 'utf8'));
    const write = (name: string, content: string) => {
      const d = mkdtempSync(path.join(tmpdir(), `tabpilot-${name}-`));
      writeFileSync(path.join(d, MODEL_FILE), content);
      return d;
    };
    await expect(Pipeline.load(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(Pipeline.load(write('json', '{"format":'))).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
    await expect(Pipeline.load(write('newer', JSON.stringify({ ...good, formatVersion: 2 })))).rejects.toThrow(/newer than this build supports/);
    await expect(Pipeline.load(write('other', JSON.stringify({ ...good, format: 'sklearn-pickle' })))).rejects.toThrow(/not a tabpilot model/);
    await expect(Pipeline.load(write('kind', JSON.stringify({ ...good, model: { ...good.model, kind: 'xgboost' } })))).rejects.toThrow(/kind "xgboost" is not known/);
    await expect(Pipeline.load(write('classes', JSON.stringify({ ...good, classes: ['a'] })))).rejects.toThrow(/classes/);
    await expect(Pipeline.load(write('coef', JSON.stringify({ ...good, model: { ...good.model, coefficients: [1, 2] } })))).rejects.toThrow(/coefficients/);
    expect(() => validateArtifact({ ...good, features: [{ name: 'x', kind: 'tensor' }] })).toThrow(/invalid feature entry/);
  });
});
