// Request schema and limits. Everything here runs before any upstream call; a violation becomes
// 400 {code:"InvalidParameter", message} whose message names the field path and the rule.
//
// zod/mini keeps the bundle small; its default messages are bare ("Invalid input"), so every issue
// is worded here (formatIssue) rather than relying on a zod locale.

import * as z from "zod/mini";
import { GRANULARITIES, GROUP_BY_DIMENSIONS, QUERY_TYPES } from "../../src/lib/usage-api.js";
import type { ValidationLimits } from "./config.js";

export { GRANULARITIES, QUERY_TYPES };

/** The groupBy values documented for RequestSummarizedUsagesDetails. */
const GROUP_BY_VALUES = GROUP_BY_DIMENSIONS;
const FILTER_OPERATORS = ["AND", "NOT", "OR"] as const;
const FORECAST_TYPES = ["BASIC"] as const;

export type Granularity = (typeof GRANULARITIES)[number];
export type QueryType = (typeof QUERY_TYPES)[number];

interface UsageTag {
  namespace?: string | undefined;
  key?: string | undefined;
  value?: string | undefined;
}
interface UsageDimension {
  key: string;
  value: string;
}
export interface UsageFilter {
  operator?: (typeof FILTER_OPERATORS)[number] | undefined;
  dimensions?: UsageDimension[] | undefined;
  tags?: UsageTag[] | undefined;
  filters?: UsageFilter[] | undefined;
}
interface UsageForecast {
  forecastType?: (typeof FORECAST_TYPES)[number] | undefined;
  timeForecastStarted?: Date | undefined;
  timeForecastEnded: Date;
}
/** A validated RequestSummarizedUsagesDetails, times as Date (the SDK serialises them itself). */
export interface UsageQuery {
  tenantId?: string | undefined;
  timeUsageStarted: Date;
  timeUsageEnded: Date;
  granularity: Granularity;
  isAggregateByTime?: boolean | undefined;
  forecast?: UsageForecast | undefined;
  queryType?: QueryType | undefined;
  groupBy?: string[] | undefined;
  groupByTag?: UsageTag[] | undefined;
  compartmentDepth?: number | undefined;
  filter?: UsageFilter | undefined;
}

type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_REPORTED_ISSUES = 5;
const MAX_PAGE_TOKEN_LENGTH = 2048;
const TENANCY_OCID = /^ocid1\.tenancy\.[a-z0-9-]+\.[a-z0-9.-]*\.[a-z0-9_-]+$/i;
const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|\+00:00)$/;
const TIME_RULE = "must be an RFC 3339 UTC time such as 2025-01-01T00:00:00Z";
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Transport-level checks
// ---------------------------------------------------------------------------------------------

/** application/json, optionally with a UTF-8 charset parameter. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((param) => {
    if (param === "") return true;
    const [name, raw = ""] = param.split("=", 2).map((s) => s.trim());
    if (name !== "charset") return false;
    return /^"?utf-?8"?$/.test(raw);
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes and parses the body; anything but a JSON object is refused. */
export function parseJsonObject(body: Uint8Array): Validation<Record<string, unknown>> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, message: "body: is not valid UTF-8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "body: is not valid JSON; send a RequestSummarizedUsagesDetails object" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { ok: false, message: `body: must be a JSON object, not ${kind}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Reads the `page` query parameter of Fn-Http-Request-Url (path + query). The token is the Usage
 * API's opaque opc-next-page value; '+' is kept literally (tokens may be base64).
 */
export function readPageToken(url: string | undefined): Validation<string | undefined> {
  const queryStart = url?.indexOf("?") ?? -1;
  if (!url || queryStart < 0) return { ok: true, value: undefined };
  const query = url.slice(queryStart + 1).split("#", 1)[0] ?? "";
  let token: string | undefined;
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (name !== "page") continue;
    if (token !== undefined) return { ok: false, message: "page: must be given at most once" };
    let value: string;
    try {
      value = decodeURIComponent(eq < 0 ? "" : pair.slice(eq + 1));
    } catch {
      return { ok: false, message: "page: is not valid percent-encoding" };
    }
    token = value;
  }
  if (token === undefined) return { ok: true, value: undefined };
  if (token.length === 0 || token.length > MAX_PAGE_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    return {
      ok: false,
      message: `page: must be the nextPage value of a previous answer (1 to ${MAX_PAGE_TOKEN_LENGTH} printable characters)`,
    };
  }
  return { ok: true, value: token };
}

