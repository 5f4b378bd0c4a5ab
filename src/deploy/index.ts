// The `deploy` flow. Everything that can be checked is checked before the first write: the inputs (already,
// by readDeployInputs), then read-only calls (application and its shape, gateway, namespace, the function and
// deployment as they are, the identity domain's issuer and keys) and the image plan (the base is read, the
// digest computed). Then the plan is printed; a dry run stops there. Writes follow in dependency order:
// push the image, upsert the function (by digest), upsert the deployment (its route names the function),
// wait, and set the outputs. Re-running with nothing changed writes nothing. With `image-only: true` only
// the image part runs (for a function managed elsewhere, e.g. by Terraform): no gateway, function or
// identity domain is read or written.
import * as core from "@actions/core";
import type { models as gatewayModels } from "oci-apigateway";
import type { models as fnModels } from "oci-functions";
import { buildImage } from "../image/build.js";
import { oneLine, UserFacingError } from "../lib/errors.js";
import { GITHUB_ISSUER } from "../lib/github-oidc.js";
import { maskSecret } from "../lib/mask.js";
import { realSleep } from "../lib/retry.js";
import { runnerLog } from "../lib/runner-log.js";
import { safeLogLine } from "../lib/text.js";
import type { OciAuth } from "../oci/auth.js";
import { createOciClients } from "../oci/clients.js";
import { describeAuth } from "../oci/sign-in.js";
import { readFunctionBundle } from "./assets.js";
import type { DeployClients, DeployDeps, DeployRun } from "./context.js";
import { type CurrentState, readCurrentState, readImageOnlyState } from "./current-state.js";
import { applyFunction, type DesiredFunction, type FunctionPlan, planFunction } from "./function.js";
import { applyDeployment, type DeploymentPlan, type DesiredDeployment, planDeployment } from "./gateway.js";
import { iamPolicy } from "./iam.js";
import { createJsonGetter } from "./identity.js";
import { imagePlanView, type PlannedImage, planImage, pushImage } from "./image-plan.js";
import {
  DEPLOY_INPUTS,
  DEPLOY_OUTPUTS,
  type DeployInputs,
  type FullDeployInputs,
  type ImageOnlyDeployInputs,
  JWKS_CACHE_HOURS,
} from "./inputs.js";
import {
  type DeployPlan,
  type ImageOnlyPlan,
  imageOnlyStatements,
  renderImageOnlyPlan,
  renderImageOnlyPlanMarkdown,
  renderPlan,
  renderPlanMarkdown,
} from "./plan.js";
import { buildSpec, githubVerifyClaims, USAGE_ROUTE } from "./spec.js";
import type { Waiting } from "./waiting.js";

interface DeployResult {
  /** The whole plan, or the image-only one (`image-only: true`). */
  plan: DeployPlan | ImageOnlyPlan;
  image: string;
  functionId: string | undefined;
  deploymentId: string | undefined;
  endpoint: string | undefined;
  deploymentEndpoint: string | undefined;
  /** The GitHub deployment's URL with its path prefix (report's `endpoint` with `auth: github-oidc`). */
  githubEndpoint: string | undefined;
  /** Blob bytes sent to the registry (0 on a no-op re-run and on a dry run). */
  bytesUploaded: number;
}

/** The function OCID shown in a dry-run diff before the function exists. */
const PENDING_FUNCTION_ID = "(the new function's OCID)";

export async function runDeploy(inputs: DeployInputs, deps: DeployDeps): Promise<DeployResult> {
  const info = (line: string) => deps.log.info(safeLogLine(line));
  info(authLine(inputs.auth));
  const clients = deps.createClients(inputs.auth);
  const run: DeployRun = {
    deps,
    clients,
    info,
    call: { log: info, retryOptions: { sleep: deps.sleep, now: deps.now } },
  };
  try {
    return inputs.imageOnly ? await runImageOnly(run, inputs) : await runFullDeploy(run, inputs);
  } finally {
    clients.close();
  }
}

function authLine(auth: OciAuth): string {
  if (auth.kind === "session") return describeAuth(auth);
  const sources = [...new Set(Object.values(auth.sources))].join(" and ");
  const from =
    sources === "env"
      ? "OCI_CLI_* environment variables"
      : sources === "input"
        ? "inputs"
        : "inputs and OCI_CLI_* environment variables";
  return describeAuth(auth, `, from ${from}`);
}

