// The built action (`deploy`, image-only) against real registries: Debian's docker-registry with token auth,
// htpasswd Basic and no auth. What each registry answered comes from its own access log; what it received
// from the byte count of the loopback front (see registry.ts).
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { type ActionRun, describeRun, runAction } from "./action.js";
import { BASE_TAGS, readBlob, seedBase } from "./base-image.js";
import { inspectConfig, inspectRaw } from "./container.js";
import {
  BASE_REPOSITORY,
  type ConfigJson,
  imageOnlyInputs,
  type ManifestJson,
  MEDIA,
  NAMESPACE,
  newUser,
  ociInputs,
  type PushInputs,
  sha256,
  splitImage,
} from "./fixtures.js";
import { type AccessLine, type Distribution, startDistribution } from "./registry.js";

const { dist, workDir, base } = inject("e2e");
const user = newUser();
const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let dir: string;
let sandbox: Sandbox | undefined;
let oci: Record<string, string>;
const registries: Distribution[] = [];
let tokenRegistry: Distribution;
let basicRegistry: Distribution;
let plainRegistry: Distribution;

beforeAll(async () => {
  dir = await mkdtemp(join(workDir, "push-"));
  sandbox = await startSandbox({ provision: false, prewarm: false });
  oci = await ociInputs(sandbox.endpoints);
  const started = await Promise.allSettled([
    startDistribution({
      name: "token",
      mode: "token",
      workDir: dir,
      user,
      anonymousPullPrefixes: [`${BASE_REPOSITORY.split("/")[0]}/`],
    }),
    startDistribution({ name: "basic", mode: "htpasswd", workDir: dir, user }),
    startDistribution({ name: "plain", mode: "none", workDir: dir }),
  ]);
  for (const s of started) if (s.status === "fulfilled") registries.push(s.value);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  [tokenRegistry, basicRegistry, plainRegistry] = registries as [Distribution, Distribution, Distribution];
  await Promise.all([
    seedBase(base, BASE_TAGS.index, {
      host: tokenRegistry.host,
      repository: BASE_REPOSITORY,
      tag: BASE_TAGS.index,
      credentials: user,
    }),
    seedBase(base, BASE_TAGS.single, {
      host: tokenRegistry.host,
      repository: BASE_REPOSITORY,
      tag: BASE_TAGS.single,
      credentials: user,
    }),
    seedBase(base, BASE_TAGS.index, {
      host: plainRegistry.host,
      repository: BASE_REPOSITORY,
      tag: BASE_TAGS.index,
    }),
  ]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([...registries.map((r) => r.stop()), sandbox?.stop()]);
});

interface Observed {
  run: ActionRun;
  access: Map<Distribution, AccessLine[]>;
  bytes: Map<Distribution, number>;
}

/** Run the action and collect what every registry saw during the run. */
async function push(p: PushInputs): Promise<Observed> {
  for (const r of registries) await r.startRun();
  const run = await runAction(dist, dir, imageOnlyInputs(oci, p));
  const access = new Map<Distribution, AccessLine[]>();
  const bytes = new Map<Distribution, number>();
  for (const r of registries) {
    access.set(r, await r.accessSince());
    bytes.set(r, r.bytesReceived());
  }
  return { run, access, bytes };
}

function expectSuccess(run: ActionRun): void {
  expect(run.code, describeRun(run)).toBe(0);
  expect(run.errors).toEqual([]);
}

/** Every line of the output that holds the password is a mask command. */
function expectPasswordHidden(run: ActionRun, password: string): void {
  for (const line of `${run.stdout}\n${run.stderr}`.split("\n").filter((l) => l.includes(password))) {
    expect(line).toMatch(/^::add-mask::/);
  }
}

const uploadsOf = (lines: AccessLine[], repository: string) =>
  lines.filter((l) => l.method === "PUT" && l.uri.startsWith(`/v2/${repository}/blobs/uploads/`));
const digestParam = (uri: string) => /[?&]digest=(sha256:[0-9a-f]{64})/.exec(uri)?.[1];
const mountsOf = (lines: AccessLine[], repository: string) =>
  lines.filter(
    (l) =>
      l.method === "POST" && l.uri.startsWith(`/v2/${repository}/blobs/uploads/`) && /[?&]mount=/.test(l.uri),
  );

describe("image-only push to real registries", () => {
  const target = `${NAMESPACE}/usage-api`;
  let first: Observed;

  it("same registry (token auth): the base layer is mounted from the base repository, not uploaded", async () => {
    expect(base.layerSize).toBeGreaterThan(10 * 1024 * 1024); // so "not uploaded" is measurable
    first = await push({
      registry: tokenRegistry.host,
      user,
      base: `${tokenRegistry.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
      platforms: "linux/amd64,linux/arm64",
      repository: "usage-api",
    });
    const { run } = first;
    expectSuccess(run);
    expectPasswordHidden(run, user.password);
    expect(run.outputs.image).toMatch(
      new RegExp(`^${tokenRegistry.host}/${target}:fn-[0-9a-f]{16}@sha256:[0-9a-f]{64}$`),
    );
    expect(run.outputs["function-id"]).toBe("");
    expect(run.outputs["deployment-id"]).toBe("");
    expect(run.stdout).toContain("image only (the function and the gateway deployment are not touched)");
    // One shared base layer mounted; our layer and the two configs uploaded; two children and the index.
    expect(run.counters).toMatchObject({ mounted: 1, copied: 0, blobsUploaded: 3, manifestsPushed: 3 });

    const lines = first.access.get(tokenRegistry) ?? [];
    const mounts = mountsOf(lines, target);
    expect(mounts.map((l) => [l.status, /[?&]mount=(sha256:[0-9a-f]{64})/.exec(l.uri)?.[1]])).toEqual([
      [201, base.layerDigest],
    ]);
    expect(mounts[0]!.uri).toMatch(new RegExp(`[?&]from=${BASE_REPOSITORY}(&|$)`));
    const uploaded = uploadsOf(lines, target).map((l) => digestParam(l.uri));
    expect(uploaded).toHaveLength(3);
    expect(uploaded).not.toContain(base.layerDigest);
    expect(lines.filter((l) => l.method === "PATCH")).toEqual([]);
    // The registry received a few KB (our layer, configs, manifests), not the 30+ MB base layer.
    const received = first.bytes.get(tokenRegistry) ?? 0;
    expect(received).toBeGreaterThanOrEqual(run.counters?.bytesUploaded ?? Number.NaN);
    expect(received).toBeLessThan(1024 * 1024);
    // The credentials went to the realm on the registry's origin; one token covered push and the mount.
    expect(tokenRegistry.tokenRequests.length).toBeGreaterThan(0);
    for (const t of tokenRegistry.tokenRequests) expect(t).toMatchObject({ user: "ci", status: 200 });
    expect(tokenRegistry.tokenRequests.flatMap((t) => t.granted)).toEqual(
      expect.arrayContaining([`repository:${target}:pull,push`, `repository:${BASE_REPOSITORY}:pull`]),
    );
  });

  it("a second run sends only HEADs for blobs, uploads nothing and yields the same digest", async () => {
    expect(first?.run.code).toBe(0);
    const again = await push({
      registry: tokenRegistry.host,
      user,
      base: `${tokenRegistry.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
      platforms: "linux/amd64,linux/arm64",
      repository: "usage-api",
    });
    expectSuccess(again.run);
    expect(again.run.outputs.image).toBe(first.run.outputs.image);
    expect(again.run.counters).toMatchObject({
      blobsUploaded: 0,
      bytesUploaded: 0,
      mounted: 0,
      copied: 0,
      alreadyThere: 4,
      manifestsPushed: 0,
    });
    const lines = again.access.get(tokenRegistry) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => WRITE.has(l.method))).toEqual([]);
    const targetBlobs = lines.filter((l) => l.uri.startsWith(`/v2/${target}/blobs/`));
    expect(targetBlobs.map((l) => `${l.method} ${l.status}`)).toEqual(Array(4).fill("HEAD 200"));
    // The only blob GETs read the base's configs (planning needs them); no layer is read or written.
    const baseConfigs = await Promise.all(
      [base.children.amd64, base.children.arm64].map(
        async (c) =>
          (JSON.parse((await readBlob(base.layout, c.digest)).toString("utf8")) as ManifestJson).config
            .digest,
      ),
    );
    const blobGets = lines.filter((l) => l.method === "GET" && l.uri.includes("/blobs/"));
    expect(blobGets.length).toBeGreaterThan(0);
    for (const l of blobGets) {
      expect(baseConfigs.map((d) => `/v2/${BASE_REPOSITORY}/blobs/${d}`)).toContain(l.uri);
    }
    expect(again.bytes.get(tokenRegistry)).toBe(0);
  });

  it("a single-manifest base gives a single manifest: base layer + the same function layer", async () => {
    const observed = await push({
      registry: tokenRegistry.host,
      user,
      base: `${tokenRegistry.host}/${BASE_REPOSITORY}:${BASE_TAGS.single}`,
      platforms: "linux/amd64",
      repository: "usage-api-single",
    });
    expectSuccess(observed.run);
    const image = splitImage(observed.run.outputs.image ?? "");
    expect(image.repository).toBe(`${NAMESPACE}/usage-api-single`);
    const raw = await inspectRaw(`${tokenRegistry.host}/${image.repository}:${image.tag}`, user);
    expect(sha256(raw)).toBe(image.digest);
    const manifest = JSON.parse(raw.toString("utf8")) as ManifestJson;
    expect(manifest.mediaType).toBe(MEDIA.manifest);
    expect(manifest.layers.map((l) => l.digest)[0]).toBe(base.layerDigest);
    expect(manifest.layers).toHaveLength(2);
    expect(manifest.layers[1]!.mediaType).toBe(MEDIA.layer);
    // The function layer is the same blob as in the index push: one reproducible layer.
    const firstRaw = await inspectRaw(
      `${tokenRegistry.host}/${target}@${splitImage(first.run.outputs.image ?? "").digest}`,
      user,
    );
    const firstChild = JSON.parse(firstRaw.toString("utf8")) as { manifests: Array<{ digest: string }> };
    const child = JSON.parse(
      (await inspectRaw(`${tokenRegistry.host}/${target}@${firstChild.manifests[0]!.digest}`, user)).toString(
        "utf8",
      ),
    ) as ManifestJson;
    expect(manifest.layers[1]!.digest).toBe(child.layers[1]!.digest);
    const config = JSON.parse(
      (await inspectConfig(`${tokenRegistry.host}/${image.repository}:${image.tag}`, "amd64", user)).toString(
        "utf8",
      ),
    ) as ConfigJson;
    expect(config).toMatchObject({ os: "linux", architecture: "amd64" });
    expect(config.config.Entrypoint).toEqual(["node", "func.js"]);
    expect(config.config.Cmd).toBeUndefined();
    expect(config.rootfs.diff_ids).toHaveLength(2);
  });

  it("another registry: base layers are streamed from the base registry (no auth) to the target (Basic)", async () => {
    const observed = await push({
      registry: basicRegistry.host,
      user,
      base: `${plainRegistry.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
      platforms: "linux/amd64,linux/arm64",
      repository: "usage-api",
    });
    expectSuccess(observed.run);
    expectPasswordHidden(observed.run, user.password);
    expect(observed.run.outputs.image).toMatch(new RegExp(`^${basicRegistry.host}/${target}:fn-`));
    expect(observed.run.counters).toMatchObject({
      mounted: 0,
      copied: 1,
      blobsUploaded: 3,
      manifestsPushed: 3,
    });

    const targetLines = observed.access.get(basicRegistry) ?? [];
    expect(mountsOf(targetLines, target)).toEqual([]);
    const uploaded = uploadsOf(targetLines, target);
    expect(uploaded.map((l) => digestParam(l.uri))).toContain(base.layerDigest);
    expect(uploaded.every((l) => l.status === 201)).toBe(true);
    expect(observed.bytes.get(basicRegistry)).toBeGreaterThanOrEqual(base.layerSize);

    // The base registry was only read: its layer streamed out once, nothing written.
    const baseLines = observed.access.get(plainRegistry) ?? [];
    expect(baseLines.filter((l) => WRITE.has(l.method))).toEqual([]);
    expect(
      baseLines.filter(
        (l) => l.method === "GET" && l.uri === `/v2/${BASE_REPOSITORY}/blobs/${base.layerDigest}`,
      ),
    ).toHaveLength(1);
    expect(observed.bytes.get(plainRegistry)).toBe(0);
    // The token registry was not involved.
    expect(observed.access.get(tokenRegistry)).toEqual([]);
  });

  it.each([
    ["htpasswd Basic", () => basicRegistry],
    ["token", () => tokenRegistry],
  ])(
    "a wrong password on the %s registry fails with one clear line and writes nothing",
    async (_mode, which) => {
      const registry = which();
      const wrong = newUser();
      const observed = await push({
        registry: registry.host,
        user: wrong,
        base: `${plainRegistry.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
        platforms: "linux/amd64",
        repository: "usage-api-denied",
      });
      expect(observed.run.code).toBe(1);
      expect(observed.run.errors).toHaveLength(1);
      const error = observed.run.errors[0]!;
      expect(error).toContain(`registry ${registry.host} rejected the credentials for ${wrong.username}`);
      expect(error).toMatch(/check the registry username and password/);
      expect(error).not.toContain(wrong.password);
      expect(error).not.toContain(user.password);
      expect(error).not.toMatch(/\n|\[object Object\]|\bat [\w.<>]+ \(/);
      expectPasswordHidden(observed.run, wrong.password);
      expect(observed.run.outputs.image).toBeUndefined();
      expect((observed.access.get(registry) ?? []).filter((l) => WRITE.has(l.method))).toEqual([]);
      if (registry.mode === "token") {
        expect(registry.tokenRequests.map((t) => [t.user, t.status])).toContainEqual([wrong.username, 401]);
      }
    },
  );
});
