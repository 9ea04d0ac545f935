/**
 * Forecast accuracy as Amazon Forecast and Autopilot define it (spec B.6): weighted quantile loss per quantile
 * wQL[tau] = 2 sum(tau max(y - q, 0) + (1 - tau) max(q - y, 0)) / sum |y| and its mean over the quantiles,
 * MAPE (mean |y - yhat| / |y| over non-zero y), MASE (MAE over the in-sample seasonal-naive MAE, averaged over
 * item windows), RMSE and WAPE (sum |y - yhat| / sum |y|). Point metrics use the mean forecast.
 */
export type ForecastMetric = 'wql' | 'mape' | 'mase' | 'rmse' | 'wape';
export const FORECAST_METRICS: readonly ForecastMetric[] = ['wql', 'mape', 'mase', 'rmse', 'wape'];

export type MetricValues = Record<ForecastMetric, number> & { readonly wqlByQuantile: number[] };

/** In-sample MAE of the seasonal naive forecast (lag m; lag 1 when the history is shorter than a season and a point). */
export function maseScale(history: ArrayLike<number>, m: number): number {
  const lag = m > 1 && history.length > m ? m : 1;
  let s = 0;
  let n = 0;
  for (let t = lag; t < history.length; t++) {
    s += Math.abs(history[t] - history[t - lag]);
    n++;
  }
  return n > 0 ? s / n : NaN;
}

export class MetricAccumulator {
  private absError = 0;
  private sqError = 0;
  private absActual = 0;
  private count = 0;
  private apeSum = 0;
  private apeCount = 0;
  private maseSum = 0;
  private maseCount = 0;
  private readonly pinball: Float64Array;

  constructor(readonly quantiles: readonly number[]) {
    this.pinball = new Float64Array(quantiles.length);
  }

  /** One item window: actuals, which of them were observed (gaps are not scored), the mean and quantile forecasts, and the MASE scale. */
  add(actual: ArrayLike<number>, observed: ArrayLike<number>, mean: ArrayLike<number>, quantiles: readonly ArrayLike<number>[], scale: number): void {
    let ae = 0;
    let n = 0;
    for (let k = 0; k < actual.length; k++) {
      if (!observed[k]) continue;
      const y = actual[k];
      const e = y - mean[k];
      ae += Math.abs(e);
      this.sqError += e * e;
      this.absActual += Math.abs(y);
      if (y !== 0) {
        this.apeSum += Math.abs(e / y);
        this.apeCount++;
      }
      this.quantiles.forEach((tau, j) => {
        const d = y - quantiles[j][k];
        this.pinball[j] += d >= 0 ? tau * d : (tau - 1) * d;
      });
      n++;
    }
    this.absError += ae;
    this.count += n;
    if (n > 0 && scale > 0 && Number.isFinite(scale)) {
      this.maseSum += ae / n / scale;
      this.maseCount++;
    }
  }

  get points(): number {
    return this.count;
  }

  result(): MetricValues {
    const wqlByQuantile = Array.from(this.pinball, (p) => (this.absActual > 0 ? (2 * p) / this.absActual : NaN));
    return {
      wql: wqlByQuantile.reduce((a, b) => a + b, 0) / Math.max(1, wqlByQuantile.length),
      wqlByQuantile,
      mape: this.apeCount > 0 ? this.apeSum / this.apeCount : NaN,
      mase: this.maseCount > 0 ? this.maseSum / this.maseCount : NaN,
      rmse: this.count > 0 ? Math.sqrt(this.sqError / this.count) : NaN,
      wape: this.absActual > 0 ? this.absError / this.absActual : NaN,
    };
  }
}
