// The emulated OCI Usage API: RequestSummarizedUsages and RequestSummarizedConfigurations on 127.0.0.1,
// behind real OCI request-signature checks, over the deterministic data set.
//
// Per request: injected fault -> body read (413 above 64 KiB) -> route (404/405) -> signature (401) -> `limit`
// -> body checks (400: JSON and types, missing fields, time precision, range, groupBy) -> tenancy of the caller
// (404) -> filter semantics and page token (400) -> answer, from a small LRU of aggregated answers.
// Texts marked "unconfirmed" are the sandbox's guesses where the public record has no wording.

import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { NotAuthenticatedError, type OciAuthority, type Principal } from "../core/auth.js";
import type { FaultInjector } from "../core/faults.js";
import {
  BodyTooLargeError,
  listen,
  OciApiError,
  pathOf,
  queryOf,
  readBody,
  sendBody,
  sendOciError,
  startOciRequest,
} from "../core/http.js";
import {
  type CompactSummary,
  type FilterJson,
  GROUP_BY_KEYS,
  InvalidQueryError,
  QUERY_TYPES,
  type SummarizeDetails,
  summarizeCompact,
} from "./aggregate.js";
import type { Dataset, Granularity } from "./dataset.js";

export interface UsageApiOptions {
  dataset: Dataset;
  authority: OciAuthority;
  /** The 'usage' fault injector. */
  faults: FaultInjector;
  /** Rows per page when the request has no `limit` (default 1000). */
  pageSize?: number;
  /** Largest accepted `limit` (default 10000). */
  maxLimit?: number;
  /** Report currency on grouped items (default true; oci-python-sdk #380 saw null). */
  currencyWithGroupBy?: boolean;
  /** Optional caps of the window per granularity, in days; none by default (OCI publishes none). */
  maxRangeDays?: { HOURLY?: number; DAILY?: number; MONTHLY?: number };
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

/** Texts of the real service where known (oci-python-sdk #273, oci-typescript-sdk #193). */
export const MESSAGES = {
  badJson: "Unable to process JSON input",
  precision:
    "Passed UTC date does not have the right precision: hours, minutes, seconds, and second fractions must be 0",
  // unconfirmed: the HOURLY analogue of the text above.
  hourPrecision:
    "Passed UTC date does not have the right precision: minutes, seconds, and second fractions must be 0",
  notFound: "Authorization failed or requested resource not found.",
} as const;

const MAX_BODY = 64 * 1024;
const CACHE_ENTRIES = 8;
/** Items serialised per turn of the event loop while a page is prepared ahead. */
const PREPARE_SLICE = 500;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const Tag = z.strictObject({
  namespace: z.string().nullish(),
  key: z.string().nullish(),
  value: z.string().nullish(),
});
const Dimension = z.strictObject({ key: z.string(), value: z.string() });
const Filter: z.ZodType<FilterJson> = z.lazy(() =>
  z.strictObject({
    operator: z.enum(["AND", "OR", "NOT"]).nullish(),
    dimensions: z.array(Dimension).nullish(),
    tags: z.array(Tag).nullish(),
    filters: z.array(Filter).nullish(),
  }),
);
const Forecast = z.strictObject({
  forecastType: z.enum(["BASIC"]).nullish(),
  timeForecastStarted: z.string().nullish(),
  timeForecastEnded: z.string(),
});
const Body = z.strictObject({
  tenantId: z.string().nullish(),
  timeUsageStarted: z.string().nullish(),
  timeUsageEnded: z.string().nullish(),
  granularity: z.enum(["HOURLY", "DAILY", "MONTHLY", "TOTAL"]).nullish(),
  isAggregateByTime: z.boolean().nullish(),
  forecast: Forecast.nullish(),
  queryType: z.enum(QUERY_TYPES).nullish(),
  groupBy: z.array(z.string()).nullish(),
  groupByTag: z.array(Tag).nullish(),
  compartmentDepth: z.number().nullish(),
  filter: Filter.nullish(),
});

const invalid = (message: string) => new OciApiError(400, "InvalidParameter", message);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** JSON with sorted keys and without null/undefined members: one text per query, whatever the client's order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function parseTime(text: string): number {
  if (!RFC3339.test(text)) throw invalid(MESSAGES.badJson);
  const ms = Date.parse(text);
  // Reject impossible calendar dates (2025-02-30) that Date.parse would roll over.
  if (!Number.isFinite(ms)) throw invalid(MESSAGES.badJson);
  if (text.endsWith("Z") && new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10))
    throw invalid(MESSAGES.badJson);
  return ms;
}

interface ParsedQuery {
  details: SummarizeDetails & { timeUsageStarted: number; timeUsageEnded: number };
  canonical: string;
}

