// The two identity-domain applications, through the Identity Domains API (SCIM, at the domain URL): the
// resource server (primary audience, one scope) and the confidential client (client_credentials, allowed
// that scope as audience+scope). Both are found by displayName, created from the custom web-app template,
// patched only in the attributes that differ, and activated through AppStatusChanger. The client is
// allowed the scope by its own `allowedScopes` (fqs), which is how the identity domain grants an OAuth
// client a resource's scope; Grants are for app roles, which setup does not need.
import { randomUUID } from "node:crypto";
import type * as domains from "oci-identitydomains";
import { type CallOptions, ociCall } from "../oci/clients.js";
import { PATCH_SCHEMA, scimEquals } from "./iam.js";
import type { Change, FieldSpec } from "./plan.js";

export interface AppsApi {
  listApps(r: domains.requests.ListAppsRequest): Promise<domains.responses.ListAppsResponse>;
  getApp(r: domains.requests.GetAppRequest): Promise<domains.responses.GetAppResponse>;
  createApp(r: domains.requests.CreateAppRequest): Promise<domains.responses.CreateAppResponse>;
  patchApp(r: domains.requests.PatchAppRequest): Promise<domains.responses.PatchAppResponse>;
  putAppStatusChanger(
    r: domains.requests.PutAppStatusChangerRequest,
  ): Promise<domains.responses.PutAppStatusChangerResponse>;
}

const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
const STATUS_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:AppStatusChanger";
/** The template the console's "Confidential Application" uses. */
const CUSTOM_APP_TEMPLATE = "CustomWebAppTemplateId";
const APP_ATTRIBUTES =
  "displayName,name,active,isOAuthResource,audience,scopes,isOAuthClient,clientType,allowedGrants,allowedScopes";

/** The fully qualified scope a client asks for: the audience followed by the scope name. */
export function fullyQualifiedScope(audience: string, scope: string): string {
  return `${audience}${scope}`;
}

export async function findApp(
  api: AppsApi,
  displayName: string,
  call: CallOptions,
): Promise<domains.models.App | undefined> {
  const r = await ociCall(
    "ListApps",
    () => api.listApps({ filter: scimEquals("displayName", displayName), attributes: APP_ATTRIBUTES }),
    call,
  );
  return r.apps.resources.find((app) => app.displayName === displayName);
}

interface ResourceAppWanted {
  displayName: string;
  audience: string;
  scope: string;
}

interface ClientAppWanted {
  displayName: string;
  fqs: string;
}

export function resourceAppBody(wanted: ResourceAppWanted): domains.models.App {
  return {
    schemas: [APP_SCHEMA],
    displayName: wanted.displayName,
    basedOnTemplate: { value: CUSTOM_APP_TEMPLATE },
    isOAuthResource: true,
    audience: wanted.audience,
    scopes: [{ value: wanted.scope, description: "Read OCI usage and cost through usage-api-action" }],
  };
}

export function clientAppBody(wanted: ClientAppWanted): domains.models.App {
  return {
    schemas: [APP_SCHEMA],
    displayName: wanted.displayName,
    basedOnTemplate: { value: CUSTOM_APP_TEMPLATE },
    isOAuthClient: true,
    clientType: "confidential" as domains.models.App.ClientType,
    allowedGrants: ["client_credentials"],
    allowedScopes: [{ fqs: wanted.fqs }],
  };
}

export function resourceAppFields(
  current: domains.models.App | undefined,
  wanted: ResourceAppWanted,
): FieldSpec[] {
  return [
    { field: "isOAuthResource", desired: "true", current: String(current?.isOAuthResource ?? false) },
    { field: "audience", desired: wanted.audience, current: current?.audience },
    { field: "scopes", desired: [wanted.scope], current: current?.scopes?.map((s) => s.value) },
    { field: "active", desired: "true", current: String(current?.active ?? false) },
  ];
}

export function clientAppFields(
  current: domains.models.App | undefined,
  wanted: ClientAppWanted,
): FieldSpec[] {
  return [
    { field: "isOAuthClient", desired: "true", current: String(current?.isOAuthClient ?? false) },
    { field: "clientType", desired: "confidential", current: current?.clientType, mutable: false },
    { field: "allowedGrants", desired: ["client_credentials"], current: current?.allowedGrants },
    { field: "allowedScopes", desired: [wanted.fqs], current: current?.allowedScopes?.map((s) => s.fqs) },
    { field: "active", desired: "true", current: String(current?.active ?? false) },
  ];
}

export async function createApp(api: AppsApi, body: domains.models.App, call: CallOptions) {
  const r = await ociCall("CreateApp", () => api.createApp({ app: body, opcRetryToken: randomUUID() }), call);
  return r.app;
}

/** One REPLACE per changed attribute, its value from the wanted body; `active` goes through activate(). */
export async function patchApp(
  api: AppsApi,
  id: string,
  body: domains.models.App,
  changes: Change[],
  call: CallOptions,
): Promise<void> {
  const operations = changes
    .filter((c) => c.field !== "active")
    .map((c) => ({
      op: "REPLACE" as domains.models.Operations.Op,
      path: c.field,
      value: (body as unknown as Record<string, unknown>)[c.field],
    }));
  if (operations.length === 0) return;
  await ociCall(
    "PatchApp",
    () => api.patchApp({ appId: id, patchOp: { schemas: [PATCH_SCHEMA], operations } }),
    call,
  );
}

export async function activateApp(api: AppsApi, id: string, call: CallOptions): Promise<void> {
  await ociCall(
    "PutAppStatusChanger",
    () =>
      api.putAppStatusChanger({
        appStatusChangerId: id,
        appStatusChanger: { schemas: [STATUS_SCHEMA], active: true },
      }),
    call,
  );
}

/** The client's id (its `name`) and secret, read back (the secret is returned by default for an admin). */
export async function readClientCredentials(
  api: AppsApi,
  id: string,
  call: CallOptions,
): Promise<{ clientId: string; clientSecret: string | undefined }> {
  const r = await ociCall("GetApp", () => api.getApp({ appId: id, attributes: "name,clientSecret" }), call);
  return { clientId: r.app.name ?? "", clientSecret: r.app.clientSecret };
}
