// Client of the secured usage endpoint: POST {endpoint}/request-summarized-usages, one month at a time,
// following nextPage. Pages are handed to a callback as they arrive and never accumulated. Transient
// failures (429 with Retry-After, 5xx, connection resets) are retried within the run's time budget; a
// 401 refreshes the token once; other 4xx answers are final and reported in one sanitised line.
import { isAscii } from "node:buffer";
import type { Dispatcher } from "undici";
import { request } from "undici";
import { UserFacingError } from "../lib/errors.js";
import { createAgent, DEFAULT_TIMEOUTS, RetryableHttpError, readBodyBytes } from "../lib/http.js";
import { isRetryableStatus, parseRetryAfter, RetryDeadlineError } from "../lib/retry.js";
import { sanitizeServerText } from "../lib/text.js";
import { LayoutCache, type ScannedRows, scanPage } from "./answer-scan.js";
import type { UsageItem } from "./columns.js";
import { FatalReportError } from "./errors.js";
import { type RemoteCallOptions, requestTimeouts, retryCall, timeLeft } from "./remote.js";
import type { TokenSource } from "./token.js";

export const USAGE_ROUTE = "/request-summarized-usages";
/** A page is one bounded answer; anything larger is refused rather than buffered. */
const MAX_PAGE_BYTES = 64 << 20;
/** A guard against an endpoint that never stops paging. */
const MAX_PAGES_PER_MONTH = 10_000;

/** The body sent for one month: RequestSummarizedUsagesDetails (camelCase). */
export interface UsageRequest {
  tenantId?: string;
  granularity: string;
  queryType: string;
  timeUsageStarted: string;
  timeUsageEnded: string;
  groupBy?: string[];
  groupByTag?: Array<{ namespace: string; key: string }>;
  compartmentDepth?: number;
  /** The Usage API's forecast days (outlook.ts asks for them for a partial month). */
  forecast?: { forecastType: "BASIC"; timeForecastStarted?: string; timeForecastEnded: string };
  /** One part of a month split for parallel fetching (split.ts): the rows of one dimension value. */
  filter?: { operator: "AND"; dimensions: Array<{ key: string; value: string }> };
}

export interface UsagePage {
  groupBy: string[] | undefined;
  items: UsageItem[];
  /**
   * canonicalJson of each item joined by ",\n    " (the JSON report's separator), as a string or as
   * UTF-8 bytes, when the page was read by scanPage (made when first read; the JSON writer makes them
   * from `rows` into memory of its own instead).
   */
  canonical?: string | Uint8Array | undefined;
  /**
   * Where each item's values lie in the answer, when scanPage read it: readers that can take the values
   * from there (csv-rows.ts, totals.ts) never make the items (`items` makes them when first read).
   */
  rows?: ScannedRows | undefined;
  /** 1-based page number within the month. */
  page: number;
}

export interface FetchResult {
  pages: number;
  items: number;
  /** Set when `maxPages` stopped the month early: the token to go on from. */
  nextPage?: string | undefined;
}

/** Where one fetchMonth starts and stops, and whether it reads ahead (the client's `prefetch` otherwise). */
export interface FetchMonthOptions {
  /** Go on from this nextPage token (an earlier fetchMonth's, stopped by `maxPages`). */
  from?: string | undefined;
  /** Stop after this many pages and hand back the nextPage token. */
  maxPages?: number | undefined;
  prefetch?: boolean | undefined;
}

/** What one request's answer said, for a concurrency controller (lib/aimd.ts): 429, or any other status. */
export type CallOutcome = "ok" | "throttled" | "failed";

export interface EndpointClientOptions extends RemoteCallOptions {
  /** The gateway deployment URL with its path prefix, e.g. https://…/usage */
  endpoint: string;
  token: TokenSource;
  /**
   * Ask for the next page while the current one is being handled (at most one page ahead), so the
   * endpoint and the writers work at the same time. Off: each page is asked for after the last is handled.
   */
  prefetch?: boolean | undefined;
  /** Told the outcome of every request (each attempt of each page). */
  onCall?: ((outcome: CallOutcome) => void) | undefined;
}

