// The API Gateway control plane's state and rules: the one provisioned gateway, deployments and their work
// requests. Creates, updates and deletes are checked at once and carried out by a work request.
import { apiErrors } from "../core/errors.js";
import {
  definedTags,
  freeformTags,
  isOcid,
  optionalString,
  randomOcid,
  requiredString,
} from "../core/resources.js";
import type { Gateway } from "../gateway/index.js";
import { type ApiSpecification, validatePathPrefix, validateSpecification } from "../gateway/jwt-policy.js";
import type { GatewayRoutesContext } from "./gateways.js";
import {
  type DeploymentResource,
  type GatewayResource,
  newWorkRequest,
  now,
  type Operation,
  type OperationType,
  runWorkRequest,
  type StoredDeployment,
  type StoredWorkRequest,
  save,
} from "./work-requests.js";

export const DEPLOYMENT_STATES = ["CREATING", "ACTIVE", "UPDATING", "DELETING", "DELETED", "FAILED"];
const TRANSITIONAL = new Set(["CREATING", "UPDATING", "DELETING"]);
export const DEFAULT_FAILURE_DETAILS = "The deployment failed (failure injected by the sandbox)";

export const snapshot = <T>(v: T): T => structuredClone(v);

interface ApiGatewayModelOptions {
  /** The data plane of the pre-provisioned gateway (absent with no such gateway). */
  dataPlane?: Gateway;
  regionKey: string;
  compartments: Iterable<string>;
  /** The pre-provisioned gateway, served by `dataPlane` (none: a bare tenancy). */
  gateway?: { id?: string; displayName: string; compartmentId: string; subnetId?: string };
  stepMs: number;
  log: (line: string) => void;
}

interface NewDeployment {
  id: string;
  gatewayId: string;
  displayName: string;
  compartmentId: string;
  pathPrefix: string;
  specification: ApiSpecification;
  lifecycleState: "CREATING" | "ACTIVE";
  freeformTags?: Record<string, string>;
  definedTags?: Record<string, Record<string, unknown>>;
}

function invalidDeployment(problems: string[]): never {
  // unconfirmed: the real service's text; the sandbox lists every problem on one line.
  throw apiErrors.invalid(`The deployment specification is invalid: ${problems.join("; ")}`);
}

function checkIdle(r: DeploymentResource): void {
  if (TRANSITIONAL.has(r.lifecycleState)) {
    throw apiErrors.incorrectState(
      `deployment ${r.displayName} is ${r.lifecycleState}; wait for its work request to finish`,
    );
  }
}

/** The fields of a deployment that cannot change; 400 when an update names another value. */
function checkFixedFields(r: DeploymentResource, body: Record<string, unknown>): void {
  for (const field of ["pathPrefix", "gatewayId", "compartmentId"] as const) {
    const value = body[field];
    if (value !== undefined && value !== null && value !== r[field]) {
      throw apiErrors.invalid(`${field} of a deployment cannot be changed; create a new deployment instead`);
    }
  }
}

export class ApiGatewayModel {
  readonly gateways = new Map<string, GatewayResource>();
  readonly deployments = new Map<string, StoredDeployment>();
  readonly workRequests = new Map<string, StoredWorkRequest>();
  private readonly compartments: Set<string>;
  private readonly pending = new Set<Promise<void>>();
  private readonly failures: string[] = [];
  /** Gates of work requests that hang (hangNext): each is released by its returned function or by close(). */
  private readonly hangs: Array<Promise<void>> = [];
  private readonly held = new Set<() => void>();
  private closed = false;
  /** Each gateway's own data plane (its own 127.0.0.1 port, the gateway's hostname). */
  readonly dataPlanes = new Map<string, Gateway>();
  readonly gateway: GatewayResource | undefined;

  constructor(private readonly opts: ApiGatewayModelOptions) {
    this.compartments = new Set(opts.compartments);
    const { gateway, dataPlane } = opts;
    this.gateway = gateway && dataPlane ? this.provisionGateway(gateway, dataPlane) : undefined;
  }

  dataPlaneOf(gatewayId: string): Gateway {
    const plane = this.dataPlanes.get(gatewayId);
    if (!plane) throw new Error(`gateway ${gatewayId} has no data plane`);
    return plane;
  }

