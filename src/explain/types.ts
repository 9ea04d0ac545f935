import type { Frame } from '../frame/frame.js';
/** Per-row feature contributions (SHAP values) of one model output or several (one per class). */
export interface Explanation {
  /** 'treeshap' (exact), 'exact-additive' (linear models), 'permutation' (sampled). */
  readonly method: 'treeshap' | 'exact-additive' | 'permutation';
  /** One line saying how the values were computed (sample sizes included). */
  readonly detail: string;
  readonly featureNames: readonly string[];
  /** What each output is: "log-odds of yes", "probability of Adelie", "prediction", ... */
  readonly outputs: readonly string[];
  readonly numRows: number;
  /** numRows x features x outputs: values[(row * M + feature) * K + output]. */
  readonly values: Float64Array;
  /** Per output: E[f(X)]. For every row, expectedValue + sum of contributions = f(row). */
  readonly expectedValue: Float64Array;
}

/** Per-row feature contributions (SHAP values) for the endpoint's `explain=true`. */
export interface Contributions {
  readonly method: string;
  /** What the values add up to, e.g. "log-odds of yes", "probability of yes", "prediction". */
  readonly outputs: readonly string[];
  readonly featureNames: readonly string[];
  /** n x features x outputs. */
  readonly values: Float64Array;
  /** Per output. */
  readonly expectedValue: Float64Array;
}

export interface ContributionSource {
  explain(frame: Frame): Contributions;
}
