import type { Column } from '../../frame/column.js';
import type { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import type { FitContext, ModelJSON, Task } from '../types.js';
import { DesignEncoder, type DesignJSON, type DesignOptions } from './design.js';
import { type EncodedTarget, effectiveWeights, encodeTarget, trainingRows } from './target.js';

/** What a design-matrix learner (linear, MLP, knn) starts every fit from. */
export interface FitInput {
  readonly featureNames: string[];
  /** The training rows (ctx.rows applied). */
  readonly data: Frame;
  readonly encoded: EncodedTarget;
  readonly n: number;
  /** Sample weights times class weights, one per training row. */
  readonly weights: Float64Array;
  /** Fitted on the training rows only. */
  readonly design: DesignEncoder;
}

/**
 * The shared start of a fit: feature names (every column but the target), the training rows, the encoded target,
 * effective weights and the design encoder fitted on those rows. Throws INVALID_ARGUMENT naming the learner when
 * there is no feature or no training row.
 */
export function fitInput(kind: string, data: Frame, target: Column, ctx: FitContext, design: Pick<DesignOptions, 'minCategoryCount' | 'maxCategories'>): FitInput {
  const featureNames = data.columnNames.filter((n) => n !== target.name);
  if (featureNames.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: no feature columns to train on`);
  const train = trainingRows(data, target, ctx.rows);
  const encoded = encodeTarget(train.target, ctx.task, ctx.classes);
  const n = train.data.numRows;
  if (n === 0) throw new TabpilotError('INVALID_ARGUMENT', `${kind}: no training rows`);
  const weights = effectiveWeights(n, ctx, encoded);
  const encoder = DesignEncoder.fit(train.data, featureNames, { minCategoryCount: design.minCategoryCount, maxCategories: design.maxCategories });
  return { featureNames, data: train.data, encoded, n, weights, design: encoder };
}

/** The model.json fields every design-matrix learner (linear, MLP, knn) shares; each adds its fitted state. */
export interface DesignModelJSON<P> extends ModelJSON {
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly featureNames: readonly string[];
  readonly params: P;
  readonly preprocessing: DesignJSON;
}
