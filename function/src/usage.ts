// The Usage API adapter: a resource-principal provider built lazily once, and a UsageFetcher making
// exactly one signed RequestSummarizedUsages call per fetchPage (the handler owns the retries).
//
// SDK behaviour this relies on (oci-common / oci-usageapi 2.139.1):
// - requestSummarizedUsages runs through GenericRetrier even with NoRetryConfigurationDetails, so it is
//   passed explicitly per request (it outranks OCI_SDK_DEFAULT_RETRY_ENABLED=true).
// - OciError carries no response headers, so the HttpClient given to the client records Retry-After
//   and opc-request-id of the answer itself.
// - Query parameters are sent unencoded, so the page token is percent-encoded first.
// - The retrier console.warn()s every failed call, with SDK troubleshooting text; those lines are
//   dropped (filterSdkRetrierWarnings) so the function's log stays one JSON line per call.
import { isAscii, isUtf8 } from "node:buffer";
import {
  CircuitBreaker,
  type ClientConfiguration,
  DefaultRequestSigner,
  FetchHttpClient,
  type HttpClient,
  type HttpRequest,
  NoRetryConfigurationDetails,
  Region,
  type RequestSigner,
  ResourcePrincipalAuthenticationDetailsProvider,
} from "oci-common";
import { type models, UsageapiClient } from "oci-usageapi";
import type { FunctionConfig } from "./config.js";
import { type FetchOptions, type PageResult, UpstreamError, type UsageFetcher } from "./handler.js";
import { type ScannedPage, scanUsagePage } from "./page-scan.js";
import type { UsageFilter, UsageQuery } from "./validate.js";

type Provider = ResourcePrincipalAuthenticationDetailsProvider;

/** What the last HTTP answer of one attempt said, beyond what OciError keeps. */
export interface AttemptRecord {
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

/**
 * An HttpClient for one attempt: signs through the given signer, sends through
 * common.FetchHttpClient (no circuit breaker) with the attempt's abort signal, and records the
 * answer's Retry-After and opc-request-id.
 *
 * A 2xx answer's body is read here. When scanUsagePage vouches for it, its items go to the record and the
 * SDK gets the same status and headers with no items, so it deserialises nothing (the items cost no
 * objects at all); otherwise the SDK gets the text as it came. Other answers reach the SDK untouched.
 */
export class RecordingHttpClient implements HttpClient {
  readonly record: AttemptRecord = {};
  private readonly inner: FetchHttpClient;

  constructor(signer: RequestSigner, signal: AbortSignal) {
    const record = this.record;
    const recordingSigner: RequestSigner = {
      async signHttpRequest(request, forceExcludeBody) {
        try {
          await signer.signHttpRequest(request, forceExcludeBody);
        } catch (err) {
          record.signFailed = true;
          record.signError = err;
          throw err;
        }
      },
    };
    this.inner = new FetchHttpClient(recordingSigner, null, { signal });
  }

  async send(req: HttpRequest, forceExcludeBody?: boolean, ...rest: string[]): Promise<Response> {
    const response = await this.inner.send(req, forceExcludeBody, ...rest);
    this.record.status = response.status;
    const retryAfter = response.headers.get("retry-after");
    const opcRequestId = response.headers.get("opc-request-id");
    if (retryAfter !== null) this.record.retryAfter = retryAfter;
    if (opcRequestId !== null) this.record.opcRequestId = opcRequestId;
    // 204 and 205 carry no body (and a Response built with one would throw).
    if (
      response.status < 200 ||
      response.status > 299 ||
      response.status === 204 ||
      response.status === 205
    ) {
      return response;
    }
    const init = { status: response.status, statusText: response.statusText, headers: response.headers };
    let text: string;
    let ascii: boolean;
    try {
      const bytes = Buffer.from(await response.arrayBuffer());
      // ASCII (the usual page) and other valid UTF-8 decode the same whichever decoder runs, so the
      // fastest that is exact does; anything else gets the replacement characters of response.text().
      // A BOM survives here; the scanner then declines the page, and the SDK's decoding drops it as before.
      ascii = isAscii(bytes);
      if (ascii) text = bytes.toString("latin1");
      else text = isUtf8(bytes) ? bytes.toString("utf8") : new TextDecoder().decode(bytes);
    } catch (err) {
      // A body that breaks off (reset, abort) fails in the SDK's own read, as it did when it read it.
      const failing = new ReadableStream({ start: (controller) => controller.error(err) });
      return new Response(failing, init);
    }
    const page = scanUsagePage(text, { ascii });
    if (page === undefined) return new Response(text, init);
    this.record.page = page;
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

export interface SdkUsage {
  usage: UsageFetcher;
  /** The function's tenancy, from the RPST claim res_tenant (cached once read). */
  tenancy(): Promise<string>;
}

export interface SdkUsageOptions {
  /** Builds the provider; default ResourcePrincipalAuthenticationDetailsProvider.builder(). */
  buildProvider?: () => Provider;
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
    const httpClient = new RecordingHttpClient(signer, controller.signal);
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
