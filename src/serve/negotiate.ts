/**
 * Content negotiation for /invocations: which input format the body is in (Content-Type) and which
 * output format and response keys the client wants (Accept, then SAGEMAKER_INFERENCE_OUTPUT).
 *
 *   Accept: application/json; keys="predicted_label,probability"; explain=true
 *   Accept: text/csv; keys=predicted_label+probabilities
 *
 * Keys may be separated by commas (inside quotes, since Accept itself is a comma-separated list), '+',
 * '|' or spaces. Unknown keys are an error, not silently dropped.
 */

export type PayloadFormat = 'csv' | 'json' | 'jsonlines';
export type ResponseKey = 'predicted_label' | 'probability' | 'probabilities' | 'labels';
export const RESPONSE_KEYS: readonly ResponseKey[] = ['predicted_label', 'probability', 'probabilities', 'labels'];
export const DEFAULT_KEYS: readonly ResponseKey[] = ['predicted_label'];

export interface OutputChoice {
  readonly format: PayloadFormat;
  readonly keys: readonly ResponseKey[];
  readonly explain: boolean;
}

export class NegotiationError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Keyed by header text: a Map, so "constructor" or "__proto__" is just an unknown type. */
const MEDIA_TYPES = new Map<string, PayloadFormat>([
  ['text/csv', 'csv'],
  ['application/csv', 'csv'],
  ['application/json', 'json'],
  ['application/jsonlines', 'jsonlines'],
  ['application/jsonl', 'jsonlines'],
  ['application/x-jsonlines', 'jsonlines'],
  ['application/x-ndjson', 'jsonlines'],
]);

export const FORMAT_MEDIA_TYPE: Record<PayloadFormat, string> = {
  csv: 'text/csv',
  json: 'application/json',
  jsonlines: 'application/jsonlines',
};

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseMediaRange(s: string): MediaRange {
  const [type, ...rest] = splitOutsideQuotes(s, ';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let value = p.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    params.set(p.slice(0, eq).trim().toLowerCase(), value);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Parses a list of response keys ("predicted_label,probability"). Throws naming an unknown key. */
export function parseKeys(spec: string, source: string): ResponseKey[] {
  const keys: ResponseKey[] = [];
  for (const raw of spec.split(/[\s,+|]+/)) {
    const k = raw.trim().toLowerCase();
    if (k === '') continue;
    if (!(RESPONSE_KEYS as readonly string[]).includes(k)) {
      throw new NegotiationError(406, `${source}: unknown response key "${raw}"; choose among ${RESPONSE_KEYS.join(', ')}`);
    }
    if (!keys.includes(k as ResponseKey)) keys.push(k as ResponseKey);
  }
  if (keys.length === 0) throw new NegotiationError(406, `${source}: no response keys given`);
  return keys;
}

/** The body format named by Content-Type (415 when unsupported). A missing Content-Type means CSV. */
export function inputFormat(contentType: string | undefined): PayloadFormat {
  if (contentType === undefined || contentType.trim() === '') return 'csv';
  // Most clients send exactly a known type: no parsing needed.
  const exact = MEDIA_TYPES.get(contentType);
  if (exact !== undefined) return exact;
  const { type } = parseMediaRange(contentType);
  const format = MEDIA_TYPES.get(type);
  if (format === undefined) {
    throw new NegotiationError(415, `unsupported Content-Type "${type}"; send text/csv, application/json or application/jsonlines`);
  }
  return format;
}

/**
 * The output format, keys and explain flag. The first Accept media range we can produce wins (q-values
 * are not weighed: clients of inference containers send one type). `*\/*` or no Accept means the input's
 * format. A bare key list that followed an unquoted `keys=` (split by the Accept list commas) is re-joined.
 */
export function outputChoice(accept: string | undefined, input: PayloadFormat, defaultKeys: readonly ResponseKey[]): OutputChoice {
  const ranges = (accept ?? '').trim() === '' ? [] : mergeSplitKeys(splitOutsideQuotes(accept!, ','));
  if (ranges.length === 0) return { format: input, keys: defaultKeys, explain: false };
  for (const raw of ranges) {
    const range = parseMediaRange(raw);
    const format = range.type === '*/*' || range.type === '' ? input : MEDIA_TYPES.get(range.type);
    if (format === undefined) continue;
    const keysSpec = range.params.get('keys');
    const keys = keysSpec !== undefined ? parseKeys(keysSpec, 'Accept') : defaultKeys;
    const explainSpec = (range.params.get('explain') ?? 'false').toLowerCase();
    if (!['true', 'false', '1', '0', 'yes', 'no'].includes(explainSpec)) {
      throw new NegotiationError(406, `Accept: explain must be true or false, got "${explainSpec}"`);
    }
    return { format, keys, explain: ['true', '1', 'yes'].includes(explainSpec) };
  }
  throw new NegotiationError(406, `cannot produce any of Accept "${accept}"; supported: text/csv, application/json, application/jsonlines`);
}

function mergeSplitKeys(parts: string[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    const t = p.trim();
    if (t === '') continue;
    const continuesKeys = out.length > 0 && /keys=[^;"]*$/i.test(out[out.length - 1]) && /^[a-z_]+(\s*;.*)?$/i.test(t) && !t.includes('/');
    if (continuesKeys) out[out.length - 1] += ',' + t;
    else out.push(t);
  }
  return out;
}

/** Default keys from the environment, as SageMaker's containers read them. */
export function keysFromEnvironment(env: NodeJS.ProcessEnv = process.env): readonly ResponseKey[] {
  const v = env.SAGEMAKER_INFERENCE_OUTPUT;
  if (v === undefined || v.trim() === '') return DEFAULT_KEYS;
  return parseKeys(v, 'SAGEMAKER_INFERENCE_OUTPUT');
}
