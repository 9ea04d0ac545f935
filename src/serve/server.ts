import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTabpilotError } from '../util/errors.js';
import { NegotiationError, type ResponseKey, FORMAT_MEDIA_TYPE, inputFormat, keysFromEnvironment, outputChoice } from './negotiate.js';
import { PayloadError, decodePayload } from './payload.js';
import type { ContributionSource, Predictor } from './predictor.js';
import { encodeResponse } from './respond.js';

/**
 * SageMaker's inference container contract on node:http:
 *   GET  /ping         200 once the model is loaded
 *   POST /invocations  text/csv, application/json or application/jsonlines in; Accept picks the output
 *   GET  /execution-parameters  batch-transform hints (as SageMaker containers answer them)
 * Every failure of one request is answered (400/404/405/406/413/415/500) and the server keeps serving.
 */

/** SageMaker real-time endpoints accept payloads up to 6 MB. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface ServerOptions {
  readonly maxBodyBytes?: number;
  /** Response keys when Accept names none (default: SAGEMAKER_INFERENCE_OUTPUT, else predicted_label). */
  readonly defaultKeys?: readonly ResponseKey[];
  /** Computes contributions for `Accept: ...; explain=true`; 406 when absent. */
  readonly explainer?: ContributionSource | (() => ContributionSource);
  /** Called for each request (method, path, status, milliseconds), e.g. for access logs. */
  readonly onRequest?: (method: string, path: string, status: number, ms: number) => void;
}

export interface InferenceServer {
  readonly server: http.Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting connections and resolves when in-flight requests have been answered. */
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

export function createInferenceServer(predictor: Predictor, options: ServerOptions = {}): InferenceServer {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const defaultKeys = options.defaultKeys ?? keysFromEnvironment();
  let explainer: ContributionSource | undefined;
  const getExplainer = (): ContributionSource | undefined => {
    if (explainer === undefined && options.explainer !== undefined) {
      explainer = typeof options.explainer === 'function' ? options.explainer() : options.explainer;
    }
    return explainer;
  };
  let closing = false;

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0];
    const finish = (status: number, body: string, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void => {
      if (res.headersSent) return;
      const payload = Buffer.from(body, 'utf8');
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': payload.length, ...(closing ? { Connection: 'close' } : {}), ...headers });
      res.end(payload);
      options.onRequest?.(req.method ?? '?', path, status, performance.now() - started);
    };
    const fail = (status: number, message: string, headers: Record<string, string> = {}): void => {
      finish(status, JSON.stringify({ error: message }) + '\n', 'application/json', headers);
    };

    if (path === '/ping') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'use GET /ping', { Allow: 'GET, HEAD' });
      req.resume();
      return finish(200, '\n');
    }
    if (path === '/execution-parameters') {
      req.resume();
      return finish(200, JSON.stringify({ MaxConcurrentTransforms: 1, BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: Math.floor(maxBody / 2 ** 20) }), 'application/json');
    }
    if (path !== '/invocations') {
      req.resume();
      return fail(404, `no route ${path}; use GET /ping or POST /invocations`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return fail(405, 'use POST /invocations', { Allow: 'POST' });
    }

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) {
      // Refuse before reading; close so the unread body cannot be taken as the next request.
      req.resume();
      return fail(413, `body of ${declared} bytes exceeds the limit of ${maxBody} bytes`, { Connection: 'close' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        // Keep draining (discarding) so the 413 reaches a client that is still sending; cut off abusive streams.
        tooLarge = true;
        chunks.length = 0;
        if (size > maxBody * 4 + 64 * 1024 * 1024) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      /* client aborted: nothing to answer */
    });
    req.on('end', () => {
      if (tooLarge) return fail(413, `body exceeds the limit of ${maxBody} bytes`, { Connection: 'close' });
      try {
        const input = inputFormat(req.headers['content-type']);
        const choice = outputChoice(req.headers.accept, input, defaultKeys);
        let body = Buffer.concat(chunks).toString('utf8');
        if (body.charCodeAt(0) === 0xfeff) body = body.slice(1); // a byte-order mark is not data
        const { frame, unseen } = decodePayload(body, input, predictor.features);
        const predictions = predictor.predict(frame);
        let contributions;
        if (choice.explain) {
          const source = getExplainer();
          if (source === undefined) throw new HttpError(406, 'explanations are not available for this model');
          contributions = source.explain(frame);
        }
        const headers: Record<string, string> = {};
        const unseenCols = Object.entries(unseen);
        if (unseenCols.length > 0) headers['X-Tabpilot-Unseen-Categories'] = unseenCols.map(([c, n]) => `${encodeURIComponent(c)}=${n}`).join(', ');
        finish(200, encodeResponse(predictions, choice, contributions), FORMAT_MEDIA_TYPE[choice.format], headers);
      } catch (e) {
        if (e instanceof PayloadError) return fail(400, e.message);
        if (e instanceof NegotiationError || e instanceof HttpError) return fail(e.status, e.message);
        const status = (e as { status?: unknown })?.status;
        if (typeof status === 'number' && status >= 400 && status < 500) return fail(status, (e as Error).message);
        if (isTabpilotError(e) && e.code !== 'INTERNAL') return fail(400, e.message);
        fail(500, `internal error: ${(e as Error)?.message ?? String(e)}`);
      }
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;

  return {
    server,
    listen(port: number, host: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(): Promise<void> {
      closing = true;
      return new Promise((resolve) => {
        // close() waits for in-flight requests; idle keep-alive sockets are closed now, busy ones after
        // their response (which carries Connection: close once closing).
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
