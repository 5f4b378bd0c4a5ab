// `npm run local-action` (@github/local-action running src/main.ts with a .env) against the sandbox, as
// docs/development.md tells a developer to run it: .env written by `npm run local-action:env`, the report
// written to the scratch workspace, and a registered secret shown masked wherever a log line has it, never
// as itself and never in an ::add-mask:: line.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { envValue, writeSandboxEnv } from "../../scripts/local-action-env.mjs";
import { expectNoSecret } from "../support/leak-scan.js";

const root = new URL("../..", import.meta.url).pathname;
/** How @github/local-action 7 prints a value registered with core.setSecret (a runner prints `***`). */
const LOCAL_MASK = "****";

interface LocalRun {
  code: number | null;
  output: string;
}

/** `npm run local-action` with the given .env, both streams together, without colours. */
function runLocalAction(envFile: string): Promise<LocalRun> {
  return new Promise((done, fail) => {
    const child = spawn("npm", ["run", "--silent", "local-action"], {
      cwd: root,
      env: { ...process.env, LOCAL_ACTION_ENV_FILE: envFile, FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, output }));
  });
}

describe("npm run local-action against the sandbox", () => {
  let sandbox: Sandbox;
  let dir: string;
  let envFile: string;
  let env: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    dir = await mkdtemp(join(tmpdir(), "local-action-"));
    const endpointsFile = join(dir, "endpoints.json");
    await writeFile(endpointsFile, JSON.stringify(sandbox.endpoints));
    envFile = join(dir, ".env");
    env = await writeSandboxEnv({ endpointsFile, out: envFile, base: dir });
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes .env from .env.example with the sandbox's inputs, readable by its owner only", async () => {
    expect(envValue(env, "INPUT_COMMAND")).toBe("report");
    expect(envValue(env, "INPUT_CLIENT-SECRET")).toBe(sandbox.endpoints.clientSecret);
    expect(envValue(env, "INPUT_ENDPOINT")).toBe(sandbox.endpoints.gatewayUrl);
    expect(envValue(env, "GITHUB_WORKSPACE")).toBe(join(dir, ".tmp/local-action"));
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
  });

  it("runs the report and shows no secret", async () => {
    const run = await runLocalAction(envFile);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/month \d{4}-\d{2}: \d+ rows in 1 page\(s\)/);
    expect(run.output).not.toContain("::error::");
    const workspace = envValue(env, "GITHUB_WORKSPACE")!;
    expect((await readdir(join(workspace, "reports"))).length).toBe(3);
    expect(await readFile(envValue(env, "GITHUB_STEP_SUMMARY")!, "utf8")).toContain("## OCI usage report");
    expectNoSecret([run.output], sandbox.endpoints.clientSecret);
  }, 120_000);

  it("masks a registered secret wherever a log line shows it, as a runner does", async () => {
    const { clientSecret } = sandbox.endpoints;
    // The secret pasted into the wrong input as well: the action masks it first, then quotes the bad value.
    const wrongInput = join(dir, "wrong-input.env");
    await writeFile(wrongInput, `${env}\nINPUT_GROUP-BY=${clientSecret}\n`, { mode: 0o600 });
    const run = await runLocalAction(wrongInput);
    const error = run.output.split("\n").find((line) => line.startsWith("::error::"));
    expect(error).toContain(`input 'group-by': '${LOCAL_MASK}' is not a Usage API dimension`);
    expectNoSecret([run.output], clientSecret);
    // The raw `node dist/index.js` recipe printed ::add-mask::<secret> lines; local-action prints none.
    expect(run.output).not.toContain("::add-mask::");
  }, 120_000);
});
