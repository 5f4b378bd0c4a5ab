// Commit the report files with real git (execFile, no shell) as the GitHub Actions bot. Only the given
// paths are staged; nothing changed means no commit. A push rejected as non-fast-forward is followed by
// `git pull --rebase` and another push, a bounded number of times; a failed rebase is aborted.
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { UserFacingError } from "../lib/errors.js";
import { realSleep, withRetry } from "../lib/retry.js";

export const BOT_NAME = "github-actions[bot]";
export const BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com";
const DEFAULT_PUSH_ATTEMPTS = 5;

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git with the given arguments in `cwd`; never throws for a non-zero exit. */
export type GitRunner = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => Promise<GitResult>;

const runGit: GitRunner = (args, cwd, env) =>
  new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", LANG: "C" },
        maxBuffer: 16 << 20,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== "number") {
          reject(new UserFacingError(`could not run git: ${(err as Error).message}`));
          return;
        }
        resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
      },
    );
  });

/** Remove credentials from URLs (https://user:token@host → https://***@host) and keep one short line. */
export function redactGitOutput(text: string): string {
  const line = text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@")
    .replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, "$1$2 ***")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("hint:"))
    .slice(-3)
    .join(" / ");
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

export interface CommitOptions {
  /** The work tree (repository root or a folder inside it). */
  cwd: string;
  /** Files to commit, relative to cwd. Nothing else is staged. */
  paths: string[];
  message: string;
  /** Branch to push to; empty or undefined: the current branch. */
  branch?: string | undefined;
  remote?: string;
  maxPushAttempts?: number;
  git?: GitRunner;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: (line: string) => void;
}

const IDENTITY = [
  "-c",
  `user.name=${BOT_NAME}`,
  "-c",
  `user.email=${BOT_EMAIL}`,
  "-c",
  "commit.gpgsign=false",
];
const BOT_ENV: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: BOT_NAME,
  GIT_AUTHOR_EMAIL: BOT_EMAIL,
  GIT_COMMITTER_NAME: BOT_NAME,
  GIT_COMMITTER_EMAIL: BOT_EMAIL,
};

function isNonFastForward(stderr: string): boolean {
  // A concurrent push can also lose the ref-update race on the server ("cannot lock ref").
  return /\[rejected\]|non-fast-forward|fetch first|cannot lock ref|failed to update ref|incorrect old value/i.test(
    stderr,
  );
}

/** git check-ref-format's rules, enough to refuse a bad `commit-branch` before any git call. */
export function isValidBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith("-") &&
    !name.startsWith("/") &&
    !name.endsWith("/") &&
    !name.endsWith(".") &&
    !name.endsWith(".lock") &&
    !name.includes("..") &&
    !name.includes("//") &&
    !name.includes("@{") &&
    name !== "@" &&
    !/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) &&
    !name.split("/").some((part) => part.startsWith("."))
  );
}

class Git {
  constructor(
    private readonly cwd: string,
    private readonly run: GitRunner,
  ) {}

  async ok(args: string[], what: string, env?: NodeJS.ProcessEnv): Promise<string> {
    const result = await this.run(args, this.cwd, env);
    if (result.code !== 0) {
      throw new UserFacingError(
        `${what} failed (git exit ${result.code}): ${redactGitOutput(result.stderr || result.stdout)}`,
      );
    }
    return result.stdout.trim();
  }

  try(args: string[], env?: NodeJS.ProcessEnv): Promise<GitResult> {
    return this.run(args, this.cwd, env);
  }
}

/** A push the remote rejected because the branch moved on: worth another attempt after a rebase. */
class BranchMoved extends Error {
  override name = "BranchMoved";
}

/** What both ways of committing work with, options resolved. */
interface CommitRun {
  git: Git;
  options: CommitOptions;
  branch: string;
  remote: string;
  attempts: number;
  log: (line: string) => void;
  /** Retry a push the remote rejected: `attempts` in all, full-jitter backoff from 500 ms to 5 s. */
  retryPush<T>(attempt: (n: number) => Promise<T>): Promise<T>;
}

/**
 * Commit `paths` and push. Returns the pushed commit's SHA, or undefined when the files are unchanged.
 * The current branch is committed to directly (then pull --rebase on a race); another branch gets a
 * commit built on its remote tip through a temporary index, leaving the work tree's branch alone.
 */
