// Every OCI call `setup` makes, against a bare sandbox, through the oci-sdk's own clients: the Identity API
// (dynamic groups, policies), the Identity Domains admin API (Apps, AppStatusChanger), Functions
// CreateApplication, API Gateway CreateGateway and its work request, and Artifacts container repositories.
// A client app created through the admin API then gets a token for its new scope, and a deployment on the new
// gateway whose audience is the new resource app's accepts it.
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DeploymentClient, GatewayClient, WorkRequestsClient } from "oci-apigateway";
import { ArtifactsClient } from "oci-artifacts";
import * as common from "oci-common";
import { FunctionsManagementClient } from "oci-functions";
import { IdentityClient } from "oci-identity";
import { IdentityDomainsClient, type models as idm } from "oci-identitydomains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SCHEMA, APP_STATUS_CHANGER_SCHEMA } from "../../sandbox/identity/admin.js";
import { type BareSandbox, startSandbox } from "../../sandbox/index.js";
import { iamPolicy } from "../../src/deploy/iam.js";

const WAIT = {
  terminationStrategy: new common.MaxTimeTerminationStrategy(30),
  delayStrategy: new common.FixedTimeDelayStrategy(0.05),
};
const NO_RETRY = { retryConfiguration: common.NoRetryConfigurationDetails };

interface Clients {
  iam: IdentityClient;
  domains: IdentityDomainsClient;
  functions: FunctionsManagementClient;
  gateways: GatewayClient;
  deployments: DeploymentClient;
  workRequests: WorkRequestsClient;
  artifacts: ArtifactsClient;
}

function clientsFor(sandbox: BareSandbox, privateKeyPem: string): Clients {
  const e = sandbox.endpoints;
  const provider = new common.SimpleAuthenticationDetailsProvider(
    e.tenancyId,
    e.ociUserId,
    e.ociFingerprint,
    privateKeyPem,
    null,
    common.Region.fromRegionId(e.ociRegion),
  );
  const auth = { authenticationDetailsProvider: provider };
  const c: Clients = {
    iam: new IdentityClient(auth, NO_RETRY),
    domains: new IdentityDomainsClient(auth, NO_RETRY),
    functions: new FunctionsManagementClient(auth, NO_RETRY),
    gateways: new GatewayClient(auth, NO_RETRY),
    deployments: new DeploymentClient(auth, NO_RETRY),
    workRequests: new WorkRequestsClient(auth, NO_RETRY),
    artifacts: new ArtifactsClient(auth, NO_RETRY),
  };
  c.iam.endpoint = e.iamUrl;
  c.domains.endpoint = e.identityUrl;
  c.functions.endpoint = e.functionsUrl;
  c.gateways.endpoint = e.apigatewayUrl;
  c.deployments.endpoint = e.apigatewayUrl;
  c.workRequests.endpoint = e.apigatewayUrl;
  c.artifacts.endpoint = e.artifactsUrl;
  return c;
}

async function failure(call: Promise<unknown>): Promise<common.OciError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof common.OciError) return err;
    throw err;
  }
  throw new Error("the call succeeded; it should have failed");
}

