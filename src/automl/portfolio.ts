import { getLearnerSpec, trainableKinds } from '../models/registry.js';
import type { HyperValue, LearnerSpec } from '../models/types.js';
import { LEARNED_PORTFOLIO, type LearnedEntry } from './portfolio-learned.js';

/**
 * The fixed portfolio: strong configurations per learner, tried before any HPO. Each entry carries a prior
 * strength (how often this configuration is near the best on tabular benchmarks, roughly as AutoGluon's and
 * FLAML's zero-shot portfolios rank them); entries are ordered by expected value per second,
 * prior / sqrt(learner relativeCost x entry cost). Hyperparameter names a learner does not declare are dropped, so the portfolio keeps
 * working when a learner's search space changes.
 */
export interface PortfolioEntry {
  readonly kind: string;
  readonly name: string;
  readonly params: Readonly<Record<string, HyperValue>>;
  readonly prior: number;
  /** Cost relative to the learner's default configuration (default 1). */
  readonly cost?: number;
  /** Only for data with fewer rows than this (configurations that pay off on small data only). */
  readonly maxRows?: number;
}

/**
 * Small data: below this many rows the portfolio adds strongly regularised configurations (few leaves, more rows
 * per leaf, row and feature subsampling, L2) and k-nearest neighbours, which win on a few hundred rows where
 * default boosting overfits; above it they rarely pay for their time.
 */
export const SMALL_DATA_ROWS = 2_000;
/** k-nearest neighbours compares every validation row with every training row: only below this many rows. */
const KNN_MAX_ROWS = 20_000;

const ENTRIES: readonly PortfolioEntry[] = [
  { kind: 'gbdt', name: 'default', params: {}, prior: 1.0 },
  { kind: 'gbdt', name: 'fast', params: { learningRate: 0.1, numRounds: 200, numLeaves: 31, featureFraction: 0.9 }, prior: 0.9, cost: 0.4 },
  { kind: 'linear', name: 'default', params: {}, prior: 0.45 },
  { kind: 'rf', name: 'default', params: {}, prior: 0.7 },
  { kind: 'extratrees', name: 'default', params: {}, prior: 0.65 },
  { kind: 'gbdt', name: 'slow-large', params: { learningRate: 0.03, numLeaves: 63, minDataInLeaf: 10, featureFraction: 0.8, numRounds: 1000 }, prior: 0.9, cost: 2.5 },
  { kind: 'gbdt', name: 'shallow', params: { learningRate: 0.05, numLeaves: 15, maxDepth: 4, minDataInLeaf: 20, lambdaL2: 1 }, prior: 0.85, cost: 0.6 },
  { kind: 'linear', name: 'strong-l2', params: { C: 0.05 }, prior: 0.35 },
  { kind: 'linear', name: 'weak-l2', params: { C: 100 }, prior: 0.3 },
  { kind: 'mlp', name: 'default', params: {}, prior: 0.6 },
  { kind: 'gbdt', name: 'regularised', params: { learningRate: 0.05, numLeaves: 31, minDataInLeaf: 50, featureFraction: 0.6, baggingFraction: 0.8, lambdaL2: 10 }, prior: 0.8 },
  { kind: 'rf', name: 'sqrt-features', params: { maxFeatures: 'sqrt', minSamplesLeaf: 2 }, prior: 0.55 },
  { kind: 'extratrees', name: 'leafy', params: { minSamplesLeaf: 1, maxFeatures: 0.5 }, prior: 0.5 },
  { kind: 'mlp', name: 'wide', params: { hiddenWidth: 256, dropout: 0.2 }, prior: 0.45, cost: 2 },
  // Text jobs (only their learners are in the specs there): priors from the usual TF-IDF text-classification ranking.
  { kind: 'text-linear', name: 'default', params: {}, prior: 1.0 },
  { kind: 'text-nb', name: 'default', params: {}, prior: 0.8 },
  { kind: 'text-gbdt', name: 'default', params: {}, prior: 0.7 },
  // A fastText bag rarely beats TF-IDF linear models on a few thousand documents; it pays off on large corpora.
  { kind: 'text-fasttext', name: 'default', params: {}, prior: 0.4 },
  { kind: 'text-linear', name: 'char-ngrams', params: { wordNgrams: 1, charNgrams: true }, prior: 0.8, cost: 3 },
  { kind: 'text-nb', name: 'unigrams', params: { wordNgrams: 1, alpha: 1 }, prior: 0.5 },
  { kind: 'knn', name: 'default', params: {}, prior: 0.5, maxRows: KNN_MAX_ROWS },
  { kind: 'knn', name: 'wide', params: { k: 30 }, prior: 0.4, maxRows: SMALL_DATA_ROWS },
  {
    kind: 'gbdt',
    name: 'tiny-data',
    params: { learningRate: 0.03, numLeaves: 7, minDataInLeaf: 5, featureFraction: 0.7, baggingFraction: 0.8, lambdaL2: 5, numRounds: 500 },
    prior: 0.9,
    cost: 0.5,
    maxRows: SMALL_DATA_ROWS,
  },
  { kind: 'rf', name: 'tiny-data', params: { minSamplesLeaf: 3, maxFeatures: 'sqrt' }, prior: 0.6, maxRows: SMALL_DATA_ROWS },
  { kind: 'linear', name: 'tiny-data', params: { C: 0.2 }, prior: 0.5, maxRows: SMALL_DATA_ROWS },
];

