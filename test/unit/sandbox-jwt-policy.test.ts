import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type ApiSpecification,
  checkVerifyClaims,
  compareSpecificity,
  extractToken,
  importJwk,
  importPem,
  type JwtAuthenticationPolicy,
  parseRoutePath,
  scopeAllows,
  type VerificationKey,
  validatePathPrefix,
  validateSpecification,
  verifyJwt,
} from "../../sandbox/gateway/jwt-policy.js";

const rsa2048 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

function rsaParts(key: KeyObject): { n: string; e: string } {
  const { n, e } = key.export({ format: "jwk" });
  return { n: n as string, e: e as string };
}

/** The key as IDCS publishes it: key_ops ["sig","encrypt"], no use, x5c/x5t kept. */
const idcsJwk = {
  kty: "RSA",
  "x5t#S256": "abc",
  ...rsaParts(rsa2048.publicKey),
  x5t: "def",
  kid: "SIGNING_KEY",
  x5c: ["MIIB"],
  key_ops: ["sig", "encrypt"],
  alg: "RS256",
};

const staticJwk = {
  kid: "SIGNING_KEY",
  format: "JSON_WEB_KEY" as const,
  kty: "RSA" as const,
  use: "sig" as const,
  alg: "RS256",
  ...rsaParts(rsa2048.publicKey),
};

