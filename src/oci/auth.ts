// OCI API-key auth for the SDK clients. The key comes from the action's inputs, or else from the environment
// variables the oracle-actions use (OCI_CLI_TENANCY, OCI_CLI_USER, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_CONTENT,
// OCI_CLI_REGION), one field at a time. Everything is checked before the first call: OCID shapes, the
// fingerprint's form, that the PEM parses (with its passphrase) as an RSA key, and that the fingerprint is the
// key's own, so a mixed-up key fails here with a message instead of as a 401 later.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as common from "oci-common";
import { InputError } from "../lib/errors.js";
import {
  type InputProblems,
  input,
  inputText,
  optional,
  readInputTable,
  secureUrl,
  singleLine,
} from "../lib/inputs.js";
import { DEFAULT_OCI_AUDIENCE } from "../lib/oidc-constants.js";
import { quote } from "../lib/text.js";
import { ocidOf } from "./ocid.js";
import type { ExchangeSettings, OciSession, SessionAuthProvider } from "./session.js";

/** Where a credential can come from, in the order they are tried. */
type CredentialSource = "input" | "env";

/** One credential of the API key: its input, the oracle-actions' environment variable, what it is, and its check. */
interface CredentialSpec {
  input: string;
  env: string;
  /** For the "is required" message. */
  what: string;
  /** The text as picked (trimmed) becomes the value; throws InputError naming `name`. */
  parse: (text: string, name: string) => string;
}

/** The credentials picked from the inputs, else the environment variables of oracle-actions/run-oci-cli-command. */
const CREDENTIALS = {
  tenancy: {
    input: "oci-tenancy",
    env: "OCI_CLI_TENANCY",
    what: "the tenancy OCID",
    parse: ocidOf("tenancy"),
  },
  user: {
    input: "oci-user",
    env: "OCI_CLI_USER",
    what: "the OCID of the user the API key belongs to",
    parse: ocidOf("user"),
  },
  fingerprint: {
    input: "oci-fingerprint",
    env: "OCI_CLI_FINGERPRINT",
    what: "the API key's fingerprint",
    parse: fingerprintText,
  },
  privateKey: {
    input: "oci-private-key",
    env: "OCI_CLI_KEY_CONTENT",
    what: "the API key's private key, PEM content",
    parse: (text) => normalizePem(text),
  },
  region: {
    input: "oci-region",
    env: "OCI_CLI_REGION",
    what: "the region to deploy to, e.g. us-ashburn-1",
    parse: regionId,
  },
} as const satisfies Record<string, CredentialSpec>;

type Field = keyof typeof CREDENTIALS;

/** The SDK endpoint overrides (advanced: private endpoints, the local sandbox). */
const ENDPOINT_TABLE = {
  functions: input("oci-functions-endpoint", optional(endpointUrl)),
  apigateway: input("oci-apigateway-endpoint", optional(endpointUrl)),
  artifacts: input("oci-artifacts-endpoint", optional(endpointUrl)),
};

const PASSPHRASE_INPUT = "oci-private-key-passphrase";

/** `oci-auth`: how deploy and setup sign their OCI calls. */
const AUTH_MODES = ["api-key", "oidc"] as const;
type AuthMode = (typeof AUTH_MODES)[number];

/** The inputs of `oci-auth: oidc`: the trust's OAuth client and the audience asked of GitHub. */
const OIDC_TABLE = {
  clientId: input("oidc-client-id", optional(singleLine({ noSpaces: true }))),
  clientSecret: input("oidc-client-secret", optional(singleLine()), { secret: true }),
  audience: input("oidc-audience", singleLine({ noSpaces: true }), { default: DEFAULT_OCI_AUDIENCE }),
};

/** Where the exchange is; the command's own table reports a bad or missing value. */
const DOMAIN_URL_INPUT = "identity-domain-url";

