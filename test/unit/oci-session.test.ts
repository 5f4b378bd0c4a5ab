import { createPublicKey } from "node:crypto";
import { ArtifactsClient } from "oci-artifacts";
import { afterEach, describe, expect, it } from "vitest";
import { githubIdToken } from "../../src/lib/github-oidc.js";
import type { OidcAuthRequest } from "../../src/oci/auth.js";
import { sdkClientFactory } from "../../src/oci/clients.js";
import { OciSession, REFRESH_BEFORE_MS, type SessionDeps } from "../../src/oci/session.js";
import { signInOci } from "../../src/oci/sign-in.js";
import {
  type ExchangeReply,
  listen,
  STANDIN_TENANCY,
  STANDIN_USER,
  tokenEndpoint,
  UpstIssuer,
  verifyOciSignature,
} from "../support/keyless-standins.js";

const T0 = Date.UTC(2026, 11, 3, 12);
const SUB = "repo:octo-org/usage-reports:ref:refs/heads/main";
const ISS = "https://token.actions.githubusercontent.com";

const ghJwt = (claims: object) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

interface Harness {
  deps: SessionDeps;
  masked: string[];
  ghTokens: string[];
  clock: { now: number };
  sleeps: number[];
}

/** Session deps over the real githubIdToken (a fake transport), an injected clock and a recording masker. */
function harness(): Harness {
  const masked: string[] = [];
  const ghTokens: string[] = [];
  const clock = { now: T0 };
  const sleeps: number[] = [];
  const deps: SessionDeps = {
    idToken: (audience) =>
      githubIdToken(audience, {
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:1/", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "r" },
        getIDToken: async (aud) => {
          const token = ghJwt({ iss: ISS, sub: SUB, aud, exp: clock.now / 1000 + 300, n: ghTokens.length });
          ghTokens.push(token);
          return token;
        },
        now: () => clock.now,
        mask: (s) => masked.push(s),
      }),
    now: () => clock.now,
    mask: (s) => masked.push(s),
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  };
  return { deps, masked, ghTokens, clock, sleeps };
}

async function endpoint(
  h: Harness,
  reply?: (
    call: Parameters<NonNullable<Parameters<typeof tokenEndpoint>[1]>>[0],
    n: number,
  ) => ExchangeReply | undefined,
) {
  const issuer = new UpstIssuer(() => h.clock.now);
  const server = await tokenEndpoint(issuer, reply);
  closers.push(server.close);
  return { issuer, server, settings: settingsFor(server.url) };
}

const settingsFor = (domainUrl: string) => ({
  domainUrl,
  clientId: "trust-client",
  clientSecret: "s3cret-of-the-trust",
  audience: "https://cloud.oracle.com",
});

