import type { Column } from '../frame/column.js';
import type { Frame } from '../frame/frame.js';
import { distinctCounts, numericValues } from '../insights/stats.js';
import { rowDistinctIndex } from '../insights/target.js';
import { barChart } from '../render/index.js';
import { TabpilotError } from '../util/errors.js';
import { type AnalysisParams, type AnalysisResult, groupsOf, listParam, numberParam, optionalColumn, requireColumn } from './common.js';

/**
 * A.2 Bias report, SageMaker Clarify pre-training metrics. Facet d (the group studied) is the rows whose facet
 * value is in `facetValues` (or above `facetThreshold`); facet a is every other row with a facet value. The
 * outcome is positive when the label is in `labelValues` (or above `labelThreshold`). Distribution metrics
 * compare the outcome distributions P_a and P_d over {negative, positive}; natural logarithms.
 */
export const BIAS_METRICS = ['CI', 'DPL', 'KL', 'JS', 'LP', 'TVD', 'KS', 'CDDL'] as const;
export type BiasMetric = (typeof BIAS_METRICS)[number];

function membership(col: Column, values: string[] | null, threshold: number | null, what: string): Uint8Array {
  // 0 = no, 1 = yes, 255 = missing
  const out = new Uint8Array(col.length);
  if (threshold !== null) {
    const v = numericValues(col);
    for (let i = 0; i < v.length; i++) out[i] = v[i] !== v[i] ? 255 : v[i] > threshold ? 1 : 0;
    return out;
  }
  if (values === null) throw new TabpilotError('INVALID_ARGUMENT', `bias: give ${what}Values or ${what}Threshold`);
  const d = distinctCounts(col);
  const set = new Set(values.map((s) => s.trim()));
  const unknown = values.filter((v) => !d.values.some((x) => x.trim() === v.trim()));
  if (unknown.length === values.length) throw new TabpilotError('INVALID_ARGUMENT', `bias: none of ${values.map((v) => JSON.stringify(v)).join(', ')} occurs in column "${col.name}"`, { column: col.name });
  const hit = d.values.map((x) => set.has(x.trim()));
  const idx = rowDistinctIndex(col, d.values);
  for (let i = 0; i < col.length; i++) out[i] = idx[i] < 0 ? 255 : hit[idx[i]] ? 1 : 0;
  return out;
}

function kl(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    if (q[i] === 0) return Infinity;
    s += p[i] * Math.log(p[i] / q[i]);
  }
  return s;
}

