// Runs the BUILT action the way the runner does: `node <dist>/index.js` with INPUT_<NAME> variables, outputs
// and the step summary written to files, a clean environment.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface PushCounters {
  image: string;
  blobsUploaded: number;
  bytesUploaded: number;
  mounted: number;
  copied: number;
  alreadyThere: number;
  manifestsPushed: number;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** `::error::` lines without the prefix. */
  errors: string[];
  /** The action's push summary line, when it got that far. */
  counters: PushCounters | undefined;
  durationMs: number;
}

const COUNTERS =
  /^(\S+): (\d+) blobs uploaded \((\d+) bytes\), (\d+) mounted, (\d+) copied, (\d+) already there; (\d+) manifests pushed$/m;

export async function runAction(
  dist: string,
  workDir: string,
  inputs: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ActionRun> {
  const dir = await mkdtemp(join(workDir, "run-"));
  const outputFile = join(dir, "output");
  const summaryFile = join(dir, "summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [join(dist, "index.js")], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        err += chunk;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (exit, signal) => {
        clearTimeout(timer);
        if (signal)
          reject(new Error(`the action was killed (${signal}) after ${timeoutMs} ms:\n${out}\n${err}`));
        else resolve({ code: exit ?? 1, stdout: out, stderr: err });
      });
    },
  );
  const outputs: Record<string, string> = {};
  const text = await readFile(outputFile, "utf8");
  for (const m of text.matchAll(/^([a-z-]+)<<(ghadelimiter_[\w-]+)\r?\n([\s\S]*?)\r?\n\2$/gm)) {
    outputs[m[1]!] = m[3]!;
  }
  const errors = stdout
    .split(/\r?\n/)
    .filter((l) => l.startsWith("::error::"))
    .map((l) => l.slice("::error::".length));
  const m = COUNTERS.exec(stdout);
  const counters = m
    ? {
        image: m[1]!,
        blobsUploaded: Number(m[2]),
        bytesUploaded: Number(m[3]),
        mounted: Number(m[4]),
        copied: Number(m[5]),
        alreadyThere: Number(m[6]),
        manifestsPushed: Number(m[7]),
      }
    : undefined;
  return { code, stdout, stderr, outputs, errors, counters, durationMs: Date.now() - started };
}

/** A readable failure message for an unexpected exit: the error lines and the log's tail. */
export function describeRun(run: ActionRun): string {
  return `exit ${run.code}; errors: ${run.errors.join(" | ") || "(none)"}\n${run.stdout.split("\n").slice(-30).join("\n")}\n${run.stderr.slice(-2000)}`;
}
