import type { Random } from '../../util/random.js';
import type { BinnedData } from './binning.js';

/**
 * How a split is scored. All scores are "bigger is better" and gain = score(left) + score(right) - score(parent).
 *   gradient  boosting: one gradient channel G and hessian H, score = T(G)^2 / (H + lambdaL2) with L1 soft
 *             threshold T; with G = -sum(w y), H = sum(w) and no regularisation it is variance reduction
 *   gini      forests: channels are weighted class counts c_k, H = sum(c_k): score = sum(c_k^2) / H
 *   entropy   forests: score = sum(c_k log(c_k / H)) = -H * entropy
 */
export type Criterion = 'gradient' | 'gini' | 'entropy';

export interface SplitParams {
  readonly criterion: Criterion;
  /** Gradient channels (1 for boosting and forest regression, number of classes for forest classification). */
  readonly channels: number;
  readonly minDataInLeaf: number;
  readonly minSumHessian: number;
  readonly lambdaL1: number;
  readonly lambdaL2: number;
  readonly minGainToSplit: number;
  /**
   * Extra trees: one random threshold per feature and node instead of the best one, scored from the node's rows
   * (`findFromRows`) rather than from a histogram.
   */
  readonly extraTrees: boolean;
  /** LightGBM categorical regularisation: smoothing of the gradient ratio used to order categories. */
  readonly catSmooth: number;
  /** Extra L2 on categorical splits. */
  readonly catL2: number;
  /** At most this many categories on the smaller side of a categorical split. */
  readonly maxCatThreshold: number;
  /** Columns with at most this many categories use one-vs-rest splits. */
  readonly maxCatToOnehot: number;
  /** Minimum rows per category group when scanning sorted categories. */
  readonly minDataPerGroup: number;
}

export interface SplitInfo {
  feature: number;
  gain: number;
  /** Numeric: value bins 1..binThreshold go left. */
  binThreshold: number;
  /** Categorical: bins that go left (the missing bin 0 included when missing goes left). */
  leftBins: number[] | null;
  defaultLeft: boolean;
  /** Left child stats: channels then hessian. */
  leftStats: Float64Array;
}

/** A node's rows, rows[start, end), with the gradient channels (row-major) and hessian of every data row. */
export interface NodeRows {
  readonly rows: Int32Array;
  start: number;
  end: number;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
}

/** Finds the best split of one node from its histogram (layout: see histogram.ts, stride = channels + 1). */
export class SplitFinder {
  private readonly p: SplitParams;
  private readonly stride: number;
  private readonly left: Float64Array;
  private readonly right: Float64Array;
  private readonly best: Float64Array;
  private readonly missing: Float64Array;
  /** Per feature: 1 = categorical, and the bin count (flat arrays: the search reads them for every candidate). */
  private readonly isCategorical: Uint8Array;
  private readonly numBins: Int32Array;
  /** findFromRows: histogram regions of the categorical candidates, built on demand. */
  private rowHist: Float64Array | null = null;

  constructor(
    private readonly binned: BinnedData,
    params: SplitParams,
  ) {
    this.p = params;
    this.stride = params.channels + 1;
    this.left = new Float64Array(this.stride);
    this.right = new Float64Array(this.stride);
    this.best = new Float64Array(this.stride);
    this.missing = new Float64Array(this.stride);
    this.isCategorical = Uint8Array.from(binned.features, (fb) => (fb.kind === 'categorical' ? 1 : 0));
    this.numBins = Int32Array.from(binned.features, (fb) => fb.numBins);
  }

  /** Score of a node with stats s (channels then hessian at s[off + channels]). */
  score(s: Float64Array, off: number, extraL2 = 0): number {
    const K = this.p.channels;
    const H = s[off + K];
    switch (this.p.criterion) {
      case 'gradient': {
        const g = s[off];
        const l1 = this.p.lambdaL1;
        const t = g > l1 ? g - l1 : g < -l1 ? g + l1 : 0;
        return (t * t) / (H + this.p.lambdaL2 + extraL2);
      }
      case 'gini': {
        if (H <= 0) return 0;
        let q = 0;
        for (let k = 0; k < K; k++) q += s[off + k] * s[off + k];
        return q / H;
      }
      case 'entropy': {
        if (H <= 0) return 0;
        let q = 0;
        for (let k = 0; k < K; k++) {
          const c = s[off + k];
          if (c > 0) q += c * Math.log(c / H);
        }
        return q;
      }
    }
  }

