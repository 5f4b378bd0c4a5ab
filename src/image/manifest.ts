// Manifests and indexes, pure. The new image keeps the base's family: an OCI base gives OCI manifests and an
// OCI layer type, a Docker v2 schema 2 base gives Docker types (what `crane append` does). The bytes built
// here are the bytes pushed, so their sha256 is the digest the registry must answer with.
import { sha256 } from "./layer.js";
import type { IndexDescriptor } from "./platforms.js";

export const MediaType = {
  OCI_INDEX: "application/vnd.oci.image.index.v1+json",
  DOCKER_LIST: "application/vnd.docker.distribution.manifest.list.v2+json",
  OCI_MANIFEST: "application/vnd.oci.image.manifest.v1+json",
  DOCKER_MANIFEST: "application/vnd.docker.distribution.manifest.v2+json",
  OCI_CONFIG: "application/vnd.oci.image.config.v1+json",
  DOCKER_CONFIG: "application/vnd.docker.container.image.v1+json",
  OCI_LAYER_GZIP: "application/vnd.oci.image.layer.v1.tar+gzip",
  DOCKER_LAYER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DOCKER_FOREIGN_LAYER: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  OCI_NONDISTRIBUTABLE_LAYER: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  DOCKER_SCHEMA1: "application/vnd.docker.distribution.manifest.v1+json",
  DOCKER_SCHEMA1_SIGNED: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** Every manifest type we read, for the Accept header (distribution 2.8 hides an index from clients that omit its type). */
export const MANIFEST_ACCEPT = [
  MediaType.OCI_INDEX,
  MediaType.DOCKER_LIST,
  MediaType.OCI_MANIFEST,
  MediaType.DOCKER_MANIFEST,
].join(", ");

type Family = "oci" | "docker";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: IndexDescriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export type ParsedManifest =
  | { kind: "index"; mediaType: string; family: Family; index: ImageIndex }
  | { kind: "manifest"; mediaType: string; family: Family; manifest: ImageManifest };

/** Bytes ready to push, with their media type and digest. */
export interface Built {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  size: number;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function familyOf(mediaType: string): Family {
  return mediaType.startsWith("application/vnd.docker.") ? "docker" : "oci";
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.OCI_INDEX || mediaType === MediaType.DOCKER_LIST;
}

function isManifestType(mediaType: string): boolean {
  return mediaType === MediaType.OCI_MANIFEST || mediaType === MediaType.DOCKER_MANIFEST;
}

/** `Content-Type` without parameters, lower case. */
export function bareMediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Read a manifest or index. The media type comes from the body's `mediaType`, else the response
 * Content-Type (or the index descriptor's type), else the shape (OCI manifests may omit `mediaType`).
 */
export function parseManifest(bytes: Uint8Array, contentType?: string, what = "manifest"): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new ManifestError(`the ${what} is not JSON`);
  }
  if (typeof json !== "object" || json === null) throw new ManifestError(`the ${what} is not a JSON object`);
  const header = bareMediaType(contentType);
  const declared = typeof json.mediaType === "string" ? json.mediaType : undefined;
  if (
    declared === MediaType.DOCKER_SCHEMA1 ||
    declared === MediaType.DOCKER_SCHEMA1_SIGNED ||
    header === MediaType.DOCKER_SCHEMA1 ||
    header === MediaType.DOCKER_SCHEMA1_SIGNED ||
    json.schemaVersion === 1
  ) {
    throw new ManifestError(
      `the ${what} is a Docker schema 1 manifest, which is not supported; use a newer base image`,
    );
  }
  if (json.schemaVersion !== 2)
    throw new ManifestError(`the ${what} has schemaVersion ${String(json.schemaVersion)}, expected 2`);
  let mediaType = declared ?? (isIndexType(header) || isManifestType(header) ? header : undefined);
  if (!mediaType) {
    if (Array.isArray(json.manifests)) mediaType = MediaType.OCI_INDEX;
    else if (json.config && Array.isArray(json.layers)) mediaType = MediaType.OCI_MANIFEST;
    else throw new ManifestError(`the ${what} is neither an image manifest nor an index`);
  }
  if (isIndexType(mediaType)) {
    if (!Array.isArray(json.manifests))
      throw new ManifestError(`the ${what} is an index without manifests[]`);
    return { kind: "index", mediaType, family: familyOf(mediaType), index: json as unknown as ImageIndex };
  }
  if (isManifestType(mediaType)) {
    const m = json as unknown as ImageManifest;
    if (!m.config || typeof m.config.digest !== "string" || !Array.isArray(m.layers)) {
      throw new ManifestError(`the ${what} has no config or layers`);
    }
    return { kind: "manifest", mediaType, family: familyOf(mediaType), manifest: m };
  }
  throw new ManifestError(`the ${what} has media type ${mediaType}, which is not an image manifest or index`);
}

function layerMediaType(family: Family): string {
  return family === "oci" ? MediaType.OCI_LAYER_GZIP : MediaType.DOCKER_LAYER_GZIP;
}

/** Layers that must not be pushed (Windows foreign layers and the like). */
export function isNonDistributable(layer: Descriptor): boolean {
  return (
    layer.mediaType === MediaType.DOCKER_FOREIGN_LAYER ||
    layer.mediaType.startsWith("application/vnd.oci.image.layer.nondistributable.")
  );
}

function built(value: unknown, mediaType: string): Built {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, mediaType, digest: sha256(bytes), size: bytes.length };
}

