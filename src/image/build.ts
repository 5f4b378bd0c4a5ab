// The function image, built and pushed without a daemon: one layer holding the bundle, appended to every
// wanted platform of the base (ko's buildAll), then pushed in the order a registry accepts: blobs (HEAD, mount
// or upload), child manifests by digest, the index (or the single manifest) by tag. Planning reads only the
// base, so a dry run computes the exact digest without writing to, or even contacting, the target.
import type { Credentials } from "./auth.js";
import { repositoryScope } from "./auth.js";
import { functionConfig, parseConfig, serializeConfig } from "./config.js";
import { RegistryError } from "./errors.js";
import { buildLayer, type Layer, type LayerEntry, sha256 } from "./layer.js";
import {
  appendLayer,
  type Built,
  baseAnnotations,
  buildIndex,
  type Descriptor,
  isIndexType,
  isNonDistributable,
  type ParsedManifest,
  parseManifest,
} from "./manifest.js";
import {
  formatPlatform,
  type IndexDescriptor,
  type Platform,
  platformMatches,
  selectChildren,
} from "./platforms.js";
import {
  formatReference,
  type ImageReference,
  parseReference,
  referenceIdentifier,
  sameRegistry,
} from "./reference.js";
import { RegistryClient, type RegistryClientOptions } from "./registry.js";

export interface BuildImageInput {
  /** Files of the layer, e.g. [{ path: "function/func.js", content }]. */
  files: readonly LayerEntry[];
  /** Base image reference, e.g. `fnproject/node:24` or `iad.ocir.io/ns/fnproject/node:24`. */
  base: string;
  /** Target reference with a tag, e.g. `iad.ocir.io/ns/usage-api/fn:0.1.0`. */
  target: string;
  platforms: readonly Platform[];
  /** Credentials of the target registry; also used for the base when it lives on the same registry. */
  credentials?: Credentials;
  /** Credentials of the base registry when it is another one (e.g. Docker Hub); anonymous otherwise. */
  baseCredentials?: Credentials;
  /** Compute the image and its digest; read the base, write nothing. */
  dryRun?: boolean;
  /** RFC 3339 time for the config (`created`, history); default 1970-01-01T00:00:00Z. */
  created?: string;
  workingDir?: string;
  entrypoint?: string[];
  /** Transport settings shared by the registry clients (retry, timeouts, dispatcher, mask, log). */
  client?: Omit<RegistryClientOptions, "registry" | "credentials" | "scopes">;
  /** Parallel blob transfers; default 4. */
  concurrency?: number;
  log?: (line: string) => void;
}

interface PlannedBlob {
  digest: string;
  size: number;
  kind: "base-layer" | "layer" | "config";
  /** Bytes for our own blobs (the layer, the configs); base layers are mounted or streamed. */
  data?: Buffer;
}

interface PlannedChild {
  platform: Platform;
  manifest: Built;
  config: Built;
}

interface ImagePlan {
  base: ImageReference;
  target: ImageReference;
  /** Digest and type of what the base reference resolved to (index or manifest). */
  baseDigest: string;
  baseMediaType: string;
  layer: Layer;
  children: PlannedChild[];
  /** What the tag will point to: the index, or the single manifest. */
  top: Built;
  /** Every blob the target needs, once each, in upload order. */
  blobs: PlannedBlob[];
}

interface PushCounts {
  blobsUploaded: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  manifestsPushed: number;
  manifestsSkipped: number;
}

export interface BuildResult extends PushCounts {
  /** `host/ns/repo:tag@sha256:…`, the reference to deploy. */
  image: string;
  digest: string;
  mediaType: string;
  base: { reference: string; digest: string; mediaType: string };
  platforms: Array<{ platform: string; digest: string; configDigest: string }>;
  layer: { digest: string; diffId: string; size: number };
  dryRun: boolean;
  /** Blob bytes sent to the target (0 on a no-op re-run). */
  bytesUploaded: number;
  requests: number;
  retries: number;
}

class ImageBuildError extends RegistryError {
  override name = "ImageBuildError";
}

/** Parse both references, with messages that say which one is wrong. */
function parseReferences(base: string, target: string): { base: ImageReference; target: ImageReference } {
  const baseRef = parseReference(base, { role: "base image" });
  const targetRef = parseReference(target, { role: "target image" });
  if (targetRef.digest) {
    throw new ImageBuildError(
      `target image reference ${JSON.stringify(target)} has a digest; give a tag to push to`,
      {
        registry: targetRef.registry,
      },
    );
  }
  return { base: baseRef, target: targetRef };
}

