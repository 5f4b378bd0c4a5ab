// The emulated OCI Functions control plane (FunctionsManagementClient, base /20181201) and the sandbox's
// function runtime: model.ts holds applications, functions and their lifecycle, routes.ts the operations
// (applications.ts: CreateApplication and UpdateApplication, when the tenancy's network is given),
// images.ts the image checks against the sandbox registry and runtime.ts the containers (Fn agents).
//
// Wire shapes follow oci-functions 2.139.1 (lib/client.js and lib/model). Choices the public record does not
// settle are marked "unconfirmed" and listed in sandbox/README.md.
import type { OciAuthority } from "../core/auth.js";
import type { FaultInjector } from "../core/faults.js";
import type { ResponseLatency } from "../core/latency.js";
import { type ControlPlaneStats, startControlPlane } from "../core/pipeline.js";
import type { PagingSettings } from "../core/resources.js";
import type { FnAgent, FnCall, FnResult } from "../fnagent/index.js";
import type { Registry, SandboxPlatform } from "../registry/index.js";
import { type ApplicationRoutesOptions, applicationRoutes } from "./applications.js";
import type { Shape } from "./images.js";
import {
  type ApplicationResource,
  DEFAULT_FUNCTION_LIMITS,
  type FunctionLimits,
  type FunctionResource,
  FunctionsModel,
  type RuntimeFunction,
  snapshot,
} from "./model.js";
import { functionsRoutes } from "./routes.js";
import { type FunctionRuntimeInfo, FunctionRuntimes } from "./runtime.js";

export type { Shape };

const FUNCTIONS_BASE_PATH = "/20181201";

interface FunctionsOptions {
  /** The latency model's delay before each request (default none). */
  latency?: ResponseLatency;
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
  /** The tenancy's network and compartments: with them, CreateApplication and UpdateApplication are served. */
  applications?: ApplicationRoutesOptions;
}

interface CreateFunctionInput {
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
  /** Add an application without a request (CreateApplication is applications.ts's route). */
  addApplication(p: {
    displayName: string;
    compartmentId: string;
    subnetId?: string;
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
   * Someone else edits the function just before the next UpdateFunction arrives (default: a freeform tag
   * `edited-by: someone-else`): its etag moves on, so an update with the old If-Match gets 412 NoEtagMatch.
   */
  editBeforeNextUpdate(edit?: (fn: FunctionResource) => void): void;
  /**
   * Keep every lifecycle transition from finishing (functions stay CREATING/UPDATING/DELETING) until the
   * returned function is called: lets a test act on a function in a transitional state without racing.
   */
  hold(): () => void;
  /** Resolve when every pending lifecycle transition has finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startFunctions(opts: FunctionsOptions): Promise<FunctionsService> {
  const runtimes = new FunctionRuntimes({
    registry: opts.registry,
    createAgent: opts.createAgent,
    prewarm: opts.prewarm ?? true,
    log: opts.log ?? (() => {}),
  });
  const model = new FunctionsModel({
    registry: opts.registry,
    runtimes,
    regionKey: opts.regionKey,
    limits: { ...DEFAULT_FUNCTION_LIMITS, ...opts.limits },
    delayMs: opts.lifecycleDelayMs ?? 250,
    hostPlatform: opts.hostPlatform ?? {
      os: "linux",
      architecture: process.arch === "arm64" ? "arm64" : "amd64",
    },
    log: opts.log ?? (() => {}),
  });
  const paging: PagingSettings = { defaultLimit: 10, maxLimit: 50, ...opts.paging }; // unconfirmed defaults
  const routes = functionsRoutes(model, paging);
  if (opts.applications) routes.push(...applicationRoutes(opts.applications)(model.applicationContext()));
  const server = await startControlPlane(FUNCTIONS_BASE_PATH, opts, routes);
  model.url = server.url;
  return {
    url: server.url,
    stats: server.stats,
    addApplication: (p) => model.addApplication(p),
    provisionFunction: ({ id, ...details }) => model.provisionFunction({ ...details }, id),
    application: (id) => {
      const app = model.application(id);
      return app && snapshot(app);
    },
    function: (id) => {
      const stored = model.stored(id);
      return stored && snapshot(stored.resource);
    },
    runtime: (id) => runtimes.info(id),
    agent: (id) => runtimes.agent(id),
    invoke: (id, call) => model.invoke(id, call),
    failNext: (count = 1) => model.failNext(count),
    editBeforeNextUpdate: (
      edit = (fn) => {
        fn.freeformTags = { ...fn.freeformTags, "edited-by": "someone-else" };
      },
    ) => model.editBeforeNextUpdate(edit),
    hold: () => model.hold(),
    settle: () => model.settle(),
    async close() {
      await model.close();
      await server.close();
      await runtimes.removeAll();
    },
  };
}
