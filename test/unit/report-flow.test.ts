import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { safeLogLine } from "../../src/lib/text.js";
import { EndpointError, type UsagePage, type UsageRequest } from "../../src/report/endpoint.js";
import { FatalReportError } from "../../src/report/errors.js";
import { focusGroupBy } from "../../src/report/focus.js";
import { fileBase, type ReportDeps, runReport } from "../../src/report/index.js";
import { type ReportInputs, readReportInputs } from "../../src/report/inputs.js";

const NOW = new Date("2026-03-15T10:00:00Z");
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "report-flow-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function inputs(overrides: Record<string, string> = {}): ReportInputs {
  const values: Record<string, string> = {
    endpoint: "https://gw.example.com/usage",
    "token-url": "https://idcs-x.identity.oraclecloud.com",
    "client-id": "id",
    "client-secret": "secret-xyz",
    scope: "https://api/usage.read",
    months: "2025-12..2026-02",
    focus: "true",
    ...overrides,
  };
  return readReportInputs((n) => values[n] ?? "", { now: NOW, setSecret: () => {} });
}

type MonthScript =
  | { pages: Array<Record<string, unknown>[]> }
  | { error: Error; afterPages?: Array<Record<string, unknown>[]> };

function item(service: string, amount: number, extra: Record<string, unknown> = {}) {
  return {
    service,
    skuPartNumber: "B1",
    skuName: "sku",
    unit: "OCPU_HOURS",
    compartmentName: "prod",
    region: "eu-frankfurt-1",
    timeUsageStarted: "x",
    timeUsageEnded: "y",
    computedAmount: amount,
    computedQuantity: 1,
    currency: "USD",
    tags: [],
    ...extra,
  };
}

interface Harness {
  deps: ReportDeps;
  outputs: Record<string, string>;
  logs: string[];
  warnings: string[];
  /** The log groups opened, in order, with the lines logged inside each. */
  groups: Array<{ name: string; lines: string[] }>;
  summaries: string[];
  requests: UsageRequest[];
  commits: Array<{ paths: string[]; message: string; branch: string | undefined }>;
}

function harness(
  script: Record<string, MonthScript>,
  options: { summaryFails?: boolean; commitSha?: string } = {},
): Harness {
  const h: Harness = {
    outputs: {},
    logs: [],
    warnings: [],
    groups: [],
    summaries: [],
    requests: [],
    commits: [],
    deps: undefined as never,
  };
  let t = NOW.getTime();
  h.deps = {
    root,
    clock: {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
      random: () => 0.5,
    },
    log: {
      info: (l) => h.logs.push(l),
      warning: (l) => h.warnings.push(l),
      group: async (name, fn) => {
        const from = h.logs.length;
        const result = await fn();
        h.groups.push({ name, lines: h.logs.slice(from) });
        return result;
      },
    },
    setSecret: () => {},
    setOutput: (name, value) => {
      h.outputs[name] = value;
    },
    writeSummary: async (md) => {
      if (options.summaryFails) throw new Error("Unable to access summary file");
      h.summaries.push(md);
    },
    createTokenClient: () => ({ getToken: async () => "t", invalidate: () => true, close: async () => {} }),
    createEndpointClient: () => ({
      async fetchMonth(body: UsageRequest, onPage: (p: UsagePage) => Promise<void> | void) {
        h.requests.push(body);
        const month = body.timeUsageStarted.slice(0, 7);
        const s = script[month] ?? { pages: [[]] };
        const pages = "pages" in s ? s.pages : (s.afterPages ?? []);
        let n = 0;
        let items = 0;
        for (const page of pages) {
          n++;
          items += page.length;
          await onPage({ groupBy: body.groupBy, items: page, page: n });
        }
        if ("error" in s) throw s.error;
        return { pages: n, items };
      },
    }),
    commit: async (o) => {
      h.commits.push({ paths: o.paths, message: o.message, branch: o.branch });
      return options.commitSha;
    },
  };
  return h;
}