/** The end of an answer as the function writes it: the items' array, then the nextPage token, then `}`. */
const TRAILING_NEXT_PAGE = /\],"nextPage":("[^"\\\x00-\x1f]{1,4096}")\}$/;

/** The nextPage token an answer ends with, read from its last characters only; undefined when unsure. */
export function trailingNextPage(text: string): string | undefined {
  const match = TRAILING_NEXT_PAGE.exec(text.slice(-4200));
  return match === null ? undefined : (JSON.parse(match[1]!) as string);
}

/** A final answer for this month (400/403/404/413/…, a malformed body). Other months may still work. */
export class EndpointError extends UserFacingError {
  override name = "EndpointError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The gateway's 401 after one token refresh: the token is not for this deployment. */
class UnauthorizedError extends Error {}

const STATUS_HINTS: Record<number, string> = {
  400: "the endpoint refused the query: check inputs 'group-by', 'group-by-tag', 'compartment-depth', 'granularity' and 'months'",
  403: "the endpoint refused access: check input 'tenant-id' and that the function may read usage in this tenancy",
  404: "no such route: input 'endpoint' must be the gateway deployment URL including its path prefix (e.g. https://…/usage)",
  405: "method not allowed: input 'endpoint' must be the gateway deployment URL including its path prefix",
  413: "the request is too large for the endpoint",
};

function usageUrl(endpoint: string, page?: string): string {
  const url = new URL(`${endpoint.replace(/\/+$/, "")}${USAGE_ROUTE}`);
  if (page !== undefined) url.searchParams.set("page", page);
  return url.href;
}

/** An answer's body: its text, and its bytes when all of them are ASCII. */
interface PageBody {
  text: string;
  ascii: Uint8Array | undefined;
}

interface ParsedPage {
  groupBy: string[] | undefined;
  readonly items: UsageItem[];
  canonical?: string | Uint8Array | undefined;
  rows?: ScannedRows | undefined;
  nextPage: string | undefined;
}

/** The page handed to fetchMonth's callback: from scanned rows, its items and canonical texts are made if read. */
function usagePage(result: ParsedPage, page: number): UsagePage {
  const { groupBy, rows } = result;
  if (rows === undefined) return { groupBy, items: result.items, canonical: result.canonical, page };
  return {
    groupBy,
    get items() {
      return rows.items();
    },
    get canonical() {
      return result.canonical;
    },
    rows,
    page,
  };
}

/** One answer's body, checked: the items, groupBy and nextPage, or an EndpointError saying what is wrong. */
export function parsePage(text: string): ParsedPage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EndpointError("the endpoint answered HTTP 200 with a body that is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new EndpointError(
      "the endpoint answered HTTP 200 with JSON that is not an object with an 'items' array",
    );
  }
  const body = parsed as { items?: unknown; nextPage?: unknown; groupBy?: unknown };
  if (!Array.isArray(body.items)) {
    throw new EndpointError("the endpoint answered HTTP 200 without an 'items' array");
  }
  for (const item of body.items) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new EndpointError("the endpoint answered HTTP 200 with an 'items' entry that is not an object");
    }
  }
  if (
    body.nextPage !== undefined &&
    body.nextPage !== null &&
    (typeof body.nextPage !== "string" || body.nextPage === "")
  ) {
    throw new EndpointError(
      "the endpoint answered HTTP 200 with a 'nextPage' that is not a non-empty string",
    );
  }
  const groupBy = Array.isArray(body.groupBy)
    ? body.groupBy.filter((g): g is string => typeof g === "string")
    : undefined;
  return {
    groupBy,
    items: body.items as UsageItem[],
    nextPage: (body.nextPage as string | null | undefined) ?? undefined,
  };
}

