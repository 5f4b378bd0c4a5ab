// The BUILT action under injected faults. Retried faults (429, 5xx, connection resets at the identity
// domain, the gateway and the Usage API behind the function) must not change a single byte of the reports;
// a month that cannot be fetched fails the run, leaves no file (not even part of one) and no temp file,
// while the other months are written.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  errorLines,
  listFiles,
  runAction,
  sandboxInputs,
  snapshot,
  type Workspace,
} from "./report-harness.js";

const MONTHS = ["2025-03", "2025-04", "2025-05"];

/** Pages per month, from the run's log lines ("month 2025-03: 2013 rows in 7 page(s) -> …"). */
function pagesOf(run: ActionRun): Record<string, number> {
  const pages: Record<string, number> = {};
  for (const m of run.stdout.matchAll(/^month (\d{4}-\d{2}): \d+ rows in (\d+) page\(s\)/gm))
    pages[m[1]!] = Number(m[2]);
  return pages;
}

describe("the built action under injected faults", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  let clean: { ws: Workspace; run: ActionRun; files: Map<string, string> };
  const workspaces: Workspace[] = [];
  const inputs = () => ({ ...sandboxInputs(sandbox.endpoints), granularity: "DAILY" });

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([
      buildActionBundle(),
      // Small answers, so a month takes several round trips and a failure can land in the middle of one:
      // one Usage API page of 300 rows per function call. Quick retries inside the function.
      startSandbox({
        functionConfig: {
          UPSTREAM_PAGE_LIMIT: "300",
          RESPONSE_BUDGET_BYTES: "1024",
          RETRY_BASE_MS: "10",
          RETRY_MAX_DELAY_MS: "50",
        },
      }),
    ]);
    const ws = await createWorkspace();
    workspaces.push(ws);
    const run = await runAction(
      bundle.entry,
      { ...inputs(), months: "2025-03..2025-05" },
      { workspace: ws.dir },
    );
    expect(run.code).toBe(0);
    clean = { ws, run, files: await snapshot(join(ws.dir, "reports")) };
  });

  afterAll(async () => {
    await sandbox?.stop();
    for (const ws of workspaces) await ws.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sandbox.faults.clearAll();
  });

  it("spans several round trips per month in the clean run", () => {
    const pages = pagesOf(clean.run);
    expect(Object.keys(pages)).toEqual(MONTHS);
    for (const m of MONTHS) expect(pages[m]).toBeGreaterThanOrEqual(3);
  });

  it("writes the same bytes when the identity domain, the gateway and the Usage API throw 429, 5xx and resets", async () => {
    const { faults } = sandbox;
    faults.identity.script({ type: "status", status: 503 }, { type: "reset" });
    faults.gateway.script(
      { type: "status", status: 429, retryAfter: 1 },
      { type: "status", status: 502 },
      { type: "reset" },
    );
    faults.usage
      .script(
        { type: "status", status: 429, retryAfter: 0 },
        { type: "status", status: 500 },
        { type: "reset" },
      )
      .rate({ type: "status", status: 503 }, 0.2, 7);
    const ws = await createWorkspace();
    workspaces.push(ws);
    const run = await runAction(
      bundle.entry,
      { ...inputs(), months: "2025-03..2025-05" },
      { workspace: ws.dir },
    );

    expect(run.code).toBe(0);
    expect(faults.identity.injected).toBe(2);
    expect(faults.gateway.injected).toBe(3);
    expect(faults.usage.injected).toBeGreaterThan(3);
    // The action retried each of them and said so.
    expect(run.stdout).toMatch(/^token request attempt 1\/4 failed \(HTTP 503\); retrying in \d+ ms$/m);
    expect(run.stdout).toMatch(/^token request attempt 2\/4 failed \(network error/m);
    expect(run.stdout).toMatch(/^page 1: attempt 1\/6 failed \(HTTP 429\); retrying in \d+ ms$/m);
    expect(run.stdout).toMatch(/^page 1: attempt 2\/6 failed \(HTTP 502/m);
    expect(run.stdout).toMatch(/^page 1: attempt 3\/6 failed \(network error/m);

    expect(await snapshot(join(ws.dir, "reports"))).toEqual(clean.files);
    expect(run.outputs).toEqual(clean.run.outputs);
    expect(run.summary).toBe(clean.run.summary);
  });

  it("fails a month whose data cannot be fetched: no file and no temp file for it, the others written", async () => {
    const pages = pagesOf(clean.run);
    // The Usage API rejects the request for the second page of 2025-04: the first page of that month has
    // already been streamed into its temp files when the failure arrives.
    let usageCalls = 0;
    const failAt = pages["2025-03"]! + 2;
    sandbox.faults.usage
      .only(() => ++usageCalls === failAt)
      .rate(
        { type: "status", status: 400, code: "InvalidParameter", message: "Unable to process JSON input" },
        1,
      );
    const ws = await createWorkspace();
    workspaces.push(ws);
    const run = await runAction(
      bundle.entry,
      { ...inputs(), months: "2025-03..2025-05" },
      { workspace: ws.dir },
    );

    expect(sandbox.faults.usage.injected).toBe(1);
    expect(run.code).toBe(1);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^1 of 3 month\(s\) failed: 2025-04 \(endpoint answered HTTP 400 InvalidParameter: Unable to process JSON input/,
    );
    expect(errors[0]).not.toMatch(/\n/);
    expect(run.stdout).toMatch(/^::warning::month 2025-04 failed: /m);
    expect(JSON.parse(run.outputs.months!)).toEqual(["2025-03", "2025-05"]);
    expect(JSON.parse(run.outputs.files!)).toEqual([
      "reports/2025-03/usage-daily-cost.csv",
      "reports/2025-03/usage-daily-cost.json",
      "reports/2025-05/usage-daily-cost.csv",
      "reports/2025-05/usage-daily-cost.json",
    ]);
    // No partial file and no temp file; the months around it are exactly the clean run's.
    const written = await snapshot(join(ws.dir, "reports"));
    expect([...written.keys()]).toEqual([
      "2025-03/usage-daily-cost.csv",
      "2025-03/usage-daily-cost.json",
      "2025-05/usage-daily-cost.csv",
      "2025-05/usage-daily-cost.json",
    ]);
    expect(existsSync(join(ws.dir, "reports", "2025-04"))).toBe(false);
    for (const [file, hash] of written) expect(hash, file).toBe(clean.files.get(file));
    // The summary names the failed month.
    expect(run.summary).toContain("### Failed months");
    expect(run.summary).toMatch(/^- 2025-04: endpoint answered HTTP 400/m);
    expect(run.summary).toContain("1 month(s) failed; no file was written for them.");
  });

  it("keeps a month's earlier file as it was when that month fails on a re-run", async () => {
    const before = await snapshot(clean.ws.dir);
    let usageCalls = 0;
    sandbox.faults.usage
      .only(() => ++usageCalls === 2)
      .rate(
        { type: "status", status: 400, code: "InvalidParameter", message: "Unable to process JSON input" },
        1,
      );
    const run = await runAction(
      bundle.entry,
      { ...inputs(), months: "2025-04" },
      { workspace: clean.ws.dir },
    );
    expect(run.code).toBe(1);
    expect(sandbox.faults.usage.injected).toBe(1);
    expect(await snapshot(clean.ws.dir)).toEqual(before);
    expect((await listFiles(clean.ws.dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
