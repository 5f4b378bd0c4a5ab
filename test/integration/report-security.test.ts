// Secrets and hostile text around the BUILT action: no credential in any log line (bar the ::add-mask::
// lines themselves), summary, output, report file or commit; wrong credentials and a token for another
// audience fail at once with a message that names the input to fix; text from outside never becomes a
// workflow command.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  errorLines,
  git,
  listFiles,
  maskedValues,
  runAction,
  sandboxInputs,
  type Workspace,
} from "./report-harness.js";

const JWT = /^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/;
/** A client secret with characters that URL and form encoding change. */
const WRONG_SECRET = "wr0ng/S3cret+with=chars&more é";
/** Workflow commands the action itself may print. */
const OWN_COMMANDS = /^::(add-mask|error|warning|debug|group|endgroup)::/;

/** application/x-www-form-urlencoded, as the Basic credentials' parts are encoded (RFC 6749 §2.3.1). */
const formEncode = (value: string) => new URLSearchParams([["", value]]).toString().slice(1);
const base64 = (value: string) => Buffer.from(value).toString("base64");

/** Every form a log or file could show a client secret in. */
function secretForms(clientId: string, secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    base64(secret),
    base64(`${clientId}:${secret}`),
    base64(`${formEncode(clientId)}:${formEncode(secret)}`),
  ];
}

/** The texts of a run that anyone can read: log lines (without the mask registrations), summary, outputs. */
function readable(run: ActionRun): string {
  return [
    ...run.lines.filter((line) => !line.startsWith("::add-mask::")),
    run.stderr,
    run.summary,
    run.outputFile,
  ].join("\n");
}

