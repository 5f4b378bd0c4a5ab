// OCI API-key auth for the SDK clients. The key comes from the action's inputs, or else from the environment
// variables the oracle-actions use (OCI_CLI_TENANCY, OCI_CLI_USER, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_CONTENT,
// OCI_CLI_REGION), one field at a time. Everything is checked before the first call: OCID shapes, the
// fingerprint's form, that the PEM parses (with its passphrase) as an RSA key, and that the fingerprint is the
// key's own, so a mixed-up key fails here with a message instead of as a 401 later.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as common from "oci-common";
import { InputError } from "../lib/errors.js";
import { type InputProblems, input, optional, readInputTable, secureUrl } from "../lib/inputs.js";
import { ocidOf } from "./ocid.js";

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
} as const;

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

export interface OciAuth {
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
    if (passphrase && /bad decrypt|decrypt/i.test(`${code} ${String(err)}`)) {
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
  sources: OciAuth["sources"];
}

/** Each credential from the first source that holds it. */
function pickCredentials(get: Get, env: Env): PickedCredentials {
  const text = {} as Record<Field, string>;
  const sources = {} as OciAuth["sources"];
  for (const field of Object.keys(CREDENTIALS) as Field[]) {
    text[field] = "";
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

/** Each credential checked alone; a missing one names its input and its environment variable. */
function checkCredentials(
  picked: PickedCredentials,
  problems: InputProblems,
  command: string,
): Partial<Record<Field, string>> {
  const values: Partial<Record<Field, string>> = {};
  for (const field of Object.keys(CREDENTIALS) as Field[]) {
    const spec: CredentialSpec = CREDENTIALS[field];
    const text = picked.text[field];
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

/** The API key as picked from its sources, masked; `checkOciAuth` checks it. */
interface PickedOciAuth {
  credentials: PickedCredentials;
  passphrase: string | undefined;
}

/**
 * Pick the API key's credentials (each from the input, else its OCI_CLI_* variable) and mask the key and the
 * passphrase at once, before anything else reads them. `get` reads an action input ("" when unset); `env` is
 * process.env; `mask` is core.setSecret.
 */
export function pickOciAuth(get: Get, env: Env, mask: (secret: string) => void): PickedOciAuth {
  const credentials = pickCredentials(get, env);
  const passphrase = get(OCI_INPUTS.passphrase);
  maskKey(credentials.text.privateKey, passphrase, mask);
  return { credentials, passphrase: passphrase === "" ? undefined : passphrase };
}

/**
 * Check the picked key. Every problem is added to `problems` (as InputErrors naming the input, and a missing
 * one naming `command`); the auth is returned only when there is none.
 */
export function checkOciAuth(
  picked: PickedOciAuth,
  get: Get,
  problems: InputProblems,
  command = "deploy",
): OciAuth | undefined {
  const before = problems.errors.length;
  const values = checkCredentials(picked.credentials, problems, command);
  const { privateKey: privateKeyPem, tenancy, user, fingerprint, region } = values;
  if (privateKeyPem !== undefined) {
    problems.check(() => checkKeyMatches(privateKeyPem, picked.passphrase, fingerprint));
  }
  const endpoints = readInputTable(ENDPOINT_TABLE, get, problems, () => {});
  if (problems.errors.length > before) return undefined;
  return {
    tenancyId: tenancy!,
    userId: user!,
    fingerprint: fingerprint!,
    privateKeyPem: privateKeyPem!,
    passphrase: picked.passphrase,
    region: region!,
    regionKey: regionKeyOf(region!),
    endpoints: Object.fromEntries(
      Object.entries(endpoints).filter(([, url]) => url !== undefined),
    ) as OciEndpoints,
    sources: picked.credentials.sources,
  };
}

/** `us-ashburn-1` → `iad`, from the SDK's region table; undefined for a region the SDK does not know. */
function regionKeyOf(regionId: string): string | undefined {
  try {
    return common.Region.fromRegionId(regionId)?.regionCode?.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The SDK provider for the checked key. */
export function authenticationProvider(auth: OciAuth): common.SimpleAuthenticationDetailsProvider {
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
