// The `setup` command's inputs: one table (names and defaults exactly as action.yml declares them; a unit
// test checks both), read once and checked before any call. The OCI API key is read as deploy reads it
// (inputs, then OCI_CLI_*). Inputs that deploy has too (compartment-id, repository, function-name,
// identity-domain-url, wait-timeout, dry-run) keep their names, so one set of workflow variables serves both.
import { InputError } from "../lib/errors.js";
import {
  booleanInput,
  InputProblems,
  input,
  inputDefaults,
  inputNames,
  oneOf,
  optional,
  readInputTable,
  required,
  secureUrl,
  singleLine,
  wholeNumber,
} from "../lib/inputs.js";
import { DEFAULT_OCI_AUDIENCE, GITHUB_ISSUER } from "../lib/oidc-constants.js";
import { quote } from "../lib/text.js";
import {
  checkOciAuth,
  endpointUrl,
  OCI_AUTH_DEFAULTS,
  OCI_INPUTS,
  type OciAuth,
  type OciAuthRequest,
  pickOciAuth,
} from "../oci/auth.js";
import { type OcidKind, ocidOf } from "../oci/ocid.js";

const APPLICATION_SHAPES = ["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"] as const;
export type ApplicationShape = (typeof APPLICATION_SHAPES)[number];

/** The name of the Default identity domain: its dynamic groups are served by the Identity API. */
export const DEFAULT_DOMAIN = "Default";
const MAX_WAIT_MINUTES = 120;

function ocid(kind: OcidKind, what: string) {
  return required<string>(ocidOf(kind), `is required for command 'setup'; set it to ${what}`);
}

/** An IAM or display name: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 100. */
const iamName = (text: string, name: string): string => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a valid name; use letters, digits, '.', '_' and '-' (at most 100, no spaces)`,
    );
  }
  return text;
};

/** An OCIR repository name: lower case, path segments joined by `/`, `.`, `_` or `-`. */
const repositoryName = (text: string, name: string): string => {
  if (!/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(text) || text.length > 255) {
    throw new InputError(
      name,
      `${quote(text)} is not a repository name; use lower-case letters, digits and '.', '_', '-', '/' between them`,
    );
  }
  return text;
};

const scopeName = (text: string, name: string): string => {
  if (!/^[\x21-\x7e]{1,100}$/.test(text) || text.includes("/")) {
    throw new InputError(
      name,
      `${quote(text)} is not a scope name; use printable characters without spaces or '/', e.g. usage.read`,
    );
  }
  return text;
};

const urlText = (example: string) => (text: string, name: string) => secureUrl(name, text, { example }).href;

/** owner/name, as GitHub spells a repository. */
const repositoryFullName = (text: string, name: string): string => {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(text)) {
    throw new InputError(
      name,
      `${quote(text)} is not a repository; use owner/name, e.g. octo-org/usage-reports`,
    );
  }
  return text;
};

const gitRef = (text: string, name: string): string => {
  if (!/^refs\/(heads|tags)\/[^\s]+$/.test(text)) {
    throw new InputError(name, `${quote(text)} is not a full ref; use e.g. refs/heads/main or refs/tags/v1`);
  }
  return text;
};

/** Without a trailing slash: it must equal the tokens' `iss` exactly. */
const issuerUrl = (text: string, name: string) =>
  secureUrl(name, text, { example: GITHUB_ISSUER }).href.replace(/\/+$/, "");

const domainUrl = (text: string, name: string) =>
  secureUrl(name, text, { example: "https://idcs-0123….identity.oraclecloud.com" }).origin;

export const SETUP_TABLE = {
  compartmentId: input(
    "compartment-id",
    ocid("compartment", "the compartment that gets the application, gateway and repository"),
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
    required(domainUrl, "is required for command 'setup'; set it to the identity domain URL"),
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
    default: "20",
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
  trustName: input("trust-name", iamName, { default: "usage-api-github" }),
};

/** Every input setup reads: the table's and the API key's. */
export const SETUP_INPUTS = { ...OCI_INPUTS, ...inputNames(SETUP_TABLE) };
export const SETUP_DEFAULTS = { ...OCI_AUTH_DEFAULTS, ...inputDefaults(SETUP_TABLE) };

export const SETUP_OUTPUTS = {
  applicationId: "application-id",
  gatewayId: "gateway-id",
  repository: "repository",
  audience: "audience",
  scope: "scope",
  clientId: "client-id",
  identityDomainUrl: "identity-domain-url",
  issuer: "issuer",
} as const;

type TableValues = {
  [K in keyof typeof SETUP_TABLE]: (typeof SETUP_TABLE)[K] extends { parse: (...a: never[]) => infer V }
    ? V
    : never;
};

/** The inputs as read (the auth an `OciAuthRequest`), or signed in (`SignedSetupInputs`, what the flow uses). */
export interface SetupInputs<A extends OciAuthRequest | OciAuth = OciAuthRequest> extends TableValues {
  auth: A;
  /** owner/name of the repository the Actions secret and variables go to (GITHUB_REPOSITORY). */
  githubRepository: string | undefined;
}

export type SignedSetupInputs = SetupInputs<OciAuth>;

interface ReadSetupOptions {
  mask: (secret: string) => void;
  env: Record<string, string | undefined>;
}

/** Read and check every input; all problems are reported at once, each naming its input. */
export function readSetupInputs(get: (name: string) => string, options: ReadSetupOptions): SetupInputs {
  const problems = new InputProblems();
  const picked = pickOciAuth(get, options.env, options.mask);
  const values = readInputTable(SETUP_TABLE, get, problems, options.mask);
  const auth = checkOciAuth(picked, get, problems, "setup");
  const githubRepository =
    values.githubRepositoryName ?? (options.env.GITHUB_REPOSITORY?.trim() || undefined);
  if (values.keyless && !githubRepository) {
    problems.add(
      new InputError(
        SETUP_INPUTS.githubRepositoryName,
        "is required with 'keyless: true' (the repository whose workflows deploy without a key); set it to owner/name, or run in that repository's workflow (GITHUB_REPOSITORY)",
      ),
    );
  }
  if (values.githubToken && !githubRepository) {
    problems.add(
      new InputError(
        SETUP_INPUTS.githubToken,
        "needs GITHUB_REPOSITORY (owner/name) to know where the secret and variables go; set it, or leave github-token empty",
      ),
    );
  }
  problems.throwIfAny();
  return { ...(values as TableValues), auth: auth as OciAuthRequest, githubRepository };
}
