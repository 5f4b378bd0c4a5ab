// The built action's insight against the sandbox: the cost-by-tag table and its allocation coverage, and
// the `anomalies` output (a spike, a new service, and none on flat months), each checked against sums
// taken independently from the JSON report files the same run wrote.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import {
  add,
  type Decimal,
  formatExact,
  formatFixed,
  parseDecimal,
  subtract,
  ZERO,
} from "../../src/lib/money.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  runAction,
  sandboxInputs,
  tableAfter,
  type Workspace,
} from "./report-harness.js";

const TAG = { namespace: "finance", key: "CostCenter" };

type Item = Record<string, unknown>;

async function jsonItems(ws: Workspace, month: string): Promise<Item[]> {
  const path = join(ws.dir, "reports", month, "usage-monthly-cost.json");
  return (JSON.parse(await readFile(path, "utf8")) as { items: Item[] }).items;
}

/** computedAmount summed per key of each item (undefined: the item's key is "(untagged)"). */
function sumBy(items: Item[], key: (item: Item) => string | undefined): Map<string, Decimal> {
  const sums = new Map<string, Decimal>();
  for (const item of items) {
    const name = key(item) ?? "(untagged)";
    sums.set(name, add(sums.get(name) ?? ZERO, parseDecimal(item.computedAmount as number)));
  }
  return sums;
}

function tagValue(item: Item): string | undefined {
  const tags = (item.tags ?? []) as Array<{ namespace: string; key: string; value: string | null }>;
  const tag = tags.find((t) => t.namespace === TAG.namespace && t.key === TAG.key);
  return tag?.value || undefined;
}

interface AnomaliesOutput {
  count: number;
  currency: string;
  items: Array<Record<string, string | null>>;
}

describe("the built action's cost by tag and anomalies against the sandbox", () => {
  let sandbox: Sandbox;
  let small: Sandbox;
  let bundle: { entry: string; dir: string };
  const workspaces: Workspace[] = [];

  async function report(
    on: Sandbox,
    inputs: Record<string, string>,
  ): Promise<{ ws: Workspace; run: ActionRun }> {
    const ws = await createWorkspace();
    workspaces.push(ws);
    const run = await runAction(
      bundle.entry,
      { ...sandboxInputs(on.endpoints), ...inputs },
      { workspace: ws.dir },
    );
    expect(run.code, run.stderr).toBe(0);
    return { ws, run };
  }

  beforeAll(async () => {
    // A data set of ten resources has a service (Logging) that starts in 2025-07.
    [bundle, sandbox, small] = await Promise.all([
      buildActionBundle(),
      startSandbox(),
      startSandbox({ resources: 10 }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(workspaces.map((ws) => ws.dispose()));
    await Promise.all([sandbox?.stop(), small?.stop()]);
  });

  it("tables the cost per tag value and the untagged cost, exactly the JSON files' sums, with the coverage", async () => {
    const months = ["2025-02", "2025-03"];
    const { ws, run } = await report(sandbox, {
      months: "2025-02..2025-03",
      "group-by-tag": "finance.CostCenter",
    });
    const sums = await Promise.all(months.map(async (m) => sumBy(await jsonItems(ws, m), tagValue)));
    const rows = tableAfter(run.summary, "### Cost by tag finance.CostCenter (USD)");
    const untagged = rows.at(-1)!;
    expect(untagged[0]).toBe("_(untagged)_");
    // The data set has untagged cost: coverage is below 100%, and above 0.
    for (const [i, m] of months.entries()) {
      expect(untagged[i + 1]).toBe(formatFixed(sums[i]!.get("(untagged)")!, 2));
      expect(sums[i]!.size).toBeGreaterThan(2);
      for (const row of rows.slice(0, -1))
        expect(row[i + 1]).toBe(formatFixed(sums[i]!.get(row[0]!) ?? ZERO, 2));
      const total = [...sums[i]!.values()].reduce(add, ZERO);
      const tagged = subtract(total, sums[i]!.get("(untagged)")!);
      const coverage = tableAfter(run.summary, "### Allocation coverage by finance.CostCenter")[i]!;
      expect(coverage.slice(0, 3)).toEqual([m, formatFixed(tagged, 2), untagged[i + 1]]);
      const percent = Number(coverage[3]!.replace("%", ""));
      expect(percent).toBeGreaterThan(50);
      expect(percent).toBeLessThan(100);
    }
    expect(rows.length).toBeLessThanOrEqual(12); // the top 10, Other, untagged
  });

  it("finds the data set's 2025-03 spike of compartment app, with the JSON files' exact figures", async () => {
    const { ws, run } = await report(sandbox, { months: "2025-02..2025-03", "compare-previous": "false" });
    const [before, after] = await Promise.all(
      ["2025-02", "2025-03"].map(async (m) =>
        sumBy(await jsonItems(ws, m), (i) => i.compartmentName as string),
      ),
    );
    const output = JSON.parse(run.outputs.anomalies!) as AnomaliesOutput;
    const previous = before!.get("app")!;
    const current = after!.get("app")!;
    expect(output).toMatchObject({ count: 1, currency: "USD" });
    expect(output.items).toEqual([
      {
        month: "2025-03",
        previousMonth: "2025-02",
        dimension: "compartment",
        name: "app",
        kind: "increase",
        previous: formatExact(previous),
        current: formatExact(current),
        change: formatExact(subtract(current, previous)),
        percent: "29.6",
      },
    ]);
    expect(tableAfter(run.summary, "### Anomalies")).toEqual([
      [
        "2025-03",
        "compartment",
        "app",
        "increase",
        formatFixed(previous, 2),
        formatFixed(current, 2),
        `+${formatFixed(subtract(current, previous), 2)}`,
        "+29.6%",
      ],
    ]);
  });

  it("finds a new service, whatever its amount", async () => {
    const { ws, run } = await report(small, { months: "2025-07", "group-by": "service" });
    const logging = sumBy(await jsonItems(ws, "2025-07"), (i) => i.service as string).get("Logging")!;
    const output = JSON.parse(run.outputs.anomalies!) as AnomaliesOutput;
    expect(output.items.filter((a) => a.kind === "new")).toEqual([
      {
        month: "2025-07",
        previousMonth: "2025-06",
        dimension: "service",
        name: "Logging",
        kind: "new",
        previous: "0",
        current: formatExact(logging),
        change: formatExact(logging),
        percent: null,
      },
    ]);
  });

  it("finds none on flat months, and says so in the summary", async () => {
    const { run } = await report(sandbox, { months: "2025-04..2025-06" });
    expect(JSON.parse(run.outputs.anomalies!)).toEqual({
      count: 0,
      currency: "USD",
      thresholds: { percent: "25", amount: "100" },
      items: [],
      truncated: false,
    });
    expect(run.summary).toContain(
      "None in 2025-04, 2025-05, 2025-06: no service or compartment changed that much",
    );
  });
});
