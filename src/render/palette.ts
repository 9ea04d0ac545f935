/** The one colour scheme of every chart and report page. */

/** Categorical series colours, in order; series k uses PALETTE[k % 10]. */
export const PALETTE = ['#2f6db5', '#e07b28', '#3a9a5b', '#c9433f', '#8a63b8', '#8c6d4f', '#d46fb0', '#6f7c85', '#b5b82f', '#2fb3c2'] as const;

export function color(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Main series / positive values. */
export const PRIMARY = PALETTE[0];
/** Negative values, outliers, warnings. */
export const ALERT = PALETTE[3];
/** Reference lines (random classifier, identity, perfectly calibrated). */
export const REFERENCE = '#9a9a9a';
/** Chart text: ticks and legends, and axis titles. */
export const TICK_TEXT = '#57606a';
export const LABEL_TEXT = '#1d232a';
/** Grid lines, the plot frame and the zero / base line. */
export const GRID = '#e6eaee';
export const FRAME = '#c5ccd3';
export const BASELINE = '#888888';
/** Missing value in a heatmap or swarm. */
export const MISSING_FILL = '#f3f3f3';
export const MISSING_DOT = REFERENCE;

/** `rgb` blended from white (t = 0) to the full colour (t = 1); t is clamped to [0, 1]. */
export function mixWithWhite(rgb: readonly [number, number, number], t: number): string {
  const k = Math.min(1, Math.max(0, t));
  const c = rgb.map((v) => Math.round(255 + (v - 255) * k));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The RGB triple of a #rrggbb colour. */
export function rgbOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Low-to-high ramp for a value scaled to [0, 1] (blue to red); non-finite = missing grey. */
export function blueRed(t: number): string {
  if (!Number.isFinite(t)) return MISSING_DOT;
  const r = Math.round(30 + 200 * t);
  const b = Math.round(230 - 200 * t);
  return `rgb(${r},60,${b})`;
}
