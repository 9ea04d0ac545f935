/**
 * Exact TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized feature attribution for tree
 * ensembles", Algorithm 2): Shapley values of the path-dependent conditional expectation
 * E[f(x) | x_S], where a feature outside S sends the walk down both children weighted by their cover.
 * Polynomial time: O(leaves * depth^2) per tree and row, instead of O(2^M) subsets.
 *
 * The path of unique features from the root to the current node is kept as four flat arrays, one
 * segment per recursion depth (segment d starts at d*(d+1)/2), so recursion never allocates.
 */

/**
 * One decision tree in the form TreeSHAP needs: the same field names and semantics as the learners'
 * `FlatTree` (src/models/tree/tree.ts), so their trees are explained without conversion. Node 0 is the root.
 */
export interface ExplainTree {
  /** Left child, -1 for a leaf. */
  readonly left: Int32Array;
  /** Right child, -1 for a leaf. */
  readonly right: Int32Array;
  /** Split feature (index into the model's feature list), -1 for a leaf. */
  readonly feature: Int32Array;
  /** Numeric split: a value <= threshold goes left. */
  readonly threshold: Float64Array;
  /** 1 when a missing value (NaN, or an unseen category) goes left. */
  readonly defaultLeft: Uint8Array;
  /**
   * 1 for a categorical split: the category codes that go left are bits of
   * catWords[catOffset[node] .. catOffset[node] + catLength[node]) (32 codes per word).
   */
  readonly categorical: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catLength: Int32Array;
  readonly catWords: Uint32Array;
  /** Training weight reaching the node (hessian sum or sample count). */
  readonly cover: Float64Array;
  /** Leaf values, outputDim per node (internal nodes ignored). */
  readonly value: Float64Array;
  readonly outputDim: number;
}

/** True when row value `x` goes to the left child of internal node `node`. */
export function goesLeft(tree: ExplainTree, node: number, x: number): boolean {
  if (tree.categorical[node] === 0) return x <= tree.threshold[node] || (x !== x && tree.defaultLeft[node] === 1);
  if (!(x >= 0)) return tree.defaultLeft[node] === 1;
  const code = x | 0;
  const word = code >>> 5;
  if (word >= tree.catLength[node]) return tree.defaultLeft[node] === 1;
  return ((tree.catWords[tree.catOffset[node] + word] >>> (code & 31)) & 1) === 1;
}

export function treeDepth(tree: ExplainTree): number {
  let maxDepth = 0;
  const stack: number[] = [0, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    if (tree.left[node] < 0) {
      if (depth > maxDepth) maxDepth = depth;
      continue;
    }
    stack.push(tree.left[node], depth + 1, tree.right[node], depth + 1);
  }
  return maxDepth;
}

/** Cover-weighted mean leaf value per output: the tree's expected output, E[f(X)]. */
export function treeExpectedValue(tree: ExplainTree, out: Float64Array, scale = 1): void {
  const k = tree.outputDim;
  const rootCover = tree.cover[0];
  for (let node = 0; node < tree.left.length; node++) {
    if (tree.left[node] >= 0 || !isReachable(tree, node)) continue;
    const w = (tree.cover[node] / rootCover) * scale;
    for (let o = 0; o < k; o++) out[o] += w * tree.value[node * k + o];
  }
}

// Leaves of a tree are exactly the nodes with left < 0 reachable from the root; unreachable slots
// (should a format leave gaps) are skipped. Reachability is cached per tree.
const reachableCache = new WeakMap<ExplainTree, Uint8Array>();
function isReachable(tree: ExplainTree, node: number): boolean {
  let mark = reachableCache.get(tree);
  if (mark === undefined) {
    mark = new Uint8Array(tree.left.length);
    const stack = [0];
    while (stack.length > 0) {
      const n = stack.pop()!;
      mark[n] = 1;
      if (tree.left[n] >= 0) stack.push(tree.left[n], tree.right[n]);
    }
    reachableCache.set(tree, mark);
  }
  return mark[node] === 1;
}

/**
 * Accumulates SHAP values for a batch of rows over a set of trees.
 * Rows are given as a row-major matrix `x` (n x numFeatures, NaN = missing). Output `phi` is
 * n x (numFeatures + 1) x numOutputs: phi[((r * (M + 1)) + f) * K + o]; slot f = M holds the
 * expected value. Each tree's contribution is multiplied by `scale` (1 for boosting, 1/T for forests).
 */
export class TreeShapExplainer {
  private readonly pathFeature: Int32Array;
  private readonly pathZero: Float64Array;
  private readonly pathOne: Float64Array;
  private readonly pathWeight: Float64Array;
  /** The row being explained (set per row; read by recurse). */
  private row: Float64Array = new Float64Array(0);
  private rowOffset = 0;
  private readonly expected: Float64Array;

