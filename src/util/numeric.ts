/** Numeric helpers shared across layers: one copy of each. */

/** Pearson correlation over the rows where both values are present (NaN = missing); NaN below two rows. */
export function pearsonPairwise(a: Float64Array, b: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      n++;
      sa += a[i];
      sb += b[i];
    }
  }
  if (n < 2) return NaN;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === a[i] && b[i] === b[i]) {
      const x = a[i] - ma;
      const y = b[i] - mb;
      cov += x * y;
      va += x * x;
      vb += y * y;
    }
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}
