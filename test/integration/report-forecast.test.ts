// The built action "in" a partial month (USAGE_API_ACTION_TEST_NOW) against the sandbox: the month-end
// forecast through the function and the Usage API emulator's forecast rows, the budget-on: forecast gate,
// and the days not yet settled in the summary, the JSON report, the outputs and the commit message.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { formatMicros } from "../../sandbox/usageapi/dataset.js";
import {
  add,
  compare,
  type Decimal,
  divide,
  formatExact,
  formatFixed,
  parseDecimal,
  ZERO,
} from "../../src/lib/money.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  git,
  runAction,
  sandboxInputs,
  type Workspace,
} from "./report-harness.js";

const NOW = "2025-05-20T10:00:00Z";

interface JsonReport {
  month: string;
  forecast?: Record<string, string>;
  unsettledFrom?: string;
  items: Record<string, unknown>[];
}

function sumAmounts(items: Record<string, unknown>[]): Decimal {
  let total: Decimal = ZERO;
  for (const item of items) total = add(total, parseDecimal(item.computedAmount as number));
  return total;
}

/** The cells of the summary row that starts with `first`, under `heading`. */
function rowOf(markdown: string, heading: string, first: string): string[] | undefined {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(heading));
  return lines
    .slice(start + 1)
    .filter((line) => line.startsWith(`| ${first} |`))
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    )[0];
}

describe("the built action in a partial month", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let ws: Workspace;
  let partial: ActionRun;

  const run = (inputs: Record<string, string>, now = NOW, dir = ws.dir) =>
    runAction(
      bundle.entry,
      { ...sandboxInputs(sandbox.endpoints), "compare-previous": "false", ...inputs },
      { workspace: dir, env: { USAGE_API_ACTION_TEST_NOW: now } },
    );

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([buildActionBundle(), startSandbox()]);
    ws = await createWorkspace();
    partial = await run({ months: "2025-04..2025-05", commit: "true" });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await ws?.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  it("forecasts the month-end from the Usage API's forecast rows: actual so far plus the run-rate of the days left", async () => {
    expect(partial.code, partial.errors.join("\n")).toBe(0);
    const report = JSON.parse(
      await readFile(join(ws.dir, "reports/2025-05/usage-monthly-cost.json"), "utf8"),
    ) as JsonReport;
    const actual = sumAmounts(report.items);
    // The sandbox's model (sandbox/README.md): each of the 11 days left costs the 20 days' total / 20.
    const actualMicros = actual.coef * 10n ** BigInt(6 - actual.scale);
    const monthEnd = parseDecimal(formatMicros(actualMicros + (actualMicros / 20n) * 11n));
    expect(report.forecast).toEqual({
      actual: formatExact(actual),
      forecastType: "BASIC",
      monthEnd: formatExact(monthEnd),
      rest: formatMicros((actualMicros / 20n) * 11n),
      timeForecastEnded: "2025-06-01T00:00:00.000Z",
      timeForecastStarted: "2025-05-21T00:00:00.000Z",
    });
    expect(compare(monthEnd, actual)).toBeGreaterThanOrEqual(0);
    // The forecast rows never reach the report's items.
    expect(report.items.every((item) => item.isForecast === false)).toBe(true);
    expect(
      report.items.every(
        (item) => Date.parse(item.timeUsageEnded as string) <= Date.parse("2025-05-21T00:00:00Z"),
      ),
    ).toBe(true);
    expect(JSON.parse(partial.outputs.forecast!)).toEqual({
      month: "2025-05",
      actual: formatExact(actual),
      forecast: formatExact(monthEnd),
      currency: "USD",
    });
    expect(rowOf(partial.summary, "### Forecast and freshness", "2025-05 (partial)")).toEqual([
      "2025-05 (partial)",
      formatFixed(actual, 2),
      formatFixed(monthEnd, 2),
      "⏳ from 2025-05-18",
    ]);
  });

  it("marks the days within the data lag: the partial month's JSON and summary, none on a settled month", async () => {
    const april = JSON.parse(
      await readFile(join(ws.dir, "reports/2025-04/usage-monthly-cost.json"), "utf8"),
    ) as JsonReport;
    expect(april).not.toHaveProperty("unsettledFrom");
    expect(april).not.toHaveProperty("forecast");
    expect(rowOf(partial.summary, "### Forecast and freshness", "2025-04")).toBeUndefined();
    const may = JSON.parse(
      await readFile(join(ws.dir, "reports/2025-05/usage-monthly-cost.json"), "utf8"),
    ) as JsonReport;
    expect(may.unsettledFrom).toBe("2025-05-18");
  });

  it("says in the commit message that the month is partial and not yet settled", () => {
    const message = git(ws.dir, "log", "-1", "--format=%B");
    expect(message).toBe(
      "Usage report 2025-04..2025-05\n\n2025-05 is partial (the current month), not yet settled from 2025-05-18: the next run replaces its files.",
    );
  });

  it("a whole past month still within the lag gets unsettledFrom, and no forecast", async () => {
    const other = await createWorkspace();
    try {
      const june1 = await run({ months: "previous", "settle-days": "3" }, "2025-06-01T08:00:00Z", other.dir);
      expect(june1.code, june1.errors.join("\n")).toBe(0);
      const report = JSON.parse(
        await readFile(join(other.dir, "reports/2025-05/usage-monthly-cost.json"), "utf8"),
      ) as JsonReport;
      expect(report.unsettledFrom).toBe("2025-05-29");
      expect(report).not.toHaveProperty("forecast");
      expect(june1.outputs.forecast).toBe("");
      expect(rowOf(june1.summary, "### Forecast and freshness", "2025-05")?.[3]).toBe("⏳ from 2025-05-29");
    } finally {
      await other.dispose();
    }
  });

  it("budget-on: forecast trips the gate on the forecast month-end where the actual total does not", async () => {
    const { actual, forecast } = JSON.parse(partial.outputs.forecast!) as Record<string, string>;
    const budget = formatExact(
      divide(add(parseDecimal(actual!), parseDecimal(forecast!)), parseDecimal(2), 2)!,
    );
    expect(compare(parseDecimal(budget), parseDecimal(actual!))).toBe(1);
    expect(compare(parseDecimal(budget), parseDecimal(forecast!))).toBe(-1);
    const gate = { months: "2025-05", budget, "budget-action": "fail" };
    const other = await createWorkspace();
    try {
      const onActual = await run(gate, NOW, other.dir);
      expect(onActual.code, onActual.errors.join("\n")).toBe(0);
      const onForecast = await run({ ...gate, "budget-on": "forecast" }, NOW, other.dir);
      expect(onForecast.code).not.toBe(0);
      expect(onForecast.errors.join("\n")).toContain(
        `over budget: 2025-05 forecast month-end total ${formatFixed(parseDecimal(forecast!), 2)} USD is over the budget of ${budget}`,
      );
      expect(rowOf(onForecast.summary, "### Forecast and freshness", "2025-05 (partial)")?.[4]).toBe(
        "❌ forecast over budget (fails the run)",
      );
    } finally {
      await other.dispose();
    }
  });
});
