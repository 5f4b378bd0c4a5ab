// The function upsert: find it (by `function-id`, or by name in the application), then create it, update it
// with if-match only where the image digest or a setting differs, or leave it alone; then wait for ACTIVE.
import type { models, requests, responses } from "oci-functions";
import { UserFacingError } from "../lib/errors.js";
import { oneLineText } from "../lib/text.js";
import { type CallOptions, ociCall } from "../oci/clients.js";
import type { OciCallError } from "../oci/errors.js";
import { pollUntilDone, type Waiting } from "./waiting.js";

/** The calls of FunctionsManagementClient the upsert makes (the real client satisfies it). */
export interface FunctionsApi {
  getApplication(r: requests.GetApplicationRequest): Promise<responses.GetApplicationResponse>;
  getFunction(r: requests.GetFunctionRequest): Promise<responses.GetFunctionResponse>;
  listFunctions(r: requests.ListFunctionsRequest): Promise<responses.ListFunctionsResponse>;
  createFunction(r: requests.CreateFunctionRequest): Promise<responses.CreateFunctionResponse>;
  updateFunction(r: requests.UpdateFunctionRequest): Promise<responses.UpdateFunctionResponse>;
}

export interface DesiredFunction {
  applicationId: string;
  displayName: string;
  /** `host/namespace/repository:tag`, without the digest. */
  image: string;
  imageDigest: string;
  memoryInMBs: number;
  timeoutInSeconds: number;
  config: Record<string, string>;
}

export interface FunctionChange {
  field: string;
  before: string | undefined;
  after: string | undefined;
}

export type FunctionPlan =
  | { action: "create"; desired: DesiredFunction }
  | {
      action: "update";
      desired: DesiredFunction;
      current: models.Function;
      etag: string;
      changes: FunctionChange[];
    }
  | { action: "none"; desired: DesiredFunction; current: models.Function; etag: string };

const GONE = new Set(["DELETING", "DELETED"]);
const BUSY = new Set(["CREATING", "UPDATING"]);

class FunctionDeployError extends UserFacingError {
  override name = "FunctionDeployError";
}

/** The application, checked: it exists, is ACTIVE. Its shape picks the image platforms. */
export async function readApplication(
  api: FunctionsApi,
  applicationId: string,
  call: CallOptions,
): Promise<models.Application> {
  const { application } = await ociCall("GetApplication", () => api.getApplication({ applicationId }), {
    ...call,
    hint: (status) =>
      status === 404
        ? `input 'application-id': application ${applicationId} was not found in this region, or the user may not read it (policy: read fn-app)`
        : undefined,
  });
  if (application.lifecycleState && application.lifecycleState !== "ACTIVE") {
    throw new FunctionDeployError(
      `input 'application-id': application ${application.displayName ?? applicationId} is ${application.lifecycleState}, not ACTIVE; fix or recreate it first`,
    );
  }
  return application;
}

