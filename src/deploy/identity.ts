// Reads from the identity domain at deploy time: its OpenID discovery document (issuer, jwks_uri) and its
// signing-key JWKS. Anonymous GETs (the JWKS is public only with the domain's "Configure client access"
// setting on), no redirects, bounded bodies, retried on 429/5xx/network through the project's retry helper.
import { type Dispatcher, request } from "undici";
import { UserFacingError } from "../lib/errors.js";
import { defaultAgent, readBodyBytes } from "../lib/http.js";
import { isLoopbackHost } from "../lib/inputs.js";
import {
  isNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  RetryDeadlineError,
  type RetryOptions,
  withRetry,
} from "../lib/retry.js";
import { oneLineText } from "../lib/text.js";

export const OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration";
const BODY_LIMIT = 1024 * 1024;

class IdentityDomainError extends UserFacingError {
  override name = "IdentityDomainError";
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | undefined,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

export interface JsonGetter {
  getJson(url: string, what: string): Promise<unknown>;
}

interface HttpOptions {
  dispatcher?: Dispatcher;
  retry?: Partial<RetryOptions>;
  log?: (line: string) => void;
}

/** What the GitHub issuer's keys are called in messages (their hint names github-oidc-issuer, not the domain). */
export const GITHUB_KEYS = "GitHub OIDC keys";

function hint(status: number, what: string): string {
  if (what === GITHUB_KEYS) {
    return "check 'github-oidc-issuer' (github.com: https://token.actions.githubusercontent.com; GitHub Enterprise Server: https://HOST/_services/token); its keys are read from <issuer>/.well-known/jwks";
  }
  if ((status === 401 || status === 403) && /JWKS/i.test(what)) {
    return "the identity domain does not publish its signing keys anonymously: turn on Settings > Domain settings > 'Configure client access' (Access signing certificate), or use another 'jwks-url'";
  }
  if (status === 404)
    return "check 'identity-domain-url' (the domain URL, e.g. https://idcs-….identity.oraclecloud.com) and 'jwks-url'";
  // The retries ran out: an outage, not a setting.
  if (isRetryableStatus(status)) return "the identity domain is unavailable (4 attempts): re-run later";
  return "";
}

/** GET a JSON document: anonymous, https (http only on loopback), no redirects. */
export function createJsonGetter(options: HttpOptions = {}): JsonGetter {
  const dispatcher = options.dispatcher ?? defaultAgent();
  return {
    async getJson(url: string, what: string): Promise<unknown> {
      const parsed = new URL(url);
      if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && isLoopbackHost(parsed.hostname))) {
        throw new IdentityDomainError(`${what} URL ${oneLineText(url, 120)} must use https`);
      }
      let text: string;
      try {
        text = await withRetry(() => getText(url, what, dispatcher), retryable, {
          maxAttempts: 4,
          baseMs: 500,
          maxDelayMs: 5_000,
          onRetry: ({ attempt, reason, delayMs }) =>
            options.log?.(`GET ${what}: attempt ${attempt} failed (${reason}); retrying in ${delayMs} ms`),
          ...options.retry,
        });
      } catch (caught) {
        throw failure(caught instanceof RetryDeadlineError ? caught.lastError : caught, url, what);
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new IdentityDomainError(`${what} at ${oneLineText(url, 120)} is not JSON`);
      }
    },
  };
}

/** One GET: the body (bounded) of a 200, else an HttpStatusError. */
async function getText(url: string, what: string, dispatcher: Dispatcher): Promise<string> {
  const res = await request(url, {
    method: "GET",
    dispatcher,
    headers: { accept: "application/json" },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const tooLarge = () =>
    new IdentityDomainError(`${what} at ${oneLineText(url, 120)} is larger than ${BODY_LIMIT} bytes`);
  const body = (await readBodyBytes(res.body, BODY_LIMIT, tooLarge)).toString("utf8");
  if (res.statusCode !== 200) {
    const retryAfter = res.headers["retry-after"];
    throw new HttpStatusError(res.statusCode, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body);
  }
  return body;
}

/** 429 and 5xx (after the server's retry-after) and network failures are tried again. */
function retryable(err: unknown): { retry: boolean; retryAfterMs?: number; reason: string } {
  if (err instanceof HttpStatusError && isRetryableStatus(err.status)) {
    return {
      retry: true,
      retryAfterMs: parseRetryAfter(err.retryAfter, Date.now()),
      reason: `HTTP ${err.status}`,
    };
  }
  return { retry: isNetworkError(err), reason: "network error" };
}

/** The last failure as one line that names the document, the URL and (for a status) what to check. */
function failure(err: unknown, url: string, what: string): IdentityDomainError {
  if (err instanceof IdentityDomainError) return err;
  if (err instanceof HttpStatusError) {
    const extra = hint(err.status, what);
    return new IdentityDomainError(
      `GET ${what} ${oneLineText(url, 120)} answered HTTP ${err.status}${extra ? `; ${extra}` : ""}`,
    );
  }
  const code =
    (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  return new IdentityDomainError(
    `GET ${what} ${oneLineText(url, 120)} failed: ${oneLineText(err instanceof Error ? err.message : String(err), 120)}${code ? ` (${code})` : ""}`,
  );
}

interface Discovery {
  issuer: string;
  jwksUri: string;
}

/** The identity domain's issuer and JWKS URI, from its openid-configuration. */
export async function discover(http: JsonGetter, domainUrl: string): Promise<Discovery> {
  const url = `${domainUrl}${OPENID_CONFIGURATION_PATH}`;
  const doc = await http.getJson(url, "openid-configuration");
  const record = typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>) : {};
  const issuer = record.issuer;
  const jwksUri = record.jwks_uri;
  if (typeof issuer !== "string" || issuer === "" || typeof jwksUri !== "string" || jwksUri === "") {
    throw new IdentityDomainError(
      `the openid-configuration at ${oneLineText(url, 120)} has no issuer or jwks_uri; check 'identity-domain-url', or set 'issuer' and 'jwks-url'`,
    );
  }
  return { issuer, jwksUri };
}
