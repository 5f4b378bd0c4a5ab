// The setup flow against a fake tenancy behind the SDK-shaped interfaces: what it writes, in what order,
// that the plan comes first, that a re-run writes nothing, and that the client secret reaches only its
// two destinations.
import sodium from "libsodium-wrappers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SetupClients } from "../../src/setup/clients.js";
import { runSetup, type SetupDeps } from "../../src/setup/index.js";
import { readSetupInputs, type SetupInputs } from "../../src/setup/inputs.js";
import type { GithubApi } from "../../src/setup/secret.js";
import { SETUP_GOOD } from "../support/setup-fixtures.js";

const CLIENT_SECRET = "s3cr3t+/value=with&chars";
const HOSTNAME = "abc123.apigateway.us-ashburn-1.oci.customer-oci.com";
const ISSUER = "https://identity.oraclecloud.com/";

interface Failure {
  statusCode: number;
  serviceCode: string;
  message: string;
}

type Obj = Record<string, unknown>;

/** An in-memory tenancy answering as the SDK clients do (responses carry only what setup reads). */
class FakeTenancy {
  events: string[] = [];
  writes: string[] = [];
  fail = new Map<string, Failure>();
  repos: Obj[] = [];
  applications: Obj[] = [];
  functions: Obj[] = [];
  gateways: Obj[] = [];
  workRequests = new Map<string, { polls: number; status: string; gatewayId: string }>();
  dynamicGroups: Obj[] = [];
  domainGroups: Obj[] = [];
  policies: Obj[] = [];
  apps: Obj[] = [];
  users: Obj[] = [];
  groups: Obj[] = [];
  trusts: Obj[] = [];
  private seq = 0;

  private op<T>(name: string, write: boolean, fn: () => T): Promise<T> {
    const failure = this.fail.get(name);
    if (failure) {
      this.fail.delete(name);
      return Promise.reject({ ...failure, opcRequestId: "req-1" });
    }
    this.events.push(`${write ? "write" : "read"} ${name}`);
    if (write) this.writes.push(name);
    return Promise.resolve(fn());
  }

  private id(kind: string) {
    this.seq += 1;
    return `ocid1.${kind}.oc1..fake${this.seq}`;
  }

