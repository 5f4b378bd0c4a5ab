// Which platforms the image needs: the application shape decides (fn CLI's architectureMap), the `platforms`
// input overrides. Matching follows containerd's normalisation (aarch64 = arm64, arm64/v8 = arm64, ...).

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const SHAPES = {
  GENERIC_X86: [{ os: "linux", architecture: "amd64" }],
  GENERIC_ARM: [{ os: "linux", architecture: "arm64" }],
  GENERIC_X86_ARM: [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ],
} as const satisfies Record<string, readonly Platform[]>;

export type Shape = keyof typeof SHAPES;

export class PlatformError extends Error {
  override name = "PlatformError";
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/** containerd-style normalisation: arch aliases, and the variants that mean "the default". */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (architecture === "x86_64" || architecture === "x86-64") architecture = "amd64";
  if (architecture === "aarch64") architecture = "arm64";
  if (architecture === "armhf") [architecture, variant] = ["arm", "v7"];
  if (architecture === "armel") [architecture, variant] = ["arm", "v6"];
  if (architecture === "arm64" && (variant === "v8" || variant === "8")) variant = undefined;
  if (architecture === "amd64" && (variant === "v1" || variant === "1")) variant = undefined;
  if (architecture === "arm" && variant === undefined) variant = "v7";
  if (architecture === "arm" && /^\d$/.test(variant ?? "")) variant = `v${variant}`;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** True when `have` serves `want`; a `want` without variant takes the normalised default variant. */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  return w.os === h.os && w.architecture === h.architecture && w.variant === h.variant;
}

/** Platforms for an application shape (case-insensitive). */
export function platformsForShape(shape: string): Platform[] {
  const key = shape.trim().toUpperCase() as Shape;
  const platforms = SHAPES[key];
  if (!platforms) {
    throw new PlatformError(
      `shape ${JSON.stringify(shape)} is unknown; use one of ${Object.keys(SHAPES).join(", ")}`,
    );
  }
  return platforms.map((p) => ({ ...p }));
}

/**
 * The `platforms` input: `linux/amd64,linux/arm64` (commas, spaces or new lines; duplicates dropped), or a
 * shape name. Throws PlatformError with the bad entry and the expected form.
 */
export function parsePlatforms(text: string): Platform[] {
  const items = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new PlatformError("no platform given; use e.g. linux/amd64,linux/arm64");
  const result: Platform[] = [];
  for (const item of items) {
    const found = item.toUpperCase() in SHAPES ? platformsForShape(item) : [parseOne(item)];
    for (const p of found) if (!result.some((r) => platformMatches(r, p))) result.push(p);
  }
  return result;
}

function parseOne(item: string): Platform {
  const parts = item.split("/");
  const valid = parts.length >= 2 && parts.length <= 3 && parts.every((p) => /^[a-z0-9_.-]+$/i.test(p));
  if (!valid) {
    throw new PlatformError(
      `platform ${JSON.stringify(item)} is not os/architecture[/variant]; use e.g. linux/amd64`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  if (os.toLowerCase() !== "linux")
    throw new PlatformError(`platform ${JSON.stringify(item)}: only linux images run on OCI Functions`);
  const normalized = normalizePlatform({ os, architecture, ...(variant ? { variant } : {}) });
  if (normalized.architecture !== "amd64" && normalized.architecture !== "arm64") {
    throw new PlatformError(
      `platform ${JSON.stringify(item)}: OCI Functions shapes run linux/amd64 and linux/arm64 only`,
    );
  }
  return normalized;
}

export interface IndexDescriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform & { "os.version"?: string; "os.features"?: string[] };
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** buildx attestation manifests and other non-runnable children (`unknown/unknown`). */
export function isAttestation(descriptor: IndexDescriptor): boolean {
  return (
    descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" ||
    (descriptor.platform?.os === "unknown" && descriptor.platform?.architecture === "unknown")
  );
}

/**
 * The index children to build, one per wanted platform, in the index's own order (so the result does not
 * depend on the order the platforms were asked in). Throws when a wanted platform is missing.
 */
export function selectChildren(
  manifests: readonly IndexDescriptor[],
  wanted: readonly Platform[],
  baseName: string,
): IndexDescriptor[] {
  const candidates = manifests.filter((d) => d.platform && !isAttestation(d));
  const missing = wanted.filter((w) => !candidates.some((d) => platformMatches(w, d.platform as Platform)));
  if (missing.length > 0) {
    const offered = candidates.map((d) => formatPlatform(d.platform as Platform)).join(", ") || "none";
    throw new PlatformError(
      `base image ${baseName} has no ${missing.map(formatPlatform).join(", ")} image (it has: ${offered}); pick a base with those platforms or change 'platforms'`,
    );
  }
  const chosen: IndexDescriptor[] = [];
  for (const d of candidates) {
    const p = d.platform as Platform;
    if (
      wanted.some((w) => platformMatches(w, p)) &&
      !chosen.some((c) => platformMatches(c.platform as Platform, p))
    ) {
      chosen.push(d);
    }
  }
  return chosen;
}
