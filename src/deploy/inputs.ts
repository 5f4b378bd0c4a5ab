// The `deploy` command's inputs: read once, validated before any side effect, into one typed object.
// One table row per input (its name and default exactly as action.yml declares them, and its parser); a unit
// test checks the names and defaults against action.yml's deploy section. Rules that involve more than one
// input (or the environment) run after the table; every problem is reported at once, in the table's order,
// each naming its input and the fix.

import { type Platform, PlatformError, parsePlatforms } from "../image/platforms.js";
import { InvalidReferenceError, ocirHost, parseReference } from "../image/reference.js";
import { InputError } from "../lib/errors.js";
import {
  booleanInput,
  type InputParser,
  InputProblems,
  type InputValues,
  input,
  inputDefaults,
  inputNames,
  inputText,
  optional,
  readInputTable,
  secureUrl,
  singleLine,
  splitList,
} from "../lib/inputs.js";
import { GITHUB_ISSUER } from "../lib/oidc-constants.js";
import { quote } from "../lib/text.js";
import {
  checkOciAuth,
  OCI_AUTH_DEFAULTS,
  OCI_INPUTS,
  type OciAuth,
  type OciAuthRequest,
  pickOciAuth,
} from "../oci/auth.js";
import { type OcidKind, ocidOf } from "../oci/ocid.js";
import type { FuncYaml } from "./funcyaml.js";

export const DEPLOY_OUTPUTS = {
  image: "image",
  functionId: "function-id",
  deploymentId: "deployment-id",
  endpoint: "endpoint",
  deploymentEndpoint: "deployment-endpoint",
  githubEndpoint: "github-endpoint",
} as const;

/** When neither `base-image` nor func.yaml's run_image says: the fn CLI's default node runtime. */
const FALLBACK_BASE_IMAGE = "fnproject/node:24";
const FALLBACK_MEMORY_MB = 256;
const FALLBACK_TIMEOUT_SECONDS = 60;
/** OCI Functions memory sizes (console choices; "Changing Default Memory and Timeout Settings"). */
const MEMORY_SIZES = [128, 256, 512, 1024, 2048, 3072] as const;
const MIN_TIMEOUT_SECONDS = 5;
const MAX_TIMEOUT_SECONDS = 300;
/** OCI: keys and values together at most 4 KB, counted in UTF-8 octets. */
export const MAX_CONFIG_BYTES = 4096;
/** Unconfirmed: one recollection of the docs says 120 s is the maximum skew, another 3600 s; the stricter one. */
export const MAX_CLOCK_SKEW_SECONDS = 120;
const MAX_RATE_LIMIT = 10_000;
const MAX_WAIT_MINUTES = 120;
const USAGE_API_REGION_KEY = "USAGE_API_REGION";
/** The GitHub deployment is named after the first: `<deployment-name>-github`. */
export const GITHUB_DEPLOYMENT_SUFFIX = "-github";
export const JWKS_CACHE_HOURS = 1;

type JwksMode = "static" | "remote";

export interface ImageInputs {
  /** Registry host; `<region-key>.ocir.io` when not given. */
  registry: string;
  /** Tenancy namespace; looked up (Artifacts getContainerConfiguration) when not given. */
  namespace: string | undefined;
  repository: string;
  /** Tag with `{digest}` / `{sha}` placeholders still in it. */
  tagTemplate: string;
  username: string | undefined;
  password: string | undefined;
  baseImage: string;
  /** Where the base came from, for messages. */
  baseImageSource: "input" | "func.yaml" | "default";
  baseUsername: string | undefined;
  basePassword: string | undefined;
  /** The `platforms` override; undefined: from the application's shape. */
  platforms: Platform[] | undefined;
}

interface GatewayInputs {
  gatewayId: string;
  /** Deployment compartment; the gateway's when not given. */
  compartmentId: string | undefined;
  deploymentName: string;
  pathPrefix: string;
  identityDomainUrl: string | undefined;
  issuer: string | undefined;
  audiences: string[];
  jwksMode: JwksMode;
  jwksUrl: string | undefined;
  maxClockSkewSeconds: number;
  requiredScopes: string[];
  rateLimit: number | undefined;
  /** The second deployment, for GitHub OIDC tokens; undefined when `github-repositories` is empty. */
  github: GithubDeploymentInputs | undefined;
}

