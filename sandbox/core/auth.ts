// The sandbox's OCI identity authority: an API-key registry, resource-principal session tokens (RPST) and
// user principal session tokens (UPST, from the identity domain's token exchange) signed by an "auth
// service" key, and verification of OCI request signatures (draft-cavage HTTP signatures as OCI
// profiles them: oracle/oci-typescript-sdk lib/common/lib/signer.ts). Service-neutral: every sandbox control
// plane guards its routes with verifyRequest.
//
// JWTs are handled with node:crypto rather than jose because verifyRequest runs synchronously inside request
// handlers; the algorithm is pinned to RS256 and `exp` is required.

import {
  createHash,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { recordIssued } from "./issued-secrets.js";

type AuthFailureReason =
  | "missing-signature"
  | "bad-header"
  | "unknown-key"
  | "bad-signature"
  | "body-hash-mismatch"
  | "clock-skew"
  | "expired-token"
  | "bad-token"
  | "missing-signed-header";

/** The one message a client sees, whatever the reason (OCI does not say why). */
export const NOT_AUTHENTICATED_MESSAGE =
  "The required information to complete authentication was not provided or was incorrect.";

export class NotAuthenticatedError extends Error {
  readonly status = 401;
  readonly code = "NotAuthenticated";
  /** Why, for tests and logs; never sent to the client. */
  readonly reason: AuthFailureReason;
  readonly detail: string | undefined;

  constructor(reason: AuthFailureReason, detail?: string) {
    super(NOT_AUTHENTICATED_MESSAGE);
    this.name = "NotAuthenticatedError";
    this.reason = reason;
    this.detail = detail;
  }
}

export type Principal =
  | {
      kind: "user";
      tenancyId: string;
      userId: string;
      fingerprint: string;
      /** Signed with a UPST's session key (keyId `ST$<upst>`) rather than an API key. */
      session?: true;
    }
  | { kind: "resource"; tenancyId: string; compartmentId: string; resourceId: string };

interface SignedRequest {
  method: string;
  /** The request target as received: path plus query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ApiKeyUser {
  tenancyId: string;
  userId: string;
  fingerprint: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

interface RpstRequest {
  tenancyId: string;
  compartmentId: string;
  resourceId: string;
  resourceType?: "fnfunc";
  /** Lifetime from now, default 1200 s (OCI Functions' RPSTs live about 20 minutes). */
  ttlSeconds?: number;
  /** Absolute expiry in epoch SECONDS (the JWT `exp`); overrides ttlSeconds, may be in the past. */
  expiresAt?: number;
}

interface UpstRequest {
  tenancyId: string;
  /** The OCID of the (service) user the session is for: the UPST's `sub`. */
  userId: string;
  /** The session's public key (the exchange's `public_key`): requests are signed with its private half. */
  publicKey: KeyObject;
  /** Lifetime from now, default 3600 s (a UPST lives 60 minutes at most). */
  ttlSeconds?: number;
  /** Absolute expiry in epoch SECONDS; overrides ttlSeconds, may be in the past. */
  expiresAt?: number;
}

interface Rpst {
  token: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

const AUTH_SERVICE_ISSUER = "authService.oracle.com";
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** OCI's API-key fingerprint: MD5 of the DER SubjectPublicKeyInfo, colon-separated lower-case hex. */
function fingerprintOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)?.join(":") ?? "";
}

function ocidPart(seed: string, length = 52): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; out.length < length; i++) out += BASE32[digest[i % digest.length]! & 31];
  return out;
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

interface Registration {
  tenancyId: string;
  userId: string;
  key: KeyObject;
}

/** Parse `Signature version="1",keyId="…",…` into its parameters; null when malformed. */
function parseSignatureHeader(value: string): Map<string, string> | null {
  const m = /^Signature\s+(.*)$/is.exec(value.trim());
  if (!m) return null;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z]+)="([^"]*)"\s*(,|$)/y;
  const text = m[1]!;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const p = re.exec(text);
    if (!p) return null;
    const name = p[1]!;
    if (params.has(name)) return null;
    params.set(name, p[2]!);
    pos = re.lastIndex;
    if (p[3] === "" && pos < text.length) return null;
  }
  return params;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
  return v;
}

