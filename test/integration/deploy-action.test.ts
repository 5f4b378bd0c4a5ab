import { generateKeyPairSync } from "node:crypto";
import { appendFile, cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxEndpoints, sandboxOcid, startSandbox } from "../../sandbox/index.js";
import { buildAction } from "../../scripts/build.mjs";
import { keyFingerprint } from "../../src/oci/auth.js";
import { type ActionRun, runBuiltAction, sandboxDeployInputs } from "../support/action-runner.js";
import { fetchToken } from "./helpers.js";

let work: string;
let dist: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "deploy-action-"));
  dist = join(work, "dist");
  await buildAction(dist);
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Run the built action like the runner does (test/support/action-runner.ts). */
function runAction(inputs: Record<string, string>, bundleDir = dist): Promise<ActionRun> {
  return runBuiltAction(join(bundleDir, "index.js"), inputs);
}

function inputsFor(e: SandboxEndpoints, privateKeyPem: string): Record<string, string> {
  return { ...sandboxDeployInputs(e, privateKeyPem), "wait-timeout": "2" };
}

/** Every run: one line per failure, never internals. */
function expectCleanOutput(run: ActionRun, secrets: string[]): void {
  const all = run.stdout + run.stderr;
  expect(all).not.toMatch(/\[object Object\]/);
  expect(all).not.toMatch(/\n\s+at [\w.<>]+ \(/);
  expect(all).not.toMatch(/troubleshooting|Oracle-TypeScriptSDK/i);
  for (const secret of secrets) {
    for (const line of all.split(/\r?\n/).filter((l) => l.includes(secret)))
      expect(line).toMatch(/^::add-mask::/);
  }
  if (run.code !== 0) expect(run.errors).toHaveLength(1);
}

const MONTH = {
  granularity: "MONTHLY",
  timeUsageStarted: "2025-03-01T00:00:00Z",
  timeUsageEnded: "2025-04-01T00:00:00Z",
};

async function callEndpoint(endpoint: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(MONTH),
  });
  return { status: res.status, text: await res.text() };
}

interface Counts {
  fnWrites: number;
  gwWrites: number;
  blobBytes: number;
  registryWrites: number;
}

function counts(s: Sandbox): Counts {
  const registryWrites = Object.entries(s.registry.stats.requests)
    .filter(([key]) => /^(POST|PUT|PATCH|DELETE) /.test(key))
    .reduce((n, [, c]) => n + c, 0);
  return {
    fnWrites: s.functions.stats.writes,
    gwWrites: s.apigateway.stats.writes,
    blobBytes: s.registry.stats.blobBytesReceived,
    registryWrites,
  };
}

const diffLines = (stdout: string) =>
  stdout.split(/\r?\n/).filter((l) => /^ {2}[+~-] (requestPolicies|routes)/.test(l));

