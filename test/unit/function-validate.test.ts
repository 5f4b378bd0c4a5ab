import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultConfig, loadConfig, NUMERIC_KEYS } from "../../function/src/config.js";
import {
  addUtcMonths,
  isJsonContentType,
  parseJsonObject,
  parseUtcTime,
  readPageToken,
  validateUsageBody,
} from "../../function/src/validate.js";

const limits = defaultConfig().limits;
const base = {
  timeUsageStarted: "2025-01-01T00:00:00Z",
  timeUsageEnded: "2025-02-01T00:00:00Z",
  granularity: "DAILY",
};
const TENANCY = "ocid1.tenancy.oc1..aaaaaaaasandboxtenancy";

function nestedFilter(depth: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { dimensions: [{ key: "service", value: "COMPUTE" }] };
  for (let level = 1; level < depth; level++) filter = { operator: "AND", filters: [filter] };
  return filter;
}

function expectInvalid(body: unknown, ...fragments: string[]): string {
  const result = validateUsageBody(body, limits);
  expect(result.ok, "expected a rejection").toBe(false);
  const message = result.ok ? "" : result.message;
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}

describe("validateUsageBody: rejections name the field and the rule", () => {
  const cases: Array<[string, unknown, string]> = [
    ["unknown top-level field", { ...base, foo: 1 }, "foo: unknown field"],
    [
      "unknown field in a filter dimension",
      { ...base, filter: { dimensions: [{ key: "service", value: "x", extra: 1 }] } },
      "filter.dimensions[0].extra: unknown field",
    ],
    [
      "unknown field in a nested filter",
      { ...base, filter: { filters: [{ bogus: true }] } },
      "filter.filters[0].bogus: unknown field",
    ],
    [
      "unknown field in forecast",
      { ...base, forecast: { timeForecastEnded: "2025-03-01T00:00:00Z", bogus: 1 } },
      "forecast.bogus: unknown field",
    ],
    [
      "unknown field in groupByTag",
      { ...base, groupByTag: [{ namespace: "ns", key: "k", colour: "red" }] },
      "groupByTag[0].colour: unknown field",
    ],
    [
      "missing timeUsageStarted",
      { timeUsageEnded: base.timeUsageEnded, granularity: "DAILY" },
      "timeUsageStarted: is required",
    ],
    [
      "missing timeUsageEnded",
      { timeUsageStarted: base.timeUsageStarted, granularity: "DAILY" },
      "timeUsageEnded: is required",
    ],
    [
      "missing granularity",
      { timeUsageStarted: base.timeUsageStarted, timeUsageEnded: base.timeUsageEnded },
      "granularity: is required",
    ],
    [
      "granularity TOTAL",
      { ...base, granularity: "TOTAL" },
      "granularity: TOTAL is not yet supported by the Usage API",
    ],
    [
      "granularity lower case",
      { ...base, granularity: "daily" },
      "granularity: must be one of HOURLY, DAILY, MONTHLY",
    ],
    [
      "granularity a number",
      { ...base, granularity: 1 },
      "granularity: must be one of HOURLY, DAILY, MONTHLY",
    ],
    ["queryType unknown", { ...base, queryType: "BOGUS" }, "queryType: must be one of USAGE, COST, CREDIT"],
    [
      "groupBy unlisted value",
      { ...base, groupBy: ["service", "colour"] },
      "groupBy[1]: must be one of tagNamespace",
    ],
    [
      "groupBy duplicate",
      { ...base, groupBy: ["service", "region", "service"] },
      "groupBy[2]: duplicate value 'service'",
    ],
    ["groupBy not an array", { ...base, groupBy: "service" }, "groupBy: must be an array"],
    [
      "groupByTag with two tags",
      {
        ...base,
        groupByTag: [
          { namespace: "a", key: "b" },
          { namespace: "c", key: "d" },
        ],
      },
      "groupByTag: the Usage API supports at most 1 tag",
    ],
    [
      "groupByTag without key",
      { ...base, groupByTag: [{ namespace: "a" }] },
      "groupByTag[0].key: is required",
    ],
    ["compartmentDepth 0", { ...base, compartmentDepth: 0 }, "compartmentDepth: must be an integer in 1..7"],
    ["compartmentDepth 8", { ...base, compartmentDepth: 8 }, "compartmentDepth: must be an integer in 1..7"],
    [
      "compartmentDepth -1",
      { ...base, compartmentDepth: -1 },
      "compartmentDepth: must be an integer in 1..7",
    ],
    [
      "compartmentDepth 1e9",
      { ...base, compartmentDepth: 1e9 },
      "compartmentDepth: must be an integer in 1..7",
    ],
    [
      "compartmentDepth fractional",
      { ...base, compartmentDepth: 1.5 },
      "compartmentDepth: must be an integer",
    ],
    ["compartmentDepth a string", { ...base, compartmentDepth: "3" }, "compartmentDepth: must be a number"],
    [
      "tenantId of a compartment",
      { ...base, tenantId: "ocid1.compartment.oc1..aaaa" },
      "tenantId: must be a tenancy OCID",
    ],
    ["tenantId a number", { ...base, tenantId: 5 }, "tenantId: must be a string"],
    [
      "date without time",
      { ...base, timeUsageStarted: "2025-01-01" },
      "timeUsageStarted: must be an RFC 3339 UTC time",
    ],
    [
      "time with a non-UTC offset",
      { ...base, timeUsageStarted: "2025-01-01T00:00:00+02:00" },
      "timeUsageStarted: must be an RFC 3339 UTC time",
    ],
    ["empty time", { ...base, timeUsageEnded: "" }, "timeUsageEnded: must be an RFC 3339 UTC time"],
    ["time as a number", { ...base, timeUsageEnded: 1e12 }, "timeUsageEnded: must be a string"],
    [
      "impossible calendar date",
      { ...base, timeUsageStarted: "2025-02-30T00:00:00Z" },
      "timeUsageStarted: is not a valid date",
    ],
    [
      "hour 24",
      { ...base, timeUsageStarted: "2025-01-01T24:00:00Z" },
      "timeUsageStarted: is not a valid date",
    ],
    [
      "DAILY start not at midnight",
      { ...base, timeUsageStarted: "2025-01-01T10:00:00Z" },
      "timeUsageStarted: DAILY and MONTHLY times must be exact UTC midnight (e.g. 2025-01-01T00:00:00Z)",
    ],
    [
      "MONTHLY end with a fraction",
      { ...base, granularity: "MONTHLY", timeUsageEnded: "2025-02-01T00:00:00.500Z" },
      "timeUsageEnded: DAILY and MONTHLY times must be exact UTC midnight",
    ],
    [
      "HOURLY start on the half hour",
      {
        timeUsageStarted: "2025-01-01T10:30:00Z",
        timeUsageEnded: "2025-01-02T00:00:00Z",
        granularity: "HOURLY",
      },
      "timeUsageStarted: HOURLY times must be whole UTC hours",
    ],
    [
      "start equals end",
      { ...base, timeUsageEnded: base.timeUsageStarted },
      "timeUsageEnded: must be later than timeUsageStarted",
    ],
    [
      "start after end",
      { ...base, timeUsageStarted: "2025-03-01T00:00:00Z" },
      "timeUsageEnded: must be later than timeUsageStarted",
    ],
    [
      "HOURLY range over 7 days",
      {
        timeUsageStarted: "2025-01-01T00:00:00Z",
        timeUsageEnded: "2025-01-08T01:00:00Z",
        granularity: "HOURLY",
      },
      "timeUsageEnded: a HOURLY query may span at most 7 days",
    ],
    [
      "DAILY range over 93 days",
      { ...base, timeUsageEnded: "2025-04-05T00:00:00Z" },
      "timeUsageEnded: a DAILY query may span at most 93 days",
    ],
    [
      "MONTHLY range over 12 months",
      { ...base, granularity: "MONTHLY", timeUsageEnded: "2026-02-01T00:00:00Z" },
      "timeUsageEnded: a MONTHLY query may span at most 12 months",
    ],
    [
      "forecast without its end",
      { ...base, forecast: { forecastType: "BASIC" } },
      "forecast.timeForecastEnded: is required",
    ],
    [
      "forecast of an unknown type",
      { ...base, forecast: { forecastType: "FANCY", timeForecastEnded: "2025-03-01T00:00:00Z" } },
      "forecast.forecastType: must be one of BASIC",
    ],
    [
      "forecast ending before it starts",
      {
        ...base,
        forecast: { timeForecastStarted: "2025-03-01T00:00:00Z", timeForecastEnded: "2025-02-01T00:00:00Z" },
      },
      "forecast.timeForecastEnded: must be later than forecast.timeForecastStarted",
    ],
    [
      "DAILY forecast not at midnight",
      { ...base, forecast: { timeForecastEnded: "2025-03-01T06:00:00Z" } },
      "forecast.timeForecastEnded: DAILY and MONTHLY times must be exact UTC midnight",
    ],
    [
      "HOURLY forecast not on a whole day",
      {
        ...base,
        granularity: "HOURLY",
        timeUsageEnded: "2025-01-02T00:00:00Z",
        forecast: { timeForecastEnded: "2025-01-03T05:00:00Z" },
      },
      "forecast.timeForecastEnded: a forecast covers whole UTC days",
    ],
    [
      "forecast ending at the usage window's end, no start given",
      { ...base, forecast: { timeForecastEnded: "2025-02-01T00:00:00Z" } },
      "forecast.timeForecastEnded: must be later than timeUsageEnded when forecast.timeForecastStarted is not given",
    ],
    [
      "forecast over 93 days",
      {
        ...base,
        forecast: { timeForecastStarted: "2025-02-01T00:00:00Z", timeForecastEnded: "2025-06-01T00:00:00Z" },
      },
      "forecast.timeForecastEnded: a forecast may span at most 93 days",
    ],
    [
      "isAggregateByTime a string",
      { ...base, isAggregateByTime: "yes" },
      "isAggregateByTime: must be a boolean",
    ],
    [
      "filter 4 levels deep",
      { ...base, filter: nestedFilter(4) },
      "filter: nests 4 levels of filters; at most 3 are allowed",
    ],
    [
      "filter with 51 dimensions",
      {
        ...base,
        filter: { dimensions: Array.from({ length: 51 }, (_, i) => ({ key: "service", value: `s${i}` })) },
      },
      "filter: holds 51 dimensions and tags in total; at most 50 are allowed",
    ],
    [
      "filter items counted across nested filters",
      {
        ...base,
        filter: {
          tags: Array.from({ length: 30 }, () => ({ namespace: "n", key: "k", value: "v" })),
          filters: [{ dimensions: Array.from({ length: 21 }, () => ({ key: "region", value: "r" })) }],
        },
      },
      "filter: holds 51 dimensions and tags in total",
    ],
    [
      "filter operator unknown",
      { ...base, filter: { operator: "XOR" } },
      "filter.operator: must be one of AND, NOT, OR",
    ],
    [
      "filter dimension with an empty key",
      { ...base, filter: { dimensions: [{ key: "", value: "x" }] } },
      "filter.dimensions[0].key: must not be empty",
    ],
    ["filter not an object", { ...base, filter: [] }, "filter: must be an object"],
  ];

  it.each(cases)("%s", (_name, body, fragment) => {
    expectInvalid(body, fragment);
  });

  it("reports several problems at once, capped", () => {
    const message = expectInvalid(
      { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, timeUsageStarted: "x", timeUsageEnded: "y", granularity: "z" },
      "a: unknown field",
      "more",
    );
    expect(message.split("; ").length).toBe(6);
  });

  it("stops at an absurdly deep filter before walking it", () => {
    const message = expectInvalid({ ...base, filter: nestedFilter(5000) }, "filter: nests 5000 levels");
    expect(message.length).toBeLessThan(200);
  });
});

