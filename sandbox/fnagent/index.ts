// The Fn agent: runs a function bundle the way the Oracle Functions platform runs a container. It starts
// `node func.js` with FN_FORMAT=http-stream, FN_LISTENER=unix:<dir>/lsnr.sock and resource-principal files,
// waits for the FDK's socket, and sends each call as `POST /call` with the Fn-* and Fn-Http-* headers
// (fnproject/fn docs/developers/fn-format.md; reference oci-services.md §3.1).
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FaultInjector } from "../core/faults.js";
import type { FnCall, FnResult } from "../gateway/index.js";

export type { FnCall, FnResult };

/** The call outlived the function's timeout; the gateway answers 504. */
export class FunctionTimeoutError extends Error {
  override name = "FunctionTimeoutError";
}

/** The container failed the call (FDK 502, crash, bad protocol answer); the gateway answers 502. */
export class FunctionError extends Error {
  override name = "FunctionError";
}

interface ResourcePrincipalSession {
  token: string;
  privateKeyPem: string;
  /** Expiry of the token, ms since the epoch. */
  expiresAt: number;
}

interface FnAgentOptions {
  functionId: string;
  appId: string;
  functionName: string;
  appName: string;
  /** Absolute path of the bundle to run (func.js). */
  entry: string;
  /** The container's working directory (the image's WorkingDir, unpacked); default the agent's temp dir. */
  workingDir?: string;
  /** Application and function config, passed to the container as environment variables. */
  config?: Record<string, string>;
  /** Region the function runs in (OCI_RESOURCE_PRINCIPAL_REGION). */
  region: string;
  tenancyId: string;
  /** Mints a resource-principal session (RPST + its private key) for this function. */
  mintSession: () => ResourcePrincipalSession;
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Injected faults: `status` answers without calling the container, `reset` drops the call. */
  faults?: FaultInjector;
  /** Receives every line the container writes. */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /** How long the FDK has to create its socket (the platform allows 5 s). */
  startupTimeoutMs?: number;
  /** Node binary to run the bundle with. */
  nodePath?: string;
  /**
   * Containers that may run at once (default 1): a call that finds every running one busy gets a new one,
   * as OCI scales a function out for concurrent calls. The extra containers' logs and stats are their own.
   */
  containers?: number;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

const LOG_LINES_KEPT = 5_000;

export class FnAgent {
  readonly options: FnAgentOptions;
  /** The container's output lines, newest last (bounded). */
  readonly logs: string[] = [];
  readonly stats = { starts: 0, calls: 0, timeouts: 0, failures: 0 };
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private socketPath: string | undefined;
  private agent: Agent | undefined;
  private session: ResourcePrincipalSession | undefined;
  private starting: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls queued or running on this container. */
  private busy = 0;
  private readonly extra: FnAgent[] = [];
  private stopped = false;
  private teardown: Promise<void> = Promise.resolve();

