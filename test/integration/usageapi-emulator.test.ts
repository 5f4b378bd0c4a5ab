// The emulated Usage API through real sockets, called by the real oci-common signers and UsageapiClient.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as common from "oci-common";
import { models, UsageapiClient } from "oci-usageapi";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type ApiKeyUser, NOT_AUTHENTICATED_MESSAGE, OciAuthority } from "../../sandbox/core/auth.js";
import { createFaults } from "../../sandbox/core/faults.js";
import { type SummarizeDetails, summarize } from "../../sandbox/usageapi/aggregate.js";
import { createDataset } from "../../sandbox/usageapi/dataset.js";
import {
  CONFIGURATION_PATH,
  MESSAGES,
  startUsageApi,
  USAGE_PATH,
  type UsageApiServer,
} from "../../sandbox/usageapi/index.js";

const Granularity = models.RequestSummarizedUsagesDetails.Granularity;
const dataset = createDataset({ currentMonth: "2025-06" });
const authority = new OciAuthority();
const faults = createFaults();
const FUNCTION_ID = "ocid1.fnfunc.oc1.iad.aaaaaaaasandboxfunction";
const FUNCTION_COMPARTMENT = dataset.compartments[1]!.id;
let api: UsageApiServer;
let user: ApiKeyUser;
const clients: UsageapiClient[] = [];
const tempDirs: string[] = [];

beforeAll(async () => {
  api = await startUsageApi({ dataset, authority, faults: faults.usage, maxLimit: 500 });
  user = authority.createApiKeyUser(dataset.tenancyId, "report-bot");
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  // oci-common warns on every failed call; the tests assert on the errors themselves.
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
  faults.clearAll();
  authority.lastFailure = undefined;
  vi.unstubAllEnvs();
});

function clientFor(provider: common.AuthenticationDetailsProvider): UsageapiClient {
  const client = new UsageapiClient({ authenticationDetailsProvider: provider });
  client.regionId = "us-ashburn-1";
  client.endpoint = api.url;
  clients.push(client);
  return client;
}

const userProvider = (u: ApiKeyUser = user, privateKeyPem = u.privateKeyPem) =>
  new common.SimpleAuthenticationDetailsProvider(
    u.tenancyId,
    u.userId,
    u.fingerprint,
    privateKeyPem,
    null,
    common.Region.US_ASHBURN_1,
  );

/** A resource principal as OCI Functions sets it up: token and key files plus the v2.2 environment. */
async function resourcePrincipal(rpst = authority.mintRpst(rpstFor())) {
  const dir = await mkdtemp(join(tmpdir(), "usage-rp-"));
  tempDirs.push(dir);
  await writeFile(join(dir, "rpst"), rpst.token, { mode: 0o600 }); // no trailing newline: the SDK reads it verbatim
  await writeFile(join(dir, "private.pem"), rpst.privateKeyPem, { mode: 0o600 });
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2");
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_RPST", join(dir, "rpst"));
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", join(dir, "private.pem"));
  vi.stubEnv("OCI_RESOURCE_PRINCIPAL_REGION", "us-ashburn-1");
  return common.ResourcePrincipalAuthenticationDetailsProvider.builder();
}

const rpstFor = (extra: Partial<Parameters<OciAuthority["mintRpst"]>[0]> = {}) => ({
  tenancyId: dataset.tenancyId,
  compartmentId: FUNCTION_COMPARTMENT,
  resourceId: FUNCTION_ID,
  ...extra,
});

const march = (
  extra: Partial<models.RequestSummarizedUsagesDetails> = {},
): models.RequestSummarizedUsagesDetails => ({
  tenantId: dataset.tenancyId,
  granularity: Granularity.Monthly,
  timeUsageStarted: new Date(Date.UTC(2025, 2, 1)),
  timeUsageEnded: new Date(Date.UTC(2025, 3, 1)),
  ...extra,
});

/** The same request as JSON text, as a client puts it on the wire. */
const marchJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    tenantId: dataset.tenancyId,
    granularity: "MONTHLY",
    timeUsageStarted: "2025-03-01T00:00:00.000Z",
    timeUsageEnded: "2025-04-01T00:00:00.000Z",
    ...extra,
  });

