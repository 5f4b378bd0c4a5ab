// The steps of startSandbox: the sandbox's ids, the API key file, the identity domain with its admin API,
// the OCIR-like registry with its base image, the Identity API, the Functions service with its Fn agents,
// the gateway data plane, the API Gateway and Artifacts control planes, the provisioned function and
// deployment, and the endpoints of the contract. A bare tenancy (`bare: true`) has no application, gateway,
// function or deployment: setup creates them.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiGatewayService, startApiGateway } from "./apigateway/index.js";
import { type ArtifactsService, startArtifacts } from "./artifacts/index.js";
import { type ContainerRepositories, containerRepositories } from "./artifacts/repositories.js";
import { type ApiKeyUser, NotAuthenticatedError, type OciAuthority } from "./core/auth.js";
import type { Faults } from "./core/faults.js";
import { REGISTRY_PASSWORD, recordBasicCredentials } from "./core/issued-secrets.js";
import { type LatencyService, type ResponseLatency, serviceLatency } from "./core/latency.js";
import { FnAgent } from "./fnagent/index.js";
import { type FunctionsService, startFunctions } from "./functions/index.js";
import type { RuntimeFunction } from "./functions/model.js";
import { type DeploymentInput, type Gateway, startGateway } from "./gateway/index.js";
import type { ApiSpecification, StaticJsonWebKey } from "./gateway/jwt-policy.js";
import {
  DEFAULT_GITHUB_REPOSITORY,
  type GithubIssuer,
  type GithubJobHandle,
  startGithubIssuer,
} from "./github/index.js";
import { type IamService, startIam } from "./iam/index.js";
import { createIdentityDomainsAdmin, type IdentityDomainsAdmin } from "./identity/admin.js";
import { BILLING_APP, fullScope, type Identity, startIdentity, USAGE_APP } from "./identity/index.js";
import type { SandboxEndpoints, SandboxOptions } from "./index.js";
import { createNetwork, type SandboxNetwork } from "./network/index.js";
import type { SignedTokenRequest } from "./registry/auth.js";
import { type Registry, type SeededImage, startRegistry } from "./registry/index.js";
import type { Dataset } from "./usageapi/dataset.js";
import type { UsageApiServer } from "./usageapi/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const DEFAULT_FUNCTION_ENTRY = join(root, "function", "dist", "func.js");
export const USAGE_ROUTE = "/request-summarized-usages";
const PATH_PREFIX = "/usage";
/** Names of the provisioned resources, as a deploy run looks them up. */
const APPLICATION_NAME = "usageapi";
export const FUNCTION_NAME = "usage-api";
const DEPLOYMENT_NAME = "usage-api";
const GATEWAY_NAME = "sandbox-gateway";
/** Repository and tag of the fake base image (fn CLI's run image for `runtime: node`). */
const BASE_REPOSITORY = "fnproject/node";
const BASE_TAG = "24";
/** OCIR user of the sandbox (the docker login name is `<namespace>/<user>`). */
const OCIR_USER = "sandbox-deployer";
const REGION_KEY = "iad";

/** A deterministic OCID-looking id: ocid1.<type>.oc1.<region-key>.<52 lower-case base32 chars>. */
export function sandboxOcid(type: string, regionKey: string, seed: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const digest = createHash("sha256").update(`${type}/${seed}`).digest();
  let body = "";
  for (let i = 0; i < 52; i++) body += alphabet[digest[i % digest.length]! % 32];
  return `ocid1.${type}.oc1.${regionKey}.aaaaaaaa${body.slice(8)}`;
}

/** The deployment spec the sandbox provisions: the same shape `deploy` builds for a real gateway. */
export function usageDeploymentSpec(p: {
  functionId: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  staticKeys?: StaticJsonWebKey[];
  maxClockSkewInSeconds: number;
}): ApiSpecification {
  const publicKeys = p.staticKeys
    ? { type: "STATIC_KEYS" as const, keys: p.staticKeys }
    : { type: "REMOTE_JWKS" as const, uri: p.jwksUrl, maxCacheDurationInHours: 1 };
  return {
    requestPolicies: {
      authentication: {
        type: "JWT_AUTHENTICATION",
        tokenHeader: "Authorization",
        tokenAuthScheme: "Bearer",
        issuers: [p.issuer],
        audiences: [p.audience],
        maxClockSkewInSeconds: p.maxClockSkewInSeconds,
        publicKeys,
      },
    },
    routes: [
      {
        path: USAGE_ROUTE,
        methods: ["POST"],
        backend: { type: "ORACLE_FUNCTIONS_BACKEND", functionId: p.functionId },
      },
    ],
  };
}

