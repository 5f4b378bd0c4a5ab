import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTar } from "../../sandbox/registry/pull.js";
import {
  buildLayer,
  LayerError,
  layerEntries,
  normalizeEntryPath,
  reproducibleGzip,
} from "../../src/image/layer.js";

const run = promisify(execFile);
const hex = (data: Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const FILES = [
  { path: "function/func.js", content: "module.exports = 1;\n" },
  { path: "function/package.json", content: '{"type":"commonjs"}\n' },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "layer-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `tar -tvzf` of GNU tar, an independent reader: one line per entry. */
async function gnuList(blob: Buffer): Promise<string[]> {
  const file = join(dir, `${hex(blob).slice(7, 19)}.tar.gz`);
  await writeFile(file, blob);
  const { stdout } = await run("tar", ["--numeric-owner", "--full-time", "-tvzf", file], {
    env: { ...process.env, TZ: "UTC" },
  });
  return stdout.trim().split("\n");
}

describe("buildLayer", () => {
  it("gives identical bytes and digests for the same files, whatever their order", () => {
    const a = buildLayer(FILES);
    const b = buildLayer([...FILES].reverse());
    expect(Buffer.compare(a.blob, b.blob)).toBe(0);
    expect(a.digest).toBe(b.digest);
    expect(a.diffId).toBe(b.diffId);
  });

  it("changes the digest when a byte of the content changes", () => {
    const a = buildLayer(FILES);
    const b = buildLayer([
      { ...FILES[0], content: "module.exports = 2;\n" } as (typeof FILES)[0],
      FILES[1] as (typeof FILES)[0],
    ]);
    expect(b.digest).not.toBe(a.digest);
    expect(b.diffId).not.toBe(a.diffId);
  });

  it("computes digest over the gzip and diff_id over the tar, and size of the blob", () => {
    const layer = buildLayer(FILES);
    expect(layer.digest).toBe(hex(layer.blob));
    expect(layer.diffId).toBe(hex(gunzipSync(layer.blob)));
    expect(layer.size).toBe(layer.blob.length);
    expect(layer.digest).not.toBe(layer.diffId);
  });

  it("writes a fixed gzip header: no name, mtime 0", () => {
    const layer = buildLayer(FILES);
    expect([...layer.blob.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    const data = Buffer.from("hello hello hello");
    expect(gunzipSync(reproducibleGzip(data)).toString()).toBe("hello hello hello");
  });

  it("has sorted entries with parents first, root owner, mtime 0 and normalised modes (own reader)", () => {
    const layer = buildLayer([
      { path: "function/node_modules/.bin/tool", content: "#!/usr/bin/env node\n", mode: 0o700 },
      { path: "/function/func.js", content: "x", mode: 0o600 },
      { path: "./function/a-b.js", content: "y", mode: 0o664 },
      { path: "function/lib/util.js", content: "z", mode: 0o100 },
    ]);
    const entries = readTar(gunzipSync(layer.blob));
    expect(entries.map((e) => e.name)).toEqual([
      "function/",
      "function/a-b.js",
      "function/func.js",
      "function/lib/",
      "function/lib/util.js",
      "function/node_modules/",
      "function/node_modules/.bin/",
      "function/node_modules/.bin/tool",
    ]);
    expect(entries.map((e) => e.mode.toString(8))).toEqual([
      "755",
      "644",
      "644",
      "755",
      "755",
      "755",
      "755",
      "755",
    ]);
    for (const e of entries) {
      expect([e.uid, e.gid, e.uname, e.gname, e.mtime]).toEqual([0, 0, "", "", 0]);
    }
    expect(entries.find((e) => e.name === "function/func.js")?.content.toString()).toBe("x");
    expect(layer.entries).toEqual(entries.map((e) => e.name));
  });

  it("is read the same way by GNU tar", async () => {
    const layer = buildLayer([
      ...FILES,
      { path: "function/bin/run", content: "#!/bin/sh\n", mode: 0o755 },
      { path: "function/node_modules/.bin/run", linkTarget: "../../bin/run" },
    ]);
    const lines = await gnuList(layer.blob);
    expect(lines).toEqual([
      "drwxr-xr-x 0/0               0 1970-01-01 00:00:00 function/",
      "drwxr-xr-x 0/0               0 1970-01-01 00:00:00 function/bin/",
      "-rwxr-xr-x 0/0              10 1970-01-01 00:00:00 function/bin/run",
      "-rw-r--r-- 0/0              20 1970-01-01 00:00:00 function/func.js",
      "drwxr-xr-x 0/0               0 1970-01-01 00:00:00 function/node_modules/",
      "drwxr-xr-x 0/0               0 1970-01-01 00:00:00 function/node_modules/.bin/",
      "lrwxrwxrwx 0/0               0 1970-01-01 00:00:00 function/node_modules/.bin/run -> ../../bin/run",
      "-rw-r--r-- 0/0              20 1970-01-01 00:00:00 function/package.json",
    ]);
  });

  it("uses the ustar prefix, then a PAX header, for long and non-ASCII names", async () => {
    const medium = `function/${"d".repeat(90)}/${"f".repeat(90)}.js`;
    const long = `function/${"x/".repeat(150)}deep.js`;
    const unicode = "function/café.js";
    const layer = buildLayer([
      { path: medium, content: "1" },
      { path: long, content: "2" },
      { path: unicode, content: "3" },
    ]);
    const names = readTar(gunzipSync(layer.blob)).map((e) => e.name);
    expect(names).toContain(medium);
    expect(names).toContain(long);
    expect(names).toContain(unicode);
    const lines = await gnuList(layer.blob);
    expect(lines.some((l) => l.endsWith(` ${long}`))).toBe(true);
    expect(lines.some((l) => l.endsWith(` ${medium}`))).toBe(true);
    expect(lines.some((l) => l.endsWith(` ${unicode}`))).toBe(true);
    expect(buildLayer([{ path: long, content: "2" }]).digest).toBe(
      buildLayer([{ path: long, content: "2" }]).digest,
    );
  });

  it.each([
    [[], /no files/],
    [[{ path: "../etc/passwd", content: "x" }], /climbs out/],
    [[{ path: "/", content: "x" }], /is empty/],
    [
      [
        { path: "function/a", content: "x" },
        { path: "function/a/b", content: "y" },
      ],
      /both a file and a directory/,
    ],
    [
      [
        { path: "function/a", content: "x" },
        { path: "./function/a", content: "y" },
      ],
      /given twice/,
    ],
    [[{ path: "function/link", linkTarget: "../../etc/passwd" }], /points outside \/function/],
    [[{ path: "function/link", linkTarget: "/etc/passwd" }], /points outside/],
  ])("refuses %j", (files, message) => {
    expect(() => buildLayer(files)).toThrow(LayerError);
    expect(() => buildLayer(files)).toThrow(message);
  });
});

describe("layer helpers", () => {
  it.each([
    ["function/func.js", "function/func.js"],
    ["/function//func.js", "function/func.js"],
    ["./function/./func.js", "function/func.js"],
  ])("normalises %s", (input, output) => {
    expect(normalizeEntryPath(input)).toBe(output);
  });

  it("sorts bytewise with directories compared as 'name/'", () => {
    const names = layerEntries([
      { path: "a/b", content: "" },
      { path: "a.b", content: "" },
      { path: "a-b", content: "" },
      { path: "B", content: "" },
    ]).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual(["file:B", "file:a-b", "file:a.b", "dir:a", "file:a/b"]);
  });
});
