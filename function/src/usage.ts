// The Usage API adapter: a resource-principal provider built lazily once, and a UsageFetcher making
// exactly one signed RequestSummarizedUsages call per fetchPage (the handler owns the retries).
//
// SDK behaviour this relies on (oci-common / oci-usageapi 2.139.1):
// - requestSummarizedUsages runs through GenericRetrier even with NoRetryConfigurationDetails, so it is
//   passed explicitly per request (it outranks OCI_SDK_DEFAULT_RETRY_ENABLED=true).
// - OciError carries no response headers, so the HttpClient given to the client records Retry-After
//   and opc-request-id of the answer itself. That client signs with the SDK's DefaultRequestSigner
//   and sends over node:http(s) rather than Node's fetch (the SDK's FetchHttpClient).
// - Query parameters are sent unencoded, so the page token is percent-encoded first.
// - The retrier console.warn()s every failed call, with SDK troubleshooting text; those lines are
//   dropped (filterSdkRetrierWarnings) so the function's log stays one JSON line per call.
import { isAscii, isUtf8 } from "node:buffer";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import type { Agent as HttpsAgent } from "node:https";
import { createRequire } from "node:module";
import {
  CircuitBreaker,
  type ClientConfiguration,
  DefaultRequestSigner,
  type HttpClient,
  type HttpRequest,
  NoRetryConfigurationDetails,
  Region,
  type RequestSigner,
  ResourcePrincipalAuthenticationDetailsProvider,
} from "oci-common";
import { type models, UsageapiClient } from "oci-usageapi";
import { withRetry } from "../../src/lib/retry.js";
import type { FunctionConfig } from "./config.js";
import { type FetchOptions, type PageResult, UpstreamError, type UsageFetcher } from "./handler.js";
import { type ScannedPage, scanUsagePage } from "./page-scan.js";
import type { UsageFilter, UsageQuery } from "./validate.js";

type Provider = ResourcePrincipalAuthenticationDetailsProvider;

/** What the last HTTP answer of one attempt said, beyond what OciError keeps. */
interface AttemptRecord {
  status?: number;
  retryAfter?: string;
  opcRequestId?: string;
  /** The request could not be signed (key or token unreadable). */
  signFailed?: boolean;
  signError?: unknown;
  /** The items of a 2xx answer, taken from its text by scanUsagePage (the SDK saw none of them). */
  page?: ScannedPage;
}

/** What the SDK is given in place of a page whose items were taken from the text. */
const NO_ITEMS = '{"items":[]}';

/** An answer bigger than this is refused rather than held (pages are a few MB at most). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

// Keep-alive agents shared by every call of the container, made on first use. Node's agents honour the
// server's Keep-Alive timeout hint, so an idle socket is dropped before the server would close it.
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

const requireBuiltin = createRequire(import.meta.url);
/**
 * node:https, loaded by the first https call: with tls it is a few milliseconds of a cold start that an
 * http endpoint (the sandbox's) never needs. Against OCI the first call loads it, before its TLS handshake.
 */
const https = (): typeof import("node:https") => requireBuiltin("node:https");

interface RawAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body, or the error that broke it off (the SDK then fails in its own read). */
  bytes: Buffer | Error;
}

/** Sends one signed request and reads the whole answer (node:http(s) in production). */
export type Transport = (
  uri: string,
  method: string,
  headers: Headers,
  body: string | undefined,
  signal: AbortSignal,
) => Promise<RawAnswer>;

/** One resend at once, for an answer lost to a stale keep-alive socket. */
const RESEND_STALE_SOCKET = { maxAttempts: 2, baseMs: 0, maxDelayMs: 0, sleep: async () => {} };

/**
 * One HTTP exchange over node:http(s) with a keep-alive agent. Node's fetch (the SDK's
 * FetchHttpClient) costs about a millisecond more per call in Request, Response and web-stream
 * objects; the signed request is the same bytes either way.
 */
