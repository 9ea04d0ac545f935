import { alignToSchema } from '../frame/align.js';
import type { Frame } from '../frame/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { getLearnerSpec } from '../models/registry.js';
import type { ContributionSource } from './types.js';
import { TabpilotError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { DEFAULT_PERMUTATIONS, additiveShap, permutationShap, pipelineOutput } from './model-agnostic.js';
import { treeExplainer } from './trees.js';
import type { Explanation } from './types.js';

export * from './importance.js';
export * from './model-agnostic.js';
export * from './target.js';
export * from './treeshap.js';
export * from './trees.js';
export * from './types.js';

/**
 * SHAP contributions for rows of `frame`, chosen by model kind:
 *   gbdt, rf, extratrees  exact TreeSHAP on the model's features (raw score / averaged leaf values)
 *   linear                exact interventional SHAP on the margin (log-odds), against background rows
 *   mlp, ensemble, other  permutation SHAP on the probability (or prediction), against background rows
 * Background rows default to a seeded sample of `frame` itself.
 */
export interface ExplainOptions {
  /** Baseline rows for the model-agnostic methods (default: a sample of the explained frame). */
  readonly background?: Frame;
  /** Background rows used by the exact additive method (default 100). */
  readonly backgroundRows?: number;
  /** Permutation pairs for permutation SHAP (default 32). */
  readonly permutations?: number;
  readonly seed?: number;
}

export const DEFAULT_BACKGROUND_ROWS = 100;

function sampleRows(frame: Frame, k: number, rng: Random): Frame {
  if (frame.numRows <= k) return frame;
  const perm = rng.permutation(frame.numRows);
  return frame.take(perm.subarray(0, k));
}

export function explainPipeline(pipeline: Pipeline, frame: Frame, opts: ExplainOptions = {}): Explanation {
  const trees = treeExplainer(pipeline);
  if (trees) return trees.explain(frame);
  const rng = new Random(opts.seed ?? 0);
  const features = pipeline.artifact.features;
  const x = alignToSchema(frame, features).frame;
  const source = opts.background ?? frame;
  if (source.numRows === 0) throw new TabpilotError('INVALID_ARGUMENT', 'explanations need at least one background row');
  const background = alignToSchema(source, features).frame;
  // Linear-family models are additive in their margin, so their SHAP values are exact and cheap.
  if (getLearnerSpec(pipeline.model.kind).tags.family === 'linear') {
    const bg = sampleRows(background, opts.backgroundRows ?? DEFAULT_BACKGROUND_ROWS, rng.fork(1));
    const exact = additiveShap(pipelineOutput(pipeline, 'margin'), x, bg);
    if (exact) return exact;
  }
  const pairs = opts.permutations ?? DEFAULT_PERMUTATIONS;
  const bg = sampleRows(background, pairs, rng.fork(2));
  return permutationShap(pipelineOutput(pipeline, 'probability'), x, bg, { permutations: pairs, rng: rng.fork(3) });
}

/** The endpoint's `explain=true` source: TreeSHAP, or the other methods against the given background rows. */
export function explainerForServing(pipeline: Pipeline, background?: Frame): ContributionSource {
  const trees = treeExplainer(pipeline);
  if (trees) return trees;
  if (background === undefined) {
    return {
      explain() {
        throw new ExplainUnavailable(`explanations of a ${pipeline.model.kind} model need baseline rows: start the server with --background FILE`);
      },
    };
  }
  return { explain: (frame: Frame) => explainPipeline(pipeline, frame, { background }) };
}

export class ExplainUnavailable extends Error {
  readonly status = 406;
}
