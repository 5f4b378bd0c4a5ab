import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { usageDeploymentSpec } from "../../sandbox/index.js";
import { JwksError, type StaticJsonWebKey, staticKeysFromJwks } from "../../src/deploy/jwks.js";
import {
  buildSpec,
  canonicalSpec,
  diffSpecs,
  renderSpecDiff,
  type SpecOptions,
  specsEqual,
} from "../../src/deploy/spec.js";

const FN = "ocid1.fnfunc.oc1.iad.aaaaaaaaexample";
const FN2 = "ocid1.fnfunc.oc1.iad.aaaaaaaaother";
const ISSUER = "https://identity.oraclecloud.com/";
const AUD = "https://usage.example.com/";

function rsaJwk(bits = 2048) {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return publicKey.export({ format: "jwk" }) as { kty: string; n: string; e: string };
}

/** A signing key as IDCS publishes it: key_ops instead of use, certificates attached. */
function idcsKey(kid: string, bits = 2048) {
  const { n, e } = rsaJwk(bits);
  return {
    kty: "RSA",
    "x5t#S256": "abc",
    e,
    x5t: "def",
    kid,
    x5c: ["MIIB…leaf", "MIIB…ca"],
    key_ops: ["sig", "encrypt"],
    alg: "RS256",
    n,
  };
}

const KEY_A = idcsKey("SIGNING_KEY");
const KEY_B = idcsKey("SIGNING_KEY_2026");

function staticOf(...keys: ReturnType<typeof idcsKey>[]): StaticJsonWebKey[] {
  return staticKeysFromJwks({ keys }, "test").keys;
}

function options(extra: Partial<SpecOptions> = {}): SpecOptions {
  return {
    functionId: FN,
    issuers: [ISSUER],
    audiences: [AUD],
    maxClockSkewSeconds: 60,
    publicKeys: { type: "STATIC_KEYS", keys: staticOf(KEY_A) },
    requiredScopes: [],
    ...extra,
  };
}

