// `npm run demo`: the whole guide on the embedded sandbox, no cloud account needed. It starts a BARE
// sandbox tenancy (a VCN with a subnet, the API-key user, the identity domain, the registry; nothing else)
// and runs the BUILT action exactly as the GitHub runner would (`node dist/index.js` with INPUT_*,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE): `setup` (repository, Functions application, API
// gateway, dynamic group, policy, resource and client apps; the client secret to a 0600 file), then
// `deploy` with setup's outputs (function image pushed, function and gateway deployment upserted), then
// `report` for the last 3 full months with setup's client and a monthly budget. Before each step it prints
// the step's `with:` inputs as a runner's log does, secrets as ***. At the end it prints what setup created,
// where the reports and the three job summaries are, and the totals.
import "../src/lib/fetch-first.js";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { startSandbox } from "../sandbox/index.js";
import { formatFixed, parseDecimal, sum } from "../src/lib/money.js";
import {
  deployInputsFromSetup,
  reportInputsFromSetup,
  runBuiltAction,
  sandboxSetupInputs,
} from "../test/support/action-runner.js";

const root = join(import.meta.dirname, "..");
const out = join(root, ".demo");
const workspace = join(out, "workspace");
const secretFile = join(out, "usage-api-report.client-secret");

/** The inputs a workflow passes from `secrets.*`: a runner's log shows them as ***. */
const SECRET_INPUTS = new Set(["oci-private-key", "registry-password", "client-secret"]);
/** The monthly budget of the README's report example. */
const BUDGET = "10000";

/** The step's header as a runner's log shows it: `Run ./` and its `with:` inputs, secrets masked. */
function printWith(inputs: Record<string, string>): void {
  process.stdout.write("Run ./\n  with:\n");
  for (const [name, value] of Object.entries(inputs)) {
    const shown = SECRET_INPUTS.has(name) ? "***" : value;
    process.stdout.write(`    ${name}: ${shown}\n`);
  }
}

/** Run the committed action bundle as the runner does, streaming its log; keep its job summary. */
async function runAction(step: string, inputs: Record<string, string>): Promise<Record<string, string>> {
  printWith(inputs);
  const run = await runBuiltAction(join(root, "dist", "index.js"), inputs, { workspace, inherit: true });
  await writeFile(join(out, `${step}-summary.md`), run.summary);
  if (run.code !== 0) throw new Error(`the ${step} step failed (exit code ${run.code}); its log is above`);
  return run.outputs;
}

const rel = (path: string) => relative(process.cwd(), path) || ".";

function printSetup(created: Record<string, string>): void {
  process.stdout.write("setup created:\n");
  for (const name of ["application-id", "gateway-id", "repository", "audience", "scope", "client-id"])
    process.stdout.write(`           ${name}: ${created[name]}\n`);
  process.stdout.write(`           client secret: ${rel(secretFile)} (mode 0600)\n`);
}

async function printReports(reported: Record<string, string>): Promise<void> {
  const files = JSON.parse(reported.files ?? "[]") as string[];
  const months = JSON.parse(reported.months ?? "[]") as string[];
  process.stdout.write(`reports:   ${rel(join(workspace, "reports"))}/ (${files.length} files)\n`);
  for (const file of files) process.stdout.write(`           ${rel(join(workspace, file))}\n`);
  process.stdout.write(
    `summaries: ${["setup", "deploy", "report"].map((step) => rel(join(out, `${step}-summary.md`))).join(", ")}\n`,
  );
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
  process.stdout.write(`last month total: ${reported.total} ${reported.currency} (budget ${BUDGET})\n`);
}

await rm(out, { recursive: true, force: true });
await mkdir(workspace, { recursive: true });

process.stdout.write(
  "Starting a bare OCI sandbox tenancy on 127.0.0.1 (a VCN and a subnet, nothing else) ...\n",
);
const sandbox = await startSandbox({ bare: true });
try {
  const e = sandbox.endpoints;
  const key = await readFile(e.ociPrivateKeyPath, "utf8");

  process.stdout.write(
    "\n=== setup: repository, application, gateway, dynamic group, policy, identity-domain apps ===\n",
  );
  const created = await runAction("setup", sandboxSetupInputs(e, key, secretFile));

  process.stdout.write(
    "\n=== deploy: function image -> sandbox registry, function + gateway deployment ===\n",
  );
  const deployed = await runAction("deploy", deployInputsFromSetup(e, key, created));

  process.stdout.write("\n=== report: the last 3 full months through the deployed endpoint ===\n");
  const secret = (await readFile(secretFile, "utf8")).trim();
  const reported = await runAction("report", {
    ...reportInputsFromSetup(created, secret, deployed["deployment-endpoint"] ?? ""),
    months: "last-3",
    format: "both",
    focus: "true",
    budget: BUDGET,
  });

  process.stdout.write("\n=== demo done ===\n");
  printSetup(created);
  process.stdout.write(`image:     ${deployed.image}\n`);
  process.stdout.write(`endpoint:  ${deployed.endpoint}\n`);
  await printReports(reported);
} finally {
  await sandbox.stop();
}
