import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TabpilotError } from '../../util/errors.js';
import { parseNumber } from '../../util/parse-number.js';
import { rt_formatSpec, rt_parseWithSpec } from '../formula/runtime.js';
import { toStrftime } from '../transforms/datetime.js';
import type { FlowFile, FlowParameter } from './format.js';

/**
 * Source paths with `{{name}}` placeholders (Data Wrangler parameters). Number and String parameters are
 * substituted; Pattern (a regex) and Datetime with a relative range match several files in the directory.
 */
export type ParamValues = Record<string, string>;

export function resolveParameterValues(flow: FlowFile, overrides: ParamValues = {}): Map<string, { def: FlowParameter; value: string }> {
  const defs = flow.metadata.parameters ?? [];
  const out = new Map<string, { def: FlowParameter; value: string }>();
  for (const name of Object.keys(overrides)) {
    if (!defs.some((d) => d.name === name)) {
      throw new TabpilotError('INVALID_ARGUMENT', `--param ${name}: the flow has no parameter "${name}"; parameters are: ${defs.map((d) => d.name).join(', ') || '(none)'}`);
    }
  }
  for (const def of defs) {
    const value = overrides[def.name] ?? String(def.default_value);
    // The one number grammar (as in CSV cells): `0x10`, `Infinity`, `1_000` and an empty value are not numbers.
    if (def.type === 'Number' && Number.isNaN(parseNumber(value))) throw new TabpilotError('INVALID_ARGUMENT', `parameter "${def.name}" is a Number, got "${value}"`);
    if (def.type === 'Pattern') {
      try {
        new RegExp(value);
      } catch (e) {
        throw new TabpilotError('INVALID_ARGUMENT', `parameter "${def.name}" is a Pattern, "${value}" is not a valid regular expression: ${(e as Error).message}`);
      }
    }
    if (def.type === 'Datetime' && value !== 'now' && !Number.isFinite(Date.parse(value))) {
      throw new TabpilotError('INVALID_ARGUMENT', `parameter "${def.name}" is a Datetime, "${value}" is not a date (use ISO 8601 or "now")`);
    }
    out.set(def.name, { def, value });
  }
  return out;
}

const RANGE_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000, month: 2_629_746_000, year: 31_556_952_000 };

function parseRange(range: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week|month|year)s?\s*$/i.exec(range);
  if (!m) throw new TabpilotError('FLOW_INVALID', `parameter "${name}": relative_range "${range}" should look like "7 days" or "24 hours"`);
  return Number(m[1]) * RANGE_MS[m[2].toLowerCase()];
}

function formatDate(ms: number, fmt: string): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return fmt.replace(/%([YmdHMSy])/g, (_m, c: string) =>
    c === 'Y' ? String(d.getUTCFullYear()) : c === 'y' ? p2(d.getUTCFullYear() % 100) : c === 'm' ? p2(d.getUTCMonth() + 1) : c === 'd' ? p2(d.getUTCDate()) : c === 'H' ? p2(d.getUTCHours()) : c === 'M' ? p2(d.getUTCMinutes()) : p2(d.getUTCSeconds()),
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Expands a source path to the files it names. Placeholders in directory segments must resolve to one
 * value (Number, String, Datetime without range); the file name may match several files.
 */
export function expandSourcePath(template: string, baseDir: string, params: Map<string, { def: FlowParameter; value: string }>, nodeId: string, now = Date.now()): string[] {
  const refs = [...template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]);
  for (const r of refs) if (!params.has(r)) throw new TabpilotError('FLOW_INVALID', `node "${nodeId}", field "parameters.path": placeholder {{${r}}} names no flow parameter`);
  const abs = path.resolve(baseDir, template);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  if (/\{\{/.test(dir)) {
    for (const r of refs) {
      const p = params.get(r)!;
      if (dir.includes(`{{${r}}}`) && (p.def.type === 'Pattern' || p.def.relative_range)) {
        throw new TabpilotError('FLOW_INVALID', `node "${nodeId}", field "parameters.path": {{${r}}} matches many values and may only appear in the file name`);
      }
    }
  }
  const single = (s: string) =>
    s.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
      const { def, value } = params.get(name)!;
      if (def.type === 'Datetime') return formatDate(value === 'now' ? now : Date.parse(value), toStrftime(def.datetime_format ?? '%Y-%m-%d'));
      return value;
    });
  const dirResolved = single(dir);
  const multi = refs.some((r) => base.includes(`{{${r}}}`) && (params.get(r)!.def.type === 'Pattern' || params.get(r)!.def.relative_range));
  if (!multi) return [path.join(dirResolved, single(base))];
  // Build one regex for the file name; datetime ranges are checked after matching.
  const dateChecks: { group: number; spec: ReturnType<typeof rt_formatSpec>; lo: number; hi: number }[] = [];
  let reSrc = '^';
  let last = 0;
  for (const m of base.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    reSrc += escapeRe(base.slice(last, m.index));
    last = m.index! + m[0].length;
    const { def, value } = params.get(m[1])!;
    if (def.type === 'Pattern') {
      reSrc += `(?:${value})`;
    } else if (def.type === 'Datetime' && def.relative_range) {
      const spec = rt_formatSpec(toStrftime(def.datetime_format ?? '%Y-%m-%d'));
      const index = countGroups(reSrc) + 1;
      // The format's own groups are made non-capturing so the outer group index stays predictable.
      reSrc += `(${spec.re.source.slice(1, -1).replace(/\((?!\?)/g, '(?:')})`;
      const hi = value === 'now' ? now : Date.parse(value);
      dateChecks.push({ group: index, spec, lo: hi - parseRange(def.relative_range, def.name), hi });
    } else reSrc += escapeRe(single(m[0]));
  }
  reSrc += escapeRe(base.slice(last)) + '$';
  const re = new RegExp(reSrc);
  if (!existsSync(dirResolved)) throw new TabpilotError('FILE_NOT_FOUND', `node "${nodeId}": directory does not exist`, { file: dirResolved });
  const files = readdirSync(dirResolved)
    .filter((f) => {
      const m = re.exec(f);
      if (!m) return false;
      return dateChecks.every((c) => {
        const g = m[c.group];
        const t = g === undefined ? null : (rt_parseWithSpec(g, c.spec) as number | null);
        return t !== null && t >= c.lo && t <= c.hi;
      });
    })
    .sort()
    .map((f) => path.join(dirResolved, f))
    .filter((f) => statSync(f).isFile());
  if (files.length === 0) throw new TabpilotError('FILE_NOT_FOUND', `node "${nodeId}": no file matches ${path.join(dirResolved, base)}`, { file: path.join(dirResolved, base) });
  return files;
}

/** Number of capture groups opened in a regex source before its end (to find the datetime group index). */
function countGroups(src: string): number {
  let n = 0;
  for (let i = 0; i < src.length; i++) if (src[i] === '(' && src[i - 1] !== '\\' && src[i + 1] !== '?') n++;
  return n;
}
