import { describe, expect, it } from "vitest";
import {
  type BaseRow,
  createDataset,
  FORMULA_TAG_VALUE,
  formatMicros,
  formatScaled,
  type Granularity,
} from "../../sandbox/usageapi/dataset.js";

const DAY = 86_400_000;
const utc = (text: string): number => Date.parse(text);
const monthWindow = (month: string, granularity: Granularity) => {
  const start = utc(`${month}-01T00:00:00Z`);
  const d = new Date(start);
  return { start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), granularity };
};
/** Sum of amounts and quantities per line (resource, SKU) and per time slice chosen by `slice`. */
const sumBy = (rows: readonly BaseRow[], slice: (row: BaseRow) => number) => {
  const out = new Map<string, { amount: number; quantity: number }>();
  for (const row of rows) {
    const key = `${row.resource}/${row.sku}/${slice(row)}`;
    const acc = out.get(key) ?? { amount: 0, quantity: 0 };
    acc.amount += row.amount;
    acc.quantity += row.quantity;
    out.set(key, acc);
  }
  return out;
};

const ds = createDataset({ currentMonth: "2025-06" });

describe("createDataset: determinism", () => {
  it("gives the same resources and rows for the same seed", () => {
    const again = createDataset({ currentMonth: "2025-06" });
    expect(again.tenancyId).toBe(ds.tenancyId);
    expect([...again.resources()]).toEqual([...ds.resources()]);
    const window = monthWindow("2025-03", "DAILY");
    expect(again.rows(window)).toEqual(ds.rows(window));
  });

  it("gives other ids and figures for another seed", () => {
    const other = createDataset({ seed: 7, currentMonth: "2025-06" });
    expect(other.tenancyId).not.toBe(ds.tenancyId);
    expect(other.resourceId(0)).not.toBe(ds.resourceId(0));
    expect(other.totalMicros("2025-03")).not.toBe(ds.totalMicros("2025-03"));
  });

  it("uses the seed and tenancy name defaults", () => {
    expect(createDataset({ seed: 42, tenancyName: "acme-sandbox", currentMonth: "2025-06" }).tenancyId).toBe(
      ds.tenancyId,
    );
    expect(ds.tenancyName).toBe("acme-sandbox");
    expect(ds.resourceCount).toBe(60);
  });
});

describe("createDataset: time range", () => {
  it.each([
    ["2025-01", ["2025-01"]],
    ["2025-03", ["2025-01", "2025-02", "2025-03"]],
    ["2026-02", 14],
  ] as const)("currentMonth %s covers whole months from 2025-01", (current, expected) => {
    const months = createDataset({ currentMonth: current }).months;
    if (typeof expected === "number") expect(months).toHaveLength(expected);
    else expect(months).toEqual(expected);
    expect(months[0]).toBe("2025-01");
    expect(months.at(-1)).toBe(current);
  });

  it("defaults to the current UTC month", () => {
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
    expect(createDataset().months.at(-1)).toBe(current);
  });

  it("refuses months before 2025-01 and malformed months", () => {
    expect(() => createDataset({ currentMonth: "2024-12" })).toThrow(/2025-01 or later/);
    expect(() => createDataset({ currentMonth: "2025-13" })).toThrow(/YYYY-MM/);
  });

  it.each([
    ["before the range", "2024-11-01T00:00:00Z", "2025-01-01T00:00:00Z", 0],
    ["after the range", "2025-07-01T00:00:00Z", "2025-09-01T00:00:00Z", 0],
    ["straddling the start", "2024-12-30T00:00:00Z", "2025-01-02T00:00:00Z", 1],
    ["straddling the end", "2025-06-29T00:00:00Z", "2025-07-03T00:00:00Z", 1],
  ])("has no data outside the range (%s)", (_name, start, end, some) => {
    const rows = ds.rows({ start: utc(start), end: utc(end), granularity: "DAILY" });
    expect(rows.length > 0).toBe(some === 1);
    for (const row of rows) {
      expect(row.start).toBeGreaterThanOrEqual(ds.timeStart);
      expect(row.end).toBeLessThanOrEqual(ds.timeEnd);
    }
    expect(ds.timeStart).toBe(utc("2025-01-01T00:00:00Z"));
    expect(ds.timeEnd).toBe(utc("2025-07-01T00:00:00Z"));
  });

  it("refuses windows that are not whole days (DAILY) or hours (HOURLY)", () => {
    expect(() =>
      ds.rows({ start: utc("2025-01-01T05:00:00Z"), end: utc("2025-01-02T00:00:00Z"), granularity: "DAILY" }),
    ).toThrow(/whole UTC days/);
    expect(() =>
      ds.rows({
        start: utc("2025-01-01T05:30:00Z"),
        end: utc("2025-01-02T00:00:00Z"),
        granularity: "HOURLY",
      }),
    ).toThrow(/whole hours/);
  });
});

