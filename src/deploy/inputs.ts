// The `deploy` command's inputs: read once, validated before any side effect, into one typed object.
// Input names are the constants below; a unit test checks them and their defaults against action.yml's
// deploy section. Every problem is reported at once, each naming its input and the fix.

import { type Platform, PlatformError, parsePlatforms } from "../image/platforms.js";
import { InvalidReferenceError, ocirHost, parseReference } from "../image/reference.js";
import { InputError, UserFacingError } from "../lib/errors.js";
import { parseBoolean, secureUrl } from "../lib/inputs.js";
import { quote } from "../lib/text.js";
import { OCI_INPUTS, type OciAuth, readOciAuth } from "../oci/auth.js";
import { type OcidKind, ocidProblem } from "../oci/ocid.js";
import type { FuncYaml } from "./funcyaml.js";

export const DEPLOY_INPUTS = {
  ...OCI_INPUTS,
  compartmentId: "compartment-id",
  applicationId: "application-id",
  functionName: "function-name",
  functionId: "function-id",
  functionMemory: "function-memory",
  functionTimeout: "function-timeout",
  functionConfig: "function-config",
  usageApiRegion: "usage-api-region",
  registry: "registry",
  namespace: "namespace",
  repository: "repository",
  tag: "tag",
  registryUsername: "registry-username",
  registryPassword: "registry-password",
  baseImage: "base-image",
  baseRegistryUsername: "base-registry-username",
  baseRegistryPassword: "base-registry-password",
  platforms: "platforms",
  gatewayId: "gateway-id",
  deploymentName: "deployment-name",
  pathPrefix: "path-prefix",
  identityDomainUrl: "identity-domain-url",
  issuer: "issuer",
  audiences: "audiences",
  jwksMode: "jwks-mode",
  jwksUrl: "jwks-url",
  maxClockSkew: "max-clock-skew",
  requiredScope: "required-scope",
  rateLimit: "rate-limit",
  waitTimeout: "wait-timeout",
  dryRun: "dry-run",
  imageOnly: "image-only",
} as const;

export type DeployInputName = (typeof DEPLOY_INPUTS)[keyof typeof DEPLOY_INPUTS];

export const DEPLOY_OUTPUTS = {
  image: "image",
  functionId: "function-id",
  deploymentId: "deployment-id",
  endpoint: "endpoint",
  deploymentEndpoint: "deployment-endpoint",
} as const;

/** Defaults exactly as action.yml declares them (a bare `node dist/index.js` gets them from here). */
export const DEPLOY_DEFAULTS: Partial<Record<DeployInputName, string>> = {
  [DEPLOY_INPUTS.functionName]: "usage-api",
  [DEPLOY_INPUTS.repository]: "usage-api",
  [DEPLOY_INPUTS.tag]: "fn-{digest}",
  [DEPLOY_INPUTS.deploymentName]: "usage-api",
  [DEPLOY_INPUTS.pathPrefix]: "/usage",
  [DEPLOY_INPUTS.jwksMode]: "static",
  [DEPLOY_INPUTS.maxClockSkew]: "60",
  [DEPLOY_INPUTS.waitTimeout]: "20",
  [DEPLOY_INPUTS.dryRun]: "false",
  [DEPLOY_INPUTS.imageOnly]: "false",
};

/** When neither `base-image` nor func.yaml's run_image says: the fn CLI's default node runtime. */
export const FALLBACK_BASE_IMAGE = "fnproject/node:24";
export const FALLBACK_MEMORY_MB = 256;
export const FALLBACK_TIMEOUT_SECONDS = 60;
/** OCI Functions memory sizes (console choices; "Changing Default Memory and Timeout Settings"). */
export const MEMORY_SIZES = [128, 256, 512, 1024, 2048, 3072] as const;
export const MIN_TIMEOUT_SECONDS = 5;
export const MAX_TIMEOUT_SECONDS = 300;
/** OCI: keys and values together at most 4 KB, counted in UTF-8 octets. */
export const MAX_CONFIG_BYTES = 4096;
/** Unconfirmed: one recollection of the docs says 120 s is the maximum skew, another 3600 s; the stricter one. */
export const MAX_CLOCK_SKEW_SECONDS = 120;
export const MAX_RATE_LIMIT = 10_000;
export const MAX_WAIT_MINUTES = 120;
export const USAGE_API_REGION_KEY = "USAGE_API_REGION";
export const JWKS_CACHE_HOURS = 1;

