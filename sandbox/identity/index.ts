// Emulated OCI IAM Identity Domain (IDCS): the OAuth2 client_credentials token endpoint, the signing-key JWKS
// (with IDCS's `key_ops: ["sig","encrypt"]` quirk and real x5c certificates), OpenID discovery, and key rotation.
import {
  createHash,
  generateKeyPair,
  type KeyObject,
  randomUUID,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import type { Fault, FaultInjector } from "../core/faults.js";
import {
  BodyTooLargeError,
  listen,
  newRequestId,
  pathOf,
  readBody,
  sendJson,
  takeFault,
} from "../core/http.js";
import { certificateThumbprints, selfSignedCertificate } from "../core/x509.js";

/** A resource server (an IDCS confidential/resource app) with its primary audience and scope names. */
export interface ResourceApp {
  name: string;
  /** Primary audience, e.g. "https://usage.sandbox.local/". */
  audience: string;
  /** Scope names, e.g. ["usage.read"]. */
  scopes: string[];
}

/** An OAuth client (an IDCS confidential application) allowed to use client_credentials. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Full scope strings: audience + scope name. */
  grantedScopes: string[];
}

/** The JWK of a signing key as IDCS publishes it (field order as IDCS shows it). */
export interface IdcsJwk {
  kty: "RSA";
  "x5t#S256": string;
  e: string;
  x5t: string;
  kid: string;
  x5c: string[];
  key_ops: string[];
  alg: "RS256";
  n: string;
}

export type SigningAlg = "RS256" | "RS384" | "RS512";

export interface MintOptions {
  kid?: string;
  alg?: SigningAlg;
  /** Claim names to remove from the token. */
  omit?: string[];
  /** Header fields merged over the default header (the signature still uses `alg` above). */
  header?: Record<string, unknown>;
}

export interface IdentityOptions {
  faults: { identity: FaultInjector; jwks: FaultInjector };
  issuer?: string;
  tokenTtlSeconds?: number;
  apps?: ResourceApp[];
  clients?: OAuthClient[];
  /** When true the JWKS needs a valid bearer token (the domain's "Configure client access" setting off). */
  jwksRequiresAuth?: boolean;
  /** Identity domain tenant name, used in the tenant claims. */
  tenant?: string;
  /** Clock in epoch milliseconds. */
  now?: () => number;
}

