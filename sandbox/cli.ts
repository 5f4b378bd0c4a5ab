// `npm run sandbox`: start every emulator on 127.0.0.1, print ONE line of JSON (the endpoints) on stdout,
// write the same JSON to .sandbox/endpoints.json, and run until SIGINT/SIGTERM stops everything.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkRepository } from "./github/index.js";
import { startSandbox } from "./index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    resources: { type: "string" },
    "endpoints-file": { type: "string" },
    quiet: { type: "boolean", default: false },
    // A bare tenancy, as before setup (the sandbox contract): the VCN and its subnet, the API-key user, the
    // identity domain and the registry only; no application, gateway, function or deployment.
    empty: { type: "boolean", default: false },
    // owner/repo of the GitHub job whose runner variables the endpoints carry (default octo-org/usage-reports).
    "github-repository": { type: "string" },
  },
});

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    console.error(`--${name} must be a positive integer, got '${text}'`);
    process.exit(2);
  }
  return n;
}

function githubRepository(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return checkRepository(text);
  } catch (err) {
    console.error(`--github-repository: ${(err as Error).message}`);
    process.exit(2);
  }
}

const endpointsFile = resolve(values["endpoints-file"] ?? join(root, ".sandbox", "endpoints.json"));
const sandbox = await startSandbox({
  seed: positiveInt("seed", values.seed),
  resources: positiveInt("resources", values.resources),
  bare: values.empty,
  githubRepository: githubRepository(values["github-repository"]),
  log: values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
});

const json = JSON.stringify(sandbox.endpoints);
await mkdir(dirname(endpointsFile), { recursive: true });
const temp = `${endpointsFile}.${process.pid}.tmp`;
await writeFile(temp, `${json}\n`, { mode: 0o600 });
await rename(temp, endpointsFile);
process.stdout.write(`${json}\n`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sandbox: ${signal}, stopping\n`);
  await sandbox.stop();
  await rm(endpointsFile, { force: true });
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
