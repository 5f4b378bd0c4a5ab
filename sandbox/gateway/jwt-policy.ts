// API Gateway deployment specification (the subset the sandbox enforces, with the SDK's field names), its
// validation, and the JWT_AUTHENTICATION checks as OCI documents them: RSA 2048-4096 keys only, RS256/384/512
// only, kid match, exact iss, aud overlap, exp required, exp/nbf with the clock skew, verifyClaims.
import { createPublicKey, type KeyObject } from "node:crypto";
import { errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from "jose";

// ---- limits and defaults ------------------------------------------------------------------------------------

export const ROUTE_METHODS = ["ANY", "HEAD", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type RouteMethod = (typeof ROUTE_METHODS)[number];
/** The only signing algorithms API Gateway accepts (apigatewayusingjwttokens-prerequisites.htm). */
export const JWT_ALGORITHMS = ["RS256", "RS384", "RS512"] as const;
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 4096;
const DEFAULT_TOKEN_HEADER = "Authorization";
const DEFAULT_TOKEN_AUTH_SCHEME = "Bearer";
/** Unconfirmed: believed 0. */
const DEFAULT_CLOCK_SKEW_SECONDS = 0;
/** Unconfirmed: recollections say 120 or 3600; the lenient one is enforced. */
export const MAX_CLOCK_SKEW_SECONDS = 3600;
/** Unconfirmed: believed 1 h default, 24 h maximum. */
export const DEFAULT_MAX_CACHE_DURATION_HOURS = 1;
const MAX_CACHE_DURATION_HOURS = 24;
/** Unconfirmed: the methods of a route that lists none. */
export const DEFAULT_ROUTE_METHODS: readonly RouteMethod[] = ["GET"];
/** API Gateway internal limits (routes per deployment, path prefix length, route pattern length). */
const MAX_ROUTES = 50;
const MAX_PATH_PREFIX_LENGTH = 255;
const MAX_ROUTE_PATH_LENGTH = 2000;

// ---- the ApiSpecification subset (oci-apigateway model names) ----------------------------------------------

interface JsonWebTokenClaim {
  key: string;
  values?: string[];
  isRequired?: boolean;
}

/** `JsonWebKey` of a StaticPublicKeySet. The SDK writes `keyOps` as `key_ops` on the wire; both are read. */
export interface StaticJsonWebKey {
  kid: string;
  format: "JSON_WEB_KEY";
  kty: "RSA";
  use?: "sig";
  keyOps?: "verify"[];
  key_ops?: "verify"[];
  alg?: string;
  n: string;
  e: string;
}

interface PemEncodedPublicKey {
  kid: string;
  format: "PEM";
  key: string;
}

type StaticPublicKey = StaticJsonWebKey | PemEncodedPublicKey;

export interface StaticPublicKeySet {
  type: "STATIC_KEYS";
  keys: StaticPublicKey[];
}

export interface RemoteJsonWebKeySet {
  type: "REMOTE_JWKS";
  uri: string;
  isSslVerifyDisabled?: boolean;
  maxCacheDurationInHours?: number;
}

type PublicKeySet = StaticPublicKeySet | RemoteJsonWebKeySet;

export interface JwtAuthenticationPolicy {
  type: "JWT_AUTHENTICATION";
  isAnonymousAccessAllowed?: boolean;
  tokenHeader?: string;
  tokenQueryParam?: string;
  tokenAuthScheme?: string;
  issuers: string[];
  audiences: string[];
  verifyClaims?: JsonWebTokenClaim[];
  maxClockSkewInSeconds?: number;
  publicKeys: PublicKeySet;
}

export interface RateLimitingPolicy {
  rateInRequestsPerSecond: number;
  rateKey: "CLIENT_IP" | "TOTAL";
}

interface ApiSpecificationRequestPolicies {
  authentication?: JwtAuthenticationPolicy;
  rateLimiting?: RateLimitingPolicy;
  /** Accepted and ignored by the sandbox. */
  cors?: unknown;
}

type RouteAuthorizationPolicy =
  | { type: "AUTHENTICATION_ONLY" }
  | { type: "ANONYMOUS" }
  | { type: "ANY_OF"; allowedScope: string[] };

interface ApiSpecificationRouteRequestPolicies {
  authorization?: RouteAuthorizationPolicy;
  /** Accepted and ignored by the sandbox. */
  cors?: unknown;
}

export interface OracleFunctionBackend {
  type: "ORACLE_FUNCTIONS_BACKEND";
  functionId: string;
}

interface HeaderFieldSpecification {
  name: string;
  value: string;
}

interface StockResponseBackend {
  type: "STOCK_RESPONSE_BACKEND";
  status: number;
  body?: string;
  headers?: HeaderFieldSpecification[];
}

type RouteBackend = OracleFunctionBackend | StockResponseBackend;

export interface ApiSpecificationRoute {
  path: string;
  methods?: RouteMethod[];
  requestPolicies?: ApiSpecificationRouteRequestPolicies;
  /** Accepted and ignored by the sandbox. */
  loggingPolicies?: unknown;
  backend: RouteBackend;
}

export interface ApiSpecification {
  requestPolicies?: ApiSpecificationRequestPolicies;
  /** Accepted and ignored by the sandbox. */
  loggingPolicies?: unknown;
  routes: ApiSpecificationRoute[];
}

// ---- small helpers ------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function nonEmptyStrings(value: unknown): value is string[] {
  return isStringArray(value) && value.length > 0 && value.every((v) => v !== "");
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

// ---- keys ---------------------------------------------------------------------------------------------------

type KeySource = "STATIC_KEYS" | "REMOTE_JWKS";

/** A key the gateway verifies signatures with. */
export interface VerificationKey {
  kid: string;
  key: KeyObject;
  /** The key's `alg`, when it names one: tokens must then use exactly it. */
  alg?: string;
}

function rsaSizeProblem(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== "rsa") return "must be an RSA key (RSA is the only supported key type)";
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    return `RSA key is ${bits} bits; it must be ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`;
  }
  return undefined;
}