export function biasAnalysis(frame: Frame, params: AnalysisParams): AnalysisResult {
  const labelCol = requireColumn(frame, params, 'label', 'bias');
  const facetCol = requireColumn(frame, params, 'facet', 'bias');
  const groupCol = optionalColumn(frame, params, 'group');
  const p = numberParam(params, 'p', 2, (v) => v >= 1);
  const wanted = (listParam(params, 'metrics') ?? [...BIAS_METRICS]).map((m) => m.toUpperCase());
  for (const m of wanted) if (!BIAS_METRICS.includes(m as BiasMetric)) throw new TabpilotError('INVALID_ARGUMENT', `bias: unknown metric "${m}"; known: ${BIAS_METRICS.join(', ')}`);
  const labelThreshold = params.labelThreshold === undefined ? null : numberParam(params, 'labelThreshold', 0);
  const facetThreshold = params.facetThreshold === undefined ? null : numberParam(params, 'facetThreshold', 0);
  const positive = membership(labelCol, listParam(params, 'labelValues'), labelThreshold, 'label');
  const inD = membership(facetCol, listParam(params, 'facetValues'), facetThreshold, 'facet');
  let na = 0;
  let nd = 0;
  let na1 = 0;
  let nd1 = 0;
  for (let i = 0; i < frame.numRows; i++) {
    if (positive[i] === 255 || inD[i] === 255) continue;
    if (inD[i]) {
      nd++;
      nd1 += positive[i];
    } else {
      na++;
      na1 += positive[i];
    }
  }
  if (na === 0 || nd === 0) throw new TabpilotError('INVALID_ARGUMENT', `bias: facet ${nd === 0 ? 'd (the selected values)' : 'a (the other values)'} has no rows with a label`, { column: facetCol.name });
  const qa = na1 / na;
  const qd = nd1 / nd;
  const Pa = [1 - qa, qa];
  const Pd = [1 - qd, qd];
  const M = [(Pa[0] + Pd[0]) / 2, (Pa[1] + Pd[1]) / 2];
  const all: Record<BiasMetric, number> = {
    CI: (na - nd) / (na + nd),
    DPL: qa - qd,
    KL: kl(Pa, Pd),
    JS: 0.5 * (kl(Pa, M) + kl(Pd, M)),
    LP: Math.pow(Math.pow(Math.abs(Pa[0] - Pd[0]), p) + Math.pow(Math.abs(Pa[1] - Pd[1]), p), 1 / p),
    TVD: 0.5 * (Math.abs(Pa[0] - Pd[0]) + Math.abs(Pa[1] - Pd[1])),
    KS: Math.max(Math.abs(Pa[0] - Pd[0]), Math.abs(Pa[1] - Pd[1])),
    CDDL: NaN,
  };
  // Demographic disparity DD = n_d(0)/n(0) - n_d(1)/n(1); CDDL averages it over subgroups weighted by size.
  const dd = (rows: (i: number) => boolean) => {
    let n0 = 0;
    let n1 = 0;
    let nd0 = 0;
    let nd1x = 0;
    let n = 0;
    for (let i = 0; i < frame.numRows; i++) {
      if (positive[i] === 255 || inD[i] === 255 || !rows(i)) continue;
      n++;
      if (positive[i]) {
        n1++;
        nd1x += inD[i];
      } else {
        n0++;
        nd0 += inD[i];
      }
    }
    return { n, value: n0 > 0 && n1 > 0 ? nd0 / n0 - nd1x / n1 : NaN };
  };
  const overallDD = dd(() => true).value;
  const subgroups: { group: string; rows: number; dd: number | null }[] = [];
  if (groupCol) {
    const g = groupsOf(groupCol, 1000);
    let weighted = 0;
    let total = 0;
    g.labels.forEach((label, k) => {
      const r = dd((i) => g.ids[i] === k);
      subgroups.push({ group: label, rows: r.n, dd: Number.isFinite(r.value) ? r.value : null });
      if (Number.isFinite(r.value)) {
        weighted += r.n * r.value;
        total += r.n;
      }
    });
    all.CDDL = total > 0 ? weighted / total : NaN;
  }
  const metrics = Object.fromEntries(wanted.map((m) => [m, Number.isFinite(all[m as BiasMetric]) ? all[m as BiasMetric] : null]));
  const shown = wanted.filter((m) => metrics[m] !== null);
  return {
    analysis: 'bias',
    params,
    data: {
      label: labelCol.name,
      facet: facetCol.name,
      group: groupCol?.name ?? null,
      facetA: { rows: na, positive: na1, positiveRate: qa },
      facetD: { rows: nd, positive: nd1, positiveRate: qd },
      demographicDisparity: Number.isFinite(overallDD) ? overallDD : null,
      subgroups,
      metrics,
      notes: [
        ...(groupCol ? [] : ['CDDL needs a group column (params.group); not computed.']),
        ...(Object.values(metrics).some((v) => v === null) && Number.isFinite(all.KL) === false ? ['KL is infinite: facet d has no rows of an outcome that facet a has.'] : []),
      ],
    },
    svg: barChart({ items: shown.map((m) => ({ label: m, value: metrics[m] as number })), title: 'Pre-training bias metrics', kind: 'bias', width: 480 }),
    summary: `Facet d (${nd} rows) positive rate ${(100 * qd).toFixed(1)}% vs facet a (${na} rows) ${(100 * qa).toFixed(1)}%: ${shown.map((m) => `${m} ${(metrics[m] as number).toFixed(4)}`).join(', ')}.`,
  };
}
