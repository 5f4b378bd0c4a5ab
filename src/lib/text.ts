// Text from outside (server answers, names, tag values, inputs) made safe for one line of a log or a
// message. Every command uses these; none writes its own control-character clean-up.

/**
 * Control characters (C0, DEL), the Unicode line and paragraph separators, and the bidirectional embeddings,
 * overrides and isolates (they reorder what a reader sees: "Trojan Source", CVE-2021-42574), in runs.
 */
const LINE_BREAKERS = /[\u0000-\u001f\u007f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Each run of control characters, line separators or bidi controls becomes one space. */
export function flatten(text: string): string {
  return text.replace(LINE_BREAKERS, " ");
}

/** At most `max` characters: a longer text is cut and ends with "…". */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One tidy line: flattened, white space collapsed and trimmed, at most `max` characters. */
export function oneLineText(text: string, max = 300): string {
  return clip(flatten(text).replace(/\s+/g, " ").trim(), max);
}

/** A value quoted for a message: flattened, at most `max` characters, in single quotes. */
export function quote(value: string, max = 80): string {
  return `'${clip(flatten(value), max)}'`;
}

/** A line for the runner's log that it cannot read as a workflow command: one line, never starting with `::`. */
export function safeLogLine(line: string): string {
  return flatten(line).replace(/^(\s*)::/, "$1: :");
}

/** Every occurrence of each secret (of 4 characters or more) replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("***");
  return out;
}

/** Server text (or a JSON value) made safe for one log line: control characters removed, length capped, secrets cut out. */
export function sanitizeServerText(value: unknown, secrets: readonly string[] = [], max = 200): string {
  const text =
    typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value);
  return clip(flatten(redact(text, secrets)).trim(), max);
}