/** The deployment that accepts the workflow's own GitHub OIDC token (report with `auth: github-oidc`). */
export interface GithubDeploymentInputs {
  deploymentName: string;
  pathPrefix: string;
  /** `owner/repo`, as the token's `repository` claim spells it. */
  repositories: string[];
  audience: string;
  /** Pinned `ref` claims (refs/heads/…, refs/tags/…); empty: any ref. */
  refs: string[];
  /** Pinned `environment` claims; empty: any (or no) environment. */
  environments: string[];
  issuer: string;
}

interface FunctionInputs {
  applicationId: string;
  name: string;
  functionId: string | undefined;
  memoryInMBs: number;
  timeoutInSeconds: number;
  /** func.yaml's config, then `function-config`, then USAGE_API_REGION: what the function gets. */
  config: Record<string, string>;
}

/** The auth as read (`OciAuthRequest`), or signed in (`OciAuth`: what the flow runs with). */
type AnyAuth = OciAuthRequest | OciAuth;

interface CommonDeployInputs<A extends AnyAuth> {
  auth: A;
  image: ImageInputs;
  waitTimeoutMs: number;
  dryRun: boolean;
  /** GITHUB_SHA, for a `{sha}` tag. */
  githubSha: string | undefined;
}

/** The whole deploy: image, function and gateway deployment. */
export interface FullDeployInputs<A extends AnyAuth = OciAuth> extends CommonDeployInputs<A> {
  imageOnly: false;
  fn: FunctionInputs;
  gateway: GatewayInputs;
}

/**
 * `image-only: true`: build and push the image, nothing else (the function is managed elsewhere, e.g. by
 * Terraform). The application, when given, is only read for its shape (the platforms).
 */
export interface ImageOnlyDeployInputs<A extends AnyAuth = OciAuth> extends CommonDeployInputs<A> {
  imageOnly: true;
  applicationId: string | undefined;
}

export type DeployInputs<A extends AnyAuth = OciAuth> = FullDeployInputs<A> | ImageOnlyDeployInputs<A>;

interface ReadDeployOptions {
  /** Called for every credential (and each line of the private key) as soon as it is read. */
  setSecret: (value: string) => void;
  /** function/func.yaml as shipped with the action. */
  funcYaml: FuncYaml;
  env: Record<string, string | undefined>;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_CONFIG = /^(FN_|OCI_RESOURCE_PRINCIPAL_)/;
const NAMESPACE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SCOPE_NAME = /^[\x21-\x7e]+$/;
const SAMPLE_DIGEST = "0123456789abcdef";
const SAMPLE_SHA = "0123456789ab";
const IDENTITY_DOMAIN_EXAMPLE = "https://idcs-….identity.oraclecloud.com";

// ---- Parsers of one input ---------------------------------------------------------------------------------

/** The text as given (trimmed, the default applied). */
const asIs: InputParser<string> = (text) => text;

/** An OCID of `kind`, or undefined when empty. */
function ocid(kind: OcidKind): InputParser<string | undefined> {
  return optional(ocidOf(kind));
}

/** A whole number from `min` to `max` of `unit` ("seconds", "minutes"). */
function wholeNumberOf(min: number, max: number, unit: string): InputParser<number> {
  return (text, name) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InputError(
        name,
        `${quote(text)} is not valid; use a whole number of ${unit} from ${min} to ${max}`,
      );
    }
    return Number(text);
  };
}

/** An https URL (http only on loopback), no credentials, query or fragment; returned without a trailing slash. */
function serviceUrl(example: string): InputParser<string> {
  return (text, name) => secureUrl(name, text, { example }).href.replace(/\/+$/, "");
}

const platformList: InputParser<Platform[]> = (text, name) => {
  try {
    return parsePlatforms(text);
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err;
    throw new InputError(name, `${err.message}; or leave it empty to follow the application's shape`);
  }
};

const functionName: InputParser<string> = (text, name) => {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(text)) {
    throw new InputError(name, `${quote(text)} is not a function name; use letters, digits, - and _`);
  }
  return text;
};

const memorySize: InputParser<number> = (text, name) => {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(MEMORY_SIZES as readonly number[]).includes(n)) {
    throw new InputError(
      name,
      `${quote(text)} is not a Functions memory size; use one of ${MEMORY_SIZES.join(", ")} (MB)`,
    );
  }
  return n;
};

const homeRegion: InputParser<string> = (text, name) => {
  const value = text.toLowerCase();
  if (!/^[a-z]{2,}(?:-[a-z0-9]+)+-\d+$/.test(value)) {
    throw new InputError(
      name,
      `${quote(value)} is not a region identifier; use the tenancy's home region, e.g. us-ashburn-1`,
    );
  }
  return value;
};