  /** Output of a node with stats s: boosting leaf value, or class frequencies / mean for forests. */
  output(s: Float64Array, off: number, out: Float64Array, outOff: number): void {
    const K = this.p.channels;
    const H = s[off + K];
    if (this.p.criterion === 'gradient') {
      const g = s[off];
      const l1 = this.p.lambdaL1;
      const t = g > l1 ? g - l1 : g < -l1 ? g + l1 : 0;
      out[outOff] = -t / (H + this.p.lambdaL2);
    } else {
      for (let k = 0; k < K; k++) out[outOff + k] = H > 0 ? s[off + k] / H : 0;
    }
  }

  /**
   * Best split over `features` of a node with histogram `hist`, totals `total` (channels then hessian) and
   * `count` rows. Returns null when no split passes the constraints.
   */
  find(hist: Float64Array, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random): SplitInfo | null {
    return this.search(hist, null, total, count, features, numFeatures, rng);
  }

  /**
   * Extra trees without node histograms: the same random cuts as a histogram would give, with each numeric
   * candidate's statistics summed straight from the node's rows (one pass for its range, one for the cut), and a
   * histogram built only for categorical candidates. A node then costs O(candidates x rows) instead of
   * O(all bins) for clearing and subtracting full histograms, which dominated deep extra trees.
   */
  findFromRows(node: NodeRows, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random): SplitInfo | null {
    this.rowHist ??= new Float64Array(this.binned.binOffsets[this.binned.numFeatures] * this.stride);
    return this.search(this.rowHist, node, total, count, features, numFeatures, rng);
  }

  private search(hist: Float64Array, node: NodeRows | null, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random): SplitInfo | null {
    const K = this.p.channels;
    const H = total[K];
    if (count < 2 * this.p.minDataInLeaf || H < 2 * this.p.minSumHessian) return null;
    const parentScore = this.score(total, 0);
    let best: SplitInfo | null = null;
    for (let j = 0; j < numFeatures; j++) {
      const f = features[j];
      const numBins = this.numBins[f];
      const categorical = this.isCategorical[f] === 1;
      const threshold: number = best ? best.gain : 0;
      // findCategorical needs two occupied categories; deep nodes often hold one, so check that from the rows first.
      const skip = node !== null && categorical && !this.featureHistogram(node, f, numBins, hist);
      const candidate: SplitInfo | null = skip
        ? null
        : categorical
          ? this.findCategorical(hist, f, numBins, total, count, parentScore, threshold, rng)
          : node !== null
            ? this.findRandomCut(node, f, numBins, total, count, parentScore, threshold, rng)
            : this.p.criterion === 'gradient'
              ? this.findNumericGradient(hist, f, numBins, total, count, parentScore, threshold)
              : this.findNumeric(hist, f, numBins, total, count, parentScore, threshold);
      if (candidate !== null) best = candidate;
    }
    if (best !== null && best.gain <= this.p.minGainToSplit) return null;
    return best;
  }

  private feasible(s: Float64Array, ratio: number): boolean {
    const h = s[this.p.channels];
    return h * ratio >= this.p.minDataInLeaf && h >= this.p.minSumHessian && h > 0;
  }