describe("createDataset: contents", () => {
  const resources = [...ds.resources()];

  it("has a deterministic tenancy OCID and a compartment tree at least three levels deep", () => {
    expect(ds.tenancyId).toMatch(/^ocid1\.tenancy\.oc1\.\.aaaaaaaa[a-z2-7]{52}$/);
    expect(ds.compartments[0]).toMatchObject({
      id: ds.tenancyId,
      path: "acme-sandbox",
      depth: 0,
      parent: -1,
    });
    expect(Math.max(...ds.compartments.map((c) => c.depth))).toBeGreaterThanOrEqual(3);
    for (const c of ds.compartments.slice(1)) {
      expect(c.id).toMatch(/^ocid1\.compartment\.oc1\.\.aaaaaaaa[a-z2-7]{52}$/);
      const parent = ds.compartments[c.parent]!;
      expect(c.path).toBe(`${parent.path}/${c.name}`);
      expect(c.depth).toBe(parent.depth + 1);
    }
    expect(ds.compartments.map((c) => c.path)).toContain("acme-sandbox/prod/app/web");
  });

  it("has realistic services, regions and SKUs", () => {
    expect(ds.services).toEqual(
      expect.arrayContaining([
        "Compute",
        "Block Storage",
        "Object Storage",
        "Database",
        "Networking",
        "Load Balancer",
        "Functions",
        "API Gateway",
        "Logging",
      ]),
    );
    expect(ds.regions.map((r) => r.name)).toEqual(["us-ashburn-1", "eu-frankfurt-1", "uk-london-1"]);
    for (const sku of ds.skus) {
      expect(sku.partNumber).toMatch(/^B\d{5}$/);
      expect(sku.name).not.toBe("");
      expect(sku.unit).not.toBe("");
    }
    expect(new Set(ds.skus.map((s) => s.partNumber)).size).toBe(ds.skus.length);
    expect(ds.currency).toBe("USD");
  });

  it("gives resources OCIDs of their type and region, ADs, shapes and lifetimes", () => {
    const regionKey: Record<string, string> = {
      "us-ashburn-1": "iad",
      "eu-frankfurt-1": "fra",
      "uk-london-1": "lhr",
    };
    for (const r of resources) {
      expect(r.id).toMatch(new RegExp(`^ocid1\\.${r.type}\\.oc1\\.${regionKey[r.region]}\\.a[a-z2-7]{59}$`));
      expect(ds.resourceIndexOf(r.id)).toBe(r.index);
      if (r.type === "instance") expect(r.shape).toMatch(/^VM\.Standard\./);
      if (r.availabilityDomain) expect(r.availabilityDomain).toMatch(/-AD-[123]$/);
    }
    expect(new Set(resources.map((r) => r.type)).size).toBeGreaterThanOrEqual(6);
    expect(resources.some((r) => r.timeCreated > "2025-01-01T00:00:00.000Z")).toBe(true);
    expect(resources.some((r) => r.timeDeleted !== null)).toBe(true);
    expect(resources.some((r) => r.availabilityDomain === null)).toBe(true);
  });

  it("maps foreign or altered OCIDs to -1", () => {
    const id = ds.resourceId(5);
    expect(ds.resourceIndexOf(id.replace(/.$/, id.endsWith("a") ? "b" : "a"))).toBe(-1);
    expect(ds.resourceIndexOf(createDataset({ seed: 7, currentMonth: "2025-06" }).resourceId(5))).toBe(-1);
    expect(ds.resourceIndexOf("ocid1.instance.oc1.iad.nope")).toBe(-1);
    expect(() => ds.resourceId(60)).toThrow(RangeError);
  });

  it("bills a resource only while it lives", () => {
    const ended = resources.find((r) => r.timeDeleted !== null && r.timeDeleted > r.timeCreated)!;
    const started = resources.find((r) => r.timeCreated > "2025-01-01T00:00:00.000Z")!;
    for (const r of [ended, started]) {
      const rows = ds
        .rows({ start: ds.timeStart, end: ds.timeEnd, granularity: "DAILY" })
        .filter((x) => x.resource === r.index);
      expect(rows.length).toBeGreaterThan(0);
      const created = Date.parse(r.timeCreated);
      const deleted = r.timeDeleted ? Date.parse(r.timeDeleted) : ds.timeEnd;
      for (const row of rows) {
        expect(row.end).toBeGreaterThan(created);
        expect(row.start).toBeLessThan(deleted);
      }
    }
  });

  it("carries tags, among them a spreadsheet formula and values starting with @, + and -", () => {
    const values = resources.flatMap((r) => r.tags.map((t) => `${t.namespace}.${t.key}=${t.value}`));
    expect(values).toContain(`Oracle-Tags.CreatedBy=${FORMULA_TAG_VALUE}`);
    expect(FORMULA_TAG_VALUE.startsWith("=")).toBe(true);
    expect(values).toContain("Oracle-Tags.CreatedBy=@ops-bot");
    expect(values).toContain("Oracle-Tags.CreatedBy=+cloud-ops");
    expect(values).toContain("finance.CostCenter=-42");
    expect(values.some((v) => v.startsWith("ops.Environment="))).toBe(true);
    expect(resources.some((r) => r.tags.length === 0)).toBe(true);
  });

  it("keeps the formula-like tags even at the smallest scale", () => {
    const tiny = createDataset({ resources: 4, currentMonth: "2025-01" });
    const values = [...tiny.resources()].flatMap((r) => r.tags.map((t) => t.value));
    expect(values).toEqual(expect.arrayContaining([FORMULA_TAG_VALUE, "@ops-bot", "-42", "+cloud-ops"]));
  });

  it.each(["2025-01", "2025-02", "2025-06"])("has a negative promotional credit in %s", (month) => {
    const credits = ds.rows(monthWindow(month, "MONTHLY")).filter((r) => r.credit);
    expect(credits).toHaveLength(1);
    expect(credits[0]!.amount).toBeLessThan(0);
    expect(ds.skus[credits[0]!.sku]!.name).toBe("Promotional Credit");
    expect(ds.totalMicros(month, "CREDIT")).toBe(credits[0]!.amount);
  });

  it("prices MONTHLY lines as quantity x unit price, rounded to the micro-dollar", () => {
    for (const row of ds.rows(monthWindow("2025-04", "MONTHLY"))) {
      const price = ds.skus[row.sku]!.unitPriceNanos;
      if (price === null) continue;
      // quantity micro-units x nano-dollars / 1e9 = micro-dollars
      expect(Math.abs(row.amount - (row.quantity * price) / 1e9)).toBeLessThanOrEqual(0.5);
    }
  });

  it("bills a whole-month instance OCPU line as OCPUs x hours x price (hand-checked)", () => {
    const rows = ds.rows(monthWindow("2025-01", "MONTHLY"));
    const ocpu = rows.find(
      (r) =>
        ds.skus[r.sku]!.unit === "OCPU Per Hour" &&
        ds.resource(r.resource).timeCreated.startsWith("2025-01-01T00"),
    )!;
    const sku = ds.skus[ocpu.sku]!;
    const ocpus = ocpu.quantity / 1e6 / 744; // January has 744 hours
    expect([1, 2, 4, 8]).toContain(ocpus);
    expect(ocpu.amount).toBe(Math.round((ocpus * 744 * sku.unitPriceNanos!) / 1000));
  });
});

