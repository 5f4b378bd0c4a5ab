// The gateway deployment upsert: find the deployment by display name on the gateway, create it or update it
// only when the specification differs canonically, then wait for its work request (or its lifecycle state)
// with a deadline. A FAILED work request ends the run with the service's lifecycleDetails and error messages.
import { randomUUID } from "node:crypto";
import type { models, requests, responses } from "oci-apigateway";
import { UserFacingError } from "../lib/errors.js";
import { oneLineText } from "../lib/text.js";
import { type CallOptions, ociCall } from "../oci/clients.js";
import type { OciCallError } from "../oci/errors.js";
import { diffSpecs, type SpecChange, specsEqual } from "./spec.js";
import { pollUntilDone, type Waiting } from "./waiting.js";

export interface GatewaysApi {
  getGateway(r: requests.GetGatewayRequest): Promise<responses.GetGatewayResponse>;
}

export interface DeploymentsApi {
  getDeployment(r: requests.GetDeploymentRequest): Promise<responses.GetDeploymentResponse>;
  listDeployments(r: requests.ListDeploymentsRequest): Promise<responses.ListDeploymentsResponse>;
  createDeployment(r: requests.CreateDeploymentRequest): Promise<responses.CreateDeploymentResponse>;
  updateDeployment(r: requests.UpdateDeploymentRequest): Promise<responses.UpdateDeploymentResponse>;
}

export interface WorkRequestsApi {
  getWorkRequest(r: requests.GetWorkRequestRequest): Promise<responses.GetWorkRequestResponse>;
  listWorkRequestErrors(
    r: requests.ListWorkRequestErrorsRequest,
  ): Promise<responses.ListWorkRequestErrorsResponse>;
}

export interface DesiredDeployment {
  gatewayId: string;
  compartmentId: string;
  displayName: string;
  pathPrefix: string;
  specification: models.ApiSpecification;
}

export type DeploymentPlan =
  | { action: "create"; desired: DesiredDeployment; changes: SpecChange[] }
  | {
      action: "update";
      desired: DesiredDeployment;
      current: models.Deployment;
      etag: string;
      changes: SpecChange[];
    }
  | { action: "none"; desired: DesiredDeployment; current: models.Deployment; etag: string };

class GatewayDeployError extends UserFacingError {
  override name = "GatewayDeployError";
}

const GONE = new Set(["DELETING", "DELETED"]);
const BUSY = new Set(["CREATING", "UPDATING"]);

/** The gateway, checked before any write: it exists and is ACTIVE. */
export async function readGateway(
  api: GatewaysApi,
  gatewayId: string,
  call: CallOptions,
): Promise<models.Gateway> {
  const { gateway } = await ociCall("GetGateway", () => api.getGateway({ gatewayId }), {
    ...call,
    hint: (status) =>
      status === 404
        ? `input 'gateway-id': gateway ${gatewayId} was not found in this region, or the user may not use it (policy: use api-gateways); create the gateway first or fix the OCID`
        : undefined,
  });
  if (gateway.lifecycleState && gateway.lifecycleState !== "ACTIVE") {
    throw new GatewayDeployError(
      `input 'gateway-id': gateway ${gateway.displayName ?? gatewayId} is ${gateway.lifecycleState}, not ACTIVE`,
    );
  }
  return gateway;
}

/** The deployment named `displayName` on the gateway, with its etag; undefined when there is none. */
export async function findDeployment(
  api: DeploymentsApi,
  where: { compartmentId: string; gatewayId: string; displayName: string },
  call: CallOptions,
): Promise<{ deployment: models.Deployment; etag: string } | undefined> {
  const found: models.DeploymentSummary[] = [];
  let page: string | undefined;
  for (let round = 0; round < 100; round++) {
    const response = await ociCall(
      "ListDeployments",
      () =>
        api.listDeployments({
          compartmentId: where.compartmentId,
          gatewayId: where.gatewayId,
          displayName: where.displayName,
          limit: 50,
          ...(page ? { page } : {}),
        }),
      call,
    );
    found.push(
      ...response.deploymentCollection.items.filter(
        (d) =>
          d.displayName === where.displayName &&
          d.gatewayId === where.gatewayId &&
          !(d.lifecycleState && GONE.has(d.lifecycleState)),
      ),
    );
    page = response.opcNextPage || undefined;
    if (!page) break;
  }
  if (found.length > 1) {
    throw new GatewayDeployError(
      `gateway ${where.gatewayId} has ${found.length} deployments named ${where.displayName}; rename or delete the extra ones, or set 'deployment-name'`,
    );
  }
  const summary = found[0];
  if (!summary) return undefined;
  const { deployment, etag } = await ociCall(
    "GetDeployment",
    () => api.getDeployment({ deploymentId: summary.id }),
    call,
  );
  return { deployment, etag };
}