  private provisionGateway(
    input: NonNullable<ApiGatewayModelOptions["gateway"]>,
    dataPlane: Gateway,
  ): GatewayResource {
    const { regionKey } = this.opts;
    const time = now();
    const gateway: GatewayResource = {
      id: input.id ?? randomOcid("apigateway", regionKey),
      displayName: input.displayName,
      compartmentId: input.compartmentId,
      endpointType: "PUBLIC",
      subnetId: input.subnetId ?? randomOcid("subnet", regionKey),
      networkSecurityGroupIds: [],
      timeCreated: time,
      timeUpdated: time,
      lifecycleState: "ACTIVE",
      hostname: new URL(dataPlane.url).host,
      ipAddresses: [{ ipAddress: "127.0.0.1" }],
      freeformTags: {},
      definedTags: {},
      systemTags: {},
      locks: [],
    };
    this.gateways.set(gateway.id, gateway);
    this.dataPlanes.set(gateway.id, dataPlane);
    return gateway;
  }

  private checkCompartment(compartmentId: string): void {
    if (!isOcid(compartmentId, "compartment", "tenancy")) {
      throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
    }
    if (!this.compartments.has(compartmentId))
      throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
  }

  findDeployment(id: string, deletedVisible: boolean): StoredDeployment {
    const stored = this.deployments.get(id);
    if (!stored || (!deletedVisible && stored.resource.lifecycleState === "DELETED"))
      throw apiErrors.notFound();
    return stored;
  }

  findWorkRequest(id: string): StoredWorkRequest {
    const wr = this.workRequests.get(id);
    if (!wr) throw apiErrors.notFound();
    return wr;
  }

  /** Store a new deployment resource (CREATING for the API, ACTIVE when provisioned). */
  private addDeployment(input: NewDeployment, created: string): StoredDeployment {
    const stored: StoredDeployment = {
      resource: {
        id: input.id,
        gatewayId: input.gatewayId,
        displayName: input.displayName,
        compartmentId: input.compartmentId,
        pathPrefix: input.pathPrefix,
        endpoint: `${this.dataPlaneOf(input.gatewayId).url}${input.pathPrefix}`,
        specification: snapshot(input.specification),
        timeCreated: created,
        timeUpdated: created,
        lifecycleState: input.lifecycleState,
        freeformTags: input.freeformTags ?? {},
        definedTags: input.definedTags ?? {},
        systemTags: {},
        locks: [],
      },
      etag: "",
    };
    save(stored);
    this.deployments.set(input.id, stored);
    return stored;
  }

  /** CreateDeployment: checked at once, carried out by a work request; returns the deployment and its id. */
  createDeployment(body: Record<string, unknown>): { stored: StoredDeployment; workRequestId: string } {
    const gatewayId = requiredString(body, "gatewayId");
    const compartmentId = requiredString(body, "compartmentId");
    const pathPrefix = requiredString(body, "pathPrefix");
    if (body.specification === undefined || body.specification === null)
      throw apiErrors.missing("specification");
    const displayName = optionalString(body, "displayName");
    const tags = freeformTags(body) ?? {};
    const defined = definedTags(body) ?? {};
    this.checkCompartment(compartmentId);
    const gateway = this.gateways.get(gatewayId);
    if (!gateway) throw apiErrors.notFound(`gateway ${gatewayId} was not found`);
    if (gateway.lifecycleState !== "ACTIVE")
      throw apiErrors.incorrectState(
        `gateway ${gateway.displayName} is ${gateway.lifecycleState}; it must be ACTIVE`,
      );
    const problems = [...validatePathPrefix(pathPrefix), ...validateSpecification(body.specification)];
    if (problems.length > 0) invalidDeployment(problems);
    this.checkPathPrefixFree(gatewayId, pathPrefix);
    const created = now();
    const stored = this.addDeployment(
      {
        id: randomOcid("apideployment", this.opts.regionKey),
        gatewayId,
        // unconfirmed: the name the real service gives a deployment created without one.
        displayName: displayName ?? `deployment${created.replace(/\D/g, "").slice(0, 14)}`,
        compartmentId,
        pathPrefix,
        specification: body.specification as ApiSpecification,
        lifecycleState: "CREATING",
        freeformTags: tags,
        definedTags: defined,
      },
      created,
    );
    return { stored, workRequestId: this.startWork("CREATE_DEPLOYMENT", stored, { kind: "create" }) };
  }

