// Register a secret and the forms a log could show it in (base64 and URL-encoded), as GitHub advises:
// redaction only matches exact strings, and values derived from a secret must be registered too.
import * as core from "@actions/core";

export function secretForms(value: string): string[] {
  const forms = new Set<string>([value, Buffer.from(value).toString("base64"), encodeURIComponent(value)]);
  // Each line of a multi-line secret (a PEM) on its own, for runners that mask line by line.
  for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) forms.add(line.trim());
  return [...forms].filter((form) => form.length > 0);
}

export function maskSecret(value: string | undefined, setSecret: (v: string) => void = core.setSecret): void {
  if (!value) return;
  for (const form of secretForms(value)) setSecret(form);
}
