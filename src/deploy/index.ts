// The `deploy` flow. Everything that can be checked is checked before the first write: the inputs (already,
// by readDeployInputs), then read-only calls (application and its shape, gateway, namespace, the function and
// deployment as they are, the identity domain's issuer and keys) and the image plan (the base is read, the
// digest computed). Then the plan is printed; a dry run stops there. Writes follow in dependency order:
// push the image, upsert the function (by digest), upsert the deployment (its route names the function),
// wait, and set the outputs. Re-running with nothing changed writes nothing. With `image-only: true` only
// the image part runs (for a function managed elsewhere, e.g. by Terraform): no gateway, function or
// identity domain is read or written.
import * as core from "@actions/core";
import { type BuildImageInput, type BuildResult, buildImage } from "../image/build.js";
import { type Platform, PlatformError, platformsForShape } from "../image/platforms.js";
import { isOcirHost } from "../image/reference.js";
import { UserFacingError } from "../lib/errors.js";
import { maskSecret } from "../lib/mask.js";
import { realSleep } from "../lib/retry.js";
import { safeLogLine } from "../lib/text.js";
import type { OciAuth } from "../oci/auth.js";
import { type CallOptions, createOciClients, ociCall } from "../oci/clients.js";
import { readFunctionBundle } from "./assets.js";
import {
  applyFunction,
  type DesiredFunction,
  type FunctionsApi,
  findFunction,
  planFunction,
  readApplication,
  type Waiting,
} from "./function.js";
import {
  applyDeployment,
  type DeploymentsApi,
  type DesiredDeployment,
  findDeployment,
  type GatewaysApi,
  planDeployment,
  readGateway,
  type WorkRequestsApi,
} from "./gateway.js";
import { iamPolicy } from "./iam.js";
import { createJsonGetter, discover, type JsonGetter } from "./identity.js";
import {
  DEPLOY_OUTPUTS,
  type DeployInputs,
  expandTag,
  type FullDeployInputs,
  type ImageInputs,
  type ImageOnlyDeployInputs,
  JWKS_CACHE_HOURS,
} from "./inputs.js";
import { type StaticKeys, staticKeysFromJwks } from "./jwks.js";
import {
  type DeployPlan,
  type ImageOnlyPlan,
  imageOnlyStatements,
  renderImageOnlyPlan,
  renderImageOnlyPlanMarkdown,
  renderPlan,
  renderPlanMarkdown,
} from "./plan.js";
import { buildSpec, USAGE_ROUTE } from "./spec.js";

