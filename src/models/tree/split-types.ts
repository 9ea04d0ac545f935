/**
 * The types of the split search (split.ts): how splits are scored, the search's parameters, a found split and a
 * node's rows. Kept apart so split.ts holds the search itself.
 */

/**
 * How a split is scored. All scores are "bigger is better" and gain = score(left) + score(right) - score(parent).
 *   gradient  boosting: one gradient channel G and hessian H, score = T(G)^2 / (H + lambdaL2) with L1 soft
 *             threshold T; with G = -sum(w y), H = sum(w) and no regularisation it is variance reduction
 *   gini      forests: channels are weighted class counts c_k, H = sum(c_k): score = sum(c_k^2) / H
 *   entropy   forests: score = sum(c_k log(c_k / H)) = -H * entropy
 */
export type Criterion = 'gradient' | 'gini' | 'entropy';

export interface SplitParams {
  readonly criterion: Criterion;
  /** Gradient channels (1 for boosting and forest regression, number of classes for forest classification). */
  readonly channels: number;
  readonly minDataInLeaf: number;
  readonly minSumHessian: number;
  readonly lambdaL1: number;
  readonly lambdaL2: number;
  readonly minGainToSplit: number;
  /**
   * Extra trees: one random threshold per feature and node instead of the best one, scored from the node's rows
   * (`findFromRows`) rather than from a histogram.
   */
  readonly extraTrees: boolean;
  /** LightGBM categorical regularisation: smoothing of the gradient ratio used to order categories. */
  readonly catSmooth: number;
  /** Extra L2 on categorical splits. */
  readonly catL2: number;
  /** At most this many categories on the smaller side of a categorical split. */
  readonly maxCatThreshold: number;
  /** Columns with at most this many categories use one-vs-rest splits. */
  readonly maxCatToOnehot: number;
  /** Minimum rows per category group when scanning sorted categories. */
  readonly minDataPerGroup: number;
}

export interface SplitInfo {
  feature: number;
  gain: number;
  /** Numeric: value bins 1..binThreshold go left. */
  binThreshold: number;
  /** Categorical: bins that go left (the missing bin 0 included when missing goes left). */
  leftBins: number[] | null;
  defaultLeft: boolean;
  /** Left child stats: channels then hessian. */
  leftStats: Float64Array;
}

/** A node's rows, rows[start, end), with the gradient channels (row-major) and hessian of every data row. */
export interface NodeRows {
  readonly rows: Int32Array;
  start: number;
  end: number;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** Per feature, 1 once found constant in these rows (the search skips it and marks the ones it finds); or null. */
  constant: Uint8Array | null;
}
