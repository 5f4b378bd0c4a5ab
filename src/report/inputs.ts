// The `report` command's inputs: read once, validated before any side effect, into one typed object.
// Input names are the constants below; a unit test checks them (and the defaults) against action.yml.
import { posix } from "node:path";
import { InputError, UserFacingError } from "../lib/errors.js";
import { parseBoolean, secureUrl } from "../lib/inputs.js";
import { compare, type Decimal, parseDecimal, ZERO } from "../lib/money.js";
import { quote } from "../lib/text.js";
import { GROUP_BY_DIMENSIONS, type Granularity, type QueryType, type TagRef } from "./columns.js";
import { isValidBranchName } from "./commit.js";
import { MonthsError, type MonthWindow, parseMonths } from "./months.js";
import { tokenEndpointFor } from "./token.js";

export const COMMAND_INPUT = "command";

export const INPUTS = {
  endpoint: "endpoint",
  tokenUrl: "token-url",
  clientId: "client-id",
  clientSecret: "client-secret",
  scope: "scope",
  tenantId: "tenant-id",
  months: "months",
  granularity: "granularity",
  queryType: "query-type",
  groupBy: "group-by",
  groupByTag: "group-by-tag",
  compartmentDepth: "compartment-depth",
  format: "format",
  focus: "focus",
  outputDir: "output-dir",
  currency: "currency",
  commit: "commit",
  commitBranch: "commit-branch",
  commitMessage: "commit-message",
  budget: "budget",
  budgetAction: "budget-action",
  timeBudget: "time-budget",
  summary: "summary",
  comparePrevious: "compare-previous",
} as const;

export type ReportInputName = (typeof INPUTS)[keyof typeof INPUTS];

export const OUTPUTS = {
  files: "files",
  total: "total",
  currency: "currency",
  months: "months",
  changed: "changed",
  commitSha: "commit-sha",
} as const;

/** Defaults, exactly as action.yml declares them (the runner fills them in; a bare `node dist/index.js` does not). */
export const DEFAULTS: Partial<Record<ReportInputName, string>> = {
  [INPUTS.months]: "previous",
  [INPUTS.granularity]: "MONTHLY",
  [INPUTS.queryType]: "COST",
  [INPUTS.groupBy]: "service,skuPartNumber,skuName,unit,compartmentName,region",
  [INPUTS.format]: "both",
  [INPUTS.focus]: "false",
  [INPUTS.outputDir]: "reports",
  [INPUTS.commit]: "false",
  [INPUTS.commitMessage]: "Usage report {months}",
  [INPUTS.budgetAction]: "warn",
  [INPUTS.timeBudget]: "20",
  [INPUTS.summary]: "true",
  [INPUTS.comparePrevious]: "true",
};

export const MAX_GROUP_BY = 10;
export const MAX_TIME_BUDGET_MINUTES = 350;

export interface ReportInputs {
  /** Gateway deployment URL with its path prefix, no trailing slash. */
  endpoint: string;
  /** The token endpoint (an identity domain URL gets /oauth2/v1/token appended). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  tenantId: string | undefined;
  /** The `months` input as given (after trimming), for messages and the commit message. */
  monthsSpec: string;
  months: MonthWindow[];
  granularity: Granularity;
  queryType: QueryType;
  groupBy: string[];
  groupByTag: TagRef | undefined;
  compartmentDepth: number | undefined;
  csv: boolean;
  json: boolean;
  focus: boolean;
  /** Relative to the workspace, POSIX separators, normalised. */
  outputDir: string;
  /** ISO 4217 code used when the rows carry no currency. */
  currency: string | undefined;
  commit: boolean;
  commitBranch: string | undefined;
  commitMessage: string;
  budget: Decimal | undefined;
  budgetAction: "warn" | "fail";
  timeBudgetMs: number;
  summary: boolean;
  comparePrevious: boolean;
}

export interface ReadOptions {
  now: Date;
  /** Called with the client secret as soon as it is read. */
  setSecret: (value: string) => void;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

function serviceUrl(name: string, raw: string, example: string): URL {
  if (raw === "") throw new InputError(name, `is required for command 'report'; set it to ${example}`);
  return secureUrl(name, raw, { example, credentialsHint: "pass them in 'client-id' and 'client-secret'" });
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!found) throw new InputError(name, `${quote(raw)} is not allowed; use ${allowed.join(" or ")}`);
  return found;
}