  clients(): SetupClients {
    const byName = (list: Obj[], key: string, value: unknown) => list.filter((x) => x[key] === value);
    const filterName = (filter: string | undefined) => /displayName eq "([^"]*)"/.exec(filter ?? "")?.[1];
    const api = {
      listContainerRepositories: (r: Obj) =>
        this.op("ListContainerRepositories", false, () => ({
          containerRepositoryCollection: { items: byName(this.repos, "displayName", r.displayName) },
        })),
      createContainerRepository: (r: { createContainerRepositoryDetails: Obj }) =>
        this.op("CreateContainerRepository", true, () => {
          const repo = {
            ...r.createContainerRepositoryDetails,
            id: this.id("containerrepo"),
            lifecycleState: "AVAILABLE",
          };
          this.repos.push(repo);
          return { containerRepository: repo };
        }),
      updateContainerRepository: (r: { repositoryId: string; updateContainerRepositoryDetails: Obj }) =>
        this.op("UpdateContainerRepository", true, () => {
          const repo = this.repos.find((x) => x.id === r.repositoryId)!;
          Object.assign(repo, r.updateContainerRepositoryDetails);
          return { containerRepository: repo };
        }),
      listApplications: (r: Obj) =>
        this.op("ListApplications", false, () => ({
          items: byName(this.applications, "displayName", r.displayName),
        })),
      getApplication: (r: { applicationId: string }) =>
        this.op("GetApplication", false, () => {
          const app = this.applications.find((x) => x.id === r.applicationId)!;
          app.lifecycleState = "ACTIVE";
          return { application: app };
        }),
      createApplication: (r: { createApplicationDetails: Obj }) =>
        this.op("CreateApplication", true, () => {
          const app = { ...r.createApplicationDetails, id: this.id("fnapp"), lifecycleState: "CREATING" };
          this.applications.push(app);
          return { application: app };
        }),
      listFunctions: (r: Obj) =>
        this.op("ListFunctions", false, () => ({
          items: this.functions.filter(
            (f) => f.applicationId === r.applicationId && f.displayName === r.displayName,
          ),
        })),
      listGateways: (r: Obj) =>
        this.op("ListGateways", false, () => ({
          gatewayCollection: { items: byName(this.gateways, "displayName", r.displayName) },
        })),
      getGateway: (r: { gatewayId: string }) =>
        this.op("GetGateway", false, () => {
          const gw = this.gateways.find((x) => x.id === r.gatewayId)!;
          if (
            gw.lifecycleState === "CREATING" &&
            ![...this.workRequests.values()].some((w) => w.gatewayId === gw.id && w.status !== "SUCCEEDED")
          ) {
            gw.lifecycleState = "ACTIVE";
            gw.hostname = HOSTNAME;
          }
          return { gateway: gw };
        }),
      createGateway: (r: { createGatewayDetails: Obj }) =>
        this.op("CreateGateway", true, () => {
          const gw = { ...r.createGatewayDetails, id: this.id("apigateway"), lifecycleState: "CREATING" };
          this.gateways.push(gw);
          const wr = this.id("apiworkrequest");
          this.workRequests.set(wr, { polls: 0, status: "ACCEPTED", gatewayId: gw.id });
          return { gateway: gw, opcWorkRequestId: wr };
        }),
      getWorkRequest: (r: { workRequestId: string }) =>
        this.op("GetWorkRequest", false, () => {
          const wr = this.workRequests.get(r.workRequestId)!;
          wr.polls += 1;
          if (wr.status !== "FAILED") wr.status = wr.polls >= 2 ? "SUCCEEDED" : "IN_PROGRESS";
          return {
            workRequest: {
              id: r.workRequestId,
              status: wr.status,
              operationType: "CREATE_GATEWAY",
              percentComplete: 50,
            },
          };
        }),
      listWorkRequestErrors: () =>
        this.op("ListWorkRequestErrors", false, () => ({
          workRequestErrorCollection: {
            items: [{ code: "LimitExceeded", message: "gateway limit reached" }],
          },
        })),
      listDynamicGroups: (r: Obj) =>
        this.op("ListDynamicGroups", false, () => ({ items: byName(this.dynamicGroups, "name", r.name) })),
      createDynamicGroup: (r: { createDynamicGroupDetails: Obj }) =>
        this.op("CreateDynamicGroup", true, () => {
          const dg = {
            ...r.createDynamicGroupDetails,
            id: this.id("dynamicgroup"),
            lifecycleState: "ACTIVE",
          };
          this.dynamicGroups.push(dg);
          return { dynamicGroup: dg };
        }),
      updateDynamicGroup: (r: { dynamicGroupId: string; updateDynamicGroupDetails: Obj }) =>
        this.op("UpdateDynamicGroup", true, () => {
          const dg = this.dynamicGroups.find((x) => x.id === r.dynamicGroupId)!;
          Object.assign(dg, r.updateDynamicGroupDetails);
          return { dynamicGroup: dg };
        }),
      listDynamicResourceGroups: (r: { filter?: string }) =>
        this.op("ListDynamicResourceGroups", false, () => ({
          dynamicResourceGroups: {
            resources: byName(this.domainGroups, "displayName", filterName(r.filter)),
          },
        })),
      createDynamicResourceGroup: (r: { dynamicResourceGroup: Obj }) =>
        this.op("CreateDynamicResourceGroup", true, () => {
          const g = { ...r.dynamicResourceGroup, id: `drg${++this.seq}` };
          this.domainGroups.push(g);
          return { dynamicResourceGroup: g };
        }),
      patchDynamicResourceGroup: (r: { dynamicResourceGroupId: string; patchOp: { operations: Obj[] } }) =>
        this.op("PatchDynamicResourceGroup", true, () => {
          const g = this.domainGroups.find((x) => x.id === r.dynamicResourceGroupId)!;
          for (const o of r.patchOp.operations) g[o.path as string] = o.value;
          return { dynamicResourceGroup: g };
        }),
      listPolicies: (r: Obj) =>
        this.op("ListPolicies", false, () => ({ items: byName(this.policies, "name", r.name) })),
      createPolicy: (r: { createPolicyDetails: Obj }) =>
        this.op("CreatePolicy", true, () => {
          const p = { ...r.createPolicyDetails, id: this.id("policy"), lifecycleState: "ACTIVE" };
          this.policies.push(p);
          return { policy: p };
        }),
      updatePolicy: (r: { policyId: string; updatePolicyDetails: Obj }) =>
        this.op("UpdatePolicy", true, () => {
          const p = this.policies.find((x) => x.id === r.policyId)!;
          Object.assign(p, r.updatePolicyDetails);
          return { policy: p };
        }),
      listApps: (r: { filter?: string }) =>
        this.op("ListApps", false, () => ({
          apps: {
            resources: byName(this.apps, "displayName", filterName(r.filter)).map(
              ({ clientSecret: _, ...app }) => app,
            ),
          },
        })),
      getApp: (r: { appId: string }) =>
        this.op("GetApp", false, () => ({ app: this.apps.find((a) => a.id === r.appId)! })),
      createApp: (r: { app: Obj }) =>
        this.op("CreateApp", true, () => {
          const app: Obj = { ...r.app, id: `app${++this.seq}`, name: `client${this.seq}`, active: false };
          if (app.isOAuthClient) app.clientSecret = CLIENT_SECRET;
          this.apps.push(app);
          return { app };
        }),
      patchApp: (r: { appId: string; patchOp: { operations: Obj[] } }) =>
        this.op("PatchApp", true, () => {
          const app = this.apps.find((a) => a.id === r.appId)!;
          for (const o of r.patchOp.operations) app[o.path as string] = o.value;
          return { app };
        }),
      putAppStatusChanger: (r: { appStatusChangerId: string; appStatusChanger: { active: boolean } }) =>
        this.op("PutAppStatusChanger", true, () => {
          const app = this.apps.find((a) => a.id === r.appStatusChangerId)!;
          app.active = r.appStatusChanger.active;
          return { appStatusChanger: { active: app.active } };
        }),
    };
    const scimValue = (attr: string, filter: string | undefined) =>
      new RegExp(`${attr} eq "([^"]*)"`).exec(filter ?? "")?.[1];
    const keyless = {
      listUsers: (r: { filter?: string }) =>
        this.op("ListUsers", false, () => ({
          users: { resources: byName(this.users, "userName", scimValue("userName", r.filter)) },
        })),
      createUser: (r: { user: Obj }) =>
        this.op("CreateUser", true, () => {
          const user = { ...r.user, id: `user${++this.seq}`, ocid: this.id("user") };
          this.users.push(user);
          return { user };
        }),
      listGroups: (r: { filter?: string }) =>
        this.op("ListGroups", false, () => ({
          groups: { resources: byName(this.groups, "displayName", filterName(r.filter)) },
        })),
      createGroup: (r: { group: Obj }) =>
        this.op("CreateGroup", true, () => {
          const group = { ...r.group, id: `group${++this.seq}` };
          this.groups.push(group);
          return { group };
        }),
      patchGroup: (r: { groupId: string; patchOp: { operations: { value: Obj[] }[] } }) =>
        this.op("PatchGroup", true, () => {
          const group = this.groups.find((g) => g.id === r.groupId)!;
          group.members = [
            ...((group.members as Obj[]) ?? []),
            ...r.patchOp.operations.flatMap((o) => o.value),
          ];
          return { group };
        }),
      listIdentityPropagationTrusts: (r: { filter?: string }) =>
        this.op("ListIdentityPropagationTrusts", false, () => ({
          identityPropagationTrusts: { resources: byName(this.trusts, "name", scimValue("name", r.filter)) },
        })),
      createIdentityPropagationTrust: (r: { identityPropagationTrust: Obj }) =>
        this.op("CreateIdentityPropagationTrust", true, () => {
          const trust = { ...r.identityPropagationTrust, id: `trust${++this.seq}` };
          this.trusts.push(trust);
          return { identityPropagationTrust: trust };
        }),
      putIdentityPropagationTrust: (r: {
        identityPropagationTrustId: string;
        identityPropagationTrust: Obj;
      }) =>
        this.op("PutIdentityPropagationTrust", true, () => {
          const at = this.trusts.findIndex((t) => t.id === r.identityPropagationTrustId);
          this.trusts[at] = { ...r.identityPropagationTrust, id: r.identityPropagationTrustId };
          return { identityPropagationTrust: this.trusts[at] };
        }),
    };
    const sdk = { ...api, ...keyless } as never;
    return {
      repositories: sdk,
      applications: sdk,
      gateways: sdk,
      workRequests: sdk,
      identity: sdk,
      domainGroups: sdk,
      apps: sdk,
      keyless: sdk,
      close: () => {},
    };
  }
}

