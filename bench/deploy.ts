// The whole `deploy` command against the sandbox (issue 4): the BUILT action, run as the runner does,
// pushing a changed function image (the base already in the registry), updating the function and waiting for
// it; and a no-op re-run. The sandbox's control planes add their own lifecycle delays (functions 250 ms,
// work requests 150 ms a step), as the real services take time too.
import "../src/lib/fetch-first.js";
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../sandbox/index.js";
import { buildAction } from "../scripts/build.mjs";
import { runBuiltAction, sandboxDeployInputs } from "../test/support/action-runner.js";
import { median, round } from "./stats.js";

export interface DeployBench {
  changedMs: { median: number; runs: number };
  noopMs: { median: number; runs: number };
  noopBytesUploaded: number;
}

const COUNTERS = /: (\d+) blobs uploaded \((\d+) bytes\)/;

export async function benchDeploy(runs = 5): Promise<DeployBench> {
  const work = await mkdtemp(join(tmpdir(), "bench-deploy-"));
  const sandbox = await startSandbox();
  try {
    const dist = join(work, "dist");
    await buildAction(dist);
    const key = await readFile(sandbox.endpoints.ociPrivateKeyPath, "utf8");
    const inputs = sandboxDeployInputs(sandbox.endpoints, key);
    const run = async () => {
      const result = await runBuiltAction(join(dist, "index.js"), inputs);
      if (result.code !== 0) throw new Error(`deploy failed: ${result.errors.join(" | ")}`);
      return result;
    };
    await run(); // the first deploy converts the provisioned deployment; not measured
    const changed: number[] = [];
    const noop: number[] = [];
    let noopBytes = 0;
    for (let i = 0; i < runs; i++) {
      // New code: a changed bundle means a new layer, a new digest and a function update.
      await appendFile(join(dist, "function", "func.js"), `\n// bench ${i}\n`);
      changed.push((await run()).durationMs);
      const again = await run();
      noop.push(again.durationMs);
      noopBytes += Number(COUNTERS.exec(again.stdout)?.[2] ?? Number.NaN);
    }
    return {
      changedMs: { median: round(median(changed)), runs },
      noopMs: { median: round(median(noop)), runs },
      noopBytesUploaded: noopBytes,
    };
  } finally {
    await sandbox.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchDeploy(), null, 2));
}
