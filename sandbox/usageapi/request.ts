// What the Usage API accepts: the RequestSummarizedUsagesDetails body, checked the way the real service checks
// it (JSON and types, missing fields, time precision, range, groupBy), and the `limit` query parameter.
// Texts marked "unconfirmed" are the sandbox's guesses where the public record has no wording.
import { z } from "zod";
import { OciApiError } from "../core/errors.js";
import { type FilterJson, GROUP_BY_KEYS, QUERY_TYPES, type SummarizeDetails } from "./aggregate.js";
import type { Granularity } from "./dataset.js";
import type { ForecastWindow } from "./forecast.js";

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

export const invalid = (message: string) => new OciApiError(400, "InvalidParameter", message);

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

export type MaxRangeDays = { HOURLY?: number; DAILY?: number; MONTHLY?: number };
type UsageBody = z.infer<typeof Body>;

export interface ParsedQuery {
  details: SummarizeDetails & { timeUsageStarted: number; timeUsageEnded: number };
  /** The forecast days asked for, if any (forecast.ts). */
  forecast?: ForecastWindow | undefined;
  canonical: string;
}

/** Validate a RequestSummarizedUsagesDetails body as the real service does; throws OciApiError. */
export function parseUsageBody(body: Buffer, maxRangeDays: MaxRangeDays | undefined): ParsedQuery {
  const b = usageBodyJson(body);
  for (const field of ["tenantId", "granularity", "timeUsageStarted", "timeUsageEnded"] as const) {
    if (b[field] == null || b[field] === "") {
      throw new OciApiError(400, "MissingParameter", `Missing required parameter: ${field}`); // unconfirmed text
    }
  }
  const window = checkWindow(b, maxRangeDays);
  const forecast = b.forecast ? checkForecast(b.forecast, window.timeUsageEnded) : undefined;
  const tag = checkGrouping(b);
  const details = {
    tenantId: b.tenantId!,
    ...window,
    isAggregateByTime: b.isAggregateByTime ?? false,
    queryType: b.queryType ?? "COST",
    groupBy: b.groupBy ?? [],
    groupByTag: tag ? [{ namespace: tag.namespace!, key: tag.key! }] : [],
    compartmentDepth: b.compartmentDepth ?? null,
    filter: b.filter ?? null,
  };
  if (!forecast) return { details, canonical: canonicalJson(details) };
  return { details, forecast, canonical: canonicalJson({ ...details, forecast }) };
}

function usageBodyJson(body: Buffer): UsageBody {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid(MESSAGES.badJson);
  }
  const parsed = Body.safeParse(json);
  if (!parsed.success) throw invalid(MESSAGES.badJson);
  return parsed.data;
}

/** The time window and granularity: precision, order and the optional cap. */
function checkWindow(b: UsageBody, maxRangeDays: MaxRangeDays | undefined) {
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
  return { timeUsageStarted: start, timeUsageEnded: end, granularity };
}

/**
 * The forecast window: whole UTC days (the real text: "Forecasting invalid date range: Passed UTC date …",
 * oci-typescript-sdk #218), the start defaulting to the usage window's end (the SDK's doc says "UTC-1";
 * the sandbox forecasts from where the actual data stops), the end after the start.
 */
function checkForecast(f: NonNullable<UsageBody["forecast"]>, usageEnd: number): ForecastWindow {
  const start = f.timeForecastStarted ? parseTime(f.timeForecastStarted) : usageEnd;
  const end = parseTime(f.timeForecastEnded);
  if (start % DAY !== 0 || end % DAY !== 0)
    throw invalid(`Forecasting invalid date range: ${MESSAGES.precision}`);
  if (end <= start)
    throw invalid("Forecasting invalid date range: timeForecastEnded must be later than timeForecastStarted"); // unconfirmed text
  return { start, end };
}

/** groupBy keys, the one groupByTag, compartmentDepth; returns the tag to group by. */
function checkGrouping(b: UsageBody) {
  for (const key of b.groupBy ?? []) {
    if (!(GROUP_BY_KEYS as readonly string[]).includes(key)) throw invalid(`Invalid groupBy value: ${key}`); // unconfirmed
  }
  if ((b.groupByTag?.length ?? 0) > 1) throw invalid("groupByTag only supports one tag in the list");
  const tag = b.groupByTag?.[0];
  if (tag && (!tag.namespace || !tag.key)) throw invalid("groupByTag needs a namespace and a key"); // unconfirmed
  if (b.compartmentDepth != null && !(Number.isInteger(b.compartmentDepth) && b.compartmentDepth >= 1)) {
    throw invalid("compartmentDepth must be a positive integer"); // unconfirmed
  }
  return tag;
}

/** The `limit` query parameter: 1 to `maxLimit`, `pageSize` when absent. */
export function parseLimit(text: string | null, pageSize: number, maxLimit: number): number {
  if (text === null) return pageSize;
  const limit = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= maxLimit)) throw invalid(`limit must be between 1 and ${maxLimit}`); // unconfirmed
  return limit;
}
