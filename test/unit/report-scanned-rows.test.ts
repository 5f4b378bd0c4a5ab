// The readers of scanned rows (answer-scan.ts ScannedRows) held to the item paths they stand in for: CSV
// records copied from a page's bytes (csv-rows.ts) against CsvWriter.writeEach of rowValues, the month's
// totals from the rows against MonthTotals.add of each item, and the JSON report's writeRows (into its
// reused scratch) against writeMany. Pages are generated flat items, in several layouts, of values the
// scanner takes (commas, quotes left aside: those pages go to the slow path) and values each rule treats
// apart: formula starts, numeric strings, booleans, absent fields.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LayoutCache, type ScannedRows, scanPage } from "../../src/report/answer-scan.js";
import { type Column, type RowContext, reportColumns, rowValues } from "../../src/report/columns.js";
import { CsvWriter } from "../../src/report/csv.js";
import { csvRecords, rowPlan } from "../../src/report/csv-rows.js";
import { JsonReportWriter } from "../../src/report/json.js";
import { MonthTotals } from "../../src/report/totals.js";
import { propertyParameters, runSeed } from "../support/property-runs.js";

const seed = runSeed();
const CTX: RowContext = {
  month: "2025-06",
  billingPeriodStart: "2025-06-01",
  billingPeriodEnd: "2025-07-01",
};
const COLUMNS = reportColumns({
  granularity: "MONTHLY",
  queryType: "COST",
  groupBy: ["resourceId", "service"],
});

