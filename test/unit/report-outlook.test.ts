import { describe, expect, it } from "vitest";
import { parseDecimal } from "../../src/lib/money.js";
import { windowOf } from "../../src/report/months.js";
import {
  budgetedTotal,
  commitNote,
  ForecastTotals,
  forecastOutput,
  forecastRequest,
  outlookHeader,
  unsettledFrom,
} from "../../src/report/outlook.js";
import { buildSummary, type SummaryMonth } from "../../src/report/summary.js";

const NOW = new Date("2025-05-20T10:00:00Z");
const body = {
  granularity: "MONTHLY",
  queryType: "COST",
  timeUsageStarted: "2025-05-01T00:00:00.000Z",
  timeUsageEnded: "2025-05-21T00:00:00.000Z",
  groupBy: ["service"],
  compartmentDepth: 3,
};

describe("the forecast of a partial month", () => {
  it("asks for ungrouped DAILY actuals and BASIC forecast days from tomorrow to the month's end", () => {
    expect(forecastRequest(body, windowOf("2025-05", NOW))).toEqual({
      granularity: "DAILY",
      queryType: "COST",
      timeUsageStarted: "2025-05-01T00:00:00.000Z",
      timeUsageEnded: "2025-05-21T00:00:00.000Z",
      forecast: {
        forecastType: "BASIC",
        timeForecastStarted: "2025-05-21T00:00:00.000Z",
        timeForecastEnded: "2025-06-01T00:00:00.000Z",
      },
    });
  });

  it("asks for none for a whole month, nor on a month's last day", () => {
    expect(forecastRequest(body, windowOf("2025-04", NOW))).toBeUndefined();
    expect(forecastRequest(body, windowOf("2025-05", new Date("2025-05-31T23:00:00Z")))).toBeUndefined();
  });

  it("sums actual and forecast items apart; the month-end is their sum", () => {
    const totals = new ForecastTotals("2025-05");
    totals.add({ computedAmount: 10.25, isForecast: false });
    totals.add({ computedAmount: 4.5 });
    totals.add({ computedAmount: 3.1, isForecast: true });
    totals.add({ computedAmount: 3.1, isForecast: true });
    const f = totals.result(windowOf("2025-05", NOW));
    expect([f.actual, f.rest, f.monthEnd]).toEqual([
      parseDecimal("14.75"),
      parseDecimal("6.2"),
      parseDecimal("20.95"),
    ]);
    expect(outlookHeader({ forecast: f, unsettledFrom: "2025-05-18" })).toEqual({
      forecast: {
        actual: "14.75",
        forecastType: "BASIC",
        monthEnd: "20.95",
        rest: "6.2",
        timeForecastEnded: "2025-06-01T00:00:00.000Z",
        timeForecastStarted: "2025-05-21T00:00:00.000Z",
      },
      unsettledFrom: "2025-05-18",
    });
    const month = {
      month: "2025-05",
      partial: true,
      currency: "USD",
      total: parseDecimal("14.75"),
      outlook: { forecast: f },
    };
    expect(forecastOutput([month])).toBe(
      '{"month":"2025-05","actual":"14.75","forecast":"20.95","currency":"USD"}',
    );
    expect(forecastOutput([{ ...month, outlook: {} }])).toBe("");
    expect(budgetedTotal(month, "forecast")).toEqual({ amount: f.monthEnd, forecast: true });
    expect(budgetedTotal(month, "actual")).toEqual({ amount: month.total, forecast: false });
    expect(budgetedTotal({ total: month.total }, "forecast")).toEqual({
      amount: month.total,
      forecast: false,
    });
  });
});

describe("days not yet settled", () => {
  it.each([
    ["2025-05", NOW, 2, "2025-05-18"],
    ["2025-05", NOW, 0, "2025-05-20"],
    ["2025-04", NOW, 2, undefined],
    ["2025-05", new Date("2025-06-01T08:00:00Z"), 2, "2025-05-30"],
    ["2025-05", new Date("2025-06-02T08:00:00Z"), 1, undefined],
    ["2025-05", new Date("2025-05-01T08:00:00Z"), 5, "2025-05-01"],
  ])("%s at %s with settle-days %i: from %s", (month, now, days, expected) => {
    expect(unsettledFrom(windowOf(month, now), now, days)).toBe(expected);
  });

  it("the commit message says which months are partial or not yet settled", () => {
    expect(
      commitNote([
        { month: "2025-04", partial: false, outlook: { unsettledFrom: "2025-04-30" } },
        { month: "2025-05", partial: true, outlook: { unsettledFrom: "2025-05-18" } },
        { month: "2025-03", partial: false },
      ]),
    ).toBe(
      "\n\n2025-04 is not yet settled from 2025-04-30: the next run replaces its files." +
        "\n2025-05 is partial (the current month), not yet settled from 2025-05-18: the next run replaces its files.",
    );
    expect(commitNote([{ month: "2025-03", partial: false }])).toBe("");
  });
});

describe("the summary's forecast and freshness section", () => {
  const figures = (month: string, total: string): SummaryMonth => ({
    month,
    rows: 1,
    total: parseDecimal(total),
    currency: "USD",
    currencies: ["USD"],
    byService: [],
    byCompartment: [],
    partial: false,
  });
  const input = {
    failed: [],
    granularity: "MONTHLY",
    queryType: "COST",
    files: [],
    budget: { amount: parseDecimal("18"), action: "warn" as const },
  };
  const forecast = {
    actual: parseDecimal("14.75"),
    rest: parseDecimal("6.2"),
    monthEnd: parseDecimal("20.95"),
    from: "2025-05-21T00:00:00.000Z",
    to: "2025-06-01T00:00:00.000Z",
  };
  const partial = {
    ...figures("2025-05", "14.75"),
    partial: true,
    outlook: { forecast, unsettledFrom: "2025-05-18" },
  };

  it("shows the actual so far, the forecast month-end and the first unsettled day, and the forecast gate", () => {
    const text = buildSummary({
      ...input,
      months: [figures("2025-04", "17"), partial],
      budgetOn: "forecast",
      settleDays: 2,
    });
    expect(text).toContain("### Forecast and freshness");
    expect(text).toContain(
      "| 2025-05 (partial) | 14.75 | 20.95 | ⏳ from 2025-05-18 | ⚠️ forecast over budget |",
    );
    expect(text).toContain("today and the 2 day(s) before it");
  });

  it("judges a partial month's budget row on the forecast with budget-on: forecast, on the actual otherwise", () => {
    const onForecast = buildSummary({
      ...input,
      months: [figures("2025-04", "17"), partial],
      budgetOn: "forecast",
    });
    expect(onForecast).toContain("### Budget: 18.00 per month (warn, on the forecast)");
    expect(onForecast).toContain(
      "| 2025-05 | 20.95 (forecast month-end) | 116.4% | ⚠️ forecast over budget |",
    );
    expect(onForecast).toContain("| 2025-04 | 17.00 | 94.4% | ✅ within budget |");
    const onActual = buildSummary({ ...input, months: [partial], budgetOn: "actual" });
    expect(onActual).toContain("| 2025-05 | 14.75 | 81.9% | ✅ within budget |");
  });

  it("has no section when every month is whole and settled", () => {
    expect(buildSummary({ ...input, months: [figures("2025-04", "17")] })).not.toContain(
      "Forecast and freshness",
    );
  });
});