function validSpec(): ApiSpecification {
  return {
    requestPolicies: {
      authentication: {
        type: "JWT_AUTHENTICATION",
        tokenHeader: "Authorization",
        tokenAuthScheme: "Bearer",
        issuers: ["https://identity.oraclecloud.com/"],
        audiences: ["https://usage.sandbox.local/"],
        maxClockSkewInSeconds: 30,
        verifyClaims: [{ key: "client_id", values: ["abc"], isRequired: true }],
        publicKeys: { type: "STATIC_KEYS", keys: [staticJwk] },
      },
      rateLimiting: { rateInRequestsPerSecond: 10, rateKey: "CLIENT_IP" },
    },
    routes: [
      {
        path: "/request-summarized-usages",
        methods: ["POST"],
        requestPolicies: { authorization: { type: "ANY_OF", allowedScope: ["usage.read"] } },
        backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId: "ocid1.fnfunc.oc1..aaaa" },
      },
      {
        path: "/health/{rest*}",
        methods: ["ANY"],
        backend: {
          type: "STOCK_RESPONSE_BACKEND",
          status: 200,
          body: "ok",
          headers: [{ name: "x-a", value: "1" }],
        },
      },
    ],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the table mutates specs into invalid shapes on purpose
type Mutation = (spec: any) => void;

describe("validateSpecification", () => {
  it("accepts a complete valid specification", () => {
    expect(validateSpecification(validSpec())).toEqual([]);
  });

  it("accepts REMOTE_JWKS and PEM keys", () => {
    const remote = validSpec();
    remote.requestPolicies!.authentication!.publicKeys = {
      type: "REMOTE_JWKS",
      uri: "https://idcs.example.com/admin/v1/SigningCert/jwk",
      maxCacheDurationInHours: 2,
      isSslVerifyDisabled: false,
    };
    expect(validateSpecification(remote)).toEqual([]);
    const pem = validSpec();
    pem.requestPolicies!.authentication!.publicKeys = {
      type: "STATIC_KEYS",
      keys: [
        { kid: "p", format: "PEM", key: rsa2048.publicKey.export({ type: "spki", format: "pem" }) as string },
      ],
    };
    expect(validateSpecification(pem)).toEqual([]);
  });

  const auth = "requestPolicies.authentication";
  const cases: [string, Mutation, RegExp][] = [
    ["routes missing", (s) => Object.assign(s, { routes: undefined }), /^routes: must be a non-empty array$/],
    ["no routes", (s) => (s.routes = []), /^routes: must be a non-empty array$/],
    [
      "too many routes",
      (s) => (s.routes = Array.from({ length: 51 }, () => s.routes[0])),
      /at most 50 routes/,
    ],
    ["empty issuers", (s) => (s.requestPolicies.authentication.issuers = []), /issuers: must be a non-empty/],
    [
      "empty audiences",
      (s) => (s.requestPolicies.authentication.audiences = []),
      /audiences: must be a non-empty/,
    ],
    ["audience not a string", (s) => (s.requestPolicies.authentication.audiences = [1]), /audiences/],
    [
      "header and query param",
      (s) => (s.requestPolicies.authentication.tokenQueryParam = "token"),
      /either tokenHeader or tokenQueryParam/,
    ],
    [
      "negative skew",
      (s) => (s.requestPolicies.authentication.maxClockSkewInSeconds = -1),
      /maxClockSkewInSeconds/,
    ],
    [
      "huge skew",
      (s) => (s.requestPolicies.authentication.maxClockSkewInSeconds = 3601),
      /maxClockSkewInSeconds/,
    ],
    [
      "verifyClaims key missing",
      (s) => (s.requestPolicies.authentication.verifyClaims = [{}]),
      /verifyClaims\[0\]\.key/,
    ],
    [
      "verifyClaims values not strings",
      (s) => (s.requestPolicies.authentication.verifyClaims = [{ key: "a", values: [1] }]),
      /verifyClaims\[0\]\.values/,
    ],
    [
      "TOKEN_AUTHENTICATION unsupported",
      (s) => (s.requestPolicies.authentication = { type: "TOKEN_AUTHENTICATION" }),
      /TOKEN_AUTHENTICATION.*not supported/,
    ],
    ["mutualTls unsupported", (s) => (s.requestPolicies.mutualTls = {}), /mutualTls: is not supported/],
    [
      "raw IDCS key (key_ops sig/encrypt)",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [{ ...idcsJwk, format: "JSON_WEB_KEY" }]),
      /keys\[0\]: keyOps \["sig","encrypt"\] may only contain "verify"/,
    ],
    [
      "raw IDCS key without format",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [idcsJwk]),
      /keys\[0\]: format must be JSON_WEB_KEY or PEM/,
    ],
    [
      "static key without use or keyOps",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [{ ...staticJwk, use: undefined }]),
      /needs use "sig" or keyOps \["verify"\]/,
    ],
    [
      "static key alg ES256",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [{ ...staticJwk, alg: "ES256" }]),
      /alg is "ES256"/,
    ],
    [
      "static key kty EC",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [{ ...staticJwk, kty: "EC" }]),
      /RSA is the only supported key type/,
    ],
    [
      "static key of 1024 bits",
      (s) =>
        (s.requestPolicies.authentication.publicKeys.keys = [
          { ...staticJwk, ...rsaParts(rsa1024.publicKey) },
        ]),
      /1024 bits; it must be 2048 to 4096 bits/,
    ],
    [
      "duplicate kid",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = [staticJwk, staticJwk]),
      /keys\[1\]\.kid: "SIGNING_KEY" is used by another key/,
    ],
    [
      "no static keys",
      (s) => (s.requestPolicies.authentication.publicKeys.keys = []),
      /keys: must be a non-empty/,
    ],
    [
      "private PEM",
      (s) =>
        (s.requestPolicies.authentication.publicKeys.keys = [
          { kid: "p", format: "PEM", key: rsa2048.privateKey.export({ type: "pkcs8", format: "pem" }) },
        ]),
      /must be a public key, not a private key/,
    ],
    [
      "EC PEM",
      (s) =>
        (s.requestPolicies.authentication.publicKeys.keys = [
          { kid: "p", format: "PEM", key: ec.publicKey.export({ type: "spki", format: "pem" }) },
        ]),
      /must be an RSA key/,
    ],
    [
      "REMOTE_JWKS without uri",
      (s) => (s.requestPolicies.authentication.publicKeys = { type: "REMOTE_JWKS" }),
      /publicKeys\.uri: must be an http\(s\) URL/,
    ],
    [
      "REMOTE_JWKS file uri",
      (s) =>
        (s.requestPolicies.authentication.publicKeys = { type: "REMOTE_JWKS", uri: "file:///etc/passwd" }),
      /publicKeys\.uri/,
    ],
    [
      "REMOTE_JWKS cache 0 hours",
      (s) =>
        (s.requestPolicies.authentication.publicKeys = {
          type: "REMOTE_JWKS",
          uri: "https://x/jwk",
          maxCacheDurationInHours: 0,
        }),
      /maxCacheDurationInHours: must be an integer from 1 to 24/,
    ],
    [
      "unknown key set type",
      (s) => (s.requestPolicies.authentication.publicKeys = { type: "X" }),
      /publicKeys\.type/,
    ],
    [
      "rate 0",
      (s) => (s.requestPolicies.rateLimiting.rateInRequestsPerSecond = 0),
      /rateInRequestsPerSecond/,
    ],
    [
      "rate key",
      (s) => (s.requestPolicies.rateLimiting.rateKey = "USER"),
      /rateKey: must be CLIENT_IP or TOTAL/,
    ],
    [
      "route path without /",
      (s) => (s.routes[0].path = "usage"),
      /routes\[0\]\.path: must be a string starting/,
    ],
    ["route path with //", (s) => (s.routes[0].path = "/a//b"), /routes\[0\]\.path: has an empty segment/],
    ["wildcard not last", (s) => (s.routes[0].path = "/{a*}/b"), /wildcard \{a\*\} must be the last segment/],
    ["half a template", (s) => (s.routes[0].path = "/a{b}"), /neither a literal nor/],
    ["bad method", (s) => (s.routes[0].methods = ["FETCH"]), /methods: "FETCH" is not one of/],
    ["empty methods", (s) => (s.routes[0].methods = []), /methods: must be a non-empty array/],
    [
      "HTTP backend unsupported",
      (s) => (s.routes[0].backend = { type: "HTTP_BACKEND", url: "http://x" }),
      /backend\.type: "HTTP_BACKEND" is not supported/,
    ],
    [
      "function without id",
      (s) => (s.routes[0].backend = { type: "ORACLE_FUNCTIONS_BACKEND" }),
      /backend\.functionId/,
    ],
    [
      "stock response bad status",
      (s) => (s.routes[1].backend = { type: "STOCK_RESPONSE_BACKEND", status: 99 }),
      /routes\[1\]\.backend\.status/,
    ],
    [
      "ANY_OF without scopes",
      (s) => (s.routes[0].requestPolicies.authorization = { type: "ANY_OF", allowedScope: [] }),
      /allowedScope: must be a non-empty/,
    ],
    [
      "ANY_OF without authentication",
      (s) => (s.requestPolicies.authentication = undefined),
      /ANY_OF needs requestPolicies\.authentication/,
    ],
    [
      "ANONYMOUS without anonymous access",
      (s) => (s.routes[0].requestPolicies.authorization = { type: "ANONYMOUS" }),
      /ANONYMOUS needs .*isAnonymousAccessAllowed true/,
    ],
    [
      "unknown authorization type",
      (s) => (s.routes[0].requestPolicies.authorization = { type: "ALL_OF" }),
      /authorization\.type/,
    ],
    [
      "body validation unsupported",
      (s) => (s.routes[0].requestPolicies.bodyValidation = {}),
      /requestPolicies\.bodyValidation: is not supported/,
    ],
  ];

  it.each(cases)("reports %s", (_name, mutate, problem) => {
    const spec = validSpec();
    mutate(spec);
    const problems = validateSpecification(spec);
    expect(problems.some((p) => problem.test(p))).toBe(true);
  });

  it("reports every problem, not just the first", () => {
    const spec = validSpec();
    spec.requestPolicies!.authentication!.issuers = [];
    spec.routes[0]!.methods = ["FETCH" as never];
    const problems = validateSpecification(spec);
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toContain(`${auth}.issuers`);
  });

  it("rejects non-objects", () => {
    expect(validateSpecification(null)).toEqual(["specification: must be a JSON object"]);
    expect(validateSpecification([])).toEqual(["specification: must be a JSON object"]);
  });
});