const KEYS = [
  "tenantId",
  "service",
  "compartmentPath",
  "compartmentName",
  "compartmentId",
  "resourceId",
  "timeUsageStarted",
  "timeUsageEnded",
  "computedAmount",
  "computedQuantity",
  "unit",
  "currency",
  "extra",
];
const text = fc.constantFrom(
  "",
  "a",
  "USD",
  "EUR",
  "ocid1.instance.oc1..aaaa",
  "=1+2",
  "+1",
  "-3",
  "@SUM(A1)",
  " 12.50 ",
  "12.50",
  "1e-7",
  "abc",
  " ",
  "a,b",
);
/** Rare, as they make the page one the CSV rows path leaves to the items (not ASCII, or not scanned). */
const rare = fc.oneof(
  fc.constantFrom("r\u00e9seau", "\u00a0lead", 'q"uote'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const number = fc.oneof(
  fc.constantFrom(0, 1, -1, 1.5, -58.74, 1199.2576, 0.1, 123456789012345, 0.000001, -0.25),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100),
);
const value = fc.oneof(
  { weight: 30, arbitrary: fc.constant(null) },
  { weight: 30, arbitrary: text },
  { weight: 30, arbitrary: number },
  { weight: 10, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: rare },
);
/** A page: a few layouts (subsets of KEYS in some order), items of those layouts. */
const pageText = fc
  .array(fc.shuffledSubarray(KEYS), { minLength: 1, maxLength: 3 })
  .chain((layouts) =>
    fc.array(
      fc
        .nat(layouts.length - 1)
        .chain((i) =>
          fc.tuple(...layouts[i]!.map((key) => value.map((v) => [key, v] as const))).map(Object.fromEntries),
        ),
      { maxLength: 12 },
    ),
  )
  .map((items) => JSON.stringify({ groupBy: ["resourceId"], items }));

/** The page read by the scanner with its bytes when they are ASCII; undefined when it takes the slow path. */
function scanned(page: string, cache: LayoutCache): ScannedRows | undefined {
  const ascii = Buffer.byteLength(page) === page.length;
  return scanPage(page, cache, ascii ? Buffer.from(page, "latin1") : undefined)?.rows;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "report-scanned-rows-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvOf(pages: ScannedRows[], columns: Column[], viaRows: boolean): Promise<string> {
  const path = join(dir, viaRows ? "rows.csv" : "items.csv");
  const csv = await CsvWriter.open(path, columns);
  const plan = rowPlan(columns, CTX);
  for (const rows of pages) {
    if (viaRows && plan !== undefined && rows.bytes !== undefined) {
      await csv.writeBytes((scratch) => csvRecords(rows, plan, scratch));
    } else await csv.writeEach(rows.items(), (item) => rowValues(columns, item, CTX));
  }
  await csv.close();
  return readFile(path, "utf8");
}

async function jsonOf(pages: ScannedRows[], viaRows: boolean): Promise<string> {
  const path = join(dir, viaRows ? "rows.json" : "items.json");
  const json = await JsonReportWriter.open(path, { month: CTX.month, query: {}, groupBy: ["resourceId"] });
  for (const rows of pages) {
    if (viaRows) await json.writeRows(rows);
    else await json.writeMany(rows.items());
  }
  await json.close();
  return readFile(path, "utf8");
}

/** Pages scanned with one layout cache (as a run reads them); the slow-path ones left out. */
function scannedPages(texts: string[]): ScannedRows[] {
  const cache = new LayoutCache();
  return texts.map((t) => scanned(t, cache)).filter((rows) => rows !== undefined);
}

describe("scanned rows, read where they lie, as their items", () => {
  it("the report columns read a scanned row as rowValues reads its item", () => {
    expect(rowPlan(COLUMNS, CTX)).toBeDefined();
  });

  it("CSV records copied from the pages' bytes are the bytes writeEach writes for the items", async () => {
    let fast = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(pageText, { minLength: 1, maxLength: 4 }), async (texts) => {
        const pages = scannedPages(texts);
        fast += pages.filter((rows) => rows.bytes !== undefined && rows.count > 0).length;
        expect(await csvOf(pages, COLUMNS, true)).toBe(await csvOf(pages, COLUMNS, false));
      }),
      propertyParameters(seed, 150),
    );
    expect(fast).toBeGreaterThan(100);
  });

  it("a plan is made only for columns it can read (not FOCUS-style decimal or item-read columns)", () => {
    const decimal: Column = { name: "d", kind: "decimal", value: () => 1, reads: { field: "x" } };
    const itemRead: Column = { name: "i", kind: "text", value: (item) => String(item.a) };
    expect(rowPlan([...COLUMNS, decimal], CTX)).toBeUndefined();
    expect(rowPlan([...COLUMNS, itemRead], CTX)).toBeUndefined();
    const quoted: Column = { name: "q", kind: "text", value: () => "a,b", reads: "context" };
    expect(rowPlan([quoted], CTX)).toBeUndefined();
  });

  it("the month's totals from the rows are add()'s totals of the items, errors included", () => {
    fc.assert(
      fc.property(fc.array(pageText, { minLength: 1, maxLength: 4 }), (texts) => {
        const pages = scannedPages(texts);
        const viaRows = new MonthTotals(CTX.month);
        const viaItems = new MonthTotals(CTX.month);
        const outcome = (fn: () => void) => {
          try {
            fn();
            return "ok";
          } catch (err) {
            return String(err);
          }
        };
        for (const rows of pages) {
          const a = outcome(() => viaRows.addPage({ items: rows.items(), rows }));
          const b = outcome(() => {
            for (const item of rows.items()) viaItems.add(item);
          });
          expect(a).toBe(b);
          if (a !== "ok") return;
        }
        expect(viaRows.result("EUR")).toEqual(viaItems.result("EUR"));
      }),
      propertyParameters(seed, 300, 1),
    );
  });

  it("the JSON report from the rows, through one reused scratch, is writeMany's of the items", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pageText, { minLength: 1, maxLength: 4 }), async (texts) => {
        const pages = scannedPages(texts);
        expect(await jsonOf(pages, true)).toBe(await jsonOf(pages, false));
      }),
      propertyParameters(seed, 100, 2),
    );
  });

  it("a page's items are made once, only when asked for", () => {
    const rows = scanned(
      JSON.stringify({
        items: [
          { a: 1, b: "x" },
          { a: null, b: "y" },
        ],
      }),
      new LayoutCache(),
    );
    expect(rows?.count).toBe(2);
    expect(rows?.items()).toBe(rows?.items());
    expect(rows?.items()).toEqual([
      { a: 1, b: "x" },
      { a: null, b: "y" },
    ]);
  });
});
