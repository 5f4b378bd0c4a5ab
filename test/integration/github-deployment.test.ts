// The GitHub deployment and the keyless report, through the BUILT action against the sandbox. GitHub's side
// is a stand-in here (a loopback issuer: its JWKS, and the runner's `GET …/idtoken?api-version=2.0&audience=`
// route that core.getIDToken calls with the job's request token), so that this part depends only on the
// contract (KEYLESS.md), not on the sandbox's own GitHub issuer.
import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxEndpoints, startSandbox } from "../../sandbox/index.js";
import { type ActionRun, runBuiltAction, sandboxDeployInputs } from "../support/action-runner.js";
import { fetchToken } from "./helpers.js";
import { buildActionBundle, createWorkspace, listFiles, type Workspace } from "./report-harness.js";

const REPOSITORY = "octo-org/usage-reports";
const OTHER = "octo-org/other";
const AUDIENCE = "usage-api-action";
const MONTH = "2025-03";

/** A GitHub-shaped issuer on 127.0.0.1: JWKS, and the runner's token route for the jobs it knows. */
interface GithubStandIn {
  issuer: string;
  /** The runner environment of a job of `repository` on `ref`. */
  job(repository: string, ref?: string): Record<string, string>;
  /** A token as GitHub would give that job for `audience`. */
  mint(repository: string, audience: string, ref?: string): Promise<string>;
  /** How often the token route answered. */
  issued: number;
  close(): Promise<void>;
}

