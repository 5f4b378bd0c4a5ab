// The function and deployment upserts against in-memory fakes of the two OCI APIs (etags, if-match, lifecycle
// states, work requests), and the one-line OCI error text.
import * as common from "oci-common";
import { describe, expect, it } from "vitest";
import {
  applyFunction,
  type DesiredFunction,
  type FunctionsApi,
  findFunction,
  functionChanges,
  planFunction,
} from "../../src/deploy/function.js";
import {
  applyDeployment,
  type DeploymentsApi,
  type DesiredDeployment,
  planDeployment,
  readGateway,
  type WorkRequestsApi,
} from "../../src/deploy/gateway.js";
import { buildSpec } from "../../src/deploy/spec.js";
import { ociCall } from "../../src/oci/clients.js";
import { OciCallError, ociCallError } from "../../src/oci/errors.js";

const APP = "ocid1.fnapp.oc1.iad.app";
const noWait = { sleep: async () => {}, now: () => 0 };
const call = { retryOptions: noWait };

function ociError(status: number, code: string, message: string): common.OciError {
  return new common.OciError(status, code, message, "req-123", "Functions", "Op", "t", "https://x", "");
}

describe("ociCallError: one line per failure", () => {
  it("formats a service error with status, code, message and request id, and no SDK blurb", () => {
    const err = ociCallError(
      "GetFunction",
      ociError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found."),
    );
    expect(err.message).toBe(
      "GetFunction failed: HTTP 404 NotAuthorizedOrNotFound: Authorization failed or requested resource not found. (opc-request-id req-123); it does not exist in this region, or the IAM policies do not let the user see it",
    );
    expect(err.message).not.toMatch(/troubleshoot|Oracle-TypeScriptSDK|\[object Object\]/i);
    expect(err).toMatchObject({
      status: 404,
      serviceCode: "NotAuthorizedOrNotFound",
      opcRequestId: "req-123",
      retryable: false,
    });
  });

  it("turns the SDK's plain network-failure object into text, never [object Object]", () => {
    const sdkNetworkError = {
      code: undefined,
      message: "fetch failed",
      requestEndpoint: "GET http://127.0.0.1:1/20181201/applications/x",
      troubleshootingPage: "See https://docs.oracle.com/... for help",
    };
    const err = ociCallError("GetApplication", sdkNetworkError);
    expect(err.message).toBe("GetApplication failed: fetch failed; could not reach http://127.0.0.1:1");
    expect(err.retryable).toBe(true);
  });

  it.each([
    [401, "NotAuthenticated", /check the API key/],
    [429, "TooManyRequests", /^Op failed: HTTP 429 TooManyRequests: m \(opc-request-id req-123\)$/],
  ])("HTTP %i", (status, code, text) => {
    expect(ociCallError("Op", ociError(status, code, "m")).message).toMatch(text);
  });

  it("clips a huge HTML error body to one bounded line", () => {
    const err = ociCallError("Op", ociError(502, "None", `<html>\n${"x".repeat(5000)}\n</html>`));
    expect(err.message).not.toContain("\n");
    expect(err.message.length).toBeLessThan(400);
    expect(err.message).not.toMatch(/ None:/);
  });
});

describe("ociCall", () => {
  it("retries 5xx and 429 and then succeeds; logs each retry", async () => {
    const lines: string[] = [];
    let n = 0;
    const result = await ociCall(
      "GetGateway",
      async () => {
        n++;
        if (n === 1) throw ociError(503, "ServiceUnavailable", "busy");
        if (n === 2) throw ociError(429, "TooManyRequests", "slow down");
        return "ok";
      },
      { ...call, log: (l) => lines.push(l) },
    );
    expect(result).toBe("ok");
    expect(n).toBe(3);
    expect(lines).toEqual([
      expect.stringMatching(/^GetGateway: attempt 1 failed \(HTTP 503\); retrying in \d+ ms$/),
      expect.stringMatching(/^GetGateway: attempt 2 failed \(HTTP 429\); retrying in \d+ ms$/),
    ]);
  });

  it("does not retry a 4xx, nor a write that asked not to be retried", async () => {
    let n = 0;
    await expect(
      ociCall(
        "GetGateway",
        async () => {
          n++;
          throw ociError(404, "NotFound", "no");
        },
        call,
      ),
    ).rejects.toThrow(OciCallError);
    expect(n).toBe(1);
    n = 0;
    await expect(
      ociCall(
        "CreateFunction",
        async () => {
          n++;
          throw ociError(500, "InternalError", "boom");
        },
        { ...call, retry: false },
      ),
    ).rejects.toThrow(/^CreateFunction failed: HTTP 500 InternalError: boom/);
    expect(n).toBe(1);
  });
});

