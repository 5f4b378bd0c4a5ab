import { describe, expect, it } from "vitest";
import { type Decimal, parseDecimal } from "../../src/lib/money.js";
import { findAnomalies } from "../../src/report/anomalies.js";
import {
  buildSummary,
  change,
  escapeMarkdown,
  mermaidLabel,
  type SummaryMonth,
} from "../../src/report/summary.js";

const d = (v: string | number) => parseDecimal(v);

function month(
  name: string,
  services: Record<string, number>,
  extra: Partial<SummaryMonth> = {},
): SummaryMonth {
  const byService = Object.entries(services)
    .map(([n, v]) => [n, d(v)] as [string, Decimal])
    .sort((a, b) => Number(b[1].coef) / 10 ** b[1].scale - Number(a[1].coef) / 10 ** a[1].scale);
  const total = Object.values(services).reduce((acc, v) => acc + Math.round(v * 100), 0);
  return {
    month: name,
    rows: Object.keys(services).length,
    total: { coef: BigInt(total), scale: 2 },
    currency: "USD",
    currencies: ["USD"],
    byService,
    byCompartment: [["root/prod", { coef: BigInt(total), scale: 2 }]],
    partial: false,
    ...extra,
  };
}

const BASE = { failed: [], granularity: "MONTHLY", queryType: "COST", files: [] };

