import { type Column, categoricalFromStrings, numericColumn } from '../../frame/column.js';
import { Frame } from '../../frame/frame.js';
import { TabpilotError } from '../../util/errors.js';
import { gbdtSpec } from '../gbdt/index.js';
import { type ParamConstraints, resolveParams } from '../hyperparams.js';
import { checkModelJSON, field, numberArrayAt, objectAt } from '../model-json.js';
import type { FitContext, FittedModel, HyperparameterSpec, Learner, LearnerSpec, ModelJSON } from '../types.js';
import { TOKEN_CONSTRAINTS, TOKEN_DEFAULTS, TOKEN_SEARCH_SPACE, type TextModelBase, TextModel, type TokenParams, startTextFit, textBaseFromJSON, textTags, topIndices } from './common.js';
import { type Csr, chi2Scores } from './tfidf.js';

/**
 * `text-gbdt`: gradient-boosted trees (the gbdt learner) over the `selectK` n-grams with the highest chi-squared
 * statistic against the class on the training rows, as a dense matrix of their TF-IDF values. The nested gbdt
 * model reads columns named `t<j>` (j = position among the selected terms).
 */
export interface TextGbdtParams extends TokenParams {
  /** Number of chi2-selected terms the trees see. */
  selectK: number;
  numRounds: number;
  learningRate: number;
  numLeaves: number;
  minDataInLeaf: number;
  featureFraction: number;
}

const KIND = 'text-gbdt';
const FORMAT_VERSION = 1;
const TAGS = textTags('tree');
const DEFAULTS: TextGbdtParams = { ...TOKEN_DEFAULTS, wordNgrams: 1, selectK: 500, numRounds: 200, learningRate: 0.1, numLeaves: 15, minDataInLeaf: 10, featureFraction: 0.5 };
const SEARCH_SPACE: Record<keyof TextGbdtParams, HyperparameterSpec> = {
  ...TOKEN_SEARCH_SPACE,
  wordNgrams: { domain: { type: 'choice', values: [1, 2] }, default: 1, cheap: 1 },
  selectK: { domain: { type: 'int', low: 100, high: 3000, log: true }, default: 500, cheap: 200 },
  numRounds: { domain: { type: 'int', low: 30, high: 1000, log: true }, default: 200, cheap: 50 },
  learningRate: { domain: { type: 'float', low: 0.01, high: 0.3, log: true }, default: 0.1, cheap: 0.2 },
  numLeaves: { domain: { type: 'int', low: 4, high: 63, log: true }, default: 15, cheap: 7 },
  minDataInLeaf: { domain: { type: 'int', low: 2, high: 100, log: true }, default: 10, cheap: 10 },
  featureFraction: { domain: { type: 'float', low: 0.1, high: 1 }, default: 0.5, cheap: 0.5 },
};
const CONSTRAINTS: ParamConstraints<TextGbdtParams> = {
  ...TOKEN_CONSTRAINTS,
  selectK: { type: 'int', min: 1 },
  numRounds: { type: 'int', min: 1 },
  learningRate: { type: 'float', min: 0, minExclusive: true },
  numLeaves: { type: 'int', min: 2 },
  minDataInLeaf: { type: 'int', min: 1 },
  featureFraction: { type: 'float', min: 0, max: 1, minExclusive: true },
};

/** The selected columns of X as a dense numeric frame (column `t<j>` = selected term j). */
function denseFrame(X: Csr, selected: Int32Array, extra?: Column): Frame {
  const position = new Map<number, number>();
  selected.forEach((term, j) => position.set(term, j));
  const cols = Array.from(selected, () => new Float64Array(X.numRows));
  for (let i = 0; i < X.numRows; i++) {
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
      const j = position.get(X.indices[p]);
      if (j !== undefined) cols[j][i] = X.values[p];
    }
  }
  const columns: Column[] = cols.map((v, j) => numericColumn(`t${j}`, v));
  if (extra) columns.push(extra);
  return Frame.fromColumns(columns);
}

export class TextGbdtModel extends TextModel implements FittedModel {
  readonly kind = KIND;

