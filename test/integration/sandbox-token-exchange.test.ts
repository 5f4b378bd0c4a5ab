// Keyless OCI in the sandbox: a service user (and its group), an OAuth client and an Identity Propagation
// Trust created with the oci-identitydomains client (signed with the sandbox API key); GitHub-shaped tokens
// minted with jose by an in-test issuer whose JWKS a loopback server serves; the domain's token exchange
// turning them into UPSTs; then SDK calls signed with keyId ST$<upst> and the session key on every control
// plane, and each refusal with its OAuth error and description.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { GatewayClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { IdentityClient } from "oci-identity";
import { IdentityDomainsClient, type models as idm } from "oci-identitydomains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SCHEMA } from "../../sandbox/identity/admin.js";
import { GROUP_SCHEMA } from "../../sandbox/identity/groups.js";
import { TRUST_SCHEMA } from "../../sandbox/identity/trusts.js";
import { USER_EXTENSION, USER_SCHEMA } from "../../sandbox/identity/users.js";
import { type BareSandbox, startSandbox } from "../../sandbox/index.js";

const NO_RETRY = { retryConfiguration: common.NoRetryConfigurationDetails };
const AUDIENCE = "https://cloud.oracle.com";
const REPOSITORY = "octo-org/usage-reports";
const MAIN_SUB = `repo:${REPOSITORY}:ref:refs/heads/main`;
const RULE = `sub eq ${MAIN_SUB}`;
const EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const UPST_TYPE = "urn:oci:token-type:oci-upst";

/** The session provider a keyless client writes: keyId ST$<upst>, the ephemeral private key, no config file. */
class UpstProvider implements common.AuthenticationDetailsProvider {
  constructor(
    private readonly upst: string,
    private readonly privateKeyPem: string,
  ) {}
  async getKeyId(): Promise<string> {
    return `ST$${this.upst}`;
  }
  getPrivateKey(): string {
    return this.privateKeyPem;
  }
  getPassphrase(): string | null {
    return null;
  }
}

interface SessionKey {
  publicKeyB64: string;
  privateKeyPem: string;
  publicKey: KeyObject;
}

function sessionKey(bits = 2048): SessionKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    publicKeyB64: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey,
  };
}

/** A GitHub-like OIDC issuer: a loopback JWKS and tokens with GitHub's claims, signed with jose. */
async function startIssuer() {
  const signing = await generateKeyPair("RS256");
  const forged = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(signing.publicKey)), kid: "gh-1", alg: "RS256", use: "sig" };
  const stats = { jwksRequests: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === "/.well-known/jwks") {
      stats.jwksRequests++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(503).end("down");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stats,
    async mint(
      claims: JWTPayload = {},
      o: { iat?: number; exp?: number; forged?: boolean; iss?: string } = {},
    ): Promise<string> {
      const iat = o.iat ?? Math.floor(Date.now() / 1000);
      return new SignJWT({
        sub: MAIN_SUB,
        aud: AUDIENCE,
        repository: REPOSITORY,
        repository_owner: "octo-org",
        ref: "refs/heads/main",
        ...claims,
      })
        .setProtectedHeader({ alg: "RS256", kid: "gh-1", typ: "JWT" })
        .setIssuer(o.iss ?? url)
        .setIssuedAt(iat)
        .setNotBefore((claims.nbf as number | undefined) ?? iat - 600)
        .setExpirationTime(o.exp ?? iat + 300)
        .setJti(crypto.randomUUID())
        .sign(o.forged ? forged.privateKey : signing.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failure(call: Promise<unknown>): Promise<common.OciError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof common.OciError) return err;
    throw err;
  }
  throw new Error("the call succeeded; it should have failed");
}

let sandbox: BareSandbox;
let issuer: Awaited<ReturnType<typeof startIssuer>>;
let admin: IdentityDomainsClient;
let serviceUser: idm.User;
let trust: idm.IdentityPropagationTrust;
let client: { id: string; secret: string };
const key = sessionKey();

function adminClient(provider: common.AuthenticationDetailsProvider): IdentityDomainsClient {
  const c = new IdentityDomainsClient({ authenticationDetailsProvider: provider }, NO_RETRY);
  c.endpoint = sandbox.endpoints.identityUrl;
  return c;
}

