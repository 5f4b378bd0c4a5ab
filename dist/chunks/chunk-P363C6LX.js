import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  OCI_AUTH_DEFAULTS,
  OCI_INPUTS,
  checkOciAuth,
  endpointUrl,
  ocidOf,
  pickOciAuth
} from "./chunk-AZMSNUSO.js";
import {
  DEFAULT_OCI_AUDIENCE,
  GITHUB_ISSUER
} from "./chunk-X67DKTTP.js";
import {
  InputProblems,
  booleanInput,
  input,
  inputDefaults,
  inputNames,
  oneOf,
  optional,
  readInputTable,
  required,
  secureUrl,
  singleLine,
  wholeNumber
} from "./chunk-TEULXIZG.js";
import {
  InputError,
  quote
} from "./chunk-OUAI6Q5P.js";

// src/setup/inputs.ts
var APPLICATION_SHAPES = ["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"];
var DEFAULT_DOMAIN = "Default";
var MAX_WAIT_MINUTES = 120;
function ocid(kind, what) {
  return required(ocidOf(kind), `is required for command 'setup'; set it to ${what}`);
}
var iamName = (text, name) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a valid name; use letters, digits, '.', '_' and '-' (at most 100, no spaces)`
    );
  }
  return text;
};
var repositoryName = (text, name) => {
  if (!/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(text) || text.length > 255) {
    throw new InputError(
      name,
      `${quote(text)} is not a repository name; use lower-case letters, digits and '.', '_', '-', '/' between them`
    );
  }
  return text;
};
var scopeName = (text, name) => {
  if (!/^[\x21-\x7e]{1,100}$/.test(text) || text.includes("/")) {
    throw new InputError(
      name,
      `${quote(text)} is not a scope name; use printable characters without spaces or '/', e.g. usage.read`
    );
  }
  return text;
};
var urlText = (example) => (text, name) => secureUrl(name, text, { example }).href;
var repositoryFullName = (text, name) => {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a repository; use owner/name, e.g. octo-org/usage-reports`
    );
  }
  return text;
};
var gitRef = (text, name) => {
  if (!/^refs\/(heads|tags)\/[^\s]+$/.test(text)) {
    throw new InputError(name, `${quote(text)} is not a full ref; use e.g. refs/heads/main or refs/tags/v1`);
  }
  return text;
};
var issuerUrl = (text, name) => secureUrl(name, text, { example: GITHUB_ISSUER }).href.replace(/\/+$/, "");
var domainUrl = (text, name) => secureUrl(name, text, { example: "https://idcs-0123\u2026.identity.oraclecloud.com" }).origin;
var SETUP_TABLE = {
  compartmentId: input(
    "compartment-id",
    ocid("compartment", "the compartment that gets the application, gateway and repository")
  ),
  subnetId: input("subnet-id", ocid("subnet", "the subnet of the application and the gateway")),
  applicationName: input("application-name", iamName, { default: "usage-api" }),
  applicationShape: input("application-shape", oneOf(APPLICATION_SHAPES), { default: "GENERIC_X86" }),
  functionName: input("function-name", iamName, { default: "usage-api" }),
  gatewayName: input("gateway-name", iamName, { default: "usage-api" }),
  repository: input("repository", repositoryName, { default: "usage-api" }),
  dynamicGroupName: input("dynamic-group-name", iamName, { default: "UsageApiFunction" }),
  policyName: input("policy-name", iamName, { default: "UsageApiAction" }),
  deployerGroup: input("deployer-group", iamName, { default: "UsageApiDeployers" }),
  identityDomainUrl: input(
    "identity-domain-url",
    required(domainUrl, "is required for command 'setup'; set it to the identity domain URL")
  ),
  identityDomainName: input("identity-domain-name", iamName, { default: DEFAULT_DOMAIN }),
  resourceAppName: input("resource-app-name", iamName, { default: "usage-api" }),
  clientAppName: input("client-app-name", iamName, { default: "usage-api-report" }),
  audience: input("audience", optional(urlText("https://usage.example.com/"))),
  scopeName: input("scope-name", scopeName, { default: "usage.read" }),
  githubToken: input("github-token", optional(singleLine({ noSpaces: true })), { secret: true }),
  secretFile: input("secret-file", optional(singleLine())),
  identityEndpoint: input("oci-identity-endpoint", optional(endpointUrl)),
  waitTimeout: input("wait-timeout", wholeNumber(1, MAX_WAIT_MINUTES, "a number of minutes"), {
    default: "20"
  }),
  dryRun: input("dry-run", booleanInput, { default: "false" }),
  // keyless: what deploy's `oci-auth: oidc` needs (service user, exchange app, trust, group member)
  keyless: input("keyless", booleanInput, { default: "false" }),
  githubRepositoryName: input("github-repository", optional(repositoryFullName)),
  githubRef: input("github-ref", gitRef, { default: "refs/heads/main" }),
  githubEnvironment: input("github-environment", optional(singleLine())),
  githubOidcIssuer: input("github-oidc-issuer", issuerUrl, { default: GITHUB_ISSUER }),
  keylessAudience: input("oidc-audience", singleLine({ noSpaces: true }), { default: DEFAULT_OCI_AUDIENCE }),
  serviceUserName: input("service-user-name", iamName, { default: "usage-api-deployer" }),
  exchangeAppName: input("exchange-app-name", iamName, { default: "usage-api-github-exchange" }),
  trustName: input("trust-name", iamName, { default: "usage-api-github" })
};
var SETUP_INPUTS = { ...OCI_INPUTS, ...inputNames(SETUP_TABLE) };
var SETUP_DEFAULTS = { ...OCI_AUTH_DEFAULTS, ...inputDefaults(SETUP_TABLE) };
var SETUP_OUTPUTS = {
  applicationId: "application-id",
  gatewayId: "gateway-id",
  repository: "repository",
  audience: "audience",
  scope: "scope",
  clientId: "client-id",
  identityDomainUrl: "identity-domain-url",
  issuer: "issuer"
};
function readSetupInputs(get, options) {
  const problems = new InputProblems();
  const picked = pickOciAuth(get, options.env, options.mask);
  const values = readInputTable(SETUP_TABLE, get, problems, options.mask);
  const auth = checkOciAuth(picked, get, problems, "setup");
  const githubRepository = values.githubRepositoryName ?? (options.env.GITHUB_REPOSITORY?.trim() || void 0);
  if (values.keyless && !githubRepository) {
    problems.add(
      new InputError(
        SETUP_INPUTS.githubRepositoryName,
        "is required with 'keyless: true' (the repository whose workflows deploy without a key); set it to owner/name, or run in that repository's workflow (GITHUB_REPOSITORY)"
      )
    );
  }
  if (values.githubToken && !githubRepository) {
    problems.add(
      new InputError(
        SETUP_INPUTS.githubToken,
        "needs GITHUB_REPOSITORY (owner/name) to know where the secret and variables go; set it, or leave github-token empty"
      )
    );
  }
  problems.throwIfAny();
  return { ...values, auth, githubRepository };
}

export {
  DEFAULT_DOMAIN,
  SETUP_TABLE,
  SETUP_INPUTS,
  SETUP_DEFAULTS,
  SETUP_OUTPUTS,
  readSetupInputs
};