const registryHost: InputParser<string> = (text, name) => {
  const value = text.toLowerCase();
  let parsed: { registry: string } | undefined;
  try {
    parsed = parseReference(`${value}/namespace/repository:tag`, { role: "registry" });
  } catch {
    parsed = undefined;
  }
  if (parsed?.registry !== value) {
    throw new InputError(name, `${quote(value)} is not a registry host; use e.g. iad.ocir.io`);
  }
  return value;
};

const tenancyNamespace: InputParser<string> = (text, name) => {
  if (!NAMESPACE.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a tenancy namespace; use the lower-case namespace the console shows under Tenancy details`,
    );
  }
  return text;
};

/** The repository's own form; whether the whole target reference parses is `repositoryRule`'s. */
const repositoryName: InputParser<string> = (text, name) => {
  if (text === "" || text.startsWith("/") || text.endsWith("/")) {
    throw new InputError(name, `${quote(text)} is not a repository name; use e.g. usage-api`);
  }
  return text;
};

const deploymentName: InputParser<string> = (text, name) => {
  if (text.length > 255 || CONTROL.test(text)) {
    throw new InputError(name, "must be 1-255 characters without control characters");
  }
  return text;
};

const pathPrefix: InputParser<string> = (text, name) => {
  const problem = pathPrefixProblem(text);
  if (problem) throw new InputError(name, problem);
  return text;
};

const jwksMode: InputParser<JwksMode> = (text, name) => {
  const value = text.toLowerCase();
  if (value !== "static" && value !== "remote") {
    throw new InputError(
      name,
      `${quote(value)} is not allowed; use static (keys copied into the deployment) or remote (the gateway reads the JWKS URL)`,
    );
  }
  return value;
};

const audienceList: InputParser<string[]> = (text, name) => {
  const items = splitList(text);
  for (const item of items) {
    if (CONTROL.test(item) || /\s/.test(item))
      throw new InputError(name, `${quote(item)} must not contain spaces`);
  }
  if (new Set(items).size !== items.length) throw new InputError(name, "lists an audience twice");
  return items;
};

const scopeList: InputParser<string[]> = (text, name) => {
  const items = splitList(text);
  for (const item of items) {
    if (item.includes("://") || item.includes("/")) {
      throw new InputError(
        name,
        `${quote(item)} includes the audience; the token's scope claim holds scope names only, e.g. usage.read`,
      );
    }
    if (!SCOPE_NAME.test(item)) throw new InputError(name, `${quote(item)} is not a scope name`);
  }
  return [...new Set(items)];
};

