// The read-only checks before any write: the application (and the platforms its shape gives), the gateway,
// the function and deployment as they are, the registry namespace, and the identity domain's issuer and
// keys. Each is one step that logs what it found.
import type { models as fnModels } from "oci-functions";
import { type Platform, PlatformError, platformsForShape } from "../image/platforms.js";
import { UserFacingError } from "../lib/errors.js";
import { ociCall } from "../oci/clients.js";
import type { DeployRun } from "./context.js";
import { findFunction, readApplication } from "./function.js";
import { findDeployment, readGateway } from "./gateway.js";
import { discover, GITHUB_KEYS } from "./identity.js";
import {
  type FullDeployInputs,
  GITHUB_DEPLOYMENT_SUFFIX,
  type GithubDeploymentInputs,
  type ImageInputs,
  type ImageOnlyDeployInputs,
} from "./inputs.js";
import { type StaticKeys, staticKeysFromJwks } from "./jwks.js";
import { githubJwksUri } from "./spec.js";

type Gateway = Awaited<ReturnType<typeof readGateway>>;
type ExistingFunction = Awaited<ReturnType<typeof findFunction>>;
type ExistingDeployment = Awaited<ReturnType<typeof findDeployment>>;

/** Everything a whole deploy reads before it plans. */
export interface CurrentState {
  application: fnModels.Application;
  platforms: Platform[];
  gateway: Gateway;
  /** The deployment's compartment: the input, else the gateway's. */
  compartmentId: string;
  existingFn: ExistingFunction;
  existingDeployment: ExistingDeployment;
  namespace: string;
  issuer: string;
  jwksUri: string;
  keys: StaticKeys;
  github: GithubState;
}

/** The GitHub deployment as it is, and (when `github-repositories` asks for it) the issuer's keys. */
export interface GithubState {
  /** `<deployment-name>-github`, looked up whether or not it is wanted (one left behind is reported). */
  name: string;
  existing: ExistingDeployment;
  /** Undefined without `github-repositories`. */
  jwksUri: string | undefined;
  kids: string[];
}

/** What an image-only run reads: the platforms, the namespace, and the application's compartment (for IAM). */
interface ImageOnlyState {
  platforms: Platform[];
  namespace: string;
  applicationCompartmentId: string | undefined;
}

