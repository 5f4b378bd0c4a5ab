// One SCIM resource collection of the Identity Domains admin API (RFC 7644 §3): create (201), get, list with
// `filter`, put, patch (PatchOp) and delete (204), with `meta` and its version as the ETag, If-Match, the
// attributes only the domain sets, the ones a client sets at creation only, and the ones returned only on
// request (SCIM++ `returned: request`, as the oci-identitydomains models mark them). Users and Identity
// Propagation Trusts are collections; Apps keep their own model (admin-model.ts).
import { etagOf } from "../core/resources.js";
import type { AdminRequest, Answer } from "./admin-model.js";
import {
  applyPatch,
  checkIfMatch,
  jsonBody,
  type ListParams,
  listResponse,
  requireSchema,
  SCIM_PATCH_SCHEMA,
  SCIM_SEARCH_SCHEMA,
  scimErrors,
} from "./scim.js";

export type ScimResource = Record<string, unknown> & { id: string };

export interface CollectionSpec {
  /** `meta.resourceType`, e.g. "User". */
  resourceType: string;
  /** The path segment under /admin/v1, e.g. "Users". */
  endpoint: string;
  schema: string;
  /** Attributes only the domain sets (a client's values are dropped on create, kept on put, 400 on patch). */
  readOnly: ReadonlySet<string>;
  /** Attributes a client sets at creation only (400 mutability when a put or patch changes them). */
  immutable: ReadonlySet<string>;
  /** Attributes left out of answers unless `attributes` (or `attributeSets=all`) asks for them. */
  returnedOnRequest: ReadonlySet<string>;
  /** Default `sortBy` of a list. */
  sortBy: string;
  /** The domain's attributes of a new resource (`id`, `ocid` …). */
  assign(resource: ScimResource, req: AdminRequest): void;
  /** Throws a ScimError when the resource is not acceptable; may normalise it. */
  validate(resource: ScimResource, others: ScimResource[], req: AdminRequest): void;
}

export interface Collection {
  create(req: AdminRequest): Answer;
  get(req: AdminRequest, id: string): Answer;
  list(req: AdminRequest): Answer;
  /** POST …/.search: a SearchRequest body instead of the query. */
  search(req: AdminRequest): Answer;
  put(req: AdminRequest, id: string): Answer;
  patch(req: AdminRequest, id: string): Answer;
  remove(req: AdminRequest, id: string): Answer;
  /** Copies of every resource, request-only attributes included. */
  all(): ScimResource[];
  /** The stored resource (not a copy), for the domain's own use. */
  find(id: string): ScimResource | undefined;
}

const versionOf = (r: ScimResource) => (r.meta as { version: string }).version;

export function scimCollection(
  spec: CollectionSpec,
  limits: { defaultCount: number; maxCount: number; now: () => number },
): Collection {
  const store = new Map<string, ScimResource>();

  function stamp(resource: ScimResource, req: AdminRequest, previous?: ScimResource): void {
    const time = new Date(limits.now()).toISOString();
    const created = (previous?.meta as { created?: string } | undefined)?.created ?? time;
    resource.meta = {
      resourceType: spec.resourceType,
      created,
      lastModified: time,
      location: `${req.domain.url}/admin/v1/${spec.endpoint}/${resource.id}`,
    };
    (resource.meta as Record<string, string>).version = etagOf({ ...resource, meta: undefined });
  }

  /** The attributes the caller asked for beyond the default set (`attributes=a,b`, `attributeSets=all`). */
  function requested(req: AdminRequest): (name: string) => boolean {
    const sets = (req.query.get("attributeSets") ?? "").toLowerCase().split(",");
    const names = (req.query.get("attributes") ?? "")
      .split(",")
      .map((a) => a.trim().toLowerCase())
      .filter((a) => a !== "");
    return (name) => sets.includes("all") || names.includes(name.toLowerCase());
  }

  function shown(resource: ScimResource, req: AdminRequest): ScimResource {
    const out = structuredClone(resource);
    const asked = requested(req);
    for (const name of spec.returnedOnRequest) if (!asked(name)) delete out[name];
    return out;
  }

  function answer(resource: ScimResource, req: AdminRequest, status = 200): Answer {
    return { status, body: shown(resource, req), headers: { etag: versionOf(resource) } };
  }

  function found(id: string): ScimResource {
    const resource = store.get(id);
    if (!resource) throw scimErrors.notFound();
    return resource;
  }

  function listed(req: AdminRequest, params: ListParams): Answer {
    const body = listResponse([...store.values()], params, { ...limits, sortBy: spec.sortBy });
    body.Resources = body.Resources.map((r) => shown(r, req));
    return { status: 200, body };
  }

  const others = (id: string) => [...store.values()].filter((r) => r.id !== id);

  function save(resource: ScimResource, req: AdminRequest, previous?: ScimResource): void {
    spec.validate(resource, others(resource.id), req);
    stamp(resource, req, previous);
    store.set(resource.id, resource);
  }

  /** A put's or patch's result: read-only attributes keep their values, immutable ones may not change. */
  function replace(req: AdminRequest, current: ScimResource, next: Record<string, unknown>): Answer {
    const resource = { ...next, id: current.id } as ScimResource;
    for (const name of spec.readOnly) resource[name] = current[name];
    for (const name of spec.immutable) {
      if (JSON.stringify(resource[name]) !== JSON.stringify(current[name]))
        throw scimErrors.mutability(`The attribute ${name} is immutable`);
    }
    save(resource, req, current);
    return answer(resource, req);
  }

  return {
    create(req) {
      const body = jsonBody(req.body);
      requireSchema(body, spec.schema);
      const resource = structuredClone(body) as ScimResource;
      for (const name of spec.readOnly) if (name !== "schemas") delete resource[name];
      spec.assign(resource, req);
      save(resource, req);
      return answer(resource, req, 201);
    },
    get: (req, id) => answer(found(id), req),
    list: (req) => listed(req, Object.fromEntries(req.query)),
    search(req) {
      const body = jsonBody(req.body);
      requireSchema(body, SCIM_SEARCH_SCHEMA);
      return listed(req, body);
    },
    put(req, id) {
      const current = found(id);
      checkIfMatch(req.headers, versionOf(current));
      const body = jsonBody(req.body);
      requireSchema(body, spec.schema);
      return replace(req, current, body);
    },
    patch(req, id) {
      const current = found(id);
      checkIfMatch(req.headers, versionOf(current));
      const body = jsonBody(req.body);
      requireSchema(body, SCIM_PATCH_SCHEMA);
      if (!Array.isArray(body.Operations) || body.Operations.length === 0)
        throw scimErrors.invalidSyntax("Operations must hold at least one operation");
      return replace(req, current, applyPatch(current, body.Operations, spec.readOnly));
    },
    remove(req, id) {
      checkIfMatch(req.headers, versionOf(found(id)));
      store.delete(id);
      return { status: 204 };
    },
    all: () => [...store.values()].map((r) => structuredClone(r)),
    find: (id) => store.get(id),
  };
}