describe("deploy through the built action: from nothing, no-op, updates, rotation, failures", () => {
  let sandbox: Sandbox;
  let e: SandboxEndpoints;
  let inputs: Record<string, string>;
  let secrets: string[];
  let functionId: string;
  let deploymentId: string;
  let endpoint: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ provision: false, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    e = sandbox.endpoints;
    const pem = await readFile(e.ociPrivateKeyPath, "utf8");
    inputs = inputsFor(e, pem);
    secrets = [e.ocirAuthToken, ...pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))];
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("a dry run on an empty sandbox prints the whole plan and writes nothing", async () => {
    sandbox.registry.resetStats();
    const run = await runAction({
      ...inputs,
      "dry-run": "true",
      "registry-password": "",
      "registry-username": "",
    });
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Dry run \(nothing is changed\): image sha256:[0-9a-f]{64}; function create, deployment create$/m,
    );
    expect(run.stdout).toContain(
      `  + routes[POST /request-summarized-usages].backend.functionId: "(the new function's OCID)"`,
    );
    expect(run.stdout).toContain("  Allow dynamic-group UsageApiFunction to read usage-report in tenancy");
    expect(run.stdout).not.toMatch(/all-resources/);
    expect(run.outputs.image).toMatch(
      new RegExp(`^${e.registryHost}/${e.ocirNamespace}/usage-api:fn-[0-9a-f]{16}@sha256:[0-9a-f]{64}$`),
    );
    expect(run.outputs["function-id"]).toBe("");
    expect(run.outputs.endpoint).toBe("");
    expect(run.summary).toContain("## usage-api deploy (dry run: nothing was changed)");
    expect(counts(sandbox)).toEqual({ fnWrites: 0, gwWrites: 0, blobBytes: 0, registryWrites: 0 });
    expect(sandbox.registry.repositories()).not.toContain(`${e.ocirNamespace}/usage-api`);
  });

  it("creates the image, the function and the deployment from nothing; the endpoint answers a report call", async () => {
    const run = await runAction(inputs);
    expectCleanOutput(run, secrets);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Plan: image sha256:[0-9a-f]{64}; function create, deployment create$/m);
    // The registry password was masked before anything else was printed.
    expect(run.stdout.indexOf(`::add-mask::${e.ocirAuthToken}`)).toBe(0);

    functionId = run.outputs["function-id"]!;
    deploymentId = run.outputs["deployment-id"]!;
    endpoint = run.outputs.endpoint!;
    expect(functionId).toMatch(/^ocid1\.fnfunc\./);
    expect(deploymentId).toMatch(/^ocid1\.apideployment\./);
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage\/request-summarized-usages$/);
    expect(run.outputs["deployment-endpoint"]).toBe(endpoint.replace(/\/request-summarized-usages$/, ""));

    const fn = sandbox.functions.function(functionId)!;
    const digest = run.outputs.image!.split("@")[1];
    expect(fn).toMatchObject({
      displayName: "usage-api",
      lifecycleState: "ACTIVE",
      imageDigest: digest,
      memoryInMBs: 256,
      timeoutInSeconds: 60,
    });
    expect(fn.config).toMatchObject({ USAGE_API_REGION: e.ociRegion, UPSTREAM_PAGE_LIMIT: "1000" });
    const deployment = sandbox.apigateway.deployment(deploymentId)!;
    expect(deployment).toMatchObject({
      lifecycleState: "ACTIVE",
      pathPrefix: "/usage",
      displayName: "usage-api",
    });
    const auth = deployment.specification.requestPolicies?.authentication;
    expect(auth).toMatchObject({ issuers: [e.issuer], audiences: [e.audience], maxClockSkewInSeconds: 60 });
    expect(auth?.publicKeys).toMatchObject({
      type: "STATIC_KEYS",
      keys: [{ kid: "SIGNING_KEY", use: "sig", kty: "RSA" }],
    });
    expect(JSON.stringify(auth?.publicKeys)).not.toMatch(/key_ops|x5c/);
    expect(run.summary).toContain("## usage-api deploy");
    expect(run.summary).toContain(`resource.id = '${functionId}'`);

    // A report-style call through the printed endpoint, with a token from the identity domain.
    const answer = await callEndpoint(endpoint, await fetchToken(e));
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.text) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  it("re-running with nothing changed writes nothing anywhere", async () => {
    sandbox.registry.resetStats();
    const before = counts(sandbox);
    const run = await runAction(inputs);
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Plan: image sha256:[0-9a-f]{64}; function unchanged, deployment unchanged$/m,
    );
    expect(run.stdout).toContain("0 blobs uploaded (0 bytes)");
    expect(counts(sandbox)).toEqual({ ...before, blobBytes: 0, registryWrites: 0 });
    expect(run.outputs).toMatchObject({ "function-id": functionId, "deployment-id": deploymentId, endpoint });
  });

  it("a config change updates only the function", async () => {
    const before = counts(sandbox);
    sandbox.registry.resetStats();
    const run = await runAction({ ...inputs, "function-config": "MAX_ATTEMPTS=3\nEXTRA_FLAG=on" });
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/function update, deployment unchanged$/m);
    expect(run.stdout).toContain("  ~ config.MAX_ATTEMPTS: 6 → 3");
    expect(run.stdout).toContain("  + config.EXTRA_FLAG: on");
    expect(sandbox.functions.function(functionId)!.config).toMatchObject({
      MAX_ATTEMPTS: "3",
      EXTRA_FLAG: "on",
    });
    expect(counts(sandbox)).toEqual({
      ...before,
      fnWrites: before.fnWrites + 1,
      blobBytes: 0,
      registryWrites: 0,
    });
  });

  it("a code change pushes a new image and updates the function to its digest; the endpoint still answers", async () => {
    // A newer action release: the same bundle with a changed function file beside it.
    const next = join(work, "dist-v2");
    await cp(dist, next, { recursive: true });
    await appendFile(join(next, "function", "func.js"), "\n// v2\n");
    const before = counts(sandbox);
    const previous = sandbox.functions.function(functionId)!.imageDigest;
    const run = await runAction({ ...inputs, "function-config": "MAX_ATTEMPTS=3\nEXTRA_FLAG=on" }, next);
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/function update, deployment unchanged$/m);
    expect(run.stdout).toMatch(/^ {2}~ imageDigest: sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}$/m);
    const digest = run.outputs.image!.split("@")[1];
    expect(digest).not.toBe(previous);
    expect(sandbox.functions.function(functionId)!.imageDigest).toBe(digest);
    const after = counts(sandbox);
    expect(after.fnWrites).toBe(before.fnWrites + 1);
    expect(after.gwWrites).toBe(before.gwWrites);
    expect(after.blobBytes).toBeGreaterThan(before.blobBytes);
    expect((await callEndpoint(endpoint, await fetchToken(e))).status).toBe(200);
  });

  it("a dry run shows exactly the spec changes (scope, rate limit) and changes nothing; the real run applies them", async () => {
    const changed = { ...inputs, "required-scope": "usage.read", "rate-limit": "50" };
    const before = counts(sandbox);
    sandbox.registry.resetStats();
    const dry = await runAction({ ...changed, "dry-run": "true" });
    expectCleanOutput(dry, secrets);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/function update, deployment update$/m);
    expect(diffLines(dry.stdout)).toEqual([
      "  + requestPolicies.rateLimiting.rateInRequestsPerSecond: 50",
      '  + requestPolicies.rateLimiting.rateKey: "CLIENT_IP"',
      '  + routes[POST /request-summarized-usages].requestPolicies.authorization.allowedScope: ["usage.read"]',
      '  + routes[POST /request-summarized-usages].requestPolicies.authorization.type: "ANY_OF"',
    ]);
    expect(counts(sandbox)).toEqual({ ...before, blobBytes: 0, registryWrites: 0 });

    // The real run (the function goes back to the committed bundle's image: both change).
    const run = await runAction(changed);
    expect(run.code).toBe(0);
    const spec = sandbox.apigateway.deployment(deploymentId)!.specification;
    expect(spec.requestPolicies?.rateLimiting).toEqual({ rateInRequestsPerSecond: 50, rateKey: "CLIENT_IP" });
    expect(spec.routes[0]?.requestPolicies?.authorization).toEqual({
      type: "ANY_OF",
      allowedScope: ["usage.read"],
    });
    expect((await callEndpoint(endpoint, await fetchToken(e))).status).toBe(200);

    // Read back from the service, the spec compares equal: no update on the next run.
    const again = await runAction(changed);
    expect(again.stdout).toMatch(/function unchanged, deployment unchanged$/m);

    // A scope the client's tokens do not carry: the gateway refuses them.
    const strict = await runAction({ ...changed, "required-scope": "usage.admin" });
    expect(diffLines(strict.stdout)).toEqual([
      '  ~ routes[POST /request-summarized-usages].requestPolicies.authorization.allowedScope: ["usage.read"] → ["usage.admin"]',
    ]);
    const refused = await callEndpoint(endpoint, await fetchToken(e));
    expect([401, 403, 404]).toContain(refused.status);
    // Back to the plain policy for the next tests.
    expect((await runAction(inputs)).code).toBe(0);
    expect((await callEndpoint(endpoint, await fetchToken(e))).status).toBe(200);
  });

  it("builds the JWT policy from a rotated JWKS: new key added, old key dropped once retired", async () => {
    await sandbox.identity.addSigningKey("SIGNING_KEY_2");
    const both = await runAction(inputs);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/function unchanged, deployment update$/m);
    expect(diffLines(both.stdout).filter((l) => l.includes("kid=SIGNING_KEY_2]"))).toHaveLength(7);
    const kids = () => {
      const keys = sandbox.apigateway.deployment(deploymentId)?.specification.requestPolicies?.authentication
        ?.publicKeys as { keys?: Array<{ kid: string }> } | undefined;
      return (keys?.keys ?? []).map((k) => k.kid);
    };
    expect(kids()).toEqual(["SIGNING_KEY", "SIGNING_KEY_2"]);

    sandbox.identity.activateSigningKey("SIGNING_KEY_2");
    expect((await callEndpoint(endpoint, await fetchToken(e))).status).toBe(200);
    const oldToken = await sandbox.identity.mintToken({}, { kid: "SIGNING_KEY" });
    expect((await callEndpoint(endpoint, oldToken)).status).toBe(200);

    sandbox.identity.retireSigningKey("SIGNING_KEY");
    const rotated = await runAction(inputs);
    expect(rotated.code).toBe(0);
    expect(
      diffLines(rotated.stdout).every((l) => l.startsWith("  - ") && l.includes("kid=SIGNING_KEY]")),
    ).toBe(true);
    expect(kids()).toEqual(["SIGNING_KEY_2"]);
    expect((await callEndpoint(endpoint, await fetchToken(e))).status).toBe(200);
    expect((await callEndpoint(endpoint, oldToken)).status).toBe(401);
  });

  it("a failing work request ends the run with the service's lifecycleDetails; the next run repairs it", async () => {
    sandbox.apigateway.failNext("Unable to apply the specification: the backend is unreachable (injected)");
    const run = await runAction({ ...inputs, "max-clock-skew": "30" });
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(1);
    expect(run.errors[0]).toMatch(
      /^deployment usage-api: work request \S+ \(UPDATE_DEPLOYMENT\) FAILED: Unable to apply the specification: the backend is unreachable \(injected\)/,
    );
    expect(sandbox.apigateway.deployment(deploymentId)!.lifecycleState).toBe("FAILED");
    const repaired = await runAction({ ...inputs, "max-clock-skew": "30" });
    expect(repaired.code).toBe(0);
    expect(sandbox.apigateway.deployment(deploymentId)).toMatchObject({ lifecycleState: "ACTIVE" });
    expect(
      sandbox.apigateway.deployment(deploymentId)!.specification.requestPolicies?.authentication,
    ).toMatchObject({
      maxClockSkewInSeconds: 30,
    });
  });

  it("a function whose update ends FAILED stops the run before the deployment is touched", async () => {
    const before = counts(sandbox);
    sandbox.functions.failNext();
    const run = await runAction({ ...inputs, "max-clock-skew": "30", "function-memory": "512" });
    expectCleanOutput(run, secrets);
    expect(run.code).toBe(1);
    expect(run.errors[0]).toMatch(/^function usage-api is FAILED after the change/);
    expect(counts(sandbox).gwWrites).toBe(before.gwWrites);
    const repaired = await runAction({ ...inputs, "max-clock-skew": "30", "function-memory": "512" });
    expect(repaired.errors).toEqual([]);
    expect(repaired.code).toBe(0);
    expect(sandbox.functions.function(functionId)).toMatchObject({
      lifecycleState: "ACTIVE",
      memoryInMBs: 512,
    });
  });
});

