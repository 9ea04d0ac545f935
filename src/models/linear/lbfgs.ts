/**
 * Limited-memory BFGS on Float64Arrays (Nocedal & Wright, algorithm 7.4) with a backtracking line search on
 * the Armijo condition, restarted from steepest descent when curvature information is unusable. Used for the
 * smooth, strictly convex L2-regularised logistic and multinomial objectives, where it converges quickly.
 */
export interface LbfgsOptions {
  readonly maxIterations: number;
  /** Stop when the max-norm of the gradient falls below this. */
  readonly gradientTolerance: number;
  /** Stop when the relative decrease of the objective over one iteration falls below this. */
  readonly relativeTolerance: number;
  readonly history?: number;
  /** Epoch ms after which no new iteration starts. */
  readonly deadline?: number;
  readonly onIteration?: (iteration: number, value: number) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly reason: 'gradient' | 'relative-decrease' | 'max-iterations' | 'deadline' | 'line-search';
}

/** `objective(x, grad)` returns f(x) and writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = x0.length;
  const m = options.history ?? 10;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = objective(x, g);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iter = 0;
  let reason: LbfgsResult['reason'] = 'max-iterations';
  if (maxAbs(g) < options.gradientTolerance) return { x, value: f, iterations: 0, converged: true, reason: 'gradient' };

  while (iter < options.maxIterations) {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      reason = 'deadline';
      break;
    }
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rhoHist[j] * dot(sHist[j], d);
      const y = yHist[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * y[i];
    }
    if (k > 0) {
      const gamma = dot(sHist[k - 1], yHist[k - 1]) / dot(yHist[k - 1], yHist[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      // First step: scale so the step has unit length, a safe guess before any curvature is known.
      const s = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) d[i] *= s;
    }
    for (let j = 0; j < k; j++) {
      const beta = rhoHist[j] * dot(yHist[j], d);
      const s = sHist[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * s[i];
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }
    let step = 1;
    let fNew = Infinity;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = objective(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    iter++;
    if (!accepted) {
      reason = 'line-search';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const decrease = f - fNew;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    options.onIteration?.(iter, f);
    if (maxAbs(g) < options.gradientTolerance) {
      reason = 'gradient';
      break;
    }
    if (decrease <= options.relativeTolerance * Math.max(Math.abs(f), 1e-12)) {
      reason = 'relative-decrease';
      break;
    }
  }
  return { x, value: f, iterations: iter, converged: reason === 'gradient' || reason === 'relative-decrease', reason };
}
