import type { OutputChoice, ResponseKey } from './negotiate.js';
import type { Contributions, Predictions } from './predictor.js';

/**
 * Encodes predictions as the client asked.
 *   JSON:       {"predictions": [{"predicted_label": "yes", "probability": 0.93}, ...]}
 *   JSON Lines: one such object per line.
 *   CSV:        one line per row, the keys' values in the requested order; list values (probabilities,
 *               labels) are JSON arrays in one quoted field.
 * Regression has one value per row: JSON key "score", CSV the bare number.
 * `probability` is the probability of predicted_label (Autopilot's ensembling container semantics).
 * With explain, JSON rows gain "explanation" and CSV rows gain one column per feature (and output).
 */
export function encodeResponse(pred: Predictions, choice: OutputChoice, contributions?: Contributions): string {
  const n = rowCount(pred);
  const objects = choice.format !== 'csv';
  if (objects) {
    const rows = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let json = rowJson(pred, choice.keys, i);
      if (contributions) json = json.slice(0, -1) + `,"explanation":${explanationJson(contributions, i)}}`;
      rows[i] = json;
    }
    return choice.format === 'json' ? `{"predictions":[${rows.join(',')}]}` : rows.join('\n') + '\n';
  }
  const lines = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let line = rowCsv(pred, choice.keys, i);
    if (contributions) line += ',' + contributionsCsv(contributions, i);
    lines[i] = line;
  }
  return lines.join('\n') + '\n';
}

function rowCount(pred: Predictions): number {
  if (pred.task === 'regression') return pred.prediction!.length;
  return pred.labelIndex!.length;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

function rowJson(pred: Predictions, keys: readonly ResponseKey[], i: number): string {
  if (pred.task === 'regression') return `{"score":${num(pred.prediction![i])}}`;
  const parts: string[] = [];
  for (const key of keys) parts.push(`"${key}":${classificationValueJson(pred, key, i)}`);
  return `{${parts.join(',')}}`;
}

function classificationValueJson(pred: Predictions, key: ResponseKey, i: number): string {
  const classes = pred.classes!;
  const k = classes.length;
  const label = pred.labelIndex![i];
  switch (key) {
    case 'predicted_label':
      return JSON.stringify(classes[label]);
    case 'probability':
      return num(pred.probabilities![i * k + label]);
    case 'probabilities':
      return `[${Array.from(pred.probabilities!.subarray(i * k, i * k + k), num).join(',')}]`;
    case 'labels':
      return JSON.stringify(classes);
  }
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rowCsv(pred: Predictions, keys: readonly ResponseKey[], i: number): string {
  if (pred.task === 'regression') return num(pred.prediction![i]);
  const classes = pred.classes!;
  const k = classes.length;
  const label = pred.labelIndex![i];
  const parts: string[] = [];
  for (const key of keys) {
    if (key === 'predicted_label') parts.push(csvField(classes[label]));
    else if (key === 'probability') parts.push(num(pred.probabilities![i * k + label]));
    else parts.push(csvField(classificationValueJson(pred, key, i)));
  }
  return parts.join(',');
}

function explanationJson(c: Contributions, i: number): string {
  const m = c.featureNames.length;
  const k = c.outputs.length;
  const base = i * m * k;
  if (k === 1) {
    const values = c.featureNames.map((f, j) => `${JSON.stringify(f)}:${num(c.values[base + j])}`);
    return `{"method":${JSON.stringify(c.method)},"output":${JSON.stringify(c.outputs[0])},"expected_value":${num(c.expectedValue[0])},"contributions":{${values.join(',')}}}`;
  }
  const values = c.featureNames.map((f, j) => `${JSON.stringify(f)}:[${Array.from(c.values.subarray(base + j * k, base + j * k + k), num).join(',')}]`);
  return `{"method":${JSON.stringify(c.method)},"outputs":${JSON.stringify(c.outputs)},"expected_value":[${Array.from(c.expectedValue, num).join(',')}],"contributions":{${values.join(',')}}}`;
}

/** Contribution columns of a CSV row: feature-major, then output; then the expected value(s). */
function contributionsCsv(c: Contributions, i: number): string {
  const m = c.featureNames.length;
  const k = c.outputs.length;
  const parts = Array.from(c.values.subarray(i * m * k, (i + 1) * m * k), num);
  for (let o = 0; o < k; o++) parts.push(num(c.expectedValue[o]));
  return parts.join(',');
}
