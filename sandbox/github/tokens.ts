// The issuer's signing key, its JWKS, and minting: RS256 JWTs with GitHub's header (typ JWT, the key's kid)
// and lifetime. A forged token is signed by a second key under the same kid, the way an attacker who knows
// the JWKS would try it, so only the signature check can refuse it.
import { randomUUID } from "node:crypto";
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { recordIssued } from "../core/issued-secrets.js";
import type { GithubJobClaims } from "./claims.js";

/** GitHub's lifetime: exp = iat + 300 s. */
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
/** nbf = iat − 600 s as in GitHub's published example token (unconfirmed as a rule). */
export const DEFAULT_NOT_BEFORE_SECONDS = 600;

export interface MintOptions {
  /** `aud`; default GitHub's, `https://github.com/<repository_owner>`. */
  audience?: string;
  /** exp − iat; default the issuer's token lifetime (300 s). */
  expiresInSeconds?: number;
  /** `iat` in epoch seconds; default the issuer's clock. */
  issuedAt?: number;
  /** Sign with a key that is not in the JWKS (same kid). */
  forged?: boolean;
}

/** The claims of a token: the job's, over which `claims` are laid (an undefined value removes a claim). */
export type ClaimOverrides = Record<string, unknown>;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function rsaKey(kid?: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const { kty, n, e } = await exportJWK(publicKey);
  const jwk: JWK = { kty, n, e };
  return { kid: kid ?? (await calculateJwkThumbprint(jwk)), privateKey, publicJwk: jwk };
}

export class TokenSigner {
  private constructor(
    private readonly key: SigningKey,
    private readonly forgedKey: SigningKey,
    private readonly timing: { now: () => number; ttlSeconds: number; notBeforeSeconds: number },
  ) {}

  static async create(timing: TokenSigner["timing"]): Promise<TokenSigner> {
    const key = await rsaKey();
    return new TokenSigner(key, await rsaKey(key.kid), timing);
  }

  /** The published key set: the one signing key, RSA 2048, RS256, for signatures. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.key.publicJwk, alg: "RS256", use: "sig", kid: this.key.kid }] };
  }

  /** A signed token of `base` with `overrides` laid over it, timed and addressed by `options`. */
  async mint(
    base: GithubJobClaims,
    overrides: ClaimOverrides = {},
    options: MintOptions = {},
  ): Promise<string> {
    const claims: Record<string, unknown> = { ...base };
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete claims[name];
      else claims[name] = value;
    }
    const iat = options.issuedAt ?? Math.floor(this.timing.now() / 1000);
    const payload = {
      jti: randomUUID(),
      aud: options.audience ?? `https://github.com/${String(claims.repository_owner ?? "")}`,
      ...claims,
      nbf: iat - this.timing.notBeforeSeconds,
      exp: iat + (options.expiresInSeconds ?? this.timing.ttlSeconds),
      iat,
    };
    const key = options.forged ? this.forgedKey : this.key;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
      .sign(key.privateKey);
    recordIssued("GitHub ID token", token);
    return token;
  }
}
