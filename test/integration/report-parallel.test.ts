// The parallel path of a month against the sequential one, through the real token and endpoint clients,
// the gateway and the function: the report files (CSV, JSON, FOCUS) and the job summary must be the same
// bytes for every split (days, the leading group-by dimension) and for the shapes that are not split.
// Small function answers make a month many more pages than the concurrency. With the Usage API's rate
// limit on an injected clock, the AIMD controller halves on the 429s and the bytes stay the same.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import type { Clock } from "../../src/lib/clock.js";
import { EndpointClient } from "../../src/report/endpoint.js";
import { type ReportDeps, runReport } from "../../src/report/index.js";
import { readReportInputs } from "../../src/report/inputs.js";
import type { PagedSource } from "../../src/report/parallel.js";
import { TokenClient } from "../../src/report/token.js";
import { sandboxReportInputs } from "../support/action-runner.js";
import { snapshot } from "./report-harness.js";

/** Answers of about 40 rows: a month of a few hundred rows is many pages. */
const FUNCTION_CONFIG = { UPSTREAM_PAGE_LIMIT: "20", RESPONSE_BUDGET_BYTES: "16000" };

interface Outcome {
  files: Map<string, string>;
  summary: string | undefined;
  outputs: Record<string, string>;
  logs: string[];
  /** The most fetchMonth calls in flight at once (the parts of a month run as concurrent calls). */
  peak: number;
}

/** A clock of its own: waits move it on at once (the sandbox's rate limit reads the same clock). */
function virtualClock(): Clock & { at: number } {
  const clock = {
    at: Date.now(),
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.at += ms;
    },
    random: () => 0.5,
  };
  return clock;
}

