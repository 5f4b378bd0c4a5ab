// The data plane's deployments: an ApiSpecification checked and compiled (route patterns, the JWT policy's
// key lookup, the rate limiter) under its path prefix, and the lookup of a request's deployment.
import type { JwksCache } from "./jwks.js";
import {
  type ApiSpecification,
  type ApiSpecificationRoute,
  DEFAULT_ROUTE_METHODS,
  importJwk,
  importPem,
  type JwtAuthenticationPolicy,
  type KeyLookup,
  parseRoutePath,
  type RoutePattern,
  type VerificationKey,
  validatePathPrefix,
  validateSpecification,
} from "./jwt-policy.js";

export interface DeploymentInput {
  id: string;
  pathPrefix: string;
  specification: ApiSpecification;
}

export class SpecValidationError extends Error {
  override readonly name = "SpecValidationError";
  constructor(readonly problems: string[]) {
    super(`invalid API deployment:\n- ${problems.join("\n- ")}`);
  }
}

export interface CompiledRoute {
  route: ApiSpecificationRoute;
  pattern: RoutePattern;
  methods: Set<string>;
}

interface RateLimiter {
  rate: number;
  perClient: boolean;
  buckets: Map<string, { tokens: number; at: number }>;
}

export interface CompiledDeployment {
  input: DeploymentInput;
  routes: CompiledRoute[];
  auth?: { policy: JwtAuthenticationPolicy; lookup: KeyLookup };
  limiter?: RateLimiter;
}

/** The key lookup of a JWT policy: its static keys, or the cached remote JWKS. */
function keyLookup(policy: JwtAuthenticationPolicy, jwks: JwksCache): KeyLookup {
  if (policy.publicKeys.type === "REMOTE_JWKS") return jwks.lookup(policy.publicKeys);
  const keys = new Map<string, VerificationKey>();
  for (const entry of policy.publicKeys.keys) {
    const { key } = entry.format === "PEM" ? importPem(entry) : importJwk(entry, "STATIC_KEYS");
    if (key) keys.set(key.kid, key);
  }
  return async (kid) => keys.get(kid);
}

/** Check and compile a deployment; SpecValidationError lists every problem. */
export function compileDeployment(
  input: DeploymentInput,
  others: Iterable<CompiledDeployment>,
  jwks: JwksCache,
): CompiledDeployment {
  const problems = [...validatePathPrefix(input.pathPrefix), ...validateSpecification(input.specification)];
  if (typeof input.id !== "string" || input.id === "") problems.unshift("id: must be a non-empty string");
  for (const other of others) {
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
  if (policy) compiled.auth = { policy, lookup: keyLookup(policy, jwks) };
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

/** The deployment with the longest path prefix the path falls under, and the path below that prefix. */
export function findDeployment(
  deployments: Iterable<CompiledDeployment>,
  path: string,
): { deployment: CompiledDeployment; rest: string } | undefined {
  let best: CompiledDeployment | undefined;
  for (const d of deployments) {
    const prefix = d.input.pathPrefix;
    const matches = prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
    if (matches && (!best || prefix.length > best.input.pathPrefix.length)) best = d;
  }
  if (!best) return undefined;
  const prefix = best.input.pathPrefix;
  return { deployment: best, rest: prefix === "/" ? path : path.slice(prefix.length) || "/" };
}

/** Token bucket: `rate` requests of burst, refilled at `rate` per second. */
export function allowRequest(limiter: RateLimiter, client: string, at: number): boolean {
  const key = limiter.perClient ? client : "*";
  if (limiter.buckets.size > 10_000) limiter.buckets.clear();
  const bucket = limiter.buckets.get(key) ?? { tokens: limiter.rate, at };
  bucket.tokens = Math.min(limiter.rate, bucket.tokens + ((at - bucket.at) / 1000) * limiter.rate);
  bucket.at = at;
  limiter.buckets.set(key, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