async function exchange(
  fields: Record<string, string>,
  credentials: { id: string; secret: string } = client,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(sandbox.endpoints.tokenUrl, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.id}:${credentials.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      grant_type: EXCHANGE_GRANT,
      requested_token_type: UPST_TYPE,
      subject_token_type: "jwt",
      public_key: key.publicKeyB64,
      ...fields,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function upstFor(token: string, publicKeyB64 = key.publicKeyB64): Promise<string> {
  const r = await exchange({ subject_token: token, public_key: publicKeyB64 });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.token!;
}

beforeAll(async () => {
  // scim+oci: the SCIM detail also as OCI's `message`, so that OciError.message shows it.
  sandbox = await startSandbox({ bare: true, identityDomains: { errorEnvelope: "scim+oci" } });
  issuer = await startIssuer();
  const e = sandbox.endpoints;
  admin = adminClient(
    new common.SimpleAuthenticationDetailsProvider(
      e.tenancyId,
      e.ociUserId,
      e.ociFingerprint,
      await readFile(e.ociPrivateKeyPath, "utf8"),
      null,
    ),
  );
  serviceUser = (
    await admin.createUser({
      user: {
        schemas: [USER_SCHEMA, USER_EXTENSION],
        userName: "github-usage-reports",
        urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { serviceUser: true },
      },
    })
  ).user;
  const app = (
    await admin.createApp({
      app: {
        schemas: [APP_SCHEMA],
        displayName: "github-token-exchange",
        basedOnTemplate: { value: "CustomWebAppTemplateId" },
        isOAuthClient: true,
        clientType: "confidential" as never,
        allowedGrants: [EXCHANGE_GRANT],
        active: true,
      },
    })
  ).app;
  client = { id: app.name!, secret: app.clientSecret! };
  trust = (
    await admin.createIdentityPropagationTrust({
      identityPropagationTrust: {
        schemas: [TRUST_SCHEMA],
        name: "github-actions",
        type: "JWT" as never,
        issuer: issuer.url,
        publicKeyEndpoint: `${issuer.url}/.well-known/jwks`,
        subjectClaimName: "sub",
        clientClaimName: "aud",
        clientClaimValues: [AUDIENCE],
        active: true,
        oauthClients: [client.id],
        allowImpersonation: true,
        impersonationServiceUsers: [{ value: serviceUser.id!, rule: RULE }],
      },
    })
  ).identityPropagationTrust;
});

afterAll(async () => {
  await issuer?.close();
  await sandbox?.stop();
});

describe("Users and IdentityPropagationTrusts through IdentityDomainsClient", () => {
  it("created a service user and an active trust; the trust's rules come back only when asked for", async () => {
    expect(serviceUser.ocid).toMatch(/^ocid1\.user\.oc1\.\./);
    expect(serviceUser.urnIetfParamsScimSchemasOracleIdcsExtensionUserUser?.serviceUser).toBe(true);
    expect(trust).toMatchObject({ name: "github-actions", active: true, issuer: issuer.url });
    expect(trust.impersonationServiceUsers).toBeUndefined();
    const full = await admin.getIdentityPropagationTrust({
      identityPropagationTrustId: trust.id!,
      attributes: "impersonationServiceUsers",
    });
    expect(full.identityPropagationTrust.impersonationServiceUsers).toEqual([
      {
        value: serviceUser.id,
        rule: RULE,
        ocid: serviceUser.ocid,
        ref: `${sandbox.endpoints.identityUrl}/admin/v1/Users/${serviceUser.id}`,
      },
    ]);
    const found = await admin.listIdentityPropagationTrusts({ filter: 'name eq "github-actions"' });
    expect(found.identityPropagationTrusts.resources.map((t) => t.id)).toEqual([trust.id]);
    const users = await admin.listUsers({ filter: 'userName eq "github-usage-reports"' });
    expect(users.users.resources.map((u) => u.ocid)).toEqual([serviceUser.ocid]);
    const searched = await admin.searchUsers({
      userSearchRequest: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        filter: 'userName eq "github-usage-reports"',
      },
    });
    expect(searched.users.resources.map((u) => u.id)).toEqual([serviceUser.id]);
  });

  it("patches, puts and deletes a trust, with if-match", async () => {
    const created = await admin.createIdentityPropagationTrust({
      identityPropagationTrust: {
        schemas: [TRUST_SCHEMA],
        name: "gitlab",
        type: "JWT" as never,
        issuer: "https://gitlab.example",
        publicKeyEndpoint: "https://gitlab.example/oauth/discovery/keys",
      },
    });
    const id = created.identityPropagationTrust.id!;
    expect(created.identityPropagationTrust.active).toBe(false);
    const patched = await admin.patchIdentityPropagationTrust({
      identityPropagationTrustId: id,
      ifMatch: created.etag,
      patchOp: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        operations: [{ op: "replace" as never, path: "description", value: "GitLab CI" }],
      },
    });
    expect(patched.identityPropagationTrust.description).toBe("GitLab CI");
    const stale = await failure(
      admin.putIdentityPropagationTrust({
        identityPropagationTrustId: id,
        ifMatch: created.etag,
        identityPropagationTrust: { ...patched.identityPropagationTrust, active: true },
      }),
    );
    expect(stale.statusCode).toBe(412);
    const renamed = await failure(
      admin.putIdentityPropagationTrust({
        identityPropagationTrustId: id,
        identityPropagationTrust: { ...patched.identityPropagationTrust, name: "other" },
      }),
    );
    expect([renamed.statusCode, renamed.message]).toEqual([400, "The attribute name is immutable"]);
    const put = await admin.putIdentityPropagationTrust({
      identityPropagationTrustId: id,
      ifMatch: patched.etag,
      identityPropagationTrust: { ...patched.identityPropagationTrust, active: true },
    });
    expect(put.identityPropagationTrust.active).toBe(true);
    await admin.deleteIdentityPropagationTrust({ identityPropagationTrustId: id });
    const gone = await failure(admin.getIdentityPropagationTrust({ identityPropagationTrustId: id }));
    expect(gone.statusCode).toBe(404);
    expect(sandbox.identityDomains.stats.deletes).toBe(1);
  });

  it("puts the service user into a group, whose members come back when asked for", async () => {
    const group = await admin.createGroup({
      group: { schemas: [GROUP_SCHEMA], displayName: "UsageDeployers" },
    });
    expect(group.group.ocid).toMatch(/^ocid1\.group\.oc1\.\./);
    await admin.patchGroup({
      groupId: group.group.id!,
      patchOp: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        operations: [
          { op: "add" as never, path: "members", value: [{ value: serviceUser.id, type: "User" }] },
        ],
      },
    });
    const plain = await admin.getGroup({ groupId: group.group.id! });
    expect(plain.group.members).toBeUndefined();
    const full = await admin.getGroup({ groupId: group.group.id!, attributes: "members" });
    expect(full.group.members).toEqual([
      {
        value: serviceUser.id,
        type: "User",
        ocid: serviceUser.ocid,
        display: "github-usage-reports",
        ref: `${sandbox.endpoints.identityUrl}/admin/v1/Users/${serviceUser.id}`,
      },
    ]);
    const unknown = await failure(
      admin.createGroup({
        group: {
          schemas: [GROUP_SCHEMA],
          displayName: "Other",
          members: [{ value: "0".repeat(32), type: "User" as never }],
        },
      }),
    );
    expect([unknown.statusCode, unknown.message]).toEqual([
      400,
      `members: no user has the id ${"0".repeat(32)}`,
    ]);
    const twice = await failure(
      admin.createGroup({ group: { schemas: [GROUP_SCHEMA], displayName: "usagedeployers" } }),
    );
    expect(twice.statusCode).toBe(409);
  });

  it("refuses invalid trusts and users as the other SCIM resources do", async () => {
    const base = {
      schemas: [TRUST_SCHEMA],
      name: "bad",
      type: "JWT" as never,
      issuer: "https://bad.example",
      publicKeyEndpoint: "https://bad.example/jwks",
    };
    const cases: Array<[Partial<idm.IdentityPropagationTrust>, number, RegExp]> = [
      [{ issuer: undefined as never }, 400, /^issuer is required$/],
      [{ publicKeyEndpoint: undefined }, 400, /publicKeyEndpoint .* is required for a JWT trust/],
      [{ type: "OIDC" as never }, 400, /^type must be one of JWT, SAML/],
      [{ issuer: issuer.url }, 409, /trust with the issuer .* already exists/],
      [{ clockSkewSeconds: -1 }, 400, /clockSkewSeconds must be a non-negative integer/],
      [
        { impersonationServiceUsers: [{ value: serviceUser.id!, rule: "sub == x" }] },
        400,
        /the rule "sub == x" is not supported: use <claim> eq <value>/,
      ],
      [
        { impersonationServiceUsers: [{ value: "0".repeat(32), rule: RULE }] },
        400,
        /no user has the id 0{32}/,
      ],
      [
        { schemas: ["urn:x"] },
        400,
        /schemas must include urn:ietf:params:scim:schemas:oracle:idcs:IdentityPropagationTrust/,
      ],
    ];
    for (const [change, status, message] of cases) {
      const err = await failure(
        admin.createIdentityPropagationTrust({ identityPropagationTrust: { ...base, ...change } }),
      );
      expect([err.statusCode, err.message], JSON.stringify(change)).toEqual([
        status,
        expect.stringMatching(message),
      ]);
    }
    const human = await admin.createUser({ user: { schemas: [USER_SCHEMA], userName: "someone" } });
    const notService = await failure(
      admin.createIdentityPropagationTrust({
        identityPropagationTrust: {
          ...base,
          impersonationServiceUsers: [{ value: human.user.id!, rule: RULE }],
        },
      }),
    );
    expect(notService.message).toBe("impersonationServiceUsers: the user someone is not a service user");
    const twice = await failure(
      admin.createUser({ user: { schemas: [USER_SCHEMA], userName: "GITHUB-usage-reports" } }),
    );
    expect(twice.statusCode).toBe(409);
    const flip = await failure(
      admin.patchUser({
        userId: human.user.id!,
        patchOp: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          operations: [{ op: "add" as never, path: USER_EXTENSION, value: { serviceUser: true } }],
        },
      }),
    );
    expect(flip.statusCode).toBe(400);
    const intruder = adminClient(new UpstProvider("a.b.c", sessionKey().privateKeyPem));
    expect((await failure(intruder.listIdentityPropagationTrusts({}))).statusCode).toBe(401);
  });
});

