// Keyless OCI auth (`oci-auth: oidc`): the job's GitHub OIDC token is exchanged at the identity domain's
// /oauth2/v1/token for a user principal session token (UPST) bound to an ephemeral RSA key that lives only in
// memory. Every SDK call is then signed with keyId `ST$<upst>` and that key. The UPST lives an hour at most,
// so the provider exchanges again (with a fresh GitHub token) when less than five minutes remain; a long
// deploy never signs with a token about to expire. The token, the UPST and the key are masked as they appear.
import { generateKeyPairSync } from "node:crypto";
import type * as common from "oci-common";
import { type Dispatcher, request } from "undici";
import { oneLine, UserFacingError } from "../lib/errors.js";
import { decodeClaims, describeToken, type GithubClaims, type GithubIdToken } from "../lib/github-oidc.js";
import { classifyForRetry, defaultAgent, RetryableHttpError, readBody } from "../lib/http.js";
import { isRetryableStatus, parseRetryAfter, type RetryOptions, withRetry } from "../lib/retry.js";
import { clip } from "../lib/text.js";

/** Refresh when less than this is left of the UPST. */
export const REFRESH_BEFORE_MS = 5 * 60_000;
const KEY_BITS = 2048;
const EXCHANGE_RETRY: RetryOptions = { maxAttempts: 4, baseMs: 500, maxDelayMs: 8_000 };

class TokenExchangeError extends UserFacingError {
  override name = "TokenExchangeError";
}

/** What the exchange needs besides the GitHub token: where, and the trust's OAuth client. */
export interface ExchangeSettings {
  /** The identity domain URL (origin); the exchange is at `<domainUrl>/oauth2/v1/token`. */
  domainUrl: string;
  clientId: string;
  clientSecret: string;
  /** The audience asked of GitHub: the trust's clientClaimValues. */
  audience: string;
}

export interface SessionDeps {
  /** The job's GitHub OIDC token for an audience (githubIdToken, which masks it). */
  idToken(audience: string): Promise<GithubIdToken>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** core.setSecret through the action's masker (each line of a PEM too). */
  mask(secret: string): void;
  agent?: Dispatcher;
  retry?: Partial<RetryOptions>;
}

/** The UPST's claims the action uses. */
interface UpstClaims {
  sub?: string;
  tenant?: string;
  exp?: number;
  [claim: string]: unknown;
}

interface Upst {
  token: string;
  claims: UpstClaims;
  /** The GitHub token it was exchanged for, for the log. */
  github: GithubClaims;
}

interface KeyPair {
  privateKeyPem: string;
  /** base64 DER SubjectPublicKeyInfo, as the exchange's `public_key` wants it. */
  publicKeyDer: string;
}

function ephemeralKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: KEY_BITS });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyDer: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

/** The UPST for the ephemeral key and a fresh GitHub token, kept fresh; what the SDK provider signs with. */
export class OciSession {
  readonly privateKeyPem: string;
  private readonly publicKeyDer: string;
  private current: Upst | undefined;
  private pending: Promise<Upst> | undefined;

  constructor(
    private readonly settings: ExchangeSettings,
    private readonly deps: SessionDeps,
  ) {
    const keys = ephemeralKeyPair();
    deps.mask(keys.privateKeyPem);
    this.privateKeyPem = keys.privateKeyPem;
    this.publicKeyDer = keys.publicKeyDer;
  }

  /** The UPST, exchanged again first when less than five minutes of it remain. */
  async token(): Promise<string> {
    return (await this.fresh()).token;
  }

  /** The claims of the UPST in use (exchanging first if there is none yet). */
  async claims(): Promise<{ upst: UpstClaims; github: GithubClaims }> {
    const upst = await this.fresh();
    return { upst: upst.claims, github: upst.github };
  }

  private async fresh(): Promise<Upst> {
    const current = this.current;
    if (current && !expiresSoon(current.claims, this.deps.now())) return current;
    // Concurrent SDK calls share one exchange.
    this.pending ??= this.exchange().finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current;
  }

