import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { doctorReport } from '../src/cli/commands/doctor.js';
import type { Frame } from '../src/frame/frame.js';
import { readTable } from '../src/io/index.js';
import { mlpBackend, mlpSpec } from '../src/models/mlp/index.js';
import { Random } from '../src/util/random.js';

/**
 * The cpu backend, which a consumer without the optional @tensorflow/tfjs-backend-wasm trains on (forced here with
 * TABPILOT_TF_BACKEND, as the wasm package is a devDependency of this repository; this file runs in its own
 * process, so the backend chosen here does not leak into other tests). test/consumer.test.ts checks the real
 * fallback in an install without the package.
 */
let penguins: Frame;
const previous = process.env.TABPILOT_TF_BACKEND;
const warn = vi.spyOn(console, 'warn');
beforeAll(async () => {
  process.env.TABPILOT_TF_BACKEND = 'cpu';
  penguins = (await readTable('fixtures/penguins.csv')).frame;
});
afterAll(() => {
  if (previous === undefined) delete process.env.TABPILOT_TF_BACKEND;
  else process.env.TABPILOT_TF_BACKEND = previous;
  warn.mockRestore();
});

describe('mlp on the cpu backend', () => {
  it('doctor names the backend and the optional package that would make training faster', async () => {
    const lines = await doctorReport();
    expect(lines).toContain('mlp backend: cpu (npm install @tensorflow/tfjs-backend-wasm for faster MLP training)');
  });

  it('trains silently (no tfjs banner) and gives the same weights for the same seed', async () => {
    const fit = async () => {
      const m = await mlpSpec.create({ epochs: 3 }).fit(penguins, penguins.column('species'), { task: 'multiclass', rng: new Random(5) });
      return JSON.stringify((m.toJSON() as unknown as { layers: unknown }).layers);
    };
    const a = await fit();
    expect(mlpBackend()).toBe('cpu');
    expect(await fit()).toBe(a);
    const other = await mlpSpec.create({ epochs: 3 }).fit(penguins, penguins.column('species'), { task: 'multiclass', rng: new Random(6) });
    expect(JSON.stringify((other.toJSON() as unknown as { layers: unknown }).layers)).not.toBe(a);
    expect(warn.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringContaining('TensorFlow.js in Node.js'));
  });
});