class FakeGithub implements GithubApi {
  secrets = new Map<string, { encrypted: string; keyId: string }>();
  variables = new Map<string, string>();
  writes: string[] = [];
  constructor(readonly keys: { publicKey: Uint8Array; privateKey: Uint8Array }) {}
  async publicKey() {
    return { keyId: "key-1", key: sodium.to_base64(this.keys.publicKey, sodium.base64_variants.ORIGINAL) };
  }
  async secretExists(name: string) {
    return this.secrets.has(name);
  }
  async putSecret(name: string, encrypted: string, keyId: string) {
    this.writes.push(`secret ${name}`);
    this.secrets.set(name, { encrypted, keyId });
  }
  async getVariable(name: string) {
    return this.variables.get(name);
  }
  async createVariable(name: string, value: string) {
    this.writes.push(`create ${name}`);
    this.variables.set(name, value);
  }
  async updateVariable(name: string, value: string) {
    this.writes.push(`update ${name}`);
    this.variables.set(name, value);
  }
  opened(name: string): string {
    const sealed = sodium.from_base64(this.secrets.get(name)!.encrypted, sodium.base64_variants.ORIGINAL);
    return sodium.to_string(sodium.crypto_box_seal_open(sealed, this.keys.publicKey, this.keys.privateKey));
  }
}