// ---- Functions ---------------------------------------------------------------------------------------------

interface StoredFunction {
  id: string;
  displayName: string;
  applicationId: string;
  image?: string;
  imageDigest?: string;
  memoryInMBs: number;
  timeoutInSeconds: number;
  config: Record<string, string>;
  lifecycleState: string;
  etag: number;
  /** Polls left before a CREATING/UPDATING function settles. */
  settleIn: number;
  /** The state it settles in. */
  settlesAs: string;
}

class FakeFunctions implements FunctionsApi {
  fns = new Map<string, StoredFunction>();
  writes: string[] = [];
  nextId = 1;
  settleAs = "ACTIVE";
  settlePolls = 2;

  view(f: StoredFunction) {
    const { etag: _e, settleIn: _s, settlesAs: _a, ...fn } = f;
    return { function: { ...fn, config: { ...fn.config } } as never, etag: `"${f.etag}"`, opcRequestId: "r" };
  }

  async getApplication() {
    return { application: { id: APP, lifecycleState: "ACTIVE" } as never, etag: "", opcRequestId: "" };
  }

  async getFunction(r: { functionId: string }) {
    const f = this.fns.get(r.functionId);
    if (!f) throw ociError(404, "NotAuthorizedOrNotFound", "not found");
    if (f.settleIn > 0 && --f.settleIn === 0) f.lifecycleState = f.settlesAs;
    return this.view(f);
  }

  async listFunctions(r: { applicationId: string; displayName?: string }) {
    const items = [...this.fns.values()]
      .filter(
        (f) => f.applicationId === r.applicationId && (!r.displayName || f.displayName === r.displayName),
      )
      .map((f) => this.view(f).function);
    return { items, opcNextPage: "", opcRequestId: "" } as never;
  }

  async createFunction(r: { createFunctionDetails: Record<string, unknown> }) {
    this.writes.push("create");
    const d = r.createFunctionDetails as unknown as StoredFunction;
    const f: StoredFunction = {
      ...d,
      config: { ...d.config },
      id: `ocid1.fnfunc.oc1.iad.f${this.nextId++}`,
      lifecycleState: "CREATING",
      etag: 1,
      settleIn: this.settlePolls,
      settlesAs: this.settleAs,
    };
    this.fns.set(f.id, f);
    return this.view(f) as never;
  }

  async updateFunction(r: {
    functionId: string;
    ifMatch?: string;
    updateFunctionDetails: Record<string, unknown>;
  }) {
    const f = this.fns.get(r.functionId);
    if (!f) throw ociError(404, "NotAuthorizedOrNotFound", "not found");
    if (r.ifMatch !== `"${f.etag}"`) throw ociError(412, "PreConditionFailed", "etag mismatch");
    this.writes.push(`update ${Object.keys(r.updateFunctionDetails).sort().join(",")}`);
    Object.assign(f, r.updateFunctionDetails, {
      lifecycleState: "UPDATING",
      settleIn: 1,
      settlesAs: this.settleAs,
    });
    f.etag++;
    return this.view(f) as never;
  }
}

const DESIRED: DesiredFunction = {
  applicationId: APP,
  displayName: "usage-api",
  image: "iad.ocir.io/ns/usage-api:fn-1",
  imageDigest: "sha256:aaa",
  memoryInMBs: 256,
  timeoutInSeconds: 60,
  config: { USAGE_API_REGION: "us-ashburn-1", MAX_ATTEMPTS: "6" },
};

const waiting = { deadline: Number.MAX_SAFE_INTEGER, ...noWait };