function parseGroupBy(raw: string): string[] {
  if (raw.toLowerCase() === "none") return [];
  const items = raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const result: string[] = [];
  for (const item of items) {
    const known = GROUP_BY_DIMENSIONS.find((d) => d.toLowerCase() === item.toLowerCase());
    if (!known) {
      throw new InputError(
        INPUTS.groupBy,
        `${quote(item)} is not a Usage API dimension; use a comma-separated list of ${GROUP_BY_DIMENSIONS.join(", ")} (or none)`,
      );
    }
    if (result.includes(known))
      throw new InputError(INPUTS.groupBy, `'${known}' is listed twice; list each dimension once`);
    result.push(known);
  }
  if (result.length > MAX_GROUP_BY) {
    throw new InputError(INPUTS.groupBy, `${result.length} dimensions given; use at most ${MAX_GROUP_BY}`);
  }
  return result;
}

const TAG_PART = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;

function parseTag(raw: string): TagRef | undefined {
  if (raw === "") return undefined;
  if (/[,\n]/.test(raw)) {
    throw new InputError(
      INPUTS.groupByTag,
      "the Usage API groups by one tag only; give a single namespace.key",
    );
  }
  const dot = raw.indexOf(".");
  const namespace = dot > 0 ? raw.slice(0, dot) : "";
  const key = dot > 0 ? raw.slice(dot + 1) : "";
  if (!TAG_PART.test(namespace) || !TAG_PART.test(key)) {
    throw new InputError(
      INPUTS.groupByTag,
      `${quote(raw)} is not a defined tag; use namespace.key, e.g. Operations.CostCenter`,
    );
  }
  return { namespace, key };
}

