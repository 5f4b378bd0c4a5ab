// The OAuth2 token endpoint: the form, client authentication (RFC 6749 §2.3.1: Basic or form fields, never
// both), the grant type and the scopes, in the order IDCS checks them. Grants: client_credentials, and the
// token exchange (token-exchange.ts) when the domain has the admin API's trusts.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "../core/faults.js";
import { BodyTooLargeError, readBody, sendJson } from "../core/http.js";
import { NO_STORE, type OAuthError, sendOAuthError } from "./errors.js";
import type { IdentityDomain, OAuthClient, ResourceApp } from "./model.js";
import { TOKEN_EXCHANGE_GRANT, type TokenExchange } from "./token-exchange.js";

const invalidRequest = (description: string, headers?: Record<string, string>): OAuthError => ({
  status: 400,
  error: "invalid_request",
  description,
  headers,
});

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before the Basic encoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}

/** The POSTed form: urlencoded, at most 64 KiB, no parameter twice. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | OAuthError> {
  if (req.method !== "POST") {
    req.resume();
    return {
      status: 405,
      error: "invalid_request",
      description: "The token endpoint only accepts POST.",
      headers: { allow: "POST" },
    };
  }
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  let raw: Buffer;
  try {
    raw = await readBody(req, 64 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      return invalidRequest("The request body is too large.", { connection: "close" });
    throw err;
  }
  if (contentType !== "application/x-www-form-urlencoded") {
    return invalidRequest("The content type must be application/x-www-form-urlencoded.");
  }
  const form = new URLSearchParams(raw.toString("utf8"));
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) return invalidRequest(`The parameter ${name} is repeated.`);
  }
  return form;
}

/** The client named by Basic or the form fields, when its secret matches; 401 invalid_client otherwise. */
function authenticateClient(
  domain: IdentityDomain,
  req: IncomingMessage,
  form: URLSearchParams,
): OAuthClient | OAuthError {
  const authorization = req.headers.authorization;
  const usedBasic = typeof authorization === "string" && /^basic\s/i.test(authorization);
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  if (usedBasic) {
    if (form.has("client_secret")) return invalidRequest("Use only one client authentication method.");
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, "").trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    try {
      if (colon > 0) {
        clientId = formDecode(decoded.slice(0, colon));
        clientSecret = formDecode(decoded.slice(colon + 1));
      }
    } catch {
      clientId = undefined;
    }
  } else {
    clientId = form.get("client_id") ?? undefined;
    clientSecret = form.get("client_secret") ?? undefined;
  }
  const client = domain.clients.find((c) => c.clientId === clientId);
  if (client && clientSecret !== undefined && sameSecret(clientSecret, client.clientSecret)) return client;
  const challenge = { "www-authenticate": `Basic realm="${domain.tenant}"` };
  return {
    status: 401,
    error: "invalid_client",
    description: "Client authentication failed.",
    headers: usedBasic || clientId === undefined ? challenge : {},
  };
}

/** The app and scope names of a client_credentials grant the client may have. */
function grantedScopes(
  domain: IdentityDomain,
  client: OAuthClient,
  form: URLSearchParams,
): { app: ResourceApp; names: string[] } | OAuthError {
  const grantType = form.get("grant_type");
  if (!grantType) return invalidRequest("The grant_type parameter is missing.");
  if (grantType !== "client_credentials") {
    return {
      status: 400,
      error: "unsupported_grant_type",
      description: "The grant type is not supported by this endpoint.",
    };
  }
  const invalidScope = (description: string): OAuthError => ({
    status: 400,
    error: "invalid_scope",
    description,
  });
  const requested = [...new Set((form.get("scope") ?? "").split(" ").filter((s) => s !== ""))];
  if (requested.length === 0) return invalidScope("The scope parameter is missing.");
  const resolved = requested.map((s) => domain.resolveScope(s));
  if (resolved.some((r) => r === undefined))
    return invalidScope("The requested scope is invalid, unknown, or malformed.");
  const scopes = resolved as { app: ResourceApp; name: string }[];
  const app = scopes[0]!.app;
  if (scopes.some((s) => s.app !== app))
    return invalidScope("The requested scopes must all belong to one audience.");
  const allowed = client.grants === undefined || client.grants.includes("client_credentials");
  if (!allowed || requested.some((s) => !client.grantedScopes.includes(s))) {
    return { status: 400, error: "unauthorized_client", description: "Client authorization failed." };
  }
  return { app, names: scopes.map((s) => s.name) };
}

const isError = (v: object): v is OAuthError => "error" in v && "status" in v;

export async function tokenEndpoint(
  domain: IdentityDomain,
  req: IncomingMessage,
  res: ServerResponse,
  fault: Fault | undefined,
  exchange?: TokenExchange,
): Promise<void> {
  const form = await readForm(req);
  if (isError(form)) return sendOAuthError(res, form);
  const client = authenticateClient(domain, req, form);
  if (isError(client)) return sendOAuthError(res, client);
  if (exchange && form.get("grant_type") === TOKEN_EXCHANGE_GRANT) {
    const exchanged = await exchange(client, form);
    if (isError(exchanged)) return sendOAuthError(res, exchanged);
    return sendJson(res, 200, exchanged, NO_STORE, fault);
  }
  const grant = grantedScopes(domain, client, form);
  if (isError(grant)) return sendOAuthError(res, grant);
  const accessToken = domain.issue(client, grant.app, grant.names);
  sendJson(
    res,
    200,
    { access_token: accessToken, token_type: "Bearer", expires_in: domain.ttl },
    NO_STORE,
    fault,
  );
}
