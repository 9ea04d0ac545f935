import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { batchTransform } from '../pipeline/batch-transform.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { parseCommandArgs } from '../util/args.js';
import { TabpilotError } from '../util/errors.js';
import type { InstanceSpec } from './processing.js';

/**
 * Built-in processing module `builtin:batch-transform`: predictions of a model directory for every file of the
 * one input (shard it across instances with `:sharded`), written with the same name into the one output.
 * Arguments after `--`: `--model DIR` (required), `--keep COL,...` (input columns copied to the output).
 */
export default async function batchTransformModule(job: Pick<InstanceSpec, 'inputs' | 'outputs' | 'args' | 'instance'>): Promise<void> {
  const { values } = parseCommandArgs([...job.args], { model: { type: 'string' }, keep: { type: 'string' } }, 'builtin:batch-transform');
  const model = values.model as string | undefined;
  if (model === undefined) throw new TabpilotError('INVALID_ARGUMENT', 'builtin:batch-transform: --model DIR is required (after --)');
  const inputs = Object.values(job.inputs);
  const outputs = Object.values(job.outputs);
  if (inputs.length !== 1 || outputs.length !== 1) throw new TabpilotError('INVALID_ARGUMENT', 'builtin:batch-transform takes exactly one --input and one --output');
  const pipeline = await Pipeline.load(model);
  const keep = (values.keep as string | undefined)?.split(',').filter(Boolean);
  for (const file of inputs[0].files) {
    // Keys (paths relative to the input folder) keep files of different sub-folders apart.
    const out = path.join(outputs[0], file === inputs[0].path ? path.basename(file) : path.relative(inputs[0].path, file));
    mkdirSync(path.dirname(out), { recursive: true });
    const summary = await batchTransform(pipeline, { input: file, output: out, keep });
    console.log(`instance ${job.instance}: ${file} -> ${out} (${summary.rows} rows)`);
  }
}
