// The token and endpoint clients against a tiny scripted HTTP server on 127.0.0.1 (real sockets).
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { secretForms } from "../../src/lib/mask.js";
import {
  EndpointClient,
  EndpointError,
  trailingNextPage,
  type UsagePage,
} from "../../src/report/endpoint.js";
import { FatalReportError } from "../../src/report/errors.js";
import { basicCredentials, formEncode, TokenClient, tokenEndpointFor } from "../../src/report/token.js";

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "reset";
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
let replies: Reply[];
let seen: Seen[];
let events: string[];

beforeEach(async () => {
  replies = [];
  seen = [];
  events = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      events.push("request");
      const reply = replies.shift() ?? { status: 500, body: { code: "NoReplyScripted" } };
      if (reply === "reset") {
        req.socket.destroy();
        return;
      }
      const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(body);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  server.close();
});

function fakeClock(start = 1_000_000) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
    random: () => 0.5,
  };
  return clock;
}

const SECRET = "p@ss word+/:é";
const ID = "client:1";

function tokenClient(clock = fakeClock(), extra: Partial<ConstructorParameters<typeof TokenClient>[0]> = {}) {
  const masked: string[] = [];
  const client = new TokenClient({
    tokenUrl: `${base}/oauth2/v1/token`,
    clientId: ID,
    clientSecret: SECRET,
    scope: "https://usage.example.com/usage.read",
    setSecret: (v) => {
      masked.push(v);
      events.push(`mask:${v}`);
    },
    clock,
    retry: { maxAttempts: 4, baseMs: 100, maxDelayMs: 1000 },
    ...extra,
  });
  return { client, masked, clock };
}

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.payload.signature";

describe("token helpers", () => {
  it.each([
    [
      "https://idcs-abc.identity.oraclecloud.com",
      "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token",
    ],
    [
      "https://idcs-abc.identity.oraclecloud.com/",
      "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token",
    ],
    ["http://127.0.0.1:9000/oauth2/v1/token", "http://127.0.0.1:9000/oauth2/v1/token"],
    ["https://id.example.com/custom/token", "https://id.example.com/custom/token"],
  ])("tokenEndpointFor(%s)", (input, output) => {
    expect(tokenEndpointFor(new URL(input)).href).toBe(output);
  });

  it("form-encodes the id and secret before base64 (RFC 6749 §2.3.1)", () => {
    expect(formEncode("a b+c:é")).toBe("a+b%2Bc%3A%C3%A9");
    expect(Buffer.from(basicCredentials(ID, SECRET), "base64").toString()).toBe(
      "client%3A1:p%40ss+word%2B%2F%3A%C3%A9",
    );
  });
});

