// `npm run sandbox` stops fully when its user stops it: SIGTERM (`kill $!` after `npm run sandbox &`) or
// SIGINT sent to npm's own PID ends npm, tsx, the sandbox's node and the function processes, and removes the
// endpoints file and the folder it made for it.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { alive, commandLine, descendantsOf, pollUntil } from "../support/processes.js";

const root = join(import.meta.dirname, "..", "..");
/** Every process of the run: npm and, once it is up, its tree (which may outlive npm if the stop fails). */
let started: number[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const pid of started) kill(pid);
  started = [];
  if (dir) await rm(dir, { recursive: true, force: true });
});

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** `npm run -s sandbox`, as a user starts it, until its one JSON line is out. */
async function startNpmSandbox(endpointsFile: string): Promise<ChildProcess> {
  const child = spawn("npm", ["run", "-s", "sandbox", "--", "--quiet", "--endpoints-file", endpointsFile], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started = [child.pid!];
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const ready = await pollUntil(() => stdout.includes("\n") || child.exitCode !== null, 45_000);
  expect(ready && stdout.includes("\n"), `the sandbox printed no endpoints (stderr: ${stderr})`).toBe(true);
  return child;
}

describe.each(["SIGTERM", "SIGINT"] as const)("npm run sandbox, then %s to npm's PID", (signal) => {
  it("leaves no process, no endpoints file and no folder behind", async () => {
    dir = await mkdtemp(join(tmpdir(), "sandbox-signals-"));
    const folder = join(dir, ".sandbox");
    const endpointsFile = join(folder, "endpoints.json");
    const npm = await startNpmSandbox(endpointsFile);
    const tree = descendantsOf(npm.pid!);
    started.push(...tree);
    const commands = tree.map(commandLine);
    expect(commands.some((c) => c.includes("tsx") && c.includes("sandbox/cli.ts"))).toBe(true);
    expect(
      commands.some((c) => c.endsWith("func.js")),
      commands.join("\n"),
    ).toBe(true);
    expect(existsSync(endpointsFile)).toBe(true);

    process.kill(npm.pid!, signal);
    expect(await pollUntil(() => npm.exitCode !== null || npm.signalCode !== null, 15_000)).toBe(true);
    expect(npm.exitCode).toBe(0);
    const gone = await pollUntil(() => tree.every((pid) => !alive(pid)), 15_000);
    expect(gone, `still running: ${tree.filter(alive).map(commandLine).join("; ")}`).toBe(true);
    expect(existsSync(endpointsFile)).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });
});