  /** findNumeric specialised for boosting (one gradient channel, best threshold): the hot split scan. */
  private findNumericGradient(hist: Float64Array, f: number, numBins: number, total: Float64Array, count: number, parentScore: number, bestGain: number): SplitInfo | null {
    const base = this.binned.binOffsets[f] * 2;
    const G = total[0];
    const H = total[1];
    // Feasible child: estimated rows (hessian * count / H) >= minDataInLeaf and hessian >= minSumHessian.
    const minH = Math.max(this.p.minSumHessian, (this.p.minDataInLeaf * H) / count);
    const l1 = this.p.lambdaL1;
    const l2 = this.p.lambdaL2;
    const score = (g: number, h: number): number => {
      const t = g > l1 ? g - l1 : g < -l1 ? g + l1 : 0;
      return (t * t) / (h + l2);
    };
    const missG = hist[base];
    const missH = hist[base + 1];
    let bestT = -1;
    let bestMissingLeft = false;
    let bestLG = 0;
    let bestLH = 0;
    for (let dir = 0; dir < 2; dir++) {
      const missingLeft = dir === 1;
      if (missingLeft && missH <= 0) break;
      let lg = missingLeft ? missG : 0;
      let lh = missingLeft ? missH : 0;
      // t = 0 with missing left is the split "missing vs. all values".
      for (let t = missingLeft ? 0 : 1; t <= numBins - 2; t++) {
        if (t > 0) {
          lg += hist[base + 2 * t];
          lh += hist[base + 2 * t + 1];
        }
        if (lh < minH || lh <= 0) continue;
        const rh = H - lh;
        if (rh < minH || rh <= 0) break;
        const gain = score(lg, lh) + score(G - lg, rh) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestT = t;
          bestMissingLeft = missingLeft;
          bestLG = lg;
          bestLH = lh;
        }
      }
    }
    if (bestT < 0) return null;
    const defaultLeft = missH > 0 ? bestMissingLeft : bestLH >= H - bestLH;
    return { feature: f, gain: bestGain, binThreshold: bestT, leftBins: null, defaultLeft, leftStats: Float64Array.of(bestLG, bestLH) };
  }

  private findNumeric(
    hist: Float64Array,
    f: number,
    numBins: number,
    total: Float64Array,
    count: number,
    parentScore: number,
    bestGain: number,
  ): SplitInfo | null {
    const S = this.stride;
    const K = this.p.channels;
    const base = this.binned.binOffsets[f] * S;
    const ratio = count / total[K];
    const left = this.left;
    const right = this.right;
    const missingH = hist[base + K];
    let found = false;
    let bestT = 0;
    let bestDefaultLeft = false;
    // Returns false when the right side became infeasible (it only shrinks as t grows).
    const evaluate = (t: number, missingLeft: boolean): boolean => {
      if (!this.feasible(left, ratio)) return true;
      for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
      if (!this.feasible(right, ratio)) return false;
      const gain = this.score(left, 0) + this.score(right, 0) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestT = t;
        bestDefaultLeft = missingLeft;
        found = true;
        this.best.set(left);
      }
      return true;
    };
    for (let dir = 0; dir < 2; dir++) {
      const missingLeft = dir === 1;
      if (missingLeft && missingH <= 0) break;
      for (let c = 0; c < S; c++) left[c] = missingLeft ? hist[base + c] : 0;
      // t = 0 with missing left is the split "missing vs. all values".
      if (missingLeft && !evaluate(0, true)) continue;
      for (let t = 1; t <= numBins - 2; t++) {
        for (let c = 0; c < S; c++) left[c] += hist[base + t * S + c];
        if (!evaluate(t, missingLeft)) break;
      }
    }
    if (!found) return null;
    if (missingH <= 0) bestDefaultLeft = this.best[K] >= total[K] - this.best[K];
    return { feature: f, gain: bestGain, binThreshold: bestT, leftBins: null, defaultLeft: bestDefaultLeft, leftStats: Float64Array.from(this.best) };
  }

  /**
   * Extra trees' numeric candidate, from the node's rows: a uniformly random cut t between the node's smallest
   * and largest occupied value bins (bins lo..t go left), with missing values scored on either side.
   */
  private findRandomCut(node: NodeRows, f: number, numBins: number, total: Float64Array, count: number, parentScore: number, bestGain: number, rng: Random): SplitInfo | null {
    const { rows, start, end, grad, hess } = node;
    const S = this.stride;
    const K = this.p.channels;
    const bins = this.binned.bins;
    const col = f * this.binned.numRows;
    const missing = this.missing;
    const left = this.left;
    const right = this.right;
    missing.fill(0);
    let lo = numBins;
    let hi = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const b = bins[col + r];
      if (b === 0) {
        for (let k = 0; k < K; k++) missing[k] += grad[r * K + k];
        missing[K] += hess[r];
      } else if (hess[r] > 0) {
        if (b < lo) lo = b;
        if (b > hi) hi = b;
      }
    }
    if (hi <= lo) return null;
    const cut = lo + rng.int(hi - lo);
    const value = this.best;
    value.fill(0);
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const b = bins[col + r];
      if (b === 0 || b > cut) continue;
      for (let k = 0; k < K; k++) value[k] += grad[r * K + k];
      value[K] += hess[r];
    }
    const ratio = count / total[K];
    let found: Float64Array | null = null;
    let bestDefaultLeft = false;
    for (let dir = 0; dir < 2; dir++) {
      const missingLeft = dir === 1;
      if (missingLeft && missing[K] <= 0) break;
      for (let c = 0; c < S; c++) left[c] = missingLeft ? missing[c] + value[c] : value[c];
      if (!this.feasible(left, ratio)) continue;
      for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
      if (!this.feasible(right, ratio)) continue;
      const gain = this.score(left, 0) + this.score(right, 0) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestDefaultLeft = missingLeft;
        found = Float64Array.from(left);
      }
    }
    if (found === null) return null;
    if (missing[K] <= 0) bestDefaultLeft = found[K] >= total[K] - found[K];
    return { feature: f, gain: bestGain, binThreshold: cut, leftBins: null, defaultLeft: bestDefaultLeft, leftStats: found };
  }

  /**
   * The histogram region of feature f from a node's rows (findFromRows' categorical candidates). Returns false,
   * leaving it unbuilt, when the rows with a positive hessian occupy fewer than two bins (no split possible).
   */
  private featureHistogram(node: NodeRows, f: number, numBins: number, hist: Float64Array): boolean {
    const { rows, start, end, grad, hess } = node;
    const S = this.stride;
    const K = this.p.channels;
    const base = this.binned.binOffsets[f] * S;
    const bins = this.binned.bins;
    const col = f * this.binned.numRows;
    let first = -1;
    let two = false;
    for (let i = start; i < end && !two; i++) {
      const r = rows[i];
      if (hess[r] <= 0) continue;
      const b = bins[col + r];
      if (first < 0) first = b;
      else two = b !== first;
    }
    if (!two) return false;
    hist.fill(0, base, base + numBins * S);
    for (let i = start; i < end; i++) {
      const r = rows[i];
      const h = base + bins[col + r] * S;
      for (let k = 0; k < K; k++) hist[h + k] += grad[r * K + k];
      hist[h + K] += hess[r];
    }
    return true;
  }

  private findCategorical(
    hist: Float64Array,
    f: number,
    numBins: number,
    total: Float64Array,
    count: number,
    parentScore: number,
    bestGain: number,
    _rng: Random,
  ): SplitInfo | null {
    const S = this.stride;
    const K = this.p.channels;
    const base = this.binned.binOffsets[f] * S;
    const ratio = count / total[K];
    const left = this.left;
    const right = this.right;
    const used: number[] = [];
    for (let b = 0; b < numBins; b++) if (hist[base + b * S + K] > 0) used.push(b);
    if (used.length < 2) return null;
    const gradient = this.p.criterion === 'gradient';
    let bestLeft: number[] | null = null;
    const consider = (bins: number[], extraL2: number): void => {
      if (!this.feasible(left, ratio)) return;
      for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
      if (!this.feasible(right, ratio)) return;
      const gain = this.score(left, 0, extraL2) + this.score(right, 0, extraL2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestLeft = bins.slice();
        this.best.set(left);
      }
    };
    if (numBins - 1 <= this.p.maxCatToOnehot) {
      for (const b of used) {
        for (let c = 0; c < S; c++) left[c] = hist[base + b * S + c];
        consider([b], 0);
      }
    } else {
      const smooth = this.p.catSmooth;
      const candidates = used.filter((b) => hist[base + b * S + K] * ratio >= smooth);
      if (candidates.length < 2) return null;
      // Order categories by their (smoothed) mean gradient, or by the frequency of the first class for forests.
      const key = (b: number): number => hist[base + b * S] / (hist[base + b * S + K] + (gradient ? smooth : 0));
      candidates.sort((a, b) => key(a) - key(b) || a - b);
      const maxNumCat = Math.min(this.p.maxCatThreshold, Math.floor((candidates.length + 1) / 2));
      const extraL2 = gradient ? this.p.catL2 : 0;
      for (let dir = 0; dir < 2; dir++) {
        const order = dir === 0 ? candidates : candidates.slice().reverse();
        left.fill(0);
        const bins: number[] = [];
        let group = 0;
        for (let i = 0; i < order.length && i < maxNumCat; i++) {
          const b = order[i];
          for (let c = 0; c < S; c++) left[c] += hist[base + b * S + c];
          bins.push(b);
          group += hist[base + b * S + K] * ratio;
          if (!this.feasible(left, ratio)) continue;
          for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
          if (!this.feasible(right, ratio)) break;
          if (group < this.p.minDataPerGroup) continue;
          group = 0;
          consider(bins, extraL2);
        }
      }
    }
    if (bestLeft === null) return null;
    const leftBins: number[] = bestLeft;
    const missingUsed = hist[base + K] > 0;
    const defaultLeft = missingUsed ? leftBins.includes(0) : this.best[K] >= total[K] - this.best[K];
    return { feature: f, gain: bestGain, binThreshold: -1, leftBins, defaultLeft, leftStats: Float64Array.from(this.best) };
  }
}
