// The deployment's ApiSpecification (pure): one route, POST /request-summarized-usages, to the function, behind
// JWT_AUTHENTICATION. Also its canonical form, so that a spec read back from the service (with the defaults
// the service fills in, keys in another order, key_ops spelled the wire way) compares equal to the one deploy
// would send, and a readable diff of two specs for dry-run and for the log of an update.
import { models } from "oci-apigateway";
import type { StaticJsonWebKey } from "./jwks.js";

export const USAGE_ROUTE = "/request-summarized-usages";
const TOKEN_HEADER = "Authorization";
const TOKEN_AUTH_SCHEME = "Bearer";

type PublicKeysOption =
  | { type: "STATIC_KEYS"; keys: readonly StaticJsonWebKey[] }
  | { type: "REMOTE_JWKS"; uri: string; maxCacheDurationInHours: number };

/** A claim the gateway checks besides iss/aud/exp (JsonWebTokenClaim). */
export interface VerifyClaim {
  key: string;
  /** Allowed values; a token whose claim is another value is refused. */
  values: readonly string[];
  isRequired: boolean;
}

export interface SpecOptions {
  functionId: string;
  issuers: readonly string[];
  audiences: readonly string[];
  maxClockSkewSeconds: number;
  publicKeys: PublicKeysOption;
  /** Route authorization ANY_OF these scope names; empty: any authenticated token. */
  requiredScopes: readonly string[];
  /** Requests per second per client IP; undefined: no rate limiting. */
  rateLimit?: number;
  /** Claims the token must carry with one of the values; empty or undefined: none. */
  verifyClaims?: readonly VerifyClaim[];
}

/** What the GitHub deployment pins: the repository always, the ref and the environment when listed. */
export function githubVerifyClaims(pins: {
  repositories: readonly string[];
  refs: readonly string[];
  environments: readonly string[];
}): VerifyClaim[] {
  const claims: VerifyClaim[] = [{ key: "repository", values: [...pins.repositories], isRequired: true }];
  if (pins.refs.length > 0) claims.push({ key: "ref", values: [...pins.refs], isRequired: true });
  if (pins.environments.length > 0) {
    claims.push({ key: "environment", values: [...pins.environments], isRequired: true });
  }
  return claims;
}

/** Where GitHub (and GitHub Enterprise Server) publish an issuer's signing keys. */
export function githubJwksUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
}

/** The specification deploy sends. */
export function buildSpec(o: SpecOptions): models.ApiSpecification {
  const publicKeys: models.StaticPublicKeySet | models.RemoteJsonWebKeySet =
    o.publicKeys.type === "STATIC_KEYS"
      ? {
          type: models.StaticPublicKeySet.type,
          keys: o.publicKeys.keys.map(
            (k): models.JsonWebKey => ({
              kid: k.kid,
              format: models.JsonWebKey.format,
              kty: models.JsonWebKey.Kty.Rsa,
              use: models.JsonWebKey.Use.Sig,
              ...(k.alg ? { alg: k.alg } : {}),
              n: k.n,
              e: k.e,
            }),
          ),
        }
      : {
          type: models.RemoteJsonWebKeySet.type,
          uri: o.publicKeys.uri,
          maxCacheDurationInHours: o.publicKeys.maxCacheDurationInHours,
          isSslVerifyDisabled: false,
        };
  const authentication: models.JwtAuthenticationPolicy = {
    type: models.JwtAuthenticationPolicy.type,
    isAnonymousAccessAllowed: false,
    tokenHeader: TOKEN_HEADER,
    tokenAuthScheme: TOKEN_AUTH_SCHEME,
    issuers: [...o.issuers],
    audiences: [...o.audiences],
    maxClockSkewInSeconds: o.maxClockSkewSeconds,
    ...(o.verifyClaims && o.verifyClaims.length > 0
      ? {
          verifyClaims: o.verifyClaims.map(
            (c): models.JsonWebTokenClaim => ({
              key: c.key,
              values: [...c.values],
              isRequired: c.isRequired,
            }),
          ),
        }
      : {}),
    publicKeys,
  };
  const authorization:
    | models.AnyOfRouteAuthorizationPolicy
    | models.AuthenticationOnlyRouteAuthorizationPolicy =
    o.requiredScopes.length > 0
      ? { type: models.AnyOfRouteAuthorizationPolicy.type, allowedScope: [...o.requiredScopes] }
      : { type: models.AuthenticationOnlyRouteAuthorizationPolicy.type };
  const backend: models.OracleFunctionBackend = {
    type: models.OracleFunctionBackend.type,
    functionId: o.functionId,
  };
  return {
    requestPolicies: {
      authentication,
      ...(o.rateLimit !== undefined
        ? {
            rateLimiting: {
              rateInRequestsPerSecond: o.rateLimit,
              rateKey: models.RateLimitingPolicy.RateKey.ClientIp,
            },
          }
        : {}),
    },
    routes: [
      {
        path: USAGE_ROUTE,
        methods: [models.ApiSpecificationRoute.Methods.Post],
        requestPolicies: { authorization },
        backend,
      },
    ],
  };
}

// ---- canonical form ----------------------------------------------------------------------------------------

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/**
 * Values the service assumes when a field is absent, so an explicit default and an absent field are the same
 * spec. maxCacheDurationInHours 1 is unconfirmed (believed the default); the others are documented defaults.
 */
