// Input checks both commands share: quoting a bad value safely, booleans, and the rule for URLs that carry
// credentials or tokens (https, or http only to this machine; no user:password@, no query or fragment).
import { InputError, UserFacingError } from "./errors.js";
import { quote } from "./text.js";

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
function parseBoolean(name: string, raw: string): boolean {
  if (raw === "true" || raw === "True" || raw === "TRUE") return true;
  if (raw === "false" || raw === "False" || raw === "FALSE") return false;
  throw new InputError(name, `${quote(raw)} is not a boolean; use true or false`);
}

/** localhost, [::1] or 127.x.y.z: where plain http is acceptable (the local sandbox, test registries). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

interface SecureUrlOptions {
  /** An example of a good value, for the messages. */
  example: string;
  /** How to pass credentials instead of in the URL (appended to that message). */
  credentialsHint?: string;
}

/** An https URL (http only on loopback), without credentials, query string or fragment. */
export function secureUrl(name: string, raw: string, options: SecureUrlOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(name, `${quote(raw)} is not a URL; use ${options.example}`);
  }
  if (url.username !== "" || url.password !== "") {
    // Never echo the value: it holds credentials.
    const hint = options.credentialsHint ? `; ${options.credentialsHint}` : "";
    throw new InputError(name, `must not contain credentials (user:password@)${hint}`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new InputError(
      name,
      `${quote(raw)} must use https (http is allowed only for 127.0.0.1 and localhost)`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(name, `${quote(raw)} must be an https URL, e.g. ${options.example}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new InputError(name, `${quote(raw)} must not have a query string or fragment`);
  }
  return url;
}

// ---- Input tables: one row per input, one generic reader ---------------------------------------------------

/** How one input's text becomes its value; throws InputError (naming `name`) to refuse it. */
export type InputParser<T> = (text: string, name: string) => T;

/** One action input: its name and default exactly as action.yml declares them, and its parser. */
export interface InputSpec<T> {
  name: string;
  default?: string;
  /** Mask the raw value (and its derived forms) before anything else reads it. */
  secret?: boolean;
  /** Pass the text as given, not trimmed (multi-line values whose lines are parsed one by one). */
  untrimmed?: boolean;
  parse: InputParser<T>;
}

export type InputTable = Record<string, InputSpec<unknown>>;
export type InputValues<T extends InputTable> = {
  [K in keyof T]: T[K] extends InputSpec<infer V> ? V : never;
};

/** Shorthand for a table row: `input("months", parseMonthsSpec, { default: "previous" })`. */
export function input<T>(
  name: string,
  parse: InputParser<T>,
  options: Omit<InputSpec<T>, "name" | "parse"> = {},
): InputSpec<T> {
  return { name, parse, ...options };
}

/** The names of a table's inputs, keyed like the table (the constants action.yml is tested against). */
export function inputNames<T extends InputTable>(table: T): { [K in keyof T]: T[K]["name"] } {
  return Object.fromEntries(Object.entries(table).map(([key, spec]) => [key, spec.name])) as {
    [K in keyof T]: T[K]["name"];
  };
}

/** The defaults of a table's inputs, by input name (as action.yml declares them). */
export function inputDefaults(table: InputTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of Object.values(table)) if (spec.default !== undefined) out[spec.name] = spec.default;
  return out;
}

/** Every problem found in a set of inputs, so that all are reported at once. */
export class InputProblems {
  readonly errors: InputError[] = [];

  /** Run one check: an InputError is recorded (undefined is returned); anything else is a bug and propagates. */
  check<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.errors.push(err);
      return undefined;
    }
  }

  add(...errors: InputError[]): void {
    this.errors.push(...errors);
  }

  /** Throw what was found: the one InputError itself, or every message in one line. */
  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0]!;
    if (this.errors.length > 1) throw new UserFacingError(this.errors.map((e) => e.message).join("; "));
  }
}

/** The text of one input as its parser sees it: trimmed (unless untrimmed), the default when empty. */
export function inputText(spec: InputSpec<unknown>, get: (name: string) => string): string {
  const given = get(spec.name);
  const text = spec.untrimmed ? given : given.trim();
  return text.trim() === "" ? (spec.default ?? "") : text;
}

/**
 * Read every row of a table, in order. Secret rows are masked first, before any parser runs. A row that fails
 * records its InputError in `problems` and is left out of the result; the caller runs its cross-input rules,
 * then `problems.throwIfAny()`, and only then treats the values as complete.
 */
export function readInputTable<T extends InputTable>(
  table: T,
  get: (name: string) => string,
  problems: InputProblems,
  mask: (secret: string) => void,
): Partial<InputValues<T>> {
  for (const spec of Object.values(table)) {
    const value = get(spec.name).trim();
    if (spec.secret && value !== "") mask(value);
  }
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const text = inputText(spec, get);
    problems.check(() => {
      values[key] = spec.parse(text, spec.name);
    });
  }
  return values as Partial<InputValues<T>>;
}

// ---- Parsers both commands use ------------------------------------------------------------------------------

/** `true` / `false` (the YAML 1.2 core-schema spellings). */
export const booleanInput: InputParser<boolean> = (text, name) => parseBoolean(name, text);

/** Empty text is undefined; anything else goes to `parse`. */
export function optional<T>(parse: InputParser<T>): InputParser<T | undefined> {
  return (text, name) => (text === "" ? undefined : parse(text, name));
}

/** Empty text is refused with `detail` ("is required for ..."); anything else goes to `parse`. */
export function required<T>(parse: InputParser<T>, detail: string): InputParser<T> {
  return (text, name) => {
    if (text === "") throw new InputError(name, detail);
    return parse(text, name);
  };
}

/** One of `allowed`, matched without regard to case, returned as spelled in `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): InputParser<T> {
  return (text, name) => {
    const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
    if (!found) throw new InputError(name, `${quote(text)} is not allowed; use ${allowed.join(" or ")}`);
    return found;
  };
}

/** A whole number from `min` to `max`; `what` names it in the message ("a number of minutes"). */
export function wholeNumber(min: number, max: number, what: string): InputParser<number> {
  return (text, name) => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InputError(name, `${quote(text)} is not ${what}; use a whole number from ${min} to ${max}`);
    }
    return Number(text);
  };
}

/** Text without control characters or line breaks (and, with `noSpaces`, without white space). */
export function singleLine(options: { noSpaces?: boolean } = {}): InputParser<string> {
  return (text, name) => {
    if (/[\u0000-\u001f\u007f]/.test(text)) {
      throw new InputError(
        name,
        options.noSpaces
          ? "must not contain spaces or control characters"
          : "must not contain control characters or line breaks",
      );
    }
    if (options.noSpaces && /\s/.test(text)) {
      throw new InputError(name, "must not contain spaces or control characters");
    }
    return text;
  };
}

/** A comma- or newline-separated list: trimmed, empty items dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
