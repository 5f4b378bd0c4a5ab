// The admin API's Groups (oci-identitydomains Group), so that a service user can join the group its IAM
// policies name: `displayName` is required and unique (case-insensitive); `members` are `[{value, type:
// "User"}]`, each an existing user, the domain adding its `ocid`, `display` and `$ref`. `members` is
// `returned: request` in the SDK model: answers carry it only when `attributes=members` asks for it.
import { randomBytes } from "node:crypto";
import { scimErrors } from "./scim.js";
import type { Collection, CollectionSpec, ScimResource } from "./scim-collection.js";

export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

function validateGroup(group: ScimResource, others: ScimResource[]): void {
  if (typeof group.displayName !== "string" || group.displayName.trim() === "")
    throw scimErrors.invalidValue("displayName is required");
  const name = group.displayName.toLowerCase();
  if (others.some((o) => String(o.displayName).toLowerCase() === name))
    throw scimErrors.uniqueness(`A group named ${group.displayName} already exists`);
}

function normalizeMembers(group: ScimResource, users: Collection, domainUrl: string): void {
  const members = group.members;
  if (members === undefined) return;
  if (!Array.isArray(members)) throw scimErrors.invalidValue("members must be an array");
  group.members = members.map((m: { value?: unknown; type?: unknown }) => {
    if (typeof m?.value !== "string")
      throw scimErrors.invalidValue("each member needs a value (a user's id)");
    if (m.type !== undefined && m.type !== "User")
      throw scimErrors.invalidValue("members: only members of type User are supported");
    const user = users.find(m.value);
    if (!user) throw scimErrors.invalidValue(`members: no user has the id ${m.value}`);
    return {
      value: user.id,
      type: "User",
      ocid: user.ocid,
      display: user.userName,
      $ref: `${domainUrl}/admin/v1/Users/${user.id}`,
    };
  });
}

export function groupsSpec(users: Collection): CollectionSpec {
  return {
    resourceType: "Group",
    endpoint: "Groups",
    schema: GROUP_SCHEMA,
    readOnly: new Set(["id", "ocid", "meta", "schemas", "domainOcid", "tenancyOcid", "idcsCreatedBy"]),
    immutable: new Set(),
    returnedOnRequest: new Set(["members"]),
    sortBy: "displayName",
    assign(group, req) {
      group.id = randomBytes(16).toString("hex");
      group.ocid = `ocid1.group.oc1..aaaaaaaa${randomBytes(22).toString("hex")}`;
      group.idcsCreatedBy = { value: req.principalId, type: "User" };
    },
    validate(group, others, req) {
      validateGroup(group, others);
      normalizeMembers(group, users, req.domain.url);
    },
  };
}