/**
 * Check a JWK against the gateway's key rules and import it. A key is usable when kty is RSA, it is meant for
 * signatures, alg (if present) is RS256/384/512 and it is 2048-4096 bits. Signature use means `use: "sig"` or
 * `key_ops` containing "verify"; keys from a REMOTE_JWKS may also say `key_ops: ["sig", ...]` (what IDCS
 * publishes), while a STATIC_KEYS key must be fixed to `use: "sig"` (or keyOps ["verify"]) first.
 */
export function importJwk(jwk: unknown, source: KeySource): { key?: VerificationKey; problems: string[] } {
  if (!isRecord(jwk)) return { problems: ["must be a JSON object"] };
  const problems: string[] = [];
  const kid = jwk.kid;
  if (typeof kid !== "string" || kid === "") problems.push("kid must be a non-empty string");
  if (jwk.kty !== "RSA") problems.push(`kty is ${show(jwk.kty)}; RSA is the only supported key type`);
  const ops = jwk.keyOps ?? jwk.key_ops;
  if (ops !== undefined && !isStringArray(ops)) problems.push("keyOps must be an array of strings");
  const opList = isStringArray(ops) ? ops : [];
  if (jwk.use !== undefined && jwk.use !== "sig") problems.push(`use is ${show(jwk.use)}; it must be "sig"`);
  if (source === "STATIC_KEYS") {
    if (opList.some((op) => op !== "verify")) {
      problems.push(`keyOps ${show(ops)} may only contain "verify" (replace IDCS's key_ops with use "sig")`);
    } else if (jwk.use !== "sig" && !opList.includes("verify")) {
      problems.push('needs use "sig" or keyOps ["verify"]');
    }
  } else if (jwk.use !== "sig" && !opList.includes("verify") && !opList.includes("sig")) {
    problems.push('needs use "sig" or key_ops with "verify" or "sig"');
  }
  const alg = jwk.alg;
  if (alg !== undefined && !(JWT_ALGORITHMS as readonly unknown[]).includes(alg)) {
    problems.push(`alg is ${show(alg)}; it must be one of ${JWT_ALGORITHMS.join(", ")}`);
  }
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string")
    problems.push("n and e must be base64url strings");
  if (problems.length > 0 || jwk.kty !== "RSA") return { problems };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: "RSA", n: jwk.n as string, e: jwk.e as string }, format: "jwk" });
  } catch {
    return { problems: ["n and e do not form an RSA public key"] };
  }
  const sizeProblem = rsaSizeProblem(key);
  if (sizeProblem) return { problems: [sizeProblem] };
  return { key: { kid: kid as string, key, ...(typeof alg === "string" ? { alg } : {}) }, problems: [] };
}

