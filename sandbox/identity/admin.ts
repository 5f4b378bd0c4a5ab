// The Identity Domains admin API (IdentityDomainsClient, SCIM under /admin/v1 on the identity domain's own
// origin) as far as setup needs it: Apps (create, list/search by filter, get, patch, put) and AppStatusChanger
// (activate, deactivate); Users (service users), Groups and IdentityPropagationTrusts (create, get, list,
// put, patch, delete), which the token-exchange grant of the domain's token endpoint reads
// (token-exchange.ts). The oci-identitydomains client signs with the OCI request signer, so requests are
// checked like the control planes'. OAuth settings are App attributes: a resource server has
// `isOAuthResource`, a primary `audience` and `scopes`; a client has `isOAuthClient`, `clientType`,
// `allowedGrants` and `allowedScopes` (fully qualified: audience + scope). The domain generates the client id
// (the App's `name`) and a `clientSecret`.
//
// Apps are wired into the domain's token endpoint: an ACTIVE resource app's scopes can be asked for, and an
// ACTIVE confidential client allowed client_credentials gets tokens for its allowed scopes with its secret.
// Deactivating either takes that away again.
//
// Wire shapes follow oci-identitydomains 2.139.1 (App, Apps, AppStatusChanger, PatchOp, AppSearchRequest).
import type { IncomingMessage, ServerResponse } from "node:http";
import { NotAuthenticatedError, type OciAuthority } from "../core/auth.js";
import { FaultInjector } from "../core/faults.js";
import { BodyTooLargeError, readBody, sendBody, sendJson } from "../core/http.js";
import { type ControlPlaneStats, emptyStats, startOciRequest } from "../core/pipeline.js";
import { matchRoute } from "../core/routing.js";
import { type AdminRequest, type Answer, type AppModel, appModel, type DomainState } from "./admin-model.js";
import { groupsSpec } from "./groups.js";
import { type RemoteJwksOptions, remoteJwks } from "./remote-jwks.js";
import { SCIM_ERROR_SCHEMA, ScimError, scimErrors } from "./scim.js";
import { type Collection, scimCollection } from "./scim-collection.js";
import { type TokenExchange, tokenExchange } from "./token-exchange.js";
import { type Trust, trustsSpec } from "./trusts.js";
import { USERS } from "./users.js";

export { APP_SCHEMA, APP_STATUS_CHANGER_SCHEMA } from "./admin-model.js";

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, domain: DomainState) => Promise<void>;

export interface IdentityDomainsOptions {
  authority: OciAuthority;
  tenancyId: string;
  faults?: FaultInjector;
  /** `active` of an App created without one (default false: setup activates through AppStatusChanger). */
  activeOnCreate?: boolean;
  /**
   * `scim` (default): errors are SCIM's {schemas, detail, status, scimType}, which the OCI SDK surfaces as
   * serviceCode "None". `scim+oci`: the same body with OCI's `code` and `message` added.
   */
  errorEnvelope?: "scim" | "scim+oci";
  /** Default and largest SCIM `count` (unconfirmed: 50 and 1000). */
  defaultCount?: number;
  maxCount?: number;
  /** Lifetime of the UPSTs the token exchange issues (default 3600 s). */
  upstTtlSeconds?: number;
  /** How trusts' JWKS are fetched (cache, timeout). */
  jwks?: RemoteJwksOptions;
  /** Clock in epoch milliseconds (meta times, the exchange's exp/nbf checks, the JWKS cache). */
  now?: () => number;
}

export interface IdentityDomainsAdmin {
  handle: AdminHandler;
  stats: ControlPlaneStats;
  faults: FaultInjector;
  /** Apps created through the admin API. */
  apps(): Record<string, unknown>[];
  users(): Record<string, unknown>[];
  groups(): Record<string, unknown>[];
  trusts(): Record<string, unknown>[];
  /** The token-exchange grant, for the domain's token endpoint. */
  exchange: TokenExchange;
}

