// `npm run sandbox`: start every emulator on 127.0.0.1, print ONE line of JSON (the endpoints) on stdout,
// write the same JSON to .sandbox/endpoints.json, and run until SIGINT/SIGTERM stops everything.
import { mkdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseLatencyFlags } from "./core/latency.js";
import { checkRepository } from "./github/index.js";
import { startSandbox } from "./index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    resources: { type: "string" },
    "endpoints-file": { type: "string" },
    quiet: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    // A bare tenancy, as before setup (the sandbox contract): the VCN and its subnet, the API-key user, the
    // identity domain and the registry only; no application, gateway, function or deployment.
    empty: { type: "boolean", default: false },
    // owner/repo of the GitHub job whose runner variables the endpoints carry (default octo-org/usage-reports).
    "github-repository": { type: "string" },
    // The latency model (off by default): SERVICE=FIXED[+JITTER] ms, repeatable.
    latency: { type: "string", multiple: true },
    "latency-seed": { type: "string" },
    "usage-rate-limit": { type: "string" },
    "usage-burst": { type: "string" },
    "usage-page-cap": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

const HELP = `npm run sandbox -- [options]: every emulator on 127.0.0.1; prints the endpoints as one line of JSON.
  --seed N                  data set seed (default 42)
  --resources N             billable resources in the data set (default 60)
  --endpoints-file PATH     where to write the endpoints (default .sandbox/endpoints.json)
  --empty                   a bare tenancy, as before setup
  --github-repository O/R   the GitHub job's repository (default octo-org/usage-reports)
  --quiet                   no log lines on stderr
  --verbose                 the function's line per call on stderr even when stdout is not a terminal
The latency model (all off by default):
  --latency SERVICE=FIXED[+JITTER]
                            response latency in ms, fixed plus a seeded uniform jitter; SERVICE is usageapi,
                            functions, apigateway, artifacts, iam or default; repeatable
  --latency-seed N          seed of the jitter (default the data set seed)
  --usage-rate-limit R      Usage API requests per second per tenancy (token bucket; 429 with Retry-After)
  --usage-burst N           the bucket's size (default R rounded up)
  --usage-page-cap N        most rows per Usage API page, whatever limit a client asks
  -h, --help                this text
`;

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

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

function latencyFlags(flags: string[] | undefined, seed: number | undefined) {
  if (!flags || flags.length === 0) return undefined;
  try {
    return { ...parseLatencyFlags(flags), seed };
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}

function usageRateLimit(rate: number | undefined, burst: number | undefined) {
  if (rate === undefined && burst !== undefined) {
    console.error("--usage-burst needs --usage-rate-limit");
    process.exit(2);
  }
  return rate === undefined ? undefined : { requestsPerSecond: rate, burst: burst ?? rate };
}

/**
 * Where the log lines go: stderr, unless --quiet. The function's line per call ("fn {...}") is left out when
 * stdout is not a terminal (`npm run -s sandbox > /dev/null &`): in the background it would land in the
 * middle of the user's next command's output. --verbose keeps it.
 */
function logLines(quiet: boolean, perCall: boolean): (line: string) => void {
  if (quiet) return () => {};
  return (line) => {
    if (!perCall && line.startsWith("fn ")) return;
    process.stderr.write(`${line}\n`);
  };
}

const endpointsFile = resolve(values["endpoints-file"] ?? join(root, ".sandbox", "endpoints.json"));
const sandbox = await startSandbox({
  seed: positiveInt("seed", values.seed),
  resources: positiveInt("resources", values.resources),
  bare: values.empty,
  githubRepository: githubRepository(values["github-repository"]),
  latency: latencyFlags(values.latency, positiveInt("latency-seed", values["latency-seed"])),
  usageRateLimit: usageRateLimit(
    positiveInt("usage-rate-limit", values["usage-rate-limit"]),
    positiveInt("usage-burst", values["usage-burst"]),
  ),
  usage: { pageCap: positiveInt("usage-page-cap", values["usage-page-cap"]) },
  log: logLines(values.quiet, values.verbose || process.stdout.isTTY === true),
});

const json = JSON.stringify(sandbox.endpoints);
// The first folder this run created (undefined when it existed): removed at stop when it is empty again.
const createdFolder = await mkdir(dirname(endpointsFile), { recursive: true });
const temp = `${endpointsFile}.${process.pid}.tmp`;
await writeFile(temp, `${json}\n`, { mode: 0o600 });
await rename(temp, endpointsFile);
process.stdout.write(`${json}\n`);

/** Removes the folders this run created, innermost first, while they are empty (a file put there stays). */
async function removeEmptyFolders(created: string | undefined, innermost: string): Promise<void> {
  if (created === undefined) return;
  for (let folder = innermost; folder.startsWith(created); folder = dirname(folder)) {
    try {
      await rmdir(folder);
    } catch {
      return;
    }
  }
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sandbox: ${signal}, stopping\n`);
  // The endpoints go first: from here on they no longer answer, and a slow stop must not leave them behind.
  await rm(endpointsFile, { force: true });
  await removeEmptyFolders(createdFolder, dirname(endpointsFile));
  await sandbox.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
