// The local OCI sandbox: every emulator on 127.0.0.1, provisioned so the data path works at once.
// An IDCS domain issues tokens, a gateway deployment at /usage checks them and routes
// POST /request-summarized-usages to the function (function/dist/func.js under the Fn agent), which
// calls the Usage API emulator as a resource principal. See docs/sandbox.md for the contract.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ApiKeyUser, OciAuthority } from "./auth.js";
import { createDataset, type Dataset } from "./dataset.js";
import { createFaults, type Faults } from "./faults.js";
import { FnAgent } from "./fnagent.js";
import { type DeploymentInput, type Gateway, startGateway } from "./gateway.js";
import { BILLING_APP, fullScope, type Identity, startIdentity, USAGE_APP } from "./identity.js";
import type { ApiSpecification, StaticJsonWebKey } from "./jwt-policy.js";
import { type Registry, startRegistry } from "./registry.js";
import { startUsageApi } from "./usageapi.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const DEFAULT_FUNCTION_ENTRY = join(root, "function", "dist", "func.js");
export const USAGE_ROUTE = "/request-summarized-usages";
export const PATH_PREFIX = "/usage";

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
  functionId: string;
  deploymentId: string;
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
  fn: FnAgent;
  deployment: DeploymentInput;
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

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const entry = options.functionEntry ?? DEFAULT_FUNCTION_ENTRY;
  if (!existsSync(entry)) {
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
  const functionCompartment =
    dataset.compartments.find((c) => c.path.endsWith("shared-services"))?.id ?? dataset.tenancyId;

  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch(() => {});
    }
  };
  try {
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

    const registry = await startRegistry({ faults: faults.registry });
    closers.push(() => registry.close());

    const fn = new FnAgent({
      functionId,
      appId,
      functionName: "usage-api",
      appName: "usageapi",
      entry,
      region,
      tenancyId: dataset.tenancyId,
      timeoutSeconds: options.functionTimeoutSeconds ?? 30,
      memoryMb: 256,
      faults: faults.fn,
      config: { USAGE_API_ENDPOINT: usageApi.url, USAGE_API_REGION: region, ...options.functionConfig },
      mintSession: () => {
        const ttlSeconds = 1200;
        const rpst = authority.mintRpst({
          tenancyId: dataset.tenancyId,
          compartmentId: functionCompartment,
          resourceId: functionId,
          ttlSeconds,
        });
        return {
          token: rpst.token,
          privateKeyPem: rpst.privateKeyPem,
          expiresAt: Date.now() + ttlSeconds * 1000,
        };
      },
      onLog: (line) => log(`fn ${line}`),
    });
    closers.push(() => fn.stop());

    const gateway = await startGateway({
      faults: faults.gateway,
      jwksCooldownMs: options.jwksCooldownMs,
      invokeFunction: async (id, call) => {
        if (id !== functionId) throw new Error(`no function ${id}`);
        return fn.invoke(call);
      },
    });
    closers.push(() => gateway.close());

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
    const deployment: DeploymentInput = {
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
    gateway.deploy(deployment);
    if (options.prewarm !== false) await fn.start();

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
      functionId,
      deploymentId,
    };
    log(`sandbox ready: gateway ${endpoints.gatewayUrl}, ${dataset.months.length} months of data`);
    return {
      endpoints,
      faults,
      authority,
      dataset,
      identity,
      gateway,
      registry,
      usageApi,
      fn,
      deployment,
      apiKeyUser: authority.createApiKeyUser(dataset.tenancyId, "sandbox-admin"),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
