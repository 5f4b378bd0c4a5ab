// Register a secret and the forms a log could show it in (base64 and URL-encoded), as GitHub advises:
// redaction only matches exact strings, and values derived from a secret must be registered too.
import * as core from "@actions/core";

export function secretForms(value: string): string[] {
  const forms = new Set<string>([value, Buffer.from(value).toString("base64"), encodeURIComponent(value)]);
  // Each line of a multi-line secret (a PEM) on its own, for runners that mask line by line.
  for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) forms.add(line.trim());
  return [...forms].filter((form) => form.length > 0);
}

/** Registers a secret and its derived forms; a form already registered is not registered again. */
export interface Masker {
  (value: string | undefined): void;
  /** Register `form` as it is, for a caller that derives its own forms (still once each). */
  exact(form: string): void;
}

export function createMasker(register: (form: string) => void = (form) => core.setSecret(form)): Masker {
  const registered = new Set<string>();
  const exact = (form: string) => {
    if (form === "" || registered.has(form)) return;
    registered.add(form);
    register(form);
  };
  const mask = (value: string | undefined) => {
    if (value) for (const form of secretForms(value)) exact(form);
  };
  return Object.assign(mask, { exact });
}

/** The action's one masker: both commands register their secrets through it (main.ts hands it to each). */
export const maskSecret: Masker = createMasker();
