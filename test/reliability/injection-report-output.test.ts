// Output injection through the BUILT action: tag values that carry spreadsheet formulas (every OWASP leading
// character, LF, NUL and the full-width forms), workflow commands, GITHUB_OUTPUT heredoc delimiters and
// Markdown/HTML are seeded into the sandbox's usage data, and a report run must let none of them take effect:
// CSV cells neutralised (numbers, negative credits included, stay numbers), no workflow command at the start
// of a log line, outputs that parse to exactly the action's keys, and a summary that shows them as text.
// The JSON report keeps every value exactly as the Usage API sent it.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { add, type Decimal, parseDecimal, ZERO } from "../../src/lib/money.js";
import { neutralizeFormula } from "../../src/report/csv.js";
import { buildSummary, escapeMarkdown, type SummaryMonth } from "../../src/report/summary.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  listFiles,
  parseOutputFile,
  runAction,
  sandboxInputs,
  type Workspace,
} from "../integration/report-harness.js";
import { figuresLine } from "../support/property-runs.js";

const FORMULAS = [
  "=1+1",
  "+1+1",
  "-1+1",
  "@SUM(A1:A2)",
  "\t=1+1",
  "\r=1+1",
  "\n=1+1",
  "\u0000=1+1",
  "＝1+1",
  "＋1",
  "－1",
  "＠SUM(A1)",
  '=HYPERLINK("http://evil.example","click")',
  "=cmd|' /C calc'!A0",
  "a,=1+2",
  'a";=1+2',
  "line\r\nbreak=1",
];
const COMMANDS = [
  "::error::pwned",
  "::add-mask::public",
  "::stop-commands::pwnedtoken",
  "::warning file=x::pwned",
  "x\n::error::pwned-after-newline",
  "%0A::error::encoded",
  "::set-output name=total::0",
  "::set-env name=NODE_OPTIONS::--require=/tmp/x",
];
const HEREDOCS = [
  "EOF",
  "ghadelimiter_00000000-0000-0000-0000-000000000000",
  "x\nEOF\ninjected=1",
  "total<<EOF\n1\nEOF",
  "\ntotal=1\n",
];
const MARKUP = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "</details><h1>pwned</h1>",
  "<!-- hidden",
  "| a | b |",
  "[click](https://evil.example)",
  "![x](https://evil.example/x.png)",
  "**bold** _em_ ~~s~~ `code`",
  "&lt;b&gt;entity&lt;/b&gt;",
  "# heading",
  "$\\color{red}{\\huge{pwned}}$",
  "```mermaid",
  "right\u202Eto-left",
  "\\|escaped pipe",
];
const HOSTILE = [...FORMULAS, ...COMMANDS, ...HEREDOCS, ...MARKUP];

const MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"];
const OUTPUT_KEYS = [
  "anomalies",
  "changed",
  "commit-sha",
  "currency",
  "files",
  "forecast",
  "months",
  "total",
];
/** Workflow commands the action itself writes. */
const OWN_COMMANDS = /^::(add-mask|error|warning|debug|group|endgroup)::/;
const FORMULA_START = /^[=+\-@\t\r\n\u0000＝＋－＠]/;
const UNESCAPED_PIPE = /(?<!\\)\|/g;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

type Item = Record<string, unknown>;
const tally = { values: HOSTILE.length, cells: 0, lines: 0, summaries: 0, findings: 0 };

function createdBy(item: Item): string | undefined {
  const tags = (item.tags ?? []) as { namespace: string; key: string; value: string }[];
  return tags.find((t) => t.namespace === "Oracle-Tags" && t.key === "CreatedBy")?.value;
}