export type JwksMode = "static" | "remote";

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

export interface GatewayInputs {
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
}

export interface FunctionInputs {
  applicationId: string;
  name: string;
  functionId: string | undefined;
  memoryInMBs: number;
  timeoutInSeconds: number;
  /** func.yaml's config, then `function-config`, then USAGE_API_REGION: what the function gets. */
  config: Record<string, string>;
}

interface CommonDeployInputs {
  auth: OciAuth;
  image: ImageInputs;
  waitTimeoutMs: number;
  dryRun: boolean;
  /** GITHUB_SHA, for a `{sha}` tag. */
  githubSha: string | undefined;
}

/** The whole deploy: image, function and gateway deployment. */
export interface FullDeployInputs extends CommonDeployInputs {
  imageOnly: false;
  fn: FunctionInputs;
  gateway: GatewayInputs;
}

/**
 * `image-only: true`: build and push the image, nothing else (the function is managed elsewhere, e.g. by
 * Terraform). The application, when given, is only read for its shape (the platforms).
 */
export interface ImageOnlyDeployInputs extends CommonDeployInputs {
  imageOnly: true;
  applicationId: string | undefined;
}

export type DeployInputs = FullDeployInputs | ImageOnlyDeployInputs;

export interface ReadDeployOptions {
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

function parseInteger(name: string, raw: string, min: number, max: number, unit: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new InputError(
      name,
      `${quote(raw)} is not valid; use a whole number of ${unit} from ${min} to ${max}`,
    );
  }
  return Number(raw);
}

function requireOcid(name: string, raw: string, kind: OcidKind, what: string): string {
  if (raw === "") throw new InputError(name, `is required for command 'deploy'; set it to ${what}`);
  const problem = ocidProblem(raw, kind);
  if (problem) throw new InputError(name, problem);
  return raw;
}

function optionalOcid(name: string, raw: string, kind: OcidKind): string | undefined {
  if (raw === "") return undefined;
  const problem = ocidProblem(raw, kind);
  if (problem) throw new InputError(name, problem);
  return raw;
}

/** An https URL (http only on loopback), no credentials, query or fragment; returned without a trailing slash. */
export function serviceUrl(name: string, raw: string, example: string): string {
  return secureUrl(name, raw, { example }).href.replace(/\/+$/, "");
}

