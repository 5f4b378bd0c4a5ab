// The release workflow's notes: CHANGELOG.md's section for the tagged version, and a version that the
// changelog does not describe stops the release before anything is tagged.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { releaseNotes, versionOf } from "../../scripts/release-notes.mjs";

const root = new URL("../..", import.meta.url).pathname;
const CHANGELOG = [
  "# Changelog",
  "",
  "## [Unreleased]",
  "",
  "- not yet",
  "",
  "## [v1.1.0] - 2027-01-10",
  "",
  "### Fixed",
  "",
  "- one thing",
  "",
  "## [1.0.0] - 2026-12-03",
  "",
  "### Added",
  "- everything",
  "",
  "## v0.9.0",
  "",
  "[1.0.0]: https://example.com/v1.0.0",
].join("\n");

describe("release notes from CHANGELOG.md", () => {
  it.each([
    ["v1.1.0", "### Fixed\n\n- one thing\n"],
    ["1.1.0", "### Fixed\n\n- one thing\n"],
    ["v1.0.0", "### Added\n- everything\n"],
  ])("gives %s its own section, without the heading, up to the next one", (tag, notes) => {
    expect(releaseNotes(CHANGELOG, tag)).toBe(notes);
  });

  it("fails on a version with no section, naming the heading to add", () => {
    expect(() => releaseNotes(CHANGELOG, "v1.2.0")).toThrow(
      "CHANGELOG.md has no section for 1.2.0: add '## [1.2.0] - YYYY-MM-DD'",
    );
    // 1.0.0 must not match 1.0.00 or 11.0.0.
    expect(() => releaseNotes("## [11.0.0]\n- x\n## [1.0.00]\n- y\n", "v1.0.0")).toThrow("no section");
  });

  it("fails on an empty section", () => {
    expect(() => releaseNotes(CHANGELOG, "v0.9.0")).toThrow("section for 0.9.0 is empty");
  });

  it.each(["v1", "v1.0", "release-1.0.0", "v1.0.0.1", ""])("rejects the tag %o", (tag) => {
    expect(() => versionOf(tag)).toThrow("is not a version: use vMAJOR.MINOR.PATCH");
  });

  it("has notes for the version package.json says, in the repository's CHANGELOG.md", () => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string };
    const notes = releaseNotes(readFileSync(`${root}CHANGELOG.md`, "utf8"), `v${version}`);
    expect(notes).toContain("### Added");
    expect(notes).toContain("`command: report`");
  });
});
