// The container repositories of the Artifacts API (repositories.ts), by display name in one namespace. A
// repository the registry created on first push is taken in on every read, private and in the tenancy's
// root compartment, as OCIR does.
//
// Wire shape follows oci-artifacts 2.139.1 (ContainerRepository).
import { apiErrors } from "../core/errors.js";
import { isOcid, randomOcid } from "../core/resources.js";
import type { Registry } from "../registry/index.js";

export interface ContainerRepositoryResource {
  id: string;
  compartmentId: string;
  createdBy: string;
  displayName: string;
  imageCount: number;
  isImmutable: boolean;
  isPublic: boolean;
  layerCount: number;
  layersSizeInBytes: number;
  lifecycleState: string;
  readme?: { content: string; format: string };
  timeCreated: string;
  billableSizeInGBs: number;
  namespace: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  systemTags: Record<string, Record<string, unknown>>;
}

export interface RepositoryStoreOptions {
  tenancyId: string;
  namespace: string;
  regionKey: string;
  /** Compartments of the tenancy (the tenancy itself included). */
  compartments: Iterable<string>;
  /** The registry whose first-push repositories are listed too. */
  registry: Registry;
}

export class RepositoryStore {
  private readonly byName = new Map<string, ContainerRepositoryResource>();
  private readonly compartments: Set<string>;
  private readonly prefix: string;

  constructor(private readonly opts: RepositoryStoreOptions) {
    this.compartments = new Set(opts.compartments);
    this.prefix = `${opts.namespace}/`;
  }

  /** A new empty, private, AVAILABLE repository. */
  record(displayName: string, compartmentId: string, createdBy: string): ContainerRepositoryResource {
    const repo: ContainerRepositoryResource = {
      id: randomOcid("containerrepo", this.opts.regionKey),
      compartmentId,
      createdBy,
      displayName,
      imageCount: 0,
      isImmutable: false,
      isPublic: false,
      layerCount: 0,
      layersSizeInBytes: 0,
      lifecycleState: "AVAILABLE",
      timeCreated: new Date().toISOString(),
      billableSizeInGBs: 0,
      namespace: this.opts.namespace,
      freeformTags: {},
      definedTags: {},
      systemTags: {},
    };
    this.byName.set(displayName, repo);
    return repo;
  }

  /** Take in the registry's first-push repositories, and count each repository's tagged images. */
  sync(): void {
    const { prefix } = this;
    for (const name of this.opts.registry.repositories()) {
      if (name.startsWith(prefix) && !this.byName.has(name.slice(prefix.length)))
        this.record(name.slice(prefix.length), this.opts.tenancyId, "registry first push");
    }
    for (const repo of this.byName.values())
      repo.imageCount = this.opts.registry.tags(`${prefix}${repo.displayName}`).length;
  }

  /** The repository with this OCID, after a sync. */
  find(id: string): ContainerRepositoryResource {
    this.sync();
    const repo = [...this.byName.values()].find((r) => r.id === id);
    if (!repo) throw apiErrors.notFound();
    return repo;
  }

  has(displayName: string): boolean {
    return this.byName.has(displayName);
  }

  values(): Iterable<ContainerRepositoryResource> {
    return this.byName.values();
  }

  checkCompartment(compartmentId: string): void {
    if (!isOcid(compartmentId, "compartment", "tenancy"))
      throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
    if (!this.compartments.has(compartmentId))
      throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
  }

  /** `<namespace>/<displayName>` of a repository created public. */
  isPublic(repository: string): boolean {
    return this.byDisplayName(repository)?.isPublic === true;
  }

  /** `<namespace>/<displayName>` names an existing repository. */
  exists(repository: string): boolean {
    return this.byDisplayName(repository) !== undefined;
  }

  private byDisplayName(repository: string): ContainerRepositoryResource | undefined {
    return repository.startsWith(this.prefix)
      ? this.byName.get(repository.slice(this.prefix.length))
      : undefined;
  }
}
