// Registry auth, the distribution token flow: a 401 carries `WWW-Authenticate`; `Basic` means send the
// credentials on every request, `Bearer realm=…,service=…,scope=…` means get a token from the realm (with
// the credentials, or anonymously) and send it. One token covers every scope the run needs (push+pull on the
// target, pull on a base in the same registry), so a run asks the realm once. Credentials go only to the
// registry's own origin (and to a realm on that origin, or a realm trusted by name); the token request never
// follows a redirect.

import { credentialsHint, RegistryAuthError, RegistryError, rejectedCredentials } from "./errors.js";
import { isLoopbackRegistry } from "./reference.js";

interface Challenge {
  /** Lower case: `basic`, `bearer`. */
  scheme: string;
  /** Parameter names in lower case; values unquoted. */
  params: Record<string, string>;
}

/**
 * Parse `WWW-Authenticate` (RFC 9110 §11.6.1): several challenges, comma-separated parameters, quoted strings
 * with commas and backslash escapes inside.
 */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = typeof header === "string" ? header : header.join(", ");
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i] ?? "")) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(text[i] ?? "")) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) {
      i++;
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skip(/[\s,]/);
      const save = i;
      const name = token();
      skip(/\s/);
      if (!name || text[i] !== "=") {
        // Not `name=value`: the next challenge's scheme starts here.
        i = save;
        break;
      }
      i++;
      skip(/\s/);
      let value = "";
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < text.length) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < text.length && text[i] !== "," && !/\s/.test(text[i] ?? "")) i++;
        value = text.slice(start, i);
      }
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return out;
}

export interface Credentials {
  username: string;
  password: string;
}

/** `repository:<name>:<actions>` as the token spec writes scopes. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(",")}`;
}

/**
 * Merge scopes: one entry per resource, actions united (`repository:a:pull` + `repository:a:push` =
 * `repository:a:pull,push`), sorted, so the cache key does not depend on order.
 */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    for (const single of scope.split(" ")) {
      const cut = single.lastIndexOf(":");
      if (cut <= 0) continue;
      const resource = single.slice(0, cut);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const a of single.slice(cut + 1).split(",")) if (a) actions.add(a);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()]
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(",")}`)
    .sort();
}

export interface TokenResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET the token URL with these headers; never follows redirects. Retries are the transport's business. */
export type TokenTransport = (url: string, headers: Record<string, string>) => Promise<TokenResponse>;

interface RegistryAuthOptions {
  /** Registry name for messages (`iad.ocir.io`). */
  registry: string;
  /** The registry API origin (`https://iad.ocir.io`): the only origin that receives credentials by default. */
  origin: string;
  credentials?: Credentials;
  /** Scopes asked for up front, e.g. target `pull,push` and base `pull`. */
  scopes: readonly string[];
  transport: TokenTransport;
  now?: () => number;
  /** Called with every secret the moment it exists (password, Basic header, tokens). */
  mask?: (secret: string) => void;
  /** Realm hosts (besides the registry's own) that may receive the credentials. */
  trustedRealmHosts?: readonly string[];
}

interface Token {
  value: string;
  expiresAt: number;
  /** A request with it succeeded: a later 401 means it expired early, not that access is denied. */
  verified: boolean;
}

/** Realm hosts trusted by registry name: Docker Hub's token service is on another host. */
const KNOWN_REALMS: Record<string, string[]> = { "docker.io": ["auth.docker.io"] };
/** Renew this long before a token expires so a request does not carry a token that dies in flight. */
const EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_EXPIRES_IN_S = 60;

/** Per-registry auth state: the scheme in use, the token cache (per scope set), the credentials. */
export class RegistryAuth {
  private mode: "none" | "basic" | "bearer" = "none";
  private realm: URL | undefined;
  private service: string | undefined;
  private scopes: string[];
  private readonly tokens = new Map<string, Token>();
  private readonly pending = new Map<string, Promise<Token>>();
  private readonly now: () => number;
  /** How many token requests were sent (a test and a log figure). */
  tokenRequests = 0;

