// Artifacts container repositories (ArtifactsClient, base /20160918): CreateContainerRepository,
// ListContainerRepositories, GetContainerRepository and UpdateContainerRepository, routes the Artifacts control
// plane (index.ts) serves. A repository is private unless created `isPublic: true`; the registry pulls a
// public one anonymously and lets the OCIR user push to an existing one. A repository the registry created on
// first push shows up here too, private and in the tenancy's root compartment, as OCIR does.
//
// Wire shapes follow oci-artifacts 2.139.1 (ContainerRepository, ContainerRepositoryCollection).
import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  isOcid,
  jsonBody,
  listPage,
  type PagingSettings,
  randomOcid,
  requiredString,
} from "../core/resources.js";
import type { Registry } from "../registry/index.js";

const STATES = ["AVAILABLE", "DELETING", "DELETED"];
/** OCIR repository names: lower-case path components (unconfirmed beyond the distribution spec's grammar). */
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

interface ContainerRepositoryResource {
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

interface ContainerRepositoriesOptions {
  tenancyId: string;
  namespace: string;
  regionKey: string;
  /** Compartments of the tenancy (the tenancy itself included). */
  compartments: Iterable<string>;
  /** The registry whose first-push repositories are listed too. */
  registry: Registry;
  paging?: Partial<PagingSettings>;
}

export interface ContainerRepositories {
  routes: Route[];
  /** `<namespace>/<displayName>` of a repository created public. */
  isPublic(repository: string): boolean;
  /** `<namespace>/<displayName>` names an existing repository. */
  exists(repository: string): boolean;
  list(): ContainerRepositoryResource[];
}

export function containerRepositories(opts: ContainerRepositoriesOptions): ContainerRepositories {
  const compartments = new Set(opts.compartments);
  const paging: PagingSettings = { defaultLimit: 100, maxLimit: 1000, ...opts.paging }; // unconfirmed
  const byName = new Map<string, ContainerRepositoryResource>();
  const prefix = `${opts.namespace}/`;

  function record(
    displayName: string,
    compartmentId: string,
    createdBy: string,
  ): ContainerRepositoryResource {
    const repo: ContainerRepositoryResource = {
      id: randomOcid("containerrepo", opts.regionKey),
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
      namespace: opts.namespace,
      freeformTags: {},
      definedTags: {},
      systemTags: {},
    };
    byName.set(displayName, repo);
    return repo;
  }

  /** Take in the registry's first-push repositories, and count each repository's tagged images. */
  function sync(): void {
    for (const name of opts.registry.repositories()) {
      if (name.startsWith(prefix) && !byName.has(name.slice(prefix.length)))
        record(name.slice(prefix.length), opts.tenancyId, "registry first push");
    }
    for (const repo of byName.values())
      repo.imageCount = opts.registry.tags(`${prefix}${repo.displayName}`).length;
  }

  function find(id: string): ContainerRepositoryResource {
    sync();
    const repo = [...byName.values()].find((r) => r.id === id);
    if (!repo) throw apiErrors.notFound();
    return repo;
  }

  function checkCompartment(compartmentId: string): void {
    if (!isOcid(compartmentId, "compartment", "tenancy"))
      throw apiErrors.invalid(`compartmentId ${compartmentId} is not a compartment OCID`);
    if (!compartments.has(compartmentId))
      throw apiErrors.notFound(`compartment ${compartmentId} was not found`);
  }

  function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw apiErrors.invalid(`${name} must be a boolean`);
    return v;
  }

  function readme(body: Record<string, unknown>): ContainerRepositoryResource["readme"] {
    const v = body.readme as { content?: unknown; format?: unknown } | undefined | null;
    if (v === undefined || v === null) return undefined;
    if (typeof v.content !== "string" || (v.format !== "TEXT_MARKDOWN" && v.format !== "TEXT_PLAIN"))
      throw apiErrors.invalid("readme needs content and a format of TEXT_MARKDOWN or TEXT_PLAIN");
    return { content: v.content, format: v.format };
  }

