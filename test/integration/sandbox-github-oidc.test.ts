// The sandbox's GitHub Actions OIDC issuer, over loopback HTTP: its discovery document and JWKS, tokens got by
// @actions/core's own getIDToken from the runner route, a gateway deployment that trusts the issuer's remote
// JWKS and pins `repository` with verifyClaims, and the registry's keyless token flow (an OCI-signed GET,
// then Basic BEARER_TOKEN:<token>) driving the project's own registry client.
import { execFile, spawn } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as core from "@actions/core";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { DeploymentClient, type models as gw, WorkRequestsClient } from "oci-apigateway";
import * as common from "oci-common";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ApiKeyUser, OciAuthority } from "../../sandbox/core/auth.js";
import type { ApiSpecification } from "../../sandbox/gateway/jwt-policy.js";
import {
  type Sandbox,
  type SandboxEndpoints,
  startSandbox,
  USAGE_ROUTE,
  usageDeploymentSpec,
} from "../../sandbox/index.js";
import { BEARER_TOKEN_USER, TOKEN_PATH } from "../../sandbox/registry/auth.js";
import { type Registry, startRegistry } from "../../sandbox/registry/index.js";
import { RegistryClient } from "../../src/image/registry.js";
import { decodeClaims, githubIdToken } from "../../src/lib/github-oidc.js";

const AUDIENCE = "usage-api-action";
const PREFIX = "/usage-github";
const USAGE_BODY = (tenantId: string) => ({
  tenantId,
  granularity: "MONTHLY",
  timeUsageStarted: "2025-01-01T00:00:00Z",
  timeUsageEnded: "2025-02-01T00:00:00Z",
});
const WAIT = {
  terminationStrategy: new common.MaxTimeTerminationStrategy(30),
  delayStrategy: new common.FixedTimeDelayStrategy(0.05),
};
const noSleep = { retry: { sleep: async () => {}, maxAttempts: 2 } };

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ workRequestStepMs: 10 });
});
afterAll(async () => {
  await sandbox?.stop();
});

/** An API-key provider for `user` (its own key unless `privateKeyPem` says otherwise). */
function providerOf(user: ApiKeyUser, privateKeyPem = user.privateKeyPem) {
  return new common.SimpleAuthenticationDetailsProvider(
    user.tenancyId,
    user.userId,
    user.fingerprint,
    privateKeyPem,
    null,
    common.Region.US_ASHBURN_1,
  );
}