const DEFAULTS: Record<string, Json> = {
  maxClockSkewInSeconds: 0,
  maxCacheDurationInHours: 1,
  tokenHeader: TOKEN_HEADER,
  tokenAuthScheme: TOKEN_AUTH_SCHEME,
};
/** String lists whose order carries no meaning. */
const SETS = new Set(["issuers", "audiences", "allowedScope", "methods", "keyOps", "values"]);
/** Wire spellings the SDK maps to model names. */
const RENAMES: Record<string, string> = { key_ops: "keyOps" };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Identity of an element of an object list, for sorting and for diff paths. */
function identityOf(listKey: string, item: Json): string | undefined {
  if (!isRecord(item)) return undefined;
  if (listKey === "routes") {
    const methods = Array.isArray(item.methods) ? (item.methods as Json[]).join(",") : "ANY";
    return `${methods} ${String(item.path ?? "")}`;
  }
  if (listKey === "keys" && typeof item.kid === "string") return `kid=${item.kid}`;
  if (typeof item.name === "string") return `name=${item.name}`;
  if (typeof item.key === "string") return `key=${item.key}`;
  return undefined;
}

function canonicalValue(value: unknown, key: string): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    // An `is…` flag that is false is the default of every such flag in the spec.
    if (value === false && /^is[A-Z]/.test(key)) return undefined;
    if (Object.hasOwn(DEFAULTS, key) && DEFAULTS[key] === value) return undefined;
    return key === "methods" && typeof value === "string" ? value.toUpperCase() : value;
  }
  if (Array.isArray(value)) {
    let items = value.map((v) => canonicalValue(v, key)).filter((v): v is Json => v !== undefined);
    if (SETS.has(key) && items.every((v) => typeof v === "string")) {
      items = [...new Set(items as string[])].sort(compareText);
    } else if (items.length > 1 && items.every((v) => identityOf(key, v) !== undefined)) {
      items = [...items].sort((a, b) => compareText(identityOf(key, a)!, identityOf(key, b)!));
    }
    return items.length === 0 ? undefined : items;
  }
  if (isRecord(value)) {
    const out: Record<string, Json> = {};
    for (const rawKey of Object.keys(value).sort(compareText)) {
      const name = RENAMES[rawKey] ?? rawKey;
      const v = canonicalValue(value[rawKey], name);
      if (v !== undefined) out[name] = v;
    }
    // With authentication on, AUTHENTICATION_ONLY is what a route without authorization gets.
    if (
      key === "requestPolicies" &&
      isRecord(out.authorization) &&
      out.authorization.type === "AUTHENTICATION_ONLY"
    ) {
      const keys = Object.keys(out.authorization);
      if (keys.length === 1) delete out.authorization;
    }
    const sorted: Record<string, Json> = {};
    for (const k of Object.keys(out).sort(compareText)) sorted[k] = out[k] as Json;
    return Object.keys(sorted).length === 0 ? undefined : sorted;
  }
  return undefined;
}

/** The canonical form of a specification: defaults dropped, sets sorted, keys ordered. */
export function canonicalSpec(spec: unknown): Json {
  return canonicalValue(spec, "") ?? {};
}

function canonicalText(spec: unknown): string {
  return JSON.stringify(canonicalSpec(spec));
}

/** True when the two specs mean the same deployment. */
export function specsEqual(a: unknown, b: unknown): boolean {
  return canonicalText(a) === canonicalText(b);
}

// ---- diff ---------------------------------------------------------------------------------------------------

export interface SpecChange {
  kind: "added" | "removed" | "changed";
  /** e.g. `requestPolicies.authentication.publicKeys.keys[kid=SIGNING_KEY].n` */
  path: string;
  before?: string;
  after?: string;
}

const VALUE_LIMIT = 60;

function showValue(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

/** Leaves of a canonical spec by path; lists of scalars are one leaf, lists of objects are keyed by identity. */
function flatten(value: Json, path: string, listKey: string, out: Map<string, Json>): void {
  if (Array.isArray(value)) {
    if (value.every((v) => !isRecord(v) && !Array.isArray(v))) {
      out.set(path, value);
      return;
    }
    value.forEach((item, index) => {
      const id = identityOf(listKey, item) ?? String(index);
      flatten(item, `${path}[${id}]`, listKey, out);
    });
    return;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(path, value);
    for (const [k, v] of entries) flatten(v as Json, path === "" ? k : `${path}.${k}`, k, out);
    return;
  }
  out.set(path, value);
}

/** What changes when `current` (undefined: no deployment yet) becomes `desired`, in canonical terms. */
export function diffSpecs(current: unknown, desired: unknown): SpecChange[] {
  const before = new Map<string, Json>();
  const after = new Map<string, Json>();
  if (current !== undefined) flatten(canonicalSpec(current), "", "", before);
  flatten(canonicalSpec(desired), "", "", after);
  const changes: SpecChange[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort(compareText);
  for (const path of paths) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === undefined && b !== undefined) changes.push({ kind: "added", path, after: showValue(b) });
    else if (a !== undefined && b === undefined)
      changes.push({ kind: "removed", path, before: showValue(a) });
    else if (a !== undefined && b !== undefined && JSON.stringify(a) !== JSON.stringify(b)) {
      changes.push({ kind: "changed", path, before: showValue(a), after: showValue(b) });
    }
  }
  return changes;
}

/** One line per change: `+ path: value`, `- path: value`, `~ path: before → after`. */
export function renderSpecDiff(changes: readonly SpecChange[]): string[] {
  return changes.map((c) =>
    c.kind === "added"
      ? `+ ${c.path}: ${c.after}`
      : c.kind === "removed"
        ? `- ${c.path}: ${c.before}`
        : `~ ${c.path}: ${c.before} → ${c.after}`,
  );
}
