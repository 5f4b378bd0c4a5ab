// OAuth2 client_credentials against an IDCS (OCI IAM identity domain) token endpoint. Every credential
// and value derived from one is masked the moment it exists; the token is reused until shortly before
// it expires; configuration errors fail at once; 5xx, 429 and network errors are retried.
import { type Dispatcher, request } from "undici";
import { UserFacingError } from "../lib/errors.js";
import { createAgent, DEFAULT_TIMEOUTS, RetryableHttpError, readBody } from "../lib/http.js";
import { createMasker, type Masker, secretForms } from "../lib/mask.js";
import { isRetryableStatus, parseRetryAfter, RetryDeadlineError } from "../lib/retry.js";
import { sanitizeServerText } from "../lib/text.js";
import { FatalReportError } from "./errors.js";
import type { ReportAuth } from "./inputs.js";
import { type RemoteCallOptions, requestTimeouts, retryCall, timeLeft } from "./remote.js";

const IDCS_TOKEN_PATH = "/oauth2/v1/token";
/** Refresh this long before the token expires. */
export const EXPIRY_MARGIN_MS = 60_000;

/** What the endpoint client needs from a token client. */
export interface TokenSource {
  getToken(): Promise<string>;
  /**
   * Forget the cached token if it is `rejected` (or always, without it), so the next getToken() asks for a
   * new one. False when the token was already replaced: parallel calls refused for one expiry share one
   * new token.
   */
  invalidate(rejected?: string): boolean;
  /** What to tell the user when the gateway refuses even a fresh token; the endpoint's default otherwise. */
  unauthorizedMessage?(): string;
}

/** What the report flow hands its token factory: where the token comes from, and the run's clock. */
export interface TokenSourceOptions extends RemoteCallOptions {
  auth: ReportAuth;
  setSecret: (value: string) => void;
}

/** An IDCS domain URL (https://idcs-….identity.oraclecloud.com) gets the token path; a URL with a path is kept. */
export function tokenEndpointFor(url: URL): URL {
  const resolved = new URL(url.href);
  if (resolved.pathname === "" || resolved.pathname === "/") resolved.pathname = IDCS_TOKEN_PATH;
  return resolved;
}

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for the Basic credentials' parts. */
export function formEncode(value: string): string {
  return new URLSearchParams([["", value]]).toString().slice(1);
}

/** The Basic credentials' base64 part: base64(formEncode(id) ":" formEncode(secret)). */
export function basicCredentials(clientId: string, clientSecret: string): string {
  return Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString("base64");
}

