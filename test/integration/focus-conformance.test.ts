// FOCUS 1.2 conformance of the report's FOCUS file: the BUILT action against the sandbox writes a whole
// month (credits included, grouped by a tag whose values look like spreadsheet formulas), and every MUST
// rule of the table in test/support/focus-conformance.ts holds on it. The table is also shown to catch a
// removed column and broken values, so that it cannot pass by checking nothing.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { FORMULA_TAG_VALUE } from "../../sandbox/usageapi/dataset.js";
import {
  FOCUS_RULES,
  type FocusDataset,
  type FocusRow,
  focusViolations,
  readFocusCsv,
} from "../support/focus-conformance.js";
import {
  buildActionBundle,
  createWorkspace,
  runAction,
  sandboxInputs,
  type Workspace,
} from "./report-harness.js";

const FILE = "reports/2025-04/usage-monthly-cost.focus.csv";

/** The dataset with one row changed. */
function withRow(
  data: FocusDataset,
  index: number,
  change: Partial<Record<string, string | null>>,
): FocusDataset {
  const rows = data.rows.map((row, i) => (i === index ? ({ ...row, ...change } as FocusRow) : row));
  return { columns: data.columns, rows };
}

const brokenIds = (data: FocusDataset) => focusViolations(data).map((v) => v.id);

describe("the FOCUS file conforms to FOCUS 1.2", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let ws: Workspace;
  let data: FocusDataset;

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([buildActionBundle(), startSandbox()]);
    ws = await createWorkspace();
    const run = await runAction(
      bundle.entry,
      {
        ...sandboxInputs(sandbox.endpoints),
        months: "2025-04",
        focus: "true",
        "focus-version": "1.2",
        "group-by-tag": "Oracle-Tags.CreatedBy",
      },
      { workspace: ws.dir },
    );
    expect(run.code, run.stderr).toBe(0);
    data = readFocusCsv(await readFile(join(ws.dir, FILE), "utf8"));
  });

  afterAll(async () => {
    await sandbox?.stop();
    await ws?.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  it("covers usage and credit rows, and tags whose values look like formulas", () => {
    expect(data.rows.length).toBeGreaterThan(20);
    const categories = new Set(data.rows.map((r) => r.ChargeCategory));
    expect([...categories].sort()).toEqual(["Credit", "Usage"]);
    const tagged = data.rows.filter((r) => r.Tags !== null);
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.some((r) => JSON.parse(r.Tags!)["Oracle-Tags.CreatedBy"] === FORMULA_TAG_VALUE)).toBe(true);
  });

  it("holds every MUST rule of the table", () => {
    const ids = new Set(FOCUS_RULES.map((r) => r.id));
    expect(ids.size, "rule ids are unique").toBe(FOCUS_RULES.length);
    console.info(
      `FOCUS 1.2 conformance: ${FOCUS_RULES.length} rules over ${data.rows.length} rows of ${FILE}`,
    );
    expect(focusViolations(data)).toEqual([]);
  });

  it("emits every column the table names, FOCUS columns first, the x_ extension last", () => {
    const focusColumns = data.columns.filter((c) => !c.startsWith("x_"));
    expect(data.columns.slice(0, focusColumns.length)).toEqual(focusColumns);
    expect(focusColumns).toEqual([...focusColumns].sort());
    expect(data.columns).not.toContain("InvoiceId");
  });

  it("fails when a column is removed", () => {
    const columns = data.columns.filter((c) => c !== "ContractedCost");
    const rows = data.rows.map(({ ContractedCost: _dropped, ...row }) => row);
    expect(brokenIds({ columns, rows })).toEqual(
      expect.arrayContaining(["CostAndUsage-D-030-M", "ContractedCost-C-003-M", "ContractedCost-C-009-C"]),
    );
  });

  it("catches a deliberately broken row, one rule per break", () => {
    const usage = data.rows.findIndex((r) => r.ChargeCategory === "Usage");
    const creditRow = data.rows.findIndex((r) => r.ChargeCategory === "Credit");
    const listCost = Number(data.rows[usage]!.ListCost);
    const cases: Array<[number, Partial<Record<string, string | null>>, string]> = [
      [usage, { BillingAccountId: null }, "BillingAccountId-C-001-M"],
      [usage, { ListCost: String(listCost + 0.01) }, "ListCost-C-009-C"],
      [usage, { ChargePeriodStart: "2025-04-01T00:00:00.000Z" }, "ChargePeriodStart-C-002-M"],
      [usage, { BilledCost: "+1.5" }, "BilledCost-C-002-M"],
      [usage, { PricingUnit: null }, "PricingUnit-C-006-C"],
      [usage, { BillingCurrency: "usd" }, "BillingCurrency-C-003-M"],
      [usage, { ChargeCategory: "Refund" }, "ChargeCategory-C-003-M"],
      [
        usage,
        { ServiceSubcategory: "Block Storage", ServiceCategory: "Compute" },
        "ServiceSubcategory-C-004-M",
      ],
      [usage, { Tags: '["not","an","object"]' }, "Tags-C-001-M"],
      [creditRow, { ConsumedQuantity: "1.0", ConsumedUnit: "Credit" }, "ConsumedQuantity-C-004-C"],
      [creditRow, { EffectiveCost: "0.0" }, "EffectiveCost-C-010-C"],
    ];
    for (const [row, change, id] of cases) expect(brokenIds(withRow(data, row, change)), id).toContain(id);
  });

  it("reads an all-integer Decimal column as the integer type a CSV reader would infer", () => {
    const rows = data.rows.map((r) => ({
      ...r,
      PricingQuantity: r.PricingQuantity?.replace(/\.0$/, "") ?? null,
    }));
    expect(brokenIds({ columns: data.columns, rows })).toContain("PricingQuantity-C-001-M");
  });
});
