import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  OCI_AUTH_DEFAULTS,
  OCI_INPUTS,
  checkOciAuth,
  ocidOf,
  pickOciAuth
} from "./chunk-AZMSNUSO.js";
import {
  GITHUB_ISSUER
} from "./chunk-X67DKTTP.js";
import {
  InputProblems,
  booleanInput,
  input,
  inputDefaults,
  inputNames,
  inputText,
  isLoopbackHost,
  optional,
  readInputTable,
  secureUrl,
  singleLine,
  splitList
} from "./chunk-TEULXIZG.js";
import {
  InputError,
  UserFacingError,
  quote
} from "./chunk-OUAI6Q5P.js";

// src/image/platforms.ts
var SHAPES = {
  GENERIC_X86: [{ os: "linux", architecture: "amd64" }],
  GENERIC_ARM: [{ os: "linux", architecture: "arm64" }],
  GENERIC_X86_ARM: [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" }
  ]
};
var PlatformError = class extends Error {
  name = "PlatformError";
};
function formatPlatform(p) {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}
function normalizePlatform(p) {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || void 0;
  if (architecture === "x86_64" || architecture === "x86-64") architecture = "amd64";
  if (architecture === "aarch64") architecture = "arm64";
  if (architecture === "armhf") [architecture, variant] = ["arm", "v7"];
  if (architecture === "armel") [architecture, variant] = ["arm", "v6"];
  if (architecture === "arm64" && (variant === "v8" || variant === "8")) variant = void 0;
  if (architecture === "amd64" && (variant === "v1" || variant === "1")) variant = void 0;
  if (architecture === "arm" && variant === void 0) variant = "v7";
  if (architecture === "arm" && /^\d$/.test(variant ?? "")) variant = `v${variant}`;
  return variant ? { os, architecture, variant } : { os, architecture };
}
function platformMatches(want, have) {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  return w.os === h.os && w.architecture === h.architecture && w.variant === h.variant;
}
function platformsForShape(shape) {
  const key = shape.trim().toUpperCase();
  const platforms = SHAPES[key];
  if (!platforms) {
    throw new PlatformError(
      `shape ${JSON.stringify(shape)} is unknown; use one of ${Object.keys(SHAPES).join(", ")}`
    );
  }
  return platforms.map((p) => ({ ...p }));
}
function parsePlatforms(text) {
  const items = text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw new PlatformError("no platform given; use e.g. linux/amd64,linux/arm64");
  const result = [];
  for (const item of items) {
    const found = item.toUpperCase() in SHAPES ? platformsForShape(item) : [parseOne(item)];
    for (const p of found) if (!result.some((r) => platformMatches(r, p))) result.push(p);
  }
  return result;
}
function parseOne(item) {
  const parts = item.split("/");
  const valid = parts.length >= 2 && parts.length <= 3 && parts.every((p) => /^[a-z0-9_.-]+$/i.test(p));
  if (!valid) {
    throw new PlatformError(
      `platform ${JSON.stringify(item)} is not os/architecture[/variant]; use e.g. linux/amd64`
    );
  }
  const [os, architecture, variant] = parts;
  if (os.toLowerCase() !== "linux")
    throw new PlatformError(`platform ${JSON.stringify(item)}: only linux images run on OCI Functions`);
  const normalized = normalizePlatform({ os, architecture, ...variant ? { variant } : {} });
  if (normalized.architecture !== "amd64" && normalized.architecture !== "arm64") {
    throw new PlatformError(
      `platform ${JSON.stringify(item)}: OCI Functions shapes run linux/amd64 and linux/arm64 only`
    );
  }
  return normalized;
}
function isAttestation(descriptor) {
  return descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" || descriptor.platform?.os === "unknown" && descriptor.platform?.architecture === "unknown";
}
function selectChildren(manifests, wanted, baseName) {
  const candidates = manifests.filter((d) => d.platform && !isAttestation(d));
  const missing = wanted.filter((w) => !candidates.some((d) => platformMatches(w, d.platform)));
  if (missing.length > 0) {
    const offered = candidates.map((d) => formatPlatform(d.platform)).join(", ") || "none";
    throw new PlatformError(
      `base image ${baseName} has no ${missing.map(formatPlatform).join(", ")} image (it has: ${offered}); pick a base with those platforms or change 'platforms'`
    );
  }
  const chosen = [];
  for (const d of candidates) {
    const p = d.platform;
    if (wanted.some((w) => platformMatches(w, p)) && !chosen.some((c) => platformMatches(c.platform, p))) {
      chosen.push(d);
    }
  }
  return chosen;
}

