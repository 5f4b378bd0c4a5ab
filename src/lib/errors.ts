// Errors meant for the user: one readable line that says what was wrong and how to fix it.
import { flatten } from "./text.js";

/** A bad action input. The message names the input and the fix. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`input '${input}': ${detail}`);
  }
}

/** A failure whose message is already written for the user (no stack, no wrapping needed). */
export class UserFacingError extends Error {
  override name = "UserFacingError";
}

/** One line from anything thrown: never "[object Object]", never a stack. */
export function oneLine(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message || err.name;
  else if (typeof err === "string") text = err;
  else {
    try {
      text = JSON.stringify(err) ?? String(err);
    } catch {
      text = String(err);
    }
  }
  return flatten(text).replace(/\s+/g, " ").trim() || "unknown error";
}