describe("bad inputs and bad credentials: a clear error, and nothing deployed", () => {
  let sandbox: Sandbox;
  let e: SandboxEndpoints;
  let inputs: Record<string, string>;
  let secrets: string[];
  let jwksServer: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ provision: false, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    e = sandbox.endpoints;
    const pem = await readFile(e.ociPrivateKeyPath, "utf8");
    inputs = inputsFor(e, pem);
    secrets = [e.ocirAuthToken];
    // A JWKS with an EC key only: what a non-IDCS issuer might publish.
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...(publicKey.export({ format: "jwk" }) as object), kid: "ec-1", use: "sig", alg: "ES256" };
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => jwksServer?.close(resolve));
    await sandbox?.stop();
  });

  const { privateKey: strangerKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

  it.each<[string, (i: Record<string, string>) => Record<string, string>, RegExp, "none" | "reads"]>([
    [
      "a bad OCID",
      (i) => ({ ...i, "application-id": "ocid1.fnapp.oc1.iad.NOT-AN-OCID" }),
      /^input 'application-id': 'ocid1\.fnapp\.oc1\.iad\.NOT-AN-OCID' is not an OCID; copy the application OCID from the console/,
      "none",
    ],
    [
      "a malformed base image reference",
      (i) => ({ ...i, "base-image": `${e.registryHost}/FnProject/node:24` }),
      /^input 'base-image': base image reference ".*FnProject\/node:24" is invalid: repository component "FnProject" must be lower case/,
      "none",
    ],
    [
      "a missing gateway",
      (i) => ({ ...i, "gateway-id": sandboxOcid("apigateway", "iad", "no-such-gateway") }),
      /^GetGateway failed: HTTP 404 NotAuthorizedOrNotFound: .*\(opc-request-id \S+\); input 'gateway-id': gateway ocid1\.apigateway\.oc1\.iad\.\w+ was not found/,
      "reads",
    ],
    [
      "a non-RSA JWKS",
      (i) => ({ ...i, "jwks-url": jwksUrl }),
      /^the JWKS at http:\/\/127\.0\.0\.1:\d+\/jwks has no RSA signing key API Gateway can use \(kid "ec-1": kty "EC" \(the gateway verifies RSA keys only\)\)/,
      "reads",
    ],
    [
      "a wrong registry password",
      (i) => ({ ...i, "registry-password": "wrong-password-123" }),
      /^registry 127\.0\.0\.1:\d+ .*credentials/,
      "reads",
    ],
    [
      "an API key OCI does not know",
      (i) => ({
        ...i,
        "oci-private-key": strangerKey.export({ type: "pkcs8", format: "pem" }).toString(),
        "oci-fingerprint": keyFingerprint(strangerKey),
      }),
      /^GetApplication failed: HTTP 401 NotAuthenticated: .*; check the API key/,
      "reads",
    ],
    [
      "a fingerprint that does not match the key",
      (i) => ({ ...i, "oci-fingerprint": keyFingerprint(strangerKey) }),
      /^input 'oci-fingerprint': \S+ is not the fingerprint of the key in 'oci-private-key'/,
      "none",
    ],
  ])("%s", async (_label, change, message, calls) => {
    const requestsBefore = sandbox.functions.stats.requests + sandbox.apigateway.stats.requests;
    sandbox.registry.resetStats();
    const run = await runAction(change(inputs));
    expectCleanOutput(run, [...secrets, "wrong-password-123"]);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    // Nothing deployed: no control-plane write, no blob, no manifest, no repository.
    expect(counts(sandbox)).toEqual({ fnWrites: 0, gwWrites: 0, blobBytes: 0, registryWrites: 0 });
    expect(sandbox.functions.stats.writeRequests + sandbox.apigateway.stats.writeRequests).toBe(0);
    expect(sandbox.registry.repositories()).not.toContain(`${e.ocirNamespace}/usage-api`);
    if (calls === "none") {
      // Refused before any call at all.
      expect(sandbox.functions.stats.requests + sandbox.apigateway.stats.requests).toBe(requestsBefore);
      expect(sandbox.registry.stats.requests).toEqual({});
    }
  });
});
