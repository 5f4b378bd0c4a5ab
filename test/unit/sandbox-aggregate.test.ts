import { describe, expect, it } from "vitest";
import {
  type FilterJson,
  GROUP_BY_KEYS,
  InvalidQueryError,
  type SummarizeDetails,
  summarize,
  summarizeCompact,
  type UsageSummaryJson,
} from "../../sandbox/usageapi/aggregate.js";
import {
  type BaseRow,
  createDataset,
  type Dataset,
  type Granularity,
  type RowWindow,
} from "../../sandbox/usageapi/dataset.js";

// ------------------------------------------------------------------------------------------------------------
// A hand-made data set: four January lines, one February line, two January days, two hours, so every
// expectation below can be checked by hand.

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaafake";
const R = ["ocid1.instance.oc1.iad.r0", "ocid1.bucket.oc1.fra.r1", "ocid1.instance.oc1.iad.r2"];
const JAN = Date.UTC(2025, 0, 1);
const FEB = Date.UTC(2025, 1, 1);
const MAR = Date.UTC(2025, 2, 1);
const APR = Date.UTC(2025, 3, 1);
const DAY = 86_400_000;
const HOUR = 3_600_000;

// Tag indices: 0 CreatedBy=alice, 1 CreatedBy=bob, 2 CostCenter=CC-1, 3 Environment=prod.
type Line = Omit<BaseRow, "start" | "end" | "amount" | "quantity">;
const r0: Line = {
  resource: 0,
  service: 0,
  sku: 0,
  compartment: 3,
  region: 0,
  ad: 0,
  platform: 0,
  tags: [0, 2, 3],
  credit: false,
};
const r1: Line = {
  resource: 1,
  service: 1,
  sku: 1,
  compartment: 2,
  region: 1,
  ad: -1,
  platform: -1,
  tags: [1],
  credit: false,
};
const r2: Line = {
  resource: 2,
  service: 0,
  sku: 0,
  compartment: 5,
  region: 0,
  ad: 0,
  platform: 0,
  tags: [],
  credit: false,
};
const credit: Line = {
  resource: -1,
  service: 2,
  sku: 2,
  compartment: 0,
  region: 0,
  ad: -1,
  platform: -1,
  tags: [],
  credit: true,
};
const row = (line: Line, start: number, end: number, amount: number, quantity: number): BaseRow => ({
  ...line,
  start,
  end,
  amount,
  quantity,
});

function fakeDataset(rows: Record<Granularity, BaseRow[]>, resourceCount = 3): Dataset {
  const unsupported = (): never => {
    throw new Error("not part of the fake");
  };
  return {
    seed: 0,
    tenancyId: TENANCY,
    tenancyName: "acme",
    homeRegion: "us-ashburn-1",
    currency: "USD",
    months: ["2025-01", "2025-02", "2025-03"],
    timeStart: JAN,
    timeEnd: APR,
    resourceCount,
    compartments: [
      { index: 0, id: TENANCY, name: "acme", path: "acme", parent: -1, depth: 0 },
      { index: 1, id: "ocid1.compartment.oc1..prod", name: "prod", path: "acme/prod", parent: 0, depth: 1 },
      { index: 2, id: "ocid1.compartment.oc1..app", name: "app", path: "acme/prod/app", parent: 1, depth: 2 },
      {
        index: 3,
        id: "ocid1.compartment.oc1..web",
        name: "web",
        path: "acme/prod/app/web",
        parent: 2,
        depth: 3,
      },
      { index: 4, id: "ocid1.compartment.oc1..dev", name: "dev", path: "acme/dev", parent: 0, depth: 1 },
      {
        index: 5,
        id: "ocid1.compartment.oc1..devapp",
        name: "app",
        path: "acme/dev/app",
        parent: 4,
        depth: 2,
      },
    ],
    regions: [
      { index: 0, name: "us-ashburn-1", key: "iad" },
      { index: 1, name: "eu-frankfurt-1", key: "fra" },
    ],
    availabilityDomains: [{ index: 0, name: "US-ASHBURN-AD-1", region: 0 }],
    services: ["Compute", "Object Storage", "Credits"],
    skus: [
      {
        index: 0,
        partNumber: "B93113",
        name: "Compute - E4 - OCPU",
        unit: "OCPU Per Hour",
        service: "Compute",
        unitPriceNanos: 25_000_000,
      },
      {
        index: 1,
        partNumber: "B91628",
        name: "Object Storage - Storage",
        unit: "GB Month",
        service: "Object Storage",
        unitPriceNanos: 25_500_000,
      },
      {
        index: 2,
        partNumber: "B88206",
        name: "Promotional Credit",
        unit: "Credit",
        service: "Credits",
        unitPriceNanos: null,
      },
    ],
    units: ["OCPU Per Hour", "GB Month", "Credit"],
    skuUnit: [0, 1, 2],
    platforms: ["Linux"],
    tags: [
      { index: 0, namespace: "Oracle-Tags", key: "CreatedBy", value: "alice" },
      { index: 1, namespace: "Oracle-Tags", key: "CreatedBy", value: "bob" },
      { index: 2, namespace: "finance", key: "CostCenter", value: "CC-1" },
      { index: 3, namespace: "ops", key: "Environment", value: "prod" },
    ],
    resource: unsupported,
    resources: unsupported,
    resourceId: (i) => R[i] ?? `ocid1.instance.oc1.iad.r${i}`,
    resourceIndexOf: (id) => R.indexOf(id),
    forEachRow(window: RowWindow, visit) {
      for (const r of rows[window.granularity]) {
        if (r.start < window.start || r.start >= window.end) continue;
        if (r.credit ? window.credits === false : window.usage === false) continue;
        visit(r);
      }
    },
    rows: unsupported,
    totalMicros: unsupported,
    totalMicrosExact: unsupported,
    lineCount: unsupported,
  };
}

