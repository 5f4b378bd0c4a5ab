// API Gateway work requests: every create, update and delete of a deployment runs as one, ACCEPTED ->
// IN_PROGRESS -> SUCCEEDED | FAILED a step apart, and the data plane changes only when it succeeds.

import { etagOf, type OciResource, randomOcid, sleep } from "../core/resources.js";
import type { Gateway } from "../gateway/index.js";
import { SpecValidationError } from "../gateway/index.js";
import type { ApiSpecification } from "../gateway/jwt-policy.js";

export const APIGATEWAY_BASE_PATH = "/20190501";

export interface GatewayResource extends OciResource {
  endpointType: "PUBLIC" | "PRIVATE";
  subnetId: string;
  networkSecurityGroupIds: string[];
  /** `127.0.0.1:<port>` of the data plane (a real gateway's is a DNS name). */
  hostname: string;
  lifecycleDetails?: string;
  ipAddresses: Array<{ ipAddress: string }>;
  systemTags: Record<string, Record<string, unknown>>;
  locks: unknown[];
}

export interface DeploymentResource extends OciResource {
  gatewayId: string;
  pathPrefix: string;
  /** Data plane URL + pathPrefix. */
  endpoint: string;
  specification: ApiSpecification;
  lifecycleDetails?: string;
  systemTags: Record<string, Record<string, unknown>>;
  locks: unknown[];
}

export type OperationType =
  | "CREATE_GATEWAY"
  | "CREATE_DEPLOYMENT"
  | "UPDATE_DEPLOYMENT"
  | "DELETE_DEPLOYMENT";

export interface WorkRequestResource {
  id: string;
  operationType: OperationType;
  status: "ACCEPTED" | "IN_PROGRESS" | "FAILED" | "SUCCEEDED" | "CANCELING" | "CANCELED";
  compartmentId: string;
  resources: Array<{ entityType: string; actionType: string; identifier: string; entityUri: string }>;
  percentComplete: number;
  timeAccepted: string;
  timeStarted?: string;
  timeFinished?: string;
}

export interface StoredDeployment {
  resource: DeploymentResource;
  etag: string;
}

export interface StoredWorkRequest {
  resource: WorkRequestResource;
  errors: Array<{ code: string; message: string; timestamp: string }>;
  logs: Array<{ message: string; timestamp: string }>;
}

export type Operation =
  | { kind: "create" }
  | {
      kind: "update";
      displayName?: string;
      specification?: ApiSpecification;
      freeformTags?: Record<string, string>;
      definedTags?: Record<string, Record<string, unknown>>;
    }
  | { kind: "delete" };

export const DEFAULT_FAILURE_DETAILS = "The deployment failed (failure injected by the sandbox)";

export const now = () => new Date().toISOString();

export function save(stored: StoredDeployment): void {
  stored.etag = etagOf(stored.resource);
}

export function newWorkRequest(
  type: OperationType,
  target: { id: string; compartmentId: string },
  regionKey: string,
  entityType: "deployment" | "gateway" = "deployment", // unconfirmed spellings
): StoredWorkRequest {
  return {
    resource: {
      id: randomOcid("apigatewayworkrequest", regionKey),
      operationType: type,
      status: "ACCEPTED",
      compartmentId: target.compartmentId,
      resources: [
        {
          entityType,
          actionType: "IN_PROGRESS",
          identifier: target.id,
          entityUri: `${APIGATEWAY_BASE_PATH}/${entityType}s/${target.id}`,
        },
      ],
      percentComplete: 0,
      timeAccepted: now(),
    },
    errors: [],
    logs: [{ message: `${type} accepted`, timestamp: now() }],
  };
}

interface WorkContext {
  /** The data plane of a gateway (each gateway has its own). */
  dataPlaneOf(gatewayId: string): Gateway;
  stepMs: number;
  /** Whether the control plane closed meanwhile (the work request then stops where it is). */
  closed: () => boolean;
  log: (line: string) => void;
}

