// The token-exchange grant of the domain's /oauth2/v1/token (Workload Identity Federation): an authenticated
// OAuth client trades an external JWT (a GitHub OIDC token) and a public key for a UPST bound to that key.
// Steps, in order: the form's token types and public key (400 invalid_request); the active JWT trust whose
// issuer is the token's `iss`; the client among its oauthClients; the token's signature (the trust's JWKS,
// fetched over HTTP), exp and nbf within clockSkewSeconds; clientClaimName/Values and claimValidations; then
// the service user (the first impersonation rule that matches, or the subject mapping) (400 invalid_grant).
// Every description names the cause, so that a client can show it as it is. The wording is the sandbox's.
import { createPublicKey, type KeyObject } from "node:crypto";
import { createLocalJWKSet, decodeJwt, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import type { OciAuthority } from "../core/auth.js";
import type { OAuthError } from "./errors.js";
import { ruleMatches } from "./impersonation-rules.js";
import type { OAuthClient } from "./model.js";
import { JwksUnavailableError, type RemoteJwks } from "./remote-jwks.js";
import type { ScimResource } from "./scim-collection.js";
import type { Trust } from "./trusts.js";
import { isServiceUser } from "./users.js";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const UPST_TOKEN_TYPE = "urn:oci:token-type:oci-upst";
const SIGNING_ALGS = ["RS256", "RS384", "RS512"];

/** What the token endpoint calls for the token-exchange grant: `{token}` or the OAuth error to answer. */
export type TokenExchange = (
  client: OAuthClient,
  form: URLSearchParams,
) => Promise<{ token: string } | OAuthError>;

interface TokenExchangeState {
  trusts(): Trust[];
  users(): ScimResource[];
  authority: OciAuthority;
  tenancyId: string;
  upstTtlSeconds: number;
  jwks: RemoteJwks;
  now: () => number;
}

class Refusal extends Error {
  constructor(
    readonly error: "invalid_request" | "invalid_grant",
    description: string,
  ) {
    super(description);
  }
}

const invalidRequest = (description: string) => new Refusal("invalid_request", description);
const invalidGrant = (description: string) => new Refusal("invalid_grant", description);
const named = (trust: Trust) => `the identity propagation trust '${trust.name}'`;
const iso = (seconds: unknown) =>
  typeof seconds === "number" ? new Date(seconds * 1000).toISOString() : "?";

/** The subject token and the session's public key, when the form asks for a UPST for a JWT. */
function exchangeParameters(form: URLSearchParams): { subjectToken: string; publicKey: KeyObject } {
  const requested = form.get("requested_token_type");
  if (requested !== UPST_TOKEN_TYPE)
    throw invalidRequest(`requested_token_type must be ${UPST_TOKEN_TYPE} (got '${requested ?? ""}').`);
  const subjectType = form.get("subject_token_type");
  if (subjectType !== "jwt")
    throw invalidRequest(`subject_token_type must be jwt (got '${subjectType ?? ""}').`);
  const subjectToken = form.get("subject_token");
  if (!subjectToken) throw invalidRequest("The subject_token parameter is missing.");
  return { subjectToken, publicKey: sessionKey(form.get("public_key")) };
}

/** `public_key`: the base64 DER SubjectPublicKeyInfo of an RSA key of 2048 bits or more. */
function sessionKey(text: string | null): KeyObject {
  const refused = invalidRequest(
    "public_key must be the base64 DER SubjectPublicKeyInfo of an RSA key of at least 2048 bits.",
  );
  if (!text || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw refused;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(text, "base64"), format: "der", type: "spki" });
  } catch {
    throw refused;
  }
  if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw refused;
  return key;
}

/** The active JWT trust for the token's issuer, when it lists this client. */
function trustFor(state: TokenExchangeState, subjectToken: string, client: OAuthClient): Trust {
  let issuer: unknown;
  try {
    issuer = decodeJwt(subjectToken).iss;
  } catch {
    throw invalidGrant("The subject_token is not a JWT.");
  }
  if (typeof issuer !== "string") throw invalidGrant("The subject_token has no iss claim.");
  const trust = state.trusts().find((t) => t.type === "JWT" && t.issuer === issuer);
  if (!trust) throw invalidGrant(`No identity propagation trust has the issuer '${issuer}'.`);
  if (trust.active !== true)
    throw invalidGrant(
      `The identity propagation trust '${trust.name}' for the issuer '${issuer}' is not active.`,
    );
  if (!(trust.oauthClients ?? []).includes(client.clientId))
    throw invalidGrant(`The client '${client.clientId}' is not in the oauthClients of ${named(trust)}.`);
  return trust;
}

