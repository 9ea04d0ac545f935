/**
 * Numerical helpers of the forecasters: a small Nelder-Mead minimiser (the smoothing parameters of ETS, the
 * ARMA coefficients of ARIMA) and the standard normal quantile (residual-based prediction intervals).
 */

export interface NelderMeadOptions {
  /** Stop after this many objective evaluations. */
  readonly maxEvaluations?: number;
  /** Stop when the simplex' function values differ by less than this (relative). */
  readonly tolerance?: number;
  /** Initial simplex step per coordinate. */
  readonly step?: number;
}

/** Evaluations per free parameter when the caller gives no budget: enough for 2-6 smooth parameters. */
const EVALS_PER_PARAM = 200;
const DEFAULT_TOLERANCE = 1e-8;
const DEFAULT_STEP = 0.1;

/**
 * Minimises f from x0 with the Nelder-Mead simplex (reflection 1, expansion 2, contraction 1/2, shrink 1/2).
 * Non-finite objective values count as +Infinity, so constraints can be expressed by returning Infinity.
 */
export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: NelderMeadOptions = {}): { x: Float64Array; value: number; evaluations: number } {
  const n = x0.length;
  const maxEval = options.maxEvaluations ?? EVALS_PER_PARAM * Math.max(1, n);
  const tol = options.tolerance ?? DEFAULT_TOLERANCE;
  const step = options.step ?? DEFAULT_STEP;
  let evaluations = 0;
  const evalf = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const simplex: Float64Array[] = [Float64Array.from(x0)];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(x0);
    p[i] += step * Math.max(1, Math.abs(p[i]));
    simplex.push(p);
  }
  const values = simplex.map(evalf);
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const at = (c: number, toward: Float64Array, from: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = toward[j] + c * (from[j] - toward[j]);
    return out;
  };
  while (evaluations < maxEval) {
    order.sort((a, b) => values[a] - values[b]);
    const best = order[0];
    const worst = order[n];
    const secondWorst = order[n - 1];
    if (Math.abs(values[worst] - values[best]) <= tol * (Math.abs(values[best]) + tol)) break;
    centroid.fill(0);
    for (const i of order.slice(0, n)) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const reflected = at(-1, centroid, simplex[worst]);
    const fr = evalf(reflected);
    if (fr < values[best]) {
      const expanded = at(-2, centroid, simplex[worst]);
      const fe = evalf(expanded);
      [simplex[worst], values[worst]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[secondWorst]) {
      [simplex[worst], values[worst]] = [reflected, fr];
    } else {
      const outside = fr < values[worst];
      const contracted = at(outside ? -0.5 : 0.5, centroid, simplex[worst]);
      const fc = evalf(contracted);
      if (fc < Math.min(fr, values[worst])) [simplex[worst], values[worst]] = [contracted, fc];
      else {
        for (const i of order.slice(1)) {
          simplex[i] = at(0.5, simplex[best], simplex[i]);
          values[i] = evalf(simplex[i]);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[bi]) bi = i;
  return { x: simplex[bi], value: values[bi], evaluations };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - plow) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Logistic map R -> (0, 1) and back: unconstrained optimisation of parameters that live in (0, 1). */
export const toUnit = (z: number): number => 1 / (1 + Math.exp(-z));
export const fromUnit = (p: number): number => Math.log(p / (1 - p));

export function mean(y: ArrayLike<number>, from = 0, to = y.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i];
  return to > from ? s / (to - from) : NaN;
}

/** Root mean square of the finite values from index `from` on (residual scale); NaN when none. */
export function rms(r: ArrayLike<number>, from = 0, dof = 0): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < r.length; i++) {
    if (!Number.isFinite(r[i])) continue;
    s += r[i] * r[i];
    n++;
  }
  return n - dof > 0 ? Math.sqrt(s / (n - dof)) : n > 0 ? Math.sqrt(s / n) : NaN;
}

/** Corrected Akaike criterion of a Gaussian fit from its sum of squared errors over n points with k parameters. */
export function aicc(sse: number, n: number, k: number): number {
  if (!(sse > 0) || n - k - 1 <= 0) return sse === 0 && n - k - 1 > 0 ? -Infinity : Infinity;
  return n * Math.log(sse / n) + 2 * k + (2 * k * (k + 1)) / (n - k - 1);
}

/** Forecast standard deviations per step from a one-step sigma and the model's impulse response (psi weights, psi[0] = 1). */
export function sigmaFromPsi(sigma: number, psi: ArrayLike<number>, h: number): Float64Array {
  const out = new Float64Array(h);
  let acc = 0;
  for (let k = 0; k < h; k++) {
    acc += (psi[k] ?? 0) ** 2;
    out[k] = sigma * Math.sqrt(acc);
  }
  return out;
}