function parseInteger(name: string, raw: string, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new InputError(name, `${quote(raw)} is not ${what}; use a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function parseOutputDir(raw: string): string {
  if (CONTROL.test(raw)) throw new InputError(INPUTS.outputDir, "must not contain control characters");
  const text = raw.replace(/\\/g, "/");
  if (text.startsWith("/") || /^[A-Za-z]:/.test(text)) {
    throw new InputError(
      INPUTS.outputDir,
      `${quote(raw)} is absolute; use a folder relative to the workspace, e.g. reports`,
    );
  }
  const normalized = posix.normalize(text).replace(/\/+$/, "");
  if (normalized === ".." || normalized.startsWith("../")) {
    throw new InputError(
      INPUTS.outputDir,
      `${quote(raw)} leaves the workspace; use a folder inside it, e.g. reports`,
    );
  }
  return normalized === "" ? "." : normalized;
}

function parseBudget(raw: string): Decimal | undefined {
  if (raw === "") return undefined;
  let value: Decimal;
  try {
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error("not plain");
    value = parseDecimal(raw);
  } catch {
    throw new InputError(
      INPUTS.budget,
      `${quote(raw)} is not an amount; use a plain number in the report currency, e.g. 1000 or 1250.50`,
    );
  }
  if (compare(value, ZERO) <= 0)
    throw new InputError(INPUTS.budget, "must be greater than 0; leave it empty for no budget");
  return value;
}

/**
 * Read and validate every `report` input. `get` returns the raw input ("" when unset), like
 * core.getInput. All problems are reported at once, in one line.
 */
export function readReportInputs(get: (name: string) => string, options: ReadOptions): ReportInputs {
  const raw = (name: ReportInputName): string => {
    const value = get(name).trim();
    return value === "" ? (DEFAULTS[name] ?? "") : value;
  };
  // The secret exists from here on: mask it first.
  const clientSecret = get(INPUTS.clientSecret).trim();
  if (clientSecret !== "") options.setSecret(clientSecret);

  const errors: Error[] = [];
  function check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
      return undefined;
    }
  }

  const endpoint = check(() => {
    const url = serviceUrl(
      INPUTS.endpoint,
      raw(INPUTS.endpoint),
      "the gateway deployment URL, e.g. https://…/usage",
    );
    return url.href.replace(/\/+$/, "");
  });
  const tokenUrl = check(
    () =>
      tokenEndpointFor(
        serviceUrl(
          INPUTS.tokenUrl,
          raw(INPUTS.tokenUrl),
          "the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com",
        ),
      ).href,
  );
  const clientId = check(() => {
    const value = raw(INPUTS.clientId);
    if (value === "")
      throw new InputError(
        INPUTS.clientId,
        "is required for command 'report'; set it to the confidential application's client ID",
      );
    if (CONTROL.test(value))
      throw new InputError(INPUTS.clientId, "must not contain control characters or line breaks");
    return value;
  });
  check(() => {
    if (clientSecret === "") {
      throw new InputError(
        INPUTS.clientSecret,
        "is required for command 'report'; pass it from a repository or environment secret",
      );
    }
  });
  const scope = check(() => {
    const value = raw(INPUTS.scope);
    if (value === "") {
      throw new InputError(
        INPUTS.scope,
        "is required for command 'report'; use the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
      );
    }
    if (CONTROL.test(value))
      throw new InputError(INPUTS.scope, "must not contain control characters or line breaks");
    return value;
  });
  const tenantId = check(() => {
    const value = raw(INPUTS.tenantId);
    if (value === "") return undefined;
    if (!/^ocid1\.tenancy\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9._-]+$/i.test(value)) {
      throw new InputError(
        INPUTS.tenantId,
        `${quote(value)} is not a tenancy OCID; use ocid1.tenancy.oc1..… or leave it empty`,
      );
    }
    return value;
  });
  const monthsSpec = raw(INPUTS.months);
  const months = check(() => {
    try {
      return parseMonths(monthsSpec, options.now);
    } catch (err) {
      if (err instanceof MonthsError) throw new InputError(INPUTS.months, err.message);
      throw err;
    }
  });
  const granularity = check(() =>
    oneOf<Granularity>(INPUTS.granularity, raw(INPUTS.granularity), ["MONTHLY", "DAILY"]),
  );
  const queryType = check(() => oneOf<QueryType>(INPUTS.queryType, raw(INPUTS.queryType), ["COST", "USAGE"]));
  const groupBy = check(() => parseGroupBy(raw(INPUTS.groupBy)));
  const groupByTag = check(() => parseTag(raw(INPUTS.groupByTag)));
  const compartmentDepth = check(() => {
    const value = raw(INPUTS.compartmentDepth);
    return value === ""
      ? undefined
      : parseInteger(INPUTS.compartmentDepth, value, 1, 10, "a compartment depth");
  });
  const format = check(() => oneOf(INPUTS.format, raw(INPUTS.format), ["csv", "json", "both"] as const));
  const focus = check(() => parseBoolean(INPUTS.focus, raw(INPUTS.focus)));
  const outputDir = check(() => parseOutputDir(raw(INPUTS.outputDir)));
  const currency = check(() => {
    const value = raw(INPUTS.currency);
    if (value === "") return undefined;
    if (!/^[A-Za-z]{3}$/.test(value))
      throw new InputError(INPUTS.currency, `${quote(value)} is not an ISO 4217 code; use e.g. USD or EUR`);
    return value.toUpperCase();
  });
  const commit = check(() => parseBoolean(INPUTS.commit, raw(INPUTS.commit)));
  const commitBranch = check(() => {
    const value = raw(INPUTS.commitBranch);
    if (value === "") return undefined;
    if (!isValidBranchName(value)) {
      throw new InputError(
        INPUTS.commitBranch,
        `${quote(value)} is not a valid branch name; use e.g. main or reports`,
      );
    }
    return value;
  });
  const commitMessage = check(() => {
    const value = raw(INPUTS.commitMessage);
    if (value.length > 2000)
      throw new InputError(INPUTS.commitMessage, "is longer than 2000 characters; shorten it");
    if (/\u0000/.test(value)) throw new InputError(INPUTS.commitMessage, "must not contain NUL characters");
    return value;
  });
  const budget = check(() => parseBudget(raw(INPUTS.budget)));
  const budgetAction = check(() =>
    oneOf(INPUTS.budgetAction, raw(INPUTS.budgetAction), ["warn", "fail"] as const),
  );
  const timeBudget = check(() =>
    parseInteger(
      INPUTS.timeBudget,
      raw(INPUTS.timeBudget),
      1,
      MAX_TIME_BUDGET_MINUTES,
      "a number of minutes",
    ),
  );
  const summary = check(() => parseBoolean(INPUTS.summary, raw(INPUTS.summary)));
  const comparePrevious = check(() => parseBoolean(INPUTS.comparePrevious, raw(INPUTS.comparePrevious)));

  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserFacingError(errors.map((e) => e.message).join("; "));

  return {
    endpoint: endpoint!,
    tokenUrl: tokenUrl!,
    clientId: clientId!,
    clientSecret,
    scope: scope!,
    tenantId,
    monthsSpec,
    months: months!,
    granularity: granularity!,
    queryType: queryType!,
    groupBy: groupBy!,
    groupByTag,
    compartmentDepth,
    csv: format === "csv" || format === "both",
    json: format === "json" || format === "both",
    focus: focus!,
    outputDir: outputDir!,
    currency,
    commit: commit!,
    commitBranch,
    commitMessage: commitMessage!,
    budget,
    budgetAction: budgetAction!,
    timeBudgetMs: timeBudget! * 60_000,
    summary: summary!,
    comparePrevious: comparePrevious!,
  };
}