async function ociError(call: Promise<unknown>): Promise<common.OciError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof common.OciError) return err;
    throw err;
  }
  throw new Error("the call succeeded; an OciError was expected");
}

/**
 * A request signed by the SDK's own DefaultRequestSigner and sent with fetch, so a test can change what is
 * sent after signing.
 */
async function signedFetch(opts: {
  method?: "GET" | "POST";
  path?: string;
  body?: string;
  provider?: common.AuthenticationDetailsProvider;
  headers?: Record<string, string>;
  forceExcludeBody?: boolean;
  tamper?: (request: { path: string; body: string | undefined; headers: Headers }) => void;
}): Promise<Response> {
  const method = opts.method ?? "POST";
  const request = { path: opts.path ?? USAGE_PATH, body: opts.body, headers: new Headers(opts.headers) };
  if (method === "POST") request.headers.set("content-type", "application/json");
  await new common.DefaultRequestSigner(opts.provider ?? userProvider()).signHttpRequest(
    { method, uri: `${api.url}${request.path}`, headers: request.headers, body: request.body },
    opts.forceExcludeBody ?? false,
  );
  opts.tamper?.(request);
  return fetch(`${api.url}${request.path}`, { method, headers: request.headers, body: request.body });
}

async function expectNotAuthenticated(response: Response, reason: string): Promise<void> {
  expect(response.status).toBe(401);
  expect(await response.json()).toEqual({ code: "NotAuthenticated", message: NOT_AUTHENTICATED_MESSAGE });
  expect(authority.lastFailure).toBe(reason);
}

describe("Usage API emulator: signed requests", () => {
  it("answers an API-key-signed RequestSummarizedUsages with the data set's figures", async () => {
    const details = march({ groupBy: ["service"] });
    const response = await clientFor(userProvider()).requestSummarizedUsages({
      requestSummarizedUsagesDetails: details,
      opcRequestId: "test-request-1",
    });
    expect(response.opcRequestId).toBe("test-request-1");
    expect(response.opcNextPage).toBeUndefined();
    const expected = summarize(dataset, JSON.parse(JSON.stringify(details)) as SummarizeDetails);
    // The SDK's deserializer turns a null `tags` into undefined; every other field arrives as sent.
    const wire = JSON.stringify(expected, (key, value) =>
      key === "tags" && value === null ? undefined : value,
    );
    expect(response.usageAggregation).toEqual(JSON.parse(wire));
    const items = response.usageAggregation.items;
    expect(items.map((i) => i.service)).toContain("Compute");
    expect(typeof items[0]!.timeUsageStarted).toBe("string"); // the SDK does not revive dates
    expect(items.reduce((a, i) => a + BigInt(Math.round(i.computedAmount! * 1e6)), 0n)).toBe(
      BigInt(dataset.totalMicros("2025-03")),
    );
    expect(authority.lastFailure).toBeUndefined();
  });

  it("answers a resource principal (RPST v2.2 from files) as OCI Functions runs it", async () => {
    const provider = await resourcePrincipal();
    expect(await provider.getStringClaim("res_tenant")).toBe(dataset.tenancyId);
    expect(await provider.getStringClaim("res_compartment")).toBe(FUNCTION_COMPARTMENT);
    const response = await clientFor(provider).requestSummarizedUsages({
      requestSummarizedUsagesDetails: march({ isAggregateByTime: true }),
    });
    expect(response.usageAggregation.items).toHaveLength(1);
    expect(response.usageAggregation.items[0]!.computedAmount).toBe(dataset.totalMicros("2025-03") / 1e6);
    expect(response.opcRequestId).toBeTruthy(); // the SDK sends one of its own, which comes back
  });

  it("gives a request id to requests that bring none", async () => {
    faults.usage.script({ type: "status", status: 500 });
    const response = await fetch(`${api.url}${USAGE_PATH}`, { method: "POST", body: "{}" });
    expect(response.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{16}\/[0-9A-F]{16}$/);
    const unsigned = await fetch(`${api.url}${USAGE_PATH}`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{16}\/[0-9A-F]{16}$/);
  });

  it("answers a resource principal whose token and key are given inline", async () => {
    const rpst = authority.mintRpst(rpstFor());
    vi.stubEnv("OCI_RESOURCE_PRINCIPAL_VERSION", "2.2");
    vi.stubEnv("OCI_RESOURCE_PRINCIPAL_RPST", rpst.token);
    vi.stubEnv("OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM", rpst.privateKeyPem);
    vi.stubEnv("OCI_RESOURCE_PRINCIPAL_REGION", "iad");
    const client = clientFor(common.ResourcePrincipalAuthenticationDetailsProvider.builder());
    const response = await client.requestSummarizedConfigurations({ tenantId: dataset.tenancyId });
    expect(response.configurationAggregation.items.find((i) => i.key === "groupBy")?.values).toContain(
      "resourceId",
    );
  });

  it("restores the environment it stubbed", () => {
    expect(process.env.OCI_RESOURCE_PRINCIPAL_RPST).toBeUndefined();
  });
});