/** A deterministic Object Storage namespace: 12 lower-case letters and digits, like a real tenancy's. */
function namespaceOf(seed: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const digest = createHash("sha256").update(`namespace/${seed}`).digest();
  let out = "";
  for (let i = 0; i < 12; i++) out += alphabet[digest[i]! % alphabet.length];
  return /^[a-z]/.test(out) ? out : `a${out.slice(1)}`;
}

/** What is closed when the sandbox stops, last started first. */
export class Closers {
  private readonly closers: (() => Promise<void>)[] = [];

  add<T extends { close(): Promise<void> }>(service: T): T {
    this.closers.push(() => service.close());
    return service;
  }

  push(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch(() => {});
    }
  }
}

type SandboxIds = ReturnType<typeof sandboxIds>;

/** The sandbox's deterministic ids (from the data set's seed) and its OCIR credentials. */
export function sandboxIds(dataset: Dataset) {
  const seedText = `${dataset.seed}`;
  const namespace = namespaceOf(seedText);
  return {
    region: dataset.homeRegion,
    functionId: sandboxOcid("fnfunc", REGION_KEY, `usage-fn/${seedText}`),
    appId: sandboxOcid("fnapp", REGION_KEY, `usageapi/${seedText}`),
    deploymentId: sandboxOcid("apideployment", REGION_KEY, `usage/${seedText}`),
    gatewayId: sandboxOcid("apigateway", REGION_KEY, `gateway/${seedText}`),
    vcnId: sandboxOcid("vcn", REGION_KEY, `vcn/${seedText}`),
    subnetId: sandboxOcid("subnet", REGION_KEY, `subnet/${seedText}`),
    functionCompartment:
      dataset.compartments.find((c) => c.path.endsWith("shared-services"))?.id ?? dataset.tenancyId,
    compartments: dataset.compartments.map((c) => c.id),
    namespace,
    ocirUsername: `${namespace}/${OCIR_USER}`,
    // OCIR auth tokens are random 20-character strings; this one lives as long as the sandbox.
    ocirAuthToken: randomBytes(15).toString("base64").replace(/[+/]/g, "x"),
  };
}

/** The latency model's delay of one OCI service, seeded by the latency seed or else the data set's. */
export function latencyOf(options: SandboxOptions, service: LatencyService): ResponseLatency | undefined {
  return serviceLatency(options.latency, service, options.seed ?? 42);
}

/** What the later steps share. */
interface SetupContext {
  options: SandboxOptions;
  ids: SandboxIds;
  network: SandboxNetwork;
  dataset: Dataset;
  faults: Faults;
  authority: OciAuthority;
  registry: Registry;
  usageApi: UsageApiServer;
  log: (line: string) => void;
  closers: Closers;
}

/** The API key's PEM file, mode 0600, in a temp directory removed when the sandbox stops. */
export async function writeApiKey(apiKeyUser: ApiKeyUser, closers: Closers): Promise<string> {
  const keyDir = await mkdtemp(join(tmpdir(), "sandbox-oci-"));
  closers.push(() => rm(keyDir, { recursive: true, force: true }));
  const ociPrivateKeyPath = join(keyDir, "oci_api_key.pem");
  await writeFile(ociPrivateKeyPath, apiKeyUser.privateKeyPem, { mode: 0o600 });
  return ociPrivateKeyPath;
}

/** The tenancy's network: one VCN with its one subnet, in the functions' compartment. */
export function sandboxNetwork(ids: SandboxIds): SandboxNetwork {
  return createNetwork({ vcnId: ids.vcnId, subnetId: ids.subnetId, compartmentId: ids.functionCompartment });
}

/** The identity domain, with the Identity Domains admin API under /admin/v1. */
export async function startIdentityDomain(
  ctx: { options: SandboxOptions; faults: Faults; authority: OciAuthority; closers: Closers },
  tenancyId: string,
): Promise<{ identity: Identity; identityDomains: IdentityDomainsAdmin }> {
  const identityDomains = createIdentityDomainsAdmin({
    authority: ctx.authority,
    tenancyId,
    ...ctx.options.identityDomains,
    upstTtlSeconds: ctx.options.upstTtlSeconds,
  });
  const identity = ctx.closers.add(
    await startIdentity({
      faults: { identity: ctx.faults.identity, jwks: ctx.faults.jwks },
      now: ctx.options.tokenClock,
      admin: identityDomains.handle,
      tokenExchange: identityDomains.exchange,
    }),
  );
  return { identity, identityDomains };
}

