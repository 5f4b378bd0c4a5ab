// The workflow's own GitHub OIDC token (core.getIDToken), with the failures a user meets turned into messages that
// name the fix: a job without `permissions: id-token: write` has no request URL or token in its environment, and
// a token past its `exp` is refused everywhere. The claims are decoded (not verified: the gateway and the
// identity domain verify) only to say which repository, ref and subject a refusal was about.
import * as core from "@actions/core";
import { oneLine, UserFacingError } from "./errors.js";
import { clip } from "./text.js";

export { DEFAULT_OCI_AUDIENCE, GITHUB_ISSUER } from "./oidc-constants.js";

/** The claims GitHub puts in every Actions OIDC token that refusals and rules talk about. */
export interface GithubClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  repository?: string;
  repository_owner?: string;
  ref?: string;
  environment?: string;
  job_workflow_ref?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  [claim: string]: unknown;
}

export interface GithubIdToken {
  token: string;
  claims: GithubClaims;
}

export class GithubOidcError extends UserFacingError {
  override name = "GithubOidcError";
}

interface IdTokenOptions {
  env?: Record<string, string | undefined>;
  /** core.getIDToken; replaced only where a test needs a different transport. */
  getIDToken?: (audience: string) => Promise<string>;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Registers a secret with the log masker (core.setSecret). */
  mask?: (secret: string) => void;
}

const NO_PERMISSION =
  "add 'permissions: id-token: write' to the job (or the workflow); runs from forks and Dependabot never get one, and outside GitHub Actions there is none";

/** The job's OIDC token for `audience`, masked, with its claims; throws GithubOidcError with the fix. */
export async function githubIdToken(audience: string, options: IdTokenOptions = {}): Promise<GithubIdToken> {
  const env = options.env ?? process.env;
  const missing = ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    throw new GithubOidcError(
      `this job has no GitHub OIDC token (${missing.join(" and ")} not set): ${NO_PERMISSION}`,
    );
  }
  let token: string;
  try {
    token = await (options.getIDToken ?? core.getIDToken)(audience);
  } catch (err) {
    throw new GithubOidcError(
      `could not get a GitHub OIDC token for audience '${clip(audience, 100)}': ${clip(oneLine(err), 300)}; if it says 401 or 403, ${NO_PERMISSION}`,
    );
  }
  (options.mask ?? core.setSecret)(token);
  const claims = decodeClaims(token);
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (typeof claims.exp === "number" && claims.exp <= now) {
    throw new GithubOidcError(
      `the GitHub OIDC token for ${describeToken(claims)} expired at ${new Date(claims.exp * 1000).toISOString()}; GitHub's tokens last minutes, so ask for it just before use (re-run the job)`,
    );
  }
  return { token, claims };
}

/** The payload of a JWT, unverified; {} when it is not one. */
export function decodeClaims(jwt: string): GithubClaims {
  const payload = jwt.split(".")[1];
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return claims !== null && typeof claims === "object" && !Array.isArray(claims)
      ? (claims as GithubClaims)
      : {};
  } catch {
    return {};
  }
}

/** `sub 'repo:o/r:ref:refs/heads/main'`, for messages (claims are the caller's own token, never secret). */
export function describeToken(claims: GithubClaims): string {
  return `sub '${clip(String(claims.sub ?? "(none)"), 200)}'`;
}