describe("Usage API emulator: rejected signatures", () => {
  it("refuses a key that was never registered", async () => {
    const stranger = new OciAuthority().createApiKeyUser(dataset.tenancyId, "stranger");
    const err = await ociError(
      clientFor(userProvider(stranger)).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect([err.statusCode, err.serviceCode, err.message]).toEqual([
      401,
      "NotAuthenticated",
      NOT_AUTHENTICATED_MESSAGE,
    ]);
    expect(authority.lastFailure).toBe("unknown-key");
  });

  it("refuses a registered key id signed with another private key", async () => {
    const other = new OciAuthority().createApiKeyUser(dataset.tenancyId, "other");
    const err = await ociError(
      clientFor(userProvider(user, other.privateKeyPem)).requestSummarizedUsages({
        requestSummarizedUsagesDetails: march(),
      }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([401, "NotAuthenticated"]);
    expect(authority.lastFailure).toBe("bad-signature");
  });

  it("refuses a revoked key", async () => {
    const leaving = authority.createApiKeyUser(dataset.tenancyId, "leaving");
    const client = clientFor(userProvider(leaving));
    await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: march() });
    authority.revokeApiKey(leaving.fingerprint);
    const err = await ociError(client.requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }));
    expect(err.statusCode).toBe(401);
    expect(authority.lastFailure).toBe("unknown-key");
  });

  it("refuses a request without a signature", async () => {
    const response = await fetch(`${api.url}${USAGE_PATH}`, { method: "POST", body: marchJson() });
    await expectNotAuthenticated(response, "missing-signature");
  });

  it("refuses a body changed after signing", async () => {
    const body = marchJson();
    const response = await signedFetch({
      body,
      tamper: (r) => {
        r.body = body.replace("2025-03-01", "2025-02-01"); // same length, other query
      },
    });
    await expectNotAuthenticated(response, "body-hash-mismatch");
  });

  it("refuses a changed body whose digest header was recomputed (the digest is signed)", async () => {
    const response = await signedFetch({
      body: marchJson(),
      tamper: (r) => {
        r.body = marchJson({ groupBy: ["service"] });
        r.headers.set("x-content-sha256", createHash("sha256").update(r.body).digest("base64"));
        r.headers.set("content-length", String(Buffer.byteLength(r.body)));
      },
    });
    await expectNotAuthenticated(response, "bad-signature");
  });

  it("refuses a request sent to another target than the signed one", async () => {
    const response = await signedFetch({
      path: `${USAGE_PATH}?limit=5`,
      body: marchJson(),
      tamper: (r) => {
        r.path = `${USAGE_PATH}?limit=6`;
      },
    });
    await expectNotAuthenticated(response, "bad-signature");
  });

  it("refuses a POST whose signature leaves out the body headers", async () => {
    const response = await signedFetch({ body: marchJson(), forceExcludeBody: true });
    await expectNotAuthenticated(response, "missing-signed-header");
  });

  it("refuses a signature dated outside the clock skew", async () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toUTCString();
    const response = await signedFetch({ body: marchJson(), headers: { "x-date": tenMinutesAgo } });
    await expectNotAuthenticated(response, "clock-skew");
    const fresh = await signedFetch({
      body: marchJson(),
      headers: { "x-date": new Date(Date.now() - 60_000).toUTCString() },
    });
    expect(fresh.status).toBe(200);
  });

  it("refuses an expired RPST", async () => {
    const expired = authority.mintRpst(rpstFor({ expiresAt: Math.floor(Date.now() / 1000) - 60 }));
    const provider = await resourcePrincipal(expired);
    const err = await ociError(
      clientFor(provider).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([401, "NotAuthenticated"]);
    expect(authority.lastFailure).toBe("expired-token");
  });

  it("refuses an RPST minted by another authority", async () => {
    const forged = new OciAuthority().mintRpst(rpstFor());
    const provider = await resourcePrincipal(forged);
    const err = await ociError(
      clientFor(provider).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect(err.statusCode).toBe(401);
    expect(authority.lastFailure).toBe("bad-token");
  });

  it("refuses an RPST used with another session key", async () => {
    const rpst = authority.mintRpst(rpstFor());
    const provider = await resourcePrincipal({
      ...rpst,
      privateKeyPem: authority.mintRpst(rpstFor()).privateKeyPem,
    });
    const err = await ociError(
      clientFor(provider).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect(err.statusCode).toBe(401);
    expect(authority.lastFailure).toBe("bad-signature");
  });
});

describe("Usage API emulator: paging", () => {
  const query = march({ groupBy: ["resourceId", "skuPartNumber"] });

  it("follows opc-next-page: every row once, the same rows as one page", async () => {
    const client = clientFor(userProvider());
    const whole = await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: query, limit: 500 });
    expect(whole.opcNextPage).toBeUndefined();
    const all = whole.usageAggregation.items;
    expect(all).toHaveLength(dataset.lineCount("2025-03"));

    const seen: models.UsageSummary[] = [];
    let page: string | undefined;
    let pages = 0;
    do {
      const response = await client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: query,
        limit: 7,
        page,
      });
      expect(response.usageAggregation.groupBy).toEqual(["resourceId", "skuPartNumber"]);
      seen.push(...response.usageAggregation.items);
      page = response.opcNextPage;
      pages++;
    } while (page);
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(new Set(seen.map((i) => `${i.resourceId}/${i.skuPartNumber}`)).size).toBe(all.length);
    expect(seen).toEqual(all);
  });

  it("uses the default page size when no limit is given", async () => {
    const small = await startUsageApi({ dataset, authority, faults: faults.usage, pageSize: 10 });
    try {
      const client = clientFor(userProvider());
      client.endpoint = small.url;
      const first = await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: query });
      expect(first.usageAggregation.items).toHaveLength(10);
      expect(first.opcNextPage).toBeTruthy();
    } finally {
      await small.close();
    }
  });

  it("refuses a page token of another query, and a garbled one", async () => {
    const client = clientFor(userProvider());
    const first = await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: query, limit: 5 });
    expect(first.opcNextPage).toBeTruthy();
    const other = await ociError(
      client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: march({ groupBy: ["resourceId"] }),
        limit: 5,
        page: first.opcNextPage,
      }),
    );
    expect([other.statusCode, other.serviceCode]).toEqual([400, "InvalidParameter"]);
    const garbled = await ociError(
      client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: query,
        limit: 5,
        page: `${first.opcNextPage}x`,
      }),
    );
    expect([garbled.statusCode, garbled.serviceCode]).toEqual([400, "InvalidParameter"]);
  });

  it.each([0, 501])("refuses limit=%i", async (limit) => {
    const err = await ociError(
      clientFor(userProvider()).requestSummarizedUsages({ requestSummarizedUsagesDetails: query, limit }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([400, "InvalidParameter"]);
  });
});

