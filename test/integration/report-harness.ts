// Runs the BUILT action the way the GitHub runner does: `node <dist>/index.js` with INPUT_* (names upper-cased,
// dashes kept, every declared default filled in), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE (a git
// clone of a local bare remote) and RUNNER_TEMP, in a child process with a clean environment.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildAction } from "../../scripts/build.mjs";
import { DEFAULTS, INPUTS } from "../../src/report/inputs.js";
import type { SandboxEndpoints } from "../sandbox/index.js";

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout split into lines. */
  lines: string[];
  /** Outputs as written to GITHUB_OUTPUT (the last value of each name). */
  outputs: Record<string, string>;
  /** The raw GITHUB_OUTPUT file. */
  outputFile: string;
  summary: string;
}

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

/** The inputs that point the action at the sandbox. */
export function sandboxInputs(endpoints: SandboxEndpoints): Record<string, string> {
  return {
    command: "report",
    endpoint: endpoints.gatewayUrl,
    "token-url": endpoints.tokenUrl,
    "client-id": endpoints.clientId,
    "client-secret": endpoints.clientSecret,
    scope: endpoints.scope,
  };
}

/** The runner's name for an input's variable: INPUT_ + upper case, spaces to underscores, dashes kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<delimiter` / value lines / `delimiter`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const [, name, delimiter] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    outputs[name!] = value.join("\n");
  }
  return outputs;
}

export interface RunOptions {
  workspace: string;
  /** Extra environment (e.g. ACTIONS_STEP_DEBUG). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Run the bundle once with these inputs (defaults of action.yml filled in as the runner does). */
export async function runAction(
  entry: string,
  inputs: Record<string, string>,
  options: RunOptions,
): Promise<ActionRun> {
  const runner = await mkdtemp(join(tmpdir(), "report-runner-"));
  try {
    const files = {
      GITHUB_OUTPUT: join(runner, "output"),
      GITHUB_STEP_SUMMARY: join(runner, "summary.md"),
      GITHUB_ENV: join(runner, "env"),
      GITHUB_PATH: join(runner, "path"),
      GITHUB_STATE: join(runner, "state"),
    };
    for (const file of Object.values(files)) await writeFile(file, "");
    const home = join(runner, "home");
    const temp = join(runner, "temp");
    await mkdir(home);
    await mkdir(temp);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      LANG: "C.UTF-8",
      CI: "true",
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: options.workspace,
      RUNNER_TEMP: temp,
      GIT_CONFIG_NOSYSTEM: "1",
      ...files,
    };
    // The runner sets every input action.yml declares: its default, or "" when it has none.
    for (const name of Object.values(INPUTS)) env[inputVariable(name)] = DEFAULTS[name] ?? "";
    for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
    Object.assign(env, options.env);

    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve, reject) => {
        execFile(
          process.execPath,
          [entry],
          {
            cwd: options.workspace,
            env,
            encoding: "utf8",
            maxBuffer: 64 << 20,
            timeout: options.timeoutMs ?? 50_000,
          },
          (err, out, errOut) => {
            if (err && typeof (err as { code?: unknown }).code !== "number") reject(err);
            else
              resolve({
                code: err ? Number((err as { code: number }).code) : 0,
                stdout: out,
                stderr: errOut,
              });
          },
        );
      },
    );
    const outputFile = await readFile(files.GITHUB_OUTPUT, "utf8");
    return {
      code,
      stdout,
      stderr,
      lines: stdout.split(/\r?\n/),
      outputs: parseOutputFile(outputFile),
      outputFile,
      summary: await readFile(files.GITHUB_STEP_SUMMARY, "utf8"),
    };
  } finally {
    await rm(runner, { recursive: true, force: true });
  }
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

/** A workflow command's data as the runner decodes it (@actions/core escapes %, CR and LF). */
export function commandData(text: string): string {
  return text.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
}

/** The values registered with ::add-mask:: (what the runner would redact). */
export function maskedValues(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith("::add-mask::"))
    .map((line) => commandData(line.slice("::add-mask::".length)));
}

/** The ::error:: lines of a run (core.setFailed), decoded as the runner shows them. */
export function errorLines(run: ActionRun): string[] {
  return run.lines.filter((line) => line.startsWith("::error::")).map((line) => commandData(line.slice(9)));
}
