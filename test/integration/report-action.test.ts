// The BUILT action (`node <dist>/index.js`, as the runner runs it) against the sandbox: identity -> gateway
// (JWT policy) -> the real function under the FDK -> the Usage API emulator. Reports for a range of months,
// totals against the data set's exact truth, CSV against JSON, the job summary, and a re-run that changes
// nothing and commits nothing.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { FORMULA_TAG_VALUE, formatMicros } from "../../sandbox/usageapi/dataset.js";
import { add, type Decimal, formatExact, formatFixed, parseDecimal, ZERO } from "../../src/lib/money.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  git,
  runAction,
  sandboxInputs,
  snapshot,
  tableAfter,
  type Workspace,
} from "./report-harness.js";

const MONTHS = ["2025-03", "2025-04", "2025-05"];
const BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>";

interface JsonReport {
  month: string;
  query: Record<string, unknown>;
  groupBy: string[];
  items: Record<string, unknown>[];
}

/** What a CSV cell must hold for a text value: a spreadsheet formula start gets a `'` prefix (OWASP). */
function expectedText(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /^[=+\-@\t\r\n\0\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? `'${text}` : text;
}

function sumAmounts(items: Record<string, unknown>[], field = "computedAmount"): Decimal {
  let total: Decimal = ZERO;
  for (const item of items) total = add(total, parseDecimal(item[field] as number));
  return total;
}

describe("the built action against the sandbox", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let range: { ws: Workspace; run: ActionRun };

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([buildActionBundle(), startSandbox()]);
    const ws = await createWorkspace();
    const run = await runAction(
      bundle.entry,
      { ...sandboxInputs(sandbox.endpoints), months: "2025-03..2025-05", focus: "true" },
      { workspace: ws.dir },
    );
    range = { ws, run };
  });

  afterAll(async () => {
    await sandbox?.stop();
    await range?.ws.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  it("writes CSV, JSON and FOCUS reports for every month of a range and says so in its outputs", async () => {
    const { run, ws } = range;
    expect(run.code).toBe(0);
    const files = MONTHS.flatMap((m) =>
      ["csv", "json", "focus.csv"].map((ext) => `reports/${m}/usage-monthly-cost.${ext}`),
    );
    expect(JSON.parse(run.outputs.files!)).toEqual(files);
    expect(JSON.parse(run.outputs.months!)).toEqual(MONTHS);
    expect(run.outputs.changed).toBe("true");
    expect(run.outputs["commit-sha"]).toBe("");
    expect([...(await snapshot(ws.dir)).keys()]).toEqual(["README.md", ...files].sort());
    for (const m of MONTHS) expect(run.stdout).toContain(`month ${m}: `);
  });

  it("totals equal the data set's exact totals: JSON items, FOCUS BilledCost, outputs and summary", async () => {
    const { run, ws } = range;
    const summaryRows = tableAfter(run.summary, "### Total per month");
    for (const m of MONTHS) {
      const truth = formatMicros(sandbox.dataset.totalMicros(m, "COST"));
      const report = JSON.parse(
        await readFile(join(ws.dir, `reports/${m}/usage-monthly-cost.json`), "utf8"),
      ) as JsonReport;
      expect(report.month).toBe(m);
      expect(report.query).not.toHaveProperty("tenantId");
      expect(formatExact(sumAmounts(report.items))).toBe(truth);
      const focus = parse(await readFile(join(ws.dir, `reports/${m}/usage-monthly-cost.focus.csv`), "utf8"), {
        columns: true,
      }) as Record<string, string>[];
      // The FOCUS file has its own query, grouped by compartment OCID as well as name: one row per
      // (compartment, SKU, region), at least as many as the report's rows.
      const keys = new Set(focus.map((r) => `${r.SubAccountId} ${r.SkuId} ${r.RegionId}`));
      expect(keys.size).toBe(focus.length);
      expect(focus.length).toBeGreaterThanOrEqual(report.items.length);
      expect(formatExact(sumAmounts(focus, "BilledCost"))).toBe(truth);
      const row = summaryRows.find((r) => r[0] === m);
      expect(row?.slice(1, 3)).toEqual([formatFixed(parseDecimal(truth), 2), "USD"]);
    }
    expect(run.outputs.total).toBe(formatMicros(sandbox.dataset.totalMicros("2025-05", "COST")));
    expect(run.outputs.currency).toBe("USD");
  });

  it("writes a job summary under 1 MiB with the per-month totals, a Mermaid chart and the chart's data in a table", () => {
    const { summary } = range.run;
    expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024);
    // The change column: each month against the one before (2025-02 fetched for the first).
    const totals = tableAfter(summary, "### Total per month");
    expect(totals.map((r) => r[0])).toEqual(MONTHS);
    const micros = (m: string) => sandbox.dataset.totalMicros(m, "COST");
    for (const [i, m] of MONTHS.entries()) {
      const previous = i === 0 ? "2025-02" : MONTHS[i - 1]!;
      const delta = formatFixed(parseDecimal(formatMicros(micros(m) - micros(previous))), 2);
      expect(totals[i]![3]).toBe(micros(m) > micros(previous) ? `+${delta}` : delta);
    }

    // The bars are the totals of the table; the pie's labelled slices are the last month's services.
    const [bars, pie] = [...summary.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(bars).toMatch(/^xychart-beta$/m);
    expect(bars).toContain(`x-axis [${MONTHS.map((m) => `"${m}"`).join(", ")}]`);
    expect(/^ {2}bar \[(.*)\]$/m.exec(bars!)![1]!.split(", ")).toEqual(totals.map((r) => r[1]));
    expect(pie).toMatch(/^pie showData$/m);
    const slices = [...pie!.matchAll(/^ {2}"(.*)" : (.*)$/gm)].map((m) => [m[1], m[2]]);
    const services = tableAfter(summary, "### Top services");
    const last = services
      .map((r) => [r[0], r[MONTHS.length]])
      .filter(([, v]) => !v!.startsWith("-") && v !== "0.00");
    expect(slices.length).toBeGreaterThan(0);
    expect(slices).toEqual(last);
  });

  it("writes CSV that csv-parse reads back to the JSON report, formula-like tag values escaped", async () => {
    const ws = await createWorkspace();
    try {
      const run = await runAction(
        bundle.entry,
        {
          ...sandboxInputs(sandbox.endpoints),
          months: "2025-04",
          "group-by": "service,compartmentName,tagValue",
          "group-by-tag": "Oracle-Tags.CreatedBy",
          "compare-previous": "false",
        },
        { workspace: ws.dir },
      );
      expect(run.code).toBe(0);
      const base = join(ws.dir, "reports/2025-04/usage-monthly-cost");
      const report = JSON.parse(await readFile(`${base}.json`, "utf8")) as JsonReport;
      const csvText = await readFile(`${base}.csv`, "utf8");
      expect(csvText.endsWith("\r\n")).toBe(true);
      const rows = parse(csvText, { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0]!)).toEqual([
        "month",
        "timeUsageStarted",
        "timeUsageEnded",
        "service",
        "compartmentName",
        "tagValue",
        "tag:Oracle-Tags.CreatedBy",
        "computedAmount",
        "computedQuantity",
        "unit",
        "currency",
      ]);
      expect(rows).toHaveLength(report.items.length);
      const tagOf = (item: Record<string, unknown>) =>
        (item.tags as { namespace: string; key: string; value: string }[]).find(
          (t) => t.namespace === "Oracle-Tags" && t.key === "CreatedBy",
        )?.value;
      report.items.forEach((item, i) => {
        const row = rows[i]!;
        expect(row).toEqual({
          month: "2025-04",
          timeUsageStarted: expectedText(item.timeUsageStarted),
          timeUsageEnded: expectedText(item.timeUsageEnded),
          service: expectedText(item.service),
          compartmentName: expectedText(item.compartmentName),
          tagValue: expectedText((item.tags as { value: string }[])[0]?.value),
          "tag:Oracle-Tags.CreatedBy": expectedText(tagOf(item)),
          computedAmount: row.computedAmount,
          computedQuantity: row.computedQuantity,
          unit: expectedText(item.unit),
          currency: expectedText(item.currency),
        });
        // Numbers stay plain numbers with the exact value, credits included.
        expect(formatExact(parseDecimal(row.computedAmount!))).toBe(
          formatExact(parseDecimal(item.computedAmount as number)),
        );
        expect(formatExact(parseDecimal(row.computedQuantity!))).toBe(
          formatExact(parseDecimal(item.computedQuantity as number)),
        );
      });
      // The data set's formula-like values are there, raw in JSON and neutralised in CSV.
      const tagColumn = rows.map((r) => r["tag:Oracle-Tags.CreatedBy"]);
      for (const value of [FORMULA_TAG_VALUE, "@ops-bot", "+cloud-ops"]) {
        expect(report.items.some((item) => tagOf(item) === value)).toBe(true);
        expect(tagColumn).toContain(`'${value}`);
        expect(tagColumn).not.toContain(value);
      }
      const credit = rows.find((r) => r.computedAmount!.startsWith("-"));
      expect(credit, "a credit row").toBeDefined();
      expect(credit!.computedAmount).toMatch(/^-\d+(\.\d+)?$/);
    } finally {
      await ws.dispose();
    }
  });

  it("commits the reports once; a re-run writes the same bytes and makes no new commit", async () => {
    const ws = await createWorkspace();
    try {
      const inputs = {
        ...sandboxInputs(sandbox.endpoints),
        months: "2025-06..2025-07",
        granularity: "DAILY",
        commit: "true",
      };
      const first = await runAction(bundle.entry, inputs, { workspace: ws.dir });
      expect(first.code).toBe(0);
      expect(first.outputs.changed).toBe("true");
      const sha = first.outputs["commit-sha"]!;
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(git(ws.remote, "rev-parse", "main")).toBe(sha);
      expect(git(ws.remote, "show", "--no-patch", "--format=%an <%ae>|%s", sha)).toBe(
        `${BOT}|Usage report 2025-06..2025-07`,
      );
      const files = JSON.parse(first.outputs.files!) as string[];
      expect(files).toEqual([
        "reports/2025-06/usage-daily-cost.csv",
        "reports/2025-06/usage-daily-cost.json",
        "reports/2025-07/usage-daily-cost.csv",
        "reports/2025-07/usage-daily-cost.json",
      ]);
      expect(git(ws.remote, "show", "--name-only", "--format=", sha).split("\n").sort()).toEqual(files);
      const commits = git(ws.remote, "rev-list", "--count", "main");
      const before = await snapshot(ws.dir);

      const second = await runAction(bundle.entry, inputs, { workspace: ws.dir });
      expect(second.code).toBe(0);
      expect(second.outputs.changed).toBe("false");
      expect(second.outputs["commit-sha"]).toBe("");
      expect(second.stdout).toContain("reports unchanged: no commit");
      expect(git(ws.remote, "rev-parse", "main")).toBe(sha);
      expect(git(ws.remote, "rev-list", "--count", "main")).toBe(commits);
      expect(await snapshot(ws.dir)).toEqual(before);
      expect(git(ws.dir, "status", "--porcelain")).toBe("");
      // The DAILY rows of a month add up to its exact monthly total.
      const june = JSON.parse(
        await readFile(join(ws.dir, "reports/2025-06/usage-daily-cost.json"), "utf8"),
      ) as JsonReport;
      expect(formatExact(sumAmounts(june.items))).toBe(formatMicros(sandbox.dataset.totalMicros("2025-06")));
    } finally {
      await ws.dispose();
    }
  });
});
