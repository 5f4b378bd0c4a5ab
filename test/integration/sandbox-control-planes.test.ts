// The sandbox's Functions, API Gateway and Artifacts control planes, driven by the real oci-sdk clients with
// requests signed by the sandbox's API-key user (read from the endpoints' key file), the way a deploy run
// drives OCI. A deployed spec must change what the gateway serves; a function updated to a pushed image
// must serve calls from that image.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DeploymentClient, GatewayClient, models as gw, WorkRequestsClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import * as common from "oci-common";
import { FunctionsManagementClient, models as fn } from "oci-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiSpecification } from "../../sandbox/gateway/jwt-policy.js";
import { BILLING_APP, USAGE_APP } from "../../sandbox/identity/index.js";
import {
  DEFAULT_FUNCTION_ENTRY,
  FUNCTION_NAME,
  type Sandbox,
  type SandboxEndpoints,
  startSandbox,
  USAGE_ROUTE,
  usageDeploymentSpec,
} from "../../sandbox/index.js";
import { buildImage } from "../../src/image/build.js";
import { fetchToken, postUsage } from "./helpers.js";

const USAGE_BODY = (tenantId: string) => ({
  tenantId,
  granularity: "MONTHLY",
  timeUsageStarted: "2025-01-01T00:00:00Z",
  timeUsageEnded: "2025-02-01T00:00:00Z",
});

/** Waiters poll every 50 ms and give up after 30 s: bounded, never a timing assertion. */
const WAIT = {
  terminationStrategy: new common.MaxTimeTerminationStrategy(30),
  delayStrategy: new common.FixedTimeDelayStrategy(0.05),
};

interface Clients {
  functions: FunctionsManagementClient;
  deployments: DeploymentClient;
  gateways: GatewayClient;
  workRequests: WorkRequestsClient;
  artifacts: ArtifactsClient;
}

async function providerOf(
  endpoints: SandboxEndpoints,
  privateKey?: string,
): Promise<common.SimpleAuthenticationDetailsProvider> {
  return new common.SimpleAuthenticationDetailsProvider(
    endpoints.tenancyId,
    endpoints.ociUserId,
    endpoints.ociFingerprint,
    privateKey ?? (await readFile(endpoints.ociPrivateKeyPath, "utf8")),
    null,
    common.Region.fromRegionId(endpoints.ociRegion),
  );
}

async function clientsFor(endpoints: SandboxEndpoints, privateKey?: string): Promise<Clients> {
  const auth = { authenticationDetailsProvider: await providerOf(endpoints, privateKey) };
  // No SDK retries: each call is one request, so answers are asserted as the service gave them.
  const config = { retryConfiguration: common.NoRetryConfigurationDetails };
  const clients: Clients = {
    functions: new FunctionsManagementClient(auth, config),
    deployments: new DeploymentClient(auth, config),
    gateways: new GatewayClient(auth, config),
    workRequests: new WorkRequestsClient(auth, config),
    artifacts: new ArtifactsClient(auth, config),
  };
  clients.functions.endpoint = endpoints.functionsUrl;
  clients.deployments.endpoint = endpoints.apigatewayUrl;
  clients.gateways.endpoint = endpoints.apigatewayUrl;
  clients.workRequests.endpoint = endpoints.apigatewayUrl;
  clients.artifacts.endpoint = endpoints.artifactsUrl;
  return clients;
}

/** The OciError of a call that must fail. */
async function failure(call: Promise<unknown>): Promise<common.OciError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof common.OciError) return err;
    throw err;
  }
  throw new Error("the call succeeded");
}

async function waitForFunction(c: Clients, functionId: string, ...states: fn.Function.LifecycleState[]) {
  const res = await c.functions.createWaiters(WAIT).forFunction({ functionId }, ...states);
  return res!.function;
}

async function waitForWorkRequest(c: Clients, workRequestId: string) {
  const res = await c.workRequests.createWaiters(WAIT).forWorkRequest({ workRequestId });
  return res.workRequest;
}

const asSdkSpec = (spec: ApiSpecification) => spec as unknown as gw.ApiSpecification;

/** The provisioned usage spec plus a stock-response route at `path` (GET, needs a token like the rest). */
function withStockRoute(spec: ApiSpecification, path: string, body: string): ApiSpecification {
  return {
    ...spec,
    routes: [
      ...spec.routes,
      { path, methods: ["GET"], backend: { type: "STOCK_RESPONSE_BACKEND", status: 200, body } },
    ],
  };
}

