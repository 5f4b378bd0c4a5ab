// The emulated OCI API Gateway control plane (DeploymentClient, GatewayClient, WorkRequestsClient; base
// /20190501) in front of the sandbox's gateway data plane. Deployments are created, updated and deleted
// through asynchronous work requests (work-requests.ts); a specification takes effect in the data plane only
// when its work request succeeds. `failNext(lifecycleDetails)` makes the next work request fail: the
// deployment turns FAILED with those details and the data plane keeps what it served. CreateGateway
// (gateways.ts) starts a new gateway with its own data plane, through a work request too.
//
// Wire shapes follow oci-apigateway 2.139.1 (lib/client.js and lib/model). Choices the public record does
// not settle are marked "unconfirmed" and listed in sandbox/README.md.
import type { OciAuthority } from "../core/auth.js";
import type { FaultInjector } from "../core/faults.js";
import type { ResponseLatency } from "../core/latency.js";
import { type ControlPlaneStats, startControlPlane } from "../core/pipeline.js";
import type { PagingSettings } from "../core/resources.js";
import type { Gateway } from "../gateway/index.js";
import type { ApiSpecification } from "../gateway/jwt-policy.js";
import { type GatewayRoutesOptions, gatewayRoutes } from "./gateways.js";
import { ApiGatewayModel, DEFAULT_FAILURE_DETAILS, snapshot } from "./model.js";
import { apiGatewayRoutes } from "./routes.js";
import {
  APIGATEWAY_BASE_PATH,
  type DeploymentResource,
  type GatewayResource,
  type WorkRequestResource,
} from "./work-requests.js";

interface ApiGatewayOptions {
  /** The latency model's delay before each request (default none). */
  latency?: ResponseLatency;
  authority: OciAuthority;
  tenancyId: string;
  regionKey: string;
  /** The 'apigateway' fault injector. */
  faults: FaultInjector;
  /** The data plane of the pre-provisioned gateway (absent with no such gateway). */
  dataPlane?: Gateway;
  /** Compartments deployments may live in (the tenancy and its compartments). */
  compartments: Iterable<string>;
  /** The pre-provisioned gateway, served by `dataPlane` (none: a bare tenancy). */
  gateway?: { id?: string; displayName: string; compartmentId: string; subnetId?: string };
  /** The tenancy's network and a data plane starter: with them, CreateGateway is served. */
  gateways?: GatewayRoutesOptions;
  /** Time between work request steps (ACCEPTED -> IN_PROGRESS -> done), default 150 ms. */
  workRequestStepMs?: number;
  paging?: Partial<PagingSettings>;
  log?: (line: string) => void;
  port?: number;
}

interface ProvisionDeploymentInput {
  id?: string;
  displayName: string;
  gatewayId: string;
  compartmentId: string;
  pathPrefix: string;
  specification: ApiSpecification;
}

export interface ApiGatewayService {
  url: string;
  stats: ControlPlaneStats;
  /** The pre-provisioned gateway's id, when there is one. */
  gatewayId: string | undefined;
  /** Create a deployment ACTIVE at once (no work request); throws on an invalid one. */
  provisionDeployment(input: ProvisionDeploymentInput): DeploymentResource;
  gateway(id: string): GatewayResource | undefined;
  deployment(id: string): DeploymentResource | undefined;
  workRequest(id: string): WorkRequestResource | undefined;
  /** The next work request ends FAILED with these lifecycleDetails; the data plane is left as it was. */
  failNext(lifecycleDetails?: string): void;
  /**
   * The next deployment work request hangs IN_PROGRESS until the returned function is called (or the
   * sandbox stops); then it finishes as it would have.
   */
  hangNext(): () => void;
  /** Resolve when every pending work request has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startApiGateway(opts: ApiGatewayOptions): Promise<ApiGatewayService> {
  const model = new ApiGatewayModel({
    dataPlane: opts.dataPlane,
    regionKey: opts.regionKey,
    compartments: opts.compartments,
    gateway: opts.gateway,
    stepMs: opts.workRequestStepMs ?? 150,
    log: opts.log ?? (() => {}),
  });
  const paging: PagingSettings = { defaultLimit: 10, maxLimit: 100, ...opts.paging }; // unconfirmed defaults
  const routes = apiGatewayRoutes(model, paging);
  if (opts.gateways) routes.push(...gatewayRoutes(opts.gateways)(model.gatewayContext()));
  const server = await startControlPlane(APIGATEWAY_BASE_PATH, opts, routes);
  const copy = <T>(value: T | undefined) => value && snapshot(value);
  return {
    url: server.url,
    stats: server.stats,
    gatewayId: model.gateway?.id,
    provisionDeployment: (input) => model.provisionDeployment(input),
    gateway: (id) => copy(model.gateways.get(id)),
    deployment: (id) => copy(model.deployments.get(id)?.resource),
    workRequest: (id) => copy(model.workRequests.get(id)?.resource),
    failNext: (lifecycleDetails = DEFAULT_FAILURE_DETAILS) => model.failNext(lifecycleDetails),
    hangNext: () => model.hangNext(),
    settle: () => model.settle(),
    async close() {
      await model.close();
      await server.close();
    },
  };
}
