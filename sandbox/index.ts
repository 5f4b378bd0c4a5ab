// The local OCI sandbox: every emulator on 127.0.0.1, provisioned so the data path works at once.
// An IDCS domain issues tokens, a gateway deployment at /usage checks them and routes
// POST /request-summarized-usages to the function, which calls the Usage API emulator as a resource
// principal. The function runs from an image in the sandbox registry (function/dist/func.js on a fake
// fnproject/node:24 base) under the Fn agent. The Functions, API Gateway and Artifacts control planes
// show the provisioned function and deployment and let a deploy run create or update them with the real
// oci-sdk clients; the Identity API, the Identity Domains admin API, CreateApplication, CreateGateway and
// the container repositories serve setup's calls (`bare: true` starts a tenancy with nothing to deploy to).
// setup.ts has the steps; see sandbox/README.md for the contract.
import { existsSync } from "node:fs";
import type { ApiGatewayService } from "./apigateway/index.js";
import type { ArtifactsService } from "./artifacts/index.js";
import type { ContainerRepositories } from "./artifacts/repositories.js";
import { type ApiKeyUser, OciAuthority } from "./core/auth.js";
import { createFaults, type Faults } from "./core/faults.js";
import { type LatencyOptions, type RateLimitOptions, tenancyRateLimiter } from "./core/latency.js";
import type { FnAgent } from "./fnagent/index.js";
import type { FunctionsService, Shape } from "./functions/index.js";
import type { DeploymentInput, Gateway } from "./gateway/index.js";
import type { GithubIssuer, GithubIssuerOptions } from "./github/index.js";
import type { IamService } from "./iam/index.js";
import type { IdentityDomainsAdmin, IdentityDomainsOptions } from "./identity/admin.js";
import type { Identity } from "./identity/index.js";
import type { SandboxNetwork } from "./network/index.js";
import type { Registry, SeededImage } from "./registry/index.js";
import {
  Closers,
  DEFAULT_FUNCTION_ENTRY,
  endpointsOf,
  latencyOf,
  provisionUsageDeployment,
  provisionUsageFunction,
  sandboxIds,
  sandboxNetwork,
  startControlPlanes,
  startFunctionsService,
  startGatewayDataPlane,
  startGithubOidc,
  startIamService,
  startIdentityDomain,
  startOcirRegistry,
  writeApiKey,
} from "./setup.js";
import { createDataset, type Dataset } from "./usageapi/dataset.js";
import { startUsageApi } from "./usageapi/index.js";

export { type IssuedSecret, issuedSecrets, recordIssuedSecrets } from "./core/issued-secrets.js";
export {
  DEFAULT_FUNCTION_ENTRY,
  FUNCTION_NAME,
  sandboxOcid,
  USAGE_ROUTE,
  usageDeploymentSpec,
} from "./setup.js";

export interface SandboxOptions {
  /** Data set seed (default 42). */
  seed?: number;
  /** Data set scale: the number of billable resources (default 60). */
  resources?: number;
  /** Last month with data, 'YYYY-MM' (default: the current UTC month). */
  currentMonth?: string;
  /** More Oracle-Tags.CreatedBy values, for the resources from index 4 on in turn (default none; see the data set). */
  extraTagValues?: readonly string[];
  /** The function bundle to run (default function/dist/func.js). */
  functionEntry?: string;
  /** Extra function config (env), merged over the sandbox's own. */
  functionConfig?: Record<string, string>;
  /** Containers a function may run at once for concurrent calls (default 1; OCI scales out). */
  functionContainers?: number;
  functionTimeoutSeconds?: number;
  /** How the deployment gets its JWT keys (default REMOTE_JWKS, as the IDCS tutorials do). */
  publicKeys?: "REMOTE_JWKS" | "STATIC_KEYS";
  maxClockSkewInSeconds?: number;
  jwksCooldownMs?: number;
  /**
   * The clock (epoch ms) the identity domain issues tokens by and the gateway checks them against (default
   * Date.now): moving it past a token's lifetime expires the tokens already issued, as time would.
   */
  tokenClock?: () => number;
  /** Usage API paging: default `limit`, largest `limit`, and `pageCap`, the most rows a page holds whatever `limit` asks. */
  usage?: { pageSize?: number; maxLimit?: number; pageCap?: number; currencyWithGroupBy?: boolean };
  /**
   * Response latency per OCI service (`usageapi`, `functions`, `apigateway`, `artifacts`, `iam`, or `default`):
   * `{ fixedMs, jitterMs }`, seeded (`seed`, default the data set's), waited with `delay` (default a timer).
   * Off by default.
   */
  latency?: LatencyOptions;
  /** A token bucket per tenancy on the Usage API: 429 TooManyRequests with Retry-After when empty. Off by default. */
  usageRateLimit?: RateLimitOptions;
  /** Start the function container before the first call (default true). */
  prewarm?: boolean;
  /**
   * Provision the function and the /usage deployment (default true). With false the sandbox starts with
   * the application and the gateway only, for "create from nothing" runs.
   */
  provision?: boolean;
  /**
   * A bare tenancy for `setup` (default false): only the VCN and subnet, the API-key user, the identity domain,
   * the registry and the base image; no application, gateway, function or deployment. Implies no provision.
   */
  bare?: boolean;
  /** How long a new dynamic group or policy stays CREATING (default 0). */
  iamLifecycleDelayMs?: number;
  /** Resource types a policy statement may name (default: iam/grammar.ts's list; "any" accepts any). */
  policyResourceTypes?: readonly string[] | "any";
  /** The tenancy's "create repositories on first push" (default true); false: pushes need an existing repository. */
  createRepositoryOnFirstPush?: boolean;
  /** Lifetime of the UPSTs the identity domain's token exchange issues (default 3600 s, OCI's most). */
  upstTtlSeconds?: number;
  /** Identity Domains admin API choices (`activeOnCreate`, `errorEnvelope`). */
  identityDomains?: Pick<IdentityDomainsOptions, "activeOnCreate" | "errorEnvelope">;
  /** Shape of the sandbox application (default GENERIC_X86). */
  applicationShape?: Shape;
  /** How long functions stay CREATING/UPDATING/DELETING at least (default 250 ms). */
  functionsLifecycleDelayMs?: number;
  /** Time between API Gateway work request steps (default 150 ms). */
  workRequestStepMs?: number;
  /** `owner/repo` of the GitHub job in the endpoints and of `github.mint()`'s claims (default octo-org/usage-reports). */
  githubRepository?: string;
  /** The GitHub OIDC issuer's token lifetime, not-before offset and clock. */
  githubOidc?: Pick<GithubIssuerOptions, "tokenTtlSeconds" | "notBeforeSeconds" | "now">;
  /** Receives the sandbox's own lines and the function's log lines. */
  log?: (line: string) => void;
}

