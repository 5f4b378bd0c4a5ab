// Registry authentication: none, Basic (htpasswd-like), or Bearer tokens from a token endpoint shaped like
// OCIR's (/20180419/docker/token?service=&scope=), with Basic or anonymous pulls. Like OCIR's, the token
// endpoint also takes an OCI-signed GET (API key or session token) and then Basic `BEARER_TOKEN:<token>`
// while that token is valid, both with the signer's rights. Refusals are 401 with the challenge a docker
// client follows.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { queryOf } from "../core/http.js";
import { recordIssued } from "../core/issued-secrets.js";
import { distributionError } from "./errors.js";

export const TOKEN_PATH = "/20180419/docker/token";
/** The docker login name that makes the password a token of this endpoint (OCIR's keyless login). */
export const BEARER_TOKEN_USER = "BEARER_TOKEN";

/** An OCI-signed request as the token endpoint received it (a GET: the body is empty). */
export interface SignedTokenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type RegistryAuthMode =
  | { mode: "none" }
  | {
      mode: "basic";
      users: Record<string, string>;
      /** Repository prefixes anyone may pull (e.g. `fnproject/`). */
      anonymousPull?: string[];
    }
  | {
      mode: "bearer";
      users: Record<string, string>;
      anonymousPull?: string[];
      /** `service` of the challenge; default `127.0.0.1:<port>` like OCIR's `<region>.ocir.io`. */
      service?: string;
      tokenTtlSeconds?: number;
      /** Which JSON field carries the token: `token` (OCIR), `access_token`, or both (distribution). */
      tokenField?: "token" | "access_token" | "both";
      /** Serve the token endpoint on a second port (another host as far as the client can tell). */
      separateTokenServer?: boolean;
      /** Repository prefixes users may push to (OCIR: `<namespace>/`); default any. */
      pushPrefixes?: string[];
      /** A repository anyone may pull besides `anonymousPull` (the Artifacts API's isPublic). */
      publicRepository?: (repo: string) => boolean;
      /** Whether a push to this repository is allowed (e.g. it must exist when not created on first push). */
      canPush?: (repo: string) => boolean;
      /**
       * Verifies an OCI-signed token request and names the signer (who then has a user's push and pull);
       * throws when the signature does not verify. Without it signed requests are refused.
       */
      signedBy?: (request: SignedTokenRequest) => string;
    };

export interface TokenRequestRecord {
  authorization: string | undefined;
  scopes: string[];
  user: string | undefined;
  granted: string[];
}

interface Grant {
  user: string | undefined;
  access: Map<string, Set<string>>;
  expiresAt: number;
}

type BearerMode = Extract<RegistryAuthMode, { mode: "bearer" }>;

function basicUser(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

const bearerOf = (req: IncomingMessage) => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];

/** The actions of a `repository:<name>:<actions>` scope the requester gets. */
function grantedActions(
  auth: BearerMode,
  user: string | undefined,
  repo: string,
  wanted: string,
  isPublic: boolean,
) {
  const pushable =
    (!auth.pushPrefixes || auth.pushPrefixes.some((prefix) => repo.startsWith(prefix))) &&
    (auth.canPush?.(repo) ?? true);
  return wanted
    .split(",")
    .filter((a) =>
      user ? a === "pull" || ((a === "push" || a === "*") && pushable) : a === "pull" && isPublic,
    );
}

export class RegistryAuth {
  private readonly grants = new Map<string, Grant>();
  private readonly anonymousPull: string[];
  /** The main listener's URL and the token server's (when separate); set once they listen. */
  mainUrl: string | undefined;
  tokenServerUrl: string | undefined;

  constructor(
    readonly auth: RegistryAuthMode,
    private readonly now: () => number,
    private readonly tokenRequests: () => TokenRequestRecord[],
  ) {
    this.anonymousPull = auth.mode === "none" ? [] : (auth.anonymousPull ?? []);
  }

  private publicRepo(repo: string): boolean {
    const { auth } = this;
    return (
      this.anonymousPull.some((prefix) => repo.startsWith(prefix)) ||
      (auth.mode === "bearer" && auth.publicRepository?.(repo) === true)
    );
  }

  service(): string {
    const { auth } = this;
    return (
      (auth.mode === "bearer" ? (auth.service ?? this.mainUrl?.replace("http://", "")) : undefined) ?? ""
    );
  }

  realm(): string {
    return `${this.tokenServerUrl ?? this.mainUrl}${TOKEN_PATH}`;
  }

  /** The token endpoint: checks the service and the credentials, grants what the scopes allow. */
  handleToken(req: IncomingMessage, res: ServerResponse) {
    const { auth } = this;
    if (auth.mode !== "bearer") return distributionError(res, 404, "NOT_FOUND", "no token service");
    const authorization = req.headers.authorization;
    const query = queryOf(req);
    const scopes = query
      .getAll("scope")
      .flatMap((s) => s.split(" "))
      .filter(Boolean);
    if (query.get("service") !== this.service()) {
      return distributionError(res, 400, "UNSUPPORTED", `unknown service ${query.get("service")}`);
    }
    const requester = this.requester(auth, req);
    if (requester === "refused") {
      this.tokenRequests().push({ authorization, scopes, user: undefined, granted: [] });
      return distributionError(
        res,
        401,
        "UNAUTHORIZED",
        "authentication required",
        "invalid username or password",
      );
    }
    const { access, granted } = this.grant(auth, requester.user, scopes);
    this.tokenRequests().push({ authorization, scopes, user: requester.user, granted });
    this.sendToken(auth, res, { user: requester.user, access });
  }

