// The local command, `usage-api-action setup --compartment-id … --subnet-id …`, for the tenancy admin who
// runs setup once from a laptop. Its flags are the action's inputs (from the same table), plus
// --config-file, --profile and --github-repository. The API key comes, field by field, in the OCI CLI's
// order: flags, then OCI_CLI_* variables, then a profile of the OCI config file. Without --github-token
// the client secret goes to a 0600 file, whose path is printed with the `gh` lines that read it.
import { oneLine, UserFacingError } from "./lib/errors.js";
import { secretForms } from "./lib/mask.js";
import { redact, safeLogLine } from "./lib/text.js";
import { OCI_ENV, OCI_INPUTS } from "./oci/auth.js";
import { DEFAULT_CONFIG_FILE, DEFAULT_PROFILE, expandHome, type LoadedProfile } from "./oci/config-file.js";
import { createSetupDeps, runSetup, type SetupDeps } from "./setup/index.js";
import { readSetupInputs, SETUP_DEFAULTS, SETUP_INPUTS, SETUP_TABLE } from "./setup/inputs.js";

const CLI_FLAGS = {
  configFile: "config-file",
  profile: "profile",
  githubRepository: "github-repository",
} as const;
const BOOLEAN_FLAGS = new Set<string>([SETUP_INPUTS.dryRun]);
const KNOWN_FLAGS = new Set<string>([...Object.values(SETUP_INPUTS), ...Object.values(CLI_FLAGS)]);

interface ParsedArgs {
  command: string | undefined;
  flags: Map<string, string>;
  help: boolean;
}

/** `setup --name value`, `--name=value`, a bare `--dry-run`; unknown flags are refused with the list's hint. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  let command: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      if (command !== undefined)
        throw new UserFacingError(`unexpected argument '${arg}'; flags start with --`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!KNOWN_FLAGS.has(name))
      throw new UserFacingError(`unknown flag --${name}; run with --help for the list`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(name) && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--")))
      value = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UserFacingError(`flag --${name} needs a value`);
      value = next;
      i++;
    }
    flags.set(name, value);
  }
  return { command, flags, help };
}

/** One line per flag for --help (action.yml holds the long descriptions). */
const FLAG_HELP: Record<string, string> = {
  "oci-tenancy": "tenancy OCID (or OCI_CLI_TENANCY, or the profile's tenancy)",
  "oci-user": "user OCID of the API key (or OCI_CLI_USER, or the profile's user)",
  "oci-fingerprint": "API key fingerprint (or OCI_CLI_FINGERPRINT, or the profile's fingerprint)",
  "oci-private-key":
    "API private key, PEM (or OCI_CLI_KEY_CONTENT, OCI_CLI_KEY_FILE, or the profile's key_file)",
  "oci-private-key-passphrase": "passphrase of the key (or OCI_CLI_PASSPHRASE, or the profile's pass_phrase)",
  "oci-region": "region, e.g. us-ashburn-1 (or OCI_CLI_REGION, or the profile's region)",
  "oci-functions-endpoint": "advanced: Functions API base URL",
  "oci-apigateway-endpoint": "advanced: API Gateway API base URL",
  "oci-artifacts-endpoint": "advanced: Artifacts API base URL",
  "oci-identity-endpoint": "advanced: Identity API base URL",
  "oci-auth": "api-key, or oidc: the GitHub OIDC token of an Actions job (not for a local run)",
  "oidc-client-id": "with oci-auth oidc: the trust's OAuth client ID",
  "oidc-client-secret": "with oci-auth oidc: that client's secret",
  "oidc-audience": "with oci-auth oidc: the GitHub token's audience",
  "compartment-id": "compartment of the repository, application and gateway",
  "subnet-id": "public subnet of the application and the gateway",
  "application-name": "Functions application display name",
  "application-shape": "GENERIC_X86, GENERIC_ARM or GENERIC_X86_ARM",
  "function-name": "the function deploy creates (narrows the dynamic group once it exists)",
  "gateway-name": "API gateway display name",
  repository: "OCIR repository name",
  "dynamic-group-name": "the function's dynamic group",
  "policy-name": "the policy in the root compartment",
  "deployer-group": "group of the user that runs deploy, named in the policy",
  "identity-domain-url": "identity domain URL, https://idcs-….identity.oraclecloud.com",
  "identity-domain-name": "the domain's name; not Default: its own API serves the dynamic group",
  "resource-app-name": "resource-server application display name",
  "client-app-name": "confidential client application display name",
  audience: "primary audience (default https://<gateway hostname>/)",
  "scope-name": "the one scope of the resource application",
  "github-token": "token that may write the repository's Actions secrets and variables",
  "secret-file": "file (mode 0600) for the client secret (default ~/.oci/<client-app-name>.client-secret)",
  "wait-timeout": "minutes to wait for the application and the gateway",
  keyless: "also create the service user, exchange app and trust for keyless deploys",
  "github-ref": "with keyless: the ref the trust accepts",
  "github-environment": "with keyless: the GitHub environment the trust accepts instead of the ref",
  "github-oidc-issuer": "issuer of GitHub's OIDC tokens",
  "service-user-name": "with keyless: the service user the workflows act as",
  "exchange-app-name": "with keyless: the confidential app of the token exchange",
  "trust-name": "with keyless: the Identity Propagation Trust",
  "dry-run": "print the plan and change nothing",
  "config-file": `OCI config file (default ${DEFAULT_CONFIG_FILE}, or OCI_CLI_CONFIG_FILE)`,
  profile: `profile of the config file (default ${DEFAULT_PROFILE}, or OCI_CLI_PROFILE)`,
  "github-repository": "owner/name for --github-token and the gh lines (or GITHUB_REPOSITORY)",
};

