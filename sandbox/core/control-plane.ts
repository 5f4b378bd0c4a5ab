// Plumbing shared by the sandbox's OCI control planes (Functions, API Gateway, Artifacts): one listener per
// service under its API version prefix, OCI request signatures checked on every request, the OCI error
// envelope, opc-request-id on every answer, ETags and If-Match, opaque page tokens, write counters.
//
// Per request: injected fault -> body read (413) -> version prefix (404) -> signature and tenancy (401) ->
// route (404, 405) -> handler. Error codes follow OCI's API error table (apierrors.htm); messages marked
// "unconfirmed" in the services are the sandbox's own wording.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { NotAuthenticatedError, type OciAuthority, type Principal } from "./auth.js";
import type { FaultInjector } from "./faults.js";
import {
  BodyTooLargeError,
  listen,
  OciApiError,
  readBody,
  sendBody,
  sendJson,
  startOciRequest,
} from "./http.js";

export { OciApiError };

export const NOT_FOUND_MESSAGE = "Authorization failed or requested resource not found.";

export const apiErrors = {
  invalid: (message: string) => new OciApiError(400, "InvalidParameter", message),
  missing: (name: string) => new OciApiError(400, "MissingParameter", `Missing required parameter: ${name}`),
  cannotParse: (message = "The request body is not valid JSON") =>
    new OciApiError(400, "CannotParseRequest", message),
  notFound: (message = NOT_FOUND_MESSAGE) => new OciApiError(404, "NotAuthorizedOrNotFound", message),
  /** The resource's state forbids the operation (the SDK retries 409 IncorrectState by default). */
  incorrectState: (message: string) => new OciApiError(409, "IncorrectState", message),
  alreadyExists: (message: string) => new OciApiError(409, "NotAuthorizedOrResourceAlreadyExists", message),
  noEtagMatch: () =>
    new OciApiError(412, "NoEtagMatch", "The If-Match header does not match the resource's current ETag"),
};

export interface ServiceRequest {
  method: string;
  /** Path after the version prefix, e.g. `/functions/ocid1...`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  principal: Principal;
  requestId: string;
}

export interface ServiceAnswer {
  status: number;
  /** JSON body; undefined sends an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Matched against the path after the version prefix; capture groups become `params`. */
  pattern: RegExp;
  /** Counted as a write when it answers 2xx (creates, updates, deletes). */
  write?: "create" | "update" | "delete";
  run(req: ServiceRequest, params: string[]): ServiceAnswer | Promise<ServiceAnswer>;
}

export interface ControlPlaneStats {
  requests: number;
  byStatus: Record<number, number>;
  /** Signed POST/PUT/DELETE requests that reached a route, whatever their outcome. */
  writeRequests: number;
  /** Accepted writes by kind (2xx answers). */
  creates: number;
  updates: number;
  deletes: number;
  /** creates + updates + deletes. */
  readonly writes: number;
}

export function emptyStats(): ControlPlaneStats {
  return {
    requests: 0,
    byStatus: {},
    writeRequests: 0,
    creates: 0,
    updates: 0,
    deletes: 0,
    get writes() {
      return this.creates + this.updates + this.deletes;
    },
  };
}

export interface ControlPlaneOptions {
  /** API version prefix, e.g. `/20181201`. */
  basePath: string;
  authority: OciAuthority;
  /** Only principals of this tenancy are let in. */
  tenancyId: string;
  faults: FaultInjector;
  routes: Route[];
  stats: ControlPlaneStats;
  maxBodyBytes?: number;
  port?: number;
}

