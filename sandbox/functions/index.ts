// The emulated OCI Functions control plane (FunctionsManagementClient, base /20181201) and the sandbox's
// function runtime. Applications (provisioned in-process) and functions: create, get, list, update with
// If-Match, delete, with CREATING/UPDATING -> ACTIVE after a delay. Images are resolved in the sandbox
// registry (the tag's digest becomes imageDigest; the image's platforms must cover the application shape).
// When a function becomes ACTIVE with a new image or new settings, the runtime pulls the image, unpacks
// /function and runs its entrypoint under a fresh Fn agent, replacing (and stopping) the old one.
//
// Wire shapes follow oci-functions 2.139.1 (lib/client.js and lib/model). Choices the public record does not
// settle are marked "unconfirmed" and listed in docs/sandbox.md.
import { existsSync } from "node:fs";
import { join, posix } from "node:path";
import { parseReference } from "../../src/image/reference.js";
import type { OciAuthority } from "../core/auth.js";
import { apiErrors } from "../core/errors.js";
import type { FaultInjector } from "../core/faults.js";
import {
  type ControlPlaneStats,
  emptyStats,
  type Route,
  type ServiceAnswer,
  type ServiceRequest,
  startOciService,
} from "../core/pipeline.js";
import {
  checkIfMatch,
  definedTags,
  etagOf,
  freeformTags,
  jsonBody,
  listPage,
  optionalString,
  type PagingSettings,
  randomOcid,
  requiredString,
  sleep,
} from "../core/resources.js";
import { type FnAgent, type FnCall, type FnResult, FunctionError } from "../fnagent/index.js";
import { type PulledFunction, pullFunction, type Registry, type SandboxPlatform } from "../registry/index.js";

export const FUNCTIONS_BASE_PATH = "/20181201";

export const SHAPES = ["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"] as const;
export type Shape = (typeof SHAPES)[number];

/** The platforms an application shape runs (fn CLI's architecture map; oci-services.md §3.3). */
export const SHAPE_PLATFORMS: Record<Shape, SandboxPlatform[]> = {
  GENERIC_X86: [{ os: "linux", architecture: "amd64" }],
  GENERIC_ARM: [{ os: "linux", architecture: "arm64" }],
  GENERIC_X86_ARM: [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ],
};

const LIFECYCLE_STATES = ["CREATING", "ACTIVE", "INACTIVE", "UPDATING", "DELETING", "DELETED", "FAILED"];
const TRANSITIONAL = new Set(["CREATING", "UPDATING", "DELETING"]);
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface FunctionLimits {
  /** Unconfirmed (docs commonly say 128..3072 MB). */
  minMemoryInMBs: number;
  maxMemoryInMBs: number;
  /** Unconfirmed minimum; the documented maximum is 300 s, the default 30 s. */
  minTimeoutInSeconds: number;
  maxTimeoutInSeconds: number;
  defaultTimeoutInSeconds: number;
  /** Keys plus values, UTF-8 bytes (the SDK's model text: 4 KB). */
  maxConfigBytes: number;
}

export const DEFAULT_FUNCTION_LIMITS: FunctionLimits = {
  minMemoryInMBs: 128,
  maxMemoryInMBs: 3072,
  minTimeoutInSeconds: 1,
  maxTimeoutInSeconds: 300,
  defaultTimeoutInSeconds: 30,
  maxConfigBytes: 4096,
};

export interface ApplicationResource {
  id: string;
  compartmentId: string;
  displayName: string;
  lifecycleState: string;
  config: Record<string, string>;
  subnetIds: string[];
  networkSecurityGroupIds: string[];
  shape: Shape;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  timeCreated: string;
  timeUpdated: string;
}

export interface FunctionResource {
  id: string;
  displayName: string;
  lifecycleState: string;
  applicationId: string;
  compartmentId: string;
  image: string;
  imageDigest: string;
  shape: Shape;
  memoryInMBs: number;
  timeoutInSeconds: number;
  config: Record<string, string>;
  invokeEndpoint: string;
  freeformTags: Record<string, string>;
  definedTags: Record<string, Record<string, unknown>>;
  timeCreated: string;
  timeUpdated: string;
}

