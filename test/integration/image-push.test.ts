// The image build and push against the sandbox registry, over real sockets: every path of the push
// (upload, skip, mount, cross-registry stream, chunked fallback), every auth mode, and the failures a user
// must be able to read.
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import {
  pullFunction,
  type Registry,
  type RegistryOptions,
  startRegistry,
} from "../../sandbox/registry/index.js";
import { type BuildImageInput, buildImage } from "../../src/image/build.js";
import { DigestMismatchError, RegistryAuthError, RegistryError } from "../../src/image/errors.js";
import { InvalidReferenceError } from "../../src/image/reference.js";
import { RegistryClient } from "../../src/image/registry.js";

const AMD64 = { os: "linux", architecture: "amd64" };
const ARM64 = { os: "linux", architecture: "arm64" };
const BOTH = [AMD64, ARM64];
const FUNC_JS = `"use strict";\nmodule.exports = ${JSON.stringify("x".repeat(4000))};\n`;
const FILES = [{ path: "function/func.js", content: FUNC_JS }];
const USERS = { ci: "s3cret" };
const CREDS = { username: "ci", password: "s3cret" };
const noSleep = { retry: { sleep: async () => {}, maxAttempts: 8 } };

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function registry(options: RegistryOptions = {}): Promise<Registry> {
  const r = await startRegistry(options);
  open.push(r);
  return r;
}

function input(base: Registry, target: Registry, extra: Partial<BuildImageInput> = {}): BuildImageInput {
  return {
    files: FILES,
    base: `${base.host}/fnproject/node:24`,
    target: `${target.host}/ns/usage/fn:1`,
    platforms: BOTH,
    client: noSleep,
    ...extra,
  };
}

const writes = (r: Registry) =>
  Object.entries(r.stats.requests)
    .filter(([key]) => /^(POST|PUT|PATCH|DELETE) /.test(key))
    .reduce((n, [, count]) => n + count, 0);

