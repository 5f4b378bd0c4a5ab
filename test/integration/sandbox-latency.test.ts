// The sandbox's latency model through real sockets and the oci-usageapi client: the delay of every request
// follows the seeded model, a tenancy's burst beyond its bucket gets OCI's 429 with Retry-After until the
// injected clock moves on, and a page cap splits an answer into capped pages with the same rows.

import { GatewayClient } from "oci-apigateway";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { models, type UsageapiClient } from "oci-usageapi";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { FaultInjector } from "../../sandbox/core/faults.js";
import { latencySampler } from "../../sandbox/core/latency.js";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { startUsageApi, USAGE_PATH, type UsageApiServer } from "../../sandbox/usageapi/index.js";
import { apiKeyProvider, directAllItems, directClient, rowKey } from "./helpers.js";

const LATENCY = { fixedMs: 300, jitterMs: 200 };
const SEED = 5;

function monthDetails(sandbox: Sandbox, groupBy: string[] = []) {
  const [year, month] = sandbox.dataset.months.at(-2)!.split("-").map(Number) as [number, number];
  return {
    tenantId: sandbox.endpoints.tenancyId,
    granularity: models.RequestSummarizedUsagesDetails.Granularity.Monthly,
    timeUsageStarted: new Date(Date.UTC(year, month - 1, 1)),
    timeUsageEnded: new Date(Date.UTC(year, month, 1)),
    groupBy,
  };
}

async function request(client: UsageapiClient, sandbox: Sandbox) {
  return client.requestSummarizedUsages({
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's model types Date fields; the JSON shape is the same
    requestSummarizedUsagesDetails: monthDetails(sandbox) as any,
  });
}

/** The same call signed by hand, to read the raw answer (the SDK's error keeps no headers). */
async function signedPost(sandbox: Sandbox): Promise<Response> {
  const provider = apiKeyProvider(sandbox);
  const url = `${sandbox.endpoints.usageApiUrl}${USAGE_PATH}`;
  const body = JSON.stringify(monthDetails(sandbox));
  const headers = new Headers({ "content-type": "application/json" });
  await new common.DefaultRequestSigner(provider).signHttpRequest({
    method: "POST",
    uri: url,
    headers,
    body,
  });
  return fetch(url, { method: "POST", headers, body });
}

describe("sandbox latency model and Usage API rate limit", () => {
  let sandbox: Sandbox;
  let client: UsageapiClient;
  let now = 1_000_000;
  const delays: number[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      provision: false,
      seed: 42,
      latency: {
        usageapi: LATENCY,
        functions: { fixedMs: 7 },
        default: { fixedMs: 3 },
        seed: SEED,
        delay: async (ms) => {
          delays.push(ms);
        },
      },
      usageRateLimit: { requestsPerSecond: 0.5, burst: 4, now: () => now },
    });
    client = directClient(sandbox);
  });

  afterAll(async () => {
    client?.close();
    await sandbox?.stop();
  });

  beforeEach(() => {
    now += 3_600_000; // a full bucket for each test
    // oci-common warns on every failed call; the tests assert on the errors themselves.
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });

  it("delays every Usage API request by the seeded model, through the injected delay", async () => {
    const before = sandbox.usageApi.stats.requests;
    for (let i = 0; i < 4; i++) await request(client, sandbox);
    expect(sandbox.usageApi.stats.requests - before).toBe(4);
    const sample = latencySampler(LATENCY, SEED); // usageapi is the first service: the seed itself
    const expected = Array.from({ length: sandbox.usageApi.stats.requests }, () => sample());
    expect(delays.filter((ms) => ms >= 300)).toEqual(expected);
    expect(expected.every((ms) => ms >= 300 && ms <= 500)).toBe(true);
  });

  it("delays the control planes too: functions by its own spec, API Gateway by the default", async () => {
    const provider = apiKeyProvider(sandbox);
    const config = { retryConfiguration: common.NoRetryConfigurationDetails };
    const functions = new FunctionsManagementClient({ authenticationDetailsProvider: provider }, config);
    const gateways = new GatewayClient({ authenticationDetailsProvider: provider }, config);
    functions.endpoint = sandbox.endpoints.functionsUrl;
    gateways.endpoint = sandbox.endpoints.apigatewayUrl;
    const compartmentId = sandbox.endpoints.compartmentId;
    const count = (ms: number) => delays.filter((d) => d === ms).length;
    const [sevens, threes] = [count(7), count(3)];
    await functions.listApplications({ compartmentId });
    await gateways.listGateways({ compartmentId });
    expect([count(7) - sevens, count(3) - threes]).toEqual([1, 1]);
    functions.close();
    gateways.close();
  });

  it("answers a burst beyond the bucket with 429 TooManyRequests and Retry-After, then passes as the clock moves", async () => {
    for (let i = 0; i < 4; i++) await request(client, sandbox);
    const raw = await signedPost(sandbox);
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("2");
    expect(raw.headers.get("opc-request-id")).toBeTruthy();
    expect(await raw.json()).toEqual({ code: "TooManyRequests", message: "Too many requests for the user" });
    const err = await request(client, sandbox).then(
      () => undefined,
      (e: unknown) => e as common.OciError,
    );
    expect([err?.statusCode, err?.serviceCode]).toEqual([429, "TooManyRequests"]);
    now += 1_999;
    expect((await signedPost(sandbox)).status).toBe(429);
    now += 1;
    const passed = await request(client, sandbox);
    expect(passed.usageAggregation.items.length).toBeGreaterThan(0);
    expect((await signedPost(sandbox)).headers.get("retry-after")).toBe("2");
  });
});

describe("sandbox Usage API page cap", () => {
  const CAP = 7;
  let sandbox: Sandbox;
  let uncapped: UsageApiServer;
  let client: UsageapiClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ provision: false, usage: { pageCap: CAP } });
    uncapped = await startUsageApi({
      dataset: sandbox.dataset,
      authority: sandbox.authority,
      faults: new FaultInjector("uncapped"),
    });
    client = directClient(sandbox);
  });

  afterAll(async () => {
    client?.close();
    await uncapped?.close();
    await sandbox?.stop();
  });

  it("gives at most the cap per page whatever limit asks, with opc-next-page, and the uncapped rows in all", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's model types Date fields; the JSON shape is the same
    const details = monthDetails(sandbox, ["resourceId"]) as any;
    const first = await client.requestSummarizedUsages({
      requestSummarizedUsagesDetails: details,
      limit: 5000,
    });
    expect(first.usageAggregation.items).toHaveLength(CAP);
    expect(first.opcNextPage).toBeTruthy();
    const pageSizes: number[] = [];
    let page: string | undefined;
    do {
      const answer = await client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: details,
        limit: 5000,
        ...(page === undefined ? {} : { page }),
      });
      pageSizes.push(answer.usageAggregation.items.length);
      page = answer.opcNextPage;
    } while (page);
    expect(pageSizes.slice(0, -1).every((size) => size === CAP)).toBe(true);
    expect(pageSizes.at(-1)).toBeLessThanOrEqual(CAP);

    const capped = await directAllItems(client, details);
    const plain = directClient(sandbox);
    plain.endpoint = uncapped.url;
    const all = await directAllItems(plain, details);
    plain.close();
    expect(pageSizes.reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(all.length).toBeGreaterThan(CAP * 3);
    expect(capped.map(rowKey)).toEqual(all.map(rowKey));
  });
});
