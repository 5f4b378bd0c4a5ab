import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lib/atomic.ts
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
function tempPathFor(target) {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}
var openTemps = /* @__PURE__ */ new Set();
function tempFileWriter(name, isTarget) {
  const m = /^\.(.+)\.(\d{1,10})\.[0-9a-f]{12}\.tmp$/.exec(name);
  return m && isTarget(m[1]) ? Number(m[2]) : void 0;
}
function processRuns(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}
async function removeStaleTemps(dir, isTarget) {
  let entries;
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const removed = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const pid = tempFileWriter(entry, isTarget);
    if (pid === void 0 || openTemps.has(path)) continue;
    if (pid !== process.pid && processRuns(pid)) continue;
    await unlink(path).catch(() => {
    });
    removed.push(path);
  }
  return removed;
}
async function sameContent(a, b) {
  let sizeB;
  try {
    sizeB = (await stat(b)).size;
  } catch {
    return false;
  }
  if ((await stat(a)).size !== sizeB) return false;
  const left = createReadStream(a, { highWaterMark: 1 << 16 });
  const right = createReadStream(b, { highWaterMark: 1 << 16 })[Symbol.asyncIterator]();
  let pending = Buffer.alloc(0);
  try {
    for await (const chunk of left) {
      let piece = chunk;
      while (piece.length > 0) {
        if (pending.length === 0) {
          const next = await right.next();
          if (next.done) return false;
          pending = next.value;
        }
        const n = Math.min(piece.length, pending.length);
        if (!piece.subarray(0, n).equals(pending.subarray(0, n))) return false;
        piece = piece.subarray(n);
        pending = pending.subarray(n);
      }
    }
    return pending.length === 0 && (await right.next()).done === true;
  } finally {
    left.destroy();
    await right.return?.();
  }
}
async function fsyncDir(dir) {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
  } finally {
    await handle?.close().catch(() => {
    });
  }
}
var AtomicFileWriter = class _AtomicFileWriter {
  constructor(target, tempPath, handle, out) {
    this.target = target;
    this.tempPath = tempPath;
    this.handle = handle;
    this.out = out;
    out.on("error", (err) => {
      this.error ??= err;
    });
  }
  target;
  tempPath;
  handle;
  out;
  state = "open";
  bytes = 0;
  error;
  /** Create the folder if needed and open a new temp file beside `target`. */
  static async open(target, mode = 420) {
    await mkdir(dirname(target), { recursive: true });
    await removeStaleTemps(dirname(target), (name) => name === basename(target));
    const tempPath = tempPathFor(target);
    openTemps.add(tempPath);
    let handle;
    try {
      handle = await open(tempPath, "wx", mode);
    } catch (err) {
      openTemps.delete(tempPath);
      throw err;
    }
    const out = handle.createWriteStream({ autoClose: false, highWaterMark: 1 << 16 });
    return new _AtomicFileWriter(target, tempPath, handle, out);
  }
  /** The temp file's stream, for piping (pipe with { end: false }; commit() ends it). */
  get stream() {
    return this.out;
  }
  /** Write a chunk, waiting for 'drain' when the stream's buffer is full. */
  async write(chunk) {
    if (this.state !== "open") throw new Error(`write after ${this.state}: ${this.target}`);
    if (this.error) throw this.error;
    this.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (!this.out.write(chunk)) {
      await once(this.out, "drain");
    }
  }
  /**
   * Write a chunk and wait until it is in the file (not only in the stream's buffer), so that the caller
   * may fill the same memory again.
   */
  async writeSettled(chunk) {
    if (this.state !== "open") throw new Error(`write after ${this.state}: ${this.target}`);
    if (this.error) throw this.error;
    this.bytes += chunk.length;
    await new Promise((resolve, reject) => {
      this.out.write(chunk, (err) => err ? reject(err) : resolve());
    });
  }
  /** Flush, fsync, rename over the target (unless identical), fsync the folder. */
  async commit() {
    if (this.state !== "open") throw new Error(`commit after ${this.state}: ${this.target}`);
    try {
      if (this.error) throw this.error;
      await new Promise((resolve, reject) => {
        this.out.once("error", reject);
        this.out.end(() => resolve());
      });
      if (this.error) throw this.error;
      await this.handle.sync();
      if (!this.out.closed) {
        const closed = once(this.out, "close");
        this.out.destroy();
        await closed;
      }
      await this.handle.close().catch(() => {
      });
      this.state = "committed";
      if (await sameContent(this.tempPath, this.target)) {
        await unlink(this.tempPath);
        openTemps.delete(this.tempPath);
        return { path: this.target, changed: false, bytes: this.bytes };
      }
      await rename(this.tempPath, this.target);
      openTemps.delete(this.tempPath);
      await fsyncDir(dirname(this.target));
      return { path: this.target, changed: true, bytes: this.bytes };
    } catch (err) {
      this.state = "open";
      await this.abort();
      throw err;
    }
  }
  /**
   * Write what a buffering writer still holds (`writeRest`), then commit. If that write fails, the temp
   * file is dropped and the target is left as it was.
   */
  async commitAfter(writeRest) {
    try {
      await writeRest();
    } catch (err) {
      await this.abort();
      throw err;
    }
    return this.commit();
  }
  /** Drop the temp file. Safe to call more than once, and after a failed commit. */
  async abort() {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.out.destroy();
    await this.handle.close().catch(() => {
    });
    await unlink(this.tempPath).catch((err) => {
      if (err.code !== "ENOENT") throw err;
    });
    openTemps.delete(this.tempPath);
  }
};

export {
  removeStaleTemps,
  AtomicFileWriter
};
