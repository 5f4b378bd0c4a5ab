// What setup's own user may do, as exact policy statements (printed with every plan), and, for a 401, 403 or
// 404 from one of its calls, the statement that call needs (OCI answers 404 NotAuthorizedOrNotFound when
// a permission is missing, so a 404 on a list or create is most often exactly that).
import { compartmentClause } from "../deploy/iam.js";

const SETUP_GROUP = "<the group of the user running setup>";

interface PermissionContext {
  tenancyId: string;
  compartmentId: string;
  identityDomainName: string;
}

type Need =
  | "repos"
  | "fnApp"
  | "fnFunction"
  | "network"
  | "gateways"
  | "workRequests"
  | "iamDg"
  | "iamPolicy"
  | "domain";

function statement(need: Need, ctx: PermissionContext): string {
  const where = compartmentClause(ctx.compartmentId, ctx.tenancyId);
  switch (need) {
    case "repos":
      return `Allow group ${SETUP_GROUP} to manage repos in ${where}`;
    case "fnApp":
      return `Allow group ${SETUP_GROUP} to manage fn-app in ${where}`;
    case "fnFunction":
      return `Allow group ${SETUP_GROUP} to read fn-function in ${where}`;
    case "network":
      return `Allow group ${SETUP_GROUP} to use virtual-network-family in ${where}`;
    case "gateways":
      return `Allow group ${SETUP_GROUP} to manage api-gateways in ${where}`;
    case "workRequests":
      return `Allow group ${SETUP_GROUP} to read api-workrequests in ${where}`;
    case "iamDg":
      return ctx.identityDomainName === "Default"
        ? `Allow group ${SETUP_GROUP} to manage dynamic-groups in tenancy`
        : `Allow group ${SETUP_GROUP} to manage domains in tenancy`;
    case "iamPolicy":
      return `Allow group ${SETUP_GROUP} to manage policies in tenancy`;
    case "domain":
      return `Allow group ${SETUP_GROUP} to manage domains in tenancy`;
  }
}

const CALLS: Record<string, Need[]> = {
  ListContainerRepositories: ["repos"],
  CreateContainerRepository: ["repos"],
  UpdateContainerRepository: ["repos"],
  ListApplications: ["fnApp"],
  GetApplication: ["fnApp"],
  CreateApplication: ["fnApp", "network"],
  ListFunctions: ["fnFunction"],
  ListGateways: ["gateways"],
  GetGateway: ["gateways"],
  CreateGateway: ["gateways", "network"],
  GetWorkRequest: ["workRequests"],
  ListWorkRequestErrors: ["workRequests"],
  ListDynamicGroups: ["iamDg"],
  CreateDynamicGroup: ["iamDg"],
  UpdateDynamicGroup: ["iamDg"],
  ListDynamicResourceGroups: ["iamDg"],
  CreateDynamicResourceGroup: ["iamDg"],
  PatchDynamicResourceGroup: ["iamDg"],
  ListPolicies: ["iamPolicy"],
  CreatePolicy: ["iamPolicy"],
  UpdatePolicy: ["iamPolicy"],
  ListApps: ["domain"],
  GetApp: ["domain"],
  CreateApp: ["domain"],
  PatchApp: ["domain"],
  PutAppStatusChanger: ["domain"],
  // keyless: true
  ListUsers: ["domain"],
  CreateUser: ["domain"],
  ListGroups: ["domain"],
  CreateGroup: ["domain"],
  PatchGroup: ["domain"],
  ListIdentityPropagationTrusts: ["domain"],
  CreateIdentityPropagationTrust: ["domain"],
  PutIdentityPropagationTrust: ["domain"],
};

/** Every statement setup's user needs, without repeats, in the order of the steps. */
export function setupPermissions(ctx: PermissionContext): string[] {
  const needs = new Set(Object.values(CALLS).flat());
  return [...new Set([...needs].map((need) => statement(need, ctx)))];
}

/** The `hint` for ociCall: on 401/403/404, the statements the call needs. */
export function permissionHint(call: string, ctx: PermissionContext): (status: number) => string | undefined {
  return (status) => {
    if (status !== 401 && status !== 403 && status !== 404) return undefined;
    const needs = CALLS[call] ?? [];
    if (needs.length === 0) return undefined;
    const role = /User|Group|IdentityPropagationTrust/.test(call)
      ? "Identity Domain Administrator"
      : "Application Administrator";
    const domainNote = needs.includes("domain")
      ? ` (or give the user the ${role} role in identity domain ${ctx.identityDomainName})`
      : "";
    return `the user may lack this permission: ${needs.map((n) => statement(n, ctx)).join("; ")}${domainNote}`;
  };
}
