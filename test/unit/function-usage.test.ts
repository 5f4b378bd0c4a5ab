// usage.ts against the real oci-common / oci-usageapi code: a real resource-principal provider built
// from temporary files, real request signing, and a scripted Usage API on 127.0.0.1 answering over HTTP.
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResourcePrincipalAuthenticationDetailsProvider } from "oci-common";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultConfig, type FunctionConfig } from "../../function/src/config.js";
import { UpstreamError, type UpstreamFailure } from "../../function/src/handler.js";
import {
  classifyFailure,
  createSdkUsage,
  filterSdkRetrierWarnings,
  MAX_ANSWER_BYTES,
  type Transport,
  toSdkDetails,
} from "../../function/src/usage.js";
import type { UsageQuery } from "../../function/src/validate.js";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaarptenancy";
const dir = mkdtempSync(join(tmpdir(), "fn-usage-test-"));
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pemPath = join(dir, "private.pem");
const rpstPath = join(dir, "rpst");
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const RPST = `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url({
  res_tenant: TENANCY,
  res_compartment: "ocid1.compartment.oc1..aaaa",
  exp: Math.floor(Date.now() / 1000) + 3600,
})}.c2lnbmF0dXJl`;
writeFileSync(pemPath, privateKey.export({ type: "pkcs1", format: "pem" }));
writeFileSync(rpstPath, RPST);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const query: UsageQuery & { tenantId: string } = {
  tenantId: TENANCY,
  timeUsageStarted: new Date("2025-05-01T00:00:00Z"),
  timeUsageEnded: new Date("2025-06-01T00:00:00Z"),
  granularity: "DAILY",
  queryType: "COST",
  groupBy: ["service"],
  filter: {
    operator: "AND",
    dimensions: [{ key: "region", value: "us-ashburn-1" }],
    filters: [{ tags: [{ key: "k" }] }],
  },
};

interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** How the loopback Usage API answers one request. */
type Reply = (req: IncomingMessage, res: ServerResponse) => void;

let calls: Captured[] = [];
let replies: Reply[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    calls.push({
      url: `${base}${req.url ?? ""}`,
      method: req.method ?? "",
      headers: req.headers as Record<string, string>,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    const reply = replies.shift();
    if (reply) reply(req, res);
    else req.socket.destroy();
  });
});
let base = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Scripts the loopback Usage API's next answers; returns the requests it receives. */
function script(...next: Reply[]): Captured[] {
  calls = [];
  replies = next;
  return calls;
}

const raw =
  (status: number, body: string | Buffer, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  raw(status, JSON.stringify(body), headers);

/** The connection closes with no answer. */
const reset: Reply = (req) => req.socket.destroy();

/** A 200 whose body starts and then either breaks off or never finishes. */
const partial =
  (text: string, then: "close" | "hold"): Reply =>
  (req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
    res.write(text, () => {
      if (then === "close") setTimeout(() => req.socket.destroy(), 10);
    });
  };

function config(overrides: Partial<FunctionConfig> = {}): FunctionConfig {
  return { ...defaultConfig(), usageApiEndpoint: base, ...overrides };
}

async function failureOf(promise: Promise<unknown>): Promise<UpstreamFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return (err as UpstreamError).failure;
}

beforeEach(() => {
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2");
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_RPST", rpstPath);
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", pemPath);
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_REGION", "us-ashburn-1");
  vi.stubEnv("OCI_SDK_DEFAULT_RETRY_ENABLED", "true");
});

afterEach(() => {
  script();
  server.closeAllConnections();
});

