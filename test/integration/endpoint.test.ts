// The secured endpoint end to end: identity token -> gateway (JWT policy) -> Fn agent -> the real function
// bundle on the FDK -> the Usage API emulator with real request signing. Faults are injected per service.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { createDataset, formatMicros } from "../../sandbox/usageapi/dataset.js";
import { directAllItems, directClient, fetchToken, INTERNAL_TEXT, postUsage, rowKey } from "./helpers.js";

const MONTH = {
  granularity: "MONTHLY",
  timeUsageStarted: "2025-03-01T00:00:00Z",
  timeUsageEnded: "2025-05-01T00:00:00Z",
};

function expectNoInternals(text: string): void {
  for (const pattern of INTERNAL_TEXT) expect(text, String(pattern)).not.toMatch(pattern);
}

describe("the usage endpoint through the sandbox", () => {
  let sandbox: Sandbox;
  let token: string;
  const secrets: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      // Small waits so retry tests stay quick; the deadline and timeout tests use a second sandbox.
      functionConfig: { RETRY_BASE_MS: "20", RETRY_MAX_DELAY_MS: "100" },
    });
    token = await fetchToken(sandbox.endpoints);
    secrets.push(token, sandbox.endpoints.clientSecret);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  beforeEach(() => {
    sandbox.faults.clearAll();
  });

  it("answers a valid request with the data set's exact monthly totals", async () => {
    const answer = await postUsage(sandbox.endpoints, token, {
      tenantId: sandbox.endpoints.tenancyId,
      ...MONTH,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    const body = answer.json() as { items: { timeUsageStarted: string; computedAmount: number }[] };
    expect(body.items.map((item) => item.timeUsageStarted)).toEqual([
      "2025-03-01T00:00:00.000Z",
      "2025-04-01T00:00:00.000Z",
    ]);
    for (const item of body.items) {
      const month = item.timeUsageStarted.slice(0, 7);
      expect(String(item.computedAmount)).toBe(formatMicros(sandbox.dataset.totalMicros(month, "COST")));
    }
  });

  it("pins the tenancy: another tenancy gets 403, no tenantId gets the function's own", async () => {
    const other = createDataset({ seed: 7 }).tenancyId;
    expect(other).not.toBe(sandbox.endpoints.tenancyId);
    const usageCalls = sandbox.usageApi.stats.requests;
    const refused = await postUsage(sandbox.endpoints, token, { tenantId: other, ...MONTH });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ code: "NotAuthorized" });
    expect(sandbox.usageApi.stats.requests).toBe(usageCalls); // refused before any upstream call

    const own = await postUsage(sandbox.endpoints, token, MONTH);
    const pinned = await postUsage(sandbox.endpoints, token, {
      tenantId: sandbox.endpoints.tenancyId,
      ...MONTH,
    });
    expect(own.status).toBe(200);
    expect(own.text).toBe(pinned.text);
  });

  // A representative table end to end; test/unit/function-validate.test.ts covers every rule.
  it.each([
    ["not an object", "[]", 400, "InvalidParameter", /JSON object/i],
    ["invalid JSON", "{", 400, "InvalidParameter", /JSON/],
    ["unknown field", JSON.stringify({ ...MONTH, foo: 1 }), 400, "InvalidParameter", /foo/],
    [
      "TOTAL granularity",
      JSON.stringify({ ...MONTH, granularity: "TOTAL" }),
      400,
      "InvalidParameter",
      /granularity/,
    ],
    [
      "DAILY not midnight",
      JSON.stringify({ ...MONTH, granularity: "DAILY", timeUsageStarted: "2025-03-01T10:00:00Z" }),
      400,
      "InvalidParameter",
      /timeUsageStarted/,
    ],
    [
      "two groupByTag entries",
      JSON.stringify({
        ...MONTH,
        groupByTag: [
          { namespace: "a", key: "b" },
          { namespace: "c", key: "d" },
        ],
      }),
      400,
      "InvalidParameter",
      /groupByTag/,
    ],
    [
      "start after end",
      JSON.stringify({ ...MONTH, timeUsageStarted: "2025-06-01T00:00:00Z" }),
      400,
      "InvalidParameter",
      /timeUsage/,
    ],
    ["body over 64 KiB", JSON.stringify({ ...MONTH, pad: "x".repeat(70_000) }), 413, "PayloadTooLarge", /./],
  ])("rejects %s before any upstream call", async (_name, raw, status, code, field) => {
    const usageCalls = sandbox.usageApi.stats.requests;
    const answer = await postUsage(sandbox.endpoints, token, undefined, { raw });
    expect(answer.status).toBe(status);
    const body = answer.json() as { code: string; message: string };
    expect(body.code).toBe(code);
    expect(body.message).toMatch(field);
    expectNoInternals(answer.text);
    expect(sandbox.usageApi.stats.requests).toBe(usageCalls);
  });

  it("rejects a non-JSON content type with 415", async () => {
    const answer = await postUsage(sandbox.endpoints, token, MONTH, { contentType: "text/plain" });
    expect(answer.status).toBe(415);
  });

  it("retries injected 429, 5xx and connection resets and returns the same bytes as a clean call", async () => {
    const clean = await postUsage(sandbox.endpoints, token, MONTH);
    expect(clean.status).toBe(200);
    sandbox.faults.usage.script(
      { type: "status", status: 429, retryAfter: 0 },
      { type: "status", status: 503 },
      { type: "reset" },
      { type: "status", status: 500 },
    );
    const faulted = await postUsage(sandbox.endpoints, token, MONTH);
    expect(faulted.status).toBe(200);
    expect(faulted.text).toBe(clean.text);
    expect(sandbox.faults.usage.injected).toBe(4);
    const lastLog = JSON.parse(sandbox.fn.logs.at(-1)!) as { attempts: number; status: number };
    // The reset comes on the connection kept alive since the clean call: the function's HTTP client sends
    // the query once more on a fresh connection (where the 500 answers), so it costs no retry attempt.
    expect(lastLog).toMatchObject({ status: 200, attempts: 4 });
  });

  it("gives 502 with the opc-request-id and no internals when the Usage API keeps failing", async () => {
    sandbox.faults.usage.rate(
      { type: "status", status: 500, message: "java.lang.NullPointerException at Foo" },
      1,
    );
    const answer = await postUsage(sandbox.endpoints, token, MONTH);
    expect(answer.status).toBe(502);
    const body = answer.json() as { code: string; message: string };
    expect(body.code).toBe("UpstreamError");
    expect(body.message).toMatch(/opc-request-id [0-9A-F/]+/);
    expect(answer.text).not.toContain("NullPointerException");
    expectNoInternals(answer.text);
  });

  it("does not retry a 400 from the Usage API and passes on only a known-safe message", async () => {
    sandbox.faults.usage.script({
      type: "status",
      status: 400,
      code: "InvalidParameter",
      message: "secret internal x",
    });
    const answer = await postUsage(sandbox.endpoints, token, MONTH);
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain("secret internal");
    expect(sandbox.faults.usage.injected).toBe(1);
  });

  it("refuses tokens the gateway must refuse without calling the function", async () => {
    const calls = sandbox.fn.stats.calls;
    const otherAudience = await fetchToken(sandbox.endpoints, sandbox.endpoints.otherScope);
    const expired = await sandbox.identity.mintToken({ exp: Math.floor(Date.now() / 1000) - 60 });
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = token.split(".")[1];
    for (const bad of [
      otherAudience,
      expired,
      `${header}.${payload}.`,
      `${token.slice(0, -4)}AAAA`,
      undefined,
    ]) {
      const answer = await postUsage(sandbox.endpoints, bad, MONTH);
      expect(answer.status).toBe(401);
      expect(answer.json()).toEqual({ code: 401, message: "Unauthorized" });
    }
    expect(sandbox.fn.stats.calls).toBe(calls);
  });

  it("sees every row exactly once against a direct signed call", async () => {
    const details = {
      tenantId: sandbox.endpoints.tenancyId,
      granularity: "DAILY",
      timeUsageStarted: "2025-02-01T00:00:00Z",
      timeUsageEnded: "2025-02-08T00:00:00Z",
      groupBy: ["resourceId", "skuPartNumber"],
    };
    const direct = await directAllItems(directClient(sandbox), details);
    const answer = await postUsage(sandbox.endpoints, token, details);
    expect(answer.status).toBe(200);
    const viaGateway = (answer.json() as { items: Record<string, unknown>[] }).items;
    expect(viaGateway.length).toBe(direct.length);
    expect(viaGateway.map(rowKey).sort()).toEqual(direct.map(rowKey).sort());
  });

  it("writes one JSON log line per call and never a token, key or secret", async () => {
    const before = sandbox.fn.logs.length;
    await postUsage(sandbox.endpoints, token, MONTH);
    await postUsage(sandbox.endpoints, token, { ...MONTH, granularity: "WEEKLY" });
    const lines = sandbox.fn.logs.slice(before);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(
        expect.arrayContaining(["callId", "status", "pages", "items", "upstreamMs"]),
      );
    }
    const everything = sandbox.fn.logs.join("\n");
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/PRIVATE KEY|ST\$|eyJ[\w-]{10,}\.[\w-]{10,}/);
  });
});

