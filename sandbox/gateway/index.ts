// Emulated OCI API Gateway data plane: deployments (ApiSpecification JSON) under path prefixes
// (deployments.ts), route matching, rate limiting, JWT_AUTHENTICATION with static keys or a cached remote
// JWKS (jwks.ts, jwt-policy.ts), route authorization, and forwarding to Oracle Functions (through the
// `invokeFunction` the sandbox passes in) or stock responses.
//
// Per request: injected fault -> deployment by path prefix (404) -> rate limit (429) -> route (404, 405) ->
// declared body size (413) -> token and scope (401, 403) -> body read (413) -> backend (502, 504).
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Fault, FaultInjector } from "../core/faults.js";
import { BodyTooLargeError, listen, newRequestId, readBody, sendBody, takeFault } from "../core/http.js";
import {
  allowRequest,
  type CompiledDeployment,
  type CompiledRoute,
  compileDeployment,
  type DeploymentInput,
  findDeployment,
  SpecValidationError,
} from "./deployments.js";
import { JwksCache } from "./jwks.js";
import { compareSpecificity, extractToken, ROUTE_METHODS, scopeAllows, verifyJwt } from "./jwt-policy.js";

export { type DeploymentInput, SpecValidationError };

export interface FnCall {
  method: string;
  /** Path and query as received, path prefix included, no host. */
  requestUrl: string;
  /** Client headers minus hop-by-hop ones (lower-case names; repeated headers joined with ", "). */
  headers: Record<string, string>;
  body: Buffer;
}

export interface FnResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface GatewayOptions {
  /** The 'gateway' fault injector, applied to every request. */
  faults: FaultInjector;
  invokeFunction: (functionId: string, call: FnCall) => Promise<FnResult>;
  /** Clock in epoch milliseconds (token times, JWKS cache ages, rate-limit buckets). */
  now?: () => number;
  jwksCooldownMs?: number;
  jwksTimeoutMs?: number;
  maxBodyBytes?: number;
  forwardAuthorizationHeader?: boolean;
}

interface GatewayStats {
  /** Requests handed to a backend (function invocations and stock responses). */
  backendCalls: number;
  /** Answers sent, by HTTP status. */
  byStatus: Record<number, number>;
  /** Authentication failures by internal reason (never sent to clients). */
  authFailures: Record<string, number>;
}

export interface Gateway {
  url: string;
  /** Deploy or redeploy (same id). Throws SpecValidationError listing every problem. */
  deploy(deployment: DeploymentInput): void;
  undeploy(id: string): boolean;
  deployments(): DeploymentInput[];
  stats: GatewayStats;
  /** JWKS fetch attempts, for one URI or all. */
  jwksFetches(uri?: string): number;
  close(): Promise<void>;
}

const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
/** Unconfirmed: the real gateway's request body limit is not documented. */
const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
/** Unconfirmed: the status of a valid token whose scope matches no ANY_OF entry (403 or 404). */
const SCOPE_DENIED_STATUS = 403;