// ---------------------------------------------------------------------------------------------
// Body schema (structure, types, enums, unknown fields); cross-field rules follow below.
// ---------------------------------------------------------------------------------------------

const text = (max: number) =>
  z
    .string()
    .check(
      z.minLength(1, { error: "must not be empty" }),
      z.maxLength(max, { error: `must be at most ${max} characters` }),
    );
const time = z.string().check(z.regex(TIME_PATTERN, { error: TIME_RULE }));
const oneOf = (values: readonly string[]) => `must be one of ${values.join(", ")}`;

const TagSchema = z.strictObject({
  namespace: z.optional(text(256)),
  key: z.optional(text(256)),
  value: z.optional(z.string().check(z.maxLength(512, { error: "must be at most 512 characters" }))),
});
const GroupByTagSchema = z.strictObject({
  namespace: text(256),
  key: text(256),
  value: z.optional(z.string().check(z.maxLength(512, { error: "must be at most 512 characters" }))),
});
const DimensionSchema = z.strictObject({
  key: text(100),
  value: z.string().check(z.maxLength(512, { error: "must be at most 512 characters" })),
});

interface RawFilter {
  operator?: (typeof FILTER_OPERATORS)[number] | undefined;
  dimensions?: UsageDimension[] | undefined;
  tags?: UsageTag[] | undefined;
  filters?: RawFilter[] | undefined;
}
const FilterSchema: z.ZodMiniType<RawFilter> = z.strictObject({
  operator: z.optional(z.enum(FILTER_OPERATORS, { error: oneOf(FILTER_OPERATORS) })),
  dimensions: z.optional(z.array(DimensionSchema)),
  tags: z.optional(z.array(TagSchema)),
  get filters() {
    return z.optional(z.array(FilterSchema));
  },
});

const BodySchema = z.strictObject({
  tenantId: z.optional(
    z
      .string()
      .check(
        z.maxLength(255, { error: "must be at most 255 characters" }),
        z.regex(TENANCY_OCID, { error: "must be a tenancy OCID (ocid1.tenancy.<realm>..<unique id>)" }),
      ),
  ),
  timeUsageStarted: time,
  timeUsageEnded: time,
  granularity: z.enum(GRANULARITIES, {
    error: (issue) =>
      issue.input === "TOTAL"
        ? "TOTAL is not yet supported by the Usage API; use HOURLY, DAILY or MONTHLY"
        : oneOf(GRANULARITIES),
  }),
  isAggregateByTime: z.optional(z.boolean()),
  forecast: z.optional(
    z.strictObject({
      forecastType: z.optional(z.enum(FORECAST_TYPES, { error: oneOf(FORECAST_TYPES) })),
      timeForecastStarted: z.optional(time),
      timeForecastEnded: time,
    }),
  ),
  queryType: z.optional(z.enum(QUERY_TYPES, { error: oneOf(QUERY_TYPES) })),
  groupBy: z.optional(
    z
      .array(z.enum(GROUP_BY_VALUES, { error: oneOf(GROUP_BY_VALUES) }))
      .check(
        z.maxLength(GROUP_BY_VALUES.length, { error: `must list at most ${GROUP_BY_VALUES.length} values` }),
      ),
  ),
  groupByTag: z.optional(
    z.array(GroupByTagSchema).check(z.maxLength(1, { error: "the Usage API supports at most 1 tag here" })),
  ),
  compartmentDepth: z.optional(z.int()),
  filter: z.optional(FilterSchema),
});

type RawBody = z.infer<typeof BodySchema>;

// ---------------------------------------------------------------------------------------------
// Issue wording
// ---------------------------------------------------------------------------------------------

type Path = readonly PropertyKey[];

/** Longest field name a message repeats: an unknown key is the client's text, not the function's to echo in full. */
const MAX_FIELD_NAME_CHARS = 64;

function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const name = String(part);
      const shown = name.length > MAX_FIELD_NAME_CHARS ? `${name.slice(0, MAX_FIELD_NAME_CHARS - 1)}…` : name;
      out += out === "" ? shown : `.${shown}`;
    }
  }
  return out === "" ? "body" : out;
}

