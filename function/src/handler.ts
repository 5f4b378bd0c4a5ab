// The function's logic as a pure function of (request, deps): validation, tenancy pinning, paging
// within a response budget, retries bounded by the call's deadline, and error surfacing. No FDK, no
// SDK, no clock or timer of its own: func.ts and usage.ts supply those.
import {
  backoffCeiling,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  RetryDeadlineError,
  withRetry,
} from "../../src/lib/retry.js";
import type { FunctionConfig } from "./config.js";
import {
  isJsonContentType,
  parseJsonObject,
  readPageToken,
  type UsageQuery,
  validateUsageBody,
} from "./validate.js";

export interface FunctionRequest {
  /** Fn-Http-Method (POST when the call did not come through an HTTP gateway). */
  method: string;
  /** Fn-Http-Request-Url: path and query, no host. */
  url: string;
  /** Request headers, names lower-cased. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Uint8Array;
  callId: string;
  /** Fn-Deadline; null when absent. */
  deadline: Date | null;
}

export interface FunctionResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Items already serialised as the answer carries them. */
interface SerialisedItems {
  /** Each item's JSON (as JSON.stringify writes it), joined by ","; no brackets. */
  json: string;
  count: number;
  /** UTF-8 bytes of `json`. */
  bytes: number;
}

/**
 * One page of RequestSummarizedUsages, items exactly as the Usage API sent them: as values (the handler
 * serialises them) or already serialised.
 */
export type PageResult = {
  groupBy?: readonly string[] | undefined;
  nextPage?: string | undefined;
  opcRequestId?: string | undefined;
} & ({ items: readonly unknown[] } | { serialisedItems: SerialisedItems });

export interface FetchOptions {
  /** The `limit` query parameter. */
  limit: number;
  /** Abort this attempt after this many milliseconds. */
  timeoutMs: number;
}

/** One RequestSummarizedUsages call (one attempt; the retries are the handler's). */
export interface UsageFetcher {
  fetchPage(
    query: UsageQuery & { tenantId: string },
    page: string | undefined,
    options: FetchOptions,
  ): Promise<PageResult>;
}

type UpstreamFailureKind =
  /** The Usage API answered with a non-2xx status. */
  | "http"
  /** No usable answer: connection refused or reset, truncated or unparsable body. */
  | "network"
  /** The attempt's own timeout fired. */
  | "timeout"
  /** The resource principal could not sign the request. */
  | "auth"
  /** The function cannot tell where the Usage API is. */
  | "config";

export interface UpstreamFailure {
  kind: UpstreamFailureKind;
  status?: number | undefined;
  serviceCode?: string | undefined;
  /** The upstream message; echoed only when it is one of SAFE_UPSTREAM_MESSAGES. */
  upstreamMessage?: string | undefined;
  opcRequestId?: string | undefined;
  /** The raw Retry-After header of the answer. */
  retryAfter?: string | undefined;
  /** Log-only detail (sanitised again before it is logged). */
  detail?: string | undefined;
}

/** What a UsageFetcher throws for every failure it understands. */
export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure) {
    super(`Usage API call failed (${failure.kind}${failure.status ? ` ${failure.status}` : ""})`);
    this.name = "UpstreamError";
    this.failure = failure;
  }
}

export interface LogLine {
  callId: string;
  status: number;
  pages: number;
  items: number;
  upstreamMs: number;
  attempts: number;
  bytes: number;
  code?: string;
  error?: string;
}

export interface HandlerDeps {
  config: FunctionConfig;
  /** Set when the function config is unusable: every call then answers 500 FunctionMisconfigured. */
  configError?: string | undefined;
  usage: UsageFetcher;
  /** The function's own tenancy (resource principal claim res_tenant). */
  tenancy(): Promise<string>;
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
  log(line: LogLine): void;
}

/** 400 texts of the Usage API known to carry no request data; any other text is replaced. */
const SAFE_UPSTREAM_MESSAGES: ReadonlySet<string> = new Set([
  "Passed UTC date does not have the right precision: hours, minutes, seconds, and second fractions must be 0",
  "Passed date does not have the right precision",
  "Unable to process JSON input",
]);