describe("the token exchange", () => {
  it("trades a GitHub token and a public key for a UPST bound to that key, for the service user", async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await exchange({ subject_token: await issuer.mint() });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["token"]);
    const claims = decodeJwt(r.body.token!);
    expect(claims).toMatchObject({
      sub: serviceUser.ocid,
      ptype: "user",
      tenant: sandbox.endpoints.tenancyId,
      iss: "authService.oracle.com",
      aud: "oci",
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iat!).toBeGreaterThanOrEqual(before);
    expect(typeof claims.jti).toBe("string");
    const jwk = JSON.parse(claims.jwk as string) as { n: string; e: string; kty: string };
    expect(jwk).toMatchObject(key.publicKey.export({ format: "jwk" }));
  });

  it("is listed in the domain's openid-configuration", async () => {
    const discovery = (await (await fetch(sandbox.endpoints.openidConfigurationUrl)).json()) as {
      grant_types_supported: string[];
    };
    expect(discovery.grant_types_supported).toEqual(["client_credentials", EXCHANGE_GRANT]);
  });

  it("fetches the trust's JWKS over HTTP once and uses it from the cache", async () => {
    await upstFor(await issuer.mint());
    await upstFor(await issuer.mint());
    expect(issuer.stats.jwksRequests).toBe(1);
  });

  it("refuses each bad exchange with its OAuth error and a description naming the cause", async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await issuer.mint();
    const cases: Array<
      [string, Record<string, string>, { id: string; secret: string } | undefined, number, string, RegExp]
    > = [
      [
        "wrong client secret",
        { subject_token: good },
        { id: client.id, secret: "nope" },
        401,
        "invalid_client",
        /^Client authentication failed\.$/,
      ],
      [
        "client not in oauthClients",
        { subject_token: good },
        { id: sandbox.endpoints.clientId, secret: sandbox.endpoints.clientSecret },
        400,
        "invalid_grant",
        /^The client '[0-9a-f]+' is not in the oauthClients of the identity propagation trust 'github-actions'\.$/,
      ],
      [
        "no trust for the issuer",
        { subject_token: await issuer.mint({}, { iss: "https://token.actions.githubusercontent.com" }) },
        undefined,
        400,
        "invalid_grant",
        /^No identity propagation trust has the issuer 'https:\/\/token\.actions\.githubusercontent\.com'\.$/,
      ],
      [
        "expired token",
        { subject_token: await issuer.mint({}, { iat: now - 1000, exp: now - 60 }) },
        undefined,
        400,
        "invalid_grant",
        /^The subject_token expired at \d{4}-\d\d-\d\dT[\d:.]+Z \(clock skew allowed: 0 s\)\.$/,
      ],
      [
        "nbf in the future",
        { subject_token: await issuer.mint({ nbf: now + 600 }) },
        undefined,
        400,
        "invalid_grant",
        /^The subject_token is not valid before \d{4}-.*Z \(clock skew allowed: 0 s\)\.$/,
      ],
      [
        "forged signature",
        { subject_token: await issuer.mint({}, { forged: true }) },
        undefined,
        400,
        "invalid_grant",
        /^The subject_token's signature does not verify with the keys at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks \(the identity propagation trust 'github-actions'\)\.$/,
      ],
      [
        "wrong audience",
        { subject_token: await issuer.mint({ aud: "sts.amazonaws.com" }) },
        undefined,
        400,
        "invalid_grant",
        /^The subject_token's aud "sts\.amazonaws\.com" is not one of the clientClaimValues of the identity propagation trust 'github-actions': https:\/\/cloud\.oracle\.com\.$/,
      ],
      [
        "no rule matching sub",
        { subject_token: await issuer.mint({ sub: `repo:${REPOSITORY}:ref:refs/heads/dev` }) },
        undefined,
        400,
        "invalid_grant",
        /^No impersonation rule of the identity propagation trust 'github-actions' matches sub 'repo:octo-org\/usage-reports:ref:refs\/heads\/dev'; its rules: sub eq repo:octo-org\/usage-reports:ref:refs\/heads\/main\.$/,
      ],
      [
        "bad public_key",
        { subject_token: good, public_key: sessionKey(1024).publicKeyB64 },
        undefined,
        400,
        "invalid_request",
        /^public_key must be the base64 DER SubjectPublicKeyInfo of an RSA key of at least 2048 bits\.$/,
      ],
      [
        "public_key not base64",
        { subject_token: good, public_key: "not a key!" },
        undefined,
        400,
        "invalid_request",
        /^public_key must be/,
      ],
      [
        "wrong subject_token_type",
        { subject_token: good, subject_token_type: "urn:ietf:params:oauth:token-type:id_token" },
        undefined,
        400,
        "invalid_request",
        /^subject_token_type must be jwt \(got 'urn:ietf:params:oauth:token-type:id_token'\)\.$/,
      ],
      [
        "wrong requested_token_type",
        { subject_token: good, requested_token_type: "urn:ietf:params:oauth:token-type:access_token" },
        undefined,
        400,
        "invalid_request",
        /^requested_token_type must be urn:oci:token-type:oci-upst \(got 'urn:ietf:params:oauth:token-type:access_token'\)\.$/,
      ],
      [
        "no subject_token",
        {},
        undefined,
        400,
        "invalid_request",
        /^The subject_token parameter is missing\.$/,
      ],
      [
        "not a JWT",
        { subject_token: "abc" },
        undefined,
        400,
        "invalid_grant",
        /^The subject_token is not a JWT\.$/,
      ],
    ];
    for (const [name, fields, credentials, status, error, description] of cases) {
      const r = await exchange(fields, credentials);
      expect([r.status, r.body.error, r.body.error_description], name).toEqual([
        status,
        error,
        expect.stringMatching(description),
      ]);
    }
  });

  it("refuses while the trust is inactive, and again once reactivated accepts", async () => {
    const deactivate = (active: boolean) =>
      admin.patchIdentityPropagationTrust({
        identityPropagationTrustId: trust.id!,
        patchOp: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          operations: [{ op: "replace" as never, path: "active", value: active }],
        },
      });
    await deactivate(false);
    const r = await exchange({ subject_token: await issuer.mint() });
    expect([r.status, r.body.error, r.body.error_description]).toEqual([
      400,
      "invalid_grant",
      `The identity propagation trust 'github-actions' for the issuer '${issuer.url}' is not active.`,
    ]);
    await deactivate(true);
    await upstFor(await issuer.mint());
  });

  it("says so when the trust's JWKS cannot be fetched", async () => {
    await admin.createIdentityPropagationTrust({
      identityPropagationTrust: {
        schemas: [TRUST_SCHEMA],
        name: "outage",
        type: "JWT" as never,
        issuer: `${issuer.url}/outage`,
        publicKeyEndpoint: `${issuer.url}/down`,
        active: true,
        oauthClients: [client.id],
        allowImpersonation: true,
        impersonationServiceUsers: [{ value: serviceUser.id!, rule: RULE }],
      },
    });
    const r = await exchange({ subject_token: await issuer.mint({}, { iss: `${issuer.url}/outage` }) });
    expect([r.status, r.body.error, r.body.error_description]).toEqual([
      400,
      "invalid_grant",
      `The public keys of the identity propagation trust 'outage': the JWKS at ${issuer.url}/down answered HTTP 503.`,
    ]);
  });
});

