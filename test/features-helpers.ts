import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type FeatureStore, openFeatureStore } from '../src/features/index.js';
import { type Frame, textColumn } from '../src/frame/index.js';
import { readTable } from '../src/io/index.js';

export const ROOT = path.resolve(__dirname, '..');
export const FINANCES = path.join(ROOT, 'fixtures/wrangle/credit_finances.csv');
export const APPLICANTS = path.join(ROOT, 'fixtures/wrangle/credit_applicants.csv');
const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 1);

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A new store with the `finances` group over the real credit finances table (String event time). */
export function financesStore(dir = tempDir('fs-'), options: { now?: () => number } = {}): FeatureStore {
  const store = openFeatureStore(path.join(dir, 'store'), { create: true, ...options });
  store.createFeatureGroup({
    name: 'finances', recordIdentifier: 'applicant_id', eventTime: 'updated_at',
    features: [
      { name: 'applicant_id', type: 'String' }, { name: 'updated_at', type: 'String' },
      ...['Time', 'Expenses', 'Income', 'Assets', 'Debt', 'Amount', 'Price'].map((name) => ({ name, type: 'Integral' as const })),
    ],
  });
  return store;
}

/** The credit finances rows with an `updated_at` event time: row i on day (i mod 30) of January 2024. */
export async function financesFrame(): Promise<Frame> {
  const { frame } = await readTable(FINANCES, { types: { applicant_id: 'text' } });
  const times = Array.from({ length: frame.numRows }, (_, i) => new Date(T0 + (i % 30) * DAY).toISOString());
  return frame.withColumn(textColumn('updated_at', times));
}
