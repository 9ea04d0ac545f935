/**
 * Datetime parsing for type inference and datetime columns: epoch milliseconds (UTC) or NaN.
 * Accepted shapes (times without a zone are taken as UTC):
 *   2024-03-05, 2024-03, 2024/03/05, 2024-03-05T14:30[:15[.123]][Z|+01:00|+0100], same with a space
 *   03/05/2024 and 3/5/24 (month first; day first when the first number is > 12), optional time after
 *   05-Mar-2024, 5 Mar 2024, Mar 5, 2024, March 5 2024 (optional time after)
 *   a bare year 1000-2999 or YYYYMMDD (these are also numbers, so they never make a column datetime alone)
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10,
  november: 11, december: 12,
};

const TIME = String.raw`(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp][Mm])?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?`;
const ISO = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?` + TIME + '$');
const SLASH = new RegExp(String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})` + TIME + '$');
const DAY_MONTH_NAME = new RegExp(String.raw`^(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ,]+(\d{4})` + TIME + '$');
const MONTH_NAME_DAY = new RegExp(String.raw`^([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})` + TIME + '$');
const BARE_YEAR = /^([12]\d{3})$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1];
}

function digit(buf: Uint8Array, i: number): number {
  const d = buf[i] - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

/**
 * Fast path for the most common shapes straight from bytes: YYYY-MM-DD, optionally followed by
 * [T ]HH:MM[:SS[.fff]][Z]. Returns undefined when the bytes have another shape (the caller then decodes
 * the string and uses parseDatetime), NaN for an impossible date.
 */
export function parseIsoDateBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  const len = e - s;
  if (len < 10 || buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d) return undefined;
  const year = digit(buf, s) * 1000 + digit(buf, s + 1) * 100 + digit(buf, s + 2) * 10 + digit(buf, s + 3);
  const month = digit(buf, s + 5) * 10 + digit(buf, s + 6);
  const day = digit(buf, s + 8) * 10 + digit(buf, s + 9);
  if (year < 0 || month < 0 || day < 0) return undefined;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return NaN;
  let ms = Date.UTC(year, month - 1, day);
  if (len === 10) return ms;
  const sep = buf[s + 10];
  if ((sep !== 0x54 && sep !== 0x20) || len < 16 || buf[s + 13] !== 0x3a) return undefined;
  const hour = digit(buf, s + 11) * 10 + digit(buf, s + 12);
  const minute = digit(buf, s + 14) * 10 + digit(buf, s + 15);
  let i = s + 16;
  let second = 0;
  let millis = 0;
  if (i < e && buf[i] === 0x3a) {
    if (i + 3 > e) return undefined;
    second = digit(buf, i + 1) * 10 + digit(buf, i + 2);
    i += 3;
    if (i < e && buf[i] === 0x2e) {
      i++;
      let scale = 100;
      while (i < e && buf[i] >= 48 && buf[i] <= 57) {
        millis += (buf[i] - 48) * scale;
        scale /= 10;
        i++;
      }
    }
  }
  if (i < e && buf[i] === 0x5a) i++;
  if (i !== e || hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 60) return undefined;
  ms += ((hour * 60 + minute) * 60 + second) * 1000 + Math.round(millis);
  return ms;
}

function build(year: number, month: number, day: number, m: RegExpExecArray, timeAt: number): number {
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return NaN;
  let ms = Date.UTC(year, month - 1, day);
  if (m[timeAt] !== undefined) {
    let hour = Number(m[timeAt]);
    const minute = Number(m[timeAt + 1]);
    const second = m[timeAt + 2] !== undefined ? Number(m[timeAt + 2]) : 0;
    const fraction = m[timeAt + 3] !== undefined ? Number(`0.${m[timeAt + 3]}`) : 0;
    const ampm = m[timeAt + 4];
    if (ampm !== undefined) {
      if (hour < 1 || hour > 12) return NaN;
      const pm = ampm.toLowerCase() === 'pm';
      hour = (hour % 12) + (pm ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 60) return NaN;
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + Math.round(fraction * 1000);
    const zone = m[timeAt + 5];
    if (zone !== undefined && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60000;
    }
  }
  return ms;
}

export function parseDatetime(input: string): number {
  const text = input.trim();
  if (text.length < 4 || text.length > 40) return NaN;
  const first = text.charCodeAt(0);
  if (first >= 48 && first <= 57) {
    let m = ISO.exec(text);
    if (m) return build(Number(m[1]), Number(m[2]), m[3] !== undefined ? Number(m[3]) : 1, m, 4);
    m = SLASH.exec(text);
    if (m) {
      let a = Number(m[1]);
      let b = Number(m[2]);
      let year = Number(m[3]);
      if (m[3].length === 2) year += year < 69 ? 2000 : 1900;
      if (a > 12 && b <= 12) [a, b] = [b, a];
      return build(year, a, b, m, 4);
    }
    m = DAY_MONTH_NAME.exec(text);
    if (m) {
      const month = MONTHS[m[2].toLowerCase()];
      return month === undefined ? NaN : build(Number(m[3]), month, Number(m[1]), m, 4);
    }
    m = BARE_YEAR.exec(text);
    if (m) return Date.UTC(Number(m[1]), 0, 1);
    m = COMPACT.exec(text);
    if (m) return build(Number(m[1]), Number(m[2]), Number(m[3]), m, 4);
    return NaN;
  }
  const m = MONTH_NAME_DAY.exec(text);
  if (m) {
    const month = MONTHS[m[1].toLowerCase()];
    return month === undefined ? NaN : build(Number(m[3]), month, Number(m[2]), m, 4);
  }
  return NaN;
}
