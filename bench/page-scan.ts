// Page-scanner benchmark (issue 8): each bespoke page scanner against the plain path on its own step, side
// by side in one run, on pages of 1,000 UsageSummary rows as the sandbox's Usage API writes them (one month).
//
// - Function: a Usage API page's text to the items the function answers (their JSON, count and bytes), on
//   DAILY pages grouped by the action's default group-by. Scanner: scanUsagePage. Plain: JSON.parse, the
//   oci-sdk's UsageAggregation deserialisation (what the SDK does with the page), JSON.stringify of the
//   items and their byte count.
// - Report: one endpoint answer's body bytes to its items and the bytes the JSON report writes for them,
//   as EndpointClient and JsonReportWriter do it. Scanner: isAscii, the latin1 text, scanPage with the
//   bytes (the canonical JSON comes out as bytes). Plain: the UTF-8 text, parsePage (JSON.parse and its
//   checks), CanonicalItemWriter for each item joined as the JSON report joins them, and that string's
//   UTF-8 bytes (what the file write makes of it). On two shapes: DAILY with the default group-by, and
//   MONTHLY grouped by resourceId (mostly nulls), the query of the whole-path report bench.
//
// The step alone understates the report scanner: the plain path's objects and strings also cost the
// whole run garbage collection and memory. The whole-path figure is bench/report.ts's, two builds side by
// side (npx tsx bench/report.ts --rounds 3 a/index.js b/index.js); docs/architecture.md gives it.
//
// Run alone: npx tsx bench/page-scan.ts   (prints the JSON result)
import { isAscii } from "node:buffer";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { models } from "oci-usageapi";
import { scanUsagePage } from "../function/src/page-scan.js";
import { summarizeCompact } from "../sandbox/usageapi/aggregate.js";
import { createDataset } from "../sandbox/usageapi/dataset.js";
import { LayoutCache, scanPage } from "../src/report/answer-scan.js";
import { parsePage } from "../src/report/endpoint.js";
import { CanonicalItemWriter } from "../src/report/json.js";
import { median } from "./stats.js";

const ITEMS_PER_PAGE = 1000;
const PAGES = 8;
const ROUNDS = 25;
const DEFAULT_GROUP_BY = ["service", "skuPartNumber", "skuName", "unit", "compartmentName", "region"];

/** A query shape the pages are made for. */
interface Shape {
  granularity: "DAILY" | "MONTHLY";
  groupBy: string[];
  resources: number;
}

const DEFAULT_SHAPE: Shape = { granularity: "DAILY", groupBy: DEFAULT_GROUP_BY, resources: 20_000 };
const RESOURCE_SHAPE: Shape = { granularity: "MONTHLY", groupBy: ["resourceId"], resources: 20_000 };

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
  resourceAnswerBytes: number;
  rounds: number;
  function: ScannerFigures;
  report: ScannerFigures;
  reportByResource: ScannerFigures;
}

/** The Usage API's pages, as the sandbox writes them: JSON.stringify({groupBy, items}). */
function usageApiPages(shape: Shape): string[] {
  const dataset = createDataset({ resources: shape.resources });
  const summary = summarizeCompact(dataset, {
    tenantId: dataset.tenancyId,
    granularity: shape.granularity,
    timeUsageStarted: "2025-06-01T00:00:00Z",
    timeUsageEnded: "2025-07-01T00:00:00Z",
    groupBy: shape.groupBy,
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

/** The report's plain path: the UTF-8 text, parsePage, the JSON report's item writer, the text's bytes. */
function reportPlain(body: Buffer, writer: CanonicalItemWriter): Uint8Array {
  const { items } = parsePage(body.toString("utf8"));
  let out = "";
  for (let i = 0; i < items.length; i++) out += (i === 0 ? "" : ",\n    ") + writer.write(items[i]);
  return Buffer.from(out, "utf8");
}

/** The report's scanner path, as EndpointClient takes it: an ASCII body read as latin1, with its bytes. */
function reportScanner(body: Buffer, cache: LayoutCache): Uint8Array | undefined {
  const ascii = isAscii(body);
  const text = body.toString(ascii ? "latin1" : "utf8");
  const page = scanPage(text, cache, ascii ? body : undefined);
  return typeof page?.canonical === "string" ? Buffer.from(page.canonical, "utf8") : page?.canonical;
}

/** The report's step on one shape's answers: both paths checked to write the same bytes, then timed. */
function reportStep(shape: Shape): { figures: ScannerFigures; answerBytes: number } {
  const pages = usageApiPages(shape);
  const bodies = pages.map((page, i) => Buffer.from(answerOf(page, i), "utf8"));
  const writer = new CanonicalItemWriter();
  const cache = new LayoutCache();
  for (const body of bodies) {
    const fast = reportScanner(body, cache);
    check(fast !== undefined, `the report's scanner taking a ${shape.groupBy.join(",")} answer`);
    check(Buffer.compare(fast!, reportPlain(body, writer)) === 0, "the report's canonical items");
  }
  const figures = sideBySide({
    scanner: (i) => reportScanner(bodies[i]!, cache),
    plain: (i) => reportPlain(bodies[i]!, writer),
  });
  return { figures, answerBytes: Math.round(bodies.reduce((n, b) => n + b.length, 0) / PAGES) };
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
  const pages = usageApiPages(DEFAULT_SHAPE);
  // Both paths give the same output before either is timed.
  for (const page of pages) {
    const scanned = scanUsagePage(page, { ascii: true });
    const plain = functionPlain(page);
    check(scanned?.itemsJson === plain.json && scanned.itemsBytes === plain.bytes, "the function's items");
  }
  const fn = sideBySide({
    scanner: (i) => scanUsagePage(pages[i]!, { ascii: true }),
    plain: (i) => functionPlain(pages[i]!),
  });
  const report = reportStep(DEFAULT_SHAPE);
  const byResource = reportStep(RESOURCE_SHAPE);
  return {
    pages: PAGES,
    itemsPerPage: ITEMS_PER_PAGE,
    pageBytes: Math.round(pages.reduce((n, p) => n + p.length, 0) / PAGES),
    answerBytes: report.answerBytes,
    resourceAnswerBytes: byResource.answerBytes,
    rounds: ROUNDS,
    function: fn,
    report: report.figures,
    reportByResource: byResource.figures,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(`${JSON.stringify(await benchPageScan(), null, 2)}\n`);
}
