import type { Random } from '../../util/random.js';
import type { BinnedData } from './binning.js';
import { NodeGather, nodeFeatureHistogram, randomCutSums } from './random-cut.js';
import { SCANNED_STRIDE, minChildHessian, scannedSplit } from './scan.js';
import type { NodeRows, SplitInfo, SplitParams } from './split-types.js';

export type { Criterion, NodeRows, SplitInfo, SplitParams } from './split-types.js';

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
  /** findCategorical: each candidate category's sort key, by bin. */
  private readonly catKeys: Float64Array;
  /** findCategorical: the occupied bins, then the sorted candidates (reused across calls). */
  private readonly catBins: Int32Array;
  /** findFromRows: histogram regions of the categorical candidates, built on demand. */
  private rowHist: Float64Array | null = null;
  /** findFromRows: the node's gradients in row order (random-cut.ts). */
  private gathered: NodeGather | null = null;

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
    this.catKeys = new Float64Array(this.numBins.reduce((m, v) => Math.max(m, v), 0));
    this.catBins = new Int32Array(this.catKeys.length);
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
    return this.search(hist, total, count, features, numFeatures, rng);
  }

  /**
   * Extra trees without node histograms: the same random cuts as a histogram would give, with each numeric
   * candidate's statistics summed straight from the node's rows (one pass for its range, one for the cut), and a
   * histogram built only for categorical candidates. A node then costs O(candidates x rows) instead of
   * O(all bins) for clearing and subtracting full histograms, which dominated deep extra trees.
   */
  findFromRows(node: NodeRows, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random): SplitInfo | null {
    this.rowHist ??= new Float64Array(this.binned.binOffsets[this.binned.numFeatures] * this.stride);
    const hist = this.rowHist;
    const K = this.p.channels;
    if (count < 2 * this.p.minDataInLeaf || total[K] < 2 * this.p.minSumHessian) return null;
    const gathered = (this.gathered ??= new NodeGather(this.binned.numRows, K));
    gathered.gather(node);
    const parentScore = this.score(total, 0);
    const constant = node.constant;
    let best: SplitInfo | null = null;
    for (let j = 0; j < numFeatures; j++) {
      const f = features[j];
      // Constant in an ancestor's rows: no cut, and no random draw (as when found constant below), so models are unchanged.
      if (constant !== null && constant[f] === 1) continue;
      const numBins = this.numBins[f];
      const threshold: number = best !== null ? best.gain : 0;
      let candidate: SplitInfo | null;
      if (this.isCategorical[f] === 1) {
        // findCategorical needs two occupied categories; deep nodes often hold one, so check that from the rows first.
        if (!nodeFeatureHistogram(this.binned, f, numBins, node, gathered, K, hist)) {
          if (constant !== null) constant[f] = 1;
          continue;
        }
        candidate = this.findCategorical(hist, f, numBins, total, count, parentScore, threshold, rng);
      } else candidate = this.findRandomCut(node, f, numBins, total, count, parentScore, threshold, rng);
      if (candidate !== null) best = candidate;
    }
    if (best !== null && best.gain <= this.p.minGainToSplit) return null;
    return best;
  }

  /**
   * find() with the numeric candidates scanned natively (scan.ts; scanned[off + SCANNED_STRIDE * j ..] for listed
   * feature j), each its feature's best from gain 0: it beats the running best exactly when findNumericGradient
   * (starting from the running best) would return it, so the split is the same.
   */
  findScanned(hist: Float64Array, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random, scanned: Float64Array, off: number): SplitInfo | null {
    return this.search(hist, total, count, features, numFeatures, rng, scanned, off);
  }

  private search(hist: Float64Array, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random, scanned: Float64Array | null = null, scannedOff = 0): SplitInfo | null {
    const K = this.p.channels;
    const H = total[K];
    if (count < 2 * this.p.minDataInLeaf || H < 2 * this.p.minSumHessian) return null;
    const parentScore = this.score(total, 0);
    let best: SplitInfo | null = null;
    for (let j = 0; j < numFeatures; j++) {
      const f = features[j];
      const numBins = this.numBins[f];
      const threshold: number = best ? best.gain : 0;
      const candidate: SplitInfo | null =
        this.isCategorical[f] === 1
          ? this.findCategorical(hist, f, numBins, total, count, parentScore, threshold, rng)
          : scanned !== null
            ? scannedSplit(scanned, scannedOff + SCANNED_STRIDE * j, f, threshold)
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
    const minH = minChildHessian(this.p.minSumHessian, this.p.minDataInLeaf, H, count);
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
    const S = this.stride;
    const K = this.p.channels;
    const missing = this.missing;
    const left = this.left;
    const right = this.right;
    const value = this.best;
    const cut = randomCutSums(this.binned, f, numBins, node, this.gathered!, K, missing, value, rng);
    if (cut < 0) {
      if (node.constant !== null) node.constant[f] = 1;
      return null;
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

  /** Gain of the split this.left | total - this.left (written to this.right), or -Infinity when a side is infeasible. */
  private leftRightGain(total: Float64Array, ratio: number, extraL2: number, parentScore: number): number {
    const left = this.left;
    const right = this.right;
    if (!this.feasible(left, ratio)) return -Infinity;
    for (let c = 0; c < this.stride; c++) right[c] = total[c] - left[c];
    if (!this.feasible(right, ratio)) return -Infinity;
    return this.score(left, 0, extraL2) + this.score(right, 0, extraL2) - parentScore;
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
    // The occupied bins in order, then (sorted path) the candidates among them, in a reused buffer.
    const bins = this.catBins;
    let n = 0;
    for (let b = 0; b < numBins; b++) if (hist[base + b * S + K] > 0) bins[n++] = b;
    if (n < 2) return null;
    const gradient = this.p.criterion === 'gradient';
    // The best left side so far, as a recipe (no array per candidate): `bestBin` alone, or the first `bestCount`
    // categories of the sorted order read forwards (bestDir 0) or backwards (1).
    let found = false;
    let bestBin = -1;
    let bestDir = 0;
    let bestCount = 0;
    if (numBins - 1 <= this.p.maxCatToOnehot) {
      for (let i = 0; i < n; i++) {
        const b = bins[i];
        for (let c = 0; c < S; c++) left[c] = hist[base + b * S + c];
        const gain = this.leftRightGain(total, ratio, 0, parentScore);
        if (gain > bestGain) {
          bestGain = gain;
          found = true;
          bestBin = b;
          this.best.set(left);
        }
      }
    } else {
      const smooth = this.p.catSmooth;
      let kept = 0;
      for (let i = 0; i < n; i++) if (hist[base + bins[i] * S + K] * ratio >= smooth) bins[kept++] = bins[i];
      n = kept;
      if (n < 2) return null;
      // Order categories by their (smoothed) mean gradient, or by the frequency of the first class for forests.
      const keys = this.catKeys;
      for (let i = 0; i < n; i++) {
        const b = bins[i];
        keys[b] = hist[base + b * S] / (hist[base + b * S + K] + (gradient ? smooth : 0));
      }
      sortByKey(bins, n, keys);
      const maxNumCat = Math.min(this.p.maxCatThreshold, Math.floor((n + 1) / 2));
      const extraL2 = gradient ? this.p.catL2 : 0;
      for (let dir = 0; dir < 2; dir++) {
        left.fill(0);
        let group = 0;
        for (let i = 0; i < n && i < maxNumCat; i++) {
          const b = bins[dir === 0 ? i : n - 1 - i];
          for (let c = 0; c < S; c++) left[c] += hist[base + b * S + c];
          group += hist[base + b * S + K] * ratio;
          if (!this.feasible(left, ratio)) continue;
          for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
          if (!this.feasible(right, ratio)) break;
          if (group < this.p.minDataPerGroup) continue;
          group = 0;
          const gain = this.leftRightGain(total, ratio, extraL2, parentScore);
          if (gain > bestGain) {
            bestGain = gain;
            found = true;
            bestBin = -1;
            bestDir = dir;
            bestCount = i + 1;
            this.best.set(left);
          }
        }
      }
    }
    if (!found) return null;
    const leftBins: number[] = bestBin >= 0 ? [bestBin] : new Array<number>(bestCount);
    if (bestBin < 0) for (let i = 0; i < bestCount; i++) leftBins[i] = bins[bestDir === 0 ? i : n - 1 - i];
    const missingUsed = hist[base + K] > 0;
    const defaultLeft = missingUsed ? leftBins.includes(0) : this.best[K] >= total[K] - this.best[K];
    return { feature: f, gain: bestGain, binThreshold: -1, leftBins, defaultLeft, leftStats: Float64Array.from(this.best) };
  }
}

/** Below this many categories an insertion sort beats Array.prototype.sort with a comparator (a choice, measured on ames). */
const INSERTION_SORT_MAX = 32;

/**
 * Sorts bins[0, n) by keys[bin], ties by bin: a strict total order for finite keys, so any sort gives the same order
 * (the one `bins.sort((a, b) => keys[a] - keys[b] || a - b)` gives).
 */
function sortByKey(bins: Int32Array, n: number, keys: Float64Array): void {
  if (n > INSERTION_SORT_MAX) {
    bins.subarray(0, n).sort((a, b) => keys[a] - keys[b] || a - b);
    return;
  }
  for (let i = 1; i < n; i++) {
    const b = bins[i];
    const kb = keys[b];
    let j = i - 1;
    while (j >= 0 && (keys[bins[j]] > kb || (keys[bins[j]] === kb && bins[j] > b))) {
      bins[j + 1] = bins[j];
      j--;
    }
    bins[j + 1] = b;
  }
}