async function getWithToken(url: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

describe("control planes of a provisioned sandbox, through the oci-sdk clients", () => {
  let sandbox: Sandbox;
  let endpoints: SandboxEndpoints;
  let c: Clients;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ functionsLifecycleDelayMs: 100, workRequestStepMs: 50 });
    endpoints = sandbox.endpoints;
    c = await clientsFor(endpoints);
    token = await fetchToken(endpoints);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  describe("requests must be signed by a principal of the tenancy", () => {
    it("answers unsigned requests with 401 NotAuthenticated and an opc-request-id, on every control plane", async () => {
      for (const url of [
        `${endpoints.functionsUrl}/20181201/functions?applicationId=${endpoints.applicationId}`,
        `${endpoints.apigatewayUrl}/20190501/deployments?compartmentId=${endpoints.compartmentId}`,
        `${endpoints.artifactsUrl}/20160918/container/configuration?compartmentId=${endpoints.tenancyId}`,
      ]) {
        const res = await fetch(url);
        expect(res.status, url).toBe(401);
        expect(res.headers.get("opc-request-id"), url).toBeTruthy();
        expect(await res.json()).toMatchObject({ code: "NotAuthenticated" });
      }
    });

    it("refuses a request signed with a key that is not the user's", async () => {
      const other = sandbox.authority.createApiKeyUser("ocid1.tenancy.oc1..aaaaaaaaother");
      const forged = await clientsFor(endpoints, other.privateKeyPem);
      const err = await failure(forged.functions.getFunction({ functionId: endpoints.functionId! }));
      expect(err.statusCode).toBe(401);
      expect(err.serviceCode).toBe("NotAuthenticated");
      expect(sandbox.authority.lastFailure).toBe("bad-signature");
    });

    it("refuses a validly signed request from another tenancy's user", async () => {
      const stranger = sandbox.authority.createApiKeyUser("ocid1.tenancy.oc1..aaaaaaaastranger");
      const auth = {
        authenticationDetailsProvider: new common.SimpleAuthenticationDetailsProvider(
          stranger.tenancyId,
          stranger.userId,
          stranger.fingerprint,
          stranger.privateKeyPem,
          null,
          common.Region.fromRegionId(endpoints.ociRegion),
        ),
      };
      const client = new DeploymentClient(auth, { retryConfiguration: common.NoRetryConfigurationDetails });
      client.endpoint = endpoints.apigatewayUrl;
      const err = await failure(client.getDeployment({ deploymentId: endpoints.deploymentId! }));
      expect(err.statusCode).toBe(401);
    });
  });

  describe("Artifacts", () => {
    it("tells the registry namespace of the tenancy", async () => {
      const res = await c.artifacts.getContainerConfiguration({ compartmentId: endpoints.tenancyId });
      expect(res.containerConfiguration).toEqual({
        isRepositoryCreatedOnFirstPush: true,
        namespace: endpoints.ocirNamespace,
      });
      expect(res.opcRequestId).toBeTruthy();
      expect(endpoints.ocirUsername).toBe(`${endpoints.ocirNamespace}/sandbox-deployer`);
    });
  });

  describe("Functions", () => {
    it("shows the application and the provisioned function, found by name", async () => {
      const apps = await c.functions.listApplications({
        compartmentId: endpoints.compartmentId,
        displayName: "usageapi",
      });
      expect(apps.items.map((a) => [a.id, a.shape, a.lifecycleState])).toEqual([
        [endpoints.applicationId, "GENERIC_X86", "ACTIVE"],
      ]);
      const list = await c.functions.listFunctions({
        applicationId: endpoints.applicationId,
        displayName: FUNCTION_NAME,
      });
      expect(list.items.map((f) => f.id)).toEqual([endpoints.functionId]);
      const got = await c.functions.getFunction({ functionId: endpoints.functionId! });
      expect(got.etag).toMatch(/^[a-f0-9]{64}$/);
      expect(got.opcRequestId).toBeTruthy();
      expect(got.function.lifecycleState).toBe("ACTIVE");
      expect(got.function.image).toBe(
        `${endpoints.registryHost}/${endpoints.ocirNamespace}/usage-api:provisioned`,
      );
      const stored = sandbox.registry.manifest(`${endpoints.ocirNamespace}/usage-api`, "provisioned");
      expect(got.function.imageDigest).toBe(stored?.digest);
      // The running container is the one unpacked from that image.
      const runtime = sandbox.functions.runtime(endpoints.functionId!);
      expect(runtime?.imageDigest).toBe(stored?.digest);
      expect(sandbox.fn.options.entry).toBe(join(runtime!.functionDir, "func.js"));
    });

    it("creates a function (CREATING, then ACTIVE), lists it with paging, updates it with If-Match, deletes it", async () => {
      const image = `${endpoints.registryHost}/${endpoints.ocirNamespace}/usage-api:provisioned`;
      const writes = sandbox.functions.stats.writes;
      const created = await c.functions.createFunction({
        createFunctionDetails: {
          displayName: "cp-crud",
          applicationId: endpoints.applicationId,
          image,
          memoryInMBs: 256,
          timeoutInSeconds: 60,
          config: { USAGE_API_REGION: endpoints.ociRegion },
        },
      });
      expect(created.function.lifecycleState).toBe("CREATING");
      expect(created.function.imageDigest).toBe(
        sandbox.registry.manifest(`${endpoints.ocirNamespace}/usage-api`, "provisioned")?.digest,
      );
      expect(created.function.shape).toBe("GENERIC_X86");
      expect(created.function.compartmentId).toBe(endpoints.compartmentId);
      expect(created.etag).toBeTruthy();
      const id = created.function.id;
      expect(id).toMatch(/^ocid1\.fnfunc\.oc1\.iad\./);

      const active = await waitForFunction(c, id, fn.Function.LifecycleState.Active);
      expect(active.config).toEqual({ USAGE_API_REGION: endpoints.ociRegion });
      expect(sandbox.functions.agent(id)).toBeDefined();

      // Two functions in the application; one per page.
      const first = await c.functions.listFunctions({ applicationId: endpoints.applicationId, limit: 1 });
      expect(first.items).toHaveLength(1);
      expect(first.opcNextPage).toBeTruthy();
      const second = await c.functions.listFunctions({
        applicationId: endpoints.applicationId,
        limit: 1,
        page: first.opcNextPage,
      });
      expect(second.opcNextPage).toBeUndefined();
      expect([...first.items, ...second.items].map((f) => f.displayName).sort()).toEqual([
        "cp-crud",
        "usage-api",
      ]);
      const wrongPage = await failure(
        c.functions.listFunctions({
          applicationId: endpoints.applicationId,
          displayName: "x",
          page: first.opcNextPage,
        }),
      );
      expect(wrongPage.statusCode).toBe(400);

      const current = await c.functions.getFunction({ functionId: id });
      const stale = await failure(
        c.functions.updateFunction({
          functionId: id,
          ifMatch: created.etag,
          updateFunctionDetails: { memoryInMBs: 512 },
        }),
      );
      expect(stale.statusCode).toBe(412);
      expect(stale.serviceCode).toBe("NoEtagMatch");
      const release = sandbox.functions.hold();
      const updated = await c.functions.updateFunction({
        functionId: id,
        ifMatch: current.etag,
        updateFunctionDetails: { memoryInMBs: 512, config: { USAGE_API_REGION: "us-phoenix-1" } },
      });
      expect(updated.function.lifecycleState).toBe("UPDATING");
      expect(updated.etag).not.toBe(current.etag);
      // A second write while UPDATING is refused (the SDK would retry 409 IncorrectState by default).
      const busy = await failure(
        c.functions.updateFunction({ functionId: id, updateFunctionDetails: { memoryInMBs: 1024 } }),
      );
      expect([busy.statusCode, busy.serviceCode]).toEqual([409, "IncorrectState"]);
      expect((await c.functions.getFunction({ functionId: id })).function.lifecycleState).toBe("UPDATING");
      release();
      const after = await waitForFunction(c, id, fn.Function.LifecycleState.Active);
      expect(after.memoryInMBs).toBe(512);
      expect(after.config).toEqual({ USAGE_API_REGION: "us-phoenix-1" });
      expect(sandbox.functions.agent(id)?.options.memoryMb).toBe(512);
      expect(sandbox.functions.agent(id)?.options.config?.USAGE_API_REGION).toBe("us-phoenix-1");

      const before = await c.functions.getFunction({ functionId: id });
      await c.functions.deleteFunction({ functionId: id, ifMatch: before.etag });
      const deleted = await waitForFunction(c, id, fn.Function.LifecycleState.Deleted);
      expect(deleted.lifecycleState).toBe("DELETED");
      expect(sandbox.functions.agent(id)).toBeUndefined();
      const remaining = await c.functions.listFunctions({ applicationId: endpoints.applicationId });
      expect(remaining.items.map((f) => f.displayName)).toEqual(["usage-api"]);
      // A deleted function is listed only when its state is asked for; an unknown state is a 400.
      const listedDeleted = await c.functions.listFunctions({
        applicationId: endpoints.applicationId,
        lifecycleState: fn.Function.LifecycleState.Deleted,
      });
      expect(listedDeleted.items.map((f) => f.id)).toEqual([id]);
      const unknownState = await failure(
        c.functions.listFunctions({
          applicationId: endpoints.applicationId,
          lifecycleState: "SLEEPING" as fn.Function.LifecycleState,
        }),
      );
      expect(unknownState.statusCode).toBe(400);
      // One create, two updates (the refused one counts as a write request, not a write), one delete.
      expect(sandbox.functions.stats.writes - writes).toBe(3);
    });

    it("refuses invalid settings, a duplicate name, and images it cannot find", async () => {
      const ns = endpoints.ocirNamespace;
      const base = {
        displayName: "cp-invalid",
        applicationId: endpoints.applicationId,
        image: `${endpoints.registryHost}/${ns}/usage-api:provisioned`,
        memoryInMBs: 256,
      };
      const cases: Array<[string, Partial<fn.CreateFunctionDetails>, number, RegExp]> = [
        ["memory too small", { memoryInMBs: 64 }, 400, /memoryInMBs/],
        ["timeout above 300 s", { timeoutInSeconds: 301 }, 400, /timeoutInSeconds/],
        ["config key", { config: { "BAD-KEY": "x" } }, 400, /config key "BAD-KEY"/],
        ["config over 4 KB", { config: { BIG: "x".repeat(4094) } }, 400, /at most 4096 bytes/],
        ["duplicate name", { displayName: FUNCTION_NAME }, 409, /already exists/],
        ["unknown repository", { image: `${endpoints.registryHost}/${ns}/nothing:1` }, 400, /not found/],
        ["unknown tag", { image: `${endpoints.registryHost}/${ns}/usage-api:nope` }, 400, /not found/],
        ["unknown digest", { imageDigest: `sha256:${"0".repeat(64)}` }, 400, /not found/],
        ["another registry", { image: `iad.ocir.io/${ns}/usage-api:provisioned` }, 400, /Container Registry/],
        ["unknown application", { applicationId: "ocid1.fnapp.oc1.iad.aaaaaaaanone" }, 404, /./],
      ];
      const writes = sandbox.functions.stats.writes;
      for (const [name, change, status, message] of cases) {
        const err = await failure(
          c.functions.createFunction({ createFunctionDetails: { ...base, ...change } }),
        );
        expect(err.statusCode, name).toBe(status);
        expect(err.message, name).toMatch(message);
        expect(err.opcRequestId, name).toBeTruthy();
      }
      expect(sandbox.functions.stats.writes).toBe(writes);
    });

    it("refuses an image whose platforms do not cover the application's shape", async () => {
      const arm = sandbox.functions.addApplication({
        displayName: "arm-app",
        compartmentId: endpoints.compartmentId,
        shape: "GENERIC_ARM",
      });
      const repository = `${endpoints.ocirNamespace}/amd64-only`;
      sandbox.registry.seedImage({
        repository,
        tag: "1",
        index: false,
        platforms: [{ os: "linux", architecture: "amd64" }],
        config: { Entrypoint: ["node", "func.js"], WorkingDir: "/function" },
      });
      const err = await failure(
        c.functions.createFunction({
          createFunctionDetails: {
            displayName: "arm-fn",
            applicationId: arm.id,
            image: `${endpoints.registryHost}/${repository}:1`,
            memoryInMBs: 128,
          },
        }),
      );
      expect(err.statusCode).toBe(400);
      expect(err.serviceCode).toBe("InvalidParameter");
      expect(err.message).toMatch(/no linux\/arm64 image.*GENERIC_ARM/);
      // The same image suits an x86 application.
      const ok = await c.functions.createFunction({
        createFunctionDetails: {
          displayName: "x86-fn",
          applicationId: endpoints.applicationId,
          image: `${endpoints.registryHost}/${repository}:1`,
          memoryInMBs: 128,
        },
      });
      const active = await waitForFunction(c, ok.function.id, fn.Function.LifecycleState.Active);
      expect(active.imageDigest).toBe(sandbox.registry.manifest(repository, "1")?.digest);
      // Its entrypoint has no script in /function: ACTIVE, but calls fail as a container that cannot start.
      expect(sandbox.functions.runtime(ok.function.id)?.error).toMatch(/no \/function\/func\.js/);
      await expect(
        sandbox.functions.invoke(ok.function.id, {
          method: "GET",
          requestUrl: "/",
          headers: {},
          body: Buffer.alloc(0),
        }),
      ).rejects.toThrow(/cannot run/);
      await c.functions.deleteFunction({ functionId: ok.function.id });
      await waitForFunction(c, ok.function.id, fn.Function.LifecycleState.Deleted);
    });

    it("ends FAILED when a failure is injected, and keeps serving the old container", async () => {
      const agent = sandbox.fn;
      sandbox.functions.failNext();
      await c.functions.updateFunction({
        functionId: endpoints.functionId!,
        updateFunctionDetails: { timeoutInSeconds: 45 },
      });
      const failed = await waitForFunction(
        c,
        endpoints.functionId!,
        fn.Function.LifecycleState.Active,
        fn.Function.LifecycleState.Failed,
      );
      expect(failed.lifecycleState).toBe("FAILED");
      expect(sandbox.fn).toBe(agent);
      const answer = await postUsage(endpoints, token, USAGE_BODY(endpoints.tenancyId));
      expect(answer.status).toBe(200);
      // A FAILED function can be updated again.
      await c.functions.updateFunction({
        functionId: endpoints.functionId!,
        updateFunctionDetails: { timeoutInSeconds: 30 },
      });
      const fixed = await waitForFunction(c, endpoints.functionId!, fn.Function.LifecycleState.Active);
      expect(fixed.timeoutInSeconds).toBe(30);
    });

    it("applies injected faults to the Functions API", async () => {
      sandbox.faults.functions.script({ type: "status", status: 429 });
      const err = await failure(c.functions.getFunction({ functionId: endpoints.functionId! }));
      expect([err.statusCode, err.serviceCode]).toEqual([429, "TooManyRequests"]);
      expect(err.opcRequestId).toBeTruthy();
      const ok = await c.functions.getFunction({ functionId: endpoints.functionId! });
      expect(ok.function.id).toBe(endpoints.functionId);
    });

    it("serves calls from a new image pushed to the registry once the function is updated to it", async () => {
      const bundle = await readFile(DEFAULT_FUNCTION_ENTRY);
      const marker = `image-marker-${Date.now()}`;
      // The same function, with a first line that proves which image the container came from.
      const content = Buffer.concat([
        Buffer.from(`process.stderr.write(${JSON.stringify(`${marker}\n`)});\n`),
        bundle,
      ]);
      const pushed = await buildImage({
        files: [{ path: "function/func.js", content }],
        base: endpoints.baseImage,
        target: `${endpoints.registryHost}/${endpoints.ocirNamespace}/usage-api:v2`,
        platforms: [{ os: "linux", architecture: "amd64" }],
        credentials: { username: endpoints.ocirUsername, password: endpoints.ocirAuthToken },
      });
      const old = sandbox.fn;
      const current = await c.functions.getFunction({ functionId: endpoints.functionId! });
      await c.functions.updateFunction({
        functionId: endpoints.functionId!,
        ifMatch: current.etag,
        updateFunctionDetails: { image: `${endpoints.registryHost}/${endpoints.ocirNamespace}/usage-api:v2` },
      });
      const active = await waitForFunction(c, endpoints.functionId!, fn.Function.LifecycleState.Active);
      expect(active.imageDigest).toBe(pushed.digest);

      const runtime = sandbox.functions.runtime(endpoints.functionId!)!;
      expect(runtime.imageDigest).toBe(pushed.digest);
      expect(runtime.manifestDigest).toBe(pushed.platforms[0]?.digest);
      expect(sandbox.fn).not.toBe(old);
      expect(old.running).toBe(false);
      expect(sandbox.fn.options.entry.startsWith(`${runtime.functionDir}/`)).toBe(true);
      expect(await readFile(sandbox.fn.options.entry)).toEqual(content);

      const calls = sandbox.fn.stats.calls;
      const answer = await postUsage(endpoints, token, USAGE_BODY(endpoints.tenancyId));
      expect(answer.status).toBe(200);
      expect((answer.json() as { items: unknown[] }).items).toHaveLength(1);
      expect(sandbox.fn.stats.calls).toBe(calls + 1);
      expect(sandbox.fn.logs).toContain(marker);
    });
  });

  describe("API Gateway", () => {
    it("shows the gateway and the provisioned deployment, found by name", async () => {
      const gateway = await c.gateways.getGateway({ gatewayId: endpoints.gatewayId });
      expect(gateway.gateway.lifecycleState).toBe("ACTIVE");
      expect(`http://${gateway.gateway.hostname}/usage`).toBe(endpoints.gatewayUrl);
      const gateways = await c.gateways.listGateways({ compartmentId: endpoints.compartmentId });
      expect(gateways.gatewayCollection.items.map((g) => g.id)).toEqual([endpoints.gatewayId]);
      const list = await c.deployments.listDeployments({
        compartmentId: endpoints.compartmentId,
        gatewayId: endpoints.gatewayId,
        displayName: "usage-api",
      });
      expect(list.deploymentCollection.items.map((d) => d.id)).toEqual([endpoints.deploymentId]);
      const got = await c.deployments.getDeployment({ deploymentId: endpoints.deploymentId! });
      expect(got.deployment.lifecycleState).toBe("ACTIVE");
      expect(got.deployment.endpoint).toBe(endpoints.gatewayUrl);
      expect(got.deployment.pathPrefix).toBe("/usage");
      expect(got.etag).toBeTruthy();
      const backend = got.deployment.specification.routes?.[0]?.backend as gw.OracleFunctionBackend;
      expect(backend.functionId).toBe(endpoints.functionId);
    });

    it("creates a deployment through a work request; its spec (another audience) takes effect when it succeeds", async () => {
      const spec = usageDeploymentSpec({
        functionId: endpoints.functionId!,
        issuer: endpoints.issuer,
        audience: BILLING_APP.audience,
        jwksUrl: endpoints.jwksUrl,
        maxClockSkewInSeconds: 0,
      });
      const created = await c.deployments.createDeployment({
        createDeploymentDetails: {
          displayName: "cp-billing",
          gatewayId: endpoints.gatewayId,
          compartmentId: endpoints.compartmentId,
          pathPrefix: "/billing",
          specification: asSdkSpec(spec),
        },
      });
      expect(created.deployment.lifecycleState).toBe("CREATING");
      expect(created.opcWorkRequestId).toMatch(/^ocid1\.apigatewayworkrequest\./);
      expect(created.etag).toBeTruthy();
      const wr = await waitForWorkRequest(c, created.opcWorkRequestId);
      expect(wr.status).toBe("SUCCEEDED");
      expect(wr.operationType).toBe("CREATE_DEPLOYMENT");
      expect(wr.percentComplete).toBe(100);
      expect(wr.timeStarted).toBeTruthy();
      expect(wr.resources).toEqual([
        expect.objectContaining({
          entityType: "deployment",
          actionType: "CREATED",
          identifier: created.deployment.id,
        }),
      ]);
      const active = await c.deployments.getDeployment({ deploymentId: created.deployment.id });
      expect(active.deployment.lifecycleState).toBe("ACTIVE");
      expect(active.deployment.endpoint).toBe(`${new URL(endpoints.gatewayUrl).origin}/billing`);

      const at = { ...endpoints, gatewayUrl: active.deployment.endpoint };
      const usageToken = await fetchToken(endpoints, endpoints.scope);
      const billingToken = await fetchToken(endpoints, endpoints.otherScope);
      expect((await postUsage(at, usageToken, USAGE_BODY(endpoints.tenancyId))).status).toBe(401);
      expect((await postUsage(at, billingToken, USAGE_BODY(endpoints.tenancyId))).status).toBe(200);
      // The provisioned deployment still wants the usage audience.
      expect((await postUsage(endpoints, billingToken, USAGE_BODY(endpoints.tenancyId))).status).toBe(401);

      const duplicate = await failure(
        c.deployments.createDeployment({
          createDeploymentDetails: {
            gatewayId: endpoints.gatewayId,
            compartmentId: endpoints.compartmentId,
            pathPrefix: "/billing",
            specification: asSdkSpec(spec),
          },
        }),
      );
      expect(duplicate.statusCode).toBe(409);

      const deleting = await c.deployments.deleteDeployment({ deploymentId: created.deployment.id });
      const deletion = await waitForWorkRequest(c, deleting.opcWorkRequestId);
      expect(deletion.status).toBe("SUCCEEDED");
      const gone = await c.deployments.getDeployment({ deploymentId: created.deployment.id });
      expect(gone.deployment.lifecycleState).toBe("DELETED");
      expect((await postUsage(at, billingToken, USAGE_BODY(endpoints.tenancyId))).status).toBe(404);
    });

    it("refuses an invalid spec with every problem listed, a missing gateway, and a stale If-Match", async () => {
      const writes = sandbox.apigateway.stats.writes;
      const invalid = await failure(
        c.deployments.createDeployment({
          createDeploymentDetails: {
            gatewayId: endpoints.gatewayId,
            compartmentId: endpoints.compartmentId,
            pathPrefix: "/broken/",
            specification: asSdkSpec({
              requestPolicies: {
                authentication: {
                  type: "JWT_AUTHENTICATION",
                  issuers: [],
                  audiences: ["a"],
                  publicKeys: { type: "REMOTE_JWKS", uri: endpoints.jwksUrl },
                },
              },
              routes: [],
            }),
          },
        }),
      );
      expect([invalid.statusCode, invalid.serviceCode]).toEqual([400, "InvalidParameter"]);
      expect(invalid.message).toMatch(/pathPrefix: must not end with "\/"/);
      expect(invalid.message).toMatch(/issuers: must be a non-empty array/);
      expect(invalid.message).toMatch(/routes: must be a non-empty array/);

      const missing = await failure(
        c.deployments.createDeployment({
          createDeploymentDetails: {
            gatewayId: "ocid1.apigateway.oc1.iad.aaaaaaaamissing",
            compartmentId: endpoints.compartmentId,
            pathPrefix: "/x",
            specification: asSdkSpec(sandbox.deployment!.specification),
          },
        }),
      );
      expect([missing.statusCode, missing.serviceCode]).toEqual([404, "NotAuthorizedOrNotFound"]);

      const stale = await failure(
        c.deployments.updateDeployment({
          deploymentId: endpoints.deploymentId!,
          ifMatch: "0".repeat(64),
          updateDeploymentDetails: { displayName: "renamed" },
        }),
      );
      expect([stale.statusCode, stale.serviceCode]).toEqual([412, "NoEtagMatch"]);
      expect(sandbox.apigateway.stats.writes).toBe(writes);
    });

    it("updates a deployment: the new route serves once the work request succeeds; an injected failure keeps the old spec", async () => {
      const base = sandbox.deployment!.specification;
      const current = await c.deployments.getDeployment({ deploymentId: endpoints.deploymentId! });
      const updated = await c.deployments.updateDeployment({
        deploymentId: endpoints.deploymentId!,
        ifMatch: current.etag,
        updateDeploymentDetails: { specification: asSdkSpec(withStockRoute(base, "/ping", "pong")) },
      });
      expect(updated.opcWorkRequestId).toBeTruthy();
      const wr = await waitForWorkRequest(c, updated.opcWorkRequestId);
      expect([wr.status, wr.operationType]).toEqual(["SUCCEEDED", "UPDATE_DEPLOYMENT"]);
      const active = await c.deployments
        .createWaiters(WAIT)
        .forDeployment({ deploymentId: endpoints.deploymentId! }, gw.Deployment.LifecycleState.Active);
      expect(active?.deployment.specification.routes?.map((r) => r.path)).toEqual([USAGE_ROUTE, "/ping"]);
      expect(await getWithToken(`${endpoints.gatewayUrl}/ping`, token)).toEqual({
        status: 200,
        text: "pong",
      });

      sandbox.apigateway.failNext("Function backend unreachable (injected)");
      const failing = await c.deployments.updateDeployment({
        deploymentId: endpoints.deploymentId!,
        updateDeploymentDetails: { specification: asSdkSpec(withStockRoute(base, "/ping2", "pong2")) },
      });
      const failed = await waitForWorkRequest(c, failing.opcWorkRequestId);
      expect(failed.status).toBe("FAILED");
      expect(failed.resources[0]?.actionType).toBe("FAILED");
      const errors = await c.workRequests.listWorkRequestErrors({ workRequestId: failing.opcWorkRequestId });
      expect(errors.workRequestErrorCollection.items.map((e) => e.message)).toEqual([
        "Function backend unreachable (injected)",
      ]);
      const logs = await c.workRequests.listWorkRequestLogs({ workRequestId: failing.opcWorkRequestId });
      expect(logs.workRequestLogCollection.items.length).toBeGreaterThan(1);
      const dep = await c.deployments.getDeployment({ deploymentId: endpoints.deploymentId! });
      expect(dep.deployment.lifecycleState).toBe("FAILED");
      expect(dep.deployment.lifecycleDetails).toBe("Function backend unreachable (injected)");
      // The data plane keeps serving the spec that was in effect.
      expect((await getWithToken(`${endpoints.gatewayUrl}/ping2`, token)).status).toBe(404);
      expect(await getWithToken(`${endpoints.gatewayUrl}/ping`, token)).toEqual({
        status: 200,
        text: "pong",
      });
      expect((await postUsage(endpoints, token, USAGE_BODY(endpoints.tenancyId))).status).toBe(200);
      expect(dep.deployment.specification.routes?.map((r) => r.path)).toEqual([USAGE_ROUTE, "/ping"]);

      const listed = await c.workRequests.listWorkRequests({
        compartmentId: endpoints.compartmentId,
        resourceId: endpoints.deploymentId!,
      });
      expect(listed.workRequestCollection.items.map((w) => w.status)).toEqual(["SUCCEEDED", "FAILED"]);

      // A FAILED deployment takes the next update, which restores the plain usage spec.
      const restore = await c.deployments.updateDeployment({
        deploymentId: endpoints.deploymentId!,
        updateDeploymentDetails: { specification: asSdkSpec(base) },
      });
      expect((await waitForWorkRequest(c, restore.opcWorkRequestId)).status).toBe("SUCCEEDED");
      expect((await getWithToken(`${endpoints.gatewayUrl}/ping`, token)).status).toBe(404);
      const restored = await c.deployments.getDeployment({ deploymentId: endpoints.deploymentId! });
      expect(restored.deployment.lifecycleState).toBe("ACTIVE");
      expect(restored.deployment.lifecycleDetails).toBeUndefined();
    });
  });
});