interface AdminModels {
  apps: AppModel;
  users: Collection;
  groups: Collection;
  trusts: Collection;
}

interface AdminRoute {
  method: string;
  pattern: RegExp;
  write?: "create" | "update" | "delete";
  run(models: AdminModels, req: AdminRequest, params: string[]): Answer;
}

const APPS = /^\/admin\/v1\/Apps$/;
const ONE_APP = /^\/admin\/v1\/Apps\/([^/.][^/]*)$/;

/** The SCIM operations of a collection under /admin/v1/<endpoint> (and `.search` where the SDK has it). */
function collectionRoutes(
  endpoint: string,
  pick: (m: AdminModels) => Collection,
  searchable = false,
): AdminRoute[] {
  const all = new RegExp(`^/admin/v1/${endpoint}$`);
  const one = new RegExp(`^/admin/v1/${endpoint}/([^/.][^/]*)$`);
  const search: AdminRoute[] = searchable
    ? [
        {
          method: "POST",
          pattern: new RegExp(`^/admin/v1/${endpoint}/\\.search$`),
          run: (m, req) => pick(m).search(req),
        },
      ]
    : [];
  return [
    ...search,
    { method: "POST", pattern: all, write: "create", run: (m, req) => pick(m).create(req) },
    { method: "GET", pattern: all, run: (m, req) => pick(m).list(req) },
    { method: "GET", pattern: one, run: (m, req, [id]) => pick(m).get(req, id!) },
    { method: "PUT", pattern: one, write: "update", run: (m, req, [id]) => pick(m).put(req, id!) },
    { method: "PATCH", pattern: one, write: "update", run: (m, req, [id]) => pick(m).patch(req, id!) },
    { method: "DELETE", pattern: one, write: "delete", run: (m, req, [id]) => pick(m).remove(req, id!) },
  ];
}

const ADMIN_ROUTES: AdminRoute[] = [
  { method: "POST", pattern: APPS, write: "create", run: (m, req) => m.apps.createApp(req) },
  { method: "GET", pattern: APPS, run: (m, req) => m.apps.listApps(Object.fromEntries(req.query)) },
  { method: "POST", pattern: /^\/admin\/v1\/Apps\/\.search$/, run: (m, req) => m.apps.search(req) },
  { method: "GET", pattern: ONE_APP, run: (m, _req, [id]) => m.apps.getApp(id!) },
  { method: "PATCH", pattern: ONE_APP, write: "update", run: (m, req, [id]) => m.apps.patchApp(req, id!) },
  { method: "PUT", pattern: ONE_APP, write: "update", run: (m, req, [id]) => m.apps.putApp(req, id!) },
  {
    method: "PUT",
    pattern: /^\/admin\/v1\/AppStatusChanger\/([^/]+)$/,
    write: "update",
    run: (m, req, [id]) => m.apps.changeStatus(req, id!),
  },
  ...collectionRoutes("Users", (m) => m.users, true),
  ...collectionRoutes("Groups", (m) => m.groups, true),
  ...collectionRoutes("IdentityPropagationTrusts", (m) => m.trusts),
];

// ---- the listener side ----

function sendError(
  res: ServerResponse,
  error: ScimError,
  requestId: string,
  envelope: IdentityDomainsOptions["errorEnvelope"],
): void {
  const body: Record<string, unknown> = {
    schemas: [SCIM_ERROR_SCHEMA],
    detail: error.message,
    status: String(error.status),
  };
  if (error.scimType) body.scimType = error.scimType;
  if (envelope === "scim+oci") {
    body.code =
      {
        400: "InvalidParameter",
        401: "NotAuthenticated",
        404: "NotAuthorizedOrNotFound",
        409: "Conflict",
        412: "NoEtagMatch",
      }[error.status] ?? "InternalServerError";
    body.message = error.message;
  }
  sendJson(res, error.status, body, { "opc-request-id": requestId });
}

