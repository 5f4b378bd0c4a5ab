// The emulated OCI API Gateway control plane (DeploymentClient, GatewayClient, WorkRequestsClient; base
// /20190501) in front of the sandbox's gateway data plane. Deployments are created, updated and deleted
// through asynchronous work requests (ACCEPTED -> IN_PROGRESS -> SUCCEEDED | FAILED); a specification takes
// effect in the data plane only when its work request succeeds. `failNext(lifecycleDetails)` makes the next
// work request fail: the deployment turns FAILED with those details and the data plane keeps what it served.
//
// Wire shapes follow oci-apigateway 2.139.1 (lib/client.js and lib/model). Choices the public record does
// not settle are marked "unconfirmed" and listed in docs/sandbox.md.
import type { OciAuthority } from "../core/auth.js";
import { apiErrors } from "../core/errors.js";
import type { FaultInjector } from "../core/faults.js";
import {
  type ControlPlaneStats,
  emptyStats,
  type Route,
  type ServiceRequest,
  startOciService,
} from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  isOcid,
  jsonBody,
  listPage,
  optionalString,
  type PagingSettings,
  paginate,
  randomOcid,
  requiredString,
  sleep,
  sortItems,
} from "../core/resources.js";
import { type Gateway, SpecValidationError } from "../gateway/index.js";
import { type ApiSpecification, validatePathPrefix, validateSpecification } from "../gateway/jwt-policy.js";

export const APIGATEWAY_BASE_PATH = "/20190501";

const DEPLOYMENT_STATES = ["CREATING", "ACTIVE", "UPDATING", "DELETING", "DELETED", "FAILED"];
const TRANSITIONAL = new Set(["CREATING", "UPDATING", "DELETING"]);

export interface GatewayResource {
  id: string;
  displayName: string;
  compartmentId: string;
  endpointType: "PUBLIC" | "PRIVATE";
  subnetId: string;
  networkSecurityGroupIds: string[];
  timeCreated: string;
  timeUpdated: string;
  lifecycleState: string;
  /** `127.0.0.1:<port>` of the data plane (a real gateway's is a DNS name). */
  hostname: string;
  ipAddresses: Array<{ ipAddress: string }>;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  systemTags: Record<string, Record<string, unknown>>;
  locks: unknown[];
}

export interface DeploymentResource {
  id: string;
  gatewayId: string;
  displayName: string;
  compartmentId: string;
  pathPrefix: string;
  /** Data plane URL + pathPrefix. */
  endpoint: string;
  specification: ApiSpecification;
  timeCreated: string;
  timeUpdated: string;
  lifecycleState: string;
  lifecycleDetails?: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  systemTags: Record<string, Record<string, unknown>>;
  locks: unknown[];
}

export type OperationType = "CREATE_DEPLOYMENT" | "UPDATE_DEPLOYMENT" | "DELETE_DEPLOYMENT";

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

export interface ApiGatewayOptions {
  authority: OciAuthority;
  tenancyId: string;
  regionKey: string;
  /** The 'apigateway' fault injector. */
  faults: FaultInjector;
  /** The data plane that deployments take effect in. */
  dataPlane: Gateway;
  /** Compartments deployments may live in (the tenancy and its compartments). */
  compartments: Iterable<string>;
  /** The one pre-provisioned gateway, served by `dataPlane`. */
  gateway: { id?: string; displayName: string; compartmentId: string };
  /** Time between work request steps (ACCEPTED -> IN_PROGRESS -> done), default 150 ms. */
  workRequestStepMs?: number;
  paging?: Partial<PagingSettings>;
  log?: (line: string) => void;
  port?: number;
}

