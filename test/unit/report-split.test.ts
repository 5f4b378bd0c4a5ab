// How a month is cut into parts: the plan by granularity and group-by, the runs of whole days, the first
// page's estimate of the pages to come, and one filtered part per leading value.
import { describe, expect, it } from "vitest";
import type { UsageRequest } from "../../src/report/endpoint.js";
import { dayParts, estimatePages, leadingParts, pastFirstPart, planSplit } from "../../src/report/split.js";

const JUNE: UsageRequest = {
  granularity: "MONTHLY",
  queryType: "COST",
  timeUsageStarted: "2025-06-01T00:00:00.000Z",
  timeUsageEnded: "2025-07-01T00:00:00.000Z",
  groupBy: ["service", "skuName"],
};
const DAILY: UsageRequest = { ...JUNE, granularity: "DAILY" };

const day = (d: number) => new Date(Date.UTC(2025, 5, d)).toISOString();

describe("planSplit", () => {
  it("splits DAILY months by days, MONTHLY ones by the first group-by dimension", () => {
    expect(planSplit(DAILY)).toEqual({ kind: "days", days: 30 });
    expect(planSplit(JUNE)).toEqual({
      kind: "leading",
      dimension: "service",
      listing: { ...JUNE, groupBy: ["service"] },
    });
  });

  it("lists without the tag and skips the tenancy's own one-valued dimensions", () => {
    const body = {
      ...JUNE,
      groupBy: ["tenantId", "tenantName", "region"],
      groupByTag: [{ namespace: "n", key: "k" }],
    };
    expect(planSplit(body)).toEqual({
      kind: "leading",
      dimension: "region",
      listing: { ...JUNE, groupBy: ["region"] },
    });
  });

  it("does not split what it could not put back in order", () => {
    for (const body of [
      { ...JUNE, groupBy: ["resourceId", "service"] },
      { ...JUNE, groupBy: ["tagKey"] },
      { ...JUNE, groupBy: [] },
      { ...JUNE, groupBy: ["compartmentPath"], compartmentDepth: 2 },
      { ...DAILY, timeUsageEnded: "2025-06-02T00:00:00.000Z" },
      { ...DAILY, forecast: { forecastType: "BASIC" as const, timeForecastEnded: day(30) } },
      { ...JUNE, filter: { operator: "AND" as const, dimensions: [{ key: "service", value: "Compute" }] } },
    ]) {
      expect(planSplit(body), JSON.stringify(body)).toEqual({ kind: "none" });
    }
    expect(planSplit({ ...JUNE, groupBy: ["compartmentPath"] }).kind).toBe("leading");
  });
});

describe("dayParts", () => {
  it("cuts the month into runs of whole days, in order, covering it exactly", () => {
    const parts = dayParts(DAILY, 4);
    expect(parts.map((p) => [p.timeUsageStarted, p.timeUsageEnded])).toEqual([
      [day(1), day(9)],
      [day(9), day(17)],
      [day(17), day(24)],
      [day(24), "2025-07-01T00:00:00.000Z"],
    ]);
    expect(parts.every((p) => p.granularity === "DAILY" && p.groupBy === DAILY.groupBy)).toBe(true);
  });

  it("makes at most one part a day and at least one", () => {
    expect(dayParts(DAILY, 100)).toHaveLength(30);
    expect(dayParts(DAILY, 0)).toEqual([DAILY]);
  });
});

describe("estimatePages", () => {
  const rowsOn = (d: number, n: number) => Array.from({ length: n }, () => ({ timeUsageStarted: day(d) }));

  it("scales the whole days the first page covered to the month", () => {
    // 3 whole days of 10 rows and part of the fourth: 10 rows a day, 300 rows, pages of 35 rows.
    const page = [...rowsOn(1, 10), ...rowsOn(2, 10), ...rowsOn(3, 10), ...rowsOn(4, 5)];
    expect(estimatePages(DAILY, page)).toBeCloseTo(300 / 35);
  });

  it("says a page a day at least when the first page ends within the first day", () => {
    expect(estimatePages(DAILY, rowsOn(1, 50))).toBe(30);
    expect(estimatePages(DAILY, [])).toBe(1);
  });
});

describe("leadingParts", () => {
  it("makes one part per listed value, in the listing's order, each filtered to it", () => {
    const parts = leadingParts(JUNE, "service", [{ service: "Compute" }, { service: "Block Storage" }]);
    expect(parts).toEqual([
      { ...JUNE, filter: { operator: "AND", dimensions: [{ key: "service", value: "Compute" }] } },
      { ...JUNE, filter: { operator: "AND", dimensions: [{ key: "service", value: "Block Storage" }] } },
    ]);
  });

  it("reads logicalAd from the item's ad field", () => {
    const parts = leadingParts({ ...JUNE, groupBy: ["logicalAd"] }, "logicalAd", [
      { ad: "AD-1" },
      { ad: "AD-2" },
    ]);
    expect(parts?.[1]?.filter).toEqual({
      operator: "AND",
      dimensions: [{ key: "logicalAd", value: "AD-2" }],
    });
  });

  it("gives up on a null, empty or repeated value, or a single one", () => {
    expect(leadingParts(JUNE, "service", [{ service: "Compute" }, { service: null }])).toBeUndefined();
    expect(leadingParts(JUNE, "service", [{ service: "Compute" }, { service: "" }])).toBeUndefined();
    expect(leadingParts(JUNE, "service", [{ service: "Compute" }, { service: "Compute" }])).toBeUndefined();
    expect(leadingParts(JUNE, "service", [{ service: "Compute" }])).toBeUndefined();
    expect(leadingParts(JUNE, "resourceId", [{ resourceId: "a" }, { resourceId: "b" }])).toBeUndefined();
  });
});

describe("pastFirstPart", () => {
  it("marks the rows from the second run of days on", () => {
    const past = pastFirstPart(dayParts(DAILY, 10), undefined);
    expect(past({ timeUsageStarted: day(3) })).toBe(false);
    expect(past({ timeUsageStarted: day(4) })).toBe(true);
    expect(past({ timeUsageStarted: day(30) })).toBe(true);
  });

  it("marks the rows of any leading value but the first part's", () => {
    const parts = leadingParts(JUNE, "logicalAd", [{ ad: "AD-2" }, { ad: "AD-1" }])!;
    const past = pastFirstPart(parts, "logicalAd");
    expect(past({ ad: "AD-2" })).toBe(false);
    expect(past({ ad: "AD-1" })).toBe(true);
    expect(past({ ad: null })).toBe(true);
  });
});