export interface ControlPlaneServer {
  url: string;
  close(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlaneServer> {
  const { stats } = opts;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = await startOciRequest(req, res, { faults: opts.faults, stats, maxRequestIdLength: 98 });
    if (!started) return;
    const { requestId, fault, fail } = started;

    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return fail(
          new OciApiError(413, "RequestEntityTooLarge", `The request body is larger than ${maxBody} bytes`),
        );
      throw err;
    }
    const url = new URL(req.url ?? "/", "http://sandbox");
    if (url.pathname !== opts.basePath && !url.pathname.startsWith(`${opts.basePath}/`)) {
      return fail(apiErrors.notFound());
    }
    const method = (req.method ?? "GET").toUpperCase();
    let principal: Principal;
    try {
      principal = opts.authority.verifyRequest({ method, url: req.url ?? "/", headers: req.headers, body });
    } catch (err) {
      if (err instanceof NotAuthenticatedError) return fail(new OciApiError(401, err.code, err.message));
      throw err;
    }
    if (principal.tenancyId !== opts.tenancyId) {
      return fail(new OciApiError(401, "NotAuthenticated", new NotAuthenticatedError("unknown-key").message));
    }

    const path = url.pathname.slice(opts.basePath.length) || "/";
    let matched = false;
    for (const route of opts.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      matched = true;
      if (route.method !== method) continue;
      if (route.write) stats.writeRequests++;
      try {
        const answer = await route.run(
          { method, path, query: url.searchParams, headers: req.headers, body, principal, requestId },
          m.slice(1).map((p) => decodeURIComponent(p)),
        );
        if (route.write && answer.status >= 200 && answer.status < 300) {
          if (route.write === "create") stats.creates++;
          else if (route.write === "update") stats.updates++;
          else stats.deletes++;
        }
        const headers = { "opc-request-id": requestId, ...answer.headers };
        if (answer.body === undefined) sendBody(res, answer.status, Buffer.alloc(0), headers, fault);
        else sendJson(res, answer.status, answer.body, headers, fault);
      } catch (err) {
        if (err instanceof OciApiError) return fail(err);
        throw err;
      }
      return;
    }
    if (matched) {
      return fail(
        new OciApiError(405, "MethodNotAllowed", `Method ${method} is not allowed on this resource`),
      );
    }
    fail(apiErrors.notFound());
  };

  const server = await listen(handler, opts.port ?? 0);
  return { url: server.url, close: () => server.close() };
}

// ---- request helpers -----------------------------------------------------------------------------------------

/** The JSON object of a request body; 400 CannotParseRequest otherwise. */
export function jsonBody(req: ServiceRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw apiErrors.cannotParse();
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw apiErrors.cannotParse("The request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** A fresh OCID of the sandbox region: ocid1.<type>.oc1.<region-key>.<60 lower-case base32 characters>. */
export function randomOcid(type: string, regionKey: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let body = "";
  for (const byte of randomBytes(52)) body += alphabet[byte % 32];
  return `ocid1.${type}.oc1.${regionKey}.aaaaaaaa${body}`;
}

/** An ETag of a resource's content: it changes whenever anything the client can see changes. */
export function etagOf(resource: unknown): string {
  return createHash("sha256").update(JSON.stringify(resource)).digest("hex");
}

/** Check `if-match` (absent or `*` matches anything); 412 NoEtagMatch otherwise. */
export function checkIfMatch(req: ServiceRequest, etag: string): void {
  const wanted = req.headers["if-match"];
  if (wanted === undefined || wanted === "*" || wanted === etag) return;
  throw apiErrors.noEtagMatch();
}

export interface PagingSettings {
  defaultLimit: number;
  maxLimit: number;
}

/**
 * One page of `items` (already filtered and sorted). The token is opaque and bound to the query it came
 * from (every parameter but `page` and `limit`), so a token of another query is refused with 400.
 */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  settings: PagingSettings,
): { page: T[]; headers: Record<string, string> } {
  const limitText = query.get("limit");
  let limit = settings.defaultLimit;
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= settings.maxLimit)) {
      throw apiErrors.invalid(`limit must be an integer from 1 to ${settings.maxLimit}`); // unconfirmed text
    }
  }
  const rest = [...query.entries()]
    .filter(([k]) => k !== "page" && k !== "limit")
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  const hash = createHash("sha256").update(JSON.stringify(rest)).digest("base64url").slice(0, 12);
  let offset = 0;
  const token = query.get("page");
  if (token !== null) {
    const text = Buffer.from(token, "base64url").toString("utf8");
    const m = /^(\d{1,9})\.([A-Za-z0-9_-]{12})$/.exec(text);
    if (Buffer.from(text).toString("base64url") !== token || !m || m[2] !== hash) {
      throw apiErrors.invalid("Invalid page token"); // unconfirmed text
    }
    offset = Number(m[1]);
  }
  const page = items.slice(offset, offset + limit);
  const headers: Record<string, string> = {};
  const next = offset + page.length;
  if (next < items.length) headers["opc-next-page"] = Buffer.from(`${next}.${hash}`).toString("base64url");
  return { page, headers };
}

