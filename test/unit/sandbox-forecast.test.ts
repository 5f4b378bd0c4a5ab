import { describe, expect, it } from "vitest";
import { summarize } from "../../sandbox/usageapi/aggregate.js";
import { createDataset, formatMicros } from "../../sandbox/usageapi/dataset.js";
import { withForecast } from "../../sandbox/usageapi/forecast.js";
import { UsagePages } from "../../sandbox/usageapi/pages.js";
import { parseUsageBody } from "../../sandbox/usageapi/request.js";

const dataset = createDataset({ currentMonth: "2025-06" });
const DAY = 86_400_000;

function body(extra: Record<string, unknown>): Buffer {
  return Buffer.from(
    JSON.stringify({
      tenantId: dataset.tenancyId,
      granularity: "DAILY",
      queryType: "COST",
      timeUsageStarted: "2025-05-01T00:00:00Z",
      timeUsageEnded: "2025-05-21T00:00:00Z",
      ...extra,
    }),
  );
}

const micros = (text: string) => BigInt(Math.round(Number(text) * 1e6));

describe("the sandbox Usage API's forecast", () => {
  const forecast = { forecastType: "BASIC", timeForecastEnded: "2025-06-01T00:00:00Z" };

  it("answers the actual days, then one isForecast item per forecast day at the window's daily run-rate", () => {
    const parsed = parseUsageBody(body({ forecast }), undefined);
    expect(parsed.forecast).toEqual({
      start: Date.parse("2025-05-21T00:00:00Z"),
      end: Date.parse("2025-06-01T00:00:00Z"),
    });
    const actual = summarize(dataset, parsed.details).items;
    const answer = withForecast(
      dataset,
      parsed.details,
      { groupBy: [], length: actual.length, items: () => actual, itemsJson: () => "" },
      parsed.forecast!,
    ).items();
    expect(answer.slice(0, actual.length)).toEqual(actual);
    const rest = answer.slice(actual.length);
    expect(rest).toHaveLength(11);
    const total = actual.reduce((sum, item) => sum + micros(item.attributedCost), 0n);
    rest.forEach((item, i) => {
      expect(item.isForecast).toBe(true);
      expect(item.timeUsageStarted).toBe(
        new Date(Date.parse("2025-05-21T00:00:00Z") + i * DAY).toISOString(),
      );
      expect(item.attributedCost).toBe(formatMicros(total / 20n));
      expect(item.currency).toBe("USD");
    });
  });

  it("pages the forecast answer like any other, with the same items as JSON text", async () => {
    const pages = new UsagePages(dataset, true);
    const parsed = parseUsageBody(body({ forecast }), undefined);
    const first = await pages.page(parsed, null, 15);
    const second = await pages.page(parsed, first.headers["opc-next-page"]!, 100);
    const items = [first, second].flatMap(
      (p) => JSON.parse(p.body.toString()).items as Record<string, unknown>[],
    );
    expect(items).toHaveLength(31);
    expect(items.filter((item) => item.isForecast === true)).toHaveLength(11);
    expect(second.headers["opc-next-page"]).toBeUndefined();
    // The same query without forecast is another answer (another cache entry, other page tokens).
    expect(parseUsageBody(body({}), undefined).canonical).not.toBe(parsed.canonical);
  });

  it.each([
    [{ timeForecastEnded: "2025-06-01T05:00:00Z" }, "Forecasting invalid date range: Passed UTC date"],
    [
      { timeForecastStarted: "2025-05-25T00:00:00Z", timeForecastEnded: "2025-05-25T00:00:00Z" },
      "later than",
    ],
  ])("refuses %j", (bad, message) => {
    expect(() => parseUsageBody(body({ forecast: bad }), undefined)).toThrow(message);
  });

  it("forecasts DAILY ungrouped queries only (a sandbox limitation, a 400)", async () => {
    const pages = new UsagePages(dataset, true);
    await expect(
      pages.page(parseUsageBody(body({ forecast, groupBy: ["service"] }), undefined), null, 10),
    ).rejects.toThrow("ungrouped queries only");
  });
});