/** The function by OCID (checked to be in the application) or by display name; undefined when there is none. */
export async function findFunction(
  api: FunctionsApi,
  where: { applicationId: string; name: string; functionId?: string },
  call: CallOptions,
): Promise<{ fn: models.Function; etag: string } | undefined> {
  if (where.functionId) {
    const { function: fn, etag } = await ociCall(
      "GetFunction",
      () => api.getFunction({ functionId: where.functionId as string }),
      {
        ...call,
        hint: (status) =>
          status === 404
            ? `input 'function-id': function ${where.functionId} was not found; leave function-id empty to find or create the function by name`
            : undefined,
      },
    );
    if (fn.applicationId && fn.applicationId !== where.applicationId) {
      throw new FunctionDeployError(
        `input 'function-id': function ${where.functionId} belongs to application ${fn.applicationId}, not to ${where.applicationId}`,
      );
    }
    if (fn.lifecycleState && GONE.has(fn.lifecycleState)) {
      throw new FunctionDeployError(
        `input 'function-id': function ${where.functionId} is ${fn.lifecycleState}`,
      );
    }
    return { fn, etag };
  }
  const found: models.FunctionSummary[] = [];
  let page: string | undefined;
  for (let round = 0; round < 100; round++) {
    const response = await ociCall(
      "ListFunctions",
      () =>
        api.listFunctions({
          applicationId: where.applicationId,
          displayName: where.name,
          limit: 50,
          ...(page ? { page } : {}),
        }),
      call,
    );
    found.push(
      ...response.items.filter(
        (f) => f.displayName === where.name && !(f.lifecycleState && GONE.has(f.lifecycleState)),
      ),
    );
    page = response.opcNextPage || undefined;
    if (!page) break;
  }
  if (found.length > 1) {
    throw new FunctionDeployError(
      `application ${where.applicationId} has ${found.length} functions named ${where.name}; set 'function-id' to the one to deploy`,
    );
  }
  const summary = found[0];
  if (!summary) return undefined;
  const { function: fn, etag } = await ociCall(
    "GetFunction",
    () => api.getFunction({ functionId: summary.id }),
    call,
  );
  return { fn, etag };
}

function sameConfig(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const left = a ?? {};
  const keys = new Set([...Object.keys(left), ...Object.keys(b)]);
  for (const key of keys) if (left[key] !== b[key]) return false;
  return true;
}

/** What differs between the function as it is and as deploy wants it (pure). Config changes list keys. */
export function functionChanges(current: models.Function, desired: DesiredFunction): FunctionChange[] {
  const changes: FunctionChange[] = [];
  if (current.imageDigest !== desired.imageDigest) {
    changes.push({ field: "imageDigest", before: current.imageDigest, after: desired.imageDigest });
  }
  if (current.image !== desired.image)
    changes.push({ field: "image", before: current.image, after: desired.image });
  if (current.memoryInMBs !== desired.memoryInMBs) {
    changes.push({
      field: "memoryInMBs",
      before: String(current.memoryInMBs ?? ""),
      after: String(desired.memoryInMBs),
    });
  }
  if (current.timeoutInSeconds !== desired.timeoutInSeconds) {
    changes.push({
      field: "timeoutInSeconds",
      before: String(current.timeoutInSeconds ?? ""),
      after: String(desired.timeoutInSeconds),
    });
  }
  if (!sameConfig(current.config, desired.config)) {
    const before = current.config ?? {};
    const keys = [...new Set([...Object.keys(before), ...Object.keys(desired.config)])].sort();
    for (const key of keys) {
      if (before[key] !== desired.config[key]) {
        changes.push({ field: `config.${key}`, before: before[key], after: desired.config[key] });
      }
    }
  }
  return changes;
}

export function planFunction(
  existing: { fn: models.Function; etag: string } | undefined,
  desired: DesiredFunction,
): FunctionPlan {
  if (!existing) return { action: "create", desired };
  const changes = functionChanges(existing.fn, desired);
  // A FAILED function is updated even when nothing differs: re-applying its settings is what brings it back.
  if (existing.fn.lifecycleState === "FAILED") {
    changes.push({ field: "lifecycleState", before: "FAILED", after: "ACTIVE (settings re-applied)" });
  }
  if (changes.length === 0) return { action: "none", desired, current: existing.fn, etag: existing.etag };
  return { action: "update", desired, current: existing.fn, etag: existing.etag, changes };
}

