import { constants, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaults, type Faults } from "../../sandbox/core/faults.js";
import { type Listening, listen } from "../../sandbox/core/http.js";
import {
  type FnCall,
  type FnResult,
  type Gateway,
  SpecValidationError,
  startGateway,
} from "../../sandbox/gateway/index.js";
import {
  type ApiSpecification,
  type ApiSpecificationRoute,
  type JwtAuthenticationPolicy,
  type StaticJsonWebKey,
  validateSpecification,
} from "../../sandbox/gateway/jwt-policy.js";
import {
  BILLING_APP,
  fullScope,
  type IdcsJwk,
  type Identity,
  startIdentity,
  USAGE_APP,
} from "../../sandbox/identity/index.js";
import { b64, craft, hs256, parts, rs256 } from "../support/jwt-craft.js";

const UNAUTHORIZED = '{"code":401,"message":"Unauthorized"}';
const ROUTE = "/usage/request-summarized-usages";
const USAGE_SCOPE = fullScope(USAGE_APP, "usage.read");
const BILLING_SCOPE = fullScope(BILLING_APP, "invoices.read");
const REQUEST_BODY = JSON.stringify({ granularity: "MONTHLY", tenantId: "ocid1.tenancy.oc1..aaaa" });

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The echo backend: records each call and answers with what it received. */
function echoBackend(calls: { functionId: string; call: FnCall }[]) {
  return async (functionId: string, call: FnCall): Promise<FnResult> => {
    calls.push({ functionId, call });
    if (functionId === "fn-timeout")
      throw Object.assign(new Error("deadline"), { name: "FunctionTimeoutError" });
    if (functionId === "fn-crash") throw new Error("secret internal detail ocid1.tenancy.oc1..secret");
    const echo = {
      functionId,
      method: call.method,
      requestUrl: call.requestUrl,
      body: call.body.toString("utf8"),
      headers: call.headers,
    };
    return {
      status: functionId === "fn-created" ? 201 : 200,
      headers: { "content-type": "application/json", "x-fn": "echo", "transfer-encoding": "chunked" },
      body: Buffer.from(JSON.stringify(echo)),
    };
  };
}

function jwtPolicy(
  idcs: Identity,
  overrides: Partial<JwtAuthenticationPolicy> = {},
): JwtAuthenticationPolicy {
  return {
    type: "JWT_AUTHENTICATION",
    tokenHeader: "Authorization",
    tokenAuthScheme: "Bearer",
    issuers: [idcs.issuer],
    audiences: [USAGE_APP.audience],
    maxClockSkewInSeconds: 0,
    publicKeys: { type: "REMOTE_JWKS", uri: idcs.jwksUrl, maxCacheDurationInHours: 1 },
    ...overrides,
  };
}

function fnRoute(
  path: string,
  functionId: string,
  extra: Partial<ApiSpecificationRoute> = {},
): ApiSpecificationRoute {
  return { path, methods: ["POST"], backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId }, ...extra };
}

/** The IDCS JWKS keys fixed for STATIC_KEYS as the Oracle tutorial says: key_ops replaced by use "sig". */
function staticKeysFrom(keys: IdcsJwk[]): StaticJsonWebKey[] {
  return keys.map(({ kid, kty, n, e, alg }) => ({ kid, format: "JSON_WEB_KEY", kty, n, e, alg, use: "sig" }));
}