/** A comma- or newline-separated list, trimmed, empty items dropped. */
function list(raw: string): string[] {
  return raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * `function-config`: KEY=VALUE lines (blank lines and # comments skipped). An empty value removes a func.yaml
 * default. Keys are env-var names; FN_* and OCI_RESOURCE_PRINCIPAL_* belong to the runtime.
 */
export function parseFunctionConfig(raw: string): Record<string, string | undefined> {
  const name = DEPLOY_INPUTS.functionConfig;
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
export function pathPrefixProblem(prefix: string): string | undefined {
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

/**
 * Read and validate every `deploy` input. `get` returns the raw input ("" when unset), like core.getInput.
 * All problems are reported at once, in one line.
 */
export function readDeployInputs(get: (name: string) => string, options: ReadDeployOptions): DeployInputs {
  const raw = (name: DeployInputName): string => {
    const value = get(name).trim();
    return value === "" ? (DEPLOY_DEFAULTS[name] ?? "") : value;
  };
  // The secrets exist from here on: mask them first.
  const registryPassword = get(DEPLOY_INPUTS.registryPassword).trim();
  const basePassword = get(DEPLOY_INPUTS.baseRegistryPassword).trim();
  if (registryPassword !== "") options.setSecret(registryPassword);
  if (basePassword !== "") options.setSecret(basePassword);

  const errors: InputError[] = [];
  function check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
      return undefined;
    }
  }

  const authResult = readOciAuth((name) => get(name), options.env, { mask: options.setSecret });
  errors.push(...authResult.errors);
  const auth = authResult.auth;

  const dryRun = check(() => parseBoolean(DEPLOY_INPUTS.dryRun, raw(DEPLOY_INPUTS.dryRun))) ?? false;
  const imageOnly = check(() => parseBoolean(DEPLOY_INPUTS.imageOnly, raw(DEPLOY_INPUTS.imageOnly))) ?? false;
  // Read before the application: with image-only, `platforms` can stand in for it.
  const platforms = check(() => {
    const value = raw(DEPLOY_INPUTS.platforms);
    if (value === "") return undefined;
    try {
      return parsePlatforms(value);
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      throw new InputError(
        DEPLOY_INPUTS.platforms,
        `${err.message}; or leave it empty to follow the application's shape`,
      );
    }
  });
  const platformsGiven = raw(DEPLOY_INPUTS.platforms) !== "";

  // ---- function ----
  const applicationId = check(() => {
    const value = raw(DEPLOY_INPUTS.applicationId);
    if (imageOnly && (value !== "" || platformsGiven)) {
      return optionalOcid(DEPLOY_INPUTS.applicationId, value, "application");
    }
    if (imageOnly) {
      throw new InputError(
        DEPLOY_INPUTS.applicationId,
        `is required with '${DEPLOY_INPUTS.imageOnly}: true' unless '${DEPLOY_INPUTS.platforms}' is set; set 'platforms' (e.g. linux/amd64), or the application's OCID so its shape decides the platforms`,
      );
    }
    return requireOcid(
      DEPLOY_INPUTS.applicationId,
      value,
      "application",
      "the OCID of the Functions application (create it once in the console: it holds the network and the shape)",
    );
  });
  const functionName = check(() => {
    const value = raw(DEPLOY_INPUTS.functionName);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(value)) {
      throw new InputError(
        DEPLOY_INPUTS.functionName,
        `${quote(value)} is not a function name; use letters, digits, - and _`,
      );
    }
    return value;
  });
  const functionId = check(() =>
    optionalOcid(DEPLOY_INPUTS.functionId, raw(DEPLOY_INPUTS.functionId), "function"),
  );
  const memory = check(() => {
    const value = raw(DEPLOY_INPUTS.functionMemory);
    if (value === "") return options.funcYaml.memory ?? FALLBACK_MEMORY_MB;
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(MEMORY_SIZES as readonly number[]).includes(n)) {
      throw new InputError(
        DEPLOY_INPUTS.functionMemory,
        `${quote(value)} is not a Functions memory size; use one of ${MEMORY_SIZES.join(", ")} (MB)`,
      );
    }
    return n;
  });
  const timeout = check(() => {
    const value = raw(DEPLOY_INPUTS.functionTimeout);
    if (value === "") return options.funcYaml.timeout ?? FALLBACK_TIMEOUT_SECONDS;
    return parseInteger(
      DEPLOY_INPUTS.functionTimeout,
      value,
      MIN_TIMEOUT_SECONDS,
      MAX_TIMEOUT_SECONDS,
      "seconds",
    );
  });
  const usageApiRegion = check(() => {
    const value = raw(DEPLOY_INPUTS.usageApiRegion).toLowerCase();
    if (value === "") return undefined;
    if (!/^[a-z]{2,}(?:-[a-z0-9]+)+-\d+$/.test(value)) {
      throw new InputError(
        DEPLOY_INPUTS.usageApiRegion,
        `${quote(value)} is not a region identifier; use the tenancy's home region, e.g. us-ashburn-1`,
      );
    }
    return value;
  });
  const config = check(() => {
    const given = parseFunctionConfig(get(DEPLOY_INPUTS.functionConfig));
    if (usageApiRegion !== undefined && Object.hasOwn(given, USAGE_API_REGION_KEY)) {
      throw new InputError(
        DEPLOY_INPUTS.functionConfig,
        `sets ${USAGE_API_REGION_KEY} and so does '${DEPLOY_INPUTS.usageApiRegion}'; set it in one place`,
      );
    }
    const merged: Record<string, string> = { ...options.funcYaml.config };
    for (const [key, value] of Object.entries(given)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    const region = usageApiRegion ?? (Object.hasOwn(given, USAGE_API_REGION_KEY) ? undefined : auth?.region);
    if (region !== undefined) merged[USAGE_API_REGION_KEY] = region;
    const size = configBytes(merged);
    if (size > MAX_CONFIG_BYTES) {
      throw new InputError(
        DEPLOY_INPUTS.functionConfig,
        `the function config (func.yaml defaults included) is ${size} bytes; OCI allows ${MAX_CONFIG_BYTES}: drop or shorten entries`,
      );
    }
    return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  // ---- image ----
  const registry = check(() => {
    const value = raw(DEPLOY_INPUTS.registry).toLowerCase();
    if (value === "") {
      if (!auth) return undefined;
      if (!auth.regionKey) {
        throw new InputError(
          DEPLOY_INPUTS.registry,
          `is required: region ${auth.region} is unknown to this SDK version, so the OCIR host cannot be derived; set it to <region-key>.ocir.io`,
        );
      }
      return ocirHost(auth.regionKey);
    }
    let parsed: { registry: string } | undefined;
    try {
      parsed = parseReference(`${value}/namespace/repository:tag`, { role: "registry" });
    } catch {
      parsed = undefined;
    }
    if (parsed?.registry !== value) {
      throw new InputError(
        DEPLOY_INPUTS.registry,
        `${quote(value)} is not a registry host; use e.g. iad.ocir.io`,
      );
    }
    return value;
  });
  const namespace = check(() => {
    const value = raw(DEPLOY_INPUTS.namespace);
    if (value === "") return undefined;
    if (!NAMESPACE.test(value)) {
      throw new InputError(
        DEPLOY_INPUTS.namespace,
        `${quote(value)} is not a tenancy namespace; use the lower-case namespace the console shows under Tenancy details`,
      );
    }
    return value;
  });
  const githubSha = (options.env.GITHUB_SHA ?? "").trim() || undefined;
  const repository = raw(DEPLOY_INPUTS.repository);
  const tagTemplate = raw(DEPLOY_INPUTS.tag);
  check(() => {
    if (tagTemplate.includes("{sha}") && !githubSha) {
      throw new InputError(
        DEPLOY_INPUTS.tag,
        "uses {sha} but GITHUB_SHA is not set; use {digest} or a fixed tag",
      );
    }
    const sampleTag = expandTag(tagTemplate, { digest: SAMPLE_DIGEST, sha: githubSha ?? SAMPLE_SHA });
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(sampleTag)) {
      throw new InputError(
        DEPLOY_INPUTS.tag,
        `${quote(tagTemplate)} does not make a valid tag; use 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -), with {digest} or {sha} placeholders`,
      );
    }
  });
  check(() => {
    if (repository === "" || repository.startsWith("/") || repository.endsWith("/")) {
      throw new InputError(
        DEPLOY_INPUTS.repository,
        `${quote(repository)} is not a repository name; use e.g. usage-api`,
      );
    }
    try {
      parseReference(`${registry ?? "registry.invalid"}/${namespace ?? "namespace"}/${repository}:tag`, {
        role: "target image",
      });
    } catch (err) {
      if (!(err instanceof InvalidReferenceError)) throw err;
      throw new InputError(
        DEPLOY_INPUTS.repository,
        `${quote(repository)} is not a valid repository name (lower-case a-z, 0-9, . _ - and /)`,
      );
    }
  });
  const username = check(() => {
    const value = raw(DEPLOY_INPUTS.registryUsername);
    if (value === "") {
      if (dryRun) return undefined;
      throw new InputError(
        DEPLOY_INPUTS.registryUsername,
        "is required to push the image; use <tenancy-namespace>/<user> (federated: <namespace>/oracleidentitycloudservice/<user>)",
      );
    }
    if (CONTROL.test(value) || /\s/.test(value)) {
      throw new InputError(DEPLOY_INPUTS.registryUsername, "must not contain spaces or control characters");
    }
    return value;
  });
  check(() => {
    if (registryPassword === "" && !dryRun) {
      throw new InputError(
        DEPLOY_INPUTS.registryPassword,
        "is required to push the image; pass the user's OCIR auth token from a secret",
      );
    }
  });
  const base = check(() => {
    const given = raw(DEPLOY_INPUTS.baseImage);
    const source: ImageInputs["baseImageSource"] =
      given !== "" ? "input" : options.funcYaml.runImage ? "func.yaml" : "default";
    const value = given !== "" ? given : (options.funcYaml.runImage ?? FALLBACK_BASE_IMAGE);
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
  });
  const baseUsername = raw(DEPLOY_INPUTS.baseRegistryUsername) || undefined;
  check(() => {
    if ((baseUsername === undefined) !== (basePassword === "")) {
      throw new InputError(
        baseUsername === undefined ? DEPLOY_INPUTS.baseRegistryUsername : DEPLOY_INPUTS.baseRegistryPassword,
        `'${DEPLOY_INPUTS.baseRegistryUsername}' and '${DEPLOY_INPUTS.baseRegistryPassword}' go together; set both or neither`,
      );
    }
  });

  // ---- gateway (not needed with image-only; values given anyway are still checked) ----
  const gatewayId = check(() =>
    imageOnly
      ? optionalOcid(DEPLOY_INPUTS.gatewayId, raw(DEPLOY_INPUTS.gatewayId), "gateway")
      : requireOcid(
          DEPLOY_INPUTS.gatewayId,
          raw(DEPLOY_INPUTS.gatewayId),
          "gateway",
          "the OCID of the API gateway that serves the endpoint",
        ),
  );
  const compartmentId = check(() =>
    optionalOcid(DEPLOY_INPUTS.compartmentId, raw(DEPLOY_INPUTS.compartmentId), "compartment"),
  );
  const deploymentName = check(() => {
    const value = raw(DEPLOY_INPUTS.deploymentName);
    if (value.length > 255 || CONTROL.test(value)) {
      throw new InputError(
        DEPLOY_INPUTS.deploymentName,
        "must be 1-255 characters without control characters",
      );
    }
    return value;
  });
  const pathPrefix = check(() => {
    const value = raw(DEPLOY_INPUTS.pathPrefix);
    const problem = pathPrefixProblem(value);
    if (problem) throw new InputError(DEPLOY_INPUTS.pathPrefix, problem);
    return value;
  });
  const issuer = check(() => {
    const value = raw(DEPLOY_INPUTS.issuer);
    if (value === "") return undefined;
    if (CONTROL.test(value) || /\s/.test(value))
      throw new InputError(DEPLOY_INPUTS.issuer, "must not contain spaces or control characters");
    return value;
  });
  const jwksMode = check(() => {
    const value = raw(DEPLOY_INPUTS.jwksMode).toLowerCase();
    if (value !== "static" && value !== "remote") {
      throw new InputError(
        DEPLOY_INPUTS.jwksMode,
        `${quote(value)} is not allowed; use static (keys copied into the deployment) or remote (the gateway reads the JWKS URL)`,
      );
    }
    return value as JwksMode;
  });
  const jwksUrl = check(() => {
    const value = raw(DEPLOY_INPUTS.jwksUrl);
    return value === ""
      ? undefined
      : serviceUrl(
          DEPLOY_INPUTS.jwksUrl,
          value,
          "https://idcs-….identity.oraclecloud.com/admin/v1/SigningCert/jwk",
        );
  });
  const identityDomainUrl = check(() => {
    const value = raw(DEPLOY_INPUTS.identityDomainUrl);
    if (value === "") {
      if (imageOnly || (issuer !== undefined && jwksUrl !== undefined)) return undefined;
      throw new InputError(
        DEPLOY_INPUTS.identityDomainUrl,
        `is required unless both '${DEPLOY_INPUTS.issuer}' and '${DEPLOY_INPUTS.jwksUrl}' are set; use the identity domain URL, e.g. https://idcs-….identity.oraclecloud.com`,
      );
    }
    return serviceUrl(DEPLOY_INPUTS.identityDomainUrl, value, "https://idcs-….identity.oraclecloud.com");
  });
  const audiences = check(() => {
    const items = list(raw(DEPLOY_INPUTS.audiences));
    if (items.length === 0 && !imageOnly) {
      throw new InputError(
        DEPLOY_INPUTS.audiences,
        "is required for command 'deploy'; use the resource application's primary audience, e.g. https://usage.example.com/",
      );
    }
    for (const item of items) {
      if (CONTROL.test(item) || /\s/.test(item))
        throw new InputError(DEPLOY_INPUTS.audiences, `${quote(item)} must not contain spaces`);
    }
    if (new Set(items).size !== items.length)
      throw new InputError(DEPLOY_INPUTS.audiences, "lists an audience twice");
    return items;
  });
  const maxClockSkew = check(() =>
    parseInteger(
      DEPLOY_INPUTS.maxClockSkew,
      raw(DEPLOY_INPUTS.maxClockSkew),
      0,
      MAX_CLOCK_SKEW_SECONDS,
      "seconds",
    ),
  );
  const requiredScopes = check(() => {
    const items = list(raw(DEPLOY_INPUTS.requiredScope));
    for (const item of items) {
      if (item.includes("://") || item.includes("/")) {
        throw new InputError(
          DEPLOY_INPUTS.requiredScope,
          `${quote(item)} includes the audience; the token's scope claim holds scope names only, e.g. usage.read`,
        );
      }
      if (!SCOPE_NAME.test(item))
        throw new InputError(DEPLOY_INPUTS.requiredScope, `${quote(item)} is not a scope name`);
    }
    return [...new Set(items)];
  });
  const rateLimit = check(() => {
    const value = raw(DEPLOY_INPUTS.rateLimit);
    return value === ""
      ? undefined
      : parseInteger(DEPLOY_INPUTS.rateLimit, value, 1, MAX_RATE_LIMIT, "requests per second");
  });
  const waitTimeout = check(() =>
    parseInteger(DEPLOY_INPUTS.waitTimeout, raw(DEPLOY_INPUTS.waitTimeout), 1, MAX_WAIT_MINUTES, "minutes"),
  );

  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new UserFacingError(errors.map((e) => e.message).join("; "));

  const common: CommonDeployInputs = {
    auth: auth!,
    image: {
      registry: registry!,
      namespace,
      repository,
      tagTemplate,
      username,
      password: registryPassword === "" ? undefined : registryPassword,
      baseImage: base!.value,
      baseImageSource: base!.source,
      baseUsername,
      basePassword: basePassword === "" ? undefined : basePassword,
      platforms,
    },
    waitTimeoutMs: waitTimeout! * 60_000,
    dryRun,
    githubSha,
  };
  if (imageOnly) return { ...common, imageOnly: true, applicationId };
  return {
    ...common,
    imageOnly: false,
    fn: {
      applicationId: applicationId!,
      name: functionName!,
      functionId,
      memoryInMBs: memory!,
      timeoutInSeconds: timeout!,
      config: config!,
    },
    gateway: {
      gatewayId: gatewayId!,
      compartmentId,
      deploymentName: deploymentName!,
      pathPrefix: pathPrefix!,
      identityDomainUrl,
      issuer,
      audiences: audiences!,
      jwksMode: jwksMode!,
      jwksUrl,
      maxClockSkewSeconds: maxClockSkew!,
      requiredScopes: requiredScopes!,
      rateLimit,
    },
  };
}