  private checkPathPrefixFree(gatewayId: string, pathPrefix: string): void {
    for (const other of this.deployments.values()) {
      const o = other.resource;
      if (o.gatewayId === gatewayId && o.pathPrefix === pathPrefix && o.lifecycleState !== "DELETED") {
        // unconfirmed: whether the real service refuses this at once (409) or fails the work request.
        throw apiErrors.alreadyExists(
          `pathPrefix ${pathPrefix} is already used by deployment ${o.id} on this gateway`,
        );
      }
    }
  }

  /** UpdateDeployment of an idle deployment (its body read once it is known idle); the work request's id. */
  updateDeployment(stored: StoredDeployment, readBody: () => Record<string, unknown>): string {
    const r = stored.resource;
    checkIdle(r);
    const body = readBody();
    checkFixedFields(r, body);
    const displayName = optionalString(body, "displayName");
    let specification: ApiSpecification | undefined;
    if (body.specification !== undefined && body.specification !== null) {
      const problems = validateSpecification(body.specification);
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
    return this.startWork("UPDATE_DEPLOYMENT", stored, op);
  }

  /** DeleteDeployment of an idle deployment; the work request's id. */
  deleteDeployment(stored: StoredDeployment): string {
    checkIdle(stored.resource);
    stored.resource.lifecycleState = "DELETING";
    stored.resource.timeUpdated = now();
    save(stored);
    return this.startWork("DELETE_DEPLOYMENT", stored, { kind: "delete" });
  }

  /** A deployment ACTIVE at once (no work request), deployed in the data plane; throws on an invalid one. */
  provisionDeployment(
    input: Omit<NewDeployment, "id" | "lifecycleState"> & { id?: string },
  ): DeploymentResource {
    if (!this.gateways.has(input.gatewayId)) throw new Error(`gateway ${input.gatewayId} does not exist`);
    const id = input.id ?? randomOcid("apideployment", this.opts.regionKey);
    this.dataPlaneOf(input.gatewayId).deploy({
      id,
      pathPrefix: input.pathPrefix,
      specification: input.specification,
    });
    const stored = this.addDeployment(
      {
        id,
        gatewayId: input.gatewayId,
        displayName: input.displayName,
        compartmentId: input.compartmentId,
        pathPrefix: input.pathPrefix,
        specification: input.specification,
        lifecycleState: "ACTIVE",
      },
      now(),
    );
    return snapshot(stored.resource);
  }

  private startWork(type: OperationType, stored: StoredDeployment, op: Operation): string {
    const wr = this.addWorkRequest(type, stored.resource, "deployment");
    const ctx = {
      ...this.opts,
      dataPlaneOf: (id: string) => this.dataPlaneOf(id),
      closed: () => this.closed,
    };
    this.track(runWorkRequest(ctx, wr, stored, op, this.failures.shift(), this.hangs.shift()));
    return wr.resource.id;
  }

  /** A new ACCEPTED work request on `target`, stored where GetWorkRequest finds it. */
  private addWorkRequest(
    type: OperationType,
    target: { id: string; compartmentId: string },
    entityType: "deployment" | "gateway",
  ): StoredWorkRequest {
    const wr = newWorkRequest(type, target, this.opts.regionKey, entityType);
    this.workRequests.set(wr.resource.id, wr);
    return wr;
  }

  private track(work: Promise<void>): void {
    const p = work
      .catch((err: Error) => this.opts.log(`apigateway: ${err.message}`))
      .finally(() => {
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  /** What CreateGateway (gateways.ts) works on. */
  gatewayContext(): GatewayRoutesContext {
    return {
      gateways: this.gateways,
      dataPlanes: this.dataPlanes,
      newWorkRequest: (type, target, entityType) => this.addWorkRequest(type, target, entityType),
      regionKey: this.opts.regionKey,
      stepMs: this.opts.stepMs,
      checkCompartment: (id) => this.checkCompartment(id),
      takeFailure: () => this.failures.shift(),
      track: (work) => this.track(work),
      isClosed: () => this.closed,
    };
  }

  /** The next work request ends FAILED with these lifecycleDetails; the data plane is left as it was. */
  failNext(lifecycleDetails: string): void {
    this.failures.push(lifecycleDetails);
  }

  /**
   * The next deployment work request stays IN_PROGRESS (the deployment UPDATING or CREATING) until the
   * returned function is called; then it finishes as it would have.
   */
  hangNext(): () => void {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const releaseOnce = () => {
      this.held.delete(releaseOnce);
      release();
    };
    this.held.add(releaseOnce);
    this.hangs.push(gate);
    return releaseOnce;
  }

  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const release of [...this.held]) release();
    await Promise.all([...this.pending]);
  }
}
