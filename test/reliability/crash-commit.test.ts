// A run killed between its commit and its push leaves a local commit the remote lacks; the next run finds
// the report files unchanged, and must push that commit rather than report "nothing to commit".
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitReports } from "../../src/report/commit.js";
import { createWorkspace, git, type Workspace } from "../integration/report-harness.js";

let ws: Workspace;
beforeEach(async () => {
  ws = await createWorkspace();
});
afterEach(async () => {
  await ws.dispose();
});

describe("a commit an interrupted run did not push", () => {
  it("is pushed by the next run, whose files are unchanged", async () => {
    await mkdir(join(ws.dir, "reports", "2025-03"), { recursive: true });
    const file = "reports/2025-03/usage-monthly-cost.csv";
    await writeFile(join(ws.dir, file), "a,b\r\n1,2\r\n");
    // What the killed run got done: git add and git commit, not git push.
    git(ws.dir, "add", "--", file);
    git(ws.dir, "commit", "--quiet", "-m", "Usage report 2025-03");
    const local = git(ws.dir, "rev-parse", "HEAD");
    expect(git(ws.remote, "rev-parse", "main")).not.toBe(local);

    const lines: string[] = [];
    const sha = await commitReports({
      cwd: ws.dir,
      paths: [file],
      message: "Usage report 2025-03",
      log: (l) => lines.push(l),
    });
    expect(sha).toBe(local);
    expect(git(ws.remote, "rev-parse", "main")).toBe(local);
    expect(lines).toContain(
      "report files unchanged, but 'main' has commits origin lacks (an interrupted earlier run): pushing them",
    );
  });

  it("makes no commit and no push when the files are unchanged and everything is pushed", async () => {
    const before = git(ws.remote, "rev-parse", "main");
    const lines: string[] = [];
    const sha = await commitReports({
      cwd: ws.dir,
      paths: ["README.md"],
      message: "m",
      log: (l) => lines.push(l),
    });
    expect(sha).toBeUndefined();
    expect(lines).toEqual(["report files unchanged: nothing to commit"]);
    expect(git(ws.remote, "rev-parse", "main")).toBe(before);
  });
});
