// The report command's error kinds.
import { UserFacingError } from "../lib/errors.js";

/** A failure that no retry or later month can fix (bad credentials, scope, time budget). */
export class FatalReportError extends UserFacingError {
  override name = "FatalReportError";
}
