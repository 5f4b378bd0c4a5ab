// The bearer of `auth: github-oidc`: the workflow's own GitHub OIDC token for deploy's GitHub deployment, so
// that a report needs no secret. GitHub's tokens live 5 minutes and a long report outlives one: the token is
// asked for again when the one held is within a minute of its `exp`. A 401 from the gateway is explained with
// the token's own repository and subject, which is what deploy's `github-repositories` must list.
import type { Clock } from "../lib/clock.js";
import { describeToken, type GithubClaims, GithubOidcError, githubIdToken } from "../lib/github-oidc.js";
import { clip } from "../lib/text.js";
import { FatalReportError } from "./errors.js";
import { EXPIRY_MARGIN_MS, type TokenSource } from "./token.js";

export interface GithubTokenOptions {
  audience: string;
  clock: Clock;
  /** Registers the token with the log masker as soon as it exists. */
  setSecret: (value: string) => void;
  /** The job's environment (ACTIONS_ID_TOKEN_REQUEST_*); process.env when not given. */
  env?: Record<string, string | undefined>;
  /** core.getIDToken; replaced only where a test needs another transport. */
  getIDToken?: (audience: string) => Promise<string>;
  /** One line per token obtained: whose it is (its claims are not secret) and until when. */
  log?: ((line: string) => void) | undefined;
}

export class GithubTokenSource implements TokenSource {
  private held: { token: string; claims: GithubClaims } | undefined;
  /** The claims of the last token sent, kept after invalidate() so that a refusal can name them. */
  private lastClaims: GithubClaims | undefined;
  private inflight: Promise<string> | undefined;

  constructor(private readonly options: GithubTokenOptions) {}

  async getToken(): Promise<string> {
    if (this.held !== undefined && !this.nearExpiry(this.held.claims)) return this.held.token;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(rejected?: string): boolean {
    if (rejected !== undefined && rejected !== this.held?.token) return false;
    this.held = undefined;
    return true;
  }

  /** The gateway refused the token twice: say whose token it was and what deploy must list for it. */
  unauthorizedMessage(): string {
    const claims = this.lastClaims ?? {};
    const repository = clip(String(claims.repository ?? "(none)"), 140);
    const { audience } = this.options;
    return `the endpoint answered HTTP 401 Unauthorized to this job's GitHub OIDC token (repository '${repository}', ${describeToken(claims)}, audience '${clip(audience, 100)}'): deploy's 'github-repositories' must list ${repository} (and 'github-refs' / 'github-environments', when set, this job's ref or environment), 'github-audience' must be the same in deploy and report, and input 'endpoint' must be deploy's github-endpoint output`;
  }

  /** Within the margin of `exp` (a token without `exp` is kept until the gateway refuses it). */
  private nearExpiry(claims: GithubClaims): boolean {
    if (typeof claims.exp !== "number") return false;
    return this.options.clock.now() >= claims.exp * 1000 - EXPIRY_MARGIN_MS;
  }

  private async fetchToken(): Promise<string> {
    try {
      const { audience, clock, setSecret, env, getIDToken } = this.options;
      const held = await githubIdToken(audience, {
        now: clock.now,
        mask: setSecret,
        ...(env ? { env } : {}),
        ...(getIDToken ? { getIDToken } : {}),
      });
      this.held = held;
      this.lastClaims = held.claims;
      this.options.log?.(describeHeld(audience, held.claims));
      return held.token;
    } catch (err) {
      // No month can succeed without a token: fatal, so the months after it are not attempted.
      if (err instanceof GithubOidcError) throw new FatalReportError(err.message);
      throw err;
    }
  }
}

function describeHeld(audience: string, claims: GithubClaims): string {
  const expires =
    typeof claims.exp === "number" ? `, valid until ${new Date(claims.exp * 1000).toISOString()}` : "";
  return `GitHub OIDC token for audience '${clip(audience, 100)}': repository '${clip(String(claims.repository ?? "(none)"), 140)}', ${describeToken(claims)}${expires}`;
}