const fake = fakeDataset({
  MONTHLY: [
    row(r0, JAN, FEB, 10_000_000, 400_000_000),
    row(r1, JAN, FEB, 2_500_000, 98_000_000),
    row(r2, JAN, FEB, 1_250_000, 50_000_000),
    row(credit, JAN, FEB, -3_000_000, 0),
    row(r0, FEB, MAR, 12_000_000, 480_000_000),
  ],
  DAILY: [
    row(r0, JAN, JAN + DAY, 4_000_000, 1),
    row(credit, JAN, JAN + DAY, -1_000_000, 0),
    row(r0, JAN + DAY, JAN + 2 * DAY, 6_000_000, 2),
  ],
  HOURLY: [row(r0, JAN, JAN + HOUR, 100_000, 1), row(r0, JAN + 5 * HOUR, JAN + 6 * HOUR, 200_000, 2)],
});

const january = (extra: Partial<SummarizeDetails> = {}): SummarizeDetails => ({
  tenantId: TENANCY,
  granularity: "MONTHLY",
  timeUsageStarted: "2025-01-01T00:00:00Z",
  timeUsageEnded: "2025-02-01T00:00:00Z",
  ...extra,
});

/** The compact view of items: grouped fields that are not null, plus the amount. */
const view = (items: UsageSummaryJson[], fields: (keyof UsageSummaryJson)[]) =>
  items.map((item) => [...fields.map((f) => item[f]), item.computedAmount]);

