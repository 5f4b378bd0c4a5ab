import { describe, expect, it } from "vitest";
import { readActionYml } from "../../scripts/action-yml.mjs";
import { DEPLOY_OUTPUTS } from "../../src/deploy/inputs.js";
import { InputError } from "../../src/lib/errors.js";
import { formatExact } from "../../src/lib/money.js";
import { COMMAND_INPUT, DEFAULTS, INPUTS, OUTPUTS, readReportInputs } from "../../src/report/inputs.js";
import { SETUP_OUTPUTS } from "../../src/setup/inputs.js";

/** command and the report inputs (with their defaults), the outputs and `runs`, read from action.yml. */
function readReportSection() {
  const yml = readActionYml();
  return {
    reportSection: new Map(
      yml.inputs
        .filter((i) => i.section === "common" || i.section === "report")
        .map((i) => [i.name, i.default] as const),
    ),
    outputs: yml.outputs.map((o) => o.name),
    runs: yml.runs,
  };
}

describe("action.yml matches the code", () => {
  const yml = readReportSection();

  it("declares command and exactly the report inputs before the deploy section", () => {
    expect([...yml.reportSection.keys()].sort()).toEqual([COMMAND_INPUT, ...Object.values(INPUTS)].sort());
  });

  it("declares every default the code applies, with the same value, and no others", () => {
    for (const name of Object.values(INPUTS)) {
      expect({ name, default: yml.reportSection.get(name) }).toEqual({ name, default: DEFAULTS[name] });
    }
    expect(yml.reportSection.get(COMMAND_INPUT)).toBeUndefined();
  });

  it("declares the outputs the flow sets", () => {
    // deploy's and setup's outputs are declared in the same outputs map (their own tests check them).
    expect([...yml.outputs].sort()).toEqual(
      [...Object.values(OUTPUTS), ...Object.values(DEPLOY_OUTPUTS), ...Object.values(SETUP_OUTPUTS)].sort(),
    );
  });

  it("runs on node24 from dist/index.js", () => {
    expect(yml.runs).toMatchObject({ using: "node24", main: "dist/index.js" });
  });
});

const NOW = new Date("2026-03-15T10:00:00Z");
const GOOD: Record<string, string> = {
  endpoint: "https://gw.example.com/usage/",
  "token-url": "https://idcs-abc.identity.oraclecloud.com",
  "client-id": "client-1",
  "client-secret": "s3cret-value",
  scope: "https://usage.example.com/usage.read",
};

function read(overrides: Record<string, string>, secrets: string[] = []) {
  const values = { ...GOOD, ...overrides };
  return readReportInputs((name) => values[name] ?? "", { now: NOW, setSecret: (v) => secrets.push(v) });
}