export interface ProvisionDeploymentInput {
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
  gatewayId: string;
  /** Create a deployment ACTIVE at once (no work request); throws on an invalid one. */
  provisionDeployment(input: ProvisionDeploymentInput): DeploymentResource;
  gateway(id: string): GatewayResource | undefined;
  deployment(id: string): DeploymentResource | undefined;
  workRequest(id: string): WorkRequestResource | undefined;
  /** The next work request ends FAILED with these lifecycleDetails; the data plane is left as it was. */
  failNext(lifecycleDetails?: string): void;
  /** Resolve when every pending work request has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface StoredDeployment {
  resource: DeploymentResource;
  etag: string;
}

interface StoredWorkRequest {
  resource: WorkRequestResource;
  errors: Array<{ code: string; message: string; timestamp: string }>;
  logs: Array<{ message: string; timestamp: string }>;
}

type Operation =
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

export async function startApiGateway(opts: ApiGatewayOptions): Promise<ApiGatewayService> {
  const { dataPlane } = opts;
  const stepMs = opts.workRequestStepMs ?? 150;
  const paging: PagingSettings = { defaultLimit: 10, maxLimit: 100, ...opts.paging }; // unconfirmed defaults
  const log = opts.log ?? (() => {});
  const stats = emptyStats();
  const compartments = new Set(opts.compartments);
  const gateways = new Map<string, GatewayResource>();
  const deployments = new Map<string, StoredDeployment>();
  const workRequests = new Map<string, StoredWorkRequest>();
  const pending = new Set<Promise<void>>();
  const failures: string[] = [];
  let closed = false;

  const now = () => new Date().toISOString();
  const snapshot = <T>(v: T): T => structuredClone(v);
  const save = (stored: StoredDeployment) => {
    stored.etag = etagOf(stored.resource);
  };
  const hostname = new URL(dataPlane.url).host;

  const time = now();
  const gateway: GatewayResource = {
    id: opts.gateway.id ?? randomOcid("apigateway", opts.regionKey),
    displayName: opts.gateway.displayName,
    compartmentId: opts.gateway.compartmentId,
    endpointType: "PUBLIC",
    subnetId: randomOcid("subnet", opts.regionKey),
    networkSecurityGroupIds: [],
    timeCreated: time,
    timeUpdated: time,
    lifecycleState: "ACTIVE",
    hostname,
    ipAddresses: [{ ipAddress: "127.0.0.1" }],
    freeformTags: {},
    definedTags: {},
    systemTags: {},
    locks: [],
  };
  gateways.set(gateway.id, gateway);

  // ---- checks ----

  function checkCompartment(compartmentId: string): void {
    if (!isOcid(compartmentId, "compartment", "tenancy")) {
      throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
    }
    if (!compartments.has(compartmentId))
      throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
  }

  function specificationProblems(spec: unknown): string[] {
    return validateSpecification(spec);
  }

  function invalidDeployment(problems: string[]): never {
    // unconfirmed: the real service's text; the sandbox lists every problem on one line.
    throw apiErrors.invalid(`The deployment specification is invalid: ${problems.join("; ")}`);
  }

  function findDeployment(id: string, deletedVisible: boolean): StoredDeployment {
    const stored = deployments.get(id);
    if (!stored || (!deletedVisible && stored.resource.lifecycleState === "DELETED"))
      throw apiErrors.notFound();
    return stored;
  }

  function checkIdle(r: DeploymentResource): void {
    if (TRANSITIONAL.has(r.lifecycleState)) {
      throw apiErrors.incorrectState(
        `deployment ${r.displayName} is ${r.lifecycleState}; wait for its work request to finish`,
      );
    }
  }

  // ---- work requests ----

  function newWorkRequest(type: OperationType, deployment: DeploymentResource): StoredWorkRequest {
    const wr: StoredWorkRequest = {
      resource: {
        id: randomOcid("apigatewayworkrequest", opts.regionKey),
        operationType: type,
        status: "ACCEPTED",
        compartmentId: deployment.compartmentId,
        resources: [
          {
            entityType: "deployment", // unconfirmed spelling
            actionType: "IN_PROGRESS",
            identifier: deployment.id,
            entityUri: `${APIGATEWAY_BASE_PATH}/deployments/${deployment.id}`,
          },
        ],
        percentComplete: 0,
        timeAccepted: now(),
      },
      errors: [],
      logs: [{ message: `${type} accepted`, timestamp: now() }],
    };
    workRequests.set(wr.resource.id, wr);
    return wr;
  }

  /** Carry out an operation: the data plane changes only when the work request succeeds. */
  async function runWorkRequest(
    wr: StoredWorkRequest,
    stored: StoredDeployment,
    op: Operation,
  ): Promise<void> {
    const injected = failures.shift();
    const w = wr.resource;
    await sleep(stepMs);
    if (closed) return;
    w.status = "IN_PROGRESS";
    w.timeStarted = now();
    w.percentComplete = 50;
    wr.logs.push({ message: `${w.operationType} in progress`, timestamp: now() });
    await sleep(stepMs);
    if (closed) return;

    const r = stored.resource;
    let failure: { code: string; message: string } | undefined;
    if (injected !== undefined) failure = { code: "InternalError", message: injected };
    else {
      try {
        if (op.kind === "delete") dataPlane.undeploy(r.id);
        else {
          const specification = op.kind === "update" && op.specification ? op.specification : r.specification;
          dataPlane.deploy({ id: r.id, pathPrefix: r.pathPrefix, specification });
        }
      } catch (err) {
        const message =
          err instanceof SpecValidationError
            ? `The deployment specification is invalid: ${err.problems.join("; ")}`
            : (err as Error).message;
        failure = { code: "InvalidParameter", message };
      }
    }
    const finished = now();
    if (failure) {
      r.lifecycleState = "FAILED";
      r.lifecycleDetails = failure.message;
      w.status = "FAILED";
      w.resources[0]!.actionType = "FAILED";
      wr.errors.push({ ...failure, timestamp: finished });
      wr.logs.push({ message: `${w.operationType} failed: ${failure.message}`, timestamp: finished });
      log(`apigateway: ${w.operationType} of ${r.displayName} failed: ${failure.message}`);
    } else {
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
    r.timeUpdated = finished;
    w.timeFinished = finished;
    save(stored);
  }

  function track(work: Promise<void>): void {
    const p = work
      .catch((err: Error) => log(`apigateway: ${err.message}`))
      .finally(() => {
        pending.delete(p);
      });
    pending.add(p);
  }

  function startWork(type: OperationType, stored: StoredDeployment, op: Operation): string {
    const wr = newWorkRequest(type, stored.resource);
    track(runWorkRequest(wr, stored, op));
    return wr.resource.id;
  }

  // ---- routes ----

  function createDeployment(req: ServiceRequest) {
    const body = jsonBody(req);
    const gatewayId = requiredString(body, "gatewayId");
    const compartmentId = requiredString(body, "compartmentId");
    const pathPrefix = requiredString(body, "pathPrefix");
    if (body.specification === undefined || body.specification === null)
      throw apiErrors.missing("specification");
    const displayName = optionalString(body, "displayName");
    const tags = freeformTags(body) ?? {};
    const defined = definedTags(body) ?? {};
    checkCompartment(compartmentId);
    const gw = gateways.get(gatewayId);
    if (!gw) throw apiErrors.notFound(`gateway ${gatewayId} was not found`);
    const problems = [...validatePathPrefix(pathPrefix), ...specificationProblems(body.specification)];
    if (problems.length > 0) invalidDeployment(problems);
    for (const other of deployments.values()) {
      const o = other.resource;
      if (o.gatewayId === gatewayId && o.pathPrefix === pathPrefix && o.lifecycleState !== "DELETED") {
        // unconfirmed: whether the real service refuses this at once (409) or fails the work request.
        throw apiErrors.alreadyExists(
          `pathPrefix ${pathPrefix} is already used by deployment ${o.id} on this gateway`,
        );
      }
    }
    const created = now();
    const id = randomOcid("apideployment", opts.regionKey);
    const stored: StoredDeployment = {
      resource: {
        id,
        gatewayId,
        // unconfirmed: the name the real service gives a deployment created without one.
        displayName: displayName ?? `deployment${created.replace(/\D/g, "").slice(0, 14)}`,
        compartmentId,
        pathPrefix,
        endpoint: `${dataPlane.url}${pathPrefix}`,
        specification: snapshot(body.specification as ApiSpecification),
        timeCreated: created,
        timeUpdated: created,
        lifecycleState: "CREATING",
        freeformTags: tags,
        definedTags: defined,
        systemTags: {},
        locks: [],
      },
      etag: "",
    };
    save(stored);
    deployments.set(id, stored);
    const workRequestId = startWork("CREATE_DEPLOYMENT", stored, { kind: "create" });
    return {
      status: 200,
      body: snapshot(stored.resource),
      headers: {
        etag: stored.etag,
        "opc-work-request-id": workRequestId,
        location: `${APIGATEWAY_BASE_PATH}/deployments/${id}`,
      },
    };
  }

  function updateDeployment(req: ServiceRequest, id: string) {
    const stored = findDeployment(id, false);
    checkIfMatch(req, stored.etag);
    const r = stored.resource;
    checkIdle(r);
    const body = jsonBody(req);
    for (const field of ["pathPrefix", "gatewayId", "compartmentId"] as const) {
      const value = body[field];
      if (value !== undefined && value !== null && value !== r[field]) {
        throw apiErrors.invalid(
          `${field} of a deployment cannot be changed; create a new deployment instead`,
        );
      }
    }
    const displayName = optionalString(body, "displayName");
    let specification: ApiSpecification | undefined;
    if (body.specification !== undefined && body.specification !== null) {
      const problems = specificationProblems(body.specification);
      if (problems.length > 0) invalidDeployment(problems);
      specification = snapshot(body.specification as ApiSpecification);
    }
    const op: Operation = {
      kind: "update",
      displayName,
      specification,
      freeformTags: freeformTags(body),
      definedTags: definedTags(body),
    };
    r.lifecycleState = "UPDATING";
    r.timeUpdated = now();
    save(stored);
    const workRequestId = startWork("UPDATE_DEPLOYMENT", stored, op);
    return { status: 202, headers: { "opc-work-request-id": workRequestId } };
  }

  function deleteDeployment(req: ServiceRequest, id: string) {
    const stored = findDeployment(id, false);
    checkIfMatch(req, stored.etag);
    checkIdle(stored.resource);
    stored.resource.lifecycleState = "DELETING";
    stored.resource.timeUpdated = now();
    save(stored);
    const workRequestId = startWork("DELETE_DEPLOYMENT", stored, { kind: "delete" });
    return { status: 202, headers: { "opc-work-request-id": workRequestId } };
  }

  function findWorkRequest(id: string): StoredWorkRequest {
    const wr = workRequests.get(id);
    if (!wr) throw apiErrors.notFound();
    return wr;
  }

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/gateways$/,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        const displayName = req.query.get("displayName");
        const { page, headers } = listPage(gateways.values(), req.query, {
          states: DEPLOYMENT_STATES,
          matches: (g) =>
            g.compartmentId === compartmentId && (displayName === null || g.displayName === displayName),
          sortKeys: { timeCreated: (g) => g.timeCreated, displayName: (g) => g.displayName },
          paging,
        });
        return {
          status: 200,
          body: { items: page.map(({ ipAddresses: _ip, ...summary }) => snapshot(summary)) },
          headers,
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/gateways\/([^/]+)$/,
      run(_req, [id]) {
        const gw = gateways.get(id!);
        if (!gw) throw apiErrors.notFound();
        return { status: 200, body: snapshot(gw), headers: { etag: etagOf(gw) } };
      },
    },
    { method: "POST", pattern: /^\/deployments$/, write: "create", run: (req) => createDeployment(req) },
    {
      method: "GET",
      pattern: /^\/deployments$/,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        const gatewayId = req.query.get("gatewayId");
        const displayName = req.query.get("displayName");
        const resources = [...deployments.values()].map((d) => d.resource);
        const { page, headers } = listPage(resources, req.query, {
          states: DEPLOYMENT_STATES,
          matches: (d) =>
            d.compartmentId === compartmentId &&
            (gatewayId === null || d.gatewayId === gatewayId) &&
            (displayName === null || d.displayName === displayName),
          sortKeys: { timeCreated: (d) => d.timeCreated, displayName: (d) => d.displayName },
          paging,
        });
        return {
          status: 200,
          body: { items: page.map(({ specification: _spec, ...summary }) => snapshot(summary)) },
          headers,
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/deployments\/([^/]+)$/,
      run(_req, [id]) {
        const stored = findDeployment(id!, true);
        return { status: 200, body: snapshot(stored.resource), headers: { etag: stored.etag } };
      },
    },
    {
      method: "PUT",
      pattern: /^\/deployments\/([^/]+)$/,
      write: "update",
      run: (req, [id]) => updateDeployment(req, id!),
    },
    {
      method: "DELETE",
      pattern: /^\/deployments\/([^/]+)$/,
      write: "delete",
      run: (req, [id]) => deleteDeployment(req, id!),
    },
    {
      method: "GET",
      pattern: /^\/workRequests$/,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        const resourceId = req.query.get("resourceId");
        const items = [...workRequests.values()]
          .map((w) => w.resource)
          .filter(
            (w) =>
              w.compartmentId === compartmentId &&
              (resourceId === null || w.resources.some((x) => x.identifier === resourceId)),
          );
        const sorted = sortItems(items, req.query, { timeAccepted: (w) => w.timeAccepted });
        const { page, headers } = paginate(sorted, req.query, paging);
        // The SDK's WorkRequestSummary names the id `workRequestId`; `id` is kept too.
        const body = page.map(({ resources: _r, ...w }) => ({ ...snapshot(w), workRequestId: w.id }));
        return { status: 200, body: { items: body }, headers };
      },
    },
    {
      method: "GET",
      pattern: /^\/workRequests\/([^/]+)$/,
      run(_req, [id]) {
        const wr = findWorkRequest(id!);
        return { status: 200, body: snapshot(wr.resource), headers: { etag: etagOf(wr.resource) } };
      },
    },
    {
      method: "GET",
      pattern: /^\/workRequests\/([^/]+)\/errors$/,
      run(req, [id]) {
        const { page, headers } = paginate(findWorkRequest(id!).errors, req.query, paging);
        return { status: 200, body: { items: snapshot(page) }, headers };
      },
    },
    {
      method: "GET",
      pattern: /^\/workRequests\/([^/]+)\/logs$/,
      run(req, [id]) {
        const { page, headers } = paginate(findWorkRequest(id!).logs, req.query, paging);
        return { status: 200, body: { items: snapshot(page) }, headers };
      },
    },
  ];

