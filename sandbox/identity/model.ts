// The identity domain's state: resource apps and their scopes, OAuth clients, the signing keys, and the
// access tokens it issues (IDCS's claim set, in IDCS's order).
import { createHash, randomUUID } from "node:crypto";
import { recordIssued } from "../core/issued-secrets.js";
import { type SigningAlg, type SigningKeys, signCompact, tokenHeader } from "./keys.js";

/** A resource server (an IDCS confidential/resource app) with its primary audience and scope names. */
export interface ResourceApp {
  name: string;
  /** Primary audience, e.g. "https://usage.sandbox.local/". */
  audience: string;
  /** Scope names, e.g. ["usage.read"]. */
  scopes: string[];
}

/** An OAuth client (an IDCS confidential application) allowed to use client_credentials. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Full scope strings: audience + scope name. */
  grantedScopes: string[];
  /** Its grants (an admin-created app's allowedGrants); absent: client_credentials and token-exchange. */
  grants?: string[];
}

export interface MintOptions {
  kid?: string;
  alg?: SigningAlg;
  /** Claim names to remove from the token. */
  omit?: string[];
  /** Header fields merged over the default header (the signature still uses `alg` above). */
  header?: Record<string, unknown>;
}

/** The scope string a client asks for: the app's primary audience followed by the scope name. */
export function fullScope(app: ResourceApp, scopeName: string): string {
  return `${app.audience}${scopeName}`;
}

export class IdentityDomain {
  activeKid: string;

  constructor(
    readonly issuer: string,
    readonly tenant: string,
    readonly ttl: number,
    readonly apps: ResourceApp[],
    readonly clients: OAuthClient[],
    readonly keys: SigningKeys,
    readonly now: () => number,
    activeKid: string,
  ) {
    this.activeKid = activeKid;
  }

  /** Resolve a full scope string to its app and scope name. */
  resolveScope(scope: string): { app: ResourceApp; name: string } | undefined {
    for (const app of this.apps) {
      if (scope.startsWith(app.audience)) {
        const name = scope.slice(app.audience.length);
        if (app.scopes.includes(name)) return { app, name };
      }
    }
    return undefined;
  }

  claimsFor(client: OAuthClient, app: ResourceApp | undefined, scopeNames: string[]) {
    const iat = Math.floor(this.now() / 1000);
    return {
      sub: client.clientId,
      "user.tenant.name": this.tenant,
      sub_mappingattr: "userName",
      iss: this.issuer,
      tok_type: "AT",
      client_id: client.clientId,
      aud: app?.audience ?? "",
      sub_type: "client",
      scope: scopeNames.join(" "),
      client_tenantname: this.tenant,
      exp: iat + this.ttl,
      iat,
      client_guid: createHash("sha256").update(`guid:${client.clientId}`).digest("hex").slice(0, 32),
      client_name: client.name,
      tenant: this.tenant,
      jti: randomUUID(),
    };
  }

  /** The access token of a client_credentials grant, signed RS256 by the active key. */
  issue(client: OAuthClient, app: ResourceApp, scopeNames: string[]): string {
    const key = this.keys.get(this.activeKid);
    const token = signCompact(
      tokenHeader(key, "RS256"),
      this.claimsFor(client, app, scopeNames),
      "RS256",
      key.privateKey,
    );
    recordIssued("access token", token);
    return token;
  }

  /** A validly signed token: the default client's claims merged with `claims`. */
  mint(claims: Record<string, unknown>, options: MintOptions): string {
    const client = this.clients[0];
    if (!client) throw new Error("identity emulator: no client configured");
    const app =
      this.apps.find((a) => client.grantedScopes.some((s) => this.resolveScope(s)?.app === a)) ??
      this.apps[0];
    const names = client.grantedScopes
      .map((s) => this.resolveScope(s))
      .filter((r) => r !== undefined && r.app === app)
      .map((r) => r!.name);
    const payload: Record<string, unknown> = { ...this.claimsFor(client, app, names), ...claims };
    for (const name of options.omit ?? []) delete payload[name];
    const alg = options.alg ?? "RS256";
    const key = this.keys.get(options.kid ?? this.activeKid);
    const token = signCompact({ ...tokenHeader(key, alg), ...options.header }, payload, alg, key.privateKey);
    recordIssued("access token", token);
    return token;
  }

  /** A bearer token this domain issued, still valid, signed by a published key. */
  validBearer(authorization: string | undefined): boolean {
    const match = /^bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(
      authorization ?? "",
    );
    if (!match) return false;
    const [, h = "", p = "", s = ""] = match;
    try {
      const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
      if (!this.keys.verifies(h, p, s, header.kid, header.alg)) return false;
      return claims.iss === this.issuer && typeof claims.exp === "number" && claims.exp > this.now() / 1000;
    } catch {
      return false;
    }
  }
}
