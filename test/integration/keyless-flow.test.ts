// Issue 14's keyless path through the BUILT action, on a bare sandbox with its GitHub OIDC issuer: a first
// `setup` with the API key creates the trust (keyless: true) and stores the exchange client as Actions secrets
// in a loopback GitHub repository; then `deploy` runs with no OCI API key and no OCIR token anywhere in its
// environment or inputs (only the job's OIDC token and the trust's OAuth client), and `report` runs with no
// secret of any kind. The refusals say what is wrong and change nothing on the OCI side, and no token, key or
// secret of the session shows anywhere but on the runner's ::add-mask:: lines.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "libsodium-wrappers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BareSandbox, startSandbox } from "../../sandbox/index.js";
import { buildAction } from "../../scripts/build.mjs";
import { decodeClaims } from "../../src/lib/github-oidc.js";
import {
  type ActionRun,
  deployInputsFromSetup,
  maskedValues,
  runBuiltAction,
  sandboxSetupInputs,
} from "../support/action-runner.js";
import { type GithubRestServer, startGithubRest } from "../support/github-rest.js";
import { expectNoSecret } from "../support/leak-scan.js";

const MONTHS = "2025-03..2025-04";
const API_KEY_INPUTS = ["oci-tenancy", "oci-user", "oci-fingerprint", "oci-private-key"];

let work: string;
let dist: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "keyless-flow-"));
  dist = join(work, "dist");
  await buildAction(dist);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every write the control planes, the Identity API and the identity domain's admin API were asked for. */
function writeCounts(s: BareSandbox): Record<string, number> {
  const planes = {
    functions: s.functions.stats,
    apigateway: s.apigateway.stats,
    artifacts: s.artifacts.stats,
    iam: s.iam.stats,
    identityDomains: s.identityDomains.stats,
  };
  return Object.fromEntries(Object.entries(planes).map(([name, stats]) => [name, stats.writeRequests]));
}

/** Accepted writes of the Functions and API Gateway control planes, by who signed them. */
function writersOf(s: BareSandbox): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stats of [s.functions.stats, s.apigateway.stats]) {
    for (const [who, n] of Object.entries(stats.writesBy)) counts[who] = (counts[who] ?? 0) + n;
  }
  return counts;
}

function diffWriters(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([who, n]) => n !== (before[who] ?? 0))
      .map(([who, n]) => [who, n - (before[who] ?? 0)]),
  );
}

/** A runner's token route that hands out `token` to its own request token (for tokens the issuer never gives). */
async function fakeRunner(
  token: () => Promise<string>,
): Promise<{ env: Record<string, string>; server: Server }> {
  const requestToken = randomBytes(16).toString("hex");
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      res.writeHead(401).end();
      return;
    }
    void token().then((value) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/_apis/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
  };
}

