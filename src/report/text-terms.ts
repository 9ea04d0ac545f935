import { modelFromJSON } from '../models/registry.js';
import { topTermsOf } from '../models/text/index.js';
import type { FittedModel } from '../models/types.js';

/** Terms listed per class in the model report's "Top words per class" section. */
export const TOP_TERMS_PER_CLASS = 15;

export interface TopTermsSection {
  /** Which model the words come from: the text model itself, or the ensemble's heaviest text member. */
  readonly source: string;
  readonly perClass: Readonly<Record<string, readonly string[]>>;
}

/**
 * The top words per class of a text model (see TextModel.topTerms), or of the heaviest text member of an
 * ensemble (read from its JSON); undefined for tabular models.
 */
export function topTermsSection(model: FittedModel): TopTermsSection | undefined {
  const direct = topTermsOf(model, TOP_TERMS_PER_CLASS);
  if (direct) return { source: model.kind, perClass: direct };
  if (model.kind !== 'ensemble') return undefined;
  const members = (model.toJSON() as { members?: readonly { weight: number; source?: string; model: { kind: string } }[] }).members ?? [];
  const text = members.filter((m) => m.model.kind.startsWith('text-')).sort((a, b) => b.weight - a.weight)[0];
  if (!text) return undefined;
  const terms = topTermsOf(modelFromJSON(text.model), TOP_TERMS_PER_CLASS);
  return terms ? { source: `${text.model.kind} (ensemble member ${text.source ?? ''}, weight ${text.weight.toFixed(3)})`, perClass: terms } : undefined;
}
