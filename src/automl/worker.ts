import { type TrialOutput, type TrialTask, runTrial } from './trial.js';

/** Piscina worker entry: one trial per call. Shared buffers in the task arrive shared, not copied. */
export default async function (task: TrialTask): Promise<TrialOutput> {
  return runTrial(task);
}