  constructor(private readonly options: RegistryAuthOptions) {
    this.scopes = mergeScopes(options.scopes);
    this.now = options.now ?? Date.now;
    if (options.credentials) {
      options.mask?.(options.credentials.password);
      options.mask?.(this.basicValue());
    }
  }

  private basicValue(): string {
    const c = this.options.credentials;
    return c ? Buffer.from(`${c.username}:${c.password}`).toString("base64") : "";
  }

  /** Add scopes (e.g. a mount source) for the next token. */
  addScopes(scopes: readonly string[]): void {
    this.scopes = mergeScopes([...this.scopes, ...scopes]);
  }

  /** The registry accepted a request sent with this Authorization value. */
  accepted(sent: string | undefined): void {
    if (!sent?.startsWith("Bearer ")) return;
    for (const token of this.tokens.values()) if (sent === `Bearer ${token.value}`) token.verified = true;
  }

  /** The Authorization value for a request to `url`, or undefined (no auth yet, or another origin). */
  async header(url: string): Promise<string | undefined> {
    if (new URL(url).origin !== this.options.origin) return undefined;
    if (this.mode === "basic") return `Basic ${this.basicValue()}`;
    if (this.mode === "bearer") return `Bearer ${(await this.token(this.scopes)).value}`;
    return undefined;
  }

