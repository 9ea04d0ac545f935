/**
 * Small dense linear algebra on row-major Float64Array matrices (n x n: element (i, j) at i * n + j): Cholesky
 * factor and solve for symmetric positive definite systems, a minimum-norm solve for symmetric ones that are not,
 * and the symmetric eigendecomposition (cyclic Jacobi). Sized for what tabpilot solves: normal equations,
 * covariance and correlation matrices of at most a few hundred columns.
 */

/** Jacobi sweeps before giving up on further accuracy; real inputs converge in well under 20. */
const MAX_JACOBI_SWEEPS = 100;
/** From this sweep on, an off-diagonal entry negligible against both its diagonal entries is set to zero. */
const JACOBI_NEGLIGIBLE_FROM_SWEEP = 4;
/** An off-diagonal entry is negligible when this multiple of it no longer changes the diagonal entries. */
const JACOBI_NEGLIGIBLE_FACTOR = 100;
/** Above this |theta| the rotation's tangent is 1 / (2 theta), so theta^2 cannot overflow. */
const JACOBI_LARGE_THETA = 1e150;

/**
 * The Cholesky factor L (lower triangular, row-major, A = L L') of the symmetric matrix `a`, or null when `a` is
 * not positive definite (a pivot that is not > 0). Only the lower triangle of `a` is read.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = 0;
    for (let k = 0; k < j; k++) {
      const rowK = k * n;
      let s = 0;
      for (let i = 0; i < k; i++) s += L[rowK + i] * L[rowJ + i];
      s = (a[rowJ + k] - s) / L[rowK + k];
      L[rowJ + k] = s;
      d += s * s;
    }
    d = a[rowJ + j] - d;
    if (!(d > 0)) return null;
    L[rowJ + j] = Math.sqrt(d);
  }
  return L;
}

/** Solves L L' x = b for x, given the Cholesky factor from `cholesky`. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < k; i++) x[k] -= x[i] * L[k * n + i];
    x[k] /= L[k * n + k];
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let i = k + 1; i < n; i++) x[k] -= x[i] * L[i * n + k];
    x[k] /= L[k * n + k];
  }
  return x;
}

/**
 * Solves a x = b for a symmetric `a`: by Cholesky when it is positive definite, else the minimum-norm
 * least-squares solution (pseudo-inverse through the eigendecomposition; eigenvalues with
 * |lambda| <= eps/2 * n * max|lambda| count as zero, the SVD rule, as singular values of a symmetric matrix are |lambda|).
 */
export function solveSymmetric(a: Float64Array, n: number, b: Float64Array): Float64Array {
  const L = cholesky(a, n);
  if (L) return choleskySolve(L, n, b);
  const { values, vectors } = symmetricEigen(a, n);
  let biggest = 0;
  for (let k = 0; k < n; k++) biggest = Math.max(biggest, Math.abs(values[k]));
  const threshold = (Number.EPSILON / 2) * n * biggest;
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (Math.abs(values[k]) <= threshold) continue;
    let proj = 0;
    for (let i = 0; i < n; i++) proj += vectors[i * n + k] * b[i];
    proj /= values[k];
    for (let i = 0; i < n; i++) x[i] += proj * vectors[i * n + k];
  }
  return x;
}

export interface SymmetricEigen {
  /** Eigenvalues, largest first (ties keep their order of appearance on the diagonal). */
  readonly values: Float64Array;
  /**
   * Eigenvectors as the columns of an n x n row-major matrix: column k (elements k, n + k, ...) belongs to
   * values[k]. Unit length; the sign is fixed so that each vector's largest-|component| (the first such) is positive.
   */
  readonly vectors: Float64Array;
}

/** One Jacobi rotation zeroing a[p][q] (p < q) of the symmetric matrix `a`, accumulated into `v`. */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = a[p * n + q];
  const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
  const t = Math.abs(theta) > JACOBI_LARGE_THETA ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  // Columns p and q, then rows p and q: a <- J' a J.
  for (let k = 0; k < n; k++) {
    const akp = a[k * n + p];
    const akq = a[k * n + q];
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
  }
  for (let k = 0; k < n; k++) {
    const apk = a[p * n + k];
    const aqk = a[q * n + k];
    a[p * n + k] = c * apk - s * aqk;
    a[q * n + k] = s * apk + c * aqk;
  }
  a[p * n + q] = 0;
  a[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p];
    const vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}

/**
 * Eigenvalues and eigenvectors of the symmetric n x n matrix `m` (row-major; not modified) by cyclic Jacobi
 * rotations, which are accurate for small eigenvalues too. Sorted largest first, signs fixed (see SymmetricEigen).
 */
export function symmetricEigen(m: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(m.subarray(0, n * n));
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < MAX_JACOBI_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const g = JACOBI_NEGLIGIBLE_FACTOR * Math.abs(apq);
        const app = Math.abs(a[p * n + p]);
        const aqq = Math.abs(a[q * n + q]);
        if (sweep >= JACOBI_NEGLIGIBLE_FROM_SWEEP && app + g === app && aqq + g === aqq) {
          a[p * n + q] = 0;
          a[q * n + p] = 0;
          continue;
        }
        rotate(a, v, n, p, q);
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = a[src * n + src];
    let big = 0;
    for (let i = 1; i < n; i++) if (Math.abs(v[i * n + src]) > Math.abs(v[big * n + src])) big = i;
    const sign = v[big * n + src] < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * n + k] = sign * v[i * n + src];
  });
  return { values, vectors };
}