const JSON_HEADERS = { "Content-Type": "application/json" } as const;

interface Stats {
  pages: number;
  items: number;
  upstreamMs: number;
  attempts: number;
}

/** A refusal with its client-facing code and message, plus a log-only description. */
class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly logError?: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** The retry loop gave up on one page. */
class GiveUp {
  constructor(
    readonly reason: "fatal" | "attempts" | "deadline",
    readonly failure: UpstreamFailure | undefined,
    readonly attempts: number,
    /** Milliseconds the client should wait before trying again (429 only). */
    readonly retryAfterMs: number | undefined,
  ) {}
}

export async function handle(req: FunctionRequest, deps: HandlerDeps): Promise<FunctionResponse> {
  const stats: Stats = { pages: 0, items: 0, upstreamMs: 0, attempts: 0 };
  const callId = safeId(req.callId) ?? "unknown";
  let status: number;
  let headers: Record<string, string>;
  let body: string;
  let bytes: number | undefined;
  let code: string | undefined;
  let logError: string | undefined;
  try {
    const answer = await run(req, deps, stats);
    status = 200;
    headers = { ...JSON_HEADERS };
    body = answer.body;
    bytes = answer.bytes;
    logError = answer.logError;
  } catch (err) {
    const refusal =
      err instanceof Refusal
        ? err
        : new Refusal(
            500,
            "InternalError",
            `internal error; see the function log with call id ${callId}`,
            `internal: ${describeError(err)}`,
          );
    status = refusal.status;
    headers = { ...JSON_HEADERS, ...refusal.headers };
    code = refusal.code;
    body = JSON.stringify({ code: refusal.code, message: refusal.message });
    logError = refusal.logError;
  }
  const line: LogLine = {
    callId,
    status,
    pages: stats.pages,
    items: stats.items,
    upstreamMs: Math.max(0, Math.round(stats.upstreamMs)),
    attempts: stats.attempts,
    bytes: bytes ?? Buffer.byteLength(body),
  };
  if (code !== undefined) line.code = code;
  if (logError !== undefined) line.error = clip(logError);
  try {
    deps.log(line);
  } catch {
    // A broken log sink must not turn an answer into a failure.
  }
  return { status, headers, body };
}

async function run(
  req: FunctionRequest,
  deps: HandlerDeps,
  stats: Stats,
): Promise<{ body: string; bytes: number; logError?: string }> {
  const { config } = deps;
  if (deps.configError !== undefined) {
    throw new Refusal(
      500,
      "FunctionMisconfigured",
      "the function's configuration is invalid; an operator must fix it (see the function log)",
      `config: ${deps.configError}`,
    );
  }
  if (req.method.toUpperCase() !== "POST") {
    throw new Refusal(405, "MethodNotAllowed", "use POST", undefined, { Allow: "POST" });
  }
  if (req.body.byteLength > config.maxBodyBytes) {
    throw new Refusal(
      413,
      "PayloadTooLarge",
      `the request body must be at most ${config.maxBodyBytes} bytes`,
    );
  }
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new Refusal(415, "UnsupportedMediaType", "send the body as Content-Type: application/json");
  }
  const page = readPageToken(req.url);
  if (!page.ok) throw invalid(page.message);
  const json = parseJsonObject(req.body);
  if (!json.ok) throw invalid(json.message);
  const validated = validateUsageBody(json.value, config.limits);
  if (!validated.ok) throw invalid(validated.message);

  let tenancy: string;
  try {
    tenancy = await deps.tenancy();
    if (typeof tenancy !== "string" || tenancy === "") throw new Error("the res_tenant claim is empty");
  } catch (err) {
    throw authUnavailable(`resource principal: ${describeError(err)}`);
  }
  const requested = validated.value.tenantId;
  if (requested !== undefined && requested !== tenancy) {
    throw new Refusal(
      403,
      "NotAuthorized",
      "tenantId must be the function's own tenancy (or be left out)",
      "tenantId names another tenancy",
    );
  }
  const query = { ...validated.value, tenantId: tenancy };

  const start = deps.now();
  const deadlineAt = deadlineOf(req.deadline, start, config);
  return collectPages(query, page.value, deadlineAt, deps, stats);
}

