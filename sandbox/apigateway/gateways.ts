// API Gateway CreateGateway (GatewayClient, base /20190501), a route the API Gateway control plane
// (index.ts) serves over its gateway store. A PUBLIC gateway in a subnet of the sandbox network: the
// answer is the Gateway in CREATING with a CREATE_GATEWAY work request that goes ACCEPTED -> IN_PROGRESS ->
// SUCCEEDED (gateway ACTIVE) or FAILED (gateway FAILED with lifecycleDetails), like the deployment ones.
// Each new gateway gets its own data plane, started when the gateway is created: its hostname is that
// listener's `127.0.0.1:<port>`.
//
// Wire shapes follow oci-apigateway 2.139.1 (CreateGatewayDetails, Gateway, WorkRequest).

import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import {
  definedTags,
  etagOf,
  freeformTags,
  jsonBody,
  optionalString,
  randomOcid,
  requiredString,
} from "../core/resources.js";
import type { Gateway } from "../gateway/index.js";
import type { SandboxNetwork } from "../network/index.js";
import {
  type GatewayResource,
  type OperationType,
  type StoredWorkRequest,
  stepToDone,
} from "./work-requests.js";

const APIGATEWAY_PATH = "/20190501";

/** What the API Gateway control plane lends these routes. */
export interface GatewayRoutesContext {
  gateways: Map<string, GatewayResource>;
  dataPlanes: Map<string, Gateway>;
  /** A new ACCEPTED work request on `target`, stored where GetWorkRequest finds it. */
  newWorkRequest(
    type: OperationType,
    target: { id: string; compartmentId: string },
    entityType: "deployment" | "gateway",
  ): StoredWorkRequest;
  regionKey: string;
  stepMs: number;
  checkCompartment(compartmentId: string): void;
  /** The next injected work request failure (apigateway.failNext), if any. */
  takeFailure(): string | undefined;
  track(work: Promise<void>): void;
  isClosed(): boolean;
}

export interface GatewayRoutesOptions {
  network: SandboxNetwork;
  /** Starts the data plane of a new gateway (closed with the sandbox). */
  startDataPlane(): Promise<Gateway>;
}

/** Build the gateway routes once the control plane's context exists. */
export function gatewayRoutes(options: GatewayRoutesOptions): (ctx: GatewayRoutesContext) => Route[] {
  return (ctx) => [
    {
      method: "POST",
      pattern: /^\/gateways$/,
      write: "create",
      run: (req) => createGateway(options, ctx, req),
    },
  ];
}

const now = () => new Date().toISOString();

async function createGateway(options: GatewayRoutesOptions, ctx: GatewayRoutesContext, req: ServiceRequest) {
  const body = jsonBody(req);
  const { compartmentId, subnetId } = placementOf(options, ctx, body);
  const tags = freeformTags(body) ?? {};
  const defined = definedTags(body) ?? {};
  const created = now();
  const displayName = optionalString(body, "displayName");
  const dataPlane = await options.startDataPlane();
  const gw: GatewayResource = {
    id: randomOcid("apigateway", ctx.regionKey),
    // unconfirmed: the name the real service gives a gateway created without one.
    displayName: displayName ?? `gateway${created.replace(/\D/g, "").slice(0, 14)}`,
    compartmentId,
    endpointType: "PUBLIC",
    subnetId,
    networkSecurityGroupIds: [],
    timeCreated: created,
    timeUpdated: created,
    lifecycleState: "CREATING",
    hostname: new URL(dataPlane.url).host,
    ipAddresses: [{ ipAddress: "127.0.0.1" }],
    freeformTags: tags,
    definedTags: defined,
    systemTags: {},
    locks: [],
  };
  ctx.gateways.set(gw.id, gw);
  ctx.dataPlanes.set(gw.id, dataPlane);
  const wr = ctx.newWorkRequest("CREATE_GATEWAY", gw, "gateway");
  ctx.track(runCreate(ctx, wr, gw));
  const headers = {
    etag: etagOf(gw),
    "opc-work-request-id": wr.resource.id,
    location: `${APIGATEWAY_PATH}/gateways/${gw.id}`,
  };
  return { status: 200, body: structuredClone(gw), headers };
}

/** The compartment and subnet of a new gateway, checked with its endpoint type and certificate. */
function placementOf(
  options: GatewayRoutesOptions,
  ctx: GatewayRoutesContext,
  body: Record<string, unknown>,
): { compartmentId: string; subnetId: string } {
  const compartmentId = requiredString(body, "compartmentId");
  const endpointType = requiredString(body, "endpointType");
  const subnetId = requiredString(body, "subnetId");
  ctx.checkCompartment(compartmentId);
  if (endpointType !== "PUBLIC" && endpointType !== "PRIVATE")
    throw apiErrors.invalid("endpointType must be PUBLIC or PRIVATE");
  if (endpointType === "PRIVATE")
    throw apiErrors.invalid("PRIVATE gateways are not supported by the sandbox; use PUBLIC");
  if (!options.network.hasSubnet(subnetId)) throw apiErrors.notFound(`subnet ${subnetId} was not found`); // unconfirmed
  if (body.certificateId != null) throw apiErrors.invalid("certificateId is not supported by the sandbox");
  return { compartmentId, subnetId };
}

/** The CREATE_GATEWAY work request steps to done, then the gateway ends ACTIVE, or FAILED if one was injected. */
async function runCreate(
  ctx: GatewayRoutesContext,
  wr: StoredWorkRequest,
  gw: GatewayResource,
): Promise<void> {
  const injected = ctx.takeFailure();
  if (!(await stepToDone({ stepMs: ctx.stepMs, closed: ctx.isClosed }, wr))) return;
  const finished = now();
  if (injected !== undefined) failCreate(wr, gw, injected, finished);
  else succeedCreate(wr, gw, finished);
  gw.timeUpdated = finished;
  wr.resource.timeFinished = finished;
}

function failCreate(wr: StoredWorkRequest, gw: GatewayResource, injected: string, finished: string): void {
  gw.lifecycleState = "FAILED";
  gw.lifecycleDetails = injected;
  wr.resource.status = "FAILED";
  wr.resource.resources[0]!.actionType = "FAILED";
  wr.errors.push({ code: "InternalError", message: injected, timestamp: finished });
  wr.logs.push({ message: `CREATE_GATEWAY failed: ${injected}`, timestamp: finished });
}

function succeedCreate(wr: StoredWorkRequest, gw: GatewayResource, finished: string): void {
  gw.lifecycleState = "ACTIVE";
  delete gw.lifecycleDetails;
  wr.resource.status = "SUCCEEDED";
  wr.resource.percentComplete = 100;
  wr.resource.resources[0]!.actionType = "CREATED";
  wr.logs.push({ message: "CREATE_GATEWAY succeeded", timestamp: finished });
}