describe("staticKeysFromJwks", () => {
  it("fixes IDCS's key_ops to use: sig and keeps only what a static key needs", () => {
    const { keys, dropped } = staticKeysFromJwks({ keys: [KEY_A] }, "https://idcs/jwk");
    expect(keys).toEqual([
      {
        kid: "SIGNING_KEY",
        format: "JSON_WEB_KEY",
        kty: "RSA",
        use: "sig",
        alg: "RS256",
        n: KEY_A.n,
        e: KEY_A.e,
      },
    ]);
    expect(keys[0]).not.toHaveProperty("key_ops");
    expect(keys[0]).not.toHaveProperty("x5c");
    expect(dropped).toEqual([]);
  });

  it("follows a rotation: two keys while both are published, then only the new one", () => {
    const during = staticKeysFromJwks({ keys: [KEY_A, KEY_B] }, "jwks");
    expect(during.keys.map((k) => k.kid)).toEqual(["SIGNING_KEY", "SIGNING_KEY_2026"]);
    // The old key is retired: IDCS stops publishing it.
    const after = staticKeysFromJwks({ keys: [KEY_B] }, "jwks");
    expect(after.keys.map((k) => k.kid)).toEqual(["SIGNING_KEY_2026"]);
    const changes = diffSpecs(
      buildSpec(options({ publicKeys: { type: "STATIC_KEYS", keys: during.keys } })),
      buildSpec(options({ publicKeys: { type: "STATIC_KEYS", keys: after.keys } })),
    );
    expect(changes.map((c) => `${c.kind} ${c.path}`)).toEqual([
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].alg",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].e",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].format",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].kid",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].kty",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].n",
      "removed requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].use",
    ]);
  });

  const { publicKey: ecPublic } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ec = { ...(ecPublic.export({ format: "jwk" }) as object), kid: "ec-key", use: "sig", alg: "ES256" };
  const small = idcsKey("small", 1024);

  it.each([
    ["an EC key", ec, /kid "ec-key": kty "EC" \(the gateway verifies RSA keys only\)/],
    [
      "an encryption key (use)",
      { ...KEY_A, key_ops: undefined, use: "enc" },
      /use "enc" \(not a signing key\)/,
    ],
    [
      "an encryption key (key_ops)",
      { ...KEY_A, key_ops: ["encrypt"] },
      /key_ops \["encrypt"\] \(not a signing key\)/,
    ],
    ["a PS256 key", { ...KEY_A, alg: "PS256" }, /alg "PS256" \(the gateway accepts RS256, RS384, RS512\)/],
    ["a 1024-bit key", small, /1024-bit RSA \(the gateway accepts 2048 to 4096 bits\)/],
    ["a key without kid", { ...KEY_A, kid: undefined }, /a key: no kid/],
    ["a key without modulus", { ...KEY_A, n: undefined }, /n and e are missing/],
  ])("a JWKS with only %s is an error that says why", (_label, key, why) => {
    expect(() => staticKeysFromJwks({ keys: [key] }, "https://idcs.example/jwk")).toThrow(JwksError);
    expect(() => staticKeysFromJwks({ keys: [key] }, "https://idcs.example/jwk")).toThrow(
      /^the JWKS at https:\/\/idcs\.example\/jwk has no RSA signing key API Gateway can use \(/,
    );
    expect(() => staticKeysFromJwks({ keys: [key] }, "https://idcs.example/jwk")).toThrow(why);
  });

  it("drops unusable keys beside usable ones, saying why", () => {
    const { keys, dropped } = staticKeysFromJwks({ keys: [ec, KEY_A, small] }, "jwks");
    expect(keys.map((k) => k.kid)).toEqual(["SIGNING_KEY"]);
    expect(dropped).toEqual([
      { kid: "ec-key", reason: 'kty "EC" (the gateway verifies RSA keys only)' },
      { kid: "small", reason: "1024-bit RSA (the gateway accepts 2048 to 4096 bits)" },
    ]);
  });

  it.each([
    ["not an object", "nope", /is not a JSON Web Key Set/],
    ["no keys list", { kid: "x" }, /is not a JSON Web Key Set/],
    ["an empty list", { keys: [] }, /it has no keys/],
  ])("rejects a document that is %s", (_label, doc, message) => {
    expect(() => staticKeysFromJwks(doc, "jwks")).toThrow(message);
  });

  it("refuses two usable keys with the same kid", () => {
    expect(() => staticKeysFromJwks({ keys: [KEY_A, { ...KEY_B, kid: "SIGNING_KEY" }] }, "jwks")).toThrow(
      /two usable keys with kid "SIGNING_KEY"/,
    );
  });
});

describe("buildSpec", () => {
  it("routes POST /request-summarized-usages to the function behind JWT_AUTHENTICATION with static keys", () => {
    expect(buildSpec(options())).toEqual({
      requestPolicies: {
        authentication: {
          type: "JWT_AUTHENTICATION",
          isAnonymousAccessAllowed: false,
          tokenHeader: "Authorization",
          tokenAuthScheme: "Bearer",
          issuers: [ISSUER],
          audiences: [AUD],
          maxClockSkewInSeconds: 60,
          publicKeys: {
            type: "STATIC_KEYS",
            keys: [
              {
                kid: "SIGNING_KEY",
                format: "JSON_WEB_KEY",
                kty: "RSA",
                use: "sig",
                alg: "RS256",
                n: KEY_A.n,
                e: KEY_A.e,
              },
            ],
          },
        },
      },
      routes: [
        {
          path: "/request-summarized-usages",
          methods: ["POST"],
          requestPolicies: { authorization: { type: "AUTHENTICATION_ONLY" } },
          backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId: FN },
        },
      ],
    });
  });

  it("uses REMOTE_JWKS, ANY_OF scopes and CLIENT_IP rate limiting when asked", () => {
    const spec = buildSpec(
      options({
        publicKeys: { type: "REMOTE_JWKS", uri: "https://idcs/jwk", maxCacheDurationInHours: 1 },
        requiredScopes: ["usage.read"],
        rateLimit: 10,
      }),
    );
    expect(spec.requestPolicies?.authentication).toMatchObject({
      publicKeys: {
        type: "REMOTE_JWKS",
        uri: "https://idcs/jwk",
        maxCacheDurationInHours: 1,
        isSslVerifyDisabled: false,
      },
    });
    expect(spec.requestPolicies?.rateLimiting).toEqual({ rateInRequestsPerSecond: 10, rateKey: "CLIENT_IP" });
    expect(spec.routes?.[0]?.requestPolicies?.authorization).toEqual({
      type: "ANY_OF",
      allowedScope: ["usage.read"],
    });
  });
});