/** GitHub's rules: an owner of 1-39 letters, digits and -; a repository of 1-100 letters, digits, . _ and -. */
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
const GITHUB_REF = /^refs\/(?:heads|tags)\/[^\s\u0000-\u001f\u007f~^:?*[\\]+$/;

/** A list without repeats; `check` refuses an item with its message. */
function uniqueList(what: string, check: (item: string) => string | undefined): InputParser<string[]> {
  return (text, name) => {
    const items = splitList(text);
    for (const item of items) {
      const problem = check(item);
      if (problem) throw new InputError(name, problem);
    }
    if (new Set(items).size !== items.length) throw new InputError(name, `lists ${what} twice`);
    return items;
  };
}

const githubRepositoryList = uniqueList("a repository", (item) =>
  GITHUB_REPOSITORY.test(item)
    ? undefined
    : `${quote(item)} is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)`,
);

const githubRefList = uniqueList("a ref", (item) =>
  GITHUB_REF.test(item)
    ? undefined
    : `${quote(item)} is not a full ref; use refs/heads/<branch> or refs/tags/<tag>, e.g. refs/heads/main`,
);

const githubEnvironmentList = uniqueList("an environment", (item) =>
  CONTROL.test(item) || item.length > 255
    ? `${quote(item)} is not an environment name; use the name as in Settings > Environments`
    : undefined,
);

const githubAudience: InputParser<string> = (text, name) => {
  if (CONTROL.test(text) || /[\s,]/.test(text)) {
    throw new InputError(name, `${quote(text)} must be one audience without spaces or commas`);
  }
  return text;
};

// ---- The table: one row per input, in the order problems are reported ------------------------------------

const DEPLOY_TABLE = {
  dryRun: input("dry-run", booleanInput, { default: "false" }),
  imageOnly: input("image-only", booleanInput, { default: "false" }),
  platforms: input("platforms", optional(platformList)),
  // function
  applicationId: input("application-id", ocid("application")),
  functionName: input("function-name", functionName, { default: "usage-api" }),
  functionId: input("function-id", ocid("function")),
  functionMemory: input("function-memory", optional(memorySize)),
  functionTimeout: input(
    "function-timeout",
    optional(wholeNumberOf(MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, "seconds")),
  ),
  usageApiRegion: input("usage-api-region", optional(homeRegion)),
  functionConfig: input("function-config", parseFunctionConfig, { untrimmed: true }),
  // image
  registry: input("registry", optional(registryHost)),
  namespace: input("namespace", optional(tenancyNamespace)),
  tag: input("tag", asIs, { default: "fn-{digest}" }),
  repository: input("repository", repositoryName, { default: "usage-api" }),
  registryUsername: input("registry-username", optional(singleLine({ noSpaces: true }))),
  registryPassword: input("registry-password", optional(asIs), { secret: true }),
  baseImage: input("base-image", optional(asIs)),
  baseRegistryUsername: input("base-registry-username", optional(asIs)),
  baseRegistryPassword: input("base-registry-password", optional(asIs), { secret: true }),
  // gateway (not needed with image-only; values given anyway are still checked)
  gatewayId: input("gateway-id", ocid("gateway")),
  compartmentId: input("compartment-id", ocid("compartment")),
  deploymentName: input("deployment-name", deploymentName, { default: "usage-api" }),
  pathPrefix: input("path-prefix", pathPrefix, { default: "/usage" }),
  issuer: input("issuer", optional(singleLine({ noSpaces: true }))),
  jwksMode: input("jwks-mode", jwksMode, { default: "static" }),
  jwksUrl: input("jwks-url", optional(serviceUrl(`${IDENTITY_DOMAIN_EXAMPLE}/admin/v1/SigningCert/jwk`))),
  identityDomainUrl: input("identity-domain-url", optional(serviceUrl(IDENTITY_DOMAIN_EXAMPLE))),
  audiences: input("audiences", audienceList),
  maxClockSkew: input("max-clock-skew", wholeNumberOf(0, MAX_CLOCK_SKEW_SECONDS, "seconds"), {
    default: "60",
  }),
  requiredScope: input("required-scope", scopeList),
  rateLimit: input("rate-limit", optional(wholeNumberOf(1, MAX_RATE_LIMIT, "requests per second"))),
  // the GitHub deployment (only with github-repositories)
  githubRepositories: input("github-repositories", githubRepositoryList),
  githubPathPrefix: input("github-path-prefix", pathPrefix, { default: "/usage-github" }),
  githubAudience: input("github-audience", githubAudience, { default: "usage-api-action" }),
  githubRefs: input("github-refs", githubRefList),
  githubEnvironments: input("github-environments", githubEnvironmentList),
  githubOidcIssuer: input("github-oidc-issuer", serviceUrl(GITHUB_ISSUER), { default: GITHUB_ISSUER }),
  waitTimeout: input("wait-timeout", wholeNumberOf(1, MAX_WAIT_MINUTES, "minutes"), { default: "20" }),
};

type DeployTable = typeof DEPLOY_TABLE;
type DeployValues = InputValues<DeployTable>;

export const DEPLOY_INPUTS = { ...OCI_INPUTS, ...inputNames(DEPLOY_TABLE) };

/** Defaults exactly as action.yml declares them (a bare `node dist/index.js` gets them from here). */
export const DEPLOY_DEFAULTS: Record<string, string> = {
  ...OCI_AUTH_DEFAULTS,
  ...inputDefaults(DEPLOY_TABLE),
};

// ---- Rules over more than one input ---------------------------------------------------------------------

/** What the rules see: the values the table read, the text of each input, and what is not an input. */
interface RuleContext {
  values: Partial<DeployValues>;
  /** The input's text as its parser saw it ("" when empty and without a default). */
  given(key: keyof DeployTable): string;
  auth: OciAuthRequest | undefined;
  /** `oci-auth: oidc`, even when its other inputs have problems. */
  keyless: boolean;
  funcYaml: FuncYaml;
  githubSha: string | undefined;
  imageOnly: boolean;
  dryRun: boolean;
}

/** A rule: throws an InputError naming the input to fix. */
type Rule = (c: RuleContext) => void;

const applicationRequired: Rule = (c) => {
  if (c.given("applicationId") !== "") return;
  const name = DEPLOY_TABLE.applicationId.name;
  if (c.imageOnly) {
    if (c.given("platforms") !== "") return;
    throw new InputError(
      name,
      `is required with '${DEPLOY_INPUTS.imageOnly}: true' unless '${DEPLOY_INPUTS.platforms}' is set; set 'platforms' (e.g. linux/amd64), or the application's OCID so its shape decides the platforms`,
    );
  }
  throw new InputError(
    name,
    "is required for command 'deploy'; set it to the OCID of the Functions application (create it once in the console: it holds the network and the shape)",
  );
};

const audiencesRequired: Rule = (c) => {
  if (c.imageOnly || c.values.audiences?.length !== 0) return;
  throw new InputError(
    DEPLOY_INPUTS.audiences,
    "is required for command 'deploy'; use the resource application's primary audience, e.g. https://usage.example.com/",
  );
};

const baseCredentialsTogether: Rule = ({ values }) => {
  const noUsername = values.baseRegistryUsername === undefined;
  if (noUsername === (values.baseRegistryPassword === undefined)) return;
  throw new InputError(
    noUsername ? DEPLOY_INPUTS.baseRegistryUsername : DEPLOY_INPUTS.baseRegistryPassword,
    `'${DEPLOY_INPUTS.baseRegistryUsername}' and '${DEPLOY_INPUTS.baseRegistryPassword}' go together; set both or neither`,
  );
};

/** `{sha}` needs GITHUB_SHA; and the tag, with its placeholders filled, must be a valid tag. */
const tagRule: Rule = ({ values, githubSha }) => {
  const template = values.tag ?? "";
  if (template.includes("{sha}") && !githubSha) {
    throw new InputError(
      DEPLOY_INPUTS.tag,
      "uses {sha} but GITHUB_SHA is not set; use {digest} or a fixed tag",
    );
  }
  const sampleTag = expandTag(template, { digest: SAMPLE_DIGEST, sha: githubSha ?? SAMPLE_SHA });
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(sampleTag)) {
    throw new InputError(
      DEPLOY_INPUTS.tag,
      `${quote(template)} does not make a valid tag; use 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -), with {digest} or {sha} placeholders`,
    );
  }
};