describe("Usage API emulator: request validation", () => {
  it.each<[string, Partial<models.RequestSummarizedUsagesDetails>, string, string]>([
    [
      "a DAILY start at 10:00",
      { granularity: Granularity.Daily, timeUsageStarted: new Date(Date.UTC(2025, 2, 1, 10)) },
      "InvalidParameter",
      MESSAGES.precision,
    ],
    [
      "a MONTHLY end with milliseconds",
      { timeUsageEnded: new Date(Date.UTC(2025, 3, 1, 0, 0, 0, 500)) },
      "InvalidParameter",
      MESSAGES.precision,
    ],
    [
      "an HOURLY start at :30",
      { granularity: Granularity.Hourly, timeUsageStarted: new Date(Date.UTC(2025, 2, 1, 0, 30)) },
      "InvalidParameter",
      MESSAGES.hourPrecision,
    ],
    [
      "granularity TOTAL",
      { granularity: Granularity.Total },
      "InvalidParameter",
      "Granularity TOTAL: Not yet supported",
    ],
    [
      "an end before the start",
      { timeUsageEnded: new Date(Date.UTC(2025, 1, 1)) },
      "InvalidParameter",
      "timeUsageStarted must be earlier than timeUsageEnded",
    ],
    [
      "two groupByTag entries",
      {
        groupByTag: [
          { namespace: "ops", key: "Environment" },
          { namespace: "finance", key: "CostCenter" },
        ],
      },
      "InvalidParameter",
      "groupByTag only supports one tag in the list",
    ],
    ["an unknown groupBy", { groupBy: ["shape"] }, "InvalidParameter", "Invalid groupBy value: shape"],
    [
      "an unknown filter dimension",
      { filter: { dimensions: [{ key: "shape", value: "x" }] } },
      "InvalidParameter",
      "filter dimension key 'shape' is not supported",
    ],
  ])("answers %s with 400", async (_name, extra, code, message) => {
    const err = await ociError(
      clientFor(userProvider()).requestSummarizedUsages({ requestSummarizedUsagesDetails: march(extra) }),
    );
    expect([err.statusCode, err.serviceCode, err.message]).toEqual([400, code, message]);
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["an unknown property", marchJson({ tenancy: "x" })],
    ["a wrong type", marchJson({ granularity: 3 })],
    ["a lower-case enum", marchJson({ granularity: "monthly" })],
    ["an impossible date", marchJson({ timeUsageStarted: "2025-02-30T00:00:00Z" })],
    ["an unknown nested property", marchJson({ filter: { operator: "AND", dimension: [] } })],
    ["an array", "[]"],
  ])("answers %s with 400 Unable to process JSON input", async (_name, body) => {
    const response = await signedFetch({ body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: "InvalidParameter", message: MESSAGES.badJson });
  });

  it.each(["tenantId", "granularity", "timeUsageStarted", "timeUsageEnded"])(
    "names a missing %s",
    async (field) => {
      const body = JSON.parse(marchJson()) as Record<string, unknown>;
      delete body[field];
      const response = await signedFetch({ body: JSON.stringify(body) });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        code: "MissingParameter",
        message: `Missing required parameter: ${field}`,
      });
    },
  );

  it("caps the window when configured to", async () => {
    const capped = await startUsageApi({
      dataset,
      authority,
      faults: faults.usage,
      maxRangeDays: { DAILY: 31 },
    });
    try {
      const client = clientFor(userProvider());
      client.endpoint = capped.url;
      const ok = await client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: march({ granularity: Granularity.Daily }),
      });
      expect(ok.usageAggregation.items).toHaveLength(31);
      const err = await ociError(
        client.requestSummarizedUsages({
          requestSummarizedUsagesDetails: march({
            granularity: Granularity.Daily,
            timeUsageEnded: new Date(Date.UTC(2025, 3, 2)),
          }),
        }),
      );
      expect(err.statusCode).toBe(400);
    } finally {
      await capped.close();
    }
  });
});