describe("canonical form: equal meaning compares equal", () => {
  const built = buildSpec(options());

  /** The spec as a service might answer it: defaults filled in, lists reordered, wire spellings, nulls. */
  function asServed(spec: ReturnType<typeof buildSpec>) {
    const copy = JSON.parse(JSON.stringify(spec));
    const auth = copy.requestPolicies.authentication;
    auth.verifyClaims = [];
    auth.tokenQueryParam = null;
    auth.publicKeys.keys = auth.publicKeys.keys.map((k: Record<string, unknown>) => ({
      ...k,
      key_ops: null,
    }));
    copy.requestPolicies.cors = null;
    copy.requestPolicies.mutualTls = { isVerifiedCertificateRequired: false, allowedSans: [] };
    copy.loggingPolicies = { accessLog: null, executionLog: { isEnabled: false } };
    copy.routes[0].responsePolicies = {};
    copy.routes[0].loggingPolicies = {};
    copy.routes[0].methods = ["post"];
    // Keys in another order, as JSON objects carry no order guarantee.
    copy.routes[0] = Object.fromEntries(Object.entries(copy.routes[0]).reverse());
    return copy;
  }

  it("treats a served spec with defaults, nulls and other key order as unchanged", () => {
    expect(specsEqual(asServed(built), built)).toBe(true);
    expect(diffSpecs(asServed(built), built)).toEqual([]);
  });

  it("treats absent defaults and explicit ones alike (skew 0, AUTHENTICATION_ONLY, anonymous access off)", () => {
    const explicit = buildSpec(options({ maxClockSkewSeconds: 0 }));
    const minimal = JSON.parse(JSON.stringify(explicit));
    delete minimal.requestPolicies.authentication.maxClockSkewInSeconds;
    delete minimal.requestPolicies.authentication.isAnonymousAccessAllowed;
    delete minimal.requestPolicies.authentication.tokenHeader;
    delete minimal.requestPolicies.authentication.tokenAuthScheme;
    delete minimal.routes[0].requestPolicies;
    expect(specsEqual(minimal, explicit)).toBe(true);
  });

  it("equals the sandbox's own provisioned spec built from the same settings", () => {
    const sandboxSpec = usageDeploymentSpec({
      functionId: FN,
      issuer: ISSUER,
      audience: AUD,
      jwksUrl: "https://idcs/jwk",
      maxClockSkewInSeconds: 0,
    });
    const ours = buildSpec(
      options({
        maxClockSkewSeconds: 0,
        publicKeys: { type: "REMOTE_JWKS", uri: "https://idcs/jwk", maxCacheDurationInHours: 1 },
      }),
    );
    expect(specsEqual(sandboxSpec, ours)).toBe(true);
  });

  it("orders audiences, issuers, scopes and keys as sets", () => {
    const a = buildSpec(
      options({
        audiences: ["b", "a"],
        issuers: ["i2", "i1"],
        requiredScopes: ["s2", "s1"],
        publicKeys: { type: "STATIC_KEYS", keys: staticOf(KEY_A, KEY_B) },
      }),
    );
    const b = buildSpec(
      options({
        audiences: ["a", "b"],
        issuers: ["i1", "i2"],
        requiredScopes: ["s1", "s2"],
        publicKeys: { type: "STATIC_KEYS", keys: staticOf(KEY_B, KEY_A) },
      }),
    );
    expect(specsEqual(a, b)).toBe(true);
    expect(JSON.stringify(canonicalSpec(a))).toBe(JSON.stringify(canonicalSpec(b)));
  });
});

