// Crashes on the report path: the BUILT action (node dist/index.js, as the runner starts it) is SIGKILLed
// at 100 seeded points of its run, in a git workspace it commits to, alternating between two inputs that
// write different bytes to the same files. After every kill each report file is the previous complete
// version or the new complete one; no temp file is in git (index, commits, the remote) or in what an artifact
// upload of the folder takes; the next complete run leaves no temp file and pushes what it wrote.
// Replay: RELIABILITY_SEED=<seed> npx vitest run --project reliability test/reliability/crash-report.test.ts
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../sandbox/core/random.js";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import {
  type ActionRun,
  buildActionBundle,
  createWorkspace,
  git,
  listFiles,
  runAction,
  sandboxInputs,
  snapshot,
  type Workspace,
} from "../integration/report-harness.js";

const KILLS = Number(process.env.RELIABILITY_KILLS ?? 100);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20_261_203);
/** A complete run after every this many kills (and one at the end). */
const COMPLETE_EVERY = 10;
const isTemp = (path: string) => /(^|\/)\.[^/]+\.tmp$/.test(path) || path.endsWith(".tmp");

/** What actions/upload-artifact takes from `reports/`: its files, hidden ones left out (its default). */
function artifactFiles(files: string[]): string[] {
  return files.filter((f) => f.startsWith("reports/") && !f.split("/").some((part) => part.startsWith(".")));
}