export async function commitReports(options: CommitOptions): Promise<string | undefined> {
  const git = new Git(options.cwd, options.git ?? runGit);
  if (options.paths.length === 0) return undefined;
  const current = await git.try(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  const currentBranch = current.code === 0 ? current.stdout.trim() : undefined;
  const branch = options.branch?.trim() || currentBranch;
  if (!branch) {
    throw new UserFacingError(
      "cannot commit: HEAD is detached (no current branch); set input 'commit-branch' to the branch to push to",
    );
  }
  if (!isValidBranchName(branch))
    throw new UserFacingError(`input 'commit-branch': '${branch}' is not a valid branch name`);
  const attempts = options.maxPushAttempts ?? DEFAULT_PUSH_ATTEMPTS;
  const run: CommitRun = {
    git,
    options,
    branch,
    remote: options.remote ?? "origin",
    attempts,
    log: options.log ?? (() => {}),
    retryPush: (attempt) =>
      withRetry(attempt, (err) => ({ retry: err instanceof BranchMoved }), {
        maxAttempts: attempts,
        baseMs: 500,
        maxDelayMs: 5000,
        sleep: options.sleep ?? realSleep,
        random: options.random ?? Math.random,
      }),
  };
  return branch === currentBranch ? commitToCurrentBranch(run) : commitToOtherBranch(run);
}

/**
 * Push `source` to the branch. True when it landed; false when the branch moved on and another attempt
 * may follow; any other failure, or a rejection on the last attempt (`exhausted`), throws.
 */
async function pushOnce(
  run: CommitRun,
  source: string,
  attempt: number,
  exhausted: string,
): Promise<boolean> {
  const { git, remote, branch } = run;
  const push = await git.try(["push", "--porcelain", remote, `${source}:refs/heads/${branch}`]);
  if (push.code === 0) return true;
  const output = `${push.stderr}\n${push.stdout}`;
  if (!isNonFastForward(output)) {
    throw new UserFacingError(`git push to '${branch}' failed: ${redactGitOutput(output)}`);
  }
  if (attempt >= run.attempts) throw new UserFacingError(exhausted);
  return false;
}

async function commitToCurrentBranch(run: CommitRun): Promise<string | undefined> {
  const { git, options, branch, remote, attempts, log } = run;
  await git.ok(["add", "--", ...options.paths], "git add");
  const staged = await git.try(["diff", "--cached", "--quiet", "--", ...options.paths]);
  if (staged.code === 0) {
    if (!(await hasUnpushedCommits(run))) {
      log("report files unchanged: nothing to commit");
      return undefined;
    }
    // An earlier run stopped between its commit and its push: push that commit now.
    log(
      `report files unchanged, but '${branch}' has commits ${remote} lacks (an interrupted earlier run): pushing them`,
    );
  } else {
    if (staged.code !== 1) throw new UserFacingError(`git diff failed: ${redactGitOutput(staged.stderr)}`);
    await git.ok(
      [...IDENTITY, "commit", "--no-verify", "--quiet", "-m", options.message, "--", ...options.paths],
      "git commit",
    );
  }
  const exhausted = `git push to '${branch}' was still rejected after ${attempts} attempts (other commits keep arriving); serialise report jobs with a concurrency group`;
  return run.retryPush(async (attempt) => {
    if (await pushOnce(run, "HEAD", attempt, exhausted))
      return git.ok(["rev-parse", "HEAD"], "git rev-parse");
    log(`push rejected (the branch moved); rebasing on ${remote}/${branch} (attempt ${attempt}/${attempts})`);
    const pull = await git.try([...IDENTITY, "pull", "--rebase", "--autostash", "--no-edit", remote, branch]);
    if (pull.code !== 0) {
      await git.try(["rebase", "--abort"]);
      throw new UserFacingError(
        `git pull --rebase from '${branch}' failed and was aborted: ${redactGitOutput(pull.stderr || pull.stdout)}`,
      );
    }
    throw new BranchMoved();
  });
}

/** Whether HEAD has commits the remote-tracking branch lacks (none known without a tracking branch). */
async function hasUnpushedCommits(run: CommitRun): Promise<boolean> {
  const tracking = `refs/remotes/${run.remote}/${run.branch}`;
  const ahead = await run.git.try(["rev-list", "--count", `${tracking}..HEAD`, "--"]);
  return ahead.code === 0 && Number(ahead.stdout.trim()) > 0;
}

async function commitToOtherBranch(run: CommitRun): Promise<string | undefined> {
  const { git, branch, remote, attempts, log } = run;
  const gitDir = await git.ok(["rev-parse", "--absolute-git-dir"], "git rev-parse");
  const index = `${gitDir}/usage-report-index-${process.pid}`;
  const env: NodeJS.ProcessEnv = { ...BOT_ENV, GIT_INDEX_FILE: index };
  const exhausted = `git push to '${branch}' was still rejected after ${attempts} attempts`;
  try {
    return await run.retryPush(async (attempt) => {
      const sha = await commitOnRemoteTip(run, env);
      if (sha === undefined || (await pushOnce(run, sha, attempt, exhausted))) return sha;
      log(
        `push rejected (the branch moved); rebuilding on ${remote}/${branch} (attempt ${attempt}/${attempts})`,
      );
      throw new BranchMoved();
    });
  } finally {
    await rm(index, { force: true });
  }
}

/** A commit of the paths on the branch's remote tip (through the temporary index in `env`); undefined when nothing changed. */
async function commitOnRemoteTip(run: CommitRun, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { git, options, branch, remote, log } = run;
  const tracking = `refs/remotes/${remote}/${branch}`;
  const fetch = await git.try(["fetch", "--quiet", "--no-tags", remote, `+refs/heads/${branch}:${tracking}`]);
  const remoteMissing = fetch.code !== 0 && /couldn't find remote ref/i.test(fetch.stderr);
  if (fetch.code !== 0 && !remoteMissing) {
    throw new UserFacingError(`git fetch of '${branch}' failed: ${redactGitOutput(fetch.stderr)}`);
  }
  const parent = remoteMissing ? undefined : await git.ok(["rev-parse", tracking], "git rev-parse");
  await git.ok(parent ? ["read-tree", parent] : ["read-tree", "--empty"], "git read-tree", env);
  await git.ok(["add", "--", ...options.paths], "git add", env);
  const tree = await git.ok(["write-tree"], "git write-tree", env);
  if (parent && tree === (await git.ok(["rev-parse", `${parent}^{tree}`], "git rev-parse"))) {
    log(`report files unchanged on '${branch}': nothing to commit`);
    return undefined;
  }
  return git.ok(
    ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", options.message],
    "git commit-tree",
    env,
  );
}
