// The two IAM resource kinds setup writes: dynamic groups (a matching rule, in the tenancy) and policies
// (statements, in the tenancy or a compartment), each with its checks against grammar.ts.
import { apiErrors } from "../core/errors.js";
import { optionalString, requiredString } from "../core/resources.js";
import { GrammarError, parseMatchingRule, parseStatement } from "./grammar.js";

export interface IamResource {
  id: string;
  compartmentId: string;
  name: string;
  description: string;
  timeCreated: string;
  lifecycleState: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
}

export interface DynamicGroupResource extends IamResource {
  matchingRule: string;
}

export interface PolicyResource extends IamResource {
  statements: string[];
  versionDate?: string;
}

/** What differs between the IAM resource kinds (dynamic groups and policies share their routes). */
export interface Kind<T extends IamResource> {
  path: string;
  ocidType: string;
  label: string;
  /** 409 code of a duplicate name (PolicyAlreadyExists is seen in the wild; the other is by analogy). */
  duplicateCode: string;
  /** Validated kind-specific fields of a create body. */
  create(body: Record<string, unknown>): Partial<T>;
  /** Validated kind-specific fields of an update body (absent fields keep their values). */
  update(body: Record<string, unknown>, current: T): Partial<T>;
  /** Where the resource may live. */
  checkCompartment(compartmentId: string): void;
}

function matchingRule(rule: string): string {
  try {
    parseMatchingRule(rule);
  } catch (err) {
    if (err instanceof GrammarError) throw apiErrors.invalid(`Invalid matching rule: ${err.message}`); // unconfirmed text
    throw err;
  }
  return rule;
}

export function dynamicGroupKind(tenancyId: string): Kind<DynamicGroupResource> {
  return {
    path: "dynamicGroups",
    ocidType: "dynamicgroup",
    label: "Dynamic group",
    duplicateCode: "DynamicGroupAlreadyExists",
    create: (body) => ({ matchingRule: matchingRule(requiredString(body, "matchingRule")) }),
    update: (body, current) => {
      const rule = optionalString(body, "matchingRule");
      return { matchingRule: rule === undefined ? current.matchingRule : matchingRule(rule) };
    },
    checkCompartment(compartmentId) {
      // Dynamic groups live in the tenancy (CreateDynamicGroupDetails: "the OCID of the tenancy").
      if (compartmentId !== tenancyId)
        throw apiErrors.invalid(`compartmentId must be the tenancy's OCID (${tenancyId})`);
    },
  };
}

interface PolicyRules {
  compartments: Set<string>;
  /** Resource types a statement may name; undefined accepts any. */
  resourceTypes: readonly string[] | undefined;
  maxStatements: number;
}

function statements(value: unknown, required: boolean, rules: PolicyRules): string[] {
  if (value == null && required) throw apiErrors.missing("statements");
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string"))
    throw apiErrors.invalid("statements must be an array of strings");
  if (value.length === 0) throw apiErrors.invalid("statements must hold at least one statement");
  if (value.length > rules.maxStatements)
    throw apiErrors.invalid(`a policy holds at most ${rules.maxStatements} statements`);
  value.forEach((statement: string, i) => {
    try {
      parseStatement(statement, rules.resourceTypes);
    } catch (err) {
      if (!(err instanceof GrammarError)) throw err;
      // unconfirmed text; the code is OCI's.
      throw apiErrors.invalid(`Invalid policy statement ${i + 1} "${statement}": ${err.message}`);
    }
  });
  return [...value];
}

function versionDate(body: Record<string, unknown>): { versionDate?: string } {
  const v = optionalString(body, "versionDate");
  if (v === undefined) return {};
  if (!Number.isFinite(Date.parse(v))) throw apiErrors.invalid("versionDate must be an RFC 3339 date");
  return { versionDate: v };
}

export function policyKind(rules: PolicyRules): Kind<PolicyResource> {
  return {
    path: "policies",
    ocidType: "policy",
    label: "Policy",
    duplicateCode: "PolicyAlreadyExists",
    create: (body) => ({
      statements: statements(body.statements, true, rules),
      ...versionDate(body),
    }),
    update: (body, current) => ({
      statements: body.statements == null ? current.statements : statements(body.statements, false, rules),
      ...versionDate(body),
    }),
    checkCompartment(compartmentId) {
      if (!rules.compartments.has(compartmentId))
        throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
    },
  };
}
