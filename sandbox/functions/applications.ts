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

/** Build the application routes once the control plane's context exists. */
export function applicationRoutes(
  options: ApplicationRoutesOptions,
): (ctx: ApplicationRoutesContext) => Route[] {
  const compartments = new Set(options.compartments);
  return (ctx) => {
    const answer = (app: ApplicationResource) => ({
      status: 200,
      body: structuredClone(app),
      headers: { etag: etagOf(app) },
    });

    function settleLater(app: ApplicationResource): void {
      ctx.track(
        (async () => {
          await sleep(ctx.delayMs);
          if (ctx.isClosed()) return;
          app.lifecycleState = "ACTIVE";
        })(),
      );
    }

    function checkPlacement(compartmentId: string, subnetIds: string[]): void {
      if (!isOcid(compartmentId, "compartment", "tenancy"))
        throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
      if (!compartments.has(compartmentId))
        throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
      if (subnetIds.length === 0) throw apiErrors.missing("subnetIds");
      // unconfirmed: the real service's limit (the console offers up to three subnets).
      if (subnetIds.length > 3) throw apiErrors.invalid("subnetIds holds at most 3 subnets");
      for (const id of subnetIds) {
        if (!options.network.hasSubnet(id)) throw apiErrors.notFound(`subnet ${id} was not found`); // unconfirmed
      }
    }

    function create(req: ServiceRequest) {
      const body = jsonBody(req);
      const compartmentId = requiredString(body, "compartmentId");
      const displayName = requiredString(body, "displayName");
      if (!/^[A-Za-z][A-Za-z0-9_-]{0,254}$/.test(displayName)) {
        // The console's rule for application names; unconfirmed for the API.
        throw apiErrors.invalid(
          "displayName must start with a letter and hold only letters, digits, - and _",
        );
      }
      const subnetIds = stringArray(body, "subnetIds") ?? [];
      checkPlacement(compartmentId, subnetIds);
      const shape = (optionalString(body, "shape") ?? "GENERIC_X86") as Shape;
      if (!(SHAPES as readonly string[]).includes(shape))
        throw apiErrors.invalid(`shape must be one of ${SHAPES.join(", ")}`);
      for (const other of ctx.applications.values()) {
        if (
          other.compartmentId === compartmentId &&
          other.displayName === displayName &&
          other.lifecycleState !== "DELETED"
        )
          throw apiErrors.alreadyExists(
            `an application named ${displayName} already exists in this compartment`,
          );
      }
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
      settleLater(app);
      return answer(app);
    }

    function update(req: ServiceRequest, id: string) {
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
      app.networkSecurityGroupIds =
        stringArray(body, "networkSecurityGroupIds") ?? app.networkSecurityGroupIds;
      app.freeformTags = freeformTags(body) ?? app.freeformTags;
      app.definedTags = definedTags(body) ?? app.definedTags;
      app.timeUpdated = new Date().toISOString();
      return answer(app);
    }

    return [
      { method: "POST", pattern: /^\/applications$/, write: "create", run: (req) => create(req) },
      {
        method: "PUT",
        pattern: /^\/applications\/([^/]+)$/,
        write: "update",
        run: (req, [id]) => update(req, id!),
      },
    ];
  };
}