function notFound(err: unknown, base: ImageReference): never {
  if (
    err instanceof RegistryError &&
    (err.status === 404 || err.code === "MANIFEST_UNKNOWN" || err.code === "NAME_UNKNOWN")
  ) {
    throw new ImageBuildError(
      `base image ${formatReference(base)} was not found on ${base.registry} (${err.code ?? `HTTP ${err.status}`}): check the repository name and the tag`,
      { registry: base.registry, status: err.status, code: err.code, cause: err },
    );
  }
  throw err;
}

/** One image of the base: a child of its index (with its descriptor), or the base itself. */
interface BaseImage {
  descriptor?: IndexDescriptor;
  platform: Platform;
  parsed: Extract<ParsedManifest, { kind: "manifest" }>;
  digest: string;
}

/** The base as resolved: what its reference points to, and the image of each wanted platform. */
interface ResolvedBase {
  name: string;
  digest: string;
  top: ParsedManifest;
  images: BaseImage[];
}

/** Resolve the base and build every manifest and config in memory. Reads the base only. */
export async function planImage(
  input: Pick<BuildImageInput, "files" | "platforms" | "created" | "workingDir" | "entrypoint" | "log">,
  refs: { base: ImageReference; target: ImageReference },
  baseClient: RegistryClient,
  layer: Layer = buildLayer(input.files),
): Promise<ImagePlan> {
  const { base, target } = refs;
  if (input.platforms.length === 0)
    throw new ImageBuildError("no platform asked for", { registry: target.registry });
  const resolved = await resolveBase(input, base, baseClient);
  const children: PlannedChild[] = [];
  for (const image of resolved.images) {
    children.push(await planChild(input, { base, baseClient, name: resolved.name }, image, layer));
  }
  return {
    base,
    target,
    baseDigest: resolved.digest,
    baseMediaType: resolved.top.mediaType,
    layer,
    children,
    top: topManifest(resolved, children),
    blobs: blobsToPush(resolved.images, layer, children),
  };
}

/** Fetch the base's manifest, and for an index the child of each wanted platform. */
async function resolveBase(
  input: Pick<BuildImageInput, "platforms" | "log">,
  base: ImageReference,
  baseClient: RegistryClient,
): Promise<ResolvedBase> {
  const name = formatReference(base);
  const fetched = await baseClient
    .getManifest(base.repository, referenceIdentifier(base))
    .catch((err) => notFound(err, base));
  const top = parseManifest(fetched.bytes, fetched.mediaType, `base image ${name}`);
  input.log?.(`base ${name}: ${top.kind} ${fetched.digest}`);
  if (top.kind !== "index") {
    // Its platform is known once its config is read (planChild).
    const image = { platform: { os: "", architecture: "" }, parsed: top, digest: fetched.digest };
    return { name, digest: fetched.digest, top, images: [image] };
  }
  const images: BaseImage[] = [];
  for (const descriptor of selectChildren(top.index.manifests, input.platforms, name)) {
    images.push(await baseChild(base, name, descriptor, baseClient));
  }
  return { name, digest: fetched.digest, top, images };
}

async function baseChild(
  base: ImageReference,
  name: string,
  descriptor: IndexDescriptor,
  baseClient: RegistryClient,
): Promise<BaseImage> {
  if (descriptor.mediaType && isIndexType(descriptor.mediaType)) {
    throw new ImageBuildError(
      `base image ${name} nests an index for ${formatPlatform(descriptor.platform as Platform)}; nested indexes are not supported`,
      {
        registry: base.registry,
      },
    );
  }
  const child = await baseClient.getManifest(base.repository, descriptor.digest);
  const parsed = parseManifest(
    child.bytes,
    descriptor.mediaType || child.mediaType,
    `base image ${name} (${descriptor.digest})`,
  );
  if (parsed.kind !== "manifest") {
    throw new ImageBuildError(`base image ${name} child ${descriptor.digest} is not an image manifest`, {
      registry: base.registry,
    });
  }
  return { descriptor, platform: descriptor.platform as Platform, parsed, digest: child.digest };
}