describe("keyless: setup with an API key once, then deploy with no key and report with no secret", () => {
  const githubToken = `github_pat_${randomBytes(12).toString("hex")}`;
  let sandbox: BareSandbox;
  let github: GithubRestServer;
  let keyPair: { publicKey: Uint8Array; privateKey: Uint8Array };
  let repository: string;
  let setup: ActionRun;
  let setupAgain: ActionRun;
  let oidcClientId: string;
  let oidcClientSecret: string;
  let deployInputs: Record<string, string>;
  let deploy: ActionRun;
  let deployWriters: Record<string, number>;
  let report: ActionRun;
  let reportDir: string;
  const runners: Server[] = [];

  function openSecret(name: string): string {
    const stored = github.secrets.get(name);
    expect(stored, `setup stored the Actions secret ${name}`).toBeDefined();
    const sealed = Buffer.from(stored!.encrypted_value, "base64");
    return Buffer.from(sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey)).toString(
      "utf8",
    );
  }

  function jobEnv(job: Parameters<BareSandbox["github"]["job"]>[0]): Record<string, string> {
    return { ...sandbox.github.job(job).env, GITHUB_REPOSITORY: job.repository };
  }

  function run(inputs: Record<string, string>, env: Record<string, string>, workspace?: string) {
    return runBuiltAction(join(dist, "index.js"), inputs, { env, workspace });
  }

  /** A run that must fail and write nothing on the OCI side. */
  async function refused(inputs: Record<string, string>, env: Record<string, string>): Promise<ActionRun> {
    const before = writeCounts(sandbox);
    const result = await run(inputs, env);
    expect(writeCounts(sandbox)).toEqual(before);
    expect(result.code).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).not.toContain("\n");
    return result;
  }

  beforeAll(async () => {
    await sodium.ready;
    keyPair = sodium.crypto_box_keypair();
    sandbox = await startSandbox({ bare: true, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    repository = sandbox.endpoints.githubRepository;
    github = await startGithubRest({
      token: githubToken,
      repository,
      publicKey: { keyId: "568250167242549743", key: Buffer.from(keyPair.publicKey).toString("base64") },
    });
    const pem = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    const setupInputs = {
      ...sandboxSetupInputs(sandbox.endpoints, pem, ""),
      "secret-file": "",
      "github-token": githubToken,
      keyless: "true",
      "github-oidc-issuer": sandbox.endpoints.githubOidcIssuer,
      "wait-timeout": "2",
    };
    const setupEnv = { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: repository };
    setup = await run(setupInputs, setupEnv);
    setupAgain = await run(setupInputs, setupEnv);
    oidcClientId = openSecret("OIDC_CLIENT_ID");
    oidcClientSecret = openSecret("OIDC_CLIENT_SECRET");

    const fromSetup = deployInputsFromSetup(sandbox.endpoints, pem, setup.outputs);
    for (const name of [...API_KEY_INPUTS, "registry-username", "registry-password"]) delete fromSetup[name];
    deployInputs = {
      ...fromSetup,
      "oci-auth": "oidc",
      "oidc-client-id": oidcClientId,
      "oidc-client-secret": oidcClientSecret,
      "github-repositories": repository,
      "github-oidc-issuer": sandbox.endpoints.githubOidcIssuer,
      "wait-timeout": "60",
    };
    const before = writersOf(sandbox);
    deploy = await run(deployInputs, jobEnv({ repository }));
    deployWriters = diffWriters(before, writersOf(sandbox));

    reportDir = join(work, "report-ws");
    await mkdir(reportDir, { recursive: true });
    report = await run(
      {
        command: "report",
        auth: "github-oidc",
        endpoint: deploy.outputs["github-endpoint"] ?? "",
        months: MONTHS,
        "output-dir": "reports",
      },
      jobEnv({ repository, workflow: "report" }),
      reportDir,
    );
  }, 300_000);

  afterAll(async () => {
    for (const server of runners) server.close();
    await github?.close();
    await sandbox?.stop();
  });

  it("setup creates the trust for this repository's main branch, and a re-run writes nothing", () => {
    expect(setup.errors).toEqual([]);
    expect(setup.code).toBe(0);
    expect(setupAgain.errors).toEqual([]);
    const trusts = sandbox.identityDomains.trusts();
    expect(trusts).toHaveLength(1);
    expect(trusts[0]?.issuer).toBe(sandbox.endpoints.githubOidcIssuer);
    expect(trusts[0]?.oauthClients).toEqual([oidcClientId]);
    expect(JSON.stringify(trusts[0])).toContain(`repo:${repository}:ref:refs/heads/main`);
  });

  it("deploy runs with no OCI API key and no registry token: the trust's OAuth client is its only credential", () => {
    for (const name of [...API_KEY_INPUTS, "registry-username", "registry-password"]) {
      expect(deployInputs[name]).toBeUndefined();
    }
    expect(deploy.errors).toEqual([]);
    expect(deploy.code).toBe(0);
    expect(deploy.outputs["function-id"]).toMatch(/^ocid1\.fnfunc\./);
    expect(deploy.outputs["github-endpoint"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage-github$/);
    // The function and the deployments were written in the trust's service user's session, and only so.
    const serviceUser = sandbox.identityDomains.users().find((u) => u.userName === "usage-api-deployer");
    expect(serviceUser?.ocid).toMatch(/^ocid1\.user\./);
    expect(Object.keys(deployWriters)).toEqual([`session:${serviceUser?.ocid}`]);
    expect(deployWriters[`session:${serviceUser?.ocid}`]).toBeGreaterThanOrEqual(3);
  });

  it("report runs with no secret of any kind and writes its files", async () => {
    expect(report.errors).toEqual([]);
    expect(report.code).toBe(0);
    const files = (await readdir(join(reportDir, "reports"), { recursive: true })).map(String).sort();
    expect(files.filter((f) => f.endsWith(".csv"))).toHaveLength(2);
    const csv = await readFile(join(reportDir, "reports", "2025-03", "usage-monthly-cost.csv"), "utf8");
    expect(csv.split("\n").length).toBeGreaterThan(2);
  });

  it("masks the GitHub token, the session token, the ephemeral key and the registry token, and shows them nowhere", async () => {
    const masked = [
      ...maskedValues(setup.stdout),
      ...maskedValues(deploy.stdout),
      ...maskedValues(report.stdout),
    ];
    const kinds = masked.map((value) => {
      if (value.includes("PRIVATE KEY")) return "key";
      const claims = decodeClaims(value);
      if (claims.iss === sandbox.endpoints.githubOidcIssuer) return "github";
      if (claims.ptype === "user") return "upst";
      return "other";
    });
    expect(kinds).toContain("github");
    expect(kinds).toContain("upst");
    expect(kinds).toContain("key");
    // The registry token OCIR's token service gave for the signed request, as deploy logged in with it.
    const registryTokens = sandbox.registry.stats.tokenRequests
      .map((r) => /^Basic (.+)$/.exec(r.authorization ?? "")?.[1])
      .map((basic) => (basic ? Buffer.from(basic, "base64").toString("utf8") : ""))
      .filter((login) => login.startsWith("BEARER_TOKEN:"))
      .map((login) => login.slice("BEARER_TOKEN:".length));
    expect(registryTokens.length).toBeGreaterThan(0);
    for (const token of registryTokens) expect(masked).toContain(token);
    expect(masked).toContain(oidcClientSecret);
    const texts = [setup, setupAgain, deploy, report].flatMap((r) => [
      r.stdout,
      r.stderr,
      r.summary,
      r.outputFile,
    ]);
    expectNoSecret(texts, [...masked, oidcClientSecret, githubToken]);
  });

  describe("refusals: a clear message each, and nothing changed on the OCI side", () => {
    it("a deploy from another repository", async () => {
      const result = await refused(deployInputs, jobEnv({ repository: "someone-else/fork" }));
      expect(result.errors[0]).toContain("sub 'repo:someone-else/fork:ref:refs/heads/main'");
    });

    it("a deploy from another branch than the trust allows", async () => {
      const result = await refused(deployInputs, jobEnv({ repository, ref: "refs/heads/feature" }));
      expect(result.errors[0]).toContain(`sub 'repo:${repository}:ref:refs/heads/feature'`);
      expect(result.errors[0]).toContain("github-ref");
    });

    it("a deploy asking for a wrong audience", async () => {
      const result = await refused(
        { ...deployInputs, "oidc-audience": "https://example.com" },
        jobEnv({ repository }),
      );
      expect(result.errors[0]).toContain("oidc-audience");
    });

    it("a deploy with an expired GitHub token", async () => {
      const runner = await fakeRunner(() =>
        sandbox.github.mint(
          {},
          { audience: "https://cloud.oracle.com", issuedAt: Math.floor(Date.now() / 1000) - 900 },
        ),
      );
      runners.push(runner.server);
      const result = await refused(deployInputs, { ...runner.env, GITHUB_REPOSITORY: repository });
      expect(result.errors[0]).toMatch(/expired/);
    });

    it("a deploy with a forged GitHub token", async () => {
      const runner = await fakeRunner(() =>
        sandbox.github.mint({}, { audience: "https://cloud.oracle.com", forged: true }),
      );
      runners.push(runner.server);
      const result = await refused(deployInputs, { ...runner.env, GITHUB_REPOSITORY: repository });
      expect(result.errors[0]).toMatch(/signature/);
    });

    it("a deploy whose OAuth client is not the trust's", async () => {
      const clientSecret = openSecret("USAGE_CLIENT_SECRET");
      const result = await refused(
        {
          ...deployInputs,
          "oidc-client-id": setup.outputs["client-id"] ?? "",
          "oidc-client-secret": clientSecret,
        },
        jobEnv({ repository }),
      );
      expect(result.errors[0]).toContain("OIDC_CLIENT_ID");
    });

    it("a report token from a repository that deploy's github-repositories does not list", async () => {
      const workspace = join(work, "report-other");
      await mkdir(workspace, { recursive: true });
      const result = await run(
        {
          command: "report",
          auth: "github-oidc",
          endpoint: deploy.outputs["github-endpoint"] ?? "",
          months: MONTHS,
          "output-dir": "reports",
        },
        jobEnv({ repository: "someone-else/fork" }),
        workspace,
      );
      expect(result.code).toBe(1);
      expect(result.errors.join("\n")).toContain("github-repositories");
      expect(result.errors.join("\n")).toContain("someone-else/fork");
      await expect(readdir(join(workspace, "reports"), { recursive: true })).resolves.not.toContainEqual(
        expect.stringMatching(/\.csv$/),
      );
    });
  });
});
