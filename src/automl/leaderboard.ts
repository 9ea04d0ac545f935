import { type MetricName, type Objective, objectiveName } from '../metrics/index.js';
import { getLearnerSpec } from '../models/registry.js';
import type { HyperValue } from '../models/types.js';
import type { EnsembleChoice } from './ensemble.js';
import { type CandidateResult, STACK_ORIGIN, lossOf } from './search-state.js';

export type CandidateStatus = 'Completed' | 'Failed' | 'Stopped';

/** One leaderboard row (Autopilot's AutoMLCandidate, flattened). */
export interface LeaderboardRow {
  readonly rank: number;
  readonly candidateId: string;
  /** Learner kind, or 'ensemble' for the greedy ensemble. */
  readonly learner: string;
  /** portfolio, hpo, halving (a low-fidelity rung), ensemble, or given (a user's candidate list). */
  readonly origin: string;
  readonly hyperparameters: Readonly<Record<string, HyperValue>>;
  readonly status: CandidateStatus;
  /** A built-in metric name, or a custom objective's name. */
  readonly objectiveMetric: string;
  readonly objective: number | null;
  readonly metrics: Partial<Record<MetricName, number>>;
  /** Training seconds summed over the folds (compute, not wall time). */
  readonly fitSeconds: number;
  readonly predictSecondsPer1000Rows: number | null;
  readonly failureReason?: string;
  /** For ensembles: member candidate ids and weights. */
  readonly members?: readonly { candidateId: string; weight: number }[];
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : String(v)) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function leaderboardCsv(rows: readonly LeaderboardRow[], metricNames: readonly MetricName[]): string {
  const header = ['rank', 'candidate_id', 'learner', 'origin', 'status', 'objective_metric', 'objective', ...metricNames, 'fit_seconds', 'predict_seconds_per_1000_rows', 'hyperparameters', 'failure_reason'];
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.rank,
        r.candidateId,
        r.learner,
        r.origin,
        r.status,
        r.objectiveMetric,
        r.objective,
        ...metricNames.map((m) => r.metrics[m] ?? null),
        Number(r.fitSeconds.toFixed(3)),
        r.predictSecondsPer1000Rows === null ? null : Number(r.predictSecondsPer1000Rows.toFixed(4)),
        r.learner === 'ensemble' ? { members: r.members } : r.hyperparameters,
        r.failureReason ?? '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** A fixed-width text table of the top rows, for terminals. */
export function formatLeaderboard(rows: readonly LeaderboardRow[], limit = 15): string {
  const shown = rows.slice(0, limit);
  const fmt = (v: number | null) => (v === null || Number.isNaN(v) ? '-' : Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(5));
  const table = shown.map((r) => [
    String(r.rank),
    r.candidateId,
    r.learner,
    r.status,
    fmt(r.objective),
    r.fitSeconds.toFixed(2),
    r.predictSecondsPer1000Rows === null ? '-' : r.predictSecondsPer1000Rows.toFixed(3),
    r.learner === 'ensemble'
      ? (r.members ?? []).map((m) => `${m.candidateId}x${m.weight.toFixed(2)}`).join(' ')
      : r.status === 'Completed'
        ? JSON.stringify(r.hyperparameters).slice(0, 60)
        : (r.failureReason ?? '').slice(0, 60),
  ]);
  const metric = rows[0]?.objectiveMetric ?? 'objective';
  const header = ['rank', 'candidate', 'learner', 'status', metric, 'fit_s', 'pred_s/1k', 'details'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)];
  if (rows.length > limit) out.push(`... ${rows.length - limit} more rows in leaderboard.csv`);
  return out.join('\n');
}

const STATUS_ORDER = { Completed: 0, Failed: 1, Stopped: 2 } as const;

/**
 * The ranked leaderboard: completed rows by objective (best first), then failed, then stopped; ties and
 * non-completed rows in candidate order (by index, the ensemble first).
 */
export function rankLeaderboard(results: readonly CandidateResult[], ensemble: EnsembleChoice | undefined, objective: Objective): LeaderboardRow[] {
  const rows: { index: number; row: Omit<LeaderboardRow, 'rank'> }[] = results.map((r) => ({
    index: r.candidate.index,
    row: {
      candidateId: r.candidate.id,
      learner: r.candidate.kind,
      origin: r.candidate.origin,
      hyperparameters: r.candidate.origin === STACK_ORIGIN ? { ...r.candidate.params } : { ...getLearnerSpec(r.candidate.kind).defaults, ...r.candidate.params },
      status: r.status,
      objectiveMetric: objectiveName(objective),
      objective: r.status === 'Completed' ? r.objective : null,
      metrics: r.metrics,
      fitSeconds: r.fitSeconds,
      predictSecondsPer1000Rows: r.predictSecondsPer1000Rows,
      ...(r.failureReason ? { failureReason: r.failureReason } : {}),
    },
  }));
  if (ensemble) {
    rows.push({
      index: -1,
      row: {
        candidateId: 'ensemble',
        learner: 'ensemble',
        origin: 'ensemble',
        hyperparameters: { rounds: ensemble.rounds },
        status: 'Completed',
        objectiveMetric: objectiveName(objective),
        objective: ensemble.objective,
        metrics: ensemble.metrics,
        fitSeconds: ensemble.members.reduce((s, m) => s + m.result.fitSeconds, 0),
        predictSecondsPer1000Rows: ensemble.members.reduce((s, m) => s + (m.result.predictSecondsPer1000Rows ?? 0), 0),
        members: ensemble.members.map((m) => ({ candidateId: m.result.candidate.id, weight: m.weight })),
      },
    });
  }
  rows.sort((a, b) => {
    if (a.row.status !== b.row.status) return STATUS_ORDER[a.row.status] - STATUS_ORDER[b.row.status];
    if (a.row.status === 'Completed') {
      const d = lossOf(objective, a.row.objective!) - lossOf(objective, b.row.objective!);
      if (d !== 0) return d;
    }
    return a.index - b.index;
  });
  return rows.map((r, i) => ({ ...r.row, rank: i + 1 }));
}