describe("validatePathPrefix", () => {
  it.each([
    ["/usage", []],
    ["/", []],
    ["/v1/usage-api", []],
    ["usage", ['pathPrefix: must start with "/"']],
    ["/usage/", ['pathPrefix: must not end with "/" (unless it is "/")']],
    ["/a//b", ['pathPrefix: must not contain "//"']],
    ["/{x}", ["pathPrefix: may only contain letters, digits, '-', '.', '_', '~' and '/'"]],
    ["", ["pathPrefix: must be a non-empty string"]],
    [`/${"a".repeat(255)}`, ["pathPrefix: is longer than 255 characters"]],
  ] as [string, string[]][])("%s", (prefix, expected) => {
    expect(validatePathPrefix(prefix)).toEqual(expected);
  });
});

describe("key usability", () => {
  const parts = rsaParts(rsa2048.publicKey);
  const base = { kid: "k", kty: "RSA", ...parts };
  it.each([
    ["IDCS key_ops sig/encrypt", { ...base, key_ops: ["sig", "encrypt"], alg: "RS256" }, false, true],
    ['use "sig"', { ...base, use: "sig" }, true, true],
    ['keyOps ["verify"]', { ...base, keyOps: ["verify"] }, true, true],
    ['wire name key_ops ["verify"]', { ...base, key_ops: ["verify"] }, true, true],
    ["neither use nor key_ops", { ...base }, false, false],
    ['use "enc"', { ...base, use: "enc" }, false, false],
    ['use "sig" with key_ops sig/encrypt', { ...base, use: "sig", key_ops: ["sig", "encrypt"] }, false, true],
    ["alg RS512", { ...base, use: "sig", alg: "RS512" }, true, true],
    ["alg PS256", { ...base, use: "sig", alg: "PS256" }, false, false],
    ["alg HS256", { ...base, use: "sig", alg: "HS256" }, false, false],
    ["alg none", { ...base, use: "sig", alg: "none" }, false, false],
    ["kty EC", { ...base, use: "sig", kty: "EC" }, false, false],
    ["1024 bits", { ...base, use: "sig", ...rsaParts(rsa1024.publicKey) }, false, false],
    ["bad modulus", { ...base, use: "sig", n: "AQAB" }, false, false],
    ["empty kid", { ...base, use: "sig", kid: "" }, false, false],
    ["not an object", "x", false, false],
  ] as [string, unknown, boolean, boolean][])(
    "%s: static %s, remote %s",
    (_name, jwk, asStatic, asRemote) => {
      expect(importJwk(jwk, "STATIC_KEYS").key !== undefined).toBe(asStatic);
      expect(importJwk(jwk, "REMOTE_JWKS").key !== undefined).toBe(asRemote);
    },
  );

  it("keeps the JWK alg so tokens must use exactly it", () => {
    expect(importJwk({ ...base, use: "sig", alg: "RS384" }, "REMOTE_JWKS").key?.alg).toBe("RS384");
    expect(importJwk({ ...base, use: "sig" }, "REMOTE_JWKS").key?.alg).toBeUndefined();
  });

  it("accepts a 4096-bit key and refuses PEM private keys, EC keys and garbage", () => {
    const big = generateKeyPairSync("rsa", { modulusLength: 4096 });
    expect(importJwk({ ...base, use: "sig", ...rsaParts(big.publicKey) }, "STATIC_KEYS").key).toBeDefined();
    const pem = (k: KeyObject) => k.export({ type: "spki", format: "pem" }) as string;
    expect(importPem({ kid: "p", format: "PEM", key: pem(rsa2048.publicKey) }).key?.kid).toBe("p");
    expect(importPem({ kid: "p", format: "PEM", key: pem(rsa1024.publicKey) }).problems[0]).toMatch(
      /1024 bits/,
    );
    expect(importPem({ kid: "p", format: "PEM", key: pem(ec.publicKey) }).problems[0]).toMatch(/RSA/);
    const priv = rsa2048.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    expect(importPem({ kid: "p", format: "PEM", key: priv }).key).toBeUndefined();
    expect(
      importPem({ kid: "p", format: "PEM", key: "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----" })
        .key,
    ).toBe(undefined);
  });
});