let keys: { publicKey: Uint8Array; privateKey: Uint8Array };
beforeAll(async () => {
  await sodium.ready;
  keys = sodium.crypto_box_keypair();
});

interface Harness {
  deps: SetupDeps;
  lines: string[];
  outputs: Map<string, string>;
  masked: string[];
  files: Map<string, string>;
}

function harness(tenancy: FakeTenancy, github?: FakeGithub): Harness {
  const lines: string[] = [];
  const outputs = new Map<string, string>();
  const masked: string[] = [];
  const files = new Map<string, string>();
  let clock = 1_000_000;
  const deps: SetupDeps = {
    log: {
      info: (line) => {
        lines.push(line);
        tenancy.events.push(`log ${line}`);
      },
      warning: (line) => lines.push(`warning: ${line}`),
      group: async (name, fn) => {
        lines.push(`== ${name}`);
        tenancy.events.push(`group ${name}`);
        return fn();
      },
    },
    setOutput: (name, value) => outputs.set(name, value),
    setSecret: (value) => masked.push(value),
    createClients: () => tenancy.clients(),
    github: () => {
      if (!github) throw new Error("no github in this test");
      return github;
    },
    http: {
      getJson: async () => ({
        issuer: ISSUER,
        jwks_uri: "https://idcs.example.com/admin/v1/SigningCert/jwk",
      }),
    },
    writeSecretFile: async (path, secret) => {
      const changed = files.get(path) !== secret;
      files.set(path, secret);
      return { path, changed };
    },
    printGhCommands: true,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { deps, lines, outputs, masked, files };
}

function inputs(extra: Record<string, string> = {}, env: Record<string, string> = {}): SetupInputs {
  return readSetupInputs(
    (name) => ({ ...SETUP_GOOD, "secret-file": "/tmp/x/secret", ...extra })[name] ?? "",
    {
      mask: () => {},
      env,
    },
  );
}

const ORDER = [
  "CreateContainerRepository",
  "CreateApplication",
  "CreateGateway",
  "CreateDynamicGroup",
  "CreatePolicy",
  "CreateApp",
  "PutAppStatusChanger",
  "CreateApp",
  "PutAppStatusChanger",
];

describe("runSetup on a bare tenancy", () => {
  it("creates every item in order, after printing the plan, and sets the outputs", async () => {
    const tenancy = new FakeTenancy();
    const h = harness(tenancy);
    const result = await runSetup(inputs(), h.deps);
    expect(tenancy.writes).toEqual(ORDER);
    const firstWrite = tenancy.events.findIndex((e) => e.startsWith("write "));
    const planAt = tenancy.events.indexOf("group Plan");
    expect(planAt).toBeGreaterThan(-1);
    expect(planAt).toBeLessThan(firstWrite);
    expect(result.plan.items.map((i) => `${i.kind}:${i.action}`)).toEqual([
      "repository:create",
      "application:create",
      "gateway:create",
      "dynamic group:create",
      "policy:create",
      "resource app:create",
      "client app:create",
    ]);
    expect(Object.fromEntries(h.outputs)).toEqual({
      "application-id": tenancy.applications[0]!.id,
      "gateway-id": tenancy.gateways[0]!.id,
      repository: "usage-api",
      audience: `https://${HOSTNAME}/`,
      scope: `https://${HOSTNAME}/usage.read`,
      "client-id": tenancy.apps[1]!.name,
      "identity-domain-url": "https://idcs-0123456789abcdef.identity.oraclecloud.com",
      issuer: ISSUER,
    });
    expect(h.files.get("/tmp/x/secret")).toBe(CLIENT_SECRET);
    expect(h.lines).toContain("  gh secret set USAGE_CLIENT_SECRET < /tmp/x/secret");
  });

  it("creates what deploy and report need, with the SDK request shapes", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs({ "application-shape": "GENERIC_ARM" }), harness(tenancy).deps);
    expect(tenancy.repos[0]).toMatchObject({ displayName: "usage-api", isPublic: false });
    expect(tenancy.applications[0]).toMatchObject({
      displayName: "usage-api",
      subnetIds: [SETUP_GOOD["subnet-id"]],
      shape: "GENERIC_ARM",
    });
    expect(tenancy.gateways[0]).toMatchObject({ endpointType: "PUBLIC", subnetId: SETUP_GOOD["subnet-id"] });
    expect(tenancy.dynamicGroups[0]).toMatchObject({
      compartmentId: SETUP_GOOD["oci-tenancy"],
      name: "UsageApiFunction",
      matchingRule: `ALL {resource.type = 'fnfunc', resource.compartment.id = '${SETUP_GOOD["compartment-id"]}'}`,
    });
    expect(tenancy.policies[0]).toMatchObject({
      compartmentId: SETUP_GOOD["oci-tenancy"],
      name: "UsageApiAction",
    });
    expect(tenancy.policies[0]!.statements).toContain(
      "Allow dynamic-group UsageApiFunction to read usage-report in tenancy",
    );
    expect(tenancy.apps[0]).toMatchObject({
      displayName: "usage-api",
      isOAuthResource: true,
      audience: `https://${HOSTNAME}/`,
      scopes: [{ value: "usage.read" }],
      active: true,
    });
    expect(tenancy.apps[1]).toMatchObject({
      displayName: "usage-api-report",
      isOAuthClient: true,
      clientType: "confidential",
      allowedGrants: ["client_credentials"],
      allowedScopes: [{ fqs: `https://${HOSTNAME}/usage.read` }],
      active: true,
    });
  });

  it("writes nothing on a re-run with nothing changed", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs(), harness(tenancy).deps);
    tenancy.writes = [];
    const h = harness(tenancy);
    const again = await runSetup(inputs(), h.deps);
    expect(tenancy.writes).toEqual([]);
    expect(again.plan.items.every((i) => i.action === "none")).toBe(true);
    expect(h.lines).toContain("nothing to change");
    expect(h.outputs.get("client-id")).toBe(tenancy.apps[1]!.name);
  });

  it("stops after the plan on a dry run", async () => {
    const tenancy = new FakeTenancy();
    const h = harness(tenancy);
    const result = await runSetup(inputs({ "dry-run": "true" }), h.deps);
    expect(tenancy.writes).toEqual([]);
    expect(result.values).toBeUndefined();
    expect(h.lines).toContain("== Plan (dry run: nothing is changed)");
    expect(h.lines).toContain("    audience: https://(the new gateway's hostname)/");
    expect(h.outputs.get("audience")).toBe("");
  });

  it("narrows the dynamic group to the function once deploy made it, and repairs a drifted policy", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs(), harness(tenancy).deps);
    tenancy.functions.push({
      id: "ocid1.fnfunc.oc1..f1",
      applicationId: tenancy.applications[0]!.id,
      displayName: "usage-api",
    });
    (tenancy.policies[0]!.statements as string[]).push(
      "Allow group UsageApiDeployers to manage all-resources in tenancy",
    );
    tenancy.writes = [];
    const h = harness(tenancy);
    await runSetup(inputs(), h.deps);
    expect(tenancy.writes).toEqual(["UpdateDynamicGroup", "UpdatePolicy"]);
    expect(tenancy.dynamicGroups[0]!.matchingRule).toBe(
      "ALL {resource.type = 'fnfunc', resource.id = 'ocid1.fnfunc.oc1..f1'}",
    );
    expect(h.lines).toContain("    - Allow group UsageApiDeployers to manage all-resources in tenancy");
    expect(tenancy.policies[0]!.statements).not.toContain(
      "Allow group UsageApiDeployers to manage all-resources in tenancy",
    );
  });

  it("patches a changed audience on both apps and activates an inactive one", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs(), harness(tenancy).deps);
    tenancy.apps[0]!.active = false;
    tenancy.writes = [];
    await runSetup(inputs({ audience: "https://usage.example.com/" }), harness(tenancy).deps);
    expect(tenancy.writes).toEqual(["PatchApp", "PutAppStatusChanger", "PatchApp"]);
    expect(tenancy.apps[0]).toMatchObject({ audience: "https://usage.example.com/", active: true });
    expect(tenancy.apps[1]!.allowedScopes).toEqual([{ fqs: "https://usage.example.com/usage.read" }]);
  });

  it("makes the dynamic group in another identity domain through its SCIM API, and names it 'Domain'/'Group'", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs({ "identity-domain-name": "Ops" }), harness(tenancy).deps);
    expect(tenancy.dynamicGroups).toEqual([]);
    expect(tenancy.domainGroups[0]).toMatchObject({ displayName: "UsageApiFunction" });
    expect(tenancy.policies[0]!.statements).toContain(
      "Allow dynamic-group 'Ops'/'UsageApiFunction' to read usage-report in tenancy",
    );
  });
});