const sha = (data: Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

function storedJson(r: Registry, repo: string, ref: string) {
  const m = r.manifest(repo, ref);
  if (!m) throw new Error(`no manifest ${repo}:${ref}`);
  return { ...m, json: JSON.parse(m.bytes.toString()) };
}

describe("push to an empty repository (no auth, OCI index base)", () => {
  it("pushes both platforms, then the index by tag, and the image runs from /function", async () => {
    const reg = await registry();
    const seeded = reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(input(reg, reg));

    expect(result.image).toBe(`${reg.host}/ns/usage/fn:1@${result.digest}`);
    expect(result.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const index = storedJson(reg, "ns/usage/fn", "1");
    expect(index.digest).toBe(result.digest);
    expect(sha(index.bytes)).toBe(result.digest);
    expect(index.json.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
      AMD64,
      { ...ARM64, variant: "v8" },
    ]);
    expect(result.platforms.map((p) => p.platform)).toEqual(["linux/amd64", "linux/arm64/v8"]);

    for (const [i, child] of index.json.manifests.entries()) {
      const manifest = storedJson(reg, "ns/usage/fn", child.digest).json;
      const baseChild = seeded.children[i];
      expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual([
        ...(baseChild?.layers ?? []),
        result.layer.digest,
      ]);
      expect(manifest.layers.at(-1).mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
      expect(manifest.annotations["org.opencontainers.image.base.digest"]).toBe(baseChild?.digest);
      const config = JSON.parse(reg.blob(manifest.config.digest)?.toString() ?? "{}");
      expect(config.config.Entrypoint).toEqual(["node", "func.js"]);
      expect(config.config.WorkingDir).toBe("/function");
      expect(config.config.Cmd).toBeUndefined();
      expect(config.config.Env).toEqual([
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      ]);
      expect(config.rootfs.diff_ids).toHaveLength(3);
      expect(config.rootfs.diff_ids[2]).toBe(result.layer.diffId);
      expect(config.history).toHaveLength(4);
      expect([config.os, config.architecture]).toEqual([
        baseChild?.platform.os,
        baseChild?.platform.architecture,
      ]);
    }

    for (const platform of BOTH) {
      const pulled = await pullFunction(reg, result.image, platform);
      try {
        expect(await readFile(`${pulled.functionDir}/func.js`, "utf8")).toBe(FUNC_JS);
        expect((await stat(`${pulled.functionDir}/func.js`)).mode & 0o777).toBe(0o644);
        expect((await stat(pulled.functionDir)).mode & 0o777).toBe(0o755);
        expect(pulled.entrypoint).toEqual(["node", "func.js"]);
        expect(pulled.workingDir).toBe("/function");
        expect(pulled.cmd).toBeUndefined();
      } finally {
        await pulled.cleanup();
      }
    }
    expect(result).toMatchObject({
      blobsUploaded: 3,
      blobsMounted: 3,
      blobsCopied: 0,
      blobsSkipped: 0,
      manifestsPushed: 3,
    });
  });

  it("re-run with unchanged code: zero blob bytes, no writes, same digest", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const first = await buildImage(input(reg, reg));
    reg.resetStats();
    const second = await buildImage(input(reg, reg));
    expect(second.digest).toBe(first.digest);
    expect(second.image).toBe(first.image);
    expect(second.bytesUploaded).toBe(0);
    expect(reg.stats.blobBytesReceived).toBe(0);
    expect(writes(reg)).toBe(0);
    expect(second).toMatchObject({
      blobsUploaded: 0,
      blobsMounted: 0,
      blobsCopied: 0,
      blobsSkipped: 6,
      manifestsPushed: 0,
      manifestsSkipped: 3,
    });
  });

  it("changed code gives a new digest and uploads only the layer and configs", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const first = await buildImage(input(reg, reg));
    reg.resetStats();
    const second = await buildImage(
      input(reg, reg, { files: [{ path: "function/func.js", content: `${FUNC_JS}// v2\n` }] }),
    );
    expect(second.digest).not.toBe(first.digest);
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(second.digest);
    expect(reg.stats.mounts).toBe(0);
    expect(second).toMatchObject({ blobsUploaded: 3, blobsSkipped: 3 });
    expect(reg.stats.blobBytesReceived).toBe(second.bytesUploaded);
  });
});

describe("mount and copy of the base layers", () => {
  it("same registry: base layers are mounted, never uploaded", async () => {
    const reg = await registry();
    const seeded = reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(input(reg, reg));
    expect(reg.stats.mounts).toBe(seeded.layers.length);
    expect(result.blobsMounted).toBe(seeded.layers.length);
    const baseBytes = seeded.layers.reduce((n, d) => n + (reg.blob(d)?.length ?? 0), 0);
    const ownBytes =
      result.layer.size + result.platforms.reduce((n, p) => n + (reg.blob(p.configDigest)?.length ?? 0), 0);
    expect(reg.stats.blobBytesReceived).toBe(ownBytes);
    expect(result.bytesUploaded).toBe(ownBytes);
    expect(baseBytes).toBeGreaterThan(0);
    for (const digest of seeded.layers) expect(reg.hasBlob("ns/usage/fn", digest)).toBe(true);
  });

  it.each([
    ["bearer", { mode: "bearer" as const, users: { hub: "hubpass" }, anonymousPull: [] }],
    ["basic", { mode: "basic" as const, users: { hub: "hubpass" } }],
  ])(
    "another registry (%s): base layers are streamed across (one PUT each, no mount), redirects get no credentials",
    async (mode, auth) => {
      const source = await registry({ auth, redirectBlobs: true });
      const target = await registry({ auth: { mode: "basic", users: USERS } });
      const seeded = source.seedImage({ repository: "fnproject/node", tag: "24" });
      const result = await buildImage(
        input(source, target, {
          credentials: CREDS,
          baseCredentials: { username: "hub", password: "hubpass" },
        }),
      );
      expect(result.blobsCopied).toBe(seeded.layers.length);
      expect(result.blobsMounted).toBe(0);
      expect(target.stats.mounts + target.stats.mountMisses).toBe(0);
      expect(target.stats.requests["PATCH upload"]).toBeUndefined();
      for (const digest of seeded.layers) expect(target.hasBlob("ns/usage/fn", digest)).toBe(true);
      const baseBytes = seeded.layers.reduce((n, d) => n + (source.blob(d)?.length ?? 0), 0);
      expect(target.stats.blobBytesReceived).toBe(result.bytesUploaded);
      expect(result.bytesUploaded).toBeGreaterThan(baseBytes);
      // Blob GETs went through the redirect, which never saw the Basic credentials or the token.
      expect(source.stats.requests["GET blob"]).toBeGreaterThanOrEqual(seeded.layers.length);
      expect(source.stats.foreignAuthorization).toEqual([]);
      expect(source.stats.tokenRequests).toHaveLength(mode === "bearer" ? 1 : 0);
      if (mode === "bearer") expect(source.stats.tokenRequests[0]?.user).toBe("hub");

      const local = await registry();
      local.seedImage({ repository: "fnproject/node", tag: "24" });
      const sameResult = await buildImage(input(local, local));
      // Same base content, same code: the per-platform manifests differ only by the base name annotation.
      expect(result.layer).toEqual(sameResult.layer);
      expect(result.platforms.map((p) => p.configDigest)).toEqual(
        sameResult.platforms.map((p) => p.configDigest),
      );
    },
  );
});

