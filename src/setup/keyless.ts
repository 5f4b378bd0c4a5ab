// `keyless: true`: what deploy's `oci-auth: oidc` needs in the identity domain, through the Identity Domains
// API (SCIM, at the domain URL) as the apps are: a service user (no password, no API key) for the workflow
// to act as, a confidential OAuth app whose client authenticates the token exchange, the Identity
// Propagation Trust that accepts GitHub's tokens for one repository and ref (or environment) and maps them
// to that user, and the user in the deployer group the policy names. Each is found by name and created or
// brought in line; nothing is deleted, and a re-run with nothing changed writes nothing.
import type * as domains from "oci-identitydomains";
import { type CallOptions, ociCall } from "../oci/clients.js";
import type { AppsApi } from "./apps.js";
import { PATCH_SCHEMA, scimEquals } from "./iam.js";
import { type FieldSpec, type PlannedItem, planItem } from "./plan.js";

export type KeylessApi = Pick<
  domains.IdentityDomainsClient,
  | "listUsers"
  | "createUser"
  | "listGroups"
  | "createGroup"
  | "patchGroup"
  | "listIdentityPropagationTrusts"
  | "createIdentityPropagationTrust"
  | "putIdentityPropagationTrust"
>;

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const USER_EXTENSION = "urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const TRUST_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:IdentityPropagationTrust";
const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
const CUSTOM_APP_TEMPLATE = "CustomWebAppTemplateId";
/** The exchange authenticates the client with its id and secret (client credentials). */
const EXCHANGE_GRANTS = ["client_credentials"];
/** Shown in the plan while the exchange app (and so its client id) does not exist yet. */
const PENDING_CLIENT = "(the new exchange app's client id)";

/** What the trust is for, from setup's inputs. */
export interface KeylessWanted {
  /** owner/name */
  repository: string;
  ref: string;
  environment: string | undefined;
  issuer: string;
  audience: string;
  userName: string;
  appName: string;
  trustName: string;
  groupName: string;
}

/** GitHub's `sub` for a job of this repository on the ref, or in the environment (which GitHub puts first). */
function githubSubject(w: Pick<KeylessWanted, "repository" | "ref" | "environment">): string {
  return w.environment
    ? `repo:${w.repository}:environment:${w.environment}`
    : `repo:${w.repository}:ref:${w.ref}`;
}

/** The impersonation rule: the subject's one clause (`<claim> eq <value>`). */
function impersonationRule(w: KeylessWanted): string {
  return `sub eq ${githubSubject(w)}`;
}