  constructor(
    base: TextModelBase,
    readonly params: TextGbdtParams,
    /** Vocabulary ids of the terms the trees read, in their column order. */
    readonly selected: Int32Array,
    readonly booster: FittedModel,
  ) {
    super(base);
  }

  protected probaOf(X: Csr): Float64Array {
    return this.booster.predictProba(denseFrame(X, this.selected));
  }

  topTerms(perClass: number): Record<string, string[]> {
    // Trees do not say which class a term speaks for: every class lists the terms with the most split gain.
    const gain = this.booster.featureImportance().gain;
    const top = topIndices(gain, perClass).filter((j) => gain[j] > 0).map((j) => this.vectorizer.terms[this.selected[j]]);
    return Object.fromEntries(this.classes.map((c) => [c, top]));
  }

  toJSON(): ModelJSON {
    return { ...this.envelope(FORMAT_VERSION), params: this.params, selected: Array.from(this.selected), booster: this.booster.toJSON() };
  }

  static fromJSON(json: ModelJSON, path = 'model'): TextGbdtModel {
    const j = checkModelJSON(json, KIND, FORMAT_VERSION, path);
    const base = textBaseFromJSON(j, path);
    // Checked before the Int32Array: a term id beyond int32 would wrap (2^31 to -2^31, 2^32 to 0) past a later check.
    const selected = Int32Array.from(numberArrayAt(field(j, 'selected'), `${path}.selected`, undefined, { integer: true, min: 0, max: base.vectorizer.numTerms - 1 }));
    const params = resolveParams(KIND, DEFAULTS, CONSTRAINTS, objectAt(field(j, 'params'), `${path}.params`));
    const booster = gbdtSpec.fromJSON(field(j, 'booster') as ModelJSON, `${path}.booster`);
    return new TextGbdtModel(base, params, selected, booster);
  }
}

class TextGbdtLearner implements Learner<TextGbdtParams> {
  readonly kind = KIND;
  readonly tags = TAGS;
  constructor(readonly params: Readonly<TextGbdtParams>) {}

  async fit(data: Frame, target: Column, ctx: FitContext): Promise<FittedModel> {
    const t = startTextFit(KIND, data, target, ctx, this.params);
    const { X, classIndex, k } = t;
    const scores = chi2Scores(X, classIndex, k);
    const selected = Int32Array.from(topIndices(scores, Math.min(this.params.selectK, X.numCols)).sort((a, b) => a - b));
    if (selected.length === 0) throw new TabpilotError('INVALID_ARGUMENT', `${KIND}: no term to select`);
    const y = target.name;
    // The booster sees only the training rows, so its labels are the encoded training labels.
    const labels = Array.from(classIndex, (c) => t.encoded.classes![c]);
    const yCol = categoricalFromStrings(y, labels);
    const frame = denseFrame(X, selected, yCol);
    const p = this.params;
    const booster = await gbdtSpec
      .create({ numRounds: p.numRounds, learningRate: p.learningRate, numLeaves: p.numLeaves, minDataInLeaf: p.minDataInLeaf, featureFraction: p.featureFraction })
      .fit(frame, yCol, { task: ctx.task, rng: ctx.rng, deadline: ctx.deadline, classes: t.encoded.classes, sampleWeight: t.weights, onProgress: ctx.onProgress });
    const base = { task: ctx.task, classes: t.encoded.classes!, featureNames: t.featureNames, vectorizer: t.vectorizer };
    return new TextGbdtModel(base, { ...p }, selected, booster);
  }
}

export const textGbdtSpec: LearnerSpec<TextGbdtParams> = {
  kind: KIND,
  description: 'Text: gradient-boosted trees over the top chi2-selected n-grams of a per-fold TF-IDF vocabulary',
  tags: TAGS,
  defaults: DEFAULTS,
  searchSpace: SEARCH_SPACE,
  relativeCost: 1,
  fidelityParam: 'numRounds',
  costPerClass: true,
  create(params?: Partial<TextGbdtParams>): Learner<TextGbdtParams> {
    return new TextGbdtLearner(resolveParams(KIND, DEFAULTS, CONSTRAINTS, params));
  },
  fromJSON(json: ModelJSON, path?: string): FittedModel {
    return TextGbdtModel.fromJSON(json, path);
  },
};