describe("base kinds", () => {
  it.each([
    ["OCI index", { format: "oci" as const }, "application/vnd.oci.image.index.v1+json"],
    [
      "Docker manifest list",
      { format: "docker" as const },
      "application/vnd.docker.distribution.manifest.list.v2+json",
    ],
    [
      "OCI index, children without mediaType, with an attestation",
      { format: "oci" as const, omitChildMediaType: true, attestation: true },
      "application/vnd.oci.image.index.v1+json",
    ],
  ])("%s base keeps its family", async (_name, seed, mediaType) => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24", ...seed });
    const result = await buildImage(input(reg, reg));
    expect(result.mediaType).toBe(mediaType);
    const index = storedJson(reg, "ns/usage/fn", "1").json;
    expect(index.manifests).toHaveLength(2);
    const layerType =
      seed.format === "docker"
        ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
        : "application/vnd.oci.image.layer.v1.tar+gzip";
    for (const child of index.manifests) {
      const m = storedJson(reg, "ns/usage/fn", child.digest);
      expect(m.mediaType).toBe(child.mediaType);
      expect(m.json.layers.at(-1).mediaType).toBe(layerType);
    }
  });

  it("single-manifest Docker base gives a single Docker manifest", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24", index: false, format: "docker" });
    const result = await buildImage(input(reg, reg, { platforms: [AMD64] }));
    expect(result.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const m = storedJson(reg, "ns/usage/fn", "1");
    expect(m.digest).toBe(result.digest);
    expect(m.json.layers.at(-1).mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
    expect(m.json.annotations).toBeUndefined();
    const pulled = await pullFunction(reg, result.image);
    expect(await readFile(`${pulled.functionDir}/func.js`, "utf8")).toBe(FUNC_JS);
    await pulled.cleanup();
  });

  it("one platform of an index gives a plain manifest equal to that child of the two-platform image", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const both = await buildImage(input(reg, reg));
    const amd = await buildImage(
      input(reg, reg, { target: `${reg.host}/ns/usage/fn:amd`, platforms: [AMD64] }),
    );
    expect(amd.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(amd.digest).toBe(both.platforms[0]?.digest);
  });

  it("refuses a single-platform base when two platforms are needed, naming both", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24", index: false });
    await expect(buildImage(input(reg, reg))).rejects.toThrow(
      `base image ${reg.host}/fnproject/node:24 is a single linux/amd64 image, but linux/amd64 and linux/arm64 are needed`,
    );
    expect(writes(reg)).toBe(0);
  });

  it("refuses a base index without the wanted platform", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24", platforms: [AMD64] });
    await expect(buildImage(input(reg, reg))).rejects.toThrow(
      /has no linux\/arm64 image \(it has: linux\/amd64\)/,
    );
  });
});

