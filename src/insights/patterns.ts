import type { DistinctCounts } from './stats.js';

/**
 * Textual patterns (A.3.5): each value becomes a sequence of tokens {digits}, {upper}, {lower}, {name}
 * (a capitalised word), {mixed}, {alnum}, {whitespace}, or a literal punctuation character; lengths are
 * annotated as {digits:4} or {digits:4-7} over the matching values. Confidence = share of non-empty values
 * that match the most common pattern.
 */
export interface TextPattern {
  readonly pattern: string;
  readonly confidence: number;
  /** A few values that do not match. */
  readonly nonMatching: string[];
}

const MIN_DISTINCT = 10;

function classify(run: string): string {
  if (/^\d+$/.test(run)) return 'digits';
  if (/^\s+$/.test(run)) return 'whitespace';
  if (/^\p{Lu}+$/u.test(run)) return run.length === 1 ? 'name' : 'upper';
  if (/^\p{Ll}+$/u.test(run)) return 'lower';
  if (/^\p{Lu}\p{Ll}+$/u.test(run)) return 'name';
  if (/^[\p{L}_]+$/u.test(run)) return 'mixed';
  return 'alnum';
}

/** Token classes and lengths of one string. */
function tokenize(s: string): { key: string; lengths: number[] } {
  const runs = s.match(/[\p{L}_]+|\d+|\s+|[^\p{L}\d\s_]/gu) ?? [];
  const parts: string[] = [];
  const lengths: number[] = [];
  for (const run of runs) {
    if (/^[^\p{L}\d\s_]$/u.test(run)) {
      parts.push(run);
      lengths.push(-1);
    } else {
      parts.push(`{${classify(run)}}`);
      lengths.push(run.length);
    }
  }
  return { key: parts.join(''), lengths };
}

export function detectPattern(distinct: DistinctCounts): TextPattern | null {
  const present: { value: string; count: number }[] = [];
  for (let i = 0; i < distinct.values.length; i++) {
    const v = distinct.values[i];
    if (distinct.counts[i] > 0 && v.trim() !== '') present.push({ value: v, count: distinct.counts[i] });
  }
  if (present.length < MIN_DISTINCT) return null;
  const byKey = new Map<string, { count: number; min: number[]; max: number[] }>();
  let total = 0;
  const keyOf: string[] = [];
  for (const { value, count } of present) {
    const { key, lengths } = tokenize(value);
    keyOf.push(key);
    total += count;
    const entry = byKey.get(key);
    if (!entry) byKey.set(key, { count, min: lengths.slice(), max: lengths.slice() });
    else {
      entry.count += count;
      for (let j = 0; j < lengths.length; j++) {
        entry.min[j] = Math.min(entry.min[j], lengths[j]);
        entry.max[j] = Math.max(entry.max[j], lengths[j]);
      }
    }
  }
  let bestKey = '';
  let best = { count: 0, min: [] as number[], max: [] as number[] };
  for (const [k, e] of byKey) if (e.count > best.count) [bestKey, best] = [k, e];
  const tokens = bestKey.match(/\{[a-z]+\}|[^{}]/g) ?? [];
  const pattern = tokens
    .map((t, j) => {
      if (!t.startsWith('{')) return t;
      const lo = best.min[j];
      const hi = best.max[j];
      return `{${t.slice(1, -1)}:${lo === hi ? lo : `${lo}-${hi}`}}`;
    })
    .join('');
  const nonMatching = present.filter((_, i) => keyOf[i] !== bestKey).slice(0, 5).map((p) => p.value);
  return { pattern, confidence: best.count / total, nonMatching };
}
