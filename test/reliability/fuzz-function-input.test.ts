// Fuzzing the function's input: 10,000 seeded bodies, half shaped from the request schema (function/src/
// validate.ts: every field, valid and slightly off) and half hostile (deep nesting, huge strings, prototype-
// pollution keys, wrong types, invalid dates, random JSON and bytes, duplicate members). Most go to the
// handler in-process, which calls the sandbox's Usage API with real request signing; a bounded share goes
// through the gateway and the real FDK socket of the function's container. The only answers are 200, 400, 403
// and 413, as JSON, with no internal text; Object.prototype stays clean; the container never crashes and its
// RSS does not grow.
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../function/src/config.js";
import { type FunctionRequest, type HandlerDeps, handle } from "../../function/src/handler.js";
import { createSdkUsage } from "../../function/src/usage.js";
import { GRANULARITIES, QUERY_TYPES } from "../../function/src/validate.js";
import { type Sandbox, startSandbox, USAGE_ROUTE } from "../../sandbox/index.js";
import { GROUP_BY_DIMENSIONS } from "../../src/lib/usage-api.js";
import { apiKeyProvider, fetchToken, INTERNAL_TEXT } from "../integration/helpers.js";
import { figuresLine, propertyParameters, runSeed } from "../support/property-runs.js";

/** 10,000 bodies: 4,500 + 4,500 in-process, 500 pairs (shaped, hostile) through the gateway and the FDK socket. */
const IN_PROCESS_RUNS = 4500;
const THROUGH_FDK_RUNS = 500;
const ALLOWED = new Set([200, 400, 403, 413]);
/**
 * RSS the container may gain over its share after a warm-up of the heaviest bodies. Its RSS wanders by about
 * ±10 MiB as V8 sizes its heap (4,000 bodies measured: 95-117 MiB, no trend); a leak of the bodies it read
 * would pass this within the share.
 */
const RSS_SLACK_BYTES = 32 * 1024 * 1024;
/** Heap the in-process handler may keep after a full GC over 4,000 hostile bodies (after 500 of warm-up). */
const HEAP_SLACK_BYTES = 8 * 1024 * 1024;
/** The longest error message: five issues of a field path and a rule each. */
const MAX_MESSAGE_CHARS = 2000;
const OTHER_TENANCY = "ocid1.tenancy.oc1..aaaaaaaaotherotherotherotherotherotherotherotherother1";
const POLLUTION_KEYS = ["__proto__", "constructor", "prototype"];

const seed = runSeed();
const figures = { bodies: 0, shaped: 0, hostile: 0, throughFdk: 0, byStatus: {} as Record<number, number> };
const findings: string[] = [];
const heap: { growth?: number } = {};

type Body = string | Uint8Array;

// ---- shaped bodies: the schema's fields, mostly valid, sometimes a little off ---------------------------

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** A window in the data set's months, aligned to its granularity (or deliberately not). */
const window = fc
  .record({
    granularity: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...GRANULARITIES) },
      { weight: 1, arbitrary: fc.constantFrom("TOTAL", "daily", "Monthly", "") },
    ),
    month: fc.integer({ min: 0, max: 14 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    length: fc.integer({ min: 1, max: 3 }),
    misaligned: fc.integer({ min: 0, max: 19 }).map((x) => x === 0),
    reversed: fc.integer({ min: 0, max: 19 }).map((x) => x === 0),
  })
  .map(({ granularity, month, day, hour, length, misaligned, reversed }) => {
    const base = Date.UTC(
      2025,
      month,
      granularity === "MONTHLY" ? 1 : day,
      granularity === "HOURLY" ? hour : 0,
    );
    const unit = granularity === "HOURLY" ? 6 * 3_600_000 : 86_400_000;
    const end = granularity === "MONTHLY" ? Date.UTC(2025, month + length, 1) : base + length * unit;
    const start = misaligned ? base + 1_800_000 : base;
    const [a, b] = reversed ? [end, start] : [start, end];
    return { granularity, timeUsageStarted: iso(a), timeUsageEnded: iso(b) };
  });

