// commitReports with real git against a local bare repository as the remote.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BOT_EMAIL,
  BOT_NAME,
  commitReports,
  type GitRunner,
  redactGitOutput,
} from "../../src/report/commit.js";

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Seed",
  GIT_AUTHOR_EMAIL: "seed@example.com",
  GIT_COMMITTER_NAME: "Seed",
  GIT_COMMITTER_EMAIL: "seed@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

let top: string;
let remote: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    env: ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

async function clone(name: string): Promise<string> {
  const dir = join(top, name);
  git(top, "clone", "--quiet", remote, dir);
  return dir;
}

async function put(repo: string, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(repo, path)), { recursive: true });
  await writeFile(join(repo, path), text);
}

const noSleep = async () => {};
const CSV_01 = "reports/2026-01/usage-monthly-cost.csv";
const JSON_01 = "reports/2026-01/usage-monthly-cost.json";
const CSV_02 = "reports/2026-02/usage-monthly-cost.csv";

beforeEach(async () => {
  top = await mkdtemp(join(tmpdir(), "report-commit-"));
  remote = join(top, "remote.git");
  git(top, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  const seed = await clone("seed");
  git(seed, "checkout", "--quiet", "-B", "main");
  await put(seed, "README.md", "hello\n");
  git(seed, "add", "README.md");
  git(seed, "commit", "--quiet", "-m", "seed");
  git(seed, "push", "--quiet", "origin", "main");
});

afterEach(async () => {
  await rm(top, { recursive: true, force: true });
});

describe("commitReports", () => {
  it("commits only the report paths as the bot, and pushes", async () => {
    const repo = await clone("a");
    await put(repo, CSV_01, "a,b\r\n1,2\r\n");
    await put(repo, JSON_01, "{}\n");
    await put(repo, "stray.txt", "not a report\n");
    await put(repo, "README.md", "local edit\n");
    const sha = (await commitReports({
      cwd: repo,
      paths: [CSV_01, JSON_01],
      message: "Usage report 2026-01",
      sleep: noSleep,
    })) as string;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git(remote, "rev-parse", "main")).toBe(sha);
    expect(git(remote, "show", "--no-patch", "--format=%an <%ae>|%cn <%ce>|%s", sha)).toBe(
      `${BOT_NAME} <${BOT_EMAIL}>|${BOT_NAME} <${BOT_EMAIL}>|Usage report 2026-01`,
    );
    expect(git(remote, "show", "--name-only", "--format=", sha).split("\n").sort()).toEqual([
      CSV_01,
      JSON_01,
    ]);
    // The stray file and the README edit stay out of the commit.
    expect(git(repo, "status", "--porcelain")).toBe(" M README.md\n?? stray.txt".trim());
    // The repository's own identity was not changed.
    expect(() => git(repo, "config", "--local", "user.name")).toThrow();
  });

  it("makes no commit when the files are unchanged", async () => {
    const repo = await clone("a");
    await put(repo, CSV_01, "same\r\n");
    const first = await commitReports({ cwd: repo, paths: [CSV_01], message: "m", sleep: noSleep });
    await put(repo, CSV_01, "same\r\n");
    const second = await commitReports({ cwd: repo, paths: [CSV_01], message: "m", sleep: noSleep });
    expect(second).toBeUndefined();
    expect(git(remote, "rev-parse", "main")).toBe(first);
    expect(git(remote, "rev-list", "--count", "main")).toBe("2");
  });

  it("two racing runs both land: the rejected push rebases and retries", async () => {
    const a = await clone("a");
    const b = await clone("b");
    await put(a, CSV_01, "january\r\n");
    await put(b, CSV_02, "february\r\n");
    const logs: string[] = [];
    const [shaA, shaB] = await Promise.all([
      commitReports({ cwd: a, paths: [CSV_01], message: "jan", sleep: noSleep, log: (l) => logs.push(l) }),
      commitReports({ cwd: b, paths: [CSV_02], message: "feb", sleep: noSleep, log: (l) => logs.push(l) }),
    ]);
    const head = git(remote, "rev-parse", "main");
    expect([shaA, shaB]).toContain(head);
    expect(git(remote, "log", "--format=%s", "main").split("\n").sort()).toEqual(["feb", "jan", "seed"]);
    expect(git(remote, "ls-tree", "-r", "--name-only", "main").split("\n").sort()).toEqual([
      "README.md",
      CSV_01,
      CSV_02,
    ]);
    expect(logs.some((l) => l.startsWith("push rejected (the branch moved); rebasing on origin/main"))).toBe(
      true,
    );
    // Linear history: the rebase did not create a merge.
    expect(git(remote, "rev-list", "--merges", "--count", "main")).toBe("0");
  });

  it("a conflicting rebase is aborted cleanly and reported", async () => {
    const a = await clone("a");
    const b = await clone("b");
    await put(a, CSV_01, "version a\r\n");
    await commitReports({ cwd: a, paths: [CSV_01], message: "a", sleep: noSleep });
    await put(b, CSV_01, "version b\r\n");
    const err = (await commitReports({ cwd: b, paths: [CSV_01], message: "b", sleep: noSleep }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/^git pull --rebase from 'main' failed and was aborted: /);
    expect(existsSync(join(b, ".git", "rebase-merge"))).toBe(false);
    expect(existsSync(join(b, ".git", "rebase-apply"))).toBe(false);
    expect(git(b, "symbolic-ref", "--short", "HEAD")).toBe("main");
  });

  it("commits to another branch without touching the checked-out one, and creates it if needed", async () => {
    const a = await clone("a");
    const b = await clone("b");
    await put(a, CSV_01, "jan\r\n");
    await put(b, CSV_02, "feb\r\n");
    const mainBefore = git(remote, "rev-parse", "main");
    const [shaA, shaB] = await Promise.all([
      commitReports({ cwd: a, paths: [CSV_01], message: "jan", branch: "reports", sleep: noSleep }),
      commitReports({ cwd: b, paths: [CSV_02], message: "feb", branch: "reports", sleep: noSleep }),
    ]);
    expect(git(remote, "rev-parse", "main")).toBe(mainBefore);
    expect([shaA, shaB]).toContain(git(remote, "rev-parse", "reports"));
    expect(git(remote, "ls-tree", "-r", "--name-only", "reports").split("\n").sort()).toEqual([
      CSV_01,
      CSV_02,
    ]);
    expect(git(a, "symbolic-ref", "--short", "HEAD")).toBe("main");
    expect(git(a, "rev-parse", "HEAD")).toBe(mainBefore);
    expect(git(remote, "show", "--no-patch", "--format=%an", "reports")).toBe(BOT_NAME);
    // Same bytes again: nothing to commit.
    expect(
      await commitReports({ cwd: a, paths: [CSV_01], message: "jan", branch: "reports", sleep: noSleep }),
    ).toBeUndefined();
  });

  it("refuses a detached HEAD without commit-branch", async () => {
    const repo = await clone("a");
    git(repo, "checkout", "--quiet", "--detach");
    await put(repo, CSV_01, "x\r\n");
    await expect(commitReports({ cwd: repo, paths: [CSV_01], message: "m", sleep: noSleep })).rejects.toThrow(
      "HEAD is detached (no current branch); set input 'commit-branch'",
    );
  });

  it("names the failure without the remote's credentials", async () => {
    const repo = await clone("a");
    git(repo, "remote", "set-url", "origin", "https://x-access-token:ghs_SECRET@127.0.0.1:1/org/repo.git");
    await put(repo, CSV_01, "x\r\n");
    const err = (await commitReports({ cwd: repo, paths: [CSV_01], message: "m", sleep: noSleep }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/^git push to 'main' failed: /);
    expect(err.message).not.toContain("ghs_SECRET");
    expect(
      redactGitOutput("fatal: unable to access 'https://user:tok@github.com/o/r.git/': x\nhint: y"),
    ).toBe("fatal: unable to access 'https://***@github.com/o/r.git/': x");
  });

  it("retries a rejected push with full-jitter backoff, then gives up after maxPushAttempts", async () => {
    // A remote that rejects every push, so every attempt and every wait between them shows.
    const calls: string[] = [];
    const fakeGit: GitRunner = async (args) => {
      calls.push(args.find((a) => !a.startsWith("-") && !a.includes("=")) ?? "");
      const answers: Record<string, { code: number; stdout: string; stderr: string }> = {
        "symbolic-ref": { code: 0, stdout: "main\n", stderr: "" },
        diff: { code: 1, stdout: "", stderr: "" },
        "rev-parse": { code: 0, stdout: `${top}\n`, stderr: "" },
        "write-tree": { code: 0, stdout: "tree-new\n", stderr: "" },
        "commit-tree": { code: 0, stdout: "c0ffee\n", stderr: "" },
        push: { code: 1, stdout: "", stderr: " ! [rejected]        HEAD -> main (fetch first)" },
      };
      return answers[calls[calls.length - 1]!] ?? { code: 0, stdout: "", stderr: "" };
    };
    for (const branch of [undefined, "reports"]) {
      calls.length = 0;
      const waits: number[] = [];
      const logs: string[] = [];
      const err = (await commitReports({
        cwd: top,
        paths: [CSV_01],
        message: "m",
        branch,
        git: fakeGit,
        maxPushAttempts: 4,
        sleep: async (ms) => {
          waits.push(ms);
        },
        random: () => 0.5,
        log: (l) => logs.push(l),
      }).catch((e: Error) => e)) as Error;
      const target = branch ?? "main";
      expect(err.message).toMatch(new RegExp(`^git push to '${target}' was still rejected after 4 attempts`));
      expect(calls.filter((c) => c === "push")).toHaveLength(4);
      expect(waits).toEqual([250, 500, 1000]);
      expect(logs).toHaveLength(3);
      expect(logs[2]).toMatch(
        /^push rejected \(the branch moved\); (rebasing|rebuilding) on origin\/\S+ \(attempt 3\/4\)$/,
      );
    }
  });
});