  constructor(
    readonly trees: readonly ExplainTree[],
    readonly numFeatures: number,
    readonly numOutputs: number,
    readonly scale: number,
    /** Added to the expected value (e.g. the booster's base score per output). */
    readonly bias: Float64Array = new Float64Array(numOutputs),
    /**
     * For one-output trees of a multi-output model (a multiclass booster grows one tree per class and round):
     * the output channel of each tree. Without it every tree has numOutputs outputs.
     */
    readonly treeChannel?: Int32Array,
  ) {
    let maxDepth = 0;
    for (const t of trees) {
      const expectedDim = treeChannel ? 1 : numOutputs;
      if (t.outputDim !== expectedDim) throw new Error(`tree has ${t.outputDim} outputs, expected ${expectedDim}`);
      maxDepth = Math.max(maxDepth, treeDepth(t));
    }
    const slots = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    ensureReciprocals(maxDepth + 4);
    this.pathFeature = new Int32Array(slots);
    this.pathZero = new Float64Array(slots);
    this.pathOne = new Float64Array(slots);
    this.pathWeight = new Float64Array(slots);
    this.expected = Float64Array.from(bias);
    const one = new Float64Array(1);
    trees.forEach((t, i) => {
      if (!treeChannel) return treeExpectedValue(t, this.expected, scale);
      one[0] = 0;
      treeExpectedValue(t, one, scale);
      this.expected[treeChannel[i]] += one[0];
    });
  }

  /** E[f(X)] per output under the trees' cover distribution (plus bias). */
  get expectedValue(): Float64Array {
    return this.expected;
  }

  explain(x: Float64Array, numRows: number): Float64Array {
    const m = this.numFeatures;
    const k = this.numOutputs;
    const phi = new Float64Array(numRows * (m + 1) * k);
    for (let r = 0; r < numRows; r++) this.explainRow(x, r * m, phi, r * (m + 1) * k);
    return phi;
  }

  private explainRow(x: Float64Array, rowOffset: number, phi: Float64Array, phiOffset: number): void {
    const k = this.numOutputs;
    this.row = x;
    this.rowOffset = rowOffset;
    for (let t = 0; t < this.trees.length; t++) {
      this.recurse(this.trees[t], 0, 0, 0, 1, 1, -1, phi, phiOffset + (this.treeChannel ? this.treeChannel[t] : 0));
    }
    const m = this.numFeatures;
    for (let o = 0; o < k; o++) phi[phiOffset + m * k + o] += this.expected[o];
  }

  /**
   * Walks `node` with the unique path so far: `uniqueDepth` elements (the root call starts from none and
   * extends a dummy element with feature -1), the parent's copy starting at `parentStart`. The row goes to the
   * "hot" child; both children are walked, the cold one with one-fraction 0.
   */
  private recurse(
    tree: ExplainTree,
    node: number,
    parentStart: number,
    uniqueDepth: number,
    zeroFraction: number,
    oneFraction: number,
    featureIndex: number,
    phi: Float64Array,
    phiOffset: number,
  ): void {
    const pf = this.pathFeature;
    const pz = this.pathZero;
    const po = this.pathOne;
    const pw = this.pathWeight;
    // This call's path segment follows the parent's (which holds uniqueDepth elements).
    const start = parentStart + uniqueDepth;
    // Plain loops: segments are a few elements long, where copyWithin's call overhead dominates.
    for (let i = 0; i < uniqueDepth; i++) {
      pf[start + i] = pf[parentStart + i];
      pz[start + i] = pz[parentStart + i];
      po[start + i] = po[parentStart + i];
      pw[start + i] = pw[parentStart + i];
    }
    extendPath(pf, pz, po, pw, start, uniqueDepth, zeroFraction, oneFraction, featureIndex);

    const leftChild = tree.left[node];
    if (leftChild < 0) {
      // phiOffset already points at this tree's channel when trees are single-output parts of a multi-output model.
      const stride = this.numOutputs;
      const dim = tree.outputDim;
      const scale = this.scale;
      for (let i = 1; i <= uniqueDepth; i++) {
        const w = unwoundPathSum(pz, po, pw, start, uniqueDepth, i);
        const factor = w * (po[start + i] - pz[start + i]) * scale;
        const base = phiOffset + pf[start + i] * stride;
        for (let o = 0; o < dim; o++) phi[base + o] += factor * tree.value[node * dim + o];
      }
      return;
    }

    const rightChild = tree.right[node];
    const split = tree.feature[node];
    const hotIsLeft = goesLeft(tree, node, this.row[this.rowOffset + split]);
    const hot = hotIsLeft ? leftChild : rightChild;
    const cold = hotIsLeft ? rightChild : leftChild;
    const cover = tree.cover[node];
    const hotZero = coverFraction(tree.cover[hot], cover);
    const coldZero = coverFraction(tree.cover[cold], cover);

    let incomingZero = 1;
    let incomingOne = 1;
    let depth = uniqueDepth;
    // A feature already on the path is unwound and re-extended with the combined fractions.
    let pathIndex = 1;
    for (; pathIndex <= depth; pathIndex++) if (pf[start + pathIndex] === split) break;
    if (pathIndex <= depth) {
      incomingZero = pz[start + pathIndex];
      incomingOne = po[start + pathIndex];
      unwindPath(pf, pz, po, pw, start, depth, pathIndex);
      depth -= 1;
    }
    this.recurse(tree, hot, start, depth + 1, hotZero * incomingZero, incomingOne, split, phi, phiOffset);
    // A cold branch no training weight reached contributes nothing (and would divide by a zero fraction).
    if (coldZero * incomingZero > 0) this.recurse(tree, cold, start, depth + 1, coldZero * incomingZero, 0, split, phi, phiOffset);
  }
}