describe("diffSpecs: real differences are found and readable", () => {
  const base = buildSpec(options());

  it.each<[string, Partial<SpecOptions>, string[]]>([
    [
      "another function",
      { functionId: FN2 },
      [`~ routes[POST /request-summarized-usages].backend.functionId: "${FN}" → "${FN2}"`],
    ],
    [
      "another audience",
      { audiences: ["https://other.example.com/"] },
      [`~ requestPolicies.authentication.audiences: ["${AUD}"] → ["https://other.example.com/"]`],
    ],
    [
      "another skew",
      { maxClockSkewSeconds: 30 },
      ["~ requestPolicies.authentication.maxClockSkewInSeconds: 60 → 30"],
    ],
    [
      "a required scope",
      { requiredScopes: ["usage.read"] },
      [
        '+ routes[POST /request-summarized-usages].requestPolicies.authorization.allowedScope: ["usage.read"]',
        '+ routes[POST /request-summarized-usages].requestPolicies.authorization.type: "ANY_OF"',
      ],
    ],
    [
      "a rate limit",
      { rateLimit: 5 },
      [
        "+ requestPolicies.rateLimiting.rateInRequestsPerSecond: 5",
        '+ requestPolicies.rateLimiting.rateKey: "CLIENT_IP"',
      ],
    ],
  ])("%s", (_label, change, lines) => {
    const next = buildSpec(options(change));
    expect(specsEqual(base, next)).toBe(false);
    expect(renderSpecDiff(diffSpecs(base, next))).toEqual(lines);
  });

  it("shows a rotated key's modulus change by kid, shortened", () => {
    const other = idcsKey("SIGNING_KEY");
    const next = buildSpec(options({ publicKeys: { type: "STATIC_KEYS", keys: staticOf(other) } }));
    const lines = renderSpecDiff(diffSpecs(base, next));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^~ requestPolicies\.authentication\.publicKeys\.keys\[kid=SIGNING_KEY\]\.n: ".{58}… → ".{58}…$/,
    );
  });

  it("lists the whole spec as added when there is no deployment yet", () => {
    const lines = renderSpecDiff(diffSpecs(undefined, base));
    expect(lines).toContain(`+ routes[POST /request-summarized-usages].backend.functionId: "${FN}"`);
    expect(lines).toContain(`+ requestPolicies.authentication.issuers: ["${ISSUER}"]`);
    expect(lines.every((l) => l.startsWith("+ "))).toBe(true);
  });

  it("shows a removed rate limit and a switch to REMOTE_JWKS", () => {
    const before = buildSpec(options({ rateLimit: 5 }));
    const after = buildSpec(
      options({ publicKeys: { type: "REMOTE_JWKS", uri: "https://idcs/jwk", maxCacheDurationInHours: 2 } }),
    );
    const lines = renderSpecDiff(diffSpecs(before, after));
    expect(lines).toContain("- requestPolicies.rateLimiting.rateInRequestsPerSecond: 5");
    expect(lines).toContain(
      '~ requestPolicies.authentication.publicKeys.type: "STATIC_KEYS" → "REMOTE_JWKS"',
    );
    expect(lines).toContain('+ requestPolicies.authentication.publicKeys.uri: "https://idcs/jwk"');
    expect(lines).toContain("+ requestPolicies.authentication.publicKeys.maxCacheDurationInHours: 2");
  });
});
