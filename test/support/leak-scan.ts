// The one leak scan of the integration tests: a secret must show in no log, output, summary or file, in any
// of the forms it could leak in (raw, base64 of either alphabet with or without padding, URL-encoded). Lines
// of `::add-mask::` are left out: the runner consumes them to register the value and never shows them.
import { expect } from "vitest";

/** The forms a secret can leak in. */
export function secretForms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString("base64");
  return [
    secret,
    b64,
    b64.replace(/=+$/, ""),
    Buffer.from(secret).toString("base64url"),
    encodeURIComponent(secret),
  ];
}

/** What the runner would show of a text: everything but its ::add-mask:: lines. */
export function shownText(text: string): string {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}

/** None of `secrets` (of 8 characters or more), in any form, in any of `texts` as the runner shows them. */
export function expectNoSecret(texts: readonly string[], secrets: string | readonly string[]): void {
  const list = (typeof secrets === "string" ? [secrets] : secrets).filter((s) => s.length >= 8);
  for (const text of texts) {
    const shown = shownText(text);
    for (const secret of list) for (const form of secretForms(secret)) expect(shown).not.toContain(form);
  }
}