describe("TokenClient", () => {
  it("posts client_credentials with Basic auth and reuses the token until 60 s before expiry", async () => {
    const { client, clock } = tokenClient();
    replies.push({ status: 200, body: { access_token: TOKEN, token_type: "Bearer", expires_in: 3600 } });
    expect(await client.getToken()).toBe(TOKEN);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.url).toBe("/oauth2/v1/token");
    expect(seen[0]!.headers.authorization).toBe(`Basic ${basicCredentials(ID, SECRET)}`);
    expect(seen[0]!.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({
      grant_type: "client_credentials",
      scope: "https://usage.example.com/usage.read",
    });
    clock.t += 3600_000 - 60_000 - 1;
    expect(await client.getToken()).toBe(TOKEN);
    expect(seen).toHaveLength(1);
    clock.t += 1;
    replies.push({ status: 200, body: { access_token: "second", expires_in: "3600" } });
    expect(await client.getToken()).toBe("second");
    expect(seen).toHaveLength(2);
    await client.close();
  });

  it("masks the secret and the Basic header before the first request, and the token before it is returned", async () => {
    const { client } = tokenClient();
    const basic = basicCredentials(ID, SECRET);
    expect(events).toContain(`mask:${SECRET}`);
    expect(events).toContain(`mask:${basic}`);
    expect(events).toContain(`mask:Basic ${basic}`);
    expect(events).toContain(`mask:${encodeURIComponent(SECRET)}`);
    expect(events).toContain(`mask:${formEncode(SECRET)}`);
    replies.push({ status: 200, body: { access_token: TOKEN, expires_in: 3600 } });
    await client.getToken();
    const request = events.indexOf("request");
    expect(events.indexOf(`mask:${SECRET}`)).toBeLessThan(request);
    expect(events.indexOf(`mask:Basic ${basic}`)).toBeLessThan(request);
    expect(events.indexOf(`mask:${TOKEN}`)).toBeGreaterThan(request);
    for (const form of secretForms(TOKEN)) expect(events).toContain(`mask:${form}`);
    await client.close();
  });

  it.each([
    [401, "invalid_client", "check inputs 'client-id' and 'client-secret'"],
    [
      400,
      "invalid_scope",
      "input 'scope' must be the resource application's primary audience followed by the scope name",
    ],
    [
      400,
      "unauthorized_client",
      "allow the client_credentials grant and add the resource application's scope",
    ],
  ])("HTTP %i %s fails at once, without retry, naming the fix", async (status, error, hint) => {
    const { client, clock } = tokenClient();
    // A server that echoes the request's credentials must not get them into the message.
    replies.push({
      status,
      body: { error, error_description: `bad ${basicCredentials(ID, SECRET)} ${SECRET}\n::error::x` },
    });
    const err = await client.getToken().catch((e: Error) => e);
    expect(err).toBeInstanceOf(FatalReportError);
    expect((err as Error).message).toContain(`token request failed with ${error} (HTTP ${status})`);
    expect((err as Error).message).toContain(hint);
    expect((err as Error).message).not.toContain(SECRET);
    expect((err as Error).message).not.toContain(basicCredentials(ID, SECRET));
    expect((err as Error).message).not.toMatch(/\n/);
    expect(seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    await client.close();
  });

  it("retries 503, 429 (honouring Retry-After) and connection resets, then succeeds", async () => {
    const { client, clock } = tokenClient();
    replies.push(
      { status: 503, body: "<html>down</html>" },
      { status: 429, headers: { "retry-after": "7" }, body: {} },
      "reset",
      { status: 200, body: { access_token: TOKEN, expires_in: 3600 } },
    );
    expect(await client.getToken()).toBe(TOKEN);
    expect(seen).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(7000);
    await client.close();
  });

  it("gives up after the attempts with one clear line", async () => {
    const { client } = tokenClient();
    for (let i = 0; i < 4; i++) replies.push({ status: 502, body: { secret: SECRET } });
    const err = (await client.getToken().catch((e: Error) => e)) as Error;
    expect(err.message).toBe(
      "could not get a token from input 'token-url': token endpoint answered HTTP 502",
    );
    expect(seen).toHaveLength(4);
    await client.close();
  });

  it.each([
    [{ status: 200, body: "<html>login</html>" }, "a body that is not JSON"],
    [{ status: 200, body: { token_type: "Bearer", expires_in: 3600 } }, "without an access_token"],
    [{ status: 200, body: { access_token: TOKEN } }, "without a valid expires_in"],
    [{ status: 200, body: { access_token: TOKEN, expires_in: 3600, token_type: "mac" } }, "not Bearer"],
    [{ status: 404, body: "nope" }, "check input 'token-url'"],
  ] as const)("a bad answer fails clearly: %j", async (reply, message) => {
    const { client } = tokenClient();
    replies.push(reply);
    const err = (await client.getToken().catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(FatalReportError);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain("<html>");
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it("invalidate() makes the next call fetch a new token", async () => {
    const { client } = tokenClient();
    replies.push(
      { status: 200, body: { access_token: "one", expires_in: 3600 } },
      { status: 200, body: { access_token: "two", expires_in: 3600 } },
    );
    expect(await client.getToken()).toBe("one");
    client.invalidate();
    expect(await client.getToken()).toBe("two");
    await client.close();
  });

  it("invalidate(rejected) forgets only that token: a token already replaced is kept", async () => {
    const { client } = tokenClient();
    replies.push(
      { status: 200, body: { access_token: "one", expires_in: 3600 } },
      { status: 200, body: { access_token: "two", expires_in: 3600 } },
    );
    expect(await client.getToken()).toBe("one");
    expect(client.invalidate("one")).toBe(true);
    expect(await client.getToken()).toBe("two");
    // A parallel call refused for "one" comes late: "two" stays, no third token is asked for.
    expect(client.invalidate("one")).toBe(false);
    expect(await client.getToken()).toBe("two");
    expect(replies).toHaveLength(0);
    await client.close();
  });

  it("stops at the time budget", async () => {
    const clock = fakeClock();
    const { client } = tokenClient(clock, { deadline: clock.t + 5000 });
    replies.push({ status: 503, headers: { "retry-after": "60" } });
    const err = (await client.getToken().catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(FatalReportError);
    expect(err.message).toMatch(
      /^the time budget ran out while getting a token \(token endpoint answered HTTP 503\)/,
    );
    expect(clock.sleeps).toEqual([]);
    await client.close();
  });
});

function fakeToken() {
  const token = {
    gets: 0,
    invalidations: 0,
    current: "token-1",
    getToken: async () => {
      token.gets++;
      return token.current;
    },
    invalidate: () => {
      token.invalidations++;
      token.current = `token-${token.invalidations + 1}`;
      return true;
    },
  };
  return token;
}

const BODY = {
  granularity: "MONTHLY",
  queryType: "COST",
  timeUsageStarted: "2026-01-01T00:00:00.000Z",
  timeUsageEnded: "2026-02-01T00:00:00.000Z",
  groupBy: ["service"],
};

function endpointClient(clock = fakeClock(), token = fakeToken(), deadline?: number, prefetch = false) {
  const logs: string[] = [];
  const client = new EndpointClient({
    endpoint: `${base}/usage/`,
    token,
    clock,
    deadline,
    retry: { maxAttempts: 5, baseMs: 100, maxDelayMs: 2000 },
    log: (line) => logs.push(line),
    prefetch,
  });
  return { client, token, clock, logs };
}

describe("trailingNextPage", () => {
  it("reads the token an answer ends with, and nothing it is not sure of", () => {
    expect(trailingNextPage('{"groupBy":[],"items":[{"a":1}],"nextPage":"abc=="}')).toBe("abc==");
    expect(trailingNextPage('{"items":[],"nextPage":null}')).toBeUndefined();
    expect(trailingNextPage('{"items":[],"nextPage":"a\\"b"}')).toBeUndefined();
    expect(trailingNextPage('{"nextPage":"abc","items":[]}')).toBeUndefined();
    expect(trailingNextPage('{"items":[],"nextPage":"abc"} ')).toBeUndefined();
  });
});

describe("EndpointClient", () => {
  it("follows nextPage with the same body and hands each page over as it arrives", async () => {
    const { client } = endpointClient();
    replies.push(
      {
        status: 200,
        body: { groupBy: ["service"], items: [{ service: "A" }, { service: "B" }], nextPage: "p 2/&x" },
      },
      { status: 200, body: { groupBy: ["service"], items: [{ service: "C" }], nextPage: null } },
    );
    const pages: UsagePage[] = [];
    const result = await client.fetchMonth(BODY, (page) => {
      pages.push(page);
      // The next page is not requested before this page is handled.
      expect(seen).toHaveLength(page.page);
    });
    expect(result).toEqual({ pages: 2, items: 3 });
    expect(pages.map((p) => p.items.map((i) => i.service))).toEqual([["A", "B"], ["C"]]);
    expect(seen.map((s) => s.url)).toEqual([
      "/usage/request-summarized-usages",
      "/usage/request-summarized-usages?page=p+2%2F%26x",
    ]);
    expect(seen.every((s) => JSON.parse(s.body).timeUsageStarted === BODY.timeUsageStarted)).toBe(true);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    expect(seen[0]!.headers.authorization).toBe("Bearer token-1");
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
    await client.close();
  });

  it("with prefetch, asks for the next page as soon as an answer ends with its token, before reading it", async () => {
    const { client } = endpointClient(fakeClock(), fakeToken(), undefined, true);
    // The first answer is broken inside but ends with a token: the next request is already made when the
    // reading fails, and it is finished before fetchMonth fails (no request outlives the month).
    replies.push(
      { status: 200, body: '{"items":[{"service":}],"nextPage":"p2"}' },
      { status: 200, body: { items: [{ service: "B" }] } },
    );
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(EndpointError);
    expect(seen.map((s) => s.url)).toEqual([
      "/usage/request-summarized-usages",
      "/usage/request-summarized-usages?page=p2",
    ]);
    expect(replies).toHaveLength(0);
    await client.close();
  });

  it("with prefetch and maxPages, asks for no page past the last one wanted", async () => {
    const { client } = endpointClient(fakeClock(), fakeToken(), undefined, true);
    replies.push({ status: 200, body: { items: [{ service: "A" }], nextPage: "p2" } });
    const result = await client.fetchMonth(BODY, () => {}, { maxPages: 1 });
    expect(result).toEqual({ pages: 1, items: 1, nextPage: "p2" });
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it("retries 429 with Retry-After, 5xx and resets, and logs each retry", async () => {
    const { client, clock, logs } = endpointClient();
    replies.push(
      {
        status: 429,
        headers: { "retry-after": "3" },
        body: { code: "TooManyRequests", message: "slow down" },
      },
      { status: 502, body: "bad gateway" },
      "reset",
      { status: 504, body: {} },
      { status: 200, body: { items: [{ service: "A" }] } },
    );
    const result = await client.fetchMonth(BODY, () => {});
    expect(result).toEqual({ pages: 1, items: 1 });
    expect(seen).toHaveLength(5);
    expect(clock.sleeps).toHaveLength(4);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(3000);
    expect(logs[0]).toMatch(/^page 1: attempt 1\/5 failed \(HTTP 429\); retrying in 3000 ms$/);
    expect(logs[2]).toMatch(/network error/);
    await client.close();
  });

  it("refreshes the token once on 401 and goes on", async () => {
    const { client, token } = endpointClient();
    replies.push(
      { status: 401, body: { code: 401, message: "Unauthorized" } },
      { status: 200, body: { items: [] } },
    );
    await client.fetchMonth(BODY, () => {});
    expect(token.invalidations).toBe(1);
    expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
    await client.close();
  });

  it("fails for good after a second 401, naming the scope", async () => {
    const { client, token } = endpointClient();
    replies.push({ status: 401, body: { code: 401, message: "Unauthorized" } }, { status: 401, body: {} });
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(FatalReportError);
    expect(err.message).toContain("HTTP 401 Unauthorized even with a fresh token: input 'scope'");
    expect(seen).toHaveLength(2);
    expect(token.invalidations).toBe(1);
    await client.close();
  });

  it.each([
    [
      400,
      { code: "InvalidParameter", message: "bad groupBy\n::error::x <b>" },
      "endpoint answered HTTP 400 InvalidParameter: bad groupBy ::error::x <b>: the endpoint refused the query",
    ],
    [
      403,
      { code: "NotAuthorized", message: "tenant" },
      "endpoint answered HTTP 403 NotAuthorized: tenant: the endpoint refused access",
    ],
    [
      404,
      "<html>",
      "endpoint answered HTTP 404: no such route: input 'endpoint' must be the gateway deployment URL",
    ],
    [
      413,
      { code: "PayloadTooLarge", message: "too big" },
      "endpoint answered HTTP 413 PayloadTooLarge: too big",
    ],
  ] as const)("HTTP %i is final, in one sanitised line", async (status, body, message) => {
    const { client, clock } = endpointClient();
    replies.push({ status, body });
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(EndpointError);
    expect(err.message.slice(0, message.length)).toBe(message);
    expect(err.message).not.toMatch(/\n/);
    expect(seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    await client.close();
  });

  it.each([
    ["not json", "not JSON"],
    [[1, 2], "not an object with an 'items' array"],
    [{ items: "x" }, "without an 'items' array"],
    [{ items: [1] }, "an 'items' entry that is not an object"],
    [{ items: [], nextPage: 5 }, "a 'nextPage' that is not a non-empty string"],
  ] as const)("a malformed 200 answer fails clearly: %j", async (body, message) => {
    const { client } = endpointClient();
    replies.push({ status: 200, body });
    await expect(client.fetchMonth(BODY, () => {})).rejects.toThrow(message);
    await client.close();
  });

  it("cuts the token out of a server message that echoes it", async () => {
    const { client } = endpointClient();
    replies.push({ status: 400, body: { code: "InvalidParameter", message: "header was Bearer token-1" } });
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("header was Bearer ***");
    expect(err.message).not.toContain("token-1");
    await client.close();
  });

  it("refuses a nextPage loop", async () => {
    const { client } = endpointClient();
    replies.push(
      { status: 200, body: { items: [], nextPage: "a" } },
      { status: 200, body: { items: [], nextPage: "a" } },
    );
    await expect(client.fetchMonth(BODY, () => {})).rejects.toThrow("same nextPage token twice");
    await client.close();
  });

  it("stops when the time budget would be crossed", async () => {
    const clock = fakeClock();
    const { client } = endpointClient(clock, fakeToken(), clock.t + 10_000);
    replies.push({ status: 503, headers: { "retry-after": "30" } });
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(FatalReportError);
    expect(err.message).toMatch(/^the time budget ran out while fetching page 1 \(last error: HTTP 503\)/);
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it("gives up on a month after the attempts", async () => {
    const { client } = endpointClient();
    for (let i = 0; i < 5; i++)
      replies.push({ status: 500, body: { code: "InternalError", message: "boom" } });
    const err = (await client.fetchMonth(BODY, () => {}).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(EndpointError);
    expect(err.message).toBe("page 1 failed after retries: HTTP 500 InternalError: boom");
    expect(seen).toHaveLength(5);
    await client.close();
  });
});