function invalid(message: string): Refusal {
  return new Refusal(400, "InvalidParameter", message);
}

function authUnavailable(logError: string): Refusal {
  return new Refusal(500, "AuthUnavailable", "the function's resource principal is not available", logError);
}

/** The instant by which the function must stop calling upstream. */
function deadlineOf(deadline: Date | null, now: number, config: FunctionConfig): number {
  const fnDeadline = deadline?.getTime();
  const end =
    fnDeadline !== undefined && Number.isFinite(fnDeadline) ? fnDeadline : now + config.defaultTimeoutMs;
  return end - config.deadlineMarginMs;
}

/**
 * Follows opc-next-page until the last page, the response budget, the page cap or the deadline.
 * The answer always holds at least one upstream page; another page is fetched only while the
 * serialised items plus the largest page seen so far fit in the budget and the slowest page so far
 * still fits before the deadline. A failure after the first page ends the answer early with
 * nextPage pointing at the page that failed, so the client resumes there.
 */
async function collectPages(
  query: UsageQuery & { tenantId: string },
  firstPage: string | undefined,
  deadlineAt: number,
  deps: HandlerDeps,
  stats: Stats,
): Promise<{ body: string; bytes: number; logError?: string }> {
  const { config } = deps;
  const parts: string[] = [];
  let itemBytes = 0;
  let largestPageBytes = 0;
  let slowestPageMs = 0;
  let groupBy: readonly string[] | undefined;
  let token = firstPage;
  let nextPage: string | undefined;
  let logError: string | undefined;

  for (;;) {
    const pageStart = deps.now();
    let result: PageResult;
    try {
      result = await fetchWithRetries(query, token, deadlineAt, deps, stats);
    } catch (err) {
      if (!(err instanceof GiveUp)) throw err;
      if (stats.pages === 0) throw refusalFor(err, deps);
      nextPage = token;
      logError = `stopped after ${stats.pages} pages: ${describeFailure(err)}`;
      break;
    }
    slowestPageMs = Math.max(slowestPageMs, deps.now() - pageStart);
    stats.pages += 1;
    if (stats.pages === 1) groupBy = Array.isArray(result.groupBy) ? result.groupBy : undefined;
    // The items between the array's brackets, comma-joined: as the fetcher serialised them, or one
    // stringify per page (not per item). The budget counts each item's bytes plus one separator.
    let serialised: string;
    let count: number;
    let bytes: number | undefined;
    if ("serialisedItems" in result) ({ json: serialised, count, bytes } = result.serialisedItems);
    else {
      serialised = JSON.stringify(result.items).slice(1, -1);
      count = result.items.length;
    }
    let pageBytes = 0;
    if (count > 0) {
      parts.push(serialised);
      pageBytes = (bytes ?? Buffer.byteLength(serialised)) + 1;
    }
    stats.items += count;
    itemBytes += pageBytes;
    largestPageBytes = Math.max(largestPageBytes, pageBytes);

    nextPage = result.nextPage || undefined;
    if (nextPage === undefined) break;
    if (nextPage === token) {
      throw new Refusal(
        502,
        "UpstreamError",
        "the Usage API returned the same page token twice",
        "upstream opc-next-page repeated the requested page token",
      );
    }
    token = nextPage;
    if (stats.pages >= config.maxPagesPerCall) break;
    if (itemBytes + largestPageBytes > config.responseBudgetBytes) break;
    if (deps.now() + slowestPageMs >= deadlineAt) break;
  }

  const groupByOut = groupBy ?? query.groupBy ?? [];
  const head = `{"groupBy":${JSON.stringify(groupByOut)},"items":[`;
  let tail = "]";
  if (nextPage !== undefined) tail += `,"nextPage":${JSON.stringify(nextPage)}`;
  tail += "}";
  // One join over every piece: the pieces (slices of upstream pages) are copied into the body once.
  const pieces = [head];
  for (let i = 0; i < parts.length; i++) pieces.push(i === 0 ? parts[i]! : `,${parts[i]}`);
  pieces.push(tail);
  const body = pieces.join("");
  // The items' bytes are known page by page (each counted with one separator): no pass over the body.
  const bytes = Buffer.byteLength(head) + Math.max(0, itemBytes - 1) + Buffer.byteLength(tail);
  return logError === undefined ? { body, bytes } : { body, bytes, logError };
}