describe("function upsert", () => {
  it("creates, waits for ACTIVE, then leaves an unchanged function alone", async () => {
    const api = new FakeFunctions();
    const where = { applicationId: APP, name: "usage-api" };
    expect(await findFunction(api, where, call)).toBeUndefined();
    const created = await applyFunction(api, planFunction(undefined, DESIRED), waiting, call);
    expect(created).toMatchObject({
      lifecycleState: "ACTIVE",
      imageDigest: "sha256:aaa",
      config: DESIRED.config,
    });
    const again = planFunction(await findFunction(api, where, call), DESIRED);
    expect(again.action).toBe("none");
    await applyFunction(api, again, waiting, call);
    expect(api.writes).toEqual(["create"]);
  });

  it("updates only the fields that differ, with if-match", async () => {
    const api = new FakeFunctions();
    await applyFunction(api, planFunction(undefined, DESIRED), waiting, call);
    const existing = await findFunction(api, { applicationId: APP, name: "usage-api" }, call);
    const desired = { ...DESIRED, config: { ...DESIRED.config, MAX_ATTEMPTS: "3", EXTRA: "1" } };
    const plan = planFunction(existing, desired);
    expect(plan.action).toBe("update");
    expect(plan.action === "update" && plan.changes).toEqual([
      { field: "config.EXTRA", before: undefined, after: "1" },
      { field: "config.MAX_ATTEMPTS", before: "6", after: "3" },
    ]);
    const updated = await applyFunction(api, plan, waiting, call);
    expect(updated.config).toEqual(desired.config);
    expect(api.writes).toEqual(["create", "update config"]);

    const next = planFunction(await findFunction(api, { applicationId: APP, name: "usage-api" }, call), {
      ...desired,
      imageDigest: "sha256:bbb",
      memoryInMBs: 512,
    });
    await applyFunction(api, next, waiting, call);
    expect(api.writes.at(-1)).toBe("update image,imageDigest,memoryInMBs");
  });

  it("fails clearly when the function ends FAILED", async () => {
    const api = new FakeFunctions();
    api.settleAs = "FAILED";
    await expect(applyFunction(api, planFunction(undefined, DESIRED), waiting, call)).rejects.toThrow(
      /^function usage-api is FAILED after the change; check the image/,
    );
  });

  it("re-applies every setting to a FAILED function even when nothing differs", async () => {
    const api = new FakeFunctions();
    api.settleAs = "FAILED";
    await expect(applyFunction(api, planFunction(undefined, DESIRED), waiting, call)).rejects.toThrow(
      /FAILED/,
    );
    api.settleAs = "ACTIVE";
    const plan = planFunction(
      await findFunction(api, { applicationId: APP, name: "usage-api" }, call),
      DESIRED,
    );
    expect(plan.action === "update" && plan.changes).toEqual([
      { field: "lifecycleState", before: "FAILED", after: "ACTIVE (settings re-applied)" },
    ]);
    await expect(applyFunction(api, plan, waiting, call)).resolves.toMatchObject({
      lifecycleState: "ACTIVE",
    });
    expect(api.writes.at(-1)).toBe("update config,image,imageDigest,memoryInMBs,timeoutInSeconds");
  });

  it("stops waiting at the deadline with what to do", async () => {
    const api = new FakeFunctions();
    api.settlePolls = 10;
    let t = 0;
    await expect(
      applyFunction(
        api,
        planFunction(undefined, DESIRED),
        {
          deadline: 1000,
          sleep: async (ms) => {
            t += ms;
          },
          now: () => t,
          pollMs: 800,
        },
        call,
      ),
    ).rejects.toThrow(/is still CREATING after the wait timeout; .* raise 'wait-timeout'/);
  });

  it("treats a lost-answer update (412 on retry) as done when the function already matches", async () => {
    const api = new FakeFunctions();
    await applyFunction(api, planFunction(undefined, DESIRED), waiting, call);
    const existing = await findFunction(api, { applicationId: APP, name: "usage-api" }, call);
    const desired = { ...DESIRED, timeoutInSeconds: 30 };
    const plan = planFunction(existing, desired);
    // Someone (an earlier attempt) applied the same change: the etag moved on.
    await api.updateFunction({
      functionId: existing!.fn.id,
      ifMatch: existing!.etag,
      updateFunctionDetails: { timeoutInSeconds: 30 },
    });
    await expect(applyFunction(api, plan, waiting, call)).resolves.toMatchObject({ timeoutInSeconds: 30 });
    // A different concurrent change is reported.
    const stale = planFunction(await findFunction(api, { applicationId: APP, name: "usage-api" }, call), {
      ...desired,
      memoryInMBs: 1024,
    });
    await api.updateFunction({
      functionId: existing!.fn.id,
      ifMatch: `"${api.fns.get(existing!.fn.id)!.etag}"`,
      updateFunctionDetails: { memoryInMBs: 128 },
    });
    await expect(applyFunction(api, stale, waiting, call)).rejects.toThrow(
      /was changed by someone else while deploy ran/,
    );
  });

  it("refuses a function-id from another application", async () => {
    const api = new FakeFunctions();
    const created = await applyFunction(
      api,
      planFunction(undefined, { ...DESIRED, applicationId: "ocid1.fnapp.oc1.iad.other" }),
      waiting,
      call,
    );
    await expect(
      findFunction(api, { applicationId: APP, name: "x", functionId: created.id }, call),
    ).rejects.toThrow(
      /^input 'function-id': function .* belongs to application ocid1\.fnapp\.oc1\.iad\.other/,
    );
  });

  it("compares config as a map and reports removed keys", () => {
    const changes = functionChanges(
      {
        id: "f",
        config: { A: "1", B: "2" },
        imageDigest: "d",
        image: "i",
        memoryInMBs: 1,
        timeoutInSeconds: 1,
      },
      {
        ...DESIRED,
        image: "i",
        imageDigest: "d",
        memoryInMBs: 1,
        timeoutInSeconds: 1,
        config: { B: "2", A: "1" },
      },
    );
    expect(changes).toEqual([]);
    expect(
      functionChanges(
        {
          id: "f",
          config: { A: "1", B: "2" },
          imageDigest: "d",
          image: "i",
          memoryInMBs: 1,
          timeoutInSeconds: 1,
        },
        { ...DESIRED, image: "i", imageDigest: "d", memoryInMBs: 1, timeoutInSeconds: 1, config: { A: "1" } },
      ),
    ).toEqual([{ field: "config.B", before: "2", after: undefined }]);
  });
});

