// One reproducible layer: the same files give the same bytes, diff_id and digest on every run and machine.
// Entries are sorted, parents are added, owners are 0/0 with empty names, mtime is 0, modes are normalised
// so uid 1000 can read everything, and the gzip header is written here (mtime 0, OS "unknown") instead of
// zlib's platform-dependent one. The tar is ustar, with a PAX header for names ustar cannot hold.
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { constants, crc32, deflateRawSync } from "node:zlib";

interface LayerFile {
  /** Path inside the image, relative to `/`: `function/func.js`. */
  path: string;
  content: Uint8Array | string;
  /** Only the executable bits count: any x bit gives 0755, else 0644. */
  mode?: number;
}

interface LayerSymlink {
  path: string;
  /** Link target; it must resolve inside the link's top-level directory (e.g. inside `function/`). */
  linkTarget: string;
}

export type LayerEntry = LayerFile | LayerSymlink;

export interface Layer {
  /** The gzipped tar, as pushed. */
  blob: Buffer;
  /** sha256 of `blob`: manifest layers[] and the blob URL. */
  digest: string;
  /** sha256 of the uncompressed tar: config rootfs.diff_ids. */
  diffId: string;
  /** Size of `blob` in bytes. */
  size: number;
  /** Entry names in tar order, for logs and tests. */
  entries: string[];
}

export class LayerError extends Error {
  override name = "LayerError";
}

const BLOCK = 512;
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;
/** Level 9, like Node's gzip defaults in the tried flow; the layer is small, so the cost is a few ms. */
const GZIP_LEVEL = 9;

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A clean relative path: no leading `/` or `./`, no `.`/`..` parts, no empty parts. */
export function normalizeEntryPath(path: string): string {
  const trimmed = path.replace(/^(?:\.?\/)+/, "");
  const parts = trimmed.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) throw new LayerError(`layer path ${JSON.stringify(path)} is empty`);
  if (parts.includes("..")) throw new LayerError(`layer path ${JSON.stringify(path)} climbs out with '..'`);
  if (parts.some((p) => p.includes("\0")))
    throw new LayerError(`layer path ${JSON.stringify(path)} holds a NUL byte`);
  return parts.join("/");
}

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  content: Buffer;
  linkTarget: string;
}

function isSymlink(entry: LayerEntry): entry is LayerSymlink {
  return typeof (entry as LayerSymlink).linkTarget === "string";
}

/** Every entry plus its parent directories, sorted bytewise by full path (so a directory precedes its contents). */
export function layerEntries(input: readonly LayerEntry[]): TarEntry[] {
  const byName = new Map<string, TarEntry>();
  const addDirs = (name: string) => {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const existing = byName.get(dir);
      if (existing && existing.type !== "dir") {
        throw new LayerError(`layer path ${JSON.stringify(dir)} is both a file and a directory`);
      }
      if (!existing)
        byName.set(dir, { name: dir, type: "dir", mode: DIR_MODE, content: Buffer.alloc(0), linkTarget: "" });
    }
  };
  for (const entry of input) {
    const name = normalizeEntryPath(entry.path);
    if (byName.has(name)) throw new LayerError(`layer path ${JSON.stringify(name)} is given twice`);
    addDirs(name);
    if (isSymlink(entry)) {
      const top = name.split("/")[0] ?? "";
      const resolved = posix.resolve(posix.dirname(`/${name}`), entry.linkTarget);
      if (entry.linkTarget.length === 0 || !(resolved === `/${top}` || resolved.startsWith(`/${top}/`))) {
        throw new LayerError(`symlink ${name} -> ${entry.linkTarget} points outside /${top}`);
      }
      byName.set(name, {
        name,
        type: "symlink",
        mode: 0o777,
        content: Buffer.alloc(0),
        linkTarget: entry.linkTarget,
      });
    } else {
      const content =
        typeof entry.content === "string" ? Buffer.from(entry.content) : Buffer.from(entry.content);
      const mode = (entry.mode ?? 0) & 0o111 ? EXEC_MODE : FILE_MODE;
      byName.set(name, { name, type: "file", mode, content, linkTarget: "" });
    }
  }
  // Byte order of the UTF-8 names, with a directory name ending in "/" for the comparison so that
  // "a/" (then "a/b") sorts consistently against "a-b" and "a.b".
  const key = (e: TarEntry) => Buffer.from(e.type === "dir" ? `${e.name}/` : e.name);
  return [...byName.values()].sort((a, b) => Buffer.compare(key(a), key(b)));
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value);
  if (bytes.length > length) throw new LayerError(`tar field overflow for ${JSON.stringify(value)}`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, "0");
  if (text.length > length - 1) throw new LayerError(`tar numeric field overflow (${value})`);
  writeString(block, offset, length, `${text}\0`);
}

