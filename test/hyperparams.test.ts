import { describe, expect, it } from 'vitest';
import { type ParamConstraints, resolveParams } from '../src/models/hyperparams.js';
import { learnerSpecs } from '../src/models/registry.js';

describe('declarative hyperparameter validation', () => {
  interface P {
    rounds: number;
    rate: number;
    mode: string;
    flag: boolean;
    cap: number | null;
  }
  const defaults: P = { rounds: 10, rate: 0.1, mode: 'a', flag: false, cap: null };
  const constraints: ParamConstraints<P> = {
    rounds: { type: 'int', min: 1, max: 100 },
    rate: { type: 'float', min: 0, max: 1, minExclusive: true },
    mode: { type: 'choice', values: ['a', 'b'] },
    flag: { type: 'boolean' },
    cap: { type: 'int', min: 1, nullable: true },
  };
  const resolve = (given: unknown) => resolveParams('toy', defaults, constraints, given);

  it('fills defaults and keeps given values', () => {
    expect(resolve(undefined)).toEqual(defaults);
    expect(resolve({ rounds: 20, mode: 'b', cap: 3, rate: undefined })).toEqual({ ...defaults, rounds: 20, mode: 'b', cap: 3 });
    expect(resolve({ cap: null })).toEqual(defaults);
  });

  it('rejects each broken constraint, naming the learner and the parameter', () => {
    expect(() => resolve({ rounds: 0 })).toThrow('toy: hyperparameter "rounds" must be in [1, 100], got 0');
    expect(() => resolve({ rounds: 2.5 })).toThrow('toy: hyperparameter "rounds" must be an integer, got 2.5');
    expect(() => resolve({ rounds: '5' })).toThrow('toy: hyperparameter "rounds" must be a finite number, got "5"');
    expect(() => resolve({ rate: 0 })).toThrow('toy: hyperparameter "rate" must be in (0, 1], got 0');
    expect(() => resolve({ rate: 1 })).not.toThrow();
    expect(() => resolve({ mode: 'c' })).toThrow('toy: hyperparameter "mode" must be one of "a", "b", got "c"');
    expect(() => resolve({ flag: 1 })).toThrow('toy: hyperparameter "flag" must be true or false, got 1');
    expect(() => resolve({ rounds: null })).toThrow('toy: hyperparameter "rounds" must not be null, got null');
    expect(() => resolve([1])).toThrow(/toy: hyperparameters must be an object/);
    expect(() => resolve({ depth: 3 })).toThrow('toy: unknown hyperparameter "depth"; known: rounds, rate, mode, flag, cap');
  });

  it('reads only own names: prototype keys from user JSON are unknown names, and nothing is polluted', () => {
    for (const text of ['{"toString": 1}', '{"__proto__": {"polluted": true}}', '{"constructor": {}}', '{"hasOwnProperty": 0}']) {
      const name = Object.keys(JSON.parse(text))[0];
      expect(() => resolve(JSON.parse(text)), text).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`unknown hyperparameter "${name}"`) }));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('every learner (gbdt, rf, extratrees, linear, mlp, the text learners, ensemble) validates through it', () => {
    const kinds = learnerSpecs().map((s) => s.kind);
    expect(kinds).toEqual(['gbdt', 'rf', 'extratrees', 'linear', 'mlp', 'knn', 'text-linear', 'text-nb', 'text-gbdt', 'text-fasttext', 'ensemble']);
    for (const spec of learnerSpecs()) {
      expect(spec.create().params, spec.kind).toEqual(spec.defaults);
      expect(() => spec.create(JSON.parse('{"toString": 1}')), spec.kind).toThrow(`${spec.kind}: unknown hyperparameter "toString"`);
      expect(() => spec.create(JSON.parse('{"__proto__": {"x": 1}}')), spec.kind).toThrow(`${spec.kind}: unknown hyperparameter "__proto__"`);
      // A wrong type for the first hyperparameter (a number or a string by default) is rejected by name.
      const [first, value] = Object.entries(spec.defaults)[0] as [string, unknown];
      const wrong = typeof value === 'number' ? 'many' : 12345;
      expect(() => spec.create({ [first]: wrong }), spec.kind).toThrow(new RegExp(`^${spec.kind}: hyperparameter "${first}" must`));
    }
  });

  it('keeps the learners\u2019 hard limits', async () => {
    const { gbdtSpec } = await import('../src/models/gbdt/index.js');
    const { mlpSpec } = await import('../src/models/mlp/index.js');
    const { linearSpec } = await import('../src/models/linear/index.js');
    const { ensembleSpec } = await import('../src/models/ensemble.js');
    expect(() => gbdtSpec.create({ learningRate: 0 })).toThrow(/learningRate/);
    expect(gbdtSpec.create({ numRounds: 5000 }).params.numRounds).toBe(5000);
    expect(() => mlpSpec.create({ hiddenWidth: 9000 })).toThrow(/hiddenWidth" must be in \[1, 8192\]/);
    expect(() => linearSpec.create({ tolerance: 0 })).toThrow(/tolerance" must be in \(0, inf\]/);
    expect(() => ensembleSpec.create({ base: 'ensemble' })).toThrow(/base" must be one of "gbdt", "rf", "extratrees", "linear", "mlp"/);
    expect(() => ensembleSpec.create({ bags: 1 })).toThrow(/bags" must be in \[2, inf\]/);
  });
});