describe("runSetup: items in flight or failed", () => {
  it("waits for a gateway still CREATING, then goes on", async () => {
    const tenancy = new FakeTenancy();
    tenancy.gateways.push({
      id: "ocid1.apigateway.oc1..g",
      displayName: "usage-api",
      lifecycleState: "CREATING",
      endpointType: "PUBLIC",
      subnetId: SETUP_GOOD["subnet-id"],
    });
    const h = harness(tenancy);
    const result = await runSetup(inputs(), h.deps);
    expect(result.plan.items.find((i) => i.kind === "gateway")?.action).toBe("wait");
    expect(tenancy.writes).not.toContain("CreateGateway");
    expect(h.outputs.get("audience")).toBe(`https://${HOSTNAME}/`);
  });

  it("reports a FAILED application with its lifecycleDetails, before any write", async () => {
    const tenancy = new FakeTenancy();
    tenancy.applications.push({
      id: "ocid1.fnapp.oc1..a",
      displayName: "usage-api",
      lifecycleState: "FAILED",
      lifecycleDetails: "subnet has no route",
    });
    await expect(runSetup(inputs(), harness(tenancy).deps)).rejects.toThrow(
      "application usage-api (ocid1.fnapp.oc1..a) is FAILED: subnet has no route",
    );
    expect(tenancy.writes).toEqual([]);
  });

  it("fails on a failed gateway work request with its errors, and converges on the next run", async () => {
    const tenancy = new FakeTenancy();
    const h = harness(tenancy);
    const create = tenancy.clients().gateways.createGateway.bind(null);
    const clients = tenancy.clients();
    h.deps.createClients = () => ({
      ...clients,
      gateways: {
        ...clients.gateways,
        createGateway: async (r: Parameters<SetupClients["gateways"]["createGateway"]>[0]) => {
          const response = await create(r);
          tenancy.workRequests.get(response.opcWorkRequestId)!.status = "FAILED";
          tenancy.gateways.pop();
          return response;
        },
      } as never,
    });
    await expect(runSetup(inputs(), h.deps)).rejects.toThrow(/work request .* FAILED: gateway limit reached/);
    tenancy.writes = [];
    await runSetup(inputs(), harness(tenancy).deps);
    expect(tenancy.writes).toEqual(["CreateGateway", ...ORDER.slice(3)]);
  });

  it("names the missing permission on a 404", async () => {
    const tenancy = new FakeTenancy();
    tenancy.fail.set("CreatePolicy", {
      statusCode: 404,
      serviceCode: "NotAuthorizedOrNotFound",
      message: "Authorization failed",
    });
    await expect(runSetup(inputs(), harness(tenancy).deps)).rejects.toThrow(
      "CreatePolicy failed: HTTP 404 NotAuthorizedOrNotFound: Authorization failed (opc-request-id req-1); it does not exist in this region, or the IAM policies do not let the user see it; the user may lack this permission: Allow group <the group of the user running setup> to manage policies in tenancy",
    );
  });

  it("retries a 5xx and goes on", async () => {
    const tenancy = new FakeTenancy();
    tenancy.fail.set("CreateContainerRepository", {
      statusCode: 503,
      serviceCode: "ServiceUnavailable",
      message: "try later",
    });
    await runSetup(inputs(), harness(tenancy).deps);
    expect(tenancy.writes).toEqual(ORDER);
  });
});