/**
 * Create, update or nothing (pure). A path prefix cannot change in place: that is an error before any write,
 * naming `pathPrefixInput` (the input the prefix came from).
 */
export function planDeployment(
  existing: { deployment: models.Deployment; etag: string } | undefined,
  desired: DesiredDeployment,
  pathPrefixInput = "path-prefix",
): DeploymentPlan {
  if (!existing) return { action: "create", desired, changes: diffSpecs(undefined, desired.specification) };
  const current = existing.deployment;
  if (current.pathPrefix !== desired.pathPrefix) {
    throw new GatewayDeployError(
      `input '${pathPrefixInput}': deployment ${desired.displayName} serves ${current.pathPrefix}, and API Gateway cannot change a deployment's path prefix; keep ${current.pathPrefix}, or use another 'deployment-name' for a new deployment at ${desired.pathPrefix}`,
    );
  }
  const failed = current.lifecycleState === "FAILED";
  if (!failed && specsEqual(current.specification, desired.specification)) {
    return { action: "none", desired, current, etag: existing.etag };
  }
  return {
    action: "update",
    desired,
    current,
    etag: existing.etag,
    changes: diffSpecs(current.specification, desired.specification),
  };
}

async function failureText(
  workRequests: WorkRequestsApi,
  deployments: DeploymentsApi,
  workRequestId: string | undefined,
  deploymentId: string | undefined,
  call: CallOptions,
): Promise<string> {
  const parts: string[] = [];
  if (deploymentId) {
    const details = await ociCall("GetDeployment", () => deployments.getDeployment({ deploymentId }), call)
      .then((r) => r.deployment.lifecycleDetails)
      .catch(() => undefined);
    if (details) parts.push(oneLineText(details));
  }
  if (workRequestId) {
    const errors = await ociCall(
      "ListWorkRequestErrors",
      () => workRequests.listWorkRequestErrors({ workRequestId }),
      call,
    )
      .then((r) => r.workRequestErrorCollection.items)
      .catch(() => [] as models.WorkRequestError[]);
    for (const e of errors.slice(0, 3)) {
      const text = oneLineText(`${e.code ? `${e.code}: ` : ""}${e.message ?? ""}`);
      if (text && !parts.includes(text)) parts.push(text);
    }
  }
  return parts.length > 0 ? parts.join("; ") : "the service gave no details";
}

