// The release notes of one version: its section of CHANGELOG.md (Keep a Changelog: `## [1.0.0] - 2026-12-03`,
// or `## v1.0.0 - …`), without the heading, for `gh release create --notes-file`. The release workflow runs it;
// a version with no section, or an empty one, fails the release before anything is tagged.
// Usage: node scripts/release-notes.mjs v1.0.0 [CHANGELOG.md]   (the notes on stdout)
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SEMVER = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

/** "1.0.0" from "v1.0.0" or "1.0.0"; throws on anything that is not a SemVer version. */
export function versionOf(tag) {
  const m = SEMVER.exec(tag.trim());
  if (!m) throw new Error(`'${tag}' is not a version: use vMAJOR.MINOR.PATCH, e.g. v1.0.0`);
  return m[1];
}

/** The heading's version, when a line is a version heading (`## [1.0.0] - date`, `## v1.0.0`, `## 1.0.0`). */
function headingVersion(line) {
  return /^## \[?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?(?:\s|$)/.exec(line)?.[1];
}

/** The body of `version`'s section: from its heading to the next `## ` heading or the link definitions. */
export function releaseNotes(changelog, tag) {
  const version = versionOf(tag);
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => headingVersion(line) === version);
  if (start < 0)
    throw new Error(`CHANGELOG.md has no section for ${version}: add '## [${version}] - YYYY-MM-DD'`);
  let end = start + 1;
  while (end < lines.length && !lines[end].startsWith("## ") && !/^\[[^\]]+\]:\s/.test(lines[end])) end++;
  const body = lines
    .slice(start + 1, end)
    .join("\n")
    .trim();
  if (body === "")
    throw new Error(`CHANGELOG.md's section for ${version} is empty: list what the version changes`);
  return `${body}\n`;
}

if (process.argv[1] === import.meta.filename) {
  const [tag, file = join(import.meta.dirname, "..", "CHANGELOG.md")] = process.argv.slice(2);
  try {
    if (!tag) throw new Error("give the version: node scripts/release-notes.mjs v1.0.0");
    process.stdout.write(releaseNotes(readFileSync(file, "utf8"), tag));
  } catch (err) {
    console.error(`release-notes: ${err.message}`);
    process.exitCode = 1;
  }
}
