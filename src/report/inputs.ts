// The `report` command's inputs: read once, validated before any side effect, into one typed object.
// One table row per input (name, parser, default as action.yml declares it); INPUTS and DEFAULTS come from
// the table, and a unit test checks them against action.yml. Adding an input is one row.
import { posix } from "node:path";
import { InputError } from "../lib/errors.js";
import {
  booleanInput,
  type InputParser,
  InputProblems,
  type InputValues,
  input,
  inputDefaults,
  inputNames,
  oneOf,
  optional,
  readInputTable,
  required,
  secureUrl,
  singleLine,
  splitList,
  wholeNumber,
} from "../lib/inputs.js";
import { compare, type Decimal, parseDecimal, ZERO } from "../lib/money.js";
import { quote } from "../lib/text.js";
import { GROUP_BY_DIMENSIONS, type Granularity, type QueryType, type TagRef } from "./columns.js";
import { isValidBranchName } from "./commit.js";
import { FOCUS_VERSIONS, type FocusVersion } from "./focus.js";
import { MonthsError, type MonthWindow, parseMonths } from "./months.js";
import type { BudgetOn } from "./outlook.js";
import { tokenEndpointFor } from "./token.js";

export const COMMAND_INPUT = "command";

export const OUTPUTS = {
  files: "files",
  total: "total",
  currency: "currency",
  months: "months",
  changed: "changed",
  commitSha: "commit-sha",
  anomalies: "anomalies",
  forecast: "forecast",
} as const;

const MAX_GROUP_BY = 10;
const MAX_TIME_BUDGET_MINUTES = 350;
const MAX_SETTLE_DAYS = 31;
const MAX_CONCURRENCY = 16;

/** Where the bearer token comes from. */
export type ReportAuth =
  | {
      kind: "client-credentials";
      /** The token endpoint (an identity domain URL gets /oauth2/v1/token appended). */
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope: string;
    }
  | {
      /** The workflow's own GitHub OIDC token, for deploy's GitHub deployment: no secret at all. */
      kind: "github-oidc";
      audience: string;
    };

type AuthKind = ReportAuth["kind"];
const AUTH_KINDS: readonly AuthKind[] = ["client-credentials", "github-oidc"];
const DEFAULT_GITHUB_AUDIENCE = "usage-api-action";

export interface ReportInputs {
  /** Gateway deployment URL with its path prefix, no trailing slash. */
  endpoint: string;
  auth: ReportAuth;
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
  /** The FOCUS specification version the FOCUS file follows. */
  focusVersion: FocusVersion;
  /** Relative to the workspace, POSIX separators, normalised. */
  outputDir: string;
  /** ISO 4217 code used when the rows carry no currency. */
  currency: string | undefined;
  commit: boolean;
  commitBranch: string | undefined;
  commitMessage: string;
  budget: Decimal | undefined;
  budgetAction: "warn" | "fail";
  /** What the budget gate compares: the actual total, or a partial month's forecast month-end. */
  budgetOn: BudgetOn;
  /** Days before today still within the Usage API's data lag (today is never settled). */
  settleDays: number;
  timeBudgetMs: number;
  /** The most requests of one month in flight at once (1: one page after another). */
  maxConcurrency: number;
  summary: boolean;
  comparePrevious: boolean;
  /** Month-over-month anomalies: least change in percent, and in the report currency. */
  anomalyPercent: Decimal;
  anomalyAmount: Decimal;
}

interface ReadOptions {
  now: Date;
  /** Called with the client secret as soon as it is read. */
  setSecret: (value: string) => void;
}

function serviceUrl(example: string): InputParser<URL> {
  return required(
    (text, name) =>
      secureUrl(name, text, { example, credentialsHint: "pass them in 'client-id' and 'client-secret'" }),
    `is required for command 'report'; set it to ${example}`,
  );
}

const endpointUrl: InputParser<string> = (text, name) =>
  serviceUrl("the gateway deployment URL, e.g. https://…/usage")(text, name).href.replace(/\/+$/, "");

const tokenUrl: InputParser<string> = (text, name) =>
  tokenEndpointFor(
    serviceUrl("the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com")(text, name),
  ).href;

