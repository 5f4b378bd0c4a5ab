// The peers side by side (issue 11): one month fetched on one sandbox by (a) the project's whole path (the
// gateway with its JWT policy -> the function -> the BUILT action -> CSV + JSON) and (b) a plain oci-usageapi
// UsageapiClient paging loop that writes CSV with csv-stringify (bench/peer-sdk-loop.mjs, signed with an API
// key straight to the Usage API emulator), both as child processes, spawn to exit. Both at loopback speed and
// at the sandbox's latency model (a fixed delay on every Usage API call), in alternating rounds (A B, B A,
// ...), so that the machine's noise falls on both alike. The delay is switched per round through the
// sandbox's injected `delay`, so that both modes read the same data set.
//
// MONTHLY grouped by resourceId is a month the action fetches in one sequence (split.ts); DAILY is split
// into runs of days fetched at once.
//
// Run alone: npx tsx bench/peers.ts [rows] [--granularity MONTHLY|DAILY] [--latency MS] [--rounds N]
// [--loopback-rounds N]
import "../src/lib/fetch-first.js";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { actionEnv, GROUP_BY, MONTH_END, MONTH_START, resourcesFor, runBuiltAction } from "./report.js";
import { median, round } from "./stats.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const ACTION = join(root, "dist", "index.js");
const PEER_SCRIPT = join(root, "bench", "peer-sdk-loop.mjs");

/** The function's containers at most, above the action's default max-concurrency (4). */
const CONTAINERS = 8;

const log = (line: string) => process.stderr.write(`bench peers: ${line}\n`);

type Granularity = "MONTHLY" | "DAILY";

interface Contender {
  name: "action" | "sdk";
  run(
    sandbox: Sandbox,
    workspace: string,
    granularity: Granularity,
  ): Promise<{ seconds: number; rows: number }>;
}

/** One mode's figures: medians of the rounds, and the Usage API calls each contender made per run. */
export interface PeerMode {
  latencyMs: number;
  rounds: number;
  actionSeconds: number;
  sdkSeconds: number;
  /** sdk / action: above 1, the project's path is faster. */
  ratio: number;
  /** Usage API requests per run, medians (the same for both: the month's pages, unless a call was retried). */
  usageCalls: { action: number; sdk: number };
  /** Usage API calls × latency: what a strictly sequential fetch cannot beat. */
  boundSeconds: number;
}

export interface PeersBench {
  granularity: Granularity;
  rows: number;
  loopback: PeerMode;
  latency: PeerMode;
  command: string;
}

const ACTION_CONTENDER: Contender = {
  name: "action",
  async run(sandbox, workspace, granularity) {
    const env = await actionEnv(sandbox, workspace, granularity);
    const { seconds, rows } = await runBuiltAction(ACTION, env, workspace);
    return { seconds, rows };
  },
};

/** An OCI config file for the sandbox's API-key user, as `oci setup config` writes one. */
async function ociConfig(sandbox: Sandbox, workspace: string): Promise<string> {
  const e = sandbox.endpoints;
  const file = join(workspace, "oci-config");
  await writeFile(
    file,
    `[DEFAULT]\nuser=${e.ociUserId}\nfingerprint=${e.ociFingerprint}\nkey_file=${e.ociPrivateKeyPath}\n` +
      `tenancy=${e.tenancyId}\nregion=${e.ociRegion}\n`,
    { mode: 0o600 },
  );
  return file;
}