/** A rule: `key` must be given, unless `exempt` says this run does without it. */
function requiredUnless(key: keyof DeployTable, exempt: (c: RuleContext) => boolean, detail: string): Rule {
  return (c) => {
    if (exempt(c) || c.given(key) !== "") return;
    throw new InputError(DEPLOY_TABLE[key].name, detail);
  };
}

/** `github-refs` and `github-environments` pin claims of the GitHub deployment: alone they would do nothing. */
const githubPinsNeedRepositories: Rule = (c) => {
  if ((c.values.githubRepositories?.length ?? 0) > 0) return;
  for (const key of ["githubRefs", "githubEnvironments"] as const) {
    if (c.given(key) === "") continue;
    throw new InputError(
      DEPLOY_INPUTS[key],
      `has no effect without '${DEPLOY_INPUTS.githubRepositories}'; list the repositories whose workflows may call the GitHub deployment, or leave it empty`,
    );
  }
};

/**
 * The two deployments must not accept each other's tokens, and cannot share a path: another prefix, another
 * audience, another issuer.
 */
const githubDeploymentApart: Rule = ({ values }) => {
  if ((values.githubRepositories?.length ?? 0) === 0) return;
  if (values.githubPathPrefix !== undefined && values.githubPathPrefix === values.pathPrefix) {
    throw new InputError(
      DEPLOY_INPUTS.githubPathPrefix,
      `is the same as '${DEPLOY_INPUTS.pathPrefix}' (${values.pathPrefix}); the GitHub deployment needs its own, e.g. /usage-github`,
    );
  }
  if (values.githubAudience !== undefined && values.audiences?.includes(values.githubAudience)) {
    throw new InputError(
      DEPLOY_INPUTS.githubAudience,
      `${quote(values.githubAudience)} is also in '${DEPLOY_INPUTS.audiences}'; use an audience of its own (default usage-api-action), so that neither deployment accepts the other's tokens`,
    );
  }
  const name = values.deploymentName ?? "";
  if (name.length + GITHUB_DEPLOYMENT_SUFFIX.length > 255) {
    throw new InputError(
      DEPLOY_INPUTS.deploymentName,
      `is too long for the GitHub deployment's name (<deployment-name>${GITHUB_DEPLOYMENT_SUFFIX}, at most 255 characters); shorten it`,
    );
  }
  if (values.issuer !== undefined && values.issuer === values.githubOidcIssuer) {
    throw new InputError(
      DEPLOY_INPUTS.githubOidcIssuer,
      `is the same as '${DEPLOY_INPUTS.issuer}'; the identity domain's deployment would accept GitHub's tokens: set 'issuer' to the identity domain's issuer`,
    );
  }
};