describe("API Gateway JWT_AUTHENTICATION against the identity emulator", () => {
  let clockMs = Date.now();
  const now = () => clockMs;
  const nowS = () => Math.floor(clockMs / 1000);
  let faults: Faults;
  let idcs: Identity;
  let gateway: Gateway;
  let attacker: Listening;
  let attackerHits = 0;
  let weakJwks: Listening;
  const calls: { functionId: string; call: FnCall }[] = [];
  const attackerKeys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const weakKeys = {
    WEAK: generateKeyPairSync("rsa", { modulusLength: 1024 }),
    EC: generateKeyPairSync("ec", { namedCurve: "P-256" }),
    GOOD: generateKeyPairSync("rsa", { modulusLength: 2048 }),
    PSS: generateKeyPairSync("rsa", { modulusLength: 2048 }),
    ANYALG: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  };
  let valid: string;
  let clientId: string;
  let idcsPublicKey: KeyObject;

  async function tokenFor(scope: string): Promise<string> {
    const client = idcs.clients[0]!;
    const res = await fetch(idcs.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  function post(path: string, headers: Record<string, string> = {}, body = REQUEST_BODY): Promise<Answer> {
    return call(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** A bare 401, no backend call: the assertion every refused token gets. */
  async function expectRefused(path: string, headers: Record<string, string>): Promise<void> {
    const before = gateway.stats.backendCalls;
    const answer = await post(path, headers);
    expect(answer.status).toBe(401);
    expect(answer.text).toBe(UNAUTHORIZED);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(answer.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{16}\/[0-9A-F]{16}$/);
    expect(gateway.stats.backendCalls).toBe(before);
  }

  beforeAll(async () => {
    faults = createFaults();
    idcs = await startIdentity({ faults, now });
    clientId = idcs.clients[0]!.clientId;
    const { n, e } = idcs.publicJwk("SIGNING_KEY");
    idcsPublicKey = createPublicKey({ key: { kty: "RSA", n, e }, format: "jwk" });
    attacker = await listen((req, res) => {
      attackerHits++;
      req.resume();
      const jwk = {
        ...attackerKeys.publicKey.export({ format: "jwk" }),
        kid: "attacker",
        use: "sig",
        alg: "RS256",
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    weakJwks = await listen((req, res) => {
      req.resume();
      if (req.url === "/redirect") {
        res.writeHead(302, { location: idcs.jwksUrl });
        res.end();
        return;
      }
      const jwk = (kid: keyof typeof weakKeys, alg?: string) => ({
        ...weakKeys[kid].publicKey.export({ format: "jwk" }),
        kid,
        use: "sig",
        ...(alg ? { alg } : {}),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          keys: [
            jwk("WEAK", "RS256"),
            jwk("EC", "ES256"),
            jwk("GOOD", "RS256"),
            jwk("PSS", "PS256"),
            jwk("ANYALG"),
          ],
        }),
      );
    });
    gateway = await startGateway({
      faults: faults.gateway,
      invokeFunction: echoBackend(calls),
      now,
      maxBodyBytes: 64 * 1024,
    });
    const jwksAnswer = await call(idcs.jwksUrl);
    const idcsKeys = (JSON.parse(jwksAnswer.text) as { keys: IdcsJwk[] }).keys;

    gateway.deploy({
      id: "usage",
      pathPrefix: "/usage",
      specification: {
        requestPolicies: { authentication: jwtPolicy(idcs) },
        routes: [
          fnRoute("/request-summarized-usages", "fn-echo"),
          fnRoute("/created", "fn-created"),
          fnRoute("/timeout", "fn-timeout"),
          fnRoute("/crash", "fn-crash"),
          fnRoute("/scoped/{rest*}", "fn-echo", {
            methods: ["ANY"],
            requestPolicies: { authorization: { type: "ANY_OF", allowedScope: ["usage.admin"] } },
          }),
          fnRoute("/readers/{id}", "fn-echo", {
            methods: ["GET"],
            requestPolicies: {
              authorization: { type: "ANY_OF", allowedScope: ["billing.read", "usage.read"] },
            },
          }),
        ],
      },
    });
    gateway.deploy({
      id: "static",
      pathPrefix: "/static",
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            maxClockSkewInSeconds: 30,
            publicKeys: { type: "STATIC_KEYS", keys: staticKeysFrom(idcsKeys) },
          }),
        },
        routes: [fnRoute("/request-summarized-usages", "fn-echo")],
      },
    });
    gateway.deploy({
      id: "claims",
      pathPrefix: "/claims",
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            verifyClaims: [
              { key: "client_id", values: [clientId], isRequired: true },
              { key: "tok_type", values: ["AT"] },
            ],
          }),
        },
        routes: [fnRoute("/request-summarized-usages", "fn-echo")],
      },
    });
    gateway.deploy({
      id: "weak",
      pathPrefix: "/weak",
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            publicKeys: { type: "REMOTE_JWKS", uri: `${weakJwks.url}/jwks` },
          }),
        },
        routes: [fnRoute("/request-summarized-usages", "fn-echo")],
      },
    });
    gateway.deploy({
      id: "redirected",
      pathPrefix: "/redirected",
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            publicKeys: { type: "REMOTE_JWKS", uri: `${weakJwks.url}/redirect` },
          }),
        },
        routes: [fnRoute("/request-summarized-usages", "fn-echo")],
      },
    });
    gateway.deploy({
      id: "query",
      pathPrefix: "/query",
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            tokenHeader: undefined,
            tokenAuthScheme: undefined,
            tokenQueryParam: "access_token",
          }),
        },
        routes: [fnRoute("/items", "fn-echo", { methods: ["GET"] })],
      },
    });
    gateway.deploy({
      id: "anonymous",
      pathPrefix: "/anon",
      specification: {
        requestPolicies: { authentication: jwtPolicy(idcs, { isAnonymousAccessAllowed: true }) },
        routes: [
          fnRoute("/public", "fn-echo", { requestPolicies: { authorization: { type: "ANONYMOUS" } } }),
          fnRoute("/private", "fn-echo"),
        ],
      },
    });
    gateway.deploy({
      id: "rate",
      pathPrefix: "/rate",
      specification: {
        requestPolicies: { rateLimiting: { rateInRequestsPerSecond: 2, rateKey: "TOTAL" } },
        routes: [
          {
            path: "/ping",
            methods: ["GET"],
            backend: { type: "STOCK_RESPONSE_BACKEND", status: 200, body: "pong" },
          },
        ],
      },
    });
    valid = await tokenFor(USAGE_SCOPE);
  });

  afterAll(async () => {
    await gateway?.close();
    await idcs?.close();
    await attacker?.close();
    await weakJwks?.close();
  });

  it("passes a valid IDCS token and forwards method, URL with prefix and query, headers and body", async () => {
    const before = gateway.stats.backendCalls;
    const answer = await post(`${ROUTE}?trace=1&x=%20y`, { ...bearer(valid), "x-custom": "abc" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-fn")).toBe("echo");
    expect(answer.headers.get("transfer-encoding")).toBeNull();
    expect(answer.headers.get("opc-request-id")).toMatch(/^[0-9A-F]{16}\/[0-9A-F]{16}$/);
    const echo = JSON.parse(answer.text);
    expect(echo).toMatchObject({
      functionId: "fn-echo",
      method: "POST",
      requestUrl: "/usage/request-summarized-usages?trace=1&x=%20y",
      body: REQUEST_BODY,
    });
    expect(echo.headers["x-custom"]).toBe("abc");
    expect(echo.headers.authorization).toBe(`Bearer ${valid}`);
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(gateway.stats.backendCalls).toBe(before + 1);
    expect(calls.at(-1)?.call.body.toString()).toBe(REQUEST_BODY);
  });

  it("maps the function's status and drops hop-by-hop headers both ways", async () => {
    const answer = await new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${gateway.url}/usage/created`,
          {
            method: "POST",
            headers: { ...bearer(valid), connection: "keep-alive, x-hop", "x-hop": "1", "x-end": "2" },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString(),
                headers: res.headers,
              }),
            );
          },
        );
        req.on("error", reject);
        req.end("{}");
      },
    );
    expect(answer.status).toBe(201);
    const echo = JSON.parse(answer.body);
    expect(echo.headers["x-end"]).toBe("2");
    expect(echo.headers).not.toHaveProperty("x-hop");
    expect(echo.headers).not.toHaveProperty("connection");
  });

  const ALG_NONE = ["none", "None", "NONE", "nOnE"];
  const KID_INJECTIONS = ["../../../../../../dev/null", "/dev/null", "", "x' UNION SELECT '1", "|sleep 10"];

  const attacks: [string, () => Record<string, string> | Promise<Record<string, string>>][] = [
    ["no Authorization header", () => ({})],
    ["the Basic scheme", () => ({ authorization: `Basic ${valid}` })],
    ["an unknown scheme", () => ({ authorization: `Token ${valid}` })],
    ["an empty bearer token", () => ({ authorization: "Bearer " })],
    ["a token without scheme", () => ({ authorization: valid })],
    ["a token of 2 parts", () => bearer(valid.split(".").slice(0, 2).join("."))],
    ["a token of 4 parts", () => bearer(`${valid}.${parts(valid).sig}`)],
    ["a signature that is not base64url", () => bearer(`${valid.split(".").slice(0, 2).join(".")}.!!!`)],
    ["a header that is not JSON", () => bearer(`${b64("not json")}.${valid.split(".").slice(1).join(".")}`)],
    ...ALG_NONE.map(
      (alg) =>
        [
          `alg ${alg} with an empty signature`,
          () => {
            const { header, payload } = parts(valid);
            return bearer(craft({ ...header, alg }, payload, () => ""));
          },
        ] as [string, () => Record<string, string>],
    ),
    ["the signature stripped (h.p.)", () => bearer(`${valid.split(".").slice(0, 2).join(".")}.`)],
    ["the signature truncated by 4 characters", () => bearer(valid.slice(0, -4))],
    [
      "one bit of the signature flipped",
      () => {
        const [h, p, s = ""] = valid.split(".");
        const sig = Buffer.from(s, "base64url");
        sig[100] = (sig[100] ?? 0) ^ 0x01;
        return bearer(`${h}.${p}.${sig.toString("base64url")}`);
      },
    ],
    [
      "a modified payload under the old signature",
      () => {
        const [h, , s] = valid.split(".");
        const { payload } = parts(valid);
        return bearer(`${h}.${b64({ ...payload, scope: "usage.read usage.admin" })}.${s}`);
      },
    ],
    [
      "HS256 signed with the RSA public key PEM (key confusion)",
      () => {
        const pem = idcsPublicKey.export({ type: "spki", format: "pem" }) as string;
        return bearer(
          craft({ alg: "HS256", kid: "SIGNING_KEY", typ: "JWT" }, parts(valid).payload, hs256(pem)),
        );
      },
    ],
    [
      "HS256 signed with the PKCS#1 PEM of the RSA key",
      () => {
        const pem = idcsPublicKey.export({ type: "pkcs1", format: "pem" }) as string;
        return bearer(craft({ alg: "HS256", kid: "SIGNING_KEY" }, parts(valid).payload, hs256(pem)));
      },
    ],
    [
      "HS256 with an empty secret",
      () => bearer(craft({ alg: "HS256", kid: "SIGNING_KEY" }, parts(valid).payload, hs256(""))),
    ],
    [
      'HS256 with "secret"',
      () => bearer(craft({ alg: "HS256", kid: "SIGNING_KEY" }, parts(valid).payload, hs256("secret"))),
    ],
    [
      "an embedded jwk header with the attacker's key",
      () => {
        const jwk = attackerKeys.publicKey.export({ format: "jwk" });
        const header = { alg: "RS256", kid: "SIGNING_KEY", jwk: { ...jwk, kid: "SIGNING_KEY" } };
        return bearer(craft(header, parts(valid).payload, rs256(attackerKeys.privateKey)));
      },
    ],
    ...KID_INJECTIONS.map(
      (kid) =>
        [
          `kid ${JSON.stringify(kid)} signed HS256 with an empty key`,
          () => bearer(craft({ alg: "HS256", kid }, parts(valid).payload, hs256(""))),
        ] as [string, () => Record<string, string>],
    ),
    [
      "kid injection on a token signed by the real key",
      async () => bearer(await idcs.mintToken({}, { header: { kid: "SIGNING_KEY' OR '1'='1" } })),
    ],
    [
      "an unknown kid signed by the real key",
      async () => bearer(await idcs.mintToken({}, { header: { kid: "OTHER" } })),
    ],
    [
      "no kid, signed by the real key",
      async () => {
        const { header, payload } = parts(await idcs.mintToken());
        delete header.kid;
        return bearer(craft(header, payload, rs256(idcs.privateKey("SIGNING_KEY"))));
      },
    ],
    [
      "an ES256 token",
      () => {
        const signer = (input: Buffer) =>
          sign("sha256", input, { key: weakKeys.EC.privateKey, dsaEncoding: "ieee-p1363" });
        return bearer(craft({ alg: "ES256", kid: "SIGNING_KEY" }, parts(valid).payload, signer));
      },
    ],
    [
      "a PS256 token signed by the real RSA key",
      () => {
        const signer = (input: Buffer) =>
          sign("sha256", input, {
            key: idcs.privateKey("SIGNING_KEY"),
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          });
        return bearer(craft({ alg: "PS256", kid: "SIGNING_KEY" }, parts(valid).payload, signer));
      },
    ],
    ['crit ["foo"]', async () => bearer(await idcs.mintToken({}, { header: { crit: ["foo"], foo: true } }))],
    ['crit ["exp"]', async () => bearer(await idcs.mintToken({}, { header: { crit: ["exp"] } }))],
    ["exp = now - 1 s with skew 0", async () => bearer(await idcs.mintToken({ exp: nowS() - 1 }))],
    ["no exp claim", async () => bearer(await idcs.mintToken({}, { omit: ["exp"] }))],
    ["exp as a string", async () => bearer(await idcs.mintToken({ exp: String(nowS() + 600) }))],
    ["aud as a number", async () => bearer(await idcs.mintToken({ aud: 42 }))],
    ["iat as null", async () => bearer(await idcs.mintToken({ iat: null }))],
    [
      "iss without the trailing slash",
      async () => bearer(await idcs.mintToken({ iss: "https://identity.oraclecloud.com" })),
    ],
    [
      "iss in other case",
      async () => bearer(await idcs.mintToken({ iss: "https://IDENTITY.oraclecloud.com/" })),
    ],
    ["another audience", async () => bearer(await idcs.mintToken({ aud: BILLING_APP.audience }))],
    ["no aud", async () => bearer(await idcs.mintToken({}, { omit: ["aud"] }))],
    [
      "an aud array without ours",
      async () => bearer(await idcs.mintToken({ aud: ["https://x/", "https://y/"] })),
    ],
    ["the otherScope token (another resource server)", async () => bearer(await tokenFor(BILLING_SCOPE))],
  ];

  it.each(attacks)("refuses %s with a bare 401 and no backend call", async (_name, headersOf) => {
    await expectRefused(ROUTE, await headersOf());
  });

  it("never fetches jku or x5u URLs from a token header", async () => {
    const { payload } = parts(valid);
    const viaJku = craft(
      { alg: "RS256", kid: "attacker", jku: `${attacker.url}/jwks.json` },
      payload,
      rs256(attackerKeys.privateKey),
    );
    const viaX5u = craft(
      { alg: "RS256", kid: "attacker", x5u: `${attacker.url}/cert.pem` },
      payload,
      rs256(attackerKeys.privateKey),
    );
    const spoofedKid = craft(
      { alg: "RS256", kid: "SIGNING_KEY", jku: `${attacker.url}/jwks.json` },
      payload,
      rs256(attackerKeys.privateKey),
    );
    // The attacker server works: a direct request counts.
    await call(`${attacker.url}/probe`);
    expect(attackerHits).toBe(1);
    for (const token of [viaJku, viaX5u, spoofedKid]) await expectRefused(ROUTE, bearer(token));
    expect(attackerHits).toBe(1);
  });

  it("refuses an RSA-1024 key, an EC key and a PS256 key even when the JWKS publishes them", async () => {
    const payload = parts(valid).payload;
    const good = craft({ alg: "RS256", kid: "GOOD" }, payload, rs256(weakKeys.GOOD.privateKey));
    const answer = await post("/weak/request-summarized-usages", bearer(good));
    expect(answer.status).toBe(200);

    const weak = craft({ alg: "RS256", kid: "WEAK" }, payload, rs256(weakKeys.WEAK.privateKey));
    const ec = craft({ alg: "ES256", kid: "EC" }, payload, (input) =>
      sign("sha256", input, { key: weakKeys.EC.privateKey, dsaEncoding: "ieee-p1363" }),
    );
    const pssAsRs = craft({ alg: "RS256", kid: "PSS" }, payload, rs256(weakKeys.PSS.privateKey));
    const failures = { ...gateway.stats.authFailures };
    for (const token of [weak, ec, pssAsRs])
      await expectRefused("/weak/request-summarized-usages", bearer(token));
    // WEAK and PSS are filtered out of the key set (unknown kid); ES256 is refused before any key lookup.
    expect((gateway.stats.authFailures["unknown kid"] ?? 0) - (failures["unknown kid"] ?? 0)).toBe(2);
    expect(
      (gateway.stats.authFailures.ERR_JOSE_ALG_NOT_ALLOWED ?? 0) - (failures.ERR_JOSE_ALG_NOT_ALLOWED ?? 0),
    ).toBe(1);
  });

  it("honours the clock skew for exp and nbf", async () => {
    const ok = async (claims: Record<string, unknown>) =>
      (await post("/static/request-summarized-usages", bearer(await idcs.mintToken(claims)))).status;
    expect(await ok({ exp: nowS() - 1 })).toBe(200);
    expect(await ok({ nbf: nowS() + 10 })).toBe(200);
    await expectRefused(
      "/static/request-summarized-usages",
      bearer(await idcs.mintToken({ exp: nowS() - 31 })),
    );
    await expectRefused(
      "/static/request-summarized-usages",
      bearer(await idcs.mintToken({ nbf: nowS() + 60 })),
    );
    // Skew 0 on /usage: nbf just ahead is refused there.
    await expectRefused(ROUTE, bearer(await idcs.mintToken({ nbf: nowS() + 10 })));
  });

  it("accepts an aud array that contains our audience", async () => {
    const token = await idcs.mintToken({ aud: ["https://other.example/", USAGE_APP.audience] });
    expect((await post(ROUTE, bearer(token))).status).toBe(200);
  });

  it("accepts RS384/RS512 only from keys that do not pin another alg", async () => {
    // IDCS publishes alg RS256: an RS384 token under that kid is refused.
    await expectRefused(ROUTE, bearer(await idcs.mintToken({}, { alg: "RS384" })));
    const payload = parts(valid).payload;
    for (const [alg, hash] of [
      ["RS384", "sha384"],
      ["RS512", "sha512"],
    ]) {
      const token = craft({ alg, kid: "ANYALG" }, payload, (input) =>
        sign(hash!, input, weakKeys.ANYALG.privateKey),
      );
      expect((await post("/weak/request-summarized-usages", bearer(token))).status).toBe(200);
    }
  });

  it("enforces verifyClaims", async () => {
    expect((await post("/claims/request-summarized-usages", bearer(valid))).status).toBe(200);
    await expectRefused(
      "/claims/request-summarized-usages",
      bearer(await idcs.mintToken({ client_id: "someone-else" })),
    );
    await expectRefused(
      "/claims/request-summarized-usages",
      bearer(await idcs.mintToken({}, { omit: ["client_id"] })),
    );
    await expectRefused(
      "/claims/request-summarized-usages",
      bearer(await idcs.mintToken({ tok_type: "IT" })),
    );
    // tok_type is not required: without it the token passes.
    const noType = await idcs.mintToken({}, { omit: ["tok_type"] });
    expect((await post("/claims/request-summarized-usages", bearer(noType))).status).toBe(200);
  });

  it("works with STATIC_KEYS built from the IDCS JWKS (key_ops replaced by use sig)", async () => {
    const answer = await post("/static/request-summarized-usages", bearer(valid));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).requestUrl).toBe("/static/request-summarized-usages");
    await expectRefused(
      "/static/request-summarized-usages",
      bearer(await idcs.mintToken({}, { header: { kid: "X" } })),
    );
  });

  it("refuses the raw IDCS key (key_ops only) as a static key", async () => {
    const raw = JSON.parse((await call(idcs.jwksUrl)).text).keys[0] as IdcsJwk;
    const spec: ApiSpecification = {
      requestPolicies: {
        authentication: jwtPolicy(idcs, {
          publicKeys: {
            type: "STATIC_KEYS",
            keys: [{ ...raw, format: "JSON_WEB_KEY" } as unknown as StaticJsonWebKey],
          },
        }),
      },
      routes: [fnRoute("/x", "fn-echo")],
    };
    const problems = validateSpecification(spec);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/keys\[0\]: keyOps \["sig","encrypt"\] may only contain "verify"/);
    let thrown: unknown;
    try {
      gateway.deploy({ id: "raw", pathPrefix: "/raw", specification: spec });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SpecValidationError);
    expect((thrown as SpecValidationError).problems).toEqual(problems);
    expect(gateway.deployments().map((d) => d.id)).not.toContain("raw");
  });

  it("treats a JWKS redirect as a failure (fail closed)", async () => {
    await expectRefused("/redirected/request-summarized-usages", bearer(valid));
  });

  it("reads the token from a query parameter when the policy says so", async () => {
    const answer = await call(`${gateway.url}/query/items?access_token=${valid}&a=1`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).requestUrl).toBe(`/query/items?access_token=${valid}&a=1`);
    const headerOnly = await call(`${gateway.url}/query/items`, { headers: bearer(valid) });
    expect(headerOnly.status).toBe(401);
    expect(headerOnly.text).toBe(UNAUTHORIZED);
  });

  it("lets anonymous requests through ANONYMOUS routes only, and still refuses a bad token there", async () => {
    expect((await post("/anon/public", {})).status).toBe(200);
    await expectRefused("/anon/public", bearer(`${valid}x`));
    await expectRefused("/anon/private", {});
    expect((await post("/anon/private", bearer(valid))).status).toBe(200);
  });

  it("answers 403 when the token's scope matches no ANY_OF scope, and 401 without a token", async () => {
    const before = gateway.stats.backendCalls;
    const denied = await call(`${gateway.url}/usage/scoped/a/b`, { headers: bearer(valid) });
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('{"code":403,"message":"Forbidden"}');
    expect(denied.headers.get("opc-request-id")).toBeTruthy();
    expect(gateway.stats.backendCalls).toBe(before);
    const readers = await call(`${gateway.url}/usage/readers/7`, { headers: bearer(valid) });
    expect(readers.status).toBe(200);
    const anonymous = await call(`${gateway.url}/usage/readers/7`);
    expect(anonymous.status).toBe(401);
  });

  it("answers 404 for unknown paths and 405 with Allow for a wrong method", async () => {
    const unknownRoute = await post("/usage/nope", bearer(valid));
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.text).toBe('{"code":404,"message":"Not Found"}');
    expect(unknownRoute.headers.get("opc-request-id")).toBeTruthy();
    expect((await post("/elsewhere/request-summarized-usages", bearer(valid))).status).toBe(404);
    expect((await post("/usage/request-summarized-usages/", bearer(valid))).status).toBe(404);
    expect((await post("/usagex/request-summarized-usages", bearer(valid))).status).toBe(404);

    const wrongMethod = await call(`${gateway.url}${ROUTE}`, { headers: bearer(valid) });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.text).toBe('{"code":405,"message":"Method Not Allowed"}');
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(wrongMethod.headers.get("opc-request-id")).toBeTruthy();
  });

  it("answers 413 for a body over the limit, declared or streamed, without calling the backend", async () => {
    const before = gateway.stats.backendCalls;
    const big = "x".repeat(64 * 1024 + 1);
    const declared = await post(ROUTE, bearer(valid), big);
    expect(declared.status).toBe(413);
    expect(declared.text).toBe('{"code":413,"message":"Payload Too Large"}');
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}${ROUTE}`, { method: "POST", headers: bearer(valid) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 3; i++) req.write("y".repeat(32 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(gateway.stats.backendCalls).toBe(before);
    expect((await post(ROUTE, bearer(valid), "z".repeat(64 * 1024))).status).toBe(200);
  });

  it("answers 502 for a failing function and 504 for a timeout, without leaking the error", async () => {
    const crash = await post("/usage/crash", bearer(valid));
    expect(crash.status).toBe(502);
    expect(crash.text).toBe('{"code":502,"message":"Bad Gateway"}');
    const timeout = await post("/usage/timeout", bearer(valid));
    expect(timeout.status).toBe(504);
    expect(timeout.text).toBe('{"code":504,"message":"Gateway Timeout"}');
  });

  it("rate limits with a token bucket and answers 429", async () => {
    const ping = () => call(`${gateway.url}/rate/ping`);
    const first = await ping();
    expect(first.status).toBe(200);
    expect(first.text).toBe("pong");
    expect((await ping()).status).toBe(200);
    const limited = await ping();
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('{"code":429,"message":"Too Many Requests"}');
    expect(limited.headers.get("opc-request-id")).toBeTruthy();
    clockMs += 1000;
    expect((await ping()).status).toBe(200);
  });

  it("applies the gateway fault injector", async () => {
    faults.gateway.script({ type: "status", status: 503 });
    expect((await post(ROUTE, bearer(valid))).status).toBe(503);
    expect((await post(ROUTE, bearer(valid))).status).toBe(200);
  });

  it("counts answers by status and never echoes a token in any error", () => {
    expect(gateway.stats.byStatus[200]).toBeGreaterThan(5);
    expect(gateway.stats.byStatus[401]).toBeGreaterThanOrEqual(attacks.length);
    expect(gateway.stats.byStatus[413]).toBe(2);
    for (const reason of Object.keys(gateway.stats.authFailures)) expect(reason).not.toContain(".");
  });
});

describe("API Gateway remote JWKS caching and key rotation", () => {
  let clockMs = Date.now();
  const now = () => clockMs;
  let faults: Faults;
  let idcs: Identity;
  let gateway: Gateway;
  const HOUR = 3600_000;
  const COOLDOWN = 30_000;

  async function tokenFor(): Promise<string> {
    const client = idcs.clients[0]!;
    const res = await fetch(idcs.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: USAGE_SCOPE }).toString(),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function status(path: string, token: string): Promise<number> {
    const res = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    await res.text();
    return res.status;
  }

  function deploy(id: string, uri: string): void {
    gateway.deploy({
      id,
      pathPrefix: `/${id}`,
      specification: {
        requestPolicies: {
          authentication: jwtPolicy(idcs, {
            publicKeys: { type: "REMOTE_JWKS", uri, maxCacheDurationInHours: 1 },
          }),
        },
        routes: [fnRoute("/r", "fn")],
      },
    });
  }

  beforeAll(async () => {
    faults = createFaults();
    idcs = await startIdentity({ faults, now });
    gateway = await startGateway({
      faults: faults.gateway,
      invokeFunction: echoBackend([]),
      now,
      jwksCooldownMs: COOLDOWN,
    });
    deploy("rot", idcs.jwksUrl);
  });
  afterAll(async () => {
    await gateway?.close();
    await idcs?.close();
  });

  it("caches the JWKS, picks up a new key after the cooldown and drops a retired one after the cache ages", async () => {
    const first = await tokenFor();
    expect(await status("/rot/r", first)).toBe(200);
    expect(await status("/rot/r", first)).toBe(200);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(1);

    await idcs.addSigningKey("KEY2");
    idcs.activateSigningKey("KEY2");
    const rotated = await tokenFor();
    // Unknown kid within the cooldown: no refetch yet, refused.
    expect(await status("/rot/r", rotated)).toBe(401);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(1);
    clockMs += COOLDOWN + 1;
    expect(await status("/rot/r", rotated)).toBe(200);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(2);

    // A burst of unknown kids: at most one refetch per cooldown.
    clockMs += COOLDOWN + 1;
    for (let i = 0; i < 20; i++) {
      const bogus = await idcs.mintToken({}, { kid: "KEY2", header: { kid: `NOPE-${i}` } });
      expect(await status("/rot/r", bogus)).toBe(401);
    }
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(3);

    idcs.retireSigningKey("SIGNING_KEY");
    // Still cached: the retired key keeps working until the cache refreshes.
    expect(await status("/rot/r", await idcs.mintToken({}, { kid: "SIGNING_KEY" }))).toBe(200);
    clockMs += HOUR + 1;
    expect(await status("/rot/r", await idcs.mintToken({}, { kid: "SIGNING_KEY" }))).toBe(401);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(4);
    expect(await status("/rot/r", await tokenFor())).toBe(200);
  });

  it("keeps serving from a warm cache through a JWKS outage", async () => {
    const token = await tokenFor();
    expect(await status("/rot/r", token)).toBe(200);
    faults.jwks.rate({ type: "status", status: 503 }, 1);
    clockMs += HOUR + 1;
    const before = gateway.jwksFetches(idcs.jwksUrl);
    const fresh = await tokenFor();
    expect(await status("/rot/r", fresh)).toBe(200);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(before + 1);
    // No retry storm while the cooldown runs.
    expect(await status("/rot/r", fresh)).toBe(200);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(before + 1);
    faults.jwks.clear();
    faults.jwks.rate({ type: "reset" }, 1);
    clockMs += COOLDOWN + 1;
    expect(await status("/rot/r", fresh)).toBe(200);
    expect(gateway.jwksFetches(idcs.jwksUrl)).toBe(before + 2);
    faults.jwks.clear();
  });

  it("fails closed with a cold cache when the JWKS is down, and recovers after the cooldown", async () => {
    const coldUri = `${idcs.jwksUrl}?cold=1`;
    deploy("cold", coldUri);
    const token = await tokenFor();
    faults.jwks.rate({ type: "status", status: 503 }, 1);
    expect(await status("/cold/r", token)).toBe(401);
    expect(gateway.jwksFetches(coldUri)).toBe(1);
    faults.jwks.clear();
    expect(await status("/cold/r", token)).toBe(401);
    expect(gateway.jwksFetches(coldUri)).toBe(1);
    clockMs += COOLDOWN + 1;
    expect(await status("/cold/r", await tokenFor())).toBe(200);
    expect(gateway.jwksFetches(coldUri)).toBe(2);
  });

  it("fails closed when the JWKS is slower than the fetch timeout", async () => {
    const slowFaults = createFaults();
    const slow = await startGateway({
      faults: slowFaults.gateway,
      invokeFunction: echoBackend([]),
      now,
      jwksTimeoutMs: 200,
    });
    try {
      const uri = `${idcs.jwksUrl}?slow=1`;
      slow.deploy({
        id: "slow",
        pathPrefix: "/slow",
        specification: {
          requestPolicies: { authentication: jwtPolicy(idcs, { publicKeys: { type: "REMOTE_JWKS", uri } }) },
          routes: [fnRoute("/r", "fn")],
        },
      });
      faults.jwks.script({ type: "delay", ms: 3000 });
      const res = await fetch(`${slow.url}/slow/r`, {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor()}` },
      });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(UNAUTHORIZED);
      expect(slow.jwksFetches(uri)).toBe(1);
    } finally {
      faults.jwks.clear();
      await slow.close();
    }
  });

  it("does not forward the Authorization header when told not to", async () => {
    const seen: { functionId: string; call: FnCall }[] = [];
    const quiet = await startGateway({
      faults: createFaults().gateway,
      invokeFunction: echoBackend(seen),
      now,
      forwardAuthorizationHeader: false,
    });
    try {
      quiet.deploy({
        id: "q",
        pathPrefix: "/",
        specification: {
          requestPolicies: { authentication: jwtPolicy(idcs) },
          routes: [fnRoute("/r", "fn")],
        },
      });
      const res = await fetch(`${quiet.url}/r`, {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor()}`, "x-keep": "1" },
      });
      expect(res.status).toBe(200);
      expect(seen[0]?.call.headers["x-keep"]).toBe("1");
      expect(seen[0]?.call.headers).not.toHaveProperty("authorization");
      expect(seen[0]?.call.requestUrl).toBe("/r");
    } finally {
      await quiet.close();
    }
  });
});
