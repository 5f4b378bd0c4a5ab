// The ```yaml blocks a user copies from the README and docs/*.md, found line by line so that each keeps the
// Markdown line it starts on (for messages that point at the block). Used by the docs tests and by
// `npm run lint:workflows`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

/** README.md and every docs/*.md, relative to the repository root. */
export function documentedFiles() {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** The ```yaml blocks of a Markdown file: { file, line (1-based, the block's first YAML line), text }. */
export function yamlBlocks(file, text = readFileSync(join(root, file), "utf8")) {
  const lines = text.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```yaml") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    blocks.push({ file, line: start + 1, text: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

/** A block that is a fragment of a steps list (it starts indented), without the common indent. */
export function dedent(text) {
  const indents = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => /^ */.exec(l)[0].length);
  const cut = Math.min(...indents);
  return text
    .split("\n")
    .map((l) => l.slice(cut))
    .join("\n");
}

/** A whole workflow (top-level `on:` and `jobs:`), as opposed to a fragment of one. */
export function isWorkflow(text) {
  return /^on:/m.test(text) && /^jobs:/m.test(text);
}
