import type { Random } from '../../util/random.js';
import type { BinnedData } from './binning.js';
import type { NodeRows } from './split-types.js';

/**
 * Extra trees' row passes (split.ts `findFromRows`): a node's gradient channels and hessian are gathered once in
 * row order, so each candidate feature's passes read them sequentially and only look its bins up through the rows
 * (the same sums in the same order as reading grad/hess through the rows, so models do not change).
 */
export class NodeGather {
  /** Row i of the node (rows[start + i]): channels then hessian at ordered[i * stride ..]. */
  readonly ordered: Float64Array;
  /** The current candidate's bin of each node row (pass 1 writes it, pass 2 reads it). */
  readonly nodeBins: Uint16Array;
  /** Rows in the gathered node. */
  size = 0;

  constructor(
    numRows: number,
    private readonly channels: number,
  ) {
    this.ordered = new Float64Array(numRows * (channels + 1));
    this.nodeBins = new Uint16Array(numRows);
  }

  gather(node: NodeRows): void {
    const { rows, start, end, grad, hess } = node;
    const K = this.channels;
    const o = this.ordered;
    if (K === 1) {
      for (let i = start, j = 0; i < end; i++, j += 2) {
        const r = rows[i];
        o[j] = grad[r];
        o[j + 1] = hess[r];
      }
    } else {
      const S = K + 1;
      for (let i = start, j = 0; i < end; i++, j += S) {
        const r = rows[i];
        for (let k = 0; k < K; k++) o[j + k] = grad[r * K + k];
        o[j + K] = hess[r];
      }
    }
    this.size = end - start;
  }
}

/**
 * A numeric candidate's random cut: the missing rows' sums into `missing` (pass 1, with the smallest and largest
 * value bins of rows with a positive hessian), then a cut drawn uniformly in [lo, hi) by `rng.int(hi - lo)`, then the
 * sums of the rows with value bins <= cut into `value` (pass 2). Returns the cut, or -1 (no draw) when fewer than
 * two value bins are occupied.
 */
export function randomCutSums(
  binned: BinnedData,
  f: number,
  numBins: number,
  node: NodeRows,
  gathered: NodeGather,
  K: number,
  missing: Float64Array,
  value: Float64Array,
  rng: Random,
): number {
  const bins = binned.bins;
  const col = f * binned.numRows;
  const { rows, start } = node;
  const n = gathered.size;
  const o = gathered.ordered;
  const nb = gathered.nodeBins;
  let lo = numBins;
  let hi = 0;
  if (K === 1) {
    let mg = 0;
    let mh = 0;
    for (let i = 0; i < n; i++) {
      const b = bins[col + rows[start + i]];
      nb[i] = b;
      if (b === 0) {
        mg += o[2 * i];
        mh += o[2 * i + 1];
      } else if (o[2 * i + 1] > 0) {
        if (b < lo) lo = b;
        if (b > hi) hi = b;
      }
    }
    missing[0] = mg;
    missing[1] = mh;
    if (hi <= lo) return -1;
    const cut = lo + rng.int(hi - lo);
    let vg = 0;
    let vh = 0;
    for (let i = 0; i < n; i++) {
      const b = nb[i];
      if (b === 0 || b > cut) continue;
      vg += o[2 * i];
      vh += o[2 * i + 1];
    }
    value[0] = vg;
    value[1] = vh;
    return cut;
  }
  const S = K + 1;
  missing.fill(0);
  for (let i = 0, j = 0; i < n; i++, j += S) {
    const b = bins[col + rows[start + i]];
    nb[i] = b;
    if (b === 0) {
      for (let c = 0; c < S; c++) missing[c] += o[j + c];
    } else if (o[j + K] > 0) {
      if (b < lo) lo = b;
      if (b > hi) hi = b;
    }
  }
  if (hi <= lo) return -1;
  const cut = lo + rng.int(hi - lo);
  value.fill(0);
  for (let i = 0, j = 0; i < n; i++, j += S) {
    const b = nb[i];
    if (b === 0 || b > cut) continue;
    for (let c = 0; c < S; c++) value[c] += o[j + c];
  }
  return cut;
}

/**
 * The histogram region of categorical feature f from a node's gathered rows. Returns false, leaving it unbuilt,
 * when the rows with a positive hessian occupy fewer than two bins (no split possible).
 */
export function nodeFeatureHistogram(binned: BinnedData, f: number, numBins: number, node: NodeRows, gathered: NodeGather, K: number, hist: Float64Array): boolean {
  const S = K + 1;
  const base = binned.binOffsets[f] * S;
  const bins = binned.bins;
  const col = f * binned.numRows;
  const { rows, start } = node;
  const n = gathered.size;
  const o = gathered.ordered;
  const nb = gathered.nodeBins;
  let first = -1;
  let two = false;
  let i = 0;
  // Bins are read (and kept) up to the second occupied value; the rest on the accumulating pass.
  for (; i < n && !two; i++) {
    const b = bins[col + rows[start + i]];
    nb[i] = b;
    if (o[i * S + K] <= 0) continue;
    if (first < 0) first = b;
    else two = b !== first;
  }
  if (!two) return false;
  for (; i < n; i++) nb[i] = bins[col + rows[start + i]];
  hist.fill(0, base, base + numBins * S);
  if (K === 1) {
    for (let j = 0; j < n; j++) {
      const h = base + nb[j] * 2;
      hist[h] += o[2 * j];
      hist[h + 1] += o[2 * j + 1];
    }
    return true;
  }
  for (let j = 0, q = 0; j < n; j++, q += S) {
    const h = base + nb[j] * S;
    for (let c = 0; c < S; c++) hist[h + c] += o[q + c];
  }
  return true;
}
