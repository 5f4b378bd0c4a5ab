// The emulated OCI Identity API (IdentityClient, base /20160918), as far as setup needs it: dynamic groups and
// policies in the Default domain. Names are unique in the tenancy; a new resource is CREATING, then ACTIVE
// after `lifecycleDelayMs` (IdentityClient's docs: "the new object's lifecycleState will temporarily be
// CREATING"). Matching rules and statements are parsed against grammar.ts; a malformed one is 400
// InvalidParameter, as OCI answers it (oracle/terraform-provider-oci #1335).
//
// Wire shapes follow oci-identity 2.139.1 (lib/client.js and lib/model). Choices the public record does not
// settle are marked "unconfirmed" and listed in sandbox/README.md.
import type { OciAuthority } from "../core/auth.js";
import { apiErrors, OciApiError } from "../core/errors.js";
import { FaultInjector } from "../core/faults.js";
import {
  type ControlPlaneStats,
  type Route,
  type ServiceRequest,
  startControlPlane,
} from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  jsonBody,
  listPage,
  optionalString,
  type PagingSettings,
  randomOcid,
  requiredString,
  sleep,
} from "../core/resources.js";
import { GrammarError, KNOWN_RESOURCE_TYPES, parseMatchingRule, parseStatement } from "./grammar.js";

const IAM_BASE_PATH = "/20160918";

const STATES = ["CREATING", "ACTIVE", "INACTIVE", "DELETING", "DELETED"];

interface IamResource {
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

export interface IamOptions {
  authority: OciAuthority;
  tenancyId: string;
  /** Compartments policies may live in (the tenancy included). */
  compartments: Iterable<string>;
  faults?: FaultInjector;
  /** How long a new dynamic group or policy stays CREATING (default 0: ACTIVE when next read). */
  lifecycleDelayMs?: number;
  /** Resource types a statement may name (default: grammar.ts's list); "any" accepts any. */
  resourceTypes?: readonly string[] | "any";
  /** Most statements in one policy (unconfirmed; OCI documents 50 per policy). */
  maxStatements?: number;
  paging?: Partial<PagingSettings>;
  port?: number;
}

export interface IamService {
  url: string;
  stats: ControlPlaneStats;
  faults: FaultInjector;
  dynamicGroups(): DynamicGroupResource[];
  policies(): PolicyResource[];
  /** Resolve when every new resource is ACTIVE. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface Stored<T extends IamResource> {
  resource: T;
  etag: string;
}

/** The create/read/update routes of one IAM resource kind (dynamic groups and policies share them). */
interface Kind<T extends IamResource> {
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

export async function startIam(opts: IamOptions): Promise<IamService> {
  const faults = opts.faults ?? new FaultInjector("iam");
  const compartments = new Set(opts.compartments);
  const delayMs = opts.lifecycleDelayMs ?? 0;
  const paging: PagingSettings = { defaultLimit: 100, maxLimit: 1000, ...opts.paging }; // unconfirmed
  const resourceTypes =
    opts.resourceTypes === "any" ? undefined : (opts.resourceTypes ?? KNOWN_RESOURCE_TYPES);
  const maxStatements = opts.maxStatements ?? 50;
  const pending = new Set<Promise<void>>();
  let closed = false;

  const dynamicGroupKind: Kind<DynamicGroupResource> = {
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
      if (compartmentId !== opts.tenancyId)
        throw apiErrors.invalid(`compartmentId must be the tenancy's OCID (${opts.tenancyId})`);
    },
  };
  const policyKind: Kind<PolicyResource> = {
    path: "policies",
    ocidType: "policy",
    label: "Policy",
    duplicateCode: "PolicyAlreadyExists",
    create: (body) => ({
      statements: statements(body.statements, true),
      ...versionDate(body),
    }),
    update: (body, current) => ({
      statements: body.statements == null ? current.statements : statements(body.statements, false),
      ...versionDate(body),
    }),
    checkCompartment(compartmentId) {
      if (!compartments.has(compartmentId))
        throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
    },
  };

  function matchingRule(rule: string): string {
    try {
      parseMatchingRule(rule);
    } catch (err) {
      if (err instanceof GrammarError) throw apiErrors.invalid(`Invalid matching rule: ${err.message}`); // unconfirmed text
      throw err;
    }
    return rule;
  }

