// The one OCI request pipeline of the sandbox's OCI-signed APIs (the Usage API and the Functions, API Gateway
// and Artifacts control planes): one listener per service under its API version prefix.
//
// Per request: count -> opc-request-id -> injected fault -> latency (if modelled) -> body read (413) ->
// version prefix (404) -> signature and tenancy (401) -> rate limit (429, if set) -> route (404, 405) ->
// operation -> answer, every answer with the request id and every error in the OCI envelope. The Usage API looks its route up before the signature (404/405 first).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { NotAuthenticatedError, type OciAuthority, type Principal } from "./auth.js";
import { apiErrors, OciApiError } from "./errors.js";
import type { Fault, FaultInjector } from "./faults.js";
import {
  BodyTooLargeError,
  listen,
  newRequestId,
  readBody,
  sendBody,
  sendJson,
  sendOciError,
  takeFault,
} from "./http.js";
import type { ResponseLatency, TenancyRateLimiter } from "./latency.js";
import { matchRoute } from "./routing.js";

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

interface ServiceAnswer {
  status: number;
  /** JSON body; undefined sends an empty body (or `raw`). */
  body?: unknown;
  /** A JSON body already serialised. */
  raw?: Buffer;
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

export interface RequestStats {
  requests: number;
  byStatus: Record<number, number>;
}

export interface ControlPlaneStats extends RequestStats {
  /** Signed POST/PUT/DELETE requests that reached a route, whatever their outcome. */
  writeRequests: number;
  /** Accepted writes by kind (2xx answers). */
  creates: number;
  updates: number;
  deletes: number;
  /** creates + updates + deletes. */
  readonly writes: number;
  /** Accepted writes by who signed them: `user:<ocid>`, `session:<ocid>` (a UPST's user) or `resource:<ocid>`. */
  writesBy: Record<string, number>;
}

export function emptyStats(): ControlPlaneStats {
  return {
    requests: 0,
    byStatus: {},
    writeRequests: 0,
    creates: 0,
    updates: 0,
    deletes: 0,
    writesBy: {},
    get writes() {
      return this.creates + this.updates + this.deletes;
    },
  };
}

interface OciServiceOptions {
  /** API version prefix, e.g. `/20181201`. */
  basePath: string;
  authority: OciAuthority;
  /** Only principals of this tenancy are let in (the Usage API checks the tenancy per operation). */
  tenancyId?: string;
  faults: FaultInjector;
  routes: Route[];
  stats: RequestStats | ControlPlaneStats;
  /** Longest opc-request-id taken from the caller (a longer one is replaced). */
  maxRequestIdLength?: number;
  maxBodyBytes?: number;
  /** Look the route up before the signature is checked, so an unknown path is a 404 even unsigned. */
  routeBeforeSignature?: boolean;
  /** Answer a too-large body at once, without an injected slowBody (the Usage API's way). */
  tooLargeSkipsFault?: boolean;
  /** Awaited before each request is handled (the latency model); none by default. */
  latency?: ResponseLatency;
  /** Per-tenancy token buckets checked after the signature (429 with Retry-After); none by default. */
  rateLimit?: TenancyRateLimiter;
  port?: number;
}

interface OciServer {
  url: string;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 and run every request through the pipeline. */
export async function startOciService(opts: OciServiceOptions): Promise<OciServer> {
  const server = await listen((req, res) => handleOciRequest(opts, req, res), opts.port ?? 0);
  return { url: server.url, close: () => server.close() };
}

/** Where a control plane runs: the tenancy it lets in, its fault injector, and a fixed port if any. */
interface ControlPlaneOptions {
  authority: OciAuthority;
  tenancyId: string;
  faults: FaultInjector;
  latency?: ResponseLatency;
  port?: number;
}

/** A control plane under `basePath`, counting its requests and writes. */
export async function startControlPlane(
  basePath: string,
  opts: ControlPlaneOptions,
  routes: Route[],
): Promise<OciServer & { stats: ControlPlaneStats }> {
  const stats = emptyStats();
  const { authority, tenancyId, faults, latency, port } = opts;
  const server = await startOciService({
    basePath,
    authority,
    tenancyId,
    faults,
    routes,
    stats,
    latency,
    port,
  });
  return { ...server, stats };
}

async function handleOciRequest(opts: OciServiceOptions, req: IncomingMessage, res: ServerResponse) {
  const started = await startOciRequest(req, res, opts);
  if (!started) return;
  const { requestId, fault } = started;
  await opts.latency?.();
  const fail = (error: OciApiError) =>
    sendOciError(res, error.status, error.code, error.message, requestId, error.headers, fault);
  const body = await readLimitedBody(req, opts.maxBodyBytes ?? 1024 * 1024);
  if (body instanceof OciApiError) {
    if (opts.tooLargeSkipsFault) return sendOciError(res, body.status, body.code, body.message, requestId);
    return fail(body);
  }
  try {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const path = versionedPath(url.pathname, opts.basePath);
    const method = (req.method ?? "GET").toUpperCase();
    let found = opts.routeBeforeSignature ? findRoute(opts.routes, method, path) : undefined;
    const principal = authenticate(opts, { method, url: req.url ?? "/", headers: req.headers, body });
    checkRateLimit(opts.rateLimit, principal);
    found ??= findRoute(opts.routes, method, path);
    const request = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      principal,
      requestId,
    };
    const answer = await runOperation(found.route, request, found.params, opts.stats);
    sendAnswer(res, answer, requestId, fault);
  } catch (err) {
    if (err instanceof OciApiError) return fail(err);
    throw err;
  }
}

/**
 * Counts the request (and its answer's status), takes its opc-request-id (the caller's when it is at most
 * `maxRequestIdLength` characters) and applies the injector's fault. Undefined when the fault answered.
 */
export async function startOciRequest(
  req: IncomingMessage,
  res: ServerResponse,
  opts: Pick<OciServiceOptions, "stats" | "faults" | "maxRequestIdLength">,
): Promise<{ requestId: string; fault: Fault | undefined } | undefined> {
  const { stats } = opts;
  stats.requests++;
  res.on("finish", () => {
    stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
  });
  const sent = req.headers["opc-request-id"];
  const maxLength = opts.maxRequestIdLength ?? 98;
  const requestId =
    typeof sent === "string" && sent !== "" && sent.length <= maxLength ? sent : newRequestId();
  const taken = await takeFault(opts.faults, req, res, requestId);
  if (taken === "handled") return undefined;
  return { requestId, fault: taken };
}

/** The whole body, or the 413 to answer when it is larger than `limit`. */
async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer | OciApiError> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return apiErrors.tooLarge(limit);
    throw err;
  }
}

