// Images seeded straight into the registry: the fake fnproject/node base (an index of linux/amd64 and
// linux/arm64/v8 by default) and the provisioned function image, in OCI or Docker media types.
import { buildLayer, type LayerEntry } from "../../src/image/layer.js";
import { MT, type RegistryStore } from "./store.js";

export interface SandboxPlatform {
  os: string;
  architecture: string;
  variant?: string;
}
export interface SeedOptions {
  repository: string;
  tag: string;
  /** Default linux/amd64 and linux/arm64/v8. */
  platforms?: SandboxPlatform[];
  /** An index (default), or a single manifest of the first platform. */
  index?: boolean;
  format?: "oci" | "docker";
  /** Leave `mediaType` out of OCI child manifests (allowed by the spec). */
  omitChildMediaType?: boolean;
  /** Add a buildx-style attestation child (`unknown/unknown`). */
  attestation?: boolean;
  /** Extra files of the platform layer, e.g. a fake node binary. */
  files?: LayerEntry[];
  config?: Record<string, unknown>;
}
export interface SeededImage {
  digest: string;
  mediaType: string;
  children: Array<{ platform: SandboxPlatform; digest: string; layers: string[]; config: string }>;
  /** Every layer digest, shared ones once. */
  layers: string[];
}

type MediaTypes = { manifest: string; index: string; config: string; layer: string };
type Child = SeededImage["children"][number];

const OCI_TYPES: MediaTypes = {
  manifest: MT.ociManifest,
  index: MT.ociIndex,
  config: MT.ociConfig,
  layer: MT.ociLayer,
};
const DOCKER_TYPES: MediaTypes = {
  manifest: MT.dockerManifest,
  index: MT.dockerList,
  config: MT.dockerConfig,
  layer: MT.dockerLayer,
};

/** A layer shared by every platform (like an OS base). */
function sharedLayer() {
  return buildLayer([
    { path: "etc/os-release", content: 'NAME="Sandbox Linux"\nID=sandbox\n' },
    {
      path: "etc/passwd",
      content: "root:x:0:0:root:/root:/bin/sh\nfn:x:1000:1000::/home/fn:/sbin/nologin\n",
    },
  ]);
}

/** The image config of one platform, over the shared layer and its own. */
function imageConfig(
  platform: SandboxPlatform,
  diffIds: string[],
  extra: Record<string, unknown> | undefined,
) {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: "2026-01-01T00:00:00Z",
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["node"],
      ...extra,
    },
    rootfs: { type: "layers", diff_ids: diffIds },
    history: [
      { created: "2026-01-01T00:00:00Z", created_by: "ADD os /" },
      { created: "2026-01-01T00:00:00Z", created_by: "ADD node /usr/local/bin" },
      { created: "2026-01-01T00:00:00Z", created_by: 'CMD ["node"]', empty_layer: true },
    ],
  };
}

/** One platform's manifest (config, shared layer, own layer with a fake node), stored; tagged when alone. */
function seedPlatform(
  store: RegistryStore,
  seed: SeedOptions,
  types: MediaTypes,
  platform: SandboxPlatform,
  shared: ReturnType<typeof buildLayer>,
  tag: string | undefined,
): Child {
  const arch = `${platform.architecture}${platform.variant ? `/${platform.variant}` : ""}`;
  const own = buildLayer([
    {
      path: "usr/local/bin/node",
      content: `#!/bin/sh\n# fake node for ${platform.os}/${arch}\n`,
      mode: 0o755,
    },
    ...(seed.files ?? []),
  ]);
  const configBytes = Buffer.from(
    JSON.stringify(imageConfig(platform, [shared.diffId, own.diffId], seed.config)),
  );
  const configDigest = store.putBlob(seed.repository, configBytes);
  const layers = [shared, own].map((l) => ({
    mediaType: types.layer,
    digest: store.putBlob(seed.repository, l.blob),
    size: l.size,
  }));
  const manifest: Record<string, unknown> = { schemaVersion: 2 };
  if (!((seed.format ?? "oci") === "oci" && seed.omitChildMediaType)) manifest.mediaType = types.manifest;
  manifest.config = { mediaType: types.config, digest: configDigest, size: configBytes.length };
  manifest.layers = layers;
  const digest = store.storeManifest(
    seed.repository,
    Buffer.from(JSON.stringify(manifest)),
    types.manifest,
    tag,
  );
  return { platform, digest, layers: layers.map((l) => l.digest), config: configDigest };
}

/** A buildx-style attestation child (`unknown/unknown`) of the first platform's manifest. */
function attestationDescriptor(store: RegistryStore, repository: string, first: Child | undefined) {
  const att = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: store.putBlob(repository, Buffer.from("{}")),
        size: 2,
      },
      layers: [],
    }),
  );
  return {
    mediaType: MT.ociManifest,
    digest: store.storeManifest(repository, att, MT.ociManifest),
    size: att.length,
    platform: { os: "unknown", architecture: "unknown" },
    annotations: {
      "vnd.docker.reference.type": "attestation-manifest",
      "vnd.docker.reference.digest": first?.digest ?? "",
    },
  };
}

export function seedImage(store: RegistryStore, seed: SeedOptions): SeededImage {
  const format = seed.format ?? "oci";
  const platforms = seed.platforms ?? [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
  ];
  const asIndex = seed.index ?? true;
  const types = format === "oci" ? OCI_TYPES : DOCKER_TYPES;
  const shared = sharedLayer();
  const chosen = asIndex ? platforms : platforms.slice(0, 1);
  const children = chosen.map((p) =>
    seedPlatform(store, seed, types, p, shared, asIndex ? undefined : seed.tag),
  );
  const allLayers = [...new Set(children.flatMap((c) => c.layers))];
  if (!asIndex) {
    const only = children[0] as Child;
    return { digest: only.digest, mediaType: types.manifest, children, layers: allLayers };
  }
  const descriptors: Array<Record<string, unknown>> = children.map((c) => ({
    mediaType: types.manifest,
    digest: c.digest,
    size: store.lookupManifest(seed.repository, c.digest)?.bytes.length,
    platform: c.platform,
  }));
  if (seed.attestation && format === "oci") {
    descriptors.push(attestationDescriptor(store, seed.repository, children[0]));
  }
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests: descriptors }),
  );
  const digest = store.storeManifest(seed.repository, index, types.index, seed.tag);
  return { digest, mediaType: types.index, children, layers: allLayers };
}