describe("createDataset: exact splits", () => {
  it.each(["2025-01", "2025-02", "2025-04", "2025-06"])(
    "DAILY rows of %s sum exactly to its MONTHLY rows",
    (month) => {
      const monthly = sumBy(ds.rows(monthWindow(month, "MONTHLY")), () => 0);
      const daily = sumBy(ds.rows(monthWindow(month, "DAILY")), () => 0);
      expect(daily.size).toBe(monthly.size);
      expect(daily).toEqual(monthly);
      expect(monthly.size).toBe(ds.lineCount(month));
    },
  );

  it.each(["2025-02", "2025-05"])("HOURLY rows of %s sum exactly to its DAILY rows", (month) => {
    const byDay = (row: BaseRow) => Math.floor(row.start / DAY);
    const daily = sumBy(ds.rows(monthWindow(month, "DAILY")), byDay);
    const hourly = sumBy(ds.rows(monthWindow(month, "HOURLY")), byDay);
    expect(hourly).toEqual(daily);
  });

  it("splits credits exactly too", () => {
    const month = monthWindow("2025-03", "DAILY");
    const credits = (g: Granularity) =>
      ds
        .rows({ ...month, granularity: g })
        .filter((r) => r.credit)
        .reduce((a, r) => a + r.amount, 0);
    expect(credits("DAILY")).toBe(ds.totalMicros("2025-03", "CREDIT"));
    expect(credits("HOURLY")).toBe(ds.totalMicros("2025-03", "CREDIT"));
    expect(
      ds.rows({ ...month, granularity: "HOURLY" }).filter((r) => r.credit && r.amount < 0).length,
    ).toBeGreaterThan(700);
  });

  it("keeps every amount and quantity an integer number of micro-units", () => {
    const rows = ds.rows(monthWindow("2025-02", "HOURLY"));
    expect(rows.length).toBeGreaterThan(10_000);
    expect(rows.filter((r) => !Number.isSafeInteger(r.amount) || !Number.isSafeInteger(r.quantity))).toEqual(
      [],
    );
  });

  it.each([
    ["COST", (r: BaseRow) => r.amount],
    ["USAGE", (r: BaseRow) => r.quantity],
    ["CREDIT", (r: BaseRow) => (r.credit ? r.amount : 0)],
  ] as const)("totalMicros(%s) equals the sum of the month's DAILY rows", (kind, pick) => {
    for (const month of ds.months) {
      const sum = ds.rows(monthWindow(month, "DAILY")).reduce((a, r) => a + pick(r), 0);
      expect(ds.totalMicros(month, kind)).toBe(sum);
      expect(ds.totalMicrosExact(month, kind)).toBe(BigInt(sum));
    }
  });

  it("splits a month cut by the window on whole days", () => {
    const start = utc("2025-03-10T00:00:00Z");
    const end = utc("2025-03-20T00:00:00Z");
    const partial = sumBy(ds.rows({ start, end, granularity: "MONTHLY" }), () => 0);
    const days = sumBy(ds.rows({ start, end, granularity: "DAILY" }), () => 0);
    expect(partial).toEqual(days);
    for (const row of ds.rows({ start, end, granularity: "MONTHLY" })) {
      expect([row.start, row.end]).toEqual([start, end]);
    }
  });
});