/** The gateway's error body: `{"code": <status>, "message": <reason phrase>}` (401 body unconfirmed). */
function gatewayError(status: number): { code: number; message: string } {
  return { code: status, message: STATUS_CODES[status] ?? "Error" };
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function endToEndHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.includes(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

interface DataPlane {
  opts: GatewayOptions;
  stats: GatewayStats;
  now: () => number;
  maxBodyBytes: number;
  deployments: Map<string, CompiledDeployment>;
}

/** A refusal: the status of the gateway's error body (and its headers), or an authentication failure. */
type Refusal = { status: number; headers?: Record<string, string> } | { authFailure: string };

function sendError(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  headers: Record<string, string> = {},
) {
  req.resume();
  const body = Buffer.from(JSON.stringify(gatewayError(status)));
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": body.length });
  res.end(body);
}

function refuse(plane: DataPlane, res: ServerResponse, req: IncomingMessage, refusal: Refusal) {
  if ("authFailure" in refusal) {
    const reason = refusal.authFailure;
    plane.stats.authFailures[reason] = (plane.stats.authFailures[reason] ?? 0) + 1;
    return sendError(res, req, 401);
  }
  sendError(res, req, refusal.status, refusal.headers);
}

/** The most specific route of the deployment for the path and method; 404 or 405 (with Allow) otherwise. */
function chooseRoute(deployment: CompiledDeployment, rest: string, method: string): CompiledRoute | Refusal {
  const candidates = deployment.routes.filter((r) => r.pattern.regex.test(rest));
  if (candidates.length === 0) return { status: 404 };
  const allowed = candidates.filter((r) => r.methods.has("ANY") || r.methods.has(method));
  if (allowed.length === 0) {
    const methods = new Set(candidates.flatMap((r) => [...r.methods]));
    const allow = methods.has("ANY") ? ROUTE_METHODS.filter((m) => m !== "ANY") : [...methods];
    return { status: 405, headers: { allow: allow.join(", ") } };
  }
  return allowed.reduce((best, r) => (compareSpecificity(r.pattern, best.pattern) > 0 ? r : best));
}

/** The deployment's JWT policy and the route's authorization; undefined when the request may pass. */
async function checkAuthorization(
  plane: DataPlane,
  deployment: CompiledDeployment,
  chosen: CompiledRoute,
  req: IncomingMessage,
  query: URLSearchParams,
): Promise<Refusal | undefined> {
  if (!deployment.auth) return undefined;
  const authorization = chosen.route.requestPolicies?.authorization ?? { type: "AUTHENTICATION_ONLY" };
  const { policy, lookup } = deployment.auth;
  const located = extractToken(policy, req.headers, query);
  let claims: Record<string, unknown> | undefined;
  if (located.present) {
    if (located.token === undefined) return { authFailure: "token header or parameter malformed" };
    const verdict = await verifyJwt(located.token, policy, lookup, plane.now());
    if (!verdict.ok) return { authFailure: verdict.reason };
    claims = verdict.claims;
  } else if (authorization.type !== "ANONYMOUS") {
    return { authFailure: "no token" };
  }
  if (authorization.type === "ANY_OF" && !(claims && scopeAllows(claims, authorization.allowedScope))) {
    return { status: SCOPE_DENIED_STATUS };
  }
  return undefined;
}

/** Answer from the route's backend: a stock response, or the function's answer (502/504 when it fails). */
async function callBackend(
  plane: DataPlane,
  chosen: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  fault: Fault | undefined,
): Promise<void> {
  const backend = chosen.route.backend;
  plane.stats.backendCalls++;
  if (backend.type === "STOCK_RESPONSE_BACKEND") {
    const payload = Buffer.from(backend.body ?? "");
    const headers: Record<string, string> = {};
    for (const h of backend.headers ?? []) headers[h.name.toLowerCase()] = h.value;
    res.writeHead(backend.status, { ...headers, "content-length": payload.length });
    res.end(payload);
    return;
  }
  const headers = endToEndHeaders(req.headers);
  if (!(plane.opts.forwardAuthorizationHeader ?? true)) delete headers.authorization;
  const method = (req.method ?? "GET").toUpperCase();
  let result: FnResult;
  try {
    result = await plane.opts.invokeFunction(backend.functionId, {
      method,
      requestUrl: req.url ?? "",
      headers,
      body,
    });
  } catch (err) {
    return sendError(res, req, (err as Error | undefined)?.name === "FunctionTimeoutError" ? 504 : 502);
  }
  if (!Number.isInteger(result.status) || result.status < 100 || result.status > 599) {
    return sendError(res, req, 502);
  }
  const out = endToEndHeaders(result.headers);
  delete out["content-length"];
  delete out["opc-request-id"];
  sendBody(res, result.status, result.body, out, fault);
}

/** The route and its checks up to the body read: the chosen route, or why the request is refused. */
async function admit(plane: DataPlane, req: IncomingMessage, url: URL): Promise<CompiledRoute | Refusal> {
  const found = findDeployment(plane.deployments.values(), url.pathname);
  if (!found) return { status: 404 };
  const { deployment, rest } = found;
  if (deployment.limiter && !allowRequest(deployment.limiter, req.socket.remoteAddress ?? "", plane.now())) {
    return { status: 429 };
  }
  const chosen = chooseRoute(deployment, rest, (req.method ?? "GET").toUpperCase());
  if (!("route" in chosen)) return chosen;
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > plane.maxBodyBytes)
    return { status: 413, headers: { connection: "close" } };
  return (await checkAuthorization(plane, deployment, chosen, req, url.searchParams)) ?? chosen;
}

async function handle(plane: DataPlane, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = newRequestId();
  res.setHeader("opc-request-id", requestId);
  res.on("finish", () => {
    plane.stats.byStatus[res.statusCode] = (plane.stats.byStatus[res.statusCode] ?? 0) + 1;
  });
  const fault = await takeFault(plane.opts.faults, req, res, requestId);
  if (fault === "handled") return;
  const rawUrl = req.url ?? "";
  if (!rawUrl.startsWith("/")) return sendError(res, req, 400);
  const admitted = await admit(plane, req, new URL(`http://gateway${rawUrl}`));
  if (!("route" in admitted)) return refuse(plane, res, req, admitted);
  let body: Buffer;
  try {
    body = await readBody(req, plane.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return sendError(res, req, 413, { connection: "close" });
    throw err;
  }
  await callBackend(plane, admitted, req, res, body, fault);
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const now = opts.now ?? Date.now;
  const jwks = new JwksCache(
    now,
    opts.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS,
    opts.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
  );
  const plane: DataPlane = {
    opts,
    stats: { backendCalls: 0, byStatus: {}, authFailures: {} },
    now,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    deployments: new Map(),
  };
  const listening = await listen(async (req, res) => {
    try {
      await handle(plane, req, res);
    } catch {
      if (!res.headersSent) sendError(res, req, 500);
      else res.destroy();
    }
  });
  return {
    url: listening.url,
    deploy(input) {
      plane.deployments.set(input.id, compileDeployment(input, plane.deployments.values(), jwks));
    },
    undeploy: (id) => plane.deployments.delete(id),
    deployments: () => [...plane.deployments.values()].map((d) => structuredClone(d.input)),
    stats: plane.stats,
    jwksFetches: (uri) => jwks.fetches(uri),
    async close() {
      await listening.close();
      await jwks.close();
    },
  };
}