/** The GitHub OIDC issuer, and the default job: the sandbox repository on refs/heads/main. */
export async function startGithubOidc(ctx: {
  options: SandboxOptions;
  closers: Closers;
}): Promise<{ github: GithubIssuer; githubJob: GithubJobHandle }> {
  const repository = ctx.options.githubRepository;
  const github = ctx.closers.add(await startGithubIssuer({ ...ctx.options.githubOidc, repository }));
  const githubJob = github.job({ repository: repository ?? DEFAULT_GITHUB_REPOSITORY });
  return { github, githubJob };
}

/**
 * The principal of an OCI-signed registry token request, as every control plane checks it: the signature
 * verifies (API key or session token) and the signer belongs to the tenancy. Throws NotAuthenticatedError.
 */
function ociSigner(authority: OciAuthority, tenancyId: string, request: SignedTokenRequest): string {
  const principal = authority.verifyRequest(request);
  if (principal.tenancyId !== tenancyId) throw new NotAuthenticatedError("unknown-key", "another tenancy");
  return principal.kind === "user" ? principal.userId : principal.resourceId;
}

/**
 * OCIR-like: Bearer tokens from /20180419/docker/token for `<namespace>/<user>` + auth token; the fnproject/
 * base repository is public (anonymous pull), so is a repository created `isPublic`, every other repository
 * is private, and users push only under the tenancy's namespace (and, with createRepositoryOnFirstPush
 * false, only to an existing repository). An OCI-signed token request (API key or session token of the
 * tenancy) gets a user's token, and Basic BEARER_TOKEN:<token> logs in with it. The fake base image is seeded
 * at once; the container repositories of the Artifacts API are bound to the registry.
 */
export async function startOcirRegistry(
  ctx: { options: SandboxOptions; faults: Faults; authority: OciAuthority; closers: Closers },
  ids: SandboxIds,
  tenancyId: string,
): Promise<{ registry: Registry; baseImage: SeededImage; repositories: ContainerRepositories }> {
  const onFirstPush = ctx.options.createRepositoryOnFirstPush ?? true;
  recordBasicCredentials(REGISTRY_PASSWORD, ids.ocirUsername, ids.ocirAuthToken);
  let repositories: ContainerRepositories | undefined;
  const registry = ctx.closers.add(
    await startRegistry({
      faults: ctx.faults.registry,
      auth: {
        mode: "bearer",
        users: { [ids.ocirUsername]: ids.ocirAuthToken },
        anonymousPull: [`${BASE_REPOSITORY.split("/")[0]}/`],
        pushPrefixes: [`${ids.namespace}/`],
        publicRepository: (repo) => repositories?.isPublic(repo) ?? false,
        canPush: (repo) => onFirstPush || (repositories?.exists(repo) ?? false),
        signedBy: (request) => ociSigner(ctx.authority, tenancyId, request),
      },
    }),
  );
  const baseImage = registry.seedImage({ repository: BASE_REPOSITORY, tag: BASE_TAG });
  repositories = containerRepositories({
    tenancyId,
    namespace: ids.namespace,
    regionKey: REGION_KEY,
    compartments: ids.compartments,
    registry,
  });
  return { registry, baseImage, repositories };
}

/** The Identity API: dynamic groups and policies. */
export async function startIamService(ctx: SetupContext): Promise<IamService> {
  return ctx.closers.add(
    await startIam({
      authority: ctx.authority,
      tenancyId: ctx.dataset.tenancyId,
      compartments: ctx.ids.compartments,
      lifecycleDelayMs: ctx.options.iamLifecycleDelayMs,
      latency: latencyOf(ctx.options, "iam"),
      resourceTypes: ctx.options.policyResourceTypes,
    }),
  );
}

/** The Fn agent of a function: its container, with resource-principal sessions minted by the authority. */
function fnAgentFor(ctx: SetupContext, fn: RuntimeFunction): FnAgent {
  const { dataset, authority } = ctx;
  return new FnAgent({
    functionId: fn.id,
    appId: fn.applicationId,
    functionName: fn.displayName,
    appName: fn.applicationName,
    entry: fn.entry,
    workingDir: fn.workingDir,
    region: ctx.ids.region,
    tenancyId: dataset.tenancyId,
    timeoutSeconds: fn.timeoutInSeconds,
    memoryMb: fn.memoryInMBs,
    containers: ctx.options.functionContainers,
    faults: ctx.faults.fn,
    // The region's Usage API endpoint is a DNS name in OCI; the sandbox has no DNS, so its runtime offers
    // the emulator's URL as a default under the application's and the function's config (an application
    // that setup creates in a bare tenancy has none).
    config: { USAGE_API_ENDPOINT: ctx.usageApi.url, ...fn.config },
    mintSession: () => {
      const ttlSeconds = 1200;
      const rpst = authority.mintRpst({
        tenancyId: dataset.tenancyId,
        compartmentId: fn.compartmentId,
        resourceId: fn.id,
        ttlSeconds,
      });
      return {
        token: rpst.token,
        privateKeyPem: rpst.privateKeyPem,
        expiresAt: Date.now() + ttlSeconds * 1000,
      };
    },
    onLog: (line) => ctx.log(`fn ${line}`),
  });
}