interface AppendOptions {
  /** The base manifest's media type (from the parse: body, header or index descriptor). */
  mediaType: string;
  layer: { digest: string; size: number };
  config: { digest: string; size: number };
  /** Added to OCI manifests only (Docker manifests cannot carry them), e.g. the base name and digest. */
  annotations?: Record<string, string>;
}

/**
 * The base manifest with the new config and one more layer, in the base's family. The `mediaType` field is
 * written explicitly (an OCI base may omit it; a registry then has only Content-Type to go by).
 */
export function appendLayer(base: ImageManifest, options: AppendOptions): Built {
  const family = familyOf(options.mediaType);
  const manifest: ImageManifest = {
    ...structuredClone(base),
    schemaVersion: 2,
    mediaType: options.mediaType,
  };
  manifest.config = {
    ...manifest.config,
    mediaType:
      manifest.config.mediaType ?? (family === "oci" ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG),
    digest: options.config.digest,
    size: options.config.size,
  };
  manifest.layers = [
    ...manifest.layers,
    { mediaType: layerMediaType(family), digest: options.layer.digest, size: options.layer.size },
  ];
  if (family === "oci" && options.annotations && Object.keys(options.annotations).length > 0) {
    manifest.annotations = { ...(manifest.annotations ?? {}), ...options.annotations };
  }
  return built(ordered(manifest, ["schemaVersion", "mediaType", "config", "layers"]), options.mediaType);
}

interface IndexChild {
  /** The base index's descriptor of this platform (platform, annotations are kept). */
  base: IndexDescriptor;
  manifest: Built;
}

/** A new index over the built children; pass the base index's media type (family) and child order. */
export function buildIndex(
  mediaType: string,
  children: readonly IndexChild[],
  annotations?: Record<string, string>,
): Built {
  const family = familyOf(mediaType);
  const manifests = children.map(({ base: d, manifest }) => {
    const descriptor: IndexDescriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
    };
    if (d.platform) descriptor.platform = structuredClone(d.platform);
    if (family === "oci" && d.annotations) descriptor.annotations = { ...d.annotations };
    return descriptor;
  });
  // A fresh index, like ko's: the base index's own annotations describe the base, not this image.
  const index: ImageIndex = { schemaVersion: 2, mediaType, manifests };
  if (family === "oci" && annotations && Object.keys(annotations).length > 0)
    index.annotations = { ...annotations };
  return built(index, mediaType);
}

/** The base name and digest annotations ko adds (OCI image-spec annotations.md). */
export function baseAnnotations(baseName: string, baseDigest: string): Record<string, string> {
  return {
    "org.opencontainers.image.base.name": baseName,
    "org.opencontainers.image.base.digest": baseDigest,
  };
}

function ordered<T extends object>(value: T, first: string[]): T {
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const key of first) if (key in record && record[key] !== undefined) out[key] = record[key];
  for (const [key, v] of Object.entries(record)) if (!(key in out) && v !== undefined) out[key] = v;
  return out as T;
}
