// Report latency benchmark (issue 11): one month of about 1,000,000 rows (DAILY, grouped by resourceId)
// through the whole path (sandbox Usage API with its latency model -> function -> gateway -> the report
// flow -> CSV + JSON) at 300 ms and at 1 s per Usage API page, parallel (max-concurrency 4, the default)
// against sequential (max-concurrency 1). Each run is set against its bound, pages x latency / concurrency,
// where pages is the month's rows over the Usage API's 1,000-row page (the function's default limit, held
// by the sandbox's page cap).
//
// A sequential 1M-row month at 1 s a page would take about 17 minutes, so the sequential runs fetch a
// month a tenth the size (its own sandbox); their ratio to their bound is what they show.
//
// Run alone: npx tsx bench/report-latency.ts [rows]   (prints the JSON result; diagnostics go to stderr)
import "../src/lib/fetch-first.js";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { summarizeCompact } from "../sandbox/usageapi/aggregate.js";
import { createDataset } from "../sandbox/usageapi/dataset.js";

const ACTION = join(resolve(fileURLToPath(new URL("..", import.meta.url))), "dist", "index.js");
const MONTH = "2025-06";
const GNU_TIME = "/usr/bin/time";
/** Rows of one Usage API page: the function's default limit, and the sandbox's cap. */
const PAGE_ROWS = 1000;
const LATENCIES_MS = [300, 1000] as const;
const PARALLEL = 4;
/** The sequential runs' month, as a share of the parallel runs' (see the header). */
const SEQUENTIAL_SHARE = 0.1;
/** The function's containers at most (each new one a cold start), above the parallel runs' concurrency. */
const CONTAINERS = 8;

const log = (line: string) => process.stderr.write(`bench report-latency: ${line}\n`);

export interface LatencyRun {
  latencyMs: number;
  concurrency: number;
  rows: number;
  /** The month's pages at PAGE_ROWS a page. */
  pages: number;
  /** The endpoint's answers the action read (each holds one or more Usage API pages). */
  answers: number;
  /** Usage API requests the run made (the parts' rounding, the first page and any listing included). */
  usageRequests: number;
  seconds: number;
  /**
   * CPU seconds of the action (GNU time; undefined without it) and of this process (the sandbox's Usage
   * API, gateway and identity domain), and the 1-minute load average at the end: what a CPU-starved run
   * spent apart from the latency.
   */
  cpu: { action: number | undefined; sandbox: number; loadAverage: number };
  /** pages x latency / concurrency, in seconds. */
  boundSeconds: number;
  ratio: number;
}

export interface LatencyBench {
  runs: LatencyRun[];
  command: string;
}

/** Resources giving about `rows` rows of the month (DAILY by resourceId): the ratio on a small data set. */
function resourcesFor(rows: number): number {
  const probe = 2000;
  const dataset = createDataset({ resources: probe });
  const found = summarizeCompact(dataset, {
    tenantId: dataset.tenancyId,
    granularity: "DAILY",
    timeUsageStarted: `${MONTH}-01T00:00:00Z`,
    timeUsageEnded: "2025-07-01T00:00:00Z",
    groupBy: ["resourceId"],
  }).length;
  return Math.ceil((rows * probe) / found);
}

/** A sandbox whose Usage API waits `latency.ms` before each answer (changed between runs). */
async function latencySandbox(rows: number, latency: { ms: number }): Promise<Sandbox> {
  const resources = resourcesFor(rows);
  log(
    `starting a sandbox with ${resources.toLocaleString("en-US")} resources for ${rows.toLocaleString("en-US")} rows`,
  );
  return startSandbox({
    resources,
    usage: { pageCap: PAGE_ROWS },
    // OCI runs a function's concurrent calls in containers of their own; the sandbox does so on demand.
    functionContainers: CONTAINERS,
    // The model's fixed delay, scaled by the run's latency (the model has no jitter here: the bound is exact).
    latency: { usageapi: { fixedMs: 1 }, seed: 42, delay: (ms) => sleep(ms * latency.ms) },
  });
}