// src/image/reference.ts
var InvalidReferenceError = class extends UserFacingError {
  name = "InvalidReferenceError";
};
var DOCKER_HUB = "docker.io";
var DOCKER_HUB_API = "registry-1.docker.io";
var DEFAULT_TAG = "latest";
var COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
var TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
var DIGEST = /^sha256:[a-f0-9]{64}$/;
var OTHER_DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
var HOST_LABEL = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
var OCIR_HOST = /^(?:[a-z0-9-]+\.ocir\.io|ocir\.[a-z0-9-]+\.oci\.oraclecloud\.com)$/;
function invalid(text, role, why) {
  const shown = text.length > 200 ? `${text.slice(0, 200)}\u2026` : text;
  return new InvalidReferenceError(`${role} reference ${JSON.stringify(shown)} is invalid: ${why}`);
}
function validHost(host) {
  const bracketed = /^\[([0-9a-f:]+)\](?::(\d{1,5}))?$/.exec(host);
  if (bracketed) return bracketed[2] === void 0 || Number(bracketed[2]) <= 65535;
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m?.[1]) return false;
  if (m[2] !== void 0 && Number(m[2]) > 65535) return false;
  return m[1].split(".").every((label) => HOST_LABEL.test(label));
}
function looksLikeHost(first) {
  return first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase();
}
function parseReference(input2, options = {}) {
  const role = options.role ?? "image";
  const text = input2.trim();
  if (text.length === 0) throw invalid(input2, role, "it is empty; use host/namespace/repository:tag");
  if (/\s/.test(text)) throw invalid(input2, role, "it contains white space");
  if (text.includes("://")) {
    throw invalid(input2, role, "drop the URL scheme; write host/namespace/repository:tag");
  }
  let rest = text;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      const why = OTHER_DIGEST.test(digest) ? "only sha256 digests are supported" : "the digest must be sha256: followed by 64 lower-case hex characters";
      throw invalid(input2, role, why);
    }
  }
  let tag;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      throw invalid(
        input2,
        role,
        `tag ${JSON.stringify(tag)} must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`
      );
    }
  }
  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0 && looksLikeHost(rest.slice(0, slash))) {
    const first = rest.slice(0, slash);
    if (!/[.:]/.test(first) && first.toLowerCase() !== "localhost") {
      throw invalid(input2, role, `repository component ${JSON.stringify(first)} must be lower case`);
    }
    registry = first.toLowerCase();
    path = rest.slice(slash + 1);
    if (!validHost(registry))
      throw invalid(input2, role, `registry host ${JSON.stringify(registry)} is malformed`);
  }
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (path.length === 0) throw invalid(input2, role, "the repository name is missing");
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  for (const component of path.split("/")) {
    if (component.length === 0) throw invalid(input2, role, "the repository path has an empty component (//)");
    if (!COMPONENT.test(component)) {
      const why = component !== component.toLowerCase() ? `repository component ${JSON.stringify(component)} must be lower case` : `repository component ${JSON.stringify(component)} may only hold a-z, 0-9 and single separators (. _ __ -)`;
      throw invalid(input2, role, why);
    }
  }
  if (registry.length + 1 + path.length > 255)
    throw invalid(input2, role, "the name is longer than 255 characters");
  if (isOcirHost(registry) && !path.includes("/")) {
    throw invalid(
      input2,
      role,
      `OCIR repositories are <tenancy-namespace>/<repository>, e.g. ${registry}/mynamespace/${path}`
    );
  }
  const ref = { registry, repository: path };
  if (tag !== void 0) ref.tag = tag;
  if (digest !== void 0) ref.digest = digest;
  if (tag === void 0 && digest === void 0 && options.defaultTag !== false) ref.tag = DEFAULT_TAG;
  return ref;
}
function formatReference(ref) {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
function referenceIdentifier(ref) {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}
function registryApiHost(registry) {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}
function isLoopbackRegistry(host) {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0] ?? "";
  return isLoopbackHost(name);
}
function registryBaseUrl(registry, plainHttp = isLoopbackRegistry(registry)) {
  return `${plainHttp ? "http" : "https"}://${registryApiHost(registry)}`;
}
function isOcirHost(registry) {
  return OCIR_HOST.test(registry);
}
function ocirHost(regionKey) {
  const key = regionKey.trim().toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key))
    throw new InvalidReferenceError(`OCIR region key ${JSON.stringify(regionKey)} is invalid`);
  return `${key}.ocir.io`;
}
function sameRegistry(a, b) {
  return registryApiHost(a.registry) === registryApiHost(b.registry);
}

