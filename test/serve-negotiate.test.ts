import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { explainerForServing } from '../src/explain/index.js';
import { NegotiationError, inputFormat, keysFromEnvironment, outputChoice } from '../src/serve/negotiate.js';
import { decodeCsv } from '../src/serve/payload.js';
import { createInferenceServer, predictorFromPipeline } from '../src/serve/index.js';
import { trainPipeline } from './serve-fixtures.js';

describe('content negotiation', () => {
  it('reads keys from Accept in quoted, unquoted and + forms', () => {
    expect(outputChoice('application/json; keys="predicted_label,probability"', 'csv', ['predicted_label'])).toEqual({ format: 'json', keys: ['predicted_label', 'probability'], explain: false });
    // Unquoted commas split the Accept list; the key list is re-joined.
    expect(outputChoice('application/json; keys=predicted_label,probability,labels', 'csv', ['predicted_label']).keys).toEqual(['predicted_label', 'probability', 'labels']);
    expect(outputChoice('text/csv; keys=probabilities+labels; explain=true', 'json', ['predicted_label'])).toEqual({ format: 'csv', keys: ['probabilities', 'labels'], explain: true });
    expect(outputChoice('*/*', 'jsonlines', ['probability'])).toEqual({ format: 'jsonlines', keys: ['probability'], explain: false });
    expect(outputChoice('image/png, application/jsonlines', 'csv', ['predicted_label']).format).toBe('jsonlines');
    expect(outputChoice(undefined, 'json', ['labels']).keys).toEqual(['labels']);
  });

  it('rejects unknown keys, formats and explain values with 406, unknown content types with 415', () => {
    const status = (f: () => unknown): number => {
      try {
        f();
      } catch (e) {
        return (e as NegotiationError).status;
      }
      return 0;
    };
    expect(status(() => outputChoice('application/json; keys=predicted_labels', 'csv', ['predicted_label']))).toBe(406);
    expect(status(() => outputChoice('text/html', 'csv', ['predicted_label']))).toBe(406);
    expect(status(() => outputChoice('text/csv; explain=maybe', 'csv', ['predicted_label']))).toBe(406);
    expect(status(() => inputFormat('application/xml'))).toBe(415);
    expect(inputFormat('text/csv; charset=utf-8')).toBe('csv');
    expect(inputFormat(undefined)).toBe('csv');
    // Media types are looked up by header text: names of Object.prototype are unknown types, not formats.
    for (const t of ['constructor', '__proto__', 'toString']) {
      expect(status(() => inputFormat(t))).toBe(415);
      expect(status(() => outputChoice(t, 'csv', ['predicted_label']))).toBe(406);
    }
  });

  it('takes default keys from SAGEMAKER_INFERENCE_OUTPUT', () => {
    expect(keysFromEnvironment({ SAGEMAKER_INFERENCE_OUTPUT: 'predicted_label, probability' })).toEqual(['predicted_label', 'probability']);
    expect(keysFromEnvironment({})).toEqual(['predicted_label']);
    expect(() => keysFromEnvironment({ SAGEMAKER_INFERENCE_OUTPUT: 'score' })).toThrow(/unknown response key "score"/);
  });
});

describe('CSV payloads', () => {
  const features = [
    { name: 'x', kind: 'numeric' as const },
    { name: 'c', kind: 'categorical' as const, dictionary: ['a', 'b, with comma'] },
    { name: 'flag', kind: 'boolean' as const },
  ];
  it('decodes quoted fields, CRLF, missing values and unseen categories into the training kinds', () => {
    const { frame, unseen } = decodeCsv('1.5,a,true\r\n,"b, with comma",0\r\n-2e3,zzz,\n', features);
    expect(frame.numRows).toBe(3);
    expect(Array.from((frame.column('x') as { values: Float64Array }).values)).toEqual([1.5, NaN, -2000]);
    expect(Array.from((frame.column('c') as { codes: Int32Array }).codes)).toEqual([0, 1, -1]);
    expect(Array.from((frame.column('flag') as { values: Uint8Array }).values)).toEqual([1, 0, 255]);
    expect((frame.column('c') as { dictionary: readonly string[] }).dictionary).toBe(features[1].dictionary);
    expect(unseen).toEqual({ c: 1 });
  });
  it('skips a header row equal to the feature names and numbers errors by record', () => {
    expect(decodeCsv('x,c,flag\n3,a,1', features).frame.numRows).toBe(1);
    expect(() => decodeCsv('x,c,flag\n3,a,1\n4,a,maybe', features)).toThrow('row 3, column "flag": cannot parse "maybe" as a boolean');
    expect(() => decodeCsv('3,a,1\n\n4,a,1', features)).toThrow('row 2: empty line');
    expect(() => decodeCsv('3,"a"b,1', features)).toThrow('row 1, column "c": unexpected character after a closing quote');
  });
});

describe('explain=true on the endpoint', () => {
  it('returns TreeSHAP contributions that add up to the log-odds of each answer', async () => {
    const { pipeline, frame } = await trainPipeline('pima_diabetes2.csv', 'diabetes', 'binary', 'gbdt', { numRounds: 50, earlyStoppingRounds: 0 });
    const server = createInferenceServer(predictorFromPipeline(pipeline), { explainer: () => explainerForServing(pipeline) });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const names = pipeline.artifact.features.map((f) => f.name);
      const body = [0, 1, 2, 100].map((r) => names.map((n) => frame.row(r)[n] ?? '').join(',')).join('\n');
      const reply = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/invocations', headers: { 'Content-Type': 'text/csv', Accept: 'application/json; keys=probabilities; explain=true' } }, (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => (res.statusCode === 200 ? resolve(t) : reject(new Error(`${res.statusCode} ${t}`))));
        });
        req.end(body);
      });
      const predictions = (JSON.parse(reply) as { predictions: { probabilities: number[]; explanation: { method: string; expected_value: number; contributions: Record<string, number> } }[] }).predictions;
      expect(predictions).toHaveLength(4);
      const expected = pipeline.predict(decodeCsv(body, pipeline.artifact.features).frame).probabilities!;
      predictions.forEach((p, i) => {
        expect(p.explanation.method).toBe('treeshap');
        expect(Object.keys(p.explanation.contributions)).toEqual(names);
        const logit = p.explanation.expected_value + Object.values(p.explanation.contributions).reduce((a, b) => a + b, 0);
        expect(1 / (1 + Math.exp(-logit))).toBeCloseTo(expected[i * 2 + 1], 9);
        expect(p.probabilities[1]).toBeCloseTo(expected[i * 2 + 1], 12);
      });
    } finally {
      await server.close();
    }
  });
});
