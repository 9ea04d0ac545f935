import { LABEL_TEXT } from './palette.js';
import { escapeXml } from './text.js';

/** Vertical space (px) of a caption above each stacked chart, and the gap below each chart. */
const CAPTION_ROOM = 20;
const GAP = 8;
/** Caption indent and the approximate width of one of its characters (12 px semibold), so captions fit. */
const CAPTION_X = 4;
const CAPTION_CHAR_WIDTH = 7.2;
/** Size assumed for a chart whose viewBox cannot be read. */
const FALLBACK = { width: 400, height: 200 };

/** Stacks several charts vertically into one SVG document (one file), each under a caption. */
export function stackCharts(charts: readonly { caption: string; svg: string }[], kind: string): string {
  let y = 0;
  let width = 0;
  let body = '';
  for (const c of charts) {
    const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(c.svg);
    const w = m ? Number(m[1]) : FALLBACK.width;
    const h = m ? Number(m[2]) : FALLBACK.height;
    body += `<text x="${CAPTION_X}" y="${y + 14}" font-size="12" font-weight="600" fill="${LABEL_TEXT}">${escapeXml(c.caption)}</text>`;
    body += c.svg.replace('<svg ', `<svg x="0" y="${y + CAPTION_ROOM}" `);
    y += h + CAPTION_ROOM + GAP;
    width = Math.max(width, w, CAPTION_X + c.caption.length * CAPTION_CHAR_WIDTH);
  }
  return `<svg class="chart" data-chart="${escapeXml(kind)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${y}" width="${width}" height="${y}" font-family="system-ui, sans-serif">${body}</svg>`;
}
