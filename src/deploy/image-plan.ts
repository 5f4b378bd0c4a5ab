// The function image in the deploy flow: planned first (a dry-run build: the base is read, the digest is
// computed, nothing is written), pushed later, and checked to have the planned digest.
import type { BuildImageInput, BuildResult } from "../image/build.js";
import type { Platform } from "../image/platforms.js";
import { isOcirHost } from "../image/reference.js";
import { UserFacingError } from "../lib/errors.js";
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

/** The function image, planned: its build input, and the digest and reference a push will give. */
export async function planImage(
  run: DeployRun,
  image: ImageInputs,
  where: { namespace: string; platforms: Platform[]; githubSha: string | undefined },
): Promise<PlannedImage> {
  const { deps, info } = run;
  const repoRef = `${image.registry}/${where.namespace}/${image.repository}`;
  const username = image.username ? ocirUsername(image.registry, where.namespace, image.username) : undefined;
  if (username && username !== image.username) info(`registry username: ${username} (namespace prefixed)`);
  const bundle = await deps.readFunctionBundle();
  const input: Omit<BuildImageInput, "target"> = {
    files: [{ path: "function/func.js", content: bundle }],
    base: image.baseImage,
    platforms: where.platforms,
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