describe("Usage API emulator: tenancy and routes", () => {
  it("answers 404 for another tenancy's usage", async () => {
    const otherTenancy = "ocid1.tenancy.oc1..aaaaaaaaothertenancyothertenancyothertenancyotherten";
    const err = await ociError(
      clientFor(userProvider()).requestSummarizedUsages({
        requestSummarizedUsagesDetails: march({ tenantId: otherTenancy }),
      }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([404, "NotAuthorizedOrNotFound"]);
    const outsider = authority.createApiKeyUser(otherTenancy, "outsider");
    const err2 = await ociError(
      clientFor(userProvider(outsider)).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect([err2.statusCode, err2.serviceCode]).toEqual([404, "NotAuthorizedOrNotFound"]);
    const config = await ociError(
      clientFor(userProvider()).requestSummarizedConfigurations({ tenantId: otherTenancy }),
    );
    expect(config.statusCode).toBe(404);
  });

  it("answers RequestSummarizedConfigurations", async () => {
    const response = await clientFor(userProvider()).requestSummarizedConfigurations({
      tenantId: dataset.tenancyId,
    });
    const keys = response.configurationAggregation.items.map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(["groupBy", "queryType"]));
  });

  it("answers unknown paths with 404 and wrong methods with 405, with a request id", async () => {
    const wrongMethod = await signedFetch({ method: "GET", path: USAGE_PATH });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ code: "MethodNotAllowed" });
    const postConfig = await signedFetch({
      path: `${CONFIGURATION_PATH}?tenantId=${dataset.tenancyId}`,
      body: "{}",
    });
    expect(postConfig.status).toBe(405);
    const unknown = await signedFetch({
      method: "GET",
      path: "/20200107/queries",
      headers: { "opc-request-id": "mine" },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("opc-request-id")).toBe("mine");
    expect(await unknown.json()).toEqual({ code: "NotAuthorizedOrNotFound", message: MESSAGES.notFound });
  });
});

describe("Usage API emulator: injected faults", () => {
  it("passes an injected 429 with Retry-After to the client", async () => {
    faults.usage.script({ type: "status", status: 429, retryAfter: 7 }, { type: "status", status: 429 });
    const raw = await signedFetch({ body: marchJson(), headers: { "opc-request-id": "throttled-1" } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
    expect(raw.headers.get("opc-request-id")).toBe("throttled-1");
    expect(await raw.json()).toMatchObject({ code: "TooManyRequests" });
    const err = await ociError(
      clientFor(userProvider()).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([429, "TooManyRequests"]);
    expect(faults.usage.injected).toBe(2);
  });

  it("passes an injected 503 to the client, which does not retry this operation", async () => {
    faults.usage.script({ type: "status", status: 503 });
    const before = api.stats.requests;
    const err = await ociError(
      clientFor(userProvider()).requestSummarizedUsages({ requestSummarizedUsagesDetails: march() }),
    );
    expect([err.statusCode, err.serviceCode]).toEqual([503, "ServiceUnavailable"]);
    expect(api.stats.requests - before).toBe(1);
    expect(api.stats.byStatus[503]).toBeGreaterThanOrEqual(1);
  });

  it("resets the connection, then answers the next request", async () => {
    faults.usage.script({ type: "reset" });
    const client = clientFor(userProvider());
    // oci-common reports transport failures as a plain {code, message} object, not an OciError.
    const failure = await client
      .requestSummarizedUsages({ requestSummarizedUsagesDetails: march() })
      .catch((e: unknown) => e);
    expect(failure).not.toBeInstanceOf(common.OciError);
    expect(failure).toMatchObject({ message: "fetch failed" });
    const next = await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: march() });
    expect(next.usageAggregation.items).toHaveLength(1);
    expect(faults.usage.injected).toBe(1);
  });

  it("sends a slow body that still carries the whole answer", async () => {
    faults.usage.script({ type: "slowBody", chunkDelayMs: 5, chunks: 3 });
    const client = clientFor(userProvider());
    const slow = await client.requestSummarizedUsages({
      requestSummarizedUsagesDetails: march({ groupBy: ["service"] }),
    });
    const normal = await client.requestSummarizedUsages({
      requestSummarizedUsagesDetails: march({ groupBy: ["service"] }),
    });
    expect(slow.usageAggregation).toEqual(normal.usageAggregation);
    expect(faults.usage.injected).toBe(1);
  });

  it("takes the fault before checking the signature", async () => {
    faults.usage.script({ type: "status", status: 500 });
    const response = await fetch(`${api.url}${USAGE_PATH}`, { method: "POST", body: "{}" });
    expect(response.status).toBe(500);
    expect(authority.lastFailure).toBeUndefined();
  });
});
