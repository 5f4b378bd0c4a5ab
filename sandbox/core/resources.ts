// Helpers the OCI control planes share: JSON bodies and their members, OCIDs, ETags and If-Match, opaque
// page tokens, sorting and List calls as OCI answers them.
import { createHash, randomBytes } from "node:crypto";
import { apiErrors } from "./errors.js";
import type { ServiceRequest } from "./pipeline.js";

/** What every resource of the control planes carries. */
export interface OciResource {
  id: string;
  displayName: string;
  compartmentId: string;
  lifecycleState: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  timeCreated: string;
  timeUpdated: string;
}

/** The JSON object of a request body; 400 CannotParseRequest otherwise. */
export function jsonBody(req: ServiceRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw apiErrors.cannotParse();
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw apiErrors.cannotParse("The request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** A fresh OCID of the sandbox region: ocid1.<type>.oc1.<region-key>.<60 lower-case base32 characters>. */
export function randomOcid(type: string, regionKey: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let body = "";
  for (const byte of randomBytes(52)) body += alphabet[byte % 32];
  return `ocid1.${type}.oc1.${regionKey}.aaaaaaaa${body}`;
}

/** An ETag of a resource's content: it changes whenever anything the client can see changes. */
export function etagOf(resource: unknown): string {
  return createHash("sha256").update(JSON.stringify(resource)).digest("hex");
}

/** Check `if-match` (absent or `*` matches anything); 412 NoEtagMatch otherwise. */
export function checkIfMatch(req: ServiceRequest, etag: string): void {
  const wanted = req.headers["if-match"];
  if (wanted === undefined || wanted === "*" || wanted === etag) return;
  throw apiErrors.noEtagMatch();
}

export interface PagingSettings {
  defaultLimit: number;
  maxLimit: number;
}

/**
 * One page of `items` (already filtered and sorted). The token is opaque and bound to the query it came
 * from (every parameter but `page` and `limit`), so a token of another query is refused with 400.
 */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  settings: PagingSettings,
): { page: T[]; headers: Record<string, string> } {
  const limitText = query.get("limit");
  let limit = settings.defaultLimit;
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= settings.maxLimit)) {
      throw apiErrors.invalid(`limit must be an integer from 1 to ${settings.maxLimit}`); // unconfirmed text
    }
  }
  const rest = [...query.entries()]
    .filter(([k]) => k !== "page" && k !== "limit")
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  const hash = createHash("sha256").update(JSON.stringify(rest)).digest("base64url").slice(0, 12);
  let offset = 0;
  const token = query.get("page");
  if (token !== null) {
    const text = Buffer.from(token, "base64url").toString("utf8");
    const m = /^(\d{1,9})\.([A-Za-z0-9_-]{12})$/.exec(text);
    if (Buffer.from(text).toString("base64url") !== token || !m || m[2] !== hash) {
      throw apiErrors.invalid("Invalid page token"); // unconfirmed text
    }
    offset = Number(m[1]);
  }
  const page = items.slice(offset, offset + limit);
  const headers: Record<string, string> = {};
  const next = offset + page.length;
  if (next < items.length) headers["opc-next-page"] = Buffer.from(`${next}.${hash}`).toString("base64url");
  return { page, headers };
}

/** Sort by `sortBy` (one of `allowed`, the first is the default) and `sortOrder` (ASC default); ids break ties. */
export function sortItems<T extends { id: string }>(
  items: T[],
  query: URLSearchParams,
  allowed: Record<string, (item: T) => string>,
): T[] {
  const names = Object.keys(allowed);
  const sortBy = query.get("sortBy") ?? names[0]!;
  const key = allowed[sortBy];
  if (!key) throw apiErrors.invalid(`sortBy must be one of ${names.join(", ")}`);
  const order = query.get("sortOrder") ?? "ASC";
  if (order !== "ASC" && order !== "DESC") throw apiErrors.invalid("sortOrder must be ASC or DESC");
  const sign = order === "ASC" ? 1 : -1;
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x !== y) return x < y ? -sign : sign;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** What a List call filters on besides the lifecycle state, and how it may sort. */
interface ListSpec<T> {
  /** The lifecycle states the service knows (`lifecycleState` outside them is a 400). */
  states: readonly string[];
  /** The query's own filters (compartment, parent, displayName, id ...). */
  matches: (item: T) => boolean;
  /** `sortBy` values and their keys; the first is the default. */
  sortKeys: Record<string, (item: T) => string>;
  paging: PagingSettings;
}

/**
 * One page of a List call as OCI control planes answer it: `lifecycleState` filters (DELETED resources are
 * hidden unless asked for), then the call's own filters, `sortBy`/`sortOrder`, and `limit`/`page`.
 */
export function listPage<T extends { id: string; lifecycleState: string }>(
  items: Iterable<T>,
  query: URLSearchParams,
  spec: ListSpec<T>,
): { page: T[]; headers: Record<string, string> } {
  const state = query.get("lifecycleState") ?? undefined;
  if (state !== undefined && !spec.states.includes(state)) {
    throw apiErrors.invalid(`lifecycleState must be one of ${spec.states.join(", ")}`);
  }
  const kept = [...items].filter(
    (item) =>
      (state === undefined ? item.lifecycleState !== "DELETED" : item.lifecycleState === state) &&
      spec.matches(item),
  );
  return paginate(sortItems(kept, query, spec.sortKeys), query, spec.paging);
}

/** Optional string member of a JSON body; 400 when present with another type. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw apiErrors.invalid(`${name} must be a string`);
  return v;
}

export function requiredString(body: Record<string, unknown>, name: string): string {
  const v = optionalString(body, name);
  if (v === undefined || v === "") throw apiErrors.missing(name);
  return v;
}

export function isOcid(value: string, ...types: string[]): boolean {
  const m = /^ocid1\.([a-z0-9]+)\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9]+$/.exec(value);
  return m !== null && (types.length === 0 || types.includes(m[1]!));
}

export const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) resolve();
    else setTimeout(resolve, ms).unref();
  });

/** Free-form tags: an object of strings, or absent. */
export function freeformTags(body: Record<string, unknown>): Record<string, string> | undefined {
  const v = body.freeformTags;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "string")) {
    throw apiErrors.invalid("freeformTags must be an object of strings");
  }
  return { ...(v as Record<string, string>) };
}

export function definedTags(
  body: Record<string, unknown>,
): Record<string, Record<string, unknown>> | undefined {
  const v = body.definedTags;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw apiErrors.invalid("definedTags must be an object");
  return structuredClone(v as Record<string, Record<string, unknown>>);
}