export class OciAuthority {
  readonly clockSkewSeconds: number;
  /** The reason of the last rejected request, for tests. */
  lastFailure?: AuthFailureReason;
  /** Key id in the header of the RPSTs this authority mints. */
  readonly tokenKeyId = "asw";
  private readonly now: () => number;
  private readonly tokenKey: { privateKey: KeyObject; publicKey: KeyObject };
  /** fingerprint -> registrations (the same key may belong to several users). */
  private readonly apiKeys = new Map<string, Registration[]>();
  private userCounter = 0;

  constructor(opts: { clockSkewSeconds?: number; now?: () => number } = {}) {
    this.clockSkewSeconds = opts.clockSkewSeconds ?? 300;
    this.now = opts.now ?? Date.now;
    this.tokenKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
  }

  /** The public key that verifies minted tokens, as PEM. */
  get tokenPublicKeyPem(): string {
    return this.tokenKey.publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  /** A new user of the tenancy with a fresh RSA-2048 API key, registered. */
  createApiKeyUser(tenancyId: string, userName?: string): ApiKeyUser {
    const name = userName ?? `sandbox-user-${++this.userCounter}`;
    const userId = `ocid1.user.oc1..aaaaaaaa${ocidPart(`${tenancyId}/${name}`)}`;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const fingerprint = this.registerApiKey(tenancyId, userId, publicKeyPem);
    const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    recordIssued("private key", privateKeyPem);
    return { tenancyId, userId, fingerprint, privateKeyPem, publicKeyPem };
  }

  /** Register a user's public key (PEM); returns its fingerprint. OCI API keys are RSA of 2048 bits or more. */
  registerApiKey(tenancyId: string, userId: string, publicKeyPem: string): string {
    const key = createPublicKey(publicKeyPem);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== "rsa" || bits < 2048)
      throw new Error("API keys must be RSA keys of at least 2048 bits");
    const fingerprint = fingerprintOf(key);
    const list = this.apiKeys.get(fingerprint) ?? [];
    if (!list.some((r) => r.tenancyId === tenancyId && r.userId === userId))
      list.push({ tenancyId, userId, key });
    this.apiKeys.set(fingerprint, list);
    return fingerprint;
  }

  /** Remove the key with this fingerprint from every user. */
  revokeApiKey(fingerprint: string): void {
    this.apiKeys.delete(fingerprint);
  }

