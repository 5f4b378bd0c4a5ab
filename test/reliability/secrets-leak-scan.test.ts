// The leak scan itself (test/support/leak-scan.ts, armed by test/setup/leak-scan.ts): the sandbox records
// every kind of secret it issues; a run that shows one, in any form and through any channel the action
// runner captures, is reported with the channel and the form; `::add-mask::` lines and a clean run are not;
// and a test file whose action run leaks fails on its own, through the setup file's afterEach, with no
// assertion of its own. The leaks come from a stand-in action script run by the same helper as the real
// bundle (runBuiltAction), never from a change to the action.
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecretKind } from "../../sandbox/core/issued-secrets.js";
import { issuedSecrets, type Sandbox, startSandbox } from "../../sandbox/index.js";
import { fetchToken, postUsage } from "../integration/helpers.js";
import { runBuiltAction } from "../support/action-runner.js";
import { namedSecretForms, scanCaptured } from "../support/leak-scan.js";

const root = resolve(import.meta.dirname, "../..");

/** Every kind the sandbox records (sandbox/core/issued-secrets.ts). */
const KINDS: readonly SecretKind[] = [
  "client secret",
  "client credentials (Basic)",
  "access token",
  "UPST",
  "RPST",
  "private key",
  "registry password",
  "registry credentials (Basic)",
  "registry token",
  "GitHub request token",
  "GitHub ID token",
];

/**
 * A stand-in action: writes each entry of LEAKS (JSON `[channel, text]` pairs) to its channel, stdout,
 * stderr, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, a workspace file or a file left in RUNNER_TEMP.
 */
const LEAKY_ACTION = `
const { appendFileSync } = require("node:fs");
const { join } = require("node:path");
for (const [channel, text] of JSON.parse(process.env.LEAKS || "[]")) {
  if (channel === "stdout") process.stdout.write(text + "\\n");
  else if (channel === "stderr") process.stderr.write(text + "\\n");
  else if (channel === "output") appendFileSync(process.env.GITHUB_OUTPUT, "leak<<EOF\\n" + text + "\\nEOF\\n");
  else if (channel === "summary") appendFileSync(process.env.GITHUB_STEP_SUMMARY, text + "\\n");
  else if (channel === "workspace") appendFileSync(join(process.env.GITHUB_WORKSPACE, "report.csv"), text + "\\n");
  else if (channel === "temp") appendFileSync(join(process.env.RUNNER_TEMP, "left-over.json"), text + "\\n");
}
const secret = process.env["INPUT_CLIENT-SECRET"];
if (process.env.LEAK_INPUT === "true") console.log("debug: client secret is " + secret);
`;
const CHANNELS = ["stdout", "stderr", "output", "summary", "workspace", "temp"] as const;
/** Where each channel shows in a finding's source. */
const SOURCE_OF: Record<(typeof CHANNELS)[number], RegExp> = {
  stdout: /: stdout$/,
  stderr: /: stderr$/,
  output: /: GITHUB_OUTPUT$/,
  summary: /: GITHUB_STEP_SUMMARY$/,
  workspace: /: workspace\/report\.csv$/,
  temp: /: temp\/left-over\.json$/,
};

/** A registry token as docker login gets one: the challenge of /v2/, then Basic at its realm. */
async function registryToken(sandbox: Sandbox): Promise<string> {
  const { endpoints } = sandbox;
  const challenge = (await fetch(`${sandbox.registry.url}/v2/`)).headers.get("www-authenticate") ?? "";
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1] ?? "";
  expect(realm, challenge).toBeDefined();
  const url = new URL(realm!);
  url.searchParams.set("service", service);
  url.searchParams.set("scope", `repository:${endpoints.ocirNamespace}/probe:pull,push`);
  const basic = Buffer.from(`${endpoints.ocirUsername}:${endpoints.ocirAuthToken}`).toString("base64");
  const res = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token ?? "";
}