function platformNames(platforms: Platform[]): string {
  return platforms.map((p) => `${p.os}/${p.architecture}`).join(", ");
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

/** The application (it exists and is ACTIVE) and the platforms the image is built for. */
async function checkApplication(
  run: DeployRun,
  applicationId: string,
  image: ImageInputs,
): Promise<{ application: fnModels.Application; platforms: Platform[] }> {
  const application = await readApplication(run.clients.functions, applicationId, run.call);
  const platforms = platformsOf(image, application);
  run.info(
    `application ${application.displayName ?? application.id}: shape ${application.shape ?? "GENERIC_X86"} -> ${platformNames(platforms)}${image.platforms ? " (from 'platforms')" : ""}`,
  );
  return { application, platforms };
}

/** The tenancy namespace: the input, or Artifacts GetContainerConfiguration. */
async function checkNamespace(run: DeployRun, image: ImageInputs, tenancyId: string): Promise<string> {
  const namespace =
    image.namespace ??
    (
      await ociCall(
        "GetContainerConfiguration",
        () => run.clients.artifacts.getContainerConfiguration({ compartmentId: tenancyId }),
        {
          ...run.call,
          hint: (status) =>
            status === 403 || status === 404
              ? "set 'namespace' to the tenancy namespace, or allow the user to read objectstorage-namespaces"
              : undefined,
        },
      )
    ).containerConfiguration.namespace;
  run.info(`registry ${image.registry}, namespace ${namespace}${image.namespace ? "" : " (looked up)"}`);
  return namespace;
}

/** The gateway (ACTIVE), and the compartment the deployment goes to. */
async function checkGateway(
  run: DeployRun,
  inputs: FullDeployInputs["gateway"],
): Promise<{ gateway: Gateway; compartmentId: string }> {
  const gateway = await readGateway(run.clients.gateways, inputs.gatewayId, run.call);
  run.info(`gateway ${gateway.displayName ?? gateway.id} (${gateway.hostname ?? "no hostname"}) is ACTIVE`);
  return { gateway, compartmentId: inputs.compartmentId ?? gateway.compartmentId };
}

async function findExistingFunction(run: DeployRun, fn: FullDeployInputs["fn"]): Promise<ExistingFunction> {
  const { applicationId, name, functionId } = fn;
  const existing = await findFunction(run.clients.functions, { applicationId, name, functionId }, run.call);
  run.info(
    existing
      ? `function ${existing.fn.displayName} exists (${existing.fn.id})`
      : `function ${fn.name} does not exist yet`,
  );
  return existing;
}

async function findExistingDeployment(
  run: DeployRun,
  where: { compartmentId: string; gatewayId: string; displayName: string },
): Promise<ExistingDeployment> {
  const existing = await findDeployment(run.clients.deployments, where, run.call);
  run.info(
    existing
      ? `deployment ${where.displayName} exists (${existing.deployment.id}, ${existing.deployment.lifecycleState ?? "ACTIVE"})`
      : `deployment ${where.displayName} does not exist yet`,
  );
  return existing;
}

/**
 * The issuer and the JWKS (the inputs, else discovered from the identity domain). The keys are fetched in
 * both modes: a JWKS with no key the gateway can use fails here, not on every request later.
 */
async function checkIdentityDomain(
  run: DeployRun,
  inputs: FullDeployInputs["gateway"],
): Promise<{ issuer: string; jwksUri: string; keys: StaticKeys }> {
  const { http } = run.deps;
  const discovery =
    inputs.issuer !== undefined && inputs.jwksUrl !== undefined
      ? undefined
      : await discover(http, inputs.identityDomainUrl as string);
  const issuer = inputs.issuer ?? (discovery?.issuer as string);
  const jwksUri = inputs.jwksUrl ?? (discovery?.jwksUri as string);
  const keys = staticKeysFromJwks(await http.getJson(jwksUri, "JWKS"), jwksUri);
  const skipped = keys.dropped.map((d) => `${d.kid ?? "(no kid)"} (${d.reason})`).join(", ");
  run.info(
    `identity domain: issuer ${issuer}; JWKS ${jwksUri}: usable ${keys.keys.map((k) => k.kid).join(", ")}${keys.dropped.length > 0 ? `; skipped ${skipped}` : ""}`,
  );
  return { issuer, jwksUri, keys };
}

/**
 * The GitHub deployment: it is looked up by name in every run (so that one left behind after
 * `github-repositories` was emptied can be reported), and the issuer's JWKS is fetched when it is wanted: a
 * wrong `github-oidc-issuer` fails here, not on every report later.
 */
async function checkGithubDeployment(
  run: DeployRun,
  inputs: FullDeployInputs["gateway"],
  where: { compartmentId: string; gatewayId: string },
): Promise<GithubState> {
  const wanted: GithubDeploymentInputs | undefined = inputs.github;
  const name = wanted?.deploymentName ?? `${inputs.deploymentName}${GITHUB_DEPLOYMENT_SUFFIX}`;
  const existing = wanted
    ? await findExistingDeployment(run, { ...where, displayName: name })
    : await findDeployment(run.clients.deployments, { ...where, displayName: name }, run.call);
  if (!wanted) return { name, existing, jwksUri: undefined, kids: [] };
  const jwksUri = githubJwksUri(wanted.issuer);
  const keys = staticKeysFromJwks(await run.deps.http.getJson(jwksUri, GITHUB_KEYS), jwksUri);
  run.info(
    `GitHub OIDC: issuer ${wanted.issuer}; JWKS ${jwksUri}: usable ${keys.keys.map((k) => k.kid).join(", ")}; repositories ${wanted.repositories.join(", ")}`,
  );
  return { name, existing, jwksUri, kids: keys.keys.map((k) => k.kid) };
}

/** Every read-only check of a whole deploy, in one log group. */
export function readCurrentState(run: DeployRun, inputs: FullDeployInputs): Promise<CurrentState> {
  return run.deps.log.group(
    "Check the application, gateway, registry namespace and identity domain",
    async () => {
      const { application, platforms } = await checkApplication(run, inputs.fn.applicationId, inputs.image);
      const { gateway, compartmentId } = await checkGateway(run, inputs.gateway);
      const existingFn = await findExistingFunction(run, inputs.fn);
      const existingDeployment = await findExistingDeployment(run, {
        compartmentId,
        gatewayId: gateway.id,
        displayName: inputs.gateway.deploymentName,
      });
      const namespace = await checkNamespace(run, inputs.image, inputs.auth.tenancyId);
      const identity = await checkIdentityDomain(run, inputs.gateway);
      const github = await checkGithubDeployment(run, inputs.gateway, {
        compartmentId,
        gatewayId: gateway.id,
      });
      return {
        github,
        application,
        platforms,
        gateway,
        compartmentId,
        existingFn,
        existingDeployment,
        namespace,
        ...identity,
      };
    },
  );
}

/** The read-only checks of an image-only run: the application only when given (for its shape). */
export function readImageOnlyState(run: DeployRun, inputs: ImageOnlyDeployInputs): Promise<ImageOnlyState> {
  return run.deps.log.group("Check the application and registry namespace (image only)", async () => {
    let platforms = inputs.image.platforms;
    let applicationCompartmentId: string | undefined;
    if (inputs.applicationId !== undefined) {
      const checked = await checkApplication(run, inputs.applicationId, inputs.image);
      applicationCompartmentId = checked.application.compartmentId ?? inputs.auth.tenancyId;
      platforms = checked.platforms;
    } else {
      run.info(`platforms ${platformNames(platforms ?? [])} (from 'platforms')`);
    }
    const namespace = await checkNamespace(run, inputs.image, inputs.auth.tenancyId);
    // readDeployInputs guarantees `platforms` or `application-id`.
    return { platforms: platforms as Platform[], namespace, applicationCompartmentId };
  });
}