const REQUIRED = new Set<string>([
  SETUP_INPUTS.compartmentId,
  SETUP_INPUTS.subnetId,
  SETUP_INPUTS.identityDomainUrl,
]);

/** Every flag, from the input table and the local ones: its name, what it is, its default or (required). */
export function helpText(): string {
  const names = [...new Set([...Object.values(SETUP_INPUTS), ...Object.values(CLI_FLAGS)])];
  const rows = names.map((name): [string, string] => {
    const def = SETUP_DEFAULTS[name];
    const tail = REQUIRED.has(name) ? " (required)" : def !== undefined ? ` (default ${def})` : "";
    return [`--${name}`, `${FLAG_HELP[name] ?? ""}${tail}`];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    "usage: usage-api-action setup --compartment-id <ocid> --subnet-id <ocid> --identity-domain-url <url> [flags]",
    "",
    "Creates (or updates) the OCIR repository, Functions application, API gateway, dynamic group, policy and",
    "identity-domain apps that deploy and report need; prints the plan first. The flags are the action's",
    "inputs (see action.yml and docs/setup.md). The API key: flags, then OCI_CLI_* variables, then the profile.",
    "",
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`.trimEnd()),
    `  ${"--help".padEnd(width)}  this text`,
  ].join("\n");
}

type AuthField = keyof typeof OCI_ENV | "passphrase";
const PROFILE_KEYS: Record<AuthField, string> = {
  tenancy: "tenancy",
  user: "user",
  fingerprint: "fingerprint",
  privateKey: "key_file",
  region: "region",
  passphrase: "pass_phrase",
};

export interface CliIo {
  env: Record<string, string | undefined>;
  readFile(path: string): Promise<string>;
  loadProfile(configFile: string, profile: string): Promise<LoadedProfile>;
  out(line: string): void;
  err(line: string): void;
}

/**
 * The value of each input: the flag; for the API key's fields, then OCI_CLI_* (readOciAuth reads those), then
 * the profile. The profile is read only when a field is still missing; a missing default config file is
 * then left to the "is required" messages, a missing --config-file is an error.
 */
export async function resolveInputs(
  flags: Map<string, string>,
  io: CliIo,
): Promise<{ values: Map<string, string>; sources: string[]; warnings: string[] }> {
  const values = new Map(flags);
  const sources: string[] = [];
  const warnings: string[] = [];
  const keyFile = io.env.OCI_CLI_KEY_FILE?.trim();
  if (!flags.get(OCI_INPUTS.privateKey) && !io.env[OCI_ENV.privateKey] && keyFile) {
    values.set(OCI_INPUTS.privateKey, await io.readFile(expandHome(keyFile)));
    sources.push(`the private key from OCI_CLI_KEY_FILE (${keyFile})`);
  }
  const fields = Object.keys(PROFILE_KEYS) as AuthField[];
  const envName = (f: AuthField) => (f === "passphrase" ? "OCI_CLI_PASSPHRASE" : OCI_ENV[f]);
  const missing = fields.filter((f) => !values.get(OCI_INPUTS[f]) && !io.env[envName(f)]?.trim());
  if (missing.some((f) => f !== "passphrase")) {
    const explicit = flags.get(CLI_FLAGS.configFile) ?? io.env.OCI_CLI_CONFIG_FILE;
    const profileName = flags.get(CLI_FLAGS.profile) ?? io.env.OCI_CLI_PROFILE ?? DEFAULT_PROFILE;
    let profile: LoadedProfile | undefined;
    try {
      profile = await io.loadProfile(explicit ?? DEFAULT_CONFIG_FILE, profileName);
    } catch (err) {
      if (explicit !== undefined || !/does not exist/.test(oneLine(err))) throw err;
    }
    if (profile) {
      warnings.push(...profile.warnings);
      const taken = missing.filter((field) => {
        const value = field === "privateKey" ? profile.keyContent : profile.values[PROFILE_KEYS[field]];
        if (value) values.set(OCI_INPUTS[field], value);
        return Boolean(value);
      });
      sources.push(
        `profile [${profile.profile}] of ${profile.path} for ${taken.map((f) => PROFILE_KEYS[f]).join(", ")}`,
      );
    }
  }
  if (!values.get(OCI_INPUTS.passphrase) && io.env.OCI_CLI_PASSPHRASE) {
    values.set(OCI_INPUTS.passphrase, io.env.OCI_CLI_PASSPHRASE);
  }
  return { values, sources, warnings };
}

/** Where the secret goes locally when no --secret-file (nor --github-token) is given. */
function defaultSecretFile(clientAppName: string): string {
  return `~/.oci/${clientAppName}.client-secret`;
}

/** The console logger of the local command: every line passes through the masks registered so far. */
export function consoleDeps(io: CliIo, base: SetupDeps = createSetupDeps()): SetupDeps {
  const secrets: string[] = [];
  const show = (line: string) => safeLogLine(redact(line, secrets));
  return {
    ...base,
    log: {
      info: (line) => io.err(show(line)),
      warning: (line) => io.err(`warning: ${show(line)}`),
      group: async (name, fn) => {
        io.err(`== ${show(name)}`);
        return fn();
      },
    },
    setOutput: (name, value) => io.out(show(`${name}=${value}`)),
    setSecret: (value) => {
      secrets.push(...secretForms(value));
      secrets.sort((a, b) => b.length - a.length);
    },
    printGhCommands: true,
  };
}

/** Run the local command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, deps?: SetupDeps): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help || args.command === undefined) {
      io.out(helpText());
      return args.help ? 0 : 2;
    }
    if (args.command !== "setup") throw new UserFacingError(`unknown command '${args.command}'; use setup`);
    const { values, sources, warnings } = await resolveInputs(args.flags, io);
    const setupDeps = deps ?? consoleDeps(io);
    for (const line of warnings) setupDeps.log.warning(line);
    if (!values.get(SETUP_INPUTS.githubToken) && !values.get(SETUP_INPUTS.secretFile)) {
      const client = values.get(SETUP_INPUTS.clientAppName) || SETUP_TABLE.clientAppName.default!;
      values.set(SETUP_INPUTS.secretFile, defaultSecretFile(client));
    }
    const secretFile = values.get(SETUP_INPUTS.secretFile);
    if (secretFile) values.set(SETUP_INPUTS.secretFile, expandHome(secretFile));
    const repository = args.flags.get(CLI_FLAGS.githubRepository);
    const env = { ...io.env, ...(repository ? { GITHUB_REPOSITORY: repository } : {}) };
    const inputs = readSetupInputs((name) => values.get(name) ?? "", { mask: setupDeps.setSecret, env });
    if (sources.length > 0)
      setupDeps.log.info(`API key: flags and OCI_CLI_* first, then ${sources.join("; ")}`);
    await runSetup(inputs, setupDeps);
    return 0;
  } catch (err) {
    io.err(`error: ${oneLine(err)}`);
    return 1;
  }
}
