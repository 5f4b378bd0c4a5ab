// Pages end to end: the function follows opc-next-page itself until its response budget is near, then hands
// the client a nextPage to send back as ?page=. Both levels must deliver every row exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { directAllItems, directClient, fetchToken, postUsage, postUsageAllPages, rowKey } from "./helpers.js";

describe("paging through the gateway", () => {
  let sandbox: Sandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({
      // Small pages and a small budget so one week of daily rows spans many pages at both levels.
      functionConfig: { UPSTREAM_PAGE_LIMIT: "40", RESPONSE_BUDGET_BYTES: "60000" },
    });
    token = await fetchToken(sandbox.endpoints);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const details = () => ({
    tenantId: sandbox.endpoints.tenancyId,
    granularity: "DAILY",
    timeUsageStarted: "2025-05-01T00:00:00Z",
    timeUsageEnded: "2025-05-08T00:00:00Z",
    groupBy: ["resourceId", "skuPartNumber", "compartmentPath"],
  });

  it("delivers every row exactly once across function pages and client round trips", async () => {
    const before = sandbox.fn.logs.length;
    const direct = await directAllItems(directClient(sandbox), details());
    expect(direct.length).toBeGreaterThan(200);

    const { items, roundTrips } = await postUsageAllPages(sandbox.endpoints, token, details());
    expect(roundTrips).toBeGreaterThan(1);
    const keys = items.map(rowKey);
    expect(new Set(keys).size).toBe(keys.length); // no duplicates
    expect(keys.sort()).toEqual(direct.map(rowKey).sort()); // nothing missing, nothing extra

    // The function followed several upstream pages within single calls.
    const calls = sandbox.fn.logs
      .slice(before)
      .map((line) => JSON.parse(line) as { pages: number; items: number; bytes: number });
    expect(calls).toHaveLength(roundTrips);
    expect(Math.max(...calls.map((c) => c.pages))).toBeGreaterThan(1);
    // Each answer stays within the configured budget plus at most one page of overshoot.
    for (const call of calls) expect(call.bytes).toBeLessThan(60_000 + 40 * 2_000);
  });

  it("pages two queries in turns with the same rows as each alone (each has its next page made ahead)", async () => {
    const client = directClient(sandbox);
    const queries = [details(), { ...details(), groupBy: ["service", "skuName"] }];
    const alone = await Promise.all(queries.map((q) => directAllItems(client, q)));
    const inTurns: Record<string, unknown>[][] = [[], []];
    const tokens: Array<string | undefined> = [undefined, undefined];
    const done = [false, false];
    for (let turn = 0; turn < 1000 && !(done[0] && done[1]); turn++) {
      const i = turn % 2;
      if (done[i]) continue;
      const response = await client.requestSummarizedUsages({
        // biome-ignore lint/suspicious/noExplicitAny: the SDK's model types Date fields; the JSON shape is the same
        requestSummarizedUsagesDetails: queries[i] as any,
        limit: 25,
        ...(tokens[i] === undefined ? {} : { page: tokens[i] }),
      });
      inTurns[i]!.push(...(response.usageAggregation.items as unknown as Record<string, unknown>[]));
      tokens[i] = response.opcNextPage;
      done[i] = tokens[i] === undefined;
    }
    expect(done).toEqual([true, true]);
    expect(inTurns[0]!.length).toBeGreaterThan(100);
    expect(JSON.stringify(inTurns)).toBe(JSON.stringify(alone));
  });

  it("returns the same rows on a re-run from the same page token", async () => {
    const first = await postUsage(sandbox.endpoints, token, details());
    const page = (first.json() as { nextPage?: string }).nextPage;
    expect(page).toBeTruthy();
    const a = await postUsage(sandbox.endpoints, token, details(), { page: page! });
    const b = await postUsage(sandbox.endpoints, token, details(), { page: page! });
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
  });

  it("refuses a page token that belongs to another query", async () => {
    const first = await postUsage(sandbox.endpoints, token, details());
    const page = (first.json() as { nextPage?: string }).nextPage!;
    const other = { ...details(), groupBy: ["service"] };
    const answer = await postUsage(sandbox.endpoints, token, other, { page });
    expect(answer.status).toBe(400);
  });

  it("refuses a page token with characters no token has", async () => {
    const answer = await postUsage(sandbox.endpoints, token, details(), { page: "bad\u0001token" });
    expect(answer.status).toBe(400);
    expect(answer.json()).toMatchObject({ code: "InvalidParameter" });
  });
});
