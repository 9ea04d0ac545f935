/**
 * Text and number formatting shared by every chart and report page: one escaper, one number format, one
 * tick rule. Nothing here knows about charts; the chart primitives build on it.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for XML and HTML, in element content and in quoted attribute values alike. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Shown for a missing (null, undefined or NaN) number. */
export const MISSING_TEXT = '–';
/** Significant digits of a number unless the caller asks for fewer or more. */
export const DEFAULT_SIGNIFICANT = 4;
/** Magnitudes at or above this are written in exponent notation (too wide otherwise). */
const EXPONENT_ABOVE = 1e6;
/** Non-zero magnitudes below this are written in exponent notation (too many leading zeros otherwise). */
const EXPONENT_BELOW = 1e-3;
/** Mantissa digits of exponent notation. */
const EXPONENT_DIGITS = 2;

/**
 * A number for people: integers with thousands separators, others to `significant` digits, very large or
 * very small magnitudes in exponent notation; missing as an en dash, infinities as ∞.
 */
export function formatNumber(v: number | null | undefined, significant = DEFAULT_SIGNIFICANT): string {
  if (v === null || v === undefined || Number.isNaN(v)) return MISSING_TEXT;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a !== 0 && (a >= EXPONENT_ABOVE || a < EXPONENT_BELOW)) return v.toExponential(EXPONENT_DIGITS);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Number(v.toPrecision(Math.max(1, significant))).toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/** An epoch-millisecond time as its UTC calendar date (YYYY-MM-DD). */
export function formatDate(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : MISSING_TEXT;
}

/** Cuts a label to `max` characters with an ellipsis (the full text goes in a tooltip). */
export function shortLabel(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Tick steps tried, as multiples of a power of ten: the first at least the raw step wins. */
const NICE_STEPS = [1, 2, 2.5, 5, 10];
/** Relative slack so that a bound sitting on a tick (up to rounding error) still gets it. */
const TICK_SLACK = 1e-9;

/**
 * Round tick values inside [lo, hi], about `count` of them (fewer when the range ends between ticks):
 * multiples of 1, 2, 2.5 or 5 times a power of ten. One tick for an empty range, none for a non-finite one.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = NICE_STEPS.map((m) => m * mag).find((s) => s >= raw * (1 - TICK_SLACK)) ?? 10 * mag;
  const first = Math.ceil(lo / step - TICK_SLACK);
  const last = Math.floor(hi / step + TICK_SLACK);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}
