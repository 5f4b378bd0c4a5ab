import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaults } from "../../sandbox/core/faults.js";
import {
  BILLING_APP,
  DEFAULT_APPS,
  DEFAULT_CLIENT_NAME,
  fullScope,
  type IdcsJwk,
  type Identity,
  startIdentity,
  USAGE_APP,
} from "../../sandbox/identity/index.js";

const CLOCK_MS = 1_790_000_000_500;
const USAGE_SCOPE = fullScope(USAGE_APP, "usage.read");
const BILLING_SCOPE = fullScope(BILLING_APP, "invoices.read");

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** Every answer any test got, to check at the end that no secret ever came back. */
const answers: string[] = [];

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  answers.push(text, JSON.stringify([...res.headers]));
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: res.status, headers: res.headers, text, json };
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

function tokenRequest(
  identity: Identity,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return call(identity.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"));
}

async function jwks(identity: Identity, headers: Record<string, string> = {}): Promise<IdcsJwk[]> {
  const answer = await call(identity.jwksUrl, { headers });
  expect(answer.status).toBe(200);
  return answer.json.keys as IdcsJwk[];
}

describe("identity emulator", () => {
  const faults = createFaults();
  let idcs: Identity;
  let clientId: string;
  let secret: string;

  beforeAll(async () => {
    idcs = await startIdentity({ faults, now: () => CLOCK_MS });
    const client = idcs.clients[0]!;
    clientId = client.clientId;
    secret = client.clientSecret;
  });
  afterAll(async () => {
    await idcs.close();
  });

  it("has the default apps and one client granted both scopes", () => {
    expect(idcs.apps).toEqual(DEFAULT_APPS);
    expect(idcs.clients).toHaveLength(1);
    expect(clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(secret.length).toBeGreaterThanOrEqual(36);
    expect(idcs.clients[0]!.name).toBe(DEFAULT_CLIENT_NAME);
    expect(idcs.clients[0]!.grantedScopes).toEqual([USAGE_SCOPE, BILLING_SCOPE]);
  });

  it("issues a token with Basic client authentication, header and claims as IDCS does", async () => {
    const answer = await tokenRequest(
      idcs,
      { grant_type: "client_credentials", scope: USAGE_SCOPE },
      { authorization: basic(clientId, secret) },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(answer.json)).toEqual(["access_token", "token_type", "expires_in"]);
    expect(answer.json.token_type).toBe("Bearer");
    expect(answer.json.expires_in).toBe(3600);

    const token = answer.json.access_token as string;
    const header = decodePart(token, 0);
    const [jwk] = await jwks(idcs);
    expect(header).toStrictEqual({
      "x5t#S256": jwk!["x5t#S256"],
      x5t: jwk!.x5t,
      kid: "SIGNING_KEY",
      alg: "RS256",
    });
    expect(Object.keys(header)).toEqual(["x5t#S256", "x5t", "kid", "alg"]);

    const claims = decodePart(token, 1);
    expect(Object.keys(claims)).toEqual([
      "sub",
      "user.tenant.name",
      "sub_mappingattr",
      "iss",
      "tok_type",
      "client_id",
      "aud",
      "sub_type",
      "scope",
      "client_tenantname",
      "exp",
      "iat",
      "client_guid",
      "client_name",
      "tenant",
      "jti",
    ]);
    const iat = Math.floor(CLOCK_MS / 1000);
    expect(claims).toMatchObject({
      sub: clientId,
      "user.tenant.name": idcs.tenant,
      sub_mappingattr: "userName",
      iss: "https://identity.oraclecloud.com/",
      tok_type: "AT",
      client_id: clientId,
      aud: "https://usage.sandbox.local/",
      sub_type: "client",
      scope: "usage.read",
      client_tenantname: idcs.tenant,
      exp: iat + 3600,
      iat,
      client_name: DEFAULT_CLIENT_NAME,
      tenant: idcs.tenant,
    });
    expect(claims.client_guid).toMatch(/^[0-9a-f]{32}$/);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);

    // The signature verifies with the published key, RS256 only.
    const key = createPublicKey({ key: { kty: "RSA", n: jwk!.n, e: jwk!.e }, format: "jwk" });
    const verified = await jwtVerify(token, key, {
      algorithms: ["RS256"],
      issuer: idcs.issuer,
      audience: USAGE_APP.audience,
      currentDate: new Date(CLOCK_MS),
    });
    expect(verified.payload.sub).toBe(clientId);
  });

  it("issues a token with client_id/client_secret form fields, with a fresh jti each time", async () => {
    const form = {
      grant_type: "client_credentials",
      scope: BILLING_SCOPE,
      client_id: clientId,
      client_secret: secret,
    };
    const first = await tokenRequest(idcs, form);
    const second = await tokenRequest(idcs, form);
    expect(first.status).toBe(200);
    const claims = decodePart(first.json.access_token as string, 1);
    expect(claims.aud).toBe(BILLING_APP.audience);
    expect(claims.scope).toBe("invoices.read");
    expect(claims.jti).not.toBe(decodePart(second.json.access_token as string, 1).jti);
  });

  it.each([
    [
      "a wrong secret (Basic)",
      (id: string, pw: string) => ({ headers: { authorization: basic(id, `${pw}x`) } }),
      true,
    ],
    [
      "an unknown client (Basic)",
      (_id: string, pw: string) => ({ headers: { authorization: basic("0".repeat(32), pw) } }),
      true,
    ],
    ["a wrong secret (form)", (id: string) => ({ form: { client_id: id, client_secret: "nope" } }), false],
    ["no client credentials at all", () => ({}), true],
  ] as [
    string,
    (id: string, pw: string) => { headers?: Record<string, string>; form?: Record<string, string> },
    boolean,
  ][])("refuses %s with 401 invalid_client", async (_name, credentials, challenge) => {
    const { headers = {}, form = {} } = credentials(clientId, secret);
    const answer = await tokenRequest(
      idcs,
      { grant_type: "client_credentials", scope: USAGE_SCOPE, ...form },
      headers,
    );
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe("invalid_client");
    expect(typeof answer.json.error_description).toBe("string");
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.headers.get("pragma")).toBe("no-cache");
    if (challenge) expect(answer.headers.get("www-authenticate")).toMatch(/^Basic realm="/);
    else expect(answer.headers.get("www-authenticate")).toBeNull();
  });

  const usage = encodeURIComponent(USAGE_SCOPE);
  it.each([
    ["a scope no app defines", `grant_type=client_credentials&scope=${usage}x`, "invalid_scope"],
    [
      "an unknown audience",
      "grant_type=client_credentials&scope=https%3A%2F%2Fx.example%2Fusage.read",
      "invalid_scope",
    ],
    ["no scope", "grant_type=client_credentials", "invalid_scope"],
    [
      "scopes of two audiences",
      `grant_type=client_credentials&scope=${usage}+${encodeURIComponent(BILLING_SCOPE)}`,
      "invalid_scope",
    ],
    ["the password grant", `grant_type=password&scope=${usage}`, "unsupported_grant_type"],
    ["no grant_type", `scope=${usage}`, "invalid_request"],
    [
      "a repeated parameter",
      `grant_type=client_credentials&scope=${usage}&scope=${usage}`,
      "invalid_request",
    ],
  ])("answers %s with 400 %s", async (_name, body, error) => {
    const answer = await call(idcs.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basic(clientId, secret),
      },
      body,
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe(error);
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a JSON body with invalid_request", async () => {
    const answer = await call(idcs.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic(clientId, secret) },
      body: JSON.stringify({ grant_type: "client_credentials", scope: USAGE_SCOPE }),
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe("invalid_request");
  });

  it("answers unauthorized_client for a scope the client was not granted", async () => {
    const limited = {
      clientId: "1".repeat(32),
      clientSecret: "s".repeat(40),
      name: "limited",
      grantedScopes: [USAGE_SCOPE],
    };
    const other = await startIdentity({ faults, clients: [limited] });
    try {
      const denied = await tokenRequest(
        other,
        { grant_type: "client_credentials", scope: BILLING_SCOPE },
        { authorization: basic(limited.clientId, limited.clientSecret) },
      );
      expect(denied.status).toBe(400);
      expect(denied.json).toEqual({
        error: "unauthorized_client",
        error_description: "Client authorization failed.",
      });
      const allowed = await tokenRequest(
        other,
        { grant_type: "client_credentials", scope: USAGE_SCOPE },
        { authorization: basic(limited.clientId, limited.clientSecret) },
      );
      expect(allowed.status).toBe(200);
      expect(answers.join("\n")).not.toContain(limited.clientSecret);
    } finally {
      await other.close();
    }
  });

  it("publishes the JWKS as IDCS does: key_ops quirk, x5c certificate and matching thumbprints", async () => {
    const keys = await jwks(idcs);
    expect(keys).toHaveLength(1);
    const jwk = keys[0]!;
    expect(Object.keys(jwk)).toEqual(["kty", "x5t#S256", "e", "x5t", "kid", "x5c", "key_ops", "alg", "n"]);
    expect(jwk).toMatchObject({
      kty: "RSA",
      e: "AQAB",
      kid: "SIGNING_KEY",
      key_ops: ["sig", "encrypt"],
      alg: "RS256",
    });
    expect(jwk).not.toHaveProperty("use");
    expect(jwk.x5c).toHaveLength(1);

    const der = Buffer.from(jwk.x5c[0]!, "base64");
    const cert = new X509Certificate(der);
    const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
    expect(cert.publicKey.export({ type: "spki", format: "der" })).toEqual(
      key.export({ type: "spki", format: "der" }),
    );
    expect(cert.verify(key)).toBe(true);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(jwk.x5t).toBe(createHash("sha1").update(der).digest("base64url"));
    expect(jwk["x5t#S256"]).toBe(createHash("sha256").update(der).digest("base64url"));
    expect(cert.fingerprint.replaceAll(":", "").toLowerCase()).toBe(
      Buffer.from(jwk.x5t, "base64url").toString("hex"),
    );
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(CLOCK_MS);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(CLOCK_MS);
  });

  it("serves OpenID discovery that points at its own token endpoint and JWKS", async () => {
    const answer = await call(idcs.openidConfigurationUrl);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      issuer: "https://identity.oraclecloud.com/",
      token_endpoint: idcs.tokenUrl,
      jwks_uri: idcs.jwksUrl,
      id_token_signing_alg_values_supported: ["RS256"],
    });
    expect(answer.json.grant_types_supported).toContain("client_credentials");
    expect(answer.json.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(["client_secret_basic", "client_secret_post"]),
    );
    const viaDiscovery = await call(answer.json.jwks_uri as string);
    expect((viaDiscovery.json.keys as IdcsJwk[])[0]?.kid).toBe("SIGNING_KEY");
  });

  it("applies the identity fault to the token endpoint and the jwks fault to the JWKS only", async () => {
    faults.identity.script({ type: "status", status: 503 });
    const form = { grant_type: "client_credentials", scope: USAGE_SCOPE };
    const auth = { authorization: basic(clientId, secret) };
    expect((await call(idcs.jwksUrl)).status).toBe(200);
    expect((await tokenRequest(idcs, form, auth)).status).toBe(503);
    expect((await tokenRequest(idcs, form, auth)).status).toBe(200);

    faults.jwks.script({ type: "status", status: 503 }, { type: "reset" });
    expect((await tokenRequest(idcs, form, auth)).status).toBe(200);
    expect((await call(idcs.jwksUrl)).status).toBe(503);
    await expect(fetch(idcs.jwksUrl)).rejects.toThrow();
    expect((await call(idcs.jwksUrl)).status).toBe(200);
    faults.clearAll();
  });

  it("mints test tokens with overrides, omitted claims, another alg and extra header fields", async () => {
    const token = await idcs.mintToken(
      { aud: ["a", "b"], custom: 1 },
      { omit: ["exp", "jti"], alg: "RS512", header: { typ: "JWT" } },
    );
    expect(decodePart(token, 0)).toMatchObject({ kid: "SIGNING_KEY", alg: "RS512", typ: "JWT" });
    const claims = decodePart(token, 1);
    expect(claims).toMatchObject({ aud: ["a", "b"], custom: 1, sub: clientId, scope: "usage.read" });
    expect(claims).not.toHaveProperty("exp");
    expect(claims).not.toHaveProperty("jti");
    const verified = await jwtVerify(token, createPublicKey(idcs.privateKey("SIGNING_KEY")), {
      algorithms: ["RS512"],
    });
    expect(verified.payload.custom).toBe(1);
  });

  it("never returns the client secret or the Basic header in any answer", () => {
    const all = answers.join("\n");
    expect(answers.length).toBeGreaterThan(20);
    expect(all).not.toContain(secret);
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(all).not.toContain(basic(clientId, secret).slice(6));
  });
});