// ---- API Gateway -------------------------------------------------------------------------------------------

class FakeGateway implements DeploymentsApi, WorkRequestsApi {
  deployments = new Map<string, Record<string, unknown> & { etag: number }>();
  workRequests = new Map<string, { status: string; polls: number; ends: string; deploymentId: string }>();
  writes: string[] = [];
  failNext: string | undefined;

  async getGateway(r: { gatewayId: string }) {
    if (r.gatewayId !== "gw")
      throw ociError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.");
    return {
      gateway: { id: "gw", compartmentId: "c", lifecycleState: "ACTIVE" } as never,
      etag: "",
      opcRequestId: "",
    };
  }

  async getDeployment(r: { deploymentId: string }) {
    const d = this.deployments.get(r.deploymentId);
    if (!d) throw ociError(404, "NotAuthorizedOrNotFound", "not found");
    const { etag, ...deployment } = d;
    return { deployment: structuredClone(deployment) as never, etag: `"${etag}"`, opcRequestId: "" };
  }

  async listDeployments() {
    return {
      deploymentCollection: { items: [...this.deployments.values()].map((d) => ({ ...d })) as never },
      opcNextPage: "",
    } as never;
  }

  private work(deploymentId: string): string {
    const id = `wr${this.workRequests.size + 1}`;
    const ends = this.failNext ? "FAILED" : "SUCCEEDED";
    this.workRequests.set(id, { status: "ACCEPTED", polls: 2, ends, deploymentId });
    if (this.failNext) {
      const d = this.deployments.get(deploymentId)!;
      d.lifecycleDetails = this.failNext;
      this.failNext = undefined;
    }
    return id;
  }

  async createDeployment(r: { createDeploymentDetails: Record<string, unknown> }) {
    this.writes.push("create");
    const id = `dep${this.deployments.size + 1}`;
    this.deployments.set(id, {
      ...structuredClone(r.createDeploymentDetails),
      id,
      endpoint: `https://gw.example.com${r.createDeploymentDetails.pathPrefix}`,
      lifecycleState: "CREATING",
      etag: 1,
    });
    const wr = this.work(id);
    return { deployment: { id } as never, opcWorkRequestId: wr, etag: "", opcRequestId: "", location: "" };
  }

  async updateDeployment(r: {
    deploymentId: string;
    ifMatch?: string;
    updateDeploymentDetails: Record<string, unknown>;
  }) {
    const d = this.deployments.get(r.deploymentId)!;
    if (r.ifMatch !== `"${d.etag}"`) throw ociError(412, "PreConditionFailed", "etag mismatch");
    this.writes.push("update");
    const wr = this.work(r.deploymentId);
    if (this.workRequests.get(wr)!.ends === "SUCCEEDED")
      Object.assign(d, structuredClone(r.updateDeploymentDetails));
    d.lifecycleState = "UPDATING";
    d.etag++;
    return { opcWorkRequestId: wr, opcRequestId: "" };
  }

