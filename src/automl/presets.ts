import { DEFAULT_FOLDS, REPEATED_CV_MAX_ROWS, REPEATS_SMALL_DATA } from '../models/folds.js';
import { TabpilotError } from '../util/errors.js';
import type { PortfolioEntry } from './portfolio.js';
import type { AutopilotPreset } from './types.js';

/**
 * Presets (`--presets`, library `presets`): one word for the speed / quality trade-off. `balanced` is the
 * defaults; `fast` and `best` change the validation plan, the portfolio, the HPO share of the search time and
 * the ensemble rounds. Options given explicitly (ensembleRounds, validationFraction, foldColumn, ...) win.
 */
export interface PresetSettings {
  /** CV folds per repeat. */
  readonly folds: number;
  /** CV is repeated REPEATS_SMALL_DATA times below this many rows (0: never). */
  readonly repeatedCvMaxRows: number;
  /** Portfolio entries run (undefined: all), after dropping those costlier than maxEntryCost. */
  readonly portfolioSize?: number;
  /** Portfolio entries whose cost (relative to their learner's default) is above this are skipped. */
  readonly maxEntryCost?: number;
  /**
   * Under a time budget, portfolio candidates that have not started by this share of the search time are skipped
   * (Stopped), so HPO gets the rest; 1: the whole portfolio runs first.
   */
  readonly portfolioTimeShare: number;
  readonly ensembleRounds: number;
}

export const PRESETS: Readonly<Record<AutopilotPreset, PresetSettings>> = {
  // fast: 3 folds, never repeated; the 6 best-value entries at or below default cost; 10 ensemble rounds.
  fast: { folds: 3, repeatedCvMaxRows: 0, portfolioSize: 6, maxEntryCost: 1, portfolioTimeShare: 1, ensembleRounds: 10 },
  // balanced: today's defaults (5 folds, repeated below 2,000 rows, full portfolio, 25 rounds).
  balanced: { folds: DEFAULT_FOLDS, repeatedCvMaxRows: REPEATED_CV_MAX_ROWS, portfolioTimeShare: 1, ensembleRounds: 25 },
  // best: repeated CV up to 10,000 rows, the portfolio may use at most half the search time, 50 ensemble rounds.
  best: { folds: DEFAULT_FOLDS, repeatedCvMaxRows: 10_000, portfolioTimeShare: 0.5, ensembleRounds: 50 },
};

export const DEFAULT_PRESET: AutopilotPreset = 'balanced';

/** The settings of a preset name (default balanced); a bad name is an INVALID_ARGUMENT naming the choices. */
export function presetSettings(name: string | undefined): PresetSettings {
  const preset = name ?? DEFAULT_PRESET;
  if (!Object.hasOwn(PRESETS, preset)) throw new TabpilotError('INVALID_ARGUMENT', `presets must be fast, balanced or best, got "${preset}"`);
  return PRESETS[preset as AutopilotPreset];
}

/** CV repeats under the preset for `rows` rows. */
export function presetRepeats(p: PresetSettings, rows: number): number {
  return rows < p.repeatedCvMaxRows ? REPEATS_SMALL_DATA : 1;
}

/** The portfolio entries the preset runs, in run order. */
export function presetPortfolio(p: PresetSettings, entries: readonly PortfolioEntry[]): PortfolioEntry[] {
  const affordable = entries.filter((e) => p.maxEntryCost === undefined || (e.cost ?? 1) <= p.maxEntryCost);
  return p.portfolioSize === undefined ? affordable : affordable.slice(0, p.portfolioSize);
}