/**
 * ACCEPTED, IN_PROGRESS a step later, and another step: false when the control plane closed meanwhile (the
 * work request then stops where it is).
 */
export async function stepToDone(
  ctx: { stepMs: number; closed: () => boolean },
  wr: StoredWorkRequest,
): Promise<boolean> {
  const w = wr.resource;
  await sleep(ctx.stepMs);
  if (ctx.closed()) return false;
  w.status = "IN_PROGRESS";
  w.timeStarted = now();
  w.percentComplete = 50;
  wr.logs.push({ message: `${w.operationType} in progress`, timestamp: now() });
  await sleep(ctx.stepMs);
  return !ctx.closed();
}

/**
 * Carry out an operation: ACCEPTED, IN_PROGRESS a step later, done a step after that. `injected` is a
 * failure to end with instead of touching the data plane; `hang`, when given, holds it IN_PROGRESS until
 * it resolves.
 */
export async function runWorkRequest(
  ctx: WorkContext,
  wr: StoredWorkRequest,
  stored: StoredDeployment,
  op: Operation,
  injected: string | undefined,
  hang?: Promise<void>,
): Promise<void> {
  if (!(await stepToDone(ctx, wr))) return;
  if (hang) {
    await hang;
    if (ctx.closed()) return;
  }
  const failure =
    injected !== undefined
      ? { code: "InternalError", message: injected }
      : applyToDataPlane(ctx, stored.resource, op);
  const finished = now();
  if (failure) finishFailed(ctx, wr, stored.resource, failure, finished);
  else finishSucceeded(wr, stored.resource, op, finished);
  stored.resource.timeUpdated = finished;
  wr.resource.timeFinished = finished;
  save(stored);
}

/** Deploy or undeploy in the data plane; the failure when it refuses. */
function applyToDataPlane(
  ctx: WorkContext,
  r: DeploymentResource,
  op: Operation,
): { code: string; message: string } | undefined {
  try {
    const dataPlane = ctx.dataPlaneOf(r.gatewayId);
    if (op.kind === "delete") dataPlane.undeploy(r.id);
    else {
      const specification = op.kind === "update" && op.specification ? op.specification : r.specification;
      dataPlane.deploy({ id: r.id, pathPrefix: r.pathPrefix, specification });
    }
    return undefined;
  } catch (err) {
    const message =
      err instanceof SpecValidationError
        ? `The deployment specification is invalid: ${err.problems.join("; ")}`
        : (err as Error).message;
    return { code: "InvalidParameter", message };
  }
}

function finishFailed(
  ctx: WorkContext,
  wr: StoredWorkRequest,
  r: DeploymentResource,
  failure: { code: string; message: string },
  finished: string,
): void {
  const w = wr.resource;
  r.lifecycleState = "FAILED";
  r.lifecycleDetails = failure.message;
  w.status = "FAILED";
  w.resources[0]!.actionType = "FAILED";
  wr.errors.push({ ...failure, timestamp: finished });
  wr.logs.push({ message: `${w.operationType} failed: ${failure.message}`, timestamp: finished });
  ctx.log(`apigateway: ${w.operationType} of ${r.displayName} failed: ${failure.message}`);
}

function finishSucceeded(
  wr: StoredWorkRequest,
  r: DeploymentResource,
  op: Operation,
  finished: string,
): void {
  const w = wr.resource;
  if (op.kind === "update") {
    if (op.displayName !== undefined) r.displayName = op.displayName;
    if (op.specification !== undefined) r.specification = op.specification;
    if (op.freeformTags !== undefined) r.freeformTags = op.freeformTags;
    if (op.definedTags !== undefined) r.definedTags = op.definedTags;
  }
  r.lifecycleState = op.kind === "delete" ? "DELETED" : "ACTIVE";
  delete r.lifecycleDetails;
  w.status = "SUCCEEDED";
  w.percentComplete = 100;
  w.resources[0]!.actionType = { create: "CREATED", update: "UPDATED", delete: "DELETED" }[op.kind];
  wr.logs.push({ message: `${w.operationType} succeeded`, timestamp: finished });
}
