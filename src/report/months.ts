// Which months to report, as UTC windows [first of month 00:00Z, first of next month 00:00Z).
// Pure: the caller passes "now".

export interface MonthWindow {
  /** YYYY-MM */
  month: string;
  /** Inclusive start, ISO-8601 UTC midnight. */
  start: string;
  /** Exclusive end, ISO-8601 UTC midnight. For the current month: tomorrow 00:00Z (whole days only). */
  end: string;
  /** The first day of the following month (the billing period end), even for a partial month. */
  periodEnd: string;
  /** True for the current month: its data is still growing. */
  partial: boolean;
}

const MAX_MONTHS = 36;
const MONTHS_SYNTAX = "use previous, YYYY-MM, YYYY-MM..YYYY-MM or last-N";

/** Month index since year 0: year * 12 + (month - 1). */
type MonthIndex = number;

function indexOf(date: Date): MonthIndex {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function label(index: MonthIndex): string {
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
}

function firstDay(index: MonthIndex): Date {
  return new Date(Date.UTC(Math.floor(index / 12), index % 12, 1));
}

/** Thrown for a bad `months` value; the message is the detail after "input 'months': ". */
export class MonthsError extends Error {
  override name = "MonthsError";
}

function parseMonth(text: string, whole: string): MonthIndex {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m) throw new MonthsError(`'${whole}' is not a month; ${MONTHS_SYNTAX}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new MonthsError(`'${text}' is not a month; ${MONTHS_SYNTAX}`);
  if (year < 2000) throw new MonthsError(`'${text}' is before 2000; the Usage API has no data that old`);
  return year * 12 + (month - 1);
}

export function monthWindow(index: MonthIndex, now: Date): MonthWindow {
  const current = indexOf(now);
  const start = firstDay(index);
  const periodEnd = firstDay(index + 1);
  let end = periodEnd;
  const partial = index === current;
  if (partial) {
    const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    if (tomorrow < end) end = tomorrow;
  }
  return {
    month: label(index),
    start: start.toISOString(),
    end: end.toISOString(),
    periodEnd: periodEnd.toISOString(),
    partial,
  };
}

/** The window of a YYYY-MM month. */
export function windowOf(month: string, now: Date): MonthWindow {
  return monthWindow(parseMonth(month, month), now);
}

/** The month before `month` (YYYY-MM). */
export function previousMonth(month: string): string {
  return label(parseMonth(month, month) - 1);
}

/**
 * Parse the `months` input: `previous` (the last full UTC month), `YYYY-MM`, `YYYY-MM..YYYY-MM`
 * (inclusive) or `last-N` (the N full months before the current one). Future months, reversed ranges
 * and ranges over `max` months are refused; the current month is allowed and flagged partial.
 */
export function parseMonths(spec: string, now: Date, max = MAX_MONTHS): MonthWindow[] {
  const text = spec.trim();
  const current = indexOf(now);
  let first: MonthIndex;
  let last: MonthIndex;
  if (text === "" || text.toLowerCase() === "previous") {
    first = last = current - 1;
  } else if (/^last-/i.test(text)) {
    const m = /^last-(\d{1,3})$/i.exec(text);
    const n = m ? Number(m[1]) : Number.NaN;
    if (!m || n < 1)
      throw new MonthsError(`'${text}' is not a month count; ${MONTHS_SYNTAX} (N from 1 to ${max})`);
    if (n > max) throw new MonthsError(`'${text}' asks for ${n} months; at most ${max} are allowed per run`);
    first = current - n;
    last = current - 1;
  } else if (text.includes("..")) {
    const [a, b, ...rest] = text.split("..");
    if (a === undefined || b === undefined || rest.length > 0) {
      throw new MonthsError(`'${text}' is not a month range; ${MONTHS_SYNTAX}`);
    }
    first = parseMonth(a.trim(), text);
    last = parseMonth(b.trim(), text);
    if (last < first) {
      throw new MonthsError(
        `'${text}' is reversed; write the earlier month first (${label(last)}..${label(first)})`,
      );
    }
    if (last - first + 1 > max) {
      throw new MonthsError(
        `'${text}' covers ${last - first + 1} months; at most ${max} are allowed per run`,
      );
    }
  } else {
    first = last = parseMonth(text, text);
  }
  if (last > current) {
    throw new MonthsError(
      `'${text}' includes ${label(last)}, a future month (now is ${label(current)} UTC); use months up to the current one`,
    );
  }
  const windows: MonthWindow[] = [];
  for (let i = first; i <= last; i++) windows.push(monthWindow(i, now));
  return windows;
}