  const answer = (repo: ContainerRepositoryResource) => ({
    status: 200,
    body: structuredClone(repo),
    headers: { etag: etagOf(repo) },
  });

  function create(req: ServiceRequest) {
    const body = jsonBody(req);
    const compartmentId = requiredString(body, "compartmentId");
    const displayName = requiredString(body, "displayName");
    checkCompartment(compartmentId);
    if (displayName.length > 255 || !REPOSITORY_NAME.test(displayName))
      throw apiErrors.invalid(
        `displayName ${displayName} is not a repository name (lower-case a-z, 0-9, . _ - and /)`,
      );
    sync();
    // unconfirmed: the real service's code and text for a name already taken in the namespace.
    if (byName.has(displayName)) throw apiErrors.alreadyExists(`repository ${displayName} already exists`);
    const principal = req.principal.kind === "user" ? req.principal.userId : req.principal.resourceId;
    const repo = record(displayName, compartmentId, principal);
    repo.isPublic = optionalBoolean(body, "isPublic") ?? false;
    repo.isImmutable = optionalBoolean(body, "isImmutable") ?? false;
    const text = readme(body);
    if (text) repo.readme = text;
    repo.freeformTags = freeformTags(body) ?? {};
    repo.definedTags = definedTags(body) ?? {};
    return answer(repo);
  }

  function update(req: ServiceRequest, id: string) {
    const repo = find(id);
    checkIfMatch(req, etagOf(repo));
    const body = jsonBody(req);
    repo.isPublic = optionalBoolean(body, "isPublic") ?? repo.isPublic;
    repo.isImmutable = optionalBoolean(body, "isImmutable") ?? repo.isImmutable;
    const text = readme(body);
    if (text) repo.readme = text;
    repo.freeformTags = freeformTags(body) ?? repo.freeformTags;
    repo.definedTags = definedTags(body) ?? repo.definedTags;
    return answer(repo);
  }

  function list(req: ServiceRequest) {
    const compartmentId = req.query.get("compartmentId");
    if (!compartmentId) throw apiErrors.missing("compartmentId");
    checkCompartment(compartmentId);
    const displayName = req.query.get("displayName");
    const repositoryId = req.query.get("repositoryId");
    const isPublic = req.query.get("isPublic");
    sync();
    const { page, headers } = listPage(byName.values(), req.query, {
      states: STATES,
      matches: (r) =>
        r.compartmentId === compartmentId &&
        (displayName === null || r.displayName === displayName) &&
        (repositoryId === null || r.id === repositoryId) &&
        (isPublic === null || String(r.isPublic) === isPublic),
      sortKeys: { TIMECREATED: (r) => r.timeCreated, DISPLAYNAME: (r) => r.displayName },
      paging,
    });
    const items = page.map(({ createdBy: _c, isImmutable: _i, readme: _r, ...summary }) =>
      structuredClone(summary),
    );
    const collection = {
      items,
      repositoryCount: items.length,
      imageCount: items.reduce((n, r) => n + r.imageCount, 0),
      layerCount: 0,
      layersSizeInBytes: 0,
      remainingItemsCount: 0,
    };
    return { status: 200, body: collection, headers };
  }

  return {
    routes: [
      { method: "POST", pattern: /^\/container\/repositories$/, write: "create", run: (req) => create(req) },
      { method: "GET", pattern: /^\/container\/repositories$/, run: (req) => list(req) },
      {
        method: "GET",
        pattern: /^\/container\/repositories\/([^/]+)$/,
        run: (_req, [id]) => answer(find(id!)),
      },
      {
        method: "PUT",
        pattern: /^\/container\/repositories\/([^/]+)$/,
        write: "update",
        run: (req, [id]) => update(req, id!),
      },
    ],
    isPublic: (repository) =>
      repository.startsWith(prefix) && byName.get(repository.slice(prefix.length))?.isPublic === true,
    exists: (repository) => repository.startsWith(prefix) && byName.has(repository.slice(prefix.length)),
    list: () => {
      sync();
      return [...byName.values()].map((r) => structuredClone(r));
    },
  };
}