export interface DeployLogger {
  info(line: string): void;
  warning(line: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface ArtifactsApi {
  getContainerConfiguration(r: {
    compartmentId: string;
  }): Promise<{ containerConfiguration: { namespace: string } }>;
}

export interface DeployClients {
  functions: FunctionsApi;
  gateways: GatewaysApi;
  deployments: DeploymentsApi;
  workRequests: WorkRequestsApi;
  artifacts: ArtifactsApi;
  close(): void;
}

export interface DeployDeps {
  log: DeployLogger;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  writeSummary?(markdown: string): Promise<void>;
  createClients(auth: OciAuth): DeployClients;
  buildImage(input: BuildImageInput): Promise<BuildResult>;
  http: JsonGetter;
  readFunctionBundle(): Promise<Buffer>;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface DeployResult {
  /** The whole plan, or the image-only one (`image-only: true`). */
  plan: DeployPlan | ImageOnlyPlan;
  image: string;
  functionId: string | undefined;
  deploymentId: string | undefined;
  endpoint: string | undefined;
  deploymentEndpoint: string | undefined;
  /** Blob bytes sent to the registry (0 on a no-op re-run and on a dry run). */
  bytesUploaded: number;
}

/** The function OCID shown in a dry-run diff before the function exists. */
export const PENDING_FUNCTION_ID = "(the new function's OCID)";
const PLAN_TAG = "deploy-plan";

export function ocirUsername(registry: string, namespace: string, username: string): string {
  return isOcirHost(registry) && !username.startsWith(`${namespace}/`)
    ? `${namespace}/${username}`
    : username;
}

function routeUrl(deploymentEndpoint: string | undefined): string | undefined {
  return deploymentEndpoint ? `${deploymentEndpoint.replace(/\/+$/, "")}${USAGE_ROUTE}` : undefined;
}

/** The tenancy namespace: the input, or Artifacts GetContainerConfiguration. */
async function lookupNamespace(
  image: ImageInputs,
  tenancyId: string,
  clients: DeployClients,
  call: CallOptions,
): Promise<string> {
  if (image.namespace !== undefined) return image.namespace;
  const found = await ociCall(
    "GetContainerConfiguration",
    () => clients.artifacts.getContainerConfiguration({ compartmentId: tenancyId }),
    {
      ...call,
      hint: (status) =>
        status === 403 || status === 404
          ? "set 'namespace' to the tenancy namespace, or allow the user to read objectstorage-namespaces"
          : undefined,
    },
  );
  return found.containerConfiguration.namespace;
}

/** The platforms: the `platforms` input, else the application's shape. */
function platformsOf(
  image: ImageInputs,
  application: { displayName?: string; id: string; shape?: string },
): Platform[] {
  try {
    return image.platforms ?? platformsForShape(application.shape ?? "GENERIC_X86");
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err;
    throw new UserFacingError(
      `application ${application.displayName ?? application.id}: ${err.message}; or set 'platforms'`,
    );
  }
}

interface PlannedImage {
  /** registry/namespace/repository */
  repoRef: string;
  /** Everything buildImage needs but the target: the bundle as /function/func.js, base, platforms, credentials. */
  input: Omit<BuildImageInput, "target">;
  /** The dry-run build: the digest a push will give (the base is read; nothing is written). */
  planned: BuildResult;
  tag: string;
  /** repoRef:tag@digest */
  imageRef: string;
}

/** The function image, planned: its build input, and the digest and reference a push will give. */
async function planImage(
  image: ImageInputs,
  namespace: string,
  platforms: Platform[],
  githubSha: string | undefined,
  deps: DeployDeps,
  info: (line: string) => void,
): Promise<PlannedImage> {
  const repoRef = `${image.registry}/${namespace}/${image.repository}`;
  const username = image.username ? ocirUsername(image.registry, namespace, image.username) : undefined;
  if (username && username !== image.username) info(`registry username: ${username} (namespace prefixed)`);
  const bundle = await deps.readFunctionBundle();
  const input: Omit<BuildImageInput, "target"> = {
    files: [{ path: "function/func.js", content: bundle }],
    base: image.baseImage,
    platforms,
    ...(username && image.password ? { credentials: { username, password: image.password } } : {}),
    ...(image.baseUsername && image.basePassword
      ? { baseCredentials: { username: image.baseUsername, password: image.basePassword } }
      : {}),
    client: { mask: deps.setSecret, retry: { sleep: deps.sleep, now: deps.now } },
    log: info,
  };
  const planned = await deps.log.group("Plan the function image", () =>
    deps.buildImage({ ...input, target: `${repoRef}:${PLAN_TAG}`, dryRun: true }),
  );
  const tag = expandTag(image.tagTemplate, { digest: planned.digest, sha: githubSha });
  return { repoRef, input, planned, tag, imageRef: `${repoRef}:${tag}@${planned.digest}` };
}

/** Push for real, check the digest is the planned one, and log the counters (tests and people read them). */
async function pushImage(
  input: Omit<BuildImageInput, "target">,
  target: string,
  planned: BuildResult,
  baseImage: string,
  deps: DeployDeps,
  info: (line: string) => void,
): Promise<BuildResult> {
  const pushed = await deps.log.group(`Push ${target}`, () => deps.buildImage({ ...input, target }));
  if (pushed.digest !== planned.digest) {
    throw new UserFacingError(
      `the image digest changed between the plan (${planned.digest}) and the push (${pushed.digest}): the base image ${baseImage} moved while deploy ran; re-run deploy`,
    );
  }
  info(
    `${pushed.image}: ${pushed.blobsUploaded} blobs uploaded (${pushed.bytesUploaded} bytes), ${pushed.blobsMounted} mounted, ${pushed.blobsCopied} copied, ${pushed.blobsSkipped} already there; ${pushed.manifestsPushed} manifests pushed`,
  );
  return pushed;
}

function planImageView(imageRef: string, planned: BuildResult): DeployPlan["image"] {
  return {
    reference: imageRef,
    digest: planned.digest,
    base: planned.base.reference,
    baseDigest: planned.base.digest,
    platforms: planned.platforms.map((p) => p.platform),
    layerDigest: planned.layer.digest,
    layerSize: planned.layer.size,
  };
}

export async function runDeploy(inputs: DeployInputs, deps: DeployDeps): Promise<DeployResult> {
  const info = (line: string) => deps.log.info(safeLogLine(line));
  const { auth } = inputs;
  const sources = [...new Set(Object.values(auth.sources))].join(" and ");
  info(
    `OCI API key of user ${auth.userId} (tenancy ${auth.tenancyId}, fingerprint ${auth.fingerprint}, from ${sources === "env" ? "OCI_CLI_* environment variables" : sources === "input" ? "inputs" : "inputs and OCI_CLI_* environment variables"}); region ${auth.region}`,
  );
  const clients = deps.createClients(auth);
  try {
    return inputs.imageOnly
      ? await runImageOnly(inputs, deps, clients, info)
      : await runFullDeploy(inputs, deps, clients, info);
  } finally {
    clients.close();
  }
}

/**
 * `image-only: true`: the image is built and pushed, and `image` is set; the function and the gateway are
 * left alone. Reads only what the image needs: the application (when given, for its shape) and the namespace
 * (when not given).
 */
async function runImageOnly(
  inputs: ImageOnlyDeployInputs,
  deps: DeployDeps,
  clients: DeployClients,
  info: (line: string) => void,
): Promise<DeployResult> {
  const { auth } = inputs;
  const call: CallOptions = { log: info, retryOptions: { sleep: deps.sleep, now: deps.now } };
  const found = await deps.log.group(
    "Check the application and registry namespace (image only)",
    async () => {
      let platforms = inputs.image.platforms;
      let applicationCompartmentId: string | undefined;
      if (inputs.applicationId !== undefined) {
        const application = await readApplication(clients.functions, inputs.applicationId, call);
        applicationCompartmentId = application.compartmentId ?? auth.tenancyId;
        platforms = platformsOf(inputs.image, application);
        info(
          `application ${application.displayName ?? application.id}: shape ${application.shape ?? "GENERIC_X86"} -> ${platforms.map((p) => `${p.os}/${p.architecture}`).join(", ")}${inputs.image.platforms ? " (from 'platforms')" : ""}`,
        );
      } else {
        info(
          `platforms ${(platforms ?? []).map((p) => `${p.os}/${p.architecture}`).join(", ")} (from 'platforms')`,
        );
      }
      const namespace = await lookupNamespace(inputs.image, auth.tenancyId, clients, call);
      info(
        `registry ${inputs.image.registry}, namespace ${namespace}${inputs.image.namespace ? "" : " (looked up)"}`,
      );
      // readDeployInputs guarantees `platforms` or `application-id`.
      return { platforms: platforms as Platform[], namespace, applicationCompartmentId };
    },
  );

  const { repoRef, input, planned, tag, imageRef } = await planImage(
    inputs.image,
    found.namespace,
    found.platforms,
    inputs.githubSha,
    deps,
    info,
  );
  const plan: ImageOnlyPlan = {
    imageOnly: true,
    dryRun: inputs.dryRun,
    region: auth.region,
    image: planImageView(imageRef, planned),
    iam: imageOnlyStatements({
      tenancyId: auth.tenancyId,
      repository: inputs.image.repository,
      namespaceLookedUp: inputs.image.namespace === undefined,
      applicationCompartmentId: found.applicationCompartmentId,
    }),
  };
  await deps.log.group(inputs.dryRun ? "Plan (dry run: nothing is changed)" : "Plan", async () => {
    for (const line of renderImageOnlyPlan(plan)) deps.log.info(line);
  });
  let image = imageRef;
  let bytesUploaded = 0;
  if (!inputs.dryRun) {
    const pushed = await pushImage(input, `${repoRef}:${tag}`, planned, inputs.image.baseImage, deps, info);
    image = pushed.image;
    bytesUploaded = pushed.bytesUploaded;
  }
  const result: DeployResult = {
    plan,
    image,
    functionId: undefined,
    deploymentId: undefined,
    endpoint: undefined,
    deploymentEndpoint: undefined,
    bytesUploaded,
  };
  setOutputs(deps, result);
  await summary(deps, renderImageOnlyPlanMarkdown(plan));
  return result;
}

async function runFullDeploy(
  inputs: FullDeployInputs,
  deps: DeployDeps,
  clients: DeployClients,
  info: (line: string) => void,
): Promise<DeployResult> {
  const { auth } = inputs;
  const call: CallOptions = { log: info, retryOptions: { sleep: deps.sleep, now: deps.now } };
  const waiting = (): Waiting => ({
    deadline: deps.now() + inputs.waitTimeoutMs,
    sleep: deps.sleep,
    now: deps.now,
    log: info,
  });
  // ---- read-only checks --------------------------------------------------------------------------------
  const found = await deps.log.group(
    "Check the application, gateway, registry namespace and identity domain",
    async () => {
      const application = await readApplication(clients.functions, inputs.fn.applicationId, call);
      const platforms = platformsOf(inputs.image, application);
      info(
        `application ${application.displayName ?? application.id}: shape ${application.shape ?? "GENERIC_X86"} -> ${platforms.map((p) => `${p.os}/${p.architecture}`).join(", ")}${inputs.image.platforms ? " (from 'platforms')" : ""}`,
      );
      const gateway = await readGateway(clients.gateways, inputs.gateway.gatewayId, call);
      const compartmentId = inputs.gateway.compartmentId ?? gateway.compartmentId;
      info(`gateway ${gateway.displayName ?? gateway.id} (${gateway.hostname ?? "no hostname"}) is ACTIVE`);

      const existingFn = await findFunction(
        clients.functions,
        { applicationId: inputs.fn.applicationId, name: inputs.fn.name, functionId: inputs.fn.functionId },
        call,
      );
      info(
        existingFn
          ? `function ${existingFn.fn.displayName} exists (${existingFn.fn.id})`
          : `function ${inputs.fn.name} does not exist yet`,
      );
      const existingDeployment = await findDeployment(
        clients.deployments,
        { compartmentId, gatewayId: gateway.id, displayName: inputs.gateway.deploymentName },
        call,
      );
      info(
        existingDeployment
          ? `deployment ${inputs.gateway.deploymentName} exists (${existingDeployment.deployment.id}, ${existingDeployment.deployment.lifecycleState ?? "ACTIVE"})`
          : `deployment ${inputs.gateway.deploymentName} does not exist yet`,
      );

      const namespace = await lookupNamespace(inputs.image, auth.tenancyId, clients, call);
      info(
        `registry ${inputs.image.registry}, namespace ${namespace}${inputs.image.namespace ? "" : " (looked up)"}`,
      );

      const discovery =
        inputs.gateway.issuer !== undefined && inputs.gateway.jwksUrl !== undefined
          ? undefined
          : await discover(deps.http, inputs.gateway.identityDomainUrl as string);
      const issuer = inputs.gateway.issuer ?? (discovery?.issuer as string);
      const jwksUri = inputs.gateway.jwksUrl ?? (discovery?.jwksUri as string);
      // Fetched in both modes: a JWKS with no key the gateway can use fails here, not on every request later.
      const keys: StaticKeys = staticKeysFromJwks(await deps.http.getJson(jwksUri, "JWKS"), jwksUri);
      info(
        `identity domain: issuer ${issuer}; JWKS ${jwksUri}: usable ${keys.keys.map((k) => k.kid).join(", ")}${keys.dropped.length > 0 ? `; skipped ${keys.dropped.map((d) => `${d.kid ?? "(no kid)"} (${d.reason})`).join(", ")}` : ""}`,
      );
      return {
        application,
        platforms,
        gateway,
        compartmentId,
        existingFn,
        existingDeployment,
        namespace,
        issuer,
        jwksUri,
        keys,
      };
    },
  );

  // ---- the image, planned (the base is read; nothing is written) ----------------------------------------
  const {
    repoRef,
    input: imageInput,
    planned,
    tag,
    imageRef,
  } = await planImage(inputs.image, found.namespace, found.platforms, inputs.githubSha, deps, info);

  // ---- plans ---------------------------------------------------------------------------------------------
  const desiredFn: DesiredFunction = {
    applicationId: inputs.fn.applicationId,
    displayName: found.existingFn?.fn.displayName ?? inputs.fn.name,
    image: `${repoRef}:${tag}`,
    imageDigest: planned.digest,
    memoryInMBs: inputs.fn.memoryInMBs,
    timeoutInSeconds: inputs.fn.timeoutInSeconds,
    config: inputs.fn.config,
  };
  const fnPlan = planFunction(found.existingFn, desiredFn);
  const specFor = (functionId: string) =>
    buildSpec({
      functionId,
      issuers: [found.issuer],
      audiences: inputs.gateway.audiences,
      maxClockSkewSeconds: inputs.gateway.maxClockSkewSeconds,
      publicKeys:
        inputs.gateway.jwksMode === "static"
          ? { type: "STATIC_KEYS", keys: found.keys.keys }
          : { type: "REMOTE_JWKS", uri: found.jwksUri, maxCacheDurationInHours: JWKS_CACHE_HOURS },
      requiredScopes: inputs.gateway.requiredScopes,
      rateLimit: inputs.gateway.rateLimit,
    });
  const desiredDeployment = (functionId: string): DesiredDeployment => ({
    gatewayId: found.gateway.id,
    compartmentId: found.compartmentId,
    displayName: inputs.gateway.deploymentName,
    pathPrefix: inputs.gateway.pathPrefix,
    specification: specFor(functionId),
  });
  const deploymentPlan = planDeployment(
    found.existingDeployment,
    desiredDeployment(found.existingFn?.fn.id ?? PENDING_FUNCTION_ID),
  );
  const existingEndpoint = found.existingDeployment?.deployment.endpoint;
  const plan: DeployPlan = {
    dryRun: inputs.dryRun,
    region: auth.region,
    image: planImageView(imageRef, planned),
    fn: {
      name: desiredFn.displayName,
      applicationId: inputs.fn.applicationId,
      id: found.existingFn?.fn.id,
      action: fnPlan.action,
      changes: fnPlan.action === "update" ? fnPlan.changes : [],
    },
    deployment: {
      name: inputs.gateway.deploymentName,
      gatewayId: found.gateway.id,
      pathPrefix: inputs.gateway.pathPrefix,
      id: found.existingDeployment?.deployment.id,
      action: deploymentPlan.action,
      changes: deploymentPlan.action === "none" ? [] : deploymentPlan.changes,
      endpoint: routeUrl(existingEndpoint),
    },
    jwt: {
      issuer: found.issuer,
      audiences: inputs.gateway.audiences,
      mode: inputs.gateway.jwksMode,
      jwksUri: found.jwksUri,
      kids: found.keys.keys.map((k) => k.kid),
      dropped: found.keys.dropped,
      requiredScopes: inputs.gateway.requiredScopes,
    },
    iam: iamPolicy({
      tenancyId: auth.tenancyId,
      functionCompartmentId: found.application.compartmentId ?? auth.tenancyId,
      deploymentCompartmentId: found.compartmentId,
      gatewayCompartmentId: found.gateway.compartmentId,
      repository: inputs.image.repository,
      functionId: found.existingFn?.fn.id,
    }),
  };
  await deps.log.group(inputs.dryRun ? "Plan (dry run: nothing is changed)" : "Plan", async () => {
    for (const line of renderPlan(plan)) deps.log.info(line);
  });

  if (inputs.dryRun) {
    const result: DeployResult = {
      plan,
      image: imageRef,
      functionId: found.existingFn?.fn.id,
      deploymentId: found.existingDeployment?.deployment.id,
      endpoint: routeUrl(existingEndpoint),
      deploymentEndpoint: existingEndpoint,
      bytesUploaded: 0,
    };
    setOutputs(deps, result);
    await summary(deps, renderPlanMarkdown(plan));
    return result;
  }

  // ---- writes --------------------------------------------------------------------------------------------
  const pushed = await pushImage(
    imageInput,
    `${repoRef}:${tag}`,
    planned,
    inputs.image.baseImage,
    deps,
    info,
  );

  const fn = await deps.log.group(
    `Function ${desiredFn.displayName}: ${fnPlan.action === "none" ? "unchanged" : fnPlan.action}`,
    () => applyFunction(clients.functions, fnPlan, waiting(), call),
  );
  info(
    `function ${fn.displayName ?? desiredFn.displayName} (${fn.id}) is ACTIVE with ${fn.imageDigest ?? planned.digest}`,
  );

  const finalPlan = planDeployment(found.existingDeployment, desiredDeployment(fn.id));
  const deployment = await deps.log.group(
    `Deployment ${inputs.gateway.deploymentName}: ${finalPlan.action === "none" ? "unchanged" : finalPlan.action}`,
    async () => {
      if (finalPlan.action !== "none") {
        info(`${finalPlan.changes.length} specification changes (the diff is in the plan above)`);
      }
      return applyDeployment(
        { deployments: clients.deployments, workRequests: clients.workRequests },
        finalPlan,
        waiting(),
        call,
      );
    },
  );
  const endpoint = routeUrl(deployment.endpoint);
  info(
    `deployment ${deployment.displayName ?? inputs.gateway.deploymentName} (${deployment.id}) is ACTIVE: POST ${endpoint}`,
  );

  const finalView: DeployPlan = {
    ...plan,
    fn: { ...plan.fn, id: fn.id },
    deployment: { ...plan.deployment, id: deployment.id, endpoint },
  };
  const result: DeployResult = {
    plan: finalView,
    image: pushed.image,
    functionId: fn.id,
    deploymentId: deployment.id,
    endpoint,
    deploymentEndpoint: deployment.endpoint,
    bytesUploaded: pushed.bytesUploaded,
  };
  setOutputs(deps, result);
  await summary(
    deps,
    renderPlanMarkdown({
      ...finalView,
      iam: iamPolicy({
        tenancyId: auth.tenancyId,
        functionCompartmentId: found.application.compartmentId ?? auth.tenancyId,
        deploymentCompartmentId: found.compartmentId,
        gatewayCompartmentId: found.gateway.compartmentId,
        repository: inputs.image.repository,
        functionId: fn.id,
      }),
    }),
  );
  return result;
}

function setOutputs(deps: DeployDeps, result: DeployResult): void {
  deps.setOutput(DEPLOY_OUTPUTS.image, result.image);
  deps.setOutput(DEPLOY_OUTPUTS.functionId, result.functionId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentId, result.deploymentId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.endpoint, result.endpoint ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentEndpoint, result.deploymentEndpoint ?? "");
}

async function summary(deps: DeployDeps, markdown: string): Promise<void> {
  if (!deps.writeSummary) return;
  try {
    await deps.writeSummary(markdown);
  } catch (err) {
    deps.log.warning(`could not write the job summary: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The real dependencies: @actions/core, the SDK clients, the registry client, undici. */
export function createDeployDeps(): DeployDeps {
  return {
    log: {
      info: (line) => core.info(line),
      warning: (line) => core.warning(line),
      group: (name, fn) => core.group(name, fn),
    },
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => maskSecret(value),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown).write();
    },
    createClients: (auth) => createOciClients(auth),
    buildImage,
    http: createJsonGetter(),
    readFunctionBundle: () => readFunctionBundle(),
    now: () => Date.now(),
    sleep: realSleep,
  };
}