describe("claim checks", () => {
  it.each([
    ["value in list", { client_id: "a" }, [{ key: "client_id", values: ["a", "b"] }], undefined],
    [
      "value not in list",
      { client_id: "c" },
      [{ key: "client_id", values: ["a"] }],
      "verifyClaims: client_id has no allowed value",
    ],
    [
      "array claim with a member in list",
      { groups: ["x", "a"] },
      [{ key: "groups", values: ["a"] }],
      undefined,
    ],
    [
      "array claim without",
      { groups: ["x"] },
      [{ key: "groups", values: ["a"] }],
      "verifyClaims: groups has no allowed value",
    ],
    ["missing, not required", {}, [{ key: "tenant", values: ["t"] }], undefined],
    ["missing, required", {}, [{ key: "tenant", isRequired: true }], "verifyClaims: tenant is missing"],
    [
      "null, required",
      { tenant: null },
      [{ key: "tenant", isRequired: true }],
      "verifyClaims: tenant is missing",
    ],
    ["present, required, any value", { tenant: "t" }, [{ key: "tenant", isRequired: true }], undefined],
    ["number compared as text", { level: 3 }, [{ key: "level", values: ["3"] }], undefined],
    [
      "object never matches",
      { o: { a: 1 } },
      [{ key: "o", values: ["[object Object]"] }],
      "verifyClaims: o has no allowed value",
    ],
  ] as [
    string,
    Record<string, unknown>,
    { key: string; values?: string[]; isRequired?: boolean }[],
    string | undefined,
  ][])("%s", (_name, claims, rules, expected) => {
    expect(checkVerifyClaims(claims, rules)).toBe(expected);
  });

  it.each([
    ["usage.read", ["usage.read"], true],
    ["other usage.read", ["usage.read"], true],
    ["usage.readonly", ["usage.read"], false],
    ["USAGE.READ", ["usage.read"], false],
    ["", ["usage.read"], false],
    [undefined, ["usage.read"], false],
    [["usage.read"], ["usage.read"], true],
  ] as [unknown, string[], boolean][])("scope %j allowed by %j: %s", (scope, allowed, expected) => {
    expect(scopeAllows({ scope }, allowed)).toBe(expected);
  });
});