describe("the client secret", () => {
  const forms = [
    CLIENT_SECRET,
    Buffer.from(CLIENT_SECRET).toString("base64"),
    encodeURIComponent(CLIENT_SECRET),
  ];

  it("is masked, stored sealed in GitHub with the variables, and in no log line or output", async () => {
    const tenancy = new FakeTenancy();
    const github = new FakeGithub(keys);
    const h = harness(tenancy, github);
    await runSetup(
      inputs({ "github-token": "ghp_token", "secret-file": "" }, { GITHUB_REPOSITORY: "octo/usage" }),
      h.deps,
    );
    expect(h.masked).toContain(CLIENT_SECRET);
    expect(github.opened("USAGE_CLIENT_SECRET")).toBe(CLIENT_SECRET);
    expect(github.variables.get("USAGE_CLIENT_ID")).toBe(tenancy.apps[1]!.name);
    expect(github.variables.get("USAGE_SCOPE")).toBe(`https://${HOSTNAME}/usage.read`);
    expect(github.variables.get("API_AUDIENCE")).toBe(`https://${HOSTNAME}/`);
    const everything = [
      ...h.lines,
      ...h.outputs.values(),
      ...github.variables.values(),
      ...tenancy.events,
    ].join("\n");
    for (const form of forms) expect(everything).not.toContain(form);
    expect(h.files.size).toBe(0);
  });

  it("is not stored again on a re-run when the repository has it; changed variables are updated", async () => {
    const tenancy = new FakeTenancy();
    const github = new FakeGithub(keys);
    const gh = () =>
      inputs({ "github-token": "ghp_token", "secret-file": "" }, { GITHUB_REPOSITORY: "octo/usage" });
    await runSetup(gh(), harness(tenancy, github).deps);
    github.writes = [];
    github.variables.set("API_REQUIRED_SCOPE", "old");
    await runSetup(gh(), harness(tenancy, github).deps);
    expect(github.writes).toEqual(["update API_REQUIRED_SCOPE"]);
  });

  it("is read back from the identity domain when the repository lacks it", async () => {
    const tenancy = new FakeTenancy();
    await runSetup(inputs(), harness(tenancy).deps);
    const github = new FakeGithub(keys);
    const h = harness(tenancy, github);
    await runSetup(
      inputs({ "github-token": "ghp_token", "secret-file": "" }, { GITHUB_REPOSITORY: "octo/usage" }),
      h.deps,
    );
    expect(github.opened("USAGE_CLIENT_SECRET")).toBe(CLIENT_SECRET);
    expect(h.masked).toContain(CLIENT_SECRET);
    for (const form of forms) expect(h.lines.join("\n")).not.toContain(form);
  });

  it("warns when it has nowhere to go", async () => {
    const tenancy = new FakeTenancy();
    const h = harness(tenancy);
    await runSetup(inputs({ "secret-file": "" }), h.deps);
    expect(
      h.lines.some((l) => l.startsWith("warning: the client secret of usage-api-report was not stored")),
    ).toBe(true);
    for (const form of forms) expect([...h.lines, ...h.outputs.values()].join("\n")).not.toContain(form);
  });
});

