import type { Task } from '../models/types.js';
import type { CatalogEntry } from './catalog.js';
import type { Definition } from './definitions.js';
import type { WordPower } from './power.js';
import type { QuickModelOptions, QuickModelResult } from './quick-model.js';
import type { ColumnStats, FeatureType, Histogram } from './stats.js';
import type { Warning } from './warnings.js';

/** The Data Quality and Insights report's options and its JSON (spec A.3); the HTML is rendered from this alone. */

export interface InsightsOptions {
  /** Target column; without it the target, quick model and prediction power sections are omitted. */
  readonly target?: string;
  /** Stated problem type; inferred with Autopilot's rules (spec B.1) when absent. */
  readonly problemType?: Task;
  /** Rows to analyse: a uniform random sample of this many rows (default 50,000), or 'all'. */
  readonly sample?: number | 'all';
  readonly seed?: number;
  /** Skip the quick model (the rest of the report does not need it). */
  readonly quickModel?: boolean | QuickModelOptions;
  /** A name for the data (file name) shown in the report. */
  readonly source?: string;
  /** Worker threads for the model fits (default: cores, at most 4); 1 = everything in this thread. */
  readonly workers?: number;
  /** Anomalous and duplicate rows to show. */
  readonly sampleRowsShown?: number;
}

export type CellText = string | null;

export interface SampleRow {
  /** Row number in the input (0-based). */
  readonly row: number;
  readonly values: Record<string, CellText>;
}

export interface FeatureReport {
  readonly name: string;
  readonly featureType: FeatureType;
  readonly stats: Omit<ColumnStats, 'histogram' | 'topValues'>;
  readonly topValues: ColumnStats['topValues'];
  readonly histogram: Histogram;
  /** Normalised prediction power in [0, 1]; null when not computed (no target, < 100 rows, one class). */
  readonly predictionPower: number | null;
  readonly predictionScore: number | null;
  readonly predictionBaseline: number | null;
  readonly predictionMetric: string | null;
  readonly targetCorrelation: number | null;
  /** Text features: the words whose presence predicts the target best (A.3.3). */
  readonly importantWords?: WordPower[];
  readonly warnings: Warning[];
}

export interface TargetReport {
  readonly name: string;
  readonly task: Task;
  readonly taskReason: string;
  readonly stats: Omit<ColumnStats, 'histogram' | 'topValues'>;
  readonly missing: number;
  readonly invalid: number;
  readonly validRows: number;
  readonly classes?: { label: string; count: number; ratio: number }[];
  readonly histogram: Histogram;
  readonly outlierRows?: SampleRow[];
  /** A few rows whose target is missing or invalid (they are ignored by the models). */
  readonly invalidRows: SampleRow[];
  readonly warnings: Warning[];
}

export interface InsightsReport {
  readonly format: 'tabpilot-insights';
  readonly formatVersion: 1;
  readonly source: string | null;
  readonly generatedAt: string;
  readonly seed: number;
  readonly sampling: {
    readonly totalRows: number;
    readonly analysedRows: number;
    readonly sampled: boolean;
    readonly method: string;
  };
  readonly summary: {
    readonly rows: number;
    readonly columns: number;
    readonly missingCells: number;
    readonly missingRatio: number;
    readonly invalidCells: number;
    readonly featureTypes: Record<FeatureType, number>;
    readonly outliers: number;
    readonly duplicateRatio: number;
    readonly duplicateRows: number;
    readonly highWarnings: Warning[];
    readonly warningCounts: Record<'high' | 'medium' | 'low', number>;
  };
  readonly target: TargetReport | null;
  readonly quickModel: QuickModelResult | { readonly error: string } | null;
  readonly features: FeatureReport[];
  readonly samples: {
    readonly anomalous: { readonly method: string; readonly rows: (SampleRow & { score: number })[] };
    readonly duplicates: { readonly ratio: number; readonly duplicatedRows: number; readonly redundantRows: number; readonly rows: (SampleRow & { count: number })[] };
  };
  readonly warnings: Warning[];
  readonly catalog: readonly CatalogEntry[];
  readonly definitions: readonly Definition[];
  /** Wall time per section, milliseconds. */
  readonly timings: Record<string, number>;
}