async function startGithubStandIn(): Promise<GithubStandIn> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const kid = "gh-test-key";
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jobs = new Map<string, { repository: string; ref: string }>();
  let issuer = "";
  const mint = (repository: string, audience: string, ref = "refs/heads/main") => {
    const [owner] = repository.split("/");
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      sub: `repo:${repository}:ref:${ref}`,
      repository,
      repository_owner: owner,
      ref,
      ref_type: "branch",
      event_name: "push",
      job_workflow_ref: `${repository}/.github/workflows/usage.yml@${ref}`,
      runner_environment: "github-hosted",
    })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now - 600)
      .setExpirationTime(now + 300)
      .sign(privateKey);
  };
  const standIn = { issued: 0 } as GithubStandIn;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/.well-known/jwks") return send(200, { keys: [jwk] });
    if (
      req.method === "GET" &&
      url.pathname === "/_apis/idtoken" &&
      url.searchParams.get("api-version") === "2.0"
    ) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      const job = bearer ? jobs.get(bearer) : undefined;
      if (!job) return send(401, { message: "Unauthorized" });
      standIn.issued++;
      const audience =
        url.searchParams.get("audience") ?? `https://github.com/${job.repository.split("/")[0]}`;
      void mint(job.repository, audience, job.ref).then((value) => send(200, { value }));
      return;
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(standIn, {
    issuer,
    mint,
    job(repository: string, ref = "refs/heads/main") {
      const token = randomUUID();
      jobs.set(token, { repository, ref });
      return {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/_apis/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: token,
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

async function post(endpoint: string, token: string): Promise<number> {
  const res = await fetch(`${endpoint}/request-summarized-usages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      granularity: "MONTHLY",
      timeUsageStarted: "2025-03-01T00:00:00Z",
      timeUsageEnded: "2025-04-01T00:00:00Z",
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

function gatewayWrites(sandbox: Sandbox): number {
  return sandbox.apigateway.stats.writes;
}

describe("deploy's GitHub deployment and report with auth: github-oidc, through the built action", () => {
  let sandbox: Sandbox;
  let e: SandboxEndpoints;
  let github: GithubStandIn;
  let bundle: { entry: string; dir: string };
  let deployInputs: Record<string, string>;
  let githubEndpoint: string;
  let idcsEndpoint: string;
  let githubDeploymentId: string;
  const workspaces: Workspace[] = [];
  const workspace = async (): Promise<Workspace> => {
    const ws = await createWorkspace();
    workspaces.push(ws);
    return ws;
  };

  beforeAll(async () => {
    [bundle, sandbox, github] = await Promise.all([
      buildActionBundle(),
      startSandbox({ provision: false, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 }),
      startGithubStandIn(),
    ]);
    e = sandbox.endpoints;
    const pem = await readFile(e.ociPrivateKeyPath, "utf8");
    deployInputs = {
      ...sandboxDeployInputs(e, pem),
      "wait-timeout": "2",
      "github-repositories": REPOSITORY,
      "github-oidc-issuer": github.issuer,
    };
  });

  afterAll(async () => {
    await Promise.all([sandbox?.stop(), github?.close(), ...workspaces.map((ws) => ws.dispose())]);
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  const deploy = (inputs: Record<string, string>) => runBuiltAction(bundle.entry, inputs);

  it("creates the GitHub deployment beside the first: same route and function, GitHub's issuer, verifyClaims", async () => {
    const run = await deploy(deployInputs);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Plan: image sha256:[0-9a-f]{64}; function create, deployment create, GitHub deployment create$/m,
    );
    expect(run.stdout).toContain(`  repository (any of): ${REPOSITORY}`);
    idcsEndpoint = run.outputs["deployment-endpoint"]!;
    githubEndpoint = run.outputs["github-endpoint"]!;
    expect(githubEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage-github$/);
    expect(run.summary).toContain(`| GitHub endpoint | \`${githubEndpoint}/request-summarized-usages\` |`);

    githubDeploymentId =
      /^GitHub deployment usage-api-github \((ocid1\.apideployment\.[^)]+)\) is ACTIVE/m.exec(
        run.stdout,
      )?.[1] as string;
    const gh = sandbox.apigateway.deployment(githubDeploymentId)!;
    const first = sandbox.apigateway.deployment(run.outputs["deployment-id"]!)!;
    expect(gh.displayName).toBe("usage-api-github");
    expect(gh).toMatchObject({ pathPrefix: "/usage-github", lifecycleState: "ACTIVE" });
    expect(gh.specification.routes).toEqual(first.specification.routes);
    expect(gh.specification.requestPolicies?.authentication).toMatchObject({
      type: "JWT_AUTHENTICATION",
      issuers: [github.issuer],
      audiences: [AUDIENCE],
      verifyClaims: [{ key: "repository", values: [REPOSITORY], isRequired: true }],
      publicKeys: { type: "REMOTE_JWKS", uri: `${github.issuer}/.well-known/jwks` },
    });
  });

  it("lets in only the listed repository's GitHub tokens, and neither deployment takes the other's tokens", async () => {
    const idcsToken = await fetchToken(e);
    expect(await post(githubEndpoint, await github.mint(REPOSITORY, AUDIENCE))).toBe(200);
    expect(await post(githubEndpoint, await github.mint(OTHER, AUDIENCE))).toBe(401);
    expect(await post(githubEndpoint, await github.mint(REPOSITORY, "https://cloud.oracle.com"))).toBe(401);
    expect(await post(githubEndpoint, idcsToken)).toBe(401);
    expect(await post(idcsEndpoint, await github.mint(REPOSITORY, AUDIENCE))).toBe(401);
    expect(await post(idcsEndpoint, idcsToken)).toBe(200);
  });

  it("a re-run changes nothing, for either deployment", async () => {
    const before = gatewayWrites(sandbox);
    const run = await deploy(deployInputs);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/; function unchanged, deployment unchanged, GitHub deployment unchanged$/m);
    expect(gatewayWrites(sandbox)).toBe(before);
    expect(run.outputs["github-endpoint"]).toBe(githubEndpoint);
  });

  it("a dry run shows a ref pin as a diff of the GitHub deployment and writes nothing", async () => {
    const before = gatewayWrites(sandbox);
    const run = await deploy({ ...deployInputs, "github-refs": "refs/heads/main", "dry-run": "true" });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/; function unchanged, deployment unchanged, GitHub deployment update$/m);
    expect(run.stdout).toContain(
      '  + requestPolicies.authentication.verifyClaims[key=ref].values: ["refs/heads/main"]',
    );
    expect(gatewayWrites(sandbox)).toBe(before);
  });

  it("a wrong github-oidc-issuer fails before any write, naming the input", async () => {
    const before = gatewayWrites(sandbox);
    const run = await deploy({ ...deployInputs, "github-oidc-issuer": `${github.issuer}/nowhere` });
    expect(run.code).not.toBe(0);
    expect(run.errors).toEqual([
      `GET GitHub OIDC keys ${github.issuer}/nowhere/.well-known/jwks answered HTTP 404; check 'github-oidc-issuer' (github.com: https://token.actions.githubusercontent.com; GitHub Enterprise Server: https://HOST/_services/token); its keys are read from <issuer>/.well-known/jwks`,
    ]);
    expect(gatewayWrites(sandbox)).toBe(before);
  });

  it("report with auth: github-oidc writes the report with no secret at all", async () => {
    const ws = await workspace();
    const issuedBefore = github.issued;
    const run = await runBuiltAction(
      bundle.entry,
      { command: "report", auth: "github-oidc", endpoint: githubEndpoint, months: MONTH },
      { workspace: ws.dir, env: github.job(REPOSITORY) },
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await listFiles(ws.dir)).toContain(`reports/${MONTH}/usage-monthly-cost.csv`);
    expect(github.issued).toBeGreaterThan(issuedBefore);
    expect(run.stdout).toContain(
      `GitHub OIDC token for audience '${AUDIENCE}': repository '${REPOSITORY}', sub 'repo:${REPOSITORY}:ref:refs/heads/main'`,
    );
    // The GitHub token was masked, and appears nowhere else.
    const token = /^::add-mask::(ey\S+)$/m.exec(run.stdout)?.[1];
    expect(token).toBeDefined();
    const all = `${run.stdout}\n${run.stderr}\n${run.summary}`.split("\n");
    expect(all.filter((line) => line.includes(token!) && !line.startsWith("::add-mask::"))).toEqual([]);
  });

  it("report from a repository the deployment does not list: 401 with whose token it was, no report", async () => {
    const ws = await workspace();
    const run = await runBuiltAction(
      bundle.entry,
      { command: "report", auth: "github-oidc", endpoint: githubEndpoint, months: MONTH },
      { workspace: ws.dir, env: github.job(OTHER) },
    );
    expect(run.code).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(
      `the endpoint answered HTTP 401 Unauthorized to this job's GitHub OIDC token (repository '${OTHER}', sub 'repo:${OTHER}:ref:refs/heads/main', audience '${AUDIENCE}'): deploy's 'github-repositories' must list ${OTHER}`,
    );
    expect((await listFiles(ws.dir)).filter((f) => f.startsWith("reports/"))).toEqual([]);
  });

  it("report without the id-token permission says so", async () => {
    const ws = await workspace();
    const run = await runBuiltAction(
      bundle.entry,
      { command: "report", auth: "github-oidc", endpoint: githubEndpoint, months: MONTH },
      { workspace: ws.dir },
    );
    expect(run.code).not.toBe(0);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(
      "this job has no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set): add 'permissions: id-token: write' to the job",
    );
    expect((await listFiles(ws.dir)).filter((f) => f.startsWith("reports/"))).toEqual([]);
  });

  it("emptying github-repositories leaves the GitHub deployment in place, with a warning", async () => {
    const before = gatewayWrites(sandbox);
    const { "github-repositories": _, ...without } = deployInputs;
    const run: ActionRun = await deploy(without);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /; function unchanged, deployment unchanged, GitHub deployment left in place$/m,
    );
    expect(run.stdout).toContain(
      `::warning::GitHub deployment usage-api-github (${githubDeploymentId}) is left in place although 'github-repositories' is empty`,
    );
    expect(gatewayWrites(sandbox)).toBe(before);
    expect(sandbox.apigateway.deployment(githubDeploymentId)?.lifecycleState).toBe("ACTIVE");
    expect(run.outputs["github-endpoint"]).toBe("");
  });
});
