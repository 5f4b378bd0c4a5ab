import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  appendLayer,
  bareMediaType,
  baseAnnotations,
  buildIndex,
  type ImageManifest,
  isNonDistributable,
  MANIFEST_ACCEPT,
  ManifestError,
  MediaType,
  parseManifest,
} from "../../src/image/manifest.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const hex = (data: Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function manifest(family: "oci" | "docker", withMediaType = true): ImageManifest {
  const oci = family === "oci";
  return {
    schemaVersion: 2,
    ...(withMediaType ? { mediaType: oci ? MediaType.OCI_MANIFEST : MediaType.DOCKER_MANIFEST } : {}),
    config: { mediaType: oci ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG, digest: d("c"), size: 10 },
    layers: [
      { mediaType: oci ? MediaType.OCI_LAYER_GZIP : MediaType.DOCKER_LAYER_GZIP, digest: d("1"), size: 100 },
    ],
  };
}

describe("parseManifest", () => {
  it.each([
    [
      "OCI index",
      { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] },
      undefined,
      "index",
      MediaType.OCI_INDEX,
    ],
    [
      "Docker list",
      { schemaVersion: 2, mediaType: MediaType.DOCKER_LIST, manifests: [] },
      undefined,
      "index",
      MediaType.DOCKER_LIST,
    ],
    ["OCI manifest", manifest("oci"), undefined, "manifest", MediaType.OCI_MANIFEST],
    ["Docker manifest", manifest("docker"), undefined, "manifest", MediaType.DOCKER_MANIFEST],
    [
      "OCI manifest without mediaType, typed by header",
      manifest("oci", false),
      `${MediaType.OCI_MANIFEST}; charset=utf-8`,
      "manifest",
      MediaType.OCI_MANIFEST,
    ],
    [
      "Docker manifest typed by the descriptor",
      manifest("docker", false),
      MediaType.DOCKER_MANIFEST,
      "manifest",
      MediaType.DOCKER_MANIFEST,
    ],
    [
      "untyped index, by shape",
      { schemaVersion: 2, manifests: [] },
      "application/json",
      "index",
      MediaType.OCI_INDEX,
    ],
    ["untyped manifest, by shape", manifest("oci", false), undefined, "manifest", MediaType.OCI_MANIFEST],
  ])("%s", (_name, body, contentType, kind, mediaType) => {
    const parsed = parseManifest(json(body), contentType);
    expect(parsed.kind).toBe(kind);
    expect(parsed.mediaType).toBe(mediaType);
    expect(parsed.family).toBe(mediaType.includes("docker") ? "docker" : "oci");
  });

  it.each([
    ["not JSON", Buffer.from("<html>"), undefined, /not JSON/],
    ["schema 1", json({ schemaVersion: 1, name: "x" }), undefined, /schema 1/],
    ["schema 1 signed header", json({ schemaVersion: 2 }), MediaType.DOCKER_SCHEMA1_SIGNED, /schema 1/],
    ["bad schemaVersion", json({ schemaVersion: 3, manifests: [] }), undefined, /schemaVersion 3/],
    ["neither", json({ schemaVersion: 2 }), undefined, /neither/],
    [
      "foreign type",
      json({ schemaVersion: 2, mediaType: "application/vnd.x" }),
      undefined,
      /not an image manifest/,
    ],
    [
      "index without manifests",
      json({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX }),
      undefined,
      /without manifests/,
    ],
  ])("refuses %s", (_name, bytes, contentType, message) => {
    expect(() => parseManifest(bytes, contentType)).toThrow(ManifestError);
    expect(() => parseManifest(bytes, contentType)).toThrow(message);
  });
});

