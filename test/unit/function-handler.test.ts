import { describe, expect, it } from "vitest";
import { defaultConfig, type FunctionConfig } from "../../function/src/config.js";
import {
  type FetchOptions,
  type FunctionRequest,
  type FunctionResponse,
  type HandlerDeps,
  handle,
  type LogLine,
  type PageResult,
  sanitizeForLog,
  UpstreamError,
  type UpstreamFailure,
} from "../../function/src/handler.js";
import { scanUsagePage } from "../../function/src/page-scan.js";
import type { UsageQuery } from "../../function/src/validate.js";
import { parseRetryAfter } from "../../src/lib/retry.js";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaaowntenancy";
const OTHER_TENANCY = "ocid1.tenancy.oc1..aaaaaaaaothertenancy";
/** A whole second, so HTTP dates round-trip exactly. */
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const SECRET_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJyZXNfdGVuYW50IjoieCJ9.c2lnbmF0dXJlc2VjcmV0";
const SECRET_PEM =
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";
/** Secret-shaped values: never in an answer, never in a log line. */
const SECRETS = [SECRET_JWT, "c2lnbmF0dXJlc2VjcmV0", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"];
/** Internal text of no recognisable shape: never in an answer (the log may keep it, sanitised). */
const INTERNAL = ["hunter2", "Object.<anonymous>", "func.js"];

const body = {
  timeUsageStarted: "2025-05-01T00:00:00Z",
  timeUsageEnded: "2025-06-01T00:00:00Z",
  granularity: "DAILY",
  groupBy: ["service"],
};

type FetchCall = {
  query: UsageQuery & { tenantId: string };
  page: string | undefined;
  options: FetchOptions;
};
type Step = (call: FetchCall) => PageResult | Promise<PageResult>;

interface Harness {
  deps: HandlerDeps;
  calls: FetchCall[];
  sleeps: number[];
  logs: LogLine[];
  clock: { now: number };
}

function harness(
  options: {
    steps?: Step[];
    upstream?: Step;
    config?: Partial<FunctionConfig>;
    tenancy?: () => Promise<string>;
  } = {},
): Harness {
  const clock = { now: T0 };
  const calls: FetchCall[] = [];
  const sleeps: number[] = [];
  const logs: LogLine[] = [];
  const steps = [...(options.steps ?? [])];
  const deps: HandlerDeps = {
    config: { ...defaultConfig(), ...options.config },
    usage: {
      async fetchPage(query, page, fetchOptions) {
        const call = { query, page, options: fetchOptions };
        calls.push(call);
        const step = steps.shift() ?? options.upstream;
        if (!step) throw new Error("unexpected upstream call");
        return step(call);
      },
    },
    tenancy: options.tenancy ?? (async () => TENANCY),
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    random: () => 0.5,
    log: (line) => logs.push(line),
  };
  return { deps, calls, sleeps, logs, clock };
}

function request(
  payload: unknown = body,
  overrides: Partial<FunctionRequest> = {},
  deadlineMs: number | null = 30_000,
): FunctionRequest {
  return {
    method: "POST",
    url: "/usage/request-summarized-usages",
    headers: { "content-type": "application/json" },
    body: Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)),
    callId: "01CALLID",
    deadline: deadlineMs === null ? null : new Date(T0 + deadlineMs),
    ...overrides,
  };
}

function parse(response: FunctionResponse): Record<string, unknown> {
  expect(response.headers["Content-Type"]).toBe("application/json");
  return JSON.parse(response.body) as Record<string, unknown>;
}

const fail =
  (failure: UpstreamFailure): Step =>
  () => {
    throw new UpstreamError(failure);
  };
const ok =
  (items: unknown[], nextPage?: string): Step =>
  () => ({ items, groupBy: ["service"], nextPage });

function rows(n: number, from = 0): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    service: `SERVICE-${from + i}`,
    computedAmount: from + i,
    timeUsageStarted: "2025-05-01T00:00:00.000Z",
    timeUsageEnded: "2025-05-02T00:00:00.000Z",
    tags: null,
  }));
}