/** The Functions control plane and runtime, with the sandbox application (none in a bare tenancy). */
export async function startFunctionsService(ctx: SetupContext, bare: boolean): Promise<FunctionsService> {
  const { options, ids } = ctx;
  const functions = ctx.closers.add(
    await startFunctions({
      authority: ctx.authority,
      tenancyId: ctx.dataset.tenancyId,
      regionKey: REGION_KEY,
      faults: ctx.faults.functions,
      latency: latencyOf(options, "functions"),
      registry: ctx.registry,
      lifecycleDelayMs: options.functionsLifecycleDelayMs,
      prewarm: options.prewarm !== false,
      log: (line) => ctx.log(line),
      createAgent: (fn) => fnAgentFor(ctx, fn),
      applications: { network: ctx.network, compartments: ids.compartments },
    }),
  );
  if (bare) return functions;
  // The platform's stand-in for the region's Usage API endpoint: application config, which function
  // config overrides.
  functions.addApplication({
    id: ids.appId,
    displayName: APPLICATION_NAME,
    compartmentId: ids.functionCompartment,
    subnetId: ctx.network.subnetId,
    shape: options.applicationShape ?? "GENERIC_X86",
    config: { USAGE_API_ENDPOINT: ctx.usageApi.url },
  });
  return functions;
}

export async function startGatewayDataPlane(
  ctx: SetupContext,
  functions: FunctionsService,
): Promise<Gateway> {
  return ctx.closers.add(
    await startGateway({
      faults: ctx.faults.gateway,
      now: ctx.options.tokenClock,
      jwksCooldownMs: ctx.options.jwksCooldownMs,
      invokeFunction: (id, call) => functions.invoke(id, call),
    }),
  );
}

/**
 * The API Gateway control plane (over the data plane, with the one gateway; none in a bare tenancy; every
 * gateway CreateGateway makes gets a data plane of its own) and the Artifacts API.
 */
export async function startControlPlanes(
  ctx: SetupContext,
  functions: FunctionsService,
  dataPlane: Gateway | undefined,
  repositories: ContainerRepositories,
): Promise<{ apigateway: ApiGatewayService; artifacts: ArtifactsService }> {
  const { ids } = ctx;
  const gateway = dataPlane && {
    id: ids.gatewayId,
    displayName: GATEWAY_NAME,
    compartmentId: ids.functionCompartment,
    subnetId: ctx.network.subnetId,
  };
  const apigateway = ctx.closers.add(
    await startApiGateway({
      authority: ctx.authority,
      tenancyId: ctx.dataset.tenancyId,
      regionKey: REGION_KEY,
      faults: ctx.faults.apigateway,
      latency: latencyOf(ctx.options, "apigateway"),
      dataPlane,
      compartments: ids.compartments,
      gateway,
      gateways: { network: ctx.network, startDataPlane: () => startGatewayDataPlane(ctx, functions) },
      workRequestStepMs: ctx.options.workRequestStepMs,
      log: (line) => ctx.log(line),
    }),
  );
  const artifacts = ctx.closers.add(
    await startArtifacts({
      authority: ctx.authority,
      tenancyId: ctx.dataset.tenancyId,
      namespace: ids.namespace,
      compartments: ids.compartments,
      createRepositoryOnFirstPush: ctx.options.createRepositoryOnFirstPush,
      latency: latencyOf(ctx.options, "artifacts"),
      repositories,
    }),
  );
  return { apigateway, artifacts };
}

/** The function image a previous deploy would have pushed (the bundle in /function on the base), ACTIVE. */
export async function provisionUsageFunction(ctx: SetupContext, functions: FunctionsService, entry: string) {
  const { ids, registry, options } = ctx;
  const files = [{ path: "function/func.js", content: readFileSync(entry) }];
  const packageJson = join(dirname(entry), "package.json");
  if (existsSync(packageJson))
    files.push({ path: "function/package.json", content: readFileSync(packageJson) });
  const repository = `${ids.namespace}/${FUNCTION_NAME}`;
  registry.seedImage({
    repository,
    tag: "provisioned",
    files,
    config: { Cmd: undefined, Entrypoint: ["node", "func.js"], WorkingDir: "/function" },
  });
  await functions.provisionFunction({
    id: ids.functionId,
    displayName: FUNCTION_NAME,
    applicationId: ids.appId,
    image: `${registry.host}/${repository}:provisioned`,
    memoryInMBs: 256,
    timeoutInSeconds: options.functionTimeoutSeconds ?? 30,
    config: { USAGE_API_ENDPOINT: ctx.usageApi.url, USAGE_API_REGION: ids.region, ...options.functionConfig },
  });
}