describe("the endpoint near its deadline", () => {
  let sandbox: Sandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      functionTimeoutSeconds: 4,
      functionConfig: { DEADLINE_MARGIN_MS: "1000", RETRY_BASE_MS: "20", RETRY_MAX_DELAY_MS: "100" },
    });
    token = await fetchToken(sandbox.endpoints);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("answers 429 with Retry-After when throttling outlasts the deadline", async () => {
    sandbox.faults.usage.rate({ type: "status", status: 429, retryAfter: 30 }, 1);
    const answer = await postUsage(sandbox.endpoints, token, MONTH);
    sandbox.faults.clearAll();
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answer.json()).toMatchObject({ code: "TooManyRequests" });
  });

  it("answers 502 without internals when the Usage API does not answer before the function's deadline", async () => {
    sandbox.faults.usage.script({ type: "delay", ms: 6_000 });
    const answer = await postUsage(sandbox.endpoints, token, MONTH);
    sandbox.faults.clearAll();
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ code: "UpstreamError" });
    expectNoInternals(answer.text);
  });

  it("answers 504 when the function hangs past its timeout, then serves the next call from a new container", async () => {
    const warm = await postUsage(sandbox.endpoints, token, MONTH);
    expect(warm.status).toBe(200);
    const starts = sandbox.fn.stats.starts;
    process.kill(sandbox.fn.pid!, "SIGSTOP");
    const answer = await postUsage(sandbox.endpoints, token, MONTH);
    expect(answer.status).toBe(504);
    expect(answer.json()).toEqual({ code: 504, message: "Gateway Timeout" });
    const next = await postUsage(sandbox.endpoints, token, MONTH);
    expect(next.status).toBe(200);
    expect(next.text).toBe(warm.text);
    expect(sandbox.fn.stats.starts).toBe(starts + 1);
  });
});
