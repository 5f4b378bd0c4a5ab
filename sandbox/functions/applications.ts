// Functions CreateApplication and UpdateApplication (FunctionsManagementClient, base /20181201), routes the
// Functions control plane (index.ts) serves over its own application store. An application needs a subnet
// of the sandbox network; it is CREATING, then ACTIVE after the control plane's lifecycle delay. Shape and
// subnets are fixed at creation (UpdateApplicationDetails has neither).
//
// Wire shapes follow oci-functions 2.139.1 (CreateApplicationDetails, UpdateApplicationDetails, Application).
import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  isOcid,
  jsonBody,
  optionalString,
  randomOcid,
  requiredString,
  sleep,
} from "../core/resources.js";
import type { SandboxNetwork } from "../network/index.js";
import { SHAPES, type Shape } from "./images.js";
import type { ApplicationResource } from "./model.js";

const BUSY = new Set(["CREATING", "UPDATING", "DELETING"]);

/** What the Functions control plane lends these routes. */
export interface ApplicationRoutesContext {
  applications: Map<string, ApplicationResource>;
  /** The control plane's config validation (keys, string values, total size). */
  parseConfig(value: unknown): Record<string, string>;
  regionKey: string;
  delayMs: number;
  /** Registers background work with the control plane's settle()/close(). */
  track(work: Promise<void>): void;
  isClosed(): boolean;
}

export interface ApplicationRoutesOptions {
  network: SandboxNetwork;
  /** Compartments applications may live in (the tenancy included). */
  compartments: Iterable<string>;
}

function stringArray(body: Record<string, unknown>, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw apiErrors.invalid(`${name} must be an array of strings`);
  return [...v];
}

/** What the handlers below work on: the control plane's context and where applications may be placed. */
interface ApplicationScope {
  ctx: ApplicationRoutesContext;
  network: SandboxNetwork;
  compartments: Set<string>;
}

/** Build the application routes once the control plane's context exists. */
export function applicationRoutes(
  options: ApplicationRoutesOptions,
): (ctx: ApplicationRoutesContext) => Route[] {
  const compartments = new Set(options.compartments);
  return (ctx) => {
    const scope: ApplicationScope = { ctx, network: options.network, compartments };
    return [
      {
        method: "POST",
        pattern: /^\/applications$/,
        write: "create",
        run: (req) => createApplication(scope, req),
      },
      {
        method: "PUT",
        pattern: /^\/applications\/([^/]+)$/,
        write: "update",
        run: (req, [id]) => updateApplication(scope, req, id!),
      },
    ];
  };
}

const answer = (app: ApplicationResource) => ({
  status: 200,
  body: structuredClone(app),
  headers: { etag: etagOf(app) },
});

function createApplication(scope: ApplicationScope, req: ServiceRequest) {
  const { ctx } = scope;
  const body = jsonBody(req);
  const compartmentId = requiredString(body, "compartmentId");
  const displayName = requiredString(body, "displayName");
  checkDisplayName(displayName);
  const subnetIds = stringArray(body, "subnetIds") ?? [];
  checkPlacement(scope, compartmentId, subnetIds);
  const shape = shapeOf(body);
  checkNameFree(ctx.applications.values(), compartmentId, displayName);
  const time = new Date().toISOString();
  const app: ApplicationResource = {
    id: randomOcid("fnapp", ctx.regionKey),
    compartmentId,
    displayName,
    lifecycleState: "CREATING",
    config: ctx.parseConfig(body.config),
    subnetIds,
    networkSecurityGroupIds: stringArray(body, "networkSecurityGroupIds") ?? [],
    shape,
    freeformTags: freeformTags(body) ?? {},
    definedTags: definedTags(body) ?? {},
    timeCreated: time,
    timeUpdated: time,
  };
  ctx.applications.set(app.id, app);
  settleLater(ctx, app);
  return answer(app);
}

function updateApplication(scope: ApplicationScope, req: ServiceRequest, id: string) {
  const { ctx } = scope;
  const app = ctx.applications.get(id);
  if (!app || app.lifecycleState === "DELETED") throw apiErrors.notFound();
  checkIfMatch(req, etagOf(app));
  if (BUSY.has(app.lifecycleState))
    throw apiErrors.incorrectState(
      `application ${app.displayName} is ${app.lifecycleState}; wait until it is ACTIVE`,
    );
  const body = jsonBody(req);
  for (const field of ["shape", "subnetIds", "compartmentId", "displayName"]) {
    if (body[field] !== undefined && body[field] !== null)
      throw apiErrors.invalid(`${field} of an application cannot be changed`);
  }
  if (body.config !== undefined && body.config !== null) app.config = ctx.parseConfig(body.config);
  app.networkSecurityGroupIds = stringArray(body, "networkSecurityGroupIds") ?? app.networkSecurityGroupIds;
  app.freeformTags = freeformTags(body) ?? app.freeformTags;
  app.definedTags = definedTags(body) ?? app.definedTags;
  app.timeUpdated = new Date().toISOString();
  return answer(app);
}

/** CREATING becomes ACTIVE after the control plane's lifecycle delay, unless it closes first. */
function settleLater(ctx: ApplicationRoutesContext, app: ApplicationResource): void {
  ctx.track(
    (async () => {
      await sleep(ctx.delayMs);
      if (ctx.isClosed()) return;
      app.lifecycleState = "ACTIVE";
    })(),
  );
}

function checkDisplayName(displayName: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,254}$/.test(displayName)) {
    // The console's rule for application names; unconfirmed for the API.
    throw apiErrors.invalid("displayName must start with a letter and hold only letters, digits, - and _");
  }
}

function checkPlacement(scope: ApplicationScope, compartmentId: string, subnetIds: string[]): void {
  if (!isOcid(compartmentId, "compartment", "tenancy"))
    throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
  if (!scope.compartments.has(compartmentId))
    throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
  if (subnetIds.length === 0) throw apiErrors.missing("subnetIds");
  // unconfirmed: the real service's limit (the console offers up to three subnets).
  if (subnetIds.length > 3) throw apiErrors.invalid("subnetIds holds at most 3 subnets");
  for (const id of subnetIds) {
    if (!scope.network.hasSubnet(id)) throw apiErrors.notFound(`subnet ${id} was not found`); // unconfirmed
  }
}

function shapeOf(body: Record<string, unknown>): Shape {
  const shape = (optionalString(body, "shape") ?? "GENERIC_X86") as Shape;
  if (!(SHAPES as readonly string[]).includes(shape))
    throw apiErrors.invalid(`shape must be one of ${SHAPES.join(", ")}`);
  return shape;
}

/** Application names are unique among the live applications of a compartment. */
function checkNameFree(
  applications: Iterable<ApplicationResource>,
  compartmentId: string,
  displayName: string,
): void {
  for (const other of applications) {
    if (
      other.compartmentId === compartmentId &&
      other.displayName === displayName &&
      other.lifecycleState !== "DELETED"
    )
      throw apiErrors.alreadyExists(`an application named ${displayName} already exists in this compartment`);
  }
}
