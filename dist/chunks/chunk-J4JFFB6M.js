import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  getIDToken,
  setSecret
} from "./chunk-QRUMXL3U.js";
import {
  UserFacingError,
  clip,
  oneLine
} from "./chunk-OUAI6Q5P.js";

// src/lib/github-oidc.ts
var GithubOidcError = class extends UserFacingError {
  name = "GithubOidcError";
};
var NO_PERMISSION = "add 'permissions: id-token: write' to the job (or the workflow); runs from forks and Dependabot never get one, and outside GitHub Actions there is none";
async function githubIdToken(audience, options = {}) {
  const env = options.env ?? process.env;
  const missing = ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"].filter(
    (name) => !env[name]
  );
  if (missing.length > 0) {
    throw new GithubOidcError(
      `this job has no GitHub OIDC token (${missing.join(" and ")} not set): ${NO_PERMISSION}`
    );
  }
  let token;
  try {
    token = await (options.getIDToken ?? getIDToken)(audience);
  } catch (err) {
    throw new GithubOidcError(
      `could not get a GitHub OIDC token for audience '${clip(audience, 100)}': ${clip(oneLine(err), 300)}; if it says 401 or 403, ${NO_PERMISSION}`
    );
  }
  (options.mask ?? setSecret)(token);
  const claims = decodeClaims(token);
  const now = Math.floor((options.now ?? Date.now)() / 1e3);
  if (typeof claims.exp === "number" && claims.exp <= now) {
    throw new GithubOidcError(
      `the GitHub OIDC token for ${describeToken(claims)} expired at ${new Date(claims.exp * 1e3).toISOString()}; GitHub's tokens last minutes, so ask for it just before use (re-run the job)`
    );
  }
  return { token, claims };
}
function decodeClaims(jwt) {
  const payload = jwt.split(".")[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? claims : {};
  } catch {
    return {};
  }
}
function describeToken(claims) {
  return `sub '${clip(String(claims.sub ?? "(none)"), 200)}'`;
}

export {
  GithubOidcError,
  githubIdToken,
  decodeClaims,
  describeToken
};