  private async exchange(): Promise<Upst> {
    const github = await this.deps.idToken(this.settings.audience);
    const token = await exchangeForUpst(
      {
        ...this.settings,
        subjectToken: github.token,
        claims: github.claims,
        publicKeyDer: this.publicKeyDer,
      },
      this.deps,
    );
    this.deps.mask(token);
    return { token, claims: decodeClaims(token) as UpstClaims, github: github.claims };
  }
}

function expiresSoon(claims: UpstClaims, now: number): boolean {
  return typeof claims.exp !== "number" || claims.exp * 1000 - now < REFRESH_BEFORE_MS;
}

interface ExchangeRequest extends ExchangeSettings {
  subjectToken: string;
  claims: GithubClaims;
  publicKeyDer: string;
}

/** The token-exchange grant: GitHub's JWT (and the public key) for a UPST. Retries 429/5xx and network only. */
async function exchangeForUpst(req: ExchangeRequest, deps: SessionDeps): Promise<string> {
  const url = `${req.domainUrl.replace(/\/+$/, "")}/oauth2/v1/token`;
  const basic = Buffer.from(`${encodeURIComponent(req.clientId)}:${encodeURIComponent(req.clientSecret)}`);
  deps.mask(basic.toString("base64"));
  const body = new URLSearchParams({
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    requested_token_type: "urn:oci:token-type:oci-upst",
    subject_token: req.subjectToken,
    subject_token_type: "jwt",
    public_key: req.publicKeyDer,
  }).toString();
  const answer = await withRetry(
    () => postForm(url, body, basic.toString("base64"), deps),
    classifyForRetry,
    { ...EXCHANGE_RETRY, now: deps.now, ...deps.retry },
  ).catch((err: unknown) => {
    if (err instanceof TokenExchangeError) throw err;
    const why = err instanceof RetryableHttpError ? err.message : oneLine(err);
    throw new TokenExchangeError(
      `the token exchange at ${url} failed: ${clip(why, 200)}; check 'identity-domain-url' and that the identity domain is reachable, then re-run`,
    );
  });
  if (answer.status !== 200) throw exchangeRefusal(answer, url, req);
  const token = upstOf(answer.body);
  if (!token) {
    throw new TokenExchangeError(
      `${url} answered 200 without a token: it is not an identity domain's token endpoint; set 'identity-domain-url' to the domain URL, e.g. https://idcs-….identity.oraclecloud.com`,
    );
  }
  return token;
}

interface FormAnswer {
  status: number;
  body: string;
}

async function postForm(url: string, body: string, basic: string, deps: SessionDeps): Promise<FormAnswer> {
  const res = await request(url, {
    method: "POST",
    dispatcher: deps.agent ?? defaultAgent(),
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body,
  });
  const text = await readBody(res.body);
  if (isRetryableStatus(res.statusCode)) {
    const retryAfter = res.headers["retry-after"];
    throw new RetryableHttpError(
      `HTTP ${res.statusCode}`,
      res.statusCode,
      parseRetryAfter(typeof retryAfter === "string" ? retryAfter : undefined, deps.now()),
    );
  }
  return { status: res.statusCode, body: text };
}

function upstOf(body: string): string | undefined {
  try {
    const token = (JSON.parse(body) as { token?: unknown }).token;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}

interface OAuthError {
  error: string;
  description: string;
}

function oauthError(body: string): OAuthError | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof parsed.error !== "string") return undefined;
    const description = typeof parsed.error_description === "string" ? parsed.error_description : "";
    return { error: parsed.error, description: clip(oneLine(description), 400) };
  } catch {
    return undefined;
  }
}

/** A refusal as the fix it needs; the identity domain's description says which check failed. */
function exchangeRefusal(answer: FormAnswer, url: string, req: ExchangeRequest): TokenExchangeError {
  const refusal = oauthError(answer.body);
  if (!refusal) {
    return new TokenExchangeError(
      `${url} answered HTTP ${answer.status} without an OAuth2 error: it is not an identity domain's token endpoint; set 'identity-domain-url' to the domain URL, e.g. https://idcs-….identity.oraclecloud.com`,
    );
  }
  const said = `${refusal.error}: ${refusal.description || "(no description)"}`;
  const token = describeToken(req.claims);
  const issuer = String(req.claims.iss ?? "(none)");
  for (const rule of REFUSALS) {
    if (rule.test(refusal, answer.status)) {
      return new TokenExchangeError(rule.message({ said, token, issuer, clientId: req.clientId, req }));
    }
  }
  return new TokenExchangeError(
    `the identity domain refused the token exchange for ${token} (HTTP ${answer.status} ${said}); check the Identity Propagation Trust setup created for this repository`,
  );
}