describe("appendLayer", () => {
  const layer = { digest: d("f"), size: 55 };
  const config = { digest: d("e"), size: 66 };

  it.each([
    ["oci", MediaType.OCI_MANIFEST, MediaType.OCI_LAYER_GZIP],
    ["docker", MediaType.DOCKER_MANIFEST, MediaType.DOCKER_LAYER_GZIP],
  ] as const)("keeps the %s family for the manifest and the new layer", (family, mediaType, layerType) => {
    const built = appendLayer(manifest(family), { mediaType, layer, config });
    const out = JSON.parse(built.bytes.toString());
    expect(built.mediaType).toBe(mediaType);
    expect(out.mediaType).toBe(mediaType);
    expect(out.layers).toEqual([manifest(family).layers[0], { mediaType: layerType, ...layer }]);
    expect(out.config).toEqual({ mediaType: manifest(family).config.mediaType, ...config });
    expect(built.digest).toBe(hex(built.bytes));
    expect(built.size).toBe(built.bytes.length);
  });

  it("writes mediaType even when the OCI base omitted it, first keys in spec order", () => {
    const built = appendLayer(manifest("oci", false), { mediaType: MediaType.OCI_MANIFEST, layer, config });
    expect(Object.keys(JSON.parse(built.bytes.toString()))).toEqual([
      "schemaVersion",
      "mediaType",
      "config",
      "layers",
    ]);
  });

  it("adds annotations to OCI manifests only", () => {
    const annotations = baseAnnotations("docker.io/fnproject/node:24", d("a"));
    const oci = JSON.parse(
      appendLayer(manifest("oci"), {
        mediaType: MediaType.OCI_MANIFEST,
        layer,
        config,
        annotations,
      }).bytes.toString(),
    );
    const docker = JSON.parse(
      appendLayer(manifest("docker"), {
        mediaType: MediaType.DOCKER_MANIFEST,
        layer,
        config,
        annotations,
      }).bytes.toString(),
    );
    expect(oci.annotations).toEqual({
      "org.opencontainers.image.base.name": "docker.io/fnproject/node:24",
      "org.opencontainers.image.base.digest": d("a"),
    });
    expect(docker.annotations).toBeUndefined();
  });

  it("is deterministic and leaves the base untouched", () => {
    const base = manifest("oci");
    const before = JSON.stringify(base);
    const a = appendLayer(base, { mediaType: MediaType.OCI_MANIFEST, layer, config });
    const b = appendLayer(base, { mediaType: MediaType.OCI_MANIFEST, layer, config });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe("buildIndex", () => {
  const child = (c: string) => ({
    bytes: Buffer.from(c),
    mediaType: MediaType.OCI_MANIFEST,
    digest: d(c),
    size: 7,
  });

  it("keeps each child's platform and the index family", () => {
    const built = buildIndex(
      MediaType.DOCKER_LIST,
      [
        {
          base: {
            digest: d("1"),
            size: 1,
            platform: { os: "linux", architecture: "amd64" },
            annotations: { x: "y" },
          },
          manifest: { ...child("a"), mediaType: MediaType.DOCKER_MANIFEST },
        },
        {
          base: { digest: d("2"), size: 1, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
          manifest: { ...child("b"), mediaType: MediaType.DOCKER_MANIFEST },
        },
      ],
      { ignored: "for docker" },
    );
    expect(JSON.parse(built.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.DOCKER_LIST,
      manifests: [
        {
          mediaType: MediaType.DOCKER_MANIFEST,
          digest: d("a"),
          size: 7,
          platform: { os: "linux", architecture: "amd64" },
        },
        {
          mediaType: MediaType.DOCKER_MANIFEST,
          digest: d("b"),
          size: 7,
          platform: { os: "linux", architecture: "arm64", variant: "v8" },
        },
      ],
    });
    expect(built.digest).toBe(hex(built.bytes));
  });

  it("carries descriptor annotations and its own annotations in OCI", () => {
    const built = buildIndex(
      MediaType.OCI_INDEX,
      [
        {
          base: {
            digest: d("1"),
            size: 1,
            platform: { os: "linux", architecture: "amd64" },
            annotations: { x: "y" },
          },
          manifest: child("a"),
        },
      ],
      { "org.opencontainers.image.base.name": "n" },
    );
    const out = JSON.parse(built.bytes.toString());
    expect(out.manifests[0].annotations).toEqual({ x: "y" });
    expect(out.annotations).toEqual({ "org.opencontainers.image.base.name": "n" });
  });
});

describe("media type helpers", () => {
  it("accepts all four manifest types", () => {
    for (const t of [
      MediaType.OCI_INDEX,
      MediaType.DOCKER_LIST,
      MediaType.OCI_MANIFEST,
      MediaType.DOCKER_MANIFEST,
    ]) {
      expect(MANIFEST_ACCEPT.split(", ")).toContain(t);
    }
  });

  it("strips parameters from Content-Type", () => {
    expect(bareMediaType("Application/JSON; charset=utf-8")).toBe("application/json");
    expect(bareMediaType(undefined)).toBe("");
  });

  it("spots non-distributable layers", () => {
    expect(isNonDistributable({ mediaType: MediaType.DOCKER_FOREIGN_LAYER, digest: d("1"), size: 1 })).toBe(
      true,
    );
    expect(
      isNonDistributable({ mediaType: MediaType.OCI_NONDISTRIBUTABLE_LAYER, digest: d("1"), size: 1 }),
    ).toBe(true);
    expect(isNonDistributable({ mediaType: MediaType.OCI_LAYER_GZIP, digest: d("1"), size: 1 })).toBe(false);
  });
});