/** The runner's environment for one report of the month at `concurrency`, in `workspace`. */
function actionEnv(sandbox: Sandbox, workspace: string, concurrency: number): Record<string, string> {
  const { endpoints } = sandbox;
  const inputs: Record<string, string> = {
    COMMAND: "report",
    ENDPOINT: endpoints.gatewayUrl,
    "TOKEN-URL": endpoints.tokenUrl,
    "CLIENT-ID": endpoints.clientId,
    "CLIENT-SECRET": endpoints.clientSecret,
    SCOPE: endpoints.scope,
    MONTHS: MONTH,
    GRANULARITY: "DAILY",
    "GROUP-BY": "resourceId",
    FORMAT: "both",
    "COMPARE-PREVIOUS": "false",
    "TIME-BUDGET": "60",
    "MAX-CONCURRENCY": String(concurrency),
  };
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: workspace,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: workspace,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name}`, value])),
  };
}

/** One report of the month by the built action (`node dist/index.js`, as the runner starts it). */
async function reportOnce(sandbox: Sandbox, concurrency: number, latencyMs: number): Promise<LatencyRun> {
  const workspace = await mkdtemp(join(tmpdir(), "bench-latency-"));
  const requestsBefore = sandbox.usageApi.stats.requests;
  const timeFile = join(workspace, ".time");
  const [command, args] = existsSync(GNU_TIME)
    ? [GNU_TIME, ["-f", "%U %S", "-o", timeFile, process.execPath, ACTION]]
    : [process.execPath, [ACTION]];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  try {
    const child = spawn(command, args, {
      env: actionEnv(sandbox, workspace, concurrency),
      cwd: workspace,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const [code] = (await once(child, "exit")) as [number | null];
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`the action failed (exit ${code}): ${stdout.slice(-2000)}`);
    const used = process.cpuUsage(cpuBefore);
    const times = existsSync(timeFile)
      ? (await readFile(timeFile, "utf8")).trim().split(/\s+/).slice(-2)
      : [];
    const counts = /^month \d{4}-\d{2}: (\d+) rows in (\d+) page/m.exec(stdout);
    const rows = Number(counts?.[1] ?? Number.NaN);
    const pages = Math.ceil(rows / PAGE_ROWS);
    const boundSeconds = (pages * latencyMs) / 1000 / concurrency;
    const run: LatencyRun = {
      latencyMs,
      concurrency,
      rows,
      pages,
      answers: Number(counts?.[2] ?? Number.NaN),
      usageRequests: sandbox.usageApi.stats.requests - requestsBefore,
      seconds: Math.round(seconds * 10) / 10,
      cpu: {
        action: times.length === 2 ? Math.round((Number(times[0]) + Number(times[1])) * 10) / 10 : undefined,
        sandbox: Math.round((used.user + used.system) / 1e5) / 10,
        loadAverage: Math.round(loadavg()[0]! * 10) / 10,
      },
      boundSeconds,
      ratio: Math.round((seconds / boundSeconds) * 100) / 100,
    };
    log(JSON.stringify(run));
    return run;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/** Every run at one size of month: a sandbox, each latency in turn. */
async function runsAt(rows: number, concurrency: number): Promise<LatencyRun[]> {
  const latency = { ms: 0 };
  const sandbox = await latencySandbox(rows, latency);
  const runs: LatencyRun[] = [];
  try {
    for (const latencyMs of LATENCIES_MS) {
      latency.ms = latencyMs;
      runs.push(await reportOnce(sandbox, concurrency, latencyMs));
    }
  } finally {
    await sandbox.stop();
  }
  return runs;
}

export async function benchReportLatency(opts: { rows?: number } = {}): Promise<LatencyBench> {
  const rows = opts.rows ?? 1_000_000;
  if (!existsSync(ACTION)) throw new Error(`${ACTION} is missing: run 'npm run build'`);
  const parallel = await runsAt(rows, PARALLEL);
  const sequential = await runsAt(Math.round(rows * SEQUENTIAL_SHARE), 1);
  return {
    runs: [...parallel, ...sequential],
    command:
      "`npx tsx bench/report-latency.ts`: the built action (`node dist/index.js`, spawn to exit) against a " +
      `sandbox (seed 42) whose Usage API waits a fixed 300 ms or 1 s before each answer and caps a page at ` +
      `${PAGE_ROWS} rows; months ${MONTH}, granularity DAILY, group-by resourceId, format both, compare-previous ` +
      `false; the function may run up to ${CONTAINERS} containers at once. Bound: the month's pages ` +
      "(rows / 1,000) x latency / concurrency.",
  };
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const arg = process.argv[2];
  const result = await benchReportLatency(arg ? { rows: Number(arg) } : {});
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