describe("fetchPage against the real SDK", () => {
  it("sends one correctly signed RequestSummarizedUsages and returns the page as received", async () => {
    const items = [
      {
        service: "COMPUTE",
        computedAmount: -1.5,
        timeUsageStarted: "2025-05-01T00:00:00.000Z",
        currency: null,
      },
    ];
    const calls = script(
      json(200, { groupBy: ["service"], items }, { "opc-next-page": "NEXT+/=", "opc-request-id": "REQ-1" }),
    );
    const { usage } = createSdkUsage(config());
    const page = await usage.fetchPage(query, "tok/1+a=b&c%", { limit: 500, timeoutMs: 5000 });

    // The items come back serialised from the page text (the SDK deserialised none of them), byte for
    // byte as JSON.stringify writes the items received.
    expect(page).toEqual({
      serialisedItems: {
        json: JSON.stringify(items).slice(1, -1),
        count: 1,
        bytes: Buffer.byteLength(JSON.stringify(items).slice(1, -1)),
      },
      groupBy: ["service"],
      nextPage: "NEXT+/=",
      opcRequestId: "REQ-1",
    });
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.method).toBe("POST");
    expect(call.url).toBe(`${base}/20200107/usage?page=tok%2F1%2Ba%3Db%26c%25&limit=500`);
    expect(new URL(call.url).searchParams.get("page")).toBe("tok/1+a=b&c%");
    // No SDK retry machinery in play, even with OCI_SDK_DEFAULT_RETRY_ENABLED=true.
    expect(call.headers["opc-client-retries"]).toBeUndefined();

    const sent = JSON.parse(call.body) as Record<string, unknown>;
    expect(sent).toEqual({
      tenantId: TENANCY,
      timeUsageStarted: "2025-05-01T00:00:00.000Z",
      timeUsageEnded: "2025-06-01T00:00:00.000Z",
      granularity: "DAILY",
      queryType: "COST",
      groupBy: ["service"],
      filter: {
        operator: "AND",
        dimensions: [{ key: "region", value: "us-ashburn-1" }],
        filters: [{ tags: [{ key: "k" }] }],
      },
    });

    // The signature verifies with the resource principal's public key, keyId ST$<rpst>.
    const authorization = call.headers.authorization ?? "";
    const field = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(authorization)?.[1];
    expect(field("keyId")).toBe(`ST$${RPST}`);
    expect(field("algorithm")).toBe("rsa-sha256");
    // oci-common lists Content-Type/Content-Length capitalised here; names compare case-insensitively.
    const signed = field("headers")?.toLowerCase().split(" ") ?? [];
    expect(signed).toEqual([
      "x-date",
      "(request-target)",
      "host",
      "content-type",
      "content-length",
      "x-content-sha256",
    ]);
    expect(call.headers["x-content-sha256"]).toBe(createHash("sha256").update(call.body).digest("base64"));
    const target = new URL(call.url);
    const signingString = signed
      .map((name) =>
        name === "(request-target)"
          ? `(request-target): post ${target.pathname}${target.search}`
          : `${name}: ${call.headers[name]}`,
      )
      .join("\n");
    const signature = Buffer.from(field("signature") ?? "", "base64");
    expect(verify("sha256", Buffer.from(signingString), publicKey, signature)).toBe(true);
  });

  it.each([
    [503, "ServiceUnavailable", { "retry-after": "7", "opc-request-id": "R503" }, "7"],
    [
      429,
      "TooManyRequests",
      { "retry-after": "Wed, 21 Oct 2025 07:28:00 GMT", "opc-request-id": "R429" },
      "Wed, 21 Oct 2025 07:28:00 GMT",
    ],
    [400, "InvalidParameter", { "opc-request-id": "R400" }, undefined],
    [404, "NotAuthorizedOrNotFound", { "opc-request-id": "R404" }, undefined],
  ])(
    "reports HTTP %i %s with its headers, after exactly one request",
    async (status, code, headers, retryAfter) => {
      const calls = script(json(status, { code, message: `upstream says ${code}` }, headers));
      const { usage } = createSdkUsage(config());
      const failure = await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }));
      expect(failure).toMatchObject({
        kind: "http",
        status,
        serviceCode: code,
        upstreamMessage: `upstream says ${code}`,
        opcRequestId: headers["opc-request-id"],
        retryAfter,
      });
      expect(calls).toHaveLength(1);
    },
  );

  it("reports a refused connection as a network failure", async () => {
    // Port 9 (discard) has no listener on the loopback interface.
    const { usage } = createSdkUsage(config({ usageApiEndpoint: "http://127.0.0.1:9" }));
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }))).toMatchObject({
      kind: "network",
    });
  });

  it("sends an https endpoint's call over TLS (node:https loads on that first call)", async () => {
    // A plain TCP listener: the first bytes of a TLS connection are a handshake record (0x16, 3.x).
    const firstBytes: Buffer[] = [];
    const tcp = createTcpServer((socket) => {
      socket.once("data", (chunk: Buffer) => {
        firstBytes.push(chunk.subarray(0, 2));
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = tcp.address() as AddressInfo;
      const { usage } = createSdkUsage(config({ usageApiEndpoint: `https://127.0.0.1:${port}` }));
      expect(
        await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 })),
      ).toMatchObject({
        kind: "network",
      });
      expect(firstBytes[0]?.toString("hex")).toBe("1603");
    } finally {
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  it("reports a connection closed with no answer as a network failure", async () => {
    const calls = script(reset);
    const { usage } = createSdkUsage(config());
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }))).toMatchObject({
      kind: "network",
    });
    expect(calls).toHaveLength(1);
  });

  it("resends once, on a fresh connection, a query whose reused keep-alive connection closes unanswered", async () => {
    const calls = script(json(200, { items: [] }), reset, json(200, { items: [{ a: 1 }] }), reset, reset);
    const { usage } = createSdkUsage(config());
    await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    // The second query goes out on the kept-alive socket, which the server closes unanswered.
    const page = await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(page).toMatchObject({ serialisedItems: { json: '{"a":1}', count: 1 } });
    expect(calls).toHaveLength(3);
    expect(calls[2]?.body).toBe(calls[1]?.body);
    // Only once: the fresh connection closing unanswered too is the attempt's failure.
    const again = script(json(200, { items: [] }), reset, reset, json(200, { items: [] }));
    await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }))).toMatchObject({
      kind: "network",
    });
    expect(again).toHaveLength(3);
  });

  it("reports a truncated 200 body as a network failure", async () => {
    script(partial('{"items":[{"serv', "close"));
    const { usage } = createSdkUsage(config());
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }))).toMatchObject({
      kind: "network",
      status: 200,
    });
  });

  it("takes the items from the page text, as JSON.stringify writes what the SDK deserialises", async () => {
    // Spaced, escaped and with null tags (which the SDK's copy drops): rewritten, not passed through.
    const text =
      '{ "groupBy": ["service"], "items": [ {"service": "A\\/B", "computedAmount": 1.50, "tags": null},\n' +
      '{"service": "C", "computedAmount": -0, "tags": [{"namespace": "n", "key": "k", "value": "v"}]} ] }';
    script(raw(200, text, { "opc-request-id": "REQ-2" }));
    const { usage } = createSdkUsage(config());
    const page = await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(page).toEqual({
      serialisedItems: {
        json: '{"service":"A/B","computedAmount":1.5},{"service":"C","computedAmount":0,"tags":[{"namespace":"n","key":"k","value":"v"}]}',
        count: 2,
        bytes: 122,
      },
      groupBy: ["service"],
      nextPage: undefined,
      opcRequestId: "REQ-2",
    });
  });

  it.each([
    [
      "UTF-8 beyond ASCII",
      Buffer.from('{"items":[{"s":"r\u00e9seau \ud83d\ude00","tags":null}]}'),
      '{"s":"r\u00e9seau \ud83d\ude00"}',
    ],
    // Invalid UTF-8 decodes with replacement characters, as response.text() (and so the SDK) decodes it.
    [
      "invalid UTF-8",
      Buffer.from([...Buffer.from('{"items":[{"s":"a'), 0xff, 0xc3, ...Buffer.from('b"}]}')]),
      '{"s":"a\ufffd\ufffdb"}',
    ],
  ])("decodes a page with %s as the SDK did, and counts its bytes", async (_name, bytes, json) => {
    script(raw(200, bytes));
    const { usage } = createSdkUsage(config());
    const page = await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(page).toMatchObject({ serialisedItems: { json, count: 1, bytes: Buffer.byteLength(json) } });
  });

  it("leaves a page with a byte order mark to the SDK, whose decoding drops it as before", async () => {
    script(raw(200, '\ufeff{"items":[{"a":1,"tags":null}]}'));
    const { usage } = createSdkUsage(config());
    const page = await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect("items" in page && JSON.stringify(page.items)).toBe('[{"a":1}]');
  });

  it.each([
    ["a __proto__ key", '{"items":[{"__proto__":{"x":1},"a":2}]}', [{ a: 2 }]],
    ["an integer-like key", '{"items":[{"b":1,"7":2}]}', [{ 7: 2, b: 1 }]],
    ["tags holding a null entry", '{"items":[{"tags":[null]}]}', [{ tags: [{}] }]],
    ["no items array", '{"groupBy":["service"]}', []],
    ["a null body", "null", []],
  ])("leaves a page with %s to the SDK, which deserialises it as before", async (_name, text, expected) => {
    script(raw(200, text));
    const { usage } = createSdkUsage(config());
    const page = await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect("items" in page).toBe(true);
    expect(JSON.stringify("items" in page ? page.items : undefined)).toBe(JSON.stringify(expected));
  });

  it.each([
    ["items that are not an array", '{"items":{"a":1}}'],
    ["an item that is null", '{"items":[null]}'],
    ["tags that are an object", '{"items":[{"tags":{"k":"v"}}]}'],
  ])(
    "reports a 200 page with %s as a network failure, as the SDK's deserialisation fails",
    async (_n, text) => {
      script(raw(200, text));
      const { usage } = createSdkUsage(config());
      expect(
        await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 })),
      ).toMatchObject({
        kind: "network",
        status: 200,
      });
    },
  );

  it("reports a 200 body that breaks off as a network failure", async () => {
    script(partial('{"items":[{"a":', "close"));
    const { usage } = createSdkUsage(config());
    const failure = await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }));
    expect(failure).toMatchObject({ kind: "network", status: 200 });
    expect(failure.detail).toMatch(/aborted|closed before the answer was complete/);
  });

  it("reports a 200 body still arriving at the attempt's timeout as a timeout", async () => {
    const calls = script(partial('{"items":[', "hold"));
    const { usage } = createSdkUsage(config());
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 300 }))).toMatchObject({
      kind: "timeout",
    });
    expect(calls).toHaveLength(1);
  });

  it("aborts an attempt at its timeout and reports it as a timeout", async () => {
    const calls = script(() => {
      // No answer at all.
    });
    const { usage } = createSdkUsage(config());
    expect(await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 300 }))).toMatchObject({
      kind: "timeout",
    });
    expect(calls).toHaveLength(1);
  });

  it("refuses an answer larger than it would hold, as a network failure", async () => {
    script((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_ANSWER_BYTES / chunk.length) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("error", () => undefined);
      pump();
    });
    const { usage } = createSdkUsage(config());
    const failure = await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 20_000 }));
    expect(failure).toMatchObject({ kind: "network", status: 200 });
    expect(failure.detail).toContain(`exceeds ${MAX_ANSWER_BYTES} bytes`);
  });

  it("keeps calling through after many failures (no circuit breaker)", async () => {
    const failures = Array.from({ length: 15 }, (): Reply => reset);
    const calls = script(...failures, json(200, { items: [] }));
    const { usage } = createSdkUsage(config());
    for (let i = 0; i < 15; i++) {
      await failureOf(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }));
    }
    await expect(usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 })).resolves.toMatchObject({
      serialisedItems: { json: "", count: 0 },
    });
    expect(calls).toHaveLength(16);
  });
});