/** GitHub's JWKS is at `<issuer>/.well-known/jwks`. */
function jwksOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/jwks`;
}

export interface KeylessFound {
  user: domains.models.User | undefined;
  app: domains.models.App | undefined;
  trust: domains.models.IdentityPropagationTrust | undefined;
  group: domains.models.Group | undefined;
}

export async function findKeyless(
  api: KeylessApi,
  apps: AppsApi,
  w: KeylessWanted,
  call: CallOptions,
): Promise<KeylessFound> {
  const users = await ociCall(
    "ListUsers",
    () => api.listUsers({ filter: scimEquals("userName", w.userName), attributes: "userName,active,ocid" }),
    call,
  );
  const app = await ociCall(
    "ListApps",
    () =>
      apps.listApps({
        filter: scimEquals("displayName", w.appName),
        attributes: "displayName,name,active,isOAuthClient,clientType,allowedGrants",
      }),
    call,
  );
  const trusts = await ociCall(
    "ListIdentityPropagationTrusts",
    () => api.listIdentityPropagationTrusts({ filter: scimEquals("name", w.trustName) }),
    call,
  );
  const groups = await ociCall(
    "ListGroups",
    () =>
      api.listGroups({ filter: scimEquals("displayName", w.groupName), attributes: "displayName,members" }),
    call,
  );
  return {
    user: users.users.resources.find((u) => u.userName === w.userName),
    app: app.apps.resources.find((a) => a.displayName === w.appName),
    trust: trusts.identityPropagationTrusts.resources.find((t) => t.name === w.trustName),
    group: groups.groups.resources.find((g) => g.displayName === w.groupName),
  };
}

const existing = (item: { id?: string } | undefined) => (item?.id ? { id: item.id } : undefined);

/** The four items, in the order they are written. */
export function planKeyless(w: KeylessWanted, found: KeylessFound): PlannedItem[] {
  return [
    planItem("service user", w.userName, existing(found.user), userFields(found.user)),
    planItem("exchange app", w.appName, existing(found.app), exchangeAppFields(found.app)),
    planItem("trust", w.trustName, existing(found.trust), trustFields(w, found)),
    planItem("deployer group", w.groupName, existing(found.group), [
      { field: "members", desired: [w.userName], current: isMember(found) ? [w.userName] : [] },
    ]),
  ];
}

function userFields(user: domains.models.User | undefined): FieldSpec[] {
  const serviceUser = user?.urnIetfParamsScimSchemasOracleIdcsExtensionUserUser?.serviceUser ?? false;
  return [
    // A person's account is never turned into a service user: choose another name instead.
    { field: "serviceUser", desired: "true", current: String(serviceUser), mutable: false },
  ];
}

function exchangeAppFields(app: domains.models.App | undefined): FieldSpec[] {
  return [
    { field: "isOAuthClient", desired: "true", current: String(app?.isOAuthClient ?? false) },
    { field: "clientType", desired: "confidential", current: app?.clientType, mutable: false },
    { field: "allowedGrants", desired: EXCHANGE_GRANTS, current: app?.allowedGrants },
    { field: "active", desired: "true", current: String(app?.active ?? false) },
  ];
}

/** `rule -> user` as the plan shows an impersonation entry. */
function showRule(rule: string, user: string): string {
  return `${rule} -> ${user}`;
}

function trustFields(w: KeylessWanted, found: KeylessFound): FieldSpec[] {
  const t = found.trust;
  const userName = (id: string) => (id === found.user?.id ? w.userName : id);
  return [
    { field: "type", desired: "JWT", current: t?.type, mutable: false },
    { field: "issuer", desired: w.issuer, current: t?.issuer },
    { field: "publicKeyEndpoint", desired: jwksOf(w.issuer), current: t?.publicKeyEndpoint },
    { field: "subjectClaimName", desired: "sub", current: t?.subjectClaimName },
    { field: "clientClaimName", desired: "aud", current: t?.clientClaimName },
    { field: "clientClaimValues", desired: [w.audience], current: t?.clientClaimValues },
    { field: "oauthClients", desired: [found.app?.name ?? PENDING_CLIENT], current: t?.oauthClients },
    {
      field: "impersonationServiceUsers",
      desired: [showRule(impersonationRule(w), w.userName)],
      current: t?.impersonationServiceUsers?.map((u) => showRule(u.rule, userName(u.value))),
    },
    { field: "allowImpersonation", desired: "true", current: String(t?.allowImpersonation ?? false) },
    { field: "active", desired: "true", current: String(t?.active ?? false) },
  ];
}

function isMember(found: KeylessFound): boolean {
  const id = found.user?.id;
  return id !== undefined && (found.group?.members ?? []).some((m) => m.value === id);
}

export function exchangeAppBody(displayName: string): domains.models.App {
  return {
    schemas: [APP_SCHEMA],
    displayName,
    basedOnTemplate: { value: CUSTOM_APP_TEMPLATE },
    isOAuthClient: true,
    clientType: "confidential" as domains.models.App.ClientType,
    allowedGrants: EXCHANGE_GRANTS,
  };
}

export async function createServiceUser(api: KeylessApi, userName: string, call: CallOptions) {
  const r = await ociCall(
    "CreateUser",
    () =>
      api.createUser({
        user: {
          schemas: [USER_SCHEMA, USER_EXTENSION],
          userName,
          name: { familyName: userName },
          description: "usage-api-action: what GitHub Actions deploys act as (keyless)",
          urnIetfParamsScimSchemasOracleIdcsExtensionUserUser: { serviceUser: true },
        },
      }),
    call,
  );
  return r.user;
}

/** The trust as setup wants it, for the user and the exchange app's client id. */
export function trustBody(
  w: KeylessWanted,
  user: { id: string; ocid?: string | undefined },
  clientId: string,
): domains.models.IdentityPropagationTrust {
  return {
    schemas: [TRUST_SCHEMA],
    name: w.trustName,
    description: `usage-api-action: GitHub Actions of ${w.repository} (${githubSubject(w)})`,
    type: "JWT" as domains.models.IdentityPropagationTrust.Type,
    issuer: w.issuer,
    publicKeyEndpoint: jwksOf(w.issuer),
    subjectClaimName: "sub",
    subjectMappingAttribute: "userName",
    subjectType: "User" as domains.models.IdentityPropagationTrust.SubjectType,
    clientClaimName: "aud",
    clientClaimValues: [w.audience],
    oauthClients: [clientId],
    allowImpersonation: true,
    impersonationServiceUsers: [
      { value: user.id, rule: impersonationRule(w), ...(user.ocid ? { ocid: user.ocid } : {}) },
    ],
    active: true,
  };
}

/** Create the trust, or replace it when the plan found a difference (PUT: the trust as a whole). */
export async function ensureTrust(
  api: KeylessApi,
  item: PlannedItem,
  body: domains.models.IdentityPropagationTrust,
  call: CallOptions,
): Promise<string | undefined> {
  if (item.action === "create") {
    const r = await ociCall(
      "CreateIdentityPropagationTrust",
      () => api.createIdentityPropagationTrust({ identityPropagationTrust: body }),
      call,
    );
    return r.identityPropagationTrust.id;
  }
  if (item.changes.length === 0) return item.id;
  await ociCall(
    "PutIdentityPropagationTrust",
    () =>
      api.putIdentityPropagationTrust({
        identityPropagationTrustId: item.id as string,
        identityPropagationTrust: { ...body, id: item.id },
      }),
    call,
  );
  return item.id;
}

/** The user in the deployer group: the group created with it, or the member added. */
export async function ensureMember(
  api: KeylessApi,
  item: PlannedItem,
  groupName: string,
  userId: string,
  call: CallOptions,
): Promise<void> {
  const member = { value: userId, type: "User" as domains.models.GroupMembers.Type };
  if (item.action === "create") {
    await ociCall(
      "CreateGroup",
      () =>
        api.createGroup({ group: { schemas: [GROUP_SCHEMA], displayName: groupName, members: [member] } }),
      call,
    );
    return;
  }
  if (item.changes.length === 0) return;
  await ociCall(
    "PatchGroup",
    () =>
      api.patchGroup({
        groupId: item.id as string,
        patchOp: {
          schemas: [PATCH_SCHEMA],
          operations: [{ op: "ADD" as domains.models.Operations.Op, path: "members", value: [member] }],
        },
      }),
    call,
  );
}
