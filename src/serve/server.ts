import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FeatureSchema } from '../frame/align.js';
import { isTabpilotError } from '../util/errors.js';
import { FIRST_PREDICT_BLOCK_ROWS, RequestAborted, explainInBlocks, predictInBlocks } from './blocks.js';
import { RETRY_AFTER_SECONDS, type ServeLimits, resolveLimits } from './limits.js';
import { closeWithin, listenOn } from './listen.js';
import { NegotiationError, type ResponseKey, FORMAT_MEDIA_TYPE, inputFormat, keysFromEnvironment, outputChoice } from './negotiate.js';
import { type DecodeOptions, type DecodedPayload, decodePayload } from './payload.js';
import type { ContributionSource, Predictor } from './predictor.js';
import { encodeResponse } from './respond.js';

/**
 * SageMaker's inference container contract on node:http:
 *   GET  /ping         200 once the model is loaded
 *   POST /invocations  text/csv, application/json or application/jsonlines in; Accept picks the output
 *   GET  /execution-parameters  batch-transform hints (as SageMaker containers answer them)
 * Every failure of one request is answered (400/404/405/406/413/415/500/503) and the server keeps serving.
 * Large requests are worked on in blocks (./blocks.ts) so /ping keeps answering; ./limits.ts has the limits.
 */

export interface ServerOptions extends Partial<ServeLimits> {
  /** Response keys when Accept names none (default: SAGEMAKER_INFERENCE_OUTPUT, else predicted_label). */
  readonly defaultKeys?: readonly ResponseKey[];
  /** Computes contributions for `Accept: ...; explain=true`; 406 when absent. */
  readonly explainer?: ContributionSource | (() => ContributionSource);
  /** Called for each request (method, path, status, milliseconds), e.g. for access logs. */
  readonly onRequest?: (method: string, path: string, status: number, ms: number) => void;
  /** Called when close() reaches the drain deadline and closes the connections still open. */
  readonly onDrainTimeout?: () => void;
  /** Fills the model features a Feature Store supplies (./lookup.ts); requests then carry identifier columns. */
  readonly lookup?: RequestFill;
}

/** What the server needs of a FeatureLookup: how to decode a request, and how to complete its rows. */
export interface RequestFill {
  readonly requestFeatures: readonly FeatureSchema[];
  readonly decodeOptions: Pick<DecodeOptions, 'optional' | 'positional'>;
  fill(decoded: DecodedPayload): DecodedPayload;
}

export interface InferenceServer {
  readonly server: http.Server;
  /** Binds; a busy port or an unusable host rejects with a TabpilotError (ADDRESS_IN_USE, ADDRESS_UNAVAILABLE). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections; resolves when in-flight requests are answered or the drain deadline closed them. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Past this many bytes of an over-limit body, stop draining it and drop the connection. */
const ABUSIVE_BODY_SLACK_BYTES = 64 * 1024 * 1024;

/** What every request of one server shares. */
interface Context {
  readonly predictor: Predictor;
  readonly limits: ServeLimits;
  readonly defaultKeys: readonly ResponseKey[];
  readonly explainer: () => ContributionSource | undefined;
  readonly onRequest?: ServerOptions['onRequest'];
  readonly lookup?: RequestFill;
  /** Decode options of a request without and with a capped explain=true (built once: most requests use the first). */
  readonly decode: { readonly plain: DecodeOptions; readonly explain: DecodeOptions };
  closing: boolean;
  /** /invocations requests between their headers and the end of their response. */
  inFlight: number;
}

/** One request and its answer: answered once, with Connection: close while the server is closing. */
class Exchange {
  readonly started = performance.now();
  readonly path: string;
  /** The connection closed (answered, or the client went away). */
  gone = false;
  /** Counted in ctx.inFlight until the response closes. */
  private counted = false;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    private readonly ctx: Context,
  ) {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    this.path = query < 0 ? url : url.slice(0, query);
    // One listener per request for both jobs (a second once() listener cost measurable time per request).
    res.once('close', () => {
      this.gone = true;
      if (this.counted) ctx.inFlight--;
    });
  }

  /** Counts this request in flight until its response closes. */
  countInFlight(): void {
    if (this.gone) return; // already closed: its 'close' has passed and would never take the count back
    this.counted = true;
    this.ctx.inFlight++;
  }

  /**
   * Headers and body leave in one socket write: a string body is appended to the header block by node (a
   * Buffer would be a second chunk of a writev), and its length is counted without encoding it twice.
   */
  finish(status: number, body: string, contentType = 'text/plain; charset=utf-8', headers?: Record<string, string>): void {
    const { res } = this;
    if (res.headersSent || this.gone) return;
    const head: Record<string, string | number> = { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body, 'utf8') };
    if (this.ctx.closing) head.Connection = 'close';
    if (headers !== undefined) Object.assign(head, headers);
    res.writeHead(status, head);
    res.end(body, 'utf8');
    this.ctx.onRequest?.(this.req.method ?? '?', this.path, status, performance.now() - this.started);
  }

  fail(status: number, message: string, headers?: Record<string, string>): void {
    this.finish(status, JSON.stringify({ error: message }) + '\n', 'application/json', headers);
  }

  /** Answers with the status an error stands for; a client that went away gets nothing. */
  failWith(e: unknown): void {
    if (e instanceof RequestAborted) return;
    const status = statusOf(e);
    this.fail(status, status === 500 ? `internal error: ${(e as Error)?.message ?? String(e)}` : (e as Error).message);
  }
}