// src/deploy/inputs.ts
var DEPLOY_OUTPUTS = {
  image: "image",
  functionId: "function-id",
  deploymentId: "deployment-id",
  endpoint: "endpoint",
  deploymentEndpoint: "deployment-endpoint",
  githubEndpoint: "github-endpoint"
};
var FALLBACK_BASE_IMAGE = "fnproject/node:24";
var FALLBACK_MEMORY_MB = 256;
var FALLBACK_TIMEOUT_SECONDS = 60;
var MEMORY_SIZES = [128, 256, 512, 1024, 2048, 3072];
var MIN_TIMEOUT_SECONDS = 5;
var MAX_TIMEOUT_SECONDS = 300;
var MAX_CONFIG_BYTES = 4096;
var MAX_CLOCK_SKEW_SECONDS = 120;
var MAX_RATE_LIMIT = 1e4;
var MAX_WAIT_MINUTES = 120;
var USAGE_API_REGION_KEY = "USAGE_API_REGION";
var GITHUB_DEPLOYMENT_SUFFIX = "-github";
var JWKS_CACHE_HOURS = 1;
var CONTROL = /[\u0000-\u001f\u007f]/;
var CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
var RESERVED_CONFIG = /^(FN_|OCI_RESOURCE_PRINCIPAL_)/;
var NAMESPACE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
var SCOPE_NAME = /^[\x21-\x7e]+$/;
var SAMPLE_DIGEST = "0123456789abcdef";
var SAMPLE_SHA = "0123456789ab";
var IDENTITY_DOMAIN_EXAMPLE = "https://idcs-\u2026.identity.oraclecloud.com";
var asIs = (text) => text;
function ocid(kind) {
  return optional(ocidOf(kind));
}
function wholeNumberOf(min, max, unit) {
  return (text, name) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InputError(
        name,
        `${quote(text)} is not valid; use a whole number of ${unit} from ${min} to ${max}`
      );
    }
    return Number(text);
  };
}
function serviceUrl(example) {
  return (text, name) => secureUrl(name, text, { example }).href.replace(/\/+$/, "");
}
var platformList = (text, name) => {
  try {
    return parsePlatforms(text);
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err;
    throw new InputError(name, `${err.message}; or leave it empty to follow the application's shape`);
  }
};
var functionName = (text, name) => {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(text)) {
    throw new InputError(name, `${quote(text)} is not a function name; use letters, digits, - and _`);
  }
  return text;
};
var memorySize = (text, name) => {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!MEMORY_SIZES.includes(n)) {
    throw new InputError(
      name,
      `${quote(text)} is not a Functions memory size; use one of ${MEMORY_SIZES.join(", ")} (MB)`
    );
  }
  return n;
};
var homeRegion = (text, name) => {
  const value = text.toLowerCase();
  if (!/^[a-z]{2,}(?:-[a-z0-9]+)+-\d+$/.test(value)) {
    throw new InputError(
      name,
      `${quote(value)} is not a region identifier; use the tenancy's home region, e.g. us-ashburn-1`
    );
  }
  return value;
};
var registryHost = (text, name) => {
  const value = text.toLowerCase();
  let parsed;
  try {
    parsed = parseReference(`${value}/namespace/repository:tag`, { role: "registry" });
  } catch {
    parsed = void 0;
  }
  if (parsed?.registry !== value) {
    throw new InputError(name, `${quote(value)} is not a registry host; use e.g. iad.ocir.io`);
  }
  return value;
};
var tenancyNamespace = (text, name) => {
  if (!NAMESPACE.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a tenancy namespace; use the lower-case namespace the console shows under Tenancy details`
    );
  }
  return text;
};
var repositoryName = (text, name) => {
  if (text === "" || text.startsWith("/") || text.endsWith("/")) {
    throw new InputError(name, `${quote(text)} is not a repository name; use e.g. usage-api`);
  }
  return text;
};
var deploymentName = (text, name) => {
  if (text.length > 255 || CONTROL.test(text)) {
    throw new InputError(name, "must be 1-255 characters without control characters");
  }
  return text;
};
var pathPrefix = (text, name) => {
  const problem = pathPrefixProblem(text);
  if (problem) throw new InputError(name, problem);
  return text;
};
var jwksMode = (text, name) => {
  const value = text.toLowerCase();
  if (value !== "static" && value !== "remote") {
    throw new InputError(
      name,
      `${quote(value)} is not allowed; use static (keys copied into the deployment) or remote (the gateway reads the JWKS URL)`
    );
  }
  return value;
};
var audienceList = (text, name) => {
  const items = splitList(text);
  for (const item of items) {
    if (CONTROL.test(item) || /\s/.test(item))
      throw new InputError(name, `${quote(item)} must not contain spaces`);
  }
  if (new Set(items).size !== items.length) throw new InputError(name, "lists an audience twice");
  return items;
};
var scopeList = (text, name) => {
  const items = splitList(text);
  for (const item of items) {
    if (item.includes("://") || item.includes("/")) {
      throw new InputError(
        name,
        `${quote(item)} includes the audience; the token's scope claim holds scope names only, e.g. usage.read`
      );
    }
    if (!SCOPE_NAME.test(item)) throw new InputError(name, `${quote(item)} is not a scope name`);
  }
  return [...new Set(items)];
};
var GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
var GITHUB_REF = /^refs\/(?:heads|tags)\/[^\s\u0000-\u001f\u007f~^:?*[\\]+$/;
function uniqueList(what, check) {
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
var githubRepositoryList = uniqueList(
  "a repository",
  (item) => GITHUB_REPOSITORY.test(item) ? void 0 : `${quote(item)} is not a GitHub repository; use owner/repo, e.g. octo-org/usage-reports (comma-separated)`
);
var githubRefList = uniqueList(
  "a ref",
  (item) => GITHUB_REF.test(item) ? void 0 : `${quote(item)} is not a full ref; use refs/heads/<branch> or refs/tags/<tag>, e.g. refs/heads/main`
);
var githubEnvironmentList = uniqueList(
  "an environment",
  (item) => CONTROL.test(item) || item.length > 255 ? `${quote(item)} is not an environment name; use the name as in Settings > Environments` : void 0
);
var githubAudience = (text, name) => {
  if (CONTROL.test(text) || /[\s,]/.test(text)) {
    throw new InputError(name, `${quote(text)} must be one audience without spaces or commas`);
  }
  return text;
};
var DEPLOY_TABLE = {
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
    optional(wholeNumberOf(MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, "seconds"))
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
    default: "60"
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
  waitTimeout: input("wait-timeout", wholeNumberOf(1, MAX_WAIT_MINUTES, "minutes"), { default: "20" })
};
var DEPLOY_INPUTS = { ...OCI_INPUTS, ...inputNames(DEPLOY_TABLE) };
var DEPLOY_DEFAULTS = {
  ...OCI_AUTH_DEFAULTS,
  ...inputDefaults(DEPLOY_TABLE)
};
var applicationRequired = (c) => {
  if (c.given("applicationId") !== "") return;
  const name = DEPLOY_TABLE.applicationId.name;
  if (c.imageOnly) {
    if (c.given("platforms") !== "") return;
    throw new InputError(
      name,
      `is required with '${DEPLOY_INPUTS.imageOnly}: true' unless '${DEPLOY_INPUTS.platforms}' is set; set 'platforms' (e.g. linux/amd64), or the application's OCID so its shape decides the platforms`
    );
  }
  throw new InputError(
    name,
    "is required for command 'deploy'; set it to the OCID of the Functions application (create it once in the console: it holds the network and the shape)"
  );
};
var audiencesRequired = (c) => {
  if (c.imageOnly || c.values.audiences?.length !== 0) return;
  throw new InputError(
    DEPLOY_INPUTS.audiences,
    "is required for command 'deploy'; use the resource application's primary audience, e.g. https://usage.example.com/"
  );
};
var baseCredentialsTogether = ({ values }) => {
  const noUsername = values.baseRegistryUsername === void 0;
  if (noUsername === (values.baseRegistryPassword === void 0)) return;
  throw new InputError(
    noUsername ? DEPLOY_INPUTS.baseRegistryUsername : DEPLOY_INPUTS.baseRegistryPassword,
    `'${DEPLOY_INPUTS.baseRegistryUsername}' and '${DEPLOY_INPUTS.baseRegistryPassword}' go together; set both or neither`
  );
};
var tagRule = ({ values, githubSha }) => {
  const template = values.tag ?? "";
  if (template.includes("{sha}") && !githubSha) {
    throw new InputError(
      DEPLOY_INPUTS.tag,
      "uses {sha} but GITHUB_SHA is not set; use {digest} or a fixed tag"
    );
  }
  const sampleTag = expandTag(template, { digest: SAMPLE_DIGEST, sha: githubSha ?? SAMPLE_SHA });
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(sampleTag)) {
    throw new InputError(
      DEPLOY_INPUTS.tag,
      `${quote(template)} does not make a valid tag; use 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -), with {digest} or {sha} placeholders`
    );
  }
};
function requiredUnless(key, exempt, detail) {
  return (c) => {
    if (exempt(c) || c.given(key) !== "") return;
    throw new InputError(DEPLOY_TABLE[key].name, detail);
  };
}
var githubPinsNeedRepositories = (c) => {
  if ((c.values.githubRepositories?.length ?? 0) > 0) return;
  for (const key of ["githubRefs", "githubEnvironments"]) {
    if (c.given(key) === "") continue;
    throw new InputError(
      DEPLOY_INPUTS[key],
      `has no effect without '${DEPLOY_INPUTS.githubRepositories}'; list the repositories whose workflows may call the GitHub deployment, or leave it empty`
    );
  }
};
var githubDeploymentApart = ({ values }) => {
  if ((values.githubRepositories?.length ?? 0) === 0) return;
  if (values.githubPathPrefix !== void 0 && values.githubPathPrefix === values.pathPrefix) {
    throw new InputError(
      DEPLOY_INPUTS.githubPathPrefix,
      `is the same as '${DEPLOY_INPUTS.pathPrefix}' (${values.pathPrefix}); the GitHub deployment needs its own, e.g. /usage-github`
    );
  }
  if (values.githubAudience !== void 0 && values.audiences?.includes(values.githubAudience)) {
    throw new InputError(
      DEPLOY_INPUTS.githubAudience,
      `${quote(values.githubAudience)} is also in '${DEPLOY_INPUTS.audiences}'; use an audience of its own (default usage-api-action), so that neither deployment accepts the other's tokens`
    );
  }
  const name = values.deploymentName ?? "";
  if (name.length + GITHUB_DEPLOYMENT_SUFFIX.length > 255) {
    throw new InputError(
      DEPLOY_INPUTS.deploymentName,
      `is too long for the GitHub deployment's name (<deployment-name>${GITHUB_DEPLOYMENT_SUFFIX}, at most 255 characters); shorten it`
    );
  }
  if (values.issuer !== void 0 && values.issuer === values.githubOidcIssuer) {
    throw new InputError(
      DEPLOY_INPUTS.githubOidcIssuer,
      `is the same as '${DEPLOY_INPUTS.issuer}'; the identity domain's deployment would accept GitHub's tokens: set 'issuer' to the identity domain's issuer`
    );
  }
};
var keyless = (c) => c.keyless;
var RULES = [
  applicationRequired,
  requiredUnless(
    "gatewayId",
    (c) => c.imageOnly,
    "is required for command 'deploy'; set it to the OCID of the API gateway that serves the endpoint"
  ),
  // The identity domain is where the issuer and the keys are discovered, unless both are given.
  requiredUnless(
    "identityDomainUrl",
    (c) => keyless(c) || c.imageOnly || c.values.issuer !== void 0 && c.values.jwksUrl !== void 0,
    `is required unless both '${DEPLOY_INPUTS.issuer}' and '${DEPLOY_INPUTS.jwksUrl}' are set; use the identity domain URL, e.g. ${IDENTITY_DOMAIN_EXAMPLE}`
  ),
  // Keyless, the GitHub token is exchanged there, whatever else is given.
  requiredUnless(
    "identityDomainUrl",
    (c) => !keyless(c),
    `is required with '${OCI_INPUTS.ociAuth}: oidc': the job's GitHub token is exchanged at its /oauth2/v1/token; use the identity domain URL, e.g. ${IDENTITY_DOMAIN_EXAMPLE}`
  ),
  audiencesRequired,
  // A dry run pushes nothing, so it needs no registry credentials; keyless, the session gets a registry token.
  requiredUnless(
    "registryUsername",
    (c) => c.dryRun || keyless(c),
    "is required to push the image; use <tenancy-namespace>/<user> (federated: <namespace>/oracleidentitycloudservice/<user>)"
  ),
  requiredUnless(
    "registryPassword",
    (c) => c.dryRun || keyless(c),
    "is required to push the image; pass the user's OCIR auth token from a secret"
  ),
  baseCredentialsTogether,
  tagRule,
  githubPinsNeedRepositories,
  githubDeploymentApart
];
function resolveRegistry(c) {
  if (c.given("registry") !== "") return c.values.registry;
  if (!c.auth) return void 0;
  if (!c.auth.regionKey) {
    throw new InputError(
      DEPLOY_INPUTS.registry,
      `is required: region ${c.auth.region} is unknown to this SDK version, so the OCIR host cannot be derived; set it to <region-key>.ocir.io`
    );
  }
  return ocirHost(c.auth.regionKey);
}
function repositoryRule(c, registry) {
  const repository = c.values.repository;
  if (repository === void 0) return;
  try {
    parseReference(
      `${registry ?? "registry.invalid"}/${c.values.namespace ?? "namespace"}/${repository}:tag`,
      {
        role: "target image"
      }
    );
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    throw new InputError(
      DEPLOY_INPUTS.repository,
      `${quote(repository)} is not a valid repository name (lower-case a-z, 0-9, . _ - and /)`
    );
  }
}
function mergeConfig(c) {
  const given = c.values.functionConfig;
  if (given === void 0) return void 0;
  const usageApiRegion = c.values.usageApiRegion;
  if (usageApiRegion !== void 0 && Object.hasOwn(given, USAGE_API_REGION_KEY)) {
    throw new InputError(
      DEPLOY_INPUTS.functionConfig,
      `sets ${USAGE_API_REGION_KEY} and so does '${DEPLOY_INPUTS.usageApiRegion}'; set it in one place`
    );
  }
  const merged = { ...c.funcYaml.config };
  for (const [key, value] of Object.entries(given)) {
    if (value === void 0) delete merged[key];
    else merged[key] = value;
  }
  const region = usageApiRegion ?? (Object.hasOwn(given, USAGE_API_REGION_KEY) ? void 0 : c.auth?.region);
  if (region !== void 0) merged[USAGE_API_REGION_KEY] = region;
  const size = configBytes(merged);
  if (size > MAX_CONFIG_BYTES) {
    throw new InputError(
      DEPLOY_INPUTS.functionConfig,
      `the function config (func.yaml defaults included) is ${size} bytes; OCI allows ${MAX_CONFIG_BYTES}: drop or shorten entries`
    );
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}
function resolveBaseImage(c) {
  const given = c.values.baseImage;
  const runImage = c.funcYaml.runImage;
  const source = given !== void 0 ? "input" : runImage ? "func.yaml" : "default";
  const value = given ?? runImage ?? FALLBACK_BASE_IMAGE;
  try {
    parseReference(value, { role: "base image" });
  } catch (err) {
    if (!(err instanceof InvalidReferenceError)) throw err;
    const where = source === "func.yaml" ? " (taken from func.yaml's run_image)" : "";
    throw new InputError(
      DEPLOY_INPUTS.baseImage,
      `${err.message}${where}; use e.g. fnproject/node:24 or <region-key>.ocir.io/<namespace>/node:24`
    );
  }
  return { value, source };
}
function applyRules(c, problems) {
  for (const rule of RULES) problems.check(() => rule(c));
  const registry = problems.check(() => resolveRegistry(c));
  problems.check(() => repositoryRule(c, registry));
  return {
    registry,
    config: problems.check(() => mergeConfig(c)),
    base: problems.check(() => resolveBaseImage(c))
  };
}
function sortByInput(problems) {
  const order = Object.values(DEPLOY_INPUTS);
  problems.errors.sort((a, b) => order.indexOf(a.input) - order.indexOf(b.input));
}
function readDeployInputs(get, options) {
  const problems = new InputProblems();
  const values = readInputTable(DEPLOY_TABLE, get, problems, options.setSecret);
  const picked = pickOciAuth(get, options.env, options.setSecret);
  const auth = checkOciAuth(picked, get, problems);
  const context = {
    values,
    given: (key) => inputText(DEPLOY_TABLE[key], get),
    auth,
    keyless: get(OCI_INPUTS.ociAuth).trim().toLowerCase() === "oidc",
    funcYaml: options.funcYaml,
    githubSha: (options.env.GITHUB_SHA ?? "").trim() || void 0,
    imageOnly: values.imageOnly ?? false,
    dryRun: values.dryRun ?? false
  };
  const derived = applyRules(context, problems);
  sortByInput(problems);
  problems.throwIfAny();
  return assemble(values, derived, context);
}
function assemble(v, derived, c) {
  const common = {
    auth: c.auth,
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
      platforms: v.platforms
    },
    waitTimeoutMs: v.waitTimeout * 6e4,
    dryRun: v.dryRun,
    githubSha: c.githubSha
  };
  if (v.imageOnly) return { ...common, imageOnly: true, applicationId: v.applicationId };
  return {
    ...common,
    imageOnly: false,
    fn: {
      applicationId: v.applicationId,
      name: v.functionName,
      functionId: v.functionId,
      memoryInMBs: v.functionMemory ?? c.funcYaml.memory ?? FALLBACK_MEMORY_MB,
      timeoutInSeconds: v.functionTimeout ?? c.funcYaml.timeout ?? FALLBACK_TIMEOUT_SECONDS,
      config: derived.config
    },
    gateway: {
      gatewayId: v.gatewayId,
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
      github: githubDeployment(v)
    }
  };
}
function githubDeployment(v) {
  if (v.githubRepositories.length === 0) return void 0;
  return {
    deploymentName: `${v.deploymentName}${GITHUB_DEPLOYMENT_SUFFIX}`,
    pathPrefix: v.githubPathPrefix,
    repositories: v.githubRepositories,
    audience: v.githubAudience,
    refs: v.githubRefs,
    environments: v.githubEnvironments,
    issuer: v.githubOidcIssuer
  };
}
function parseFunctionConfig(raw, name) {
  const result = {};
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
        `line ${index + 1}: key ${quote(key)} is not valid; keys are letters, digits and _ and do not start with a digit`
      );
    }
    if (RESERVED_CONFIG.test(key)) {
      throw new InputError(
        name,
        `line ${index + 1}: key ${key} is reserved by the Functions runtime; rename it`
      );
    }
    if (Object.hasOwn(result, key))
      throw new InputError(name, `key ${key} is given twice; give each key once`);
    if (CONTROL.test(value))
      throw new InputError(name, `line ${index + 1}: the value of ${key} has control characters`);
    result[key] = value === "" ? void 0 : value;
  }
  return result;
}
function configBytes(config) {
  return Object.entries(config).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}