/** Split a name into ustar prefix (≤155) and name (≤100) at a `/`, or undefined when impossible. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes <= 100) return { prefix: "", name };
  if (bytes > 256) return undefined;
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== "/") continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0)
      return { prefix, name: rest };
  }
  return undefined;
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, 0); // mtime
  block.fill(0x20, 148, 156); // checksum placeholder: spaces
  writeString(block, 156, 1, fields.typeflag);
  writeString(block, 157, 100, fields.linkname);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  // uname, gname: empty; devmajor/devminor: zero-filled octal like Go's archive/tar.
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  writeString(block, 345, 155, fields.prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** One PAX record: "<len> <key>=<value>\n", where <len> counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** The uncompressed tar for sorted entries. */
function encodeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const fullName = entry.type === "dir" ? `${entry.name}/` : entry.name;
    const split = isAscii(fullName) ? splitUstarName(fullName) : undefined;
    const linkFits = isAscii(entry.linkTarget) && Buffer.byteLength(entry.linkTarget) <= 100;
    if (!split || !linkFits) {
      let records = "";
      if (!split) records += paxRecord("path", fullName);
      if (!linkFits) records += paxRecord("linkpath", entry.linkTarget);
      const data = Buffer.from(records);
      const paxName = `PaxHeaders/${posix.basename(entry.name)}`.slice(0, 100);
      parts.push(
        header({
          name: paxName,
          prefix: "",
          mode: FILE_MODE,
          size: data.length,
          typeflag: "x",
          linkname: "",
        }),
      );
      parts.push(data, padding(data.length));
    }
    // Readers that ignore PAX still get a usable, ASCII name.
    const fallbackName = fullName.replace(/[^\x20-\x7e]/g, "_").slice(-100);
    parts.push(
      header({
        name: split?.name ?? fallbackName,
        prefix: split?.prefix ?? "",
        mode: entry.mode,
        size: entry.type === "file" ? entry.content.length : 0,
        typeflag: entry.type === "file" ? "0" : entry.type === "dir" ? "5" : "2",
        linkname: linkFits ? entry.linkTarget : "",
      }),
    );
    if (entry.type === "file") parts.push(entry.content, padding(entry.content.length));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** gzip with a fixed header: no name, mtime 0, XFL 2 (max compression), OS 255 (unknown). */
export function reproducibleGzip(data: Uint8Array): Buffer {
  const deflated = deflateRawSync(data, { level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY });
  const head = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(data) >>> 0, 0);
  tail.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([head, deflated, tail]);
}

/** Build the layer: tar, diff_id, gzip, digest. */
export function buildLayer(files: readonly LayerEntry[]): Layer {
  if (files.length === 0) throw new LayerError("the layer has no files");
  const entries = layerEntries(files);
  const tar = encodeTar(entries);
  const blob = reproducibleGzip(tar);
  return {
    blob,
    digest: sha256(blob),
    diffId: sha256(tar),
    size: blob.length,
    entries: entries.map((e) => (e.type === "dir" ? `${e.name}/` : e.name)),
  };
}