const SDK_CONTENDER: Contender = {
  name: "sdk",
  async run(sandbox, workspace, granularity) {
    const config = await ociConfig(sandbox, workspace);
    const e = sandbox.endpoints;
    const args = [
      PEER_SCRIPT,
      config,
      e.usageApiUrl,
      e.tenancyId,
      MONTH_START,
      MONTH_END,
      granularity,
      GROUP_BY.join(","),
    ];
    const started = performance.now();
    const child = spawn(process.execPath, [...args, join(workspace, "usage.csv")], {
      cwd: workspace,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, "exit")) as [number | null];
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the oci-sdk paging script failed (exit ${code}): ${stderr.trim()}`);
    return { seconds, rows: Number(/^rows (\d+)/.exec(stdout)?.[1] ?? Number.NaN) };
  },
};

/** One run of a contender in a fresh workspace: its wall time, rows and Usage API calls. */
async function runOnce(sandbox: Sandbox, contender: Contender, granularity: Granularity) {
  const workspace = await mkdtemp(join(tmpdir(), `bench-peers-${contender.name}-`));
  try {
    const before = sandbox.usageApi.stats.requests;
    const result = await contender.run(sandbox, workspace, granularity);
    return { ...result, usageCalls: sandbox.usageApi.stats.requests - before };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/** `rounds` alternating rounds of both contenders at the current latency; both must read the same rows. */
async function measureMode(sandbox: Sandbox, granularity: Granularity, rounds: number, latencyMs: number) {
  const pair = [ACTION_CONTENDER, SDK_CONTENDER];
  const seconds = { action: [] as number[], sdk: [] as number[] };
  const calls = { action: [] as number[], sdk: [] as number[] };
  const rows = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    for (const contender of round % 2 === 0 ? pair : [...pair].reverse()) {
      const run = await runOnce(sandbox, contender, granularity);
      log(
        `${latencyMs} ms/page, round ${round + 1}: ${contender.name} ${run.rows} rows in ${run.seconds.toFixed(2)} s, ${run.usageCalls} Usage API calls`,
      );
      seconds[contender.name].push(run.seconds);
      calls[contender.name].push(run.usageCalls);
      rows.add(run.rows);
    }
  }
  if (rows.size !== 1)
    throw new Error(`bench peers: the contenders read different row counts (${[...rows]})`);
  const actionSeconds = median(seconds.action);
  const sdkSeconds = median(seconds.sdk);
  const mode: PeerMode = {
    latencyMs,
    rounds,
    actionSeconds: round(actionSeconds, 2),
    sdkSeconds: round(sdkSeconds, 2),
    ratio: round(sdkSeconds / actionSeconds, 2),
    usageCalls: { action: median(calls.action), sdk: median(calls.sdk) },
    boundSeconds: round((median(calls.action) * latencyMs) / 1000, 2),
  };
  return { mode, rows: [...rows][0]! };
}

interface PeersOptions {
  granularity?: Granularity;
  rows?: number;
  latencyMs?: number;
  rounds?: number;
  loopbackRounds?: number;
}

export async function benchPeers(opts: PeersOptions = {}): Promise<PeersBench> {
  const granularity = opts.granularity ?? "MONTHLY";
  const target = opts.rows ?? 50_000;
  const latencyMs = opts.latencyMs ?? 300;
  const rounds = opts.rounds ?? 3;
  const loopbackRounds = opts.loopbackRounds ?? 5;
  const resources = resourcesFor(target, granularity);
  let slow = false;
  log(
    `sandbox with ${resources.toLocaleString("en-US")} resources, Usage API latency ${latencyMs} ms when on`,
  );
  const sandbox = await startSandbox({
    resources,
    latency: { usageapi: { fixedMs: latencyMs }, delay: (ms) => (slow ? sleep(ms) : Promise.resolve()) },
    // OCI runs a function's concurrent calls in containers of their own (the action's parallel parts).
    functionContainers: CONTAINERS,
  });
  try {
    // A warm-up of each (the function's container, the page cache), not counted.
    for (const contender of [ACTION_CONTENDER, SDK_CONTENDER]) await runOnce(sandbox, contender, granularity);
    const loopback = await measureMode(sandbox, granularity, loopbackRounds, 0);
    slow = true;
    const latency = await measureMode(sandbox, granularity, rounds, latencyMs);
    return {
      granularity,
      rows: latency.rows,
      loopback: { ...loopback.mode, boundSeconds: 0 },
      latency: latency.mode,
      command:
        `\`npx tsx bench/peers.ts ${target} --granularity ${granularity} --latency ${latencyMs} --rounds ${rounds} --loopback-rounds ${loopbackRounds}\`: ` +
        `one sandbox (${resources.toLocaleString("en-US")} resources, seed 42, the function's default config, up to ${CONTAINERS} function containers), the month ` +
        `${MONTH_START.slice(0, 7)} ${granularity} grouped by ${GROUP_BY.join(",")}. (a) \`node dist/index.js\` (format both, ` +
        "compare-previous false, max-concurrency 4) through the gateway and the function; (b) `node bench/peer-sdk-loop.mjs`: " +
        "UsageapiClient.requestSummarizedUsages following opc-next-page (the Usage API's default page size), " +
        "ConfigFileAuthenticationDetailsProvider, csv-stringify's stream into a file (CSV only). Wall time spawn to " +
        `exit, medians; a warm-up of each, then ${loopbackRounds} alternating rounds at loopback speed and ${rounds} ` +
        `with every Usage API call delayed ${latencyMs} ms (sandbox/core/latency.ts).`,
    };
  } finally {
    await sandbox.stop();
  }
}

function parseArgs(args: string[]): PeersOptions {
  const out: PeersOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--latency") out.latencyMs = Number(args[++i]);
    else if (arg === "--granularity") {
      const value = args[++i];
      if (value !== "MONTHLY" && value !== "DAILY")
        throw new Error(`bench peers: --granularity must be MONTHLY or DAILY, got '${value}'`);
      out.granularity = value;
    } else if (arg === "--rounds") out.rounds = Number(args[++i]);
    else if (arg === "--loopback-rounds") out.loopbackRounds = Number(args[++i]);
    else if (/^\d+$/.test(arg)) out.rows = Number(arg);
    else
      throw new Error(
        `bench peers: unknown argument '${arg}' (usage: [rows] [--granularity MONTHLY|DAILY] [--latency MS] [--rounds N] [--loopback-rounds N])`,
      );
  }
  return out;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const result = await benchPeers(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
