// The Usage API's operations: RequestSummarizedUsages (POST /usage) and RequestSummarizedConfigurations
// (GET /configuration), each answering only for the caller's own tenancy.
import type { Principal } from "../core/auth.js";
import { OciApiError } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import { GROUP_BY_KEYS, QUERY_TYPES } from "./aggregate.js";
import type { Dataset } from "./dataset.js";
import type { UsagePages } from "./pages.js";
import { type MaxRangeDays, MESSAGES, parseLimit, parseUsageBody } from "./request.js";

interface UsageSettings {
  dataset: Dataset;
  pages: UsagePages;
  pageSize: number;
  maxLimit: number;
  /** Most rows per page, whatever `limit` asks (Infinity: no cap). */
  pageCap: number;
  maxRangeDays: MaxRangeDays | undefined;
}

export function usageRoutes(settings: UsageSettings): Route[] {
  return [
    { method: "POST", pattern: /^\/usage$/, run: (req) => requestSummarizedUsages(settings, req) },
    {
      method: "GET",
      pattern: /^\/configuration$/,
      run: (req) => requestSummarizedConfigurations(settings, req),
    },
  ];
}

/** The caller asks for its own tenancy, the one of the data set; 404 otherwise. */
function ownTenancy(dataset: Dataset, principal: Principal, tenantId: string): void {
  if (tenantId !== principal.tenancyId || tenantId !== dataset.tenancyId) {
    throw new OciApiError(404, "NotAuthorizedOrNotFound", MESSAGES.notFound);
  }
}

async function requestSummarizedUsages(settings: UsageSettings, req: ServiceRequest) {
  const asked = parseLimit(req.query.get("limit"), settings.pageSize, settings.maxLimit);
  const limit = Math.min(asked, settings.pageCap);
  const parsed = parseUsageBody(req.body, settings.maxRangeDays);
  ownTenancy(settings.dataset, req.principal, parsed.details.tenantId!);
  const { body, headers } = await settings.pages.page(parsed, req.query.get("page"), limit);
  return { status: 200, raw: body, headers };
}

function requestSummarizedConfigurations(settings: UsageSettings, req: ServiceRequest) {
  const tenantId = req.query.get("tenantId");
  if (!tenantId) throw new OciApiError(400, "MissingParameter", "Missing required parameter: tenantId");
  ownTenancy(settings.dataset, req.principal, tenantId);
  // unconfirmed: the real answer's keys; these are the values the Usage API accepts.
  const items = [
    { key: "groupBy", values: [...GROUP_BY_KEYS] },
    { key: "queryType", values: [...QUERY_TYPES] },
    { key: "granularity", values: ["HOURLY", "DAILY", "MONTHLY"] },
    { key: "tagNamespace", values: [...new Set(settings.dataset.tags.map((t) => t.namespace))] },
  ];
  return { status: 200, raw: Buffer.from(JSON.stringify({ items })), headers: {} };
}
