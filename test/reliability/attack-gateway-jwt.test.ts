// The JWT attack catalogue (reference security-and-faults.md §1 and §8) against the gateway emulator in front
// of the real function under the Fn agent: alg none in every casing, key confusion, stripped and tampered
// signatures, kid tricks, jku/x5u/jwk/x5c headers (an attacker listener records any fetch), crit, non-RSA and
// short keys, exp/nbf/iat edges with the skew, iss/aud variants, wrong claim types, and JWKS rotation and
// outage with warm and cold caches. Fixed cases first, then seeded fast-check properties that forge headers,
// tamper bits and break claims. Every refusal is the gateway's bare 401: no token, no error text, and no call
// reaches the function. gateway-jwt.test.ts keeps the gateway's own contract; this suite adds what it lacks.
import {
  constants,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaults } from "../../sandbox/core/faults.js";
import { type Listening, listen } from "../../sandbox/core/http.js";
import type { Gateway } from "../../sandbox/gateway/index.js";
import { startGateway } from "../../sandbox/gateway/index.js";
import type { JwtAuthenticationPolicy } from "../../sandbox/gateway/jwt-policy.js";
import { type Sandbox, startSandbox, USAGE_ROUTE } from "../../sandbox/index.js";
import { b64, craft, hs256, parts, rs256 } from "../support/jwt-craft.js";
import { figuresLine, propertyParameters, runSeed } from "../support/property-runs.js";

const UNAUTHORIZED = '{"code":401,"message":"Unauthorized"}';
const BODY = JSON.stringify({
  timeUsageStarted: "2025-02-01T00:00:00Z",
  timeUsageEnded: "2025-03-01T00:00:00Z",
  granularity: "MONTHLY",
});
const COOLDOWN_MS = 30_000;
const HOUR_MS = 3_600_000;
const SKEW = 30;
const REAL_KID = "SIGNING_KEY";
const ALG_NONE = ["none", "None", "NONE", "nOnE", "NoNe", "nONE"];
const KID_TRICKS = [
  "",
  " ",
  "../../../../../../dev/null",
  "/dev/null",
  "/invalid_path",
  "file:///etc/passwd",
  "|sleep 10",
  "x' UNION SELECT '1",
  "SIGNING_KEY' OR '1'='1",
  "SIGNING_KEY\u0000",
  "signing_key",
  "SIGNING_KEY ",
  "%53IGNING_KEY",
];
const BAD_TYPES: unknown[] = [null, true, false, "jwt_tool", 0, "", [], {}, ["x"], { a: 1 }];

type Headers = Record<string, string>;
interface Attack {
  name: string;
  /** Deployment path prefix (default /usage, skew 0). */
  prefix?: string;
  headers: () => Headers | Promise<Headers>;
}

const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });

const seed = runSeed();
const tally = { attacks: 0, findings: 0 };

