// Issue 9's whole path through the BUILT action, from a bare sandbox (a VCN with a subnet, the API-key user,
// the identity domain, the registry): `setup` creates the repository, application, gateway, dynamic group,
// policy and the two identity-domain apps; `deploy` runs with setup's outputs; `report` runs with setup's
// client and the secret from its 0600 file, and its totals equal the data set's. A second setup writes
// nothing, the secret shows nowhere but its file, and the local command does the same from an OCI config.
// With github-token, setup talks real HTTP to a loopback GitHub REST server: the secret arrives as a sealed
// box for the repository's key, the values as variables, and a re-run only reads.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BareSandbox, startSandbox } from "../../sandbox/index.js";
import { formatMicros } from "../../sandbox/usageapi/dataset.js";
import { buildAction } from "../../scripts/build.mjs";
import { formatExact, parseDecimal, sum } from "../../src/lib/money.js";
import {
  type ActionRun,
  deployInputsFromSetup,
  reportInputsFromSetup,
  runBuiltAction,
  sandboxSetupInputs,
} from "../support/action-runner.js";
import { type GithubRequest, type GithubRestServer, startGithubRest } from "../support/github-rest.js";
import { expectNoSecret } from "../support/leak-scan.js";

const MONTHS = ["2025-03", "2025-04", "2025-05"];

let work: string;
let dist: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "setup-flow-"));
  dist = join(work, "dist");
  await buildAction(dist);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function runAction(inputs: Record<string, string>, workspace?: string): Promise<ActionRun> {
  return runBuiltAction(join(dist, "index.js"), inputs, { workspace });
}

/** Every write any control plane, the Identity API or the identity domain's admin API was asked for. */
function writeCounts(s: BareSandbox): Record<string, number> {
  const planes = {
    functions: s.functions.stats,
    apigateway: s.apigateway.stats,
    artifacts: s.artifacts.stats,
    iam: s.iam.stats,
    identityDomains: s.identityDomains.stats,
  };
  return Object.fromEntries(
    Object.entries(planes).flatMap(([name, stats]) => [
      [`${name}.writes`, stats.writes],
      [`${name}.writeRequests`, stats.writeRequests],
    ]),
  );
}

/** The counts that changed, by how much. */
function diffCounts(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([name, n]) => n !== before[name])
      .map(([name, n]) => [name, n - (before[name] ?? 0)]),
  );
}

async function expectPrivateFile(path: string): Promise<string> {
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  return (await readFile(path, "utf8")).trim();
}

