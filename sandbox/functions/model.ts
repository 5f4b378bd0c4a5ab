// The Functions control plane's state and rules: applications (provisioned in-process) and functions, which
// are created and updated CREATING/UPDATING -> ACTIVE (or FAILED) after a delay and deleted DELETING ->
// DELETED; a transition that brings a new image or new settings puts a new container in place first.
import { apiErrors } from "../core/errors.js";
import {
  definedTags,
  etagOf,
  freeformTags,
  type OciResource,
  optionalString,
  randomOcid,
  requiredString,
  sleep,
} from "../core/resources.js";
import type { FnCall, FnResult } from "../fnagent/index.js";
import { FunctionError } from "../fnagent/index.js";
import type { Registry, SandboxPlatform } from "../registry/index.js";
import type { ApplicationRoutesContext } from "./applications.js";
import { type ResolvedImage, resolveImage, SHAPES, type Shape } from "./images.js";
import type { FunctionRuntimes, Runtime } from "./runtime.js";

export const LIFECYCLE_STATES = [
  "CREATING",
  "ACTIVE",
  "INACTIVE",
  "UPDATING",
  "DELETING",
  "DELETED",
  "FAILED",
];
const TRANSITIONAL = new Set(["CREATING", "UPDATING", "DELETING"]);
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

export interface ApplicationResource extends OciResource {
  config: Record<string, string>;
  subnetIds: string[];
  networkSecurityGroupIds: string[];
  shape: Shape;
}