describe("summarize: hand-checked cases", () => {
  it("without groupBy gives one item per month with only times and totals", () => {
    const { groupBy, items } = summarize(fake, january({ timeUsageEnded: "2025-04-01T00:00:00Z" }));
    expect(groupBy).toEqual([]);
    expect(items).toHaveLength(2); // March has no rows, so no item
    expect(items[0]).toEqual({
      tenantId: null,
      tenantName: null,
      compartmentId: null,
      compartmentPath: null,
      compartmentName: null,
      service: null,
      resourceName: null,
      resourceId: null,
      region: null,
      ad: null,
      weight: null,
      shape: null,
      skuPartNumber: null,
      skuName: null,
      unit: null,
      discount: null,
      listRate: null,
      platform: null,
      timeUsageStarted: "2025-01-01T00:00:00.000Z",
      timeUsageEnded: "2025-02-01T00:00:00.000Z",
      computedAmount: 10.75,
      computedQuantity: 548,
      attributedCost: "10.75",
      attributedUsage: "548",
      overagesFlag: null,
      unitPrice: null,
      currency: "USD",
      subscriptionId: null,
      overage: null,
      isForecast: false,
      tags: null,
    });
    expect(items[1]).toMatchObject({
      timeUsageStarted: "2025-02-01T00:00:00.000Z",
      computedAmount: 12,
      attributedCost: "12",
    });
  });

  it.each<[string, string[], (keyof UsageSummaryJson)[], unknown[][]]>([
    [
      "service",
      ["service"],
      ["service"],
      [
        ["Compute", 11.25],
        ["Object Storage", 2.5],
        ["Credits", -3],
      ],
    ],
    [
      "region then service",
      ["region", "service"],
      ["region", "service"],
      [
        ["us-ashburn-1", "Compute", 11.25],
        ["us-ashburn-1", "Credits", -3],
        ["eu-frankfurt-1", "Object Storage", 2.5],
      ],
    ],
    [
      "resourceId (credits have none)",
      ["resourceId"],
      ["resourceId"],
      [
        [null, -3],
        [R[0], 10],
        [R[1], 2.5],
        [R[2], 1.25],
      ],
    ],
    [
      "logicalAd",
      ["logicalAd"],
      ["ad"],
      [
        [null, -0.5],
        ["US-ASHBURN-AD-1", 11.25],
      ],
    ],
    [
      "platform",
      ["platform"],
      ["platform"],
      [
        [null, -0.5],
        ["Linux", 11.25],
      ],
    ],
    [
      "compartmentName merges equal names",
      ["compartmentName"],
      ["compartmentName"],
      [
        ["acme", -3],
        ["app", 3.75],
        ["web", 10],
      ],
    ],
    [
      "compartmentPath",
      ["compartmentPath"],
      ["compartmentPath"],
      [
        ["acme", -3],
        ["acme/prod/app", 2.5],
        ["acme/prod/app/web", 10],
        ["acme/dev/app", 1.25],
      ],
    ],
    ["tenant", ["tenantId", "tenantName"], ["tenantId", "tenantName"], [[TENANCY, "acme", 10.75]]],
    [
      "unit",
      ["unit"],
      ["unit", "unitPrice"],
      [
        ["OCPU Per Hour", null, 11.25],
        ["GB Month", null, 2.5],
        ["Credit", null, -3],
      ],
    ],
  ])("groupBy %s fills only the grouped fields", (_name, groupBy, fields, expected) => {
    const { items } = summarize(fake, january({ groupBy }));
    expect(view(items, fields)).toEqual(expected);
    const untouched = ["service", "region", "resourceId", "compartmentPath", "skuName", "tenantId"].filter(
      (f) => !fields.includes(f as keyof UsageSummaryJson),
    ) as (keyof UsageSummaryJson)[];
    for (const item of items) for (const f of untouched) expect(item[f]).toBeNull();
    expect(items.every((i) => i.resourceName === null && i.tags === null)).toBe(true);
  });

  it("groupBy a SKU field also reports its unit and unit price", () => {
    const { items } = summarize(fake, january({ groupBy: ["skuPartNumber"] }));
    expect(view(items, ["skuPartNumber", "skuName", "unit", "unitPrice"])).toEqual([
      ["B93113", null, "OCPU Per Hour", 0.025, 11.25],
      ["B91628", null, "GB Month", 0.0255, 2.5],
      ["B88206", null, "Credit", null, -3],
    ]);
  });

  it("groupByTag groups by the tag's value; rows without it form the tags [] group", () => {
    const { items } = summarize(
      fake,
      january({ groupByTag: [{ namespace: "Oracle-Tags", key: "CreatedBy" }] }),
    );
    expect(items.map((i) => [i.tags, i.computedAmount])).toEqual([
      [[], -1.75],
      [[{ namespace: "Oracle-Tags", key: "CreatedBy", value: "alice" }], 10],
      [[{ namespace: "Oracle-Tags", key: "CreatedBy", value: "bob" }], 2.5],
    ]);
  });

  it("groupBy tag fields without groupByTag counts a resource once per tag", () => {
    const { items } = summarize(fake, january({ groupBy: ["tagKey"] }));
    expect(items.map((i) => [i.tags, i.computedAmount])).toEqual([
      [[], -1.75],
      [[{ namespace: null, key: "CreatedBy", value: null }], 12.5],
      [[{ namespace: null, key: "CostCenter", value: null }], 10],
      [[{ namespace: null, key: "Environment", value: null }], 10],
    ]);
    const both = summarize(fake, january({ groupBy: ["tagNamespace", "tagKey", "tagValue"] })).items;
    expect(both.map((i) => i.tags?.[0])).toContainEqual({
      namespace: "ops",
      key: "Environment",
      value: "prod",
    });
    expect(both.reduce((a, i) => a + i.computedAmount, 0)).toBeCloseTo(30.75, 9); // r0 three times
  });

  it.each<[string, FilterJson, number | null]>([
    [
      "AND",
      {
        operator: "AND",
        dimensions: [
          { key: "service", value: "Compute" },
          { key: "region", value: "us-ashburn-1" },
        ],
      },
      11.25,
    ],
    [
      "AND by default",
      {
        dimensions: [
          { key: "service", value: "Compute" },
          { key: "resourceId", value: R[2]! },
        ],
      },
      1.25,
    ],
    [
      "OR",
      {
        operator: "OR",
        dimensions: [
          { key: "service", value: "Object Storage" },
          { key: "resourceId", value: R[2]! },
        ],
      },
      3.75,
    ],
    ["NOT", { operator: "NOT", dimensions: [{ key: "service", value: "Compute" }] }, -0.5],
    ["a tag with any value", { tags: [{ namespace: "finance", key: "CostCenter" }] }, 10],
    ["a tag value", { tags: [{ namespace: "Oracle-Tags", key: "CreatedBy", value: "bob" }] }, 2.5],
    ["compartment name", { dimensions: [{ key: "compartmentName", value: "app" }] }, 3.75],
    ["a value that matches nothing", { dimensions: [{ key: "region", value: "ap-tokyo-1" }] }, null],
    [
      "nested",
      {
        operator: "AND",
        filters: [
          {
            operator: "OR",
            dimensions: [
              { key: "service", value: "Compute" },
              { key: "service", value: "Credits" },
            ],
          },
          { operator: "NOT", tags: [{ namespace: "Oracle-Tags", key: "CreatedBy", value: "alice" }] },
        ],
      },
      -1.75,
    ],
  ])("filter %s", (_name, filter, total) => {
    const { items } = summarize(fake, january({ filter }));
    expect(items.map((i) => i.computedAmount)).toEqual(total === null ? [] : [total]);
  });

  it.each<[number, unknown[][]]>([
    [
      1,
      [
        ["acme", -3],
        ["acme/prod", 12.5],
        ["acme/dev", 1.25],
      ],
    ],
    [
      2,
      [
        ["acme", -3],
        ["acme/prod/app", 12.5],
        ["acme/dev/app", 1.25],
      ],
    ],
    [
      9,
      [
        ["acme", -3],
        ["acme/prod/app", 2.5],
        ["acme/prod/app/web", 10],
        ["acme/dev/app", 1.25],
      ],
    ],
  ])("compartmentDepth %i rolls compartments up", (depth, expected) => {
    const { items } = summarize(
      fake,
      january({ compartmentDepth: depth, groupBy: ["compartmentPath", "compartmentId"] }),
    );
    expect(view(items, ["compartmentPath"])).toEqual(expected);
    expect(items.find((i) => i.compartmentPath === "acme/prod")?.compartmentId ?? null).toBe(
      depth === 1 ? "ocid1.compartment.oc1..prod" : null,
    );
    const prodOnly = summarize(
      fake,
      january({ compartmentDepth: 1, filter: { dimensions: [{ key: "compartmentName", value: "prod" }] } }),
    );
    expect(prodOnly.items.map((i) => i.computedAmount)).toEqual([12.5]);
  });

  it("isAggregateByTime gives one item over the whole window", () => {
    const { items } = summarize(
      fake,
      january({ timeUsageEnded: "2025-04-01T00:00:00Z", isAggregateByTime: true }),
    );
    expect(view(items, ["timeUsageStarted", "timeUsageEnded"])).toEqual([
      ["2025-01-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z", 22.75],
    ]);
  });

  it("DAILY and HOURLY buckets are whole days and hours, end exclusive", () => {
    const daily = summarize(fake, {
      ...january(),
      granularity: "DAILY",
      timeUsageEnded: "2025-01-02T00:00:00Z",
    }).items;
    expect(view(daily, ["timeUsageStarted", "timeUsageEnded"])).toEqual([
      ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z", 3],
    ]);
    const hourly = summarize(fake, {
      ...january(),
      granularity: "HOURLY",
      timeUsageEnded: "2025-01-01T06:00:00Z",
    }).items;
    expect(view(hourly, ["timeUsageStarted", "timeUsageEnded"])).toEqual([
      ["2025-01-01T00:00:00.000Z", "2025-01-01T01:00:00.000Z", 0.1],
      ["2025-01-01T05:00:00.000Z", "2025-01-01T06:00:00.000Z", 0.2],
    ]);
  });

  it.each<[string, number[], number[]]>([
    ["COST", [10.75], [548]],
    ["USAGE", [10.75], [548]],
    ["USAGE_ONLY", [13.75], [548]],
    ["CREDIT", [-3], [0]],
    ["ALLCREDIT", [-3], [0]],
    ["EXPIREDCREDIT", [], []],
  ])("queryType %s selects its lines", (queryType, amounts, quantities) => {
    const { items } = summarize(fake, january({ queryType: queryType as SummarizeDetails["queryType"] }));
    expect(items.map((i) => i.computedAmount)).toEqual(amounts);
    expect(items.map((i) => i.computedQuantity)).toEqual(quantities);
  });

  it("reports currency null on grouped items when asked to", () => {
    expect(
      summarize(fake, january({ groupBy: ["service"] }), { currencyWithGroupBy: false }).items[0]!.currency,
    ).toBeNull();
    expect(
      summarize(fake, january({ groupByTag: [{ namespace: "ops", key: "Environment" }] }), {
        currencyWithGroupBy: false,
      }).items[0]!.currency,
    ).toBeNull();
    expect(summarize(fake, january(), { currencyWithGroupBy: false }).items[0]!.currency).toBe("USD");
    expect(summarize(fake, january({ groupBy: ["service"] })).items[0]!.currency).toBe("USD");
  });

  it("keeps sums exact beyond 2^53 micro-units", () => {
    const huge = 2 ** 52 + 1;
    const big = fakeDataset({
      MONTHLY: [row(r0, JAN, FEB, huge, 1), row(r1, JAN, FEB, huge, 1), row(r2, JAN, FEB, huge, 1)],
      DAILY: [],
      HOURLY: [],
    });
    const [total] = summarize(big, january()).items;
    expect(total!.attributedCost).toBe("13510798882.111491");
    expect(total!.computedAmount).toBe(Number("13510798882.111491")); // the nearest double
  });

  it("gives the same answer whatever key representation the group count needs", () => {
    const rows = {
      MONTHLY: [],
      DAILY: [],
      HOURLY: [
        row(r0, JAN, JAN + HOUR, 100_000, 1),
        row(r1, JAN + HOUR, JAN + 2 * HOUR, 200_000, 2),
        row(credit, JAN, JAN + HOUR, -50_000, 0),
      ],
    };
    const groupBy = [
      "resourceId",
      "tagValue",
      "skuName",
      "compartmentPath",
      "region",
      "logicalAd",
      "service",
      "unit",
    ];
    const day = {
      ...january(),
      granularity: "HOURLY" as const,
      timeUsageEnded: "2025-01-02T00:00:00Z",
      groupBy,
    };
    const dense = summarize(fakeDataset(rows), day).items;
    const sparse = summarize(fakeDataset(rows, 10_000_000), day).items;
    // A year of hours times these dimensions exceeds 2^53 keys: string keys.
    const strings = summarize(fakeDataset(rows, 2 ** 32 - 1), {
      ...day,
      timeUsageEnded: "2026-01-01T00:00:00Z",
    }).items;
    expect(dense.length).toBe(5); // r0 has three tags
    expect(sparse).toEqual(dense);
    expect(strings).toEqual(dense);
  });

  it.each<[string, Partial<SummarizeDetails>, string]>([
    [
      "two groupByTag entries",
      {
        groupByTag: [
          { namespace: "a", key: "b" },
          { namespace: "c", key: "d" },
        ],
      },
      "groupByTag",
    ],
    ["a groupByTag without key", { groupByTag: [{ namespace: "a" }] }, "groupByTag"],
    ["an unknown groupBy", { groupBy: ["shape"] }, "groupBy"],
    ["an unknown filter key", { filter: { dimensions: [{ key: "shape", value: "x" }] } }, "filter"],
    ["a bad operator", { filter: { operator: "XOR" as "AND" } }, "filter"],
    [
      "too deep a filter",
      {
        filter: {
          filters: [
            {
              filters: [
                { filters: [{ filters: [{ filters: [{ filters: [{ filters: [{ filters: [{}] }] }] }] }] }] },
              ],
            },
          ],
        },
      },
      "filter",
    ],
    [
      "an hour in a DAILY window",
      { granularity: "DAILY", timeUsageStarted: "2025-01-01T01:00:00Z" },
      "timeUsageStarted",
    ],
    ["an empty window", { timeUsageEnded: "2025-01-01T00:00:00Z" }, "timeUsageEnded"],
    ["a zero depth", { compartmentDepth: 0 }, "compartmentDepth"],
    ["a bad date", { timeUsageStarted: "yesterday" }, "timeUsageStarted"],
  ])("refuses %s", (_name, extra, field) => {
    expect(() => summarize(fake, january(extra))).toThrow(InvalidQueryError);
    try {
      summarize(fake, january(extra));
    } catch (err) {
      expect((err as InvalidQueryError).field).toBe(field);
    }
  });
});