/** What the runtime needs to start a function's container. */
export interface RuntimeFunction {
  id: string;
  displayName: string;
  applicationId: string;
  applicationName: string;
  compartmentId: string;
  /** Absolute path of the script the image's entrypoint runs, inside the unpacked /function. */
  entry: string;
  /** The image's WorkingDir, unpacked. */
  workingDir: string;
  /** Application config overlaid with the function's config. */
  config: Record<string, string>;
  memoryInMBs: number;
  timeoutInSeconds: number;
}

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

export interface FunctionsOptions {
  authority: OciAuthority;
  tenancyId: string;
  /** Region key of the OCIDs (e.g. `iad`). */
  regionKey: string;
  /** The 'functions' fault injector. */
  faults: FaultInjector;
  /** Where function images live (its host is the only registry functions may use). */
  registry: Registry;
  /** Builds the Fn agent of a function pulled from its image. */
  createAgent: (fn: RuntimeFunction) => FnAgent;
  /** How long CREATING/UPDATING/DELETING last at least (default 250 ms). */
  lifecycleDelayMs?: number;
  limits?: Partial<FunctionLimits>;
  paging?: Partial<PagingSettings>;
  /** Start a new container as soon as it is in place, before ACTIVE (default true). */
  prewarm?: boolean;
  /** The platform a GENERIC_X86_ARM function runs on (default: this machine's). */
  hostPlatform?: SandboxPlatform;
  log?: (line: string) => void;
  port?: number;
}

export interface CreateFunctionInput {
  displayName: string;
  applicationId: string;
  image: string;
  imageDigest?: string;
  memoryInMBs: number;
  timeoutInSeconds?: number;
  config?: Record<string, string>;
  /** A fixed id (the sandbox's provisioned function); default a fresh OCID. */
  id?: string;
}

export interface FunctionsService {
  url: string;
  stats: ControlPlaneStats;
  /** Add an application (the sandbox has no CreateApplication route). */
  addApplication(p: {
    displayName: string;
    compartmentId: string;
    shape?: Shape;
    config?: Record<string, string>;
    id?: string;
  }): ApplicationResource;
  /** Create a function and make it ACTIVE at once (pulled, container in place); throws on invalid input. */
  provisionFunction(input: CreateFunctionInput): Promise<FunctionResource>;
  application(id: string): ApplicationResource | undefined;
  function(id: string): FunctionResource | undefined;
  /** The container side of a function: its agent and the image it was pulled from. */
  runtime(id: string): FunctionRuntimeInfo | undefined;
  agent(id: string): FnAgent | undefined;
  /** Call a function (the gateway data plane's backend). */
  invoke(id: string, call: FnCall): Promise<FnResult>;
  /** The next `count` creates/updates end FAILED (the running container, if any, stays). */
  failNext(count?: number): void;
  /**
   * Keep every lifecycle transition from finishing (functions stay CREATING/UPDATING/DELETING) until the
   * returned function is called: lets a test act on a function in a transitional state without racing.
   */
  hold(): () => void;
  /** Resolve when every pending lifecycle transition has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface StoredFunction {
  resource: FunctionResource;
  etag: string;
  /** `host/repo@digest` of the image to run, and the platform to pull. */
  pullReference: string;
  platform: SandboxPlatform;
}

interface Runtime {
  key: string;
  digest: string;
  platform: SandboxPlatform;
  pulled: PulledFunction;
  agent: FnAgent | undefined;
  entry: string | undefined;
  error: string | undefined;
}

function samePlatform(want: SandboxPlatform, have: SandboxPlatform): boolean {
  const arch = (a: string) => (a === "x86_64" ? "amd64" : a === "aarch64" ? "arm64" : a);
  const variant = (p: SandboxPlatform) =>
    arch(p.architecture) === "arm64" && (p.variant === "v8" || p.variant === "8")
      ? undefined
      : p.variant || undefined;
  return (
    want.os === have.os &&
    arch(want.architecture) === arch(have.architecture) &&
    (want.variant === undefined || variant(want) === variant(have))
  );
}