/**
 * `image-only: true`: the image is built and pushed, and `image` is set; the function and the gateway are
 * left alone. Reads only what the image needs: the application (when given, for its shape) and the namespace
 * (when not given).
 */
async function runImageOnly(run: DeployRun, inputs: ImageOnlyDeployInputs): Promise<DeployResult> {
  const state = await readImageOnlyState(run, inputs);
  const image = await planImage(run, inputs.image, {
    ...state,
    githubSha: inputs.githubSha,
    auth: inputs.auth,
  });
  const plan = imageOnlyPlan(inputs, state, image);
  await printPlan(run, inputs.dryRun, renderImageOnlyPlan(plan));
  const pushed = inputs.dryRun ? undefined : await pushImage(run, image, inputs.image.baseImage);
  return report(run, renderImageOnlyPlanMarkdown(plan), {
    plan,
    image: pushed?.image ?? image.imageRef,
    functionId: undefined,
    deploymentId: undefined,
    endpoint: undefined,
    deploymentEndpoint: undefined,
    githubEndpoint: undefined,
    bytesUploaded: pushed?.bytesUploaded ?? 0,
  });
}

async function runFullDeploy(run: DeployRun, inputs: FullDeployInputs): Promise<DeployResult> {
  const state = await readCurrentState(run, inputs);
  const image = await planImage(run, inputs.image, {
    ...state,
    githubSha: inputs.githubSha,
    auth: inputs.auth,
  });
  const changes = planChanges(inputs, state, image);
  const plan = deployPlan(inputs, state, image, changes);
  await printPlan(run, inputs.dryRun, renderPlan(plan));
  warnIfGithubLeft(run, plan);
  if (inputs.dryRun) return reportDryRun(run, plan, state, image);

  const pushed = await pushImage(run, image, inputs.image.baseImage);
  const fn = await applyFunctionStep(run, inputs, changes);
  const deployment = await applyDeploymentStep(run, inputs, state, changes, fn.id);
  const github = await applyGithubDeploymentStep(run, inputs, state, changes, fn.id);
  const endpoint = routeUrl(deployment.endpoint);
  const finalPlan: DeployPlan = {
    ...plan,
    fn: { ...plan.fn, id: fn.id },
    deployment: { ...plan.deployment, id: deployment.id, endpoint },
    ...(plan.github?.kind === "managed" && github
      ? { github: { ...plan.github, id: github.id, endpoint: routeUrl(github.endpoint) } }
      : {}),
  };
  // The summary's policy names the function, which exists now.
  const summaryPlan: DeployPlan = { ...finalPlan, iam: iamFor(inputs, state, fn.id) };
  return report(run, renderPlanMarkdown(summaryPlan), {
    plan: finalPlan,
    image: pushed.image,
    functionId: fn.id,
    deploymentId: deployment.id,
    endpoint,
    deploymentEndpoint: deployment.endpoint,
    githubEndpoint: github?.endpoint,
    bytesUploaded: pushed.bytesUploaded,
  });
}

// ---- Plans ---------------------------------------------------------------------------------------------

interface PlannedChanges {
  desiredFn: DesiredFunction;
  fnPlan: FunctionPlan;
  /** The deployment wanted once the function's OCID is known. */
  desiredDeployment: (functionId: string) => DesiredDeployment;
  /** The deployment plan as it can be shown before the function exists. */
  deploymentPlan: DeploymentPlan;
  /** The same two for the GitHub deployment, when `github-repositories` asks for it. */
  github: { desired: (functionId: string) => DesiredDeployment; plan: DeploymentPlan } | undefined;
}