describe("output injection through tag values", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let ws: Workspace;
  let run: ActionRun;

  beforeAll(async () => {
    [bundle, sandbox, ws] = await Promise.all([
      buildActionBundle(),
      // Four resources per value, so that each is billed in the months reported.
      startSandbox({ extraTagValues: HOSTILE, resources: 4 + 4 * HOSTILE.length }),
      createWorkspace(),
    ]);
    run = await runAction(
      bundle.entry,
      {
        ...sandboxInputs(sandbox.endpoints),
        months: `${MONTHS[0]}..${MONTHS.at(-1)}`,
        "group-by": "service,compartmentName,tagValue",
        "group-by-tag": "Oracle-Tags.CreatedBy",
        focus: "true",
      },
      { workspace: ws.dir },
    );
  }, 180_000);

  afterAll(async () => {
    await sandbox?.stop();
    await ws?.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
    console.log(
      figuresLine("injection", {
        "hostile values seeded": tally.values,
        "CSV cells checked": tally.cells,
        "log lines checked": tally.lines,
        "summary tables checked": tally.summaries,
        findings: tally.findings,
      }),
    );
  });

  const report = async (month: string, ext: string) =>
    readFile(join(ws.dir, `reports/${month}/usage-monthly-cost.${ext}`), "utf8");

  it("runs, and the JSON reports keep every hostile value exactly as the Usage API sent it", async () => {
    expect(run.code, run.stdout).toBe(0);
    const seen = new Set<string>();
    for (const month of MONTHS) {
      const json = JSON.parse(await report(month, "json")) as { items: Item[] };
      for (const item of json.items) {
        const value = createdBy(item);
        if (value !== undefined) seen.add(value);
      }
    }
    expect(HOSTILE.filter((value) => !seen.has(value))).toEqual([]);
  });

  it("neutralises every CSV text cell that would start a formula and keeps numbers numbers", async () => {
    const csvFiles = (await listFiles(ws.dir)).filter((f) => f.endsWith(".csv"));
    expect(csvFiles.length).toBe(MONTHS.length * 2); // the plain report and the FOCUS file
    let negatives = 0;
    for (const file of csvFiles) {
      const rows = parse(await readFile(join(ws.dir, file), "utf8"), { relax_quotes: false }) as string[][];
      for (const row of rows) {
        for (const cell of row) {
          tally.cells++;
          if (FORMULA_START.test(cell) && !/^-\d+(\.\d+)?$/.test(cell)) tally.findings++;
          expect(
            /^-\d+(\.\d+)?$/.test(cell) || !FORMULA_START.test(cell),
            `${file}: ${JSON.stringify(cell)}`,
          ).toBe(true);
        }
      }
    }
    for (const month of MONTHS) {
      const json = JSON.parse(await report(month, "json")) as { items: Item[] };
      const rows = parse(await report(month, "csv"), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(json.items.length); // no CR or LF split a record
      json.items.forEach((item, i) => {
        const row = rows[i]!;
        expect(row["tag:Oracle-Tags.CreatedBy"]).toBe(neutralizeFormula(createdBy(item) ?? ""));
        // A negative cost stays a plain number in CSV and JSON, never a quoted, formula-escaped string.
        expect(typeof item.computedAmount).toBe("number");
        expect(Number(row.computedAmount)).toBe(item.computedAmount);
        if ((item.computedAmount as number) < 0) {
          negatives++;
          expect(row.computedAmount).toMatch(/^-\d/);
        }
      });
    }
    expect(negatives).toBeGreaterThan(0); // the credits are in the data
  });

  it("lets no workflow command reach the start of a log line", () => {
    const lines = [...run.stdout.split(/\r?\n|\r/), ...run.stderr.split(/\r?\n|\r/)];
    tally.lines += lines.length;
    const foreign = lines.filter((line) => /^\s*::/.test(line) && !OWN_COMMANDS.test(line));
    tally.findings += foreign.length;
    expect(foreign).toEqual([]);
    // Nothing from the data was registered as a mask, and nothing stopped command processing.
    for (const line of lines.filter((l) => l.startsWith("::add-mask::")))
      expect(line).not.toContain("public");
    expect(run.stdout).not.toMatch(/^::stop-commands::/m);
  });

  it("writes outputs that parse to exactly the action's keys", () => {
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUT_KEYS);
    // Each heredoc opens and closes with its own delimiter; no line of the file stands outside one.
    const lines = run.outputFile.split("\n");
    let open: string | undefined;
    let blocks = 0;
    for (const line of lines) {
      if (open === undefined) {
        if (line === "") continue;
        const start = /^([a-z-]+)<<(ghadelimiter_[0-9a-f-]{36})$/.exec(line);
        expect(start, line).not.toBeNull();
        open = start?.[2];
        blocks++;
      } else if (line === open) open = undefined;
    }
    expect(open).toBeUndefined();
    expect(blocks).toBe(OUTPUT_KEYS.length);
    expect(parseOutputFile(run.outputFile)).toEqual(run.outputs);
    expect(JSON.parse(run.outputs.months ?? "")).toEqual(MONTHS);
  });

  it("shows the hostile values in the built action's summary as text: no HTML, link, math or table breakout", () => {
    expectInertSummary(run.summary, "### Cost by tag");
    // The tag table holds the top values; each one it shows is escaped.
    expect(HOSTILE.filter((value) => run.summary.includes(escapeMarkdown(value))).length).toBeGreaterThan(0);
  });

  it("escapes every hostile value in every summary table and chart label", () => {
    const amount = (i: number) => parseDecimal(((i % 7) - 1) * 10 + i / 100);
    const named = HOSTILE.map((name, i): [string, Decimal] => [name, amount(i)]);
    const figures = (month: string): SummaryMonth => ({
      month,
      rows: HOSTILE.length,
      total: named.reduce((acc, [, v]) => add(acc, v), ZERO),
      currency: "USD",
      currencies: ["USD"],
      byService: named,
      byCompartment: named,
      byTag: { values: named, untagged: parseDecimal(1) },
      partial: false,
    });
    const summary = buildSummary({
      months: [figures("2025-05"), figures("2025-06")],
      failed: HOSTILE.slice(0, 5).map((reason) => ({ month: "2025-04", reason })),
      granularity: "MONTHLY",
      queryType: "COST",
      files: HOSTILE.slice(0, 5),
      tag: "Oracle-Tags.CreatedBy",
      topN: HOSTILE.length,
    });
    for (const heading of ["### Top services", "### Top compartments", "### Cost by tag"])
      expectInertSummary(summary, heading);
    for (const value of HOSTILE) expect(summary, JSON.stringify(value)).toContain(escapeMarkdown(value));
    // Pie labels: one quoted label of letters, digits and safe marks per slice.
    for (const line of summary.split("\n").filter((l) => /^ {2}"/.test(l)))
      expect(line).toMatch(/^ {2}"[\p{L}\p{N} ._/()…-]+" : -?\d+\.\d{2}$/u);
  });
});

/** What the summary may never hold: foreign HTML, links, images, math, bidi controls, headings, fences or table breakout. */
function expectInertSummary(summary: string, tableHeading: string): void {
  tally.summaries++;
  const ownTags = /<\/?(details|summary)>/g;
  // The charts are the action's own Mermaid (arrows included); their labels are checked separately.
  const prose = summary.replace(/^```mermaid\n[\s\S]*?^```$/gm, "");
  expect(
    prose
      .replace(ownTags, "")
      .split("\n")
      // The action's own alert block quotes with "> ".
      .filter((line) => /[<>]/.test(line.replace(/^> (?=\[!WARNING\]$|\d+ month\(s\) failed;)/, ""))),
  ).toEqual([]);
  expect(summary.match(/<details>/g)?.length ?? 0).toBeLessThanOrEqual(1);
  expect(summary).not.toMatch(/(?<!\\)\]\(/); // no Markdown link or image
  expect(summary).not.toMatch(/(?<!\\)\$/); // no math
  expect(summary).not.toMatch(BIDI_CONTROLS);
  expect(summary).not.toMatch(/^#(?!## |# OCI usage report: )/m);
  expect((summary.match(/^```/gm)?.length ?? 0) % 2).toBe(0); // the charts' fences pair up
  // Every row of the table has the header's cell count.
  const lines = summary.split("\n");
  const start = lines.findIndex((line) => line.startsWith(tableHeading));
  expect(start, tableHeading).toBeGreaterThan(0);
  const end = lines.findIndex((line, i) => i > start + 1 && !line.startsWith("|"));
  const table = lines.slice(start + 2, end);
  expect(table.length).toBeGreaterThan(2);
  const cells = (table[0]?.match(UNESCAPED_PIPE) ?? []).length;
  for (const row of table) expect((row.match(UNESCAPED_PIPE) ?? []).length, row).toBe(cells);
}
