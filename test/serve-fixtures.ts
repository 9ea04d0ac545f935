import { readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { schemaOf } from '../src/frame/align.js';
import { type Column, categoricalFromStrings, numericColumn } from '../src/frame/column.js';
import { Frame } from '../src/frame/frame.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { getLearnerSpec } from '../src/models/registry.js';
import type { LearnerSpec, Task } from '../src/models/types.js';
import { Random } from '../src/util/random.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

/** A fixture CSV as a Frame: columns whose non-empty values all parse as numbers are numeric, others categorical. */
export function loadFixture(name: string): Frame {
  const text = readFileSync(path.join(FIXTURES, name), 'utf8');
  const parsed = Papa.parse<string[]>(text.trim(), { header: false });
  const [header, ...rows] = parsed.data;
  const columns: Column[] = header.map((h, c) => {
    const raw = rows.map((r) => (r[c] === '' || r[c] === undefined ? null : r[c]));
    const numeric = raw.every((v) => v === null || Number.isFinite(Number(v)));
    return numeric ? numericColumn(h, Float64Array.from(raw, (v) => (v === null ? NaN : Number(v)))) : categoricalFromStrings(h, raw);
  });
  return Frame.fromColumns(columns);
}

/** Trains a real model of `kind` on a fixture and wraps it in a Pipeline. */
export async function trainPipeline(
  file: string,
  target: string,
  task: Task,
  kind = 'linear',
  params: Record<string, unknown> = {},
  edit: (f: Frame) => Frame = (f) => f,
): Promise<{ pipeline: Pipeline; frame: Frame }> {
  let frame = edit(loadFixture(file));
  if (task !== 'regression') {
    // Class labels as a categorical column even when they look numeric.
    const t = frame.column(target);
    if (t.kind === 'numeric') frame = frame.withColumn(categoricalFromStrings(target, Array.from(t.values, (v) => (Number.isNaN(v) ? null : String(v)))));
  }
  const features = frame.columnNames.filter((n) => n !== target);
  const data = frame.select(features);
  const learner = (await specFor(kind)).create(params);
  const model = await learner.fit(data, frame.column(target), { task, rng: new Random(1) });
  return { pipeline: Pipeline.fromModel(model, { target, features: schemaOf(data) }), frame };
}

/** The registered spec, or the learner module directly while a learner is not yet registered. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function specFor(kind: string): Promise<LearnerSpec<any>> {
  try {
    return getLearnerSpec(kind);
  } catch {
    if (kind === 'gbdt') return (await import('../src/models/gbdt/index.js')).gbdtSpec;
    throw new Error(`learner ${kind} is not available`);
  }
}
