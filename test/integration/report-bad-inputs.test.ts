// Every bad input of the `report` command, through the BUILT action: the run fails before any request,
// with one ::error:: line that names the input and says how to fix it.
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import {
  buildActionBundle,
  createWorkspace,
  errorLines,
  listFiles,
  runAction,
  sandboxInputs,
  type Workspace,
} from "./report-harness.js";

const SYNTAX = "use previous, YYYY-MM, YYYY-MM..YYYY-MM or last-N";

/** [inputs, the whole ::error:: text (a string) or a pattern for it]. */
const CASES: Array<[Record<string, string>, string | RegExp]> = [
  [{ command: "reprot" }, "input 'command': 'reprot' is not a command; use report, deploy or setup"],
  [{ command: "" }, "input 'command': is required; use report, deploy or setup"],
  [{ months: "2026-13" }, `input 'months': '2026-13' is not a month; ${SYNTAX}`],
  [{ months: "March" }, `input 'months': 'March' is not a month; ${SYNTAX}`],
  [
    { months: "2025-05..2025-03" },
    "input 'months': '2025-05..2025-03' is reversed; write the earlier month first (2025-03..2025-05)",
  ],
  [{ months: "last-40" }, "input 'months': 'last-40' asks for 40 months; at most 36 are allowed per run"],
  [
    { months: "2999-01" },
    /^input 'months': '2999-01' includes 2999-01, a future month \(now is \d{4}-\d{2} UTC\); use months up to the current one$/,
  ],
  [{ granularity: "WEEKLY" }, "input 'granularity': 'WEEKLY' is not allowed; use MONTHLY or DAILY"],
  [{ "query-type": "FORECAST" }, "input 'query-type': 'FORECAST' is not allowed; use COST or USAGE"],
  [{ format: "xml" }, "input 'format': 'xml' is not allowed; use csv or json or both"],
  [
    { endpoint: "" },
    "input 'endpoint': is required for command 'report'; set it to the gateway deployment URL, e.g. https://…/usage",
  ],
  [
    { endpoint: "http://gateway.example.com/usage" },
    "input 'endpoint': 'http://gateway.example.com/usage' must use https (http is allowed only for 127.0.0.1 and localhost)",
  ],
  [
    { endpoint: "https://user:hunter2@gateway.example.com/usage" },
    "input 'endpoint': must not contain credentials (user:password@); pass them in 'client-id' and 'client-secret'",
  ],
  [
    { endpoint: "https://gateway.example.com/usage?x=1" },
    "input 'endpoint': 'https://gateway.example.com/usage?x=1' must not have a query string or fragment",
  ],
  [
    { "token-url": "idcs-123" },
    "input 'token-url': 'idcs-123' is not a URL; use the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com",
  ],
  [
    { "client-id": "" },
    "input 'client-id': is required for command 'report'; set it to the confidential application's client ID",
  ],
  [
    { "client-secret": "" },
    "input 'client-secret': is required for command 'report'; pass it from a repository or environment secret",
  ],
  [
    { scope: "" },
    "input 'scope': is required for command 'report'; use the resource application's primary audience followed by the scope name, e.g. https://usage.example.com/usage.read",
  ],
  [
    { "tenant-id": "my-tenancy" },
    "input 'tenant-id': 'my-tenancy' is not a tenancy OCID; use ocid1.tenancy.oc1..… or leave it empty",
  ],
  [
    { "group-by": "service,colour" },
    /^input 'group-by': 'colour' is not a Usage API dimension; use a comma-separated list of tagNamespace, tagKey, .*, tenantName \(or none\)$/,
  ],
  [
    { "group-by": "service,Service" },
    "input 'group-by': 'service' is listed twice; list each dimension once",
  ],
  [
    { "group-by-tag": "ops.Env,ops.Team" },
    "input 'group-by-tag': the Usage API groups by one tag only; give a single namespace.key",
  ],
  [
    { "group-by-tag": "Environment" },
    "input 'group-by-tag': 'Environment' is not a defined tag; use namespace.key, e.g. Operations.CostCenter",
  ],
  [
    { "compartment-depth": "11" },
    "input 'compartment-depth': '11' is not a compartment depth; use a whole number from 1 to 10",
  ],
  [{ focus: "yes" }, "input 'focus': 'yes' is not a boolean; use true or false"],
  [{ "focus-version": "1.3" }, "input 'focus-version': '1.3' is not allowed; use 1.2"],
  [
    { "output-dir": "../elsewhere" },
    "input 'output-dir': '../elsewhere' leaves the workspace; use a folder inside it, e.g. reports",
  ],
  [
    { "output-dir": "/tmp/reports" },
    "input 'output-dir': '/tmp/reports' is absolute; use a folder relative to the workspace, e.g. reports",
  ],
  [{ currency: "EURO" }, "input 'currency': 'EURO' is not an ISO 4217 code; use e.g. USD or EUR"],
  [{ commit: "1" }, "input 'commit': '1' is not a boolean; use true or false"],
  [
    { "commit-branch": "reports..old" },
    "input 'commit-branch': 'reports..old' is not a valid branch name; use e.g. main or reports",
  ],
  [
    { budget: "-5" },
    "input 'budget': '-5' is not an amount; use a plain number in the report currency, e.g. 1000 or 1250.50",
  ],
  [{ budget: "0" }, "input 'budget': must be greater than 0; leave it empty for no budget"],
  [{ "budget-action": "explode" }, "input 'budget-action': 'explode' is not allowed; use warn or fail"],
  [
    { "time-budget": "0" },
    "input 'time-budget': '0' is not a number of minutes; use a whole number from 1 to 350",
  ],
  [{ summary: "off" }, "input 'summary': 'off' is not a boolean; use true or false"],
  [{ "compare-previous": "maybe" }, "input 'compare-previous': 'maybe' is not a boolean; use true or false"],
  [
    { granularity: "HOURLY", format: "pdf" },
    "input 'granularity': 'HOURLY' is not allowed; use MONTHLY or DAILY; input 'format': 'pdf' is not allowed; use csv or json or both",
  ],
];

describe("bad inputs through the built action", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let ws: Workspace;

  beforeAll(async () => {
    [bundle, sandbox, ws] = await Promise.all([buildActionBundle(), startSandbox(), createWorkspace()]);
  });

  afterAll(async () => {
    await sandbox?.stop();
    await ws?.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  it.each(CASES)("%j fails with its one-line message and sends nothing", async (bad, expected) => {
    const run = await runAction(
      bundle.entry,
      { ...sandboxInputs(sandbox.endpoints), ...bad },
      { workspace: ws.dir },
    );
    expect(run.code).toBe(1);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    if (typeof expected === "string") expect(errors[0]).toBe(expected);
    else expect(errors[0]).toMatch(expected);
    // Nothing was asked of anyone, nothing was written, and no credential was printed.
    expect(sandbox.faults.identity.seen).toBe(0);
    expect(sandbox.gateway.stats.backendCalls).toBe(0);
    expect(await listFiles(ws.dir)).toEqual(["README.md"]);
    expect(run.outputFile).toBe("");
    expect(run.stdout).not.toContain("hunter2");
  });
});