/** One platform's image: the base's config with the function's settings, and its manifest with our layer. */
async function planChild(
  input: Pick<BuildImageInput, "platforms" | "created" | "workingDir" | "entrypoint">,
  from: { base: ImageReference; baseClient: RegistryClient; name: string },
  image: BaseImage,
  layer: Layer,
): Promise<PlannedChild> {
  const { base, name } = from;
  const manifest = image.parsed.manifest;
  const baseConfig = parseConfig(await from.baseClient.getBlob(base.repository, manifest.config.digest));
  const configPlatform: Platform = {
    os: baseConfig.os,
    architecture: baseConfig.architecture,
    ...(baseConfig.variant ? { variant: baseConfig.variant } : {}),
  };
  if (!image.descriptor) {
    const wanted = input.platforms;
    if (wanted.length !== 1 || !platformMatches(wanted[0] as Platform, configPlatform)) {
      throw new ImageBuildError(
        `base image ${name} is a single ${formatPlatform(configPlatform)} image, but ${wanted.map(formatPlatform).join(" and ")} ${wanted.length === 1 ? "is" : "are"} needed; use a multi-platform base (an index) or change 'platforms'`,
        { registry: base.registry },
      );
    }
    image.platform = configPlatform;
  }
  if (baseConfig.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImageBuildError(
      `base image ${name} (${formatPlatform(image.platform)}) has ${manifest.layers.length} layers but ${baseConfig.rootfs.diff_ids.length} diff_ids`,
      { registry: base.registry },
    );
  }
  const configBytes = serializeConfig(
    functionConfig(baseConfig, {
      diffId: layer.diffId,
      created: input.created,
      workingDir: input.workingDir,
      entrypoint: input.entrypoint,
    }),
  );
  const config: Built = {
    bytes: configBytes,
    mediaType: manifest.config.mediaType,
    digest: sha256(configBytes),
    size: configBytes.length,
  };
  const built = appendLayer(manifest, {
    mediaType: image.parsed.mediaType,
    layer: { digest: layer.digest, size: layer.size },
    config: { digest: config.digest, size: config.size },
    annotations: baseAnnotations(name, image.digest),
  });
  return { platform: image.platform, manifest: built, config };
}

/** What the tag points to: an index of the children, or (one platform, as ko does) the plain image. */
function topManifest(resolved: ResolvedBase, children: PlannedChild[]): Built {
  if (resolved.top.kind === "index" && children.length > 1) {
    return buildIndex(
      resolved.top.mediaType,
      children.map((c, i) => ({
        base: resolved.images[i]?.descriptor as IndexDescriptor,
        manifest: c.manifest,
      })),
      baseAnnotations(resolved.name, resolved.digest),
    );
  }
  return (children[0] as PlannedChild).manifest;
}

/** Every blob the target needs, once each: the base layers (not the non-distributable), ours, the configs. */
function blobsToPush(images: BaseImage[], layer: Layer, children: PlannedChild[]): PlannedBlob[] {
  const baseLayers = new Map<string, PlannedBlob>();
  for (const image of images) {
    for (const l of image.parsed.manifest.layers as Descriptor[]) {
      if (!isNonDistributable(l) && !baseLayers.has(l.digest))
        baseLayers.set(l.digest, { digest: l.digest, size: l.size, kind: "base-layer" });
    }
  }
  const blobs: PlannedBlob[] = [
    ...baseLayers.values(),
    { digest: layer.digest, size: layer.size, kind: "layer", data: layer.blob },
  ];
  for (const c of children) {
    if (!blobs.some((b) => b.digest === c.config.digest)) {
      blobs.push({ digest: c.config.digest, size: c.config.size, kind: "config", data: c.config.bytes });
    }
  }
  return blobs;
}

function noPushes(): PushCounts {
  return {
    blobsUploaded: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsSkipped: 0,
    manifestsPushed: 0,
    manifestsSkipped: 0,
  };
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failed ??= err;
      }
    }
  });
  await Promise.all(runners);
  if (failed !== undefined) throw failed;
}

/**
 * Push a plan: each blob HEAD-checked (present: skipped), base layers mounted from the base repository when
 * the registry is the same, else streamed from the base registry; then child manifests by digest, then the
 * tag. A manifest the target already has under that digest or tag is not sent again.
 */
async function pushPlan(
  plan: ImagePlan,
  target: RegistryClient,
  baseClient: RegistryClient,
  options: { concurrency?: number; log?: (line: string) => void } = {},
): Promise<PushCounts> {
  const push: Push = { plan, target, baseClient, counts: noPushes(), log: options.log };
  await pool(plan.blobs, options.concurrency ?? 4, (blob) => pushBlob(push, blob));
  await pushManifests(push);
  return push.counts;
}

/** One push under way: the plan, both clients, and what was done so far. */
interface Push {
  plan: ImagePlan;
  target: RegistryClient;
  baseClient: RegistryClient;
  counts: PushCounts;
  log: ((line: string) => void) | undefined;
}