export interface TokenClientOptions extends RemoteCallOptions {
  /** The full token endpoint (see tokenEndpointFor). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  setSecret: (value: string) => void;
}

const HINTS: Record<string, string> = {
  invalid_client:
    "the token endpoint does not accept the client credentials: check inputs 'client-id' and 'client-secret' (the confidential application's client ID and secret) and that the application is activated",
  invalid_scope:
    "the token endpoint does not know the scope: input 'scope' must be the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
  unauthorized_client:
    "the client may not get this token: in the confidential application allow the client_credentials grant and add the resource application's scope named in input 'scope'",
  invalid_grant:
    "the token endpoint refused the client_credentials grant: allow it in the confidential application",
  unsupported_grant_type:
    "the token endpoint does not support client_credentials here: check that input 'token-url' is the identity domain's token endpoint",
};

export class TokenClient implements TokenSource {
  private token: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<string> | undefined;
  private readonly basic: string;
  private readonly secrets: string[];
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  private readonly mask: Masker;

  constructor(private readonly options: TokenClientOptions) {
    // Mask before anything else can print them.
    this.mask = createMasker((form) => options.setSecret(form));
    this.mask(options.clientSecret);
    this.mask(formEncode(options.clientSecret));
    this.basic = basicCredentials(options.clientId, options.clientSecret);
    this.mask(this.basic);
    this.mask(`Basic ${this.basic}`);
    this.secrets = [
      ...secretForms(options.clientSecret),
      ...secretForms(formEncode(options.clientSecret)),
      this.basic,
    ];
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createAgent(options.timeouts ?? DEFAULT_TIMEOUTS);
  }

  invalidate(rejected?: string): boolean {
    if (rejected !== undefined && rejected !== this.token) return false;
    this.token = undefined;
    this.expiresAt = 0;
    return true;
  }

  async getToken(): Promise<string> {
    if (this.token !== undefined && this.options.clock.now() < this.expiresAt) return this.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private redact(text: unknown, max?: number): string {
    return sanitizeServerText(text, this.token ? [...this.secrets, this.token] : this.secrets, max);
  }

  private async fetchToken(): Promise<string> {
    const policy = this.options.retry ?? { maxAttempts: 4, baseMs: 500, maxDelayMs: 10_000 };
    const url = this.options.tokenUrl;
    try {
      return await retryCall(
        this.options,
        policy,
        () => this.attempt(url),
        ({ attempt, delayMs, reason }) =>
          `token request attempt ${attempt}/${policy.maxAttempts} failed (${reason}); retrying in ${delayMs} ms`,
      );
    } catch (err) {
      if (err instanceof RetryDeadlineError) {
        throw new FatalReportError(
          `the time budget ran out while getting a token (${this.describe(err.lastError)}); raise input 'time-budget' or retry later`,
        );
      }
      if (err instanceof UserFacingError) throw err;
      throw new FatalReportError(`could not get a token from input 'token-url': ${this.describe(err)}`);
    }
  }

  private describe(err: unknown): string {
    if (err instanceof RetryableHttpError) return err.message;
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    return this.redact(typeof code === "string" ? `${code}: ${message}` : message);
  }

  private async attempt(url: string): Promise<string> {
    const { clock } = this.options;
    const remaining = timeLeft(this.options);
    if (remaining <= 0)
      throw new FatalReportError(
        "the time budget ran out before a token could be requested; raise input 'time-budget'",
      );
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      scope: this.options.scope,
    }).toString();
    const response = await request(url, {
      method: "POST",
      dispatcher: this.dispatcher,
      headers: {
        authorization: `Basic ${this.basic}`,
        "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
        accept: "application/json",
      },
      body,
      ...requestTimeouts(this.options, remaining),
    });
    const status = response.statusCode;
    const text = await readBody(response.body);
    if (status === 200) return this.accept(text);
    if (isRetryableStatus(status)) {
      const retryAfter = response.headers["retry-after"];
      throw new RetryableHttpError(
        `token endpoint answered HTTP ${status}`,
        status,
        parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, clock.now()),
      );
    }
    throw this.rejection(status, text);
  }

  private rejection(status: number, text: string): FatalReportError {
    let code: string | undefined;
    let description = "";
    try {
      const parsed = JSON.parse(text) as { error?: unknown; error_description?: unknown };
      if (typeof parsed.error === "string") code = parsed.error.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 60);
      if (typeof parsed.error_description === "string")
        description = this.redact(parsed.error_description, 160);
    } catch {
      // Not JSON: say so, never echo it.
    }
    const hint = code ? HINTS[code] : undefined;
    const detail = description ? ` "${description}"` : "";
    if (hint)
      return new FatalReportError(`token request failed with ${code} (HTTP ${status})${detail}: ${hint}`);
    if (status === 404 || status === 405) {
      return new FatalReportError(
        `token endpoint answered HTTP ${status}: check input 'token-url' (the identity domain URL, or its ${IDCS_TOKEN_PATH} endpoint)`,
      );
    }
    if (status >= 300 && status < 400) {
      return new FatalReportError(
        `token endpoint answered a redirect (HTTP ${status}): set input 'token-url' to the final token endpoint URL`,
      );
    }
    return new FatalReportError(
      `token request failed with HTTP ${status}${code ? ` ${code}` : ""}${detail}: check inputs 'token-url', 'client-id', 'client-secret' and 'scope'`,
    );
  }

  private accept(text: string): string {
    const { clock } = this.options;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 with a body that is not JSON: check that input 'token-url' is the identity domain's token endpoint",
      );
    }
    const body = (parsed ?? {}) as { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 without an access_token: check that input 'token-url' is the identity domain's token endpoint",
      );
    }
    // The token exists now: mask it before anything else happens.
    this.mask(body.access_token);
    if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer") {
      throw new FatalReportError(
        `the token endpoint returned a token of type '${this.redact(body.token_type, 20)}', not Bearer`,
      );
    }
    const expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : body.expires_in;
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new FatalReportError(
        "the token endpoint answered HTTP 200 without a valid expires_in: check that input 'token-url' is the identity domain's token endpoint",
      );
    }
    const lifetimeMs = expiresIn * 1000;
    this.token = body.access_token;
    this.expiresAt = clock.now() + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 2);
    return body.access_token;
  }
}
