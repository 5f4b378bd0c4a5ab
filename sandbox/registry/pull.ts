// Pulling: what the Fn agent does with a deployed image (by digest): pick the platform, check every layer's
// digest and diff_id (as umoci does), and unpack /function.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseReference } from "../../src/image/reference.js";
import type { Registry } from "./index.js";
import type { SandboxPlatform } from "./seed.js";
import { sha256 } from "./store.js";

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string;
  content: Buffer;
}

function cString(block: Buffer, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  const text = cString(block, offset, length).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** The PAX records of an extended header (`<length> <key>=<value>\n` each). */
function parsePax(content: Buffer): Record<string, string> {
  const pax: Record<string, string> = {};
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    const length = Number(content.subarray(pos, space).toString("ascii"));
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0) throw new Error("malformed PAX record");
    const record = content.subarray(space + 1, pos + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    pax[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return pax;
}

const TYPES: Record<string, TarEntry["type"]> = {
  "0": "file",
  "\0": "file",
  "5": "dir",
  "2": "symlink",
  "1": "hardlink",
};

function checkSum(block: Buffer, offset: number): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
  if (sum !== octal(block, 148, 8)) throw new Error(`tar checksum mismatch at offset ${offset}`);
}

function entryOf(block: Buffer, content: Buffer, size: number, pax: Record<string, string>): TarEntry {
  const typeflag = String.fromCharCode(block[156] ?? 0);
  const prefix = cString(block, 345, 155);
  const rawName = cString(block, 0, 100);
  return {
    name: pax.path ?? (prefix ? `${prefix}/${rawName}` : rawName),
    type: TYPES[typeflag] ?? "other",
    mode: octal(block, 100, 8),
    uid: octal(block, 108, 8),
    gid: octal(block, 116, 8),
    uname: cString(block, 265, 32),
    gname: cString(block, 297, 32),
    mtime: octal(block, 136, 12),
    size,
    linkname: pax.linkpath ?? cString(block, 157, 100),
    content: Buffer.from(content),
  };
}

/** A small tar reader (ustar + PAX path/linkpath), written independently of the layer writer. */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    checkSum(block, offset);
    const size = octal(block, 124, 12);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const content = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === "x") {
      pax = parsePax(content);
      continue;
    }
    entries.push(entryOf(block, content, size, pax));
    pax = {};
  }
  return entries;
}

export interface PulledFunction {
  /** Temp root holding `function/`. */
  dir: string;
  /** `<dir>/function`. */
  functionDir: string;
  /** Digest of the image manifest of the platform. */
  manifestDigest: string;
  entrypoint: string[];
  cmd: string[] | undefined;
  workingDir: string | undefined;
  env: string[];
  cleanup(): Promise<void>;
}

interface ImageManifest {
  manifests?: Array<{ digest: string; platform?: SandboxPlatform }>;
  config: { digest: string };
  layers: Array<{ digest: string }>;
}

interface ImageConfig {
  config?: { Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[] };
  rootfs: { diff_ids: string[] };
}

/** The image manifest of `platform` (the index's child, or the manifest itself) and its digest. */
function platformManifest(registry: Registry, reference: string, platform: SandboxPlatform) {
  const ref = parseReference(reference, { role: "function image" });
  const wanted = ref.digest ?? ref.tag ?? "latest";
  const top = registry.manifest(ref.repository, wanted);
  if (!top) throw new Error(`image ${reference} not found in the sandbox registry`);
  const manifest = JSON.parse(top.bytes.toString("utf8")) as ImageManifest;
  if (!Array.isArray(manifest.manifests)) return { manifest, manifestDigest: top.digest };
  const norm = (v?: string) => (v === "v8" ? undefined : v || undefined);
  const child = manifest.manifests.find(
    (d) =>
      d.platform?.os === platform.os &&
      d.platform?.architecture === platform.architecture &&
      norm(d.platform?.variant) === norm(platform.variant),
  );
  if (!child) throw new Error(`image ${reference} has no ${platform.os}/${platform.architecture} child`);
  const stored = registry.manifest(ref.repository, child.digest);
  if (!stored) throw new Error(`image ${reference}: child ${child.digest} is missing`);
  return {
    manifest: JSON.parse(stored.bytes.toString("utf8")) as ImageManifest,
    manifestDigest: child.digest,
  };
}