const formatPlatform = (p: SandboxPlatform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export async function startFunctions(opts: FunctionsOptions): Promise<FunctionsService> {
  const { registry } = opts;
  const limits: FunctionLimits = { ...DEFAULT_FUNCTION_LIMITS, ...opts.limits };
  const paging: PagingSettings = { defaultLimit: 10, maxLimit: 50, ...opts.paging }; // unconfirmed defaults
  const delayMs = opts.lifecycleDelayMs ?? 250;
  const prewarm = opts.prewarm ?? true;
  const log = opts.log ?? (() => {});
  const hostPlatform: SandboxPlatform = opts.hostPlatform ?? {
    os: "linux",
    architecture: process.arch === "arm64" ? "arm64" : "amd64",
  };
  const stats = emptyStats();
  const applications = new Map<string, ApplicationResource>();
  const functions = new Map<string, StoredFunction>();
  const runtimes = new Map<string, Runtime>();
  const pending = new Set<Promise<void>>();
  let failures = 0;
  let closed = false;
  let gate: { promise: Promise<void>; release: () => void } | undefined;
  const passGate = async () => {
    while (gate && !closed) await gate.promise;
  };
  let url = "";

  const now = () => new Date().toISOString();
  const snapshot = <T>(v: T): T => structuredClone(v);
  const save = (stored: StoredFunction) => {
    stored.etag = etagOf(stored.resource);
  };

  // ---- validation ----

  function parseConfig(value: unknown): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) throw apiErrors.invalid("config must be an object of strings");
    let bytes = 0;
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      if (!CONFIG_KEY.test(key)) {
        throw apiErrors.invalid(
          `config key ${JSON.stringify(key)} is invalid: keys must match [A-Za-z_][A-Za-z0-9_]*`,
        );
      }
      if (typeof v !== "string") throw apiErrors.invalid(`config value of ${key} must be a string`);
      bytes += Buffer.byteLength(key) + Buffer.byteLength(v);
      out[key] = v;
    }
    if (bytes > limits.maxConfigBytes) {
      throw apiErrors.invalid(
        `config is ${bytes} bytes; its keys and values may total at most ${limits.maxConfigBytes} bytes`,
      );
    }
    return out;
  }

  function parseInteger(value: unknown, name: string, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw apiErrors.invalid(`${name} must be an integer from ${min} to ${max}`); // unconfirmed text
    }
    return value;
  }

  /** Platforms an image (index or manifest) serves, read from the registry. */
  function platformsOf(repository: string, bytes: Buffer): SandboxPlatform[] {
    let json: {
      manifests?: Array<{ digest?: string; platform?: SandboxPlatform }>;
      config?: { digest?: string };
    };
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch {
      return [];
    }
    if (Array.isArray(json.manifests)) {
      return json.manifests
        .filter((d) => d.platform && d.digest && registry.manifest(repository, d.digest))
        .map((d) => d.platform as SandboxPlatform)
        .filter((p) => p.os !== "unknown");
    }
    const config = json.config?.digest ? registry.blob(json.config.digest) : undefined;
    if (!config) return [];
    try {
      const c = JSON.parse(config.toString("utf8")) as SandboxPlatform;
      return [{ os: c.os, architecture: c.architecture, ...(c.variant ? { variant: c.variant } : {}) }];
    } catch {
      return [];
    }
  }

  /** Resolve `image` (+ `imageDigest`) in the sandbox registry and check it runs on `shape`. */
  function resolveImage(
    image: string,
    imageDigest: string | undefined,
    shape: Shape,
  ): { digest: string; pullReference: string; platform: SandboxPlatform } {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(image, { role: "function image", defaultTag: false });
    } catch (err) {
      throw apiErrors.invalid(`image: ${(err as Error).message}`);
    }
    if (!ref.tag && !ref.digest) throw apiErrors.invalid(`image ${image} must include a tag`);
    if (ref.registry !== registry.host) {
      throw apiErrors.invalid(
        `image ${image} must be in the Container Registry of the function's region (${registry.host})`,
      );
    }
    if (imageDigest !== undefined && !DIGEST.test(imageDigest)) {
      throw apiErrors.invalid(`imageDigest ${imageDigest} is not a sha256 digest`);
    }
    if (imageDigest !== undefined && ref.digest !== undefined && imageDigest !== ref.digest) {
      throw apiErrors.invalid(`imageDigest ${imageDigest} differs from the digest in image ${image}`);
    }
    // unconfirmed: the real service's status and text for a missing image.
    const missing = () =>
      apiErrors.invalid(
        `image ${image}${imageDigest ? `@${imageDigest}` : ""} was not found in the registry`,
      );
    if (!registry.repositories().includes(ref.repository)) throw missing();
    const found = registry.manifest(ref.repository, imageDigest ?? ref.digest ?? ref.tag!);
    if (!found) throw missing();
    const platforms = platformsOf(ref.repository, found.bytes);
    const needed = SHAPE_PLATFORMS[shape];
    const absent = needed.filter((want) => !platforms.some((have) => samePlatform(want, have)));
    if (absent.length > 0) {
      throw apiErrors.invalid(
        `image ${image} (${found.digest}) has no ${absent.map(formatPlatform).join(" or ")} image; application shape ${shape} needs ${needed.map(formatPlatform).join(" and ")}, the image has ${platforms.map(formatPlatform).join(", ") || "no platform"}`,
      );
    }
    const platform = shape === "GENERIC_X86_ARM" ? hostPlatform : needed[0]!;
    return {
      digest: found.digest,
      pullReference: `${ref.registry}/${ref.repository}@${found.digest}`,
      platform,
    };
  }

  // ---- the runtime ----

  function runtimeKey(fn: FunctionResource, app: ApplicationResource): string {
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

  async function disposeRuntime(rt: Runtime, keepPulled: boolean): Promise<void> {
    await rt.agent?.stop().catch(() => {});
    if (!keepPulled) await rt.pulled.cleanup().catch(() => {});
  }

  /** A new runtime for the function's current state, or undefined when the running one already fits. */
  async function prepareRuntime(stored: StoredFunction): Promise<Runtime | undefined> {
    const fn = stored.resource;
    const app = applications.get(fn.applicationId)!;
    const key = runtimeKey(fn, app);
    const current = runtimes.get(fn.id);
    if (current && current.key === key) return undefined;
    const reuse =
      current && current.digest === fn.imageDigest && samePlatform(current.platform, stored.platform);
    const pulled = reuse
      ? current.pulled
      : await pullFunction(registry, stored.pullReference, stored.platform);
    const found = entryOf(pulled);
    let agent: FnAgent | undefined;
    if (found.entry) {
      agent = opts.createAgent({
        id: fn.id,
        displayName: fn.displayName,
        applicationId: app.id,
        applicationName: app.displayName,
        compartmentId: fn.compartmentId,
        entry: found.entry,
        workingDir: found.workingDir,
        config: { ...app.config, ...fn.config },
        memoryInMBs: fn.memoryInMBs,
        timeoutInSeconds: fn.timeoutInSeconds,
      });
      if (prewarm) {
        await agent
          .start()
          .catch((err: Error) => log(`function ${fn.displayName}: start failed: ${err.message}`));
      }
    } else log(`function ${fn.displayName}: ${found.error}`);
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

  /** Put a prepared runtime in place and retire the old one. */
  async function swapRuntime(id: string, next: Runtime): Promise<void> {
    const old = runtimes.get(id);
    runtimes.set(id, next);
    if (old) await disposeRuntime(old, old.pulled === next.pulled);
  }

  async function removeRuntime(id: string): Promise<void> {
    const old = runtimes.get(id);
    runtimes.delete(id);
    if (old) await disposeRuntime(old, false);
  }

  /** CREATING/UPDATING -> ACTIVE (or FAILED), with the container replaced when it must be. */
  async function activate(stored: StoredFunction, options: { delay: number; fail: boolean }): Promise<void> {
    const started = Date.now();
    let next: Runtime | undefined;
    let failed = options.fail;
    if (!failed) {
      try {
        next = await prepareRuntime(stored);
      } catch (err) {
        failed = true;
        log(
          `function ${stored.resource.displayName}: pulling ${stored.pullReference} failed: ${(err as Error).message}`,
        );
      }
    }
    await sleep(options.delay - (Date.now() - started));
    await passGate();
    if (closed) {
      if (next) await disposeRuntime(next, next.pulled === runtimes.get(stored.resource.id)?.pulled);
      return;
    }
    if (failed) {
      if (next) await disposeRuntime(next, next.pulled === runtimes.get(stored.resource.id)?.pulled);
      stored.resource.lifecycleState = "FAILED";
    } else {
      if (next) await swapRuntime(stored.resource.id, next);
      stored.resource.lifecycleState = "ACTIVE";
    }
    save(stored);
  }

  function track(work: Promise<void>): void {
    const p = work
      .catch((err: Error) => log(`functions: ${err.message}`))
      .finally(() => {
        pending.delete(p);
      });
    pending.add(p);
  }

  function takeFailure(): boolean {
    if (failures <= 0) return false;
    failures--;
    return true;
  }

  // ---- operations ----

  function findApplication(id: string): ApplicationResource {
    const app = applications.get(id);
    if (!app) throw apiErrors.notFound(`application ${id} was not found`);
    return app;
  }

  function findFunction(id: string, options: { deletedVisible: boolean }): StoredFunction {
    const stored = functions.get(id);
    if (!stored || (!options.deletedVisible && stored.resource.lifecycleState === "DELETED")) {
      throw apiErrors.notFound();
    }
    return stored;
  }

  function createFunction(input: Record<string, unknown>, fixedId?: string): StoredFunction {
    const displayName = requiredString(input, "displayName");
    if (displayName.length > 255 || /[\u0000-\u001f]/.test(displayName)) {
      throw apiErrors.invalid("displayName must be 1 to 255 characters without control characters");
    }
    const app = findApplication(requiredString(input, "applicationId"));
    if (input.sourceDetails !== undefined && input.sourceDetails !== null) {
      throw apiErrors.invalid("sourceDetails (pre-built functions) are not supported by the sandbox");
    }
    const image = requiredString(input, "image");
    if (input.memoryInMBs === undefined || input.memoryInMBs === null) throw apiErrors.missing("memoryInMBs");
    const memoryInMBs = parseInteger(
      input.memoryInMBs,
      "memoryInMBs",
      limits.minMemoryInMBs,
      limits.maxMemoryInMBs,
    );
    const timeoutInSeconds =
      input.timeoutInSeconds === undefined || input.timeoutInSeconds === null
        ? limits.defaultTimeoutInSeconds
        : parseInteger(
            input.timeoutInSeconds,
            "timeoutInSeconds",
            limits.minTimeoutInSeconds,
            limits.maxTimeoutInSeconds,
          );
    const config = parseConfig(input.config);
    const tags = freeformTags(input) ?? {};
    const defined = definedTags(input) ?? {};
    for (const other of functions.values()) {
      const r = other.resource;
      if (r.applicationId === app.id && r.displayName === displayName && r.lifecycleState !== "DELETED") {
        // unconfirmed: the real code and text of a duplicate name.
        throw apiErrors.alreadyExists(
          `a function named ${displayName} already exists in application ${app.displayName}`,
        );
      }
    }
    const resolved = resolveImage(image, optionalString(input, "imageDigest"), app.shape);
    const id = fixedId ?? randomOcid("fnfunc", opts.regionKey);
    const time = now();
    const resource: FunctionResource = {
      id,
      displayName,
      lifecycleState: "CREATING",
      applicationId: app.id,
      compartmentId: app.compartmentId,
      image,
      imageDigest: resolved.digest,
      shape: app.shape,
      memoryInMBs,
      timeoutInSeconds,
      config,
      invokeEndpoint: url,
      freeformTags: tags,
      definedTags: defined,
      timeCreated: time,
      timeUpdated: time,
    };
    const stored: StoredFunction = {
      resource,
      etag: "",
      pullReference: resolved.pullReference,
      platform: resolved.platform,
    };
    save(stored);
    functions.set(id, stored);
    return stored;
  }

  const summaryOf = (r: FunctionResource) => {
    const { config: _config, ...summary } = r;
    return summary;
  };

  const routes: Route[] = [
    {
      method: "GET",
      pattern: /^\/applications$/,
      run(req) {
        const compartmentId = req.query.get("compartmentId");
        if (!compartmentId) throw apiErrors.missing("compartmentId");
        const displayName = req.query.get("displayName");
        const id = req.query.get("id");
        const { page, headers } = listPage(applications.values(), req.query, {
          states: LIFECYCLE_STATES,
          matches: (a) =>
            a.compartmentId === compartmentId &&
            (displayName === null || a.displayName === displayName) &&
            (id === null || a.id === id),
          sortKeys: { timeCreated: (a) => a.timeCreated, displayName: (a) => a.displayName, id: (a) => a.id },
          paging,
        });
        return {
          status: 200,
          body: page.map(({ config: _config, ...summary }) => snapshot(summary)),
          headers,
        };
      },
    },
    {
      method: "GET",
      pattern: /^\/applications\/([^/]+)$/,
      run(_req, [id]) {
        const app = findApplication(id!);
        return { status: 200, body: snapshot(app), headers: { etag: etagOf(app) } };
      },
    },
    {
      method: "POST",
      pattern: /^\/functions$/,
      write: "create",
      run(req) {
        const stored = createFunction(jsonBody(req));
        track(activate(stored, { delay: delayMs, fail: takeFailure() }));
        return { status: 200, body: snapshot(stored.resource), headers: { etag: stored.etag } };
      },
    },
    {
      method: "GET",
      pattern: /^\/functions$/,
      run(req) {
        const applicationId = req.query.get("applicationId");
        if (!applicationId) throw apiErrors.missing("applicationId");
        findApplication(applicationId);
        const displayName = req.query.get("displayName");
        const id = req.query.get("id");
        const resources = [...functions.values()].map((stored) => stored.resource);
        const { page, headers } = listPage(resources, req.query, {
          states: LIFECYCLE_STATES,
          matches: (f) =>
            f.applicationId === applicationId &&
            (displayName === null || f.displayName === displayName) &&
            (id === null || f.id === id),
          sortKeys: { timeCreated: (f) => f.timeCreated, displayName: (f) => f.displayName, id: (f) => f.id },
          paging,
        });
        return { status: 200, body: page.map((f) => snapshot(summaryOf(f))), headers };
      },
    },
    {
      method: "GET",
      pattern: /^\/functions\/([^/]+)$/,
      run(_req, [id]) {
        const stored = findFunction(id!, { deletedVisible: true });
        return { status: 200, body: snapshot(stored.resource), headers: { etag: stored.etag } };
      },
    },
    {
      method: "PUT",
      pattern: /^\/functions\/([^/]+)$/,
      write: "update",
      run: (req, [id]) => updateFunction(req, id!),
    },
    {
      method: "DELETE",
      pattern: /^\/functions\/([^/]+)$/,
      write: "delete",
      run(req, [id]) {
        const stored = findFunction(id!, { deletedVisible: false });
        checkIfMatch(req, stored.etag);
        const r = stored.resource;
        if (TRANSITIONAL.has(r.lifecycleState)) {
          throw apiErrors.incorrectState(
            `function ${r.displayName} is ${r.lifecycleState}; wait until it is ACTIVE`,
          );
        }
        r.lifecycleState = "DELETING";
        r.timeUpdated = now();
        save(stored);
        track(
          (async () => {
            await sleep(delayMs);
            await passGate();
            if (closed) return;
            await removeRuntime(r.id);
            r.lifecycleState = "DELETED";
            save(stored);
          })(),
        );
        return { status: 204 };
      },
    },
  ];

  function updateFunction(req: ServiceRequest, id: string): ServiceAnswer {
    const stored = findFunction(id, { deletedVisible: false });
    checkIfMatch(req, stored.etag);
    const r = stored.resource;
    if (TRANSITIONAL.has(r.lifecycleState)) {
      // unconfirmed: the real service's answer to an update during a transition.
      throw apiErrors.incorrectState(
        `function ${r.displayName} is ${r.lifecycleState}; wait until it is ACTIVE`,
      );
    }
    const body = jsonBody(req);
    const app = applications.get(r.applicationId)!;
    if (body.sourceDetails !== undefined && body.sourceDetails !== null) {
      throw apiErrors.invalid("sourceDetails (pre-built functions) are not supported by the sandbox");
    }
    const image = optionalString(body, "image");
    const imageDigest = optionalString(body, "imageDigest");
    const memoryInMBs =
      body.memoryInMBs === undefined || body.memoryInMBs === null
        ? r.memoryInMBs
        : parseInteger(body.memoryInMBs, "memoryInMBs", limits.minMemoryInMBs, limits.maxMemoryInMBs);
    const timeoutInSeconds =
      body.timeoutInSeconds === undefined || body.timeoutInSeconds === null
        ? r.timeoutInSeconds
        : parseInteger(
            body.timeoutInSeconds,
            "timeoutInSeconds",
            limits.minTimeoutInSeconds,
            limits.maxTimeoutInSeconds,
          );
    const config = body.config === undefined || body.config === null ? r.config : parseConfig(body.config);
    const tags = freeformTags(body) ?? r.freeformTags;
    const defined = definedTags(body) ?? r.definedTags;
    // "If an image is specified but no value for imageDigest is provided, the digest currently associated with
    // the image tag will be used" (UpdateFunctionDetails); an imageDigest alone picks a version of the same image.
    let resolved: { digest: string; pullReference: string; platform: SandboxPlatform } | undefined;
    if (image !== undefined || imageDigest !== undefined) {
      resolved = resolveImage(image ?? r.image, imageDigest, app.shape);
    }
    if (image !== undefined) r.image = image;
    if (resolved) {
      r.imageDigest = resolved.digest;
      stored.pullReference = resolved.pullReference;
      stored.platform = resolved.platform;
    }
    r.memoryInMBs = memoryInMBs;
    r.timeoutInSeconds = timeoutInSeconds;
    r.config = config;
    r.freeformTags = tags;
    r.definedTags = defined;
    r.lifecycleState = "UPDATING";
    r.timeUpdated = now();
    save(stored);
    track(activate(stored, { delay: delayMs, fail: takeFailure() }));
    return { status: 200, body: snapshot(r), headers: { etag: stored.etag } };
  }

  const server = await startOciService({
    basePath: FUNCTIONS_BASE_PATH,
    authority: opts.authority,
    tenancyId: opts.tenancyId,
    faults: opts.faults,
    routes,
    stats,
    port: opts.port,
  });
  url = server.url;

  const runtimeInfo = (rt: Runtime): FunctionRuntimeInfo => ({
    agent: rt.agent,
    error: rt.error,
    imageDigest: rt.digest,
    manifestDigest: rt.pulled.manifestDigest,
    platform: rt.platform,
    functionDir: rt.pulled.functionDir,
    entry: rt.entry,
  });

  return {
    url,
    stats,
    addApplication(p) {
      const shape = p.shape ?? "GENERIC_X86";
      if (!SHAPES.includes(shape)) throw new Error(`unknown shape ${shape}`);
      const time = now();
      const app: ApplicationResource = {
        id: p.id ?? randomOcid("fnapp", opts.regionKey),
        compartmentId: p.compartmentId,
        displayName: p.displayName,
        lifecycleState: "ACTIVE",
        config: { ...p.config },
        subnetIds: [randomOcid("subnet", opts.regionKey)],
        networkSecurityGroupIds: [],
        shape,
        freeformTags: {},
        definedTags: {},
        timeCreated: time,
        timeUpdated: time,
      };
      applications.set(app.id, app);
      return snapshot(app);
    },
    async provisionFunction(input) {
      const { id, ...details } = input;
      const stored = createFunction(details as unknown as Record<string, unknown>, id);
      await activate(stored, { delay: 0, fail: false });
      if (stored.resource.lifecycleState !== "ACTIVE") {
        throw new Error(`provisioning function ${input.displayName} failed`);
      }
      return snapshot(stored.resource);
    },
    application: (id) => {
      const app = applications.get(id);
      return app && snapshot(app);
    },
    function: (id) => {
      const stored = functions.get(id);
      return stored && snapshot(stored.resource);
    },
    runtime: (id) => {
      const rt = runtimes.get(id);
      return rt && runtimeInfo(rt);
    },
    agent: (id) => runtimes.get(id)?.agent,
    async invoke(id, call) {
      const stored = functions.get(id);
      if (!stored || stored.resource.lifecycleState === "DELETED") {
        throw new FunctionError(`function ${id} does not exist`);
      }
      const rt = runtimes.get(id);
      if (!rt) throw new FunctionError(`function ${id} has no running image yet`);
      if (!rt.agent) throw new FunctionError(`function ${id} cannot run: ${rt.error}`);
      return rt.agent.invoke(call);
    },
    failNext(count = 1) {
      failures += count;
    },
    hold() {
      if (!gate) {
        let release = () => {};
        const promise = new Promise<void>((resolve) => {
          release = resolve;
        });
        gate = { promise, release };
      }
      const held = gate;
      return () => {
        if (gate === held) gate = undefined;
        held.release();
      };
    },
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      gate?.release();
      await Promise.all([...pending]);
      await server.close();
      for (const id of [...runtimes.keys()]) await removeRuntime(id);
    },
  };
}