interface RefusalContext {
  said: string;
  token: string;
  issuer: string;
  clientId: string;
  req: ExchangeRequest;
}

interface RefusalRule {
  test(refusal: OAuthError, status: number): boolean;
  message(c: RefusalContext): string;
}

const described = (pattern: RegExp) => (r: OAuthError) => pattern.test(r.description);

/** In the order they are checked: the client first (nothing else was looked at), the subject last. */
const REFUSALS: RefusalRule[] = [
  {
    test: (r) => described(/oauthClients|client.*not (allowed|listed|in)|another (oauth )?client/i)(r),
    message: (c) =>
      `the Identity Propagation Trust for issuer '${c.issuer}' is for another OAuth client, not '${c.clientId}' (${c.said}); set 'oidc-client-id' and 'oidc-client-secret' to the app the trust lists (setup wrote them as OIDC_CLIENT_ID / OIDC_CLIENT_SECRET), or re-run setup to add this client to the trust`,
  },
  {
    test: (r, status) => r.error === "invalid_client" || status === 401,
    message: (c) =>
      `the identity domain refused OAuth client '${c.clientId}' (${c.said}); check 'oidc-client-id' and 'oidc-client-secret': they must be the confidential app setup created for the exchange (OIDC_CLIENT_ID / OIDC_CLIENT_SECRET)`,
  },
  {
    test: described(
      /\bno (active )?(jwt )?(identity propagation )?trusts?\b|trust.*not found|unknown issuer/i,
    ),
    message: (c) =>
      `no Identity Propagation Trust in ${c.req.domainUrl} accepts tokens from issuer '${c.issuer}' (${c.said}); run setup with 'keyless: true' for this repository, or check 'identity-domain-url'`,
  },
  {
    test: described(/expired|\bexp\b|not yet valid|\bnbf\b/i),
    message: (c) =>
      `the GitHub OIDC token for ${c.token} was refused as expired or not yet valid (${c.said}); GitHub's tokens last 5 minutes: re-run the job, and check the runner's clock`,
  },
  {
    test: described(/audience|\baud\b/i),
    message: (c) =>
      `the trust does not accept audience '${c.req.audience}' (${c.said}); set 'oidc-audience' to the trust's clientClaimValues (setup uses https://cloud.oracle.com)`,
  },
  {
    test: described(/signature/i),
    message: (c) =>
      `the GitHub OIDC token's signature did not verify with the trust's keys (${c.said}); check the trust's issuer and publicKeyEndpoint (<issuer>/.well-known/jwks)`,
  },
  {
    test: described(/rule|impersonat|\bsub\b|subject/i),
    message: (c) =>
      `no impersonation rule of the trust matches this job's ${c.token} (${c.said}); re-run setup with 'github-repository' and 'github-ref' or 'github-environment' of this job, or run the job on the ref or environment the trust names`,
  },
];

/** The SDK's provider for a session: keyId `ST$<upst>` (fresh), key the ephemeral one, no config file. */
export class SessionAuthProvider implements common.AuthenticationDetailsProvider, common.RegionProvider {
  constructor(
    private readonly session: OciSession,
    /** Undefined for a region this SDK does not know: the clients are given the region id instead. */
    private readonly region: common.Region | undefined,
  ) {}

  async getKeyId(): Promise<string> {
    return `ST$${await this.session.token()}`;
  }

  getPrivateKey(): string {
    return this.session.privateKeyPem;
  }

  getPassphrase(): string | null {
    return null;
  }

  getRegion(): common.Region {
    // The SDK checks the value before it uses it.
    return this.region as common.Region;
  }
}
