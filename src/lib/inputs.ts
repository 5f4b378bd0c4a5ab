// Input checks both commands share: quoting a bad value safely, booleans, and the rule for URLs that carry
// credentials or tokens (https, or http only to this machine; no user:password@, no query or fragment).
import { InputError } from "./errors.js";

/** Input text safe to quote in a one-line message: control characters folded, long values clipped. */
export function quote(value: string): string {
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return `'${text.length > 80 ? `${text.slice(0, 79)}…` : text}'`;
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
export function parseBoolean(name: string, raw: string): boolean {
  if (raw === "true" || raw === "True" || raw === "TRUE") return true;
  if (raw === "false" || raw === "False" || raw === "FALSE") return false;
  throw new InputError(name, `${quote(raw)} is not a boolean; use true or false`);
}

/** localhost, [::1] or 127.x.y.z: where plain http is acceptable (the local sandbox, test registries). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

export interface SecureUrlOptions {
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
