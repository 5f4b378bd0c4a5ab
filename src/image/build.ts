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

export interface PlannedBlob {
  digest: string;
  size: number;
  kind: "base-layer" | "layer" | "config";
  /** Bytes for our own blobs (the layer, the configs); base layers are mounted or streamed. */
  data?: Buffer;
}

export interface PlannedChild {
  platform: Platform;
  manifest: Built;
  config: Built;
}

export interface ImagePlan {
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

export interface BuildResult {
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
  blobsUploaded: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  manifestsPushed: number;
  manifestsSkipped: number;
  requests: number;
  retries: number;
}

export class ImageBuildError extends RegistryError {
  override name = "ImageBuildError";
}

/** Parse both references, with messages that say which one is wrong. */
export function parseReferences(
  base: string,
  target: string,
): { base: ImageReference; target: ImageReference } {
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

interface BaseImage {
  descriptor?: IndexDescriptor;
  platform: Platform;
  parsed: Extract<ParsedManifest, { kind: "manifest" }>;
  digest: string;
}

/** Resolve the base and build every manifest and config in memory. Reads the base only. */
export async function planImage(
  input: Pick<BuildImageInput, "files" | "platforms" | "created" | "workingDir" | "entrypoint" | "log">,
  refs: { base: ImageReference; target: ImageReference },
  baseClient: RegistryClient,
  layer: Layer = buildLayer(input.files),
): Promise<ImagePlan> {
  const { base, target } = refs;
  const baseName = formatReference(base);
  if (input.platforms.length === 0)
    throw new ImageBuildError("no platform asked for", { registry: target.registry });
  const fetched = await baseClient
    .getManifest(base.repository, referenceIdentifier(base))
    .catch((err) => notFound(err, base));
  const top = parseManifest(fetched.bytes, fetched.mediaType, `base image ${baseName}`);
  input.log?.(`base ${baseName}: ${top.kind} ${fetched.digest}`);

  const images: BaseImage[] = [];
  if (top.kind === "index") {
    for (const descriptor of selectChildren(top.index.manifests, input.platforms, baseName)) {
      if (descriptor.mediaType && isIndexType(descriptor.mediaType)) {
        throw new ImageBuildError(
          `base image ${baseName} nests an index for ${formatPlatform(descriptor.platform as Platform)}; nested indexes are not supported`,
          {
            registry: base.registry,
          },
        );
      }
      const child = await baseClient.getManifest(base.repository, descriptor.digest);
      const parsed = parseManifest(
        child.bytes,
        descriptor.mediaType || child.mediaType,
        `base image ${baseName} (${descriptor.digest})`,
      );
      if (parsed.kind !== "manifest") {
        throw new ImageBuildError(
          `base image ${baseName} child ${descriptor.digest} is not an image manifest`,
          { registry: base.registry },
        );
      }
      images.push({ descriptor, platform: descriptor.platform as Platform, parsed, digest: child.digest });
    }
  } else {
    images.push({ platform: { os: "", architecture: "" }, parsed: top, digest: fetched.digest });
  }

  const children: PlannedChild[] = [];
  const baseLayers = new Map<string, PlannedBlob>();
  for (const image of images) {
    const manifest = image.parsed.manifest;
    const configBytes = await baseClient.getBlob(base.repository, manifest.config.digest);
    const baseConfig = parseConfig(configBytes);
    const configPlatform: Platform = {
      os: baseConfig.os,
      architecture: baseConfig.architecture,
      ...(baseConfig.variant ? { variant: baseConfig.variant } : {}),
    };
    if (!image.descriptor) {
      const wanted = input.platforms;
      if (wanted.length !== 1 || !platformMatches(wanted[0] as Platform, configPlatform)) {
        throw new ImageBuildError(
          `base image ${baseName} is a single ${formatPlatform(configPlatform)} image, but ${wanted.map(formatPlatform).join(" and ")} ${wanted.length === 1 ? "is" : "are"} needed; use a multi-platform base (an index) or change 'platforms'`,
          { registry: base.registry },
        );
      }
      image.platform = configPlatform;
    }
    if (baseConfig.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ImageBuildError(
        `base image ${baseName} (${formatPlatform(image.platform)}) has ${manifest.layers.length} layers but ${baseConfig.rootfs.diff_ids.length} diff_ids`,
        { registry: base.registry },
      );
    }
    const config = functionConfig(baseConfig, {
      diffId: layer.diffId,
      created: input.created,
      workingDir: input.workingDir,
      entrypoint: input.entrypoint,
    });
    const configBytesNew = serializeConfig(config);
    const configMediaType = manifest.config.mediaType;
    const configBuilt: Built = {
      bytes: configBytesNew,
      mediaType: configMediaType,
      digest: sha256(configBytesNew),
      size: configBytesNew.length,
    };
    const built = appendLayer(manifest, {
      mediaType: image.parsed.mediaType,
      layer: { digest: layer.digest, size: layer.size },
      config: { digest: configBuilt.digest, size: configBuilt.size },
      annotations: baseAnnotations(baseName, image.digest),
    });
    for (const l of manifest.layers as Descriptor[]) {
      if (!isNonDistributable(l) && !baseLayers.has(l.digest))
        baseLayers.set(l.digest, { digest: l.digest, size: l.size, kind: "base-layer" });
    }
    children.push({ platform: image.platform, manifest: built, config: configBuilt });
  }

  let topBuilt: Built;
  if (top.kind === "index" && children.length > 1) {
    topBuilt = buildIndex(
      top.mediaType,
      children.map((c, i) => ({ base: images[i]?.descriptor as IndexDescriptor, manifest: c.manifest })),
      baseAnnotations(baseName, fetched.digest),
    );
  } else {
    // One platform: push a plain image, as ko does.
    topBuilt = (children[0] as PlannedChild).manifest;
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
  return {
    base,
    target,
    baseDigest: fetched.digest,
    baseMediaType: top.mediaType,
    layer,
    children,
    top: topBuilt,
    blobs,
  };
}

export interface PushCounts {
  blobsUploaded: number;
  blobsCopied: number;
  blobsMounted: number;
  blobsSkipped: number;
  manifestsPushed: number;
  manifestsSkipped: number;
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
export async function pushPlan(
  plan: ImagePlan,
  target: RegistryClient,
  baseClient: RegistryClient,
  options: { concurrency?: number; log?: (line: string) => void } = {},
): Promise<PushCounts> {
  const counts: PushCounts = {
    blobsUploaded: 0,
    blobsCopied: 0,
    blobsMounted: 0,
    blobsSkipped: 0,
    manifestsPushed: 0,
    manifestsSkipped: 0,
  };
  const repo = plan.target.repository;
  const same = sameRegistry(plan.base, plan.target);
  await pool(plan.blobs, options.concurrency ?? 4, async (blob) => {
    if (await target.blobExists(repo, blob.digest)) {
      counts.blobsSkipped++;
      return;
    }
    if (blob.data) {
      await target.uploadBlob(repo, blob.digest, { data: blob.data });
      counts.blobsUploaded++;
      options.log?.(`uploaded ${blob.kind} ${blob.digest} (${blob.size} bytes)`);
      return;
    }
    let location: string | undefined;
    if (same) {
      const mount = await target.mountBlob(repo, blob.digest, plan.base.repository);
      if (mount.mounted) {
        counts.blobsMounted++;
        options.log?.(`mounted ${blob.digest} from ${plan.base.repository}`);
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
    options.log?.(
      `copied ${blob.digest} (${blob.size} bytes) from ${plan.base.registry}/${plan.base.repository}`,
    );
  });

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
  options.log?.(`${formatReference(plan.target)} -> ${plan.top.digest}`);
  return counts;
}

/** Build the layer, plan against the base, push (unless dryRun), and report what happened. */
export async function buildImage(input: BuildImageInput): Promise<BuildResult> {
  const refs = parseReferences(input.base, input.target);
  const layer = buildLayer(input.files);
  const same = sameRegistry(refs.base, refs.target);
  const dryRun = input.dryRun ?? false;
  const common = { ...input.client, log: input.client?.log ?? input.log };
  const basePull = repositoryScope(refs.base.repository, ["pull"]);

  let target: RegistryClient | undefined;
  if (!dryRun) {
    target = new RegistryClient({
      ...common,
      registry: refs.target.registry,
      credentials: input.credentials,
      // One token for push+pull on the target and pull on a base in the same registry (mounts need it).
      scopes: [repositoryScope(refs.target.repository, ["pull", "push"]), ...(same ? [basePull] : [])],
    });
  }
  const baseClient =
    same && target
      ? target
      : new RegistryClient({
          ...common,
          registry: refs.base.registry,
          credentials: same ? input.credentials : input.baseCredentials,
          scopes: [basePull],
        });

  if (target) await target.ping();
  if (baseClient !== target) await baseClient.ping();
  const plan = await planImage(input, refs, baseClient, layer);
  const counts: PushCounts = target
    ? await pushPlan(plan, target, baseClient, { concurrency: input.concurrency, log: input.log })
    : {
        blobsUploaded: 0,
        blobsCopied: 0,
        blobsMounted: 0,
        blobsSkipped: 0,
        manifestsPushed: 0,
        manifestsSkipped: 0,
      };

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
    dryRun,
    bytesUploaded: target?.counters.blobBytesUploaded ?? 0,
    ...counts,
    requests: clients.reduce((n, c) => n + c.counters.requests, 0),
    retries: clients.reduce((n, c) => n + c.counters.retries, 0),
  };
}