/** One blob: skipped when present; ours uploaded; a base layer mounted (same registry) or streamed across. */
async function pushBlob({ plan, target, baseClient, counts, log }: Push, blob: PlannedBlob): Promise<void> {
  const repo = plan.target.repository;
  if (await target.blobExists(repo, blob.digest)) {
    counts.blobsSkipped++;
    return;
  }
  if (blob.data) {
    await target.uploadBlob(repo, blob.digest, { data: blob.data });
    counts.blobsUploaded++;
    log?.(`uploaded ${blob.kind} ${blob.digest} (${blob.size} bytes)`);
    return;
  }
  let location: string | undefined;
  if (sameRegistry(plan.base, plan.target)) {
    const mount = await target.mountBlob(repo, blob.digest, plan.base.repository);
    if (mount.mounted) {
      counts.blobsMounted++;
      log?.(`mounted ${blob.digest} from ${plan.base.repository}`);
      return;
    }
    location = mount.location;
  }
  await target.uploadBlob(
    repo,
    blob.digest,
    {
      size: blob.size,
      open: async () => (await baseClient.openBlob(plan.base.repository, blob.digest)).stream,
    },
    location,
  );
  counts.blobsCopied++;
  log?.(`copied ${blob.digest} (${blob.size} bytes) from ${plan.base.registry}/${plan.base.repository}`);
}

/** The child manifests by digest (several platforms), then the tag; what the target has is not sent again. */
async function pushManifests({ plan, target, counts, log }: Push): Promise<void> {
  const repo = plan.target.repository;
  if (plan.children.length > 1) {
    for (const child of plan.children) {
      const existing = await target.headManifest(repo, child.manifest.digest);
      if (existing) {
        counts.manifestsSkipped++;
        continue;
      }
      await target.putManifest(repo, child.manifest.digest, child.manifest);
      counts.manifestsPushed++;
    }
  }
  const tag = plan.target.tag as string;
  const current = await target.headManifest(repo, tag);
  if (current?.digest === plan.top.digest) {
    counts.manifestsSkipped++;
  } else {
    await target.putManifest(repo, tag, plan.top);
    counts.manifestsPushed++;
  }
  log?.(`${formatReference(plan.target)} -> ${plan.top.digest}`);
}

/**
 * The registry clients: the target's (none on a dry run) and the base's, which is the target's own when the
 * base lives in the same registry (one token for push+pull on the target and pull on the base: mounts need it).
 */
function registryClients(
  input: BuildImageInput,
  refs: { base: ImageReference; target: ImageReference },
): { target: RegistryClient | undefined; baseClient: RegistryClient } {
  const same = sameRegistry(refs.base, refs.target);
  const common = { ...input.client, log: input.client?.log ?? input.log };
  const basePull = repositoryScope(refs.base.repository, ["pull"]);
  const target = input.dryRun
    ? undefined
    : new RegistryClient({
        ...common,
        registry: refs.target.registry,
        credentials: input.credentials,
        scopes: [repositoryScope(refs.target.repository, ["pull", "push"]), ...(same ? [basePull] : [])],
      });
  const baseClient =
    same && target
      ? target
      : new RegistryClient({
          ...common,
          registry: refs.base.registry,
          credentials: same ? input.credentials : input.baseCredentials,
          scopes: [basePull],
        });
  return { target, baseClient };
}

/** Build the layer, plan against the base, push (unless dryRun), and report what happened. */
export async function buildImage(input: BuildImageInput): Promise<BuildResult> {
  const refs = parseReferences(input.base, input.target);
  const layer = buildLayer(input.files);
  const { target, baseClient } = registryClients(input, refs);
  if (target) await target.ping();
  if (baseClient !== target) await baseClient.ping();
  const plan = await planImage(input, refs, baseClient, layer);
  const counts: PushCounts = target
    ? await pushPlan(plan, target, baseClient, { concurrency: input.concurrency, log: input.log })
    : noPushes();

  const clients = [...new Set([target, baseClient].filter((c): c is RegistryClient => c !== undefined))];
  const targetName = formatReference({
    registry: refs.target.registry,
    repository: refs.target.repository,
    tag: refs.target.tag,
  });
  return {
    image: `${targetName}@${plan.top.digest}`,
    digest: plan.top.digest,
    mediaType: plan.top.mediaType,
    base: { reference: formatReference(refs.base), digest: plan.baseDigest, mediaType: plan.baseMediaType },
    platforms: plan.children.map((c) => ({
      platform: formatPlatform(c.platform),
      digest: c.manifest.digest,
      configDigest: c.config.digest,
    })),
    layer: { digest: layer.digest, diffId: layer.diffId, size: layer.size },
    dryRun: input.dryRun ?? false,
    bytesUploaded: target?.counters.blobBytesUploaded ?? 0,
    ...counts,
    requests: clients.reduce((n, c) => n + c.counters.requests, 0),
    retries: clients.reduce((n, c) => n + c.counters.retries, 0),
  };
}