function isRetryable(failure: UpstreamFailure): boolean {
  switch (failure.kind) {
    case "network":
    case "timeout":
      return true;
    case "http":
      return isRetryableStatus(failure.status ?? 0);
    default:
      return false;
  }
}

/** The backoff ceiling before retry number `attempt` (1-based), from the function's config. */
function retryCeiling(attempt: number, config: FunctionConfig): number {
  return backoffCeiling(attempt - 1, config.retryBaseMs, config.retryMaxDelayMs);
}

/**
 * One page through withRetry: each attempt bounded by the time left before the deadline, none started once
 * it has passed. A give-up hands back the wait the client should take (Retry-After, else the backoff).
 */
async function fetchWithRetries(
  query: UsageQuery & { tenantId: string },
  page: string | undefined,
  deadlineAt: number,
  deps: HandlerDeps,
  stats: Stats,
): Promise<PageResult> {
  const { config } = deps;
  let made = 0;
  let last: UpstreamFailure | undefined;
  let lastRetryAfterMs: number | undefined;
  const attempt = async (): Promise<PageResult> => {
    const remaining = deadlineAt - deps.now();
    if (remaining <= 0) throw new GiveUp("deadline", last, made, lastRetryAfterMs);
    made += 1;
    stats.attempts += 1;
    const started = deps.now();
    try {
      return await deps.usage.fetchPage(query, page, {
        limit: config.upstreamPageLimit,
        timeoutMs: Math.min(config.attemptTimeoutMs, remaining),
      });
    } finally {
      stats.upstreamMs += deps.now() - started;
    }
  };
  const classify = (err: unknown) => {
    if (!(err instanceof UpstreamError)) return { retry: false };
    last = err.failure;
    lastRetryAfterMs = parseRetryAfter(last.retryAfter, deps.now());
    return { retry: isRetryable(last), retryAfterMs: lastRetryAfterMs };
  };
  try {
    return await withRetry(attempt, classify, {
      maxAttempts: config.maxAttempts,
      baseMs: config.retryBaseMs,
      maxDelayMs: config.retryMaxDelayMs,
      deadline: deadlineAt,
      now: deps.now,
      sleep: deps.sleep,
      random: deps.random,
    });
  } catch (err) {
    if (err instanceof RetryDeadlineError) {
      throw new GiveUp("deadline", last, made, lastRetryAfterMs ?? err.delayMs);
    }
    if (!(err instanceof UpstreamError)) throw err;
    if (!isRetryable(err.failure)) throw new GiveUp("fatal", last, made, undefined);
    // Attempts ran out: the wait the next retry would have taken.
    const delay = backoffDelay(made - 1, config.retryBaseMs, config.retryMaxDelayMs, deps.random);
    throw new GiveUp("attempts", last, made, lastRetryAfterMs ?? delay);
  }
}

