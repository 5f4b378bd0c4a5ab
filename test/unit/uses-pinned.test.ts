// Every `uses:` a user runs or copies: the workflows in .github/workflows and the YAML blocks of the README and
// docs/*.md. A third-party action is pinned to a full 40-hex commit SHA with its version in a comment
// (`actions/checkout@<sha> # v7.0.1`): a tag can be moved to other code, a SHA cannot. This action is named one
// way everywhere, at its moving major tag, which the release workflow keeps on the latest v1.x.y.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { documentedFiles, yamlBlocks } from "../../scripts/markdown-yaml.mjs";

/** This action's owner/repo, and how a workflow outside this repository runs it (the tag release.yml moves). */
const THIS_REPO = "org/usage-api-action";
const THIS_ACTION = `${THIS_REPO}@v1`;
const root = new URL("../..", import.meta.url).pathname;

interface Uses {
  where: string;
  ref: string;
  comment: string;
}

const USES = /^\s*(?:-\s+)?uses:\s*(["']?)([^\s"'#]+)\1\s*(?:#\s*(.*))?$/;

function usesOf(file: string, text: string, firstLine = 1): Uses[] {
  return text.split("\n").flatMap((line, i) => {
    const m = USES.exec(line);
    return m ? [{ where: `${file}:${firstLine + i}`, ref: m[2]!, comment: (m[3] ?? "").trim() }] : [];
  });
}

/** What is wrong with one `uses:` (undefined when nothing is). */
function problemOf({ ref, comment }: Pick<Uses, "ref" | "comment">): string | undefined {
  if (ref.startsWith("./")) return undefined;
  if (/^[^/]+\/usage-api-action@/.test(ref))
    return ref === THIS_ACTION ? undefined : `this action is named ${THIS_ACTION}, not ${ref}`;
  if (ref.startsWith("docker://"))
    return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : `${ref}: pin the image by its sha256 digest`;
  const m = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@(.+)$/.exec(ref);
  if (!m) return `${ref}: not owner/repo[/path]@ref`;
  if (!/^[0-9a-f]{40}$/.test(m[1]!)) return `${ref}: pin a full 40-hex commit SHA, not '${m[1]}'`;
  if (!/^v\d+(?:\.\d+){0,2}\b/.test(comment)) return `${ref}: add the version as a comment (# v1.2.3)`;
  return undefined;
}

const workflows = readdirSync(join(root, ".github", "workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => `.github/workflows/${f}`);
const all: Uses[] = [
  ...workflows.flatMap((f) => usesOf(f, readFileSync(join(root, f), "utf8"))),
  ...documentedFiles()
    .flatMap((file) => yamlBlocks(file))
    .flatMap((b) => usesOf(b.file, b.text, b.line)),
];

describe("uses: pinning", () => {
  it("finds the uses: of the workflows and of the docs' examples", () => {
    expect(all.filter((u) => u.where.startsWith(".github/")).length).toBeGreaterThan(10);
    expect(all.filter((u) => u.ref === THIS_ACTION).length).toBeGreaterThanOrEqual(5);
    expect(all.filter((u) => u.where.startsWith("docs/") && !u.ref.startsWith("./")).length).toBeGreaterThan(
      5,
    );
  });

  it.each([
    [{ ref: "actions/checkout@v4", comment: "" }, "pin a full 40-hex commit SHA, not 'v4'"],
    [{ ref: "actions/checkout@main", comment: "v4" }, "pin a full 40-hex commit SHA"],
    [{ ref: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b", comment: "v7.0.1" }, "40-hex"],
    [{ ref: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", comment: "" }, "add the version"],
    [{ ref: "github/codeql-action/init@v3", comment: "" }, "pin a full 40-hex commit SHA"],
    [{ ref: "docker://alpine:3", comment: "" }, "sha256 digest"],
    [{ ref: "your-org/usage-api-action@v1", comment: "" }, `named ${THIS_ACTION}`],
    [{ ref: "org/usage-api-action@v1.0.0", comment: "" }, `named ${THIS_ACTION}`],
  ])("rejects %o", (uses, message) => {
    expect(problemOf(uses)).toContain(message);
  });

  it.each([
    { ref: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", comment: "v7.0.1" },
    { ref: "github/codeql-action/init@3d3c42e5aac5ba805825da76410c181273ba90b1", comment: "v3.1 (codeql)" },
    { ref: "./", comment: "" },
    { ref: THIS_ACTION, comment: "" },
  ])("accepts %o", (uses) => {
    expect(problemOf(uses)).toBeUndefined();
  });

  it("pins every third-party action, and names this action one way", () => {
    const problems = all.flatMap((u) => {
      const problem = problemOf(u);
      return problem ? [`${u.where}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it("spells this action's owner/repo the one way in every README and docs/ line, prose and comments too", () => {
    const names = documentedFiles().flatMap((file) =>
      [...readFileSync(join(root, file), "utf8").matchAll(/[\w.<>-]+\/usage-api-action@[\w.<>-]+/g)].map(
        (m) => `${file}: ${m[0]}`,
      ),
    );
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(names.filter((n) => !n.endsWith(` ${THIS_ACTION}`))).toEqual([]);
  });

  it("spells the owner/repo the one way in the project's other documents and GitHub files", () => {
    const templates = readdirSync(join(root, ".github", "ISSUE_TEMPLATE")).map(
      (f) => `.github/ISSUE_TEMPLATE/${f}`,
    );
    const files = ["CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md", ".github/CODEOWNERS", ...templates];
    const owners = files.flatMap((file) =>
      [...readFileSync(join(root, file), "utf8").matchAll(/([\w.<>:-]+)\/usage-api-action\b/g)].map(
        (m) => `${file}: ${m[1]!.replace(/^.*[:@]/, "")}/usage-api-action`,
      ),
    );
    expect(owners.length).toBeGreaterThanOrEqual(8);
    expect(owners.filter((o) => !o.endsWith(` ${THIS_REPO}`))).toEqual([]);
  });

  it("pins each third-party action to the same commit everywhere, so that a Dependabot bump of the workflows shows up in the docs", () => {
    const pins = new Map<string, Set<string>>();
    for (const { ref, comment } of all) {
      const m = /^([^@]+)@([0-9a-f]{40})$/.exec(ref);
      if (!m) continue;
      const seen = pins.get(m[1]!) ?? new Set<string>();
      seen.add(`${m[2]} # ${comment}`);
      pins.set(m[1]!, seen);
    }
    expect(pins.get("actions/checkout")?.size).toBe(1);
    const differing = [...pins]
      .filter(([, seen]) => seen.size > 1)
      .map(([action, seen]) => `${action}: ${[...seen].join(", ")}`);
    expect(differing).toEqual([]);
  });
});
