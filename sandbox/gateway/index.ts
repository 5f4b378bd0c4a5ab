// Emulated OCI API Gateway data plane: deployments (ApiSpecification JSON) under path prefixes, route matching,
// rate limiting, JWT_AUTHENTICATION with static keys or a cached remote JWKS, route authorization, and
// forwarding to Oracle Functions (through the `invokeFunction` the sandbox passes in) or stock responses.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { Agent, fetch as undiciFetch } from "undici";
import type { FaultInjector } from "../core/faults.js";
import { BodyTooLargeError, listen, newRequestId, readBody, takeFault } from "../core/http.js";
import {
  type ApiSpecification,
  type ApiSpecificationRoute,
  compareSpecificity,
  DEFAULT_MAX_CACHE_DURATION_HOURS,
  DEFAULT_ROUTE_METHODS,
  extractToken,
  importJwk,
  importPem,
  type JwtAuthenticationPolicy,
  type KeyLookup,
  parseRoutePath,
  type RemoteJsonWebKeySet,
  ROUTE_METHODS,
  type RoutePattern,
  scopeAllows,
  type VerificationKey,
  validatePathPrefix,
  validateSpecification,
  verifyJwt,
} from "./jwt-policy.js";

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

export interface GatewayOptions {
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

export interface DeploymentInput {
  id: string;
  pathPrefix: string;
  specification: ApiSpecification;
}

export interface GatewayStats {
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

export class SpecValidationError extends Error {
  override readonly name = "SpecValidationError";
  constructor(readonly problems: string[]) {
    super(`invalid API deployment:\n- ${problems.join("\n- ")}`);
  }
}

export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
/** Unconfirmed: the real gateway's request body limit is not documented. */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
/** Unconfirmed: the status of a valid token whose scope matches no ANY_OF entry (403 or 404). */
export const SCOPE_DENIED_STATUS = 403;
export const MAX_JWKS_BYTES = 1024 * 1024;

/** The gateway's error body: `{"code": <status>, "message": <reason phrase>}` (401 body unconfirmed). */
export function gatewayError(status: number): { code: number; message: string } {
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

interface CompiledRoute {
  route: ApiSpecificationRoute;
  pattern: RoutePattern;
  methods: Set<string>;
}

interface RateLimiter {
  rate: number;
  perClient: boolean;
  buckets: Map<string, { tokens: number; at: number }>;
}

interface CompiledDeployment {
  input: DeploymentInput;
  routes: CompiledRoute[];
  auth?: { policy: JwtAuthenticationPolicy; lookup: KeyLookup };
  limiter?: RateLimiter;
}

interface JwksEntry {
  keys?: Map<string, VerificationKey>;
  fetchedAt: number;
  lastAttemptAt: number;
  fetches: number;
  inflight?: Promise<void>;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const now = opts.now ?? Date.now;
  const cooldownMs = opts.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  const timeoutMs = opts.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const forwardAuthorization = opts.forwardAuthorizationHeader ?? true;
  const deployments = new Map<string, CompiledDeployment>();
  const jwksCache = new Map<string, JwksEntry>();
  const stats: GatewayStats = { backendCalls: 0, byStatus: {}, authFailures: {} };
  // Own agents: undici's default would become the process-wide dispatcher of Node's fetch (see src/lib/http.ts).
  const agent = new Agent();
  let insecureAgent: Agent | undefined;

  // ---- remote JWKS: fetched with a timeout, cached, refetched on an unknown kid at most once per cooldown ----

  async function fetchJwks(set: RemoteJsonWebKeySet): Promise<Map<string, VerificationKey>> {
    if (set.isSslVerifyDisabled) insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
    const res = await undiciFetch(set.uri, {
      redirect: "manual",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: set.isSslVerifyDisabled && insecureAgent ? insecureAgent : agent,
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw new Error(`JWKS answered ${res.status}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_JWKS_BYTES) throw new Error("JWKS too large");
      chunks.push(Buffer.from(chunk));
    }
    const doc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error("JWKS has no keys array");
    const keys = new Map<string, VerificationKey>();
    for (const jwk of doc.keys) {
      const { key } = importJwk(jwk, "REMOTE_JWKS");
      if (key && !keys.has(key.kid)) keys.set(key.kid, key);
    }
    return keys;
  }

  function refresh(set: RemoteJsonWebKeySet, entry: JwksEntry): Promise<void> {
    entry.inflight ??= (async () => {
      entry.lastAttemptAt = now();
      entry.fetches++;
      try {
        entry.keys = await fetchJwks(set);
        entry.fetchedAt = now();
      } catch {
        // Keep whatever is cached: a warm cache keeps working through an outage, a cold one fails closed.
      } finally {
        entry.inflight = undefined;
      }
    })();
    return entry.inflight;
  }

  function remoteLookup(set: RemoteJsonWebKeySet): KeyLookup {
    const maxAgeMs = (set.maxCacheDurationInHours ?? DEFAULT_MAX_CACHE_DURATION_HOURS) * 3600_000;
    return async (kid) => {
      let entry = jwksCache.get(set.uri);
      if (!entry) {
        entry = { fetchedAt: 0, lastAttemptAt: 0, fetches: 0 };
        jwksCache.set(set.uri, entry);
      }
      if (entry.inflight) await entry.inflight;
      const canFetch = entry.fetches === 0 || now() - entry.lastAttemptAt >= cooldownMs;
      const fresh = entry.keys !== undefined && now() - entry.fetchedAt < maxAgeMs;
      if (canFetch && (!fresh || !entry.keys?.has(kid))) await refresh(set, entry);
      return entry.keys?.get(kid);
    };
  }

  // ---- deployments ----

  function compile(input: DeploymentInput): CompiledDeployment {
    const problems = [...validatePathPrefix(input.pathPrefix), ...validateSpecification(input.specification)];
    if (typeof input.id !== "string" || input.id === "") problems.unshift("id: must be a non-empty string");
    for (const other of deployments.values()) {
      if (other.input.id !== input.id && other.input.pathPrefix === input.pathPrefix) {
        problems.push(`pathPrefix: ${input.pathPrefix} is already used by deployment ${other.input.id}`);
      }
    }
    if (problems.length > 0) throw new SpecValidationError(problems);
    const spec = structuredClone(input.specification);
    const routes = spec.routes.map((route) => ({
      route,
      pattern: parseRoutePath(route.path).pattern as RoutePattern,
      methods: new Set<string>(route.methods ?? DEFAULT_ROUTE_METHODS),
    }));
    const compiled: CompiledDeployment = { input: { ...input, specification: spec }, routes };
    const policy = spec.requestPolicies?.authentication;
    if (policy) {
      let lookup: KeyLookup;
      if (policy.publicKeys.type === "REMOTE_JWKS") lookup = remoteLookup(policy.publicKeys);
      else {
        const keys = new Map<string, VerificationKey>();
        for (const entry of policy.publicKeys.keys) {
          const { key } = entry.format === "PEM" ? importPem(entry) : importJwk(entry, "STATIC_KEYS");
          if (key) keys.set(key.kid, key);
        }
        lookup = async (kid) => keys.get(kid);
      }
      compiled.auth = { policy, lookup };
    }
    const rate = spec.requestPolicies?.rateLimiting;
    if (rate) {
      compiled.limiter = {
        rate: rate.rateInRequestsPerSecond,
        perClient: rate.rateKey === "CLIENT_IP",
        buckets: new Map(),
      };
    }
    return compiled;
  }

  function findDeployment(path: string): { deployment: CompiledDeployment; rest: string } | undefined {
    let best: CompiledDeployment | undefined;
    for (const d of deployments.values()) {
      const prefix = d.input.pathPrefix;
      const matches = prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
      if (matches && (!best || prefix.length > best.input.pathPrefix.length)) best = d;
    }
    if (!best) return undefined;
    const prefix = best.input.pathPrefix;
    return { deployment: best, rest: prefix === "/" ? path : path.slice(prefix.length) || "/" };
  }

  /** Token bucket: `rate` requests of burst, refilled at `rate` per second. */
  function allowRequest(limiter: RateLimiter, client: string): boolean {
    const key = limiter.perClient ? client : "*";
    const at = now();
    if (limiter.buckets.size > 10_000) limiter.buckets.clear();
    const bucket = limiter.buckets.get(key) ?? { tokens: limiter.rate, at };
    bucket.tokens = Math.min(limiter.rate, bucket.tokens + ((at - bucket.at) / 1000) * limiter.rate);
    bucket.at = at;
    limiter.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  // ---- request handling ----

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

  function authFailure(res: ServerResponse, req: IncomingMessage, reason: string): void {
    stats.authFailures[reason] = (stats.authFailures[reason] ?? 0) + 1;
    sendError(res, req, 401);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    res.setHeader("opc-request-id", requestId);
    res.on("finish", () => {
      stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1;
    });
    const fault = await takeFault(opts.faults, req, res, requestId);
    if (fault === "handled") return;

    const rawUrl = req.url ?? "";
    if (!rawUrl.startsWith("/")) return sendError(res, req, 400);
    const url = new URL(`http://gateway${rawUrl}`);
    const found = findDeployment(url.pathname);
    if (!found) return sendError(res, req, 404);
    const { deployment, rest } = found;

    if (deployment.limiter && !allowRequest(deployment.limiter, req.socket.remoteAddress ?? "")) {
      return sendError(res, req, 429);
    }

    const method = (req.method ?? "GET").toUpperCase();
    const candidates = deployment.routes.filter((r) => r.pattern.regex.test(rest));
    if (candidates.length === 0) return sendError(res, req, 404);
    const allowed = candidates.filter((r) => r.methods.has("ANY") || r.methods.has(method));
    if (allowed.length === 0) {
      const methods = new Set(candidates.flatMap((r) => [...r.methods]));
      const allow = methods.has("ANY") ? ROUTE_METHODS.filter((m) => m !== "ANY") : [...methods];
      return sendError(res, req, 405, { allow: allow.join(", ") });
    }
    const chosen = allowed.reduce((best, r) => (compareSpecificity(r.pattern, best.pattern) > 0 ? r : best));

    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      return sendError(res, req, 413, { connection: "close" });
    }

    const authorization = chosen.route.requestPolicies?.authorization ?? { type: "AUTHENTICATION_ONLY" };
    if (deployment.auth) {
      const { policy, lookup } = deployment.auth;
      const located = extractToken(policy, req.headers, url.searchParams);
      let claims: Record<string, unknown> | undefined;
      if (located.present) {
        if (located.token === undefined) return authFailure(res, req, "token header or parameter malformed");
        const verdict = await verifyJwt(located.token, policy, lookup, now());
        if (!verdict.ok) return authFailure(res, req, verdict.reason);
        claims = verdict.claims;
      } else if (authorization.type !== "ANONYMOUS") {
        return authFailure(res, req, "no token");
      }
      if (authorization.type === "ANY_OF" && !(claims && scopeAllows(claims, authorization.allowedScope))) {
        return sendError(res, req, SCOPE_DENIED_STATUS);
      }
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendError(res, req, 413, { connection: "close" });
      throw err;
    }

    const backend = chosen.route.backend;
    stats.backendCalls++;
    if (backend.type === "STOCK_RESPONSE_BACKEND") {
      const payload = Buffer.from(backend.body ?? "");
      const headers: Record<string, string> = {};
      for (const h of backend.headers ?? []) headers[h.name.toLowerCase()] = h.value;
      res.writeHead(backend.status, { ...headers, "content-length": payload.length });
      res.end(payload);
      return;
    }

    const headers = endToEndHeaders(req.headers);
    if (!forwardAuthorization) delete headers.authorization;
    let result: FnResult;
    try {
      result = await opts.invokeFunction(backend.functionId, { method, requestUrl: rawUrl, headers, body });
    } catch (err) {
      return sendError(res, req, (err as Error | undefined)?.name === "FunctionTimeoutError" ? 504 : 502);
    }
    if (!Number.isInteger(result.status) || result.status < 100 || result.status > 599) {
      return sendError(res, req, 502);
    }
    const out = endToEndHeaders(result.headers);
    delete out["content-length"];
    delete out["opc-request-id"];
    res.writeHead(result.status, { ...out, "content-length": result.body.length });
    res.end(result.body);
  }

  const listening = await listen(async (req, res) => {
    try {
      await handle(req, res);
    } catch {
      if (!res.headersSent) sendError(res, req, 500);
      else res.destroy();
    }
  });

  return {
    url: listening.url,
    deploy(input) {
      deployments.set(input.id, compile(input));
    },
    undeploy: (id) => deployments.delete(id),
    deployments: () => [...deployments.values()].map((d) => structuredClone(d.input)),
    stats,
    jwksFetches(uri) {
      if (uri !== undefined) return jwksCache.get(uri)?.fetches ?? 0;
      let total = 0;
      for (const entry of jwksCache.values()) total += entry.fetches;
      return total;
    },
    async close() {
      await listening.close();
      await agent.close();
      await insecureAgent?.close();
    },
  };
}
