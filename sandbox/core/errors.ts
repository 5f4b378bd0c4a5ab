// The OCI error envelope every emulated OCI API answers with: HTTP status, service code and message. Codes
// follow OCI's API error table (apierrors.htm); messages marked "unconfirmed" are the sandbox's own wording.

/** An OCI API error answer: HTTP status, service code and message (the {"code","message"} envelope). */
export class OciApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra answer headers, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const NOT_FOUND_MESSAGE = "Authorization failed or requested resource not found.";

export const apiErrors = {
  invalid: (message: string) => new OciApiError(400, "InvalidParameter", message),
  missing: (name: string) => new OciApiError(400, "MissingParameter", `Missing required parameter: ${name}`),
  cannotParse: (message = "The request body is not valid JSON") =>
    new OciApiError(400, "CannotParseRequest", message),
  notFound: (message = NOT_FOUND_MESSAGE) => new OciApiError(404, "NotAuthorizedOrNotFound", message),
  /** The resource's state forbids the operation (the SDK retries 409 IncorrectState by default). */
  incorrectState: (message: string) => new OciApiError(409, "IncorrectState", message),
  alreadyExists: (message: string) => new OciApiError(409, "NotAuthorizedOrResourceAlreadyExists", message),
  noEtagMatch: () =>
    new OciApiError(412, "NoEtagMatch", "The If-Match header does not match the resource's current ETag"),
  tooLarge: (limit: number) =>
    new OciApiError(413, "RequestEntityTooLarge", `The request body is larger than ${limit} bytes`),
  /** The tenancy's rate limit is spent; the message is OCI's (oci-services.md §1.3), the limit is unpublished. */
  tooManyRequests: (retryAfterSeconds: number) =>
    new OciApiError(429, "TooManyRequests", "Too many requests for the user", {
      "retry-after": String(retryAfterSeconds),
    }),
  methodNotAllowed: (method: string) =>
    new OciApiError(405, "MethodNotAllowed", `Method ${method} is not allowed on this resource`),
};