describe("attacks on the gateway and the function behind it", () => {
  let sandbox: Sandbox;
  let gateway: Gateway;
  let attacker: Listening;
  let jwksHost: Listening;
  let attackerHits = 0;
  let clockMs = Date.now();
  const nowS = () => Math.floor(clockMs / 1000);
  /** JWKS ids whose answer is broken on purpose, and how. */
  const broken = new Map<string, JwksMode>();
  const keys = {
    attacker: generateKeyPairSync("rsa", { modulusLength: 2048 }),
    rsa1024: generateKeyPairSync("rsa", { modulusLength: 1024 }),
    rsa4160: generateKeyPairSync("rsa", { modulusLength: 4160 }),
    ec: generateKeyPairSync("ec", { namedCurve: "P-256" }),
    ed: generateKeyPairSync("ed25519"),
  };
  let realKey: KeyObject;
  let publicPem: string;
  let baseClaims: Record<string, unknown>;
  let jwksUrl: string;

  /** Claims of a valid token at the gateway's clock, with `claims` merged over them (undefined drops one). */
  function claimsAt(claims: Record<string, unknown> = {}): Record<string, unknown> {
    const out: Record<string, unknown> = { ...baseClaims, iat: nowS(), exp: nowS() + 3600, ...claims };
    for (const [name, value] of Object.entries(out)) if (value === undefined) delete out[name];
    return out;
  }
  /** A token the real IDCS key signs: any header fields and claims. */
  const signedByIdcs = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    craft({ alg: "RS256", typ: "JWT", kid: REAL_KID, ...header }, claimsAt(claims), rs256(realKey));

  async function post(prefix: string, headers: Headers): Promise<{ status: number; text: string }> {
    const res = await fetch(`${gateway.url}${prefix}${USAGE_ROUTE}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: BODY,
    });
    return { status: res.status, text: await res.text() };
  }

  /** The refusal every attack must get: a bare 401, no token text, nothing sent to the function. */
  async function expectRefused(prefix: string, headers: Headers): Promise<boolean> {
    tally.attacks++;
    const fnCalls = sandbox.fn.stats.calls;
    const backendCalls = gateway.stats.backendCalls;
    const answer = await post(prefix, headers);
    const token = headers.authorization?.split(" ").at(-1) ?? "";
    const refused =
      answer.status === 401 &&
      answer.text === UNAUTHORIZED &&
      (token.length < 8 || !answer.text.includes(token.slice(0, 16))) &&
      sandbox.fn.stats.calls === fnCalls &&
      gateway.stats.backendCalls === backendCalls;
    if (!refused) tally.findings++;
    return refused;
  }

  async function accepted(prefix: string, headers: Headers): Promise<boolean> {
    const answer = await post(prefix, headers);
    return answer.status === 200 && JSON.parse(answer.text).items.length > 0;
  }

  function deploy(prefix: string, policy: Partial<JwtAuthenticationPolicy>, uri = jwksUrl): void {
    gateway.deploy({
      id: prefix.slice(1),
      pathPrefix: prefix,
      specification: {
        requestPolicies: {
          authentication: {
            type: "JWT_AUTHENTICATION",
            tokenHeader: "Authorization",
            tokenAuthScheme: "Bearer",
            issuers: [sandbox.endpoints.issuer],
            audiences: [sandbox.endpoints.audience],
            maxClockSkewInSeconds: 0,
            publicKeys: { type: "REMOTE_JWKS", uri, maxCacheDurationInHours: 1 },
            ...policy,
          },
        },
        routes: [
          {
            path: USAGE_ROUTE,
            methods: ["POST"],
            backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId: sandbox.endpoints.functionId ?? "" },
          },
        ],
      },
    });
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
    realKey = sandbox.identity.privateKey(REAL_KID);
    const { n, e } = sandbox.identity.publicJwk(REAL_KID);
    publicPem = createPublicKey({ key: { kty: "RSA", n, e }, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    }) as string;
    baseClaims = parts(await sandbox.identity.mintToken()).payload;
    attacker = await listen((req, res) => {
      attackerHits++;
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwkOf(keys.attacker.publicKey, REAL_KID, "RS256")] }));
    });
    jwksHost = await listen((req, res) => serveJwks(req, res, sandbox, broken, keys, attacker.url));
    jwksUrl = `${jwksHost.url}/jwks/proxy/main`;
    gateway = await startGateway({
      faults: createFaults().gateway,
      invokeFunction: (id, call) => sandbox.functions.invoke(id, call),
      now: () => clockMs,
      jwksCooldownMs: COOLDOWN_MS,
    });
    deploy("/usage", {});
    deploy("/skew", { maxClockSkewInSeconds: SKEW });
    deploy("/claims", {
      verifyClaims: [
        { key: "client_id", values: [sandbox.endpoints.clientId], isRequired: true },
        { key: "tok_type", values: ["AT"], isRequired: true },
      ],
    });
    deploy("/weak", {}, `${jwksHost.url}/jwks/weak/w`);
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await attacker?.close();
    await jwksHost?.close();
    await sandbox?.stop();
    console.log(
      figuresLine(
        "attacks",
        {
          "attacks tried": tally.attacks,
          "attacker URL fetches": attackerHits,
          findings: tally.findings,
        },
        seed,
      ),
    );
  });

  it("passes a valid token through the gateway to the function (the control case)", async () => {
    expect(await accepted("/usage", bearer(signedByIdcs()))).toBe(true);
    expect(await accepted("/usage", bearer(await sandbox.identity.mintToken()))).toBe(true);
  });

  /** The tools the attack groups craft tokens with, at the gateway's current clock. */
  const kit = (): Kit => {
    const valid = () => signedByIdcs();
    const segment = (i: number) => () => valid().split(".")[i] ?? "";
    const [h, p, s] = [segment(0), segment(1), segment(2)] as const;
    const none = (alg: string) => craft({ alg, kid: REAL_KID }, claimsAt(), () => "");
    const hmacWith = (alg: string, secret: string | Buffer) => {
      const hash = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg] ?? "sha256";
      return craft({ alg, kid: REAL_KID, typ: "JWT" }, claimsAt(), (input) =>
        createHmac(hash, secret).update(input).digest(),
      );
    };
    const jwkJson = JSON.stringify(sandbox.identity.publicJwk(REAL_KID));
    const der = Buffer.from(publicPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const byAttacker = (header: Record<string, unknown>) =>
      craft({ alg: "RS256", ...header }, claimsAt(), rs256(keys.attacker.privateKey));
    const attackerUrl = `${attacker.url}/jwks.json`;
    return {
      valid,
      h,
      p,
      s,
      none,
      hmacWith,
      jwkJson,
      der,
      byAttacker,
      attackerUrl,
      signedByIdcs,
      claimsAt,
      nowS,
      nowMs: () => clockMs,
      realKey,
      keys,
      sandbox,
      attacker,
      publicPem,
    };
  };
  const catalogue = (): Attack[] => {
    const k = kit();
    return [
      shapeAttacks,
      signatureAttacks,
      keyConfusionAttacks,
      kidAttacks,
      keyHeaderAttacks,
      keyTypeAttacks,
      timeAttacks,
      identityAttacks,
      claimTypeAttacks,
    ].flatMap((group) => group(k));
  };

  it("refuses every attack of the catalogue with a bare 401 and no call to the function", async () => {
    const failed: string[] = [];
    for (const attack of catalogue()) {
      if (!(await expectRefused(attack.prefix ?? "/usage", await attack.headers()))) failed.push(attack.name);
    }
    expect(failed).toEqual([]);
    expect(attackerHits).toBe(0);
    // The function saw only the control calls, and its log holds no token (it never logs the header).
    expect(sandbox.fn.logs.length).toBeGreaterThan(0);
    expect(sandbox.fn.logs.join("\n")).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });

  it("holds the exp and nbf edges exactly at the skew", async () => {
    // The other side of each edge the catalogue refuses: the gateway accepts these.
    expect(await accepted("/usage", bearer(signedByIdcs({ exp: nowS() + 1 })))).toBe(true);
    expect(await accepted("/usage", bearer(signedByIdcs({ nbf: nowS() })))).toBe(true);
    expect(await accepted("/skew", bearer(signedByIdcs({ exp: nowS() - SKEW + 1 })))).toBe(true);
    expect(await accepted("/skew", bearer(signedByIdcs({ nbf: nowS() + SKEW })))).toBe(true);
    expect(
      await accepted(
        "/usage",
        bearer(signedByIdcs({ aud: ["https://a.example/", sandbox.endpoints.audience] })),
      ),
    ).toBe(true);
    // OCI documents exp and nbf checks only: a future iat with a live exp is not refused (jose without maxTokenAge).
    expect(await accepted("/usage", bearer(signedByIdcs({ iat: nowS() + 3600 })))).toBe(true);
  });

  it("refuses every token whose decoded bytes differ from the signed ones by one bit (property)", async () => {
    const token = signedByIdcs({ exp: nowS() + 10 * HOUR_MS });
    const segments = token.split(".").map((part) => Buffer.from(part, "base64url"));
    await fc.assert(
      fc.asyncProperty(fc.nat(2), fc.nat(), fc.nat(7), async (part, at, bit) => {
        const bytes = segments.map((segment) => Buffer.from(segment));
        const target = bytes[part]!;
        target[at % target.length] = (target[at % target.length] ?? 0) ^ (1 << bit);
        const tampered = bytes.map((b) => b.toString("base64url")).join(".");
        expect(await expectRefused("/usage", bearer(tampered))).toBe(true);
      }),
      propertyParameters(seed, 300, 1),
    );
  });

  it("refuses forged headers: any alg, kid and key header the attacker controls (property)", async () => {
    const forgedHeader = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom(
            ...ALG_NONE,
            "HS256",
            "HS384",
            "HS512",
            "ES256",
            "PS256",
            "EdDSA",
            "RS256",
            "RS512",
            "",
          ),
          fc.string({ maxLength: 8 }),
        ),
        kid: fc.oneof(fc.constantFrom(REAL_KID, "attacker", ...KID_TRICKS), fc.string({ maxLength: 40 })),
        jku: fc.constant(`${attacker.url}/jku`),
        x5u: fc.constant(`${attacker.url}/x5u`),
        jwk: fc.constant(jwkOf(keys.attacker.publicKey, REAL_KID, "RS256")),
        crit: fc.constantFrom(["exp"], ["b64"], []),
        typ: fc.constantFrom("JWT", "at+jwt", "JWS"),
      },
      { requiredKeys: ["alg"] },
    );
    const signer = fc.constantFrom("none", "hs-pem", "hs-empty", "attacker-rsa", "attacker-pss");
    await fc.assert(
      fc.asyncProperty(forgedHeader, signer, async (header, how) => {
        const sign_ = {
          none: () => "",
          "hs-pem": hs256(publicPem),
          "hs-empty": hs256(""),
          "attacker-rsa": rs256(keys.attacker.privateKey),
          "attacker-pss": (i: Buffer) =>
            sign("sha256", i, { key: keys.attacker.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING }),
        }[how];
        expect(await expectRefused("/usage", bearer(craft(header, claimsAt(), sign_)))).toBe(true);
      }),
      propertyParameters(seed, 300, 2),
    );
    expect(attackerHits).toBe(0);
  });

  it("refuses tokens the real key signed whose checked claims are wrong or out of time (property)", async () => {
    const issuer = sandbox.endpoints.issuer;
    const audience = sandbox.endpoints.audience;
    const wrongType = fc.constantFrom(...BAD_TYPES.filter((v) => v !== 0));
    const breakage = fc.oneof(
      fc.record({
        claim: fc.constant("exp"),
        value: fc.oneof(
          wrongType,
          fc.integer({ min: -1e9, max: 0 }).map((d) => nowS() + d),
          fc.constant(undefined),
        ),
      }),
      fc.record({
        claim: fc.constant("nbf"),
        value: fc.oneof(
          wrongType,
          fc.integer({ min: 1, max: 1e9 }).map((d) => nowS() + d),
        ),
      }),
      fc.record({
        claim: fc.constant("iat"),
        value: fc.oneof(
          wrongType,
          fc.string().map((t) => `${nowS()}${t}`),
        ),
      }),
      fc.record({
        claim: fc.constant("iss"),
        value: fc.oneof(
          wrongType,
          fc.constant(undefined),
          fc.string().filter((t) => t !== issuer),
          fc.array(fc.string().filter((t) => t !== issuer)),
        ),
      }),
      fc.record({
        claim: fc.constant("aud"),
        value: fc.oneof(
          wrongType,
          fc.constant(undefined),
          fc.string().filter((t) => t !== audience),
          fc.array(fc.string().filter((t) => t !== audience)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(breakage, async ({ claim, value }) => {
        expect(await expectRefused("/usage", bearer(signedByIdcs({ [claim]: value })))).toBe(true);
      }),
      propertyParameters(seed, 300, 3),
    );
  });

  it("keeps the skew window exact: inside accepted, outside refused (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -3 * SKEW, max: 3 * SKEW }), fc.boolean(), async (offset, onExp) => {
        const claims = onExp ? { exp: nowS() + offset } : { nbf: nowS() + offset };
        const inside = onExp ? offset > -SKEW : offset <= SKEW;
        const token = bearer(signedByIdcs(claims));
        if (inside) expect(await accepted("/skew", token)).toBe(true);
        else expect(await expectRefused("/skew", token)).toBe(true);
      }),
      propertyParameters(seed, 60, 4),
    );
  });

  describe("JWKS rotation and outage", () => {
    let n = 0;
    /** A deployment of its own JWKS id (a cold cache), whose JWKS answers with `mode` while it is set. */
    function coldDeployment(mode?: JwksMode): { prefix: string; id: string; uri: string } {
      n++;
      const id = `c${n}`;
      const uri = `${jwksHost.url}/jwks/proxy/${id}`;
      if (mode) broken.set(id, mode);
      deploy(`/cold${n}`, {}, uri);
      return { prefix: `/cold${n}`, id, uri };
    }

    it("fails closed on a cold cache whatever the broken JWKS answers, and recovers after the cooldown", async () => {
      for (const mode of JWKS_MODES) {
        const cold = coldDeployment(mode);
        expect(await expectRefused(cold.prefix, bearer(signedByIdcs())), mode).toBe(true);
        expect(await expectRefused(cold.prefix, bearer(signedByIdcs())), mode).toBe(true);
        expect(gateway.jwksFetches(cold.uri), mode).toBe(1);
        broken.delete(cold.id);
      }
      clockMs += COOLDOWN_MS + 1;
      for (let i = n - JWKS_MODES.length + 1; i <= n; i++) {
        expect(await accepted(`/cold${i}`, bearer(signedByIdcs()))).toBe(true);
      }
      expect(attackerHits).toBe(0);
    });

    it("keeps serving a warm cache through every kind of outage, without a retry storm", async () => {
      const warm = coldDeployment();
      expect(await accepted(warm.prefix, bearer(signedByIdcs()))).toBe(true);
      for (const mode of OUTAGES) {
        broken.set(warm.id, mode);
        clockMs += HOUR_MS + 1; // the cache is stale: the next request tries a refetch
        const before = gateway.jwksFetches(warm.uri);
        expect(await accepted(warm.prefix, bearer(signedByIdcs())), mode).toBe(true);
        // An unknown kid in the outage: refused, and no second fetch within the cooldown.
        expect(await expectRefused(warm.prefix, bearer(signedByIdcs({}, { kid: "NEW" }))), mode).toBe(true);
        for (let i = 0; i < 5; i++) expect(await accepted(warm.prefix, bearer(signedByIdcs()))).toBe(true);
        expect(gateway.jwksFetches(warm.uri), mode).toBe(before + 1);
      }
      // An empty key set is an answer, not an outage: every key is retired and the gateway fails closed.
      broken.set(warm.id, "empty-keys");
      clockMs += HOUR_MS + 1;
      expect(await expectRefused(warm.prefix, bearer(signedByIdcs()))).toBe(true);
      broken.delete(warm.id);
    });

    it("fetches a cold JWKS once for a burst of concurrent requests", async () => {
      const cold = coldDeployment();
      const answers = await Promise.all(
        Array.from({ length: 16 }, () => post(cold.prefix, bearer(signedByIdcs()))),
      );
      expect(answers.map((a) => a.status)).toEqual(new Array(16).fill(200));
      expect(gateway.jwksFetches(cold.uri)).toBe(1);
    });

    it("rotates: a new key works after the cooldown, a retired one stops once the cache ages", async () => {
      const rot = coldDeployment();
      expect(await accepted(rot.prefix, bearer(signedByIdcs()))).toBe(true);
      await sandbox.identity.addSigningKey("ROTATED");
      const rotatedKey = sandbox.identity.privateKey("ROTATED");
      const byRotated = () => craft({ alg: "RS256", kid: "ROTATED" }, claimsAt(), rs256(rotatedKey));
      clockMs += COOLDOWN_MS + 1;
      expect(await accepted(rot.prefix, bearer(byRotated()))).toBe(true);
      // The old kid with the new key's signature (a rotation mix-up) is refused.
      expect(
        await expectRefused(
          rot.prefix,
          bearer(craft({ alg: "RS256", kid: REAL_KID }, claimsAt(), rs256(rotatedKey))),
        ),
      ).toBe(true);
      // The last test of the suite: the domain keeps signing with the new key from here on.
      sandbox.identity.activateSigningKey("ROTATED");
      sandbox.identity.retireSigningKey(REAL_KID);
      expect(await accepted(rot.prefix, bearer(signedByIdcs()))).toBe(true); // still cached
      clockMs += HOUR_MS + 1;
      expect(await expectRefused(rot.prefix, bearer(signedByIdcs()))).toBe(true);
      expect(await accepted(rot.prefix, bearer(byRotated()))).toBe(true);
    });
  });
});

type JwksMode = (typeof JWKS_MODES)[number];
/** How a broken JWKS answers: an error status, a redirect, bodies that are not a key set, too large, too slow. */
const JWKS_MODES = [
  "503",
  "404",
  "redirect",
  "not-json",
  "null",
  "keys-not-array",
  "empty-keys",
  "too-large",
  "reset",
] as const;
/** The modes that are outages (no usable answer): a warm cache keeps its keys through them. */
const OUTAGES = JWKS_MODES.filter((mode) => mode !== "empty-keys");

function jwkOf(key: KeyObject, kid: string, alg?: string): Record<string, unknown> {
  return { ...key.export({ format: "jwk" }), kid, use: "sig", ...(alg ? { alg } : {}) };
}

type Keys = Record<"attacker" | "rsa1024" | "rsa4160" | "ec" | "ed", { publicKey: KeyObject }>;

/**
 * The JWKS host: /jwks/proxy/<id> passes the identity domain's JWKS through unless <id> is broken on purpose;
 * /jwks/weak/<id> publishes keys the gateway must not use (RSA 1024 and 4160 bits, EC, Ed25519).
 */
async function serveJwks(
  req: IncomingMessage,
  res: ServerResponse,
  sandbox: Sandbox,
  broken: ReadonlyMap<string, JwksMode>,
  keys: Keys,
  attackerUrl: string,
): Promise<void> {
  req.resume();
  const [, , kind, id = ""] = (req.url ?? "").split("?")[0]!.split("/");
  const json = (status: number, body: string) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  };
  if (kind === "weak") {
    const published = [
      jwkOf(keys.rsa1024.publicKey, "RSA1024", "RS256"),
      jwkOf(keys.rsa4160.publicKey, "RSA4160", "RS256"),
      jwkOf(keys.ec.publicKey, "EC", "ES256"),
      jwkOf(keys.ed.publicKey, "ED", "EdDSA"),
    ];
    return json(200, JSON.stringify({ keys: published }));
  }
  const mode = broken.get(id);
  switch (mode) {
    case undefined: {
      const upstream = await fetch(sandbox.identity.jwksUrl);
      return json(upstream.status, await upstream.text());
    }
    case "503":
    case "404":
      return json(Number(mode), '{"code":"ServiceUnavailable"}');
    case "redirect":
      res.writeHead(302, { location: `${attackerUrl}/redirected-jwks` });
      return void res.end();
    case "not-json":
      return json(200, "<html>maintenance</html>");
    case "null":
      return json(200, "null");
    case "keys-not-array":
      return json(200, '{"keys":{"kid":"SIGNING_KEY"}}');
    case "empty-keys":
      return json(200, '{"keys":[]}');
    case "too-large":
      return json(200, JSON.stringify({ keys: [], pad: "x".repeat(2 * 1024 * 1024) }));
    case "reset":
      return void req.socket.destroy();
  }
}

/** What the attack groups build tokens from: a valid token's parts, signers, the keys and the endpoints. */
interface Kit {
  valid(): string;
  /** The header, payload and signature segments of a fresh valid token. */
  h(): string;
  p(): string;
  s(): string;
  none(alg: string): string;
  hmacWith(alg: string, secret: string | Buffer): string;
  jwkJson: string;
  der: Buffer;
  byAttacker(header: Record<string, unknown>): string;
  attackerUrl: string;
  signedByIdcs(claims?: Record<string, unknown>, header?: Record<string, unknown>): string;
  claimsAt(claims?: Record<string, unknown>): Record<string, unknown>;
  nowS(): number;
  nowMs(): number;
  realKey: KeyObject;
  keys: Record<
    "attacker" | "rsa1024" | "rsa4160" | "ec" | "ed",
    { privateKey: KeyObject; publicKey: KeyObject }
  >;
  sandbox: Sandbox;
  attacker: Listening;
  publicPem: string;
}

/** Malformed tokens: the wrong scheme, part count, padding or payload. */
function shapeAttacks(kit: Kit): Attack[] {
  const { valid, h, p, s, claimsAt, realKey } = kit;
  return [
    { name: "no Authorization header", headers: () => ({}) },
    { name: "two Authorization values", headers: () => ({ authorization: `Bearer ${valid()}, Bearer x` }) },
    {
      name: "a lower-case token of another scheme",
      headers: () => ({ authorization: `token ${valid()}` }),
    },
    { name: "the token base64-wrapped", headers: () => bearer(Buffer.from(valid()).toString("base64url")) },
    { name: "header only", headers: () => bearer(h()) },
    { name: "5 parts (a JWE shape)", headers: () => bearer(`${h()}.${p()}.${s()}.${s()}.${s()}`) },
    { name: "padding on the signature", headers: () => bearer(`${h()}.${p()}.${s()}==`) },
    {
      name: "a payload that is a JSON array",
      headers: () => bearer(craft({ alg: "RS256", kid: REAL_KID }, [claimsAt()], rs256(realKey))),
    },
    {
      name: "a payload that is not JSON",
      headers: () => bearer(craft({ alg: "RS256", kid: REAL_KID }, "not json", rs256(realKey))),
    },
  ];
}

/** alg none in every casing, stripped, foreign, zeroed and short signatures. */
function signatureAttacks(kit: Kit): Attack[] {
  const { h, p, s, none, signedByIdcs, claimsAt, realKey } = kit;
  return [
    ...ALG_NONE.map((alg) => ({ name: `alg ${alg}, empty signature`, headers: () => bearer(none(alg)) })),
    {
      name: "alg none keeping the real signature",
      headers: () => bearer(`${b64({ alg: "none", kid: REAL_KID })}.${p()}.${s()}`),
    },
    { name: "no alg at all", headers: () => bearer(craft({ kid: REAL_KID }, claimsAt(), rs256(realKey))) },
    { name: "alg in lower case (rs256)", headers: () => bearer(signedByIdcs({}, { alg: "rs256" })) },
    { name: "the signature stripped (h.p.)", headers: () => bearer(`${h()}.${p()}.`) },
    {
      name: "the signature of another token",
      headers: () => bearer(`${h()}.${b64(claimsAt({ sub: "admin" }))}.${s()}`),
    },
    {
      name: "the signature zeroed",
      headers: () => bearer(`${h()}.${p()}.${Buffer.alloc(256).toString("base64url")}`),
    },
    { name: "a 1-byte signature", headers: () => bearer(`${h()}.${p()}.AA`) },
  ];
}

/** HMAC keyed with what an attacker knows of the RSA key (RS-HS confusion), or with nothing. */
function keyConfusionAttacks(kit: Kit): Attack[] {
  const { hmacWith, jwkJson, der, sandbox, publicPem } = kit;
  return [
    ...["HS256", "HS384", "HS512"].map((alg) => ({
      name: `${alg} keyed with the SPKI PEM (key confusion)`,
      headers: () => bearer(hmacWith(alg, publicPem)),
    })),
    {
      name: "HS256 keyed with the PEM without its final newline",
      headers: () => bearer(hmacWith("HS256", publicPem.trimEnd())),
    },
    { name: "HS256 keyed with the DER of the public key", headers: () => bearer(hmacWith("HS256", der)) },
    { name: "HS256 keyed with the JWK JSON text", headers: () => bearer(hmacWith("HS256", jwkJson)) },
    {
      name: "HS256 keyed with the modulus n",
      headers: () => bearer(hmacWith("HS256", sandbox.identity.publicJwk(REAL_KID).n)),
    },
    { name: "HS256 with an empty secret", headers: () => bearer(hmacWith("HS256", "")) },
  ];
}

/** kid tricks: path, SQL and shell text, near misses, other types, and kid or alg given twice. */
function kidAttacks(kit: Kit): Attack[] {
  const { p, signedByIdcs, claimsAt, realKey, keys } = kit;
  return [
    ...KID_TRICKS.map((kid) => ({
      name: `kid ${JSON.stringify(kid)}, HS256 with an empty key`,
      headers: () => bearer(craft({ alg: "HS256", kid }, claimsAt(), hs256(""))),
    })),
    ...KID_TRICKS.map((kid) => ({
      name: `kid ${JSON.stringify(kid)} on a token the real key signed`,
      headers: () => bearer(signedByIdcs({}, { kid })),
    })),
    {
      name: "no kid, signed by the real key",
      headers: () => bearer(craft({ alg: "RS256" }, claimsAt(), rs256(realKey))),
    },
    ...[0, null, true, [REAL_KID], { kid: REAL_KID }].map((kid) => ({
      name: `kid as ${JSON.stringify(kid)}`,
      headers: () => bearer(signedByIdcs({}, { kid })),
    })),
    {
      name: "kid given twice, the attacker's last",
      headers: () =>
        bearer(
          craft(
            `{"alg":"RS256","kid":"${REAL_KID}","kid":"attacker"}`,
            claimsAt(),
            rs256(keys.attacker.privateKey),
          ),
        ),
    },
    {
      name: "kid given twice, the real one last, the attacker signing",
      headers: () =>
        bearer(
          craft(
            `{"alg":"RS256","kid":"attacker","kid":"${REAL_KID}"}`,
            claimsAt(),
            rs256(keys.attacker.privateKey),
          ),
        ),
    },
    {
      name: "alg given twice, none last",
      headers: () => bearer(`${b64(`{"alg":"RS256","kid":"${REAL_KID}","alg":"none"}`)}.${p()}.`),
    },
  ];
}

/** Headers that name a key: jku, x5u, jwk and x5c, and the attacker's URL as kid (nothing may be fetched). */
function keyHeaderAttacks(kit: Kit): Attack[] {
  const { der, byAttacker, attackerUrl, keys, attacker } = kit;
  return [
    { name: "the attacker's URL as kid", headers: () => bearer(byAttacker({ kid: attackerUrl })) },
    {
      name: "jku to the attacker's JWKS",
      headers: () => bearer(byAttacker({ kid: REAL_KID, jku: attackerUrl })),
    },
    {
      name: "jku with the attacker's own kid",
      headers: () => bearer(byAttacker({ kid: "attacker", jku: attackerUrl })),
    },
    {
      name: "x5u to the attacker",
      headers: () => bearer(byAttacker({ kid: REAL_KID, x5u: `${attacker.url}/cert.pem` })),
    },
    {
      name: "an embedded jwk with the attacker's key",
      headers: () =>
        bearer(byAttacker({ kid: REAL_KID, jwk: jwkOf(keys.attacker.publicKey, REAL_KID, "RS256") })),
    },
    {
      name: "an embedded x5c chain of the attacker",
      headers: () => bearer(byAttacker({ kid: REAL_KID, x5c: [der.toString("base64")] })),
    },
  ];
}

/** crit, and keys and algorithms the gateway does not take: EC, Ed25519, RSA under 2048 or over 4096 bits, PS256. */
function keyTypeAttacks(kit: Kit): Attack[] {
  const { signedByIdcs, claimsAt, realKey, keys } = kit;
  return [
    { name: 'crit ["exp"]', headers: () => bearer(signedByIdcs({}, { crit: ["exp"] })) },
    { name: 'crit ["foo"] with foo', headers: () => bearer(signedByIdcs({}, { crit: ["foo"], foo: 1 })) },
    { name: "crit [] (empty)", headers: () => bearer(signedByIdcs({}, { crit: [] })) },
    {
      name: 'crit ["b64"] with b64 false',
      headers: () => bearer(signedByIdcs({}, { crit: ["b64"], b64: false })),
    },
    { name: "crit as a string", headers: () => bearer(signedByIdcs({}, { crit: "exp" })) },
    {
      name: "ES256 signed by an EC key the JWKS publishes",
      prefix: "/weak",
      headers: () =>
        bearer(
          craft({ alg: "ES256", kid: "EC" }, claimsAt(), (i) =>
            sign("sha256", i, { key: keys.ec.privateKey, dsaEncoding: "ieee-p1363" }),
          ),
        ),
    },
    {
      name: "RS256 under an EC key's kid",
      prefix: "/weak",
      headers: () => bearer(craft({ alg: "RS256", kid: "EC" }, claimsAt(), rs256(keys.attacker.privateKey))),
    },
    {
      name: "EdDSA signed by an Ed25519 key the JWKS publishes",
      prefix: "/weak",
      headers: () =>
        bearer(craft({ alg: "EdDSA", kid: "ED" }, claimsAt(), (i) => sign(null, i, keys.ed.privateKey))),
    },
    {
      name: "RS256 by a 1024-bit key the JWKS publishes",
      prefix: "/weak",
      headers: () =>
        bearer(craft({ alg: "RS256", kid: "RSA1024" }, claimsAt(), rs256(keys.rsa1024.privateKey))),
    },
    {
      name: "RS256 by a 4160-bit key the JWKS publishes",
      prefix: "/weak",
      headers: () =>
        bearer(craft({ alg: "RS256", kid: "RSA4160" }, claimsAt(), rs256(keys.rsa4160.privateKey))),
    },
    {
      name: "PS256 signed by the real RSA key",
      headers: () =>
        bearer(
          craft({ alg: "PS256", kid: REAL_KID }, claimsAt(), (i) =>
            sign("sha256", i, { key: realKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
          ),
        ),
    },
    {
      name: "RS384 under a key that pins RS256",
      headers: () =>
        bearer(craft({ alg: "RS384", kid: REAL_KID }, claimsAt(), (i) => sign("sha384", i, realKey))),
    },
  ];
}

/** exp and nbf at and past the skew, and a missing exp. */
function timeAttacks(kit: Kit): Attack[] {
  const { signedByIdcs, nowS, nowMs } = kit;
  return [
    { name: "exp = now (skew 0)", headers: () => bearer(signedByIdcs({ exp: nowS() })) },
    { name: "exp = now - 1 (skew 0)", headers: () => bearer(signedByIdcs({ exp: nowS() - 1 })) },
    {
      name: `exp = now - ${SKEW} (skew ${SKEW})`,
      prefix: "/skew",
      headers: () => bearer(signedByIdcs({ exp: nowS() - SKEW })),
    },
    { name: `nbf = now + 1 (skew 0)`, headers: () => bearer(signedByIdcs({ nbf: nowS() + 1 })) },
    {
      name: `nbf = now + ${SKEW + 1} (skew ${SKEW})`,
      prefix: "/skew",
      headers: () => bearer(signedByIdcs({ nbf: nowS() + SKEW + 1 })),
    },
    {
      name: "exp in the past, iat in the future",
      headers: () => bearer(signedByIdcs({ exp: nowS() - 1, iat: nowS() + 3600 })),
    },
    { name: "exp = 0", headers: () => bearer(signedByIdcs({ exp: 0 })) },
    { name: "exp negative", headers: () => bearer(signedByIdcs({ exp: -1 })) },
    { name: "no exp claim", headers: () => bearer(signedByIdcs({ exp: undefined })) },
    {
      name: "exp in milliseconds, long past",
      headers: () => bearer(signedByIdcs({ exp: nowS() - 1, iat: nowMs() })),
    },
  ];
}

/** iss and aud variants, and the claims verifyClaims checks. */
function identityAttacks(kit: Kit): Attack[] {
  const { signedByIdcs, sandbox, attacker } = kit;
  return [
    {
      name: "iss without its trailing slash",
      headers: () => bearer(signedByIdcs({ iss: sandbox.endpoints.issuer.replace(/\/$/, "") })),
    },
    {
      name: "iss with a second trailing slash",
      headers: () => bearer(signedByIdcs({ iss: `${sandbox.endpoints.issuer}/` })),
    },
    {
      name: "iss in upper case",
      headers: () => bearer(signedByIdcs({ iss: sandbox.endpoints.issuer.toUpperCase() })),
    },
    {
      name: "iss over http",
      headers: () => bearer(signedByIdcs({ iss: sandbox.endpoints.issuer.replace(/^https:/, "http:") })),
    },
    {
      name: "iss with white space",
      headers: () => bearer(signedByIdcs({ iss: ` ${sandbox.endpoints.issuer}` })),
    },
    {
      name: "iss as an array holding ours",
      headers: () => bearer(signedByIdcs({ iss: [sandbox.endpoints.issuer] })),
    },
    { name: "iss missing", headers: () => bearer(signedByIdcs({ iss: undefined })) },
    { name: "iss of the attacker", headers: () => bearer(signedByIdcs({ iss: `${attacker.url}/` })) },
    {
      name: "aud without its trailing slash",
      headers: () => bearer(signedByIdcs({ aud: sandbox.endpoints.audience.replace(/\/$/, "") })),
    },
    {
      name: "aud in upper case",
      headers: () => bearer(signedByIdcs({ aud: sandbox.endpoints.audience.toUpperCase() })),
    },
    { name: "aud as an empty array", headers: () => bearer(signedByIdcs({ aud: [] })) },
    {
      name: "aud as an array without ours",
      headers: () => bearer(signedByIdcs({ aud: ["https://a.example/", "https://b.example/"] })),
    },
    {
      name: "aud as an object",
      headers: () => bearer(signedByIdcs({ aud: { [sandbox.endpoints.audience]: true } })),
    },
    {
      name: "aud as a nested array",
      headers: () => bearer(signedByIdcs({ aud: [[sandbox.endpoints.audience]] })),
    },
    { name: "aud missing", headers: () => bearer(signedByIdcs({ aud: undefined })) },
    {
      name: "an ID token (tok_type IT) where verifyClaims asks for AT",
      prefix: "/claims",
      headers: () => bearer(signedByIdcs({ tok_type: "IT" })),
    },
    {
      name: "client_id of another client",
      prefix: "/claims",
      headers: () => bearer(signedByIdcs({ client_id: "someone-else" })),
    },
    {
      name: "client_id as an object",
      prefix: "/claims",
      headers: () => bearer(signedByIdcs({ client_id: { id: sandbox.endpoints.clientId } })),
    },
    {
      name: "client_id missing",
      prefix: "/claims",
      headers: () => bearer(signedByIdcs({ client_id: undefined })),
    },
  ];
}

/** Every checked claim and the alg header as a value of the wrong type (jwt_tool's forced errors). */
function claimTypeAttacks(kit: Kit): Attack[] {
  const { signedByIdcs } = kit;
  return [
    ...BAD_TYPES.flatMap((value) =>
      ["exp", "nbf", "iat", "iss", "aud"]
        .filter((claim) => !(value === 0 && (claim === "nbf" || claim === "iat")))
        .map((claim) => ({
          name: `${claim} as ${JSON.stringify(value)}`,
          headers: () => bearer(signedByIdcs({ [claim]: value })),
        })),
    ),
    ...BAD_TYPES.filter((v) => v !== "jwt_tool").map((alg) => ({
      name: `alg as ${JSON.stringify(alg)}`,
      headers: () => bearer(signedByIdcs({}, { alg })),
    })),
  ];
}