describe("extractToken", () => {
  const q = new URLSearchParams("token=abc&empty=");
  it.each([
    ["bearer header", {}, { authorization: "Bearer abc" }, { present: true, token: "abc" }],
    ["scheme case-insensitive", {}, { authorization: "bEaReR abc" }, { present: true, token: "abc" }],
    ["no header", {}, {}, { present: false }],
    ["wrong scheme", {}, { authorization: "Basic abc" }, { present: true, token: undefined }],
    ["empty token", {}, { authorization: "Bearer " }, { present: true, token: undefined }],
    ["two tokens", {}, { authorization: "Bearer a b" }, { present: true, token: undefined }],
    [
      "custom header",
      { tokenHeader: "X-Token", tokenAuthScheme: "Jwt" },
      { "x-token": "Jwt t" },
      { present: true, token: "t" },
    ],
    [
      "query parameter",
      { tokenQueryParam: "token" },
      { authorization: "Bearer x" },
      { present: true, token: "abc" },
    ],
    ["empty query parameter", { tokenQueryParam: "empty" }, {}, { present: true, token: undefined }],
    ["absent query parameter", { tokenQueryParam: "nope" }, {}, { present: false }],
  ] as [string, Partial<JwtAuthenticationPolicy>, Record<string, string>, unknown][])(
    "%s",
    (_name, policy, headers, expected) => {
      expect(extractToken(policy, headers, q)).toEqual(expected);
    },
  );
});

describe("route paths", () => {
  it.each([
    ["/usage", "/usage", true],
    ["/usage", "/usage/", false],
    ["/usage", "/usagex", false],
    ["/items/{id}", "/items/42", true],
    ["/items/{id}", "/items/42/x", false],
    ["/items/{id}", "/items/", false],
    ["/files/{rest*}", "/files/a/b/c", true],
    ["/files/{rest*}", "/files", true],
    ["/files/{rest*}", "/filesx", false],
    ["/{all*}", "/", true],
    ["/{all*}", "/anything/at/all", true],
    ["/", "/", true],
    ["/", "/x", false],
    ["/a.b", "/aXb", false],
  ])("%s matches %s: %s", (template, path, expected) => {
    const { pattern, problems } = parseRoutePath(template);
    expect(problems).toEqual([]);
    expect(pattern?.regex.test(path)).toBe(expected);
  });

  it("ranks literal over parameter over wildcard", () => {
    const p = (t: string) => parseRoutePath(t).pattern!;
    expect(compareSpecificity(p("/items/new"), p("/items/{id}"))).toBeGreaterThan(0);
    expect(compareSpecificity(p("/items/{id}"), p("/items/{rest*}"))).toBeGreaterThan(0);
    expect(compareSpecificity(p("/{all*}"), p("/items/{id}"))).toBeLessThan(0);
  });
});