const keyless = (c: RuleContext): boolean => c.keyless;

const RULES: Rule[] = [
  applicationRequired,
  requiredUnless(
    "gatewayId",
    (c) => c.imageOnly,
    "is required for command 'deploy'; set it to the OCID of the API gateway that serves the endpoint",
  ),
  // The identity domain is where the issuer and the keys are discovered, unless both are given.
  requiredUnless(
    "identityDomainUrl",
    (c) => keyless(c) || c.imageOnly || (c.values.issuer !== undefined && c.values.jwksUrl !== undefined),
    `is required unless both '${DEPLOY_INPUTS.issuer}' and '${DEPLOY_INPUTS.jwksUrl}' are set; use the identity domain URL, e.g. ${IDENTITY_DOMAIN_EXAMPLE}`,
  ),
  // Keyless, the GitHub token is exchanged there, whatever else is given.
  requiredUnless(
    "identityDomainUrl",
    (c) => !keyless(c),
    `is required with '${OCI_INPUTS.ociAuth}: oidc': the job's GitHub token is exchanged at its /oauth2/v1/token; use the identity domain URL, e.g. ${IDENTITY_DOMAIN_EXAMPLE}`,
  ),
  audiencesRequired,
  // A dry run pushes nothing, so it needs no registry credentials; keyless, the session gets a registry token.
  requiredUnless(
    "registryUsername",
    (c) => c.dryRun || keyless(c),
    "is required to push the image; use <tenancy-namespace>/<user> (federated: <namespace>/oracleidentitycloudservice/<user>)",
  ),
  requiredUnless(
    "registryPassword",
    (c) => c.dryRun || keyless(c),
    "is required to push the image; pass the user's OCIR auth token from a secret",
  ),
  baseCredentialsTogether,
  tagRule,
  githubPinsNeedRepositories,
  githubDeploymentApart,
];

/** The registry host: the input, else OCIR in the auth's region. */
function resolveRegistry(c: RuleContext): string | undefined {
  if (c.given("registry") !== "") return c.values.registry;
  if (!c.auth) return undefined;
  if (!c.auth.regionKey) {
    throw new InputError(
      DEPLOY_INPUTS.registry,
      `is required: region ${c.auth.region} is unknown to this SDK version, so the OCIR host cannot be derived; set it to <region-key>.ocir.io`,
    );
  }
  return ocirHost(c.auth.regionKey);
}

/** The whole target reference parses (placeholders stand in for a registry or namespace not known yet). */
function repositoryRule(c: RuleContext, registry: string | undefined): void {
  const repository = c.values.repository;
  if (repository === undefined) return;
  try {
    parseReference(
      `${registry ?? "registry.invalid"}/${c.values.namespace ?? "namespace"}/${repository}:tag`,
      {
        role: "target image",
      },
    );
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    throw new InputError(
      DEPLOY_INPUTS.repository,
      `${quote(repository)} is not a valid repository name (lower-case a-z, 0-9, . _ - and /)`,
    );
  }
}

/**
 * What the function gets: func.yaml's config, then `function-config` (an empty value removes a key), then
 * USAGE_API_REGION (`usage-api-region`, else the auth's region unless `function-config` sets it); sorted.
 */
