import { frameFromShared } from '../frame/shared.js';
import { Random } from '../util/random.js';
import { type InsightsTask, featuresFromShared, targetFromShared } from './pool.js';
import { predictionPower, type PowerResult } from './power.js';
import { isolationForestScores } from './isolation-forest.js';
import { fitFold, type FoldOutput } from './quick-model.js';

/** Piscina worker entry for the insights report: one quick-model fold, or prediction power for some features. */
export default async function (task: InsightsTask): Promise<FoldOutput | PowerResult[] | Float64Array> {
  if (task.kind === 'anomaly') return isolationForestScores(new Float64Array(task.x, 0, task.n * task.d), task.n, task.d, new Random(task.seed));
  const target = targetFromShared(task.target);
  if (task.kind === 'fold') return fitFold({ ...task.fold, frame: frameFromShared(task.frame), target });
  return predictionPower(featuresFromShared(task.features), target, task.numRows, new Random(task.seed));
}
