// `npm run demo`: the main job on the embedded sandbox, no cloud account needed. It starts the sandbox,
// runs the BUILT action exactly as the GitHub runner would (`node dist/index.js` with INPUT_*,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE): first `deploy` (function image pushed to the
// sandbox registry, function and gateway deployment upserted), then `report` for the last 3 full months
// against the endpoint deploy printed. It prints where the reports and summary are, and the totals.
import "../src/lib/fetch-first.js";
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { formatFixed, parseDecimal, sum } from "../src/lib/money.js";
import { startSandbox } from "../test/sandbox/index.js";

const root = join(import.meta.dirname, "..");
const out = join(root, ".demo");
const workspace = join(out, "workspace");

/** Parse GITHUB_OUTPUT's `name<<delimiter` blocks (and plain name=value lines). */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!);
      outputs[name!] = value.join("\n");
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

/** Run the committed action bundle as the runner does; stream its log; return its outputs. */
async function runAction(step: string, inputs: Record<string, string>): Promise<Record<string, string>> {
  const outputFile = join(out, `${step}.outputs`);
  await writeFile(outputFile, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? out,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: join(out, `${step}-summary.md`),
    RUNNER_TEMP: join(out, "tmp"),
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  await writeFile(env.GITHUB_STEP_SUMMARY!, "");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(root, "dist", "index.js")], {
      env,
      cwd: workspace,
      stdio: "inherit",
    });
    child.on("exit", resolve);
  });
  if (code !== 0) throw new Error(`the ${step} step failed (exit code ${code}); its log is above`);
  return parseOutputs(await readFile(outputFile, "utf8"));
}

await rm(out, { recursive: true, force: true });
await mkdir(join(out, "tmp"), { recursive: true });
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
    command: "deploy",
    "oci-tenancy": e.tenancyId,
    "oci-user": e.ociUserId,
    "oci-fingerprint": e.ociFingerprint,
    "oci-private-key": key,
    "oci-region": e.ociRegion,
    "oci-functions-endpoint": e.functionsUrl,
    "oci-apigateway-endpoint": e.apigatewayUrl,
    "oci-artifacts-endpoint": e.artifactsUrl,
    "application-id": e.applicationId,
    "gateway-id": e.gatewayId,
    registry: e.registryHost,
    "registry-username": e.ocirUsername,
    "registry-password": e.ocirAuthToken,
    "base-image": e.baseImage,
    "identity-domain-url": e.identityUrl,
    audiences: e.audience,
    "usage-api-region": e.region,
  });

  process.stdout.write("\n=== report: the last 3 full months through the deployed endpoint ===\n");
  const reported = await runAction("report", {
    command: "report",
    endpoint: deployed["deployment-endpoint"] ?? "",
    "token-url": e.tokenUrl,
    "client-id": e.clientId,
    "client-secret": e.clientSecret,
    scope: e.scope,
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