function imageConfig(registry: Registry, manifest: ImageManifest): ImageConfig {
  const configBytes = registry.blob(manifest.config.digest);
  if (!configBytes || sha256(configBytes) !== manifest.config.digest)
    throw new Error(`config ${manifest.config.digest} is missing or corrupt`);
  const config = JSON.parse(configBytes.toString("utf8")) as ImageConfig;
  if (config.rootfs.diff_ids.length !== manifest.layers.length)
    throw new Error("layer count and diff_ids differ");
  return config;
}

/** Apply one layer's entries under function/ to `files`, whiteouts included. */
function applyLayer(files: Map<string, TarEntry>, tar: Buffer): void {
  for (const entry of readTar(tar)) {
    const name = posix.normalize(entry.name.replace(/^(\.?\/)+/, "")).replace(/\/$/, "");
    if (name.startsWith("..") || posix.isAbsolute(name))
      throw new Error(`layer entry ${entry.name} escapes the root`);
    if (name !== "function" && !name.startsWith("function/")) continue;
    const base = posix.basename(name);
    if (base === ".wh..wh..opq") {
      const parent = posix.dirname(name);
      for (const key of [...files.keys()]) if (key.startsWith(`${parent}/`)) files.delete(key);
      continue;
    }
    if (base.startsWith(".wh.")) {
      const gone = posix.join(posix.dirname(name), base.slice(4));
      for (const key of [...files.keys()]) if (key === gone || key.startsWith(`${gone}/`)) files.delete(key);
      continue;
    }
    files.set(name, { ...entry, name });
  }
}

/** The files under function/ after every layer, each layer checked against its digest and diff_id. */
function functionFiles(
  registry: Registry,
  manifest: ImageManifest,
  config: ImageConfig,
): Map<string, TarEntry> {
  const files = new Map<string, TarEntry>();
  manifest.layers.forEach((layer, i) => {
    const blob = registry.blob(layer.digest);
    if (!blob || sha256(blob) !== layer.digest)
      throw new Error(`layer ${layer.digest} is missing or corrupt`);
    const tar = gunzipSync(blob);
    if (sha256(tar) !== config.rootfs.diff_ids[i]) {
      throw new Error(`diffid mismatch: got ${sha256(tar)} expected ${config.rootfs.diff_ids[i]}`);
    }
    applyLayer(files, tar);
  });
  return files;
}

/** Write the files into a fresh temp directory (directory modes set last); the directory. */
async function writeTree(files: Map<string, TarEntry>): Promise<string> {
  const dirs = [...files.values()]
    .filter((e) => e.type === "dir")
    .sort((a, b) => a.name.length - b.name.length);
  const dir = await mkdtemp(join(tmpdir(), "sandbox-fn-"));
  await mkdir(join(dir, "function"), { recursive: true });
  for (const entry of dirs) await mkdir(join(dir, entry.name), { recursive: true });
  for (const entry of files.values()) {
    const target = join(dir, entry.name);
    if (entry.type === "file") {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, entry.content);
      await chmod(target, entry.mode & 0o777);
    } else if (entry.type === "symlink") {
      await mkdir(dirname(target), { recursive: true });
      await symlink(entry.linkname, target);
    }
  }
  for (const entry of dirs) await chmod(join(dir, entry.name), entry.mode & 0o777);
  return dir;
}

/**
 * Fetch `reference` (`127.0.0.1:<port>/repo:tag[@sha256:…]`) from the sandbox registry, pick `platform`, check
 * each layer against its digest and diff_id, and extract /function into a temp directory.
 */
export async function pullFunction(
  registry: Registry,
  reference: string,
  platform: SandboxPlatform = { os: "linux", architecture: "amd64" },
): Promise<PulledFunction> {
  const { manifest, manifestDigest } = platformManifest(registry, reference, platform);
  const config = imageConfig(registry, manifest);
  const dir = await writeTree(functionFiles(registry, manifest, config));
  return {
    dir,
    functionDir: join(dir, "function"),
    manifestDigest,
    entrypoint: config.config?.Entrypoint ?? [],
    cmd: config.config?.Cmd,
    workingDir: config.config?.WorkingDir,
    env: config.config?.Env ?? [],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
