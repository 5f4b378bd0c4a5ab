// The image the built action pushes, checked with tools that share no code with it: skopeo reads the index,
// manifests and configs; umoci unpacks it (and checks every diff_id); the function then runs FROM THE UNPACKED
// ROOTFS, chrooted, as uid/gid 1000, and answers a real usage request through the sandbox's Usage API.
import { chown, mkdtemp, readFile, readlink, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Sandbox, sandboxOcid, startSandbox } from "../../sandbox/index.js";
import { formatMicros } from "../../sandbox/usageapi/dataset.js";
import { type ActionRun, describeRun, runAction } from "./action.js";
import { BASE_PATH_ENV, BASE_TAGS, FN_UID, NODE_PATH, readBlob, seedBase } from "./base-image.js";
import {
  callFunction,
  inspectConfig,
  inspectRaw,
  ownedDir,
  pullAndUnpack,
  type RunningFunction,
  startInRootfs,
  type Unpacked,
} from "./container.js";
import {
  BASE_REPOSITORY,
  type ConfigJson,
  type IndexJson,
  imageOnlyInputs,
  type ManifestJson,
  MEDIA,
  NAMESPACE,
  newUser,
  ociInputs,
  sha256,
  splitImage,
} from "./fixtures.js";
import { type Distribution, startDistribution } from "./registry.js";

const { dist, workDir, base } = inject("e2e");
const user = newUser();
const MONTH = {
  granularity: "MONTHLY",
  timeUsageStarted: "2025-03-01T00:00:00Z",
  timeUsageEnded: "2025-04-01T00:00:00Z",
};

let dir: string;
let sandbox: Sandbox | undefined;
let registry: Distribution | undefined;
let pushed: ActionRun;
let image: { repository: string; tag: string; digest: string };
let index: IndexJson;
let fn: RunningFunction | undefined;
let unpacked: Unpacked | undefined;

const ref = (suffix: string) => `${registry!.host}/${image.repository}${suffix}`;

