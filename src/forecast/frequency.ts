import { TabpilotError } from '../util/errors.js';

/**
 * Forecast frequencies: a unit and a multiple ('15min', 'H', 'D', 'W', 'M', 'Q', 'Y'). Minutes, hours, days
 * and weeks are fixed lengths of time; months, quarters and years are calendar steps (a month is added by
 * the calendar, keeping the day of the month, or the month end when the series is anchored on month ends).
 */
export type FrequencyUnit = 'min' | 'H' | 'D' | 'W' | 'M' | 'Q' | 'Y';

export interface Frequency {
  readonly unit: FrequencyUnit;
  readonly multiple: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const FIXED_MS: Readonly<Partial<Record<FrequencyUnit, number>>> = { min: MINUTE, H: HOUR, D: DAY, W: WEEK };
const MONTHS: Readonly<Partial<Record<FrequencyUnit, number>>> = { M: 1, Q: 3, Y: 12 };

/** Aliases accepted by --frequency (pandas' spellings included), case-sensitive where pandas is (M = month, min = minute). */
const ALIASES = new Map<string, FrequencyUnit>([
  ['min', 'min'], ['T', 'min'], ['H', 'H'], ['h', 'H'], ['D', 'D'], ['d', 'D'], ['W', 'W'], ['w', 'W'],
  ['M', 'M'], ['MS', 'M'], ['Q', 'Q'], ['QS', 'Q'], ['Y', 'Y'], ['A', 'Y'], ['AS', 'Y'], ['YS', 'Y'],
]);

export function formatFrequency(f: Frequency): string {
  return `${f.multiple === 1 ? '' : f.multiple}${f.unit}`;
}

/** Parses '15min', '1H', 'D', 'W', 'M', 'Q', 'Y' (and the pandas aliases T, MS, QS, A). */
export function parseFrequency(text: string): Frequency {
  const m = /^(\d*)([A-Za-z]+)$/.exec(text.trim());
  const unit = m ? ALIASES.get(m[2]) : undefined;
  const multiple = m && m[1] !== '' ? Number(m[1]) : 1;
  if (!m || unit === undefined || !Number.isInteger(multiple) || multiple < 1) {
    throw new TabpilotError('INVALID_ARGUMENT', `--frequency: "${text}" is not a frequency (use e.g. 15min, H, D, W, M, Q, Y)`);
  }
  return { unit, multiple };
}

/** Days in a month spans: 28..31 days is one month, and so on (tolerance for calendar lengths). */
const CALENDAR_SPANS: readonly { lo: number; hi: number; f: Frequency }[] = [
  { lo: 28, hi: 31, f: { unit: 'M', multiple: 1 } },
  { lo: 59, hi: 62, f: { unit: 'M', multiple: 2 } },
  { lo: 89, hi: 92, f: { unit: 'Q', multiple: 1 } },
  { lo: 181, hi: 184, f: { unit: 'M', multiple: 6 } },
  { lo: 365, hi: 366, f: { unit: 'Y', multiple: 1 } },
];

/** At least this share of the gaps between consecutive timestamps must be whole multiples of the inferred step. */
const REGULAR_SHARE = 0.5;

function fromSpacing(ms: number): Frequency | null {
  const days = ms / DAY;
  for (const s of CALENDAR_SPANS) if (days >= s.lo && days <= s.hi) return s.f;
  if (ms % WEEK === 0) return { unit: 'W', multiple: ms / WEEK };
  if (ms % DAY === 0) return { unit: 'D', multiple: ms / DAY };
  if (ms % HOUR === 0) return { unit: 'H', multiple: ms / HOUR };
  if (ms % MINUTE === 0 && ms > 0) return { unit: 'min', multiple: ms / MINUTE };
  return null;
}

/**
 * Infers the frequency from each item's sorted distinct timestamps: the median spacing names the step, and
 * most spacings must be whole multiples of it (gaps are fine, irregular timestamps are not).
 */
export function inferFrequency(sortedPerItem: readonly Float64Array[], column: string): Frequency {
  const gaps: number[] = [];
  for (const ts of sortedPerItem) for (let i = 1; i < ts.length; i++) if (ts[i] > ts[i - 1]) gaps.push(ts[i] - ts[i - 1]);
  if (gaps.length === 0) throw new TabpilotError('INVALID_ARGUMENT', 'cannot infer the frequency from fewer than two distinct timestamps per item; give --frequency', { column });
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor((gaps.length - 1) / 2)];
  const f = fromSpacing(median);
  const regular = f === null ? 0 : gaps.filter((g) => isWholeSteps(g, f)).length / gaps.length;
  if (f === null || regular < REGULAR_SHARE) {
    throw new TabpilotError('INVALID_ARGUMENT', `timestamps are irregular (median spacing ${(median / HOUR).toPrecision(4)} hours, ${Math.round(regular * 100)}% of spacings fit it): cannot infer a frequency; give --frequency`, { column });
  }
  return f;
}

