// What the e2e test files share: the registry user, the action's inputs for an image-only push, the media
// types the pushed image must carry, and small JSON helpers.
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { SandboxEndpoints } from "../../sandbox/index.js";
import type { Credentials } from "./registry.js";

export const NAMESPACE = "e2e";
export const BASE_REPOSITORY = "fnproject/node";

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** A registry user with a fresh password per run (it must never show up in the action's output). */
export function newUser(): Credentials {
  return { username: "ci", password: `pw-${randomBytes(12).toString("base64url")}` };
}

export const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash("sha256").update(data).digest("hex")}`;

/**
 * The OCI API-key inputs. image-only still reads them (registry host, namespace lookup, the application's
 * shape); with `registry`, `namespace` and `platforms` given no OCI call is made, so the sandbox's key user
 * only has to be well-formed.
 */
export async function ociInputs(e: SandboxEndpoints): Promise<Record<string, string>> {
  return {
    "oci-tenancy": e.tenancyId,
    "oci-user": e.ociUserId,
    "oci-fingerprint": e.ociFingerprint,
    "oci-private-key": await readFile(e.ociPrivateKeyPath, "utf8"),
    "oci-region": e.ociRegion,
  };
}

export interface PushInputs {
  registry: string;
  user: Credentials;
  base: string;
  platforms: string;
  repository: string;
  baseUser?: Credentials;
}

/** Inputs of `deploy` with `image-only: true`. */
export function imageOnlyInputs(oci: Record<string, string>, p: PushInputs): Record<string, string> {
  return {
    command: "deploy",
    "image-only": "true",
    ...oci,
    registry: p.registry,
    namespace: NAMESPACE,
    repository: p.repository,
    "registry-username": p.user.username,
    "registry-password": p.user.password,
    "base-image": p.base,
    platforms: p.platforms,
    ...(p.baseUser
      ? { "base-registry-username": p.baseUser.username, "base-registry-password": p.baseUser.password }
      : {}),
  };
}

/** `host/ns/repo:tag@sha256:…` → its parts. */
export function splitImage(image: string): { repository: string; tag: string; digest: string } {
  const m = /^[^/]+\/(.+):([^:@/]+)@(sha256:[0-9a-f]{64})$/.exec(image);
  if (!m) throw new Error(`not an image reference with tag and digest: ${image}`);
  return { repository: m[1]!, tag: m[2]!, digest: m[3]! };
}

export interface ManifestJson {
  schemaVersion: number;
  mediaType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  annotations?: Record<string, string>;
}

export interface IndexJson {
  schemaVersion: number;
  mediaType?: string;
  manifests: Array<{
    mediaType: string;
    digest: string;
    size: number;
    platform?: { os: string; architecture: string; variant?: string };
  }>;
  annotations?: Record<string, string>;
}

export interface ConfigJson {
  architecture: string;
  os: string;
  variant?: string;
  config: { WorkingDir?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[] };
  rootfs: { type: string; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}
