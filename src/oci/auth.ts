// OCI API-key auth for the SDK clients. The key comes from the action's inputs, or else from the environment
// variables the oracle-actions use (OCI_CLI_TENANCY, OCI_CLI_USER, OCI_CLI_FINGERPRINT, OCI_CLI_KEY_CONTENT,
// OCI_CLI_REGION), one field at a time. Everything is checked before the first call: OCID shapes, the
// fingerprint's form, that the PEM parses (with its passphrase) as an RSA key, and that the fingerprint is the
// key's own, so a mixed-up key fails here with a message instead of as a 401 later.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as common from "oci-common";
import { InputError } from "../lib/errors.js";
import { secureUrl } from "../lib/inputs.js";
import { ocidProblem } from "./ocid.js";

export const OCI_INPUTS = {
  tenancy: "oci-tenancy",
  user: "oci-user",
  fingerprint: "oci-fingerprint",
  privateKey: "oci-private-key",
  passphrase: "oci-private-key-passphrase",
  region: "oci-region",
  functionsEndpoint: "oci-functions-endpoint",
  apigatewayEndpoint: "oci-apigateway-endpoint",
  artifactsEndpoint: "oci-artifacts-endpoint",
} as const;

/** The environment variables of oracle-actions/run-oci-cli-command and friends. */
export const OCI_ENV = {
  tenancy: "OCI_CLI_TENANCY",
  user: "OCI_CLI_USER",
  fingerprint: "OCI_CLI_FINGERPRINT",
  privateKey: "OCI_CLI_KEY_CONTENT",
  region: "OCI_CLI_REGION",
} as const;

export interface OciEndpoints {
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
  sources: Record<"tenancy" | "user" | "fingerprint" | "privateKey" | "region", "input" | "env">;
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
export function parsePrivateKey(pem: string, passphrase: string | undefined): KeyObject {
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
export function endpointOverride(name: string, raw: string): string | undefined {
  if (raw === "") return undefined;
  const url = secureUrl(name, raw, { example: "https://functions.us-ashburn-1.oci.oraclecloud.com" });
  return url.origin + url.pathname.replace(/\/+$/, "");
}

export interface ReadAuthOptions {
  /** core.setSecret: called for the key (every line), the passphrase, as soon as they are read. */
  mask: (secret: string) => void;
}

type Field = keyof OciAuth["sources"];

/**
 * Read and check the API key. Returns the auth, or every problem found (as InputErrors naming the input).
 * `get` reads an action input ("" when unset); `env` is process.env.
 */
export function readOciAuth(
  get: (name: string) => string,
  env: Record<string, string | undefined>,
  options: ReadAuthOptions,
): { auth?: OciAuth; errors: InputError[] } {
  const errors: InputError[] = [];
  const sources = {} as OciAuth["sources"];
  const pick = (field: Field): string => {
    const fromInput = get(OCI_INPUTS[field]).trim();
    if (fromInput !== "") {
      sources[field] = "input";
      return fromInput;
    }
    const fromEnv = (env[OCI_ENV[field]] ?? "").trim();
    if (fromEnv !== "") sources[field] = "env";
    return fromEnv;
  };
  const rawKey = pick("privateKey");
  const passphrase = get(OCI_INPUTS.passphrase);
  // The secrets exist from here on: mask them before anything can print them.
  if (rawKey !== "") options.mask(rawKey);
  if (rawKey !== "" && normalizePem(rawKey) !== `${rawKey}\n`) options.mask(normalizePem(rawKey).trim());
  if (passphrase !== "") options.mask(passphrase);

  const tenancyId = pick("tenancy");
  const userId = pick("user");
  const fingerprint = pick("fingerprint").toLowerCase();
  const region = pick("region").toLowerCase();
  const missing = (field: Field, what: string) =>
    errors.push(
      new InputError(
        OCI_INPUTS[field],
        `is required for command 'deploy' (${what}); set the input or the ${OCI_ENV[field]} environment variable`,
      ),
    );

  if (tenancyId === "") missing("tenancy", "the tenancy OCID");
  else {
    const problem = ocidProblem(tenancyId, "tenancy");
    if (problem) errors.push(new InputError(OCI_INPUTS.tenancy, problem));
  }
  if (userId === "") missing("user", "the OCID of the user the API key belongs to");
  else {
    const problem = ocidProblem(userId, "user");
    if (problem) errors.push(new InputError(OCI_INPUTS.user, problem));
  }
  let fingerprintOk = false;
  if (fingerprint === "") missing("fingerprint", "the API key's fingerprint");
  else if (!FINGERPRINT.test(fingerprint)) {
    errors.push(
      new InputError(
        OCI_INPUTS.fingerprint,
        "is not an API key fingerprint; use the 16 colon-separated hex pairs the console shows (aa:bb:…:ff)",
      ),
    );
  } else fingerprintOk = true;

  let privateKeyPem = "";
  if (rawKey === "") missing("privateKey", "the API key's private key, PEM content");
  else {
    privateKeyPem = normalizePem(rawKey);
    try {
      const key = parsePrivateKey(privateKeyPem, passphrase === "" ? undefined : passphrase);
      const actual = keyFingerprint(key);
      if (fingerprintOk && actual !== fingerprint) {
        errors.push(
          new InputError(
            OCI_INPUTS.fingerprint,
            `${fingerprint} is not the fingerprint of the key in '${OCI_INPUTS.privateKey}' (that key's is ${actual}); the fingerprint and the private key must be of the same API key`,
          ),
        );
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }

  let regionKey: string | undefined;
  if (region === "") missing("region", "the region to deploy to, e.g. us-ashburn-1");
  else if (!REGION.test(region)) {
    errors.push(
      new InputError(
        OCI_INPUTS.region,
        `'${region.slice(0, 40)}' is not a region identifier; use e.g. us-ashburn-1`,
      ),
    );
  } else {
    regionKey = regionKeyOf(region);
  }

  const endpoints: OciEndpoints = {};
  const endpointFields = [
    ["functions", OCI_INPUTS.functionsEndpoint],
    ["apigateway", OCI_INPUTS.apigatewayEndpoint],
    ["artifacts", OCI_INPUTS.artifactsEndpoint],
  ] as const;
  for (const [key, name] of endpointFields) {
    try {
      const value = endpointOverride(name, get(name).trim());
      if (value) endpoints[key] = value;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }

  if (errors.length > 0) return { errors };
  return {
    errors,
    auth: {
      tenancyId,
      userId,
      fingerprint,
      privateKeyPem,
      passphrase: passphrase === "" ? undefined : passphrase,
      region,
      regionKey,
      endpoints,
      sources,
    },
  };
}

/** `us-ashburn-1` → `iad`, from the SDK's region table; undefined for a region the SDK does not know. */
export function regionKeyOf(regionId: string): string | undefined {
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
