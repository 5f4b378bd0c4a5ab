// The local OCI sandbox: every emulator on 127.0.0.1, provisioned so the data path works at once.
// An IDCS domain issues tokens, a gateway deployment at /usage checks them and routes
// POST /request-summarized-usages to the function, which calls the Usage API emulator as a resource
// principal. The function runs from an image in the sandbox registry (function/dist/func.js on a fake
// fnproject/node:24 base) under the Fn agent. The Functions, API Gateway and Artifacts control planes
// show the provisioned function and deployment and let a deploy run create or update them with the real
// oci-sdk clients. See docs/sandbox.md for the contract.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiGatewayService, startApiGateway } from "./apigateway/index.js";
import { type ArtifactsService, startArtifacts } from "./artifacts/index.js";
import { type ApiKeyUser, OciAuthority } from "./core/auth.js";
import { createFaults, type Faults } from "./core/faults.js";
import { FnAgent } from "./fnagent/index.js";
import { type FunctionsService, type Shape, startFunctions } from "./functions/index.js";
import { type DeploymentInput, type Gateway, startGateway } from "./gateway/index.js";
import type { ApiSpecification, StaticJsonWebKey } from "./gateway/jwt-policy.js";
import { BILLING_APP, fullScope, type Identity, startIdentity, USAGE_APP } from "./identity/index.js";
import { type Registry, type SeededImage, startRegistry } from "./registry/index.js";
import { createDataset, type Dataset } from "./usageapi/dataset.js";
import { startUsageApi } from "./usageapi/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const DEFAULT_FUNCTION_ENTRY = join(root, "function", "dist", "func.js");
export const USAGE_ROUTE = "/request-summarized-usages";
export const PATH_PREFIX = "/usage";
/** Names of the provisioned resources, as a deploy run looks them up. */
export const APPLICATION_NAME = "usageapi";
export const FUNCTION_NAME = "usage-api";
export const DEPLOYMENT_NAME = "usage-api";
export const GATEWAY_NAME = "sandbox-gateway";
/** Repository and tag of the fake base image (fn CLI's run image for `runtime: node`). */
export const BASE_REPOSITORY = "fnproject/node";
export const BASE_TAG = "24";
/** OCIR user of the sandbox (the docker login name is `<namespace>/<user>`). */
export const OCIR_USER = "sandbox-deployer";