describe("runSetup with keyless: true", () => {
  const REPO = "octo-org/usage-reports";
  const keylessInputs = (extra: Record<string, string> = {}) =>
    inputs(
      { keyless: "true", "github-token": "ghp_token", "secret-file": "", ...extra },
      { GITHUB_REPOSITORY: REPO },
    );

  it("plans and creates the service user, the exchange app, the trust and the group member, and stores the OIDC secrets", async () => {
    const tenancy = new FakeTenancy();
    const github = new FakeGithub(keys);
    const h = harness(tenancy, github);
    await runSetup(keylessInputs(), h.deps);
    expect(tenancy.writes).toEqual([
      ...ORDER,
      "CreateUser",
      "CreateApp",
      "PutAppStatusChanger",
      "CreateIdentityPropagationTrust",
      "CreateGroup",
    ]);
    const plan = h.lines.slice(h.lines.indexOf("== Plan"));
    expect(plan).toContain("service user usage-api-deployer: create");
    expect(plan).toContain("trust usage-api-github: create");
    expect(plan).toContain("    oauthClients: (the new exchange app's client id)");
    expect(plan).toContain(
      "    impersonationServiceUsers: sub eq repo:octo-org/usage-reports:ref:refs/heads/main -> usage-api-deployer",
    );
    expect(plan).toContain("deployer group UsageApiDeployers: create");

    const [user] = tenancy.users;
    expect(user).toMatchObject({
      userName: "usage-api-deployer",
      urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { serviceUser: true },
    });
    const app = tenancy.apps.find((a) => a.displayName === "usage-api-github-exchange")!;
    expect(app).toMatchObject({ isOAuthClient: true, clientType: "confidential", active: true });
    expect(tenancy.trusts[0]).toMatchObject({
      name: "usage-api-github",
      type: "JWT",
      issuer: "https://token.actions.githubusercontent.com",
      publicKeyEndpoint: "https://token.actions.githubusercontent.com/.well-known/jwks",
      subjectClaimName: "sub",
      clientClaimName: "aud",
      clientClaimValues: ["https://cloud.oracle.com"],
      oauthClients: [app.name],
      allowImpersonation: true,
      active: true,
      impersonationServiceUsers: [
        { value: user!.id, ocid: user!.ocid, rule: "sub eq repo:octo-org/usage-reports:ref:refs/heads/main" },
      ],
    });
    expect(tenancy.groups[0]).toMatchObject({
      displayName: "UsageApiDeployers",
      members: [{ value: user!.id, type: "User" }],
    });
    expect(github.opened("OIDC_CLIENT_ID")).toBe(app.name);
    expect(github.opened("OIDC_CLIENT_SECRET")).toBe(CLIENT_SECRET);
    expect(h.masked).toContain(CLIENT_SECRET);
    expect(h.lines.join("\n")).not.toContain(CLIENT_SECRET);
  });

  it("writes nothing on a re-run, and only the trust when the environment changes", async () => {
    const tenancy = new FakeTenancy();
    const github = new FakeGithub(keys);
    await runSetup(keylessInputs(), harness(tenancy, github).deps);
    tenancy.writes = [];
    github.writes = [];
    const again = harness(tenancy, github);
    await runSetup(keylessInputs(), again.deps);
    expect(tenancy.writes).toEqual([]);
    expect(github.writes).toEqual([]);
    expect(again.lines).toContain("nothing to change");

    await runSetup(keylessInputs({ "github-environment": "production" }), harness(tenancy, github).deps);
    expect(tenancy.writes).toEqual(["PutIdentityPropagationTrust"]);
    expect((tenancy.trusts[0]!.impersonationServiceUsers as Obj[])[0]!.rule).toBe(
      "sub eq repo:octo-org/usage-reports:environment:production",
    );
    expect(github.writes).toEqual([]);
  });

  it("adds the user to an existing deployer group", async () => {
    const tenancy = new FakeTenancy();
    tenancy.groups.push({
      id: "group-existing",
      displayName: "UsageApiDeployers",
      members: [{ value: "someone" }],
    });
    await runSetup(keylessInputs(), harness(tenancy, new FakeGithub(keys)).deps);
    expect(tenancy.writes).toContain("PatchGroup");
    expect(tenancy.writes).not.toContain("CreateGroup");
    expect((tenancy.groups[0]!.members as Obj[]).map((m) => m.value)).toEqual([
      "someone",
      tenancy.users[0]!.id,
    ]);
  });

  it("refuses to use a person's account of that name as the service user", async () => {
    const tenancy = new FakeTenancy();
    tenancy.users.push({ id: "user-person", userName: "usage-api-deployer" });
    await expect(runSetup(keylessInputs(), harness(tenancy, new FakeGithub(keys)).deps)).rejects.toThrow(
      /^service user usage-api-deployer \(user-person\) has serviceUser false where setup wants true, and that cannot be changed/,
    );
    expect(tenancy.writes).toEqual([]);
  });

  it("needs the repository", () => {
    expect(() => inputs({ keyless: "true" })).toThrow(
      "input 'github-repository': is required with 'keyless: true' (the repository whose workflows deploy without a key); set it to owner/name, or run in that repository's workflow (GITHUB_REPOSITORY)",
    );
  });
});