/** Poll getFunction until ACTIVE; FAILED or the deadline end it with a message. */
export async function waitForFunction(
  api: FunctionsApi,
  functionId: string,
  waiting: Waiting,
  call: CallOptions,
): Promise<{ fn: models.Function; etag: string }> {
  return pollUntilDone(waiting, async () => {
    const { function: fn, etag } = await ociCall("GetFunction", () => api.getFunction({ functionId }), call);
    const state = fn.lifecycleState ?? "ACTIVE";
    if (state === "ACTIVE") return { done: true, value: { fn, etag } };
    const name = fn.displayName ?? functionId;
    if (state === "FAILED" || GONE.has(state)) {
      throw new FunctionDeployError(
        `function ${name} is ${state} after the change; check the image (its architecture must match the application's shape) and the function's settings, then re-run`,
      );
    }
    return {
      done: false,
      waitingLine: `function ${name} is ${state}; waiting`,
      timedOut: () =>
        new FunctionDeployError(
          `function ${name} is still ${state} after the wait timeout; it may still become ACTIVE: re-run deploy later, or raise 'wait-timeout'`,
        ),
    };
  });
}

function updateDetails(changes: FunctionChange[], desired: DesiredFunction): models.UpdateFunctionDetails {
  const fields = new Set(changes.map((c) => (c.field.startsWith("config.") ? "config" : c.field)));
  if (fields.has("lifecycleState")) {
    for (const field of ["image", "memoryInMBs", "timeoutInSeconds", "config"]) fields.add(field);
  }
  const details: models.UpdateFunctionDetails = {};
  if (fields.has("image") || fields.has("imageDigest")) {
    details.image = desired.image;
    details.imageDigest = desired.imageDigest;
  }
  if (fields.has("memoryInMBs")) details.memoryInMBs = desired.memoryInMBs;
  if (fields.has("timeoutInSeconds")) details.timeoutInSeconds = desired.timeoutInSeconds;
  if (fields.has("config")) details.config = desired.config;
  return details;
}

/** Carry out a plan; returns the function as it is once ACTIVE. */
export async function applyFunction(
  api: FunctionsApi,
  plan: FunctionPlan,
  waiting: Waiting,
  call: CallOptions,
): Promise<models.Function> {
  const { desired } = plan;
  if (plan.action === "none") {
    if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
      return (await waitForFunction(api, plan.current.id, waiting, call)).fn;
    }
    return plan.current;
  }
  if (plan.action === "create") {
    const created = await createFunction(api, desired, call);
    return (await waitForFunction(api, created.id, waiting, call)).fn;
  }
  let etag = plan.etag;
  if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
    etag = (await waitForFunction(api, plan.current.id, waiting, call)).etag;
  }
  try {
    await ociCall(
      "UpdateFunction",
      () =>
        api.updateFunction({
          functionId: plan.current.id,
          ifMatch: etag,
          updateFunctionDetails: updateDetails(plan.changes, desired),
        }),
      call,
    );
  } catch (err) {
    // An earlier attempt may have gone through before its answer was lost: then the etag moved on.
    if ((err as OciCallError).status !== 412) throw err;
    const again = await waitForFunction(api, plan.current.id, waiting, call);
    if (functionChanges(again.fn, desired).length > 0) {
      throw new FunctionDeployError(
        `function ${desired.displayName} was changed by someone else while deploy ran (${oneLineText((err as Error).message, 200)}); re-run deploy`,
      );
    }
    return again.fn;
  }
  return (await waitForFunction(api, plan.current.id, waiting, call)).fn;
}

/** CreateFunction. No retry token exists for this call: only a throttled (never processed) attempt is repeated. */
async function createFunction(
  api: FunctionsApi,
  desired: DesiredFunction,
  call: CallOptions,
): Promise<models.Function> {
  const { function: created } = await ociCall(
    "CreateFunction",
    () =>
      api.createFunction({
        createFunctionDetails: {
          displayName: desired.displayName,
          applicationId: desired.applicationId,
          image: desired.image,
          imageDigest: desired.imageDigest,
          memoryInMBs: desired.memoryInMBs,
          timeoutInSeconds: desired.timeoutInSeconds,
          config: desired.config,
        },
      }),
    {
      ...call,
      retry: (err: OciCallError) => err.status === 429,
      hint: (status) =>
        status === 409
          ? `a function named ${desired.displayName} already exists in the application (created concurrently?); re-run deploy`
          : undefined,
    },
  );
  return created;
}
