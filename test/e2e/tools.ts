// Small process helpers for the e2e suite: run a command with a deadline, check the Debian tools exist (a
// missing tool fails the suite with the package to install, never skips it), free loopback ports, and a
// bounded wait.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** The tools the suite runs, each with the Debian package that has it (.ci/run installs them). */
export const REQUIRED_TOOLS: Record<string, string> = {
  "docker-registry": "docker-registry",
  skopeo: "skopeo",
  umoci: "umoci",
  htpasswd: "apache2-utils",
  unshare: "util-linux",
  strip: "binutils",
  ldd: "libc-bin",
};

export const DEBIAN_PACKAGES = [...new Set(Object.values(REQUIRED_TOOLS))].join(" ");

/** Absolute path of a command on PATH, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws one message naming every missing tool and the apt-get line that installs them. */
export function requireTools(): void {
  const missing = Object.keys(REQUIRED_TOOLS).filter((tool) => which(tool) === undefined);
  const problems: string[] = [];
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((tool) => REQUIRED_TOOLS[tool]))].join(" ");
    problems.push(
      `missing ${missing.join(", ")}: run 'apt-get install -y --no-install-recommends ${packages}' (all e2e packages: ${DEBIAN_PACKAGES})`,
    );
  }
  if (process.getuid?.() !== 0) {
    problems.push(
      "the e2e suite must run as root (it chowns files to uid 1000 and runs the function with unshare -S 1000)",
    );
  }
  if (problems.length > 0) throw new Error(`e2e prerequisites: ${problems.join("; ")}`);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
  input?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
}

/** Run a command (no shell); throws with its stderr when it fails or outlives the timeout. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? (process.env as Record<string, string>),
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = {
        code: code ?? 128,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      if (timedOut) {
        reject(new Error(`${command} ${args.join(" ")}: no exit within ${timeoutMs} ms`));
      } else if ((code !== 0 || signal) && !options.allowFailure) {
        reject(
          new Error(
            `${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${result.stderr.trim().slice(-2000)}`,
          ),
        );
      } else {
        resolve(result);
      }
    });
    child.stdin.end(options.input ?? "");
  });
}

const handedOut = new Set<number>();

/** A port that was free a moment ago on 127.0.0.1, never the same one twice in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const found = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Poll `check` every `intervalMs` until it returns a value; throws `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
