// What a month's figures do not say by themselves: the month-end forecast of the current (partial) month,
// from the Usage API's `forecast` request, and which days are still within the Usage API's data lag ("Last
// 2 days may not be filled", showusage). Pure helpers; the flow (index.ts) fetches and writes.
import { add, compare, type Decimal, formatExact } from "../lib/money.js";
import type { UsageItem } from "./columns.js";
import type { UsageRequest } from "./endpoint.js";
import type { MonthWindow } from "./months.js";
import { MonthTotals } from "./totals.js";

const DAY_MS = 86_400_000;

/** A partial month's actual cost so far and the Usage API's forecast of its whole-month total. */
export interface MonthForecast {
  /** The month's actual items (days up to today), summed. */
  actual: Decimal;
  /** The forecast items (the days after today to the month's end), summed. */
  rest: Decimal;
  /** actual + rest: the forecast month-end total. */
  monthEnd: Decimal;
  /** The first forecast day and the month's end (exclusive), ISO. */
  from: string;
  to: string;
}

/** What the summary, the JSON report and the commit say about a month beyond its figures. */
export interface MonthOutlook {
  forecast?: MonthForecast | undefined;
  /** The first day (YYYY-MM-DD, UTC) still within the data lag; every later day of the month is too. */
  unsettledFrom?: string | undefined;
}

/** Whether the budget gate compares a month's actual total or, where there is one, its forecast. */
export type BudgetOn = "actual" | "forecast";

/**
 * The forecast query of a partial month: ungrouped DAILY actuals for the month so far, and BASIC forecast
 * days from tomorrow to the month's end. Undefined when there is nothing to forecast (not partial, or
 * the last day of the month).
 */
export function forecastRequest(body: UsageRequest, window: MonthWindow): UsageRequest | undefined {
  if (!window.partial || window.end >= window.periodEnd) return undefined;
  const { groupBy: _groupBy, groupByTag: _groupByTag, compartmentDepth: _depth, ...rest } = body;
  return {
    ...rest,
    granularity: "DAILY",
    forecast: { forecastType: "BASIC", timeForecastStarted: window.end, timeForecastEnded: window.periodEnd },
  };
}

/** Sums a forecast answer's items: the actual ones (isForecast not true) and the forecast ones apart. */
export class ForecastTotals {
  private readonly actual: MonthTotals;
  private readonly forecast: MonthTotals;

  constructor(month: string) {
    this.actual = new MonthTotals(month);
    this.forecast = new MonthTotals(month);
  }

  add(item: UsageItem): void {
    (item.isForecast === true ? this.forecast : this.actual).add(item);
  }

  result(window: MonthWindow): MonthForecast {
    const actual = this.actual.result().total;
    const rest = this.forecast.result().total;
    return { actual, rest, monthEnd: add(actual, rest), from: window.end, to: window.periodEnd };
  }
}

/**
 * The first day of the window still within the data lag: today (still running) and the `settleDays` days
 * before it are not yet settled. Undefined when the whole window is settled.
 */
export function unsettledFrom(window: MonthWindow, now: Date, settleDays: number): string | undefined {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = Math.max(today - settleDays * DAY_MS, Date.parse(window.start));
  return from < Date.parse(window.end) ? new Date(from).toISOString().slice(0, 10) : undefined;
}

/** The amount the budget gate compares: the forecast month-end with budget-on: forecast, where there is one. */
export function budgetedTotal(
  month: { total: Decimal; outlook?: MonthOutlook | undefined },
  budgetOn: BudgetOn,
): { amount: Decimal; forecast: boolean } {
  const forecast = budgetOn === "forecast" ? month.outlook?.forecast : undefined;
  return forecast ? { amount: forecast.monthEnd, forecast: true } : { amount: month.total, forecast: false };
}

/** The JSON report's header fields of a month with an outlook (none for a settled whole month). */
export function outlookHeader(outlook: MonthOutlook): Record<string, unknown> {
  const header: Record<string, unknown> = {};
  if (outlook.forecast) {
    const f = outlook.forecast;
    header.forecast = {
      actual: formatExact(f.actual),
      forecastType: "BASIC",
      monthEnd: formatExact(f.monthEnd),
      rest: formatExact(f.rest),
      timeForecastEnded: f.to,
      timeForecastStarted: f.from,
    };
  }
  if (outlook.unsettledFrom) header.unsettledFrom = outlook.unsettledFrom;
  return header;
}

/** The `forecast` output: the last forecast month's figures as JSON, or "" when no month had one. */
export function forecastOutput(
  months: ReadonlyArray<{ month: string; currency: string; outlook?: MonthOutlook | undefined }>,
): string {
  const last = [...months].reverse().find((m) => m.outlook?.forecast);
  const f = last?.outlook?.forecast;
  if (!last || !f) return "";
  return JSON.stringify({
    month: last.month,
    actual: formatExact(f.actual),
    forecast: formatExact(f.monthEnd),
    currency: last.currency,
  });
}

/** The commit message's note on partial and unsettled months: their files are replaced by the next run. */
export function commitNote(
  months: ReadonlyArray<{ month: string; partial: boolean; outlook?: MonthOutlook | undefined }>,
): string {
  const lines = months
    .filter((m) => m.partial || m.outlook?.unsettledFrom)
    .map((m) => {
      const what = [
        m.partial ? "partial (the current month)" : "",
        m.outlook?.unsettledFrom ? `not yet settled from ${m.outlook.unsettledFrom}` : "",
      ]
        .filter((s) => s !== "")
        .join(", ");
      return `${m.month} is ${what}: the next run replaces its files.`;
    });
  return lines.length === 0 ? "" : `\n\n${lines.join("\n")}`;
}

/** Whether the forecast month-end is over the budget (for the summary's status cell). */
export function forecastOver(forecast: MonthForecast, budget: Decimal): boolean {
  return compare(forecast.monthEnd, budget) > 0;
}
