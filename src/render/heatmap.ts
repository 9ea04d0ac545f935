import { ALERT, MISSING_FILL, PRIMARY, mixWithWhite, rgbOf } from './palette.js';
import { label, openSvg } from './plot.js';
import { escapeXml, formatNumber, shortLabel } from './text.js';

export interface HeatmapOptions {
  readonly kind?: string;
  readonly title?: string;
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  /** values[row][col]; non-finite cells are drawn as missing. */
  readonly values: readonly (readonly number[])[];
  /** Negative values get their own colour (correlations). */
  readonly diverging?: boolean;
  /** Significant digits of the cell text. */
  readonly significant?: number;
}

/** Cell size bounds (px) and the pixel budget the matrix is fitted into. */
const MIN_CELL = 14;
const MAX_CELL = 44;
const MATRIX_PIXELS = 440;
/** Cells at least this large carry their value as text. */
const TEXT_CELL = 26;
/** Room for the row labels (left) and the rotated column labels (top). */
const ROW_LABEL_ROOM = 110;
const COL_LABEL_ROOM = 70;
/** Row and column labels are cut to these many characters. */
const ROW_LABEL_CHARS = 14;
const COL_LABEL_CHARS = 12;
/** Above this colour intensity the cell text turns white. */
const DARK_CELL = 0.55;

/** Heatmap of a matrix (confusion matrix, correlation matrix); colour intensity is |value| / max |value|. */
export function heatmapChart(o: HeatmapOptions): string {
  const n = o.rows.length;
  const m = o.cols.length;
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(MATRIX_PIXELS / Math.max(n, m, 1))));
  const size = { width: ROW_LABEL_ROOM + m * cell + 10, height: COL_LABEL_ROOM + n * cell + 10 };
  let max = 0;
  for (const r of o.values) for (const v of r) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  max = max || 1;
  const [pos, neg] = [rgbOf(PRIMARY), rgbOf(ALERT)];
  let out = openSvg(o.kind ?? 'heatmap', size, o.title);
  for (let i = 0; i < n; i++) {
    out += label(ROW_LABEL_ROOM - 4, COL_LABEL_ROOM + i * cell + cell / 2 + 3, shortLabel(o.rows[i], ROW_LABEL_CHARS), { anchor: 'end' });
    for (let j = 0; j < m; j++) {
      const v = o.values[i][j];
      const t = Number.isFinite(v) ? Math.abs(v) / max : 0;
      const fill = !Number.isFinite(v) ? MISSING_FILL : mixWithWhite(o.diverging && v < 0 ? neg : pos, t);
      const x = ROW_LABEL_ROOM + j * cell;
      const y = COL_LABEL_ROOM + i * cell;
      out += `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${escapeXml(`${o.rows[i]} / ${o.cols[j]}: ${formatNumber(v)}`)}</title></rect>`;
      if (cell >= TEXT_CELL) out += label(x + cell / 2, y + cell / 2 + 3, formatNumber(v, o.significant ?? 3), { size: 9, fill: t > DARK_CELL ? '#fff' : '#222', cls: 'cell' });
    }
  }
  for (let j = 0; j < m; j++) {
    const x = ROW_LABEL_ROOM + j * cell + cell / 2;
    out += label(x, COL_LABEL_ROOM - 6, shortLabel(o.cols[j], COL_LABEL_CHARS), { anchor: 'start', extra: ` transform="rotate(-45 ${x} ${COL_LABEL_ROOM - 6})"` });
  }
  return out + '</svg>';
}