/**
 * Share of a node's training weight that went to one child. A node no training weight reached (possible
 * only in hand-made or pruned trees) splits evenly, so values stay finite; such subtrees carry zero weight
 * in the expected value either way.
 */
export function coverFraction(childCover: number, nodeCover: number): number {
  return nodeCover > 0 ? childCover / nodeCover : 0.5;
}

// 1/k for small k: the path updates divide by depth-dependent integers in their inner loops, and a multiply by a
// table entry is several times cheaper than a division. Grown by the explainer to its deepest tree.
let RECIP = new Float64Array(0);
function ensureReciprocals(n: number): void {
  if (RECIP.length >= n) return;
  RECIP = new Float64Array(n);
  for (let k = 1; k < n; k++) RECIP[k] = 1 / k;
}

function extendPath(
  pf: Int32Array,
  pz: Float64Array,
  po: Float64Array,
  pw: Float64Array,
  start: number,
  depth: number,
  zeroFraction: number,
  oneFraction: number,
  featureIndex: number,
): void {
  const r = RECIP;
  pf[start + depth] = featureIndex;
  pz[start + depth] = zeroFraction;
  po[start + depth] = oneFraction;
  pw[start + depth] = depth === 0 ? 1 : 0;
  const inv = r[depth + 1];
  for (let i = depth - 1; i >= 0; i--) {
    pw[start + i + 1] += oneFraction * pw[start + i] * (i + 1) * inv;
    pw[start + i] = zeroFraction * pw[start + i] * (depth - i) * inv;
  }
}

function unwindPath(pf: Int32Array, pz: Float64Array, po: Float64Array, pw: Float64Array, start: number, depth: number, pathIndex: number): void {
  const r = RECIP;
  const one = po[start + pathIndex];
  const zero = pz[start + pathIndex];
  let nextOnePortion = pw[start + depth];
  const inv = r[depth + 1];
  if (one !== 0) {
    const invOne = 1 / one;
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = pw[start + i];
      pw[start + i] = nextOnePortion * (depth + 1) * r[i + 1] * invOne;
      nextOnePortion = tmp - pw[start + i] * zero * (depth - i) * inv;
    }
  } else {
    const invZero = 1 / zero;
    for (let i = depth - 1; i >= 0; i--) pw[start + i] = pw[start + i] * (depth + 1) * invZero * r[depth - i];
  }
  for (let i = pathIndex; i < depth; i++) {
    pf[start + i] = pf[start + i + 1];
    pz[start + i] = pz[start + i + 1];
    po[start + i] = po[start + i + 1];
  }
}

/** Total permutation weight of the path with element `pathIndex` removed, without modifying it. */
function unwoundPathSum(pz: Float64Array, po: Float64Array, pw: Float64Array, start: number, depth: number, pathIndex: number): number {
  const r = RECIP;
  const one = po[start + pathIndex];
  const zero = pz[start + pathIndex];
  let nextOnePortion = pw[start + depth];
  let total = 0;
  if (one !== 0) {
    const invOne = 1 / one;
    for (let i = depth - 1; i >= 0; i--) {
      const tmp = nextOnePortion * r[i + 1] * invOne;
      total += tmp;
      nextOnePortion = pw[start + i] - tmp * zero * (depth - i);
    }
  } else {
    const invZero = 1 / zero;
    for (let i = depth - 1; i >= 0; i--) total += pw[start + i] * invZero * r[depth - i];
  }
  return total * (depth + 1);
}

/** Prediction of the trees for one row (sum of leaf values times scale, plus bias). */
export function predictTrees(
  trees: readonly ExplainTree[],
  x: Float64Array,
  rowOffset: number,
  scale: number,
  bias: Float64Array,
  treeChannel?: Int32Array,
): Float64Array {
  const out = Float64Array.from(bias);
  trees.forEach((t, i) => {
    let node = 0;
    while (t.left[node] >= 0) node = goesLeft(t, node, x[rowOffset + t.feature[node]]) ? t.left[node] : t.right[node];
    const channel = treeChannel ? treeChannel[i] : 0;
    for (let o = 0; o < t.outputDim; o++) out[channel + o] += scale * t.value[node * t.outputDim + o];
  });
  return out;
}
