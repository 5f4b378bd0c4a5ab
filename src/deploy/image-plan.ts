// The function image in the deploy flow: planned first (a dry-run build: the base is read, the digest is
// computed, nothing is written), pushed later, and checked to have the planned digest.
import type { Credentials } from "../image/auth.js";
import type { BuildImageInput, BuildResult } from "../image/build.js";
import { BEARER_USERNAME, ocirTokenCredentials } from "../image/ocir-token.js";
import type { Platform } from "../image/platforms.js";
import { isOcirHost } from "../image/reference.js";
import { UserFacingError } from "../lib/errors.js";
import type { OciAuth } from "../oci/auth.js";
import type { DeployRun } from "./context.js";
import { expandTag, type ImageInputs } from "./inputs.js";
import type { DeployPlan } from "./plan.js";

const PLAN_TAG = "deploy-plan";

/** OCIR wants `<namespace>/<user>`: the namespace is prefixed when the username lacks it. */
export function ocirUsername(registry: string, namespace: string, username: string): string {
  return isOcirHost(registry) && !username.startsWith(`${namespace}/`)
    ? `${namespace}/${username}`
    : username;
}

export interface PlannedImage {
  /** Everything buildImage needs but the target: the bundle as /function/func.js, base, platforms, credentials. */
  input: Omit<BuildImageInput, "target">;
  /** The dry-run build: the digest a push will give. */
  planned: BuildResult;
  /** registry/namespace/repository:tag, where the push goes. */
  target: string;
  /** target@digest */
  imageRef: string;
}

interface ImageWhere {
  namespace: string;
  platforms: Platform[];
  githubSha: string | undefined;
  /** A keyless session gets its registry token from OCIR's token service. */
  auth: OciAuth;
}

/** The target registry's credentials: the inputs', else (keyless) a token OCIR issues to the session. */
async function targetCredentials(
  run: DeployRun,
  image: ImageInputs,
  where: ImageWhere,
): Promise<Credentials | undefined> {
  if (image.username && image.password) {
    const username = ocirUsername(image.registry, where.namespace, image.username);
    if (username !== image.username) run.info(`registry username: ${username} (namespace prefixed)`);
    return { username, password: image.password };
  }
  if (where.auth.kind !== "session") return undefined;
  const credentials = await ocirTokenCredentials({
    registry: image.registry,
    repository: `${where.namespace}/${image.repository}`,
    provider: where.auth.provider,
    mask: run.deps.setSecret,
    retry: { sleep: run.deps.sleep, now: run.deps.now },
  });
  run.info(
    `registry ${image.registry}: signed in as ${BEARER_USERNAME} with a token from OCIR's token service`,
  );
  return credentials;
}

/** The function image, planned: its build input, and the digest and reference a push will give. */
export async function planImage(
  run: DeployRun,
  image: ImageInputs,
  where: ImageWhere,
): Promise<PlannedImage> {
  const { deps, info } = run;
  const repoRef = `${image.registry}/${where.namespace}/${image.repository}`;
  const credentials = await targetCredentials(run, image, where);
  const bundle = await deps.readFunctionBundle();
  const input: Omit<BuildImageInput, "target"> = {
    files: [{ path: "function/func.js", content: bundle }],
    base: image.baseImage,
    platforms: where.platforms,
    ...(credentials ? { credentials } : {}),
    ...(image.baseUsername && image.basePassword
      ? { baseCredentials: { username: image.baseUsername, password: image.basePassword } }
      : {}),
    client: { mask: deps.setSecret, retry: { sleep: deps.sleep, now: deps.now } },
    log: info,
  };
  const planned = await deps.log.group("Plan the function image", () =>
    deps.buildImage({ ...input, target: `${repoRef}:${PLAN_TAG}`, dryRun: true }),
  );
  const target = `${repoRef}:${expandTag(image.tagTemplate, { digest: planned.digest, sha: where.githubSha })}`;
  return { input, planned, target, imageRef: `${target}@${planned.digest}` };
}

/** Push for real, check the digest is the planned one, and log the counters (tests and people read them). */
export async function pushImage(
  run: DeployRun,
  image: PlannedImage,
  baseImage: string,
): Promise<BuildResult> {
  const { deps, info } = run;
  const { planned, target } = image;
  const pushed = await deps.log.group(`Push ${target}`, () => deps.buildImage({ ...image.input, target }));
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

/** The image as the plan shows it. */
export function imagePlanView(image: PlannedImage): DeployPlan["image"] {
  const { planned } = image;
  return {
    reference: image.imageRef,
    digest: planned.digest,
    base: planned.base.reference,
    baseDigest: planned.base.digest,
    platforms: planned.platforms.map((p) => p.platform),
    layerDigest: planned.layer.digest,
    layerSize: planned.layer.size,
  };
}