export const OCI_INPUTS = {
  tenancy: CREDENTIALS.tenancy.input,
  user: CREDENTIALS.user.input,
  fingerprint: CREDENTIALS.fingerprint.input,
  privateKey: CREDENTIALS.privateKey.input,
  passphrase: PASSPHRASE_INPUT,
  region: CREDENTIALS.region.input,
  functionsEndpoint: ENDPOINT_TABLE.functions.name,
  apigatewayEndpoint: ENDPOINT_TABLE.apigateway.name,
  artifactsEndpoint: ENDPOINT_TABLE.artifacts.name,
  ociAuth: "oci-auth",
  oidcClientId: OIDC_TABLE.clientId.name,
  oidcClientSecret: OIDC_TABLE.clientSecret.name,
  oidcAudience: OIDC_TABLE.audience.name,
} as const;

/** `oci-auth`'s default, as action.yml declares it (the others' defaults are in their tables). */
export const OCI_AUTH_DEFAULTS: Record<string, string> = {
  [OCI_INPUTS.ociAuth]: "api-key",
  [OIDC_TABLE.audience.name]: DEFAULT_OCI_AUDIENCE,
};

/** The environment variables of oracle-actions/run-oci-cli-command, by credential (the local command reads them). */
export const OCI_ENV = {
  tenancy: CREDENTIALS.tenancy.env,
  user: CREDENTIALS.user.env,
  fingerprint: CREDENTIALS.fingerprint.env,
  privateKey: CREDENTIALS.privateKey.env,
  region: CREDENTIALS.region.env,
} as const;

interface OciEndpoints {
  functions?: string;
  apigateway?: string;
  artifacts?: string;
}

/** Where the calls go, whichever way they are signed. */
interface OciTarget {
  region: string;
  /** Lower-case region key (`iad`) when the SDK knows the region, for the OCIR host. */
  regionKey: string | undefined;
  endpoints: OciEndpoints;
}

/** `oci-auth: oidc` as checked: what the exchange needs; the session is opened by `signInOci`. */
export interface OidcAuthRequest extends OciTarget {
  kind: "oidc";
  /** `oci-tenancy`, else the UPST's `tenant` claim. */
  tenancyId: string | undefined;
  exchange: ExchangeSettings;
}

/** A keyless session: every call is signed with `ST$<upst>` and an ephemeral key. */
export interface SessionAuth extends OciTarget {
  kind: "session";
  tenancyId: string;
  /** The service user the trust mapped this job to (the UPST's `sub`). */
  userId: string;
  /** The GitHub token's subject, for the log. */
  subject: string;
  session: OciSession;
  provider: SessionAuthProvider;
}

/** The checked inputs: an API key, or what a keyless session needs. */
export type OciAuthRequest = ApiKeyAuth | OidcAuthRequest;

/** What the SDK clients are made with. */
export type OciAuth = ApiKeyAuth | SessionAuth;

export interface ApiKeyAuth {
  kind: "api-key";
  tenancyId: string;
  userId: string;
  fingerprint: string;
  privateKeyPem: string;
  passphrase: string | undefined;
  region: string;
  /** Lower-case region key (`iad`) when the SDK knows the region, for the OCIR host. */
  regionKey: string | undefined;
  endpoints: OciEndpoints;
  /** Where each credential came from, for the log. */
  sources: Record<Field, CredentialSource>;
}

const FINGERPRINT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){15}$/;
const REGION = /^[a-z]{2,}(?:-[a-z0-9]+)+-\d+$/;
const MIN_KEY_BITS = 2048;

/** The API-key fingerprint: MD5 of the DER SubjectPublicKeyInfo, colon-separated lower-case hex. */
export function keyFingerprint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)?.join(":") ?? "";
}

/**
 * A PEM as people paste it into secrets: CRLF line ends, surrounding blank lines, or one line with literal
 * "\n" escapes (common when the key went through JSON or a .env file).
 */
export function normalizePem(text: string): string {
  let pem = text.replace(/\r\n?/g, "\n").trim();
  if (!pem.includes("\n") && pem.includes("\\n")) pem = pem.replace(/\\n/g, "\n").trim();
  return `${pem}\n`;
}