function planChanges(inputs: FullDeployInputs, state: CurrentState, image: PlannedImage): PlannedChanges {
  const desiredFn: DesiredFunction = {
    applicationId: inputs.fn.applicationId,
    displayName: state.existingFn?.fn.displayName ?? inputs.fn.name,
    image: image.target,
    imageDigest: image.planned.digest,
    memoryInMBs: inputs.fn.memoryInMBs,
    timeoutInSeconds: inputs.fn.timeoutInSeconds,
    config: inputs.fn.config,
  };
  const { gateway } = inputs;
  const desiredDeployment = (functionId: string): DesiredDeployment => ({
    gatewayId: state.gateway.id,
    compartmentId: state.compartmentId,
    displayName: gateway.deploymentName,
    pathPrefix: gateway.pathPrefix,
    specification: buildSpec({
      functionId,
      issuers: [state.issuer],
      audiences: gateway.audiences,
      maxClockSkewSeconds: gateway.maxClockSkewSeconds,
      publicKeys:
        gateway.jwksMode === "static"
          ? { type: "STATIC_KEYS", keys: state.keys.keys }
          : { type: "REMOTE_JWKS", uri: state.jwksUri, maxCacheDurationInHours: JWKS_CACHE_HOURS },
      requiredScopes: gateway.requiredScopes,
      rateLimit: gateway.rateLimit,
    }),
  });
  const pendingId = state.existingFn?.fn.id ?? PENDING_FUNCTION_ID;
  const github = desiredGithubDeployment(inputs, state);
  return {
    desiredFn,
    fnPlan: planFunction(state.existingFn, desiredFn),
    desiredDeployment,
    deploymentPlan: planDeployment(state.existingDeployment, desiredDeployment(pendingId)),
    github: github && {
      desired: github,
      plan: planDeployment(state.github.existing, github(pendingId), DEPLOY_INPUTS.githubPathPrefix),
    },
  };
}

/**
 * The GitHub deployment: the same route to the same function, behind GitHub's issuer, its remote JWKS, an
 * audience of its own and verifyClaims pinning the repository (and the ref or environment when listed). No
 * scope: GitHub's tokens carry none.
 */
function desiredGithubDeployment(
  inputs: FullDeployInputs,
  state: CurrentState,
): ((functionId: string) => DesiredDeployment) | undefined {
  const { gateway } = inputs;
  const github = gateway.github;
  if (!github || !state.github.jwksUri) return undefined;
  if (github.issuer === state.issuer) {
    throw new UserFacingError(
      `input 'github-oidc-issuer': ${github.issuer} is also the identity domain's issuer, so each deployment would accept the other's tokens; use GitHub's issuer (${GITHUB_ISSUER}, or your GitHub Enterprise Server's)`,
    );
  }
  const publicKeys = {
    type: "REMOTE_JWKS" as const,
    uri: state.github.jwksUri,
    maxCacheDurationInHours: JWKS_CACHE_HOURS,
  };
  return (functionId) => ({
    gatewayId: state.gateway.id,
    compartmentId: state.compartmentId,
    displayName: github.deploymentName,
    pathPrefix: github.pathPrefix,
    specification: buildSpec({
      functionId,
      issuers: [github.issuer],
      audiences: [github.audience],
      maxClockSkewSeconds: gateway.maxClockSkewSeconds,
      publicKeys,
      requiredScopes: [],
      rateLimit: gateway.rateLimit,
      verifyClaims: githubVerifyClaims(github),
    }),
  });
}

function iamFor(inputs: FullDeployInputs, state: CurrentState, functionId: string | undefined) {
  return iamPolicy({
    tenancyId: inputs.auth.tenancyId,
    functionCompartmentId: state.application.compartmentId ?? inputs.auth.tenancyId,
    deploymentCompartmentId: state.compartmentId,
    gatewayCompartmentId: state.gateway.compartmentId,
    repository: inputs.image.repository,
    functionId,
  });
}

/** The plan as printed and summarised. */
function deployPlan(
  inputs: FullDeployInputs,
  state: CurrentState,
  image: PlannedImage,
  changes: PlannedChanges,
): DeployPlan {
  const { fnPlan, deploymentPlan } = changes;
  return {
    dryRun: inputs.dryRun,
    region: inputs.auth.region,
    image: imagePlanView(image),
    fn: {
      name: changes.desiredFn.displayName,
      applicationId: inputs.fn.applicationId,
      id: state.existingFn?.fn.id,
      action: fnPlan.action,
      changes: fnPlan.action === "update" ? fnPlan.changes : [],
    },
    deployment: {
      name: inputs.gateway.deploymentName,
      gatewayId: state.gateway.id,
      pathPrefix: inputs.gateway.pathPrefix,
      id: state.existingDeployment?.deployment.id,
      action: deploymentPlan.action,
      changes: deploymentPlan.action === "none" ? [] : deploymentPlan.changes,
      endpoint: routeUrl(state.existingDeployment?.deployment.endpoint),
    },
    jwt: {
      issuer: state.issuer,
      audiences: inputs.gateway.audiences,
      mode: inputs.gateway.jwksMode,
      jwksUri: state.jwksUri,
      kids: state.keys.keys.map((k) => k.kid),
      dropped: state.keys.dropped,
      requiredScopes: inputs.gateway.requiredScopes,
    },
    iam: iamFor(inputs, state, state.existingFn?.fn.id),
    ...githubPlanView(inputs, state, changes),
  };
}