async function token(tokenUrl: string, clientId: string, secret: string, scope: string) {
  const res = await fetch(tokenUrl, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

let sandbox: BareSandbox;
let c: Clients;
let intruder: Clients;

beforeAll(async () => {
  sandbox = await startSandbox({
    bare: true,
    workRequestStepMs: 20,
    functionsLifecycleDelayMs: 20,
    iamLifecycleDelayMs: 20,
  });
  c = clientsFor(sandbox, await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8"));
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  intruder = clientsFor(sandbox, other.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
});

afterAll(async () => {
  await sandbox?.stop();
});

describe("a bare sandbox", () => {
  it("has a subnet and the API-key user, and no application or gateway", async () => {
    const e = sandbox.endpoints;
    expect(e.subnetId).toMatch(/^ocid1\.subnet\.oc1\.iad\./);
    expect(e.vcnId).toMatch(/^ocid1\.vcn\.oc1\.iad\./);
    expect(e).not.toHaveProperty("applicationId");
    expect(e).not.toHaveProperty("gatewayId");
    expect(e).not.toHaveProperty("functionId");
    const apps = await c.functions.listApplications({ compartmentId: e.compartmentId });
    expect(apps.items).toEqual([]);
    const gateways = await c.gateways.listGateways({ compartmentId: e.compartmentId });
    expect(gateways.gatewayCollection.items).toEqual([]);
  });
});

describe("the default sandbox", () => {
  it("keeps its application and gateway, now in the sandbox subnet, and adds the new endpoint keys", async () => {
    const empty = await startSandbox({ provision: false });
    try {
      const e = empty.endpoints;
      expect(e.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/usage$/);
      expect(e.iamUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(empty.functions.application(e.applicationId)?.subnetIds).toEqual([e.subnetId]);
      expect(empty.apigateway.gateway(e.gatewayId)?.subnetId).toBe(e.subnetId);
    } finally {
      await empty.stop();
    }
  });
});

describe("Identity: dynamic groups and policies", () => {
  const rule = () =>
    `ALL {resource.type = 'fnfunc', resource.compartment.id = '${sandbox.endpoints.compartmentId}'}`;

  it("creates a dynamic group, finds it by name, and updates it with if-match", async () => {
    const e = sandbox.endpoints;
    const created = await c.iam.createDynamicGroup({
      createDynamicGroupDetails: {
        compartmentId: e.tenancyId,
        name: "UsageApiFunction",
        description: "fn",
        matchingRule: rule(),
      },
    });
    expect(created.dynamicGroup.lifecycleState).toBe("CREATING");
    const active = await c.iam
      .createWaiters(WAIT)
      .forDynamicGroup({ dynamicGroupId: created.dynamicGroup.id }, "ACTIVE" as never);
    expect(active?.dynamicGroup.lifecycleState).toBe("ACTIVE");
    const found = await c.iam.listDynamicGroups({ compartmentId: e.tenancyId, name: "UsageApiFunction" });
    expect(found.items.map((g) => g.id)).toEqual([created.dynamicGroup.id]);

    const stale = await failure(
      c.iam.updateDynamicGroup({
        dynamicGroupId: created.dynamicGroup.id,
        ifMatch: created.etag,
        updateDynamicGroupDetails: { description: "changed" },
      }),
    );
    expect([stale.statusCode, stale.serviceCode]).toEqual([412, "NoEtagMatch"]);
    const byFunction = `ALL {resource.type = 'fnfunc', resource.id = 'ocid1.fnfunc.oc1.iad.aaaaaaaaexample'}`;
    const updated = await c.iam.updateDynamicGroup({
      dynamicGroupId: created.dynamicGroup.id,
      ifMatch: active!.etag,
      updateDynamicGroupDetails: { matchingRule: byFunction },
    });
    expect(updated.dynamicGroup.matchingRule).toBe(byFunction);
    expect(updated.etag).not.toBe(active!.etag);
  });

  it("refuses a malformed matching rule, a duplicate name, another compartment, and an unknown id", async () => {
    const e = sandbox.endpoints;
    const details = {
      compartmentId: e.tenancyId,
      name: "Broken",
      description: "",
      matchingRule: "ALL {resource.kind = 'x'}",
    };
    const bad = await failure(c.iam.createDynamicGroup({ createDynamicGroupDetails: details }));
    expect([bad.statusCode, bad.serviceCode]).toEqual([400, "InvalidParameter"]);
    expect(bad.message).toMatch(/matching rule.*resource\.kind/);
    const duplicate = await failure(
      c.iam.createDynamicGroup({
        createDynamicGroupDetails: { ...details, name: "usageapifunction", matchingRule: rule() },
      }),
    );
    expect([duplicate.statusCode, duplicate.serviceCode]).toEqual([409, "DynamicGroupAlreadyExists"]);
    const elsewhere = await failure(
      c.iam.createDynamicGroup({
        createDynamicGroupDetails: { ...details, compartmentId: e.compartmentId, matchingRule: rule() },
      }),
    );
    expect(elsewhere.statusCode).toBe(400);
    const missing = await failure(
      c.iam.getDynamicGroup({ dynamicGroupId: "ocid1.dynamicgroup.oc1..aaaaaaaanone" }),
    );
    expect([missing.statusCode, missing.serviceCode]).toEqual([404, "NotAuthorizedOrNotFound"]);
  });

  it("creates policies of deploy's statements, pages through them, updates with if-match, and refuses a malformed statement", async () => {
    const e = sandbox.endpoints;
    const statements = iamPolicy({
      tenancyId: e.tenancyId,
      functionCompartmentId: e.compartmentId,
      deploymentCompartmentId: e.compartmentId,
      gatewayCompartmentId: e.compartmentId,
      repository: "usage-api",
    }).sections.flatMap((s) => s.statements);
    const ids: string[] = [];
    for (const name of ["usage-api-a", "usage-api-b", "usage-api-c"]) {
      const created = await c.iam.createPolicy({
        createPolicyDetails: { compartmentId: e.tenancyId, name, description: "setup", statements },
      });
      expect(created.policy.statements).toEqual(statements);
      ids.push(created.policy.id);
    }
    const seen: string[] = [];
    let page: string | undefined;
    do {
      const r = await c.iam.listPolicies({
        compartmentId: e.tenancyId,
        limit: 2,
        page,
        sortBy: "NAME" as never,
      });
      expect(r.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.items.map((p) => p.name));
      page = r.opcNextPage;
    } while (page);
    expect(seen).toEqual(["usage-api-a", "usage-api-b", "usage-api-c"]);

    const policy = await c.iam.createWaiters(WAIT).forPolicy({ policyId: ids[0]! }, "ACTIVE" as never);
    const updated = await c.iam.updatePolicy({
      policyId: ids[0]!,
      ifMatch: policy!.etag,
      updatePolicyDetails: { statements: statements.slice(0, 2) },
    });
    expect(updated.policy.statements).toEqual(statements.slice(0, 2));
    const stale = await failure(
      c.iam.updatePolicy({
        policyId: ids[0]!,
        ifMatch: policy!.etag,
        updatePolicyDetails: { description: "x" },
      }),
    );
    expect(stale.statusCode).toBe(412);

    const malformed = await failure(
      c.iam.createPolicy({
        createPolicyDetails: {
          compartmentId: e.tenancyId,
          name: "broken",
          description: "",
          statements: ["Allow group G to read repos in compartment id not-an-ocid"],
        },
      }),
    );
    expect([malformed.statusCode, malformed.serviceCode]).toEqual([400, "InvalidParameter"]);
    expect(malformed.message).toMatch(/statement 1 .*not an OCID/);
    const duplicate = await failure(
      c.iam.createPolicy({
        createPolicyDetails: { compartmentId: e.tenancyId, name: "usage-api-a", description: "", statements },
      }),
    );
    expect([duplicate.statusCode, duplicate.serviceCode]).toEqual([409, "PolicyAlreadyExists"]);
    expect(sandbox.iam.policies().map((p) => p.name)).toEqual(["usage-api-a", "usage-api-b", "usage-api-c"]);
  });

  it("refuses a bad signature with 401 NotAuthenticated", async () => {
    const denied = await failure(intruder.iam.listPolicies({ compartmentId: sandbox.endpoints.tenancyId }));
    expect([denied.statusCode, denied.serviceCode]).toEqual([401, "NotAuthenticated"]);
  });
});

describe("Functions CreateApplication and UpdateApplication", () => {
  it("creates an application in the sandbox subnet, waits for ACTIVE, finds it, and updates it with if-match", async () => {
    const e = sandbox.endpoints;
    const created = await c.functions.createApplication({
      createApplicationDetails: {
        compartmentId: e.compartmentId,
        displayName: "usageapi",
        subnetIds: [e.subnetId],
        shape: "GENERIC_ARM" as never,
        config: { A: "1" },
      },
    });
    expect(created.application.lifecycleState).toBe("CREATING");
    expect(created.application.shape).toBe("GENERIC_ARM");
    const active = await c.functions
      .createWaiters(WAIT)
      .forApplication({ applicationId: created.application.id }, "ACTIVE" as never);
    const found = await c.functions.listApplications({
      compartmentId: e.compartmentId,
      displayName: "usageapi",
    });
    expect(found.items.map((a) => a.id)).toEqual([created.application.id]);

    const stale = await failure(
      c.functions.updateApplication({
        applicationId: created.application.id,
        ifMatch: created.etag,
        updateApplicationDetails: { config: { A: "2" } },
      }),
    );
    expect(stale.statusCode).toBe(412);
    const updated = await c.functions.updateApplication({
      applicationId: created.application.id,
      ifMatch: active!.etag,
      updateApplicationDetails: { config: { A: "2" } },
    });
    expect(updated.application.config).toEqual({ A: "2" });
    expect(sandbox.functions.application(created.application.id)?.config).toEqual({ A: "2" });
  });

  it("refuses an unknown subnet, a duplicate name, and a bad signature", async () => {
    const e = sandbox.endpoints;
    const details = {
      compartmentId: e.compartmentId,
      displayName: "other",
      subnetIds: ["ocid1.subnet.oc1.iad.aaaaaaaanone"],
    };
    const subnet = await failure(c.functions.createApplication({ createApplicationDetails: details }));
    expect(subnet.statusCode).toBe(404);
    const duplicate = await failure(
      c.functions.createApplication({
        createApplicationDetails: { ...details, displayName: "usageapi", subnetIds: [e.subnetId] },
      }),
    );
    expect([duplicate.statusCode, duplicate.serviceCode]).toEqual([
      409,
      "NotAuthorizedOrResourceAlreadyExists",
    ]);
    const denied = await failure(intruder.functions.createApplication({ createApplicationDetails: details }));
    expect(denied.statusCode).toBe(401);
  });
});

describe("API Gateway CreateGateway", () => {
  it("answers CREATING with a CREATE_GATEWAY work request that succeeds, and the gateway turns ACTIVE", async () => {
    const e = sandbox.endpoints;
    const created = await c.gateways.createGateway({
      createGatewayDetails: {
        compartmentId: e.compartmentId,
        displayName: "usage-gateway",
        endpointType: "PUBLIC",
        subnetId: e.subnetId,
      },
    });
    expect(created.gateway.lifecycleState).toBe("CREATING");
    expect(created.opcWorkRequestId).toBeTruthy();
    const done = await c.workRequests
      .createWaiters(WAIT)
      .forWorkRequest({ workRequestId: created.opcWorkRequestId });
    expect(done.workRequest.status).toBe("SUCCEEDED");
    expect(done.workRequest.operationType).toBe("CREATE_GATEWAY");
    expect(done.workRequest.resources[0]).toMatchObject({
      entityType: "gateway",
      actionType: "CREATED",
      identifier: created.gateway.id,
    });
    const gw = await c.gateways.getGateway({ gatewayId: created.gateway.id });
    expect(gw.gateway.lifecycleState).toBe("ACTIVE");
    expect(gw.gateway.hostname).toMatch(/^127\.0\.0\.1:\d+$/);
    const listed = await c.gateways.listGateways({
      compartmentId: e.compartmentId,
      displayName: "usage-gateway",
    });
    expect(listed.gatewayCollection.items.map((g) => g.id)).toEqual([created.gateway.id]);
  });

  it("fails the work request when told to, leaving the gateway FAILED with its details", async () => {
    const e = sandbox.endpoints;
    sandbox.apigateway.failNext("no capacity (injected)");
    const created = await c.gateways.createGateway({
      createGatewayDetails: {
        compartmentId: e.compartmentId,
        displayName: "doomed",
        endpointType: "PUBLIC",
        subnetId: e.subnetId,
      },
    });
    const done = await c.workRequests
      .createWaiters(WAIT)
      .forWorkRequest({ workRequestId: created.opcWorkRequestId });
    expect(done.workRequest.status).toBe("FAILED");
    const gw = await c.gateways.getGateway({ gatewayId: created.gateway.id });
    expect([gw.gateway.lifecycleState, gw.gateway.lifecycleDetails]).toEqual([
      "FAILED",
      "no capacity (injected)",
    ]);
    const errors = await c.workRequests.listWorkRequestErrors({ workRequestId: created.opcWorkRequestId });
    expect(errors.workRequestErrorCollection.items.map((x) => x.message)).toEqual(["no capacity (injected)"]);
  });

  it("refuses an unknown subnet and a PRIVATE endpoint", async () => {
    const e = sandbox.endpoints;
    const details = {
      compartmentId: e.compartmentId,
      endpointType: "PUBLIC",
      subnetId: "ocid1.subnet.oc1.iad.aaaaaaaanone",
    };
    expect((await failure(c.gateways.createGateway({ createGatewayDetails: details }))).statusCode).toBe(404);
    const privateOne = await failure(
      c.gateways.createGateway({
        createGatewayDetails: { ...details, endpointType: "PRIVATE", subnetId: e.subnetId },
      }),
    );
    expect(privateOne.statusCode).toBe(400);
  });
});

describe("Artifacts container repositories", () => {
  it("creates a private repository, finds it by name, pages, and gets it; the registry pushes to it and hides it from anonymous pulls", async () => {
    const e = sandbox.endpoints;
    const created = await c.artifacts.createContainerRepository({
      createContainerRepositoryDetails: { compartmentId: e.compartmentId, displayName: "usage-api" },
    });
    expect(created.containerRepository).toMatchObject({
      isPublic: false,
      lifecycleState: "AVAILABLE",
      namespace: e.ocirNamespace,
    });
    await c.artifacts.createContainerRepository({
      createContainerRepositoryDetails: {
        compartmentId: e.compartmentId,
        displayName: "open",
        isPublic: true,
      },
    });
    const found = await c.artifacts.listContainerRepositories({
      compartmentId: e.compartmentId,
      displayName: "usage-api",
    });
    expect(found.containerRepositoryCollection.items.map((r) => r.id)).toEqual([
      created.containerRepository.id,
    ]);
    const first = await c.artifacts.listContainerRepositories({
      compartmentId: e.compartmentId,
      limit: 1,
      sortBy: "DISPLAYNAME" as never,
    });
    expect(first.containerRepositoryCollection.items.map((r) => r.displayName)).toEqual(["open"]);
    const second = await c.artifacts.listContainerRepositories({
      compartmentId: e.compartmentId,
      limit: 1,
      sortBy: "DISPLAYNAME" as never,
      page: first.opcNextPage,
    });
    expect(second.containerRepositoryCollection.items.map((r) => r.displayName)).toEqual(["usage-api"]);
    expect(second.opcNextPage).toBeUndefined();
    const got = await c.artifacts.getContainerRepository({ repositoryId: created.containerRepository.id });
    expect(got.containerRepository.displayName).toBe("usage-api");

    const scope = (repo: string, actions: string) => `repository:${e.ocirNamespace}/${repo}:${actions}`;
    const tokenFor = async (repo: string, actions: string, basic?: string) => {
      const url = `${e.registryUrl}/20180419/docker/token?service=${e.registryHost}&scope=${encodeURIComponent(scope(repo, actions))}`;
      const res = await fetch(
        url,
        basic ? { headers: { authorization: `Basic ${Buffer.from(basic).toString("base64")}` } } : {},
      );
      expect(res.status).toBe(200);
      return sandbox.registry.stats.tokenRequests.at(-1)!.granted;
    };
    expect(await tokenFor("usage-api", "pull,push", `${e.ocirUsername}:${e.ocirAuthToken}`)).toEqual([
      scope("usage-api", "pull,push"),
    ]);
    expect(await tokenFor("usage-api", "pull")).toEqual([]);
    expect(await tokenFor("open", "pull")).toEqual([scope("open", "pull")]);
  });

  it("updates a repository with if-match, and refuses a stale etag", async () => {
    const e = sandbox.endpoints;
    const found = await c.artifacts.listContainerRepositories({
      compartmentId: e.compartmentId,
      displayName: "open",
    });
    const repositoryId = found.containerRepositoryCollection.items[0]!.id;
    const current = await c.artifacts.getContainerRepository({ repositoryId });
    const updated = await c.artifacts.updateContainerRepository({
      repositoryId,
      ifMatch: current.etag,
      updateContainerRepositoryDetails: { isPublic: false },
    });
    expect(updated.containerRepository.isPublic).toBe(false);
    expect(sandbox.repositories.isPublic(`${e.ocirNamespace}/open`)).toBe(false);
    const stale = await failure(
      c.artifacts.updateContainerRepository({
        repositoryId,
        ifMatch: current.etag,
        updateContainerRepositoryDetails: { isPublic: true },
      }),
    );
    expect([stale.statusCode, stale.serviceCode]).toEqual([412, "NoEtagMatch"]);
  });

  it("refuses a duplicate name, an unknown id, and a bad signature", async () => {
    const e = sandbox.endpoints;
    const duplicate = await failure(
      c.artifacts.createContainerRepository({
        createContainerRepositoryDetails: { compartmentId: e.tenancyId, displayName: "usage-api" },
      }),
    );
    expect(duplicate.statusCode).toBe(409);
    const missing = await failure(
      c.artifacts.getContainerRepository({ repositoryId: "ocid1.containerrepo.oc1.iad.aaaaaaaanone" }),
    );
    expect(missing.statusCode).toBe(404);
    const denied = await failure(
      intruder.artifacts.listContainerRepositories({ compartmentId: e.compartmentId }),
    );
    expect(denied.statusCode).toBe(401);
  });
});

describe("repositories created on first push", () => {
  it("lists a repository the registry created on first push, private and in the tenancy", async () => {
    const e = sandbox.endpoints;
    sandbox.registry.seedImage({ repository: `${e.ocirNamespace}/pushed/first`, tag: "1" });
    const listed = await c.artifacts.listContainerRepositories({
      compartmentId: e.tenancyId,
      displayName: "pushed/first",
    });
    expect(
      listed.containerRepositoryCollection.items.map((r) => [r.displayName, r.isPublic, r.imageCount]),
    ).toEqual([["pushed/first", false, 1]]);
  });

  it("with createRepositoryOnFirstPush false, grants pushes only to repositories that exist", async () => {
    const strict = await startSandbox({ bare: true, createRepositoryOnFirstPush: false });
    try {
      const e = strict.endpoints;
      const clients = clientsFor(strict, await readFile(e.ociPrivateKeyPath, "utf8"));
      const config = await clients.artifacts.getContainerConfiguration({ compartmentId: e.tenancyId });
      expect(config.containerConfiguration.isRepositoryCreatedOnFirstPush).toBe(false);
      await clients.artifacts.createContainerRepository({
        createContainerRepositoryDetails: { compartmentId: e.compartmentId, displayName: "usage-api" },
      });
      const granted = async (repo: string) => {
        const scope = `repository:${e.ocirNamespace}/${repo}:pull,push`;
        const basic = Buffer.from(`${e.ocirUsername}:${e.ocirAuthToken}`).toString("base64");
        const res = await fetch(
          `${e.registryUrl}/20180419/docker/token?service=${e.registryHost}&scope=${encodeURIComponent(scope)}`,
          { headers: { authorization: `Basic ${basic}` } },
        );
        expect(res.status).toBe(200);
        return strict.registry.stats.tokenRequests.at(-1)!.granted;
      };
      expect(await granted("usage-api")).toEqual([`repository:${e.ocirNamespace}/usage-api:pull,push`]);
      expect(await granted("missing")).toEqual([`repository:${e.ocirNamespace}/missing:pull`]);
    } finally {
      await strict.stop();
    }
  });
});

describe("Identity Domains admin API", () => {
  let resourceApp: idm.App;
  let clientApp: idm.App;
  const audience = "https://usage.setup.local/";

  it("creates a resource app and a client app, finds them by filter, and activates them", async () => {
    const created = await c.domains.createApp({
      app: {
        schemas: [APP_SCHEMA],
        displayName: "usage-api-resource",
        basedOnTemplate: { value: "CustomWebAppTemplateId" },
        isOAuthResource: true,
        audience,
        scopes: [{ value: "usage.read", description: "read usage" }],
      },
    });
    resourceApp = created.app;
    expect(resourceApp).toMatchObject({ active: false, isOAuthResource: true, audience });
    expect(resourceApp.scopes?.[0]).toMatchObject({ value: "usage.read", fqs: `${audience}usage.read` });
    const client = await c.domains.createApp({
      app: {
        schemas: [APP_SCHEMA],
        displayName: "usage-report-client",
        basedOnTemplate: { value: "CustomWebAppTemplateId" },
        isOAuthClient: true,
        clientType: "confidential" as never,
        allowedGrants: ["client_credentials"],
        allowedScopes: [{ fqs: `${audience}usage.read` }],
      },
    });
    clientApp = client.app;
    expect(clientApp.name).toMatch(/^[0-9a-f]{32}$/);
    expect(clientApp.clientSecret).toMatch(/^idcscs-/);
    expect(clientApp.allowedScopes?.[0]).toMatchObject({
      fqs: `${audience}usage.read`,
      idOfDefiningApp: resourceApp.id,
    });

    const byName = await c.domains.listApps({ filter: 'displayName eq "usage-report-client"' });
    expect(byName.apps.resources.map((a) => a.id)).toEqual([clientApp.id]);
    expect(byName.apps.totalResults).toBe(1);
    const searched = await c.domains.searchApps({
      appSearchRequest: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        filter: 'displayName eq "usage-api-resource"',
      },
    });
    expect(searched.apps.resources.map((a) => a.id)).toEqual([resourceApp.id]);
    const paged = await c.domains.listApps({ startIndex: 2, count: 1 });
    expect([paged.apps.totalResults, paged.apps.itemsPerPage, paged.apps.resources[0]?.displayName]).toEqual([
      2,
      1,
      "usage-report-client",
    ]);

    // Not active yet: no token.
    const before = await token(
      sandbox.endpoints.tokenUrl,
      clientApp.name!,
      clientApp.clientSecret!,
      `${audience}usage.read`,
    );
    expect(before.status).toBe(401);
    for (const app of [resourceApp, clientApp]) {
      const changed = await c.domains.putAppStatusChanger({
        appStatusChangerId: app.id!,
        appStatusChanger: { schemas: [APP_STATUS_CHANGER_SCHEMA], active: true },
      });
      expect(changed.appStatusChanger.active).toBe(true);
    }
    expect((await c.domains.getApp({ appId: clientApp.id! })).app.active).toBe(true);
  });

  it("patches with if-match, refuses a stale version with 412, and puts a whole app", async () => {
    const current = await c.domains.getApp({ appId: resourceApp.id! });
    const version = current.app.meta?.version;
    const patched = await c.domains.patchApp({
      appId: resourceApp.id!,
      ifMatch: version,
      patchOp: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        operations: [{ op: "replace" as never, path: "description", value: "the usage API" }],
      },
    });
    expect(patched.app.description).toBe("the usage API");
    expect(patched.etag).not.toBe(version);
    const stale = await failure(
      c.domains.patchApp({
        appId: resourceApp.id!,
        ifMatch: version,
        patchOp: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          operations: [{ op: "remove" as never, path: "description" }],
        },
      }),
    );
    expect(stale.statusCode).toBe(412);
    const readOnly = await failure(
      c.domains.patchApp({
        appId: resourceApp.id!,
        patchOp: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          operations: [{ op: "replace" as never, path: "name", value: "x" }],
        },
      }),
    );
    expect(readOnly.statusCode).toBe(400);
    const put = await c.domains.putApp({
      appId: resourceApp.id!,
      app: { ...patched.app, description: "put" },
    });
    expect([put.app.description, put.app.name, put.app.active]).toEqual(["put", resourceApp.name, true]);
  });

  it("refuses a duplicate name, an unknown scope, an unknown id, and a bad signature", async () => {
    const base = { schemas: [APP_SCHEMA], basedOnTemplate: { value: "CustomWebAppTemplateId" } };
    const duplicate = await failure(
      c.domains.createApp({ app: { ...base, displayName: "USAGE-API-RESOURCE" } }),
    );
    expect(duplicate.statusCode).toBe(409);
    const scope = await failure(
      c.domains.createApp({
        app: {
          ...base,
          displayName: "x",
          isOAuthClient: true,
          clientType: "confidential" as never,
          allowedGrants: ["client_credentials"],
          allowedScopes: [{ fqs: `${audience}usage.write` }],
        },
      }),
    );
    expect(scope.statusCode).toBe(400);
    expect((await failure(c.domains.getApp({ appId: "0".repeat(32) }))).statusCode).toBe(404);
    expect((await failure(intruder.domains.listApps({}))).statusCode).toBe(401);
  });

  it("gives the new client a token for its new scope, which a deployment on the new gateway accepts; inactive apps get none", async () => {
    const e = sandbox.endpoints;
    const gatewayId = (
      await c.gateways.listGateways({ compartmentId: e.compartmentId, displayName: "usage-gateway" })
    ).gatewayCollection.items[0]!.id;
    const created = await c.deployments.createDeployment({
      createDeploymentDetails: {
        gatewayId,
        compartmentId: e.compartmentId,
        pathPrefix: "/usage",
        specification: {
          requestPolicies: {
            authentication: {
              type: "JWT_AUTHENTICATION",
              tokenHeader: "Authorization",
              tokenAuthScheme: "Bearer",
              issuers: [e.issuer],
              audiences: [audience],
              publicKeys: { type: "REMOTE_JWKS", uri: e.jwksUrl, maxCacheDurationInHours: 1 },
            } as never,
          },
          routes: [
            {
              path: "/ping",
              methods: ["GET" as never],
              backend: { type: "STOCK_RESPONSE_BACKEND", status: 200, body: "pong" } as never,
            },
          ],
        },
      },
    });
    await c.workRequests.createWaiters(WAIT).forWorkRequest({ workRequestId: created.opcWorkRequestId });
    const endpoint = (await c.deployments.getDeployment({ deploymentId: created.deployment.id })).deployment
      .endpoint;

    const issued = await token(e.tokenUrl, clientApp.name!, clientApp.clientSecret!, `${audience}usage.read`);
    expect(issued.status).toBe(200);
    const call = (bearer: string) =>
      fetch(`${endpoint}/ping`, { headers: { authorization: `Bearer ${bearer}` } });
    const accepted = await call(issued.body.access_token!);
    expect([accepted.status, await accepted.text()]).toEqual([200, "pong"]);
    // A token of the seeded client for another audience is refused by this deployment.
    const other = await token(e.tokenUrl, e.clientId, e.clientSecret, e.scope);
    expect((await call(other.body.access_token!)).status).toBe(401);
    // The new client may not ask for scopes it was not allowed.
    expect((await token(e.tokenUrl, clientApp.name!, clientApp.clientSecret!, e.scope)).body.error).toBe(
      "unauthorized_client",
    );

    await c.domains.putAppStatusChanger({
      appStatusChangerId: clientApp.id!,
      appStatusChanger: { schemas: [APP_STATUS_CHANGER_SCHEMA], active: false },
    });
    const inactive = await token(
      e.tokenUrl,
      clientApp.name!,
      clientApp.clientSecret!,
      `${audience}usage.read`,
    );
    expect([inactive.status, inactive.body.error]).toEqual([401, "invalid_client"]);
    await c.domains.putAppStatusChanger({
      appStatusChangerId: resourceApp.id!,
      appStatusChanger: { schemas: [APP_STATUS_CHANGER_SCHEMA], active: false },
    });
    await c.domains.putAppStatusChanger({
      appStatusChangerId: clientApp.id!,
      appStatusChanger: { schemas: [APP_STATUS_CHANGER_SCHEMA], active: true },
    });
    const noResource = await token(
      e.tokenUrl,
      clientApp.name!,
      clientApp.clientSecret!,
      `${audience}usage.read`,
    );
    expect([noResource.status, noResource.body.error]).toEqual([400, "invalid_scope"]);
    expect(sandbox.identityDomains.stats.creates).toBe(2);
  });
});
