/**
 * The endpoint's limits and their defaults (docs/serving.md, "Limits"). Every one has a `tabpilot serve` flag.
 * Measured on this project's 2-core box: a 300-tree GBDT predicts about 60,000 rows/s and explains (TreeSHAP)
 * about 500 rows/s on one core, and a 6 MB CSV body decodes in about 0.15 s.
 */

/** SageMaker real-time endpoints accept payloads up to 6 MB (--max-body-mb). */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Rows per request (--max-rows): 10,000 rows of a 300-tree model predict in well under a second. */
export const DEFAULT_MAX_ROWS = 10_000;

/** Rows per request with explain=true (--max-explain-rows): TreeSHAP of 1,000 rows x 300 trees takes about 2 s. */
export const DEFAULT_MAX_EXPLAIN_ROWS = 1_000;

/**
 * Request bodies received or worked on at once (--max-in-flight); more get 503. 32 keeps buffered input under
 * about 200 MB at the 6 MB body limit, and is as many connections as the serve benchmark opens.
 */
export const DEFAULT_MAX_IN_FLIGHT = 32;

/** On SIGTERM, how long in-flight requests may take before their connections are closed (--drain-timeout). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** What a 503 tells the client to wait, in seconds (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

export interface ServeLimits {
  readonly maxBodyBytes: number;
  readonly maxRows: number;
  readonly maxExplainRows: number;
  readonly maxInFlight: number;
  readonly drainTimeoutMs: number;
}

/** The limits given, defaults for the rest. */
export function resolveLimits(given: Partial<ServeLimits>): ServeLimits {
  return {
    maxBodyBytes: given.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxRows: given.maxRows ?? DEFAULT_MAX_ROWS,
    maxExplainRows: given.maxExplainRows ?? DEFAULT_MAX_EXPLAIN_ROWS,
    maxInFlight: given.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    drainTimeoutMs: given.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
  };
}