describe("OciSession: the token exchange", () => {
  it("posts the token-exchange grant with Basic auth and the ephemeral key, and returns the UPST", async () => {
    const h = harness();
    const { server, settings } = await endpoint(h);
    const session = new OciSession(settings, h.deps);
    const upst = await session.token();

    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call?.authorization).toBe(
      `Basic ${Buffer.from("trust-client:s3cret-of-the-trust").toString("base64")}`,
    );
    expect(call?.contentType).toBe("application/x-www-form-urlencoded");
    expect(call?.form).toMatchObject({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      requested_token_type: "urn:oci:token-type:oci-upst",
      subject_token: h.ghTokens[0],
      subject_token_type: "jwt",
    });
    const sent = createPublicKey({
      key: Buffer.from(call?.form.public_key ?? "", "base64"),
      format: "der",
      type: "spki",
    });
    expect(sent.asymmetricKeyType).toBe("rsa");
    expect(sent.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // The key sent is the public half of the key the provider signs with.
    expect(
      createPublicKey(session.privateKeyPem).export({ type: "spki", format: "der" }).toString("base64"),
    ).toBe(call?.form.public_key);
    expect(upst.split(".")).toHaveLength(3);
    const { upst: claims, github } = await session.claims();
    expect(claims).toMatchObject({ sub: STANDIN_USER, tenant: STANDIN_TENANCY });
    expect(github.sub).toBe(SUB);
  });

  it("masks the GitHub token, the UPST, the client's Basic credentials and the private key", async () => {
    const h = harness();
    const { settings } = await endpoint(h);
    const session = new OciSession(settings, h.deps);
    const upst = await session.token();
    expect(h.masked).toContain(h.ghTokens[0]);
    expect(h.masked).toContain(upst);
    expect(h.masked).toContain(session.privateKeyPem);
    expect(h.masked).toContain(Buffer.from("trust-client:s3cret-of-the-trust").toString("base64"));
  });

  it("retries a 503 (with the injected sleep) and then succeeds", async () => {
    const h = harness();
    const { server, settings } = await endpoint(h, (_call, n) =>
      n === 1 ? { status: 503, body: { error: "temporarily_unavailable" } } : undefined,
    );
    await expect(new OciSession(settings, h.deps).token()).resolves.toMatch(/\./);
    expect(server.calls).toHaveLength(2);
    expect(h.sleeps).toHaveLength(1);
  });

  it("does not retry a refusal", async () => {
    const h = harness();
    const { server, settings } = await endpoint(h, () => ({
      status: 400,
      body: { error: "invalid_grant", error_description: "token expired at 2026-12-03T11:00:00Z" },
    }));
    await expect(new OciSession(settings, h.deps).token()).rejects.toThrow(/expired/);
    expect(server.calls).toHaveLength(1);
  });

  it("exchanges again, with a fresh GitHub token, only when less than 5 minutes of the UPST remain", async () => {
    const h = harness();
    const { server, settings } = await endpoint(h);
    const session = new OciSession(settings, h.deps);
    const first = await session.token();
    h.clock.now = T0 + 3600_000 - REFRESH_BEFORE_MS - 60_000;
    expect(await session.token()).toBe(first);
    expect(server.calls).toHaveLength(1);
    h.clock.now = T0 + 3600_000 - REFRESH_BEFORE_MS + 60_000;
    const second = await session.token();
    expect(second).not.toBe(first);
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1]?.form.subject_token).toBe(h.ghTokens[1]);
    expect(server.calls[1]?.form.public_key).toBe(server.calls[0]?.form.public_key);
  });

  it("shares one exchange between concurrent callers", async () => {
    const h = harness();
    const { server, settings } = await endpoint(h);
    const session = new OciSession(settings, h.deps);
    const [a, b] = await Promise.all([session.token(), session.token()]);
    expect(a).toBe(b);
    expect(server.calls).toHaveLength(1);
  });
});

describe("OciSession: refusals as messages that name the fix", () => {
  const refusals: [string, ExchangeReply, RegExp][] = [
    [
      "no trust for the issuer",
      {
        status: 400,
        body: {
          error: "invalid_grant",
          error_description: `no active Identity Propagation Trust for issuer ${ISS}`,
        },
      },
      /^no Identity Propagation Trust in http:\/\/127\.0\.0\.1:\d+ accepts tokens from issuer 'https:\/\/token\.actions\.githubusercontent\.com' .*run setup with 'keyless: true'/,
    ],
    [
      "no JWT trust, in other words",
      {
        status: 400,
        body: { error: "invalid_grant", error_description: `no active JWT trust has issuer '${ISS}'` },
      },
      /^no Identity Propagation Trust in .* accepts tokens from issuer/,
    ],
    [
      "no rule matches the subject",
      {
        status: 400,
        body: {
          error: "invalid_grant",
          error_description:
            "no impersonation rule matches sub 'repo:octo-org/usage-reports:ref:refs/heads/main' (rules: sub eq repo:octo-org/usage-reports:ref:refs/heads/release)",
        },
      },
      /^no impersonation rule of the trust matches this job's sub 'repo:octo-org\/usage-reports:ref:refs\/heads\/main' \(.*refs\/heads\/release\).*'github-ref' or 'github-environment'/,
    ],
    [
      "an expired GitHub token",
      {
        status: 400,
        body: {
          error: "invalid_grant",
          error_description: "the subject token expired at 2026-12-03T11:59:00Z",
        },
      },
      /GitHub OIDC token for sub '.*' was refused as expired.*re-run the job/,
    ],
    [
      "a trust for another OAuth client",
      {
        status: 400,
        body: {
          error: "invalid_client",
          error_description: "client trust-client is not in the trust's oauthClients",
        },
      },
      /^the Identity Propagation Trust for issuer '.*' is for another OAuth client, not 'trust-client'.*'oidc-client-id'/,
    ],
    [
      "a wrong client secret",
      { status: 401, body: { error: "invalid_client", error_description: "client authentication failed" } },
      /^the identity domain refused OAuth client 'trust-client' .*'oidc-client-secret'/,
    ],
    [
      "another audience",
      {
        status: 400,
        body: { error: "invalid_grant", error_description: "audience api://other is not accepted" },
      },
      /^the trust does not accept audience 'https:\/\/cloud\.oracle\.com' .*'oidc-audience'/,
    ],
    [
      "a bad signature",
      { status: 400, body: { error: "invalid_grant", error_description: "signature verification failed" } },
      /signature did not verify with the trust's keys/,
    ],
  ];
  for (const [what, reply, message] of refusals) {
    it(`says so for ${what}`, async () => {
      const h = harness();
      const { settings } = await endpoint(h, () => reply);
      const err = await new OciSession(settings, h.deps).token().catch((e: Error) => e);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain("\n");
      expect((err as Error).message).not.toContain(h.ghTokens[0]);
    });
  }

  it("says the domain URL is wrong when the answer is not an OAuth2 one", async () => {
    const h = harness();
    const site = await listen((_req, _body, res) => {
      res.writeHead(404, { "content-type": "text/html" }).end("<html>nope</html>");
    });
    closers.push(site.close);
    const err = await new OciSession(settingsFor(site.url), h.deps).token().catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/token answered HTTP 404 without an OAuth2 error: it is not an identity domain's token endpoint; set 'identity-domain-url'/,
    );
  });

  it("says the domain is unreachable after the retries", async () => {
    const h = harness();
    const site = await listen(() => {});
    const url = site.url;
    await site.close();
    const err = await new OciSession(settingsFor(url), h.deps).token().catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^the token exchange at .* failed: .*; check 'identity-domain-url'/,
    );
  });
});

