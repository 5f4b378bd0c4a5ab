// The identity domain's signing keys: RSA keys with self-signed x5c certificates, published in the JWKS as
// IDCS publishes them (with its `key_ops: ["sig","encrypt"]` quirk), rotated by add / activate / retire.
import { generateKeyPair, type KeyObject, sign, verify } from "node:crypto";
import { promisify } from "node:util";
import { certificateThumbprints, selfSignedCertificate } from "../core/x509.js";

/** The JWK of a signing key as IDCS publishes it (field order as IDCS shows it). */
export interface IdcsJwk {
  kty: "RSA";
  "x5t#S256": string;
  e: string;
  x5t: string;
  kid: string;
  x5c: string[];
  key_ops: string[];
  alg: "RS256";
  n: string;
}

export type SigningAlg = "RS256" | "RS384" | "RS512";

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: IdcsJwk;
  published: boolean;
}

const generateRsa = promisify(generateKeyPair);
const HASH_OF: Record<SigningAlg, string> = { RS256: "sha256", RS384: "sha384", RS512: "sha512" };

/** Sign a compact JWS with an RSA key (PKCS#1 v1.5), keeping header and claim order exactly as given. */
export function signCompact(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  alg: SigningAlg,
  key: KeyObject,
): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${sign(HASH_OF[alg], Buffer.from(input), key).toString("base64url")}`;
}

export function tokenHeader(key: SigningKey, alg: SigningAlg): Record<string, unknown> {
  return { "x5t#S256": key.jwk["x5t#S256"], x5t: key.jwk.x5t, kid: key.kid, alg };
}

export class SigningKeys {
  private readonly keys = new Map<string, SigningKey>();

  constructor(
    private readonly tenant: string,
    private readonly now: () => number,
  ) {}

  async add(kid: string): Promise<void> {
    if (this.keys.has(kid)) throw new Error(`identity emulator: kid '${kid}' already exists`);
    this.keys.set(kid, await this.create(kid));
  }

  private async create(kid: string): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
    const issued = this.now();
    const der = selfSignedCertificate({
      publicKey,
      privateKey,
      commonName: `${this.tenant}_${kid}`,
      organization: "Oracle Identity Cloud Service (sandbox)",
      notBefore: new Date(issued - 24 * 3600_000),
      notAfter: new Date(issued + 10 * 365 * 24 * 3600_000),
    });
    const { n, e } = publicKey.export({ format: "jwk" });
    const thumbprints = certificateThumbprints(der);
    const jwk: IdcsJwk = {
      kty: "RSA",
      "x5t#S256": thumbprints["x5t#S256"],
      e: e as string,
      x5t: thumbprints.x5t,
      kid,
      x5c: [der.toString("base64")],
      key_ops: ["sig", "encrypt"],
      alg: "RS256",
      n: n as string,
    };
    return { kid, privateKey, publicKey, jwk, published: true };
  }

  get(kid: string): SigningKey {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`identity emulator: no signing key with kid '${kid}'`);
    return key;
  }

  /** The JWKs of the published keys. */
  published(): IdcsJwk[] {
    return [...this.keys.values()].filter((k) => k.published).map((k) => k.jwk);
  }

  /** Whether `h.p.s` is signed (RS256) by a published key. */
  verifies(h: string, p: string, s: string, kid: unknown, alg: unknown): boolean {
    const key = typeof kid === "string" ? this.keys.get(kid) : undefined;
    if (!key?.published || alg !== "RS256") return false;
    return verify("sha256", Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, "base64url"));
  }
}
