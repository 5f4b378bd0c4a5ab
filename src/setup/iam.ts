// The dynamic group of the function and the one policy. Which API serves a dynamic group depends on the
// identity domain (docs/setup.md gives the sources): in the Default domain, the Identity API's DynamicGroup
// (IdentityClient, compartment = the tenancy); in any other domain, the identity domain's SCIM resource
// DynamicResourceGroup (IdentityDomainsClient at the domain URL). Policies are always the Identity API's, in
// the root compartment, and name a non-Default domain's group as 'Domain'/'Group'.
import { randomUUID } from "node:crypto";
import type * as identity from "oci-identity";
import type * as domains from "oci-identitydomains";
import { type CallOptions, ociCall } from "../oci/clients.js";
import { DEFAULT_DOMAIN } from "./inputs.js";
import { live } from "./plan.js";
import { listAll } from "./resources.js";

// The SDK operations used here, as the clients declare them (tests pass fakes of the same shape).
export type IdentityApi = Pick<
  identity.IdentityClient,
  | "listDynamicGroups"
  | "createDynamicGroup"
  | "updateDynamicGroup"
  | "listPolicies"
  | "createPolicy"
  | "updatePolicy"
>;
export type DomainGroupsApi = Pick<
  domains.IdentityDomainsClient,
  "listDynamicResourceGroups" | "createDynamicResourceGroup" | "patchDynamicResourceGroup"
>;

const DESCRIPTION = "Managed by usage-api-action setup";
const DRG_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:DynamicResourceGroup";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface FoundGroup {
  id: string;
  matchingRule: string;
  lifecycleState?: string;
}

/** Find, create and update one dynamic group, whichever API serves it. */
export interface DynamicGroupStore {
  find(name: string): Promise<FoundGroup | undefined>;
  create(name: string, matchingRule: string): Promise<string>;
  update(id: string, matchingRule: string): Promise<void>;
}

/** A SCIM filter value: the name inside double quotes (names are checked to hold no quote or backslash). */
export function scimEquals(attribute: string, value: string): string {
  return `${attribute} eq "${value.replace(/["\\]/g, "")}"`;
}

export function identityGroupStore(
  api: IdentityApi,
  tenancyId: string,
  call: CallOptions,
): DynamicGroupStore {
  return {
    async find(name) {
      const found = await listAll(
        "ListDynamicGroups",
        call,
        (page) => api.listDynamicGroups({ compartmentId: tenancyId, name, ...page }),
        (r) => r.items,
      );
      const group = live(found).find((g) => g.name === name);
      return (
        group && { id: group.id, matchingRule: group.matchingRule, lifecycleState: group.lifecycleState }
      );
    },
    async create(name, matchingRule) {
      const r = await ociCall(
        "CreateDynamicGroup",
        () =>
          api.createDynamicGroup({
            createDynamicGroupDetails: {
              compartmentId: tenancyId,
              name,
              matchingRule,
              description: DESCRIPTION,
            },
            opcRetryToken: randomUUID(),
          }),
        call,
      );
      return r.dynamicGroup.id;
    },
    async update(id, matchingRule) {
      await ociCall(
        "UpdateDynamicGroup",
        () => api.updateDynamicGroup({ dynamicGroupId: id, updateDynamicGroupDetails: { matchingRule } }),
        call,
      );
    },
  };
}

export function domainGroupStore(api: DomainGroupsApi, call: CallOptions): DynamicGroupStore {
  return {
    async find(name) {
      const r = await ociCall(
        "ListDynamicResourceGroups",
        () =>
          api.listDynamicResourceGroups({
            filter: scimEquals("displayName", name),
            attributes: "displayName,matchingRule",
          }),
        call,
      );
      const group = r.dynamicResourceGroups.resources.find((g) => g.displayName === name);
      return group?.id ? { id: group.id, matchingRule: group.matchingRule } : undefined;
    },
    async create(name, matchingRule) {
      const r = await ociCall(
        "CreateDynamicResourceGroup",
        () =>
          api.createDynamicResourceGroup({
            dynamicResourceGroup: {
              schemas: [DRG_SCHEMA],
              displayName: name,
              matchingRule,
              description: DESCRIPTION,
            },
            opcRetryToken: randomUUID(),
          }),
        call,
      );
      return r.dynamicResourceGroup.id ?? "";
    },
    async update(id, matchingRule) {
      await ociCall(
        "PatchDynamicResourceGroup",
        () =>
          api.patchDynamicResourceGroup({
            dynamicResourceGroupId: id,
            patchOp: {
              schemas: [PATCH_SCHEMA],
              operations: [
                { op: "REPLACE" as domains.models.Operations.Op, path: "matchingRule", value: matchingRule },
              ],
            },
          }),
        call,
      );
    },
  };
}

/** How a policy statement names the group: bare in the Default domain, 'Domain'/'Group' elsewhere. */
export function policyGroupName(domainName: string, group: string): string {
  return domainName === DEFAULT_DOMAIN ? group : `'${domainName}'/'${group}'`;
}

interface FoundPolicy {
  id: string;
  statements: string[];
  lifecycleState?: string;
}

export async function findPolicy(
  api: IdentityApi,
  tenancyId: string,
  name: string,
  call: CallOptions,
): Promise<FoundPolicy | undefined> {
  const found = await listAll(
    "ListPolicies",
    call,
    (page) => api.listPolicies({ compartmentId: tenancyId, name, ...page }),
    (r) => r.items,
  );
  const policy = live(found).find((p) => p.name === name);
  return policy && { id: policy.id, statements: policy.statements, lifecycleState: policy.lifecycleState };
}

export async function createPolicy(
  api: IdentityApi,
  tenancyId: string,
  name: string,
  statements: string[],
  call: CallOptions,
): Promise<string> {
  const r = await ociCall(
    "CreatePolicy",
    () =>
      api.createPolicy({
        createPolicyDetails: { compartmentId: tenancyId, name, statements, description: DESCRIPTION },
        opcRetryToken: randomUUID(),
      }),
    call,
  );
  return r.policy.id;
}

export async function updatePolicy(api: IdentityApi, id: string, statements: string[], call: CallOptions) {
  await ociCall(
    "UpdatePolicy",
    () => api.updatePolicy({ policyId: id, updatePolicyDetails: { statements } }),
    call,
  );
}
