// Streaming atomic file writer: bytes go to a hidden temp file in the target's folder, which is fsynced and
// renamed over the target only on commit(). A crash or abort() leaves the old file or none, never a
// half-written one. A commit whose bytes equal the existing file leaves that file untouched. A process
// killed mid-write cannot delete its temp file: the next writer of the same target removes it.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";

export interface AtomicWriteResult {
  path: string;
  /** False when the target already held exactly these bytes (it was left as it was). */
  changed: boolean;
  bytes: number;
}

type State = "open" | "committed" | "aborted";

function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** The temp files this process has open: never swept, whatever their pid says. */
const openTemps = new Set<string>();

/** The writing process's pid when `name` is a temp file of a file named as `isTarget` accepts, else undefined. */
export function tempFileWriter(name: string, isTarget: (targetName: string) => boolean): number | undefined {
  const m = /^\.(.+)\.(\d{1,10})\.[0-9a-f]{12}\.tmp$/.exec(name);
  return m && isTarget(m[1]!) ? Number(m[2]) : undefined;
}

/** Whether a process with this pid runs now (EPERM: it does, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Delete the temp files in `dir` of the targets `isTarget` names that a killed writer left: those of a
 * process that no longer runs, or of this process's pid but not open here (a pid reused, as in a
 * container). Returns the paths removed; a missing folder has none.
 */
export async function removeStaleTemps(
  dir: string,
  isTarget: (targetName: string) => boolean,
): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    const pid = tempFileWriter(entry, isTarget);
    if (pid === undefined || openTemps.has(path)) continue;
    if (pid !== process.pid && processRuns(pid)) continue;
    await unlink(path).catch(() => {});
    removed.push(path);
  }
  return removed;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  let sizeB: number;
  try {
    sizeB = (await stat(b)).size;
  } catch {
    return false;
  }
  if ((await stat(a)).size !== sizeB) return false;
  const left = createReadStream(a, { highWaterMark: 1 << 16 });
  const right = createReadStream(b, { highWaterMark: 1 << 16 })[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of left) {
      let piece = chunk as Buffer;
      while (piece.length > 0) {
        if (pending.length === 0) {
          const next = await right.next();
          if (next.done) return false;
          pending = next.value as Buffer;
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

async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}

export class AtomicFileWriter {
  private state: State = "open";
  private bytes = 0;
  private error: Error | undefined;

  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly out: Writable,
  ) {
    out.on("error", (err: Error) => {
      this.error ??= err;
    });
  }

  /** Create the folder if needed and open a new temp file beside `target`. */
  static async open(target: string, mode = 0o644): Promise<AtomicFileWriter> {
    await mkdir(dirname(target), { recursive: true });
    await removeStaleTemps(dirname(target), (name) => name === basename(target));
    const tempPath = tempPathFor(target);
    openTemps.add(tempPath);
    let handle: FileHandle;
    try {
      handle = await open(tempPath, "wx", mode);
    } catch (err) {
      openTemps.delete(tempPath);
      throw err;
    }
    const out = handle.createWriteStream({ autoClose: false, highWaterMark: 1 << 16 });
    return new AtomicFileWriter(target, tempPath, handle, out);
  }

  /** The temp file's stream, for piping (pipe with { end: false }; commit() ends it). */
  get stream(): Writable {
    return this.out;
  }

  /** Write a chunk, waiting for 'drain' when the stream's buffer is full. */
  async write(chunk: string | Uint8Array): Promise<void> {
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
  async writeSettled(chunk: Uint8Array): Promise<void> {
    if (this.state !== "open") throw new Error(`write after ${this.state}: ${this.target}`);
    if (this.error) throw this.error;
    this.bytes += chunk.length;
    await new Promise<void>((resolve, reject) => {
      this.out.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Flush, fsync, rename over the target (unless identical), fsync the folder. */
  async commit(): Promise<AtomicWriteResult> {
    if (this.state !== "open") throw new Error(`commit after ${this.state}: ${this.target}`);
    try {
      if (this.error) throw this.error;
      await new Promise<void>((resolve, reject) => {
        this.out.once("error", reject);
        this.out.end(() => resolve());
      });
      if (this.error) throw this.error;
      await this.handle.sync();
      // The stream holds the handle open; destroying it (after the fsync) closes the file.
      if (!this.out.closed) {
        const closed = once(this.out, "close");
        this.out.destroy();
        await closed;
      }
      await this.handle.close().catch(() => {});
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
  async commitAfter(writeRest: () => Promise<void>): Promise<AtomicWriteResult> {
    try {
      await writeRest();
    } catch (err) {
      await this.abort();
      throw err;
    }
    return this.commit();
  }

  /** Drop the temp file. Safe to call more than once, and after a failed commit. */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    this.out.destroy();
    await this.handle.close().catch(() => {});
    await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    openTemps.delete(this.tempPath);
  }
}