  /**
   * Handle a 401 from the registry. Returns true when the request should be sent again with a new
   * Authorization; throws a readable RegistryAuthError when it would only fail again.
   */
  async onUnauthorized(
    wwwAuthenticate: string | readonly string[] | undefined,
    sent: string | undefined,
    repository?: string,
  ): Promise<boolean> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const { registry, credentials } = this.options;
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm)
        throw new RegistryAuthError(`registry ${registry} sent a Bearer challenge without a realm`, {
          registry,
          status: 401,
        });
      this.realm = this.checkRealm(realm);
      this.service = bearer.params.service;
      const before = this.scopes.join(" ");
      if (bearer.params.scope) this.addScopes(bearer.params.scope.split(" "));
      const newScopes = this.scopes.join(" ") !== before;
      const current = this.tokens.get(this.cacheKey(this.scopes));
      const sentCurrent = current !== undefined && sent === `Bearer ${current.value}`;
      if (this.mode === "bearer" && !newScopes && sentCurrent && !current.verified && this.fresh(current)) {
        throw this.denied(repository, bearer.params.scope ?? this.scopes.join(" "));
      }
      this.mode = "bearer";
      if (sentCurrent) this.tokens.delete(this.cacheKey(this.scopes));
      await this.token(this.scopes);
      return true;
    }
    if (basic) {
      if (!credentials) {
        throw new RegistryAuthError(`registry ${registry} requires credentials`, {
          registry,
          status: 401,
          hint: `give a username and password; ${credentialsHint(registry, undefined)}`,
        });
      }
      if (this.mode === "basic" && sent?.startsWith("Basic "))
        throw rejectedCredentials(registry, credentials.username);
      this.mode = "basic";
      return true;
    }
    throw new RegistryAuthError(
      `registry ${registry} answered 401 without a usable WWW-Authenticate challenge`,
      {
        registry,
        status: 401,
      },
    );
  }

  private denied(repository: string | undefined, scope: string): RegistryAuthError {
    const { registry, credentials } = this.options;
    const what = repository ? `repository ${repository}` : scope;
    if (!credentials) {
      return new RegistryAuthError(`registry ${registry} refused anonymous access to ${what}`, {
        registry,
        status: 401,
        code: "UNAUTHORIZED",
        hint: `give credentials; ${credentialsHint(registry, undefined)}`,
      });
    }
    const realmNote =
      this.realm && !this.realmTrusted(this.realm)
        ? ` (the token realm ${this.realm.origin} is another host, so the credentials were not sent to it; use a registry whose realm is on ${this.options.origin})`
        : "";
    return new RegistryAuthError(
      `registry ${registry} denied ${scope} to ${credentials.username}${realmNote}`,
      {
        registry,
        status: 401,
        code: "DENIED",
        hint: realmNote
          ? undefined
          : "the user needs pull and push rights on the target repository (OCIR: a policy that lets the user's group manage repos in the compartment)",
      },
    );
  }

  private checkRealm(realm: string): URL {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryAuthError(
        `registry ${this.options.registry} sent an invalid token realm ${JSON.stringify(realm)}`,
        {
          registry: this.options.registry,
          status: 401,
        },
      );
    }
    const loopback = isLoopbackRegistry(url.host);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new RegistryAuthError(
        `registry ${this.options.registry} sent a token realm that is not https (${url.origin})`,
        {
          registry: this.options.registry,
          status: 401,
        },
      );
    }
    return url;
  }

  private realmTrusted(realm: URL): boolean {
    if (realm.origin === this.options.origin) return true;
    const trusted = [
      ...(KNOWN_REALMS[this.options.registry] ?? []),
      ...(this.options.trustedRealmHosts ?? []),
    ];
    return realm.protocol === "https:" && trusted.includes(realm.host);
  }

  private cacheKey(scopes: readonly string[]): string {
    return `${this.realm?.href ?? ""}|${this.service ?? ""}|${scopes.join(" ")}`;
  }

  private fresh(token: Token): boolean {
    return token.expiresAt - EXPIRY_MARGIN_MS > this.now();
  }

  private async token(scopes: readonly string[]): Promise<Token> {
    const key = this.cacheKey(scopes);
    const cached = this.tokens.get(key);
    if (cached && this.fresh(cached)) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = this.fetchToken(scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, inFlight);
    }
    const token = await inFlight;
    this.tokens.set(key, token);
    return token;
  }

  private async fetchToken(scopes: readonly string[]): Promise<Token> {
    const { registry, credentials } = this.options;
    const realm = this.realm;
    if (!realm) throw new RegistryAuthError(`registry ${registry}: no token realm known`, { registry });
    const url = new URL(realm.href);
    if (this.service) url.searchParams.append("service", this.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const headers: Record<string, string> = { accept: "application/json" };
    const sendCredentials = credentials !== undefined && this.realmTrusted(realm);
    if (sendCredentials) headers.authorization = `Basic ${this.basicValue()}`;
    this.tokenRequests++;
    const response = await this.options.transport(url.href, headers);
    if (response.status >= 300 && response.status < 400) {
      throw new RegistryAuthError(
        `registry ${registry}: the token service ${realm.origin} redirected; redirects are not followed`,
        {
          registry,
          status: response.status,
        },
      );
    }
    if ((response.status === 401 || response.status === 403) && sendCredentials && credentials) {
      throw rejectedCredentials(registry, credentials.username);
    }
    if (response.status !== 200) {
      throw new RegistryError(
        `registry ${registry}: the token service ${realm.origin} answered HTTP ${response.status}`,
        {
          registry,
          status: response.status,
          code: "TOKEN",
        },
      );
    }
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      json = JSON.parse(response.body) as typeof json;
    } catch {
      throw new RegistryError(`registry ${registry}: the token service answered something that is not JSON`, {
        registry,
      });
    }
    const value = typeof json.token === "string" && json.token ? json.token : json.access_token;
    if (typeof value !== "string" || value.length === 0) {
      throw new RegistryError(`registry ${registry}: the token service answered without a token`, {
        registry,
      });
    }
    this.options.mask?.(value);
    const expiresIn =
      typeof json.expires_in === "number" && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_IN_S;
    // Counted from when the answer arrived: `issued_at` comes from another clock.
    return { value, expiresAt: this.now() + expiresIn * 1000, verified: false };
  }
}