describe("readReportInputs", () => {
  it("applies the documented defaults", () => {
    const inputs = read({});
    expect(inputs).toMatchObject({
      endpoint: "https://gw.example.com/usage",
      auth: {
        kind: "client-credentials",
        tokenUrl: "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token",
        clientId: "client-1",
        clientSecret: "s3cret-value",
        scope: "https://usage.example.com/usage.read",
      },
      monthsSpec: "previous",
      granularity: "MONTHLY",
      queryType: "COST",
      groupBy: ["service", "skuPartNumber", "skuName", "unit", "compartmentName", "region"],
      groupByTag: undefined,
      csv: true,
      json: true,
      focus: false,
      focusVersion: "1.2",
      outputDir: "reports",
      commit: false,
      commitMessage: "Usage report {months}",
      budget: undefined,
      budgetAction: "warn",
      timeBudgetMs: 20 * 60_000,
      summary: true,
      comparePrevious: true,
    });
    expect(inputs.months.map((m) => m.month)).toEqual(["2026-02"]);
    expect([formatExact(inputs.anomalyPercent), formatExact(inputs.anomalyAmount)]).toEqual(["25", "100"]);
  });

  it("masks the client secret as soon as it is read", () => {
    const secrets: string[] = [];
    read({}, secrets);
    expect(secrets).toEqual(["s3cret-value"]);
  });

  it("reads every value it is given", () => {
    const inputs = read({
      "token-url": "http://127.0.0.1:8080/custom/token",
      "tenant-id": "ocid1.tenancy.oc1..aaaaexample",
      months: "2025-11..2026-01",
      granularity: "daily",
      "query-type": "usage",
      "group-by": "service\nregion, resourceId",
      "group-by-tag": "Operations.CostCenter",
      "compartment-depth": "3",
      format: "csv",
      focus: "TRUE",
      "output-dir": "./out/reports/",
      currency: "eur",
      commit: "true",
      "commit-branch": "reports/usage",
      budget: "1250.50",
      "budget-action": "fail",
      "time-budget": "5",
      summary: "False",
      "compare-previous": "false",
      "anomaly-percent": "12.5",
      "anomaly-amount": "250",
    });
    expect(inputs).toMatchObject({
      auth: { tokenUrl: "http://127.0.0.1:8080/custom/token" },
      tenantId: "ocid1.tenancy.oc1..aaaaexample",
      granularity: "DAILY",
      queryType: "USAGE",
      groupBy: ["service", "region", "resourceId"],
      groupByTag: { namespace: "Operations", key: "CostCenter" },
      compartmentDepth: 3,
      csv: true,
      json: false,
      focus: true,
      outputDir: "out/reports",
      currency: "EUR",
      commit: true,
      commitBranch: "reports/usage",
      budgetAction: "fail",
      timeBudgetMs: 5 * 60_000,
      summary: false,
      comparePrevious: false,
    });
    expect(formatExact(inputs.budget!)).toBe("1250.5");
    expect([formatExact(inputs.anomalyPercent), formatExact(inputs.anomalyAmount)]).toEqual(["12.5", "250"]);
    expect(inputs.months.map((m) => m.month)).toEqual(["2025-11", "2025-12", "2026-01"]);
  });

  it.each([
    ["endpoint", "", "input 'endpoint': is required for command 'report'"],
    ["endpoint", "not a url", "input 'endpoint': 'not a url' is not a URL"],
    [
      "endpoint",
      "http://gw.example.com/usage",
      "must use https (http is allowed only for 127.0.0.1 and localhost)",
    ],
    ["endpoint", "ftp://gw.example.com/usage", "must be an https URL"],
    ["endpoint", "https://gw.example.com/usage?x=1", "must not have a query string or fragment"],
    ["endpoint", "https://user:pw@gw.example.com/usage", "input 'endpoint': must not contain credentials"],
    ["token-url", "", "input 'token-url': is required"],
    ["token-url", "http://idcs.example.com", "input 'token-url': 'http://idcs.example.com' must use https"],
    ["client-id", "", "input 'client-id': is required"],
    ["client-id", "a\u0007b", "input 'client-id': must not contain control characters"],
    ["client-secret", "", "input 'client-secret': is required"],
    [
      "scope",
      "",
      "input 'scope': is required for command 'report'; use the resource application's primary audience",
    ],
    [
      "tenant-id",
      "ocid1.compartment.oc1..x",
      "input 'tenant-id': 'ocid1.compartment.oc1..x' is not a tenancy OCID",
    ],
    [
      "months",
      "2026-13",
      "input 'months': '2026-13' is not a month; use previous, YYYY-MM, YYYY-MM..YYYY-MM or last-N",
    ],
    ["months", "2026-04", "input 'months': '2026-04' includes 2026-04, a future month"],
    ["months", "2026-01..2025-12", "input 'months': '2026-01..2025-12' is reversed"],
    ["months", "last-0", "input 'months': 'last-0' is not a month count"],
    ["months", "last-37", "at most 36 are allowed per run"],
    ["granularity", "HOURLY", "input 'granularity': 'HOURLY' is not allowed; use MONTHLY or DAILY"],
    ["query-type", "CREDIT", "input 'query-type': 'CREDIT' is not allowed; use COST or USAGE"],
    ["group-by", "service,price", "input 'group-by': 'price' is not a Usage API dimension"],
    ["group-by", "service,Service", "input 'group-by': 'service' is listed twice"],
    [
      "group-by-tag",
      "CostCenter",
      "input 'group-by-tag': 'CostCenter' is not a defined tag; use namespace.key",
    ],
    ["group-by-tag", "a.b,c.d", "input 'group-by-tag': the Usage API groups by one tag only"],
    [
      "compartment-depth",
      "0",
      "input 'compartment-depth': '0' is not a compartment depth; use a whole number from 1 to 10",
    ],
    ["compartment-depth", "2.5", "input 'compartment-depth': '2.5' is not a compartment depth"],
    ["format", "xml", "input 'format': 'xml' is not allowed; use csv or json or both"],
    ["focus", "yes", "input 'focus': 'yes' is not a boolean; use true or false"],
    ["focus-version", "1.3", "input 'focus-version': '1.3' is not allowed; use 1.2"],
    ["output-dir", "/tmp/reports", "input 'output-dir': '/tmp/reports' is absolute"],
    ["output-dir", "../elsewhere", "input 'output-dir': '../elsewhere' leaves the workspace"],
    ["output-dir", "a/../../b", "leaves the workspace"],
    ["currency", "dollars", "input 'currency': 'dollars' is not an ISO 4217 code"],
    ["commit", "1", "input 'commit': '1' is not a boolean"],
    ["commit-branch", "bad..name", "input 'commit-branch': 'bad..name' is not a valid branch name"],
    ["commit-branch", "-x", "input 'commit-branch': '-x' is not a valid branch name"],
    ["budget", "1,000", "input 'budget': '1,000' is not an amount; use a plain number"],
    ["budget", "-5", "input 'budget': '-5' is not an amount"],
    ["budget", "0", "input 'budget': must be greater than 0"],
    ["budget-action", "stop", "input 'budget-action': 'stop' is not allowed; use warn or fail"],
    [
      "time-budget",
      "0",
      "input 'time-budget': '0' is not a number of minutes; use a whole number from 1 to 350",
    ],
    ["time-budget", "400", "input 'time-budget': '400' is not a number of minutes"],
    ["summary", "maybe", "input 'summary': 'maybe' is not a boolean"],
    ["compare-previous", "nope", "input 'compare-previous': 'nope' is not a boolean"],
    [
      "anomaly-percent",
      "25%",
      "input 'anomaly-percent': '25%' is not a threshold; use a plain number above 0, e.g. 25",
    ],
    ["anomaly-percent", "0", "input 'anomaly-percent': '0' is not a threshold"],
    [
      "anomaly-amount",
      "-100",
      "input 'anomaly-amount': '-100' is not a threshold; use a plain number above 0, e.g. 100",
    ],
  ])("%s = %j fails with a message naming it", (name, value, message) => {
    let caught: unknown;
    try {
      read({ [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).input).toBe(name);
    expect((caught as Error).message).toContain(message);
    expect((caught as Error).message).not.toMatch(/\n/);
  });

  it("never echoes a URL that carries credentials", () => {
    expect(() => read({ "token-url": "https://id:topsecret@idcs.example.com" })).toThrow(
      /^input 'token-url': must not contain credentials/,
    );
    try {
      read({ "token-url": "https://id:topsecret@idcs.example.com" });
    } catch (err) {
      expect((err as Error).message).not.toContain("topsecret");
    }
  });

  it("reports every bad input at once, in one line", () => {
    expect(() => read({ months: "2026-13", format: "xml", "client-id": "" })).toThrow(
      /^input 'client-id': is required.*; input 'months': '2026-13' is not a month.*; input 'format': 'xml' is not allowed/,
    );
  });

  it("accepts 'none' for no grouping", () => {
    expect(read({ "group-by": "none" }).groupBy).toEqual([]);
  });
});