export interface SandboxOptions {
  /** Data set seed (default 42). */
  seed?: number;
  /** Data set scale: the number of billable resources (default 60). */
  resources?: number;
  /** Last month with data, 'YYYY-MM' (default: the current UTC month). */
  currentMonth?: string;
  /** The function bundle to run (default function/dist/func.js). */
  functionEntry?: string;
  /** Extra function config (env), merged over the sandbox's own. */
  functionConfig?: Record<string, string>;
  functionTimeoutSeconds?: number;
  /** How the deployment gets its JWT keys (default REMOTE_JWKS, as the IDCS tutorials do). */
  publicKeys?: "REMOTE_JWKS" | "STATIC_KEYS";
  maxClockSkewInSeconds?: number;
  jwksCooldownMs?: number;
  usage?: { pageSize?: number; maxLimit?: number; currencyWithGroupBy?: boolean };
  /** Start the function container before the first call (default true). */
  prewarm?: boolean;
  /**
   * Provision the function and the /usage deployment (default true). With false the sandbox starts with
   * the application and the gateway only, for "create from nothing" runs.
   */
  provision?: boolean;
  /** Shape of the sandbox application (default GENERIC_X86). */
  applicationShape?: Shape;
  /** How long functions stay CREATING/UPDATING/DELETING at least (default 250 ms). */
  functionsLifecycleDelayMs?: number;
  /** Time between API Gateway work request steps (default 150 ms). */
  workRequestStepMs?: number;
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
}

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
  stop(): Promise<void>;
}

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

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const entry = options.functionEntry ?? DEFAULT_FUNCTION_ENTRY;
  const provision = options.provision ?? true;
  if (provision && !existsSync(entry)) {
    throw new Error(`the function bundle ${entry} does not exist; run 'npm run build:function' first`);
  }
  const faults = createFaults();
  const authority = new OciAuthority();
  const dataset = createDataset({
    seed: options.seed,
    resources: options.resources,
    currentMonth: options.currentMonth,
  });
  const region = dataset.homeRegion;
  const regionKey = "iad";
  const seedText = `${dataset.seed}`;
  const functionId = sandboxOcid("fnfunc", regionKey, `usage-fn/${seedText}`);
  const appId = sandboxOcid("fnapp", regionKey, `usageapi/${seedText}`);
  const deploymentId = sandboxOcid("apideployment", regionKey, `usage/${seedText}`);
  const gatewayId = sandboxOcid("apigateway", regionKey, `gateway/${seedText}`);
  const functionCompartment =
    dataset.compartments.find((c) => c.path.endsWith("shared-services"))?.id ?? dataset.tenancyId;
  const compartments = dataset.compartments.map((c) => c.id);
  const namespace = namespaceOf(seedText);
  const ocirUsername = `${namespace}/${OCIR_USER}`;
  // OCIR auth tokens are random 20-character strings; this one lives as long as the sandbox.
  const ocirAuthToken = randomBytes(15).toString("base64").replace(/[+/]/g, "x");
  const apiKeyUser = authority.createApiKeyUser(dataset.tenancyId, "sandbox-admin");

  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch(() => {});
    }
  };
  try {
    const keyDir = await mkdtemp(join(tmpdir(), "sandbox-oci-"));
    closers.push(() => rm(keyDir, { recursive: true, force: true }));
    const ociPrivateKeyPath = join(keyDir, "oci_api_key.pem");
    await writeFile(ociPrivateKeyPath, apiKeyUser.privateKeyPem, { mode: 0o600 });

    const identity = await startIdentity({ faults: { identity: faults.identity, jwks: faults.jwks } });
    closers.push(() => identity.close());

    const usageApi = await startUsageApi({
      dataset,
      authority,
      faults: faults.usage,
      pageSize: options.usage?.pageSize,
      maxLimit: options.usage?.maxLimit,
      currencyWithGroupBy: options.usage?.currencyWithGroupBy,
    });
    closers.push(() => usageApi.close());

    // OCIR-like: Bearer tokens from /20180419/docker/token for `<namespace>/<user>` + auth token; the
    // fnproject/ base repository is public (anonymous pull), every other repository is private, and users
    // push only under the tenancy's namespace.
    const registry = await startRegistry({
      faults: faults.registry,
      auth: {
        mode: "bearer",
        users: { [ocirUsername]: ocirAuthToken },
        anonymousPull: [`${BASE_REPOSITORY.split("/")[0]}/`],
        pushPrefixes: [`${namespace}/`],
      },
    });
    closers.push(() => registry.close());
    const baseImage = registry.seedImage({ repository: BASE_REPOSITORY, tag: BASE_TAG });

    const functions = await startFunctions({
      authority,
      tenancyId: dataset.tenancyId,
      regionKey,
      faults: faults.functions,
      registry,
      lifecycleDelayMs: options.functionsLifecycleDelayMs,
      prewarm: options.prewarm !== false,
      log: (line) => log(line),
      createAgent: (fn) =>
        new FnAgent({
          functionId: fn.id,
          appId: fn.applicationId,
          functionName: fn.displayName,
          appName: fn.applicationName,
          entry: fn.entry,
          workingDir: fn.workingDir,
          region,
          tenancyId: dataset.tenancyId,
          timeoutSeconds: fn.timeoutInSeconds,
          memoryMb: fn.memoryInMBs,
          faults: faults.fn,
          config: fn.config,
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
          onLog: (line) => log(`fn ${line}`),
        }),
    });
    closers.push(() => functions.close());
    // The platform's stand-in for the region's Usage API endpoint: application config, which function
    // config overrides.
    functions.addApplication({
      id: appId,
      displayName: APPLICATION_NAME,
      compartmentId: functionCompartment,
      shape: options.applicationShape ?? "GENERIC_X86",
      config: { USAGE_API_ENDPOINT: usageApi.url },
    });

    const gateway = await startGateway({
      faults: faults.gateway,
      jwksCooldownMs: options.jwksCooldownMs,
      invokeFunction: (id, call) => functions.invoke(id, call),
    });
    closers.push(() => gateway.close());

    const apigateway = await startApiGateway({
      authority,
      tenancyId: dataset.tenancyId,
      regionKey,
      faults: faults.apigateway,
      dataPlane: gateway,
      compartments,
      gateway: { id: gatewayId, displayName: GATEWAY_NAME, compartmentId: functionCompartment },
      workRequestStepMs: options.workRequestStepMs,
      log: (line) => log(line),
    });
    closers.push(() => apigateway.close());

    const artifacts = await startArtifacts({
      authority,
      tenancyId: dataset.tenancyId,
      namespace,
      compartments,
    });
    closers.push(() => artifacts.close());

    let deployment: DeploymentInput | undefined;
    if (provision) {
      // The function image a previous deploy would have pushed: the bundle in /function on the base.
      const files = [{ path: "function/func.js", content: readFileSync(entry) }];
      const packageJson = join(dirname(entry), "package.json");
      if (existsSync(packageJson))
        files.push({ path: "function/package.json", content: readFileSync(packageJson) });
      const repository = `${namespace}/${FUNCTION_NAME}`;
      registry.seedImage({
        repository,
        tag: "provisioned",
        files,
        config: { Cmd: undefined, Entrypoint: ["node", "func.js"], WorkingDir: "/function" },
      });
      await functions.provisionFunction({
        id: functionId,
        displayName: FUNCTION_NAME,
        applicationId: appId,
        image: `${registry.host}/${repository}:provisioned`,
        memoryInMBs: 256,
        timeoutInSeconds: options.functionTimeoutSeconds ?? 30,
        config: { USAGE_API_ENDPOINT: usageApi.url, USAGE_API_REGION: region, ...options.functionConfig },
      });

      const staticKeys =
        options.publicKeys === "STATIC_KEYS"
          ? [identity.publicJwk(identity.activeKid)].map(
              (jwk): StaticJsonWebKey => ({
                kid: jwk.kid,
                format: "JSON_WEB_KEY",
                kty: "RSA",
                use: "sig",
                alg: jwk.alg,
                n: jwk.n,
                e: jwk.e,
              }),
            )
          : undefined;
      deployment = {
        id: deploymentId,
        pathPrefix: PATH_PREFIX,
        specification: usageDeploymentSpec({
          functionId,
          issuer: identity.issuer,
          audience: USAGE_APP.audience,
          jwksUrl: identity.jwksUrl,
          staticKeys,
          maxClockSkewInSeconds: options.maxClockSkewInSeconds ?? 0,
        }),
      };
      apigateway.provisionDeployment({
        ...deployment,
        displayName: DEPLOYMENT_NAME,
        gatewayId,
        compartmentId: functionCompartment,
      });
    }

    const client = identity.clients[0]!;
    const endpoints: SandboxEndpoints = {
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
      gatewayUrl: `${gateway.url}${PATH_PREFIX}`,
      usageApiUrl: usageApi.url,
      registryUrl: registry.url,
      tenancyId: dataset.tenancyId,
      region,
      ...(provision ? { functionId, deploymentId } : {}),
      functionsUrl: functions.url,
      apigatewayUrl: apigateway.url,
      artifactsUrl: artifacts.url,
      registryHost: registry.host,
      ocirNamespace: namespace,
      ocirUsername,
      ocirAuthToken,
      baseImage: `${registry.host}/${BASE_REPOSITORY}:${BASE_TAG}`,
      compartmentId: functionCompartment,
      applicationId: appId,
      gatewayId,
      ociUserId: apiKeyUser.userId,
      ociFingerprint: apiKeyUser.fingerprint,
      ociPrivateKeyPath,
      ociRegion: region,
    };
    log(
      `sandbox ready: gateway ${endpoints.gatewayUrl}${provision ? "" : " (empty)"}, ${dataset.months.length} months of data`,
    );
    return {
      endpoints,
      faults,
      authority,
      dataset,
      identity,
      gateway,
      registry,
      usageApi,
      get fn(): FnAgent {
        const agent = functions.agent(functionId);
        if (!agent) throw new Error("the sandbox has no provisioned function running (provision: false?)");
        return agent;
      },
      deployment,
      functions,
      apigateway,
      artifacts,
      baseImage,
      apiKeyUser,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
