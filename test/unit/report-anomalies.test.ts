import { describe, expect, it } from "vitest";
import { type Decimal, formatExact, parseDecimal } from "../../src/lib/money.js";
import { anomaliesOutput, findAnomalies } from "../../src/report/anomalies.js";
import type { MonthFigures } from "../../src/report/totals.js";

const d = (v: string | number) => parseDecimal(v);
const THRESHOLDS = { percent: d(25), amount: d(100) };

function figures(
  month: string,
  services: Record<string, number>,
  compartments: Record<string, number> = { prod: 1000 },
  extra: Partial<MonthFigures> & { partial?: boolean } = {},
): MonthFigures & { partial?: boolean } {
  const entries = (o: Record<string, number>) =>
    Object.entries(o).map(([n, v]) => [n, d(v)] as [string, Decimal]);
  return {
    month,
    rows: 1,
    total: d(Object.values(services).reduce((a, b) => a + b, 0)),
    currency: "USD",
    currencies: ["USD"],
    byService: entries(services),
    byCompartment: entries(compartments),
    ...extra,
  };
}

const FLAT = { Compute: 1000, Storage: 300, Networking: 20 };

describe("findAnomalies", () => {
  it("finds none on a flat data set", () => {
    const months = ["2026-01", "2026-02", "2026-03"].map((m) => figures(m, FLAT));
    expect(findAnomalies(months, figures("2025-12", FLAT), THRESHOLDS)).toEqual([]);
  });

  it("finds a seeded spike and a new service, against the month before each (the baseline for the first)", () => {
    const months = [
      figures("2026-01", FLAT),
      figures("2026-02", { ...FLAT, Compute: 1600, "Generative AI": 5 }, { prod: 1000, dev: 40 }),
    ];
    const found = findAnomalies(months, figures("2025-12", FLAT), THRESHOLDS);
    expect(
      found.map((a) => [a.month, a.previousMonth, a.dimension, a.name, a.kind, formatExact(a.change)]),
    ).toEqual([
      ["2026-02", "2026-01", "service", "Compute", "increase", "600"],
      ["2026-02", "2026-01", "service", "Generative AI", "new", "5"],
    ]);
    expect(found[0]!.percent).toEqual(d("60.0"));
    expect(found[1]!.percent).toBeUndefined();
  });

  it("needs both thresholds: a large % of a small amount, or a large amount of a small %, is not an anomaly", () => {
    const before = figures("2026-01", { Small: 10, Large: 10_000 }, { a: 10, b: 10_000 });
    const after = figures("2026-02", { Small: 90, Large: 10_900 }, { a: 90, b: 10_900 });
    expect(findAnomalies([before, after], undefined, THRESHOLDS)).toEqual([]);
    const exactly = figures("2026-02", { Small: 10, Large: 12_500 }, { a: 10, b: 7_500 });
    const found = findAnomalies([before, exactly], undefined, THRESHOLDS);
    expect(found.map((a) => [a.dimension, a.name, a.kind])).toEqual([
      ["service", "Large", "increase"],
      ["compartment", "b", "decrease"],
    ]);
  });

  it("reports vanished services, and not a partial month or a month in another currency", () => {
    const before = figures("2026-01", FLAT);
    const gone = figures("2026-02", { Compute: 1000, Storage: 300 });
    expect(findAnomalies([before, gone], undefined, THRESHOLDS).map((a) => [a.name, a.kind])).toEqual([
      ["Networking", "vanished"],
    ]);
    const partial = figures("2026-02", { Compute: 10 }, { prod: 10 }, { partial: true });
    expect(findAnomalies([before, partial], undefined, THRESHOLDS)).toEqual([]);
    const euros = figures("2026-02", { Compute: 10 }, { prod: 10 }, { currency: "EUR" });
    expect(findAnomalies([before, euros], undefined, THRESHOLDS)).toEqual([]);
    // Before the data starts there are no rows at all: every service would look new.
    const empty = figures("2026-01", {}, {}, { rows: 0 });
    expect(findAnomalies([empty, figures("2026-02", FLAT)], undefined, THRESHOLDS)).toEqual([]);
  });
});

describe("anomaliesOutput", () => {
  it("is the documented JSON shape, with exact amounts, and lists at most 100 items", () => {
    const before = figures("2026-01", { Other: 1 });
    const after = figures("2026-02", {
      Other: 1,
      ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`s${i}`, i + 1])),
    });
    const found = findAnomalies([before, after], undefined, THRESHOLDS);
    const output = JSON.parse(anomaliesOutput(found, THRESHOLDS, "USD"));
    expect(output).toMatchObject({ count: 150, currency: "USD", truncated: true });
    expect(output.thresholds).toEqual({ percent: "25", amount: "100" });
    expect(output.items).toHaveLength(100);
    expect(output.items[0]).toEqual({
      month: "2026-02",
      previousMonth: "2026-01",
      dimension: "service",
      name: "s149",
      kind: "new",
      previous: "0",
      current: "150",
      change: "150",
      percent: null,
    });
    expect(JSON.parse(anomaliesOutput([], THRESHOLDS, "USD"))).toMatchObject({ count: 0, items: [] });
  });
});
