// SCIM 2.0 pieces the Identity Domains admin emulator needs (RFC 7644): the filter subset `attr eq "v"`
// joined by `and`, PatchOp operations on top-level attributes, and the error envelope.

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

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
