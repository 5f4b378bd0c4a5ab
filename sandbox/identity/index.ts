// Emulated OCI IAM Identity Domain (IDCS): the OAuth2 client_credentials token endpoint (token.ts), the
// signing-key JWKS (keys.ts: IDCS's `key_ops: ["sig","encrypt"]` quirk and real x5c certificates), OpenID
// discovery, and key rotation. Errors are OAuth's on the token endpoint and SCIM's elsewhere (errors.ts).
// The Identity Domains admin API (admin.ts: SCIM Apps, AppStatusChanger, Users, Groups,
// IdentityPropagationTrusts) is served under /admin/v1 when given, over this domain's apps and clients; its
// token exchange (token-exchange.ts), when given, serves the token-exchange grant beside client_credentials.
import { type KeyObject, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault, FaultInjector } from "../core/faults.js";
import { listen, newRequestId, pathOf, sendJson, takeFault } from "../core/http.js";
import { CLIENT_SECRET, recordBasicCredentials } from "../core/issued-secrets.js";
import { matchRoute } from "../core/routing.js";
import type { AdminHandler } from "./admin.js";
import { sendScimError } from "./errors.js";
import { type IdcsJwk, SigningKeys } from "./keys.js";
import { fullScope, IdentityDomain, type MintOptions, type OAuthClient, type ResourceApp } from "./model.js";
import { tokenEndpoint } from "./token.js";
import { TOKEN_EXCHANGE_GRANT, type TokenExchange } from "./token-exchange.js";

export type { IdcsJwk };
export { fullScope };