describe("endpoint selection", () => {
  it.each([
    [{ usageApiEndpoint: "http://127.0.0.1:4567" }, "http://127.0.0.1:4567/20200107/usage"],
    [
      { usageApiEndpoint: undefined, usageApiRegion: "us-phoenix-1" },
      "https://usageapi.us-phoenix-1.oci.oraclecloud.com/20200107/usage",
    ],
    [
      { usageApiEndpoint: undefined, usageApiRegion: "fra" },
      "https://usageapi.eu-frankfurt-1.oci.oraclecloud.com/20200107/usage",
    ],
    [{ usageApiEndpoint: undefined }, "https://usageapi.us-ashburn-1.oci.oraclecloud.com/20200107/usage"],
  ])("%o -> %s", async (overrides, expected) => {
    // Only the URL is of interest: a capturing transport answers in place of the network.
    const urls: string[] = [];
    const transport: Transport = async (uri) => {
      urls.push(uri);
      return { status: 200, statusText: "OK", headers: new Headers(), bytes: Buffer.from('{"items":[]}') };
    };
    const { usage } = createSdkUsage(config(overrides), { transport });
    await usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(urls).toHaveLength(1);
    expect(urls[0]?.split("?")[0]).toBe(expected);
  });
});

describe("the resource principal", () => {
  it("reads the tenancy from the res_tenant claim and caches it", async () => {
    const sdk = createSdkUsage(config());
    expect(await sdk.tenancy()).toBe(TENANCY);
    vi.stubEnv("OCI_RESOURCE_PRINCIPAL_RPST", join(dir, "gone"));
    expect(await sdk.tenancy()).toBe(TENANCY);
  });

  it("builds the provider once and reuses it", async () => {
    script(json(200, { items: [] }), json(200, { items: [] }));
    let builds = 0;
    const sdk = createSdkUsage(config(), {
      buildProvider: () => {
        builds += 1;
        return ResourcePrincipalAuthenticationDetailsProvider.builder();
      },
    });
    await sdk.tenancy();
    await sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    await sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    expect(builds).toBe(1);
  });

  it("retries a failed provider build on the next call", async () => {
    script(json(200, { items: [] }));
    let builds = 0;
    const sdk = createSdkUsage(config(), {
      buildProvider: () => {
        builds += 1;
        if (builds === 1) throw new Error("RPST not there yet");
        return ResourcePrincipalAuthenticationDetailsProvider.builder();
      },
    });
    await expect(sdk.tenancy()).rejects.toThrow("RPST not there yet");
    await expect(
      sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }),
    ).resolves.toMatchObject({
      serialisedItems: { json: "", count: 0 },
    });
  });

  it.each([
    ["OCI_RESOURCE_PRINCIPAL_VERSION", undefined],
    ["OCI_RESOURCE_PRINCIPAL_VERSION", "1.1"],
    ["OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", join(dir, "missing.pem")],
    ["OCI_RESOURCE_PRINCIPAL_RPST", undefined],
  ])("reports %s=%s as an auth failure, without any request", async (key, value) => {
    vi.stubEnv(key, value);
    const calls = script();
    const sdk = createSdkUsage(config());
    await expect(sdk.tenancy()).rejects.toThrow();
    expect(
      await failureOf(sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 })),
    ).toMatchObject({
      kind: "auth",
    });
    expect(calls).toHaveLength(0);
  });

  it("reports a request that cannot be signed as an auth failure, without sending it", async () => {
    const calls = script(json(200, { items: [] }));
    const provider = ResourcePrincipalAuthenticationDetailsProvider.builder();
    const sdk = createSdkUsage(config(), { buildProvider: () => provider });
    await sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 });
    // The key becomes unreadable once the signer exists: signing itself fails.
    (provider as unknown as { getPrivateKey: () => string }).getPrivateKey = () => {
      throw new Error("key unreadable");
    };
    const failure = await failureOf(sdk.usage.fetchPage(query, undefined, { limit: 10, timeoutMs: 5000 }));
    expect(failure.kind).toBe("auth");
    expect(failure.detail).toContain("signing failed");
    expect(calls).toHaveLength(1);
  });
});