export interface Identity {
  url: string;
  tokenUrl: string;
  jwksUrl: string;
  openidConfigurationUrl: string;
  issuer: string;
  tenant: string;
  apps: ResourceApp[];
  clients: OAuthClient[];
  /** The kid new tokens are signed with. */
  readonly activeKid: string;
  /** A validly signed token: the default client's claims merged with `claims`. */
  mintToken(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>;
  privateKey(kid: string): KeyObject;
  publicJwk(kid: string): IdcsJwk;
  addSigningKey(kid: string): Promise<void>;
  activateSigningKey(kid: string): void;
  retireSigningKey(kid: string): void;
  close(): Promise<void>;
}

export const DEFAULT_ISSUER = "https://identity.oraclecloud.com/";
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const DEFAULT_TENANT = "idcs-5c1e0a8d9f2b4e7a8c3d6f1b2a4e9d70";
export const DEFAULT_SIGNING_KID = "SIGNING_KEY";
export const TOKEN_PATH = "/oauth2/v1/token";
export const JWKS_PATH = "/admin/v1/SigningCert/jwk";
export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";

export const USAGE_APP: ResourceApp = {
  name: "usage-api",
  audience: "https://usage.sandbox.local/",
  scopes: ["usage.read"],
};
export const BILLING_APP: ResourceApp = {
  name: "billing-api",
  audience: "https://billing.sandbox.local/",
  scopes: ["invoices.read"],
};
export const DEFAULT_APPS: readonly ResourceApp[] = [USAGE_APP, BILLING_APP];
export const DEFAULT_CLIENT_NAME = "usage-report-client";
export const DEFAULT_CLIENT_ID = "4b8e2f0c9a7d41e3b6c5a8f1d2e09c7b";

/** The scope string a client asks for: the app's primary audience followed by the scope name. */
export function fullScope(app: ResourceApp, scopeName: string): string {
  return `${app.audience}${scopeName}`;
}

/** The default client, with a fresh secret (IDCS secrets look like `idcscs-<uuid>`). */
export function defaultClient(): OAuthClient {
  return {
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: `idcscs-${randomUUID()}`,
    name: DEFAULT_CLIENT_NAME,
    grantedScopes: [fullScope(USAGE_APP, "usage.read"), fullScope(BILLING_APP, "invoices.read")],
  };
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: IdcsJwk;
  published: boolean;
}

const generateRsa = promisify(generateKeyPair);
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;
const HASH_OF: Record<SigningAlg, string> = { RS256: "sha256", RS384: "sha384", RS512: "sha512" };
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/** Sign a compact JWS with an RSA key (PKCS#1 v1.5), keeping header and claim order exactly as given. */
function signCompact(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  alg: SigningAlg,
  key: KeyObject,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${sign(HASH_OF[alg], Buffer.from(input), key).toString("base64url")}`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before the Basic encoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

export async function startIdentity(opts: IdentityOptions): Promise<Identity> {
  const now = opts.now ?? Date.now;
  const issuer = opts.issuer ?? DEFAULT_ISSUER;
  const ttl = opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const tenant = opts.tenant ?? DEFAULT_TENANT;
  const apps = (opts.apps ?? DEFAULT_APPS).map((app) => ({ ...app, scopes: [...app.scopes] }));
  const clients = opts.clients ?? [defaultClient()];
  const keys = new Map<string, SigningKey>();
  let activeKid = DEFAULT_SIGNING_KID;

  async function createKey(kid: string): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
    const issued = now();
    const der = selfSignedCertificate({
      publicKey,
      privateKey,
      commonName: `${tenant}_${kid}`,
      organization: "Oracle Identity Cloud Service (sandbox)",
      notBefore: new Date(issued - 24 * 3600_000),
      notAfter: new Date(issued + 10 * 365 * 24 * 3600_000),
    });
    const { n, e } = publicKey.export({ format: "jwk" });
    const thumbprints = certificateThumbprints(der);
    const jwk: IdcsJwk = {
      kty: "RSA",
      "x5t#S256": thumbprints["x5t#S256"],
      e: e as string,
      x5t: thumbprints.x5t,
      kid,
      x5c: [der.toString("base64")],
      key_ops: ["sig", "encrypt"],
      alg: "RS256",
      n: n as string,
    };
    return { kid, privateKey, publicKey, jwk, published: true };
  }

  keys.set(DEFAULT_SIGNING_KID, await createKey(DEFAULT_SIGNING_KID));

  function keyOf(kid: string): SigningKey {
    const key = keys.get(kid);
    if (!key) throw new Error(`identity emulator: no signing key with kid '${kid}'`);
    return key;
  }

  function tokenHeader(key: SigningKey, alg: SigningAlg): Record<string, unknown> {
    return { "x5t#S256": key.jwk["x5t#S256"], x5t: key.jwk.x5t, kid: key.kid, alg };
  }

  function claimsFor(client: OAuthClient, app: ResourceApp | undefined, scopeNames: string[]) {
    const iat = Math.floor(now() / 1000);
    return {
      sub: client.clientId,
      "user.tenant.name": tenant,
      sub_mappingattr: "userName",
      iss: issuer,
      tok_type: "AT",
      client_id: client.clientId,
      aud: app?.audience ?? "",
      sub_type: "client",
      scope: scopeNames.join(" "),
      client_tenantname: tenant,
      exp: iat + ttl,
      iat,
      client_guid: createHash("sha256").update(`guid:${client.clientId}`).digest("hex").slice(0, 32),
      client_name: client.name,
      tenant,
      jti: randomUUID(),
    };
  }

  /** Resolve a full scope string to its app and scope name. */
  function resolveScope(scope: string): { app: ResourceApp; name: string } | undefined {
    for (const app of apps) {
      if (scope.startsWith(app.audience)) {
        const name = scope.slice(app.audience.length);
        if (app.scopes.includes(name)) return { app, name };
      }
    }
    return undefined;
  }

  function oauthError(
    res: ServerResponse,
    status: number,
    error: string,
    description: string,
    headers: Record<string, string> = {},
  ): void {
    sendJson(res, status, { error, error_description: description }, { ...NO_STORE, ...headers });
  }

  async function token(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): Promise<void> {
    if (req.method !== "POST") {
      req.resume();
      oauthError(res, 405, "invalid_request", "The token endpoint only accepts POST.", { allow: "POST" });
      return;
    }
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    let raw: Buffer;
    try {
      raw = await readBody(req, 64 * 1024);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        oauthError(res, 400, "invalid_request", "The request body is too large.", { connection: "close" });
        return;
      }
      throw err;
    }
    if (contentType !== "application/x-www-form-urlencoded") {
      oauthError(res, 400, "invalid_request", "The content type must be application/x-www-form-urlencoded.");
      return;
    }
    const form = new URLSearchParams(raw.toString("utf8"));
    for (const name of new Set(form.keys())) {
      if (form.getAll(name).length > 1) {
        oauthError(res, 400, "invalid_request", `The parameter ${name} is repeated.`);
        return;
      }
    }

    // Client authentication (RFC 6749 §2.3.1): Basic or form fields, never both.
    const authorization = req.headers.authorization;
    const usedBasic = typeof authorization === "string" && /^basic\s/i.test(authorization);
    const basicChallenge: Record<string, string> = { "www-authenticate": `Basic realm="${tenant}"` };
    let clientId: string | undefined;
    let clientSecret: string | undefined;
    if (usedBasic) {
      if (form.has("client_secret")) {
        oauthError(res, 400, "invalid_request", "Use only one client authentication method.");
        return;
      }
      const decoded = Buffer.from(authorization.replace(/^basic\s+/i, "").trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      try {
        if (colon > 0) {
          clientId = formDecode(decoded.slice(0, colon));
          clientSecret = formDecode(decoded.slice(colon + 1));
        }
      } catch {
        clientId = undefined;
      }
    } else {
      clientId = form.get("client_id") ?? undefined;
      clientSecret = form.get("client_secret") ?? undefined;
    }
    const client = clients.find((c) => c.clientId === clientId);
    if (!client || clientSecret === undefined || !sameSecret(clientSecret, client.clientSecret)) {
      oauthError(
        res,
        401,
        "invalid_client",
        "Client authentication failed.",
        usedBasic || clientId === undefined ? basicChallenge : {},
      );
      return;
    }

    const grantType = form.get("grant_type");
    if (!grantType) {
      oauthError(res, 400, "invalid_request", "The grant_type parameter is missing.");
      return;
    }
    if (grantType !== "client_credentials") {
      oauthError(res, 400, "unsupported_grant_type", "The grant type is not supported by this endpoint.");
      return;
    }
    const requested = [...new Set((form.get("scope") ?? "").split(" ").filter((s) => s !== ""))];
    if (requested.length === 0) {
      oauthError(res, 400, "invalid_scope", "The scope parameter is missing.");
      return;
    }
    const resolved = requested.map(resolveScope);
    if (resolved.some((r) => r === undefined)) {
      oauthError(res, 400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
      return;
    }
    const scopes = resolved as { app: ResourceApp; name: string }[];
    const app = scopes[0]!.app;
    if (scopes.some((s) => s.app !== app)) {
      oauthError(res, 400, "invalid_scope", "The requested scopes must all belong to one audience.");
      return;
    }
    if (requested.some((s) => !client.grantedScopes.includes(s))) {
      oauthError(res, 400, "unauthorized_client", "Client authorization failed.");
      return;
    }
    const key = keyOf(activeKid);
    const accessToken = signCompact(
      tokenHeader(key, "RS256"),
      claimsFor(
        client,
        app,
        scopes.map((s) => s.name),
      ),
      "RS256",
      key.privateKey,
    );
    sendJson(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: ttl }, NO_STORE, fault);
  }

  /** A bearer token this domain issued, still valid, signed by a published key. */
  function validBearer(req: IncomingMessage): boolean {
    const match = /^bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(
      req.headers.authorization ?? "",
    );
    if (!match) return false;
    const [, h = "", p = "", s = ""] = match;
    try {
      const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
      const key = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
      if (!key?.published || header.alg !== "RS256") return false;
      if (!verify("sha256", Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, "base64url")))
        return false;
      return claims.iss === issuer && typeof claims.exp === "number" && claims.exp > now() / 1000;
    } catch {
      return false;
    }
  }

  function jwks(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): void {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(
        res,
        405,
        { schemas: [SCIM_ERROR], detail: "Method not allowed.", status: "405" },
        { allow: "GET" },
      );
      return;
    }
    if (opts.jwksRequiresAuth && !validBearer(req)) {
      sendJson(
        res,
        401,
        { schemas: [SCIM_ERROR], detail: "This operation is not permitted.", status: "401" },
        { "www-authenticate": 'Bearer error="invalid_token"' },
      );
      return;
    }
    const published = [...keys.values()].filter((k) => k.published).map((k) => k.jwk);
    sendJson(res, 200, { keys: published }, {}, fault);
  }

  function discovery(url: string) {
    return {
      issuer,
      token_endpoint: `${url}${TOKEN_PATH}`,
      jwks_uri: `${url}${JWKS_PATH}`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      response_types_supported: ["token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256"],
      scopes_supported: apps.flatMap((app) => app.scopes.map((s) => fullScope(app, s))),
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "jti", "scope", "client_id", "tenant"],
    };
  }

  let baseUrl = "";
  const listening = await listen(async (req, res) => {
    const path = pathOf(req);
    const requestId = newRequestId();
    res.setHeader("opc-request-id", requestId);
    if (path === TOKEN_PATH) {
      const fault = await takeFault(opts.faults.identity, req, res, requestId);
      if (fault === "handled") return;
      await token(req, res, fault);
      return;
    }
    if (path === JWKS_PATH) {
      const fault = await takeFault(opts.faults.jwks, req, res, requestId);
      if (fault === "handled") return;
      jwks(req, res, fault);
      return;
    }
    req.resume();
    if (path === OPENID_CONFIGURATION_PATH && (req.method === "GET" || req.method === "HEAD")) {
      sendJson(res, 200, discovery(baseUrl));
      return;
    }
    sendJson(res, 404, {
      schemas: [SCIM_ERROR],
      detail: "The requested resource was not found.",
      status: "404",
    });
  });
  baseUrl = listening.url;

  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    jwksUrl: `${baseUrl}${JWKS_PATH}`,
    openidConfigurationUrl: `${baseUrl}${OPENID_CONFIGURATION_PATH}`,
    issuer,
    tenant,
    apps,
    clients,
    get activeKid() {
      return activeKid;
    },
    async mintToken(claims = {}, options = {}) {
      const client = clients[0];
      if (!client) throw new Error("identity emulator: no client configured");
      const app = apps.find((a) => client.grantedScopes.some((s) => resolveScope(s)?.app === a)) ?? apps[0];
      const names = client.grantedScopes
        .map(resolveScope)
        .filter((r) => r !== undefined && r.app === app)
        .map((r) => r!.name);
      const payload: Record<string, unknown> = { ...claimsFor(client, app, names), ...claims };
      for (const name of options.omit ?? []) delete payload[name];
      const alg = options.alg ?? "RS256";
      const key = keyOf(options.kid ?? activeKid);
      return signCompact({ ...tokenHeader(key, alg), ...options.header }, payload, alg, key.privateKey);
    },
    privateKey: (kid) => keyOf(kid).privateKey,
    publicJwk: (kid) => structuredClone(keyOf(kid).jwk),
    async addSigningKey(kid) {
      if (keys.has(kid)) throw new Error(`identity emulator: kid '${kid}' already exists`);
      keys.set(kid, await createKey(kid));
    },
    activateSigningKey(kid) {
      const key = keyOf(kid);
      if (!key.published) throw new Error(`identity emulator: kid '${kid}' is retired`);
      activeKid = kid;
    },
    retireSigningKey(kid) {
      const key = keyOf(kid);
      if (kid === activeKid)
        throw new Error(`identity emulator: activate another key before retiring '${kid}'`);
      key.published = false;
    },
    close: () => listening.close(),
  };
}