/** The identity domain's active key as a STATIC_KEYS entry. */
function staticKeysOf(identity: Identity): StaticJsonWebKey[] {
  const jwk = identity.publicJwk(identity.activeKid);
  return [{ kid: jwk.kid, format: "JSON_WEB_KEY", kty: "RSA", use: "sig", alg: jwk.alg, n: jwk.n, e: jwk.e }];
}

/** The /usage deployment, ACTIVE at once; the deployment as first deployed. */
export function provisionUsageDeployment(
  ctx: SetupContext,
  identity: Identity,
  apigateway: ApiGatewayService,
): DeploymentInput {
  const { ids, options } = ctx;
  const deployment: DeploymentInput = {
    id: ids.deploymentId,
    pathPrefix: PATH_PREFIX,
    specification: usageDeploymentSpec({
      functionId: ids.functionId,
      issuer: identity.issuer,
      audience: USAGE_APP.audience,
      jwksUrl: identity.jwksUrl,
      staticKeys: options.publicKeys === "STATIC_KEYS" ? staticKeysOf(identity) : undefined,
      maxClockSkewInSeconds: options.maxClockSkewInSeconds ?? 0,
    }),
  };
  apigateway.provisionDeployment({
    ...deployment,
    displayName: DEPLOYMENT_NAME,
    gatewayId: ids.gatewayId,
    compartmentId: ids.functionCompartment,
  });
  return deployment;
}

/** The sandbox contract: every URL, credential and id a client of the sandbox needs. */
export function endpointsOf(
  s: SetupContext & {
    identity: Identity;
    gateway: Gateway | undefined;
    functions: FunctionsService;
    apigateway: ApiGatewayService;
    artifacts: ArtifactsService;
    iam: IamService;
    apiKeyUser: ApiKeyUser;
    github: GithubIssuer;
    githubJob: GithubJobHandle;
  },
  ociPrivateKeyPath: string,
  provision: boolean,
): SandboxEndpoints {
  const { identity, ids, registry } = s;
  const client = identity.clients[0]!;
  return {
    tokenUrl: identity.tokenUrl,
    jwksUrl: identity.jwksUrl,
    openidConfigurationUrl: identity.openidConfigurationUrl,
    identityUrl: identity.url,
    issuer: identity.issuer,
    audience: USAGE_APP.audience,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scope: fullScope(USAGE_APP, USAGE_APP.scopes[0]!),
    otherScope: fullScope(BILLING_APP, BILLING_APP.scopes[0]!),
    gatewayUrl: s.gateway ? `${s.gateway.url}${PATH_PREFIX}` : "",
    usageApiUrl: s.usageApi.url,
    registryUrl: registry.url,
    tenancyId: s.dataset.tenancyId,
    region: ids.region,
    ...(provision ? { functionId: ids.functionId, deploymentId: ids.deploymentId } : {}),
    functionsUrl: s.functions.url,
    apigatewayUrl: s.apigateway.url,
    artifactsUrl: s.artifacts.url,
    registryHost: registry.host,
    ocirNamespace: ids.namespace,
    ocirUsername: ids.ocirUsername,
    ocirAuthToken: ids.ocirAuthToken,
    baseImage: `${registry.host}/${BASE_REPOSITORY}:${BASE_TAG}`,
    compartmentId: ids.functionCompartment,
    applicationId: ids.appId,
    gatewayId: ids.gatewayId,
    ociUserId: s.apiKeyUser.userId,
    ociFingerprint: s.apiKeyUser.fingerprint,
    ociPrivateKeyPath,
    ociRegion: ids.region,
    iamUrl: s.iam.url,
    vcnId: s.network.vcnId,
    subnetId: s.network.subnetId,
    githubOidcIssuer: s.github.issuer,
    githubOidcJwksUrl: s.github.jwksUrl,
    githubRepository: s.githubJob.claims.repository ?? DEFAULT_GITHUB_REPOSITORY,
    githubIdTokenRequestUrl: s.githubJob.env.ACTIONS_ID_TOKEN_REQUEST_URL,
    githubIdTokenRequestToken: s.githubJob.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
  };
}