  const server = await startOciService({
    basePath: APIGATEWAY_BASE_PATH,
    authority: opts.authority,
    tenancyId: opts.tenancyId,
    faults: opts.faults,
    routes,
    stats,
    port: opts.port,
  });

  return {
    url: server.url,
    stats,
    gatewayId: gateway.id,
    provisionDeployment(input) {
      if (!gateways.has(input.gatewayId)) throw new Error(`gateway ${input.gatewayId} does not exist`);
      const id = input.id ?? randomOcid("apideployment", opts.regionKey);
      dataPlane.deploy({ id, pathPrefix: input.pathPrefix, specification: input.specification });
      const created = now();
      const stored: StoredDeployment = {
        resource: {
          id,
          gatewayId: input.gatewayId,
          displayName: input.displayName,
          compartmentId: input.compartmentId,
          pathPrefix: input.pathPrefix,
          endpoint: `${dataPlane.url}${input.pathPrefix}`,
          specification: snapshot(input.specification),
          timeCreated: created,
          timeUpdated: created,
          lifecycleState: "ACTIVE",
          freeformTags: {},
          definedTags: {},
          systemTags: {},
          locks: [],
        },
        etag: "",
      };
      save(stored);
      deployments.set(id, stored);
      return snapshot(stored.resource);
    },
    gateway: (id) => {
      const gw = gateways.get(id);
      return gw && snapshot(gw);
    },
    deployment: (id) => {
      const stored = deployments.get(id);
      return stored && snapshot(stored.resource);
    },
    workRequest: (id) => {
      const wr = workRequests.get(id);
      return wr && snapshot(wr.resource);
    },
    failNext(lifecycleDetails = DEFAULT_FAILURE_DETAILS) {
      failures.push(lifecycleDetails);
    },
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      await Promise.all([...pending]);
      await server.close();
    },
  };
}