  function statements(value: unknown, required: boolean): string[] {
    if (value == null && required) throw apiErrors.missing("statements");
    if (!Array.isArray(value) || !value.every((s) => typeof s === "string"))
      throw apiErrors.invalid("statements must be an array of strings");
    if (value.length === 0) throw apiErrors.invalid("statements must hold at least one statement");
    if (value.length > maxStatements)
      throw apiErrors.invalid(`a policy holds at most ${maxStatements} statements`);
    value.forEach((statement: string, i) => {
      try {
        parseStatement(statement, resourceTypes);
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

  function track(stored: Stored<IamResource>): void {
    const p = (async () => {
      await sleep(delayMs);
      if (closed) return;
      stored.resource.lifecycleState = "ACTIVE";
      stored.etag = etagOf(stored.resource);
    })().finally(() => pending.delete(p));
    pending.add(p);
  }

  function routesOf<T extends IamResource>(
    kind: Kind<T>,
  ): { routes: Route[]; items: Map<string, Stored<T>> } {
    const items = new Map<string, Stored<T>>();
    const find = (id: string): Stored<T> => {
      const stored = items.get(id);
      if (!stored || stored.resource.lifecycleState === "DELETED") throw apiErrors.notFound();
      return stored;
    };
    const answer = (stored: Stored<T>, status = 200) => ({
      status,
      body: structuredClone(stored.resource),
      headers: { etag: stored.etag },
    });

    function create(req: ServiceRequest) {
      const body = jsonBody(req);
      const compartmentId = requiredString(body, "compartmentId");
      const name = requiredString(body, "name");
      if (body.description === undefined || body.description === null) throw apiErrors.missing("description");
      const description = optionalString(body, "description") ?? "";
      if (!/^[A-Za-z0-9_.+@-]{1,100}$/.test(name)) {
        throw apiErrors.invalid(`name ${name} must be 1 to 100 letters, digits, or _ . + @ -`); // unconfirmed
      }
      kind.checkCompartment(compartmentId);
      const fields = kind.create(body);
      for (const other of items.values()) {
        if (
          other.resource.name.toLowerCase() === name.toLowerCase() &&
          other.resource.lifecycleState !== "DELETED"
        )
          throw new OciApiError(409, kind.duplicateCode, `${kind.label} '${name}' already exists`);
      }
      const resource = {
        id: randomOcid(kind.ocidType, ""),
        compartmentId,
        name,
        description,
        ...fields,
        timeCreated: new Date().toISOString(),
        lifecycleState: "CREATING",
        freeformTags: freeformTags(body) ?? {},
        definedTags: definedTags(body) ?? {},
      } as T;
      const stored: Stored<T> = { resource, etag: etagOf(resource) };
      items.set(resource.id, stored);
      track(stored);
      return answer(stored);
    }

    function update(req: ServiceRequest, id: string) {
      const stored = find(id);
      checkIfMatch(req, stored.etag);
      const body = jsonBody(req);
      for (const field of ["name", "compartmentId"]) {
        if (body[field] != null) throw apiErrors.invalid(`${field} cannot be changed`);
      }
      const r = stored.resource;
      Object.assign(r, kind.update(body, r));
      r.description = optionalString(body, "description") ?? r.description;
      r.freeformTags = freeformTags(body) ?? r.freeformTags;
      r.definedTags = definedTags(body) ?? r.definedTags;
      stored.etag = etagOf(r);
      return answer(stored);
    }

    const base = new RegExp(`^/${kind.path}$`);
    const one = new RegExp(`^/${kind.path}/([^/]+)$`);
    const routes: Route[] = [
      {
        method: "GET",
        pattern: base,
        run(req) {
          const compartmentId = req.query.get("compartmentId");
          if (!compartmentId) throw apiErrors.missing("compartmentId");
          const name = req.query.get("name");
          const { page, headers } = listPage(
            [...items.values()].map((s) => s.resource),
            req.query,
            {
              states: STATES,
              matches: (r) => r.compartmentId === compartmentId && (name === null || r.name === name),
              sortKeys: { TIMECREATED: (r) => r.timeCreated, NAME: (r) => r.name.toLowerCase() },
              paging,
            },
          );
          return { status: 200, body: structuredClone(page), headers };
        },
      },
      { method: "POST", pattern: base, write: "create", run: (req) => create(req) },
      { method: "GET", pattern: one, run: (_req, [id]) => answer(find(id!)) },
      { method: "PUT", pattern: one, write: "update", run: (req, [id]) => update(req, id!) },
    ];
    return { routes, items };
  }

  const dynamicGroups = routesOf(dynamicGroupKind);
  const policies = routesOf(policyKind);
  const server = await startControlPlane(IAM_BASE_PATH, { ...opts, faults }, [
    ...dynamicGroups.routes,
    ...policies.routes,
  ]);
  return {
    url: server.url,
    stats: server.stats,
    faults,
    dynamicGroups: () => [...dynamicGroups.items.values()].map((s) => structuredClone(s.resource)),
    policies: () => [...policies.items.values()].map((s) => structuredClone(s.resource)),
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      await Promise.all([...pending]);
      await server.close();
    },
  };
}
