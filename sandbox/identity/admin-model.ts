// The Identity Domains admin API's state and rules: Apps (created, replaced, patched, activated), their
// validation, the SCIM ListResponse, and what each App puts into the domain's token endpoint (an ACTIVE
// resource app's scopes; an ACTIVE confidential client allowed client_credentials). admin.ts serves it.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { CLIENT_SECRET, recordBasicCredentials } from "../core/issued-secrets.js";
import { etagOf } from "../core/resources.js";
import type { OAuthClient, ResourceApp } from "./model.js";
import {
  applyPatch,
  checkIfMatch,
  jsonBody,
  type ListParams,
  listResponse,
  requireSchema,
  SCIM_PATCH_SCHEMA,
  SCIM_SEARCH_SCHEMA,
  scimErrors,
} from "./scim.js";
import { TOKEN_EXCHANGE_GRANT } from "./token-exchange.js";

export const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
export const APP_STATUS_CHANGER_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:AppStatusChanger";
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
  TOKEN_EXCHANGE_GRANT,
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

export type App = Record<string, unknown> & { id: string; displayName: string };

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AdminRequest {
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

interface AppModelOptions {
  activeOnCreate?: boolean;
  defaultCount: number;
  maxCount: number;
}

/** An admin API's apps, and what each put into the domain's token endpoint state. */
interface AppsState {
  apps: Map<string, App>;
  wired: Map<string, { resource?: ResourceApp; client?: OAuthClient }>;
}

// ---- validation ----

function stringList(app: Record<string, unknown>, name: string): string[] {
  const v = app[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw scimErrors.invalidValue(`${name} must be an array of strings`);
  return v;
}

/** Every full scope the domain defines, with the id of the app defining it. */
function definedScopes(state: AppsState, domain: DomainState): Map<string, string> {
  const out = new Map<string, string>();
  for (const app of domain.apps) {
    const owner = [...state.wired.entries()].find(([, w]) => w.resource === app)?.[0];
    const id = owner ?? createHash("sha256").update(`app:${app.name}`).digest("hex").slice(0, 32);
    for (const scope of app.scopes) out.set(`${app.audience}${scope}`, id);
  }
  for (const app of state.apps.values()) {
    if (!bool(app.isOAuthResource) || typeof app.audience !== "string") continue;
    for (const s of (app.scopes as Array<{ value: string }> | undefined) ?? [])
      out.set(`${app.audience}${s.value}`, app.id);
  }
  return out;
}

function normalizeResource(state: AppsState, app: App, domain: DomainState): void {
  if (!bool(app.isOAuthResource)) return;
  if (typeof app.audience !== "string" || app.audience === "")
    throw scimErrors.invalidValue("audience (the primary audience) is required when isOAuthResource is true");
  const clash = [...state.apps.values()].some(
    (o) => o.id !== app.id && o.audience === app.audience && bool(o.isOAuthResource),
  );
  const seeded = domain.apps.some(
    (a) => a.audience === app.audience && ![...state.wired.values()].some((w) => w.resource === a),
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

function normalizeClient(state: AppsState, app: App, domain: DomainState): void {
  if (!bool(app.isOAuthClient)) return;
  if (!["confidential", "public", "trusted"].includes(app.clientType as string))
    throw scimErrors.invalidValue(
      "clientType must be confidential, public or trusted when isOAuthClient is true",
    );
  for (const grant of stringList(app, "allowedGrants")) {
    if (!KNOWN_GRANTS.has(grant))
      throw scimErrors.invalidValue(`allowedGrants: ${grant} is not a grant type`);
  }
  const defined = definedScopes(state, domain);
  const allowed = app.allowedScopes ?? [];
  if (!Array.isArray(allowed)) throw scimErrors.invalidValue("allowedScopes must be an array");
  app.allowedScopes = allowed.map((s: { fqs?: unknown }) => {
    const fqs = s?.fqs;
    if (typeof fqs !== "string" || !defined.has(fqs))
      throw scimErrors.invalidValue(`allowedScopes: ${String(fqs)} is not a scope of any app in this domain`);
    return { fqs, idOfDefiningApp: defined.get(fqs), readOnly: false };
  });
  if (app.clientType === "confidential" && typeof app.clientSecret !== "string")
    app.clientSecret = `idcscs-${randomUUID()}`;
}

function validate(state: AppsState, app: App, domain: DomainState): void {
  if (typeof app.displayName !== "string" || app.displayName.trim() === "")
    throw scimErrors.invalidValue("displayName is required");
  const template = app.basedOnTemplate as { value?: unknown } | undefined;
  if (typeof template?.value !== "string" || template.value === "")
    throw scimErrors.invalidValue("basedOnTemplate.value is required (e.g. CustomWebAppTemplateId)");
  for (const other of state.apps.values()) {
    if (other.id !== app.id && other.displayName.toLowerCase() === app.displayName.toLowerCase())
      throw scimErrors.uniqueness(`An app named ${app.displayName} already exists`);
  }
  if (app.active !== undefined && typeof app.active !== "boolean")
    throw scimErrors.invalidValue("active must be a boolean");
  normalizeResource(state, app, domain);
  normalizeClient(state, app, domain);
}

// ---- the token endpoint's view ----

/** Put each app's OAuth side into (or out of) the domain's resource apps and clients. */
function wire(state: AppsState, app: App, domain: DomainState): void {
  const w = state.wired.get(app.id) ?? {};
  state.wired.set(app.id, w);
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
    (grants.includes("client_credentials") || grants.includes(TOKEN_EXCHANGE_GRANT))
      ? {
          clientId: app.name as string,
          clientSecret: app.clientSecret as string,
          name: app.displayName,
          grantedScopes: (app.allowedScopes as Array<{ fqs: string }>).map((s) => s.fqs),
          grants,
        }
      : undefined;
  if (client) recordBasicCredentials(CLIENT_SECRET, client.clientId, client.clientSecret);
  w.client = replaceIn(domain.clients, w.client, client);
}

function replaceIn<T>(list: T[], old: T | undefined, next: T | undefined): T | undefined {
  const at = old === undefined ? -1 : list.indexOf(old);
  if (at >= 0) list.splice(at, 1);
  if (next !== undefined) list.push(next);
  return next;
}

// ---- answers ----

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

/** The admin API's operations over its Apps. */
export type AppModel = ReturnType<typeof appModel>;

export function appModel(opts: AppModelOptions) {
  const { defaultCount, maxCount } = opts;
  const state: AppsState = { apps: new Map(), wired: new Map() };
  const { apps } = state;

  function findApp(id: string): App {
    const app = apps.get(id);
    if (!app) throw scimErrors.notFound();
    return app;
  }

  function createApp(req: AdminRequest): Answer {
    const body = jsonBody(req.body);
    requireSchema(body, APP_SCHEMA);
    const app = { ...structuredClone(body) } as App;
    for (const name of READ_ONLY) if (name !== "schemas") delete app[name];
    app.id = hex(16);
    app.ocid = `ocid1.domainapp.oc1.iad.amaaaaaa${hex(26)}`;
    app.name = hex(16);
    app.idcsCreatedBy = { value: req.principalId, type: "User" };
    app.active = body.active ?? opts.activeOnCreate ?? false;
    validate(state, app, req.domain);
    stamp(app, req.domain, true);
    apps.set(app.id, app);
    wire(state, app, req.domain);
    return answerApp(app, 201);
  }

  /** Replace an app's writable attributes; read-only ones keep their values. */
  function replaceApp(req: AdminRequest, current: App, next: Record<string, unknown>): Answer {
    const app = { ...next } as App;
    for (const name of READ_ONLY) app[name] = current[name];
    if (app.clientType !== "confidential") delete app.clientSecret;
    validate(state, app, req.domain);
    stamp(app, req.domain, false);
    apps.set(app.id, app);
    wire(state, app, req.domain);
    return answerApp(app);
  }

  function patchApp(req: AdminRequest, id: string): Answer {
    const current = findApp(id);
    checkIfMatch(req.headers, versionOf(current));
    const body = jsonBody(req.body);
    requireSchema(body, SCIM_PATCH_SCHEMA);
    if (!Array.isArray(body.Operations) || body.Operations.length === 0)
      throw scimErrors.invalidSyntax("Operations must hold at least one operation");
    return replaceApp(req, current, applyPatch(current, body.Operations, READ_ONLY));
  }

  function putApp(req: AdminRequest, id: string): Answer {
    const current = findApp(id);
    checkIfMatch(req.headers, versionOf(current));
    const body = jsonBody(req.body);
    requireSchema(body, APP_SCHEMA);
    return replaceApp(req, current, body);
  }

  function changeStatus(req: AdminRequest, id: string): Answer {
    const app = findApp(id);
    checkIfMatch(req.headers, versionOf(app));
    const body = jsonBody(req.body);
    requireSchema(body, APP_STATUS_CHANGER_SCHEMA);
    if (typeof body.active !== "boolean") throw scimErrors.invalidValue("active must be true or false");
    app.active = body.active;
    stamp(app, req.domain, false);
    wire(state, app, req.domain);
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

  /** A SCIM ListResponse: filter, sort by displayName (or sortBy), startIndex (1-based) and count. */
  function listApps(params: ListParams): Answer {
    return { status: 200, body: listResponse([...apps.values()], params, { defaultCount, maxCount }) };
  }

  function search(req: AdminRequest): Answer {
    const body = jsonBody(req.body);
    requireSchema(body, SCIM_SEARCH_SCHEMA);
    return listApps(body);
  }

  return {
    createApp,
    getApp: (id: string) => answerApp(findApp(id)),
    patchApp,
    putApp,
    changeStatus,
    listApps,
    search,
    list: () => [...apps.values()].map((a) => structuredClone(a)),
  };
}