/** A paged upstream: `pageSize` rows a page, tokens "p<offset>", `latencyMs` of fake time per call. */
function pagedUpstream(total: number, pageSize: number, clock: { now: number }, latencyMs = 0): Step {
  const data = rows(total);
  return ({ page }) => {
    clock.now += latencyMs;
    const offset = page === undefined ? 0 : Number(page.slice(1));
    const items = data.slice(offset, offset + pageSize);
    const next = offset + pageSize < total ? `p${offset + pageSize}` : undefined;
    return { items, groupBy: ["service"], nextPage: next, opcRequestId: `req-${offset}` };
  };
}

describe("transport checks before any upstream call", () => {
  const cases: Array<[string, FunctionRequest, number, string, string?]> = [
    ["GET", request(body, { method: "GET" }), 405, "MethodNotAllowed"],
    ["body over 64 KiB", request(" ".repeat(65_537)), 413, "PayloadTooLarge"],
    ["text/plain", request(body, { headers: { "content-type": "text/plain" } }), 415, "UnsupportedMediaType"],
    ["no content type", request(body, { headers: {} }), 415, "UnsupportedMediaType"],
    ["invalid JSON", request("not json"), 400, "InvalidParameter", "body: is not valid JSON"],
    ["a JSON array", request("[]"), 400, "InvalidParameter", "body: must be a JSON object, not an array"],
    ["JSON null", request("null"), 400, "InvalidParameter", "body: must be a JSON object, not null"],
    ["a JSON string", request('"str"'), 400, "InvalidParameter", "body: must be a JSON object, not a string"],
    ["a JSON number", request("7"), 400, "InvalidParameter", "body: must be a JSON object, not a number"],
    ["an unknown field", request({ ...body, foo: 1 }), 400, "InvalidParameter", "foo: unknown field"],
    [
      "DAILY not at midnight",
      request({ ...body, timeUsageStarted: "2025-05-01T10:00:00Z" }),
      400,
      "InvalidParameter",
      "timeUsageStarted: DAILY and MONTHLY times must be exact UTC midnight (e.g. 2025-01-01T00:00:00Z)",
    ],
    [
      "granularity TOTAL",
      request({ ...body, granularity: "TOTAL" }),
      400,
      "InvalidParameter",
      "not yet supported",
    ],
    ["a bad page token", request(body, { url: "/u?page=%20" }), 400, "InvalidParameter", "page:"],
  ];

  it.each(cases)("%s -> %i %s", async (_name, req, status, code, fragment) => {
    const h = harness();
    const response = await handle(req, h.deps);
    expect(response.status).toBe(status);
    const answer = parse(response);
    expect(answer.code).toBe(code);
    expect(typeof answer.message).toBe("string");
    if (fragment) expect(answer.message).toContain(fragment);
    expect(h.calls).toHaveLength(0);
    expect(h.logs).toEqual([expect.objectContaining({ callId: "01CALLID", status, code, attempts: 0 })]);
  });

  it("answers 405 with Allow: POST", async () => {
    const response = await handle(request(body, { method: "PUT" }), harness().deps);
    expect(response.headers.Allow).toBe("POST");
  });

  it("accepts application/json with a charset", async () => {
    const h = harness({ steps: [ok(rows(1))] });
    const response = await handle(
      request(body, { headers: { "content-type": "application/json; charset=utf-8" } }),
      h.deps,
    );
    expect(response.status).toBe(200);
  });

  it("answers 500 FunctionMisconfigured on an invalid endpoint config, without calling upstream", async () => {
    const h = harness();
    h.deps.configError = "USAGE_API_ENDPOINT must use http or https";
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(500);
    expect(parse(response).code).toBe("FunctionMisconfigured");
    expect(response.body).not.toContain("USAGE_API_ENDPOINT");
    expect(h.logs[0]?.error).toContain("USAGE_API_ENDPOINT");
    expect(h.calls).toHaveLength(0);
  });
});