function pathPrefixProblem(prefix) {
  if (!prefix.startsWith("/")) return `${quote(prefix)} must start with /; use e.g. /usage`;
  if (prefix.length > 1 && prefix.endsWith("/"))
    return `${quote(prefix)} must not end with /; use e.g. /usage`;
  if (prefix.includes("//")) return `${quote(prefix)} must not contain //`;
  if (!/^[A-Za-z0-9\-._~/]*$/.test(prefix))
    return `${quote(prefix)} may only hold letters, digits, - . _ ~ and /`;
  if (prefix.length > 255) return "is longer than 255 characters";
  return void 0;
}
function expandTag(template, values) {
  return template.replace(/\{(digest|sha)\}/g, (_, key) => {
    const value = values[key];
    if (value === void 0) throw new Error(`no value for {${key}}`);
    return key === "digest" ? value.replace(/^sha256:/, "").slice(0, 16) : value.slice(0, 12);
  });
}

export {
  PlatformError,
  formatPlatform,
  platformMatches,
  platformsForShape,
  selectChildren,
  parseReference,
  formatReference,
  referenceIdentifier,
  isLoopbackRegistry,
  registryBaseUrl,
  isOcirHost,
  sameRegistry,
  DEPLOY_OUTPUTS,
  MAX_CONFIG_BYTES,
  MAX_CLOCK_SKEW_SECONDS,
  GITHUB_DEPLOYMENT_SUFFIX,
  JWKS_CACHE_HOURS,
  DEPLOY_INPUTS,
  DEPLOY_DEFAULTS,
  readDeployInputs,
  configBytes,
  expandTag
};