function mergeConfig(c: RuleContext): Record<string, string> | undefined {
  const given = c.values.functionConfig;
  if (given === undefined) return undefined;
  const usageApiRegion = c.values.usageApiRegion;
  if (usageApiRegion !== undefined && Object.hasOwn(given, USAGE_API_REGION_KEY)) {
    throw new InputError(
      DEPLOY_INPUTS.functionConfig,
      `sets ${USAGE_API_REGION_KEY} and so does '${DEPLOY_INPUTS.usageApiRegion}'; set it in one place`,
    );
  }
  const merged: Record<string, string> = { ...c.funcYaml.config };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const region = usageApiRegion ?? (Object.hasOwn(given, USAGE_API_REGION_KEY) ? undefined : c.auth?.region);
  if (region !== undefined) merged[USAGE_API_REGION_KEY] = region;
  const size = configBytes(merged);
  if (size > MAX_CONFIG_BYTES) {
    throw new InputError(
      DEPLOY_INPUTS.functionConfig,
      `the function config (func.yaml defaults included) is ${size} bytes; OCI allows ${MAX_CONFIG_BYTES}: drop or shorten entries`,
    );
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface BaseImage {
  value: string;
  source: ImageInputs["baseImageSource"];
}

/** The base image: the input, else func.yaml's run_image, else the fn CLI's default. */
function resolveBaseImage(c: RuleContext): BaseImage {
  const given = c.values.baseImage;
  const runImage = c.funcYaml.runImage;
  const source: BaseImage["source"] = given !== undefined ? "input" : runImage ? "func.yaml" : "default";
  const value = given ?? runImage ?? FALLBACK_BASE_IMAGE;
  try {
    parseReference(value, { role: "base image" });
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    const where = source === "func.yaml" ? " (taken from func.yaml's run_image)" : "";
    throw new InputError(
      DEPLOY_INPUTS.baseImage,
      `${err.message}${where}; use e.g. fnproject/node:24 or <region-key>.ocir.io/<namespace>/node:24`,
    );
  }
  return { value, source };
}

/** What the rules derive from several inputs (undefined where they found a problem). */
interface Derived {
  registry: string | undefined;
  config: Record<string, string> | undefined;
  base: BaseImage | undefined;
}

/** What the rules derived, once no problem was found. */
type Complete<T> = { [K in keyof T]-?: NonNullable<T[K]> };

function applyRules(c: RuleContext, problems: InputProblems): Derived {
  for (const rule of RULES) problems.check(() => rule(c));
  const registry = problems.check(() => resolveRegistry(c));
  problems.check(() => repositoryRule(c, registry));
  return {
    registry,
    config: problems.check(() => mergeConfig(c)),
    base: problems.check(() => resolveBaseImage(c)),
  };
}

/** Problems in the order of the inputs they name: the API key's first, then the table's rows. */
function sortByInput(problems: InputProblems): void {
  const order = Object.values(DEPLOY_INPUTS) as string[];
  problems.errors.sort((a, b) => order.indexOf(a.input) - order.indexOf(b.input));
}

// ---- The reader ----------------------------------------------------------------------------------------

/**
 * Read and validate every `deploy` input. `get` returns the raw input ("" when unset), like core.getInput.
 * All problems are reported at once, in one line.
 */
export function readDeployInputs(
  get: (name: string) => string,
  options: ReadDeployOptions,
): DeployInputs<OciAuthRequest> {
  const problems = new InputProblems();
  // The secrets exist from here on. The table reader masks the registry passwords before its first parser
  // runs (the password first: the runner's log starts with its mask), then the key and its passphrase are
  // masked as they are picked, before the key is parsed. Parsers print nothing.
  const values = readInputTable(DEPLOY_TABLE, get, problems, options.setSecret);
  const picked = pickOciAuth(get, options.env, options.setSecret);
  const auth = checkOciAuth(picked, get, problems);
  const context: RuleContext = {
    values,
    given: (key) => inputText(DEPLOY_TABLE[key], get),
    auth,
    keyless: get(OCI_INPUTS.ociAuth).trim().toLowerCase() === "oidc",
    funcYaml: options.funcYaml,
    githubSha: (options.env.GITHUB_SHA ?? "").trim() || undefined,
    imageOnly: values.imageOnly ?? false,
    dryRun: values.dryRun ?? false,
  };
  const derived = applyRules(context, problems);
  sortByInput(problems);
  problems.throwIfAny();
  return assemble(values as DeployValues, derived as Complete<Derived>, context);
}

/** The checked values as the deploy flow takes them. */
function assemble(v: DeployValues, derived: Complete<Derived>, c: RuleContext): DeployInputs<OciAuthRequest> {
  const common: CommonDeployInputs<OciAuthRequest> = {
    auth: c.auth!,
    image: {
      registry: derived.registry,
      namespace: v.namespace,
      repository: v.repository,
      tagTemplate: v.tag,
      username: v.registryUsername,
      password: v.registryPassword,
      baseImage: derived.base.value,
      baseImageSource: derived.base.source,
      baseUsername: v.baseRegistryUsername,
      basePassword: v.baseRegistryPassword,
      platforms: v.platforms,
    },
    waitTimeoutMs: v.waitTimeout * 60_000,
    dryRun: v.dryRun,
    githubSha: c.githubSha,
  };
  if (v.imageOnly) return { ...common, imageOnly: true, applicationId: v.applicationId };
  return {
    ...common,
    imageOnly: false,
    fn: {
      applicationId: v.applicationId!,
      name: v.functionName,
      functionId: v.functionId,
      memoryInMBs: v.functionMemory ?? c.funcYaml.memory ?? FALLBACK_MEMORY_MB,
      timeoutInSeconds: v.functionTimeout ?? c.funcYaml.timeout ?? FALLBACK_TIMEOUT_SECONDS,
      config: derived.config,
    },
    gateway: {
      gatewayId: v.gatewayId!,
      compartmentId: v.compartmentId,
      deploymentName: v.deploymentName,
      pathPrefix: v.pathPrefix,
      identityDomainUrl: v.identityDomainUrl,
      issuer: v.issuer,
      audiences: v.audiences,
      jwksMode: v.jwksMode,
      jwksUrl: v.jwksUrl,
      maxClockSkewSeconds: v.maxClockSkew,
      requiredScopes: v.requiredScope,
      rateLimit: v.rateLimit,
      github: githubDeployment(v),
    },
  };
}

function githubDeployment(v: DeployValues): GithubDeploymentInputs | undefined {
  if (v.githubRepositories.length === 0) return undefined;
  return {
    deploymentName: `${v.deploymentName}${GITHUB_DEPLOYMENT_SUFFIX}`,
    pathPrefix: v.githubPathPrefix,
    repositories: v.githubRepositories,
    audience: v.githubAudience,
    refs: v.githubRefs,
    environments: v.githubEnvironments,
    issuer: v.githubOidcIssuer,
  };
}

// ---- Helpers the flow and the tests use -------------------------------------------------------------------

/**
 * `function-config`: KEY=VALUE lines (blank lines and # comments skipped). An empty value removes a func.yaml
 * default. Keys are env-var names; FN_* and OCI_RESOURCE_PRINCIPAL_* belong to the runtime.
 */
function parseFunctionConfig(raw: string, name: string): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [index, line] of raw.split(/\r?\n/).entries()) {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) continue;
    const eq = text.indexOf("=");
    if (eq <= 0) {
      throw new InputError(name, `line ${index + 1} is not KEY=VALUE; write one KEY=VALUE per line`);
    }
    const key = text.slice(0, eq).trim();
    const value = text.slice(eq + 1).trim();
    if (!CONFIG_KEY.test(key)) {
      throw new InputError(
        name,
        `line ${index + 1}: key ${quote(key)} is not valid; keys are letters, digits and _ and do not start with a digit`,
      );
    }
    if (RESERVED_CONFIG.test(key)) {
      throw new InputError(
        name,
        `line ${index + 1}: key ${key} is reserved by the Functions runtime; rename it`,
      );
    }
    if (Object.hasOwn(result, key))
      throw new InputError(name, `key ${key} is given twice; give each key once`);
    if (CONTROL.test(value))
      throw new InputError(name, `line ${index + 1}: the value of ${key} has control characters`);
    result[key] = value === "" ? undefined : value;
  }
  return result;
}

