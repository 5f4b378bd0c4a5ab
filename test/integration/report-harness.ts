// The report tests' harness: the built action (run by test/support/action-runner.ts as the runner would) in a
// GITHUB_WORKSPACE that is a git clone of a local bare remote, and helpers to compare the files it writes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { buildAction } from "../../scripts/build.mjs";
import { type ActionRun, type RunOptions, runBuiltAction } from "../support/action-runner.js";

export {
  type ActionRun,
  commandData,
  inputVariable,
  maskedValues,
  parseOutputFile,
  type RunOptions,
  sandboxReportInputs as sandboxInputs,
} from "../support/action-runner.js";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Seed",
  GIT_AUTHOR_EMAIL: "seed@example.com",
  GIT_COMMITTER_NAME: "Seed",
  GIT_COMMITTER_EMAIL: "seed@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

/** Build src/ into a temp dist once per test file; returns the bundle's path. */
export async function buildActionBundle(): Promise<{ entry: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "report-dist-"));
  const built = await buildAction(dir);
  if (!built) throw new Error("src/index.ts is missing: nothing to build");
  return { entry: built.outfile, dir };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

export interface Workspace {
  /** Holds everything below; removed by dispose(). */
  top: string;
  /** GITHUB_WORKSPACE: a clone of `remote` on branch main. */
  dir: string;
  /** The bare repository the clone pushes to. */
  remote: string;
  dispose(): Promise<void>;
}

/** A bare remote with one commit and a fresh clone of it, as actions/checkout leaves the workspace. */
export async function createWorkspace(): Promise<Workspace> {
  const top = await mkdtemp(join(tmpdir(), "report-ws-"));
  const remote = join(top, "remote.git");
  git(top, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  const seed = join(top, "seed");
  git(top, "clone", "--quiet", remote, seed);
  git(seed, "checkout", "--quiet", "-B", "main");
  await writeFile(join(seed, "README.md"), "reports live here\n");
  git(seed, "add", "README.md");
  git(seed, "commit", "--quiet", "-m", "seed");
  git(seed, "push", "--quiet", "origin", "main");
  const dir = join(top, "workspace");
  git(top, "clone", "--quiet", remote, dir);
  return { top, dir, remote, dispose: () => rm(top, { recursive: true, force: true }) };
}

/** Run the bundle once with these inputs (every action.yml default filled in, as the runner does). */
export function runAction(
  entry: string,
  inputs: Record<string, string>,
  options: RunOptions,
): Promise<ActionRun> {
  return runBuiltAction(entry, inputs, { timeoutMs: 50_000, ...options });
}

/** Every file below `dir`, relative, POSIX separators, sorted (the .git folder left out). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const rel = relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/");
    if (!rel.startsWith(".git/")) out.push(rel);
  }
  return out.sort();
}

/** SHA-256 of every file below `dir` (the .git folder left out), keyed by relative path. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const rel of await listFiles(dir)) {
    files.set(
      rel,
      createHash("sha256")
        .update(await readFile(join(dir, rel)))
        .digest("hex"),
    );
  }
  return files;
}

/** The ::error:: lines of a run (core.setFailed), decoded as the runner shows them. */
export function errorLines(run: ActionRun): string[] {
  return run.errors;
}

/** Rows of the Markdown table under the heading that starts with `heading`, as cell texts. */
export function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(heading));
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "" && rows.length === 0) continue;
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2); // header and separator
}
