/**
 * The contract of a local (one series at a time) forecaster. `fit` estimates parameters from a gap-free
 * history (plain JSON, saved in model.json); `forecast` runs the model over a history with those parameters
 * and returns the mean path and the standard deviation of each step's error, so every model gets quantiles
 * the same way (normal, widening with the horizon through the model's impulse response).
 */
export type LocalParams = Record<string, unknown>;

export interface LocalForecast {
  readonly mean: Float64Array;
  readonly sigma: Float64Array;
}

export interface LocalModel {
  readonly name: string;
  readonly description: string;
  /** Fewest points the model needs; shorter histories use the fallback forecaster. */
  minLength(period: number): number;
  fit(y: Float64Array, period: number): LocalParams;
  /**
   * Forecasts h steps after y. `sameStart`: y starts where the fitted history started, so fitted initial
   * states apply; otherwise they are re-estimated from y (a saved forecaster given a different history).
   */
  forecast(y: Float64Array, period: number, params: LocalParams, h: number, sameStart: boolean): LocalForecast;
}
