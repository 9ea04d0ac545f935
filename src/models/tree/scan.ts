/**
 * The native numeric split scan of boosting (`histogramSplits`, native/src/split.cc) as the split search sees it:
 * its inputs per node and its output per feature. The scan itself is `SplitFinder.findNumericGradient`'s twin.
 */

/** Doubles per scanned feature in the kernel's output: gain (-Infinity: none), bin threshold, default left (0/1), left G, left H. */
export const SCANNED_STRIDE = 5;

/** Doubles per node in the kernel's scan inputs: scan it (0/1), G, H, the minimum child hessian, the parent score. */
export const SCAN_INPUTS = 5;

/** Smallest hessian of a feasible child: its estimated rows (hessian * count / H) >= minDataInLeaf, and >= minSumHessian. */
export function minChildHessian(minSumHessian: number, minDataInLeaf: number, H: number, count: number): number {
  return Math.max(minSumHessian, (minDataInLeaf * H) / count);
}

/** Writes a node's scan inputs (see SCAN_INPUTS) at scan[off ..]; total = (G, H) of its `count` rows. */
export function scanInputs(total: Float64Array, count: number, parentScore: number, minSumHessian: number, minDataInLeaf: number, scan: Float64Array, off: number): void {
  scan[off] = 1;
  scan[off + 1] = total[0];
  scan[off + 2] = total[1];
  scan[off + 3] = minChildHessian(minSumHessian, minDataInLeaf, total[1], count);
  scan[off + 4] = parentScore;
}

/** The split of a natively scanned numeric candidate at scanned[o ..] (feature f), when it beats the running best gain. */
export function scannedSplit(
  scanned: Float64Array,
  o: number,
  f: number,
  bestGain: number,
): { feature: number; gain: number; binThreshold: number; leftBins: null; defaultLeft: boolean; leftStats: Float64Array } | null {
  const gain = scanned[o];
  if (!(gain > bestGain)) return null;
  return { feature: f, gain, binThreshold: scanned[o + 1], leftBins: null, defaultLeft: scanned[o + 2] === 1, leftStats: Float64Array.of(scanned[o + 3], scanned[o + 4]) };
}
