// `npm run demo`: the main job on the embedded sandbox, no cloud account needed. It starts the sandbox,
// runs the BUILT action exactly as the GitHub runner would (`node dist/index.js` with INPUT_*,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE): first `deploy` (function image pushed to the
// sandbox registry, function and gateway deployment upserted), then `report` for the last 3 full months
// against the endpoint deploy printed. It prints where the reports and summary are, and the totals.
import "../src/lib/fetch-first.js";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { startSandbox } from "../sandbox/index.js";
import { formatFixed, parseDecimal, sum } from "../src/lib/money.js";
import { runBuiltAction, sandboxDeployInputs, sandboxReportInputs } from "../test/support/action-runner.js";

const root = join(import.meta.dirname, "..");
const out = join(root, ".demo");
const workspace = join(out, "workspace");

/** Run the committed action bundle as the runner does, streaming its log; keep its job summary. */
async function runAction(step: string, inputs: Record<string, string>): Promise<Record<string, string>> {
  const run = await runBuiltAction(join(root, "dist", "index.js"), inputs, { workspace, inherit: true });
  await writeFile(join(out, `${step}-summary.md`), run.summary);
  if (run.code !== 0) throw new Error(`the ${step} step failed (exit code ${run.code}); its log is above`);
  return run.outputs;
}

await rm(out, { recursive: true, force: true });
await mkdir(workspace, { recursive: true });

process.stdout.write("Starting the OCI sandbox on 127.0.0.1 ...\n");
const sandbox = await startSandbox();
try {
  const e = sandbox.endpoints;
  const key = await readFile(e.ociPrivateKeyPath, "utf8");

  process.stdout.write(
    "\n=== deploy: function image -> sandbox registry, function + gateway deployment ===\n",
  );
  const deployed = await runAction("deploy", {
    ...sandboxDeployInputs(e, key),
    "usage-api-region": e.region,
  });

  process.stdout.write("\n=== report: the last 3 full months through the deployed endpoint ===\n");
  const reported = await runAction("report", {
    ...sandboxReportInputs(e),
    endpoint: deployed["deployment-endpoint"] ?? "",
    months: "last-3",
    format: "both",
    focus: "true",
  });

  const files = JSON.parse(reported.files ?? "[]") as string[];
  const months = JSON.parse(reported.months ?? "[]") as string[];
  const rel = (path: string) => relative(process.cwd(), path) || ".";
  process.stdout.write("\n=== demo done ===\n");
  process.stdout.write(`image:     ${deployed.image}\n`);
  process.stdout.write(`endpoint:  ${deployed.endpoint}\n`);
  process.stdout.write(`reports:   ${rel(join(workspace, "reports"))}/ (${files.length} files)\n`);
  for (const file of files) process.stdout.write(`           ${rel(join(workspace, file))}\n`);
  process.stdout.write(`summary:   ${rel(join(out, "report-summary.md"))}\n`);
  process.stdout.write(`months:    ${months.join(", ")}\n`);
  for (const month of months) {
    const json = JSON.parse(
      await readFile(join(workspace, "reports", month, "usage-monthly-cost.json"), "utf8"),
    ) as { items: { computedAmount: number; currency: string | null }[] };
    const total = sum(json.items.map((item) => parseDecimal(item.computedAmount)));
    process.stdout.write(
      `           ${month}: ${formatFixed(total, 2)} ${json.items[0]?.currency ?? reported.currency}\n`,
    );
  }
  process.stdout.write(`last month total: ${reported.total} ${reported.currency}\n`);
} finally {
  await sandbox.stop();
}