const ARTICLE_TYPES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
};

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const where = formatPath(issue.path);
  const missing = issue.input === undefined;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map(
        (key) =>
          `${formatPath([...issue.path, key])}: unknown field (not part of RequestSummarizedUsagesDetails)`,
      );
    case "invalid_type":
      if (missing) return [`${where}: is required`];
      if (issue.expected === "int" && typeof issue.input === "number")
        return [`${where}: must be an integer`];
      return [`${where}: must be ${ARTICLE_TYPES[issue.expected] ?? issue.expected}`];
    case "invalid_value":
      if (missing) return [`${where}: is required`];
      return [`${where}: ${issue.message}`];
    default:
      return [`${where}: ${issue.message === "Invalid input" ? "is invalid" : issue.message}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

interface ParsedTime {
  date: Date;
  isMidnight: boolean;
  isWholeHour: boolean;
}

/** Parses an RFC 3339 UTC time; refuses impossible calendar dates such as 2025-02-30. */
export function parseUtcTime(value: string): ParsedTime | undefined {
  const m = TIME_PATTERN.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? "";
  if (year < 1970 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  const zeroFraction = /^0*$/.test(fraction);
  const isWholeHour = minute === 0 && second === 0 && zeroFraction;
  return { date, isWholeHour, isMidnight: isWholeHour && hour === 0 };
}

/** Adds calendar months in UTC, clamping the day (Jan 31 + 1 month = Feb 28/29). */
export function addUtcMonths(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = Math.min(date.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      y,
      m,
      d,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

/** Depth of `filter` counted along `filters` (a filter with no sub-filters has depth 1). Iterative. */
function filterDepth(filter: unknown): number {
  let max = 0;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: filter, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (typeof node !== "object" || node === null || Array.isArray(node)) continue;
    max = Math.max(max, depth);
    const children = (node as { filters?: unknown }).filters;
    if (Array.isArray(children)) for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return max;
}

function countFilterItems(filter: RawFilter): number {
  let count = (filter.dimensions?.length ?? 0) + (filter.tags?.length ?? 0);
  for (const child of filter.filters ?? []) count += countFilterItems(child);
  return count;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function fail(messages: string[]): { ok: false; message: string } {
  const shown = messages.slice(0, MAX_REPORTED_ISSUES);
  const more = messages.length - shown.length;
  return { ok: false, message: shown.join("; ") + (more > 0 ? `; and ${more} more` : "") };
}

/** Validates a parsed body against the schema and the configured limits. */
export function validateUsageBody(body: unknown, limits: ValidationLimits): Validation<UsageQuery> {
  // Bound the recursion before zod walks the filter tree.
  if (typeof body === "object" && body !== null && "filter" in body) {
    const depth = filterDepth((body as { filter: unknown }).filter);
    if (depth > limits.maxFilterDepth) {
      return fail([`filter: nests ${depth} levels of filters; at most ${limits.maxFilterDepth} are allowed`]);
    }
  }
  const parsed = BodySchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return fail(parsed.error.issues.flatMap(formatIssue));
  return checkRules(parsed.data, limits);
}

/** A whole UTC day, as the Usage API's forecast needs ("Forecasting invalid date range"). */
function forecastDay(
  name: string,
  value: string,
  granularity: Granularity,
  problems: string[],
): Date | undefined {
  const parsed = parseUtcTime(value);
  if (!parsed) {
    problems.push(`${name}: is not a valid date and time (${TIME_RULE})`);
    return undefined;
  }
  if (!parsed.isMidnight) {
    problems.push(
      granularity === "HOURLY"
        ? `${name}: a forecast covers whole UTC days; use a UTC midnight (e.g. 2025-01-01T00:00:00Z)`
        : `${name}: DAILY and MONTHLY times must be exact UTC midnight (e.g. 2025-01-01T00:00:00Z)`,
    );
    return undefined;
  }
  return parsed.date;
}

/**
 * The forecast block: whole UTC days, the end after the start (which defaults to the usage window's end
 * for the span check), and a span of at most the DAILY range limit.
 */
function checkForecast(
  raw: NonNullable<RawBody["forecast"]>,
  granularity: Granularity,
  usageEnd: Date | undefined,
  limits: ValidationLimits,
  problems: string[],
): UsageForecast | undefined {
  const fStart =
    raw.timeForecastStarted === undefined
      ? undefined
      : forecastDay("forecast.timeForecastStarted", raw.timeForecastStarted, granularity, problems);
  const fEnd = forecastDay("forecast.timeForecastEnded", raw.timeForecastEnded, granularity, problems);
  if (!fEnd || (raw.timeForecastStarted !== undefined && !fStart)) return undefined;
  const from = fStart ?? usageEnd;
  if (from && fEnd.getTime() <= from.getTime()) {
    problems.push(
      fStart
        ? "forecast.timeForecastEnded: must be later than forecast.timeForecastStarted"
        : "forecast.timeForecastEnded: must be later than timeUsageEnded when forecast.timeForecastStarted is not given",
    );
    return undefined;
  }
  const days = limits.maxRangeDailyDays;
  if (from && fEnd.getTime() - from.getTime() > days * DAY_MS) {
    problems.push(
      `forecast.timeForecastEnded: a forecast may span at most ${plural(days, "day")}; forecast a shorter range`,
    );
    return undefined;
  }
  const forecast: UsageForecast = { timeForecastEnded: fEnd };
  if (raw.forecastType !== undefined) forecast.forecastType = raw.forecastType;
  if (fStart) forecast.timeForecastStarted = fStart;
  return forecast;
}

function checkRules(raw: RawBody, limits: ValidationLimits): Validation<UsageQuery> {
  const problems: string[] = [];
  const granularity = raw.granularity;

  const timeField = (name: string, value: string): Date | undefined => {
    const parsed = parseUtcTime(value);
    if (!parsed) {
      problems.push(`${name}: is not a valid date and time (${TIME_RULE})`);
      return undefined;
    }
    if ((granularity === "DAILY" || granularity === "MONTHLY") && !parsed.isMidnight) {
      problems.push(
        `${name}: DAILY and MONTHLY times must be exact UTC midnight (e.g. 2025-01-01T00:00:00Z)`,
      );
    } else if (granularity === "HOURLY" && !parsed.isWholeHour) {
      problems.push(`${name}: HOURLY times must be whole UTC hours (e.g. 2025-01-01T13:00:00Z)`);
    }
    return parsed.date;
  };

  const start = timeField("timeUsageStarted", raw.timeUsageStarted);
  const end = timeField("timeUsageEnded", raw.timeUsageEnded);
  if (start && end) {
    if (end.getTime() <= start.getTime()) {
      problems.push("timeUsageEnded: must be later than timeUsageStarted (the end is exclusive)");
    } else if (granularity === "MONTHLY") {
      const months = limits.maxRangeMonthlyMonths;
      if (end.getTime() > addUtcMonths(start, months).getTime()) {
        problems.push(
          `timeUsageEnded: a MONTHLY query may span at most ${plural(months, "month")}; split the range`,
        );
      }
    } else {
      const days = granularity === "HOURLY" ? limits.maxRangeHourlyDays : limits.maxRangeDailyDays;
      if (end.getTime() - start.getTime() > days * DAY_MS) {
        problems.push(
          `timeUsageEnded: a ${granularity} query may span at most ${plural(days, "day")}; split the range`,
        );
      }
    }
  }

  const forecast = raw.forecast ? checkForecast(raw.forecast, granularity, end, limits, problems) : undefined;

  if (raw.groupBy) {
    const seen = new Set<string>();
    raw.groupBy.forEach((value, index) => {
      if (seen.has(value)) problems.push(`groupBy[${index}]: duplicate value '${value}'`);
      seen.add(value);
    });
  }

  if (raw.compartmentDepth !== undefined) {
    const max = limits.maxCompartmentDepth;
    if (raw.compartmentDepth < 1 || raw.compartmentDepth > max) {
      problems.push(`compartmentDepth: must be an integer in 1..${max}`);
    }
  }

  if (raw.filter) {
    const items = countFilterItems(raw.filter);
    if (items > limits.maxFilterItems) {
      problems.push(
        `filter: holds ${items} dimensions and tags in total; at most ${limits.maxFilterItems} are allowed`,
      );
    }
  }

  if (problems.length > 0 || !start || !end) return fail(problems);

  const query: UsageQuery = { timeUsageStarted: start, timeUsageEnded: end, granularity };
  if (raw.tenantId !== undefined) query.tenantId = raw.tenantId;
  if (raw.isAggregateByTime !== undefined) query.isAggregateByTime = raw.isAggregateByTime;
  if (forecast) query.forecast = forecast;
  if (raw.queryType !== undefined) query.queryType = raw.queryType;
  if (raw.groupBy !== undefined) query.groupBy = [...raw.groupBy];
  if (raw.groupByTag !== undefined) query.groupByTag = raw.groupByTag;
  if (raw.compartmentDepth !== undefined) query.compartmentDepth = raw.compartmentDepth;
  if (raw.filter !== undefined) query.filter = raw.filter;
  return { ok: true, value: query };
}
