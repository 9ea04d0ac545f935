import type { Random } from '../../util/random.js';
import type { BinnedData } from './binning.js';
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
    this.catKeys = new Float64Array(this.numBins.reduce((m, v) => Math.max(m, v), 0));
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

  /**
   * find() with the numeric candidates scanned natively (scan.ts; scanned[off + SCANNED_STRIDE * j ..] for listed
   * feature j), each its feature's best from gain 0: it beats the running best exactly when findNumericGradient
   * (starting from the running best) would return it, so the split is the same.
   */
  findScanned(hist: Float64Array, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random, scanned: Float64Array, off: number): SplitInfo | null {
    return this.search(hist, null, total, count, features, numFeatures, rng, scanned, off);
  }

  private search(hist: Float64Array, node: NodeRows | null, total: Float64Array, count: number, features: Int32Array, numFeatures: number, rng: Random, scanned: Float64Array | null = null, scannedOff = 0): SplitInfo | null {
    const K = this.p.channels;
    const H = total[K];
    if (count < 2 * this.p.minDataInLeaf || H < 2 * this.p.minSumHessian) return null;
    const parentScore = this.score(total, 0);
    let best: SplitInfo | null = null;
    for (let j = 0; j < numFeatures; j++) {
      const f = features[j];
      const numBins = this.numBins[f];
      const categorical = this.isCategorical[f] === 1;
      // Constant in an ancestor's rows: no cut, and no random draw (as when found constant below), so models are unchanged.
      if (node?.constant?.[f] === 1) continue;
      const threshold: number = best ? best.gain : 0;
      // findCategorical needs two occupied categories; deep nodes often hold one, so check that from the rows first.
      const skip = node !== null && categorical && !this.featureHistogram(node, f, numBins, hist);
      if (skip && node.constant !== null) node.constant[f] = 1;
      const candidate: SplitInfo | null = skip
        ? null
        : categorical
          ? this.findCategorical(hist, f, numBins, total, count, parentScore, threshold, rng)
          : node !== null
            ? this.findRandomCut(node, f, numBins, total, count, parentScore, threshold, rng)
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
    const { rows, start, end, grad, hess } = node;
    const S = this.stride;
    const K = this.p.channels;
    const bins = this.binned.bins;
    const col = f * this.binned.numRows;
    const missing = this.missing;
    const left = this.left;
    const right = this.right;
    let lo = numBins;
    let hi = 0;
    if (K === 1) {
      // One channel (regression): the same sums in the same order, in locals.
      let mg = 0;
      let mh = 0;
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const b = bins[col + r];
        if (b === 0) {
          mg += grad[r];
          mh += hess[r];
        } else if (hess[r] > 0) {
          if (b < lo) lo = b;
          if (b > hi) hi = b;
        }
      }
      missing[0] = mg;
      missing[1] = mh;
    } else {
      missing.fill(0);
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
    }
    if (hi <= lo) {
      if (node.constant !== null) node.constant[f] = 1;
      return null;
    }
    const cut = lo + rng.int(hi - lo);
    const value = this.best;
    if (K === 1) {
      let vg = 0;
      let vh = 0;
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const b = bins[col + r];
        if (b === 0 || b > cut) continue;
        vg += grad[r];
        vh += hess[r];
      }
      value[0] = vg;
      value[1] = vh;
    } else {
      value.fill(0);
      for (let i = start; i < end; i++) {
        const r = rows[i];
        const b = bins[col + r];
        if (b === 0 || b > cut) continue;
        for (let k = 0; k < K; k++) value[k] += grad[r * K + k];
        value[K] += hess[r];
      }
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
    // The best left side so far, as a recipe (no array per candidate): `bestBin` alone, or the first `bestCount`
    // categories of the sorted order read forwards (bestDir 0) or backwards (1).
    let found = false;
    let bestBin = -1;
    let bestDir = 0;
    let bestCount = 0;
    let candidates: number[] = used;
    const consider = (extraL2: number, bin: number, dir: number, count: number): void => {
      if (!this.feasible(left, ratio)) return;
      for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
      if (!this.feasible(right, ratio)) return;
      const gain = this.score(left, 0, extraL2) + this.score(right, 0, extraL2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        found = true;
        bestBin = bin;
        bestDir = dir;
        bestCount = count;
        this.best.set(left);
      }
    };
    if (numBins - 1 <= this.p.maxCatToOnehot) {
      for (const b of used) {
        for (let c = 0; c < S; c++) left[c] = hist[base + b * S + c];
        consider(0, b, 0, 0);
      }
    } else {
      const smooth = this.p.catSmooth;
      candidates = used.filter((b) => hist[base + b * S + K] * ratio >= smooth);
      if (candidates.length < 2) return null;
      // Order categories by their (smoothed) mean gradient, or by the frequency of the first class for forests.
      const keys = this.catKeys;
      for (const b of candidates) keys[b] = hist[base + b * S] / (hist[base + b * S + K] + (gradient ? smooth : 0));
      sortByKey(candidates, keys);
      const maxNumCat = Math.min(this.p.maxCatThreshold, Math.floor((candidates.length + 1) / 2));
      const extraL2 = gradient ? this.p.catL2 : 0;
      const n = candidates.length;
      for (let dir = 0; dir < 2; dir++) {
        left.fill(0);
        let group = 0;
        for (let i = 0; i < n && i < maxNumCat; i++) {
          const b = candidates[dir === 0 ? i : n - 1 - i];
          for (let c = 0; c < S; c++) left[c] += hist[base + b * S + c];
          group += hist[base + b * S + K] * ratio;
          if (!this.feasible(left, ratio)) continue;
          for (let c = 0; c < S; c++) right[c] = total[c] - left[c];
          if (!this.feasible(right, ratio)) break;
          if (group < this.p.minDataPerGroup) continue;
          group = 0;
          consider(extraL2, -1, dir, i + 1);
        }
      }
    }
    if (!found) return null;
    const leftBins = bestBin >= 0 ? [bestBin] : bestDir === 0 ? candidates.slice(0, bestCount) : candidates.slice(candidates.length - bestCount).reverse();
    const missingUsed = hist[base + K] > 0;
    const defaultLeft = missingUsed ? leftBins.includes(0) : this.best[K] >= total[K] - this.best[K];
    return { feature: f, gain: bestGain, binThreshold: -1, leftBins, defaultLeft, leftStats: Float64Array.from(this.best) };
  }
}

/** Below this many categories an insertion sort beats Array.prototype.sort with a comparator (a choice, measured on ames). */
const INSERTION_SORT_MAX = 32;

/**
 * Sorts bins by keys[bin], ties by bin: a strict total order for finite keys, so any sort gives the same order
 * (the one `bins.sort((a, b) => keys[a] - keys[b] || a - b)` gives).
 */
function sortByKey(bins: number[], keys: Float64Array): void {
  const n = bins.length;
  if (n > INSERTION_SORT_MAX) {
    bins.sort((a, b) => keys[a] - keys[b] || a - b);
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
