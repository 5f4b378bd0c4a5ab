// The three regional resources setup ensures, through the SDK clients: the OCIR repository (Artifacts), the
// Functions application, and the API gateway (waited to ACTIVE through its work request). Each is found by
// name in the compartment, created when missing, and updated only in what its service lets change.
import { randomUUID } from "node:crypto";
import type * as apigateway from "oci-apigateway";
import type * as artifacts from "oci-artifacts";
import type * as functions from "oci-functions";
import { UserFacingError } from "../lib/errors.js";
import { realSleep } from "../lib/retry.js";
import { oneLineText } from "../lib/text.js";
import { type CallOptions, ociCall } from "../oci/clients.js";
import type { ApplicationShape } from "./inputs.js";
import { type FieldSpec, live } from "./plan.js";

// The SDK operations setup calls, as the clients declare them (tests pass fakes of the same shape).
export type RepositoriesApi = Pick<
  artifacts.ArtifactsClient,
  "listContainerRepositories" | "createContainerRepository" | "updateContainerRepository"
>;
export type ApplicationsApi = Pick<
  functions.FunctionsManagementClient,
  "listApplications" | "getApplication" | "createApplication" | "listFunctions"
>;
export type SetupGatewaysApi = Pick<
  apigateway.GatewayClient,
  "listGateways" | "getGateway" | "createGateway"
>;
export type SetupWorkRequestsApi = Pick<
  apigateway.WorkRequestsClient,
  "getWorkRequest" | "listWorkRequestErrors"
>;

/** How long and how often to poll; the clock and sleep are injected. */
export interface Polling {
  deadline: number;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  log: (line: string) => void;
  pollMs?: number;
}

/** Every item of a List call, page after page (each page one `ociCall`), until no `opc-next-page` is left. */
export async function listAll<R extends { opcNextPage?: string }, T>(
  operation: string,
  call: CallOptions,
  list: (page: { page?: string }) => Promise<R>,
  itemsOf: (response: R) => T[],
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = token === undefined ? {} : { page: token };
    const response = await ociCall(operation, () => list(page), call);
    items.push(...itemsOf(response));
    token = response.opcNextPage;
  } while (token);
  return items;
}

/** The item called `name` in a List call's pages; a DELETED or TERMINATED one does not count. */
async function findByDisplayName<R extends { opcNextPage?: string }, T extends NamedResource>(
  operation: string,
  call: CallOptions,
  name: string,
  list: (page: { page?: string }) => Promise<R>,
  itemsOf: (response: R) => T[],
): Promise<T | undefined> {
  return live(await listAll(operation, call, list, itemsOf)).find((item) => item.displayName === name);
}

interface NamedResource {
  displayName?: string;
  lifecycleState?: string;
}

/** Poll `read` until `done` says so; `done` throws for a failed state. */
async function pollUntil<T>(what: string, read: () => Promise<T>, state: (t: T) => string, polling: Polling) {
  const sleep = polling.sleep ?? realSleep;
  let delay = polling.pollMs ?? 1_000;
  for (;;) {
    const value = await read();
    const current = state(value);
    if (current === "done") return value;
    if (polling.now() + delay > polling.deadline) {
      throw new UserFacingError(
        `${what} is still ${current} after the wait timeout; it continues in OCI: re-run setup later, or raise 'wait-timeout'`,
      );
    }
    polling.log(`${what} is ${current}; waiting`);
    await sleep(delay);
    delay = Math.min(Math.round(delay * 1.5), 10_000);
  }
}

// ---- repository ------------------------------------------------------------------------------------------

export async function findRepository(
  api: RepositoriesApi,
  compartmentId: string,
  name: string,
  call: CallOptions,
): Promise<artifacts.models.ContainerRepositorySummary | undefined> {
  return findByDisplayName(
    "ListContainerRepositories",
    call,
    name,
    (page) => api.listContainerRepositories({ compartmentId, displayName: name, ...page }),
    (r) => r.containerRepositoryCollection.items,
  );
}