describe("setup -> deploy -> report through the built action, from a bare sandbox", () => {
  let sandbox: BareSandbox;
  let pem: string;
  let secretFile: string;
  let setupInputs: Record<string, string>;
  let first: ActionRun;
  let second: ActionRun;
  let secondWrites: Record<string, number>;

  beforeAll(async () => {
    sandbox = await startSandbox({
      bare: true,
      workRequestStepMs: 20,
      functionsLifecycleDelayMs: 20,
    });
    pem = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    secretFile = join(work, "action", "usage-api-report.client-secret");
    await mkdir(join(work, "action"), { recursive: true });
    setupInputs = { ...sandboxSetupInputs(sandbox.endpoints, pem, secretFile), "wait-timeout": "2" };
    first = await runAction(setupInputs);
    const before = writeCounts(sandbox);
    second = await runAction(setupInputs);
    secondWrites = diffCounts(before, writeCounts(sandbox));
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("setup creates everything from nothing and outputs what deploy and report need", () => {
    expect(first.errors).toEqual([]);
    expect(first.code).toBe(0);
    const o = first.outputs;
    expect(o["application-id"]).toMatch(/^ocid1\.fnapp\./);
    expect(o["gateway-id"]).toMatch(/^ocid1\.apigateway\./);
    expect(o.repository).toBe("usage-api");
    expect(o.audience).toMatch(/^https:\/\/\S+\/$/);
    expect(o.scope).toBe(`${o.audience}usage.read`);
    expect(o["client-id"]).not.toBe("");
    expect(o["identity-domain-url"]).toBe(sandbox.endpoints.identityUrl);
    expect(o.issuer).not.toBe("");
  });

  it("a second setup makes zero writes and gives the same outputs", () => {
    expect(second.errors).toEqual([]);
    expect(second.code).toBe(0);
    expect(secondWrites).toEqual({});
    expect(second.stdout).toMatch(/nothing to change/);
    for (const name of Object.keys(first.outputs)) expect(second.outputs[name]).toBe(first.outputs[name]);
  });

  it("deploy with setup's outputs, then report with setup's client: the totals equal the data set's", async () => {
    const e = sandbox.endpoints;
    const o = first.outputs;
    const deployed = await runAction({ ...deployInputsFromSetup(e, pem, o), "wait-timeout": "2" });
    expect(deployed.errors, deployed.stdout.slice(-3000)).toEqual([]);
    expect(deployed.code).toBe(0);

    const workspace = join(work, "report-ws");
    const secret = await expectPrivateFile(secretFile);
    const reported = await runAction(
      {
        ...reportInputsFromSetup(o, secret, deployed.outputs["deployment-endpoint"]!),
        months: `${MONTHS[0]}..${MONTHS.at(-1)}`,
      },
      workspace,
    );
    expect(reported.errors).toEqual([]);
    expect(reported.code).toBe(0);
    for (const m of MONTHS) {
      const report = JSON.parse(
        await readFile(join(workspace, `reports/${m}/usage-monthly-cost.json`), "utf8"),
      ) as { items: { computedAmount: number }[] };
      const total = sum(report.items.map((item) => parseDecimal(item.computedAmount)));
      expect(formatExact(total)).toBe(formatMicros(sandbox.dataset.totalMicros(m, "COST")));
    }
    expect(reported.outputs.total).toBe(formatMicros(sandbox.dataset.totalMicros("2025-05", "COST")));

    // Now that the function exists, setup narrows the dynamic group to its OCID (one update), then rests.
    let before = writeCounts(sandbox);
    const narrowed = await runAction(setupInputs);
    expect(narrowed.code).toBe(0);
    expect(diffCounts(before, writeCounts(sandbox))).toEqual({ "iam.writeRequests": 1, "iam.writes": 1 });
    expect(sandbox.iam.dynamicGroups().map((g) => g.matchingRule)).toEqual([
      `ALL {resource.type = 'fnfunc', resource.id = '${deployed.outputs["function-id"]}'}`,
    ]);
    before = writeCounts(sandbox);
    expect((await runAction(setupInputs)).code).toBe(0);
    expect(diffCounts(before, writeCounts(sandbox))).toEqual({});
  }, 240_000);

  it("the client secret shows in no log, output or summary, only in its 0600 file", async () => {
    const secret = await expectPrivateFile(secretFile);
    expect(secret.length).toBeGreaterThan(8);
    for (const run of [first, second])
      expectNoSecret([run.stdout, run.stderr, run.outputFile, run.summary], secret);
  });
});

/** `node <built>/cli.js …`: exit code and output. */
function runCli(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dist, "cli.js"), ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("the local command with an OCI config file and a profile", () => {
  let sandbox: BareSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ bare: true, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("creates everything, writes the secret to a 0600 file and prints the gh lines; a re-run writes nothing", async () => {
    const e = sandbox.endpoints;
    const home = join(work, "cli-home");
    await mkdir(home, { recursive: true });
    const config = join(home, "config");
    await writeFile(
      config,
      [
        "[DEFAULT]",
        "region = us-phoenix-1",
        "",
        "[SANDBOX]",
        `user = ${e.ociUserId}`,
        `fingerprint = ${e.ociFingerprint}`,
        `tenancy = ${e.tenancyId}`,
        `region = ${e.ociRegion}`,
        `key_file = ${e.ociPrivateKeyPath}`,
        "",
      ].join("\n"),
    );
    const secretFile = join(home, "client-secret");
    const args = [
      "setup",
      "--config-file",
      config,
      "--profile",
      "SANDBOX",
      "--oci-functions-endpoint",
      e.functionsUrl,
      "--oci-apigateway-endpoint",
      e.apigatewayUrl,
      "--oci-artifacts-endpoint",
      e.artifactsUrl,
      "--oci-identity-endpoint",
      e.iamUrl,
      "--compartment-id",
      e.compartmentId,
      "--subnet-id",
      e.subnetId,
      "--identity-domain-url",
      e.identityUrl,
      "--secret-file",
      secretFile,
      "--wait-timeout",
      "2",
    ];
    const run = await runCli(args, home);
    expect(run.code).toBe(0);
    const secret = await expectPrivateFile(secretFile);
    // The outputs go to stdout as name=value lines; the log and the gh lines to stderr.
    const outputs = Object.fromEntries(
      run.stdout
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(outputs["application-id"]).toMatch(/^ocid1\.fnapp\./);
    expect(outputs["identity-domain-url"]).toBe(e.identityUrl);
    const gh = run.stderr.split("\n").filter((line) => line.startsWith("  gh "));
    expect(gh).toEqual([
      `  gh secret set USAGE_CLIENT_SECRET < ${secretFile}`,
      `  gh variable set FN_APPLICATION_ID --body ${outputs["application-id"]}`,
      `  gh variable set API_GATEWAY_ID --body ${outputs["gateway-id"]}`,
      `  gh variable set IDENTITY_DOMAIN_URL --body ${e.identityUrl}`,
      `  gh variable set API_AUDIENCE --body ${outputs.audience}`,
      "  gh variable set API_REQUIRED_SCOPE --body usage.read",
      `  gh variable set USAGE_CLIENT_ID --body ${outputs["client-id"]}`,
      `  gh variable set USAGE_SCOPE --body ${outputs.scope}`,
    ]);
    expectNoSecret([run.stdout, run.stderr], secret);

    const before = writeCounts(sandbox);
    const again = await runCli(args, home);
    expect(again.code).toBe(0);
    expect(writeCounts(sandbox)).toEqual(before);
  });
});

/** A fault on the create call of one step: requests of that method and path only. */
interface StepFault {
  step: string;
  /** The step before it, which this run (the one after the previous fault) creates first. */
  done?: string;
  inject(s: BareSandbox): void;
  error: RegExp;
}

const onCreate = (pattern: RegExp) => (info: { method: string; path: string }) =>
  info.method === "POST" && pattern.test(info.path);
const unavailable = { type: "status", status: 503 } as const;
// IncorrectState (the default 409 code) is retried, as the SDK does; Conflict is not.
const conflict = { type: "status", status: 409, code: "Conflict" } as const;

const STEP_FAULTS: StepFault[] = [
  {
    step: "repository (409)",
    inject: (s) => s.artifacts.faults.only(onCreate(/\/container\/repositories$/)).script(conflict),
    error: /^CreateContainerRepository failed: HTTP 409 Conflict: /,
  },
  {
    step: "application (503, past the retries)",
    done: "repository usage-api",
    inject: (s) => s.faults.functions.only(onCreate(/\/applications$/)).script(...Array(5).fill(unavailable)),
    error: /^CreateApplication failed: HTTP 503 ServiceUnavailable: /,
  },
  {
    step: "gateway (409)",
    done: "application usage-api",
    inject: (s) => s.faults.apigateway.only(onCreate(/\/gateways$/)).script(conflict),
    error: /^CreateGateway failed: HTTP 409 Conflict: /,
  },
  {
    step: "dynamic group (409)",
    done: "gateway usage-api",
    inject: (s) => s.iam.faults.only(onCreate(/\/dynamicGroups$/)).script(conflict),
    error: /^CreateDynamicGroup failed: HTTP 409 Conflict: /,
  },
  {
    step: "policy (503, past the retries)",
    done: "dynamic group UsageApiFunction",
    inject: (s) => s.iam.faults.only(onCreate(/\/policies$/)).script(...Array(5).fill(unavailable)),
    error: /^CreatePolicy failed: HTTP 503 ServiceUnavailable: /,
  },
  {
    step: "resource app (409)",
    done: "policy UsageApiAction",
    inject: (s) => s.identityDomains.faults.only(onCreate(/\/Apps$/)).script(conflict),
    error: /^CreateApp failed: HTTP 409 Conflict: /,
  },
  {
    step: "client app (503, past the retries)",
    done: "resource app usage-api",
    inject: (s) => {
      // The resource app's create (the run's first POST /Apps) goes through; the client app's does not.
      let creates = 0;
      const isCreate = onCreate(/\/Apps$/);
      s.identityDomains.faults
        .only((info) => isCreate(info) && ++creates > 1)
        .script(...Array(5).fill(unavailable));
    },
    error: /^CreateApp failed: HTTP 503 ServiceUnavailable: /,
  },
];

describe("a fault in each step in turn: one clear line, and the next run goes on from there", () => {
  let sandbox: BareSandbox;
  let inputs: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ bare: true, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    const pem = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    await mkdir(join(work, "faults"), { recursive: true });
    inputs = {
      ...sandboxSetupInputs(sandbox.endpoints, pem, join(work, "faults", "secret")),
      "wait-timeout": "2",
    };
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("each run fails at the next step only, then a clean run converges and the one after writes nothing", async () => {
    // The faults fire only on their step's create call, in setup's order: reaching the next one means the
    // run went past every step the previous run failed at.
    for (const fault of STEP_FAULTS) {
      fault.inject(sandbox);
      const run = await runAction(inputs);
      expect(run.code, fault.step).toBe(1);
      expect(run.errors, `${fault.step}\n${run.stdout.slice(-2000)}`).toHaveLength(1);
      expect(run.errors[0], fault.step).toMatch(fault.error);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at [\w.<>]+ \(/);
      if (fault.done) expect(run.stdout, fault.step).toMatch(new RegExp(`^${fault.done}: created `, "m"));
      for (const injector of [
        sandbox.artifacts.faults,
        sandbox.faults.functions,
        sandbox.faults.apigateway,
        sandbox.iam.faults,
        sandbox.identityDomains.faults,
      ])
        injector.clear();
    }
    const converged = await runAction(inputs);
    expect(converged.errors).toEqual([]);
    expect(converged.code).toBe(0);
    const before = writeCounts(sandbox);
    expect((await runAction(inputs)).code).toBe(0);
    expect(diffCounts(before, writeCounts(sandbox))).toEqual({});
  }, 240_000);

  it("a gateway whose work request fails ends the run with its lifecycleDetails, and so does the next run", async () => {
    const other = await startSandbox({ bare: true, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    try {
      const pem = await readFile(other.endpoints.ociPrivateKeyPath, "utf8");
      other.apigateway.failNext("the subnet has no free addresses (injected)");
      const run = await runAction({
        ...sandboxSetupInputs(other.endpoints, pem, join(work, "faults", "secret-2")),
        "wait-timeout": "2",
      });
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(/FAILED: the subnet has no free addresses \(injected\)/);
      // The next run finds it FAILED and says what to do: setup never deletes.
      const next = await runAction({
        ...sandboxSetupInputs(other.endpoints, pem, join(work, "faults", "secret-2")),
        "wait-timeout": "2",
      });
      expect(next.code).toBe(1);
      expect(next.errors).toHaveLength(1);
      expect(next.errors[0]).toMatch(
        /^gateway usage-api \(\S+\) is FAILED: the subnet has no free addresses \(injected\); delete it in the console \(setup never deletes\) and re-run setup/,
      );
    } finally {
      await other.stop();
    }
  }, 120_000);
});

describe("setup with github-token: the secret and the values go to a (loopback) GitHub repository", () => {
  const token = `github_pat_${randomBytes(12).toString("hex")}`;
  const repository = "octo/usage";
  let sandbox: BareSandbox;
  let github: GithubRestServer;
  let keyPair: { publicKey: Uint8Array; privateKey: Uint8Array };
  let workspace: string;
  let first: ActionRun;
  let second: ActionRun;
  let secondRequests: GithubRequest[];
  let wrongToken: ActionRun;
  let wrongTokenRequests: GithubRequest[];

  beforeAll(async () => {
    await sodium.ready;
    keyPair = sodium.crypto_box_keypair();
    github = await startGithubRest({
      token,
      repository,
      publicKey: { keyId: "3380204578043523366", key: Buffer.from(keyPair.publicKey).toString("base64") },
    });
    sandbox = await startSandbox({ bare: true, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    const pem = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    workspace = join(work, "github-ws");
    await mkdir(workspace, { recursive: true });
    const inputs = {
      ...sandboxSetupInputs(sandbox.endpoints, pem, ""),
      "secret-file": "",
      "github-token": token,
      "wait-timeout": "2",
    };
    const env = { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: repository };
    first = await runBuiltAction(join(dist, "index.js"), inputs, { workspace, env });
    const seen = github.requests.length;
    second = await runBuiltAction(join(dist, "index.js"), inputs, { workspace, env });
    secondRequests = github.requests.slice(seen);
    const wrongInputs = { ...inputs, "github-token": `github_pat_${randomBytes(12).toString("hex")}` };
    wrongToken = await runBuiltAction(join(dist, "index.js"), wrongInputs, { workspace, env });
    wrongTokenRequests = github.requests.slice(seen + secondRequests.length);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    await github?.close();
  });

  /** The client secret the identity domain holds for setup's client app. */
  function clientSecret(): string {
    const app = sandbox.identityDomains.apps().find((a) => a.name === first.outputs["client-id"]);
    expect(app?.clientSecret).toEqual(expect.any(String));
    return app!.clientSecret as string;
  }

  it("every request carries the token, and setup succeeds", () => {
    expect(first.errors).toEqual([]);
    expect(first.code).toBe(0);
    expect(second.errors).toEqual([]);
    expect(second.code).toBe(0);
    const runs = github.requests.slice(0, github.requests.length - wrongTokenRequests.length);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => !r.authorized)).toEqual([]);
  });

  it("a token GitHub refuses (401) fails the run with one line that says what the token needs", () => {
    expect(wrongToken.code).toBe(1);
    expect(wrongTokenRequests.map((r) => [r.method, r.authorized])).toEqual([["GET", false]]);
    expect(wrongToken.errors).toHaveLength(1);
    expect(wrongToken.errors[0]).toMatch(
      /^GitHub read secret USAGE_CLIENT_SECRET failed: HTTP 401: .*github-token must be allowed to write this repository's Actions secrets and variables/,
    );
    expect(wrongToken.errors[0]).not.toContain("\n");
  });

  it("the secret PUT is a sealed box of the identity domain's client secret, for the repository's key", () => {
    const puts = github.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.path)).toEqual([`/repos/${repository}/actions/secrets/USAGE_CLIENT_SECRET`]);
    expect(puts[0]!.body?.key_id).toBe("3380204578043523366");
    const sealed = Buffer.from(String(puts[0]!.body?.encrypted_value), "base64");
    const opened = sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey);
    expect(Buffer.from(opened).toString("utf8")).toBe(clientSecret());
  });

  it("the variables hold setup's outputs, under the names the workflows read", () => {
    const o = first.outputs;
    expect(Object.fromEntries(github.variables)).toEqual({
      FN_APPLICATION_ID: o["application-id"],
      API_GATEWAY_ID: o["gateway-id"],
      IDENTITY_DOMAIN_URL: o["identity-domain-url"],
      API_AUDIENCE: o.audience,
      API_REQUIRED_SCOPE: "usage.read",
      USAGE_CLIENT_ID: o["client-id"],
      USAGE_SCOPE: o.scope,
    });
    expect(o.scope).toBe(`${o.audience}usage.read`);
  });

  it("a re-run with nothing changed only reads from GitHub", () => {
    expect(secondRequests.length).toBeGreaterThan(0);
    expect(secondRequests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("no secret file is written, and neither the secret nor the token shows in any log, output or summary", async () => {
    expect(await readdir(workspace)).toEqual([]);
    for (const run of [first, second, wrongToken]) {
      const texts = [run.stdout, run.stderr, run.outputFile, run.summary];
      expectNoSecret(texts, clientSecret());
      expectNoSecret(texts, token);
    }
  });
});