describe("signInOci and the SDK provider", () => {
  const request = (domainUrl: string, tenancyId?: string): OidcAuthRequest => ({
    kind: "oidc",
    tenancyId,
    region: "us-ashburn-1",
    regionKey: "iad",
    endpoints: {},
    exchange: settingsFor(domainUrl),
  });

  it("opens a session: the tenancy from the UPST's tenant claim (or oci-tenancy), the user from its sub", async () => {
    const h = harness();
    const { settings } = await endpoint(h);
    const auth = await signInOci(request(settings.domainUrl), h.deps);
    expect(auth).toMatchObject({
      kind: "session",
      tenancyId: STANDIN_TENANCY,
      userId: STANDIN_USER,
      subject: SUB,
    });
    const given = await signInOci(request(settings.domainUrl, "ocid1.tenancy.oc1..aaaaaaaagiven"), h.deps);
    expect(given.tenancyId).toBe("ocid1.tenancy.oc1..aaaaaaaagiven");
  });

  it("gives keyId ST$<upst> and the ephemeral key, and the SDK's signature verifies with the UPST's jwk", async () => {
    const h = harness();
    const { issuer, settings } = await endpoint(h);
    const auth = await signInOci(request(settings.domainUrl), h.deps);
    if (auth.kind !== "session") throw new Error("expected a session");
    const keyId = await auth.provider.getKeyId();
    expect(keyId).toBe(`ST$${await auth.session.token()}`);
    expect(auth.provider.getPrivateKey()).toBe(auth.session.privateKeyPem);
    expect(auth.provider.getPassphrase()).toBeNull();

    const seen: string[] = [];
    const api = await listen(async (req, _body, res) => {
      try {
        seen.push(await verifyOciSignature(req, issuer));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ namespace: "ns" }));
      } catch (err) {
        res
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ code: "NotAuthenticated", message: String(err) }));
      }
    });
    closers.push(api.close);
    const sdk = sdkClientFactory(auth);
    try {
      const artifacts = sdk.create(ArtifactsClient, api.url);
      const got = await artifacts.getContainerConfiguration({ compartmentId: STANDIN_TENANCY });
      expect(got.containerConfiguration.namespace).toBe("ns");
    } finally {
      sdk.close();
    }
    expect(seen).toEqual([STANDIN_USER]);
  });

  it("refuses a UPST without a tenancy OCID when oci-tenancy is not set", async () => {
    const h = harness();
    const { settings } = await endpoint(h, () => ({
      status: 200,
      body: { token: ghJwt({ sub: STANDIN_USER, exp: T0 / 1000 + 3600 }) },
    }));
    await expect(signInOci(request(settings.domainUrl), h.deps)).rejects.toThrow(
      "the session token's 'tenant' claim is not a tenancy OCID; set 'oci-tenancy' to the tenancy OCID",
    );
  });
});