export function repositoryFields(current: { isPublic?: boolean } | undefined): FieldSpec[] {
  return [{ field: "isPublic", desired: false, current: current?.isPublic }];
}

export async function createRepository(
  api: RepositoriesApi,
  compartmentId: string,
  name: string,
  call: CallOptions,
): Promise<string> {
  const r = await ociCall(
    "CreateContainerRepository",
    () =>
      api.createContainerRepository({
        createContainerRepositoryDetails: { compartmentId, displayName: name, isPublic: false },
        opcRetryToken: randomUUID(),
      }),
    call,
  );
  return r.containerRepository.id;
}

export async function makeRepositoryPrivate(api: RepositoriesApi, id: string, call: CallOptions) {
  await ociCall(
    "UpdateContainerRepository",
    () =>
      api.updateContainerRepository({
        repositoryId: id,
        updateContainerRepositoryDetails: { isPublic: false },
      }),
    call,
  );
}

// ---- application ------------------------------------------------------------------------------------------

export async function findApplication(
  api: ApplicationsApi,
  compartmentId: string,
  name: string,
  call: CallOptions,
): Promise<functions.models.ApplicationSummary | undefined> {
  return findByDisplayName(
    "ListApplications",
    call,
    name,
    (page) => api.listApplications({ compartmentId, displayName: name, ...page }),
    (r) => r.items,
  );
}

export function applicationFields(
  current: { subnetIds?: string[]; shape?: string } | undefined,
  desired: { subnetId: string; shape: ApplicationShape },
): FieldSpec[] {
  return [
    { field: "subnetIds", desired: [desired.subnetId], current: current?.subnetIds, mutable: false },
    { field: "shape", desired: desired.shape, current: current?.shape ?? "GENERIC_X86", mutable: false },
  ];
}

export async function createApplication(
  api: ApplicationsApi,
  desired: { compartmentId: string; name: string; subnetId: string; shape: ApplicationShape },
  call: CallOptions,
): Promise<string> {
  const r = await ociCall(
    "CreateApplication",
    () =>
      api.createApplication({
        createApplicationDetails: {
          compartmentId: desired.compartmentId,
          displayName: desired.name,
          subnetIds: [desired.subnetId],
          shape: desired.shape as functions.models.CreateApplicationDetails.Shape,
        },
      }),
    call,
  );
  return r.application.id;
}

/** Wait for the application to be ACTIVE; FAILED ends the run. */
export async function waitForApplication(
  api: ApplicationsApi,
  id: string,
  name: string,
  polling: Polling,
  call: CallOptions,
): Promise<void> {
  await pollUntil(
    `application ${name} (${id})`,
    async () =>
      (await ociCall("GetApplication", () => api.getApplication({ applicationId: id }), call)).application,
    (app) => {
      const state = app.lifecycleState ?? "ACTIVE";
      if (state === "FAILED" || state === "DELETED" || state === "DELETING") {
        throw new UserFacingError(
          `application ${name} (${id}) is ${state}; delete it in the console and re-run setup`,
        );
      }
      return state === "ACTIVE" ? "done" : state;
    },
    polling,
  );
}

/** The function deploy creates, when it exists: the dynamic group then matches it alone. */
export async function findFunctionId(
  api: ApplicationsApi,
  applicationId: string,
  name: string,
  call: CallOptions,
): Promise<string | undefined> {
  const r = await ociCall(
    "ListFunctions",
    () => api.listFunctions({ applicationId, displayName: name }),
    call,
  );
  return live(r.items).find((fn) => fn.displayName === name)?.id;
}

// ---- gateway ----------------------------------------------------------------------------------------------

export async function findGateway(
  api: SetupGatewaysApi,
  compartmentId: string,
  name: string,
  call: CallOptions,
): Promise<apigateway.models.GatewaySummary | undefined> {
  return findByDisplayName(
    "ListGateways",
    call,
    name,
    (page) => api.listGateways({ compartmentId, displayName: name, ...page }),
    (r) => r.gatewayCollection.items,
  );
}

