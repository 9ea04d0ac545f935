// A test-only Autopilot trial worker: the real trial function (the compiled dist/src/automl/trial.js), except for
// the candidate indices listed in piscina's workerData.failures, whose trials throw, hang in a busy loop (only a
// hard stop, i.e. terminating the worker, ends them) or allocate until the worker's V8 heap limit kills it.
import { workerData } from 'piscina';
import { runTrial } from '../../dist/src/automl/trial.js';

/** @param {import('../../src/automl/trial.js').TrialTask} task */
export default async function failingTrial(task) {
  const failure = workerData?.failures?.[task.candidate];
  if (failure === 'throw') throw new Error('this trial fails on purpose');
  if (failure === 'hang') {
    for (;;) {
      // Busy loop: ignores every deadline.
    }
  }
  if (failure === 'oom') {
    // Plain JS arrays live on the V8 heap (typed-array storage does not), so this hits resourceLimits.
    const hoard = [];
    for (;;) hoard.push(new Array(1 << 20).fill(1.5));
  }
  return runTrial(task);
}
