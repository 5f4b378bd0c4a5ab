// The GitHub OIDC names that input tables need, in a module without @actions/core: the local command's
// entry imports the input tables statically, and @actions/core (through undici) must not load before
// lib/fetch-first.ts has run there.

/** The audience keyless deploys ask for, as Oracle's token exchange examples do. */
export const DEFAULT_OCI_AUDIENCE = "https://cloud.oracle.com";

/** GitHub's issuer on github.com (GitHub Enterprise Server uses `https://HOST/_services/token`). */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