/** The path after the API version prefix; 404 outside it. */
function versionedPath(pathname: string, basePath: string): string {
  if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) throw apiErrors.notFound();
  return pathname.slice(basePath.length) || "/";
}

/** The caller's principal from a valid OCI request signature; 401 otherwise (or for another tenancy). */
function authenticate(
  opts: OciServiceOptions,
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
): Principal {
  let principal: Principal;
  try {
    principal = opts.authority.verifyRequest(request);
  } catch (err) {
    if (err instanceof NotAuthenticatedError) throw new OciApiError(401, err.code, err.message);
    throw err;
  }
  if (opts.tenancyId !== undefined && principal.tenancyId !== opts.tenancyId) {
    throw new OciApiError(401, "NotAuthenticated", new NotAuthenticatedError("unknown-key").message);
  }
  return principal;
}

/** 429 TooManyRequests with Retry-After when the caller's tenancy has no token left. */
function checkRateLimit(rateLimit: TenancyRateLimiter | undefined, principal: Principal): void {
  const retryAfter = rateLimit?.(principal.tenancyId) ?? 0;
  if (retryAfter > 0) throw apiErrors.tooManyRequests(retryAfter);
}

/** The route of `method` and `path` with its decoded params; 404 or 405 otherwise. */
function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } {
  const found = matchRoute(routes, method, path);
  if (found === "method-not-allowed") throw apiErrors.methodNotAllowed(method);
  if (!found) throw apiErrors.notFound();
  return { route: found.route, params: found.params.map((p) => decodeURIComponent(p)) };
}

/** Run the operation, counting writes (every write request, and the accepted ones by kind). */
async function runOperation(
  route: Route,
  request: ServiceRequest,
  params: string[],
  stats: RequestStats | ControlPlaneStats,
): Promise<ServiceAnswer> {
  const counts = route.write && "writeRequests" in stats ? stats : undefined;
  if (counts) counts.writeRequests++;
  const answer = await route.run(request, params);
  if (counts && answer.status >= 200 && answer.status < 300) {
    if (route.write === "create") counts.creates++;
    else if (route.write === "update") counts.updates++;
    else counts.deletes++;
    const who = signerOf(request.principal);
    counts.writesBy[who] = (counts.writesBy[who] ?? 0) + 1;
  }
  return answer;
}

/** Who signed a request, for the write counts. */
function signerOf(principal: Principal): string {
  if (principal.kind === "resource") return `resource:${principal.resourceId}`;
  return `${principal.session ? "session" : "user"}:${principal.userId}`;
}

function sendAnswer(res: ServerResponse, answer: ServiceAnswer, requestId: string, fault: Fault | undefined) {
  const headers = { "opc-request-id": requestId, ...answer.headers };
  if (answer.raw)
    sendBody(res, answer.status, answer.raw, { "content-type": "application/json", ...headers }, fault);
  else if (answer.body === undefined) sendBody(res, answer.status, Buffer.alloc(0), headers, fault);
  else sendJson(res, answer.status, answer.body, headers, fault);
}