describe("identity emulator key rotation", () => {
  const faults = createFaults();
  let idcs: Identity;
  beforeAll(async () => {
    idcs = await startIdentity({ faults });
  });
  afterAll(async () => {
    await idcs.close();
  });

  async function issuedKid(): Promise<string> {
    const client = idcs.clients[0]!;
    const answer = await tokenRequest(
      idcs,
      { grant_type: "client_credentials", scope: USAGE_SCOPE },
      { authorization: basic(client.clientId, client.clientSecret) },
    );
    expect(answer.status).toBe(200);
    return decodePart(answer.json.access_token as string, 0).kid as string;
  }

  it("adds, activates and retires signing keys", async () => {
    await idcs.addSigningKey("KEY2");
    expect((await jwks(idcs)).map((k) => k.kid)).toEqual(["SIGNING_KEY", "KEY2"]);
    expect(await issuedKid()).toBe("SIGNING_KEY");

    idcs.activateSigningKey("KEY2");
    expect(idcs.activeKid).toBe("KEY2");
    expect(await issuedKid()).toBe("KEY2");
    const [, key2] = await jwks(idcs);
    expect(key2?.n).not.toBe(idcs.publicJwk("SIGNING_KEY").n);
    expect(
      new X509Certificate(Buffer.from(key2!.x5c[0]!, "base64")).verify(
        createPublicKey(idcs.privateKey("KEY2")),
      ),
    ).toBe(true);

    expect(() => idcs.retireSigningKey("KEY2")).toThrow(/activate another key/);
    idcs.retireSigningKey("SIGNING_KEY");
    expect((await jwks(idcs)).map((k) => k.kid)).toEqual(["KEY2"]);
    expect(() => idcs.activateSigningKey("SIGNING_KEY")).toThrow(/retired/);
    await expect(idcs.addSigningKey("KEY2")).rejects.toThrow(/already exists/);
  });
});

describe("identity emulator with a protected JWKS", () => {
  it("answers 401 without a valid bearer token and 200 with one", async () => {
    const faults = createFaults();
    const idcs = await startIdentity({ faults, jwksRequiresAuth: true });
    try {
      expect((await call(idcs.jwksUrl)).status).toBe(401);
      const forged = await idcs.mintToken({}, { header: { kid: "NOPE" } });
      expect((await call(idcs.jwksUrl, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
      const expired = await idcs.mintToken({ exp: Math.floor(Date.now() / 1000) - 10 });
      expect((await call(idcs.jwksUrl, { headers: { authorization: `Bearer ${expired}` } })).status).toBe(
        401,
      );
      const valid = await idcs.mintToken();
      const keys = await jwks(idcs, { authorization: `Bearer ${valid}` });
      expect(keys[0]?.kid).toBe("SIGNING_KEY");
    } finally {
      await idcs.close();
    }
  });
});