describe("requests signed with ST$<upst>", () => {
  function clients(provider: common.AuthenticationDetailsProvider) {
    const e = sandbox.endpoints;
    const auth = { authenticationDetailsProvider: provider };
    const c = {
      functions: new FunctionsManagementClient(auth, NO_RETRY),
      gateways: new GatewayClient(auth, NO_RETRY),
      artifacts: new ArtifactsClient(auth, NO_RETRY),
      iam: new IdentityClient(auth, NO_RETRY),
      domains: adminClient(provider),
    };
    c.functions.endpoint = e.functionsUrl;
    c.gateways.endpoint = e.apigatewayUrl;
    c.artifacts.endpoint = e.artifactsUrl;
    c.iam.endpoint = e.iamUrl;
    return c;
  }

  it("are accepted by Functions, API Gateway, Artifacts, Identity and the Identity Domains admin API", async () => {
    const e = sandbox.endpoints;
    const c = clients(new UpstProvider(await upstFor(await issuer.mint()), key.privateKeyPem));
    expect((await c.functions.listApplications({ compartmentId: e.compartmentId })).items).toEqual([]);
    const gateways = await c.gateways.listGateways({ compartmentId: e.compartmentId });
    expect(gateways.gatewayCollection.items).toEqual([]);
    const repo = await c.artifacts.createContainerRepository({
      createContainerRepositoryDetails: { compartmentId: e.compartmentId, displayName: "keyless/usage-api" },
    });
    // The session acts as the service user the rule mapped the token to.
    expect(repo.containerRepository.createdBy).toBe(serviceUser.ocid);
    expect((await c.iam.listPolicies({ compartmentId: e.tenancyId })).items).toEqual([]);
    const users = await c.domains.listUsers({ filter: 'userName eq "github-usage-reports"' });
    expect(users.users.totalResults).toBe(1);
  });

  it("are 401 NotAuthenticated once the UPST expired, or when signed by another key than its jwk", async () => {
    const e = sandbox.endpoints;
    const expired = sandbox.authority.mintUpst({
      tenancyId: e.tenancyId,
      userId: serviceUser.ocid!,
      publicKey: key.publicKey,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const late = await failure(
      clients(new UpstProvider(expired, key.privateKeyPem)).functions.listApplications({
        compartmentId: e.compartmentId,
      }),
    );
    expect([late.statusCode, late.serviceCode]).toEqual([401, "NotAuthenticated"]);
    expect(sandbox.authority.lastFailure).toBe("expired-token");

    const upst = await upstFor(await issuer.mint());
    const other = sessionKey();
    const wrongKey = await failure(
      clients(new UpstProvider(upst, other.privateKeyPem)).gateways.listGateways({
        compartmentId: e.compartmentId,
      }),
    );
    expect([wrongKey.statusCode, wrongKey.serviceCode]).toEqual([401, "NotAuthenticated"]);
    expect(sandbox.authority.lastFailure).toBe("bad-signature");
  });
});

describe("upstTtlSeconds", () => {
  it("sets the UPST lifetime", async () => {
    const short = await startSandbox({ bare: true, upstTtlSeconds: 900 });
    try {
      const e = short.endpoints;
      const provider = new common.SimpleAuthenticationDetailsProvider(
        e.tenancyId,
        e.ociUserId,
        e.ociFingerprint,
        await readFile(e.ociPrivateKeyPath, "utf8"),
        null,
      );
      const domains = new IdentityDomainsClient({ authenticationDetailsProvider: provider }, NO_RETRY);
      domains.endpoint = e.identityUrl;
      const user = await domains.createUser({
        user: {
          schemas: [USER_SCHEMA, USER_EXTENSION],
          userName: "svc",
          urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { serviceUser: true },
        },
      });
      await domains.createIdentityPropagationTrust({
        identityPropagationTrust: {
          schemas: [TRUST_SCHEMA],
          name: "gh",
          type: "JWT" as never,
          issuer: issuer.url,
          publicKeyEndpoint: `${issuer.url}/.well-known/jwks`,
          active: true,
          oauthClients: [e.clientId],
          allowImpersonation: true,
          impersonationServiceUsers: [{ value: user.user.id!, rule: RULE }],
        },
      });
      const res = await fetch(e.tokenUrl, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${e.clientId}:${e.clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({
          grant_type: EXCHANGE_GRANT,
          requested_token_type: UPST_TYPE,
          subject_token_type: "jwt",
          subject_token: await issuer.mint(),
          public_key: key.publicKeyB64,
        }),
      });
      const claims = decodeJwt(((await res.json()) as { token: string }).token);
      expect(claims.exp! - claims.iat!).toBe(900);
    } finally {
      await short.stop();
    }
  });
});
