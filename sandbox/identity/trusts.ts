// The admin API's Identity Propagation Trusts (oci-identitydomains IdentityPropagationTrust): which external
// issuer's tokens the domain's token exchange accepts, from which OAuth clients, and which service user each
// impersonation rule maps a token to. Required: `name` (immutable), `type`, `issuer` (unique in the domain:
// the SDK model marks it `uniqueness: server`), and for a JWT trust `publicKeyEndpoint` (its JWKS URL).
// `active` is false unless given (the model's default). `impersonationServiceUsers` is `returned: request`
// in the model: answers carry it only when `attributes` names it.
import { randomBytes } from "node:crypto";
import { parseRule } from "./impersonation-rules.js";
import { scimErrors } from "./scim.js";
import type { Collection, CollectionSpec, ScimResource } from "./scim-collection.js";
import { isServiceUser } from "./users.js";

export const TRUST_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:IdentityPropagationTrust";
const TRUST_TYPES = ["JWT", "SAML", "SPNEGO", "AWS", "X509"];
const SUBJECT_TYPES = ["User", "App", "Resource"];
const READ_ONLY = new Set(["id", "ocid", "meta", "schemas", "domainOcid", "tenancyOcid", "idcsCreatedBy"]);

/** A trust as the token exchange reads it. */
export interface Trust {
  name: string;
  type: string;
  issuer: string;
  active?: boolean;
  publicKeyEndpoint?: string;
  subjectClaimName?: string;
  subjectMappingAttribute?: string;
  clientClaimName?: string;
  clientClaimValues?: string[];
  oauthClients?: string[];
  allowImpersonation?: boolean;
  impersonationServiceUsers?: Array<{ value: string; rule: string; ocid?: string }>;
  clockSkewSeconds?: number;
  claimValidations?: Array<{ name: string; value: string }>;
}

const invalid = scimErrors.invalidValue;

function optionalString(t: ScimResource, name: string): void {
  if (t[name] !== undefined && typeof t[name] !== "string") throw invalid(`${name} must be a string`);
}

function optionalStrings(t: ScimResource, name: string): void {
  const v = t[name];
  if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === "string")))
    throw invalid(`${name} must be an array of strings`);
}

function optionalBoolean(t: ScimResource, name: string): void {
  if (t[name] !== undefined && typeof t[name] !== "boolean") throw invalid(`${name} must be a boolean`);
}

function validateRequired(t: ScimResource, others: ScimResource[]): void {
  if (typeof t.name !== "string" || t.name.trim() === "") throw invalid("name is required");
  if (!TRUST_TYPES.includes(t.type as string)) throw invalid(`type must be one of ${TRUST_TYPES.join(", ")}`);
  if (typeof t.issuer !== "string" || t.issuer === "") throw invalid("issuer is required");
  if (others.some((o) => o.issuer === t.issuer))
    throw scimErrors.uniqueness(`An identity propagation trust with the issuer ${t.issuer} already exists`);
  optionalString(t, "publicKeyEndpoint");
  if (t.type === "JWT" && !/^https?:\/\/[^/]/.test(String(t.publicKeyEndpoint ?? "")))
    throw invalid(
      "publicKeyEndpoint (the issuer's JWKS URL) is required for a JWT trust and must be an http(s) URL",
    );
}

function validateOptional(t: ScimResource): void {
  for (const name of ["description", "subjectClaimName", "subjectMappingAttribute", "clientClaimName"])
    optionalString(t, name);
  for (const name of ["clientClaimValues", "oauthClients"]) optionalStrings(t, name);
  for (const name of ["active", "allowImpersonation"]) optionalBoolean(t, name);
  if (t.subjectType !== undefined && !SUBJECT_TYPES.includes(t.subjectType as string))
    throw invalid(`subjectType must be one of ${SUBJECT_TYPES.join(", ")}`);
  const skew = t.clockSkewSeconds;
  if (skew !== undefined && (!Number.isInteger(skew) || (skew as number) < 0))
    throw invalid("clockSkewSeconds must be a non-negative integer");
  const validations = t.claimValidations;
  if (
    validations !== undefined &&
    (!Array.isArray(validations) ||
      !validations.every((v) => typeof v?.name === "string" && typeof v?.value === "string"))
  )
    throw invalid("claimValidations must be an array of {name, value} strings");
}

/** Each entry names an existing service user by id and carries a rule the sandbox can read. */
function normalizeServiceUsers(t: ScimResource, users: Collection, domainUrl: string): void {
  const entries = t.impersonationServiceUsers;
  if (entries === undefined) return;
  if (!Array.isArray(entries)) throw invalid("impersonationServiceUsers must be an array");
  t.impersonationServiceUsers = entries.map((entry: { value?: unknown; rule?: unknown }) => {
    if (typeof entry?.value !== "string" || typeof entry.rule !== "string")
      throw invalid("each impersonationServiceUsers entry needs a value (the service user's id) and a rule");
    try {
      parseRule(entry.rule);
    } catch (err) {
      throw invalid(`impersonationServiceUsers: ${(err as Error).message}`);
    }
    const user = users.find(entry.value);
    if (!user) throw invalid(`impersonationServiceUsers: no user has the id ${entry.value}`);
    if (!isServiceUser(user))
      throw invalid(`impersonationServiceUsers: the user ${user.userName} is not a service user`);
    return {
      value: entry.value,
      rule: entry.rule,
      ocid: user.ocid,
      $ref: `${domainUrl}/admin/v1/Users/${user.id}`,
    };
  });
}

export function trustsSpec(users: Collection): CollectionSpec {
  return {
    resourceType: "IdentityPropagationTrust",
    endpoint: "IdentityPropagationTrusts",
    schema: TRUST_SCHEMA,
    readOnly: READ_ONLY,
    immutable: new Set(["name"]),
    returnedOnRequest: new Set(["impersonationServiceUsers"]),
    sortBy: "name",
    assign(trust, req) {
      trust.id = randomBytes(16).toString("hex");
      trust.ocid = `ocid1.identitypropagationtrust.oc1..aaaaaaaa${randomBytes(22).toString("hex")}`;
      trust.idcsCreatedBy = { value: req.principalId, type: "User" };
      trust.active ??= false;
    },
    validate(trust, others, req) {
      validateRequired(trust, others);
      validateOptional(trust);
      normalizeServiceUsers(trust, users, req.domain.url);
    },
  };
}
