// The registry's state: blobs (content-addressed, linked per repository), manifests and tags per repository,
// and open upload sessions; with the manifest checks distribution 2.8 makes on a PUT.
import { createHash } from "node:crypto";

export const MT = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;
const MANIFEST_TYPES: readonly string[] = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest];
const INDEX_TYPES: readonly string[] = [MT.ociIndex, MT.dockerList];

export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

export interface Upload {
  repository: string;
  chunks: Buffer[];
  size: number;
}

/** A distribution error: code, message and detail of `{errors:[...]}`. */
interface Problem {
  code: string;
  message: string;
  detail?: unknown;
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const validName = (name: string) =>
  name.length <= 255 && name.split("/").every((c) => COMPONENT.test(c));

const invalidManifest = (detail: string): Problem => ({
  code: "MANIFEST_INVALID",
  message: "manifest invalid",
  detail,
});
const unknownBlob = (digest: string | undefined): Problem => ({
  code: "MANIFEST_BLOB_UNKNOWN",
  message: "blob unknown to registry",
  detail: digest ?? null,
});

export class RegistryStore {
  readonly blobs = new Map<string, Buffer>();
  private readonly links = new Map<string, Set<string>>();
  private readonly manifests = new Map<string, Map<string, StoredManifest>>();
  private readonly tagMap = new Map<string, Map<string, string>>();
  readonly uploads = new Map<string, Upload>();

  link(repo: string, digest: string): void {
    const set = this.links.get(repo) ?? new Set<string>();
    set.add(digest);
    this.links.set(repo, set);
  }

  /** Store a blob and link it into `repo`; its digest. */
  putBlob(repo: string, data: Buffer, digest = sha256(data)): string {
    this.blobs.set(digest, data);
    this.link(repo, digest);
    return digest;
  }

  hasBlob(repo: string, digest: string): boolean {
    return this.links.get(repo)?.has(digest) ?? false;
  }

  storeManifest(repo: string, bytes: Buffer, mediaType: string, tag?: string): string {
    const digest = sha256(bytes);
    const repoManifests = this.manifests.get(repo) ?? new Map<string, StoredManifest>();
    repoManifests.set(digest, { bytes, mediaType });
    this.manifests.set(repo, repoManifests);
    if (tag) {
      const tags = this.tagMap.get(repo) ?? new Map<string, string>();
      tags.set(tag, digest);
      this.tagMap.set(repo, tags);
    }
    return digest;
  }

  lookupManifest(repo: string, reference: string): (StoredManifest & { digest: string }) | undefined {
    const digest = reference.startsWith("sha256:") ? reference : this.tagMap.get(repo)?.get(reference);
    const stored = digest ? this.manifests.get(repo)?.get(digest) : undefined;
    return stored && digest ? { ...stored, digest } : undefined;
  }

  repoExists(repo: string): boolean {
    return this.manifests.has(repo) || this.links.has(repo);
  }

  tags(repo: string): string[] {
    return [...(this.tagMap.get(repo)?.keys() ?? [])].sort();
  }

  repositories(): string[] {
    return [...new Set([...this.manifests.keys(), ...this.links.keys()])].sort();
  }

  /** What distribution 2.8 checks on a manifest PUT; undefined when it is acceptable. */
  validateManifest(body: Buffer, contentType: string, repo: string): Problem | undefined {
    if (!MANIFEST_TYPES.includes(contentType))
      return invalidManifest(`unsupported media type ${contentType}`);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return invalidManifest("not JSON");
    }
    if (json.schemaVersion !== 2) return invalidManifest("schemaVersion must be 2");
    if (json.mediaType !== undefined && json.mediaType !== contentType) {
      return invalidManifest(`mediaType ${String(json.mediaType)} does not match ${contentType}`);
    }
    return INDEX_TYPES.includes(contentType) ? this.checkIndex(json, repo) : this.checkImage(json, repo);
  }

  private checkIndex(json: Record<string, unknown>, repo: string): Problem | undefined {
    if (!Array.isArray(json.manifests)) return invalidManifest("no manifests");
    for (const child of json.manifests as Array<{ digest?: string }>) {
      if (!child.digest || !this.manifests.get(repo)?.has(child.digest)) return unknownBlob(child.digest);
    }
    return undefined;
  }

  private checkImage(json: Record<string, unknown>, repo: string): Problem | undefined {
    const config = json.config as { digest?: string; mediaType?: string } | undefined;
    const layers = json.layers as Array<{ digest?: string; mediaType?: string }> | undefined;
    if (!config?.digest || !Array.isArray(layers)) return invalidManifest("config and layers are required");
    for (const d of [config, ...layers]) {
      const foreign = d.mediaType?.includes("foreign") || d.mediaType?.includes("nondistributable");
      if (!foreign && (!d.digest || !this.hasBlob(repo, d.digest))) return unknownBlob(d.digest);
    }
    return undefined;
  }
}