describe("validateUsageBody: accepted bodies", () => {
  const accepted: Array<[string, Record<string, unknown>]> = [
    ["minimal DAILY", base],
    [
      "HOURLY spanning exactly 7 days",
      {
        timeUsageStarted: "2025-01-01T05:00:00Z",
        timeUsageEnded: "2025-01-08T05:00:00Z",
        granularity: "HOURLY",
      },
    ],
    ["DAILY spanning exactly 93 days", { ...base, timeUsageEnded: "2025-04-04T00:00:00Z" }],
    [
      "MONTHLY spanning exactly 12 months",
      { ...base, granularity: "MONTHLY", timeUsageEnded: "2026-01-01T00:00:00Z" },
    ],
    ["+00:00 offset and zero fraction", { ...base, timeUsageStarted: "2025-01-01T00:00:00.000+00:00" }],
    ["filter exactly 3 levels deep", { ...base, filter: nestedFilter(3) }],
    [
      "every field",
      {
        tenantId: TENANCY,
        timeUsageStarted: "2025-01-01T00:00:00Z",
        timeUsageEnded: "2025-02-01T00:00:00Z",
        granularity: "MONTHLY",
        isAggregateByTime: false,
        forecast: {
          forecastType: "BASIC",
          timeForecastStarted: "2025-02-01T00:00:00Z",
          timeForecastEnded: "2025-03-01T00:00:00Z",
        },
        queryType: "COST",
        groupBy: ["service", "skuPartNumber", "compartmentPath"],
        groupByTag: [{ namespace: "Oracle-Tags", key: "CreatedBy" }],
        compartmentDepth: 7,
        filter: {
          operator: "OR",
          dimensions: [{ key: "service", value: "COMPUTE" }],
          tags: [{ namespace: "ns", key: "k", value: '=HYPERLINK("x")' }],
          filters: [{ operator: "NOT", dimensions: [{ key: "region", value: "us-ashburn-1" }] }],
        },
      },
    ],
  ];

  it.each(accepted)("%s", (_name, body) => {
    const result = validateUsageBody(body, limits);
    expect(result).toMatchObject({ ok: true });
  });

  it("turns times into Date objects and keeps every field", () => {
    const result = validateUsageBody(accepted[6]![1], limits);
    if (!result.ok) throw new Error(result.message);
    const query = result.value;
    expect(query.timeUsageStarted).toBeInstanceOf(Date);
    expect(query.timeUsageStarted.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(query.timeUsageEnded.toISOString()).toBe("2025-02-01T00:00:00.000Z");
    expect(query.forecast?.timeForecastStarted?.toISOString()).toBe("2025-02-01T00:00:00.000Z");
    expect(query.forecast?.timeForecastEnded.toISOString()).toBe("2025-03-01T00:00:00.000Z");
    expect(query).toMatchObject({
      tenantId: TENANCY,
      granularity: "MONTHLY",
      isAggregateByTime: false,
      queryType: "COST",
      groupBy: ["service", "skuPartNumber", "compartmentPath"],
      groupByTag: [{ namespace: "Oracle-Tags", key: "CreatedBy" }],
      compartmentDepth: 7,
      filter: { operator: "OR", filters: [{ operator: "NOT" }] },
    });
  });

  it("applies the configured limits", () => {
    const tight = { ...limits, maxRangeHourlyDays: 1, maxCompartmentDepth: 3, maxFilterDepth: 1 };
    const hourly = {
      timeUsageStarted: "2025-01-01T00:00:00Z",
      timeUsageEnded: "2025-01-02T01:00:00Z",
      granularity: "HOURLY",
    };
    expect(validateUsageBody(hourly, tight)).toEqual({
      ok: false,
      message: "timeUsageEnded: a HOURLY query may span at most 1 day; split the range",
    });
    expect(validateUsageBody({ ...base, compartmentDepth: 4 }, tight)).toEqual({
      ok: false,
      message: "compartmentDepth: must be an integer in 1..3",
    });
    expect(validateUsageBody({ ...base, filter: nestedFilter(2) }, tight)).toMatchObject({ ok: false });
    expect(validateUsageBody({ ...base, filter: nestedFilter(1) }, tight)).toMatchObject({ ok: true });
  });
});

describe("parseJsonObject", () => {
  const cases: Array<[string, Uint8Array, string | null]> = [
    ["an object", Buffer.from('{"a":1}'), null],
    ["an array", Buffer.from("[]"), "body: must be a JSON object, not an array"],
    ["null", Buffer.from("null"), "body: must be a JSON object, not null"],
    ["a string", Buffer.from('"str"'), "body: must be a JSON object, not a string"],
    ["a number", Buffer.from("42"), "body: must be a JSON object, not a number"],
    ["invalid JSON", Buffer.from("not json"), "body: is not valid JSON"],
    ["an empty body", Buffer.alloc(0), "body: is not valid JSON"],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), "body: is not valid UTF-8"],
  ];
  it.each(cases)("%s", (_name, body, expected) => {
    const result = parseJsonObject(body);
    if (expected === null) expect(result).toEqual({ ok: true, value: { a: 1 } });
    else expect(result.ok ? "" : result.message).toContain(expected);
  });
});