describe("the leak scan", () => {
  let sandbox: Sandbox;
  let work: string;
  let entry: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    work = await mkdtemp(join(tmpdir(), "leak-scan-"));
    entry = join(work, "leaky-action.cjs");
    await writeFile(entry, LEAKY_ACTION);
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("knows every kind of secret the sandbox issues, once each is issued", async () => {
    const token = await fetchToken(sandbox.endpoints);
    expect((await postUsage(sandbox.endpoints, token, { granularity: "MONTHLY" })).status).toBeLessThan(500);
    await registryToken(sandbox);
    sandbox.github.job({ repository: sandbox.endpoints.githubRepository });
    await sandbox.github.mint({});
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    sandbox.authority.mintUpst({
      tenancyId: sandbox.endpoints.tenancyId,
      userId: "ocid1.user.oc1..x",
      publicKey,
    });

    const issued = issuedSecrets();
    expect(new Set(issued.map((s) => s.kind))).toEqual(new Set(KINDS));
    const values = new Map(issued.map((s) => [s.value, s.kind]));
    expect(values.get(sandbox.endpoints.clientSecret)).toBe("client secret");
    expect(values.get(token)).toBe("access token");
    expect(values.get(sandbox.endpoints.ocirAuthToken)).toBe("registry password");
    expect(values.get(sandbox.apiKeyUser.privateKeyPem)).toBe("private key");
    const basic = Buffer.from(`${sandbox.endpoints.clientId}:${sandbox.endpoints.clientSecret}`);
    expect(values.get(basic.toString("base64"))).toBe("client credentials (Basic)");
  });

  it("reports each secret, in each form and through each channel a run shows, naming the channel and the form", async () => {
    const issued = issuedSecrets();
    expect(issued.length).toBeGreaterThanOrEqual(KINDS.length);
    // Every secret leaks once, its forms and channels taken in turn, so every form and channel is tried.
    const plan = issued.map((secret, i) => {
      const forms = namedSecretForms(secret.value);
      const form = forms[i % forms.length]!;
      const channel = CHANNELS[i % CHANNELS.length]!;
      return { secret, form, channel };
    });
    const leaks = plan.map(({ form, channel }) => [channel, `note: ${form.value} ok`]);
    const run = await runBuiltAction(entry, {}, { env: { LEAKS: JSON.stringify(leaks) } });
    expect(run.code).toBe(0);

    const { findings, texts } = scanCaptured();
    expect(texts).toBeGreaterThanOrEqual(7); // stdout, stderr, the five GITHUB_* files, and the files
    for (const { secret, form, channel } of plan) {
      const hint = `${secret.value.slice(0, 4)}… (${secret.value.length} chars)`;
      const found = findings.filter((f) => f.kind === secret.kind && f.hint === hint && f.form === form.form);
      expect(
        found.map((f) => f.source),
        `${secret.kind} ${form.form} via ${channel}`,
      ).toContainEqual(expect.stringMatching(SOURCE_OF[channel]));
    }
    // A finding never carries the secret itself.
    for (const f of findings) for (const { value } of issued) expect(JSON.stringify(f)).not.toContain(value);
  });

  it("reports a secret input the run shows, and no ::add-mask:: line or clean run", async () => {
    const secret = `test-client-secret-${Date.now()}`;
    const masked = issuedSecrets().find((s) => s.kind === "access token")!.value;
    const clean = [
      ["stdout", `::add-mask::${masked}`],
      ["stdout", "month 2025-03: 12 rows"],
    ];
    const quiet = await runBuiltAction(
      entry,
      { "client-secret": secret },
      { env: { LEAKS: JSON.stringify(clean) } },
    );
    expect(quiet.stdout).toContain(masked);
    const none = scanCaptured();
    expect(none.texts).toBeGreaterThan(0);
    expect(none.findings).toEqual([]);

    await runBuiltAction(entry, { "client-secret": secret }, { env: { LEAK_INPUT: "true" } });
    const { findings } = scanCaptured();
    expect(findings.map((f) => [f.source, f.kind, f.form])).toEqual([
      ["action run: stdout", "input client-secret", "raw"],
    ]);
  });

  it("fails a test file whose run leaks, by the setup file alone, and passes its clean test", async () => {
    const fixture = await mkdtemp(join(tmpdir(), "leak-fixture-"));
    try {
      // The fixture resolves vitest through the repository's node_modules.
      await symlink(join(root, "node_modules"), join(fixture, "node_modules"), "dir");
      const config = {
        test: {
          include: ["leaky.fixture.ts"],
          setupFiles: [join(root, "test/setup/fetch-first.ts"), join(root, "test/setup/leak-scan.ts")],
          pool: "forks",
        },
      };
      await writeFile(join(fixture, "vitest.config.mjs"), `export default ${JSON.stringify(config)};\n`);
      await writeFile(join(fixture, "leaky.fixture.ts"), fixtureTest(entry));
      const out = await runVitest(fixture);
      expect(out.code, out.text).toBe(1);
      expect(out.text).toContain("leak scan: 1 finding(s)");
      expect(out.text).toMatch(/action run: stdout: input client-secret \S+… \(\d+ chars\), raw/);
      expect(out.text).toMatch(/1 failed \| 1 passed/);
    } finally {
      await rm(fixture, { recursive: true, force: true });
    }
  });
});

/** A test file with one leaking run and one clean one, and no assertion about secrets of its own. */
function fixtureTest(entry: string): string {
  const runner = join(root, "test/support/action-runner.ts");
  return `import { it, expect } from "vitest";
import { runBuiltAction } from ${JSON.stringify(runner)};
const entry = ${JSON.stringify(entry)};
it("leaks its secret input", async () => {
  const run = await runBuiltAction(entry, { "client-secret": "fixture-secret-4f0c9a" }, { env: { LEAK_INPUT: "true" } });
  expect(run.code).toBe(0);
});
it("shows nothing secret", async () => {
  const run = await runBuiltAction(entry, { "client-secret": "fixture-secret-4f0c9a" });
  expect(run.code).toBe(0);
});
`;
}

/** `vitest run` in `dir` with its own config; the exit code and the whole output. */
function runVitest(dir: string): Promise<{ code: number; text: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "--root",
        dir,
        "--config",
        join(dir, "vitest.config.mjs"),
      ],
      { cwd: dir, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, text }));
  });
}

/** This process's environment without the variables of the vitest run it is part of. */
function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
  return { ...env, NO_COLOR: "1", FORCE_COLOR: "0" };
}
