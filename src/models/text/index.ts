import type { Frame } from '../../frame/frame.js';
import { isNumberSeriesColumn } from '../featurize.js';
import type { FittedModel } from '../types.js';
import { TextModel } from './common.js';
import { TextFastTextModel } from './fasttext.js';

/**
 * Text classification learners: each reads the raw text column(s) and fits its own TF-IDF vocabulary on the
 * training rows (so cross-validation folds never see each other's words). Registered in ../learners.ts with
 * `tags.input = 'text'`: text jobs use only these, tabular jobs never.
 */
export { textLinearSpec, TextLinearModel, type TextLinearParams } from './text-linear.js';
export { textNbSpec, TextNbModel, type TextNbParams, complementWeights } from './cnb.js';
export { textGbdtSpec, TextGbdtModel, type TextGbdtParams } from './text-gbdt.js';
export { TextModel, type TokenParams } from './common.js';
export { TfidfVectorizer, type Csr, chi2Scores, documents } from './tfidf.js';
export { type TokenizerOptions, forEachTerm, terms, words } from './tokenizer.js';

/**
 * Per class, the `perClass` terms that speak most for it, when `model` is a text model that keeps them (every
 * TF-IDF learner; text-fasttext from its stored top words); else null.
 */
export function topTermsOf(model: FittedModel, perClass: number): Record<string, string[]> | null {
  if (model instanceof TextModel || model instanceof TextFastTextModel) return model.topTerms(perClass);
  return null;
}

/** A frame a text job is inferred for: its only feature column is free text (not a number series). */
export function isTextJobFrame(features: Frame): boolean {
  if (features.numColumns !== 1) return false;
  const col = features.columnAt(0);
  return col.kind === 'text' && !isNumberSeriesColumn(col);
}