beforeAll(async () => {
  dir = await mkdtemp(join(workDir, "image-"));
  sandbox = await startSandbox({ provision: false, prewarm: false });
  registry = await startDistribution({
    name: "token",
    mode: "token",
    workDir: dir,
    user,
    anonymousPullPrefixes: ["fnproject/"],
  });
  await seedBase(base, BASE_TAGS.index, {
    host: registry.host,
    repository: BASE_REPOSITORY,
    tag: BASE_TAGS.index,
    credentials: user,
  });
  pushed = await runAction(
    dist,
    dir,
    imageOnlyInputs(await ociInputs(sandbox.endpoints), {
      registry: registry.host,
      user,
      base: `${registry.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
      platforms: "linux/amd64,linux/arm64",
      repository: "usage-api",
    }),
  );
  if (pushed.code !== 0) throw new Error(`the action failed: ${describeRun(pushed)}`);
  image = splitImage(pushed.outputs.image ?? "");
}, 240_000);

afterAll(async () => {
  await fn?.stop();
  await Promise.allSettled([registry?.stop(), sandbox?.stop()]);
});

describe("the pushed image, read by skopeo", () => {
  it("is an OCI index of linux/amd64 and linux/arm64 whose digest is the `image` output's", async () => {
    expect(image.repository).toBe(`${NAMESPACE}/usage-api`);
    const raw = await inspectRaw(ref(`:${image.tag}`), user);
    expect(sha256(raw)).toBe(image.digest);
    index = JSON.parse(raw.toString("utf8")) as IndexJson;
    expect(index.mediaType).toBe(MEDIA.index);
    expect(index.manifests.map((m) => [m.mediaType, m.platform])).toEqual([
      [MEDIA.manifest, { os: "linux", architecture: "amd64" }],
      [MEDIA.manifest, { os: "linux", architecture: "arm64", variant: "v8" }],
    ]);
    expect(index.annotations).toMatchObject({
      "org.opencontainers.image.base.name": `${registry!.host}/${BASE_REPOSITORY}:${BASE_TAGS.index}`,
      "org.opencontainers.image.base.digest": base.indexDigest,
    });
  });

  it("has one child per platform: the base layer plus one shared function layer, each digest checked", async () => {
    const functionLayers = new Set<string>();
    for (const child of index.manifests) {
      const raw = await inspectRaw(ref(`@${child.digest}`), user);
      expect(sha256(raw)).toBe(child.digest);
      expect(raw.length).toBe(child.size);
      const manifest = JSON.parse(raw.toString("utf8")) as ManifestJson;
      expect(manifest.mediaType).toBe(MEDIA.manifest);
      expect(manifest.config.mediaType).toBe(MEDIA.config);
      expect(manifest.layers.map((l) => l.digest)).toHaveLength(2);
      expect(manifest.layers[0]).toMatchObject({ digest: base.layerDigest, size: base.layerSize });
      expect(manifest.layers[1]!.mediaType).toBe(MEDIA.layer);
      functionLayers.add(manifest.layers[1]!.digest);
    }
    expect(functionLayers.size).toBe(1);
  });

  it.each(["amd64", "arm64"])(
    "linux/%s config: WorkingDir /function, Entrypoint [node, func.js], no Cmd, diff_ids and history, os/arch kept",
    async (arch) => {
      const child = index.manifests.find((m) => m.platform?.architecture === arch);
      expect(child).toBeDefined();
      const manifest = JSON.parse(
        (await inspectRaw(ref(`@${child!.digest}`), user)).toString("utf8"),
      ) as ManifestJson;
      const raw = await inspectConfig(ref(`:${image.tag}`), arch, user);
      expect(sha256(raw)).toBe(manifest.config.digest);
      const config = JSON.parse(raw.toString("utf8")) as ConfigJson;

      const baseChild = base.children[arch as "amd64" | "arm64"];
      const baseManifest = JSON.parse(
        (await readBlob(base.layout, baseChild.digest)).toString("utf8"),
      ) as ManifestJson;
      const baseConfig = JSON.parse(
        (await readBlob(base.layout, baseManifest.config.digest)).toString("utf8"),
      ) as ConfigJson;
      expect(baseConfig.config.Cmd).toEqual(["node"]); // what must be dropped
      expect(baseConfig.config.WorkingDir ?? "").toBe("");

      expect(config).toMatchObject({ os: "linux", architecture: arch });
      expect(config.config.WorkingDir).toBe("/function");
      expect(config.config.Entrypoint).toEqual(["node", "func.js"]);
      expect(config.config.Cmd).toBeUndefined();
      expect(config.config.Env).toEqual(baseConfig.config.Env);
      expect(config.config.Env).toContain(BASE_PATH_ENV);
      expect(config.rootfs.diff_ids).toHaveLength(manifest.layers.length);
      expect(config.rootfs.diff_ids.slice(0, -1)).toEqual(baseConfig.rootfs.diff_ids);
      const history = config.history ?? [];
      expect(history.slice(0, -1)).toEqual(baseConfig.history ?? []);
      expect(history.at(-1)?.empty_layer).toBeFalsy();
      expect(history.filter((h) => !h.empty_layer)).toHaveLength(manifest.layers.length);
    },
  );
});

describe("the pushed image, unpacked by umoci and run as uid 1000", () => {
  it("unpacks (umoci checks every diff_id) into the base's files plus /function/func.js, 0644, owned by root", async () => {
    unpacked = await pullAndUnpack(ref(`:${image.tag}`), await mkdtemp(join(dir, "pull-")), user);
    const rootfs = unpacked.rootfs;
    const funcJs = await stat(join(rootfs, "function", "func.js"));
    expect(funcJs.mode & 0o7777).toBe(0o644);
    expect([funcJs.uid, funcJs.gid]).toEqual([0, 0]);
    expect((await stat(join(rootfs, "function"))).mode & 0o7777).toBe(0o755);
    const shipped = await readFile(join(dist, "function", "func.js"));
    expect(sha256(await readFile(join(rootfs, "function", "func.js")))).toBe(sha256(shipped));
    // The base's files are there.
    const node = await stat(join(rootfs, NODE_PATH));
    expect(node.isFile() && (node.mode & 0o111) !== 0).toBe(true);
    expect(await readFile(join(rootfs, "etc", "passwd"), "utf8")).toMatch(/^fn:x:1000:1000:/m);
    // The runtime config umoci derives from the image config.
    expect(unpacked.config.process.args).toEqual(["node", "func.js"]);
    expect(unpacked.config.process.cwd).toBe("/function");
  });

  it("runs the image's Entrypoint as uid 1000 and answers a one-month usage request with the exact total", async () => {
    expect(unpacked).toBeDefined();
    const s = sandbox!;
    const { rootfs, config } = unpacked!;
    // The platform's view: a private /tmp dir for the socket, resource-principal files the function can read.
    await ownedDir(rootfs, "tmp/fn", FN_UID);
    const rp = await ownedDir(rootfs, "tmp/rp", FN_UID);
    const rpst = s.authority.mintRpst({
      tenancyId: s.endpoints.tenancyId,
      compartmentId: s.endpoints.compartmentId,
      resourceId: sandboxOcid("fnfunc", "iad", "e2e"),
      ttlSeconds: 1200,
    });
    for (const [name, content] of [
      ["rpst", rpst.token],
      ["private.pem", rpst.privateKeyPem],
    ] as const) {
      await writeFile(join(rp, name), content, { mode: 0o600 });
      await chown(join(rp, name), FN_UID, FN_UID);
    }
    const env: Record<string, string> = Object.fromEntries(
      config.process.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    Object.assign(env, {
      HOME: "/tmp/fn",
      FN_FORMAT: "http-stream",
      FN_LISTENER: "unix:/tmp/fn/lsnr.sock",
      FN_APP_ID: sandboxOcid("fnapp", "iad", "e2e"),
      FN_FN_ID: sandboxOcid("fnfunc", "iad", "e2e"),
      FN_APP_NAME: "usageapi",
      FN_FN_NAME: "usage-api",
      FN_MEMORY: "256",
      FN_TYPE: "sync",
      OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
      OCI_RESOURCE_PRINCIPAL_RPST: "/tmp/rp/rpst",
      OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: "/tmp/rp/private.pem",
      OCI_RESOURCE_PRINCIPAL_REGION: s.endpoints.region,
      // 127.0.0.1 is the host's: unshare --root changes the root only, not the network namespace.
      USAGE_API_ENDPOINT: s.endpoints.usageApiUrl,
    });
    fn = await startInRootfs({
      rootfs,
      args: config.process.args,
      cwd: config.process.cwd,
      uid: FN_UID,
      env,
      socketInRootfs: "tmp/fn/lsnr.sock",
    });

    // It is node from the image, chrooted into the unpacked rootfs, in /function, as uid/gid 1000.
    const status = await readFile(`/proc/${fn.pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status).toMatch(/^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(await readlink(`/proc/${fn.pid}/root`)).toBe(await realpath(rootfs));
    expect(await readlink(`/proc/${fn.pid}/cwd`)).toBe(await realpath(join(rootfs, "function")));
    expect(await readlink(`/proc/${fn.pid}/exe`)).toBe(await realpath(join(rootfs, NODE_PATH)));
    expect((await stat(join(rootfs, "tmp", "fn", "lsnr.sock.tmp"))).uid).toBe(FN_UID);

    const before = s.usageApi.stats.requests;
    const answer = await callFunction(
      fn.socketPath,
      JSON.stringify({ tenantId: s.endpoints.tenancyId, ...MONTH }),
      { requestUrl: "/usage/request-summarized-usages" },
    );
    expect(answer.status, `${answer.body}\n${fn.logs()}`).toBe(200);
    expect(answer.headers["fn-http-status"]).toBe("200");
    const body = JSON.parse(answer.body) as {
      items: Array<{ timeUsageStarted: string; computedAmount: number }>;
    };
    expect(body.items.map((i) => i.timeUsageStarted)).toEqual(["2025-03-01T00:00:00.000Z"]);
    expect(String(body.items[0]!.computedAmount)).toBe(
      formatMicros(s.dataset.totalMicros("2025-03", "COST")),
    );
    // The answer came from the Usage API emulator, signed with the resource principal.
    expect(s.usageApi.stats.requests).toBeGreaterThan(before);
  });
});