describe("auth", () => {
  it("Basic: every request carries the credentials and the push works", async () => {
    const reg = await registry({ auth: { mode: "basic", users: USERS } });
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(input(reg, reg, { credentials: CREDS }));
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
    expect(reg.stats.mounts).toBe(3);
  });

  it.each(["token", "access_token", "both"] as const)(
    "Bearer (%s field): ONE token for push+pull on the target and pull on the base",
    async (tokenField) => {
      const reg = await registry({ auth: { mode: "bearer", users: USERS, tokenField } });
      reg.seedImage({ repository: "ns/fnproject/node", tag: "24" });
      const masked: string[] = [];
      const result = await buildImage(
        input(reg, reg, {
          base: `${reg.host}/ns/fnproject/node:24`,
          credentials: CREDS,
          client: { ...noSleep, mask: (s) => masked.push(s) },
        }),
      );
      expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
      expect(reg.stats.tokenRequests).toHaveLength(1);
      expect(reg.stats.tokenRequests[0]?.scopes.sort()).toEqual([
        "repository:ns/fnproject/node:pull",
        "repository:ns/usage/fn:pull,push",
      ]);
      expect(reg.stats.tokenRequests[0]?.user).toBe("ci");
      expect(reg.stats.mounts).toBe(3);
      expect(masked).toContain("s3cret");
      expect(masked.length).toBeGreaterThanOrEqual(3);
    },
  );

  it("Bearer: anonymous pull of a public base on another registry", async () => {
    const hub = await registry({ auth: { mode: "bearer", users: {}, anonymousPull: ["fnproject/"] } });
    const target = await registry({ auth: { mode: "bearer", users: USERS } });
    hub.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(input(hub, target, { credentials: CREDS }));
    expect(target.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
    expect(hub.stats.tokenRequests.map((t) => t.authorization)).toEqual([undefined]);
    expect(target.stats.tokenRequests).toHaveLength(1);
  });

  it("Bearer: a token that expires during the push is renewed once", async () => {
    let clock = 1_000_000;
    const reg = await registry({
      auth: { mode: "bearer", users: USERS, tokenTtlSeconds: 60 },
      now: () => clock,
    });
    reg.seedImage({ repository: "ns/fnproject/node", tag: "24" });
    const result = await buildImage(
      input(reg, reg, {
        base: `${reg.host}/ns/fnproject/node:24`,
        credentials: CREDS,
        concurrency: 1,
        log: (line) => {
          // The registry's clock jumps past the expiry once the base is read: the next request gets a 401.
          if (line.startsWith("base ")) clock += 120_000;
        },
      }),
    );
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
    expect(reg.stats.tokenRequests).toHaveLength(2);
  });

  it.each([
    ["basic", { mode: "basic" as const, users: USERS }],
    ["bearer", { mode: "bearer" as const, users: USERS }],
  ])("%s: a wrong password gives the clear error and writes nothing", async (_name, auth) => {
    const reg = await registry({ auth });
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const run = buildImage(input(reg, reg, { credentials: { username: "ci", password: "wrong" } }));
    await expect(run).rejects.toThrow(RegistryAuthError);
    await expect(
      buildImage(input(reg, reg, { credentials: { username: "ci", password: "wrong" } })),
    ).rejects.toThrow(
      `registry ${reg.host} rejected the credentials for ci: check the registry username and password`,
    );
    expect(writes(reg)).toBe(0);
    expect(reg.repositories()).toEqual(["fnproject/node"]);
  });

  it("no credentials for a private registry: says credentials are needed", async () => {
    const reg = await registry({ auth: { mode: "basic", users: USERS } });
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    await expect(buildImage(input(reg, reg))).rejects.toThrow(`registry ${reg.host} requires credentials`);
  });

  it("credentials never reach a token realm on another host", async () => {
    const reg = await registry({ auth: { mode: "bearer", users: USERS, separateTokenServer: true } });
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    expect(new URL(reg.tokenUrl ?? "").port).not.toBe(String(reg.port));
    const error = await buildImage(input(reg, reg, { credentials: CREDS })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toMatch(/is another host, so the credentials were not sent to it/);
    expect(reg.stats.tokenRequests.length).toBeGreaterThan(0);
    expect(reg.stats.tokenRequests.every((t) => t.authorization === undefined)).toBe(true);
    expect(reg.stats.foreignAuthorization).toEqual([]);
    expect(writes(reg)).toBe(0);
  });
});

describe("faults", () => {
  it("503, 429, resets and 500s are retried and the result is identical", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const expected = await buildImage(input(reg, reg, { target: `${reg.host}/ns/clean/fn:1` }));
    reg.faults
      .script(
        { type: "status", status: 503 },
        { type: "status", status: 429, retryAfter: 1 },
        { type: "reset" },
        { type: "status", status: 500 },
        { type: "reset" },
      )
      .rate({ type: "status", status: 503 }, 0.2, 7)
      .rate({ type: "reset" }, 0.1, 7);
    const sleeps: number[] = [];
    const result = await buildImage(
      input(reg, reg, {
        concurrency: 1,
        client: { retry: { maxAttempts: 10, sleep: async (ms) => void sleeps.push(ms) } },
      }),
    );
    expect(result.digest).toBe(expected.digest);
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(expected.digest);
    expect(reg.faults.injected).toBeGreaterThanOrEqual(5);
    expect(result.retries).toBeGreaterThanOrEqual(reg.faults.injected - 1);
    expect(sleeps).toContain(1000); // Retry-After: 1 honoured
    const pulled = await pullFunction(reg, result.image);
    expect(await readFile(`${pulled.functionDir}/func.js`, "utf8")).toBe(FUNC_JS);
    await pulled.cleanup();
  });

  it("a cross-registry copy survives faults on both registries", async () => {
    const source = await registry({ redirectBlobs: true });
    const target = await registry({ auth: { mode: "bearer", users: USERS } });
    source.seedImage({ repository: "fnproject/node", tag: "24" });
    const expected = await buildImage(
      input(source, target, { credentials: CREDS, target: `${target.host}/ns/clean/fn:1` }),
    );
    source.faults.script({ type: "reset" }, { type: "status", status: 502 }).rate({ type: "reset" }, 0.15, 3);
    target.faults.rate({ type: "status", status: 503 }, 0.15, 5);
    // One transfer at a time: the same request order on every run, so the seeded faults land the same way.
    const result = await buildImage(input(source, target, { credentials: CREDS, concurrency: 1 }));
    expect(result.digest).toBe(expected.digest);
    expect(result.blobsCopied).toBe(3);
    expect(source.faults.injected).toBeGreaterThan(2);
    expect(target.faults.injected).toBeGreaterThan(0);
    const pulled = await pullFunction(target, result.image, ARM64);
    expect(await readFile(`${pulled.functionDir}/func.js`, "utf8")).toBe(FUNC_JS);
    await pulled.cleanup();
  });

  it("gives up after the attempts with one readable line", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    reg.faults.rate({ type: "status", status: 503 }, 1);
    const error = await buildImage(
      input(reg, reg, { client: { retry: { maxAttempts: 3, sleep: async () => {} } } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(
      `registry ${reg.host}: GET /v2/ failed with HTTP 503 (ServiceUnavailable: Service Unavailable)`,
    );
    expect(reg.faults.injected).toBe(3);
  });
});

describe("bad references and missing bases", () => {
  it("a malformed base reference fails before any request", async () => {
    const reg = await registry();
    const error = await buildImage(input(reg, reg, { base: `${reg.host}/FnProject/Node:24` })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidReferenceError);
    expect((error as Error).message).toBe(
      `base image reference "${reg.host}/FnProject/Node:24" is invalid: repository component "FnProject" must be lower case`,
    );
    expect(reg.stats.requests).toEqual({});
  });

  it("a target with a digest is refused", async () => {
    const reg = await registry();
    await expect(
      buildImage(input(reg, reg, { target: `${reg.host}/ns/fn@sha256:${"a".repeat(64)}` })),
    ).rejects.toThrow(/has a digest; give a tag to push to/);
  });

  it("a missing base tag names the reference", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    await expect(buildImage(input(reg, reg, { base: `${reg.host}/fnproject/node:99` }))).rejects.toThrow(
      `base image ${reg.host}/fnproject/node:99 was not found on ${reg.host} (MANIFEST_UNKNOWN): check the repository name and the tag`,
    );
    await expect(buildImage(input(reg, reg, { base: `${reg.host}/fnproject/nope:24` }))).rejects.toThrow(
      `base image ${reg.host}/fnproject/nope:24 was not found on ${reg.host} (NAME_UNKNOWN)`,
    );
    expect(writes(reg)).toBe(0);
  });
});

describe("dry run", () => {
  it("computes the digest without a single request to the target registry", async () => {
    const base = await registry();
    const target = await registry({ auth: { mode: "basic", users: USERS } });
    base.seedImage({ repository: "fnproject/node", tag: "24" });
    const plan = await buildImage(input(base, target, { dryRun: true, credentials: CREDS }));
    expect(plan.dryRun).toBe(true);
    expect(target.stats.requests).toEqual({});
    expect(plan.bytesUploaded).toBe(0);
    const real = await buildImage(input(base, target, { credentials: CREDS }));
    expect(real.digest).toBe(plan.digest);
    expect(real.image).toBe(plan.image);
  });

  it("on the base's registry: reads only, writes nothing", async () => {
    const reg = await registry({ auth: { mode: "bearer", users: USERS } });
    reg.seedImage({ repository: "ns/fnproject/node", tag: "24" });
    const plan = await buildImage(
      input(reg, reg, { base: `${reg.host}/ns/fnproject/node:24`, credentials: CREDS, dryRun: true }),
    );
    expect(writes(reg)).toBe(0);
    expect(reg.repositories()).toEqual(["ns/fnproject/node"]);
    expect(reg.stats.tokenRequests.flatMap((t) => t.scopes)).toEqual(["repository:ns/fnproject/node:pull"]);
    const real = await buildImage(
      input(reg, reg, { base: `${reg.host}/ns/fnproject/node:24`, credentials: CREDS }),
    );
    expect(real.digest).toBe(plan.digest);
  });
});

describe("upload paths and digest checks", () => {
  it("falls back to chunked PATCH uploads when the registry refuses a monolithic PUT (413)", async () => {
    const reg = await registry({ maxPutBodyBytes: 256, chunkMinLength: 200 });
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(input(reg, reg, { client: { ...noSleep, chunkSize: 100 } }));
    expect(reg.stats.requests["PATCH upload"]).toBeGreaterThan(2);
    expect(reg.blob(result.layer.digest)).toBeDefined();
    expect(sha(reg.blob(result.layer.digest) as Buffer)).toBe(result.layer.digest);
    const pulled = await pullFunction(reg, result.image);
    expect(await readFile(`${pulled.functionDir}/func.js`, "utf8")).toBe(FUNC_JS);
    await pulled.cleanup();
  });

  it("chunked uploads above the monolithic limit", async () => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    const result = await buildImage(
      input(reg, reg, { client: { ...noSleep, monolithicLimit: 300, chunkSize: 128 } }),
    );
    const layerChunks = Math.ceil(result.layer.size / 128);
    expect(reg.stats.requests["PATCH upload"]).toBeGreaterThanOrEqual(layerChunks);
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
  });

  it.each([
    ["416 (the registry lost the range)", { type: "status" as const, status: 416 }],
    [
      "404 BLOB_UPLOAD_UNKNOWN (the session is gone)",
      { type: "status" as const, status: 404, code: "BLOB_UPLOAD_UNKNOWN" },
    ],
  ])("a chunked upload that fails with %s starts over with a new session", async (_name, fault) => {
    const reg = await registry();
    reg.seedImage({ repository: "fnproject/node", tag: "24" });
    reg.faults.only(({ method }) => method === "PATCH").script(fault);
    const result = await buildImage(
      input(reg, reg, { client: { ...noSleep, monolithicLimit: 300, chunkSize: 128 } }),
    );
    expect(reg.faults.injected).toBe(1);
    expect(result.retries).toBe(1);
    expect(reg.manifest("ns/usage/fn", "1")?.digest).toBe(result.digest);
  });

  it("a blob whose bytes do not match the digest is refused (DIGEST_INVALID), not retried", async () => {
    const reg = await registry();
    const client = new RegistryClient({ registry: reg.host, ...noSleep });
    const error = await client
      .uploadBlob("ns/x", sha(Buffer.from("other")), { data: Buffer.from("data") })
      .catch((e: unknown) => e);
    expect((error as RegistryError).status).toBe(400);
    expect((error as RegistryError).code).toBe("DIGEST_INVALID");
    expect(client.counters.retries).toBe(0);
    expect(reg.hasBlob("ns/x", sha(Buffer.from("other")))).toBe(false);
  });

  it("the sandbox answers like distribution 2.8 where clients rely on it", async () => {
    const reg = await registry();
    const seeded = reg.seedImage({ repository: "fnproject/node", tag: "24" });
    // An index is unknown to a client that does not accept its type.
    const plain = await request(`${reg.url}/v2/fnproject/node/manifests/24`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    expect(plain.statusCode).toBe(404);
    expect((await plain.body.json()) as unknown).toMatchObject({ errors: [{ code: "MANIFEST_UNKNOWN" }] });
    // A mount from a repository without the blob opens an upload session instead.
    const mount = await request(`${reg.url}/v2/ns/x/blobs/uploads/?mount=${seeded.layers[0]}&from=ns/empty`, {
      method: "POST",
    });
    await mount.body.dump();
    expect(mount.statusCode).toBe(202);
    expect(mount.headers["docker-upload-uuid"]).toBeDefined();
    // A chunk at the wrong offset gets 416 and the current range.
    const location = new URL(String(mount.headers.location), reg.url);
    const patch = await request(location, {
      method: "PATCH",
      headers: { "content-range": "5-9", "content-type": "application/octet-stream" },
      body: "abcde",
    });
    await patch.body.dump();
    expect(patch.statusCode).toBe(416);
    expect(patch.headers.range).toBe("0-0");
    expect(reg.stats.mountMisses).toBe(1);
  });

  it("the sandbox refuses an index whose children are missing, like distribution 2.8", async () => {
    const reg = await registry();
    const client = new RegistryClient({ registry: reg.host, ...noSleep });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: `sha256:${"1".repeat(64)}`,
            size: 1,
          },
        ],
      }),
    );
    const error = await client
      .putManifest("ns/x", "1", {
        bytes: index,
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest: sha(index),
        size: index.length,
      })
      .catch((e: unknown) => e);
    expect((error as RegistryError).status).toBe(400);
    expect((error as RegistryError).code).toBe("MANIFEST_BLOB_UNKNOWN");
  });

  it("a Docker-Content-Digest that does not match the bytes is refused", async () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [],
      }),
    );
    const liar: Server = createServer((req, res) => {
      if (req.url === "/v2/") return void res.writeHead(200, { "content-length": 2 }).end("{}");
      res.writeHead(200, {
        "content-type": "application/vnd.oci.image.index.v1+json",
        "docker-content-digest": `sha256:${"0".repeat(64)}`,
        "content-length": body.length,
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          liar.close(() => resolve());
          liar.closeAllConnections();
        }),
    });
    const host = `127.0.0.1:${(liar.address() as AddressInfo).port}`;
    const client = new RegistryClient({ registry: host, ...noSleep });
    await expect(client.getManifest("a/b", "1")).rejects.toThrow(DigestMismatchError);
    await expect(client.getManifest("a/b", "1")).rejects.toThrow(/registry says sha256:0000/);
  });
});