export function gatewayFields(
  current: { subnetId?: string; endpointType?: string } | undefined,
  subnetId: string,
): FieldSpec[] {
  return [
    { field: "endpointType", desired: "PUBLIC", current: current?.endpointType, mutable: false },
    { field: "subnetId", desired: subnetId, current: current?.subnetId, mutable: false },
  ];
}

export async function createGateway(
  api: SetupGatewaysApi,
  desired: { compartmentId: string; name: string; subnetId: string },
  call: CallOptions,
): Promise<{ id: string; workRequestId: string }> {
  const r = await ociCall(
    "CreateGateway",
    () =>
      api.createGateway({
        createGatewayDetails: {
          compartmentId: desired.compartmentId,
          displayName: desired.name,
          endpointType: "PUBLIC",
          subnetId: desired.subnetId,
        },
        opcRetryToken: randomUUID(),
      }),
    call,
  );
  return { id: r.gateway.id, workRequestId: r.opcWorkRequestId };
}

async function workRequestFailure(
  api: SetupWorkRequestsApi,
  workRequestId: string,
  call: CallOptions,
): Promise<string> {
  try {
    const r = await ociCall(
      "ListWorkRequestErrors",
      () => api.listWorkRequestErrors({ workRequestId }),
      call,
    );
    const messages = r.workRequestErrorCollection.items.map((e) => oneLineText(e.message, 200));
    return messages.length > 0 ? messages.join("; ") : "the service gave no error messages";
  } catch {
    return "its errors could not be read";
  }
}

/** Wait for the gateway's work request (when there is one), then for the gateway to be ACTIVE. */
export async function waitForGateway(
  apis: { gateways: SetupGatewaysApi; workRequests: SetupWorkRequestsApi },
  ids: { id: string; name: string; workRequestId?: string },
  polling: Polling,
  call: CallOptions,
): Promise<apigateway.models.Gateway> {
  const label = `gateway ${ids.name} (${ids.id})`;
  if (ids.workRequestId) {
    const workRequestId = ids.workRequestId;
    let failed: string | undefined;
    await pollUntil(
      `${label}: work request ${workRequestId}`,
      async () =>
        (await ociCall("GetWorkRequest", () => apis.workRequests.getWorkRequest({ workRequestId }), call))
          .workRequest,
      (wr) => {
        if (wr.status === "SUCCEEDED") return "done";
        if (wr.status === "FAILED" || wr.status === "CANCELED") {
          failed = wr.status;
          return "done";
        }
        return `${wr.status} (${wr.percentComplete ?? 0}%)`;
      },
      polling,
    );
    if (failed) {
      const why = await workRequestFailure(apis.workRequests, workRequestId, call);
      const gateway = await readGatewayQuietly(apis.gateways, ids.id, call);
      throw new UserFacingError(
        `${label}: work request ${workRequestId} ${failed}: ${why}${gateway?.lifecycleDetails ? `; ${oneLineText(gateway.lifecycleDetails, 200)}` : ""}; fix the cause and re-run setup`,
      );
    }
  }
  return pollUntil(
    label,
    async () =>
      (await ociCall("GetGateway", () => apis.gateways.getGateway({ gatewayId: ids.id }), call)).gateway,
    (gw) => {
      const state = gw.lifecycleState ?? "ACTIVE";
      if (state === "FAILED" || state === "DELETED" || state === "DELETING") {
        throw new UserFacingError(
          `${label} is ${state}: ${gw.lifecycleDetails ? oneLineText(gw.lifecycleDetails, 200) : "the service gave no details"}; delete it in the console and re-run setup`,
        );
      }
      return state === "ACTIVE" ? "done" : state;
    },
    polling,
  );
}

async function readGatewayQuietly(api: SetupGatewaysApi, gatewayId: string, call: CallOptions) {
  try {
    return (await ociCall("GetGateway", () => api.getGateway({ gatewayId }), { ...call, retry: false }))
      .gateway;
  } catch {
    return undefined;
  }
}