const tenancyOcid: InputParser<string> = (text, name) => {
  if (!/^ocid1\.tenancy\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9._-]+$/i.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a tenancy OCID; use ocid1.tenancy.oc1..… or leave it empty`,
    );
  }
  return text;
};

/** The spec as given (for messages and the commit message) and the windows it names, as of `now`. */
function monthsInput(now: Date): InputParser<{ spec: string; windows: MonthWindow[] }> {
  return (text, name) => {
    try {
      return { spec: text, windows: parseMonths(text, now) };
    } catch (err) {
      if (err instanceof MonthsError) throw new InputError(name, err.message);
      throw err;
    }
  };
}

const groupByList: InputParser<string[]> = (text, name) => {
  if (text.toLowerCase() === "none") return [];
  const result: string[] = [];
  for (const item of splitList(text)) {
    const known = GROUP_BY_DIMENSIONS.find((d) => d.toLowerCase() === item.toLowerCase());
    if (!known) {
      throw new InputError(
        name,
        `${quote(item)} is not a Usage API dimension; use a comma-separated list of ${GROUP_BY_DIMENSIONS.join(", ")} (or none)`,
      );
    }
    if (result.includes(known))
      throw new InputError(name, `'${known}' is listed twice; list each dimension once`);
    result.push(known);
  }
  if (result.length > MAX_GROUP_BY) {
    throw new InputError(name, `${result.length} dimensions given; use at most ${MAX_GROUP_BY}`);
  }
  return result;
};

const TAG_PART = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;

const definedTag: InputParser<TagRef> = (text, name) => {
  if (/[,\n]/.test(text)) {
    throw new InputError(name, "the Usage API groups by one tag only; give a single namespace.key");
  }
  const dot = text.indexOf(".");
  const namespace = dot > 0 ? text.slice(0, dot) : "";
  const key = dot > 0 ? text.slice(dot + 1) : "";
  if (!TAG_PART.test(namespace) || !TAG_PART.test(key)) {
    throw new InputError(
      name,
      `${quote(text)} is not a defined tag; use namespace.key, e.g. Operations.CostCenter`,
    );
  }
  return { namespace, key };
};

const workspaceFolder: InputParser<string> = (text, name) => {
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new InputError(name, "must not contain control characters");
  const slashed = text.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) {
    throw new InputError(
      name,
      `${quote(text)} is absolute; use a folder relative to the workspace, e.g. reports`,
    );
  }
  const normalized = posix.normalize(slashed).replace(/\/+$/, "");
  if (normalized === ".." || normalized.startsWith("../")) {
    throw new InputError(name, `${quote(text)} leaves the workspace; use a folder inside it, e.g. reports`);
  }
  return normalized === "" ? "." : normalized;
};

const currencyCode: InputParser<string> = (text, name) => {
  if (!/^[A-Za-z]{3}$/.test(text)) {
    throw new InputError(name, `${quote(text)} is not an ISO 4217 code; use e.g. USD or EUR`);
  }
  return text.toUpperCase();
};

const branchName: InputParser<string> = (text, name) => {
  if (!isValidBranchName(text)) {
    throw new InputError(name, `${quote(text)} is not a valid branch name; use e.g. main or reports`);
  }
  return text;
};

const commitMessage: InputParser<string> = (text, name) => {
  if (text.length > 2000) throw new InputError(name, "is longer than 2000 characters; shorten it");
  if (/\u0000/.test(text)) throw new InputError(name, "must not contain NUL characters");
  return text;
};

const budgetAmount: InputParser<Decimal> = (text, name) => {
  let value: Decimal;
  try {
    if (!/^\d+(\.\d+)?$/.test(text)) throw new Error("not plain");
    value = parseDecimal(text);
  } catch {
    throw new InputError(
      name,
      `${quote(text)} is not an amount; use a plain number in the report currency, e.g. 1000 or 1250.50`,
    );
  }
  if (compare(value, ZERO) <= 0)
    throw new InputError(name, "must be greater than 0; leave it empty for no budget");
  return value;
};

/** A threshold: a plain number above 0 (`example` shows one). */
function threshold(example: string): InputParser<Decimal> {
  return (text, name) => {
    if (!/^\d+(\.\d+)?$/.test(text) || compare(parseDecimal(text), ZERO) <= 0) {
      throw new InputError(
        name,
        `${quote(text)} is not a threshold; use a plain number above 0, e.g. ${example}`,
      );
    }
    return parseDecimal(text);
  };
}

/**
 * A client-credentials input: required with that auth; with `auth: github-oidc` giving it is an error (a
 * secret passed for nothing is one more secret to leak, and a half-migrated workflow should say so); when
 * `auth` itself is wrong it is not checked (its row reports that).
 */
function credentialInput<T>(auth: AuthKind | null, parse: InputParser<T>): InputParser<T | undefined> {
  return (text, name) => {
    if (auth === "client-credentials") return parse(text, name);
    if (auth === "github-oidc" && text !== "") {
      throw new InputError(
        name,
        "belongs to 'auth: client-credentials'; 'auth: github-oidc' uses the workflow's GitHub OIDC token and no client credentials: remove it (or set auth: client-credentials)",
      );
    }
    return undefined;
  };
}

/** The `auth` input alone, read first: which of the credential inputs apply depends on it. */
const authKind = oneOf<AuthKind>(AUTH_KINDS);

const githubAudience: InputParser<string> = (text, name) => {
  if (/[\s,\u0000-\u001f\u007f]/.test(text)) {
    throw new InputError(name, `${quote(text)} must be one audience without spaces or commas`);
  }
  return text;
};

/**
 * Every `report` input, in the order its problems are reported. `now` is what `months` is relative to;
 * `auth` (the `auth` input, null when it is not valid) decides which credential inputs are required.
 */
function reportInputTable(now: Date, auth: AuthKind | null = "client-credentials") {
  return {
    endpoint: input("endpoint", endpointUrl),
    auth: input("auth", authKind, { default: "client-credentials" }),
    githubAudience: input("github-audience", githubAudience, { default: DEFAULT_GITHUB_AUDIENCE }),
    tokenUrl: input("token-url", credentialInput(auth, tokenUrl)),
    clientId: input(
      "client-id",
      credentialInput(
        auth,
        required(
          singleLine(),
          "is required for command 'report'; set it to the confidential application's client ID",
        ),
      ),
    ),
    clientSecret: input(
      "client-secret",
      credentialInput(
        auth,
        required(
          (text) => text,
          "is required for command 'report'; pass it from a repository or environment secret",
        ),
      ),
      { secret: true },
    ),
    scope: input(
      "scope",
      credentialInput(
        auth,
        required(
          singleLine(),
          "is required for command 'report'; use the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
        ),
      ),
    ),
    tenantId: input("tenant-id", optional(tenancyOcid)),
    months: input("months", monthsInput(now), { default: "previous" }),
    granularity: input("granularity", oneOf<Granularity>(["MONTHLY", "DAILY"]), { default: "MONTHLY" }),
    queryType: input("query-type", oneOf<QueryType>(["COST", "USAGE"]), { default: "COST" }),
    groupBy: input("group-by", groupByList, {
      default: "service,skuPartNumber,skuName,unit,compartmentName,region",
    }),
    groupByTag: input("group-by-tag", optional(definedTag)),
    compartmentDepth: input("compartment-depth", optional(wholeNumber(1, 10, "a compartment depth"))),
    format: input("format", oneOf(["csv", "json", "both"] as const), { default: "both" }),
    focus: input("focus", booleanInput, { default: "false" }),
    focusVersion: input("focus-version", oneOf(FOCUS_VERSIONS), { default: "1.2" }),
    outputDir: input("output-dir", workspaceFolder, { default: "reports" }),
    currency: input("currency", optional(currencyCode)),
    commit: input("commit", booleanInput, { default: "false" }),
    commitBranch: input("commit-branch", optional(branchName)),
    commitMessage: input("commit-message", commitMessage, { default: "Usage report {months}" }),
    budget: input("budget", optional(budgetAmount)),
    budgetAction: input("budget-action", oneOf(["warn", "fail"] as const), { default: "warn" }),
    budgetOn: input("budget-on", oneOf<BudgetOn>(["actual", "forecast"]), { default: "actual" }),
    settleDays: input("settle-days", wholeNumber(0, MAX_SETTLE_DAYS, "a number of days"), { default: "2" }),
    timeBudget: input("time-budget", wholeNumber(1, MAX_TIME_BUDGET_MINUTES, "a number of minutes"), {
      default: "20",
    }),
    maxConcurrency: input("max-concurrency", wholeNumber(1, MAX_CONCURRENCY, "a number of requests"), {
      default: "4",
    }),
    summary: input("summary", booleanInput, { default: "true" }),
    comparePrevious: input("compare-previous", booleanInput, { default: "true" }),
    anomalyPercent: input("anomaly-percent", threshold("25"), { default: "25" }),
    anomalyAmount: input("anomaly-amount", threshold("100"), { default: "100" }),
  };
}

type ReportInputValues = InputValues<ReturnType<typeof reportInputTable>>;

/** The input names, keyed like the table (only names and defaults are read, so any date will do). */
export const INPUTS = inputNames(reportInputTable(new Date(0)));

/** Defaults, exactly as action.yml declares them (the runner fills them in; a bare `node dist/index.js` does not). */
export const DEFAULTS = inputDefaults(reportInputTable(new Date(0)));

/** The typed inputs from the table's values, once every row has passed. */
function assemble(values: ReportInputValues): ReportInputs {
  const {
    months,
    format,
    timeBudget,
    auth,
    githubAudience,
    tokenUrl,
    clientId,
    clientSecret,
    scope,
    ...rest
  } = values;
  return {
    ...rest,
    auth:
      auth === "github-oidc"
        ? { kind: auth, audience: githubAudience }
        : {
            kind: auth,
            tokenUrl: tokenUrl as string,
            clientId: clientId as string,
            clientSecret: clientSecret as string,
            scope: scope as string,
          },
    monthsSpec: months.spec,
    months: months.windows,
    csv: format === "csv" || format === "both",
    json: format === "json" || format === "both",
    timeBudgetMs: timeBudget * 60_000,
  };
}

/**
 * Read and validate every `report` input. `get` returns the raw input ("" when unset), like
 * core.getInput. The client secret is masked before anything else; all problems are reported at once,
 * in one line.
 */
export function readReportInputs(get: (name: string) => string, options: ReadOptions): ReportInputs {
  const problems = new InputProblems();
  const auth = new InputProblems().check(() => authKind(get("auth").trim() || "client-credentials", "auth"));
  const values = readInputTable(
    reportInputTable(options.now, auth ?? null),
    get,
    problems,
    options.setSecret,
  );
  problems.throwIfAny();
  return assemble(values as ReportInputValues);
}