/** The GitHub deployment as the plan shows it: managed, left in place, or (neither) absent. */
function githubPlanView(
  inputs: FullDeployInputs,
  state: CurrentState,
  changes: PlannedChanges,
): Pick<DeployPlan, "github"> {
  const existing = state.github.existing?.deployment;
  const github = inputs.gateway.github;
  if (github && changes.github) {
    const { plan } = changes.github;
    return {
      github: {
        kind: "managed",
        name: github.deploymentName,
        pathPrefix: github.pathPrefix,
        id: existing?.id,
        action: plan.action,
        changes: plan.action === "none" ? [] : plan.changes,
        endpoint: routeUrl(existing?.endpoint),
        issuer: github.issuer,
        audience: github.audience,
        jwksUri: state.github.jwksUri ?? "",
        kids: state.github.kids,
        repositories: github.repositories,
        refs: github.refs,
        environments: github.environments,
      },
    };
  }
  if (!existing) return {};
  return {
    github: {
      kind: "left",
      name: state.github.name,
      pathPrefix: existing.pathPrefix,
      id: existing.id,
      endpoint: routeUrl(existing.endpoint),
    },
  };
}

/** A GitHub deployment nobody asks for any more still lets GitHub tokens in: say so where it is seen. */
function warnIfGithubLeft(run: DeployRun, plan: DeployPlan): void {
  if (plan.github?.kind !== "left") return;
  run.deps.log.warning(
    `GitHub deployment ${plan.github.name} (${plan.github.id}) is left in place although 'github-repositories' is empty: its repositories' workflows can still call it; delete it (oci api-gateway deployment delete --deployment-id ${plan.github.id}) if no report uses it`,
  );
}

function imageOnlyPlan(
  inputs: ImageOnlyDeployInputs,
  state: { applicationCompartmentId: string | undefined },
  image: PlannedImage,
): ImageOnlyPlan {
  return {
    imageOnly: true,
    dryRun: inputs.dryRun,
    region: inputs.auth.region,
    image: imagePlanView(image),
    iam: imageOnlyStatements({
      tenancyId: inputs.auth.tenancyId,
      repository: inputs.image.repository,
      namespaceLookedUp: inputs.image.namespace === undefined,
      applicationCompartmentId: state.applicationCompartmentId,
    }),
  };
}

async function printPlan(run: DeployRun, dryRun: boolean, lines: string[]): Promise<void> {
  await run.deps.log.group(dryRun ? "Plan (dry run: nothing is changed)" : "Plan", async () => {
    for (const line of lines) run.deps.log.info(line);
  });
}

// ---- Writes --------------------------------------------------------------------------------------------

function waiting(run: DeployRun, inputs: FullDeployInputs): Waiting {
  const { deps, info } = run;
  return { deadline: deps.now() + inputs.waitTimeoutMs, sleep: deps.sleep, now: deps.now, log: info };
}

function actionWord(action: "create" | "update" | "none"): string {
  return action === "none" ? "unchanged" : action;
}

async function applyFunctionStep(
  run: DeployRun,
  inputs: FullDeployInputs,
  { desiredFn, fnPlan }: PlannedChanges,
): Promise<fnModels.Function> {
  const fn = await run.deps.log.group(`Function ${desiredFn.displayName}: ${actionWord(fnPlan.action)}`, () =>
    applyFunction(run.clients.functions, fnPlan, waiting(run, inputs), run.call),
  );
  run.info(
    `function ${fn.displayName ?? desiredFn.displayName} (${fn.id}) is ACTIVE with ${fn.imageDigest ?? desiredFn.imageDigest}`,
  );
  return fn;
}

/** One deployment's plan carried out in its own log group, `<title>: <action>`. */
function upsertInGroup(
  run: DeployRun,
  inputs: FullDeployInputs,
  title: string,
  plan: DeploymentPlan,
): Promise<gatewayModels.Deployment> {
  return run.deps.log.group(`${title}: ${actionWord(plan.action)}`, async () => {
    if (plan.action !== "none") {
      run.info(`${plan.changes.length} specification changes (the diff is in the plan above)`);
    }
    return applyDeployment(
      { deployments: run.clients.deployments, workRequests: run.clients.workRequests },
      plan,
      waiting(run, inputs),
      run.call,
    );
  });
}