describe("createDataset: scale", () => {
  it("describes a million resources without storing them", () => {
    const big = createDataset({ resources: 1_000_000, currentMonth: "2025-02" });
    const last = big.resource(999_999);
    expect(big.resourceIndexOf(last.id)).toBe(999_999);
    expect(big.resource(999_999)).toEqual(last);
    expect(big.resourceId(0)).toBe(createDataset({ resources: 1, currentMonth: "2025-01" }).resourceId(0));
  });
});

describe("formatMicros", () => {
  it.each([
    [0, "0"],
    [1, "0.000001"],
    [-1, "-0.000001"],
    [1_234_567, "1.234567"],
    [-12_500_000, "-12.5"],
    [100_000_000, "100"],
    [Number.MAX_SAFE_INTEGER, "9007199254.740991"],
    [-123_456_789_012_345_678n, "-123456789012.345678"],
  ] as const)("formats %s as %s", (value, text) => {
    expect(formatMicros(value)).toBe(text);
    if (typeof value === "number") expect(Number(text)).toBe(value / 1e6);
  });

  it("formats other scales and refuses inexact numbers", () => {
    expect(formatScaled(14_170, 9)).toBe("0.00001417");
    expect(formatScaled(3_000_000_000, 9)).toBe("3");
    expect(() => formatMicros(0.5)).toThrow(RangeError);
    expect(() => formatMicros(2 ** 53)).toThrow(RangeError);
  });
});