const DATA: Record<string, MonthScript> = {
  "2025-11": { pages: [[item("Compute", 50)]] },
  "2025-12": {
    pages: [[item("Compute", 0.1), item("Storage", 0.2)], [item("Compute", -0.05, { currency: null })]],
  },
  "2026-01": { pages: [[item("Compute", 10.005), item("Storage", 0.1)]] },
  "2026-02": {
    pages: [
      [
        item("Compute", 20),
        item("Storage", -2.5, { tags: [{ namespace: "Ops", key: "k", value: "=cmd|' /C calc'!A0" }] }),
      ],
    ],
  },
};

const base = fileBase({ granularity: "MONTHLY", queryType: "COST" });

describe("runReport", () => {
  it("writes CSV, JSON and FOCUS files per month and sets the outputs", async () => {
    const h = harness(DATA);
    const result = await runReport(inputs(), h.deps);
    const files = ["2025-12", "2026-01", "2026-02"].flatMap((m) =>
      [".csv", ".json", ".focus.csv"].map((ext) => `reports/${m}/${base}${ext}`),
    );
    expect(result.files).toEqual(files);
    expect(h.outputs).toEqual({
      files: JSON.stringify(files),
      months: '["2025-12","2026-01","2026-02"]',
      forecast: "",
      total: "17.5",
      currency: "USD",
      changed: "true",
      "commit-sha": "",
      anomalies: JSON.stringify({
        count: 1,
        currency: "USD",
        thresholds: { percent: "25", amount: "100" },
        items: [
          {
            month: "2025-12",
            previousMonth: "2025-11",
            dimension: "service",
            name: "Storage",
            kind: "new",
            previous: "0",
            current: "0.2",
            change: "0.2",
            percent: null,
          },
        ],
        truncated: false,
      }),
    });
    expect(result.months.map((m) => m.total)).toEqual([
      { coef: 25n, scale: 2 },
      { coef: 10105n, scale: 3 },
      { coef: 175n, scale: 1 },
    ]);
    expect(await readdir(join(root, "reports", "2026-02"))).toEqual([
      `${base}.csv`,
      `${base}.focus.csv`,
      `${base}.json`,
    ]);
    expect(h.commits).toEqual([]);
    // Each month's FOCUS file has a query of its own, right after the month's; the month before the first
    // one was fetched for the change column, and no file was written for it.
    expect(h.requests.map((r) => r.timeUsageStarted.slice(0, 7))).toEqual([
      "2025-12",
      "2025-12",
      "2026-01",
      "2026-01",
      "2026-02",
      "2026-02",
      "2025-11",
    ]);
    expect(h.requests[1]!.groupBy).toEqual(focusGroupBy([]));
    expect(await readdir(join(root, "reports"))).toEqual(["2025-12", "2026-01", "2026-02"]);
    expect(h.summaries).toHaveLength(1);
    expect(h.summaries[0]).toContain("| 2025-12 | 0.25 | USD | -49.75 | -99.5% | 3 |");
  });

  it("sends the query of the inputs with whole-day UTC windows", async () => {
    const h = harness(DATA);
    await runReport(
      inputs({ "group-by-tag": "Ops.k", "compartment-depth": "2", "tenant-id": "ocid1.tenancy.oc1..t" }),
      h.deps,
    );
    expect(h.requests[0]).toEqual({
      tenantId: "ocid1.tenancy.oc1..t",
      granularity: "MONTHLY",
      queryType: "COST",
      timeUsageStarted: "2025-12-01T00:00:00.000Z",
      timeUsageEnded: "2026-01-01T00:00:00.000Z",
      groupBy: ["service", "skuPartNumber", "skuName", "unit", "compartmentName", "region"],
      groupByTag: [{ namespace: "Ops", key: "k" }],
      compartmentDepth: 2,
    });
    const json = JSON.parse(await readFile(join(root, "reports", "2025-12", `${base}.json`), "utf8"));
    expect(json.query.tenantId).toBeUndefined();
  });

  it("writes CSV that parses back to the JSON items, with formula text neutralised and numbers kept", async () => {
    const h = harness(DATA);
    await runReport(inputs({ "group-by-tag": "Ops.k" }), h.deps);
    const dir = join(root, "reports", "2026-02");
    const json = JSON.parse(await readFile(join(dir, `${base}.json`), "utf8"));
    const csv = parse(await readFile(join(dir, `${base}.csv`), "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv).toHaveLength(json.items.length);
    csv.forEach((row, i) => {
      const it = json.items[i];
      expect(row.service).toBe(it.service);
      expect(Number(row.computedAmount)).toBe(it.computedAmount);
    });
    expect(csv[1]!.computedAmount).toBe("-2.5");
    expect(csv[1]!["tag:Ops.k"]).toBe("'=cmd|' /C calc'!A0");
    const focus = parse(await readFile(join(dir, `${base}.focus.csv`), "utf8"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(focus[1]).toMatchObject({
      BilledCost: "-2.5",
      ChargeCategory: "Credit",
      Tags: '{"Ops.k":"=cmd|\' /C calc\'!A0"}',
    });
  });

  it("a re-run with the same data changes no file", async () => {
    await runReport(inputs(), harness(DATA).deps);
    const again = harness(DATA);
    const result = await runReport(inputs(), again.deps);
    expect(result.changed).toBe(false);
    expect(again.outputs.changed).toBe("false");
  });

  it("a month that fails mid-stream leaves no file; the others stay; the run fails at the end naming it", async () => {
    const h = harness({
      ...DATA,
      "2026-01": {
        afterPages: [[item("Compute", 1)]],
        error: new EndpointError("page 2 failed after retries: HTTP 503"),
      },
    });
    const err = (await runReport(inputs(), h.deps).catch((e: Error) => e)) as Error;
    expect(err.message).toBe("1 of 3 month(s) failed: 2026-01 (page 2 failed after retries: HTTP 503)");
    expect(await readdir(join(root, "reports"))).toEqual(["2025-12", "2026-02"]);
    expect(JSON.parse(h.outputs.months!)).toEqual(["2025-12", "2026-02"]);
    expect(JSON.parse(h.outputs.files!)).toHaveLength(6);
    expect(h.summaries[0]).toContain("- 2026-01: page 2 failed after retries: HTTP 503");
    expect(h.warnings).toContain("month 2026-01 failed: page 2 failed after retries: HTTP 503");
  });

  it("after a fatal error the remaining months are not attempted", async () => {
    const h = harness({
      ...DATA,
      "2025-12": { error: new FatalReportError("token request failed with invalid_client") },
    });
    const err = (await runReport(inputs(), h.deps).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /^3 of 3 month\(s\) failed: 2025-12 \(token request failed with invalid_client\); 2026-01 \(not attempted/,
    );
    expect(h.requests).toHaveLength(1);
    await expect(readdir(join(root, "reports"))).resolves.toEqual([]);
  });

  it("reports a fatal error once, as the run's error, without a month warning", async () => {
    const h = harness({
      ...DATA,
      "2025-12": { error: new FatalReportError("token request failed with invalid_client") },
    });
    const err = (await runReport(inputs(), h.deps).catch((e: Error) => e)) as Error;
    expect(err.message.match(/invalid_client/g)).toHaveLength(1);
    expect(h.warnings).toEqual([]);
  });

  it("warns when a month is over the budget, or fails the run with budget-action fail", async () => {
    const warn = harness(DATA);
    await runReport(inputs({ budget: "15" }), warn.deps);
    expect(warn.warnings).toEqual(["budget: 2026-02 total 17.50 USD is over the budget of 15"]);
    const fail = harness(DATA);
    await expect(runReport(inputs({ budget: "15", "budget-action": "fail" }), fail.deps)).rejects.toThrow(
      "over budget: 2026-02 total 17.50 USD is over the budget of 15",
    );
    expect(fail.summaries[0]).toContain("❌ over budget");
    expect(fail.outputs.total).toBe("17.5");
  });

  it("a summary that cannot be written is a warning, not a failure", async () => {
    const h = harness(DATA, { summaryFails: true });
    await expect(runReport(inputs(), h.deps)).resolves.toBeDefined();
    expect(h.warnings).toEqual(["could not write the job summary: Unable to access summary file"]);
  });

  it("commits the files with the months in the message and outputs the SHA", async () => {
    const h = harness(DATA, { commitSha: "abc123" });
    await runReport(
      inputs({ commit: "true", "commit-branch": "reports", "commit-message": "Reports {months} [skip ci]" }),
      h.deps,
    );
    expect(h.commits).toEqual([
      {
        paths: JSON.parse(h.outputs.files!),
        message: "Reports 2025-12..2026-02 [skip ci]",
        branch: "reports",
      },
    ]);
    expect(h.outputs["commit-sha"]).toBe("abc123");
  });

  it("logs the fetching and the commit each in a group of its own", async () => {
    const h = harness(DATA, { commitSha: "abc123" });
    await runReport(inputs({ commit: "true" }), h.deps);
    expect(h.groups.map((g) => g.name)).toEqual(["Fetch the usage reports", "Commit the reports"]);
    expect(h.groups[0]!.lines.filter((l) => l.startsWith("month "))).toHaveLength(3);
    expect(h.groups[1]!.lines).toEqual(["committed and pushed abc123"]);
  });

  it("uses another month's currency when a month's rows have none", async () => {
    const h = harness({
      "2025-12": { pages: [[item("A", 1, { currency: null })]] },
      "2026-01": { pages: [[item("A", 1, { currency: "EUR" })]] },
    });
    const result = await runReport(
      inputs({ months: "2025-12..2026-01", "compare-previous": "false" }),
      h.deps,
    );
    expect(result.months.map((m) => m.currency)).toEqual(["EUR", "EUR"]);
    expect(h.requests).toHaveLength(4); // each month's and its FOCUS file's
  });

  it("never logs data as a line the runner could read as a workflow command", async () => {
    const h = harness({
      "2026-02": { error: new EndpointError("endpoint answered HTTP 400 x\n::add-mask::pwned") },
    });
    await runReport(inputs({ months: "2026-02" }), h.deps).catch(() => {});
    for (const line of [...h.logs, ...h.warnings]) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line).not.toMatch(/^\s*::/);
    }
    expect(safeLogLine("::error::x")).toBe(": :error::x");
    expect(safeLogLine("  ::set-output name=x::y\n::x")).toBe("  : :set-output name=x::y ::x");
  });
  it("asks for the current month's forecast, and a failed forecast is only a warning", async () => {
    const h = harness({ "2026-03": { pages: [[item("Compute", 7)]] } });
    const endpoint = h.deps.createEndpointClient;
    h.deps.createEndpointClient = (options) => {
      const inner = endpoint(options);
      return {
        fetchMonth: (body, onPage) =>
          body.forecast ? Promise.reject(new Error("429 TooManyRequests")) : inner.fetchMonth(body, onPage),
      };
    };
    const result = await runReport(inputs({ months: "2026-03", "compare-previous": "false" }), h.deps);
    expect(h.warnings).toContain(
      "could not fetch the forecast of 2026-03 (429 TooManyRequests); the summary shows none",
    );
    expect(result.failed).toEqual([]);
    expect(result.months[0]?.outlook).toEqual({ unsettledFrom: "2026-03-13" });
    expect(h.outputs.forecast).toBe("");
  });
  it("with budget-on: forecast, the current month's forecast month-end meets the budget gate", async () => {
    const h = harness({ "2026-03": { pages: [[item("Compute", 7)]] } });
    const endpoint = h.deps.createEndpointClient;
    h.deps.createEndpointClient = (options) => {
      const inner = endpoint(options);
      return {
        fetchMonth: async (body, onPage) => {
          if (!body.forecast) return inner.fetchMonth(body, onPage);
          h.requests.push(body);
          await onPage({
            groupBy: undefined,
            items: [item("x", 7), item("x", 4, { isForecast: true })],
            page: 1,
          });
          return { pages: 1, items: 2 };
        },
      };
    };
    const run = runReport(
      inputs({
        months: "2026-03",
        "compare-previous": "false",
        budget: "10",
        "budget-action": "fail",
        "budget-on": "forecast",
      }),
      h.deps,
    );
    await expect(run).rejects.toThrow(
      "over budget: 2026-03 forecast month-end total 11.00 USD is over the budget of 10",
    );
    expect(h.requests.find((r) => r.forecast)).toMatchObject({
      granularity: "DAILY",
      forecast: {
        forecastType: "BASIC",
        timeForecastStarted: "2026-03-16T00:00:00.000Z",
        timeForecastEnded: "2026-04-01T00:00:00.000Z",
      },
    });
    expect(JSON.parse(h.outputs.forecast!)).toEqual({
      month: "2026-03",
      actual: "7",
      forecast: "11",
      currency: "USD",
    });
  });
});
