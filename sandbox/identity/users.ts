// The admin API's Users (oci-identitydomains User), as far as keyless deploys need them: service users, the
// principals a token exchange impersonates. `userName` is required and unique (case-insensitive); the
// extension `urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User` carries `serviceUser` (immutable
// per the SDK model: set it at creation). The domain sets `id`, `ocid`, `meta` and `idcsCreatedBy`.
import { randomBytes } from "node:crypto";
import { scimErrors } from "./scim.js";
import type { CollectionSpec, ScimResource } from "./scim-collection.js";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const USER_EXTENSION = "urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User";

const READ_ONLY = new Set(["id", "ocid", "meta", "schemas", "domainOcid", "tenancyOcid", "idcsCreatedBy"]);

/** Whether a user is a service user (the extension's `serviceUser`). */
export function isServiceUser(user: ScimResource): boolean {
  const extension = user[USER_EXTENSION] as { serviceUser?: unknown } | undefined;
  return extension?.serviceUser === true;
}

function validateUser(user: ScimResource, others: ScimResource[]): void {
  if (typeof user.userName !== "string" || user.userName.trim() === "")
    throw scimErrors.invalidValue("userName is required");
  const taken = others.some(
    (o) => String(o.userName).toLowerCase() === (user.userName as string).toLowerCase(),
  );
  if (taken) throw scimErrors.uniqueness(`A user named ${user.userName} already exists`);
  if (user.active !== undefined && typeof user.active !== "boolean")
    throw scimErrors.invalidValue("active must be a boolean");
  const extension = user[USER_EXTENSION];
  if (extension !== undefined) {
    if (extension === null || typeof extension !== "object" || Array.isArray(extension))
      throw scimErrors.invalidValue(`${USER_EXTENSION} must be an object`);
    const serviceUser = (extension as { serviceUser?: unknown }).serviceUser;
    if (serviceUser !== undefined && typeof serviceUser !== "boolean")
      throw scimErrors.invalidValue(`${USER_EXTENSION}:serviceUser must be a boolean`);
  }
}

export const USERS: CollectionSpec = {
  resourceType: "User",
  endpoint: "Users",
  schema: USER_SCHEMA,
  readOnly: READ_ONLY,
  // serviceUser is the extension's only attribute the sandbox keeps, so the extension as a whole is immutable.
  immutable: new Set([USER_EXTENSION]),
  returnedOnRequest: new Set(),
  sortBy: "userName",
  assign(user, req) {
    user.id = randomBytes(16).toString("hex");
    user.ocid = `ocid1.user.oc1..aaaaaaaa${randomBytes(22).toString("hex")}`;
    user.idcsCreatedBy = { value: req.principalId, type: "User" };
    user.active ??= true;
  },
  validate: (user, others) => validateUser(user, others),
};