  constructor(options: FnAgentOptions) {
    this.options = options;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The container's process id while it runs (tests freeze it to play a hung function). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Start the container now (a warm start for the first call). Idempotent. */
  async start(): Promise<void> {
    if (this.running && this.socketPath) return;
    this.starting ??= this.spawnContainer().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** One call at a time per container, as the platform's http-stream contract has it. */
  invoke(call: FnCall): Promise<FnResult> {
    const other = this.busy > 0 ? this.idleContainer() : undefined;
    if (other) return other.invoke(call);
    this.busy++;
    const run = this.queue.then(() => this.invokeNow(call)).finally(() => this.busy--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** An idle extra container (a new one while fewer than `containers` run), else none: the call queues here. */
  private idleContainer(): FnAgent | undefined {
    const idle = this.extra.find((agent) => agent.busy === 0);
    if (idle || this.extra.length + 1 >= (this.options.containers ?? 1)) return idle;
    const agent = new FnAgent({ ...this.options, containers: 1 });
    this.extra.push(agent);
    return agent;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.killContainer(), ...this.extra.map((agent) => agent.stop())]);
    await this.teardown;
  }

  private async invokeNow(call: FnCall): Promise<FnResult> {
    if (this.stopped) throw new FunctionError("the function agent is stopped");
    this.stats.calls++;
    const fault = this.options.faults?.next({ method: call.method, path: call.requestUrl });
    if (fault?.type === "status") {
      throw new FunctionError(`injected function failure ${fault.status}`);
    }
    if (fault?.type === "reset") {
      await this.killContainer();
      throw new FunctionError("injected container crash");
    }
    if (fault?.type === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    await this.start();
    await this.refreshSessionIfNeeded();
    return this.send(call);
  }

  private async spawnContainer(): Promise<void> {
    await this.killContainer();
    await this.teardown;
    const { options } = this;
    // The FDK's socket path must stay under 108 bytes: keep the directory short.
    this.dir = await mkdtemp(join(tmpdir(), "fn-"));
    this.socketPath = join(this.dir, "lsnr.sock");
    await this.writeSession(options.mintSession());
    const credentials = join(this.dir, "oci");
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.dir,
      ...options.config,
      FN_FORMAT: "http-stream",
      FN_LISTENER: `unix:${this.socketPath}`,
      FN_APP_ID: options.appId,
      FN_FN_ID: options.functionId,
      FN_APP_NAME: options.appName,
      FN_FN_NAME: options.functionName,
      FN_MEMORY: String(options.memoryMb ?? 256),
      FN_TYPE: "sync",
      OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
      OCI_RESOURCE_PRINCIPAL_RPST: join(credentials, "rpst"),
      OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: join(credentials, "private.pem"),
      OCI_RESOURCE_PRINCIPAL_REGION: options.region,
    };
    const child = spawn(options.nodePath ?? process.execPath, [options.entry], {
      env,
      cwd: options.workingDir ?? this.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.stats.starts++;
    this.capture(child, "stdout");
    this.capture(child, "stderr");
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await this.waitForSocket(child, options.startupTimeoutMs ?? 5_000);
  }

  private capture(child: ChildProcess, stream: "stdout" | "stderr"): void {
    let rest = "";
    child[stream]?.setEncoding("utf8");
    child[stream]?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) this.record(line, stream);
    });
    child[stream]?.on("end", () => {
      if (rest) this.record(rest, stream);
      rest = "";
    });
  }

  private record(line: string, stream: "stdout" | "stderr"): void {
    if (line.length === 0) return;
    this.logs.push(line);
    if (this.logs.length > LOG_LINES_KEPT) this.logs.splice(0, this.logs.length - LOG_LINES_KEPT);
    this.options.onLog?.(line, stream);
  }

  private async waitForSocket(child: ChildProcess, timeoutMs: number): Promise<void> {
    const socketPath = this.socketPath!;
    const started = Date.now();
    // The FDK listens on lsnr.sock.tmp and then symlinks lsnr.sock to it: the link marks readiness.
    while (!existsSync(socketPath)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const tail = this.logs.slice(-5).join(" | ");
        throw new FunctionError(`the function exited during start (code ${child.exitCode}): ${tail}`);
      }
      if (Date.now() - started > timeoutMs) {
        await this.killContainer();
        throw new FunctionError(`the function did not open its socket within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private async writeSession(session: ResourcePrincipalSession): Promise<void> {
    const credentials = join(this.dir!, "oci");
    await mkdir(credentials, { recursive: true, mode: 0o700 });
    // Write-then-rename so the SDK never reads half a token; no trailing newline (it reads verbatim).
    for (const [name, content] of [
      ["private.pem", session.privateKeyPem],
      ["rpst", session.token],
    ] as const) {
      const target = join(credentials, name);
      const temp = `${target}.${randomUUID()}`;
      await writeFile(temp, content, { mode: 0o600 });
      await rename(temp, target);
    }
    this.session = session;
  }

  /** Replace the session a minute before it expires; the SDK re-reads the files once its copy expires. */
  private async refreshSessionIfNeeded(): Promise<void> {
    if (this.session && this.session.expiresAt - Date.now() > 60_000) return;
    await this.writeSession(this.options.mintSession());
  }

  private send(call: FnCall): Promise<FnResult> {
    const { options } = this;
    const timeoutMs = (options.timeoutSeconds ?? 30) * 1000;
    const callId = randomUUID().replace(/-/g, "").toUpperCase();
    const headers: Record<string, string | number> = {
      "Fn-Call-Id": callId,
      "Fn-Deadline": new Date(Date.now() + timeoutMs).toISOString(),
      "Fn-Intent": "httprequest",
      "Fn-Invoke-Type": "sync",
      "Fn-Http-Method": call.method,
      "Fn-Http-Request-Url": call.requestUrl,
      "Content-Type": call.headers["content-type"] ?? "application/octet-stream",
      "Content-Length": call.body.length,
      "oci-subject-type": "resource",
      "oci-subject-tenancy-id": options.tenancyId,
    };
    for (const [name, value] of Object.entries(call.headers)) {
      if (HOP_BY_HOP.has(name.toLowerCase())) continue;
      headers[`Fn-Http-H-${name}`] = value;
    }
    return new Promise<FnResult>((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, path: "/call", method: "POST", headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", (err) =>
            finish(new FunctionError(`reading the function's answer failed: ${err.message}`)),
          );
          res.on("end", () => {
            const body = Buffer.concat(chunks);
            if (res.statusCode !== 200) {
              // The FDK answers 502 when the handler throws, 500 on a stream error: the platform's 502.
              this.stats.failures++;
              finish(new FunctionError(`the function container answered ${res.statusCode}`));
              return;
            }
            const out: Record<string, string> = {};
            let status = 200;
            for (const [name, value] of Object.entries(res.headers)) {
              const text = Array.isArray(value) ? value.join(", ") : (value ?? "");
              const lower = name.toLowerCase();
              if (lower === "fn-http-status") status = Number.parseInt(text, 10) || 502;
              else if (lower.startsWith("fn-http-h-")) out[lower.slice("fn-http-h-".length)] = text;
              else if (lower === "content-type") out["content-type"] = text;
            }
            finish(undefined, { status, headers: out, body });
          });
        },
      );
      let done = false;
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        // A call past its deadline: the platform kills the container; the next call starts a new one.
        void this.killContainer();
        finish(new FunctionTimeoutError(`the function did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (err?: Error, result?: FnResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result!);
      };
      req.on("error", (err) => {
        this.stats.failures++;
        finish(new FunctionError(`calling the function failed: ${err.message}`));
      });
      req.end(call.body);
    });
  }

  /**
   * Kill the container and remove its directory. The fields are cleared at once so a new container can
   * start while the old one is still being torn down; spawnContainer waits for the teardown to finish.
   */
  private killContainer(): Promise<void> {
    const { child, dir, agent } = this;
    this.child = undefined;
    this.dir = undefined;
    this.socketPath = undefined;
    this.agent = undefined;
    const work = (async () => {
      agent?.destroy();
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        await exited;
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    })();
    this.teardown = Promise.all([this.teardown, work]).then(() => undefined);
    return work;
  }
}