/** Maps a failure of the first page to the client's answer. */
function refusalFor(giveUp: GiveUp, deps: HandlerDeps): Refusal {
  const failure = giveUp.failure;
  const logError = describeFailure(giveUp);
  if (!failure) {
    return new Refusal(
      503,
      "DeadlineExceeded",
      "the call's deadline left no time to query the Usage API; retry with a longer function timeout",
      logError,
    );
  }
  const requestId = safeId(failure.opcRequestId);
  const withId = (text: string) => (requestId ? `${text}; opc-request-id ${requestId}` : text);
  const serviceCode = safeCode(failure.serviceCode);
  const statusText = `HTTP ${failure.status ?? "?"}${serviceCode ? ` ${serviceCode}` : ""}`;

  switch (failure.kind) {
    case "auth":
      return authUnavailable(logError);
    case "config":
      return new Refusal(
        500,
        "FunctionMisconfigured",
        "the function cannot tell which Usage API endpoint to call; set USAGE_API_REGION or USAGE_API_ENDPOINT",
        logError,
      );
    case "network":
      return new Refusal(502, "UpstreamError", "the Usage API call failed (network error)", logError);
    case "timeout":
      return new Refusal(502, "UpstreamError", "the Usage API call failed (no answer in time)", logError);
    case "http":
      break;
  }

  const status = failure.status ?? 0;
  if (status === 429) {
    const waitMs = giveUp.retryAfterMs ?? retryCeiling(giveUp.attempts + 1, deps.config);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new Refusal(
      429,
      "TooManyRequests",
      `the Usage API is throttling requests; retry after ${seconds} seconds`,
      logError,
      { "Retry-After": String(seconds) },
    );
  }
  if (status === 400) {
    const message = failure.upstreamMessage?.trim();
    const safe = message !== undefined && SAFE_UPSTREAM_MESSAGES.has(message);
    return new Refusal(
      400,
      serviceCode ?? "InvalidParameter",
      withId(safe ? message : "the Usage API rejected the request"),
      logError,
    );
  }
  if (status === 401 || status === 403 || status === 404) {
    return new Refusal(
      502,
      "UpstreamError",
      withId(
        `the Usage API call failed (${statusText}); the function's dynamic group may lack a policy such as 'allow dynamic-group <name> to read usage-report in tenancy'`,
      ),
      logError,
    );
  }
  return new Refusal(502, "UpstreamError", withId(`the Usage API call failed (${statusText})`), logError);
}

function describeFailure(giveUp: GiveUp): string {
  const f = giveUp.failure;
  const how = { fatal: "not retryable", attempts: "attempts exhausted", deadline: "deadline reached" }[
    giveUp.reason
  ];
  if (!f) return `no attempt made: ${how}`;
  const parts = [`upstream ${f.kind}`];
  if (f.status !== undefined) parts.push(String(f.status));
  const code = safeCode(f.serviceCode);
  if (code) parts.push(code);
  let text = `${parts.join(" ")} after ${giveUp.attempts} attempt(s), ${how}`;
  const id = safeId(f.opcRequestId);
  if (id) text += `, opc-request-id ${id}`;
  if (f.upstreamMessage) text += `: ${sanitizeForLog(f.upstreamMessage).slice(0, 160)}`;
  if (f.detail) text += ` (${sanitizeForLog(f.detail).slice(0, 160)})`;
  return text;
}

/** A thrown value as a short log text; its message passes through sanitizeForLog. */
function describeError(err: unknown): string {
  if (err instanceof Error) return sanitizeForLog(`${err.name}: ${err.message}`);
  return typeof err === "string" ? sanitizeForLog(err) : "non-error value thrown";
}

/** Printable ASCII, one line, bounded: the last pass over every log text. */
function clip(text: string): string {
  return text
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim()
    .slice(0, 400);
}

function safeCode(value: string | undefined): string | undefined {
  return value !== undefined && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(value) ? value : undefined;
}

function safeId(value: string | undefined | null): string | undefined {
  return value && /^[A-Za-z0-9/._:-]{1,200}$/.test(value) ? value : undefined;
}

/**
 * Makes a description safe for the log: no PEM blocks, JWTs, ST$ session keys, signature headers
 * or other long opaque runs; printable ASCII only; short.
 */
export function sanitizeForLog(text: string): string {
  return text
    .replace(/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, "[redacted key]")
    .replace(/ST\$\S*/g, "[redacted token]")
    .replace(/\beyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){0,2}/g, "[redacted token]")
    .replace(/\b(authorization|proxy-authorization)\b\s*[:=][^\r\n]*/gi, "$1=[redacted]")
    .replace(/\b(keyId|signature)\s*=\s*"[^"]*"?/gi, "$1=[redacted]")
    .replace(/[A-Za-z0-9+/=_-]{40,}/g, "[redacted]")
    .replace(/[^\x20-\x7e]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 300);
}
