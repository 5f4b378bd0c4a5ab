// Function configuration. Oracle Functions passes application and function config as plain env vars;
// they are read once per process.
//
// Policy for bad values:
// - a tunable number that is not an integer or is out of range falls back to its default, and the
//   problem is reported in `warnings` (func.ts logs them once, as one JSON line at start-up);
// - a bad USAGE_API_ENDPOINT or USAGE_API_REGION is reported in `errors`: the function then answers
//   every call with 500 FunctionMisconfigured instead of silently calling another endpoint.

/** Limits applied to the request body before any upstream call. */
export interface ValidationLimits {
  maxRangeHourlyDays: number;
  maxRangeDailyDays: number;
  maxRangeMonthlyMonths: number;
  maxFilterDepth: number;
  maxFilterItems: number;
  maxCompartmentDepth: number;
}

export interface FunctionConfig {
  /** Full URL of the Usage API (scheme, host, optional port), without the /20200107 version path. */
  usageApiEndpoint: string | undefined;
  /** Region id (or short code) of the Usage API; default: the function's resource-principal region. */
  usageApiRegion: string | undefined;
  upstreamPageLimit: number;
  responseBudgetBytes: number;
  maxBodyBytes: number;
  maxPagesPerCall: number;
  deadlineMarginMs: number;
  defaultTimeoutMs: number;
  attemptTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  limits: ValidationLimits;
}

interface LoadedConfig {
  config: FunctionConfig;
  /** Values ignored in favour of their default. */
  warnings: string[];
  /** Values that make the function refuse to work. */
  errors: string[];
}

interface IntSpec {
  default: number;
  min: number;
  max: number;
}

/** Every numeric key, its default and its accepted range. Exported for the README and the tests. */
export const NUMERIC_KEYS = {
  UPSTREAM_PAGE_LIMIT: { default: 1000, min: 1, max: 10_000 },
  RESPONSE_BUDGET_BYTES: { default: 2 * 1024 * 1024, min: 1024, max: 5 * 1024 * 1024 },
  MAX_BODY_BYTES: { default: 64 * 1024, min: 1024, max: 1024 * 1024 },
  MAX_PAGES_PER_CALL: { default: 100, min: 1, max: 10_000 },
  DEADLINE_MARGIN_MS: { default: 2000, min: 0, max: 60_000 },
  DEFAULT_TIMEOUT_MS: { default: 30_000, min: 1000, max: 300_000 },
  ATTEMPT_TIMEOUT_MS: { default: 20_000, min: 100, max: 300_000 },
  MAX_ATTEMPTS: { default: 6, min: 1, max: 20 },
  RETRY_BASE_MS: { default: 250, min: 1, max: 60_000 },
  RETRY_MAX_DELAY_MS: { default: 8000, min: 1, max: 120_000 },
  MAX_RANGE_HOURLY_DAYS: { default: 7, min: 1, max: 93 },
  MAX_RANGE_DAILY_DAYS: { default: 93, min: 1, max: 400 },
  MAX_RANGE_MONTHLY_MONTHS: { default: 12, min: 1, max: 60 },
  MAX_FILTER_DEPTH: { default: 3, min: 1, max: 10 },
  MAX_FILTER_ITEMS: { default: 50, min: 1, max: 500 },
  MAX_COMPARTMENT_DEPTH: { default: 7, min: 1, max: 7 },
} as const satisfies Record<string, IntSpec>;

type NumericKey = keyof typeof NUMERIC_KEYS;

type Env = Readonly<Record<string, string | undefined>>;

function readInt(env: Env, key: NumericKey, warnings: string[]): number {
  const spec: IntSpec = NUMERIC_KEYS[key];
  const raw = env[key]?.trim();
  if (raw === undefined || raw === "") return spec.default;
  if (/^\d{1,9}$/.test(raw)) {
    const value = Number(raw);
    if (value >= spec.min && value <= spec.max) return value;
  }
  warnings.push(
    `${key}: '${printable(raw)}' is not an integer in ${spec.min}..${spec.max}; using the default ${spec.default}`,
  );
  return spec.default;
}

/** Keeps a config value safe to print: printable ASCII only, short. */
function printable(value: string): string {
  const cleaned = value.replace(/[^\x20-\x7e]/g, "?");
  return cleaned.length > 40 ? `${cleaned.slice(0, 40)}...` : cleaned;
}

/** Validates USAGE_API_ENDPOINT: http(s), no user info, query or fragment; returns it without a trailing slash. */
function parseEndpoint(raw: string): string | Error {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return new Error(
      "USAGE_API_ENDPOINT is not a URL; use e.g. https://usageapi.us-ashburn-1.oci.oraclecloud.com",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return new Error("USAGE_API_ENDPOINT must use http or https");
  }
  if (url.username || url.password || url.search || url.hash) {
    return new Error("USAGE_API_ENDPOINT must not contain user info, a query or a fragment");
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

const REGION_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

export function loadConfig(env: Env): LoadedConfig {
  const warnings: string[] = [];
  const errors: string[] = [];

  let usageApiEndpoint: string | undefined;
  const endpointRaw = env.USAGE_API_ENDPOINT?.trim();
  if (endpointRaw) {
    const parsed = parseEndpoint(endpointRaw);
    if (parsed instanceof Error) errors.push(parsed.message);
    else usageApiEndpoint = parsed;
  }

  let usageApiRegion: string | undefined;
  const regionRaw = env.USAGE_API_REGION?.trim().toLowerCase();
  if (regionRaw) {
    if (REGION_PATTERN.test(regionRaw)) usageApiRegion = regionRaw;
    else errors.push("USAGE_API_REGION is not a region id; use e.g. us-ashburn-1");
  }

  const int = (key: NumericKey) => readInt(env, key, warnings);
  const config: FunctionConfig = {
    usageApiEndpoint,
    usageApiRegion,
    upstreamPageLimit: int("UPSTREAM_PAGE_LIMIT"),
    responseBudgetBytes: int("RESPONSE_BUDGET_BYTES"),
    maxBodyBytes: int("MAX_BODY_BYTES"),
    maxPagesPerCall: int("MAX_PAGES_PER_CALL"),
    deadlineMarginMs: int("DEADLINE_MARGIN_MS"),
    defaultTimeoutMs: int("DEFAULT_TIMEOUT_MS"),
    attemptTimeoutMs: int("ATTEMPT_TIMEOUT_MS"),
    maxAttempts: int("MAX_ATTEMPTS"),
    retryBaseMs: int("RETRY_BASE_MS"),
    retryMaxDelayMs: int("RETRY_MAX_DELAY_MS"),
    limits: {
      maxRangeHourlyDays: int("MAX_RANGE_HOURLY_DAYS"),
      maxRangeDailyDays: int("MAX_RANGE_DAILY_DAYS"),
      maxRangeMonthlyMonths: int("MAX_RANGE_MONTHLY_MONTHS"),
      maxFilterDepth: int("MAX_FILTER_DEPTH"),
      maxFilterItems: int("MAX_FILTER_ITEMS"),
      maxCompartmentDepth: int("MAX_COMPARTMENT_DEPTH"),
    },
  };
  if (config.retryBaseMs > config.retryMaxDelayMs) {
    warnings.push(
      `RETRY_BASE_MS (${config.retryBaseMs}) exceeds RETRY_MAX_DELAY_MS (${config.retryMaxDelayMs}); delays are capped at the latter`,
    );
  }
  return { config, warnings, errors };
}

/** The defaults, as a config object (tests and tools). */
export function defaultConfig(): FunctionConfig {
  return loadConfig({}).config;
}