/** Run `fn` with the runner's variables set as a job's step sees them; the previous values come back after. */
async function inJob<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  // core.getIDToken writes ::add-mask:: and ::debug:: commands to stdout, as a step would.
  const quiet = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    return await fn();
  } finally {
    quiet.mockRestore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe("the GitHub OIDC issuer", () => {
  it("publishes GitHub's discovery document and one RSA-2048 signing key", async () => {
    const { endpoints, github } = sandbox;
    expect(endpoints.githubOidcIssuer).toBe(github.issuer);
    expect(endpoints.githubOidcIssuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.githubOidcJwksUrl).toBe(`${github.issuer}/.well-known/jwks`);
    const config = await (await fetch(`${github.issuer}/.well-known/openid-configuration`)).json();
    expect(config).toEqual({
      issuer: github.issuer,
      jwks_uri: endpoints.githubOidcJwksUrl,
      subject_types_supported: ["public", "pairwise"],
      response_types_supported: ["id_token"],
      claims_supported: expect.arrayContaining([
        "sub",
        "aud",
        "repository",
        "job_workflow_ref",
        "environment",
      ]),
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid"],
    });
    const jwks = (await (await fetch(endpoints.githubOidcJwksUrl)).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(Object.keys(key ?? {}).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    const imported = createPublicKey({ key: { kty: "RSA", n: key?.n, e: key?.e }, format: "jwk" });
    expect(imported.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it("gives core.getIDToken a token for the endpoints' job: a branch subject, GitHub's default audience and lifetime", async () => {
    const { endpoints, github } = sandbox;
    expect(endpoints.githubRepository).toBe("octo-org/usage-reports");
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: endpoints.githubIdTokenRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: endpoints.githubIdTokenRequestToken,
    };
    const token = await inJob(env, () => core.getIDToken());
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(github.jwksUrl)), {
      issuer: github.issuer,
      audience: "https://github.com/octo-org",
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT" });
    expect(payload).toMatchObject({
      sub: "repo:octo-org/usage-reports:ref:refs/heads/main",
      repository: "octo-org/usage-reports",
      repository_owner: "octo-org",
      ref: "refs/heads/main",
      ref_type: "branch",
      event_name: "push",
      job_workflow_ref: "octo-org/usage-reports/.github/workflows/deploy.yml@refs/heads/main",
    });
    expect(payload).not.toHaveProperty("environment");
    for (const claim of ["repository_id", "repository_owner_id", "actor_id", "run_id", "run_number"]) {
      expect(payload[claim]).toMatch(/^\d+$/);
    }
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.iat! - payload.nbf!).toBe(600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it("names the environment in an environment job's subject and token, with the audience asked for", async () => {
    const job = sandbox.github.job({ repository: "octo-org/usage-reports", environment: "production" });
    const { token, claims } = await inJob(job.env, () => githubIdToken(AUDIENCE, { mask: () => {} }));
    expect(claims).toMatchObject({
      sub: "repo:octo-org/usage-reports:environment:production",
      environment: "production",
      aud: AUDIENCE,
      ref: "refs/heads/main",
    });
    expect(decodeClaims(token)).toEqual(expect.objectContaining(job.claims));
  });

  it("gives a pull_request job GitHub's pull_request subject, merge ref and head/base refs", async () => {
    const job = sandbox.github.job({ repository: "octo-org/usage-reports", eventName: "pull_request" });
    const token = await inJob(job.env, () => core.getIDToken(AUDIENCE));
    expect(decodeClaims(token)).toMatchObject({
      sub: "repo:octo-org/usage-reports:pull_request",
      event_name: "pull_request",
      ref: "refs/pull/1/merge",
      head_ref: "feature/sandbox",
      base_ref: "main",
      ref_protected: "false",
    });
  });

  it("refuses the runner route without the job's request token, as the runner does", async () => {
    const { endpoints } = sandbox;
    const url = `${endpoints.githubIdTokenRequestUrl}&audience=${AUDIENCE}`;
    expect((await fetch(url)).status).toBe(401);
    const unknown = await fetch(url, { headers: { authorization: "Bearer not-a-job-token" } });
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).not.toContain("eyJ");
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: endpoints.githubIdTokenRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "not-a-job-token",
    };
    await expect(inJob(env, () => core.getIDToken(AUDIENCE))).rejects.toThrow(/Error Code : 401/);
    const valid = { authorization: `Bearer ${endpoints.githubIdTokenRequestToken}` };
    const noVersion = await fetch(`${sandbox.github.issuer}/_apis/idtoken`, { headers: valid });
    expect(noVersion.status).toBe(400);
  });
});

describe("a gateway deployment that trusts the issuer's remote JWKS with verifyClaims", () => {
  const LISTED = "octo-org/usage-reports";
  let url: string;

  /** The /usage route of the sandbox with the issuer's REMOTE_JWKS and verifyClaims on repository and environment. */
  function githubSpec(): ApiSpecification {
    const spec = usageDeploymentSpec({
      functionId: sandbox.endpoints.functionId!,
      issuer: sandbox.github.issuer,
      audience: AUDIENCE,
      jwksUrl: sandbox.github.jwksUrl,
      maxClockSkewInSeconds: 0,
    });
    const authentication = spec.requestPolicies?.authentication;
    if (!authentication) throw new Error("the usage spec has no authentication");
    authentication.verifyClaims = [
      { key: "repository", values: [LISTED], isRequired: true },
      { key: "environment", values: ["production"] },
    ];
    return spec;
  }

  beforeAll(async () => {
    const provider = providerOf(sandbox.apiKeyUser);
    const config = { retryConfiguration: common.NoRetryConfigurationDetails };
    const deployments = new DeploymentClient({ authenticationDetailsProvider: provider }, config);
    deployments.endpoint = sandbox.endpoints.apigatewayUrl;
    const workRequests = new WorkRequestsClient({ authenticationDetailsProvider: provider }, config);
    workRequests.endpoint = sandbox.endpoints.apigatewayUrl;
    const created = await deployments.createDeployment({
      createDeploymentDetails: {
        displayName: "usage-github",
        gatewayId: sandbox.endpoints.gatewayId,
        compartmentId: sandbox.endpoints.compartmentId,
        pathPrefix: PREFIX,
        specification: githubSpec() as unknown as gw.ApiSpecification,
      },
    });
    const done = await workRequests
      .createWaiters(WAIT)
      .forWorkRequest({ workRequestId: created.opcWorkRequestId });
    expect(done.workRequest.status).toBe("SUCCEEDED");
    url = `${new URL(sandbox.endpoints.gatewayUrl).origin}${PREFIX}${USAGE_ROUTE}`;
  });

  /** The gateway's answer to the token, and the reason it recorded when it refused it. */
  async function call(token: string): Promise<{ status: number; text: string; reason?: string }> {
    const before = { ...sandbox.gateway.stats.authFailures };
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(USAGE_BODY(sandbox.endpoints.tenancyId)),
    });
    const after = sandbox.gateway.stats.authFailures;
    const reason = Object.keys(after).find((r) => (after[r] ?? 0) > (before[r] ?? 0));
    return { status: res.status, text: await res.text(), ...(reason ? { reason } : {}) };
  }

  const runnerToken = (job: Parameters<Sandbox["github"]["job"]>[0]) =>
    inJob(sandbox.github.job(job).env, () => core.getIDToken(AUDIENCE));

  it("serves a token of the listed repository, from a branch or the allowed environment", async () => {
    const branch = await call(await runnerToken({ repository: LISTED }));
    expect(branch.status).toBe(200);
    expect(JSON.parse(branch.text)).toHaveProperty("items");
    expect((await call(await runnerToken({ repository: LISTED, environment: "production" }))).status).toBe(
      200,
    );
  });

  it("refuses another repository, a missing required claim and an environment outside the list", async () => {
    const UNAUTHORIZED = '{"code":401,"message":"Unauthorized"}';
    const other = await call(await runnerToken({ repository: "octo-org/other-repo" }));
    expect(other).toEqual({
      status: 401,
      text: UNAUTHORIZED,
      reason: "verifyClaims: repository has no allowed value",
    });
    const missing = await call(await sandbox.github.mint({ repository: undefined }, { audience: AUDIENCE }));
    expect(missing).toMatchObject({ status: 401, reason: "verifyClaims: repository is missing" });
    const staging = await call(await runnerToken({ repository: LISTED, environment: "staging" }));
    expect(staging).toMatchObject({ status: 401, reason: "verifyClaims: environment has no allowed value" });
  });

  it("refuses a wrong audience, an expired token and a forged signature", async () => {
    const { github } = sandbox;
    // GitHub's default audience, https://github.com/octo-org, is not the deployment's.
    const wrongAudience = await call(await github.mint());
    expect(wrongAudience).toMatchObject({ status: 401, reason: "ERR_JWT_CLAIM_VALIDATION_FAILED aud" });
    const issuedAt = Math.floor(Date.now() / 1000) - 301;
    const expired = await call(await github.mint({}, { audience: AUDIENCE, issuedAt }));
    expect(expired).toMatchObject({ status: 401, reason: "ERR_JWT_EXPIRED" });
    const forged = await call(await github.mint({}, { audience: AUDIENCE, forged: true }));
    expect(forged).toMatchObject({ status: 401, reason: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
    // The control: the same minting, neither expired nor forged, passes.
    expect((await call(await github.mint({}, { audience: AUDIENCE }))).status).toBe(200);
  });
});

describe("the registry's keyless token flow", () => {
  const provider = () => providerOf(sandbox.apiKeyUser);
  const repository = () => `${sandbox.endpoints.ocirNamespace}/keyless`;
  const tokenUrl = (registry: { url: string; host: string }, repo: string) =>
    `${registry.url}${TOKEN_PATH}?service=${registry.host}&scope=repository:${repo}:pull,push`;

  /** An OCI-signed GET by the SDK's own signer; `tamper` changes the request after signing. */
  async function signedGet(
    url: string,
    p: common.AuthenticationDetailsProvider,
    tamper: (url: string, headers: Headers) => string = (u) => u,
  ): Promise<Response> {
    const headers = new Headers();
    await new common.DefaultRequestSigner(p).signHttpRequest({ method: "GET", uri: url, headers });
    return fetch(tamper(url, headers), { headers });
  }

  it("gives a signed GET a token, and BEARER_TOKEN with it pushes and pulls a blob", async () => {
    const registry = sandbox.registry;
    const answer = await signedGet(tokenUrl(registry, repository()), provider());
    expect(answer.status).toBe(200);
    const { token } = (await answer.json()) as { token: string };
    expect(token).toBeTruthy();
    const client = new RegistryClient({
      registry: registry.host,
      credentials: { username: BEARER_TOKEN_USER, password: token },
      ...noSleep,
    });
    const data = Buffer.from("keyless layer");
    const digest = `sha256:${createHash("sha256").update(data).digest("hex")}`;
    await client.uploadBlob(repository(), digest, { data });
    expect(registry.hasBlob(repository(), digest)).toBe(true);
    expect(await client.getBlob(repository(), digest)).toEqual(data);
    const logins = registry.stats.tokenRequests.filter((r) => r.authorization?.startsWith("Basic "));
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((r) => r.user === sandbox.apiKeyUser.userId)).toBe(true);
  });

  it("refuses a tampered or unknown-key signature and a token it never issued; unsigned gets no push", async () => {
    const registry = sandbox.registry;
    const url = tokenUrl(registry, repository());
    const tampered = await signedGet(url, provider(), (u) => u.replace(":pull,push", ":push"));
    expect(tampered.status).toBe(401);
    expect(sandbox.authority.lastFailure).toBe("bad-signature");
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const strangerPem = stranger.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const impostor = providerOf(sandbox.apiKeyUser, strangerPem);
    sandbox.authority.lastFailure = undefined;
    expect((await signedGet(url, impostor)).status).toBe(401);
    expect(sandbox.authority.lastFailure).toBe("bad-signature");
    const basic = Buffer.from(`${BEARER_TOKEN_USER}:never-issued`).toString("base64");
    expect((await fetch(url, { headers: { authorization: `Basic ${basic}` } })).status).toBe(401);
    const anonymous = (await (await fetch(url)).json()) as { token: string };
    const upload = await fetch(`${registry.url}/v2/${repository()}/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: `Bearer ${anonymous.token}` },
    });
    expect(upload.status).toBe(401);
  });
});

describe("BEARER_TOKEN logins against the registry's clock", () => {
  let registry: Registry;
  let now = Date.parse("2026-01-15T10:00:00Z");
  const authority = new OciAuthority({ now: () => now });
  const user = authority.createApiKeyUser("ocid1.tenancy.oc1..aaaaaaaaexample");

  beforeAll(async () => {
    registry = await startRegistry({
      now: () => now,
      auth: {
        mode: "bearer",
        users: {},
        tokenTtlSeconds: 300,
        signedBy: (request) => {
          const principal = authority.verifyRequest(request);
          return principal.kind === "user" ? principal.userId : principal.resourceId;
        },
      },
    });
  });
  afterAll(async () => {
    await registry.close();
  });
  it("accepts the token as a password while it is valid, and not after it expires", async () => {
    // The signature's date is the registry's clock, which the signer then keeps.
    const headers = new Headers({ "x-date": new Date(now).toUTCString() });
    const url = `${registry.url}${TOKEN_PATH}?service=${registry.host}&scope=repository:ns/app:push`;
    const signer = new common.DefaultRequestSigner(providerOf(user));
    await signer.signHttpRequest({ method: "GET", uri: url, headers });
    const { token } = (await (await fetch(url, { headers })).json()) as { token: string };
    const login = {
      authorization: `Basic ${Buffer.from(`${BEARER_TOKEN_USER}:${token}`).toString("base64")}`,
    };
    const fresh = await fetch(url, { headers: login });
    expect(fresh.status).toBe(200);
    expect(registry.stats.tokenRequests.at(-1)).toMatchObject({
      user: user.userId,
      granted: ["repository:ns/app:push"],
    });
    now += 301_000;
    expect((await fetch(url, { headers: login })).status).toBe(401);
  });
});

describe("npm run sandbox -- --github-repository", () => {
  const root = join(import.meta.dirname, "..", "..");
  const cli = [join(root, "node_modules", "tsx", "dist", "cli.mjs"), "sandbox/cli.ts", "--quiet"];

  it("puts a job of that repository in the endpoints, and refuses a name that is not owner/repo", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sandbox-github-cli-"));
    const args = [
      ...cli,
      "--empty",
      "--github-repository",
      "acme/widgets",
      "--endpoints-file",
      join(dir, "e.json"),
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          out += chunk;
          if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
        });
        child.once("exit", (code) => reject(new Error(`the sandbox exited early with ${code}`)));
      });
      const endpoints = JSON.parse(line) as SandboxEndpoints;
      expect(endpoints.githubRepository).toBe("acme/widgets");
      const res = await fetch(`${endpoints.githubIdTokenRequestUrl}&audience=${AUDIENCE}`, {
        headers: { authorization: `Bearer ${endpoints.githubIdTokenRequestToken}` },
      });
      const { value } = (await res.json()) as { value: string };
      expect(decodeClaims(value)).toMatchObject({
        iss: endpoints.githubOidcIssuer,
        sub: "repo:acme/widgets:ref:refs/heads/main",
        aud: AUDIENCE,
      });
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
    const refused = await promisify(execFile)(process.execPath, [...cli, "--github-repository", "widgets"], {
      cwd: root,
    }).catch((err: { code: number; stderr: string }) => err);
    expect(refused).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--github-repository: github repository 'widgets' is not owner/repo"),
    });
  });
});