/** Sort by `sortBy` (one of `allowed`, the first is the default) and `sortOrder` (ASC default); ids break ties. */
export function sortItems<T extends { id: string }>(
  items: T[],
  query: URLSearchParams,
  allowed: Record<string, (item: T) => string>,
): T[] {
  const names = Object.keys(allowed);
  const sortBy = query.get("sortBy") ?? names[0]!;
  const key = allowed[sortBy];
  if (!key) throw apiErrors.invalid(`sortBy must be one of ${names.join(", ")}`);
  const order = query.get("sortOrder") ?? "ASC";
  if (order !== "ASC" && order !== "DESC") throw apiErrors.invalid("sortOrder must be ASC or DESC");
  const sign = order === "ASC" ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x !== y) return x < y ? -sign : sign;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** What a List call filters on besides the lifecycle state, and how it may sort. */
export interface ListSpec<T> {
  /** The lifecycle states the service knows (`lifecycleState` outside them is a 400). */
  states: readonly string[];
  /** The query's own filters (compartment, parent, displayName, id ...). */
  matches: (item: T) => boolean;
  /** `sortBy` values and their keys; the first is the default. */
  sortKeys: Record<string, (item: T) => string>;
  paging: PagingSettings;
}

/**
 * One page of a List call as OCI control planes answer it: `lifecycleState` filters (DELETED resources are
 * hidden unless asked for), then the call's own filters, `sortBy`/`sortOrder`, and `limit`/`page`.
 */
export function listPage<T extends { id: string; lifecycleState: string }>(
  items: Iterable<T>,
  query: URLSearchParams,
  spec: ListSpec<T>,
): { page: T[]; headers: Record<string, string> } {
  const state = query.get("lifecycleState") ?? undefined;
  if (state !== undefined && !spec.states.includes(state)) {
    throw apiErrors.invalid(`lifecycleState must be one of ${spec.states.join(", ")}`);
  }
  const kept = [...items].filter(
    (item) =>
      (state === undefined ? item.lifecycleState !== "DELETED" : item.lifecycleState === state) &&
      spec.matches(item),
  );
  return paginate(sortItems(kept, query, spec.sortKeys), query, spec.paging);
}

/** Optional string member of a JSON body; 400 when present with another type. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw apiErrors.invalid(`${name} must be a string`);
  return v;
}

export function requiredString(body: Record<string, unknown>, name: string): string {
  const v = optionalString(body, name);
  if (v === undefined || v === "") throw apiErrors.missing(name);
  return v;
}

export function isOcid(value: string, ...types: string[]): boolean {
  const m = /^ocid1\.([a-z0-9]+)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$/.exec(value);
  return m !== null && (types.length === 0 || types.includes(m[1]!));
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) resolve();
    else setTimeout(resolve, ms).unref();
  });

/** Free-form tags: an object of strings, or absent. */
export function freeformTags(body: Record<string, unknown>): Record<string, string> | undefined {
  const v = body.freeformTags;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "string")) {
    throw apiErrors.invalid("freeformTags must be an object of strings");
  }
  return { ...(v as Record<string, string>) };
}

export function definedTags(
  body: Record<string, unknown>,
): Record<string, Record<string, unknown>> | undefined {
  const v = body.definedTags;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw apiErrors.invalid("definedTags must be an object");
  return structuredClone(v as Record<string, Record<string, unknown>>);
}