/** The sandbox contract (ARCHITECTURE.md): what `npm run sandbox` prints and writes to .sandbox/endpoints.json. */
export interface SandboxEndpoints {
  tokenUrl: string;
  jwksUrl: string;
  openidConfigurationUrl: string;
  identityUrl: string;
  issuer: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  otherScope: string;
  gatewayUrl: string;
  usageApiUrl: string;
  registryUrl: string;
  tenancyId: string;
  region: string;
  /** The provisioned function and deployment; absent when the sandbox starts empty. */
  functionId?: string;
  deploymentId?: string;
  /** Control planes: set an oci-sdk client's `endpoint` to these (the SDK adds the API version). */
  functionsUrl: string;
  apigatewayUrl: string;
  artifactsUrl: string;
  /** `127.0.0.1:<port>`: the registry part of image references (an OCIR host's stand-in). */
  registryHost: string;
  ocirNamespace: string;
  /** The docker login name, `<namespace>/<user>`. */
  ocirUsername: string;
  ocirAuthToken: string;
  /** The fake base image in the sandbox registry, `127.0.0.1:<port>/fnproject/node:24`. */
  baseImage: string;
  /** The compartment of the application, the gateway and the deployment. */
  compartmentId: string;
  applicationId: string;
  gatewayId: string;
  /** An API-key user of the tenancy (the `user`, `fingerprint` and `key_file` of an OCI config). */
  ociUserId: string;
  ociFingerprint: string;
  /** PEM private key file, mode 0600, removed when the sandbox stops. */
  ociPrivateKeyPath: string;
  ociRegion: string;
  /** The Identity API (IdentityClient: dynamic groups, policies); the SDK adds `/20160918`. */
  iamUrl: string;
  /** The tenancy's VCN and its one subnet (for CreateApplication and CreateGateway). */
  vcnId: string;
  subnetId: string;
  /** The GitHub OIDC issuer (`iss` of its tokens) and its JWKS. */
  githubOidcIssuer: string;
  githubOidcJwksUrl: string;
  /** The repository of the job below (option `githubRepository`). */
  githubRepository: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN of a job of that repository on refs/heads/main. */
  githubIdTokenRequestUrl: string;
  githubIdTokenRequestToken: string;
}

/** The endpoints of a bare tenancy: no application, gateway, function or deployment yet. */
export type BareSandboxEndpoints = Omit<
  SandboxEndpoints,
  "applicationId" | "gatewayId" | "gatewayUrl" | "functionId" | "deploymentId"
>;

export interface Sandbox {
  endpoints: SandboxEndpoints;
  faults: Faults;
  authority: OciAuthority;
  dataset: Dataset;
  identity: Identity;
  gateway: Gateway;
  registry: Registry;
  usageApi: { url: string; stats: { requests: number; byStatus: Record<number, number> } };
  /** The provisioned function's current container (it changes when the function gets a new image). */
  readonly fn: FnAgent;
  /** The provisioned deployment as first deployed; absent when the sandbox starts empty. */
  deployment: DeploymentInput | undefined;
  functions: FunctionsService;
  apigateway: ApiGatewayService;
  artifacts: ArtifactsService;
  /** The fake base image seeded in the registry. */
  baseImage: SeededImage;
  /** An API-key user of the sandbox tenancy, for direct signed calls (tests, benchmarks). */
  apiKeyUser: ApiKeyUser;
  iam: IamService;
  identityDomains: IdentityDomainsAdmin;
  network: SandboxNetwork;
  repositories: ContainerRepositories;
  /** The GitHub Actions OIDC issuer: job() for a runner environment, mint() for any token. */
  github: GithubIssuer;
  stop(): Promise<void>;
}