/** Import a PEM-format static key: an RSA public key (never a private key), 2048-4096 bits. */
export function importPem(entry: unknown): { key?: VerificationKey; problems: string[] } {
  if (!isRecord(entry)) return { problems: ["must be a JSON object"] };
  const { kid, key: pem } = entry;
  const problems: string[] = [];
  if (typeof kid !== "string" || kid === "") problems.push("kid must be a non-empty string");
  if (typeof pem !== "string" || !pem.includes("-----BEGIN")) {
    problems.push("key must be a PEM-encoded public key");
  } else if (/PRIVATE KEY/.test(pem)) {
    problems.push("key must be a public key, not a private key");
  }
  if (problems.length > 0) return { problems };
  let key: KeyObject;
  try {
    key = createPublicKey(pem as string);
  } catch {
    return { problems: ["key is not a readable PEM public key"] };
  }
  const sizeProblem = rsaSizeProblem(key);
  if (sizeProblem) return { problems: [sizeProblem] };
  return { key: { kid: kid as string, key }, problems: [] };
}

// ---- route paths --------------------------------------------------------------------------------------------

type SegmentKind = "literal" | "param" | "wildcard";

export interface RoutePattern {
  template: string;
  regex: RegExp;
  /** Segment kinds left to right, to rank overlapping routes (literal > param > wildcard). */
  kinds: SegmentKind[];
}

const LITERAL_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/;
const PARAM_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)(\*?)\}$/;