/** Validate a RequestSummarizedUsagesDetails body as the real service does; throws OciApiError. */
function parseUsageBody(body: Buffer, maxRangeDays: UsageApiOptions["maxRangeDays"]): ParsedQuery {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid(MESSAGES.badJson);
  }
  const parsed = Body.safeParse(json);
  if (!parsed.success) throw invalid(MESSAGES.badJson);
  const b = parsed.data;
  for (const field of ["tenantId", "granularity", "timeUsageStarted", "timeUsageEnded"] as const) {
    if (b[field] == null || b[field] === "") {
      throw new OciApiError(400, "MissingParameter", `Missing required parameter: ${field}`); // unconfirmed text
    }
  }
  const start = parseTime(b.timeUsageStarted!);
  const end = parseTime(b.timeUsageEnded!);
  if (b.granularity === "TOTAL") throw invalid("Granularity TOTAL: Not yet supported"); // unconfirmed text
  const granularity = b.granularity as Granularity;
  if (granularity === "HOURLY") {
    if (start % HOUR !== 0 || end % HOUR !== 0) throw invalid(MESSAGES.hourPrecision);
  } else if (start % DAY !== 0 || end % DAY !== 0) throw invalid(MESSAGES.precision);
  if (start >= end) throw invalid("timeUsageStarted must be earlier than timeUsageEnded"); // unconfirmed text
  const cap = maxRangeDays?.[granularity];
  if (cap !== undefined && end - start > cap * DAY) {
    throw invalid(`The date range is larger than ${cap} days for ${granularity} granularity`); // sandbox option
  }
  if (b.forecast) throw invalid("forecast is not supported by the sandbox Usage API"); // sandbox limitation
  for (const key of b.groupBy ?? []) {
    if (!(GROUP_BY_KEYS as readonly string[]).includes(key)) throw invalid(`Invalid groupBy value: ${key}`); // unconfirmed
  }
  if ((b.groupByTag?.length ?? 0) > 1) throw invalid("groupByTag only supports one tag in the list");
  const tag = b.groupByTag?.[0];
  if (tag && (!tag.namespace || !tag.key)) throw invalid("groupByTag needs a namespace and a key"); // unconfirmed
  if (b.compartmentDepth != null && !(Number.isInteger(b.compartmentDepth) && b.compartmentDepth >= 1)) {
    throw invalid("compartmentDepth must be a positive integer"); // unconfirmed
  }
  const details = {
    tenantId: b.tenantId!,
    timeUsageStarted: start,
    timeUsageEnded: end,
    granularity,
    isAggregateByTime: b.isAggregateByTime ?? false,
    queryType: b.queryType ?? "COST",
    groupBy: b.groupBy ?? [],
    groupByTag: tag ? [{ namespace: tag.namespace!, key: tag.key! }] : [],
    compartmentDepth: b.compartmentDepth ?? null,
    filter: b.filter ?? null,
  };
  return { details, canonical: canonicalJson(details) };
}