/** Parse the private key; the message names the input and says how to fix it. */
function parsePrivateKey(pem: string, passphrase: string | undefined): KeyObject {
  const name = OCI_INPUTS.privateKey;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new InputError(
      name,
      /-----BEGIN (?:RSA )?PUBLIC KEY-----/.test(pem)
        ? "holds a public key; give the API key's private key (PEM), not the public half uploaded to OCI"
        : "is not a PEM private key; paste the whole file, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----",
    );
  }
  if (!passphrase && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new InputError(name, `is encrypted; set '${OCI_INPUTS.passphrase}' to its passphrase`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", ...(passphrase ? { passphrase } : {}) });
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    if (code === "ERR_MISSING_PASSPHRASE" || /passphrase required/i.test(String(err))) {
      throw new InputError(name, `is encrypted; set '${OCI_INPUTS.passphrase}' to its passphrase`);
    }
    // A wrong passphrase usually fails the padding check ("bad decrypt"), but about once in 256 tries it
    // decrypts to garbage that fails as ASN.1 instead: for an encrypted PEM, any failure is the passphrase's.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
    if (passphrase && (encrypted || /bad decrypt|decrypt/i.test(`${code} ${String(err)}`))) {
      throw new InputError(
        OCI_INPUTS.passphrase,
        `does not decrypt the key in '${name}'; check the passphrase`,
      );
    }
    throw new InputError(name, "could not be read as a PEM private key; check that the whole key was pasted");
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new InputError(name, `is a ${key.asymmetricKeyType ?? "non-RSA"} key; OCI API keys are RSA keys`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_KEY_BITS) {
    throw new InputError(name, `is a ${bits}-bit RSA key; OCI API keys are at least ${MIN_KEY_BITS} bits`);
  }
  return key;
}

/** An advanced endpoint override: an absolute http(s) URL (http only on loopback), no credentials or query. */
export function endpointUrl(raw: string, name: string): string {
  const url = secureUrl(name, raw, { example: "https://functions.us-ashburn-1.oci.oraclecloud.com" });
  return url.origin + url.pathname.replace(/\/+$/, "");
}

function fingerprintText(text: string, name: string): string {
  const fingerprint = text.toLowerCase();
  if (!FINGERPRINT.test(fingerprint)) {
    throw new InputError(
      name,
      "is not an API key fingerprint; use the 16 colon-separated hex pairs the console shows (aa:bb:…:ff)",
    );
  }
  return fingerprint;
}

function regionId(text: string, name: string): string {
  const region = text.toLowerCase();
  if (!REGION.test(region)) {
    throw new InputError(name, `'${region.slice(0, 40)}' is not a region identifier; use e.g. us-ashburn-1`);
  }
  return region;
}

type Get = (name: string) => string;
type Env = Record<string, string | undefined>;

/** How each source reads one credential ("" when it does not hold it). */
const SOURCES: Record<CredentialSource, (spec: CredentialSpec, get: Get, env: Env) => string> = {
  input: (spec, get) => get(spec.input).trim(),
  env: (spec, _get, env) => (env[spec.env] ?? "").trim(),
};

interface PickedCredentials {
  text: Record<Field, string>;
  sources: ApiKeyAuth["sources"];
}

/** Each credential from the first source that holds it. */
function pickCredentials(
  get: Get,
  env: Env,
  fields = Object.keys(CREDENTIALS) as Field[],
): PickedCredentials {
  const text = {} as Record<Field, string>;
  const sources = {} as ApiKeyAuth["sources"];
  for (const field of Object.keys(CREDENTIALS) as Field[]) text[field] = "";
  for (const field of fields) {
    for (const source of Object.keys(SOURCES) as CredentialSource[]) {
      const value = SOURCES[source](CREDENTIALS[field], get, env);
      if (value === "") continue;
      text[field] = value;
      sources[field] = source;
      break;
    }
  }
  return { text, sources };
}

/** The key (as given and as it will be used) and its passphrase, masked before anything can print them. */
function maskKey(rawKey: string, passphrase: string, mask: (secret: string) => void): void {
  if (rawKey !== "") mask(rawKey);
  if (rawKey !== "" && normalizePem(rawKey) !== `${rawKey}\n`) mask(normalizePem(rawKey).trim());
  if (passphrase !== "") mask(passphrase);
}

/**
 * Each credential checked alone; a missing one names its input and its environment variable. Only those in
 * `required` must be there (all of them for an API key).
 */
function checkCredentials(
  picked: PickedCredentials,
  problems: InputProblems,
  command: string,
  required = Object.keys(CREDENTIALS) as Field[],
): Partial<Record<Field, string>> {
  const values: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(CREDENTIALS) as Field[]) {
    const spec: CredentialSpec = CREDENTIALS[field];
    const text = picked.text[field];
    if (text === "" && !required.includes(field)) continue;
    if (text === "") {
      problems.add(
        new InputError(
          spec.input,
          `is required for command '${command}' (${spec.what}); set the input or the ${spec.env} environment variable`,
        ),
      );
      continue;
    }
    problems.check(() => {
      values[field] = spec.parse(text, spec.input);
    });
  }
  return values;
}