/** Rows of the Markdown table under `heading`, as arrays of cell texts. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith(heading));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("|")) rows.push(line.slice(2, -2).split(/(?<!\\) \| /));
    else if (rows.length > 0) break;
  }
  return rows.slice(2);
}

describe("escapeMarkdown", () => {
  it.each([
    ["a|b", "a\\|b"],
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ["[x](http://evil)", "\\[x\\](http://evil)"],
    ["`code` *b* _i_ ~s~", "\\`code\\` \\*b\\* \\_i\\_ \\~s\\~"],
    ["line\nbreak\r\x00end", "line break end"],
    ["a & b", "a &amp; b"],
    ["back\\slash", "back\\\\slash"],
  ])("%j -> %j", (input, output) => {
    expect(escapeMarkdown(input)).toBe(output);
  });

  it("caps long text", () => {
    expect(escapeMarkdown("x".repeat(500))).toHaveLength(120);
  });

  it("mermaidLabel keeps only safe characters", () => {
    expect(mermaidLabel('Evil"] --> x; %%{init}')).toBe("Evil - x init");
  });
});

describe("change", () => {
  it.each([
    ["110", "100", "+10.00", "+10.0%"],
    ["90", "100", "-10.00", "-10.0%"],
    ["100", "100", "0.00", "0.0%"],
    ["5", "0", "+5.00", "n/a"],
    ["-5", "-10", "+5.00", "+50.0%"],
  ])("%s vs %s", (current, previous, amount, percent) => {
    expect(change(d(current), d(previous))).toEqual({ amount, percent });
  });
});

describe("buildSummary", () => {
  const months = [
    month("2025-12", { Compute: 100, "Block Storage": 20.5, Networking: 3 }),
    month("2026-01", { Compute: 150.25, "Block Storage": 20.5, "Object Storage": 1 }),
  ];

  it("shows each month's total with currency and the change vs the previous month", () => {
    const md = buildSummary({ ...BASE, months, baseline: { ...month("2025-11", { Compute: 50 }) } });
    expect(tableAfter(md, "### Total per month")).toEqual([
      ["2025-12", "123.50", "USD", "+73.50", "+147.0%", "3"],
      ["2026-01", "171.75", "USD", "+48.25", "+39.1%", "3"],
    ]);
  });

  it("shows no change for the first month without a baseline, and marks partial months", () => {
    const md = buildSummary({ ...BASE, months: [month("2026-03", { A: 1 }, { partial: true })] });
    expect(tableAfter(md, "### Total per month")).toEqual([
      ["2026-03 (partial)", "1.00", "USD", "—", "—", "1"],
    ]);
  });

  it("draws the totals per month as bars, from exactly the figures of the totals table", () => {
    const md = buildSummary({ ...BASE, months });
    const chart = md.slice(md.indexOf("```mermaid"), md.indexOf("```", md.indexOf("```mermaid") + 3));
    expect(chart).toContain("xychart-beta");
    expect(chart).toContain('title "Total per month (USD)"');
    expect(chart).toContain('x-axis ["2025-12", "2026-01"]');
    expect(chart).not.toMatch(/^ {2}line /m);
    const bars = /^ {2}bar \[(.*)\]$/m.exec(chart)![1]!.split(", ");
    expect(bars).toEqual(tableAfter(md, "### Total per month").map((r) => r[1]));
    expect(bars).toEqual(["123.50", "171.75"]);
  });

  it("draws the last month's split by service as a labelled pie, from the service table's last column", () => {
    const md = buildSummary({ ...BASE, months });
    const pie = /```mermaid\npie showData\n([\s\S]*?)\n```/.exec(md)![1]!;
    // Bare: mermaid draws a pie title's quotes.
    expect(pie).toMatch(/^ {2}title Cost by service, 2026-01 \(USD\)$/m);
    const slices = [...pie.matchAll(/^ {2}"(.*)" : (.*)$/gm)].map((m) => [m[1], m[2]]);
    const table = tableAfter(md, "### Top services");
    expect(table.map((r) => r[0])).toEqual(["Compute", "Block Storage", "Networking", "Object Storage"]);
    // Networking had no cost in 2026-01: a pie cannot draw it, and the note says so.
    expect(slices).toEqual(table.filter((r) => r[2] !== "0.00").map((r) => [r[0], r[2]]));
    expect(md).toContain("1 row(s) of zero or negative cost are not drawn");
  });

  it("draws only the pie for a single month, and an Other slice for the rows cut from the table", () => {
    const md = buildSummary({ ...BASE, months: [months[1]!], topN: 2 });
    expect(md).not.toContain("xychart-beta");
    const slices = [...md.matchAll(/^ {2}"(.*)" : (.*)$/gm)].map((m) => [m[1], m[2]]);
    expect(slices).toEqual(tableAfter(md, "### Top services").map((r) => [r[0], r[1]]));
    expect(slices.at(-1)).toEqual(["Other (1 more)", "1.00"]);
  });

  it("escapes names from the data everywhere", () => {
    const evil = "<img src=x onerror=alert(1)>|[link](http://x)\n::error::pwned";
    const md = buildSummary({
      ...BASE,
      months: [month("2026-01", { [evil]: 5, Compute: 1 })],
      failed: [{ month: "2025-12", reason: "HTTP 400 <b>bad</b>\n| x" }],
      files: ["reports/2026-01/usage-monthly-cost.csv"],
    });
    expect(md).not.toContain("<img");
    expect(md).not.toContain("<b>");
    expect(md).not.toMatch(/^::error::/m);
    expect(md).toContain("&lt;img src=x onerror=alert(1)&gt;\\|\\[link\\](http://x) ::error::pwned");
    expect(md).toContain("- 2025-12: HTTP 400 &lt;b&gt;bad&lt;/b&gt; \\| x");
    // The chart label keeps no markup either.
    expect(md).toContain('  "img src x onerror alert(1) li…" : 5.00');
  });

  it("lists failed months and the budget status", () => {
    const md = buildSummary({
      ...BASE,
      months,
      failed: [{ month: "2026-02", reason: "HTTP 503" }],
      budget: { amount: d(150), action: "fail" },
    });
    expect(md).toContain("1 month(s) failed");
    expect(md).toContain("- 2026-02: HTTP 503");
    expect(tableAfter(md, "### Budget")).toEqual([
      ["2025-12", "123.50", "82.3%", "✅ within budget"],
      ["2026-01", "171.75", "114.5%", "❌ over budget (fails the run)"],
    ]);
  });

  it("stays under the size cap by cutting table rows, then the chart, then text", () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 400; i++) many[`service-${i}-${"x".repeat(100)}`] = i + 0.5;
    const input = { ...BASE, months: [month("2025-12", many), month("2026-01", many)], topN: 400 };
    const full = buildSummary({ ...input, maxBytes: 10_000_000 });
    expect(Buffer.byteLength(full)).toBeGreaterThan(40_000);
    const cut = buildSummary({ ...input, maxBytes: 40_000 });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(40_000);
    expect(cut).toContain("Tables cut to");
    expect(tableAfter(cut, "### Top services").at(-1)![0]).toMatch(/^Other \(\d+ more\)$/);
    const tiny = buildSummary({ ...input, maxBytes: 600 });
    expect(Buffer.byteLength(tiny)).toBeLessThanOrEqual(600);
    expect(tiny).toContain("Summary cut to stay under 1 MiB");
  });

  it("says when nothing was reported", () => {
    expect(buildSummary({ ...BASE, months: [], failed: [{ month: "2026-01", reason: "x" }] })).toContain(
      "No month was reported.",
    );
  });

  const tagged = (name: string, values: Record<string, number>, untagged: number, extra = {}) => {
    const services = { Compute: Object.values(values).reduce((a, b) => a + b, untagged) };
    return month(name, services, {
      byTag: {
        values: Object.entries(values).map(([n, v]) => [n, d(v)] as [string, Decimal]),
        untagged: d(untagged),
      },
      ...extra,
    });
  };

  it("shows the cost per tag value, the untagged cost and the allocation coverage", () => {
    const md = buildSummary({
      ...BASE,
      tag: "finance.CostCenter",
      months: [tagged("2026-01", { "cc-1": 60, "cc-|2": 15 }, 25), tagged("2026-02", { "cc-1": 90 }, 0)],
    });
    expect(tableAfter(md, "### Cost by tag finance.CostCenter (USD)")).toEqual([
      ["cc-1", "60.00", "90.00", "150.00"],
      ["cc-\\|2", "15.00", "0.00", "15.00"],
      ["_(untagged)_", "25.00", "0.00", "25.00"],
    ]);
    expect(tableAfter(md, "### Allocation coverage by finance.CostCenter")).toEqual([
      ["2026-01", "75.00", "25.00", "75.0%"],
      ["2026-02", "90.00", "0.00", "100.0%"],
    ]);
  });

  it("shows no coverage figure for a month whose total is not above 0, and no tag section without a tag", () => {
    const credit = tagged("2026-01", { a: -10 }, 0);
    const md = buildSummary({ ...BASE, tag: "o.k", months: [credit] });
    expect(tableAfter(md, "### Allocation coverage by o.k")).toEqual([["2026-01", "-10.00", "0.00", "n/a"]]);
    expect(buildSummary({ ...BASE, months: [credit] })).not.toContain("Cost by tag");
  });

  it("lists the anomalies, the largest first, or says there were none", () => {
    const thresholds = { percent: d(25), amount: d(100) };
    const spiky = [
      month("2026-01", { Compute: 100, Storage: 300 }),
      month("2026-02", { Compute: 400, AI: 2 }),
    ];
    const md = buildSummary({
      ...BASE,
      months: spiky,
      anomalies: { items: findAnomalies(spiky, undefined, thresholds), thresholds },
    });
    expect(md).toContain("### Anomalies (changes of at least 25% and 100 USD month over month)");
    expect(tableAfter(md, "### Anomalies")).toEqual([
      ["2026-02", "service", "Compute", "increase", "100.00", "400.00", "+300.00", "+300.0%"],
      ["2026-02", "service", "Storage", "vanished", "300.00", "0.00", "-300.00", "-100.0%"],
      ["2026-02", "service", "AI", "new", "0.00", "2.00", "+2.00", "n/a"],
    ]);
    const flat = [month("2026-01", { Compute: 100 }), month("2026-02", { Compute: 100 })];
    const none = buildSummary({
      ...BASE,
      months: flat,
      anomalies: { items: findAnomalies(flat, undefined, thresholds), thresholds },
    });
    expect(none).toContain("None in 2026-02: no service or compartment changed that much");
    const alone = buildSummary({ ...BASE, months: flat.slice(1), anomalies: { items: [], thresholds } });
    expect(alone).toContain("No month could be compared: each needs the month before it");
  });

  it("stays under 1 MiB with every section on the figures of a very large report", () => {
    // What a 1M-row report can leave: a year of months, each with thousands of services, compartments and tag
    // values of long names, and an anomaly for every one of them.
    const names = (prefix: string, n: number) =>
      Array.from(
        { length: n },
        (_, i) => [`${prefix}-${i}-${"é|<x>".repeat(40)}`, d(i + 1)] as [string, Decimal],
      );
    const months = Array.from({ length: 12 }, (_, i) => ({
      ...month(`20${23 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`, {}),
      rows: 1_000_000,
      byService: names(`service-${i % 2}`, 2000),
      byCompartment: names(`compartment-${i % 2}`, 3000),
      byTag: { values: names(`tag-${i % 2}`, 3000), untagged: d(7) },
    }));
    const thresholds = { percent: d(25), amount: d(1) };
    const anomalies = findAnomalies(months, undefined, thresholds);
    expect(anomalies.length).toBeGreaterThan(40_000);
    const md = buildSummary({
      ...BASE,
      months,
      tag: "finance.CostCenter",
      anomalies: { items: anomalies, thresholds },
      files: months.map((m) => `reports/${m.month}/usage-monthly-cost.csv`),
      budget: { amount: d(1000), action: "warn" },
    });
    expect(Buffer.byteLength(md)).toBeLessThan(1_000_000);
    for (const heading of [
      "### Total per month",
      "### Budget",
      "### Anomalies",
      "### Charts",
      "### Top services",
      "### Top compartments",
      "### Cost by tag finance.CostCenter",
      "### Allocation coverage by finance.CostCenter",
    ])
      expect(md).toContain(heading);
    expect(md).toContain("xychart-beta");
    expect(md).toContain("pie showData");
    expect(tableAfter(md, "### Top compartments").at(-1)![0]).toBe("Other (5990 more)");
    expect(tableAfter(md, "### Anomalies")).toHaveLength(10);
    expect(md).toMatch(/_\d+ more: the `anomalies` output lists them/);
  });
});
