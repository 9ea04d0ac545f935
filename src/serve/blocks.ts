import type { Frame } from '../frame/frame.js';
import type { ContributionSource, Contributions, Predictions, Predictor } from './predictor.js';

/**
 * A large request is predicted (and explained) in blocks of rows, with a turn of the event loop between
 * blocks, so /ping and other requests are answered while it runs. Each block is sized from the previous
 * block's pace to take about BLOCK_BUDGET_MS; a request that fits in the first block runs in one call, exactly
 * as a single predict. Predictions and TreeSHAP / exact linear SHAP are per row, so blocks give the same
 * answer as one call; permutation SHAP draws per row position, so its sampled values for rows past the first
 * block differ from a one-call run (they are equally valid estimates; additivity holds per row).
 */

/** How long one block may hold the event loop: about the longest a /ping waits behind a large request. */
export const BLOCK_BUDGET_MS = 20;
/** First block for predictions: a 1,000-row batch (the benchmarked size) is one call. */
export const FIRST_PREDICT_BLOCK_ROWS = 1_024;
/** First block for explanations, which cost about 100 times more per row than predictions. */
export const FIRST_EXPLAIN_BLOCK_ROWS = 32;

/** The client went away while its request was being worked on: stop, nobody reads the answer. */
export class RequestAborted extends Error {}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `work` over [0, rows) in blocks, yielding between them; stops with RequestAborted when `aborted()`. */
export async function inBlocks<T>(rows: number, firstBlock: number, work: (start: number, end: number) => T, aborted: () => boolean = () => false): Promise<T[]> {
  const parts: T[] = [];
  let size = Math.max(1, firstBlock);
  for (let start = 0; start < rows; ) {
    const end = Math.min(rows, start + size);
    const t = performance.now();
    parts.push(work(start, end));
    const msPerRow = (performance.now() - t) / (end - start);
    start = end;
    if (start >= rows) break;
    // Aim the next block at the budget; grow at most twofold so one fast block cannot overshoot.
    size = Math.max(1, Math.min(size * 2, Math.floor(BLOCK_BUDGET_MS / Math.max(msPerRow, 1e-6))));
    await yieldToEventLoop();
    if (aborted()) throw new RequestAborted('the client closed the connection');
  }
  return parts;
}

export async function predictInBlocks(predictor: Predictor, frame: Frame, aborted?: () => boolean): Promise<Predictions> {
  const n = frame.numRows;
  if (n <= FIRST_PREDICT_BLOCK_ROWS) return predictor.predict(frame);
  return concatPredictions(await inBlocks(n, FIRST_PREDICT_BLOCK_ROWS, (s, e) => predictor.predict(frame.slice(s, e)), aborted));
}

export async function explainInBlocks(source: ContributionSource, frame: Frame, aborted?: () => boolean): Promise<Contributions> {
  const n = frame.numRows;
  if (n <= FIRST_EXPLAIN_BLOCK_ROWS) return source.explain(frame);
  return concatContributions(await inBlocks(n, FIRST_EXPLAIN_BLOCK_ROWS, (s, e) => source.explain(frame.slice(s, e)), aborted));
}

function concatTyped<A extends Int32Array | Float64Array>(parts: readonly (A | undefined)[], make: (n: number) => A): A | undefined {
  if (parts.some((p) => p === undefined)) return undefined;
  const out = make(parts.reduce((sum, p) => sum + p!.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p!, at);
    at += p!.length;
  }
  return out;
}

function concatPredictions(parts: readonly Predictions[]): Predictions {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  return {
    task: first.task,
    classes: first.classes,
    labelIndex: concatTyped(parts.map((p) => p.labelIndex), (n) => new Int32Array(n)),
    probabilities: concatTyped(parts.map((p) => p.probabilities), (n) => new Float64Array(n)),
    prediction: concatTyped(parts.map((p) => p.prediction), (n) => new Float64Array(n)),
  };
}

/** Blocks share the method, outputs and expected value (the background does not depend on the rows). */
function concatContributions(parts: readonly Contributions[]): Contributions {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const values = concatTyped(parts.map((p) => p.values), (n) => new Float64Array(n))!;
  return { method: first.method, outputs: first.outputs, featureNames: first.featureNames, values, expectedValue: first.expectedValue };
}
