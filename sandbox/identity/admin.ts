// The Identity Domains admin API (IdentityDomainsClient, SCIM under /admin/v1 on the identity domain's own
// origin) as far as setup needs it: Apps (create, list/search by filter, get, patch, put) and AppStatusChanger
// (activate, deactivate). The oci-identitydomains client signs with the OCI request signer, so requests are
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
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { NotAuthenticatedError, type OciAuthority } from "../core/auth.js";
import { FaultInjector } from "../core/faults.js";
import { BodyTooLargeError, readBody, sendJson } from "../core/http.js";
import { type ControlPlaneStats, emptyStats, startOciRequest } from "../core/pipeline.js";
import { etagOf } from "../core/resources.js";
import type { OAuthClient, ResourceApp } from "./model.js";
import {
  applyPatch,
  type Filter,
  matchesFilter,
  parseFilter,
  SCIM_ERROR_SCHEMA,
  SCIM_LIST_SCHEMA,
  SCIM_PATCH_SCHEMA,
  ScimError,
  scimErrors,
} from "./scim.js";

export const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
export const APP_STATUS_CHANGER_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:AppStatusChanger";
const SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const KNOWN_GRANTS = new Set([
  "client_credentials",
  "authorization_code",
  "implicit",
  "password",
  "refresh_token",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
  "urn:ietf:params:oauth:grant-type:saml2-bearer",
  "urn:ietf:params:oauth:grant-type:device_code",
  "tls_client_auth",
]);
/** Attributes only the domain sets. */
const READ_ONLY = new Set([
  "id",
  "ocid",
  "name",
  "clientSecret",
  "meta",
  "schemas",
  "domainOcid",
  "tenancyOcid",
  "idcsCreatedBy",
]);

/** The identity domain's state the admin API changes (identity/index.ts passes its own arrays). */
export interface DomainState {
  url: string;
  apps: ResourceApp[];
  clients: OAuthClient[];
}

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
}

export interface IdentityDomainsAdmin {
  handle: AdminHandler;
  stats: ControlPlaneStats;
  faults: FaultInjector;
  /** Apps created through the admin API. */
  apps(): Record<string, unknown>[];
}

type App = Record<string, unknown> & { id: string; displayName: string };

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: Buffer;
  domain: DomainState;
  principalId: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const bool = (v: unknown) => v === true;

