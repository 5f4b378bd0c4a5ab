// The identity domain's error shapes: OAuth 2 errors on the token endpoint (RFC 6749 §5.2, never cached) and
// SCIM errors on the admin and unknown paths.
import type { ServerResponse } from "node:http";
import { sendJson } from "../core/http.js";

export const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/** An OAuth error answer of the token endpoint. */
export interface OAuthError {
  status: number;
  error: string;
  description: string;
  headers?: Record<string, string>;
}

export function sendOAuthError(res: ServerResponse, e: OAuthError): void {
  sendJson(
    res,
    e.status,
    { error: e.error, error_description: e.description },
    { ...NO_STORE, ...e.headers },
  );
}

export function sendScimError(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { schemas: [SCIM_ERROR], detail, status: String(status) }, headers);
}