/** The key parses (with its passphrase) as an RSA key, and the fingerprint given is that key's. */
function checkKeyMatches(pem: string, passphrase: string | undefined, fingerprint: string | undefined): void {
  const actual = keyFingerprint(parsePrivateKey(pem, passphrase));
  if (fingerprint !== undefined && actual !== fingerprint) {
    throw new InputError(
      OCI_INPUTS.fingerprint,
      `${fingerprint} is not the fingerprint of the key in '${OCI_INPUTS.privateKey}' (that key's is ${actual}); the fingerprint and the private key must be of the same API key`,
    );
  }
}

/** The credentials as picked from their sources, masked; `checkOciAuth` checks them. */
interface PickedOciAuth {
  /** `oci-auth` as given ("" for the default). */
  mode: string;
  credentials: PickedCredentials;
  passphrase: string | undefined;
}

/**
 * Pick the API key's credentials (each from the input, else its OCI_CLI_* variable) and mask the key and the
 * passphrase at once, before anything else reads them. With `oci-auth: oidc` no key is read: the trust's
 * client secret is masked instead. `get` reads an action input ("" when unset); `env` is process.env;
 * `mask` is core.setSecret.
 */
export function pickOciAuth(get: Get, env: Env, mask: (secret: string) => void): PickedOciAuth {
  const mode = get(OCI_INPUTS.ociAuth).trim();
  if (mode.toLowerCase() === "oidc") {
    const secret = get(OCI_INPUTS.oidcClientSecret).trim();
    if (secret !== "") mask(secret);
    const credentials = pickCredentials(get, env, ["tenancy", "region"]);
    return { mode, credentials, passphrase: undefined };
  }
  const credentials = pickCredentials(get, env);
  const passphrase = get(OCI_INPUTS.passphrase);
  maskKey(credentials.text.privateKey, passphrase, mask);
  return { mode, credentials, passphrase: passphrase === "" ? undefined : passphrase };
}

function authMode(picked: PickedOciAuth): AuthMode {
  const mode = picked.mode === "" ? "api-key" : picked.mode.toLowerCase();
  const found = AUTH_MODES.find((m) => m === mode);
  if (!found) {
    throw new InputError(
      OCI_INPUTS.ociAuth,
      `${quote(picked.mode)} is not allowed; use api-key (an OCI API key) or oidc (the job's GitHub OIDC token, no key)`,
    );
  }
  return found;
}

/**
 * Check the picked credentials. Every problem is added to `problems` (as InputErrors naming the input, and a
 * missing one naming `command`); the auth is returned only when there is none.
 */
export function checkOciAuth(
  picked: PickedOciAuth,
  get: Get,
  problems: InputProblems,
  command = "deploy",
): OciAuthRequest | undefined {
  const mode = problems.check(() => authMode(picked));
  if (mode === undefined) return undefined;
  return mode === "oidc"
    ? checkOidcAuth(picked, get, problems, command)
    : checkApiKeyAuth(picked, get, problems, command);
}