describe("verifyJwt", () => {
  const nowMs = 1_800_000_000_000;
  const nowS = nowMs / 1000;
  const key: VerificationKey = { kid: "k1", key: rsa2048.publicKey };
  const lookup = async (kid: string) => (kid === "k1" ? key : undefined);
  const policy = {
    issuers: ["https://identity.oraclecloud.com/"],
    audiences: ["https://usage.sandbox.local/"],
    maxClockSkewInSeconds: 30,
  };
  const claims = { iss: policy.issuers[0], aud: policy.audiences[0], exp: nowS + 60, iat: nowS };

  function token(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const h = Buffer.from(JSON.stringify({ alg: "RS256", kid: "k1", ...header })).toString("base64url");
    const p = Buffer.from(JSON.stringify(payload)).toString("base64url");
    const hash =
      { RS256: "sha256", RS384: "sha384", RS512: "sha512" }[String(header.alg ?? "RS256")] ?? "sha256";
    return `${h}.${p}.${sign(hash, Buffer.from(`${h}.${p}`), rsa2048.privateKey).toString("base64url")}`;
  }

  it.each([
    ["valid", {}, {}, true],
    ["RS512", {}, { alg: "RS512" }, true],
    ["exp now-1 within skew 30", { exp: nowS - 1 }, {}, true],
    ["exp now-31 beyond skew 30", { exp: nowS - 31 }, {}, false],
    ["nbf now+10 within skew", { nbf: nowS + 10 }, {}, true],
    ["nbf now+60 beyond skew", { nbf: nowS + 60 }, {}, false],
    ["no exp", { exp: undefined }, {}, false],
    ["exp as a string", { exp: String(nowS + 60) }, {}, false],
    ["iss without trailing slash", { iss: "https://identity.oraclecloud.com" }, {}, false],
    ["iss in other case", { iss: "https://IDENTITY.oraclecloud.com/" }, {}, false],
    ["aud array containing ours", { aud: ["x", policy.audiences[0]] }, {}, true],
    ["aud array without ours", { aud: ["x", "y"] }, {}, false],
    ["aud missing", { aud: undefined }, {}, false],
    ["aud a number", { aud: 5 }, {}, false],
    ["no kid", {}, { kid: undefined }, false],
    ["unknown kid", {}, { kid: "k2" }, false],
    ["crit b64", {}, { crit: ["b64"], b64: true }, false],
  ] as [string, Record<string, unknown>, Record<string, unknown>, boolean][])(
    "%s",
    async (_name, claimOverrides, header, ok) => {
      const payload = JSON.parse(JSON.stringify({ ...claims, ...claimOverrides }));
      const verdict = await verifyJwt(token(payload, header), policy, lookup, nowMs);
      expect(verdict.ok).toBe(ok);
    },
  );

  it("with skew 0 a token expiring now-1 is refused, and exp equal to now too", async () => {
    const strict = { ...policy, maxClockSkewInSeconds: 0 };
    expect((await verifyJwt(token({ ...claims, exp: nowS - 1 }), strict, lookup, nowMs)).ok).toBe(false);
    expect((await verifyJwt(token({ ...claims, exp: nowS }), strict, lookup, nowMs)).ok).toBe(false);
    expect((await verifyJwt(token({ ...claims, exp: nowS + 1 }), strict, lookup, nowMs)).ok).toBe(true);
  });

  it("binds the token alg to the key's alg when the key names one", async () => {
    const pinned = async () => ({ ...key, alg: "RS256" });
    const verdict = await verifyJwt(token(claims, { alg: "RS384" }), policy, pinned, nowMs);
    expect(verdict).toEqual({ ok: false, reason: "alg differs from the key's alg" });
  });

  it("applies verifyClaims after the signature", async () => {
    const withClaims = {
      ...policy,
      verifyClaims: [{ key: "client_id", values: ["good"], isRequired: true }],
    };
    expect((await verifyJwt(token({ ...claims, client_id: "good" }), withClaims, lookup, nowMs)).ok).toBe(
      true,
    );
    const bad = await verifyJwt(token({ ...claims, client_id: "bad" }), withClaims, lookup, nowMs);
    expect(bad).toEqual({ ok: false, reason: "verifyClaims: client_id has no allowed value" });
  });

  it("never calls the key lookup for a disallowed alg", async () => {
    let lookups = 0;
    const counting = async (kid: string) => {
      lookups++;
      return lookup(kid);
    };
    const h = Buffer.from(JSON.stringify({ alg: "HS256", kid: "k1" })).toString("base64url");
    const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const verdict = await verifyJwt(`${h}.${p}.c2ln`, policy, counting, nowMs);
    expect(verdict).toEqual({ ok: false, reason: "ERR_JOSE_ALG_NOT_ALLOWED" });
    expect(lookups).toBe(0);
  });

  it("refuses tokens that are not compact JWS", async () => {
    for (const bad of ["", "a.b", "a.b.c.d", "a b.c.d", "é.b.c"]) {
      expect(await verifyJwt(bad, policy, lookup, nowMs)).toEqual({ ok: false, reason: "malformed token" });
    }
  });
});
