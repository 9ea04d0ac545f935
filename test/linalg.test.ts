import { describe, expect, it } from 'vitest';
import { cholesky, choleskySolve, solveSymmetric, symmetricEigen } from '../src/util/linalg.js';
import { Random } from '../src/util/random.js';

function matVec(a: Float64Array, n: number, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i] += a[i * n + j] * x[j];
  return out;
}

/** X'X + ridge for a seeded random X (rows x n): symmetric positive definite when rows >= n or ridge > 0. */
function gram(rows: number, n: number, seed: number, ridge = 0): Float64Array {
  const rng = new Random(seed);
  const X = Array.from({ length: rows }, () => Array.from({ length: n }, () => rng.next() - 0.5));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = X.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? ridge : 0);
  return a;
}

describe('cholesky', () => {
  it('factors a known SPD matrix exactly', () => {
    // [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L L' with L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]].
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(Array.from(cholesky(a, 3)!)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    // a x = b with the planted x = (1, -2, 3).
    const b = matVec(a, 3, [1, -2, 3]);
    const x = choleskySolve(cholesky(a, 3)!, 3, b);
    [1, -2, 3].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 12));
  });

  it('signals a matrix that is not positive definite with null', () => {
    // Eigenvalues 3 and -1: indefinite.
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    // Positive semidefinite but singular (rank 1).
    expect(cholesky(Float64Array.from([1, 1, 1, 1]), 2)).toBeNull();
    expect(cholesky(Float64Array.from([-1]), 1)).toBeNull();
  });
});

describe('solveSymmetric', () => {
  it('solves an SPD system to the planted answer', () => {
    const n = 12;
    const a = gram(40, n, 3);
    const planted = Float64Array.from({ length: n }, (_, i) => i - 5.5);
    const x = solveSymmetric(a, n, matVec(a, n, planted));
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(planted[i], 9);
  });

  it('gives the minimum-norm solution of a singular system', () => {
    // [[1, 1], [1, 1]] x = (2, 2): every x with x0 + x1 = 2 solves it; the minimum-norm one is (1, 1).
    const x = solveSymmetric(Float64Array.from([1, 1, 1, 1]), 2, Float64Array.from([2, 2]));
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(1, 12);
    // diag(2, 0): the null direction gets 0.
    const y = solveSymmetric(Float64Array.from([2, 0, 0, 0]), 2, Float64Array.from([4, 0]));
    expect(Array.from(y)).toEqual([2, 0]);
  });
});

describe('symmetricEigen', () => {
  it('finds the planted eigenpairs of a 2 x 2, largest first, largest component positive', () => {
    // [[2, 1], [1, 2]]: 3 with (1, 1)/sqrt2, 1 with (1, -1)/sqrt2 (first component is the first largest |.|).
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    const r = Math.SQRT1_2;
    // Column k is vectors[k], vectors[2 + k].
    expect(vectors[0]).toBeCloseTo(r, 14);
    expect(vectors[2]).toBeCloseTo(r, 14);
    expect(vectors[1]).toBeCloseTo(r, 14);
    expect(vectors[3]).toBeCloseTo(-r, 14);
  });

  it('recovers a planted spectrum Q diag(d) Q\' and reconstructs A v = lambda v', () => {
    const n = 6;
    const d = [10, 7, 4, 2, 1, 0.5];
    // Q: a Householder reflection I - 2 u u' / u'u, orthogonal.
    const u = [1, -2, 3, 0.5, -1, 2];
    const uu = u.reduce((s, x) => s + x * x, 0);
    const Q = (i: number, j: number) => (i === j ? 1 : 0) - (2 * u[i] * u[j]) / uu;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += Q(i, k) * d[k] * Q(j, k);
    const { values, vectors } = symmetricEigen(a, n);
    d.forEach((v, k) => expect(values[k]).toBeCloseTo(v, 12));
    for (let k = 0; k < n; k++) {
      const v = Array.from({ length: n }, (_, i) => vectors[i * n + k]);
      const av = matVec(a, n, v);
      for (let i = 0; i < n; i++) expect(av[i]).toBeCloseTo(values[k] * v[i], 12);
      // Each eigenvector is column k of Q up to sign: |v . q_k| = 1.
      const dot = v.reduce((s, x, i) => s + x * Q(i, k), 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 12);
      let big = 0;
      for (let i = 1; i < n; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
      expect(v[big]).toBeGreaterThan(0);
    }
  });

  it('gives an orthonormal basis for a larger random covariance and leaves its input alone', () => {
    const n = 30;
    const a = gram(50, n, 11);
    const copy = Float64Array.from(a);
    const { values, vectors } = symmetricEigen(a, n);
    expect(Array.from(a)).toEqual(Array.from(copy));
    for (let k = 1; k < n; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    // Trace is preserved.
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
    for (let k = 0; k < n; k += 7) {
      for (let l = 0; l < n; l += 5) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + k] * vectors[i * n + l];
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 12);
      }
    }
  });

  it('handles a diagonal matrix (no rotation) and a 1 x 1', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]), 3);
    expect(Array.from(values)).toEqual([5, 3, 1]);
    expect(Array.from(vectors)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(symmetricEigen(Float64Array.from([-2]), 1).values)).toEqual([-2]);
  });
});