export interface FunctionResource extends OciResource {
  applicationId: string;
  image: string;
  imageDigest: string;
  shape: Shape;
  memoryInMBs: number;
  timeoutInSeconds: number;
  config: Record<string, string>;
  invokeEndpoint: string;
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

export interface StoredFunction {
  resource: FunctionResource;
  etag: string;
  /** `host/repo@digest` of the image to run, and the platform to pull. */
  pullReference: string;
  platform: SandboxPlatform;
}

interface NewApplication {
  displayName: string;
  compartmentId: string;
  subnetId?: string;
  shape?: Shape;
  config?: Record<string, string>;
  id?: string;
}

interface FunctionsModelOptions {
  registry: Registry;
  runtimes: FunctionRuntimes;
  regionKey: string;
  limits: FunctionLimits;
  /** How long CREATING/UPDATING/DELETING last at least. */
  delayMs: number;
  /** The platform a GENERIC_X86_ARM function runs on. */
  hostPlatform: SandboxPlatform;
  log: (line: string) => void;
}

const now = () => new Date().toISOString();
export const snapshot = <T>(v: T): T => structuredClone(v);
const isSet = (v: unknown) => v !== undefined && v !== null;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function parseConfig(value: unknown, limits: FunctionLimits): Record<string, string> {
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

const parseMemory = (value: unknown, limits: FunctionLimits) =>
  parseInteger(value, "memoryInMBs", limits.minMemoryInMBs, limits.maxMemoryInMBs);
const parseTimeout = (value: unknown, limits: FunctionLimits) =>
  parseInteger(value, "timeoutInSeconds", limits.minTimeoutInSeconds, limits.maxTimeoutInSeconds);

function refuseSourceDetails(body: Record<string, unknown>): void {
  if (isSet(body.sourceDetails)) {
    throw apiErrors.invalid("sourceDetails (pre-built functions) are not supported by the sandbox");
  }
}

function checkIdle(r: FunctionResource): void {
  if (TRANSITIONAL.has(r.lifecycleState)) {
    // unconfirmed: the real service's answer to an update during a transition.
    throw apiErrors.incorrectState(
      `function ${r.displayName} is ${r.lifecycleState}; wait until it is ACTIVE`,
    );
  }
}

/** The checked fields of a CreateFunctionDetails body, in the order the service checks them. */
function createInput(input: Record<string, unknown>) {
  const displayName = requiredString(input, "displayName");
  if (displayName.length > 255 || /[\u0000-\u001f]/.test(displayName)) {
    throw apiErrors.invalid("displayName must be 1 to 255 characters without control characters");
  }
  const applicationId = requiredString(input, "applicationId");
  return { displayName, applicationId };
}

function createSettings(input: Record<string, unknown>, limits: FunctionLimits) {
  refuseSourceDetails(input);
  const image = requiredString(input, "image");
  if (!isSet(input.memoryInMBs)) throw apiErrors.missing("memoryInMBs");
  return {
    image,
    memoryInMBs: parseMemory(input.memoryInMBs, limits),
    timeoutInSeconds: isSet(input.timeoutInSeconds)
      ? parseTimeout(input.timeoutInSeconds, limits)
      : limits.defaultTimeoutInSeconds,
    config: parseConfig(input.config, limits),
    freeformTags: freeformTags(input) ?? {},
    definedTags: definedTags(input) ?? {},
  };
}

/** The state of the Functions control plane: its applications, functions and lifecycle transitions. */
export class FunctionsModel {
  private readonly applications = new Map<string, ApplicationResource>();
  private readonly functions = new Map<string, StoredFunction>();
  private readonly pending = new Set<Promise<void>>();
  private failures = 0;
  private readonly edits: Array<(fn: FunctionResource) => void> = [];
  private closed = false;
  private gate: { promise: Promise<void>; release: () => void } | undefined;
  /** The control plane's URL, every function's invokeEndpoint. */
  url = "";

  constructor(private readonly opts: FunctionsModelOptions) {}

  addApplication(p: NewApplication): ApplicationResource {
    const shape = p.shape ?? "GENERIC_X86";
    if (!SHAPES.includes(shape)) throw new Error(`unknown shape ${shape}`);
    const time = now();
    const app: ApplicationResource = {
      id: p.id ?? randomOcid("fnapp", this.opts.regionKey),
      compartmentId: p.compartmentId,
      displayName: p.displayName,
      lifecycleState: "ACTIVE",
      config: { ...p.config },
      subnetIds: [p.subnetId ?? randomOcid("subnet", this.opts.regionKey)],
      networkSecurityGroupIds: [],
      shape,
      freeformTags: {},
      definedTags: {},
      timeCreated: time,
      timeUpdated: time,
    };
    this.applications.set(app.id, app);
    return snapshot(app);
  }

  /** What CreateApplication and UpdateApplication (applications.ts) work on. */
  applicationContext(): ApplicationRoutesContext {
    return {
      applications: this.applications,
      parseConfig: (value) => parseConfig(value, this.opts.limits),
      regionKey: this.opts.regionKey,
      delayMs: this.opts.delayMs,
      track: (work) => this.track(work),
      isClosed: () => this.closed,
    };
  }

  listApplications(): Iterable<ApplicationResource> {
    return this.applications.values();
  }

  listFunctions(): FunctionResource[] {
    return [...this.functions.values()].map((stored) => stored.resource);
  }

  application(id: string): ApplicationResource | undefined {
    return this.applications.get(id);
  }

  stored(id: string): StoredFunction | undefined {
    return this.functions.get(id);
  }

  findApplication(id: string): ApplicationResource {
    const app = this.applications.get(id);
    if (!app) throw apiErrors.notFound(`application ${id} was not found`);
    return app;
  }

  findFunction(id: string, options: { deletedVisible: boolean }): StoredFunction {
    const stored = this.functions.get(id);
    if (!stored || (!options.deletedVisible && stored.resource.lifecycleState === "DELETED")) {
      throw apiErrors.notFound();
    }
    return stored;
  }

  /** A new CREATING function from a CreateFunctionDetails body (`fixedId` for the provisioned one). */
  createFunction(input: Record<string, unknown>, fixedId?: string): StoredFunction {
    const { displayName, applicationId } = createInput(input);
    const app = this.findApplication(applicationId);
    const settings = createSettings(input, this.opts.limits);
    this.checkUniqueName(app, displayName);
    const resolved = this.resolve(settings.image, optionalString(input, "imageDigest"), app.shape);
    const id = fixedId ?? randomOcid("fnfunc", this.opts.regionKey);
    const time = now();
    const { image, memoryInMBs, timeoutInSeconds, config } = settings;
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
      invokeEndpoint: this.url,
      freeformTags: settings.freeformTags,
      definedTags: settings.definedTags,
      timeCreated: time,
      timeUpdated: time,
    };
    const stored = { resource, etag: "", pullReference: resolved.pullReference, platform: resolved.platform };
    save(stored);
    this.functions.set(id, stored);
    return stored;
  }

  private checkUniqueName(app: ApplicationResource, displayName: string): void {
    for (const other of this.functions.values()) {
      const r = other.resource;
      if (r.applicationId === app.id && r.displayName === displayName && r.lifecycleState !== "DELETED") {
        // unconfirmed: the real code and text of a duplicate name.
        throw apiErrors.alreadyExists(
          `a function named ${displayName} already exists in application ${app.displayName}`,
        );
      }
    }
  }

  private resolve(image: string, imageDigest: string | undefined, shape: Shape): ResolvedImage {
    return resolveImage(this.opts.registry, this.opts.hostPlatform, { image, imageDigest, shape });
  }

  /** Apply an UpdateFunctionDetails body (read once the function is idle): UPDATING until the transition ends. */
  updateFunction(stored: StoredFunction, readBody: () => Record<string, unknown>): void {
    const r = stored.resource;
    checkIdle(r);
    const body = readBody();
    const app = this.applications.get(r.applicationId)!;
    const { limits } = this.opts;
    refuseSourceDetails(body);
    const image = optionalString(body, "image");
    const imageDigest = optionalString(body, "imageDigest");
    const memoryInMBs = isSet(body.memoryInMBs) ? parseMemory(body.memoryInMBs, limits) : r.memoryInMBs;
    const timeoutInSeconds = isSet(body.timeoutInSeconds)
      ? parseTimeout(body.timeoutInSeconds, limits)
      : r.timeoutInSeconds;
    const config = isSet(body.config) ? parseConfig(body.config, limits) : r.config;
    const tags = freeformTags(body) ?? r.freeformTags;
    const defined = definedTags(body) ?? r.definedTags;
    // "If an image is specified but no value for imageDigest is provided, the digest currently associated with
    // the image tag will be used" (UpdateFunctionDetails); an imageDigest alone picks a version of the same image.
    const resolved =
      image !== undefined || imageDigest !== undefined
        ? this.resolve(image ?? r.image, imageDigest, app.shape)
        : undefined;
    if (image !== undefined) r.image = image;
    if (resolved) {
      r.imageDigest = resolved.digest;
      stored.pullReference = resolved.pullReference;
      stored.platform = resolved.platform;
    }
    Object.assign(r, { memoryInMBs, timeoutInSeconds, config, freeformTags: tags, definedTags: defined });
    r.lifecycleState = "UPDATING";
    r.timeUpdated = now();
    save(stored);
    this.track(this.activate(stored, { delay: this.opts.delayMs, fail: this.takeFailure() }));
  }

  /** Start a created function's CREATING -> ACTIVE transition. */
  startCreate(stored: StoredFunction): void {
    this.track(this.activate(stored, { delay: this.opts.delayMs, fail: this.takeFailure() }));
  }

  /** DELETING now, DELETED (container stopped) after the delay. */
  deleteFunction(stored: StoredFunction): void {
    const r = stored.resource;
    if (TRANSITIONAL.has(r.lifecycleState)) {
      throw apiErrors.incorrectState(
        `function ${r.displayName} is ${r.lifecycleState}; wait until it is ACTIVE`,
      );
    }
    r.lifecycleState = "DELETING";
    r.timeUpdated = now();
    save(stored);
    this.track(
      (async () => {
        await sleep(this.opts.delayMs);
        await this.passGate();
        if (this.closed) return;
        await this.opts.runtimes.remove(r.id);
        r.lifecycleState = "DELETED";
        save(stored);
      })(),
    );
  }

  /** Create a function and make it ACTIVE at once (pulled, container in place); throws on invalid input. */
  async provisionFunction(input: Record<string, unknown>, id: string | undefined): Promise<FunctionResource> {
    const stored = this.createFunction(input, id);
    await this.activate(stored, { delay: 0, fail: false });
    if (stored.resource.lifecycleState !== "ACTIVE") {
      throw new Error(`provisioning function ${stored.resource.displayName} failed`);
    }
    return snapshot(stored.resource);
  }

  /** CREATING/UPDATING -> ACTIVE (or FAILED), with the container replaced when it must be. */
  private async activate(stored: StoredFunction, options: { delay: number; fail: boolean }): Promise<void> {
    const started = Date.now();
    const { runtimes, log } = this.opts;
    let next: Runtime | undefined;
    let failed = options.fail;
    if (!failed) {
      try {
        next = await runtimes.prepare(stored, this.applications.get(stored.resource.applicationId)!);
      } catch (err) {
        failed = true;
        log(
          `function ${stored.resource.displayName}: pulling ${stored.pullReference} failed: ${(err as Error).message}`,
        );
      }
    }
    await sleep(options.delay - (Date.now() - started));
    await this.passGate();
    if (this.closed || failed) {
      if (next) await runtimes.discard(stored.resource.id, next);
      if (this.closed) return;
      stored.resource.lifecycleState = "FAILED";
    } else {
      if (next) await runtimes.swap(stored.resource.id, next);
      stored.resource.lifecycleState = "ACTIVE";
    }
    save(stored);
  }

  async invoke(id: string, call: FnCall): Promise<FnResult> {
    const stored = this.functions.get(id);
    if (!stored || stored.resource.lifecycleState === "DELETED") {
      throw new FunctionError(`function ${id} does not exist`);
    }
    return this.opts.runtimes.invoke(id, call);
  }

  /** The next UpdateFunction finds the function edited by someone else first (its etag moved on). */
  editBeforeNextUpdate(edit: (fn: FunctionResource) => void): void {
    this.edits.push(edit);
  }

  /** Apply the edit queued for this update request, if any, as another client's change would land. */
  applyConcurrentEdit(stored: StoredFunction): void {
    const edit = this.edits.shift();
    if (!edit) return;
    edit(stored.resource);
    stored.resource.timeUpdated = new Date().toISOString();
    save(stored);
  }

  /** The next `count` creates/updates end FAILED (the running container, if any, stays). */
  failNext(count: number): void {
    this.failures += count;
  }

  private takeFailure(): boolean {
    if (this.failures <= 0) return false;
    this.failures--;
    return true;
  }

  private track(work: Promise<void>): void {
    const p = work
      .catch((err: Error) => this.opts.log(`functions: ${err.message}`))
      .finally(() => {
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private async passGate(): Promise<void> {
    while (this.gate && !this.closed) await this.gate.promise;
  }

  /** Keep every lifecycle transition from finishing until the returned function is called. */
  hold(): () => void {
    if (!this.gate) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.gate = { promise, release };
    }
    const held = this.gate;
    return () => {
      if (this.gate === held) this.gate = undefined;
      held.release();
    };
  }

  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stop every transition (they end where they are) and wait for them. */
  async close(): Promise<void> {
    this.closed = true;
    this.gate?.release();
    await Promise.all([...this.pending]);
  }
}

function save(stored: StoredFunction): void {
  stored.etag = etagOf(stored.resource);
}