describe("pure helpers", () => {
  it("toSdkDetails keeps Dates as Date objects and drops absent fields", () => {
    const details = toSdkDetails({
      tenantId: TENANCY,
      timeUsageStarted: new Date("2025-01-01T00:00:00Z"),
      timeUsageEnded: new Date("2025-02-01T00:00:00Z"),
      granularity: "MONTHLY",
      forecast: { timeForecastEnded: new Date("2025-03-01T00:00:00Z") },
    });
    expect(details.timeUsageStarted).toBeInstanceOf(Date);
    expect(details.forecast?.timeForecastEnded).toBeInstanceOf(Date);
    expect(Object.keys(details).sort()).toEqual([
      "forecast",
      "granularity",
      "tenantId",
      "timeUsageEnded",
      "timeUsageStarted",
    ]);
  });

  it.each<[string, unknown, Parameters<typeof classifyFailure>[1], boolean, Partial<UpstreamFailure>]>([
    [
      "an OciError",
      { statusCode: 502, serviceCode: "BadGateway", message: "m", opcRequestId: "X" },
      { retryAfter: "3" },
      false,
      { kind: "http", status: 502, serviceCode: "BadGateway", opcRequestId: "X", retryAfter: "3" },
    ],
    ["an aborted attempt", { code: 20, message: "aborted" }, {}, true, { kind: "timeout" }],
    [
      "a signing failure",
      { code: undefined, message: "x" },
      { signFailed: true, signError: new Error("bad key") },
      false,
      { kind: "auth" },
    ],
    ["a reset connection", { code: "ECONNRESET", message: "socket hang up" }, {}, false, { kind: "network" }],
  ])("classifyFailure: %s", (_name, err, record, aborted, expected) => {
    expect(classifyFailure(err, record, aborted).failure).toMatchObject(expected);
  });

  it("filterSdkRetrierWarnings drops only the SDK retrier's lines", () => {
    const seen: unknown[][] = [];
    const target = { warn: (...args: unknown[]) => void seen.push(args) };
    filterSdkRetrierWarnings(target);
    filterSdkRetrierWarnings(target);
    target.warn("Request cannot be retried. Not Retrying. Exception occurred : Error: boom");
    target.warn("All retry attempts have exhausted. Total Attempts : 1.");
    target.warn("Request failed with Exception : x\nRetrying request");
    target.warn("something else", 1);
    expect(seen).toEqual([["something else", 1]]);
  });
});