interface IdentityOptions {
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
  /** The Identity Domains admin API under /admin/v1 (admin.ts), given this domain's state. */
  admin?: AdminHandler;
  /** The token-exchange grant of /oauth2/v1/token (the admin API's, over its trusts and users). */
  tokenExchange?: TokenExchange;
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

const DEFAULT_ISSUER = "https://identity.oraclecloud.com/";
const DEFAULT_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_TENANT = "idcs-5c1e0a8d9f2b4e7a8c3d6f1b2a4e9d70";
const DEFAULT_SIGNING_KID = "SIGNING_KEY";
export const TOKEN_PATH = "/oauth2/v1/token";
const JWKS_PATH = "/admin/v1/SigningCert/jwk";
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
const DEFAULT_CLIENT_ID = "4b8e2f0c9a7d41e3b6c5a8f1d2e09c7b";

/** The default client, with a fresh secret (IDCS secrets look like `idcscs-<uuid>`). */
function defaultClient(): OAuthClient {
  return {
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: `idcscs-${randomUUID()}`,
    name: DEFAULT_CLIENT_NAME,
    grantedScopes: [fullScope(USAGE_APP, "usage.read"), fullScope(BILLING_APP, "invoices.read")],
  };
}

type IdentityHandler = (req: IncomingMessage, res: ServerResponse, fault: Fault | undefined) => unknown;

interface IdentityRoute {
  method?: string;
  pattern: RegExp;
  /** The fault injector of the endpoint; routes without one take no faults. */
  faults?: FaultInjector;
  /** The handler takes its own faults and reads the body itself (the admin API). */
  ownsRequest?: boolean;
  run: IdentityHandler;
}

const exactly = (path: string) => new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

function identityRoutes(
  domain: IdentityDomain,
  opts: IdentityOptions,
  baseUrl: () => string,
): IdentityRoute[] {
  const grants = opts.tokenExchange ? ["client_credentials", TOKEN_EXCHANGE_GRANT] : ["client_credentials"];
  const discovery: IdentityHandler = (_req, res) =>
    sendJson(res, 200, discoveryDocument(domain, baseUrl(), grants));
  return [
    {
      pattern: exactly(TOKEN_PATH),
      faults: opts.faults.identity,
      run: (req, res, fault) => tokenEndpoint(domain, req, res, fault, opts.tokenExchange),
    },
    {
      pattern: exactly(JWKS_PATH),
      faults: opts.faults.jwks,
      run: (req, res, fault) => jwks(domain, opts, req, res, fault),
    },
    { method: "GET", pattern: exactly(OPENID_CONFIGURATION_PATH), run: discovery },
    { method: "HEAD", pattern: exactly(OPENID_CONFIGURATION_PATH), run: discovery },
    ...adminRoutes(domain, opts, baseUrl),
  ];
}

/** Everything else under /admin/v1/ goes to the admin API, when the domain has one. */
function adminRoutes(domain: IdentityDomain, opts: IdentityOptions, baseUrl: () => string): IdentityRoute[] {
  const { admin } = opts;
  if (!admin) return [];
  const state = () => ({ url: baseUrl(), apps: domain.apps, clients: domain.clients });
  return [{ pattern: /^\/admin\/v1\//, ownsRequest: true, run: (req, res) => admin(req, res, state()) }];
}

function jwks(
  domain: IdentityDomain,
  opts: IdentityOptions,
  req: IncomingMessage,
  res: ServerResponse,
  fault: Fault | undefined,
) {
  req.resume();
  if (req.method !== "GET" && req.method !== "HEAD") {
    return sendScimError(res, 405, "Method not allowed.", { allow: "GET" });
  }
  if (opts.jwksRequiresAuth && !domain.validBearer(req.headers.authorization)) {
    return sendScimError(res, 401, "This operation is not permitted.", {
      "www-authenticate": 'Bearer error="invalid_token"',
    });
  }
  sendJson(res, 200, { keys: domain.keys.published() }, {}, fault);
}

function discoveryDocument(domain: IdentityDomain, url: string, grants: string[]) {
  return {
    issuer: domain.issuer,
    token_endpoint: `${url}${TOKEN_PATH}`,
    jwks_uri: `${url}${JWKS_PATH}`,
    grant_types_supported: grants,
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    response_types_supported: ["token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    scopes_supported: domain.apps.flatMap((app) => app.scopes.map((s) => fullScope(app, s))),
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "jti", "scope", "client_id", "tenant"],
  };
}

/** The route's injected fault ("handled" when it answered); a route without an injector drains the body. */
async function takeRouteFault(
  route: IdentityRoute,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<Fault | "handled" | undefined> {
  if (route.faults) return takeFault(route.faults, req, res, requestId);
  req.resume();
  return undefined;
}

/** Every answer carries an opc-request-id; an endpoint with an injector takes its fault first. */
async function routeIdentityRequest(routes: IdentityRoute[], req: IncomingMessage, res: ServerResponse) {
  const requestId = newRequestId();
  res.setHeader("opc-request-id", requestId);
  const found = matchRoute(routes, req.method ?? "GET", pathOf(req));
  if (!found || found === "method-not-allowed") {
    req.resume();
    return sendScimError(res, 404, "The requested resource was not found.");
  }
  const { route } = found;
  // The admin API takes its own faults and reads the body itself; other routes take theirs here.
  const fault = route.ownsRequest ? undefined : await takeRouteFault(route, req, res, requestId);
  if (fault === "handled") return;
  await route.run(req, res, fault);
}

export async function startIdentity(opts: IdentityOptions): Promise<Identity> {
  const now = opts.now ?? Date.now;
  const tenant = opts.tenant ?? DEFAULT_TENANT;
  const keys = new SigningKeys(tenant, now);
  await keys.add(DEFAULT_SIGNING_KID);
  const clients = opts.clients ?? [defaultClient()];
  for (const c of clients) recordBasicCredentials(CLIENT_SECRET, c.clientId, c.clientSecret);
  const domain = new IdentityDomain(
    opts.issuer ?? DEFAULT_ISSUER,
    tenant,
    opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    (opts.apps ?? DEFAULT_APPS).map((app) => ({ ...app, scopes: [...app.scopes] })),
    clients,
    keys,
    now,
    DEFAULT_SIGNING_KID,
  );
  let baseUrl = "";
  const routes = identityRoutes(domain, opts, () => baseUrl);
  const listening = await listen((req, res) => routeIdentityRequest(routes, req, res));
  baseUrl = listening.url;
  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    jwksUrl: `${baseUrl}${JWKS_PATH}`,
    openidConfigurationUrl: `${baseUrl}${OPENID_CONFIGURATION_PATH}`,
    issuer: domain.issuer,
    tenant,
    apps: domain.apps,
    clients: domain.clients,
    get activeKid() {
      return domain.activeKid;
    },
    mintToken: async (claims = {}, options = {}) => domain.mint(claims, options),
    privateKey: (kid) => keys.get(kid).privateKey,
    publicJwk: (kid) => structuredClone(keys.get(kid).jwk),
    addSigningKey: (kid) => keys.add(kid),
    activateSigningKey(kid) {
      if (!keys.get(kid).published) throw new Error(`identity emulator: kid '${kid}' is retired`);
      domain.activeKid = kid;
    },
    retireSigningKey(kid) {
      const key = keys.get(kid);
      if (kid === domain.activeKid)
        throw new Error(`identity emulator: activate another key before retiring '${kid}'`);
      key.published = false;
    },
    close: () => listening.close(),
  };
}