/** A tiny LRU of aggregated answers, so paging a large answer aggregates it once. */
class AnswerCache {
  private readonly entries = new Map<string, CompactSummary>();
  get(key: string): CompactSummary | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: CompactSummary): void {
    this.entries.set(key, value);
    while (this.entries.size > CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

const queryHash = (canonical: string): string =>
  createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
const pageToken = (offset: number, hash: string): string =>
  Buffer.from(`${offset}.${hash}`).toString("base64url");

function pageOffset(token: string, hash: string, length: number): number {
  const text = Buffer.from(token, "base64url").toString("utf8");
  // Base64 decoding skips stray characters; only a canonical encoding is a token of ours.
  if (Buffer.from(text).toString("base64url") !== token) throw invalid("Invalid page token"); // unconfirmed text
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{16})$/.exec(text);
  if (!m || m[2] !== hash || Number(m[1]) > length) throw invalid("Invalid page token"); // unconfirmed text
  return Number(m[1]);
}

/**
 * The JSON body of one page, exactly as JSON.stringify({ groupBy, items }) writes it, from the items'
 * text (no item objects built).
 */
function pageBody(answer: CompactSummary, offset: number, limit: number): Buffer {
  return Buffer.from(
    `{"groupBy":${JSON.stringify(answer.groupBy)},"items":[${answer.itemsJson(offset, limit)}]}`,
  );
}

/** The same body, written a slice at a time so the event loop (the gateway shares it) keeps turning. */
async function pageBodyInSlices(answer: CompactSummary, offset: number, limit: number): Promise<Buffer> {
  const end = Math.min(offset + limit, answer.length);
  const parts: string[] = [];
  for (let at = offset; at < end; at += PREPARE_SLICE) {
    const items = answer.itemsJson(at, Math.min(PREPARE_SLICE, end - at));
    if (items !== "") parts.push(items);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return Buffer.from(`{"groupBy":${JSON.stringify(answer.groupBy)},"items":[${parts.join(",")}]}`);
}

/** Start the emulated Usage API on 127.0.0.1. */
export async function startUsageApi(opts: UsageApiOptions): Promise<UsageApiServer> {
  const { dataset, authority, faults } = opts;
  const pageSize = opts.pageSize ?? 1000;
  const maxLimit = opts.maxLimit ?? 10_000;
  const cache = new AnswerCache();
  const stats: UsageApiServer["stats"] = { requests: 0, byStatus: {} };

  const summary = (query: ParsedQuery): CompactSummary => {
    let answer = cache.get(query.canonical);
    if (!answer) {
      answer = summarizeCompact(dataset, query.details, {
        currencyWithGroupBy: opts.currencyWithGroupBy ?? true,
      });
      cache.set(query.canonical, answer);
    }
    return answer;
  };

  // The next page of the last answer, serialised ahead while the client handles the current one (the
  // data set is deterministic, so the bytes are the same as building it on request). One slot.
  let prepared: { key: string; body: Promise<Buffer> } | undefined;
  const prepare = (key: string, answer: CompactSummary, offset: number, limit: number): void => {
    const body = pageBodyInSlices(answer, offset, limit);
    body.catch(() => {});
    prepared = { key, body };
  };

  const ownTenancy = (principal: Principal, tenantId: string): void => {
    if (tenantId !== principal.tenancyId || tenantId !== dataset.tenancyId) {
      throw new OciApiError(404, "NotAuthorizedOrNotFound", MESSAGES.notFound);
    }
  };

  const usage = async (
    req: IncomingMessage,
    principal: Principal,
    body: Buffer,
  ): Promise<{ body: Buffer; headers: Record<string, string> }> => {
    const query = queryOf(req);
    const limitText = query.get("limit");
    let limit = pageSize;
    if (limitText !== null) {
      limit = /^\d{1,9}$/.test(limitText) ? Number(limitText) : Number.NaN;
      if (!(limit >= 1 && limit <= maxLimit)) throw invalid(`limit must be between 1 and ${maxLimit}`); // unconfirmed
    }
    const parsed = parseUsageBody(body, opts.maxRangeDays);
    ownTenancy(principal, parsed.details.tenantId!);
    const hash = queryHash(parsed.canonical);
    let answer: CompactSummary;
    try {
      answer = summary(parsed);
    } catch (err) {
      if (err instanceof InvalidQueryError) throw invalid(err.message);
      throw err;
    }
    const page = query.get("page");
    const offset = page === null ? 0 : pageOffset(page, hash, answer.length);
    const next = Math.min(offset + limit, answer.length);
    const key = `${hash}/${offset}/${limit}`;
    const ready = prepared?.key === key ? prepared.body : undefined;
    const out = ready ? await ready : pageBody(answer, offset, limit);
    const headers: Record<string, string> = {};
    if (next < answer.length) {
      headers["opc-next-page"] = pageToken(next, hash);
      prepare(`${hash}/${next}/${limit}`, answer, next, limit);
    }
    return { body: out, headers };
  };

  const configuration = async (req: IncomingMessage, principal: Principal) => {
    const tenantId = queryOf(req).get("tenantId");
    if (!tenantId) throw new OciApiError(400, "MissingParameter", "Missing required parameter: tenantId");
    ownTenancy(principal, tenantId);
    // unconfirmed: the real answer's keys; these are the values the Usage API accepts.
    return {
      body: json({
        items: [
          { key: "groupBy", values: [...GROUP_BY_KEYS] },
          { key: "queryType", values: [...QUERY_TYPES] },
          { key: "granularity", values: ["HOURLY", "DAILY", "MONTHLY"] },
          { key: "tagNamespace", values: [...new Set(dataset.tags.map((t) => t.namespace))] },
        ],
      }),
      headers: {},
    };
  };

  type Route = (
    req: IncomingMessage,
    principal: Principal,
    body: Buffer,
  ) => Promise<{ body: Buffer; headers: Record<string, string> }>;
  const routes: Record<string, { method: string; run: Route }> = {
    [USAGE_PATH]: { method: "POST", run: usage },
    [CONFIGURATION_PATH]: { method: "GET", run: configuration },
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = await startOciRequest(req, res, { faults, stats, maxRequestIdLength: 255 });
    if (!started) return;
    const { requestId, fault, fail } = started;

    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendOciError(
          res,
          413,
          "RequestEntityTooLarge",
          `The request body is larger than ${MAX_BODY} bytes`,
          requestId,
        );
        return;
      }
      throw err;
    }
    const route = routes[pathOf(req)];
    if (!route) return fail(new OciApiError(404, "NotAuthorizedOrNotFound", MESSAGES.notFound));
    if (req.method !== route.method) {
      return fail(
        new OciApiError(405, "MethodNotAllowed", `Method ${req.method} is not allowed on this resource`),
      );
    }
    let principal: Principal;
    try {
      principal = authority.verifyRequest({
        method: req.method,
        url: req.url ?? "/",
        headers: req.headers,
        body,
      });
    } catch (err) {
      if (err instanceof NotAuthenticatedError) return fail(new OciApiError(401, err.code, err.message));
      throw err;
    }
    try {
      const answer = await route.run(req, principal, body);
      sendBody(
        res,
        200,
        answer.body,
        { "content-type": "application/json", "opc-request-id": requestId, ...answer.headers },
        fault,
      );
    } catch (err) {
      if (err instanceof OciApiError) return fail(err);
      throw err;
    }
  };

  const server = await listen(handler, opts.port ?? 0);
  return { url: server.url, close: () => server.close(), stats };
}