  /**
   * Who asks for a token: anonymous (no Authorization), an OCI signer, the holder of a valid token (Basic
   * BEARER_TOKEN:<token>, with the rights of whoever it was issued to), or a user with an auth token.
   */
  private requester(auth: BearerMode, req: IncomingMessage): { user: string | undefined } | "refused" {
    const authorization = req.headers.authorization;
    if (!authorization) return { user: undefined };
    if (/^Signature\s/i.test(authorization)) return this.signer(auth, req);
    const basic = basicUser(authorization);
    if (basic?.user === BEARER_TOKEN_USER) {
      const grant = this.liveGrant(basic.password);
      return grant ? { user: grant.user } : "refused";
    }
    if (!basic || auth.users[basic.user] !== basic.password) return "refused";
    return { user: basic.user };
  }

  private signer(auth: BearerMode, req: IncomingMessage): { user: string } | "refused" {
    if (!auth.signedBy) return "refused";
    try {
      const request = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
      return { user: auth.signedBy({ ...request, body: Buffer.alloc(0) }) };
    } catch {
      return "refused";
    }
  }

  private grant(auth: BearerMode, user: string | undefined, scopes: string[]) {
    const access = new Map<string, Set<string>>();
    const granted: string[] = [];
    for (const scope of scopes) {
      const m = /^repository:([^:]+):([a-z*,]+)$/.exec(scope);
      if (!m?.[1] || !m[2]) continue;
      const repo = m[1];
      const actions = grantedActions(auth, user, repo, m[2], this.publicRepo(repo));
      if (actions.length === 0) continue;
      const set = access.get(repo) ?? new Set<string>();
      for (const a of actions) set.add(a === "*" ? "push" : a);
      if (actions.includes("*")) set.add("pull");
      access.set(repo, set);
      granted.push(`repository:${repo}:${[...set].sort().join(",")}`);
    }
    return { access, granted };
  }

  private sendToken(auth: BearerMode, res: ServerResponse, grant: Omit<Grant, "expiresAt">): void {
    const token = randomBytes(24).toString("base64url");
    recordIssued("registry token", token);
    const ttl = auth.tokenTtlSeconds ?? 300;
    this.grants.set(token, { ...grant, expiresAt: this.now() + ttl * 1000 });
    const field = auth.tokenField ?? "token";
    const body: Record<string, unknown> = { expires_in: ttl, issued_at: new Date(this.now()).toISOString() };
    if (field === "token" || field === "both") body.token = token;
    if (field === "access_token" || field === "both") body.access_token = token;
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(bytes);
  }

  private liveGrant(token: string | undefined): Grant | undefined {
    const grant = token ? this.grants.get(token) : undefined;
    return grant !== undefined && grant.expiresAt > this.now() ? grant : undefined;
  }

  private validGrant(req: IncomingMessage): Grant | undefined {
    return this.liveGrant(bearerOf(req));
  }

  /** Check the request may do `actions` on `repo`; answers 401 itself and returns false when not. */
  authorize(req: IncomingMessage, res: ServerResponse, repo: string | undefined, actions: string[]): boolean {
    const { auth } = this;
    if (auth.mode === "none") return true;
    if (auth.mode === "basic") return this.authorizeBasic(auth.users, req, res, repo, actions);
    const grant = this.validGrant(req);
    const allowed = grant !== undefined && (!repo || actions.every((a) => grant.access.get(repo)?.has(a)));
    if (allowed) return true;
    const scope = repo ? `repository:${repo}:${actions.join(",")}` : undefined;
    let challenge = `Bearer realm="${this.realm()}",service="${this.service()}"`;
    if (scope) challenge += `,scope="${scope}"`;
    if (grant) challenge += ',error="insufficient_scope"';
    else if (bearerOf(req)) challenge += ',error="invalid_token"';
    req.resume();
    const detail = scope ? [{ Type: "repository", Name: repo, Action: actions.join(",") }] : null;
    distributionError(res, 401, "UNAUTHORIZED", "authentication required", detail, {
      "www-authenticate": challenge,
    });
    return false;
  }

  private authorizeBasic(
    users: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    repo: string | undefined,
    actions: string[],
  ): boolean {
    const basic = basicUser(req.headers.authorization);
    if (basic && users[basic.user] === basic.password) return true;
    if (!req.headers.authorization && repo && actions.every((a) => a === "pull") && this.publicRepo(repo))
      return true;
    req.resume();
    distributionError(res, 401, "UNAUTHORIZED", "authentication required", null, {
      "www-authenticate": 'Basic realm="sandbox-registry"',
    });
    return false;
  }

  /** Whether the request could pull `repo` (a mount source), without answering. */
  canPull(req: IncomingMessage, repo: string): boolean {
    const { auth } = this;
    if (auth.mode === "none") return true;
    if (auth.mode === "basic") {
      const basic = basicUser(req.headers.authorization);
      return (basic !== undefined && auth.users[basic.user] === basic.password) || this.publicRepo(repo);
    }
    return this.validGrant(req)?.access.get(repo)?.has("pull") ?? false;
  }
}