/** Planned again with the function's real OCID (the dry-run view used a placeholder for a new function). */
async function applyDeploymentStep(
  run: DeployRun,
  inputs: FullDeployInputs,
  state: CurrentState,
  changes: PlannedChanges,
  functionId: string,
): Promise<gatewayModels.Deployment> {
  const name = inputs.gateway.deploymentName;
  const plan = planDeployment(state.existingDeployment, changes.desiredDeployment(functionId));
  const deployment = await upsertInGroup(run, inputs, `Deployment ${name}`, plan);
  run.info(
    `deployment ${deployment.displayName ?? name} (${deployment.id}) is ACTIVE: POST ${routeUrl(deployment.endpoint)}`,
  );
  return deployment;
}

/** The GitHub deployment, after the first one and like it: planned again with the function's real OCID. */
async function applyGithubDeploymentStep(
  run: DeployRun,
  inputs: FullDeployInputs,
  state: CurrentState,
  changes: PlannedChanges,
  functionId: string,
): Promise<gatewayModels.Deployment | undefined> {
  const github = inputs.gateway.github;
  if (!github || !changes.github) return undefined;
  const plan = planDeployment(
    state.github.existing,
    changes.github.desired(functionId),
    DEPLOY_INPUTS.githubPathPrefix,
  );
  const deployment = await upsertInGroup(run, inputs, `GitHub deployment ${github.deploymentName}`, plan);
  run.info(
    `GitHub deployment ${deployment.displayName ?? github.deploymentName} (${deployment.id}) is ACTIVE: POST ${routeUrl(deployment.endpoint)} with a GitHub OIDC token for audience ${github.audience}`,
  );
  return deployment;
}

// ---- Results -------------------------------------------------------------------------------------------

function routeUrl(deploymentEndpoint: string | undefined): string | undefined {
  return deploymentEndpoint ? `${deploymentEndpoint.replace(/\/+$/, "")}${USAGE_ROUTE}` : undefined;
}

/** A dry run's result: what exists now, and the image reference a push would give. */
function reportDryRun(
  run: DeployRun,
  plan: DeployPlan,
  state: CurrentState,
  image: PlannedImage,
): Promise<DeployResult> {
  const existingEndpoint = state.existingDeployment?.deployment.endpoint;
  return report(run, renderPlanMarkdown(plan), {
    plan,
    image: image.imageRef,
    functionId: state.existingFn?.fn.id,
    deploymentId: state.existingDeployment?.deployment.id,
    endpoint: routeUrl(existingEndpoint),
    deploymentEndpoint: existingEndpoint,
    githubEndpoint: plan.github?.kind === "managed" ? state.github.existing?.deployment.endpoint : undefined,
    bytesUploaded: 0,
  });
}

/** Set the outputs and write the job summary. */
async function report(run: DeployRun, summaryMarkdown: string, result: DeployResult): Promise<DeployResult> {
  const { deps } = run;
  deps.setOutput(DEPLOY_OUTPUTS.image, result.image);
  deps.setOutput(DEPLOY_OUTPUTS.functionId, result.functionId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentId, result.deploymentId ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.endpoint, result.endpoint ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.deploymentEndpoint, result.deploymentEndpoint ?? "");
  deps.setOutput(DEPLOY_OUTPUTS.githubEndpoint, result.githubEndpoint ?? "");
  if (deps.writeSummary) {
    try {
      await deps.writeSummary(summaryMarkdown);
    } catch (err) {
      deps.log.warning(`could not write the job summary: ${oneLine(err)}`);
    }
  }
  return result;
}

/** The real dependencies: @actions/core, the SDK clients, the registry client, undici. */
export function createDeployDeps(): DeployDeps {
  return {
    log: runnerLog,
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => maskSecret(value),
    writeSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown).write();
    },
    createClients: (auth: OciAuth): DeployClients => createOciClients(auth),
    buildImage,
    http: createJsonGetter(),
    readFunctionBundle: () => readFunctionBundle(),
    now: () => Date.now(),
    sleep: realSleep,
  };
}
