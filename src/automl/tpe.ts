import type { Domain, HyperValue, HyperparameterSpec } from '../models/types.js';
import type { Random } from '../util/random.js';

/**
 * Tree-structured Parzen Estimator over one learner's search space (Bergstra et al. 2011), written for small
 * trial counts. Numeric hyperparameters live in a unit cube (log-scaled where the domain says so); choices are
 * categorical. Observations are split into the best `gamma` share ("good") and the rest; candidates are drawn
 * from the good density and the one maximising l(x)/g(x) is proposed.
 */
export interface Observation {
  readonly params: Readonly<Record<string, HyperValue>>;
  /** Lower is better. */
  readonly loss: number;
}

export interface TpeOptions {
  readonly gamma?: number;
  readonly candidates?: number;
  /** Below this many observations, propose random points (around the best so far half of the time). */
  readonly startup?: number;
  /** Share of proposals that try the best point with its least-tried choices (default 0.2: every 5th). */
  readonly explore?: number;
}

type Space = Readonly<Record<string, HyperparameterSpec>>;

function toUnit(domain: Domain, v: HyperValue): number {
  if (domain.type === 'choice') return domain.values.indexOf(v);
  const x = Number(v);
  if (domain.log) return (Math.log(Math.max(x, domain.low)) - Math.log(domain.low)) / (Math.log(domain.high) - Math.log(domain.low));
  return (x - domain.low) / (domain.high - domain.low || 1);
}

function fromUnit(domain: Domain, u: number): HyperValue {
  if (domain.type === 'choice') return domain.values[Math.max(0, Math.min(domain.values.length - 1, Math.round(u)))];
  const c = Math.min(1, Math.max(0, u));
  let x = domain.log ? Math.exp(Math.log(domain.low) + c * (Math.log(domain.high) - Math.log(domain.low))) : domain.low + c * (domain.high - domain.low);
  if (domain.type === 'int') x = Math.round(x);
  else x = Number(x.toPrecision(6));
  return Math.min(domain.high, Math.max(domain.low, x));
}

/** A uniformly random point of the space. */
export function sampleRandom(space: Space, rng: Random): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = {};
  for (const [name, spec] of Object.entries(space)) {
    const d = spec.domain;
    out[name] = d.type === 'choice' ? d.values[rng.int(d.values.length)] : fromUnit(d, rng.next());
  }
  return out;
}

/**
 * A point near `center`: numeric dimensions moved by a normal step of `scale` (unit cube); each choice kept, or
 * redrawn uniformly with probability `redraw`.
 */
export function perturb(space: Space, center: Readonly<Record<string, HyperValue>>, rng: Random, scale: number, redraw = 0.2): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = {};
  for (const [name, spec] of Object.entries(space)) {
    const d = spec.domain;
    const c = center[name] ?? spec.default;
    if (d.type === 'choice') out[name] = rng.next() >= redraw ? c : d.values[rng.int(d.values.length)];
    else out[name] = fromUnit(d, toUnit(d, c) + scale * rng.normal());
  }
  return out;
}

/**
 * Points whose categorical choices all equal x's: numeric densities are estimated among them (when there are
 * at least two), so that a choice that dominates the loss does not distort the numeric dimensions.
 */
function sameChoices(space: Space, x: Readonly<Record<string, HyperValue>>, points: readonly Observation[]): readonly Observation[] {
  const choiceNames = Object.entries(space)
    .filter(([, spec]) => spec.domain.type === 'choice')
    .map(([name]) => name);
  if (choiceNames.length === 0) return points;
  const same = points.filter((p) => choiceNames.every((n) => (p.params[n] ?? space[n].default) === x[n]));
  return same.length >= 2 ? same : points;
}

function logDensity(space: Space, x: Readonly<Record<string, HyperValue>>, all: readonly Observation[], bandwidth: number): number {
  let total = 0;
  const conditioned = sameChoices(space, x, all);
  for (const [name, spec] of Object.entries(space)) {
    const points = spec.domain.type === 'choice' ? all : conditioned;
    const d = spec.domain;
    if (d.type === 'choice') {
      // Smoothed frequency (add-one prior over the choices).
      let hits = 0;
      for (const p of points) if ((p.params[name] ?? spec.default) === x[name]) hits++;
      total += Math.log((hits + 1) / (points.length + d.values.length));
    } else {
      const u = toUnit(d, x[name]);
      let s = 1e-12;
      for (const p of points) {
        const z = (u - toUnit(d, p.params[name] ?? spec.default)) / bandwidth;
        s += Math.exp(-0.5 * z * z);
      }
      // Prior component: a flat density over the unit interval keeps g(x) > 0 far from the data.
      total += Math.log((s / (bandwidth * Math.sqrt(2 * Math.PI)) + 1) / (points.length + 1));
    }
  }
  return total;
}

export function proposeTpe(space: Space, history: readonly Observation[], rng: Random, options: TpeOptions = {}): Record<string, HyperValue> {
  const startup = options.startup ?? 6;
  const finite = history.filter((h) => Number.isFinite(h.loss));
  if (finite.length < startup) {
    if (finite.length === 0 || rng.next() < 0.5) return sampleRandom(space, rng);
    const best = finite.reduce((a, b) => (b.loss < a.loss ? b : a));
    return perturb(space, best.params, rng, 0.2);
  }
  const sorted = [...finite].sort((a, b) => a.loss - b.loss);
  // Exploration: TPE alone can lock onto one value of a choice seen early with good numbers; every
  // 1/explore-th proposal tries the best point with each choice set to its least-tried value.
  const every = Math.max(1, Math.round(1 / (options.explore ?? 0.2)));
  if (finite.length % every === 0) {
    const x = perturb(space, sorted[0].params, rng, 0.1, 0);
    for (const [name, spec] of Object.entries(space)) {
      const d = spec.domain;
      if (d.type !== 'choice' || d.values.length < 2) continue;
      // The least-tried value of each choice (ties broken at random), combined with the best numbers so far.
      const counts = d.values.map((v) => finite.filter((h) => (h.params[name] ?? spec.default) === v).length);
      const fewest = Math.min(...counts);
      const candidates = d.values.filter((_, i) => counts[i] === fewest);
      x[name] = candidates[rng.int(candidates.length)];
    }
    return x;
  }
  const nGood = Math.max(1, Math.ceil((options.gamma ?? 0.25) * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const bandwidth = Math.max(0.05, 0.5 / Math.sqrt(sorted.length));
  let best: Record<string, HyperValue> | null = null;
  let bestScore = -Infinity;
  const n = options.candidates ?? 24;
  for (let c = 0; c < n; c++) {
    const center = good[rng.int(good.length)].params;
    const x = perturb(space, center, rng, bandwidth);
    const score = logDensity(space, x, good, bandwidth) - (bad.length > 0 ? logDensity(space, x, bad, bandwidth) : 0);
    if (score > bestScore) {
      bestScore = score;
      best = x;
    }
  }
  return best!;
}
