// The emulated OCI Usage API: RequestSummarizedUsages and RequestSummarizedConfigurations on 127.0.0.1,
// behind real OCI request-signature checks, over the deterministic data set.
//
// Per request (core/pipeline.ts): injected fault -> body read (413 above 64 KiB) -> route (404/405) ->
// signature (401) -> `limit` -> body checks (400, request.ts) -> tenancy of the caller (404) -> filter
// semantics and page token (400) -> answer, from a small LRU of aggregated answers (pages.ts).
import type { OciAuthority } from "../core/auth.js";
import type { FaultInjector } from "../core/faults.js";
import type { ResponseLatency, TenancyRateLimiter } from "../core/latency.js";
import { type RequestStats, startOciService } from "../core/pipeline.js";
import type { Dataset } from "./dataset.js";
import { UsagePages } from "./pages.js";
import type { MaxRangeDays } from "./request.js";
import { usageRoutes } from "./routes.js";

export { MESSAGES } from "./request.js";

interface UsageApiOptions {
  dataset: Dataset;
  authority: OciAuthority;
  /** The 'usage' fault injector. */
  faults: FaultInjector;
  /** Rows per page when the request has no `limit` (default 1000). */
  pageSize?: number;
  /** Largest accepted `limit` (default 10000). */
  maxLimit?: number;
  /** Most rows of one page whatever `limit` asks (default none); the rest follows behind opc-next-page. */
  pageCap?: number;
  /** The latency model's delay before each request (default none). */
  latency?: ResponseLatency;
  /** Per-tenancy rate limit (429 TooManyRequests with Retry-After; default none). */
  rateLimit?: TenancyRateLimiter;
  /** Report currency on grouped items (default true; oci-python-sdk #380 saw null). */
  currencyWithGroupBy?: boolean;
  /** Optional caps of the window per granularity, in days; none by default (OCI publishes none). */
  maxRangeDays?: MaxRangeDays;
  /** Fixed port (default: a free one). */
  port?: number;
}

export interface UsageApiServer {
  url: string;
  close(): Promise<void>;
  stats: { requests: number; byStatus: Record<number, number> };
}

export const USAGE_PATH = "/20200107/usage";
export const CONFIGURATION_PATH = "/20200107/configuration";

const MAX_BODY = 64 * 1024;

/** Start the emulated Usage API on 127.0.0.1. */
export async function startUsageApi(opts: UsageApiOptions): Promise<UsageApiServer> {
  const stats: RequestStats = { requests: 0, byStatus: {} };
  const routes = usageRoutes({
    dataset: opts.dataset,
    pages: new UsagePages(opts.dataset, opts.currencyWithGroupBy ?? true),
    pageSize: opts.pageSize ?? 1000,
    maxLimit: opts.maxLimit ?? 10_000,
    pageCap: checkPageCap(opts.pageCap),
    maxRangeDays: opts.maxRangeDays,
  });
  const server = await startOciService({
    basePath: "/20200107",
    authority: opts.authority,
    faults: opts.faults,
    routes,
    stats,
    maxRequestIdLength: 255,
    maxBodyBytes: MAX_BODY,
    routeBeforeSignature: true,
    tooLargeSkipsFault: true,
    latency: opts.latency,
    rateLimit: opts.rateLimit,
    port: opts.port,
  });
  return { url: server.url, close: () => server.close(), stats };
}

function checkPageCap(pageCap: number | undefined): number {
  if (pageCap === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(pageCap) || pageCap < 1) {
    throw new Error(`usage pageCap must be a whole number >= 1, got ${pageCap}`);
  }
  return pageCap;
}
