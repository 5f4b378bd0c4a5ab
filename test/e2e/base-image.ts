// A RUNNABLE fake of fnproject/node, made from this machine's node binary and the shared libraries it links
// (ldd), with the Fn runtime's user (uid/gid 1000) in /etc/passwd. umoci builds it into an OCI layout:
//   - tag `amd64`: a single image (linux/amd64, Cmd ["node"], no WorkingDir or Entrypoint, like the real base);
//   - tag `arm64`: the same rootfs layer with the config's architecture set to arm64. It cannot run on an
//     amd64 host and is only checked structurally, so a second (arm64) node binary buys nothing;
//   - tag `multi`: an OCI image index of the two (umoci cannot write indexes; it is written here).
// seedBase() pushes a tag to a registry with skopeo.
import { createHash } from "node:crypto";
import { chmod, chown, copyFile, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Credentials } from "./registry.js";
import { run } from "./tools.js";

export const BASE_TAGS = { index: "multi", single: "amd64", arm64: "arm64" } as const;
/** Where the fake base keeps node (the real base has it in /usr/bin; any PATH entry does). */
export const NODE_PATH = "/usr/local/bin/node";
export const BASE_PATH_ENV = "PATH=/usr/local/bin:/usr/bin:/bin";
export const FN_UID = 1000;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface FakeBase {
  /** OCI layout folder. */
  layout: string;
  /** The index (tag `multi`) and its children. */
  indexDigest: string;
  children: { amd64: Descriptor; arm64: Descriptor };
  /** The one rootfs layer both children share. */
  layerDigest: string;
  layerSize: number;
}

interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

const REF_NAME = "org.opencontainers.image.ref.name";
const INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** The absolute paths `ldd` lists for a binary: its libraries and the loader. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run("ldd", [binary]);
  const paths = new Set<string>();
  for (const line of stdout.split("\n")) {
    for (const m of line.matchAll(/(\/[^\s)]+)/g)) paths.add(m[1]!);
  }
  if (paths.size === 0) throw new Error(`ldd listed no libraries for ${binary}: ${stdout.trim()}`);
  return [...paths];
}

/** The rootfs: stripped node, its libraries at their own paths, /etc/passwd and /etc/group, /tmp. */
async function buildRootfs(root: string): Promise<void> {
  const node = await realpath(process.execPath);
  await mkdir(join(root, dirname(NODE_PATH)), { recursive: true });
  // Stripped: 99 MB -> 86 MB, less to gzip on every run.
  await run("strip", ["-o", join(root, NODE_PATH), node]);
  for (const lib of await sharedLibraries(node)) {
    await mkdir(join(root, dirname(lib)), { recursive: true });
    await copyFile(lib, join(root, lib)); // follows symlinks, like cp -L
  }
  await mkdir(join(root, "etc"), { recursive: true });
  await writeFile(
    join(root, "etc", "passwd"),
    `root:x:0:0:root:/root:/sbin/nologin\nfn:x:${FN_UID}:${FN_UID}:fn:/home/fn:/sbin/nologin\n`,
  );
  await writeFile(join(root, "etc", "group"), `root:x:0:\nfn:x:${FN_UID}:\n`);
  await mkdir(join(root, "home", "fn"), { recursive: true });
  await chown(join(root, "home", "fn"), FN_UID, FN_UID);
  await mkdir(join(root, "tmp"), { recursive: true });
  await chmod(join(root, "tmp"), 0o1777);
}

async function readIndex(layout: string): Promise<OciIndex> {
  return JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as OciIndex;
}

function tagged(index: OciIndex, tag: string): Descriptor {
  const found = index.manifests.find((d) => d.annotations?.[REF_NAME] === tag);
  if (!found) throw new Error(`the OCI layout has no tag ${tag}`);
  return found;
}

export async function readBlob(layout: string, digest: string): Promise<Buffer> {
  return readFile(join(layout, "blobs", "sha256", digest.replace(/^sha256:/, "")));
}

/** Build the fake base into `<workDir>/base-layout`. */
export async function buildFakeBase(workDir: string): Promise<FakeBase> {
  const root = join(workDir, "base-rootfs");
  const layout = join(workDir, "base-layout");
  await buildRootfs(root);

  const amd64 = `${layout}:${BASE_TAGS.single}`;
  await run("umoci", ["init", "--layout", layout]);
  await run("umoci", ["new", "--image", amd64]);
  await run("umoci", ["insert", "--image", amd64, root, "/"], { timeoutMs: 120_000 });
  await run("umoci", [
    "config",
    "--image",
    amd64,
    "--os",
    "linux",
    "--architecture",
    "amd64",
    "--config.cmd",
    "node",
    "--config.env",
    BASE_PATH_ENV,
  ]);
  // Same layer, arm64 config (see the header comment).
  await run("umoci", ["config", "--image", amd64, "--tag", BASE_TAGS.arm64, "--architecture", "arm64"]);

  let index = await readIndex(layout);
  const plain = (d: Descriptor): Descriptor => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  const children = {
    amd64: { ...plain(tagged(index, BASE_TAGS.single)), platform: { os: "linux", architecture: "amd64" } },
    arm64: {
      ...plain(tagged(index, BASE_TAGS.arm64)),
      platform: { os: "linux", architecture: "arm64", variant: "v8" },
    },
  };
  const imageIndex: OciIndex = {
    schemaVersion: 2,
    mediaType: INDEX_TYPE,
    manifests: [children.amd64, children.arm64],
  };
  const bytes = Buffer.from(JSON.stringify(imageIndex));
  const indexDigest = `sha256:${sha256(bytes)}`;
  await writeFile(join(layout, "blobs", "sha256", sha256(bytes)), bytes);
  index = await readIndex(layout);
  index.manifests.push({
    mediaType: INDEX_TYPE,
    digest: indexDigest,
    size: bytes.length,
    annotations: { [REF_NAME]: BASE_TAGS.index },
  });
  await writeFile(join(layout, "index.json"), JSON.stringify(index));

  const manifest = JSON.parse((await readBlob(layout, children.amd64.digest)).toString("utf8")) as {
    layers: Descriptor[];
  };
  if (manifest.layers.length !== 1)
    throw new Error(`the fake base has ${manifest.layers.length} layers, not 1`);
  return {
    layout,
    indexDigest,
    children,
    layerDigest: manifest.layers[0]!.digest,
    layerSize: manifest.layers[0]!.size,
  };
}

/** Push one tag of the layout to `docker://<host>/<repository>:<tag>` with skopeo (index and children with --all). */
export async function seedBase(
  base: FakeBase,
  layoutTag: string,
  destination: { host: string; repository: string; tag: string; credentials?: Credentials },
): Promise<void> {
  await run(
    "skopeo",
    [
      "--insecure-policy",
      "copy",
      "--quiet",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      ...(destination.credentials
        ? ["--dest-creds", `${destination.credentials.username}:${destination.credentials.password}`]
        : []),
      `oci:${base.layout}:${layoutTag}`,
      `docker://${destination.host}/${destination.repository}:${destination.tag}`,
    ],
    { timeoutMs: 120_000 },
  );
}
