// The built action for the e2e suite: run as the runner does, plus the push counters from its log.
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { type ActionRun as BaseRun, runBuiltAction } from "../support/action-runner.js";

export interface PushCounters {
  image: string;
  blobsUploaded: number;
  bytesUploaded: number;
  mounted: number;
  copied: number;
  alreadyThere: number;
  manifestsPushed: number;
}

export interface ActionRun extends BaseRun {
  /** The action's push summary line, when it got that far. */
  counters: PushCounters | undefined;
}

const COUNTERS =
  /^(\S+): (\d+) blobs uploaded \((\d+) bytes\), (\d+) mounted, (\d+) copied, (\d+) already there; (\d+) manifests pushed$/m;

/** Run the built action as the runner does (test/support/action-runner.ts) and read its push counters. */
export async function runAction(
  dist: string,
  workDir: string,
  inputs: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ActionRun> {
  const workspace = await mkdtemp(join(workDir, "run-"));
  const run = await runBuiltAction(join(dist, "index.js"), inputs, { workspace, timeoutMs });
  const m = COUNTERS.exec(run.stdout);
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
  return { ...run, counters };
}

/** A readable failure message for an unexpected exit: the error lines and the log's tail. */
export function describeRun(run: ActionRun): string {
  return `exit ${run.code}; errors: ${run.errors.join(" | ") || "(none)"}\n${run.stdout.split("\n").slice(-30).join("\n")}\n${run.stderr.slice(-2000)}`;
}