export class EndpointClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  /** Tokens sent so far: cut out of any server text we repeat (a gateway may echo the header). */
  private readonly sent = new Set<string>();
  /** Item layouts of the pages read so far (the pages of a run share them). */
  private readonly layouts = new LayoutCache();

  constructor(private readonly options: EndpointClientOptions) {
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createAgent(options.timeouts ?? DEFAULT_TIMEOUTS);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * Fetch every page of one month's query, awaiting `onPage` for each in order. With `prefetch` the next
   * page is already being fetched meanwhile (one page ahead at most); otherwise it is asked for only
   * after `onPage` returns.
   */
  async fetchMonth(
    body: UsageRequest,
    onPage: (page: UsagePage) => Promise<void> | void,
    options: FetchMonthOptions = {},
  ): Promise<FetchResult> {
    const payload = JSON.stringify(body);
    const prefetch = (options.prefetch ?? this.options.prefetch) === true;
    const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
    let pages = 0;
    let items = 0;
    let stoppedAt: string | undefined;
    const seen = new Set<string>();
    // A page fetched ahead waits as its body: parsed only when its turn comes, so that at most one page is
    // held as objects.
    let ahead: Promise<PageBody> | undefined = this.fetchPage(payload, options.from, 1);
    try {
      while (ahead !== undefined) {
        const { text, ascii } = await ahead;
        ahead = undefined;
        // The next page is asked for before this one is read when its token is plain to see at the end
        // (the function writes it last), so reading a page is not a wait between two requests.
        const early = prefetch && pages + 1 < maxPages ? trailingNextPage(text) : undefined;
        if (early !== undefined && !seen.has(early)) {
          ahead = this.fetchPage(payload, early, pages + 2);
          ahead.catch(() => {});
        }
        // The fast path when it vouches for the whole page; the full parse (and its messages) otherwise.
        const result: ParsedPage = scanPage(text, this.layouts, ascii) ?? parsePage(text);
        pages++;
        items += result.rows?.count ?? result.items.length;
        // A page whose text ends so parses with that token (a nested `]…"}` cannot end valid JSON), or not
        // at all: the request made ahead is the next page's.
        const pageToken: string | undefined = result.nextPage;
        if (pageToken !== undefined) {
          if (seen.has(pageToken))
            throw new EndpointError("the endpoint returned the same nextPage token twice");
          seen.add(pageToken);
          if (pages >= MAX_PAGES_PER_MONTH) {
            throw new EndpointError(
              `the endpoint returned more than ${MAX_PAGES_PER_MONTH} pages for one month`,
            );
          }
        }
        const more = pageToken !== undefined && pages < maxPages;
        if (pageToken !== undefined && !more) stoppedAt = pageToken;
        if (prefetch && more && ahead === undefined) {
          const fetching = this.fetchPage(payload, pageToken, pages + 1);
          // Awaited on the next turn, or in `finally` when onPage fails: never an unhandled rejection.
          fetching.catch(() => {});
          ahead = fetching;
        }
        await onPage(usagePage(result, pages));
        if (!prefetch && more) ahead = this.fetchPage(payload, pageToken, pages + 1);
      }
    } finally {
      // When onPage failed, a page fetched ahead is no longer wanted: let it finish (bounded by the retry
      // policy and the time budget) so that no request outlives the month.
      if (ahead !== undefined) await ahead.catch(() => {});
    }
    return stoppedAt === undefined ? { pages, items } : { pages, items, nextPage: stoppedAt };
  }

  /** One page's body text (HTTP 200), after the retries; parsed by the caller when it takes the page. */
  private async fetchPage(payload: string, pageToken: string | undefined, page: number): Promise<PageBody> {
    const policy = this.options.retry ?? { maxAttempts: 6, baseMs: 1000, maxDelayMs: 30_000 };
    try {
      return await retryCall(
        this.options,
        policy,
        () => this.attempt(payload, pageToken),
        ({ attempt, delayMs, reason }) =>
          `page ${page}: attempt ${attempt}/${policy.maxAttempts} failed (${reason}); retrying in ${delayMs} ms`,
      );
    } catch (err) {
      if (err instanceof RetryDeadlineError) {
        throw new FatalReportError(
          `the time budget ran out while fetching page ${page} (last error: ${this.describe(err.lastError)}); raise input 'time-budget' or retry later`,
        );
      }
      if (err instanceof UserFacingError) throw err;
      if (err instanceof UnauthorizedError) {
        throw new FatalReportError(
          this.options.token.unauthorizedMessage?.() ??
            "the endpoint answered HTTP 401 Unauthorized even with a fresh token: input 'scope' must name the audience the gateway deployment expects, and the token must come from the identity domain the deployment trusts",
        );
      }
      throw new EndpointError(`page ${page} failed after retries: ${this.describe(err)}`);
    }
  }

  private describe(err: unknown): string {
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      return sanitizeServerText(
        typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message,
        [...this.sent],
      );
    }
    return sanitizeServerText(err, [...this.sent]);
  }

  private async attempt(payload: string, pageToken: string | undefined) {
    const sent = await this.options.token.getToken();
    let response = await this.post(payload, pageToken, sent);
    if (response.status === 401) {
      // A token the gateway no longer accepts (expired, rotated key): refresh it once. A parallel call
      // refused for the same token may have replaced it already; then this one retries with the new one.
      const refreshed = this.options.token.invalidate(sent);
      this.options.log?.(
        refreshed
          ? "the endpoint answered HTTP 401; getting a new token and trying once more"
          : "the endpoint answered HTTP 401 to a token already replaced; trying once more with the new one",
      );
      response = await this.post(payload, pageToken, await this.options.token.getToken());
      if (response.status === 401) throw new UnauthorizedError();
    }
    const { status, text, ascii, retryAfter } = response;
    this.options.onCall?.(status === 200 ? "ok" : status === 429 ? "throttled" : "failed");
    if (status === 200) return { text, ascii };
    if (isRetryableStatus(status)) {
      throw new RetryableHttpError(
        `HTTP ${status}${this.serverError(text)}`,
        status,
        parseRetryAfter(retryAfter, this.options.clock.now()),
      );
    }
    const hint = STATUS_HINTS[status] ?? "the endpoint refused the request";
    throw new EndpointError(`endpoint answered HTTP ${status}${this.serverError(text)}: ${hint}`, status);
  }

  /** " Code: message" from a JSON {code, message} body, sanitised; "" otherwise. Never the raw body. */
  private serverError(text: string): string {
    try {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      const code =
        typeof body.code === "string" || typeof body.code === "number"
          ? sanitizeServerText(String(body.code), [], 60).replace(/[^A-Za-z0-9_.-]/g, "")
          : "";
      const message =
        typeof body.message === "string" ? sanitizeServerText(body.message, [...this.sent], 200) : "";
      const parts = [code, message].filter((p) => p !== "");
      return parts.length === 0 ? "" : ` ${parts.join(": ")}`;
    } catch {
      return "";
    }
  }

  private async post(
    payload: string,
    pageToken: string | undefined,
    token: string,
  ): Promise<{
    status: number;
    text: string;
    ascii: Uint8Array | undefined;
    retryAfter: string | undefined;
  }> {
    const remaining = timeLeft(this.options);
    if (remaining <= 0) {
      throw new FatalReportError(
        "the time budget ran out before the next request; raise input 'time-budget'",
      );
    }
    this.sent.add(token);
    const response = await request(usageUrl(this.options.endpoint, pageToken), {
      method: "POST",
      dispatcher: this.dispatcher,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: payload,
      ...requestTimeouts(this.options, remaining),
    });
    const bytes = await readBodyBytes(response.body, MAX_PAGE_BYTES);
    // An all-ASCII body (the usual page) decodes the same as latin1, faster, and its bytes are kept: the
    // page reader copies canonical JSON out of them.
    const ascii = isAscii(bytes);
    const retryAfter = response.headers["retry-after"];
    return {
      status: response.statusCode,
      text: bytes.toString(ascii ? "latin1" : "utf8"),
      ascii: ascii ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : undefined,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    };
  }
}
