// Registry failures as one readable line: which registry, what was asked, the HTTP status, the distribution
// error code and message, and what to do about it.
import { UserFacingError } from "../lib/errors.js";

interface DistributionError {
  code: string;
  message: string;
  detail?: unknown;
}

/** The `{errors:[{code,message,detail}]}` body of the distribution spec; [] when the body is something else. */
export function parseDistributionErrors(body: string): DistributionError[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown; code?: unknown; message?: unknown };
    if (Array.isArray(parsed.errors)) {
      return parsed.errors
        .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
        .map((e) => ({
          code: typeof e.code === "string" ? e.code : "UNKNOWN",
          message: typeof e.message === "string" ? e.message : "",
          detail: e.detail,
        }));
    }
    // An OCI-style envelope from a load balancer or gateway in front of the registry.
    if (typeof parsed.code === "string") {
      return [{ code: parsed.code, message: typeof parsed.message === "string" ? parsed.message : "" }];
    }
  } catch {
    // not JSON
  }
  return [];
}

interface RegistryErrorInit {
  registry: string;
  status?: number;
  method?: string;
  /** Path (and query without secrets) of the request, for the message. */
  path?: string;
  code?: string;
  retryAfter?: string;
  hint?: string;
  cause?: unknown;
  /** Worth another attempt even though the status alone says no (e.g. an upload to restart). */
  retryable?: boolean;
}

/** A registry answered something other than what the step needed. `status` is undefined for non-HTTP failures. */
export class RegistryError extends UserFacingError {
  override name = "RegistryError";
  readonly registry: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfter: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, init: RegistryErrorInit) {
    super(
      init.hint ? `${message}: ${init.hint}` : message,
      init.cause === undefined ? {} : { cause: init.cause },
    );
    this.registry = init.registry;
    this.status = init.status;
    this.code = init.code;
    this.retryAfter = init.retryAfter;
    this.retryable = init.retryable ?? false;
  }
}

/** The registry (or its token service) refused the credentials, or asks for some when none were given. */
export class RegistryAuthError extends RegistryError {
  override name = "RegistryAuthError";
}

/** The content received does not match its digest: a broken proxy or registry, never retried silently. */
export class DigestMismatchError extends RegistryError {
  override name = "DigestMismatchError";
}

function summarize(errors: DistributionError[]): string {
  return errors
    .slice(0, 3)
    .map((e) => {
      const detail = typeof e.detail === "string" ? e.detail : "";
      const text = [e.message, detail].filter((s) => s.length > 0).join(" ");
      return text ? `${e.code}: ${text}` : e.code;
    })
    .join("; ")
    .replace(/\s+/g, " ")
    .slice(0, 300);
}

/** One line for a failed registry request, e.g. `registry iad.ocir.io: PUT /v2/ns/app/manifests/1 failed with HTTP 400 (MANIFEST_INVALID: ...)`. */
export function registryHttpError(init: RegistryErrorInit & { status: number; body: string }): RegistryError {
  const errors = parseDistributionErrors(init.body);
  const summary = summarize(errors);
  const what = init.method && init.path ? `${init.method} ${init.path} failed with` : "answered";
  const message = `registry ${init.registry}: ${what} HTTP ${init.status}${summary ? ` (${summary})` : ""}`;
  return new RegistryError(message, { ...init, code: init.code ?? errors[0]?.code });
}

/** What to check when credentials are refused, in the words of the registry in question. */
export function credentialsHint(registry: string, username: string | undefined): string {
  if (/\.ocir\.io$|^ocir\.[a-z0-9-]+\.oci\.oraclecloud\.com$/.test(registry)) {
    const user = username ?? "<namespace>/<user>";
    const hasNamespace = username?.includes("/") ?? false;
    return hasNamespace
      ? `check the OCIR username (${user}) and auth token`
      : `check the OCIR username (${user}): it must be <tenancy-namespace>/<user> (federated: <namespace>/oracleidentitycloudservice/<user>) with an auth token as the password`;
  }
  return "check the registry username and password";
}

export function rejectedCredentials(registry: string, username: string, cause?: unknown): RegistryAuthError {
  return new RegistryAuthError(`registry ${registry} rejected the credentials for ${username}`, {
    registry,
    status: 401,
    code: "UNAUTHORIZED",
    hint: credentialsHint(registry, username),
    cause,
  });
}
