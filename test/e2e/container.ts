// The pushed image, checked and run with independent tools: skopeo pulls it into an OCI layout, umoci unpacks
// it (and checks every diff_id), and util-linux's unshare runs the image's own Entrypoint in its own
// WorkingDir, chrooted into the unpacked rootfs, as uid/gid 1000 like OCI Functions does. The call goes over
// the FDK's unix socket, as the Fn agent sends it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import type { Credentials } from "./registry.js";
import { run, waitFor } from "./tools.js";

export interface RuntimeConfig {
  process: { args: string[]; cwd: string; env: string[]; user: { uid: number; gid: number } };
}

export interface Unpacked {
  bundle: string;
  rootfs: string;
  config: RuntimeConfig;
}

export function credsArgs(flag: string, credentials: Credentials | undefined): string[] {
  return credentials ? [flag, `${credentials.username}:${credentials.password}`] : [];
}

/** `skopeo inspect --raw` of a manifest or index: the exact bytes the registry serves. */
export async function inspectRaw(reference: string, credentials?: Credentials): Promise<Buffer> {
  const { stdout } = await run("skopeo", [
    "inspect",
    "--raw",
    "--tls-verify=false",
    ...credsArgs("--creds", credentials),
    `docker://${reference}`,
  ]);
  return Buffer.from(stdout, "utf8");
}

/** `skopeo inspect --config --raw` for one architecture of a (possibly multi-platform) image. */
export async function inspectConfig(
  reference: string,
  arch: string,
  credentials?: Credentials,
): Promise<Buffer> {
  const { stdout } = await run("skopeo", [
    "--override-os",
    "linux",
    "--override-arch",
    arch,
    "inspect",
    "--config",
    "--raw",
    "--tls-verify=false",
    ...credsArgs("--creds", credentials),
    `docker://${reference}`,
  ]);
  return Buffer.from(stdout, "utf8");
}

/** Pull the host's platform of `reference` with skopeo, then unpack it with umoci. */
export async function pullAndUnpack(
  reference: string,
  dir: string,
  credentials?: Credentials,
): Promise<Unpacked> {
  const layout = join(dir, "pulled");
  const bundle = join(dir, "bundle");
  await run(
    "skopeo",
    [
      "--insecure-policy",
      "copy",
      "--quiet",
      "--src-tls-verify=false",
      ...credsArgs("--src-creds", credentials),
      `docker://${reference}`,
      `oci:${layout}:image`,
    ],
    { timeoutMs: 120_000 },
  );
  await run("umoci", ["unpack", "--image", `${layout}:image`, bundle], { timeoutMs: 120_000 });
  const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8")) as RuntimeConfig;
  return { bundle, rootfs: join(bundle, "rootfs"), config };
}

export interface RunningFunction {
  pid: number;
  /** Host path of the FDK's socket inside the rootfs. */
  socketPath: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Start `args` in `cwd` inside `rootfs` as uid/gid `uid`, with exactly `env`. unshare without namespace
 * options execs the program in place (no fork), so the returned pid is node's own.
 */
export async function startInRootfs(options: {
  rootfs: string;
  args: string[];
  cwd: string;
  uid: number;
  env: Record<string, string>;
  /** Inside the rootfs, e.g. /tmp/fn/lsnr.sock (the FDK listens there). */
  socketInRootfs: string;
  startupTimeoutMs?: number;
}): Promise<RunningFunction> {
  const child: ChildProcess = spawn(
    "unshare",
    [
      `--root=${options.rootfs}`,
      `--wd=${options.cwd}`,
      "--setuid",
      String(options.uid),
      "--setgid",
      String(options.uid),
      "--",
      ...options.args,
    ],
    { env: options.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  const socketPath = join(options.rootfs, options.socketInRootfs);
  try {
    await waitFor(
      `the function's socket ${options.socketInRootfs}`,
      () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `the function exited during start (${child.exitCode ?? child.signalCode}): ${output.trim()}`,
          );
        }
        return existsSync(socketPath) ? true : undefined;
      },
      options.startupTimeoutMs ?? 10_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid as number, socketPath, logs: () => output, stop };
}

export interface FnAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One http-stream call, as the Fn agent sends it: POST /call with Fn-* headers and the gateway's request. */
export function callFunction(
  socketPath: string,
  body: string,
  options: { requestUrl: string; timeoutMs?: number },
): Promise<FnAnswer> {
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: "/call",
        method: "POST",
        agent: false,
        timeout: options.timeoutMs ?? 30_000,
        headers: {
          "Fn-Call-Id": randomUUID().replace(/-/g, "").toUpperCase(),
          "Fn-Deadline": new Date(Date.now() + (options.timeoutMs ?? 30_000)).toISOString(),
          "Fn-Intent": "httprequest",
          "Fn-Invoke-Type": "sync",
          "Fn-Http-Method": "POST",
          "Fn-Http-Request-Url": options.requestUrl,
          "Fn-Http-H-Content-Type": "application/json",
          "Content-Type": "application/json",
          "Content-Length": payload.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : (value ?? "");
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("the function did not answer in time")));
    req.on("error", reject);
    req.end(payload);
  });
}

/** A folder inside the rootfs owned by `uid`, mode 0700 (the Fn runtime's /tmp is the function's own). */
export async function ownedDir(rootfs: string, path: string, uid: number): Promise<string> {
  const full = join(rootfs, path);
  await mkdir(full, { recursive: true });
  await chown(full, uid, uid);
  await chmod(full, 0o700);
  return full;
}
