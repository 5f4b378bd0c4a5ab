// Page-scanner benchmark (issue 8): each bespoke page scanner against the plain path on its own step, side
// by side in one run, on pages of 1,000 UsageSummary rows as the sandbox's Usage API writes them (one month,
// DAILY, grouped by the action's default group-by).
//
// - Function: a Usage API page's text to the items the function answers (their JSON, count and bytes).
//   Scanner: scanUsagePage. Plain: JSON.parse, the oci-sdk's UsageAggregation deserialisation (what the SDK
//   does with the page), JSON.stringify of the items and their byte count.
// - Report: one endpoint answer's text to its items and their canonical JSON for the JSON report. Scanner:
//   scanPage with the answer's ASCII bytes (as EndpointClient calls it). Plain: parsePage (JSON.parse and its
//   checks) and CanonicalItemWriter for each item, joined as the JSON report joins them.
//
// Run alone: npx tsx bench/page-scan.ts   (prints the JSON result)
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { models } from "oci-usageapi";
import { scanUsagePage } from "../function/src/page-scan.js";
import { summarizeCompact } from "../sandbox/usageapi/aggregate.js";
import { createDataset } from "../sandbox/usageapi/dataset.js";
import { parsePage } from "../src/report/endpoint.js";
import { CanonicalItemWriter } from "../src/report/json.js";
import { LayoutCache, scanPage } from "../src/report/page-scan.js";
import { median } from "./stats.js";

const ITEMS_PER_PAGE = 1000;
const PAGES = 8;
const ROUNDS = 25;
const GROUP_BY = ["service", "skuPartNumber", "skuName", "unit", "compartmentName", "region"];

interface ScannerFigures {
  /** Median milliseconds per page. */
  scannerMs: number;
  plainMs: number;
  /** plainMs / scannerMs. */
  ratio: number;
}

interface PageScanBench {
  pages: number;
  itemsPerPage: number;
  pageBytes: number;
  answerBytes: number;
  rounds: number;
  function: ScannerFigures;
  report: ScannerFigures;
}

/** The Usage API's pages, as the sandbox writes them: JSON.stringify({groupBy, items}). */
function usageApiPages(): string[] {
  const dataset = createDataset({ resources: 20_000 });
  const summary = summarizeCompact(dataset, {
    tenantId: dataset.tenancyId,
    granularity: "DAILY",
    timeUsageStarted: "2025-06-01T00:00:00Z",
    timeUsageEnded: "2025-07-01T00:00:00Z",
    groupBy: GROUP_BY,
  });
  const pages: string[] = [];
  for (let i = 0; i < PAGES; i++) {
    const items = summary.itemsJson(i * ITEMS_PER_PAGE, ITEMS_PER_PAGE);
    pages.push(`{"groupBy":${JSON.stringify(summary.groupBy)},"items":[${items}]}`);
  }
  return pages;
}

/** The function's plain path: what the SDK makes of the page, serialised as the handler does. */
function functionPlain(text: string): { json: string; count: number; bytes: number } {
  const parsed = JSON.parse(text) as models.UsageAggregation;
  const { items } = models.UsageAggregation.getDeserializedJsonObj(parsed) as models.UsageAggregation;
  const json = JSON.stringify(items).slice(1, -1);
  return { json, count: items.length, bytes: Buffer.byteLength(json) };
}

/** The function's answer for one page, as the action receives it (with a next page). */
function answerOf(page: string, index: number): string {
  const { json } = functionPlain(page);
  const groupBy = (JSON.parse(page) as { groupBy: string[] }).groupBy;
  return `{"groupBy":${JSON.stringify(groupBy)},"items":[${json}],"nextPage":"page-${index + 2}"}`;
}

/** The report's plain path: parsePage and the JSON report's item writer. */
function reportPlain(text: string, writer: CanonicalItemWriter): string {
  const { items } = parsePage(text);
  let out = "";
  for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : ",\n    ") + writer.write(items[i]);
  return out;
}

/** Median ms per page of each contender, run alternately (order swapped each round) after a warm-up. */
function sideBySide(contenders: Record<"scanner" | "plain", (i: number) => unknown>): ScannerFigures {
  const times: Record<string, number[]> = { scanner: [], plain: [] };
  const names = ["scanner", "plain"] as const;
  for (let round = -3; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const run = contenders[name];
      const started = performance.now();
      for (let i = 0; i < PAGES; i++) run(i);
      if (round >= 0) times[name]!.push((performance.now() - started) / PAGES);
    }
  }
  const scannerMs = median(times.scanner!);
  const plainMs = median(times.plain!);
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    scannerMs: round3(scannerMs),
    plainMs: round3(plainMs),
    ratio: Math.round((plainMs / scannerMs) * 100) / 100,
  };
}

function check(same: boolean, what: string): void {
  if (!same) throw new Error(`bench page-scan: the scanner and the plain path disagree on ${what}`);
}

export async function benchPageScan(): Promise<PageScanBench> {
  const pages = usageApiPages();
  const answers = pages.map(answerOf);
  const answerBytes = answers.map((a) => Buffer.from(a, "latin1"));

  // Both paths give the same output before either is timed.
  const writer = new CanonicalItemWriter();
  const cache = new LayoutCache();
  for (let i = 0; i < PAGES; i++) {
    const scanned = scanUsagePage(pages[i]!, { ascii: true });
    const plain = functionPlain(pages[i]!);
    check(scanned?.itemsJson === plain.json && scanned.itemsBytes === plain.bytes, "the function's items");
    const fast = scanPage(answers[i]!, cache, answerBytes[i]);
    const canonical = Buffer.from(fast?.canonical ?? "").toString("latin1");
    check(canonical === reportPlain(answers[i]!, writer), "the report's canonical items");
  }

  const fn = sideBySide({
    scanner: (i) => scanUsagePage(pages[i]!, { ascii: true }),
    plain: (i) => functionPlain(pages[i]!),
  });
  const report = sideBySide({
    scanner: (i) => scanPage(answers[i]!, cache, answerBytes[i]),
    plain: (i) => reportPlain(answers[i]!, writer),
  });
  return {
    pages: PAGES,
    itemsPerPage: ITEMS_PER_PAGE,
    pageBytes: Math.round(pages.reduce((n, p) => n + p.length, 0) / PAGES),
    answerBytes: Math.round(answers.reduce((n, a) => n + a.length, 0) / PAGES),
    rounds: ROUNDS,
    function: fn,
    report,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await benchPageScan(), null, 2)}\n`);
}