function readEndpoints(get: Get, problems: InputProblems): OciEndpoints {
  const endpoints = readInputTable(ENDPOINT_TABLE, get, problems, () => {});
  return Object.fromEntries(Object.entries(endpoints).filter(([, url]) => url !== undefined)) as OciEndpoints;
}

function checkApiKeyAuth(
  picked: PickedOciAuth,
  get: Get,
  problems: InputProblems,
  command: string,
): ApiKeyAuth | undefined {
  const before = problems.errors.length;
  const values = checkCredentials(picked.credentials, problems, command);
  const { privateKey: privateKeyPem, tenancy, user, fingerprint, region } = values;
  if (privateKeyPem !== undefined) {
    problems.check(() => checkKeyMatches(privateKeyPem, picked.passphrase, fingerprint));
  }
  const endpoints = readEndpoints(get, problems);
  if (problems.errors.length > before) return undefined;
  return {
    kind: "api-key",
    tenancyId: tenancy!,
    userId: user!,
    fingerprint: fingerprint!,
    privateKeyPem: privateKeyPem!,
    passphrase: picked.passphrase,
    region: region!,
    regionKey: regionKeyOf(region!),
    endpoints,
    sources: picked.credentials.sources,
  };
}

/** `oci-auth: oidc`: the region (required), the tenancy (optional), the trust's client and the audience. */
function checkOidcAuth(
  picked: PickedOciAuth,
  get: Get,
  problems: InputProblems,
  command: string,
): OidcAuthRequest | undefined {
  const before = problems.errors.length;
  const values = checkCredentials(picked.credentials, problems, command, ["region"]);
  const oidc = readInputTable(OIDC_TABLE, get, problems, () => {});
  const missing = (name: string, what: string) =>
    new InputError(
      name,
      `is required with '${OCI_INPUTS.ociAuth}: oidc' (${what}); pass the ${name === OCI_INPUTS.oidcClientId ? "OIDC_CLIENT_ID" : "OIDC_CLIENT_SECRET"} secret that setup wrote`,
    );
  if (oidc.clientId === undefined && inputText(OIDC_TABLE.clientId, get) === "") {
    problems.add(missing(OCI_INPUTS.oidcClientId, "the OAuth client of the Identity Propagation Trust"));
  }
  if (oidc.clientSecret === undefined && inputText(OIDC_TABLE.clientSecret, get) === "") {
    problems.add(missing(OCI_INPUTS.oidcClientSecret, "the secret of the trust's OAuth client"));
  }
  const endpoints = readEndpoints(get, problems);
  if (problems.errors.length > before) return undefined;
  return {
    kind: "oidc",
    tenancyId: values.tenancy,
    region: values.region!,
    regionKey: regionKeyOf(values.region!),
    endpoints,
    exchange: {
      domainUrl: domainUrlOf(get),
      clientId: oidc.clientId!,
      clientSecret: oidc.clientSecret!,
      audience: oidc.audience!,
    },
  };
}

/** The identity domain URL without a trailing slash; "" when absent or bad (the command reports it). */
function domainUrlOf(get: Get): string {
  try {
    return secureUrl(DOMAIN_URL_INPUT, get(DOMAIN_URL_INPUT).trim(), { example: "" }).href.replace(
      /\/+$/,
      "",
    );
  } catch {
    return "";
  }
}

/** `us-ashburn-1` → `iad`, from the SDK's region table; undefined for a region the SDK does not know. */
function regionKeyOf(regionId: string): string | undefined {
  try {
    return common.Region.fromRegionId(regionId)?.regionCode?.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The SDK provider: the session's, or one for the checked key. */
export function authenticationProvider(auth: OciAuth): common.AuthenticationDetailsProvider {
  if (auth.kind === "session") return auth.provider;
  const region = (() => {
    try {
      return common.Region.fromRegionId(auth.region);
    } catch {
      return undefined;
    }
  })();
  return new common.SimpleAuthenticationDetailsProvider(
    auth.tenancyId,
    auth.userId,
    auth.fingerprint,
    auth.privateKeyPem,
    auth.passphrase ?? null,
    region,
  );
}