  async getWorkRequest(r: { workRequestId: string }) {
    const w = this.workRequests.get(r.workRequestId)!;
    if (--w.polls <= 0) {
      w.status = w.ends;
      const d = this.deployments.get(w.deploymentId)!;
      d.lifecycleState = w.ends === "SUCCEEDED" ? "ACTIVE" : "FAILED";
    } else w.status = "IN_PROGRESS";
    return {
      workRequest: {
        id: r.workRequestId,
        status: w.status,
        operationType: "UPDATE_DEPLOYMENT",
        percentComplete: 50,
      } as never,
      retryAfter: 0,
      etag: "",
      opcRequestId: "",
    };
  }

  async listWorkRequestErrors() {
    return {
      workRequestErrorCollection: {
        items: [
          { code: "InvalidParameter", message: "Backend function is not reachable", timestamp: new Date() },
        ],
      },
    } as never;
  }
}

const KEYS = [
  { kid: "k", format: "JSON_WEB_KEY" as const, kty: "RSA" as const, use: "sig" as const, n: "n", e: "AQAB" },
];
function desiredDeployment(extra: { functionId?: string; pathPrefix?: string } = {}): DesiredDeployment {
  return {
    gatewayId: "gw",
    compartmentId: "c",
    displayName: "usage-api",
    pathPrefix: extra.pathPrefix ?? "/usage",
    specification: buildSpec({
      functionId: extra.functionId ?? "fn1",
      issuers: ["iss"],
      audiences: ["aud"],
      maxClockSkewSeconds: 0,
      publicKeys: { type: "STATIC_KEYS", keys: KEYS },
      requiredScopes: [],
    }),
  };
}

describe("deployment upsert", () => {
  const find = async (api: FakeGateway) => {
    const d = [...api.deployments.values()][0];
    return d ? api.getDeployment({ deploymentId: d.id as string }) : undefined;
  };

  it("creates through a work request, then finds nothing to change", async () => {
    const api = new FakeGateway();
    const apis = { deployments: api, workRequests: api };
    const created = await applyDeployment(
      apis,
      planDeployment(undefined, desiredDeployment()),
      waiting,
      call,
    );
    expect(created).toMatchObject({ lifecycleState: "ACTIVE", endpoint: "https://gw.example.com/usage" });
    const plan = planDeployment(await find(api), desiredDeployment());
    expect(plan.action).toBe("none");
    expect(api.writes).toEqual(["create"]);
  });

  it("updates when the spec differs, and fails with lifecycleDetails and the work request errors", async () => {
    const api = new FakeGateway();
    const apis = { deployments: api, workRequests: api };
    await applyDeployment(apis, planDeployment(undefined, desiredDeployment()), waiting, call);
    const update = planDeployment(await find(api), desiredDeployment({ functionId: "fn2" }));
    expect(update.action === "update" && update.changes.map((c) => c.path)).toEqual([
      "routes[POST /request-summarized-usages].backend.functionId",
    ]);
    api.failNext = "The specification is invalid: backend function fn2 does not exist";
    await expect(applyDeployment(apis, update, waiting, call)).rejects.toThrow(
      /^deployment usage-api: work request wr2 \(UPDATE_DEPLOYMENT\) FAILED: The specification is invalid: backend function fn2 does not exist; InvalidParameter: Backend function is not reachable$/,
    );
    // A FAILED deployment is re-applied even when the spec is the same.
    const retry = planDeployment(await find(api), desiredDeployment());
    expect(retry.action).toBe("update");
  });

  it("refuses to change the path prefix in place, before any write", async () => {
    const api = new FakeGateway();
    await applyDeployment(
      { deployments: api, workRequests: api },
      planDeployment(undefined, desiredDeployment()),
      waiting,
      call,
    );
    const existing = await find(api);
    expect(() => planDeployment(existing, desiredDeployment({ pathPrefix: "/cost" }))).toThrow(
      /^input 'path-prefix': deployment usage-api serves \/usage, and API Gateway cannot change a deployment's path prefix/,
    );
    expect(api.writes).toEqual(["create"]);
  });

  it("names the gateway-id input when the gateway does not exist", async () => {
    await expect(readGateway(new FakeGateway(), "ocid1.apigateway.oc1.iad.nope", call)).rejects.toThrow(
      /^GetGateway failed: HTTP 404 NotAuthorizedOrNotFound: .*input 'gateway-id': gateway ocid1\.apigateway\.oc1\.iad\.nope was not found/,
    );
  });
});
