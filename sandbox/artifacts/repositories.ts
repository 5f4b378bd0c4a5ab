// Artifacts container repositories (ArtifactsClient, base /20160918): CreateContainerRepository,
// ListContainerRepositories, GetContainerRepository and UpdateContainerRepository, routes the Artifacts control
// plane (index.ts) serves over a repository store (repository-store.ts). A repository is private unless
// created `isPublic: true`; the registry pulls a public one anonymously and lets the OCIR user push to an
// existing one.
//
// Wire shapes follow oci-artifacts 2.139.1 (ContainerRepository, ContainerRepositoryCollection).
import { apiErrors } from "../core/errors.js";
import type { Route, ServiceRequest } from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  jsonBody,
  listPage,
  type PagingSettings,
  requiredString,
} from "../core/resources.js";
import {
  type ContainerRepositoryResource,
  RepositoryStore,
  type RepositoryStoreOptions,
} from "./repository-store.js";

const STATES = ["AVAILABLE", "DELETING", "DELETED"];
/** OCIR repository names: lower-case path components (unconfirmed beyond the distribution spec's grammar). */
const REPOSITORY_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

interface ContainerRepositoriesOptions extends RepositoryStoreOptions {
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
  const store = new RepositoryStore(opts);
  const paging: PagingSettings = { defaultLimit: 100, maxLimit: 1000, ...opts.paging }; // unconfirmed
  return {
    routes: repositoryRoutes(store, paging),
    isPublic: (repository) => store.isPublic(repository),
    exists: (repository) => store.exists(repository),
    list: () => {
      store.sync();
      return [...store.values()].map((r) => structuredClone(r));
    },
  };
}

function repositoryRoutes(store: RepositoryStore, paging: PagingSettings): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/container\/repositories$/,
      write: "create",
      run: (req) => createRepository(store, req),
    },
    {
      method: "GET",
      pattern: /^\/container\/repositories$/,
      run: (req) => listRepositories(store, paging, req),
    },
    {
      method: "GET",
      pattern: /^\/container\/repositories\/([^/]+)$/,
      run: (_req, [id]) => answer(store.find(id!)),
    },
    {
      method: "PUT",
      pattern: /^\/container\/repositories\/([^/]+)$/,
      write: "update",
      run: (req, [id]) => updateRepository(store, req, id!),
    },
  ];
}

const answer = (repo: ContainerRepositoryResource) => ({
  status: 200,
  body: structuredClone(repo),
  headers: { etag: etagOf(repo) },
});

function createRepository(store: RepositoryStore, req: ServiceRequest) {
  const body = jsonBody(req);
  const compartmentId = requiredString(body, "compartmentId");
  const displayName = requiredString(body, "displayName");
  store.checkCompartment(compartmentId);
  if (displayName.length > 255 || !REPOSITORY_NAME.test(displayName))
    throw apiErrors.invalid(
      `displayName ${displayName} is not a repository name (lower-case a-z, 0-9, . _ - and /)`,
    );
  store.sync();
  // unconfirmed: the real service's code and text for a name already taken in the namespace.
  if (store.has(displayName)) throw apiErrors.alreadyExists(`repository ${displayName} already exists`);
  const principal = req.principal.kind === "user" ? req.principal.userId : req.principal.resourceId;
  const repo = store.record(displayName, compartmentId, principal);
  repo.isPublic = optionalBoolean(body, "isPublic") ?? false;
  repo.isImmutable = optionalBoolean(body, "isImmutable") ?? false;
  const text = readme(body);
  if (text) repo.readme = text;
  repo.freeformTags = freeformTags(body) ?? {};
  repo.definedTags = definedTags(body) ?? {};
  return answer(repo);
}

function updateRepository(store: RepositoryStore, req: ServiceRequest, id: string) {
  const repo = store.find(id);
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

function listRepositories(store: RepositoryStore, paging: PagingSettings, req: ServiceRequest) {
  const compartmentId = req.query.get("compartmentId");
  if (!compartmentId) throw apiErrors.missing("compartmentId");
  store.checkCompartment(compartmentId);
  const displayName = req.query.get("displayName");
  const repositoryId = req.query.get("repositoryId");
  const isPublic = req.query.get("isPublic");
  store.sync();
  const { page, headers } = listPage(store.values(), req.query, {
    states: STATES,
    matches: (r) =>
      r.compartmentId === compartmentId &&
      (displayName === null || r.displayName === displayName) &&
      (repositoryId === null || r.id === repositoryId) &&
      (isPublic === null || String(r.isPublic) === isPublic),
    sortKeys: { TIMECREATED: (r) => r.timeCreated, DISPLAYNAME: (r) => r.displayName },
    paging,
  });
  return { status: 200, body: repositoryCollection(page), headers };
}

/** A ContainerRepositoryCollection: summaries (no createdBy, isImmutable or readme) and their totals. */
function repositoryCollection(page: ContainerRepositoryResource[]) {
  const items = page.map(({ createdBy: _c, isImmutable: _i, readme: _r, ...summary }) =>
    structuredClone(summary),
  );
  return {
    items,
    repositoryCount: items.length,
    imageCount: items.reduce((n, r) => n + r.imageCount, 0),
    layerCount: 0,
    layersSizeInBytes: 0,
    remainingItemsCount: 0,
  };
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