describe("isJsonContentType", () => {
  const cases: Array<[string | undefined, boolean]> = [
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["Application/JSON;charset=UTF-8", true],
    ['application/json; charset="utf-8"', true],
    ["application/json; charset=latin1", false],
    ["application/json; boundary=x", false],
    ["application/jsonp", false],
    ["text/plain", false],
    ["", false],
    [undefined, false],
  ];
  it.each(cases)("%s -> %s", (value, expected) => {
    expect(isJsonContentType(value)).toBe(expected);
  });
});

describe("readPageToken", () => {
  const long = "a".repeat(2049);
  const cases: Array<[string, string | undefined | { error: string }]> = [
    ["/usage/request-summarized-usages", undefined],
    ["/usage/request-summarized-usages?other=1", undefined],
    ["/x?page=abc", "abc"],
    ["/x?foo=1&page=t0k3n", "t0k3n"],
    ["/x?page=a%2Bb%2F%3D", "a+b/="],
    ["/x?page=a+b", "a+b"],
    ["/x?pages=1", undefined],
    ["/x?page=", { error: "page: must be the nextPage value of a previous answer" }],
    ["/x?page", { error: "page: must be the nextPage value" }],
    ["/x?page=a&page=b", { error: "page: must be given at most once" }],
    ["/x?page=%E0%A4%A", { error: "page: is not valid percent-encoding" }],
    ["/x?page=a%20b", { error: "printable characters" }],
    ["/x?page=a%0Ab", { error: "printable characters" }],
    [`/x?page=${long}`, { error: "1 to 2048 printable characters" }],
  ];
  it.each(cases)("%s", (url, expected) => {
    const result = readPageToken(url);
    if (typeof expected === "object") expect(result.ok ? "" : result.message).toContain(expected.error);
    else expect(result).toEqual({ ok: true, value: expected });
  });
});