  /** A resource-principal session token for a resource, with a fresh session key pair. */
  mintRpst(p: RpstRequest): Rpst {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = {
      ...publicKey.export({ format: "jwk" }),
      kid: `${p.resourceId}/${randomUUID()}`,
      alg: "RS256",
      use: "sig",
    };
    const iat = Math.floor(this.now() / 1000);
    const claims = {
      sub: p.resourceId,
      iss: AUTH_SERVICE_ISSUER,
      aud: "oci",
      ttype: "res",
      ptype: "resource",
      res_type: p.resourceType ?? "fnfunc",
      res_id: p.resourceId,
      res_tenant: p.tenancyId,
      res_compartment: p.compartmentId,
      jwk: JSON.stringify(jwk),
      iat,
      exp: p.expiresAt ?? iat + (p.ttlSeconds ?? 1200),
      jti: randomUUID(),
    };
    const rpst = {
      token: this.signJwt(claims),
      privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    recordIssued("RPST", rpst.token);
    recordIssued("private key", rpst.privateKeyPem);
    return rpst;
  }

  /**
   * A user principal session token bound to `publicKey`. Claims as the contract (KEYLESS.md) names them;
   * `ttype: "upst"` is the sandbox's (unconfirmed).
   */
  mintUpst(p: UpstRequest): string {
    const jwk = {
      ...p.publicKey.export({ format: "jwk" }),
      kid: `${p.userId}/${randomUUID()}`,
      alg: "RS256",
    };
    const iat = Math.floor(this.now() / 1000);
    const upst = this.signJwt({
      sub: p.userId,
      iss: AUTH_SERVICE_ISSUER,
      aud: "oci",
      ttype: "upst",
      ptype: "user",
      tenant: p.tenancyId,
      jwk: JSON.stringify(jwk),
      iat,
      exp: p.expiresAt ?? iat + (p.ttlSeconds ?? 3600),
      jti: randomUUID(),
    });
    recordIssued("UPST", upst);
    return upst;
  }

  private signJwt(claims: object): string {
    const input = `${b64url(JSON.stringify({ kid: this.tokenKeyId, alg: "RS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${cryptoSign("sha256", Buffer.from(input), this.tokenKey.privateKey).toString("base64url")}`;
  }

  /** Check an OCI-signed request; returns who signed it or throws NotAuthenticatedError. */
  verifyRequest(req: SignedRequest): Principal {
    try {
      return this.verify(req);
    } catch (err) {
      if (err instanceof NotAuthenticatedError) this.lastFailure = err.reason;
      throw err;
    }
  }

  private verify(req: SignedRequest): Principal {
    const authorization = headerValue(req.headers, "authorization");
    if (!authorization) throw new NotAuthenticatedError("missing-signature");
    const params = parseSignatureHeader(authorization);
    if (!params) throw new NotAuthenticatedError("bad-header", "authorization is not an HTTP signature");
    const version = params.get("version");
    if (version !== undefined && version !== "1")
      throw new NotAuthenticatedError("bad-header", `version ${version}`);
    const keyId = params.get("keyId");
    const signature = params.get("signature");
    if (!keyId || !signature)
      throw new NotAuthenticatedError("bad-header", "keyId and signature are required");
    if (params.get("algorithm")?.toLowerCase() !== "rsa-sha256")
      throw new NotAuthenticatedError("bad-header", "algorithm");

    // draft-cavage: without `headers`, only `date` is signed, which OCI does not accept.
    const signed = (params.get("headers") ?? "date")
      .split(" ")
      .filter((h) => h !== "")
      .map((h) => h.toLowerCase());
    const method = req.method.toUpperCase();
    const required = ["(request-target)", "host"];
    if (BODY_METHODS.has(method)) {
      required.push("content-length", "x-content-sha256");
      if (headerValue(req.headers, "content-type") !== undefined) required.push("content-type");
    }
    for (const name of required) {
      if (!signed.includes(name)) throw new NotAuthenticatedError("missing-signed-header", name);
    }
    const dateHeader = signed.includes("x-date") ? "x-date" : signed.includes("date") ? "date" : null;
    if (!dateHeader) throw new NotAuthenticatedError("missing-signed-header", "x-date or date");

    const lines: string[] = [];
    for (const name of signed) {
      if (name === "(request-target)") {
        lines.push(`(request-target): ${method.toLowerCase()} ${req.url}`);
        continue;
      }
      const value = headerValue(req.headers, name);
      if (value === undefined || value === "") throw new NotAuthenticatedError("missing-signed-header", name);
      lines.push(`${name}: ${value}`);
    }

    const date = Date.parse(headerValue(req.headers, dateHeader)!);
    if (!Number.isFinite(date)) throw new NotAuthenticatedError("bad-header", `${dateHeader} is not a date`);
    if (Math.abs(this.now() - date) > this.clockSkewSeconds * 1000) {
      throw new NotAuthenticatedError(
        "clock-skew",
        `${dateHeader} is ${Math.round((this.now() - date) / 1000)} s off`,
      );
    }

    if (signed.includes("x-content-sha256")) {
      const digest = createHash("sha256").update(req.body).digest("base64");
      if (headerValue(req.headers, "x-content-sha256") !== digest)
        throw new NotAuthenticatedError("body-hash-mismatch");
    }
    if (
      signed.includes("content-length") &&
      Number(headerValue(req.headers, "content-length")) !== req.body.length
    ) {
      throw new NotAuthenticatedError("body-hash-mismatch", "content-length differs from the body");
    }

    const { key, principal } = keyId.startsWith("ST$") ? this.sessionKey(keyId.slice(3)) : this.apiKey(keyId);
    const ok = cryptoVerify("sha256", Buffer.from(lines.join("\n")), key, Buffer.from(signature, "base64"));
    if (!ok) throw new NotAuthenticatedError("bad-signature");
    return principal;
  }

  private apiKey(keyId: string): { key: KeyObject; principal: Principal } {
    const parts = keyId.split("/");
    if (parts.length !== 3)
      throw new NotAuthenticatedError("unknown-key", "keyId is not tenancy/user/fingerprint");
    const [tenancyId, userId, fingerprint] = parts as [string, string, string];
    const registration = this.apiKeys
      .get(fingerprint)
      ?.find((r) => r.tenancyId === tenancyId && r.userId === userId);
    if (!registration) throw new NotAuthenticatedError("unknown-key");
    return { key: registration.key, principal: { kind: "user", tenancyId, userId, fingerprint } };
  }

  private sessionKey(token: string): { key: KeyObject; principal: Principal } {
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]+$/.test(p))) {
      throw new NotAuthenticatedError("bad-token", "not a compact JWS");
    }
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    } catch {
      throw new NotAuthenticatedError("bad-token", "header or claims are not JSON");
    }
    if (typeof header !== "object" || header === null || typeof claims !== "object" || claims === null) {
      throw new NotAuthenticatedError("bad-token", "header or claims are not objects");
    }
    if (header.alg !== "RS256") throw new NotAuthenticatedError("bad-token", `alg ${String(header.alg)}`);
    if (header.kid !== undefined && header.kid !== this.tokenKeyId)
      throw new NotAuthenticatedError("bad-token", "kid");
    if (
      !cryptoVerify("sha256", Buffer.from(`${h}.${p}`), this.tokenKey.publicKey, Buffer.from(s, "base64url"))
    ) {
      throw new NotAuthenticatedError("bad-token", "token signature");
    }
    if (claims.iss !== AUTH_SERVICE_ISSUER) throw new NotAuthenticatedError("bad-token", "iss");
    if (typeof claims.exp !== "number") throw new NotAuthenticatedError("bad-token", "exp is required");
    const nowSeconds = this.now() / 1000;
    if (claims.exp <= nowSeconds) throw new NotAuthenticatedError("expired-token");
    if (
      claims.nbf !== undefined &&
      (typeof claims.nbf !== "number" || claims.nbf > nowSeconds + this.clockSkewSeconds)
    ) {
      throw new NotAuthenticatedError("bad-token", "nbf");
    }
    let key: KeyObject;
    try {
      if (typeof claims.jwk !== "string") throw new Error("jwk claim is not a string");
      const jwk = JSON.parse(claims.jwk) as { kty?: unknown };
      if (jwk.kty !== "RSA") throw new Error("jwk is not RSA");
      key = createPublicKey({ key: jwk as never, format: "jwk" });
    } catch (err) {
      throw new NotAuthenticatedError("bad-token", `session key: ${(err as Error).message}`);
    }
    return { key, principal: sessionPrincipal(claims, key) };
  }
}

/** Who a verified session token speaks for: a user (UPST, `ptype: "user"`) or a resource (RPST). */
function sessionPrincipal(claims: Record<string, unknown>, key: KeyObject): Principal {
  const str = (name: string): string => {
    const v = claims[name];
    if (typeof v !== "string" || v === "") throw new NotAuthenticatedError("bad-token", `claim ${name}`);
    return v;
  };
  if (claims.ptype === "user") {
    return {
      kind: "user",
      tenancyId: str("tenant"),
      userId: str("sub"),
      fingerprint: fingerprintOf(key),
      session: true,
    };
  }
  if (claims.ttype !== "res") throw new NotAuthenticatedError("bad-token", `ttype ${String(claims.ttype)}`);
  return {
    kind: "resource",
    tenancyId: str("res_tenant"),
    compartmentId: str("res_compartment"),
    resourceId: typeof claims.res_id === "string" ? claims.res_id : str("sub"),
  };
}
