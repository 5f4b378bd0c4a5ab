import { afterEach, describe, expect, it } from "vitest";
import { BEARER_USERNAME, ocirTokenCredentials } from "../../src/image/ocir-token.js";
import { OciSession, SessionAuthProvider } from "../../src/oci/session.js";
import {
  listen,
  STANDIN_USER,
  tokenEndpoint,
  UpstIssuer,
  verifyOciSignature,
} from "../support/keyless-standins.js";

const T0 = Date.UTC(2026, 11, 3, 12);
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const ghJwt = (claims: object) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

/** A session against the stand-in exchange, and the registry's token service verifying its signature. */
async function setup(
  reply: (status: { n: number; subject: string; url: string }) => { status: number; body: unknown },
) {
  const issuer = new UpstIssuer(() => T0);
  const exchange = await tokenEndpoint(issuer);
  closers.push(exchange.close);
  const masked: string[] = [];
  const session = new OciSession(
    { domainUrl: exchange.url, clientId: "c", clientSecret: "s", audience: "https://cloud.oracle.com" },
    {
      idToken: async () => ({ token: ghJwt({ sub: "repo:o/r:ref:refs/heads/main" }), claims: {} }),
      now: () => T0,
      mask: (s) => masked.push(s),
    },
  );
  let n = 0;
  const registry = await listen(async (req, _body, res) => {
    n++;
    let subject = "";
    try {
      subject = await verifyOciSignature(req, issuer);
    } catch (err) {
      res
        .writeHead(401, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: String(err) }] }));
      return;
    }
    const answer = reply({ n, subject, url: req.url ?? "" });
    res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
  });
  closers.push(registry.close);
  const host = new URL(registry.url).host;
  const sleeps: number[] = [];
  const get = () =>
    ocirTokenCredentials({
      registry: host,
      repository: "ns/usage-api",
      provider: new SessionAuthProvider(session, undefined),
      mask: (s) => masked.push(s),
      retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    });
  return { get, host, masked, sleeps, calls: () => n };
}

describe("ocirTokenCredentials", () => {
  it("signs GET /20180419/docker/token with the session and returns BEARER_TOKEN / token, masked", async () => {
    const urls: string[] = [];
    const s = await setup(({ subject, url }) => {
      urls.push(url);
      return { status: 200, body: { token: `registry-token-for-${subject}` } };
    });
    const credentials = await s.get();
    expect(credentials).toEqual({
      username: BEARER_USERNAME,
      password: `registry-token-for-${STANDIN_USER}`,
    });
    expect(BEARER_USERNAME).toBe("BEARER_TOKEN");
    const url = new URL(urls[0] ?? "", "http://x");
    expect(url.pathname).toBe("/20180419/docker/token");
    expect(url.searchParams.get("service")).toBe(s.host);
    expect(url.searchParams.get("scope")).toBe("repository:ns/usage-api:pull,push");
    expect(s.masked).toContain(credentials.password);
  });

  it("retries a 503 and says what to fix on a refusal", async () => {
    const retried = await setup(({ n }) =>
      n === 1 ? { status: 503, body: {} } : { status: 200, body: { token: "t" } },
    );
    await expect(retried.get()).resolves.toMatchObject({ password: "t" });
    expect(retried.calls()).toBe(2);
    expect(retried.sleeps).toHaveLength(1);

    const refused = await setup(() => ({
      status: 403,
      body: { errors: [{ code: "DENIED", message: "no" }] },
    }));
    const err = await refused.get().catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^the registry refused the signed token request to http:\/\/127\.0\.0\.1:\d+\/20180419\/docker\/token \(scope repository:ns\/usage-api:pull,push\) \(HTTP 403.*\); the signing user needs the deployer group's policy on repositories/,
    );
    expect(refused.calls()).toBe(1);
  });

  it("refuses a 200 without a token", async () => {
    const s = await setup(() => ({ status: 200, body: { access_token: "wrong field" } }));
    await expect(s.get()).rejects.toThrow(/answered 200 without a token/);
  });
});
