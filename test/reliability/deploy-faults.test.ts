// Faults on the deploy path, through the BUILT action against the sandbox's control planes: registry 5xx
// during blob upload and manifest put, a work request that fails or hangs, an etag conflict on the function
// update, a JWKS outage. Each run converges (at once, or on a re-run once the fault is gone) or fails with
// one clear line; after every run, failed or not, the gateway routes only to a function that exists and
// whose image is in the registry, and the deployment's control-plane record matches its data plane.
import { appendFile, cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { buildAction } from "../../scripts/build.mjs";
import { loadFuncYaml } from "../../src/deploy/assets.js";
import type { DeployDeps } from "../../src/deploy/context.js";
import { createDeployDeps, runDeploy } from "../../src/deploy/index.js";
import { readDeployInputs } from "../../src/deploy/inputs.js";
import { oneLine } from "../../src/lib/errors.js";
import { sessionDeps, signInInputs } from "../../src/oci/sign-in.js";
import { type ActionRun, runBuiltAction, sandboxDeployInputs } from "../support/action-runner.js";

interface Figures {
  runs: number;
  faults: number;
  failedClearly: number;
  convergedOnRerun: number;
  retries: number;
}

describe("faults on the deploy path", () => {
  let sandbox: Sandbox;
  let work: string;
  let inputs: Record<string, string>;
  let versions = 0;
  let functionId: string;
  let deploymentId: string;
  const figures: Figures = { runs: 0, faults: 0, failedClearly: 0, convergedOnRerun: 0, retries: 0 };
  /** The one-line errors of the failed runs, printed with the figures. */
  const messages: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "deploy-faults-"));
    await buildAction(join(work, "dist"));
    sandbox = await startSandbox({ provision: false, workRequestStepMs: 20, functionsLifecycleDelayMs: 20 });
    const pem = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    inputs = { ...sandboxDeployInputs(sandbox.endpoints, pem), "wait-timeout": "2" };
    const first = await deploy(join(work, "dist"));
    expect(first.code, first.stdout).toBe(0);
    functionId = first.outputs["function-id"]!;
    deploymentId = first.outputs["deployment-id"]!;
  }, 180_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    console.log(
      `deploy-faults: runs ${figures.runs}, faults injected ${figures.faults} (registry 5xx on blob upload and manifest put, work request failed and hung, etag conflict, JWKS outage), ` +
        `retried to success in the same run ${figures.retries}, failed with one clear line ${figures.failedClearly}, converged on the re-run ${figures.convergedOnRerun}, ` +
        `half-updated gateways 0, wall ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const message of messages) console.log(`deploy-faults: failed with: ${message}`);
  });

  /** A newer release of the action: the same bundle with a changed function file, so deploy pushes an image. */
  async function newRelease(): Promise<string> {
    const dir = join(work, `dist-v${++versions}`);
    await cp(join(work, "dist"), dir, { recursive: true });
    await appendFile(join(dir, "function", "func.js"), `\n// v${versions}\n`);
    return dir;
  }

  async function deploy(bundleDir: string, extra: Record<string, string> = {}): Promise<ActionRun> {
    const run = await runBuiltAction(join(bundleDir, "index.js"), { ...inputs, ...extra });
    figures.runs++;
    await sandbox.apigateway.settle().catch(() => {});
    expectConsistent();
    if (run.code !== 0) {
      // One line, saying what failed; no stack, no SDK internals.
      expect(run.errors, run.stdout).toHaveLength(1);
      expect(run.errors[0]).not.toMatch(/\n|\[object Object\]|\bat \S+ \(/);
    }
    return run;
  }

  /** runDeploy itself (as main.ts calls it), its waits on a virtual clock: the error line and the time waited. */
  async function deployInProcess(
    bundleDir: string,
    extra: Record<string, string>,
  ): Promise<{ error: string | undefined; waitedMs: number }> {
    const values: Record<string, string> = { ...inputs, ...extra };
    const read = readDeployInputs((name) => values[name] ?? "", {
      setSecret: () => {},
      funcYaml: await loadFuncYaml([join(bundleDir, "function", "func.yaml")]),
      env: {},
    });
    const signed = await signInInputs(
      read,
      sessionDeps(() => {}),
    );
    let waitedMs = 0;
    const deps: DeployDeps = {
      ...createDeployDeps(),
      log: { info: () => {}, warning: () => {}, group: (_name, fn) => fn() },
      setOutput: () => {},
      setSecret: () => {},
      writeSummary: undefined,
      readFunctionBundle: () => readFile(join(bundleDir, "function", "func.js")),
      now: () => Date.now() + waitedMs,
      sleep: async (ms) => {
        waitedMs += ms;
      },
    };
    try {
      await runDeploy(signed, deps);
      return { error: undefined, waitedMs };
    } catch (err) {
      return { error: oneLine(err), waitedMs };
    }
  }

  /** The gateway never routes to a missing function or a function whose image is not in the registry. */
  function expectConsistent(): void {
    for (const deployment of sandbox.gateway.deployments()) {
      const control = deploymentId ? sandbox.apigateway.deployment(deploymentId) : undefined;
      if (control?.lifecycleState === "ACTIVE")
        expect(deployment.specification, "data plane and control plane disagree").toEqual(
          control.specification,
        );
      for (const route of deployment.specification.routes) {
        const backend = route.backend as { type: string; functionId?: string };
        if (backend.type !== "ORACLE_FUNCTIONS_BACKEND") continue;
        const fn = sandbox.functions.function(backend.functionId!);
        expect(
          fn,
          `the gateway routes to function ${backend.functionId}, which does not exist`,
        ).toBeDefined();
        expect(fn!.lifecycleState).not.toBe("DELETED");
        const repository = fn!.image.replace(/^[^/]+\//, "").replace(/[:@].*$/, "");
        expect(
          sandbox.registry.manifest(repository, fn!.imageDigest),
          `function ${fn!.displayName} runs ${fn!.image}@${fn!.imageDigest}, which is not in the registry`,
        ).toBeDefined();
      }
    }
  }

  /** The fault-free re-run: it succeeds, and the function runs the release's image. */
  async function rerunConverges(bundleDir: string, extra: Record<string, string> = {}): Promise<ActionRun> {
    sandbox.faults.clearAll();
    const run = await deploy(bundleDir, extra);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(sandbox.functions.function(functionId)!.imageDigest).toBe(run.outputs.image!.split("@")[1]);
    expect(sandbox.apigateway.deployment(deploymentId)!.lifecycleState).toBe("ACTIVE");
    figures.convergedOnRerun++;
    return run;
  }

  function failedWith(run: ActionRun, message: RegExp): void {
    expect(run.code, run.stdout).toBe(1);
    expect(run.errors[0]).toMatch(message);
    figures.failedClearly++;
    messages.push(run.errors[0]!);
  }

  const UPLOAD = ({ path }: { path: string }) => path.includes("/blobs/uploads");
  const MANIFEST_PUT = ({ method, path }: { method: string; path: string }) =>
    method === "PUT" && path.includes("/manifests/");

  it.each([
    ["blob upload", UPLOAD],
    ["manifest put", MANIFEST_PUT],
  ])(
    "registry 5xx during %s: retried through a few; a lasting outage fails clearly and the old image keeps serving",
    async (_what, filter) => {
      const release = await newRelease();
      const before = sandbox.functions.function(functionId)!.imageDigest;
      // Two 5xx in a row: the push retries through them.
      sandbox.faults.registry
        .only(filter)
        .script({ type: "status", status: 503 }, { type: "status", status: 500 });
      const retried = await deploy(release);
      expect(retried.code, retried.stdout).toBe(0);
      expect(sandbox.faults.registry.injected).toBe(2);
      figures.faults += 2;
      figures.retries++;
      expect(sandbox.functions.function(functionId)!.imageDigest).not.toBe(before);

      // Every such call fails: the run ends before the function is touched.
      const next = await newRelease();
      const serving = sandbox.functions.function(functionId)!.imageDigest;
      sandbox.faults.clearAll();
      sandbox.faults.registry.only(filter).rate({ type: "status", status: 503 }, 1);
      const failed = await deploy(next);
      figures.faults += sandbox.faults.registry.injected;
      failedWith(failed, /^(image push|registry|push)[^\n]*(503|Service Unavailable)/i);
      expect(sandbox.functions.function(functionId)!.imageDigest).toBe(serving);
      await rerunConverges(next);
    },
  );

  it("a work request that fails: a clear line naming it; the re-run repairs the deployment", async () => {
    sandbox.apigateway.failNext("Unable to apply the specification (injected)");
    figures.faults++;
    const failed = await deploy(join(work, `dist-v${versions}`), { "max-clock-skew": "45" });
    failedWith(
      failed,
      /^deployment usage-api: work request \S+ \(UPDATE_DEPLOYMENT\) FAILED: Unable to apply/,
    );
    const run = await rerunConverges(join(work, `dist-v${versions}`), { "max-clock-skew": "45" });
    expect(run.stdout).not.toMatch(/Plan: .*deployment unchanged/);
  });

  it("a work request that hangs: the wait times out in one line; once it finishes the re-run converges", async () => {
    const release = sandbox.apigateway.hangNext();
    figures.faults++;
    // In this process, on a virtual clock: the smallest wait-timeout is a minute, not waited for real.
    const hung = await deployInProcess(join(work, `dist-v${versions}`), {
      "max-clock-skew": "50",
      "wait-timeout": "1",
    });
    figures.runs++;
    expectConsistent();
    expect(hung.error).toMatch(
      /^deployment usage-api is still IN_PROGRESS \(50%\) after the wait timeout \(work request \S+\); the change continues in OCI: re-run deploy later, or raise 'wait-timeout'$/,
    );
    expect(hung.waitedMs).toBeGreaterThanOrEqual(50_000);
    figures.failedClearly++;
    messages.push(hung.error!);
    // Meanwhile the data plane serves the old, complete specification.
    expect(sandbox.apigateway.deployment(deploymentId)!.lifecycleState).toBe("UPDATING");
    release();
    await rerunConverges(join(work, `dist-v${versions}`), { "max-clock-skew": "50" });
  });

  it("an etag conflict on the function update: a clear line, the gateway untouched; the re-run converges", async () => {
    const release = await newRelease();
    const gwWrites = sandbox.apigateway.stats.writes;
    sandbox.functions.editBeforeNextUpdate();
    figures.faults++;
    const failed = await deploy(release);
    failedWith(
      failed,
      /^function usage-api was changed by someone else while deploy ran \(.*412.*\); re-run deploy/,
    );
    expect(sandbox.apigateway.stats.writes).toBe(gwWrites);
    await rerunConverges(release);
  });

  it("a JWKS outage at deploy time: a clear line before any write; the re-run converges", async () => {
    const release = await newRelease();
    const writes = sandbox.functions.stats.writes + sandbox.apigateway.stats.writes;
    sandbox.faults.jwks.rate({ type: "status", status: 503 }, 1);
    const failed = await deploy(release, { "max-clock-skew": "55" });
    figures.faults += sandbox.faults.jwks.injected;
    failedWith(
      failed,
      /^GET JWKS http:\/\/127\.0\.0\.1:\d+\/admin\/v1\/SigningCert\/jwk answered HTTP 503; the identity domain is unavailable \(4 attempts\): re-run later$/,
    );
    expect(sandbox.functions.stats.writes + sandbox.apigateway.stats.writes).toBe(writes);
    await rerunConverges(release, { "max-clock-skew": "55" });
  });
});
