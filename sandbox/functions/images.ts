// Function images in the sandbox registry: a function's image is resolved there (the tag's digest becomes
// imageDigest) and its platforms must cover the application's shape.
import { parseReference } from "../../src/image/reference.js";
import { apiErrors } from "../core/errors.js";
import type { Registry, SandboxPlatform } from "../registry/index.js";

export const SHAPES = ["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"] as const;
export type Shape = (typeof SHAPES)[number];

/** The platforms an application shape runs (fn CLI's architecture map; oci-services.md §3.3). */
const SHAPE_PLATFORMS: Record<Shape, SandboxPlatform[]> = {
  GENERIC_X86: [{ os: "linux", architecture: "amd64" }],
  GENERIC_ARM: [{ os: "linux", architecture: "arm64" }],
  GENERIC_X86_ARM: [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ],
};

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ResolvedImage {
  digest: string;
  /** `host/repo@digest` of the image to run. */
  pullReference: string;
  /** The platform to pull. */
  platform: SandboxPlatform;
}

export function samePlatform(want: SandboxPlatform, have: SandboxPlatform): boolean {
  const arch = (a: string) => (a === "x86_64" ? "amd64" : a === "aarch64" ? "arm64" : a);
  const variant = (p: SandboxPlatform) =>
    arch(p.architecture) === "arm64" && (p.variant === "v8" || p.variant === "8")
      ? undefined
      : p.variant || undefined;
  return (
    want.os === have.os &&
    arch(want.architecture) === arch(have.architecture) &&
    (want.variant === undefined || variant(want) === variant(have))
  );
}

const formatPlatform = (p: SandboxPlatform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

/** Platforms an image (index or manifest) serves, read from the registry. */
function platformsOf(registry: Registry, repository: string, bytes: Buffer): SandboxPlatform[] {
  let json: {
    manifests?: Array<{ digest?: string; platform?: SandboxPlatform }>;
    config?: { digest?: string };
  };
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    return [];
  }
  if (Array.isArray(json.manifests)) {
    return json.manifests
      .filter((d) => d.platform && d.digest && registry.manifest(repository, d.digest))
      .map((d) => d.platform as SandboxPlatform)
      .filter((p) => p.os !== "unknown");
  }
  const config = json.config?.digest ? registry.blob(json.config.digest) : undefined;
  if (!config) return [];
  try {
    const c = JSON.parse(config.toString("utf8")) as SandboxPlatform;
    return [{ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }];
  } catch {
    return [];
  }
}

/** The image reference, which must name a tag or digest in the sandbox registry; 400 otherwise. */
function parseImage(registry: Registry, image: string, imageDigest: string | undefined) {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(image, { role: "function image", defaultTag: false });
  } catch (err) {
    throw apiErrors.invalid(`image: ${(err as Error).message}`);
  }
  if (!ref.tag && !ref.digest) throw apiErrors.invalid(`image ${image} must include a tag`);
  if (ref.registry !== registry.host) {
    throw apiErrors.invalid(
      `image ${image} must be in the Container Registry of the function's region (${registry.host})`,
    );
  }
  if (imageDigest !== undefined && !DIGEST.test(imageDigest)) {
    throw apiErrors.invalid(`imageDigest ${imageDigest} is not a sha256 digest`);
  }
  if (imageDigest !== undefined && ref.digest !== undefined && imageDigest !== ref.digest) {
    throw apiErrors.invalid(`imageDigest ${imageDigest} differs from the digest in image ${image}`);
  }
  return ref;
}

/** Resolve `image` (+ `imageDigest`) in the sandbox registry and check it runs on `shape`. */
export function resolveImage(
  registry: Registry,
  hostPlatform: SandboxPlatform,
  request: { image: string; imageDigest: string | undefined; shape: Shape },
): ResolvedImage {
  const { image, imageDigest, shape } = request;
  const ref = parseImage(registry, image, imageDigest);
  // unconfirmed: the real service's status and text for a missing image.
  const missing = () =>
    apiErrors.invalid(`image ${image}${imageDigest ? `@${imageDigest}` : ""} was not found in the registry`);
  if (!registry.repositories().includes(ref.repository)) throw missing();
  const found = registry.manifest(ref.repository, imageDigest ?? ref.digest ?? ref.tag!);
  if (!found) throw missing();
  const platforms = platformsOf(registry, ref.repository, found.bytes);
  const needed = SHAPE_PLATFORMS[shape];
  const absent = needed.filter((want) => !platforms.some((have) => samePlatform(want, have)));
  if (absent.length > 0) {
    throw apiErrors.invalid(
      `image ${image} (${found.digest}) has no ${absent.map(formatPlatform).join(" or ")} image; application shape ${shape} needs ${needed.map(formatPlatform).join(" and ")}, the image has ${platforms.map(formatPlatform).join(", ") || "no platform"}`,
    );
  }
  const platform = shape === "GENERIC_X86_ARM" ? hostPlatform : needed[0]!;
  return {
    digest: found.digest,
    pullReference: `${ref.registry}/${ref.repository}@${found.digest}`,
    platform,
  };
}
