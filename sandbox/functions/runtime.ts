// The sandbox's function runtime: when a function becomes ACTIVE with a new image or new settings, the image
// is pulled, /function unpacked and its entrypoint run under a fresh Fn agent, which replaces (and stops)
// the old one.
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { type FnAgent, type FnCall, type FnResult, FunctionError } from "../fnagent/index.js";
import { type PulledFunction, pullFunction, type Registry, type SandboxPlatform } from "../registry/index.js";
import { samePlatform } from "./images.js";
import type { ApplicationResource, RuntimeFunction, StoredFunction } from "./model.js";

export interface FunctionRuntimeInfo {
  agent: FnAgent | undefined;
  /** Why the image cannot run, when it cannot (calls then fail with 502). */
  error: string | undefined;
  imageDigest: string;
  /** Digest of the platform manifest that was pulled. */
  manifestDigest: string;
  platform: SandboxPlatform;
  /** The unpacked /function of the pulled image. */
  functionDir: string;
  entry: string | undefined;
}

export interface Runtime {
  key: string;
  digest: string;
  platform: SandboxPlatform;
  pulled: PulledFunction;
  agent: FnAgent | undefined;
  entry: string | undefined;
  error: string | undefined;
}

interface RuntimeOptions {
  registry: Registry;
  /** Builds the Fn agent of a function pulled from its image. */
  createAgent: (fn: RuntimeFunction) => FnAgent;
  /** Start a new container as soon as it is in place, before ACTIVE. */
  prewarm: boolean;
  log: (line: string) => void;
}

function runtimeKey(stored: StoredFunction, app: ApplicationResource): string {
  const fn = stored.resource;
  return JSON.stringify([fn.imageDigest, app.config, fn.config, fn.memoryInMBs, fn.timeoutInSeconds]);
}

/** The script the image's entrypoint runs with node, as a path in the unpacked /function. */
function entryOf(pulled: PulledFunction): { entry?: string; workingDir: string; error?: string } {
  const workingDirInImage = pulled.workingDir || "/";
  const workingDir = join(pulled.dir, workingDirInImage);
  const argv = [...pulled.entrypoint, ...(pulled.cmd ?? [])];
  if (argv.length < 2 || posix.basename(argv[0]!) !== "node") {
    return { workingDir, error: `the image's entrypoint ${JSON.stringify(argv)} is not "node <script>"` };
  }
  const script = posix.resolve(workingDirInImage, argv[1]!);
  if (!script.startsWith("/function/")) {
    return { workingDir, error: `the image's entrypoint script ${script} is outside /function` };
  }
  const entry = join(pulled.dir, script);
  if (!existsSync(entry)) return { workingDir, error: `the image has no ${script}` };
  return { entry, workingDir };
}

/** The running containers, one per function. */
export class FunctionRuntimes {
  private readonly runtimes = new Map<string, Runtime>();

  constructor(private readonly opts: RuntimeOptions) {}

  /** A new runtime for the function's current state, or undefined when the running one already fits. */
  async prepare(stored: StoredFunction, app: ApplicationResource): Promise<Runtime | undefined> {
    const fn = stored.resource;
    const key = runtimeKey(stored, app);
    const current = this.runtimes.get(fn.id);
    if (current && current.key === key) return undefined;
    const reuse =
      current && current.digest === fn.imageDigest && samePlatform(current.platform, stored.platform);
    const pulled = reuse
      ? current.pulled
      : await pullFunction(this.opts.registry, stored.pullReference, stored.platform);
    const found = entryOf(pulled);
    const agent = found.entry ? await this.startAgent(stored, app, found.entry, found.workingDir) : undefined;
    if (!found.entry) this.opts.log(`function ${fn.displayName}: ${found.error}`);
    return {
      key,
      digest: fn.imageDigest,
      platform: stored.platform,
      pulled,
      agent,
      entry: found.entry,
      error: found.error,
    };
  }

  private async startAgent(
    stored: StoredFunction,
    app: ApplicationResource,
    entry: string,
    workingDir: string,
  ) {
    const fn = stored.resource;
    const agent = this.opts.createAgent({
      id: fn.id,
      displayName: fn.displayName,
      applicationId: app.id,
      applicationName: app.displayName,
      compartmentId: fn.compartmentId,
      entry,
      workingDir,
      config: { ...app.config, ...fn.config },
      memoryInMBs: fn.memoryInMBs,
      timeoutInSeconds: fn.timeoutInSeconds,
    });
    if (this.opts.prewarm) {
      await agent
        .start()
        .catch((err: Error) => this.opts.log(`function ${fn.displayName}: start failed: ${err.message}`));
    }
    return agent;
  }

  /** Stop a prepared runtime that will not be put in place (its pull kept when the running one shares it). */
  async discard(id: string, next: Runtime): Promise<void> {
    await dispose(next, next.pulled === this.runtimes.get(id)?.pulled);
  }

  /** Put a prepared runtime in place and retire the old one. */
  async swap(id: string, next: Runtime): Promise<void> {
    const old = this.runtimes.get(id);
    this.runtimes.set(id, next);
    if (old) await dispose(old, old.pulled === next.pulled);
  }

  async remove(id: string): Promise<void> {
    const old = this.runtimes.get(id);
    this.runtimes.delete(id);
    if (old) await dispose(old, false);
  }

  async removeAll(): Promise<void> {
    for (const id of [...this.runtimes.keys()]) await this.remove(id);
  }

  info(id: string): FunctionRuntimeInfo | undefined {
    const rt = this.runtimes.get(id);
    return (
      rt && {
        agent: rt.agent,
        error: rt.error,
        imageDigest: rt.digest,
        manifestDigest: rt.pulled.manifestDigest,
        platform: rt.platform,
        functionDir: rt.pulled.functionDir,
        entry: rt.entry,
      }
    );
  }

  agent(id: string): FnAgent | undefined {
    return this.runtimes.get(id)?.agent;
  }

  /** Call the function's container; FunctionError when it has none that can run. */
  invoke(id: string, call: FnCall): Promise<FnResult> {
    const rt = this.runtimes.get(id);
    if (!rt) throw new FunctionError(`function ${id} has no running image yet`);
    if (!rt.agent) throw new FunctionError(`function ${id} cannot run: ${rt.error}`);
    return rt.agent.invoke(call);
  }
}

async function dispose(rt: Runtime, keepPulled: boolean): Promise<void> {
  await rt.agent?.stop().catch(() => {});
  if (!keepPulled) await rt.pulled.cleanup().catch(() => {});
}
