// One IAM resource kind's store: names unique in the tenancy (case-insensitive), a new resource CREATING
// until `delayMs` has passed, updates with If-Match; the kind (kinds.ts) adds its own fields and checks.
import { apiErrors, OciApiError } from "../core/errors.js";
import {
  definedTags,
  etagOf,
  freeformTags,
  optionalString,
  randomOcid,
  requiredString,
  sleep,
} from "../core/resources.js";
import type { IamResource, Kind } from "./kinds.js";

export interface Stored<T extends IamResource> {
  resource: T;
  etag: string;
}

/** Background work shared by every kind's store (settle and close wait for it). */
export class Lifecycle {
  readonly pending = new Set<Promise<void>>();
  closed = false;

  constructor(readonly delayMs: number) {}

  /** CREATING -> ACTIVE after the delay. */
  activateLater(stored: Stored<IamResource>): void {
    const p = (async () => {
      await sleep(this.delayMs);
      if (this.closed) return;
      stored.resource.lifecycleState = "ACTIVE";
      stored.etag = etagOf(stored.resource);
    })().finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}

export class IamStore<T extends IamResource> {
  readonly items = new Map<string, Stored<T>>();

  constructor(
    readonly kind: Kind<T>,
    private readonly lifecycle: Lifecycle,
  ) {}

  find(id: string): Stored<T> {
    const stored = this.items.get(id);
    if (!stored || stored.resource.lifecycleState === "DELETED") throw apiErrors.notFound();
    return stored;
  }

  create(body: Record<string, unknown>): Stored<T> {
    const { kind } = this;
    const compartmentId = requiredString(body, "compartmentId");
    const name = requiredString(body, "name");
    if (body.description === undefined || body.description === null) throw apiErrors.missing("description");
    const description = optionalString(body, "description") ?? "";
    if (!/^[A-Za-z0-9_.+@-]{1,100}$/.test(name)) {
      throw apiErrors.invalid(`name ${name} must be 1 to 100 letters, digits, or _ . + @ -`); // unconfirmed
    }
    kind.checkCompartment(compartmentId);
    const fields = kind.create(body);
    this.checkNameFree(name);
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
    this.items.set(resource.id, stored);
    this.lifecycle.activateLater(stored);
    return stored;
  }

  private checkNameFree(name: string): void {
    for (const other of this.items.values()) {
      if (
        other.resource.name.toLowerCase() === name.toLowerCase() &&
        other.resource.lifecycleState !== "DELETED"
      )
        throw new OciApiError(409, this.kind.duplicateCode, `${this.kind.label} '${name}' already exists`);
    }
  }

  /** Apply an update body (its If-Match already checked); name and compartment are fixed. */
  update(stored: Stored<T>, body: Record<string, unknown>): void {
    for (const field of ["name", "compartmentId"]) {
      if (body[field] != null) throw apiErrors.invalid(`${field} cannot be changed`);
    }
    const r = stored.resource;
    Object.assign(r, this.kind.update(body, r));
    r.description = optionalString(body, "description") ?? r.description;
    r.freeformTags = freeformTags(body) ?? r.freeformTags;
    r.definedTags = definedTags(body) ?? r.definedTags;
    stored.etag = etagOf(r);
  }

  list(): T[] {
    return [...this.items.values()].map((s) => structuredClone(s.resource));
  }
}