describe("time helpers", () => {
  it.each([
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z", true, true],
    ["2025-06-30T13:00:00Z", "2025-06-30T13:00:00.000Z", false, true],
    ["2025-06-30T13:00:01Z", "2025-06-30T13:00:01.000Z", false, false],
    ["2025-06-30T00:00:00.000000001Z", "2025-06-30T00:00:00.000Z", false, false],
  ])("parseUtcTime(%s)", (value, iso, midnight, wholeHour) => {
    const parsed = parseUtcTime(value);
    expect(parsed?.date.toISOString()).toBe(iso);
    expect(parsed?.isMidnight).toBe(midnight);
    expect(parsed?.isWholeHour).toBe(wholeHour);
  });

  it.each(["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-04-31T00:00:00Z", "1969-12-31T00:00:00Z"])(
    "parseUtcTime refuses %s",
    (value) => {
      expect(parseUtcTime(value)).toBeUndefined();
    },
  );

  it.each([
    ["2025-01-31T00:00:00Z", 1, "2025-02-28T00:00:00.000Z"],
    ["2024-01-31T00:00:00Z", 1, "2024-02-29T00:00:00.000Z"],
    ["2025-01-01T00:00:00Z", 12, "2026-01-01T00:00:00.000Z"],
    ["2025-11-15T06:00:00Z", 3, "2026-02-15T06:00:00.000Z"],
  ])("addUtcMonths(%s, %i)", (start, months, expected) => {
    expect(addUtcMonths(new Date(start), months).toISOString()).toBe(expected);
  });
});

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const { config, warnings, errors } = loadConfig({});
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
    expect(config).toEqual({
      usageApiEndpoint: undefined,
      usageApiRegion: undefined,
      upstreamPageLimit: 1000,
      responseBudgetBytes: 2 * 1024 * 1024,
      maxBodyBytes: 65536,
      maxPagesPerCall: 100,
      deadlineMarginMs: 2000,
      defaultTimeoutMs: 30000,
      attemptTimeoutMs: 20000,
      maxAttempts: 6,
      retryBaseMs: 250,
      retryMaxDelayMs: 8000,
      limits: {
        maxRangeHourlyDays: 7,
        maxRangeDailyDays: 93,
        maxRangeMonthlyMonths: 12,
        maxFilterDepth: 3,
        maxFilterItems: 50,
        maxCompartmentDepth: 7,
      },
    });
  });

  it.each([
    ["UPSTREAM_PAGE_LIMIT", "500", (c: ReturnType<typeof defaultConfig>) => c.upstreamPageLimit, 500],
    ["MAX_ATTEMPTS", " 3 ", (c: ReturnType<typeof defaultConfig>) => c.maxAttempts, 3],
    ["MAX_RANGE_DAILY_DAYS", "31", (c: ReturnType<typeof defaultConfig>) => c.limits.maxRangeDailyDays, 31],
    ["DEADLINE_MARGIN_MS", "0", (c: ReturnType<typeof defaultConfig>) => c.deadlineMarginMs, 0],
  ])("reads %s=%s", (key, value, pick, expected) => {
    const { config, warnings } = loadConfig({ [key]: value });
    expect(pick(config)).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it.each([
    ["UPSTREAM_PAGE_LIMIT", "abc"],
    ["UPSTREAM_PAGE_LIMIT", "0"],
    ["MAX_ATTEMPTS", "2.5"],
    ["MAX_ATTEMPTS", "-1"],
    ["MAX_COMPARTMENT_DEPTH", "8"],
    ["RESPONSE_BUDGET_BYTES", "99999999999"],
  ] as const)("falls back to the default for %s=%s with a warning naming the key", (key, value) => {
    const { config, warnings, errors } = loadConfig({ [key]: value });
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(key);
    expect(warnings[0]).toContain(`default ${NUMERIC_KEYS[key].default}`);
    expect(config).toEqual(defaultConfig());
  });

  it.each([
    ["http://127.0.0.1:1234", "http://127.0.0.1:1234"],
    ["http://127.0.0.1:1234/", "http://127.0.0.1:1234"],
    [
      "https://usageapi.us-ashburn-1.oci.oraclecloud.com",
      "https://usageapi.us-ashburn-1.oci.oraclecloud.com",
    ],
  ])("accepts USAGE_API_ENDPOINT=%s", (value, expected) => {
    const { config, errors } = loadConfig({ USAGE_API_ENDPOINT: value });
    expect(errors).toEqual([]);
    expect(config.usageApiEndpoint).toBe(expected);
  });

  it.each([
    "ftp://example.com",
    "not a url",
    "http://user:pw@example.com",
    "https://example.com/?a=1",
    "https://example.com/#x",
  ])("refuses USAGE_API_ENDPOINT=%s (fail closed, no fallback)", (value) => {
    const { config, errors } = loadConfig({ USAGE_API_ENDPOINT: value });
    expect(config.usageApiEndpoint).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("USAGE_API_ENDPOINT");
    expect(errors[0]).not.toContain("pw");
  });

  it("reads USAGE_API_REGION, lower-cased, and refuses a malformed one", () => {
    expect(loadConfig({ USAGE_API_REGION: "US-ASHBURN-1" }).config.usageApiRegion).toBe("us-ashburn-1");
    expect(loadConfig({ USAGE_API_REGION: "" }).config.usageApiRegion).toBeUndefined();
    const bad = loadConfig({ USAGE_API_REGION: "us ashburn!" });
    expect(bad.config.usageApiRegion).toBeUndefined();
    expect(bad.errors[0]).toContain("USAGE_API_REGION");
  });
});

describe("documented defaults", () => {
  const root = new URL("../../function/", import.meta.url);

  it("func.yaml config carries every numeric key with its default", () => {
    const yaml = readFileSync(new URL("func.yaml", root), "utf8");
    const config = yaml.slice(yaml.indexOf("\nconfig:"));
    const entries = Object.fromEntries(
      [...config.matchAll(/^ {2}([A-Z_]+): "(\d+)"$/gm)].map((m) => [m[1], Number(m[2])]),
    );
    const expected = Object.fromEntries(
      Object.entries(NUMERIC_KEYS).map(([key, spec]) => [key, spec.default]),
    );
    expect(entries).toEqual(expected);
    expect(yaml).toMatch(/^entrypoint: node dist\/func\.js$/m);
    expect(yaml).toMatch(/^schema_version: 20180708$/m);
  });

  it("the README's config table lists every numeric key with its default", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    for (const [key, spec] of Object.entries(NUMERIC_KEYS)) {
      expect(readme).toContain(`| \`${key}\` | ${spec.default} | ${spec.min}..${spec.max}`);
    }
  });
});
