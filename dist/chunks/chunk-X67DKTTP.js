import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/lib/oidc-constants.ts
var DEFAULT_OCI_AUDIENCE = "https://cloud.oracle.com";
var GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

export {
  DEFAULT_OCI_AUDIENCE,
  GITHUB_ISSUER
};