// ------------------------------------------------------------------------------------------------------------
// The real data set: aggregation agrees with the data set's own truth helpers.

const ds = createDataset({ currentMonth: "2025-06" });
const monthOf = (month: string, granularity: Granularity = "MONTHLY"): SummarizeDetails => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return {
    tenantId: ds.tenancyId,
    granularity,
    timeUsageStarted: new Date(Date.UTC(y, m - 1, 1)),
    timeUsageEnded: new Date(Date.UTC(y, m, 1)),
  };
};
/** Exact micro-units of an item's attributed text. */
const micros = (text: string): bigint => {
  const [whole, fraction = ""] = text.replace("-", "").split(".");
  const value = BigInt(whole!) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
  return text.startsWith("-") ? -value : value;
};
const sumCost = (items: UsageSummaryJson[]) => items.reduce((a, i) => a + micros(i.attributedCost), 0n);
const sumUsage = (items: UsageSummaryJson[]) => items.reduce((a, i) => a + micros(i.attributedUsage), 0n);

describe("summarize: the sandbox data set", () => {
  it.each(ds.months)("MONTHLY %s equals totalMicros for COST, USAGE and CREDIT", (month) => {
    const [cost] = summarize(ds, monthOf(month)).items;
    expect(micros(cost!.attributedCost)).toBe(BigInt(ds.totalMicros(month)));
    expect(cost!.computedAmount).toBe(ds.totalMicros(month) / 1e6);
    expect(micros(cost!.attributedUsage)).toBe(BigInt(ds.totalMicros(month, "USAGE")));
    const [credit] = summarize(ds, { ...monthOf(month), queryType: "CREDIT" }).items;
    expect(micros(credit!.attributedCost)).toBe(BigInt(ds.totalMicros(month, "CREDIT")));
    expect(credit!.computedAmount).toBeLessThan(0);
  });

  it.each([
    ["2025-01", "COST"],
    ["2025-02", "USAGE"],
    ["2025-06", "USAGE_ONLY"],
  ] as const)("DAILY items of %s (%s) sum exactly to the MONTHLY item, per service", (month, queryType) => {
    const q = { ...monthOf(month), queryType, groupBy: ["service"] };
    const monthly = summarize(ds, q).items;
    const daily = summarize(ds, { ...q, granularity: "DAILY" }).items;
    expect(new Set(daily.map((i) => i.timeUsageStarted)).size).toBe(
      month === "2025-02" ? 28 : month === "2025-06" ? 30 : 31,
    );
    for (const m of monthly) {
      const days = daily.filter((d) => d.service === m.service);
      expect(sumCost(days)).toBe(micros(m.attributedCost));
      expect(sumUsage(days)).toBe(micros(m.attributedUsage));
    }
  });

  it("HOURLY items sum exactly to the DAILY items, per resource", () => {
    const q = {
      tenantId: ds.tenancyId,
      timeUsageStarted: "2025-03-14T00:00:00Z",
      timeUsageEnded: "2025-03-16T00:00:00Z",
      groupBy: ["resourceId"],
    };
    const daily = summarize(ds, { ...q, granularity: "DAILY" }).items;
    const hourly = summarize(ds, { ...q, granularity: "HOURLY" }).items;
    expect(new Set(hourly.map((i) => i.timeUsageStarted)).size).toBe(48);
    for (const d of daily) {
      const hours = hourly.filter(
        (h) =>
          h.resourceId === d.resourceId &&
          h.timeUsageStarted.slice(0, 10) === d.timeUsageStarted.slice(0, 10),
      );
      expect(sumCost(hours)).toBe(micros(d.attributedCost));
      expect(sumUsage(hours)).toBe(micros(d.attributedUsage));
    }
  });

  it.each(["service", "skuName", "compartmentPath", "region", "logicalAd", "resourceId", "platform", "unit"])(
    "groupBy %s partitions the month's total",
    (key) => {
      const items = summarize(ds, { ...monthOf("2025-03"), groupBy: [key] }).items;
      expect(items.length).toBeGreaterThan(1);
      expect(sumCost(items)).toBe(BigInt(ds.totalMicros("2025-03")));
    },
  );

  it("groupBy resourceId and skuPartNumber gives one item per billed line", () => {
    const items = summarize(ds, { ...monthOf("2025-04"), groupBy: ["resourceId", "skuPartNumber"] }).items;
    expect(items).toHaveLength(ds.lineCount("2025-04"));
    expect(new Set(items.map((i) => `${i.resourceId}/${i.skuPartNumber}`)).size).toBe(items.length);
  });

  it("a filter and its NOT partition the total", () => {
    const filter: FilterJson = {
      operator: "OR",
      dimensions: [
        { key: "service", value: "Compute" },
        { key: "region", value: "eu-frankfurt-1" },
      ],
    };
    const yes = summarize(ds, { ...monthOf("2025-05"), filter }).items;
    const no = summarize(ds, { ...monthOf("2025-05"), filter: { operator: "NOT", filters: [filter] } }).items;
    expect(sumCost(yes) + sumCost(no)).toBe(BigInt(ds.totalMicros("2025-05")));
    expect(sumCost(yes)).not.toBe(0n);
    expect(sumCost(no)).not.toBe(0n);
  });

  it("compartmentDepth 1 leaves only the root and its children", () => {
    const items = summarize(ds, {
      ...monthOf("2025-05"),
      groupBy: ["compartmentPath"],
      compartmentDepth: 1,
    }).items;
    expect(items.map((i) => i.compartmentPath!.split("/").length).every((n) => n <= 2)).toBe(true);
    expect(items.map((i) => i.compartmentPath)).toContain("acme-sandbox/prod");
    expect(sumCost(items)).toBe(BigInt(ds.totalMicros("2025-05")));
  });

  it("groupByTag finds the formula-like value and partitions the total", () => {
    const items = summarize(ds, {
      ...monthOf("2025-05"),
      groupByTag: [{ namespace: "Oracle-Tags", key: "CreatedBy" }],
    }).items;
    expect(items.map((i) => i.tags?.[0]?.value)).toContain('=HYPERLINK("http://example.invalid","x")');
    expect(items[0]!.tags).toEqual([]);
    expect(sumCost(items)).toBe(BigInt(ds.totalMicros("2025-05")));
  });

  it("a MONTHLY window that cuts months reports the cut bounds and the days inside", () => {
    const q = {
      tenantId: ds.tenancyId,
      timeUsageStarted: "2025-01-15T00:00:00Z",
      timeUsageEnded: "2025-03-10T00:00:00Z",
    };
    const monthly = summarize(ds, { ...q, granularity: "MONTHLY" }).items;
    expect(view(monthly, ["timeUsageStarted", "timeUsageEnded"]).map((v) => v.slice(0, 2))).toEqual([
      ["2025-01-15T00:00:00.000Z", "2025-02-01T00:00:00.000Z"],
      ["2025-02-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"],
      ["2025-03-01T00:00:00.000Z", "2025-03-10T00:00:00.000Z"],
    ]);
    expect(sumCost(monthly)).toBe(sumCost(summarize(ds, { ...q, granularity: "DAILY" }).items));
  });

  it("orders items by time, then group, the same way every time", () => {
    const q = { ...monthOf("2025-02", "DAILY"), groupBy: ["region", "service"] };
    const items = summarize(ds, q).items;
    const times = items.map((i) => i.timeUsageStarted);
    expect(times).toEqual([...times].sort());
    expect(summarize(ds, q).items).toEqual(items);
  });

  it("pages the compact answer without changing it", () => {
    const q = { ...monthOf("2025-02"), groupBy: ["resourceId", "skuPartNumber"] };
    const compact = summarizeCompact(ds, q);
    const pages: UsageSummaryJson[] = [];
    for (let offset = 0; offset < compact.length; offset += 7) pages.push(...compact.items(offset, 7));
    expect(pages).toEqual(summarize(ds, q).items);
    expect(compact.items(compact.length, 7)).toEqual([]);
  });
});