export const exchange: Transport = (uri, method, headers, body, signal) => {
  const url = new URL(uri);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    return Promise.reject(new Error(`unsupported endpoint scheme ${url.protocol}`));
  }
  const outgoing: Record<string, string> = {};
  headers.forEach((value, name) => {
    outgoing[name] = value;
  });
  const send = secure ? https().request : httpRequest;
  if (secure) httpsAgent ??= new (https().Agent)({ keepAlive: true });
  else httpAgent ??= new HttpAgent({ keepAlive: true });
  const agent = secure ? httpsAgent : httpAgent;
  /** Whether the last attempt failed on a reused keep-alive socket, unanswered: worth one resend. */
  let staleSocket = false;
  const attempt = () =>
    new Promise<RawAnswer>((resolve, reject) => {
      staleSocket = false;
      let answered = false;
      const req = send(url, { method, headers: outgoing, agent, signal }, (res) => {
        answered = true;
        const answerHeaders = new Headers();
        try {
          const raw = res.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2)
            answerHeaders.append(raw[i] as string, raw[i + 1] as string);
        } catch (err) {
          // A header value fetch's Headers refuses: the answer is unusable (and a throw here would be uncaught).
          res.destroy();
          reject(err);
          return;
        }
        const answer = (bytes: Buffer | Error) =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            headers: answerHeaders,
            bytes,
          });
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          res.destroy();
          answer(err);
        };
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) fail(new Error(`the answer exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on("error", fail);
        res.on("aborted", () => fail(new Error("the connection closed before the answer was complete")));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          if (!res.complete) answer(new Error("the connection closed before the answer was complete"));
          else answer(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        });
        // However the answer ends, it settles: 'close' without 'end' is a broken-off answer.
        res.on("close", () => fail(new Error("the connection closed before the answer was complete")));
      });
      req.on("error", (err: NodeJS.ErrnoException) => {
        // An idle keep-alive socket the server closed just as it was reused, before any answer: the
        // query is read-only, so it goes once more on a fresh connection, as Node's docs advise.
        const reset = err.code === "ECONNRESET" || err.code === "EPIPE";
        staleSocket = reset && req.reusedSocket && !answered && !signal.aborted;
        reject(err);
      });
      req.end(body);
    });
  // At once, with no backoff: the fresh connection is the remedy, not waiting (the handler owns those retries).
  return withRetry(attempt, () => ({ retry: staleSocket }), RESEND_STALE_SOCKET);
};

/** A body that fails when read, for an answer broken off mid-way (as a fetch body would). */
function failingBody(err: Error): ReadableStream {
  return new ReadableStream({ start: (controller) => controller.error(err) });
}

/**
 * An HttpClient for one attempt: signs through the given signer, sends over node:http(s) with the
 * attempt's abort signal, and records the answer's Retry-After and opc-request-id.
 *
 * A 2xx answer's body is read here. When scanUsagePage vouches for it, its items go to the record and the
 * SDK gets the same status and headers with no items, so it deserialises nothing (the items cost no
 * objects at all); otherwise the SDK gets the text as it came. Other answers reach the SDK untouched.
 */
class RecordingHttpClient implements HttpClient {
  readonly record: AttemptRecord = {};

  constructor(
    private readonly signer: RequestSigner,
    private readonly signal: AbortSignal,
    private readonly transport: Transport = exchange,
  ) {}

  async send(req: HttpRequest, forceExcludeBody = false): Promise<Response> {
    const { record } = this;
    if (req.body !== undefined && req.body !== null && typeof req.body !== "string") {
      throw new Error("only string request bodies are supported");
    }
    const body = req.body === "" || req.body === null ? undefined : req.body;
    try {
      await this.signer.signHttpRequest(
        { method: req.method, headers: req.headers, uri: req.uri, body: forceExcludeBody ? undefined : body },
        forceExcludeBody,
      );
    } catch (err) {
      record.signFailed = true;
      record.signError = err;
      throw err;
    }
    const answer = await this.transport(req.uri, req.method, req.headers, body, this.signal);
    record.status = answer.status;
    const retryAfter = answer.headers.get("retry-after");
    const opcRequestId = answer.headers.get("opc-request-id");
    if (retryAfter !== null) record.retryAfter = retryAfter;
    if (opcRequestId !== null) record.opcRequestId = opcRequestId;
    const init = { status: answer.status, statusText: answer.statusText, headers: answer.headers };
    // A Response cannot carry a body for 204, 205 or 304.
    if (answer.status === 204 || answer.status === 205 || answer.status === 304)
      return new Response(null, init);
    const bytes = answer.bytes;
    if (bytes instanceof Error) return new Response(failingBody(bytes), init);
    if (answer.status < 200 || answer.status > 299) return new Response(bytes, init);
    // ASCII (the usual page) and other valid UTF-8 decode the same whichever decoder runs, so the
    // fastest that is exact does; anything else gets the replacement characters of response.text().
    // A BOM survives here; the scanner then declines the page, and the SDK's decoding drops it as before.
    const ascii = isAscii(bytes);
    const text = ascii
      ? bytes.toString("latin1")
      : isUtf8(bytes)
        ? bytes.toString("utf8")
        : new TextDecoder().decode(bytes);
    const page = scanUsagePage(text, { ascii });
    if (page === undefined) return new Response(text, init);
    record.page = page;
    return new Response(NO_ITEMS, init);
  }
}

interface OciErrorLike {
  statusCode: number;
  serviceCode: string;
  message: string;
  opcRequestId?: string | null;
}

function isOciError(err: unknown): err is OciErrorLike {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as OciErrorLike).statusCode === "number" &&
    typeof (err as OciErrorLike).serviceCode === "string"
  );
}

function shortText(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === "object" && value !== null && "message" in value) {
    return (
      String((value as { code?: unknown }).code ?? "error") +
      `: ${String((value as { message: unknown }).message)}`
    );
  }
  return String(value);
}

/** Turns whatever the SDK threw into an UpstreamError the handler understands. */
export function classifyFailure(err: unknown, record: AttemptRecord, aborted: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (record.signFailed) {
    return new UpstreamError({ kind: "auth", detail: `signing failed: ${shortText(record.signError)}` });
  }
  if (isOciError(err) && err.statusCode >= 300) {
    return new UpstreamError({
      kind: "http",
      status: err.statusCode,
      serviceCode: err.serviceCode,
      upstreamMessage: err.message,
      opcRequestId: err.opcRequestId ?? record.opcRequestId,
      retryAfter: record.retryAfter,
    });
  }
  if (aborted) {
    return new UpstreamError({
      kind: "timeout",
      opcRequestId: record.opcRequestId,
      detail: "attempt timed out",
    });
  }
  return new UpstreamError({
    kind: "network",
    status: record.status,
    opcRequestId: record.opcRequestId,
    detail: shortText(err),
  });
}

const SDK_RETRIER_WARNINGS = [
  "Request cannot be retried",
  "All retry attempts have exhausted",
  "Request failed with Exception",
];
const filteredTargets = new WeakSet<object>();

/** Drops the SDK retrier's per-failure console.warn lines; everything else still gets through. */
export function filterSdkRetrierWarnings(target: { warn: (...args: unknown[]) => void } = console): void {
  if (filteredTargets.has(target)) return;
  filteredTargets.add(target);
  const original = target.warn.bind(target);
  target.warn = (...args: unknown[]) => {
    const first = args[0];
    if (typeof first === "string" && SDK_RETRIER_WARNINGS.some((prefix) => first.startsWith(prefix))) return;
    original(...args);
  };
}

function toSdkFilter(filter: UsageFilter): models.Filter {
  const out: models.Filter = {};
  if (filter.operator !== undefined) out.operator = filter.operator as models.Filter.Operator;
  if (filter.dimensions !== undefined) out.dimensions = filter.dimensions;
  if (filter.tags !== undefined) out.tags = filter.tags;
  if (filter.filters !== undefined) out.filters = filter.filters.map(toSdkFilter);
  return out;
}

/** The validated query as the SDK model (Date objects stay Date: the SDK writes them as ISO). */
export function toSdkDetails(
  query: UsageQuery & { tenantId: string },
): models.RequestSummarizedUsagesDetails {
  const details: models.RequestSummarizedUsagesDetails = {
    tenantId: query.tenantId,
    timeUsageStarted: query.timeUsageStarted,
    timeUsageEnded: query.timeUsageEnded,
    granularity: query.granularity as models.RequestSummarizedUsagesDetails.Granularity,
  };
  if (query.isAggregateByTime !== undefined) details.isAggregateByTime = query.isAggregateByTime;
  if (query.forecast !== undefined) {
    const forecast: models.Forecast = { timeForecastEnded: query.forecast.timeForecastEnded };
    if (query.forecast.forecastType !== undefined) {
      forecast.forecastType = query.forecast.forecastType as models.Forecast.ForecastType;
    }
    if (query.forecast.timeForecastStarted !== undefined) {
      forecast.timeForecastStarted = query.forecast.timeForecastStarted;
    }
    details.forecast = forecast;
  }
  if (query.queryType !== undefined) {
    details.queryType = query.queryType as models.RequestSummarizedUsagesDetails.QueryType;
  }
  if (query.groupBy !== undefined) details.groupBy = query.groupBy;
  if (query.groupByTag !== undefined) details.groupByTag = query.groupByTag;
  if (query.compartmentDepth !== undefined) details.compartmentDepth = query.compartmentDepth;
  if (query.filter !== undefined) details.filter = toSdkFilter(query.filter);
  return details;
}

interface SdkUsage {
  usage: UsageFetcher;
  /** The function's tenancy, from the RPST claim res_tenant (cached once read). */
  tenancy(): Promise<string>;
}

interface SdkUsageOptions {
  /** Builds the provider; default ResourcePrincipalAuthenticationDetailsProvider.builder(). */
  buildProvider?: () => Provider;
  /** Sends the signed request; default node:http(s) (unit tests of endpoint selection capture it). */
  transport?: Transport;
}

/**
 * The SDK-backed UsageFetcher. Nothing is read or built until the first call: the provider (which
 * loads the key and RPST files; the SDK re-reads the RPST when it expires) and the signer are then
 * built once and reused. A failed build is retried on the next call.
 */
export function createSdkUsage(config: FunctionConfig, options: SdkUsageOptions = {}): SdkUsage {
  const buildProvider =
    options.buildProvider ?? (() => ResourcePrincipalAuthenticationDetailsProvider.builder());
  let provider: Provider | undefined;
  let signer: RequestSigner | undefined;
  let tenancy: string | undefined;
  let clientConfiguration: ClientConfiguration | undefined;

  const getProvider = (): Provider => {
    provider ??= buildProvider();
    return provider;
  };

  const endpointOf = (p: Provider, client: UsageapiClient): void => {
    if (config.usageApiEndpoint) {
      client.endpoint = config.usageApiEndpoint;
    } else if (config.usageApiRegion) {
      client.regionId = Region.getRegionIdFromShortCode(config.usageApiRegion);
    } else {
      const region = p.getRegion();
      if (!region) {
        throw new UpstreamError({ kind: "config", detail: "the resource principal names no known region" });
      }
      client.region = region;
    }
  };

  const fetchPage = async (
    query: UsageQuery & { tenantId: string },
    page: string | undefined,
    { limit, timeoutMs }: FetchOptions,
  ): Promise<PageResult> => {
    let p: Provider;
    try {
      p = getProvider();
      signer ??= new DefaultRequestSigner(p);
    } catch (err) {
      throw new UpstreamError({ kind: "auth", detail: shortText(err) });
    }
    filterSdkRetrierWarnings();
    clientConfiguration ??= {
      retryConfiguration: NoRetryConfigurationDetails,
      circuitBreaker: new CircuitBreaker({ disableClientCircuitBreaker: true }),
    };

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, timeoutMs));
    const httpClient = new RecordingHttpClient(signer, controller.signal, options.transport);
    try {
      const client = new UsageapiClient({ httpClient }, clientConfiguration);
      endpointOf(p, client);
      const response = await client.requestSummarizedUsages({
        requestSummarizedUsagesDetails: toSdkDetails(query),
        // The SDK writes query values unencoded (request-generator.js stringify): encode the opaque
        // token here so '+', '&', '=' or '%' in it survive the trip.
        page: page === undefined ? undefined : encodeURIComponent(page),
        limit,
        retryConfiguration: NoRetryConfigurationDetails,
      });
      const nextPage = response.opcNextPage || undefined;
      const opcRequestId = response.opcRequestId || undefined;
      const scanned = httpClient.record.page;
      if (scanned !== undefined) {
        const groupBy = Array.isArray(scanned.groupBy) ? (scanned.groupBy as string[]) : undefined;
        return {
          serialisedItems: { json: scanned.itemsJson, count: scanned.count, bytes: scanned.itemsBytes },
          groupBy,
          nextPage,
          opcRequestId,
        };
      }
      const aggregation = response.usageAggregation as Partial<models.UsageAggregation> | undefined;
      const items = Array.isArray(aggregation?.items) ? aggregation.items : [];
      const groupBy = Array.isArray(aggregation?.groupBy) ? aggregation.groupBy : undefined;
      return { items, groupBy, nextPage, opcRequestId };
    } catch (err) {
      throw classifyFailure(err, httpClient.record, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    usage: { fetchPage },
    async tenancy() {
      if (tenancy) return tenancy;
      const claim = await getProvider().getStringClaim(
        ResourcePrincipalAuthenticationDetailsProvider.ClaimKeys.TENANT_ID_CLAIM_KEY,
      );
      if (typeof claim !== "string" || claim === "") throw new Error("the RPST has no res_tenant claim");
      tenancy = claim;
      return claim;
    },
  };
}