describe("SIGKILL of the report process at 100 points", () => {
  let sandbox: Sandbox;
  let bundle: { entry: string; dir: string };
  const workspaces: Workspace[] = [];
  /** The complete files of each variant, by path. */
  const versions: Array<Map<string, string>> = [];
  let fullRunMs = 0;

  // Small runs (two months, CSV, JSON and FOCUS each, one page a query) so that 100 kills fit in CI's time.
  const variants = () => {
    const common = {
      ...sandboxInputs(sandbox.endpoints),
      months: "2025-03..2025-04",
      granularity: "MONTHLY",
      focus: "true",
      "compare-previous": "false",
      commit: "true",
    };
    return [common, { ...common, "group-by": "service,region" }];
  };

  beforeAll(async () => {
    [bundle, sandbox] = await Promise.all([buildActionBundle(), startSandbox()]);
    for (const inputs of variants()) {
      const ws = await createWorkspace();
      workspaces.push(ws);
      const run = await runAction(bundle.entry, inputs, { workspace: ws.dir });
      expect(run.code, run.stdout).toBe(0);
      fullRunMs = Math.max(fullRunMs, run.durationMs);
      versions.push(await snapshot(join(ws.dir, "reports")));
    }
    // The two variants write the same files, the CSV and JSON ones with different bytes (FOCUS groups by its
    // own dimensions): a torn write can be told apart from either version.
    expect([...versions[0]!.keys()]).toEqual([...versions[1]!.keys()]);
    for (const [file, hash] of versions[0]!)
      if (!file.endsWith(".focus.csv")) expect(versions[1]!.get(file), file).not.toBe(hash);
  });

  afterAll(async () => {
    await sandbox?.stop();
    for (const ws of workspaces) await ws.dispose();
    if (bundle) await rm(bundle.dir, { recursive: true, force: true });
  });

  /** Every report file is one variant's complete version; no temp file is staged, committed or uploaded. */
  async function checkAfterKill(ws: Workspace, context: string): Promise<string[]> {
    const reports = await snapshot(join(ws.dir, "reports")).catch(() => new Map<string, string>());
    for (const [file, hash] of reports) {
      if (isTemp(file)) continue;
      const known = versions.some((v) => v.get(file) === hash);
      expect(known, `${context}: reports/${file} is neither complete version`).toBe(true);
    }
    const all = await listFiles(ws.dir);
    expect(artifactFiles(all).filter(isTemp), `${context}: a temp file would be uploaded`).toEqual([]);
    expect(git(ws.dir, "ls-files").split("\n").filter(isTemp), `${context}: a temp file is staged`).toEqual(
      [],
    );
    const history = git(ws.dir, "log", "--all", "--name-only", "--format=");
    expect(history.split("\n").filter(isTemp), `${context}: a temp file was committed`).toEqual([]);
    return all.filter(isTemp);
  }

  /** A run to the end: it succeeds, sweeps every temp file, and its files are the variant's, pushed. */
  async function completeRun(ws: Workspace, variant: number, context: string): Promise<ActionRun> {
    const run = await runAction(bundle.entry, variants()[variant]!, { workspace: ws.dir });
    expect(run.code, `${context}: ${run.stdout}${run.stderr}`).toBe(0);
    expect((await listFiles(ws.dir)).filter(isTemp), `${context}: temp files survived`).toEqual([]);
    expect(await snapshot(join(ws.dir, "reports")), context).toEqual(versions[variant]);
    const pushed = git(ws.remote, "ls-tree", "-r", "main", "--name-only").split("\n");
    expect(pushed.filter(isTemp), context).toEqual([]);
    for (const file of versions[variant]!.keys()) {
      const remote = git(ws.remote, "rev-parse", `main:reports/${file}`);
      const local = git(ws.dir, "hash-object", join("reports", file));
      expect(remote, `${context}: reports/${file} not pushed as written`).toBe(local);
    }
    return run;
  }

  it("leaves every report file whole and no temp file behind the next run", {
    // About 3 minutes on 2 idle cores; room for a loaded machine.
    timeout: 900_000,
  }, async () => {
    const started = Date.now();
    const random = mulberry32(SEED);
    const ws = await createWorkspace();
    workspaces.push(ws);
    fullRunMs = (await completeRun(ws, 0, "first run")).durationMs;
    let kills = 0;
    let finishedFirst = 0;
    const tempsSeen = new Set<string>();
    let completions = 1;
    // Bounded: at most twice the kills asked for, each run cut at its full run time at most.
    for (let attempt = 0; kills < KILLS && attempt < KILLS * 2; attempt++) {
      const variant = random() < 0.5 ? 0 : 1;
      // Past the first quarter of a run: before it, node is still loading the bundle.
      const killAtMs = Math.max(50, Math.round(fullRunMs * (0.25 + 0.75 * random())));
      const context = `seed ${SEED}, kill ${kills + 1} at ${killAtMs} ms (variant ${variant}; replay: RELIABILITY_SEED=${SEED})`;
      const killed = await runAction(bundle.entry, variants()[variant]!, {
        workspace: ws.dir,
        timeoutMs: killAtMs,
      }).then(
        (run) => {
          // It finished first: runs are quicker than the estimate, so aim the next kills within this one.
          fullRunMs = run.durationMs;
          return false;
        },
        (err: Error) => {
          if (!/^the action was killed \(SIGKILL\)/.test(err.message)) throw err;
          return true;
        },
      );
      if (killed) kills++;
      else finishedFirst++;
      for (const temp of await checkAfterKill(ws, context)) tempsSeen.add(temp);
      if (killed && kills % COMPLETE_EVERY === 0) {
        fullRunMs = (await completeRun(ws, random() < 0.5 ? 0 : 1, `${context}, the next run`)).durationMs;
        process.stderr.write(
          `crash-report: ${kills} kills, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
        );
        completions++;
      }
    }
    expect(kills).toBe(KILLS);
    console.log(
      `crash-report: kills ${kills} (SIGKILL at seeded points in 0.25..1.0 of the last complete run's time, ${fullRunMs} ms at the end, seed ${SEED}; ${finishedFirst} runs finished before their kill), ` +
        `temp files left by killed runs ${tempsSeen.size}, complete runs after kills ${completions} all exit 0, ` +
        `files neither old nor new: 0, temp files committed/uploaded: 0, leftovers after the next run: 0, wall ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