describe("summarizeCompact: items as JSON text", () => {
  // The emulator serves pages from itemsJson: it must be JSON.stringify of the items, byte for byte, for
  // every query shape (each groupBy key, tags expanded or selected, rolled-up compartments, every
  // granularity, credits, currency reported or not, sums beyond 2^53).
  const shapes: Array<[string, Partial<SummarizeDetails>, { currencyWithGroupBy?: boolean }?]> = [
    ["no groupBy", {}],
    ...GROUP_BY_KEYS.map((key): [string, Partial<SummarizeDetails>] => [
      `groupBy ${key}`,
      { groupBy: [key] },
    ]),
    ["every groupBy key at once", { groupBy: [...GROUP_BY_KEYS] }],
    ["SKU name and part number", { groupBy: ["skuPartNumber", "skuName", "unit"] }],
    ["tag fields (tags expanded)", { groupBy: ["tagKey", "tagValue", "tagNamespace", "service"] }],
    [
      "groupByTag with tag fields",
      { groupBy: ["tagValue"], groupByTag: [{ namespace: "finance", key: "CostCenter" }] },
    ],
    ["groupByTag alone", { groupByTag: [{ namespace: "finance", key: "CostCenter" }] }],
    ["compartments rolled up", { groupBy: ["compartmentPath", "compartmentName"], compartmentDepth: 1 }],
    ["DAILY by service", { granularity: "DAILY", groupBy: ["service"] }],
    ["credits only", { queryType: "CREDIT", groupBy: ["resourceId"] }],
    ["aggregated over time", { isAggregateByTime: true, groupBy: ["region"] }],
    ["currency null when grouping", { groupBy: ["service"] }, { currencyWithGroupBy: false }],
  ];

  it.each(shapes)("%s", (_name, details, opts) => {
    const q = { ...monthOf("2025-03"), ...details };
    const compact = summarizeCompact(ds, q, opts);
    expect(compact.length).toBeGreaterThan(0);
    if (q.groupByTag) expect(compact.items().some((i) => (i.tags ?? []).length > 0)).toBe(true);
    expect(compact.itemsJson()).toBe(JSON.stringify(compact.items()).slice(1, -1));
    // Any slice, the ends included.
    for (const [offset, count] of [
      [0, 1],
      [3, 7],
      [compact.length - 1, 5],
      [compact.length, 5],
    ] as const) {
      expect(compact.itemsJson(offset, count)).toBe(
        JSON.stringify(compact.items(offset, count)).slice(1, -1),
      );
    }
  });

  it("writes sums beyond 2^53 micro-units and odd values as JSON.stringify does", () => {
    const big = fakeDataset({
      MONTHLY: [{ ...r0, start: JAN, end: FEB, amount: 2 ** 52, quantity: -(2 ** 52) }],
      DAILY: [],
      HOURLY: [],
    });
    const rows = fakeDataset(
      {
        MONTHLY: [
          { ...r0, start: JAN, end: FEB, amount: 2 ** 52, quantity: 1 },
          { ...r1, start: JAN, end: FEB, amount: 2 ** 52, quantity: 0 },
          { ...r0, start: JAN, end: FEB, amount: 2 ** 52, quantity: -7 },
          { ...r2, start: JAN, end: FEB, amount: 999_999_999_999_999, quantity: 123_456_789_012_345 },
          { ...r1, start: FEB, end: MAR, amount: -999_999_999_999_999, quantity: 100_000_000_000_001 },
          { ...r2, start: FEB, end: MAR, amount: 1, quantity: -1_000_000_000_000_000 },
        ],
        DAILY: [],
        HOURLY: [],
      },
      3,
    );
    for (const dataset of [big, rows, fake]) {
      for (const groupBy of [[], ["resourceId"], ["service", "tagValue"], ["skuName"]]) {
        const compact = summarizeCompact(dataset, {
          tenantId: TENANCY,
          granularity: "MONTHLY",
          timeUsageStarted: JAN,
          timeUsageEnded: APR,
          groupBy,
        });
        expect(compact.itemsJson()).toBe(JSON.stringify(compact.items()).slice(1, -1));
      }
    }
  });
});