/** Wait for a work request to finish, then for the deployment to be ACTIVE. */
async function waitForDeployment(
  apis: { deployments: DeploymentsApi; workRequests: WorkRequestsApi },
  ids: { workRequestId?: string; deploymentId: string; displayName: string },
  waiting: Waiting,
  call: CallOptions,
): Promise<{ deployment: models.Deployment; etag: string }> {
  const timedOut = (what: string) => () =>
    new GatewayDeployError(
      `deployment ${ids.displayName} is still ${what} after the wait timeout${ids.workRequestId ? ` (work request ${ids.workRequestId})` : ""}; the change continues in OCI: re-run deploy later, or raise 'wait-timeout'`,
    );
  if (ids.workRequestId) {
    const workRequestId = ids.workRequestId;
    await pollUntilDone(waiting, async () => {
      const response = await ociCall(
        "GetWorkRequest",
        () => apis.workRequests.getWorkRequest({ workRequestId }),
        call,
      );
      const { status, operationType, percentComplete } = response.workRequest;
      if (status === "SUCCEEDED") return { done: true, value: undefined };
      if (status === "FAILED" || status === "CANCELED") {
        const why = await failureText(
          apis.workRequests,
          apis.deployments,
          workRequestId,
          ids.deploymentId,
          call,
        );
        throw new GatewayDeployError(
          `deployment ${ids.displayName}: work request ${workRequestId} (${operationType}) ${status}: ${why}`,
        );
      }
      // The service may ask for a longer wait (retry-after); never more than 10 s.
      const serverWait =
        typeof response.retryAfter === "number" && response.retryAfter > 0 ? response.retryAfter * 1000 : 0;
      return {
        done: false,
        waitingLine: `work request ${workRequestId} is ${status}; waiting`,
        timedOut: timedOut(`${status} (${percentComplete ?? 0}%)`),
        waitMs: (interval) => Math.min(Math.max(interval, serverWait), 10_000),
      };
    });
  }
  return pollUntilDone(waiting, async () => {
    const { deployment, etag } = await ociCall(
      "GetDeployment",
      () => apis.deployments.getDeployment({ deploymentId: ids.deploymentId }),
      call,
    );
    const state = deployment.lifecycleState ?? "ACTIVE";
    if (state === "ACTIVE") return { done: true, value: { deployment, etag } };
    if (state === "FAILED" || GONE.has(state)) {
      throw new GatewayDeployError(
        `deployment ${ids.displayName} is ${state}: ${deployment.lifecycleDetails ? oneLineText(deployment.lifecycleDetails) : "the service gave no details"}`,
      );
    }
    return {
      done: false,
      waitingLine: `deployment ${ids.displayName} is ${state}; waiting`,
      timedOut: timedOut(state),
    };
  });
}

/** Carry out a plan; returns the deployment once ACTIVE. */
export async function applyDeployment(
  apis: { deployments: DeploymentsApi; workRequests: WorkRequestsApi },
  plan: DeploymentPlan,
  waiting: Waiting,
  call: CallOptions,
): Promise<models.Deployment> {
  const { desired } = plan;
  const settled = (deploymentId: string, workRequestId?: string) =>
    waitForDeployment(apis, { workRequestId, deploymentId, displayName: desired.displayName }, waiting, call);
  if (plan.action === "none") {
    if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
      return (await settled(plan.current.id)).deployment;
    }
    return plan.current;
  }
  if (plan.action === "create") {
    const created = await createDeployment(apis.deployments, desired, call);
    return (await settled(created.deployment.id, created.opcWorkRequestId || undefined)).deployment;
  }
  let etag = plan.etag;
  if (plan.current.lifecycleState && BUSY.has(plan.current.lifecycleState)) {
    etag = (await settled(plan.current.id)).etag;
  }
  let workRequestId: string | undefined;
  try {
    const updated = await ociCall(
      "UpdateDeployment",
      () =>
        apis.deployments.updateDeployment({
          deploymentId: plan.current.id,
          ifMatch: etag,
          updateDeploymentDetails: { displayName: desired.displayName, specification: desired.specification },
        }),
      call,
    );
    workRequestId = updated.opcWorkRequestId || undefined;
  } catch (err) {
    if ((err as OciCallError).status !== 412) throw err;
    // An earlier attempt may have been applied before its answer was lost.
    const again = await settled(plan.current.id);
    if (!specsEqual(again.deployment.specification, desired.specification)) {
      throw new GatewayDeployError(
        `deployment ${desired.displayName} was changed by someone else while deploy ran (${oneLineText((err as Error).message, 200)}); re-run deploy`,
      );
    }
    return again.deployment;
  }
  return (await settled(plan.current.id, workRequestId)).deployment;
}

/** CreateDeployment with a retry token, so that a retried create cannot make two deployments. */
function createDeployment(
  api: DeploymentsApi,
  desired: DesiredDeployment,
  call: CallOptions,
): Promise<responses.CreateDeploymentResponse> {
  const retryToken = randomUUID();
  return ociCall(
    "CreateDeployment",
    () =>
      api.createDeployment({
        opcRetryToken: retryToken,
        createDeploymentDetails: {
          displayName: desired.displayName,
          gatewayId: desired.gatewayId,
          compartmentId: desired.compartmentId,
          pathPrefix: desired.pathPrefix,
          specification: desired.specification,
        },
      }),
    {
      ...call,
      hint: (status) =>
        status === 400 || status === 409
          ? "check 'path-prefix' (another deployment on the gateway may use it) and the JWT inputs"
          : undefined,
    },
  );
}