type Caller = Pick<IdentityDomainsOptions, "authority" | "tenancyId">;

function authenticate(opts: Caller, req: IncomingMessage, body: Buffer): string {
  const principal = opts.authority.verifyRequest({
    method: req.method ?? "GET",
    url: req.url ?? "/",
    headers: req.headers,
    body,
  });
  if (principal.tenancyId !== opts.tenancyId) throw new NotAuthenticatedError("unknown-key");
  return principal.kind === "user" ? principal.userId : principal.resourceId;
}

/** The body, the caller and the path of an admin request; SCIM's 413 and 401 otherwise. */
async function adminRequestOf(
  opts: Caller,
  req: IncomingMessage,
  domain: DomainState,
): Promise<AdminRequest> {
  let body: Buffer;
  try {
    body = await readBody(req, 1024 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new ScimError(413, "The request body is too large.");
    throw err;
  }
  let principalId: string;
  try {
    principalId = authenticate(opts, req, body);
  } catch (err) {
    if (err instanceof NotAuthenticatedError) throw new ScimError(401, "This operation is not permitted.");
    throw err;
  }
  const url = new URL(req.url ?? "/", "http://sandbox");
  const method = (req.method ?? "GET").toUpperCase();
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    domain,
    principalId,
  };
}

export function createIdentityDomainsAdmin(opts: IdentityDomainsOptions): IdentityDomainsAdmin {
  const stats = emptyStats();
  const faults = opts.faults ?? new FaultInjector("identitydomains");
  const now = opts.now ?? Date.now;
  const limits = { defaultCount: opts.defaultCount ?? 50, maxCount: opts.maxCount ?? 1000, now };
  const users = scimCollection(USERS, limits);
  const models: AdminModels = {
    apps: appModel({
      activeOnCreate: opts.activeOnCreate,
      defaultCount: limits.defaultCount,
      maxCount: limits.maxCount,
    }),
    users,
    groups: scimCollection(groupsSpec(users), limits),
    trusts: scimCollection(trustsSpec(users), limits),
  };
  const exchange = tokenExchange({
    trusts: () => models.trusts.all() as unknown as Trust[],
    users: () => users.all(),
    authority: opts.authority,
    tenancyId: opts.tenancyId,
    upstTtlSeconds: opts.upstTtlSeconds ?? 3600,
    jwks: remoteJwks({ ...opts.jwks, now }),
    now,
  });

  /** Run the request's operation, counting writes as the control planes do. */
  function answer(req: AdminRequest): Answer {
    const found = matchRoute(ADMIN_ROUTES, req.method, req.path);
    if (!found || found === "method-not-allowed") throw scimErrors.notFound();
    const { route, params } = found;
    if (route.write) stats.writeRequests++;
    const result = route.run(models, req, params);
    if (route.write === "create") stats.creates++;
    if (route.write === "update") stats.updates++;
    if (route.write === "delete") stats.deletes++;
    return result;
  }

  const handle: AdminHandler = async (req, res, domain) => {
    const started = await startOciRequest(req, res, { faults, stats, maxRequestIdLength: 98 });
    if (!started) return;
    const { requestId, fault } = started;
    try {
      const result = answer(await adminRequestOf(opts, req, domain));
      const headers = { "opc-request-id": requestId, ...result.headers };
      if (result.body === undefined) sendBody(res, result.status, Buffer.alloc(0), headers, fault);
      else sendJson(res, result.status, result.body, headers, fault);
    } catch (err) {
      if (err instanceof ScimError) return sendError(res, err, requestId, opts.errorEnvelope);
      throw err;
    }
  };

  return {
    handle,
    stats,
    faults,
    apps: () => models.apps.list(),
    users: () => users.all(),
    groups: () => models.groups.all(),
    trusts: () => models.trusts.all(),
    exchange,
  };
}