/** A learner's relative cost is measured on up to this many classes; learners whose cost grows per class scale above it. */
const CLASSES_AT_UNIT_COST = 3;
/** Floor of an entry's cost, so value per second stays finite. */
const MIN_COST = 0.01;

/** Every trainable tabular learner of the registry (text learners are for text jobs, which pass their specs). */
function registrySpecs(): LearnerSpec<object>[] {
  return trainableKinds()
    .map((k) => getLearnerSpec(k) as LearnerSpec<object>)
    .filter((s) => s.tags.input !== 'text');
}

/**
 * The learned portfolio of the data's regime (portfolio-learned.ts, made by scripts/learn-portfolio.mjs from
 * cross-validated runs of every configuration on the shared datasets) as entries: they run first, in the learned
 * order; the hand-made entries follow (they still feed HPO's starting points and the ensemble when time allows).
 */
function learnedEntries(numRows: number): PortfolioEntry[] {
  const list: readonly LearnedEntry[] = numRows < SMALL_DATA_ROWS ? LEARNED_PORTFOLIO.small : LEARNED_PORTFOLIO.large;
  return list.map((e) => ({ kind: e.kind, name: e.name, params: e.params, prior: 1, cost: e.cost }));
}

/**
 * Portfolio entries for the given learners (default: every trainable learner of the registry), in run order.
 * Entries of learners not among them are skipped. With `numClasses` > 2, a learner whose spec says `costPerClass`
 * (boosting pays one tree per class per round, the multinomial linear model one weight vector per class) has its
 * cost scaled by numClasses / CLASSES_AT_UNIT_COST (forests grow one tree for all classes). Entries with `maxRows`
 * are kept only when `numRows` (the training rows) is below it. `useLearned` false gives the hand-made order alone
 * (scripts/learn-portfolio.mjs compares the two).
 */
export function portfolio(specs: readonly LearnerSpec<object>[] = registrySpecs(), numClasses = 2, numRows = 0, useLearned = true): PortfolioEntry[] {
  const byKind = new Map(specs.map((s) => [s.kind, s]));
  const seen = new Set<string>();
  /** The entry with only the hyperparameters its learner declares, or null (learner absent, too many rows, a repeat). */
  const accept = (e: PortfolioEntry): PortfolioEntry | null => {
    const spec = byKind.get(e.kind);
    if (!spec || (e.maxRows !== undefined && numRows >= e.maxRows)) return null;
    const known = new Set([...Object.keys(spec.defaults), ...Object.keys(spec.searchSpace)]);
    const params: Record<string, HyperValue> = {};
    for (const [k, v] of Object.entries(e.params)) {
      const domain = spec.searchSpace[k]?.domain;
      if (!known.has(k)) continue;
      if (domain?.type === 'choice' && !domain.values.includes(v)) continue;
      if (domain && domain.type !== 'choice' && typeof v !== 'number') continue;
      params[k] = v;
    }
    const key = `${e.kind}:${JSON.stringify(params)}`;
    if (seen.has(key)) return null;
    seen.add(key);
    return { ...e, params };
  };
  const kept = (entries: readonly PortfolioEntry[]) => entries.map(accept).filter((e): e is PortfolioEntry => e !== null);
  const factor = (e: PortfolioEntry) => byKind.get(e.kind)!.costFactor?.() ?? 1;
  // Learned entries first (so a hand-made repeat of one is dropped), in their learned order; an entry whose learner
  // runs slower here than where the portfolio was learned (costFactor > 1) is priced with the hand-made ones instead.
  const learnedAll = kept(useLearned ? learnedEntries(numRows) : []);
  const learned = learnedAll.filter((e) => factor(e) <= 1);
  const handMade = [...learnedAll.filter((e) => factor(e) > 1), ...kept(ENTRIES)];
  const perClass = (spec: LearnerSpec<object>) => (spec.costPerClass ? Math.max(1, numClasses / CLASSES_AT_UNIT_COST) : 1);
  const cost = (e: PortfolioEntry) => {
    const spec = byKind.get(e.kind)!;
    return Math.max(MIN_COST, spec.relativeCost * (e.cost ?? 1) * perClass(spec) * factor(e));
  };
  // The hand-made entries by value per second (stable: ties keep the table order).
  const sorted = handMade
    .map((e, i) => ({ e, i, value: e.prior / Math.sqrt(cost(e)) }))
    .sort((a, b) => b.value - a.value || a.i - b.i)
    .map((x) => x.e);
  return [...learned, ...sorted];
}