/** A bare tenancy (`bare: true`): no pre-provisioned gateway data plane, function or deployment. */
export interface BareSandbox extends Omit<Sandbox, "endpoints" | "gateway" | "fn" | "deployment"> {
  endpoints: BareSandboxEndpoints;
}

/** The sandbox object: a bare tenancy's, without what it lacks, or the full one with its gateway and function. */
function assembleSandbox(
  services: Omit<BareSandbox, "endpoints">,
  endpoints: SandboxEndpoints,
  p: {
    gateway: Gateway | undefined;
    deployment: DeploymentInput | undefined;
    functionId: string;
    log: (line: string) => void;
  },
): Sandbox | BareSandbox {
  const { gateway, deployment, log } = p;
  const months = services.dataset.months.length;
  if (!gateway) {
    const { applicationId: _a, gatewayId: _g, gatewayUrl: _u, ...bareEndpoints } = endpoints;
    log(`sandbox ready: a bare tenancy (subnet ${services.network.subnetId}), ${months} months of data`);
    return { endpoints: bareEndpoints, ...services };
  }
  log(
    `sandbox ready: gateway ${endpoints.gatewayUrl}${deployment ? "" : " (empty)"}, ${months} months of data`,
  );
  return {
    endpoints,
    ...services,
    gateway,
    get fn(): FnAgent {
      const agent = services.functions.agent(p.functionId);
      if (!agent) throw new Error("the sandbox has no provisioned function running (provision: false?)");
      return agent;
    },
    deployment,
  };
}

export async function startSandbox(options: SandboxOptions & { bare: true }): Promise<BareSandbox>;
export async function startSandbox(options?: SandboxOptions & { bare?: false }): Promise<Sandbox>;
export async function startSandbox(options?: SandboxOptions): Promise<Sandbox | BareSandbox>;
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox | BareSandbox> {
  const log = options.log ?? (() => {});
  const entry = options.functionEntry ?? DEFAULT_FUNCTION_ENTRY;
  const bare = options.bare ?? false;
  const provision = !bare && (options.provision ?? true);
  if (provision && !existsSync(entry)) {
    throw new Error(`the function bundle ${entry} does not exist; run 'npm run build:function' first`);
  }
  const faults = createFaults();
  const authority = new OciAuthority();
  const dataset = createDataset({
    seed: options.seed,
    resources: options.resources,
    currentMonth: options.currentMonth,
    extraTagValues: options.extraTagValues,
  });
  const ids = sandboxIds(dataset);
  const network = sandboxNetwork(ids);
  const apiKeyUser = authority.createApiKeyUser(dataset.tenancyId, "sandbox-admin");
  const closers = new Closers();
  try {
    const ociPrivateKeyPath = await writeApiKey(apiKeyUser, closers);
    const base = { options, faults, authority, closers };
    const { identity, identityDomains } = await startIdentityDomain(base, dataset.tenancyId);
    const usageApi = closers.add(
      await startUsageApi({
        dataset,
        authority,
        faults: faults.usage,
        ...options.usage,
        latency: latencyOf(options, "usageapi"),
        rateLimit: options.usageRateLimit && tenancyRateLimiter(options.usageRateLimit),
      }),
    );
    const { github, githubJob } = await startGithubOidc(base);
    const { registry, baseImage, repositories } = await startOcirRegistry(base, ids, dataset.tenancyId);
    const context = { ...base, ids, network, dataset, registry, usageApi, log };
    const iam = await startIamService(context);
    const functions = await startFunctionsService(context, bare);
    const gateway = bare ? undefined : await startGatewayDataPlane(context, functions);
    const { apigateway, artifacts } = await startControlPlanes(context, functions, gateway, repositories);
    let deployment: DeploymentInput | undefined;
    if (provision) {
      await provisionUsageFunction(context, functions, entry);
      deployment = provisionUsageDeployment(context, identity, apigateway);
    }
    const endpoints = endpointsOf(
      { ...context, identity, gateway, functions, apigateway, artifacts, iam, apiKeyUser, github, githubJob },
      ociPrivateKeyPath,
      provision,
    );
    const services = {
      faults,
      authority,
      dataset,
      identity,
      registry,
      usageApi,
      functions,
      apigateway,
      artifacts,
      baseImage,
      apiKeyUser,
      iam,
      identityDomains,
      network,
      repositories,
      github,
      stop: () => closers.closeAll(),
    };
    return assembleSandbox(services, endpoints, { gateway, deployment, functionId: ids.functionId, log });
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}
