// OCI SDK failures as one readable line:
//   "<service call> failed: HTTP <status> <serviceCode>: <message> (opc-request-id <id>)"
// The SDK's OciError carries a troubleshooting blurb and client-version text, and its network failures are
// plain objects ({code, message, requestEndpoint, troubleshootingPage}) that print as [object Object]; neither
// may reach a user. A hint for the common statuses says what to check.
import { oneLine, UserFacingError } from "../lib/errors.js";
import { isNetworkError } from "../lib/retry.js";
import { oneLineText } from "../lib/text.js";

/** The fields of the SDK's OciError that matter (read structurally: bundles may hold two copies of the class). */
interface OciServiceFailure {
  statusCode: number;
  serviceCode: string;
  message: string;
  opcRequestId: string | null;
}

function isOciServiceFailure(err: unknown): err is OciServiceFailure {
  if (typeof err !== "object" || err === null) return false;
  const e = err as Record<string, unknown>;
  return typeof e.statusCode === "number" && e.statusCode > 0 && typeof e.serviceCode === "string";
}

/** What the SDK throws when no HTTP answer came back (connection refused, DNS, TLS, timeouts). */
function networkCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  if (isNetworkError(err)) return "network error";
  return undefined;
}

interface OciCallErrorInit {
  call: string;
  status?: number;
  serviceCode?: string;
  opcRequestId?: string;
  retryable: boolean;
  cause?: unknown;
}

/** A failed OCI API call, already worded for the user. */
export class OciCallError extends UserFacingError {
  override name = "OciCallError";
  readonly call: string;
  readonly status: number | undefined;
  readonly serviceCode: string | undefined;
  readonly opcRequestId: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, init: OciCallErrorInit) {
    super(message, init.cause === undefined ? {} : { cause: init.cause });
    this.call = init.call;
    this.status = init.status;
    this.serviceCode = init.serviceCode;
    this.opcRequestId = init.opcRequestId;
    this.retryable = init.retryable;
  }
}

/** Throttling, server errors, and the SDK's own retryable 409 IncorrectState. */
function isRetryableOciStatus(status: number, serviceCode: string | undefined): boolean {
  if (status === 429) return true;
  if (status === 409) return serviceCode === "IncorrectState";
  return status >= 500 && status <= 599 && status !== 501;
}

/** A short "what to check" for a status, by call kind. */
function defaultHint(status: number | undefined): string | undefined {
  switch (status) {
    case 401:
      return "check the API key: oci-user, oci-fingerprint and oci-private-key must belong together, the public key must be uploaded to that user, and oci-tenancy must be the user's tenancy";
    case 403:
      return "the user lacks an IAM permission for this call; see the IAM policy statements in docs/deploy.md";
    case 404:
      return "it does not exist in this region, or the IAM policies do not let the user see it";
    case 409:
      return "the resource is busy or in a conflicting state; wait for it to settle and re-run";
    case 412:
      return "the resource changed while deploy was running; re-run deploy";
    default:
      return undefined;
  }
}

/** Turn anything an SDK call threw into an OciCallError with one line of text. */
export function ociCallError(
  call: string,
  err: unknown,
  hint?: (status: number) => string | undefined,
): OciCallError {
  if (err instanceof OciCallError) return err;
  if (isOciServiceFailure(err)) {
    const id = err.opcRequestId ?? undefined;
    const serviceCode =
      err.serviceCode && err.serviceCode !== "None" ? ` ${oneLineText(err.serviceCode, 80)}` : "";
    const message = oneLineText(typeof err.message === "string" && err.message ? err.message : "no message");
    const extra = hint?.(err.statusCode) ?? defaultHint(err.statusCode);
    const text = `${call} failed: HTTP ${err.statusCode}${serviceCode}: ${message}${id ? ` (opc-request-id ${oneLineText(id, 120)})` : ""}${extra ? `; ${extra}` : ""}`;
    return new OciCallError(text, {
      call,
      status: err.statusCode,
      serviceCode: err.serviceCode,
      opcRequestId: id,
      retryable: isRetryableOciStatus(err.statusCode, err.serviceCode),
      cause: err,
    });
  }
  const code = networkCode(err);
  const rawMessage =
    typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string"
      ? ((err as { message: string }).message as string)
      : oneLine(err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const causeText =
    cause && typeof cause === "object"
      ? oneLineText(String(cause.code ?? cause.message ?? ""), 80)
      : code && code !== "network error"
        ? code
        : "";
  const detail = oneLineText(rawMessage || "unknown error");
  const endpoint = (err as { requestEndpoint?: unknown } | null)?.requestEndpoint;
  let where = "";
  // The SDK writes it as "GET https://host/path".
  const url = typeof endpoint === "string" ? /https?:\/\/\S+/.exec(endpoint)?.[0] : undefined;
  if (url) {
    try {
      where = `; could not reach ${new URL(url).origin}`;
    } catch {
      // not a URL: leave it out
    }
  }
  const text = `${call} failed: ${detail}${causeText && !detail.includes(causeText) ? ` (${causeText})` : ""}${where}`;
  // No HTTP answer: the endpoint is unreachable or the connection broke; worth another attempt.
  const retryable =
    code !== undefined || isNetworkError(err) || /fetch failed|socket|ECONN/i.test(rawMessage);
  return new OciCallError(text, { call, retryable, cause: err });
}