describe("tenancy pinning", () => {
  it("fills in the function's own tenancy when tenantId is absent", async () => {
    const h = harness({ steps: [ok(rows(1))] });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    expect(h.calls[0]?.query.tenantId).toBe(TENANCY);
  });

  it("accepts the function's own tenancy", async () => {
    const h = harness({ steps: [ok(rows(1))] });
    const response = await handle(request({ ...body, tenantId: TENANCY }), h.deps);
    expect(response.status).toBe(200);
    expect(h.calls[0]?.query.tenantId).toBe(TENANCY);
  });

  it("refuses another tenancy with 403 NotAuthorized and no upstream call", async () => {
    const h = harness();
    const response = await handle(request({ ...body, tenantId: OTHER_TENANCY }), h.deps);
    expect(response.status).toBe(403);
    expect(parse(response).code).toBe("NotAuthorized");
    expect(response.body).not.toContain(TENANCY);
    expect(h.calls).toHaveLength(0);
  });

  it("answers 500 AuthUnavailable when the resource principal is missing, detail only in the log", async () => {
    const h = harness({
      tenancy: async () => {
        throw new Error(`OCI_RESOURCE_PRINCIPAL_VERSION environment variable is missing ${SECRET_JWT}`);
      },
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(500);
    expect(parse(response)).toEqual({
      code: "AuthUnavailable",
      message: "the function's resource principal is not available",
    });
    expect(h.logs[0]?.error).toContain("OCI_RESOURCE_PRINCIPAL_VERSION");
    for (const secret of SECRETS) expect(JSON.stringify(h.logs)).not.toContain(secret);
    expect(h.calls).toHaveLength(0);
  });

  it("validates before asking for the tenancy", async () => {
    let asked = false;
    const h = harness({
      tenancy: async () => {
        asked = true;
        return TENANCY;
      },
    });
    await handle(request({ ...body, granularity: "x" }), h.deps);
    expect(asked).toBe(false);
  });
});

describe("the upstream query", () => {
  it("sends Dates, the page token, the configured limit and a timeout bounded by the deadline", async () => {
    const h = harness({
      steps: [ok(rows(1))],
      config: { upstreamPageLimit: 250, attemptTimeoutMs: 300_000 },
    });
    await handle(request(body, { url: "/usage/request-summarized-usages?page=tok%2B1" }, 10_000), h.deps);
    const call = h.calls[0]!;
    expect(call.page).toBe("tok+1");
    expect(call.options).toEqual({ limit: 250, timeoutMs: 8000 });
    expect(call.query.timeUsageStarted).toEqual(new Date("2025-05-01T00:00:00Z"));
    expect(call.query.timeUsageEnded).toEqual(new Date("2025-06-01T00:00:00Z"));
    expect(call.query.groupBy).toEqual(["service"]);
  });

  it("uses DEFAULT_TIMEOUT_MS when there is no Fn-Deadline", async () => {
    const h = harness({
      steps: [ok(rows(1))],
      config: { attemptTimeoutMs: 300_000, defaultTimeoutMs: 30_000 },
    });
    await handle(request(body, {}, null), h.deps);
    expect(h.calls[0]?.options.timeoutMs).toBe(28_000);
  });

  it("caps each attempt at ATTEMPT_TIMEOUT_MS", async () => {
    const h = harness({ steps: [ok(rows(1))], config: { attemptTimeoutMs: 5000 } });
    await handle(request(body, {}, 60_000), h.deps);
    expect(h.calls[0]?.options.timeoutMs).toBe(5000);
  });

  it("answers 503 DeadlineExceeded without calling upstream when the deadline is already inside the margin", async () => {
    const h = harness();
    const response = await handle(request(body, {}, 1500), h.deps);
    expect(response.status).toBe(503);
    expect(parse(response).code).toBe("DeadlineExceeded");
    expect(h.calls).toHaveLength(0);
  });
});

describe("paging", () => {
  it("returns groupBy, the items exactly as received and no nextPage for a single page", async () => {
    const items = [
      {
        service: "COMPUTE",
        computedAmount: -12.5,
        currency: null,
        timeUsageStarted: "2025-05-01T00:00:00.000Z",
      },
    ];
    const h = harness({ steps: [() => ({ items, groupBy: ["service"], opcRequestId: "r1" })] });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    expect(parse(response)).toEqual({ groupBy: ["service"], items });
  });

  it("falls back to the request's groupBy when upstream sends none", async () => {
    const h = harness({ steps: [() => ({ items: [] })] });
    const response = await handle(request({ ...body, groupBy: ["region", "service"] }), h.deps);
    expect(parse(response)).toEqual({ groupBy: ["region", "service"], items: [] });
  });

  it("follows opc-next-page to the last page", async () => {
    const h = harness();
    h.deps.usage.fetchPage = async (query, page, options) => {
      h.calls.push({ query, page, options });
      return pagedUpstream(25, 10, h.clock)({ query, page, options });
    };
    const response = await handle(request(), h.deps);
    const answer = parse(response);
    expect(answer.items).toEqual(rows(25));
    expect(answer.nextPage).toBeUndefined();
    expect(h.calls.map((c) => c.page)).toEqual([undefined, "p10", "p20"]);
    expect(h.logs[0]).toMatchObject({ status: 200, pages: 3, items: 25, attempts: 3 });
  });

  it("stops at the response budget and returns every row exactly once across calls", async () => {
    const h = harness({ config: { responseBudgetBytes: 3000 } });
    const upstream = pagedUpstream(95, 10, h.clock);
    h.deps.usage.fetchPage = async (query, page, options) => {
      h.calls.push({ query, page, options });
      return upstream({ query, page, options });
    };
    const collected: unknown[] = [];
    const pagesPerCall: number[] = [];
    let url = "/usage/request-summarized-usages";
    for (let call = 0; call < 50; call++) {
      const before = h.calls.length;
      const answer = parse(await handle(request(body, { url }), h.deps));
      pagesPerCall.push(h.calls.length - before);
      collected.push(...(answer.items as unknown[]));
      expect(Buffer.byteLength(JSON.stringify(answer.items))).toBeLessThanOrEqual(3000);
      if (answer.nextPage === undefined) break;
      url = `/usage/request-summarized-usages?page=${encodeURIComponent(answer.nextPage as string)}`;
    }
    expect(collected).toEqual(rows(95));
    // ~1 KB a page against a 3000-byte budget: two pages per answer, never all ten at once.
    expect(pagesPerCall.length).toBeGreaterThan(1);
    expect(Math.max(...pagesPerCall)).toBeLessThan(10);
    expect(h.logs).toHaveLength(pagesPerCall.length);
  });

  it.each([
    ["unicode", (i: number) => `q"\\n\u00e9\ud83d\ude00 ${i}`],
    ["ASCII", (i: number) => `q"\\n\t/ ${i}`],
  ])(
    "answers the same bytes, budget and logs whether %s pages come as items or serialised by the scanner",
    async (_kind, note) => {
      // Rows with escapes and null tags (which the SDK's copy, and so the scanner, leaves out).
      const data = rows(95).map((row, i) => ({ ...row, note: note(i), tags: i % 7 ? null : [] }));
      const sdkCopy = (item: Record<string, unknown>) => ({
        ...item,
        tags: item.tags ? item.tags : undefined,
      });
      const run = async (serialised: boolean) => {
        const h = harness({ config: { responseBudgetBytes: 3000 } });
        h.deps.usage.fetchPage = async (_query, page) => {
          const offset = page === undefined ? 0 : Number(page.slice(1));
          const slice = data.slice(offset, offset + 10);
          const nextPage = offset + 10 < data.length ? `p${offset + 10}` : undefined;
          if (!serialised) return { items: slice.map(sdkCopy), groupBy: ["service"], nextPage };
          const pageText = JSON.stringify({ groupBy: ["service"], items: slice });
          const scanned = scanUsagePage(pageText, { ascii: Buffer.byteLength(pageText) === pageText.length });
          if (scanned === undefined) throw new Error("the scanner refused a page");
          const serialisedItems = {
            json: scanned.itemsJson,
            count: scanned.count,
            bytes: scanned.itemsBytes,
          };
          return { serialisedItems, groupBy: ["service"], nextPage };
        };
        const bodies: string[] = [];
        let url = "/usage/request-summarized-usages";
        for (let call = 0; call < 50; call++) {
          const response = await handle(request(body, { url }), h.deps);
          bodies.push(response.body);
          const next = (JSON.parse(response.body) as { nextPage?: string }).nextPage;
          if (next === undefined) break;
          url = `/usage/request-summarized-usages?page=${encodeURIComponent(next)}`;
        }
        return { bodies, logs: h.logs };
      };
      const viaItems = await run(false);
      const viaScanner = await run(true);
      expect(viaScanner.bodies).toEqual(viaItems.bodies);
      expect(viaScanner.logs).toEqual(viaItems.logs);
      expect(viaItems.bodies.length).toBeGreaterThan(1);
      expect(viaItems.bodies.join("")).not.toContain('"tags":null');
    },
  );

  it("always returns at least one page, even one larger than the budget", async () => {
    const h = harness({ steps: [ok(rows(50), "next")], config: { responseBudgetBytes: 100 } });
    const answer = parse(await handle(request(), h.deps));
    expect(answer.items).toHaveLength(50);
    expect(answer.nextPage).toBe("next");
    expect(h.calls).toHaveLength(1);
  });

  it("stops before the deadline and hands back nextPage", async () => {
    const h = harness();
    // 5 s of fake time a page; deadline 30 s, margin 2 s: a sixth page would not fit.
    const upstream = pagedUpstream(1000, 10, h.clock, 5000);
    h.deps.usage.fetchPage = async (query, page, options) => {
      h.calls.push({ query, page, options });
      return upstream({ query, page, options });
    };
    const answer = parse(await handle(request(), h.deps));
    expect(h.calls).toHaveLength(5);
    expect(answer.items).toEqual(rows(50));
    expect(answer.nextPage).toBe("p50");
    expect(h.clock.now).toBeLessThan(T0 + 28_000);
  });

  it("stops a part of a split month (a filtered query) before the deadline too, and resumes at its nextPage", async () => {
    const h = harness();
    const part = { ...body, filter: { operator: "AND", dimensions: [{ key: "service", value: "Compute" }] } };
    // 9 s of fake time a page; deadline 30 s, margin 2 s: the fourth page would not fit.
    const upstream = pagedUpstream(60, 10, h.clock, 9000);
    h.deps.usage.fetchPage = async (query, page, options) => {
      h.calls.push({ query, page, options });
      return upstream({ query, page, options });
    };
    const first = parse(await handle(request(part), h.deps));
    expect(first.items).toEqual(rows(30));
    expect(first.nextPage).toBe("p30");
    expect(h.clock.now).toBeLessThan(T0 + 28_000);
    expect(h.calls.every((c) => c.query.filter?.dimensions?.[0]?.value === "Compute")).toBe(true);

    const resumed = { url: `/usage/request-summarized-usages?page=p30` };
    const second = parse(await handle(request(part, resumed, h.clock.now - T0 + 30_000), h.deps));
    expect(second.items).toEqual(rows(30, 30));
    expect(second.nextPage).toBeUndefined();
  });

  it("stops at MAX_PAGES_PER_CALL", async () => {
    const h = harness({ config: { maxPagesPerCall: 2 } });
    const upstream = pagedUpstream(100, 10, h.clock);
    h.deps.usage.fetchPage = async (query, page, options) => {
      h.calls.push({ query, page, options });
      return upstream({ query, page, options });
    };
    const answer = parse(await handle(request(), h.deps));
    expect(h.calls).toHaveLength(2);
    expect(answer.nextPage).toBe("p20");
  });

  it("answers 502 when upstream repeats the requested page token", async () => {
    const h = harness({ steps: [ok(rows(1), "loop"), ok(rows(1), "loop")] });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(502);
    expect(parse(response).code).toBe("UpstreamError");
  });

  it("returns the pages it has, with nextPage at the failed page, when a later page fails", async () => {
    const h = harness({
      steps: [
        ok(rows(10), "p10"),
        fail({ kind: "http", status: 400, serviceCode: "InvalidParameter", upstreamMessage: "no" }),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    const answer = parse(response);
    expect(answer.items).toEqual(rows(10));
    expect(answer.nextPage).toBe("p10");
    expect(h.logs[0]?.error).toContain("stopped after 1 pages");
  });
});

describe("retries", () => {
  it("honours Retry-After in seconds", async () => {
    const h = harness({
      steps: [
        fail({ kind: "http", status: 429, serviceCode: "TooManyRequests", retryAfter: "3" }),
        ok(rows(2)),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    expect(h.sleeps).toEqual([3000]);
    expect(h.logs[0]).toMatchObject({ status: 200, attempts: 2, pages: 1, items: 2 });
  });

  it("honours Retry-After as an HTTP date", async () => {
    const h = harness({
      steps: [
        fail({
          kind: "http",
          status: 429,
          serviceCode: "TooManyRequests",
          retryAfter: new Date(T0 + 5000).toUTCString(),
        }),
        ok(rows(1)),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    expect(h.sleeps).toEqual([5000]);
  });

  it("backs off with full jitter on 5xx and retries", async () => {
    const h = harness({
      steps: [
        fail({ kind: "http", status: 503, serviceCode: "ServiceUnavailable" }),
        fail({ kind: "http", status: 500, serviceCode: "InternalServerError" }),
        fail({ kind: "network" }),
        fail({ kind: "timeout" }),
        ok(rows(1)),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
    // random() = 0.5 of min(8000, 250 * 2^(n-1))
    expect(h.sleeps).toEqual([125, 250, 500, 1000]);
    expect(h.logs[0]?.attempts).toBe(5);
  });

  it("caps the backoff at RETRY_MAX_DELAY_MS", async () => {
    const h = harness({
      config: { maxAttempts: 10, retryMaxDelayMs: 600 },
      steps: [...Array.from({ length: 5 }, () => fail({ kind: "network" })), ok(rows(1))],
    });
    await handle(request(), h.deps);
    expect(h.sleeps).toEqual([125, 250, 300, 300, 300]);
  });

  it.each([
    [400, "InvalidParameter", 400, "InvalidParameter"],
    [401, "NotAuthenticated", 502, "UpstreamError"],
    [403, "NotAuthorized", 502, "UpstreamError"],
    [404, "NotAuthorizedOrNotFound", 502, "UpstreamError"],
    [409, "Conflict", 502, "UpstreamError"],
    [501, "NotImplemented", 502, "UpstreamError"],
  ])("does not retry HTTP %i %s (-> %i %s)", async (status, serviceCode, expectedStatus, expectedCode) => {
    const h = harness({ steps: [fail({ kind: "http", status, serviceCode, opcRequestId: "OPC/REQ/1" })] });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(expectedStatus);
    expect(parse(response).code).toBe(expectedCode);
    expect(h.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it("answers 400 with the upstream code and a known safe message", async () => {
    const message =
      "Passed UTC date does not have the right precision: hours, minutes, seconds, and second fractions must be 0";
    const h = harness({
      steps: [
        fail({
          kind: "http",
          status: 400,
          serviceCode: "InvalidParameter",
          upstreamMessage: message,
          opcRequestId: "abc",
        }),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(parse(response)).toEqual({ code: "InvalidParameter", message: `${message}; opc-request-id abc` });
  });

  it("replaces any other upstream 400 text with a generic one", async () => {
    const h = harness({
      steps: [
        fail({
          kind: "http",
          status: 400,
          serviceCode: "MissingParameter",
          upstreamMessage: `tenant ${TENANCY} key hunter2 ${SECRET_JWT}`,
          opcRequestId: "abc",
        }),
      ],
    });
    const response = await handle(request(), h.deps);
    expect(parse(response)).toEqual({
      code: "MissingParameter",
      message: "the Usage API rejected the request; opc-request-id abc",
    });
    expect(JSON.stringify(h.logs)).not.toContain(SECRET_JWT);
  });

  it("hints at the dynamic-group policy on 401/404", async () => {
    const h = harness({
      steps: [
        fail({ kind: "http", status: 404, serviceCode: "NotAuthorizedOrNotFound", opcRequestId: "R1" }),
      ],
    });
    const answer = parse(await handle(request(), h.deps));
    expect(answer.message).toContain("HTTP 404 NotAuthorizedOrNotFound");
    expect(answer.message).toContain("read usage-report");
    expect(answer.message).toContain("opc-request-id R1");
  });

  it("answers 429 with Retry-After when throttling outlasts the deadline", async () => {
    const h = harness({
      upstream: fail({
        kind: "http",
        status: 429,
        serviceCode: "TooManyRequests",
        retryAfter: "60",
        opcRequestId: "R429",
      }),
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(429);
    expect(response.headers["Retry-After"]).toBe("60");
    expect(parse(response)).toEqual({
      code: "TooManyRequests",
      message: "the Usage API is throttling requests; retry after 60 seconds",
    });
    // Waiting 60 s cannot fit before the deadline: no sleep at all.
    expect(h.sleeps).toEqual([]);
    expect(h.calls).toHaveLength(1);
  });

  it("keeps retrying 429 within the deadline, then answers 429 with the remaining Retry-After", async () => {
    const h = harness({
      upstream: fail({ kind: "http", status: 429, serviceCode: "TooManyRequests", retryAfter: "10" }),
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(429);
    expect(h.sleeps).toEqual([10_000, 10_000]);
    expect(h.calls).toHaveLength(3);
    expect(response.headers["Retry-After"]).toBe("10");
    expect(h.clock.now).toBeLessThan(T0 + 28_000);
  });

  it("answers 429 with a computed Retry-After when attempts run out without one", async () => {
    const h = harness({
      config: { maxAttempts: 2 },
      upstream: fail({ kind: "http", status: 429, serviceCode: "TooManyRequests" }),
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(429);
    expect(h.calls).toHaveLength(2);
    expect(Number(response.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
  });

  it("answers 502 with the status, service code and opc-request-id after MAX_ATTEMPTS of 5xx", async () => {
    const h = harness({
      upstream: fail({
        kind: "http",
        status: 503,
        serviceCode: "ServiceUnavailable",
        upstreamMessage: `internal stack at Object.<anonymous> ${SECRET_PEM}`,
        opcRequestId: "ABC123/DEF",
      }),
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(502);
    expect(parse(response)).toEqual({
      code: "UpstreamError",
      message: "the Usage API call failed (HTTP 503 ServiceUnavailable); opc-request-id ABC123/DEF",
    });
    expect(h.calls).toHaveLength(6);
    expect(h.logs[0]).toMatchObject({ status: 502, attempts: 6, code: "UpstreamError" });
    for (const secret of SECRETS) expect(JSON.stringify(h.logs)).not.toContain(secret);
  });

  it("answers 502 on network errors that outlast the attempts", async () => {
    const h = harness({ upstream: fail({ kind: "network", detail: "ECONNRESET" }) });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(502);
    expect(parse(response)).toEqual({
      code: "UpstreamError",
      message: "the Usage API call failed (network error)",
    });
    expect(h.calls).toHaveLength(6);
  });

  it("answers 500 AuthUnavailable when the request cannot be signed, without retrying", async () => {
    const h = harness({ upstream: fail({ kind: "auth", detail: `key unreadable ${SECRET_PEM}` }) });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(500);
    expect(parse(response).code).toBe("AuthUnavailable");
    expect(h.calls).toHaveLength(1);
    for (const secret of SECRETS) expect(JSON.stringify(h.logs)).not.toContain(secret);
  });

  it("never sleeps past the deadline", async () => {
    const h = harness({ config: { maxAttempts: 20 }, upstream: fail({ kind: "network" }) });
    await handle(request(body, {}, 10_000), h.deps);
    expect(h.clock.now).toBeLessThan(T0 + 8000);
  });
});

describe("no internal text in any answer", () => {
  const secretText = `at Object.<anonymous> (/function/dist/func.js:1:2) ${SECRET_JWT} ST$${SECRET_JWT} ${SECRET_PEM} hunter2`;

  it("turns an unexpected throw from the fetcher into 500 InternalError naming only the call id", async () => {
    const h = harness({
      steps: [
        () => {
          throw new Error(secretText);
        },
      ],
    });
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(500);
    expect(parse(response)).toEqual({
      code: "InternalError",
      message: "internal error; see the function log with call id 01CALLID",
    });
    expect(h.calls).toHaveLength(1);
    for (const value of [...SECRETS, ...INTERNAL]) expect(response.body).not.toContain(value);
    for (const secret of SECRETS) expect(JSON.stringify(h.logs)).not.toContain(secret);
  });

  it.each<[string, UpstreamFailure]>([
    [
      "429",
      {
        kind: "http",
        status: 429,
        serviceCode: "TooManyRequests",
        upstreamMessage: secretText,
        retryAfter: "99",
      },
    ],
    ["500", { kind: "http", status: 500, serviceCode: "InternalServerError", upstreamMessage: secretText }],
    ["400", { kind: "http", status: 400, serviceCode: "InvalidParameter", upstreamMessage: secretText }],
    ["401", { kind: "http", status: 401, serviceCode: "NotAuthenticated", upstreamMessage: secretText }],
    ["network", { kind: "network", detail: secretText }],
    ["auth", { kind: "auth", detail: secretText }],
    [
      "a hostile service code",
      { kind: "http", status: 502, serviceCode: `<script>${SECRET_JWT}`, opcRequestId: "a b\nc" },
    ],
  ])("%s failure", async (_name, failure) => {
    const h = harness({ upstream: fail(failure) });
    const response = await handle(request(), h.deps);
    const answer = parse(response);
    expect(Object.keys(answer).sort()).toEqual(["code", "message"]);
    for (const value of [...SECRETS, ...INTERNAL, "<script>"]) expect(response.body).not.toContain(value);
    for (const secret of SECRETS) expect(JSON.stringify(h.logs)).not.toContain(secret);
  });

  it("survives a throwing log sink", async () => {
    const h = harness({ steps: [ok(rows(1))] });
    h.deps.log = () => {
      throw new Error("disk full");
    };
    const response = await handle(request(), h.deps);
    expect(response.status).toBe(200);
  });
});

describe("the log line", () => {
  it("is exactly one JSON-serialisable line per call with the documented fields", async () => {
    const h = harness({ steps: [ok(rows(3))] });
    const response = await handle(request({ ...body, tenantId: TENANCY }), h.deps);
    expect(h.logs).toHaveLength(1);
    const line = h.logs[0]!;
    expect(Object.keys(line).sort()).toEqual([
      "attempts",
      "bytes",
      "callId",
      "items",
      "pages",
      "status",
      "upstreamMs",
    ]);
    expect(line).toMatchObject({ callId: "01CALLID", status: 200, pages: 1, items: 3, attempts: 1 });
    expect(line.bytes).toBe(Buffer.byteLength(response.body));
    const text = JSON.stringify(line);
    expect(text).not.toContain("\n");
    expect(text).not.toContain(TENANCY);
    expect(text).not.toContain("SERVICE-0");
  });

  it("adds code and a short error on failures", async () => {
    const h = harness({
      upstream: fail({ kind: "http", status: 500, serviceCode: "InternalServerError", opcRequestId: "R" }),
    });
    await handle(request(), h.deps);
    expect(h.logs).toHaveLength(1);
    expect(h.logs[0]).toMatchObject({ status: 502, code: "UpstreamError", attempts: 6 });
    expect(h.logs[0]?.error).toContain("upstream http 500 InternalServerError after 6 attempt(s)");
    expect(h.logs[0]?.error).toContain("opc-request-id R");
    expect(h.logs[0]!.error!.length).toBeLessThanOrEqual(400);
  });

  it("counts upstream time from the injected clock", async () => {
    const h = harness();
    h.deps.usage.fetchPage = async () => {
      h.clock.now += 1234;
      return { items: [] };
    };
    await handle(request(), h.deps);
    expect(h.logs[0]?.upstreamMs).toBe(1234);
  });

  it("replaces an unusable call id", async () => {
    const h = harness();
    await handle(request(body, { method: "GET", callId: "bad id\n{}" }), h.deps);
    expect(h.logs[0]?.callId).toBe("unknown");
  });
});

describe("helpers", () => {
  it.each([
    ["3", 3000],
    ["0", 0],
    [" 120 ", 120_000],
    [new Date(T0 + 7000).toUTCString(), 7000],
    [new Date(T0 - 7000).toUTCString(), 0],
    ["soon", undefined],
    ["-1", undefined],
    ["1.5", undefined],
    [undefined, undefined],
  ])("parseRetryAfter(%s)", (value, expected) => {
    expect(parseRetryAfter(value, T0)).toBe(expected);
  });

  it("sanitizeForLog removes keys, tokens and long opaque runs", () => {
    const cleaned = sanitizeForLog(
      `Authorization: Signature version="1",keyId="ST$${SECRET_JWT}" ${SECRET_PEM} token ${SECRET_JWT} ${"A".repeat(64)}`,
    );
    for (const secret of [SECRET_JWT, "MIIEvQ", "A".repeat(64), "keyId"])
      expect(cleaned).not.toContain(secret);
    expect(cleaned.length).toBeLessThanOrEqual(300);
  });
});
