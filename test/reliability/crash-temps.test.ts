// The temp files of a killed writer (src/lib/atomic.ts): hidden, named after their target and writer, and
// removed by the next writer of the same target, or by the report's sweep of its month folders at start,
// unless their writer still runs or the file is one this process has open.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AtomicFileWriter, removeStaleTemps, tempFileWriter } from "../../src/lib/atomic.js";
import { type ReportDeps, runReport } from "../../src/report/index.js";
import { readReportInputs } from "../../src/report/inputs.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "crash-temps-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (a pid nothing runs under now, unless reused meanwhile). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "0"]);
  return child.pid!;
}

const temp = (target: string, pid: number, hex = "0123456789ab") => `.${target}.${pid}.${hex}.tmp`;

describe("stale temp files", () => {
  it("names a temp after its target and writer, hidden", async () => {
    const writer = await AtomicFileWriter.open(join(dir, "usage-daily-cost.csv"));
    const name = (await readdir(dir))[0]!;
    expect(name.startsWith(".")).toBe(true);
    expect(tempFileWriter(name, (t) => t === "usage-daily-cost.csv")).toBe(process.pid);
    expect(tempFileWriter(name, (t) => t === "usage-daily-cost.json")).toBeUndefined();
    expect(tempFileWriter("usage-daily-cost.csv", () => true)).toBeUndefined();
    expect(tempFileWriter(".usage-daily-cost.csv.12.xyz.tmp", () => true)).toBeUndefined();
    await writer.abort();
  });

  it("removes a dead writer's temps and this pid's unopened ones, keeps a live writer's, open ones and others", async () => {
    const live = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      const dead = deadPid();
      const names = {
        dead: temp("a.csv", dead),
        reusedPid: temp("a.csv", process.pid, "ffffffffffff"),
        live: temp("a.csv", live.pid!),
        otherTarget: temp("b.csv", dead),
        notTemp: "a.csv",
      };
      for (const name of Object.values(names)) await writeFile(join(dir, name), "x");
      const open = await AtomicFileWriter.open(join(dir, "c.csv"));
      const removed = await removeStaleTemps(dir, (t) => t === "a.csv" || t === "c.csv");
      expect(removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
        [names.dead, names.reusedPid].sort(),
      );
      const left = await readdir(dir);
      expect(left).toContain(names.live);
      expect(left).toContain(names.otherTarget);
      expect(left).toContain(names.notTemp);
      expect(left.some((n) => n.startsWith(".c.csv."))).toBe(true);
      await open.abort();
    } finally {
      live.kill("SIGKILL");
    }
  });

  it("the next writer of a target removes the temps a killed writer left beside it", async () => {
    const target = join(dir, "usage-daily-cost.json");
    await writeFile(join(dir, temp("usage-daily-cost.json", deadPid())), "partial");
    const writer = await AtomicFileWriter.open(target);
    await writer.write("{}\n");
    await writer.commit();
    expect(await readdir(dir)).toEqual(["usage-daily-cost.json"]);
  });

  it("a missing folder has no temps", async () => {
    expect(await removeStaleTemps(join(dir, "nope"), () => true)).toEqual([]);
  });
});

describe("the report's sweep at start", () => {
  it("clears a killed run's temps from month folders this run does not write, and the folder they leave empty", async () => {
    const dead = deadPid();
    const other = join(dir, "reports", "2024-01");
    const kept = join(dir, "reports", "2024-02");
    await mkdir(other, { recursive: true });
    await mkdir(kept, { recursive: true });
    await writeFile(join(other, temp("usage-daily-usage.csv", dead)), "partial");
    await writeFile(join(other, temp("usage-monthly-cost.focus.csv", dead)), "partial");
    await writeFile(join(kept, temp("notes.txt", dead)), "not ours");
    const logs: string[] = [];
    const values: Record<string, string> = {
      endpoint: "https://gw.example.com/usage",
      "token-url": "https://idcs-x.identity.oraclecloud.com",
      "client-id": "id",
      "client-secret": "secret-xyz",
      scope: "https://api/usage.read",
      months: "2025-03",
      summary: "false",
    };
    const inputs = readReportInputs((n) => values[n] ?? "", { now: new Date(), setSecret: () => {} });
    const deps: ReportDeps = {
      root: dir,
      clock: { now: Date.now, sleep: async () => {}, random: () => 0.5 },
      log: { info: (l) => logs.push(l), warning: (l) => logs.push(l), group: (_n, fn) => fn() },
      setSecret: () => {},
      setOutput: () => {},
      createTokenClient: () => ({ getToken: async () => "t", invalidate: () => true }),
      createEndpointClient: () => ({
        fetchMonth: async (_body, onPage) => {
          await onPage({ groupBy: undefined, items: [], page: 1 });
          return { pages: 1, items: 0 };
        },
      }),
      commit: async () => undefined,
    };
    await runReport(inputs, deps);
    expect(logs).toContain("removed 2 temp file(s) that an interrupted earlier run left");
    expect(await readdir(join(dir, "reports"))).toEqual(["2024-02", "2025-03"]);
    expect(await readdir(kept)).toEqual([temp("notes.txt", dead)]);
  });
});