async function report(
  sandbox: Sandbox,
  overrides: Record<string, string>,
  clock: Clock = { now: Date.now, sleep: async () => {}, random: () => 0.5 },
): Promise<Outcome> {
  const root = await mkdtemp(join(tmpdir(), "report-parallel-"));
  const values: Record<string, string> = {
    ...sandboxReportInputs(sandbox.endpoints),
    months: "2025-06",
    ...overrides,
  };
  const inputs = readReportInputs((name) => values[name] ?? "", {
    now: new Date(clock.now()),
    setSecret: () => {},
  });
  const outcome: Outcome = { files: new Map(), summary: undefined, outputs: {}, logs: [], peak: 0 };
  let inFlight = 0;
  const counted = (client: EndpointClient): PagedSource => ({
    fetchMonth: async (body, onPage, options) => {
      outcome.peak = Math.max(outcome.peak, ++inFlight);
      try {
        return await client.fetchMonth(body, onPage, options);
      } finally {
        inFlight--;
      }
    },
    close: () => client.close(),
  });
  const deps: ReportDeps = {
    root,
    clock,
    log: {
      info: (line) => outcome.logs.push(line),
      warning: (line) => outcome.logs.push(`warning: ${line}`),
      group: (_name, fn) => fn(),
    },
    setSecret: () => {},
    setOutput: (name, value) => {
      outcome.outputs[name] = value;
    },
    writeSummary: async (markdown) => {
      outcome.summary = markdown;
    },
    createTokenClient: ({ auth, ...options }) => {
      if (auth.kind !== "client-credentials") throw new Error("the sandbox inputs use client credentials");
      return new TokenClient({ ...options, ...auth });
    },
    createEndpointClient: (options) => counted(new EndpointClient({ ...options, prefetch: true })),
    commit: async () => undefined,
  };
  try {
    await runReport(inputs, deps);
    outcome.files = await snapshot(root);
    return outcome;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The same report at max-concurrency 1 and 4: the same files, summary and outputs. */
async function expectSameBytes(sandbox: Sandbox, overrides: Record<string, string>): Promise<Outcome> {
  const sequential = await report(sandbox, { ...overrides, "max-concurrency": "1" });
  const parallel = await report(sandbox, overrides);
  expect(sequential.peak).toBe(1);
  expect(parallel.files.size).toBeGreaterThan(0);
  expect([...parallel.files]).toEqual([...sequential.files]);
  expect(parallel.summary).toBe(sequential.summary);
  expect(parallel.outputs).toEqual(sequential.outputs);
  return parallel;
}

const partsLine = (outcome: Outcome) => outcome.logs.find((l) => l.startsWith("fetching the month as"));

describe("parallel months against the sequential path", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      resources: 120,
      functionConfig: FUNCTION_CONFIG,
      // Concurrent calls run in containers of their own, as OCI scales a function out.
      functionContainers: 4,
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("MONTHLY, the default group-by with FOCUS: one part per service, the same bytes", async () => {
    const parallel = await expectSameBytes(sandbox, { focus: "true" });
    expect(partsLine(parallel)).toMatch(/^fetching the month as \d+ parts, up to 4 at once$/);
    expect(parallel.peak).toBeGreaterThan(1);
    expect(parallel.peak).toBeLessThanOrEqual(4);
    // More pages than the concurrency: the month line counts the parts' pages.
    const pages = Number(/^month 2025-06: \d+ rows in (\d+) page/m.exec(parallel.logs.join("\n"))?.[1]);
    expect(pages).toBeGreaterThan(4);
  });

  it("DAILY, the default group-by: runs of whole days, the same bytes", async () => {
    const parallel = await expectSameBytes(sandbox, { granularity: "DAILY" });
    expect(partsLine(parallel)).toBeDefined();
    expect(parallel.peak).toBeGreaterThan(1);
  });

  it("a tag group-by, MONTHLY (split by service) and DAILY (by days): the same bytes", async () => {
    const monthly = await expectSameBytes(sandbox, { "group-by-tag": "Oracle-Tags.CreatedBy" });
    expect(partsLine(monthly)).toBeDefined();
    const daily = await expectSameBytes(sandbox, {
      granularity: "DAILY",
      "group-by": "tagNamespace,tagKey,tagValue",
    });
    expect(partsLine(daily)).toBeDefined();
  });

  it("resourceId: DAILY split by days; MONTHLY fetched in one sequence, and the same bytes either way", async () => {
    const daily = await expectSameBytes(sandbox, { granularity: "DAILY", "group-by": "resourceId" });
    expect(partsLine(daily)).toBeDefined();
    const monthly = await expectSameBytes(sandbox, { "group-by": "resourceId" });
    expect(partsLine(monthly)).toBeUndefined();
    expect(monthly.peak).toBe(1);
    // Its FOCUS query leads with the tenancy's one tenantId and tenantName, then service: that one splits.
    const focus = await expectSameBytes(sandbox, { "group-by": "resourceId", focus: "true" });
    expect(focus.logs.filter((l) => l.startsWith("fetching the month as"))).toHaveLength(1);
  });

  it("a region-first MONTHLY group-by over two months: the same bytes", async () => {
    const parallel = await expectSameBytes(sandbox, {
      "group-by": "region,service,compartmentName",
      months: "2025-05..2025-06",
    });
    // The two months and the month before them (the change column's totals) were each split by region.
    expect(parallel.logs.filter((l) => l.startsWith("fetching the month as"))).toHaveLength(3);
  });
});

describe("parallel months under the Usage API's rate limit", () => {
  const clock = virtualClock();
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      resources: 120,
      // One attempt in the function: a 429 reaches the action, whose AIMD controller sees it.
      functionConfig: { ...FUNCTION_CONFIG, MAX_ATTEMPTS: "1" },
      usageRateLimit: { requestsPerSecond: 2, burst: 3, now: clock.now },
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("halves on 429s, waits their Retry-After, and still writes the sequential bytes", async () => {
    const before = clock.at;
    const parallel = await report(sandbox, { granularity: "DAILY", "group-by": "resourceId" }, clock);
    const throttled = sandbox.usageApi.stats.byStatus[429] ?? 0;
    expect(throttled).toBeGreaterThan(0);
    const halvings = parallel.logs.filter((l) => l.startsWith("the endpoint is throttling (HTTP 429)"));
    expect(halvings.length).toBeGreaterThan(0);
    expect(halvings.some((l) => /at most [12] request\(s\) at once now$/.test(l))).toBe(true);
    // The waits were Retry-After's whole seconds (the clock moved on by at least one per throttled call).
    expect(clock.at - before).toBeGreaterThanOrEqual(1000 * halvings.length);
    expect(parallel.logs.filter((l) => l.startsWith("warning:"))).toEqual([]);

    const sequential = await report(
      sandbox,
      { granularity: "DAILY", "group-by": "resourceId", "max-concurrency": "1" },
      clock,
    );
    expect([...parallel.files]).toEqual([...sequential.files]);
    expect(parallel.summary).toBe(sequential.summary);
  });
});