export function createIdentityDomainsAdmin(opts: IdentityDomainsOptions): IdentityDomainsAdmin {
  const stats = emptyStats();
  const faults = opts.faults ?? new FaultInjector("identitydomains");
  const defaultCount = opts.defaultCount ?? 50;
  const maxCount = opts.maxCount ?? 1000;
  const apps = new Map<string, App>();
  /** What each admin app put into the domain's token endpoint state. */
  const wired = new Map<string, { resource?: ResourceApp; client?: OAuthClient }>();

  // ---- validation ----

  function jsonOf(req: AdminRequest): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body.toString("utf8"));
    } catch {
      throw scimErrors.invalidSyntax("The request body is not valid JSON.");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      throw scimErrors.invalidSyntax("The request body must be a JSON object.");
    return parsed as Record<string, unknown>;
  }

  function requireSchema(body: Record<string, unknown>, schema: string): void {
    if (!Array.isArray(body.schemas) || !body.schemas.includes(schema))
      throw scimErrors.invalidValue(`schemas must include ${schema}`);
  }

  function stringList(app: Record<string, unknown>, name: string): string[] {
    const v = app[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
      throw scimErrors.invalidValue(`${name} must be an array of strings`);
    return v;
  }

  /** Every full scope the domain defines, with the id of the app defining it. */
  function definedScopes(domain: DomainState): Map<string, string> {
    const out = new Map<string, string>();
    for (const app of domain.apps) {
      const owner = [...wired.entries()].find(([, w]) => w.resource === app)?.[0];
      const id = owner ?? createHash("sha256").update(`app:${app.name}`).digest("hex").slice(0, 32);
      for (const scope of app.scopes) out.set(`${app.audience}${scope}`, id);
    }
    for (const app of apps.values()) {
      if (!bool(app.isOAuthResource) || typeof app.audience !== "string") continue;
      for (const s of (app.scopes as Array<{ value: string }> | undefined) ?? [])
        out.set(`${app.audience}${s.value}`, app.id);
    }
    return out;
  }

  function normalizeResource(app: App, domain: DomainState): void {
    if (!bool(app.isOAuthResource)) return;
    if (typeof app.audience !== "string" || app.audience === "")
      throw scimErrors.invalidValue(
        "audience (the primary audience) is required when isOAuthResource is true",
      );
    const clash = [...apps.values()].some(
      (o) => o.id !== app.id && o.audience === app.audience && bool(o.isOAuthResource),
    );
    const seeded = domain.apps.some(
      (a) => a.audience === app.audience && ![...wired.values()].some((w) => w.resource === a),
    );
    if (clash || seeded)
      throw scimErrors.uniqueness(`The audience ${app.audience} is already used by another app`);
    const scopes = app.scopes ?? [];
    if (!Array.isArray(scopes)) throw scimErrors.invalidValue("scopes must be an array");
    const seen = new Set<string>();
    app.scopes = scopes.map(
      (s: { value?: unknown; description?: unknown; displayName?: unknown; requiresConsent?: unknown }) => {
        if (typeof s?.value !== "string" || !/^[A-Za-z0-9._:/-]+$/.test(s.value))
          throw scimErrors.invalidValue("each scope needs a value of letters, digits and . _ : / -");
        if (seen.has(s.value)) throw scimErrors.uniqueness(`The scope ${s.value} is repeated`);
        seen.add(s.value);
        return {
          ...s,
          fqs: `${app.audience}${s.value}`,
          readOnly: false,
          requiresConsent: s.requiresConsent === true,
        };
      },
    );
  }

  function normalizeClient(app: App, domain: DomainState): void {
    if (!bool(app.isOAuthClient)) return;
    if (!["confidential", "public", "trusted"].includes(app.clientType as string))
      throw scimErrors.invalidValue(
        "clientType must be confidential, public or trusted when isOAuthClient is true",
      );
    for (const grant of stringList(app, "allowedGrants")) {
      if (!KNOWN_GRANTS.has(grant))
        throw scimErrors.invalidValue(`allowedGrants: ${grant} is not a grant type`);
    }
    const defined = definedScopes(domain);
    const allowed = app.allowedScopes ?? [];
    if (!Array.isArray(allowed)) throw scimErrors.invalidValue("allowedScopes must be an array");
    app.allowedScopes = allowed.map((s: { fqs?: unknown }) => {
      const fqs = s?.fqs;
      if (typeof fqs !== "string" || !defined.has(fqs))
        throw scimErrors.invalidValue(
          `allowedScopes: ${String(fqs)} is not a scope of any app in this domain`,
        );
      return { fqs, idOfDefiningApp: defined.get(fqs), readOnly: false };
    });
    if (app.clientType === "confidential" && typeof app.clientSecret !== "string")
      app.clientSecret = `idcscs-${randomUUID()}`;
  }

  function validate(app: App, domain: DomainState): void {
    if (typeof app.displayName !== "string" || app.displayName.trim() === "")
      throw scimErrors.invalidValue("displayName is required");
    const template = app.basedOnTemplate as { value?: unknown } | undefined;
    if (typeof template?.value !== "string" || template.value === "")
      throw scimErrors.invalidValue("basedOnTemplate.value is required (e.g. CustomWebAppTemplateId)");
    for (const other of apps.values()) {
      if (other.id !== app.id && other.displayName.toLowerCase() === app.displayName.toLowerCase())
        throw scimErrors.uniqueness(`An app named ${app.displayName} already exists`);
    }
    if (app.active !== undefined && typeof app.active !== "boolean")
      throw scimErrors.invalidValue("active must be a boolean");
    normalizeResource(app, domain);
    normalizeClient(app, domain);
  }

  // ---- the token endpoint's view ----

  /** Put each app's OAuth side into (or out of) the domain's resource apps and clients. */
  function wire(app: App, domain: DomainState): void {
    const w = wired.get(app.id) ?? {};
    wired.set(app.id, w);
    const active = bool(app.active);
    const resource: ResourceApp | undefined =
      active && bool(app.isOAuthResource)
        ? {
            name: app.displayName,
            audience: app.audience as string,
            scopes: (app.scopes as Array<{ value: string }>).map((s) => s.value),
          }
        : undefined;
    w.resource = replaceIn(domain.apps, w.resource, resource);
    const grants = stringList(app, "allowedGrants");
    const client: OAuthClient | undefined =
      active &&
      bool(app.isOAuthClient) &&
      app.clientType === "confidential" &&
      grants.includes("client_credentials")
        ? {
            clientId: app.name as string,
            clientSecret: app.clientSecret as string,
            name: app.displayName,
            grantedScopes: (app.allowedScopes as Array<{ fqs: string }>).map((s) => s.fqs),
          }
        : undefined;
    w.client = replaceIn(domain.clients, w.client, client);
  }

  function replaceIn<T>(list: T[], old: T | undefined, next: T | undefined): T | undefined {
    const at = old === undefined ? -1 : list.indexOf(old);
    if (at >= 0) list.splice(at, 1);
    if (next !== undefined) list.push(next);
    return next;
  }

  // ---- operations ----

  function stamp(app: App, domain: DomainState, created: boolean): void {
    const time = new Date().toISOString();
    const meta = (app.meta as Record<string, string> | undefined) ?? {};
    app.meta = {
      resourceType: "App",
      created: created ? time : meta.created,
      lastModified: time,
      location: `${domain.url}/admin/v1/Apps/${app.id}`,
    };
    (app.meta as Record<string, string>).version = etagOf({ ...app, meta: undefined });
  }

  const versionOf = (app: App) => (app.meta as { version: string }).version;

  function answerApp(app: App, status = 200): Answer {
    return { status, body: structuredClone(app), headers: { etag: versionOf(app) } };
  }

  function findApp(id: string): App {
    const app = apps.get(id);
    if (!app) throw scimErrors.notFound();
    return app;
  }

  function checkIfMatch(req: AdminRequest, app: App): void {
    const wanted = req.headers["if-match"];
    if (wanted !== undefined && wanted !== "*" && wanted !== versionOf(app))
      throw scimErrors.preconditionFailed();
  }

  function createApp(req: AdminRequest): Answer {
    const body = jsonOf(req);
    requireSchema(body, APP_SCHEMA);
    const app = { ...structuredClone(body) } as App;
    for (const name of READ_ONLY) if (name !== "schemas") delete app[name];
    app.id = hex(16);
    app.ocid = `ocid1.domainapp.oc1.iad.amaaaaaa${hex(26)}`;
    app.name = hex(16);
    app.idcsCreatedBy = { value: req.principalId, type: "User" };
    app.active = body.active ?? opts.activeOnCreate ?? false;
    validate(app, req.domain);
    stamp(app, req.domain, true);
    apps.set(app.id, app);
    wire(app, req.domain);
    return answerApp(app, 201);
  }

  /** Replace an app's writable attributes; read-only ones keep their values. */
  function replaceApp(req: AdminRequest, current: App, next: Record<string, unknown>): Answer {
    const app = { ...next } as App;
    for (const name of READ_ONLY) app[name] = current[name];
    if (app.clientType !== "confidential") delete app.clientSecret;
    validate(app, req.domain);
    stamp(app, req.domain, false);
    apps.set(app.id, app);
    wire(app, req.domain);
    return answerApp(app);
  }

  function patchApp(req: AdminRequest, id: string): Answer {
    const current = findApp(id);
    checkIfMatch(req, current);
    const body = jsonOf(req);
    requireSchema(body, SCIM_PATCH_SCHEMA);
    if (!Array.isArray(body.Operations) || body.Operations.length === 0)
      throw scimErrors.invalidSyntax("Operations must hold at least one operation");
    return replaceApp(req, current, applyPatch(current, body.Operations, READ_ONLY));
  }

  function putApp(req: AdminRequest, id: string): Answer {
    const current = findApp(id);
    checkIfMatch(req, current);
    const body = jsonOf(req);
    requireSchema(body, APP_SCHEMA);
    return replaceApp(req, current, body);
  }

  function changeStatus(req: AdminRequest, id: string): Answer {
    const app = findApp(id);
    checkIfMatch(req, app);
    const body = jsonOf(req);
    requireSchema(body, APP_STATUS_CHANGER_SCHEMA);
    if (typeof body.active !== "boolean") throw scimErrors.invalidValue("active must be true or false");
    app.active = body.active;
    stamp(app, req.domain, false);
    wire(app, req.domain);
    const changer = {
      schemas: [APP_STATUS_CHANGER_SCHEMA],
      id,
      active: body.active,
      meta: {
        ...(app.meta as object),
        resourceType: "AppStatusChanger",
        location: `${req.domain.url}/admin/v1/AppStatusChanger/${id}`,
      },
    };
    return { status: 200, body: changer, headers: { etag: versionOf(app) } };
  }

  function positiveInteger(value: unknown, name: string, fallback: number): number {
    if (value === undefined || value === null || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw scimErrors.invalidValue(`${name} must be a non-negative integer`);
    return n;
  }

  /** A SCIM ListResponse: filter, sort by displayName (or sortBy), startIndex (1-based) and count. */
  function listApps(params: {
    filter?: unknown;
    sortBy?: unknown;
    sortOrder?: unknown;
    startIndex?: unknown;
    count?: unknown;
  }): Answer {
    let filter: Filter = [];
    if (typeof params.filter === "string" && params.filter !== "") filter = parseFilter(params.filter);
    const startIndex = Math.max(1, positiveInteger(params.startIndex, "startIndex", 1));
    const count = Math.min(maxCount, positiveInteger(params.count, "count", defaultCount));
    const sortBy = typeof params.sortBy === "string" ? params.sortBy : "displayName";
    const sign = String(params.sortOrder ?? "ascending").toLowerCase() === "descending" ? -1 : 1;
    const matched = [...apps.values()]
      .filter((app) => matchesFilter(app, filter))
      .sort(
        (a, b) =>
          sign * String(a[sortBy] ?? "").localeCompare(String(b[sortBy] ?? "")) || (a.id < b.id ? -1 : 1),
      );
    const page = matched.slice(startIndex - 1, startIndex - 1 + count);
    return {
      status: 200,
      body: {
        schemas: [SCIM_LIST_SCHEMA],
        totalResults: matched.length,
        Resources: structuredClone(page),
        startIndex,
        itemsPerPage: page.length,
      },
    };
  }

  function search(req: AdminRequest): Answer {
    const body = jsonOf(req);
    requireSchema(body, SEARCH_SCHEMA);
    return listApps(body);
  }

  function route(req: AdminRequest): { answer: () => Answer; write?: "create" | "update" } | undefined {
    const one = /^\/admin\/v1\/Apps\/([^/.][^/]*)$/.exec(req.path)?.[1];
    const status = /^\/admin\/v1\/AppStatusChanger\/([^/]+)$/.exec(req.path)?.[1];
    const m = req.method;
    if (req.path === "/admin/v1/Apps" && m === "POST")
      return { answer: () => createApp(req), write: "create" };
    if (req.path === "/admin/v1/Apps" && m === "GET")
      return { answer: () => listApps(Object.fromEntries(req.query)) };
    if (req.path === "/admin/v1/Apps/.search" && m === "POST") return { answer: () => search(req) };
    if (one !== undefined && m === "GET") return { answer: () => answerApp(findApp(one)) };
    if (one !== undefined && m === "PATCH") return { answer: () => patchApp(req, one), write: "update" };
    if (one !== undefined && m === "PUT") return { answer: () => putApp(req, one), write: "update" };
    if (status !== undefined && m === "PUT")
      return { answer: () => changeStatus(req, status), write: "update" };
    return undefined;
  }

  // ---- the listener side ----

  function sendError(res: ServerResponse, error: ScimError, requestId: string): void {
    const body: Record<string, unknown> = {
      schemas: [SCIM_ERROR_SCHEMA],
      detail: error.message,
      status: String(error.status),
    };
    if (error.scimType) body.scimType = error.scimType;
    if (opts.errorEnvelope === "scim+oci") {
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

  function authenticate(req: IncomingMessage, body: Buffer): string {
    const principal = opts.authority.verifyRequest({
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body,
    });
    if (principal.tenancyId !== opts.tenancyId) throw new NotAuthenticatedError("unknown-key");
    return principal.kind === "user" ? principal.userId : principal.resourceId;
  }

  const handle: AdminHandler = async (req, res, domain) => {
    const started = await startOciRequest(req, res, { faults, stats, maxRequestIdLength: 98 });
    if (!started) return;
    const { requestId } = started;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, 1024 * 1024);
      } catch (err) {
        if (err instanceof BodyTooLargeError) throw new ScimError(413, "The request body is too large.");
        throw err;
      }
      let principalId: string;
      try {
        principalId = authenticate(req, body);
      } catch (err) {
        if (err instanceof NotAuthenticatedError)
          throw new ScimError(401, "This operation is not permitted.");
        throw err;
      }
      const url = new URL(req.url ?? "/", "http://sandbox");
      const adminReq: AdminRequest = {
        method: (req.method ?? "GET").toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        domain,
        principalId,
      };
      const found = route(adminReq);
      if (!found) throw scimErrors.notFound();
      if (found.write) stats.writeRequests++;
      const answer = found.answer();
      if (found.write === "create") stats.creates++;
      if (found.write === "update") stats.updates++;
      sendJson(
        res,
        answer.status,
        answer.body,
        { "opc-request-id": requestId, ...answer.headers },
        started.fault,
      );
    } catch (err) {
      if (err instanceof ScimError) return sendError(res, err, requestId);
      throw err;
    }
  };

  return { handle, stats, faults, apps: () => [...apps.values()].map((a) => structuredClone(a)) };
}
