// SCIM 2.0 pieces the Identity Domains admin emulator needs (RFC 7644): the filter subset `attr eq "v"`
// joined by `and`, PatchOp operations on top-level attributes, and the error envelope.

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SCIM_SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/** A SCIM error answer: HTTP status, optional scimType (RFC 7644 §3.12) and detail. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: string,
  ) {
    super(message);
  }
}

export const scimErrors = {
  invalidValue: (detail: string) => new ScimError(400, detail, "invalidValue"),
  invalidFilter: (detail: string) => new ScimError(400, detail, "invalidFilter"),
  invalidSyntax: (detail: string) => new ScimError(400, detail, "invalidSyntax"),
  invalidPath: (detail: string) => new ScimError(400, detail, "invalidPath"),
  mutability: (detail: string) => new ScimError(400, detail, "mutability"),
  uniqueness: (detail: string) => new ScimError(409, detail, "uniqueness"),
  notFound: (detail = "The requested resource was not found.") => new ScimError(404, detail),
  preconditionFailed: () => new ScimError(412, "The If-Match header does not match the resource's version."),
};

/** A request body that must be one JSON object (400 invalidSyntax otherwise). */
export function jsonBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw scimErrors.invalidSyntax("The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw scimErrors.invalidSyntax("The request body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

export function requireSchema(body: Record<string, unknown>, schema: string): void {
  if (!Array.isArray(body.schemas) || !body.schemas.includes(schema))
    throw scimErrors.invalidValue(`schemas must include ${schema}`);
}

/** `if-match` against a resource's version (absent or `*` matches anything); 412 otherwise. */
export function checkIfMatch(headers: { "if-match"?: string }, version: string): void {
  const wanted = headers["if-match"];
  if (wanted !== undefined && wanted !== "*" && wanted !== version) throw scimErrors.preconditionFailed();
}

export type Filter = Array<{ attribute: string; value: string | boolean }>;

/** `displayName eq "x" and isOAuthClient eq true`; attribute names compare case-insensitively (RFC 7644 §3.4.2.2). */
export function parseFilter(text: string): Filter {
  const parts = text.split(/\s+and\s+/i);
  return parts.map((part) => {
    const m = /^\s*([A-Za-z][A-Za-z0-9_.]*)\s+eq\s+(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*$/i.exec(part);
    if (!m)
      throw scimErrors.invalidFilter(
        `The filter "${text}" is not supported: use attribute eq "value" [and ...]`,
      );
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!.toLowerCase() === "true";
    return { attribute: m[1]!, value };
  });
}

/** String values compare case-insensitively unless caseExact; the sandbox treats `id` and `name` as exact. */
export function matchesFilter(resource: Record<string, unknown>, filter: Filter): boolean {
  return filter.every(({ attribute, value }) => {
    const key = Object.keys(resource).find((k) => k.toLowerCase() === attribute.toLowerCase());
    const actual = key === undefined ? undefined : resource[key];
    if (typeof value === "boolean") return actual === value;
    if (typeof actual !== "string") return false;
    return key === "id" || key === "name" ? actual === value : actual.toLowerCase() === value.toLowerCase();
  });
}

interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

/** `attr` or `attr[value eq "x"]` (a filter on a multi-valued attribute's `value`). */
function parsePath(path: string): { attribute: string; valueFilter?: string } {
  const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\[value eq "([^"]*)"\])?$/.exec(path);
  if (!m) throw scimErrors.invalidPath(`The path "${path}" is not supported`);
  return { attribute: m[1]!, valueFilter: m[2] };
}

/**
 * Apply PatchOp operations to a copy of `resource`: add (appends to arrays), replace, remove. `readOnly` names
 * attributes a client may not touch (400 mutability).
 */
export function applyPatch(
  resource: Record<string, unknown>,
  operations: PatchOperation[],
  readOnly: ReadonlySet<string>,
): Record<string, unknown> {
  const out = structuredClone(resource);
  for (const operation of operations) {
    const op = String(operation.op).toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove")
      throw scimErrors.invalidSyntax(`op "${operation.op}" must be add, replace or remove`);
    if (operation.path === undefined) {
      if (op === "remove") throw scimErrors.invalidPath("remove needs a path");
      if (operation.value === null || typeof operation.value !== "object" || Array.isArray(operation.value))
        throw scimErrors.invalidSyntax("an operation without a path needs an object value");
      for (const [k, v] of Object.entries(operation.value)) applyOne(out, op, { attribute: k }, v, readOnly);
      continue;
    }
    applyOne(out, op, parsePath(operation.path), operation.value, readOnly);
  }
  return out;
}

function applyOne(
  out: Record<string, unknown>,
  op: string,
  path: { attribute: string; valueFilter?: string },
  value: unknown,
  readOnly: ReadonlySet<string>,
): void {
  const { attribute, valueFilter } = path;
  if (readOnly.has(attribute)) throw scimErrors.mutability(`The attribute ${attribute} is read-only`);
  const current = out[attribute];
  if (valueFilter !== undefined) {
    if (op !== "remove") throw scimErrors.invalidPath("a value filter is supported with remove only");
    if (Array.isArray(current))
      out[attribute] = current.filter((item) => (item as { value?: unknown })?.value !== valueFilter);
    return;
  }
  if (op === "remove") delete out[attribute];
  else if (op === "add" && Array.isArray(current))
    out[attribute] = [...current, ...(Array.isArray(value) ? value : [value])];
  else out[attribute] = structuredClone(value);
}

export interface ListParams {
  filter?: unknown;
  sortBy?: unknown;
  sortOrder?: unknown;
  startIndex?: unknown;
  count?: unknown;
}

function nonNegativeInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw scimErrors.invalidValue(`${name} must be a non-negative integer`);
  return n;
}

/** A SCIM ListResponse body: filter, sort by `sortBy` (default displayName), startIndex (1-based), count. */
export function listResponse(
  resources: Array<Record<string, unknown> & { id: string }>,
  params: ListParams,
  limits: { defaultCount: number; maxCount: number; sortBy?: string },
) {
  let filter: Filter = [];
  if (typeof params.filter === "string" && params.filter !== "") filter = parseFilter(params.filter);
  const startIndex = Math.max(1, nonNegativeInteger(params.startIndex, "startIndex", 1));
  const count = Math.min(limits.maxCount, nonNegativeInteger(params.count, "count", limits.defaultCount));
  const sortBy = typeof params.sortBy === "string" ? params.sortBy : (limits.sortBy ?? "displayName");
  const sign = String(params.sortOrder ?? "ascending").toLowerCase() === "descending" ? -1 : 1;
  const matched = resources
    .filter((r) => matchesFilter(r, filter))
    .sort(
      (a, b) =>
        sign * String(a[sortBy] ?? "").localeCompare(String(b[sortBy] ?? "")) || (a.id < b.id ? -1 : 1),
    );
  const page = matched.slice(startIndex - 1, startIndex - 1 + count);
  return {
    schemas: [SCIM_LIST_SCHEMA],
    totalResults: matched.length,
    Resources: structuredClone(page),
    startIndex,
    itemsPerPage: page.length,
  };
}