function isWholeSteps(gapMs: number, f: Frequency): boolean {
  const fixed = FIXED_MS[f.unit];
  if (fixed !== undefined) return gapMs % (fixed * f.multiple) === 0;
  const days = gapMs / DAY;
  const months = Math.round(days / 30.44);
  return months >= 1 && months % (MONTHS[f.unit]! * f.multiple) === 0 && Math.abs(days - months * 30.44) <= 3 + months * 0.05;
}

/** The default seasonal period (points per cycle) of a frequency: a day of hours, a week of days, a year of weeks/months/quarters. */
export function seasonalPeriod(f: Frequency): number {
  const whole = (cycle: number): number => (cycle % f.multiple === 0 && cycle / f.multiple > 1 ? cycle / f.multiple : 1);
  switch (f.unit) {
    case 'min':
      return whole(60);
    case 'H':
      return whole(24);
    case 'D':
      return whole(7);
    case 'W':
      return whole(52);
    case 'M':
      return whole(12);
    case 'Q':
      return whole(4);
    case 'Y':
      return 1;
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** A grid of regular timestamps: point k is `start` plus k steps. */
export interface TimeGrid {
  readonly frequency: Frequency;
  readonly start: number;
}

function monthEnd(t: number): boolean {
  const d = new Date(t);
  return d.getUTCDate() === daysInMonth(d.getUTCFullYear(), d.getUTCMonth());
}

/** Timestamp of grid point k (k may exceed the data: future points). */
export function gridTime(g: TimeGrid, k: number): number {
  const fixed = FIXED_MS[g.frequency.unit];
  if (fixed !== undefined) return g.start + k * fixed * g.frequency.multiple;
  const d = new Date(g.start);
  const months = k * MONTHS[g.frequency.unit]! * g.frequency.multiple;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const dim = daysInMonth(ty, tm);
  const day = monthEnd(g.start) ? dim : Math.min(d.getUTCDate(), dim);
  return Date.UTC(ty, tm, day) + (g.start - Date.UTC(y, d.getUTCMonth(), d.getUTCDate()));
}

/** The grid point whose period [time(k), time(k+1)) holds timestamp t (off-grid times fall into the period that holds them). */
export function gridIndex(g: TimeGrid, t: number): number {
  const fixed = FIXED_MS[g.frequency.unit];
  if (fixed !== undefined) return Math.floor((t - g.start) / (fixed * g.frequency.multiple));
  const a = new Date(g.start);
  const b = new Date(t);
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  let k = Math.floor(months / (MONTHS[g.frequency.unit]! * g.frequency.multiple));
  while (gridTime(g, k) > t) k--;
  while (gridTime(g, k + 1) <= t) k++;
  return k;
}

/** Calendar features that matter at a frequency (the global model's inputs): name and value at a timestamp. */
export function calendarFeatures(f: Frequency): readonly { name: string; at: (t: number) => number }[] {
  const month = { name: 'month', at: (t: number) => new Date(t).getUTCMonth() + 1 };
  const dow = { name: 'day_of_week', at: (t: number) => new Date(t).getUTCDay() };
  const hour = { name: 'hour', at: (t: number) => new Date(t).getUTCHours() };
  const minute = { name: 'minute', at: (t: number) => new Date(t).getUTCMinutes() };
  const quarter = { name: 'quarter', at: (t: number) => Math.floor(new Date(t).getUTCMonth() / 3) + 1 };
  switch (f.unit) {
    case 'min':
      return [minute, hour, dow];
    case 'H':
      return [hour, dow];
    case 'D':
      return [dow, month];
    case 'W':
    case 'M':
      return [month];
    case 'Q':
      return [quarter];
    case 'Y':
      return [];
  }
}
