// Helpers for tests that talk to the sandbox the way an API user does: a client_credentials token from the
// identity domain, then POSTs to the gateway with it; and direct, API-key-signed calls to the Usage API
// with the real oci-sdk for comparison.
import * as common from "oci-common";
import { UsageapiClient } from "oci-usageapi";
import type { Sandbox, SandboxEndpoints } from "../../sandbox/index.js";

export async function fetchToken(endpoints: SandboxEndpoints, scope = endpoints.scope): Promise<string> {
  const basic = Buffer.from(`${endpoints.clientId}:${endpoints.clientSecret}`).toString("base64");
  const res = await fetch(endpoints.tokenUrl, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export interface GatewayAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

export async function postUsage(
  endpoints: SandboxEndpoints,
  token: string | undefined,
  body: unknown,
  options: { page?: string; contentType?: string; raw?: string } = {},
): Promise<GatewayAnswer> {
  const url = new URL(`${endpoints.gatewayUrl}/request-summarized-usages`);
  if (options.page !== undefined) url.searchParams.set("page", options.page);
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: options.raw ?? JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

export interface UsagePage {
  groupBy: string[];
  items: Record<string, unknown>[];
  nextPage?: string;
}

/** Every page through the gateway, following nextPage; returns all items and the number of round trips. */
export async function postUsageAllPages(
  endpoints: SandboxEndpoints,
  token: string,
  body: unknown,
  maxRoundTrips = 1000,
): Promise<{ items: Record<string, unknown>[]; roundTrips: number }> {
  const items: Record<string, unknown>[] = [];
  let page: string | undefined;
  for (let trip = 1; trip <= maxRoundTrips; trip++) {
    const answer = await postUsage(endpoints, token, body, page === undefined ? {} : { page });
    if (answer.status !== 200) throw new Error(`gateway answered ${answer.status}: ${answer.text}`);
    const parsed = answer.json() as UsagePage;
    items.push(...parsed.items);
    if (!parsed.nextPage) return { items, roundTrips: trip };
    page = parsed.nextPage;
  }
  throw new Error(`more than ${maxRoundTrips} round trips`);
}

/** The sandbox's API-key user as an SDK signer. */
export function apiKeyProvider(sandbox: Sandbox): common.SimpleAuthenticationDetailsProvider {
  const user = sandbox.apiKeyUser;
  return new common.SimpleAuthenticationDetailsProvider(
    user.tenancyId,
    user.userId,
    user.fingerprint,
    user.privateKeyPem,
    null,
    common.Region.fromRegionId(sandbox.endpoints.region),
  );
}

/** A Usage API client signed with the sandbox's API-key user, as a user with OCI keys would call it. */
export function directClient(sandbox: Sandbox): UsageapiClient {
  const client = new UsageapiClient({ authenticationDetailsProvider: apiKeyProvider(sandbox) });
  client.endpoint = sandbox.endpoints.usageApiUrl;
  return client;
}

/** All items of a query straight from the Usage API emulator, following opc-next-page. */
export async function directAllItems(
  client: UsageapiClient,
  details: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let page: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const response = await client.requestSummarizedUsages({
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's model types Date fields; the JSON shape is the same
      requestSummarizedUsagesDetails: details as any,
      ...(page === undefined ? {} : { page }),
    });
    items.push(...(response.usageAggregation.items as unknown as Record<string, unknown>[]));
    page = response.opcNextPage;
    if (!page) return items;
  }
  throw new Error("too many pages");
}

/** A stable identity of a usage row, for exactly-once comparisons. */
export function rowKey(item: Record<string, unknown>): string {
  return JSON.stringify([
    item.timeUsageStarted,
    item.resourceId,
    item.service,
    item.skuPartNumber,
    item.compartmentPath,
    item.computedAmount,
  ]);
}

/** Text an error answer must never contain: stack frames, file paths, SDK or JS internals. */
export const INTERNAL_TEXT = [
  /\bat [\w.<>]+ \(/,
  /node_modules/,
  /\.ts:\d+/,
  /\.js:\d+/,
  /TypeError|ReferenceError|SyntaxError/,
  /troubleshooting/i,
  /Oracle-TypeScriptSDK/,
  /Exception in function/,
];