const tag = fc.record(
  {
    namespace: fc.constantFrom("Oracle-Tags", "finance", "ops", ""),
    key: fc.constantFrom("CreatedBy", "CostCenter", "Environment"),
    value: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);
const dimension = fc.record({
  key: fc.constantFrom(...GROUP_BY_DIMENSIONS, "bogus"),
  value: fc.string({ maxLength: 30 }),
});
const validTag = fc.record({
  namespace: fc.constantFrom("Oracle-Tags", "finance", "ops"),
  key: fc.constantFrom("CreatedBy", "CostCenter", "Environment"),
});
const validFilter = fc.record(
  {
    operator: fc.constantFrom("AND", "OR"),
    dimensions: fc.array(
      fc.record({
        key: fc.constantFrom("service", "region", "compartmentName"),
        value: fc.string({ maxLength: 20 }),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);
const filter = fc.letrec((tie) => ({
  node: fc.record(
    {
      operator: fc.constantFrom("AND", "OR", "NOT", "XOR"),
      dimensions: fc.array(dimension, { maxLength: 4 }),
      tags: fc.array(tag, { maxLength: 3 }),
      filters: fc.array(tie("node"), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
})).node;

/** Mostly the valid value of a field, sometimes one a little off (about 1 in 12 per field). */
const mostly = <T, U>(valid: fc.Arbitrary<T>, off: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 11, arbitrary: valid }, { weight: 1, arbitrary: off });

function shapedBody(tenancy: string): fc.Arbitrary<Body> {
  return fc
    .tuple(
      window,
      fc.record(
        {
          tenantId: mostly(fc.constant(tenancy), fc.constantFrom(OTHER_TENANCY, "ocid1.compartment.oc1..x")),
          isAggregateByTime: fc.boolean(),
          queryType: mostly(fc.constantFrom(...QUERY_TYPES), fc.constantFrom("cost", "")),
          groupBy: mostly(
            fc.subarray([...GROUP_BY_DIMENSIONS], { maxLength: 4 }),
            fc.constant(["service", "service"]),
          ),
          groupByTag: mostly(
            fc.array(validTag, { maxLength: 1 }),
            fc.array(tag, { minLength: 1, maxLength: 2 }),
          ),
          compartmentDepth: mostly(fc.integer({ min: 1, max: 7 }), fc.constantFrom(-1, 0, 8, 1.5)),
          filter: mostly(validFilter, filter),
        },
        { requiredKeys: [] },
      ),
      // A forecast some days past the window's end (whole UTC days), or off: before it, or too far.
      fc.option(mostly(fc.integer({ min: 1, max: 60 }), fc.constantFrom(-3, 0, 200)), { freq: 4 }),
    )
    .map(([times, rest, forecastDays]) => {
      const body: Record<string, unknown> = { ...times, ...rest };
      if (forecastDays !== null) {
        const end = Date.parse(times.timeUsageEnded);
        const midnight = Math.ceil(end / 86_400_000) * 86_400_000;
        body.forecast = { timeForecastEnded: iso(midnight + forecastDays * 86_400_000) };
      }
      return JSON.stringify(body);
    });
}

// ---- hostile bodies -------------------------------------------------------------------------------------

const VALID = {
  timeUsageStarted: "2025-03-01T00:00:00Z",
  timeUsageEnded: "2025-04-01T00:00:00Z",
  granularity: "MONTHLY",
};
const validText = JSON.stringify(VALID).slice(1, -1);
const FIELDS = [
  ...Object.keys(VALID),
  "filter",
  "forecast",
  "groupBy",
  "groupByTag",
  "tenantId",
  "compartmentDepth",
];

const INVALID_DATES = [
  "2025-02-30T00:00:00Z",
  "2025-13-01T00:00:00Z",
  "2025-00-10T00:00:00Z",
  "2025-04-31T00:00:00Z",
  "2025-03-01T24:00:00Z",
  "2025-03-01T23:59:60Z",
  "2025-03-01",
  "2025-03-01T00:00:00",
  "2025-03-01T00:00:00+01:00",
  "2025-03-01t00:00:00z",
  "1e12",
  "",
  " ",
  "0000-01-01T00:00:00Z",
  "1969-12-31T00:00:00Z",
  "+275760-09-13T00:00:00Z",
  "2025-03-01T00:00:00.1234567890Z",
  "NaN",
  "Infinity",
  "2025-03-01T00:00:00Z\u0000",
  "２０２５-03-01T00:00:00Z",
  "9999-12-01T00:00:00Z",
];

/** A JSON text nested `depth` levels deep: arrays, objects, or the filter's own `filters` chain. */
const deepNesting = fc
  .record({
    depth: fc.integer({ min: 50, max: 20_000 }),
    kind: fc.constantFrom("array", "object", "filters"),
    field: fc.constantFrom(...FIELDS, "top"),
  })
  .map(({ depth, kind, field }) => {
    const open = { array: "[", object: '{"a":', filters: '{"filters":[' }[kind];
    const close = { array: "]", object: "}", filters: "]}" }[kind];
    const deep = `${open.repeat(depth)}1${close.repeat(depth)}`.replace(/\[1\]\}$/, "[]}");
    return field === "top" ? deep : `{${validText},"${field}":${deep}}`;
  });

const hugeString = fc
  .record({
    size: fc.integer({ min: 1_000, max: 200_000 }),
    char: fc.constantFrom("a", "é", "\u0000", "\\", '"', "😀"),
    where: fc.constantFrom("value", "key", "tag"),
  })
  .map(({ size, char, where }) => {
    const big = char.repeat(Math.ceil(size / char.length));
    if (where === "key") return JSON.stringify({ ...VALID, [big]: 1 });
    if (where === "tag") return JSON.stringify({ ...VALID, groupByTag: [{ namespace: big, key: "k" }] });
    return JSON.stringify({ ...VALID, tenantId: big });
  });

/** __proto__, constructor and prototype as members at the top, in filter, forecast or tags. */
const pollution = fc
  .record({
    key: fc.constantFrom(...POLLUTION_KEYS),
    where: fc.constantFrom("top", "filter", "forecast", "tag", "dimension", "nested"),
  })
  .map(({ key, where }) => {
    const payload = `{"polluted":true,"prototype":{"polluted":true},"toString":"x","valueOf":1}`;
    const member = `"${key}":${payload}`;
    switch (where) {
      case "top":
        return `{${member},${validText}}`;
      case "filter":
        return `{${validText},"filter":{${member},"operator":"AND"}}`;
      case "forecast":
        return `{${validText},"forecast":{${member},"timeForecastEnded":"2026-01-01T00:00:00Z"}}`;
      case "tag":
        return `{${validText},"groupByTag":[{${member},"namespace":"a","key":"b"}]}`;
      case "dimension":
        return `{${validText},"filter":{"dimensions":[{${member},"key":"service","value":"x"}]}}`;
      default:
        return `{${validText},"filter":{"filters":[{"filters":[{${member}}]}]}}`;
    }
  });

const wrongType = fc
  .record({
    field: fc.constantFrom(...FIELDS, "isAggregateByTime", "queryType"),
    value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(1e308, -0, 1.5, 2 ** 53 + 2, -1e9)),
  })
  .map(({ field, value }) => JSON.stringify({ ...VALID, [field]: value }));

const invalidDate = fc
  .record({
    field: fc.constantFrom("timeUsageStarted", "timeUsageEnded", "forecast"),
    value: fc.oneof(fc.constantFrom(...INVALID_DATES), fc.string({ maxLength: 30 })),
  })
  .map(({ field, value }) =>
    JSON.stringify(
      field === "forecast"
        ? { ...VALID, forecast: { timeForecastEnded: value } }
        : { ...VALID, [field]: value },
    ),
  );

const duplicateMembers = fc
  .record({ field: fc.constantFrom(...FIELDS), value: fc.jsonValue({ maxDepth: 2 }) })
  .map(
    ({ field, value }) =>
      `{${validText},"${field}":${JSON.stringify(value)},"${field}":${JSON.stringify((VALID as Record<string, unknown>)[field] ?? null)}}`,
  );

const hostileBody: fc.Arbitrary<Body> = fc.oneof(
  deepNesting,
  hugeString,
  pollution,
  wrongType,
  invalidDate,
  duplicateMembers,
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.uint8Array({ maxLength: 2048 }),
);

// ---- checks ---------------------------------------------------------------------------------------------

function textOf(body: Body): string {
  return typeof body === "string" ? body : Buffer.from(body).toString("latin1");
}

/** Why an answer breaks the rules, or undefined. Text the request itself carried is not internal text. */
function problemOf(
  request: Body,
  status: number,
  contentType: string | null,
  text: string,
): string | undefined {
  if (!ALLOWED.has(status)) return `status ${status}`;
  if (!/^application\/json/.test(contentType ?? "")) return `content type ${contentType}`;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return "the answer is not JSON";
  }
  if (status !== 200) {
    const { code, message } = answer as { code?: unknown; message?: unknown };
    if (typeof code !== "string" || typeof message !== "string") return "the error is not {code, message}";
    if (status === 403 && code !== "NotAuthorized") return `403 with code ${code}`;
    // An error names the fields and rules; it does not hand a large request back.
    if (message.length > MAX_MESSAGE_CHARS) return `a ${message.length}-character message`;
  }
  const sent = textOf(request);
  for (const pattern of INTERNAL_TEXT)
    if (pattern.test(text) && !pattern.test(sent)) return `internal text ${pattern}`;
  return undefined;
}

function record(request: Body, status: number, contentType: string | null, text: string): boolean {
  figures.bodies++;
  figures.byStatus[status] = (figures.byStatus[status] ?? 0) + 1;
  const problem = problemOf(request, status, contentType, text);
  if (problem) findings.push(`${problem}: ${textOf(request).slice(0, 200)}`);
  return problem === undefined;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The heap in use after a full collection (gc exposed at run time, as --expose-gc would). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The heaviest bodies the generators make: the container's heap grows to hold them once, before the RSS is read. */
function heavyBodies(): string[] {
  const deep = (n: number) => `{${validText},"filter":${"[".repeat(n)}${"]".repeat(n)}}`;
  return Array.from({ length: 20 }, (_, i) => [
    JSON.stringify({ ...VALID, tenantId: "é".repeat(100_000 + i) }),
    JSON.stringify({ ...VALID, ["k".repeat(60_000 + i)]: 1 }),
    deep(20_000 - i),
    JSON.stringify({
      ...VALID,
      granularity: "DAILY",
      timeUsageEnded: "2025-03-04T00:00:00Z",
      groupBy: [...GROUP_BY_DIMENSIONS].slice(0, 4),
    }),
  ]).flat();
}

describe("fuzzing the function input", () => {
  let sandbox: Sandbox;
  let deps: HandlerDeps;
  let token: string;
  const rss: { pid?: number; starts?: number; first?: number; warm?: number; middle?: number; end?: number } =
    {};

  beforeAll(async () => {
    // A small data set keeps each valid query's answer small: the bodies are the point, not the rows.
    sandbox = await startSandbox({ resources: 8 });
    token = await fetchToken(sandbox.endpoints);
    const provider = apiKeyProvider(sandbox);
    const config = { ...defaultConfig(), usageApiEndpoint: sandbox.endpoints.usageApiUrl };
    // The in-process handler signs with the API-key user where the container signs as its resource principal.
    const sdk = createSdkUsage(config, { buildProvider: () => provider as never });
    deps = {
      config,
      usage: sdk.usage,
      tenancy: async () => sandbox.endpoints.tenancyId,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      log: () => {},
    };
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    const statuses = Object.entries(figures.byStatus)
      .map(([status, count]) => `${status}×${count}`)
      .join(" ");
    console.log(
      figuresLine(
        "fuzz",
        {
          "bodies fuzzed": figures.bodies,
          shaped: figures.shaped,
          hostile: figures.hostile,
          "through the FDK socket": figures.throughFdk,
          answers: statuses,
          "container RSS (first call, warm, end)": [rss.first, rss.warm, rss.end]
            .map((v) => (v === undefined ? "?" : mib(v)))
            .join(" / "),
          "in-process heap kept": heap.growth === undefined ? "?" : mib(heap.growth),
          findings: findings.length,
        },
        seed,
      ),
    );
  });

  async function inProcess(body: Body, n: number): Promise<boolean> {
    const req: FunctionRequest = {
      method: "POST",
      url: USAGE_ROUTE,
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? Buffer.from(body) : body,
      callId: `fuzz-${n}`,
      deadline: null,
    };
    const answer = await handle(req, deps);
    return record(body, answer.status, answer.headers["Content-Type"] ?? null, answer.body);
  }

  async function throughFdk(body: Body): Promise<boolean> {
    figures.throughFdk++;
    const res = await fetch(`${sandbox.endpoints.gatewayUrl}${USAGE_ROUTE}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : Buffer.from(body),
    });
    return record(body, res.status, res.headers.get("content-type"), await res.text());
  }

  it("answers every shaped body in-process with 200, 400, 403 or 413 and no internal text", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(shapedBody(sandbox.endpoints.tenancyId), async (body) => {
        figures.shaped++;
        expect(await inProcess(body, n++), findings.at(-1)).toBe(true);
      }),
      propertyParameters(seed, IN_PROCESS_RUNS, 1),
    );
    expect(figures.byStatus[200] ?? 0).toBeGreaterThan(IN_PROCESS_RUNS / 10); // the shapes reach upstream
  });

  it("answers every hostile body in-process, keeps no memory and leaves Object.prototype clean", async () => {
    let n = 0;
    const phase = (runs: number, offset: number) =>
      fc.assert(
        fc.asyncProperty(hostileBody, async (body) => {
          figures.hostile++;
          expect(await inProcess(body, n++), findings.at(-1)).toBe(true);
        }),
        propertyParameters(seed, runs, offset),
      );
    // The first bodies compile zod's checks and warm the JIT: the heap is read after them.
    await phase(IN_PROCESS_RUNS / 9, 2);
    const before = heapAfterGc();
    await phase((IN_PROCESS_RUNS * 8) / 9, 6);
    heap.growth = heapAfterGc() - before;
    expect(heap.growth).toBeLessThan(HEAP_SLACK_BYTES);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it("answers a bounded share through the gateway and the FDK socket; the container never restarts nor grows", async () => {
    const agent = sandbox.fn;
    // The control call: a valid body is answered (and the SDK is loaded) before the RSS is first read.
    const control = await fetch(`${sandbox.endpoints.gatewayUrl}${USAGE_ROUTE}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(VALID),
    });
    expect(control.status).toBe(200);
    await control.text();
    const pair = fc.tuple(shapedBody(sandbox.endpoints.tenancyId), hostileBody);
    const phase = (runs: number, offset: number) =>
      fc.assert(
        fc.asyncProperty(pair, async ([a, b]) => {
          figures.shaped++;
          figures.hostile++;
          expect(await throughFdk(a), findings.at(-1)).toBe(true);
          expect(await throughFdk(b), findings.at(-1)).toBe(true);
        }),
        propertyParameters(seed, runs, offset),
      );
    rss.pid = agent.pid;
    rss.starts = agent.stats.starts;
    rss.first = rssOf(rss.pid ?? 0);
    for (const body of heavyBodies()) {
      const res = await fetch(`${sandbox.endpoints.gatewayUrl}${USAGE_ROUTE}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      expect([200, 400, 413]).toContain(res.status);
      await res.text();
    }
    rss.warm = rssOf(rss.pid ?? 0);
    await phase(THROUGH_FDK_RUNS, 3);
    rss.end = rssOf(rss.pid ?? 0);
    expect(agent.pid).toBe(rss.pid);
    expect(agent.stats.starts).toBe(rss.starts);
    expect(agent.stats.failures).toBe(0);
    expect((rss.end ?? 0) - (rss.warm ?? 0)).toBeLessThan(RSS_SLACK_BYTES);
    expect(findings).toEqual([]);
  });
});