/** Parse a route path: literal segments, `{name}` (one segment) and a final `{name*}` (the rest). */
export function parseRoutePath(path: unknown): { pattern?: RoutePattern; problems: string[] } {
  if (typeof path !== "string" || !path.startsWith("/"))
    return { problems: ['must be a string starting with "/"'] };
  if (path.length > MAX_ROUTE_PATH_LENGTH)
    return { problems: [`is longer than ${MAX_ROUTE_PATH_LENGTH} characters`] };
  if (path === "/") return { pattern: { template: path, regex: /^\/$/, kinds: [] }, problems: [] };
  const segments = path.slice(1).split("/");
  const problems: string[] = [];
  const kinds: SegmentKind[] = [];
  const names = new Set<string>();
  let source = "^";
  segments.forEach((segment, index) => {
    const param = PARAM_SEGMENT.exec(segment);
    if (param) {
      const [, name = "", star] = param;
      if (names.has(name)) problems.push(`repeats the parameter {${name}}`);
      names.add(name);
      if (star) {
        if (index !== segments.length - 1) problems.push(`wildcard {${name}*} must be the last segment`);
        kinds.push("wildcard");
        source += "(?:/(.*))?";
      } else {
        kinds.push("param");
        source += "/([^/]+)";
      }
    } else if (segment === "") {
      problems.push("has an empty segment (// or a trailing /)");
    } else if (!LITERAL_SEGMENT.test(segment)) {
      problems.push(`segment ${show(segment)} is neither a literal nor a {name} / {name*} parameter`);
    } else {
      kinds.push("literal");
      source += `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    }
  });
  if (problems.length > 0) return { problems };
  return { pattern: { template: path, regex: new RegExp(`${source}$`), kinds }, problems: [] };
}

/** Positive when `a` is more specific than `b`. */
export function compareSpecificity(a: RoutePattern, b: RoutePattern): number {
  const rank: Record<SegmentKind, number> = { literal: 3, param: 2, wildcard: 1 };
  const length = Math.max(a.kinds.length, b.kinds.length);
  for (let i = 0; i < length; i++) {
    const left = a.kinds[i];
    const right = b.kinds[i];
    if (left === right) continue;
    return (left ? rank[left] : 0) - (right ? rank[right] : 0);
  }
  return 0;
}

// ---- specification validation -------------------------------------------------------------------------------

/** Problems of a deployment path prefix: starts with "/", no trailing "/" unless it is "/", no templates. */
export function validatePathPrefix(prefix: unknown): string[] {
  if (typeof prefix !== "string" || prefix === "") return ["pathPrefix: must be a non-empty string"];
  const problems: string[] = [];
  if (!prefix.startsWith("/")) problems.push('pathPrefix: must start with "/"');
  if (prefix.length > 1 && prefix.endsWith("/"))
    problems.push('pathPrefix: must not end with "/" (unless it is "/")');
  if (prefix.includes("//")) problems.push('pathPrefix: must not contain "//"');
  if (!/^[A-Za-z0-9\-._~/]*$/.test(prefix)) {
    problems.push("pathPrefix: may only contain letters, digits, '-', '.', '_', '~' and '/'");
  }
  if (prefix.length > MAX_PATH_PREFIX_LENGTH) {
    problems.push(`pathPrefix: is longer than ${MAX_PATH_PREFIX_LENGTH} characters`);
  }
  return problems;
}

const UNSUPPORTED_SPEC_POLICIES = ["mutualTls", "usagePlans", "dynamicAuthentication"];
const UNSUPPORTED_ROUTE_POLICIES = [
  "headerTransformations",
  "queryParameterTransformations",
  "responseCacheLookup",
  "bodyValidation",
  "headerValidations",
  "queryParameterValidations",
];

function validateAuthentication(auth: unknown, problems: string[]): void {
  const at = "requestPolicies.authentication";
  if (!isRecord(auth)) {
    problems.push(`${at}: must be an object`);
    return;
  }
  if (auth.type !== "JWT_AUTHENTICATION") {
    problems.push(`${at}.type: ${show(auth.type)} is not supported by the sandbox (use JWT_AUTHENTICATION)`);
    return;
  }
  if (!nonEmptyStrings(auth.issuers)) problems.push(`${at}.issuers: must be a non-empty array of strings`);
  if (!nonEmptyStrings(auth.audiences))
    problems.push(`${at}.audiences: must be a non-empty array of strings`);
  if (auth.isAnonymousAccessAllowed !== undefined && typeof auth.isAnonymousAccessAllowed !== "boolean") {
    problems.push(`${at}.isAnonymousAccessAllowed: must be a boolean`);
  }
  for (const field of ["tokenHeader", "tokenQueryParam", "tokenAuthScheme"] as const) {
    const value = auth[field];
    if (value !== undefined && (typeof value !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value))) {
      problems.push(`${at}.${field}: must be a header/parameter token (letters, digits, -, _)`);
    }
  }
  if (auth.tokenHeader !== undefined && auth.tokenQueryParam !== undefined) {
    problems.push(`${at}: set either tokenHeader or tokenQueryParam, not both`);
  }
  const skew = auth.maxClockSkewInSeconds;
  if (
    skew !== undefined &&
    (typeof skew !== "number" || !Number.isFinite(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS)
  ) {
    problems.push(`${at}.maxClockSkewInSeconds: must be a number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`);
  }
  if (auth.verifyClaims !== undefined) {
    if (!Array.isArray(auth.verifyClaims)) problems.push(`${at}.verifyClaims: must be an array`);
    else {
      auth.verifyClaims.forEach((claim, i) => {
        const c = `${at}.verifyClaims[${i}]`;
        if (!isRecord(claim) || typeof claim.key !== "string" || claim.key === "") {
          problems.push(`${c}.key: must be a non-empty string`);
          return;
        }
        if (claim.values !== undefined && !isStringArray(claim.values)) {
          problems.push(`${c}.values: must be an array of strings`);
        }
        if (claim.isRequired !== undefined && typeof claim.isRequired !== "boolean") {
          problems.push(`${c}.isRequired: must be a boolean`);
        }
      });
    }
  }
  validatePublicKeys(auth.publicKeys, `${at}.publicKeys`, problems);
}

function validatePublicKeys(keys: unknown, at: string, problems: string[]): void {
  if (!isRecord(keys)) {
    problems.push(`${at}: must be an object (STATIC_KEYS or REMOTE_JWKS)`);
    return;
  }
  if (keys.type === "REMOTE_JWKS") {
    let url: URL | undefined;
    try {
      url = typeof keys.uri === "string" ? new URL(keys.uri) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      problems.push(`${at}.uri: must be an http(s) URL`);
    }
    if (keys.isSslVerifyDisabled !== undefined && typeof keys.isSslVerifyDisabled !== "boolean") {
      problems.push(`${at}.isSslVerifyDisabled: must be a boolean`);
    }
    const hours = keys.maxCacheDurationInHours;
    if (
      hours !== undefined &&
      (typeof hours !== "number" || !Number.isInteger(hours) || hours < 1 || hours > MAX_CACHE_DURATION_HOURS)
    ) {
      problems.push(
        `${at}.maxCacheDurationInHours: must be an integer from 1 to ${MAX_CACHE_DURATION_HOURS}`,
      );
    }
    return;
  }
  if (keys.type !== "STATIC_KEYS") {
    problems.push(`${at}.type: must be STATIC_KEYS or REMOTE_JWKS, got ${show(keys.type)}`);
    return;
  }
  if (!Array.isArray(keys.keys) || keys.keys.length === 0) {
    problems.push(`${at}.keys: must be a non-empty array`);
    return;
  }
  const kids = new Set<string>();
  keys.keys.forEach((entry, i) => {
    const k = `${at}.keys[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${k}: must be an object`);
      return;
    }
    if (typeof entry.kid === "string" && entry.kid !== "") {
      if (kids.has(entry.kid)) problems.push(`${k}.kid: ${show(entry.kid)} is used by another key`);
      kids.add(entry.kid);
    }
    let found: string[];
    if (entry.format === "JSON_WEB_KEY") found = importJwk(entry, "STATIC_KEYS").problems;
    else if (entry.format === "PEM") found = importPem(entry).problems;
    else found = [`format must be JSON_WEB_KEY or PEM, got ${show(entry.format)}`];
    for (const problem of found) problems.push(`${k}: ${problem}`);
  });
}

function validateRoute(route: unknown, index: number, auth: unknown, problems: string[]): void {
  const at = `routes[${index}]`;
  if (!isRecord(route)) {
    problems.push(`${at}: must be an object`);
    return;
  }
  for (const problem of parseRoutePath(route.path).problems) problems.push(`${at}.path: ${problem}`);
  if (route.methods !== undefined) {
    if (!Array.isArray(route.methods) || route.methods.length === 0) {
      problems.push(`${at}.methods: must be a non-empty array`);
    } else {
      for (const method of route.methods) {
        if (!(ROUTE_METHODS as readonly unknown[]).includes(method)) {
          problems.push(`${at}.methods: ${show(method)} is not one of ${ROUTE_METHODS.join(", ")}`);
        }
      }
    }
  }
  const policies = route.requestPolicies;
  if (policies !== undefined) {
    if (!isRecord(policies)) problems.push(`${at}.requestPolicies: must be an object`);
    else {
      for (const name of UNSUPPORTED_ROUTE_POLICIES) {
        if (policies[name] !== undefined) {
          problems.push(`${at}.requestPolicies.${name}: is not supported by the sandbox`);
        }
      }
      validateAuthorization(policies.authorization, `${at}.requestPolicies.authorization`, auth, problems);
    }
  }
  validateBackend(route.backend, `${at}.backend`, problems);
}

function validateAuthorization(authorization: unknown, at: string, auth: unknown, problems: string[]): void {
  if (authorization === undefined) return;
  if (!isRecord(authorization)) {
    problems.push(`${at}: must be an object`);
    return;
  }
  switch (authorization.type) {
    case "AUTHENTICATION_ONLY":
      return;
    case "ANONYMOUS":
      if (isRecord(auth) && auth.isAnonymousAccessAllowed !== true) {
        problems.push(`${at}: ANONYMOUS needs requestPolicies.authentication.isAnonymousAccessAllowed true`);
      }
      return;
    case "ANY_OF":
      if (!nonEmptyStrings(authorization.allowedScope)) {
        problems.push(`${at}.allowedScope: must be a non-empty array of strings`);
      }
      if (auth === undefined) problems.push(`${at}: ANY_OF needs requestPolicies.authentication`);
      return;
    default:
      problems.push(
        `${at}.type: must be AUTHENTICATION_ONLY, ANONYMOUS or ANY_OF, got ${show(authorization.type)}`,
      );
  }
}

function validateBackend(backend: unknown, at: string, problems: string[]): void {
  if (!isRecord(backend)) {
    problems.push(`${at}: must be an object`);
    return;
  }
  if (backend.type === "ORACLE_FUNCTIONS_BACKEND") {
    if (typeof backend.functionId !== "string" || backend.functionId === "") {
      problems.push(`${at}.functionId: must be a non-empty string`);
    }
    return;
  }
  if (backend.type === "STOCK_RESPONSE_BACKEND") {
    const status = backend.status;
    if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) {
      problems.push(`${at}.status: must be an HTTP status code`);
    }
    if (backend.body !== undefined && typeof backend.body !== "string")
      problems.push(`${at}.body: must be a string`);
    if (backend.headers !== undefined) {
      const ok =
        Array.isArray(backend.headers) &&
        backend.headers.every(
          (h) => isRecord(h) && typeof h.name === "string" && typeof h.value === "string",
        );
      if (!ok) problems.push(`${at}.headers: must be an array of {name, value} strings`);
    }
    return;
  }
  problems.push(
    `${at}.type: ${show(backend.type)} is not supported by the sandbox (use ORACLE_FUNCTIONS_BACKEND or STOCK_RESPONSE_BACKEND)`,
  );
}

/** Every problem of an ApiSpecification, one readable line each; empty when the gateway can deploy it. */
export function validateSpecification(spec: unknown): string[] {
  if (!isRecord(spec)) return ["specification: must be a JSON object"];
  const problems: string[] = [];
  const policies = spec.requestPolicies;
  let auth: unknown;
  if (policies !== undefined) {
    if (!isRecord(policies)) problems.push("requestPolicies: must be an object");
    else {
      auth = policies.authentication;
      for (const name of UNSUPPORTED_SPEC_POLICIES) {
        if (policies[name] !== undefined)
          problems.push(`requestPolicies.${name}: is not supported by the sandbox`);
      }
      if (auth !== undefined) validateAuthentication(auth, problems);
      const rate = policies.rateLimiting;
      if (rate !== undefined) {
        if (!isRecord(rate)) problems.push("requestPolicies.rateLimiting: must be an object");
        else {
          const r = rate.rateInRequestsPerSecond;
          if (typeof r !== "number" || !Number.isInteger(r) || r < 1) {
            problems.push("requestPolicies.rateLimiting.rateInRequestsPerSecond: must be a positive integer");
          }
          if (rate.rateKey !== "CLIENT_IP" && rate.rateKey !== "TOTAL") {
            problems.push("requestPolicies.rateLimiting.rateKey: must be CLIENT_IP or TOTAL");
          }
        }
      }
    }
  }
  if (!Array.isArray(spec.routes) || spec.routes.length === 0) {
    problems.push("routes: must be a non-empty array");
  } else {
    if (spec.routes.length > MAX_ROUTES) problems.push(`routes: at most ${MAX_ROUTES} routes per deployment`);
    spec.routes.forEach((route, i) => {
      validateRoute(route, i, auth, problems);
    });
  }
  return problems;
}

// ---- request checks -----------------------------------------------------------------------------------------

type TokenLookup = { present: false } | { present: true; token: string | undefined };

/**
 * Find the token where the policy says: a query parameter, or a header with its auth scheme (compared
 * case-insensitively). A header that is there but does not parse gives `token: undefined` (a 401).
 */
export function extractToken(
  policy: Pick<JwtAuthenticationPolicy, "tokenHeader" | "tokenQueryParam" | "tokenAuthScheme">,
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams,
): TokenLookup {
  if (policy.tokenQueryParam !== undefined) {
    const values = query.getAll(policy.tokenQueryParam);
    if (values.length === 0) return { present: false };
    return { present: true, token: values.length === 1 && values[0] !== "" ? values[0] : undefined };
  }
  const raw = headers[(policy.tokenHeader ?? DEFAULT_TOKEN_HEADER).toLowerCase()];
  if (raw === undefined) return { present: false };
  if (typeof raw !== "string") return { present: true, token: undefined };
  const scheme = policy.tokenAuthScheme ?? DEFAULT_TOKEN_AUTH_SCHEME;
  const match = /^(\S+)[ \t]+(\S+)$/.exec(raw.trim());
  if (!match || match[1]?.toLowerCase() !== scheme.toLowerCase()) return { present: true, token: undefined };
  return { present: true, token: match[2] };
}

function claimValues(value: unknown): string[] | undefined {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return [String(value)];
  if (Array.isArray(value) && value.every((v) => ["string", "number", "boolean"].includes(typeof v))) {
    return value.map(String);
  }
  return undefined;
}

/** The first verifyClaims rule the claims break, or undefined. A claim array passes when any member matches. */
export function checkVerifyClaims(
  claims: Record<string, unknown>,
  rules: JsonWebTokenClaim[],
): string | undefined {
  for (const rule of rules) {
    const value = claims[rule.key];
    if (value === undefined || value === null) {
      if (rule.isRequired) return `verifyClaims: ${rule.key} is missing`;
      continue;
    }
    if (!rule.values || rule.values.length === 0) continue;
    const actual = claimValues(value);
    if (!actual?.some((v) => rule.values?.includes(v)))
      return `verifyClaims: ${rule.key} has no allowed value`;
  }
  return undefined;
}

/** ANY_OF: does the token's space-separated `scope` claim hold one of the allowed scopes? */
export function scopeAllows(claims: Record<string, unknown>, allowedScope: string[]): boolean {
  const scope = claims.scope;
  const granted =
    typeof scope === "string" ? scope.split(/\s+/) : isStringArray(scope) ? scope : ([] as string[]);
  return granted.some((s) => s !== "" && allowedScope.includes(s));
}

export type KeyLookup = (kid: string) => Promise<VerificationKey | undefined>;

type JwtVerdict =
  | { ok: true; claims: JWTPayload; header: JWTHeaderParameters }
  | { ok: false; reason: string };

class Rejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verify a token as JWT_AUTHENTICATION does. The header's alg only selects among RS256/384/512; the key comes
 * from `lookup` by kid (never from jwk/jku/x5u/x5c headers); any `crit` is refused (no extension is
 * understood). `reason` is for logs and tests only; clients get a bare 401.
 */
export async function verifyJwt(
  token: string,
  policy: Pick<JwtAuthenticationPolicy, "issuers" | "audiences" | "maxClockSkewInSeconds" | "verifyClaims">,
  lookup: KeyLookup,
  nowMs: number,
): Promise<JwtVerdict> {
  if (!COMPACT_JWS.test(token)) return { ok: false, reason: "malformed token" };
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      async (header) => {
        if (header.crit !== undefined) throw new Rejected("crit header");
        if (typeof header.kid !== "string" || header.kid === "") throw new Rejected("no kid");
        const found = await lookup(header.kid);
        if (!found) throw new Rejected("unknown kid");
        if (found.alg !== undefined && found.alg !== header.alg)
          throw new Rejected("alg differs from the key's alg");
        return found.key;
      },
      {
        algorithms: [...JWT_ALGORITHMS],
        issuer: policy.issuers,
        audience: policy.audiences,
        clockTolerance: policy.maxClockSkewInSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
        requiredClaims: ["exp"],
        currentDate: new Date(nowMs),
      },
    );
    const broken = checkVerifyClaims(payload, policy.verifyClaims ?? []);
    if (broken) return { ok: false, reason: broken };
    return { ok: true, claims: payload, header: protectedHeader };
  } catch (err) {
    if (err instanceof Rejected) return { ok: false, reason: err.reason };
    if (err instanceof errors.JWTClaimValidationFailed)
      return { ok: false, reason: `${err.code} ${err.claim}` };
    if (err instanceof errors.JOSEError) return { ok: false, reason: err.code };
    return { ok: false, reason: "unusable token or key" };
  }
}
