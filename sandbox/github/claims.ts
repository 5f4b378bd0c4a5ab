// The claims of a GitHub Actions job's OIDC token, in GitHub's shapes: every id is a decimal string, booleans
// are "true"/"false" strings, and `sub` takes GitHub's default formats (environment, then pull_request, then
// ref). Ids and shas are derived from the names, so the same job always gets the same values.
import { createHash } from "node:crypto";

/** The repository a sandbox job runs in when none is named. */
export const DEFAULT_GITHUB_REPOSITORY = "octo-org/usage-reports";

export interface GithubJob {
  /** `owner/repo`. */
  repository: string;
  /** Default `refs/heads/main`; a pull_request job without one gets `refs/pull/1/merge`. */
  ref?: string;
  /** The job's deployment environment; its token then carries `environment` and an environment `sub`. */
  environment?: string;
  /** `event_name`, default `push`. */
  eventName?: string;
  /** The workflow's name, default `deploy` (its file is `.github/workflows/<name>.yml`). */
  workflow?: string;
}

/** A job's claims before the per-token ones (jti, aud, iat, nbf, exp) are added. */
export type GithubJobClaims = Record<string, string>;

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const PULL_REQUEST_REF = "refs/pull/1/merge";
const PULL_REQUEST_HEAD = "feature/sandbox";

/** Checks `owner/repo`; throws naming the fix. */
export function checkRepository(repository: string): string {
  if (!REPOSITORY.test(repository)) {
    throw new Error(`github repository '${repository}' is not owner/repo (letters, digits, '-', '.', '_')`);
  }
  return repository;
}

/** A stable decimal id for a name, the way GitHub's numeric ids look. */
function numericId(kind: string, name: string): string {
  const digest = createHash("sha256").update(`${kind}/${name}`).digest();
  return String((digest.readUInt32BE(0) % 900_000_000) + 100_000_000);
}

const shaOf = (text: string): string => createHash("sha1").update(text).digest("hex");

/** GitHub's default subject: environment first, then pull_request events, then the ref. */
function subjectOf(claims: { repository: string; environment?: string; event_name: string; ref: string }) {
  const repo = `repo:${claims.repository}`;
  if (claims.environment !== undefined) return `${repo}:environment:${claims.environment}`;
  if (claims.event_name === "pull_request") return `${repo}:pull_request`;
  return `${repo}:ref:${claims.ref}`;
}

function refType(ref: string): string {
  return ref.startsWith("refs/tags/") ? "tag" : "branch";
}

/** The claims of a run of `job` (`runId` numbers the run), with `iss` set to the issuer. */
export function jobClaims(issuer: string, job: GithubJob, runId: number): GithubJobClaims {
  const repository = checkRepository(job.repository);
  const owner = repository.split("/")[0] ?? repository;
  const eventName = job.eventName ?? "push";
  const pullRequest = eventName === "pull_request";
  const ref = job.ref ?? (pullRequest ? PULL_REQUEST_REF : "refs/heads/main");
  const workflow = job.workflow ?? "deploy";
  const sha = shaOf(`${repository}@${ref}`);
  const workflowRef = `${repository}/.github/workflows/${workflow}.yml@${ref}`;
  const claims: GithubJobClaims = {
    sub: subjectOf({ repository, environment: job.environment, event_name: eventName, ref }),
    ref,
    sha,
    repository,
    repository_id: numericId("repository", repository),
    repository_owner: owner,
    repository_owner_id: numericId("owner", owner),
    repository_visibility: "private",
    run_id: String(10_000_000_000 + runId),
    run_number: String(runId),
    run_attempt: "1",
    runner_environment: "github-hosted",
    actor: "octocat",
    actor_id: numericId("user", "octocat"),
    workflow,
    workflow_ref: workflowRef,
    workflow_sha: sha,
    head_ref: pullRequest ? PULL_REQUEST_HEAD : "",
    base_ref: pullRequest ? "main" : "",
    event_name: eventName,
    ref_type: refType(ref),
    ref_protected: ref === "refs/heads/main" ? "true" : "false",
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    iss: issuer,
  };
  if (job.environment !== undefined) claims.environment = job.environment;
  return claims;
}

/** The claims GitHub's discovery document lists for the claims this issuer puts in tokens. */
export const CLAIMS_SUPPORTED = [
  "sub",
  "aud",
  "exp",
  "iat",
  "iss",
  "jti",
  "nbf",
  "ref",
  "sha",
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "run_id",
  "run_number",
  "run_attempt",
  "actor",
  "actor_id",
  "workflow",
  "workflow_ref",
  "workflow_sha",
  "head_ref",
  "base_ref",
  "event_name",
  "ref_type",
  "ref_protected",
  "environment",
  "job_workflow_ref",
  "job_workflow_sha",
  "repository_visibility",
  "runner_environment",
];