/** Size of a function config as OCI counts it: the UTF-8 octets of every key and value. */
export function configBytes(config: Record<string, string>): number {
  return Object.entries(config).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

/** The path prefix rules of API Gateway: /, no trailing / (except "/"), no //, URL-safe characters, ≤ 255. */
function pathPrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith("/")) return `${quote(prefix)} must start with /; use e.g. /usage`;
  if (prefix.length > 1 && prefix.endsWith("/"))
    return `${quote(prefix)} must not end with /; use e.g. /usage`;
  if (prefix.includes("//")) return `${quote(prefix)} must not contain //`;
  if (!/^[A-Za-z0-9\-._~/]*$/.test(prefix))
    return `${quote(prefix)} may only hold letters, digits, - . _ ~ and /`;
  if (prefix.length > 255) return "is longer than 255 characters";
  return undefined;
}

/** Fill `{digest}` (first 16 hex digits of the image digest) and `{sha}` (first 12 of GITHUB_SHA) into a tag. */
export function expandTag(template: string, values: { digest?: string; sha?: string }): string {
  return template.replace(/\{(digest|sha)\}/g, (_, key: "digest" | "sha") => {
    const value = values[key];
    if (value === undefined) throw new Error(`no value for {${key}}`);
    return key === "digest" ? value.replace(/^sha256:/, "").slice(0, 16) : value.slice(0, 12);
  });
}