/** The token's claims once its signature (the trust's JWKS), exp and nbf check out. */
async function verifiedClaims(state: TokenExchangeState, trust: Trust, token: string): Promise<JWTPayload> {
  const url = trust.publicKeyEndpoint ?? "";
  const skew = trust.clockSkewSeconds ?? 0;
  const options = {
    algorithms: SIGNING_ALGS,
    currentDate: new Date(state.now()),
    clockTolerance: skew,
    requiredClaims: ["exp"],
  };
  const verify = async (refresh: boolean) =>
    (await jwtVerify(token, createLocalJWKSet(await state.jwks.get(url, refresh)), options)).payload;
  try {
    try {
      return await verify(false);
    } catch (err) {
      // A kid the cached set lacks: the issuer may have rotated its keys; fetch once more.
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      return await verify(true);
    }
  } catch (err) {
    throw tokenRefusal(err, trust, token, skew);
  }
}

function tokenRefusal(err: unknown, trust: Trust, token: string, skew: number): Error {
  const claims = decodeJwt(token);
  const where = named(trust);
  if (err instanceof JwksUnavailableError)
    return invalidGrant(`The public keys of ${where}: ${err.message}.`);
  if (err instanceof joseErrors.JWTExpired)
    return invalidGrant(`The subject_token expired at ${iso(claims.exp)} (clock skew allowed: ${skew} s).`);
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === "nbf")
    return invalidGrant(
      `The subject_token is not valid before ${iso(claims.nbf)} (clock skew allowed: ${skew} s).`,
    );
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return invalidGrant(`The subject_token's ${err.claim} claim is invalid: ${err.reason}.`);
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed)
    return invalidGrant(
      `The subject_token's signature does not verify with the keys at ${trust.publicKeyEndpoint} (${where}).`,
    );
  if (err instanceof joseErrors.JOSEError)
    return invalidGrant(`The subject_token was refused: ${(err as Error).message}.`);
  return err as Error;
}

function claimHas(claims: JWTPayload, name: string, wanted: string): boolean {
  const actual = claims[name];
  return (Array.isArray(actual) ? actual : [actual]).some((v) => v === wanted);
}

/** clientClaimName/Values (e.g. `aud`) and every claimValidation. */
function checkClaims(trust: Trust, claims: JWTPayload): void {
  const name = trust.clientClaimName;
  const values = trust.clientClaimValues ?? [];
  if (name && values.length > 0 && !values.some((v) => claimHas(claims, name, v)))
    throw invalidGrant(
      `The subject_token's ${name} ${JSON.stringify(claims[name] ?? null)} is not one of the clientClaimValues of ${named(trust)}: ${values.join(", ")}.`,
    );
  for (const v of trust.claimValidations ?? []) {
    if (!claimHas(claims, v.name, v.value))
      throw invalidGrant(
        `The subject_token's ${v.name} is ${JSON.stringify(claims[v.name] ?? null)}; ${named(trust)} requires '${v.value}'.`,
      );
  }
}

/** The service user the token acts as: the first matching impersonation rule's, or the subject mapping's. */
function serviceUserFor(state: TokenExchangeState, trust: Trust, claims: JWTPayload): ScimResource {
  const subjectClaim = trust.subjectClaimName ?? "sub";
  const subject = claims[subjectClaim];
  const users = state.users();
  let user: ScimResource | undefined;
  if (trust.allowImpersonation === true) {
    const entries = trust.impersonationServiceUsers ?? [];
    const entry = entries.find((e) => ruleMatches(e.rule, claims));
    if (!entry) {
      const rules = entries.length > 0 ? entries.map((e) => e.rule).join("; ") : "(none)";
      throw invalidGrant(
        `No impersonation rule of ${named(trust)} matches ${subjectClaim} '${String(subject)}'; its rules: ${rules}.`,
      );
    }
    user = users.find((u) => u.id === entry.value);
    if (!user)
      throw invalidGrant(`The service user ${entry.value} of the rule '${entry.rule}' no longer exists.`);
  } else {
    const attribute = trust.subjectMappingAttribute ?? "userName";
    user = users.find((u) => typeof subject === "string" && u[attribute] === subject);
    if (!user)
      throw invalidGrant(
        `The identity propagation trust '${trust.name}' does not allow impersonation and no user has ${attribute} '${String(subject)}' (the token's ${subjectClaim}).`,
      );
  }
  if (user.active === false) throw invalidGrant(`The user ${user.userName} is not active.`);
  if (trust.allowImpersonation === true && !isServiceUser(user))
    throw invalidGrant(`The user ${user.userName} is not a service user.`);
  return user;
}

export function tokenExchange(state: TokenExchangeState): TokenExchange {
  return async (client, form) => {
    try {
      const { subjectToken, publicKey } = exchangeParameters(form);
      const trust = trustFor(state, subjectToken, client);
      const claims = await verifiedClaims(state, trust, subjectToken);
      checkClaims(trust, claims);
      const user = serviceUserFor(state, trust, claims);
      const token = state.authority.mintUpst({
        tenancyId: state.tenancyId,
        userId: String(user.ocid),
        publicKey,
        ttlSeconds: state.upstTtlSeconds,
      });
      return { token };
    } catch (err) {
      if (err instanceof Refusal) return { status: 400, error: err.error, description: err.message };
      throw err;
    }
  };
}