describe("an empty sandbox (provision: false): create everything from nothing", () => {
  let sandbox: Sandbox;
  let endpoints: SandboxEndpoints;
  let c: Clients;

  beforeAll(async () => {
    sandbox = await startSandbox({ provision: false, functionsLifecycleDelayMs: 50, workRequestStepMs: 20 });
    endpoints = sandbox.endpoints;
    c = await clientsFor(endpoints);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("has the application and the gateway but no function and no deployment", async () => {
    expect(endpoints.functionId).toBeUndefined();
    expect(endpoints.deploymentId).toBeUndefined();
    expect(
      (await c.functions.getApplication({ applicationId: endpoints.applicationId })).application.shape,
    ).toBe("GENERIC_X86");
    expect((await c.functions.listFunctions({ applicationId: endpoints.applicationId })).items).toEqual([]);
    const deployments = await c.deployments.listDeployments({ compartmentId: endpoints.compartmentId });
    expect(deployments.deploymentCollection.items).toEqual([]);
    expect((await c.gateways.getGateway({ gatewayId: endpoints.gatewayId })).gateway.id).toBe(
      endpoints.gatewayId,
    );
    expect(() => sandbox.fn).toThrow(/no provisioned function/);
  });

  it("pushes the function image, creates the function and the deployment, and answers a usage call", async () => {
    const namespace = (await c.artifacts.getContainerConfiguration({ compartmentId: endpoints.tenancyId }))
      .containerConfiguration.namespace;
    const image = `${endpoints.registryHost}/${namespace}/usage-api/function:0.1.0`;
    const pushed = await buildImage({
      files: [{ path: "function/func.js", content: await readFile(DEFAULT_FUNCTION_ENTRY) }],
      base: endpoints.baseImage,
      target: image,
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64" },
      ],
      credentials: { username: endpoints.ocirUsername, password: endpoints.ocirAuthToken },
    });
    const created = await c.functions.createFunction({
      createFunctionDetails: {
        displayName: "usage-api",
        applicationId: endpoints.applicationId,
        image: pushed.image,
        memoryInMBs: 256,
        timeoutInSeconds: 30,
        config: { USAGE_API_REGION: endpoints.ociRegion },
      },
    });
    const active = await waitForFunction(c, created.function.id, fn.Function.LifecycleState.Active);
    expect(active.imageDigest).toBe(pushed.digest);
    const runtime = sandbox.functions.runtime(created.function.id)!;
    expect(runtime.manifestDigest).toBe(pushed.platforms.find((p) => p.platform === "linux/amd64")?.digest);
    expect(runtime.entry).toBe(join(runtime.functionDir, "func.js"));

    const deployment = await c.deployments.createDeployment({
      createDeploymentDetails: {
        displayName: "usage-api",
        gatewayId: endpoints.gatewayId,
        compartmentId: endpoints.compartmentId,
        pathPrefix: "/usage",
        specification: asSdkSpec(
          usageDeploymentSpec({
            functionId: created.function.id,
            issuer: endpoints.issuer,
            audience: USAGE_APP.audience,
            jwksUrl: endpoints.jwksUrl,
            maxClockSkewInSeconds: 60,
          }),
        ),
      },
    });
    expect((await waitForWorkRequest(c, deployment.opcWorkRequestId)).status).toBe("SUCCEEDED");
    const got = await c.deployments.getDeployment({ deploymentId: deployment.deployment.id });
    expect(got.deployment.endpoint).toBe(endpoints.gatewayUrl);

    const token = await fetchToken(endpoints);
    const answer = await postUsage(endpoints, token, USAGE_BODY(endpoints.tenancyId));
    expect(answer.status).toBe(200);
    expect(sandbox.functions.agent(created.function.id)?.stats.calls).toBe(1);
    expect(sandbox.functions.stats.creates).toBe(1);
    expect(sandbox.apigateway.stats.creates).toBe(1);
  });

  it("needs OCIR credentials for the private repositories, while the fnproject base is public", async () => {
    const ping = await fetch(`${endpoints.registryUrl}/v2/`);
    expect(ping.status).toBe(401);
    const challenge = ping.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain(`realm="${endpoints.registryUrl}/20180419/docker/token"`);
    const service = /service="([^"]+)"/.exec(challenge)?.[1] ?? "";
    const tokenFor = async (repo: string, authorization?: string) => {
      const url = `${endpoints.registryUrl}/20180419/docker/token?service=${encodeURIComponent(service)}&scope=${encodeURIComponent(`repository:${repo}:pull`)}`;
      const res = await fetch(url, authorization ? { headers: { authorization } } : {});
      const { token } = (await res.json()) as { token: string };
      const manifest = await fetch(`${endpoints.registryUrl}/v2/${repo}/manifests/latest`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return manifest.status;
    };
    const basic = `Basic ${Buffer.from(`${endpoints.ocirUsername}:${endpoints.ocirAuthToken}`).toString("base64")}`;
    const privateRepo = `${endpoints.ocirNamespace}/usage-api/function`;
    // 404 (no such tag) means the pull was authorized; 401 means it was not.
    expect(await tokenFor("fnproject/node")).toBe(404);
    expect(await tokenFor(privateRepo)).toBe(401);
    expect(await tokenFor(privateRepo, basic)).toBe(404);
    // Pushes only under the tenancy's namespace, as OCIR allows.
    for (const [repo, granted] of [
      [`${endpoints.ocirNamespace}/new/repo`, [`repository:${endpoints.ocirNamespace}/new/repo:pull,push`]],
      ["fnproject/node", ["repository:fnproject/node:pull"]],
    ] as const) {
      const scope = encodeURIComponent(`repository:${repo}:pull,push`);
      const res = await fetch(
        `${endpoints.registryUrl}/20180419/docker/token?service=${encodeURIComponent(service)}&scope=${scope}`,
        { headers: { authorization: basic } },
      );
      expect(res.status).toBe(200);
      expect(sandbox.registry.stats.tokenRequests.at(-1)?.granted).toEqual(granted);
    }
  });
});