/** HTTP status of an error thrown while answering /invocations; by error code, never by message. */
function statusOf(e: unknown): number {
  if (e instanceof NegotiationError || e instanceof HttpError) return e.status;
  if (isTabpilotError(e)) return e.code === 'LIMIT_EXCEEDED' ? 413 : e.code === 'INTERNAL' ? 500 : 400;
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/** What decodePayload is told for a request: the row limit (explain=true may have a lower one) and the lookup's layout. */
function decodeOptionsFor(limits: ServeLimits, lookup: RequestFill | undefined): Context['decode'] {
  const explainCapped = limits.maxExplainRows < limits.maxRows;
  return {
    plain: { maxRows: limits.maxRows, limitFor: undefined, ...lookup?.decodeOptions },
    explain: { maxRows: explainCapped ? limits.maxExplainRows : limits.maxRows, limitFor: explainCapped ? 'explain=true' : undefined, ...lookup?.decodeOptions },
  };
}

export function createInferenceServer(predictor: Predictor, options: ServerOptions = {}): InferenceServer {
  const limits = resolveLimits(options);
  let explainer: ContributionSource | undefined;
  const ctx: Context = {
    predictor,
    limits,
    defaultKeys: options.defaultKeys ?? keysFromEnvironment(),
    explainer: () => {
      if (explainer === undefined && options.explainer !== undefined) {
        explainer = typeof options.explainer === 'function' ? options.explainer() : options.explainer;
      }
      return explainer;
    },
    onRequest: options.onRequest,
    lookup: options.lookup,
    decode: decodeOptionsFor(limits, options.lookup),
    closing: false,
    inFlight: 0,
  };
  const server = http.createServer((req, res) => route(new Exchange(req, res, ctx), ctx));
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  return {
    server,
    listen: (port, host) => listenOn(server, port, host),
    close(): Promise<void> {
      ctx.closing = true;
      return closeWithin(server, ctx.limits.drainTimeoutMs, options.onDrainTimeout);
    },
  };
}

function route(x: Exchange, ctx: Context): void {
  const { req } = x;
  if (x.path === '/ping') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return x.fail(405, 'use GET /ping', { Allow: 'GET, HEAD' });
    req.resume();
    return x.finish(200, '\n');
  }
  if (x.path === '/execution-parameters') {
    req.resume();
    const hints = { MaxConcurrentTransforms: 1, BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: Math.floor(ctx.limits.maxBodyBytes / 2 ** 20) };
    return x.finish(200, JSON.stringify(hints), 'application/json');
  }
  if (x.path !== '/invocations') {
    req.resume();
    return x.fail(404, `no route ${x.path}; use GET /ping or POST /invocations`);
  }
  if (req.method !== 'POST') {
    req.resume();
    return x.fail(405, 'use POST /invocations', { Allow: 'POST' });
  }
  receive(x, ctx);
}

/** Reads an /invocations body within the size and concurrency limits, then answers it. */
function receive(x: Exchange, ctx: Context): void {
  const { req } = x;
  const maxBody = ctx.limits.maxBodyBytes;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBody) {
    // Refuse before reading; close so the unread body cannot be taken as the next request.
    req.resume();
    return x.fail(413, `body of ${declared} bytes exceeds the limit of ${maxBody} bytes`, { Connection: 'close' });
  }
  if (ctx.inFlight >= ctx.limits.maxInFlight) {
    req.resume();
    return x.fail(503, `busy: ${ctx.limits.maxInFlight} requests are in progress; retry shortly`, { 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' });
  }
  x.countInFlight();
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBody) {
      // Keep draining (discarding) so the 413 reaches a client that is still sending; cut off abusive streams.
      tooLarge = true;
      chunks.length = 0;
      if (size > maxBody * 4 + ABUSIVE_BODY_SLACK_BYTES) req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('error', () => {
    /* client aborted: nothing to answer */
  });
  req.on('end', () => {
    if (tooLarge) return x.fail(413, `body exceeds the limit of ${maxBody} bytes`, { Connection: 'close' });
    invoke(x, ctx, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).catch((e: unknown) => x.failWith(e));
  });
}

/** Decodes, predicts (and explains) in blocks, and answers one /invocations request. */
async function invoke(x: Exchange, ctx: Context, raw: Buffer): Promise<void> {
  const { req } = x;
  const { predictor } = ctx;
  const input = inputFormat(req.headers['content-type']);
  const choice = outputChoice(req.headers.accept, input, ctx.defaultKeys);
  let body = raw.toString('utf8');
  if (body.charCodeAt(0) === 0xfeff) body = body.slice(1); // a byte-order mark is not data
  const { lookup } = ctx;
  const decoded = decodePayload(body, input, lookup?.requestFeatures ?? predictor.features, choice.explain ? ctx.decode.explain : ctx.decode.plain);
  const { frame, unseen } = lookup === undefined ? decoded : lookup.fill(decoded);
  const aborted = (): boolean => x.gone;
  // A request that fits in one block is predicted without a promise in between (most requests are one row).
  const predictions = frame.numRows <= FIRST_PREDICT_BLOCK_ROWS ? predictor.predict(frame) : await predictInBlocks(predictor, frame, aborted);
  let contributions;
  if (choice.explain) {
    const source = ctx.explainer();
    if (source === undefined) throw new HttpError(406, 'explanations are not available for this model');
    contributions = await explainInBlocks(source, frame, aborted);
  }
  const unseenCols = Object.entries(unseen);
  const headers = unseenCols.length > 0 ? { 'X-Tabpilot-Unseen-Categories': unseenCols.map(([c, n]) => `${encodeURIComponent(c)}=${n}`).join(', ') } : undefined;
  x.finish(200, encodeResponse(predictions, choice, contributions), FORMAT_MEDIA_TYPE[choice.format], headers);
}