describe("secrets and hostile text around the built action", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  const workspaces: Workspace[] = [];

  async function workspace(): Promise<Workspace> {
    const ws = await createWorkspace();
    workspaces.push(ws);
    return ws;
  }

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([buildActionBundle(), startSandbox()]);
  });

  afterAll(async () => {
    await sandbox?.stop();
    for (const ws of workspaces) await ws.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sandbox.faults.clearAll();
  });

  it("masks every credential at once and leaves none in logs, summary, outputs, report files or the commit", async () => {
    const { endpoints } = sandbox;
    const ws = await workspace();
    const good = await runAction(
      bundle.entry,
      { ...sandboxInputs(endpoints), months: "2025-02..2025-03", focus: "true", commit: "true" },
      { workspace: ws.dir },
    );
    expect(good.code).toBe(0);
    // A token endpoint that echoes the Basic credentials and the secret in its error body.
    sandbox.faults.identity.script({
      type: "status",
      status: 400,
      code: "invalid_request",
      message: `Basic ${base64(`${endpoints.clientId}:${endpoints.clientSecret}`)} secret=${endpoints.clientSecret}`,
    });
    const echoed = await runAction(
      bundle.entry,
      { ...sandboxInputs(endpoints), months: "2025-02" },
      { workspace: ws.dir },
    );
    expect(echoed.code).toBe(1);
    const wrong = await runAction(
      bundle.entry,
      { ...sandboxInputs(endpoints), "client-secret": WRONG_SECRET, months: "2025-02" },
      { workspace: ws.dir },
    );
    expect(wrong.code).toBe(1);
    const otherAudience = await runAction(
      bundle.entry,
      { ...sandboxInputs(endpoints), scope: endpoints.otherScope, months: "2025-02" },
      { workspace: ws.dir },
    );
    expect(otherAudience.code).toBe(1);

    // What was registered: the secret, its encoded forms, the Basic credentials, and each access token.
    const masked = new Set([good, echoed, otherAudience].flatMap((run) => maskedValuesOf(run)));
    for (const form of secretForms(endpoints.clientId, endpoints.clientSecret).slice(0, 1))
      expect(masked).toContain(form);
    expect(masked).toContain(
      base64(`${formEncode(endpoints.clientId)}:${formEncode(endpoints.clientSecret)}`),
    );
    const tokens = [...masked].filter((value) => JWT.test(value));
    expect(tokens.length).toBeGreaterThanOrEqual(2); // the good run's and the other audience's
    for (const token of tokens) {
      const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
      expect(claims).toHaveProperty("aud");
    }
    // The token is masked before anything is sent with it.
    const firstMask = good.lines.findIndex((line) => JWT.test(line.slice("::add-mask::".length)));
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(good.lines.slice(0, firstMask).some((line) => line.startsWith("month "))).toBe(false);
    const wrongMasks = maskedValuesOf(wrong);
    expect(wrongMasks).toContain(WRONG_SECRET);
    expect(wrongMasks).toContain(formEncode(WRONG_SECRET));

    const forbidden = [
      ...secretForms(endpoints.clientId, endpoints.clientSecret),
      ...secretForms(endpoints.clientId, WRONG_SECRET),
      ...tokens,
    ];
    const texts = [good, echoed, wrong, otherAudience].map(readable);
    for (const file of await listFiles(ws.dir)) texts.push(await readFile(join(ws.dir, file), "utf8"));
    texts.push(git(ws.remote, "log", "-p", "--all", "--format=%an %ae %s %b"));
    expect(texts.join("\n")).toContain("month 2025-03"); // the scan reads real content
    for (const text of texts) for (const value of forbidden) expect(text.includes(value), value).toBe(false);
  });

  it("fails at once on invalid_client (a wrong secret), without a retry, naming client-id and client-secret", async () => {
    const ws = await workspace();
    const gatewayCalls = sandbox.gateway.stats.backendCalls;
    const run = await runAction(
      bundle.entry,
      { ...sandboxInputs(sandbox.endpoints), "client-secret": WRONG_SECRET, months: "2025-02" },
      { workspace: ws.dir },
    );
    expect(run.code).toBe(1);
    expect(sandbox.faults.identity.seen).toBe(1); // one token request: no retry
    expect(sandbox.gateway.stats.backendCalls).toBe(gatewayCalls);
    expect(run.stdout).not.toMatch(/retrying/);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("invalid_client (HTTP 401)");
    expect(errors[0]).toContain("check inputs 'client-id' and 'client-secret'");
    expect(await listFiles(join(ws.dir))).toEqual(["README.md"]);
  });

  it("gets a final 401 for a token of another audience and names input 'scope'", async () => {
    const ws = await workspace();
    const unauthorized = sandbox.gateway.stats.byStatus[401] ?? 0;
    const run = await runAction(
      bundle.entry,
      {
        ...sandboxInputs(sandbox.endpoints),
        scope: sandbox.endpoints.otherScope,
        months: "2025-02..2025-03",
      },
      { workspace: ws.dir },
    );
    expect(run.code).toBe(1);
    // One 401, one token refresh, one more 401: then the run stops (a fatal error skips later months).
    expect(sandbox.faults.identity.seen).toBe(2);
    expect((sandbox.gateway.stats.byStatus[401] ?? 0) - unauthorized).toBe(2);
    const errors = errorLines(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      "HTTP 401 Unauthorized even with a fresh token: input 'scope' must name the audience",
    );
    expect(errors[0]).toContain("2025-03 (not attempted after an earlier fatal error)");
    expect(run.summary).toMatch(/^- 2025-02: the endpoint answered HTTP 401/m);
  });

  it("never turns text from outside into a workflow command", async () => {
    const ws = await workspace();
    // The data set has formula-like tag values; the gateway also answers one page with a hostile message.
    sandbox.faults.gateway.script({
      type: "status",
      status: 400,
      code: "InvalidParameter",
      message: "bad\n::add-mask::public\n::warning::pwned\r\n::stop-commands::x\n::set-output name=total::0",
    });
    const run = await runAction(
      bundle.entry,
      {
        ...sandboxInputs(sandbox.endpoints),
        months: "2025-02..2025-03",
        "group-by": "service,compartmentName,tagValue",
        "group-by-tag": "Oracle-Tags.CreatedBy",
      },
      { workspace: ws.dir },
    );
    expect(run.code).toBe(1);
    expect(sandbox.faults.gateway.injected).toBe(1);
    const commands = run.lines.filter((line) => line.startsWith("::"));
    for (const line of commands) expect(line).toMatch(OWN_COMMANDS);
    // The hostile text reached the log only inside the action's own single-line messages.
    const hostile = run.lines.filter((line) => line.includes("pwned"));
    expect(hostile.length).toBeGreaterThan(0);
    for (const line of hostile)
      expect(line).toMatch(/^::(warning|error)::.*: bad ::add-mask::public ::warning::pwned /);
    expect(
      run.lines.some((line) => /^\s*::(add-mask::public|warning::pwned|stop-commands|set-output)/.test(line)),
    ).toBe(false);
    // Only secrets were registered as masks, and outputs hold only what the action set.
    for (const value of maskedValuesOf(run)) expect(value).not.toBe("public");
    expect(Object.keys(run.outputs).sort()).toEqual([
      "anomalies",
      "changed",
      "commit-sha",
      "currency",
      "files",
      "forecast",
      "months",
      "total",
    ]);
    expect(run.outputs.months).toBe('["2025-03"]');
    // Tag values are data: kept in JSON, neutralised in CSV, escaped in the summary.
    const csv = await readFile(join(ws.dir, "reports/2025-03/usage-monthly-cost.csv"), "utf8");
    expect(csv).toContain(`'=HYPERLINK(""http://example.invalid"",""x"")`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

function maskedValuesOf(run: ActionRun): string[] {
  return maskedValues(run.stdout);
}
