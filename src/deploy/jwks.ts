// An identity domain's JWKS turned into the deployment's STATIC_KEYS. IDCS publishes its signing key with
// `key_ops: ["sig","encrypt"]` (and x5c/x5t), which API Gateway refuses in a static key: the fix is to drop
// key_ops and say `use: "sig"`. Only what the gateway can verify with is kept: RSA, 2048-4096 bits, alg (if
// any) RS256/384/512, meant for signatures, with a kid. A JWKS with no such key is an error, not an empty list.
import { createPublicKey } from "node:crypto";
import type { models } from "oci-apigateway";
import { UserFacingError } from "../lib/errors.js";

export const JWT_ALGORITHMS = ["RS256", "RS384", "RS512"] as const;
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 4096;

/** A static key as the deployment carries it (the SDK's JsonWebKey, with the fields deploy sets). */
export interface StaticJsonWebKey {
  kid: string;
  format: "JSON_WEB_KEY";
  kty: "RSA";
  use: "sig";
  alg?: string;
  n: string;
  e: string;
}

// The SDK type, to keep the shapes in step.
type SdkJsonWebKey = Omit<models.JsonWebKey, "kty" | "use" | "keyOps"> & { kty: string; use?: string };
const _shapeCheck = (k: StaticJsonWebKey): SdkJsonWebKey => k;
void _shapeCheck;

export interface DroppedKey {
  kid: string | undefined;
  reason: string;
}

export interface StaticKeys {
  keys: StaticJsonWebKey[];
  dropped: DroppedKey[];
}

export class JwksError extends UserFacingError {
  override name = "JwksError";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** Why one JWK cannot be a static key of the gateway, or undefined when it can. */
function keyProblem(jwk: Record<string, unknown>): string | undefined {
  if (typeof jwk.kid !== "string" || jwk.kid === "") return "no kid (the gateway picks keys by kid)";
  if (jwk.kty !== "RSA") return `kty ${show(jwk.kty)} (the gateway verifies RSA keys only)`;
  if (jwk.use !== undefined && jwk.use !== "sig") return `use ${show(jwk.use)} (not a signing key)`;
  const ops = jwk.key_ops ?? jwk.keyOps;
  if (ops !== undefined) {
    if (!Array.isArray(ops)) return "key_ops is not a list";
    if (!ops.includes("sig") && !ops.includes("verify")) return `key_ops ${show(ops)} (not a signing key)`;
  }
  if (jwk.alg !== undefined && !(JWT_ALGORITHMS as readonly unknown[]).includes(jwk.alg)) {
    return `alg ${show(jwk.alg)} (the gateway accepts ${JWT_ALGORITHMS.join(", ")})`;
  }
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string" || jwk.n === "" || jwk.e === "") {
    return "n and e are missing";
  }
  let bits: number;
  try {
    const key = createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
    bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  } catch {
    return "n and e do not form an RSA public key";
  }
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    return `${bits}-bit RSA (the gateway accepts ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits)`;
  }
  return undefined;
}

/**
 * The static keys for a JWKS document. `source` names where it came from (for the error). Keys keep the JWKS
 * order; a retired key is simply absent from the JWKS, so it leaves the deployment on the next deploy.
 */
export function staticKeysFromJwks(jwks: unknown, source: string): StaticKeys {
  if (!isRecord(jwks) || !Array.isArray(jwks.keys)) {
    throw new JwksError(`the JWKS at ${source} is not a JSON Web Key Set (no "keys" list)`);
  }
  const keys: StaticJsonWebKey[] = [];
  const dropped: DroppedKey[] = [];
  for (const entry of jwks.keys) {
    if (!isRecord(entry)) {
      dropped.push({ kid: undefined, reason: "not a JSON object" });
      continue;
    }
    const kid = typeof entry.kid === "string" && entry.kid !== "" ? entry.kid : undefined;
    const problem = keyProblem(entry);
    if (problem) {
      dropped.push({ kid, reason: problem });
      continue;
    }
    if (keys.some((k) => k.kid === kid)) {
      throw new JwksError(
        `the JWKS at ${source} has two usable keys with kid ${show(kid)}; the gateway could not tell them apart`,
      );
    }
    keys.push({
      kid: kid as string,
      format: "JSON_WEB_KEY",
      kty: "RSA",
      use: "sig",
      ...(typeof entry.alg === "string" ? { alg: entry.alg } : {}),
      n: entry.n as string,
      e: entry.e as string,
    });
  }
  if (keys.length === 0) {
    const why =
      dropped.length === 0
        ? "it has no keys"
        : dropped
            .slice(0, 5)
            .map((d) => `${d.kid === undefined ? "a key" : `kid ${show(d.kid)}`}: ${d.reason}`)
            .join("; ");
    throw new JwksError(
      `the JWKS at ${source} has no RSA signing key API Gateway can use (${why}); the gateway verifies RS256/384/512 tokens with 2048-4096-bit RSA keys only: check 'identity-domain-url' and 'jwks-url' (the identity domain's /admin/v1/SigningCert/jwk)`,
    );
  }
  return { keys, dropped };
}
