import { afterEach, describe, expect, it } from "vitest";
import type { DeployRun } from "../../src/deploy/context.js";
import { planImage } from "../../src/deploy/image-plan.js";
import type { ImageInputs } from "../../src/deploy/inputs.js";
import type { BuildImageInput, BuildResult } from "../../src/image/build.js";
import { BEARER_USERNAME, ocirTokenCredentials } from "../../src/image/ocir-token.js";
import type { ApiKeyAuth } from "../../src/oci/auth.js";
import { OciSession, SessionAuthProvider } from "../../src/oci/session.js";
import { signInOci } from "../../src/oci/sign-in.js";
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

describe("deploy's image plan with a keyless session", () => {
  /** planImage with a build that records its input; the session signs against the stand-ins. */
  async function plan(
    auth: Parameters<typeof planImage>[2]["auth"],
    registry: string,
    image: Partial<ImageInputs> = {},
  ) {
    const builds: BuildImageInput[] = [];
    const lines: string[] = [];
    const masked: string[] = [];
    const run = {
      info: (line: string) => lines.push(line),
      deps: {
        readFunctionBundle: async () => Buffer.from("bundle"),
        buildImage: async (input: BuildImageInput) => {
          builds.push(input);
          return { digest: "sha256:abc" } as BuildResult;
        },
        log: { group: async <T>(_name: string, fn: () => Promise<T>) => fn() },
        setSecret: (s: string) => masked.push(s),
        sleep: async () => {},
        now: () => T0,
      },
    } as unknown as DeployRun;
    const inputs = {
      registry,
      repository: "usage-api",
      tagTemplate: "fn-{digest}",
      baseImage: "fnproject/node:24",
      username: undefined,
      password: undefined,
      ...image,
    } as ImageInputs;
    await planImage(run, inputs, { namespace: "ns", platforms: [], githubSha: undefined, auth });
    return { credentials: builds[0]?.credentials, lines, masked };
  }

  it("logs in to the registry as BEARER_TOKEN with the token OCIR's token service gives the session", async () => {
    const issuer = new UpstIssuer(() => T0);
    const exchange = await tokenEndpoint(issuer);
    closers.push(exchange.close);
    const registry = await listen(async (req, _body, res) => {
      const subject = await verifyOciSignature(req, issuer);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ token: `tok-${subject}` }));
    });
    closers.push(registry.close);
    const auth = await signInOci(
      {
        kind: "oidc",
        tenancyId: undefined,
        region: "us-ashburn-1",
        regionKey: "iad",
        endpoints: {},
        exchange: {
          domainUrl: exchange.url,
          clientId: "c",
          clientSecret: "s",
          audience: "https://cloud.oracle.com",
        },
      },
      {
        idToken: async () => ({ token: ghJwt({ sub: "repo:o/r:ref:refs/heads/main" }), claims: {} }),
        now: () => T0,
        mask: () => {},
      },
    );
    const got = await plan(auth, new URL(registry.url).host);
    expect(got.credentials).toEqual({ username: "BEARER_TOKEN", password: `tok-${STANDIN_USER}` });
    expect(got.masked).toContain(`tok-${STANDIN_USER}`);
    expect(got.lines.some((l) => l.includes("signed in as BEARER_TOKEN"))).toBe(true);
  });

  it("keeps the given username and auth token with an API key, and asks no token service", async () => {
    const auth = { kind: "api-key" } as ApiKeyAuth;
    const got = await plan(auth, "iad.ocir.io", { username: "deployer", password: "auth-token" });
    expect(got.credentials).toEqual({ username: "ns/deployer", password: "auth-token" });
    expect(await plan(auth, "iad.ocir.io")).toMatchObject({ credentials: undefined });
  });
});
