// Report benchmark (issue 3): 1,000,000 usage rows through the whole path (sandbox Usage API -> function
// under the FDK -> gateway with its JWT policy -> the BUILT action as a child process -> CSV + JSON), the
// action's peak RSS, and the CSV writer alone against raw csv-stringify on the same rows.
//
// The query is one month, MONTHLY, grouped by resourceId: one row per resource (plus the month's credit
// line), so the row count is set by the data set's `resources` scale. DAILY grouped by resourceId with a
// thirtieth of the resources gives as many rows; measured side by side it was no faster through the
// sandbox (the per-row work is the same; MONTHLY aggregates more resources, DAILY builds more days).
//
// Run alone: npx tsx bench/report.ts [rows]   (prints the JSON result; diagnostics go to stderr)
// Side by side: npx tsx bench/report.ts [rows] [--rounds N] a/index.js b/index.js   (built bundles, e.g.
// copies of dist/ from two commits: one sandbox, the bundles interleaved, the same report bytes checked)
import "../src/lib/fetch-first.js";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "csv-stringify/sync";
import { type Sandbox, type SandboxEndpoints, startSandbox } from "../sandbox/index.js";
import { summarizeCompact } from "../sandbox/usageapi/aggregate.js";
import { createDataset } from "../sandbox/usageapi/dataset.js";
import { type CellValue, reportColumns, rowValues } from "../src/report/columns.js";
import { CsvWriter } from "../src/report/csv.js";
import { median, round } from "./stats.js";

export interface ReportBench {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  writerRatio: number;
  writerRowsPerSecond: number;
  rawRowsPerSecond: number;
  command: string;
  /** CPU microseconds per row of each process on the path (undefined where /proc is missing). */
  cpuPerRowUs: { action: number | undefined; fn: number | undefined; sandbox: number };
  /** Rows/s the machine's cores could carry at those CPU costs, were the path perfectly parallel. */
  cpuCeiling: number;
}

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const ACTION = join(root, "dist", "index.js");
export const MONTH = "2025-06";
export const MONTH_START = "2025-06-01T00:00:00Z";
export const MONTH_END = "2025-07-01T00:00:00Z";
export const GROUP_BY = ["resourceId"];
/**
 * 2,000 rows a Usage API page (the function's default is 1,000) and its default 2 MiB answer budget: one
 * Usage API page per answer, about 1.4 MB. Measured side by side: 4,000 or 6,000 rows an answer sign fewer
 * requests in the function but cost the action more (larger pages of objects live longer) and took its
 * peak RSS past 256 MB, for no gain end to end; 1,000 or 1,500 rows (two or three Usage API calls an
 * answer) were slower.
 */
export const FUNCTION_CONFIG: Record<string, string> = { UPSTREAM_PAGE_LIMIT: "2000" };
const GNU_TIME = "/usr/bin/time";

const log = (line: string) => process.stderr.write(`bench report: ${line}\n`);

/** Resources giving at least `rows` rows for the query: the ratio measured on a small data set, plus 1%. */
export function resourcesFor(rows: number, granularity: "MONTHLY" | "DAILY" = "MONTHLY"): number {
  // A DAILY month has about 30 rows a resource: a smaller probe gives as many rows.
  const probe = granularity === "DAILY" ? 2000 : 40_000;
  const dataset = createDataset({ resources: probe });
  const found = summarizeCompact(dataset, {
    tenantId: dataset.tenancyId,
    granularity,
    timeUsageStarted: MONTH_START,
    timeUsageEnded: MONTH_END,
    groupBy: GROUP_BY,
  }).length;
  return Math.ceil(((rows - 1) * probe * 1.01) / (found - 1));
}

/** CPU seconds (user + system) of a live process, from /proc; undefined where there is no /proc. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface ActionResult {
  seconds: number;
  rows: number;
  peakRssMb: number;
  cpuSeconds: number | undefined;
  stdout: string;
}

/** Run a built action bundle once, as the runner does, and measure its wall time and peak RSS. */
export async function runBuiltAction(
  bundle: string,
  env: Record<string, string>,
  workspace: string,
  nodeArgs: readonly string[] = [],
): Promise<ActionResult> {
  const timeFile = join(workspace, ".time");
  const useGnuTime = existsSync(GNU_TIME);
  const [command, args] = useGnuTime
    ? [GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, process.execPath, ...nodeArgs, bundle]]
    : [process.execPath, [...nodeArgs, bundle]];
  const started = performance.now();
  const child = spawn(command, args, { env, cwd: workspace, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // Without GNU time: poll VmHWM (the peak resident set) of the node process itself.
  let hwmKb = 0;
  const poll = useGnuTime
    ? undefined
    : setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
          hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        } catch {
          // The process has exited.
        }
      }, 50);
  const [code] = (await once(child, "exit")) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (code !== 0) {
    throw new Error(
      `the action failed (exit ${code}): ${stdout
        .split("\n")
        .filter((l) => l.startsWith("::error::"))
        .join(" ")} ${stderr}`,
    );
  }
  let peakRssMb = hwmKb / 1024;
  let cpuSeconds: number | undefined;
  if (useGnuTime) {
    const [maxKb, user, system] = (await readFile(timeFile, "utf8"))
      .trim()
      .split(/\s+/)
      .slice(-3)
      .map(Number);
    peakRssMb = maxKb! / 1024;
    cpuSeconds = user! + system!;
  }
  const rows = Number(/^month \d{4}-\d{2}: (\d+) rows in \d+ page\(s\)/m.exec(stdout)?.[1] ?? Number.NaN);
  return { seconds, rows, peakRssMb, cpuSeconds, stdout };
}

/** The same rows, as report cells, through CsvWriter (escaping, atomic file) and through raw csv-stringify. */
async function compareWriters(
  rows: CellValue[][],
  columns: ReturnType<typeof reportColumns>,
  runs: number,
): Promise<{ writer: number; raw: number }> {
  const dir = await mkdtemp(join(tmpdir(), "bench-csv-"));
  const header = columns.map((c) => c.name);
  const options = { record_delimiter: "windows", eof: true } as const;
  const writerRates: number[] = [];
  const rawRates: number[] = [];
  const sizes = new Map<string, number>();
  try {
    const viaWriter = async (file: string) => {
      const writer = await CsvWriter.open(file, columns);
      await writer.writeMany(rows);
      await writer.close();
    };
    // Raw: csv-stringify's sync API in the writer's batch size, into a plain file stream, no escaping.
    const viaRaw = async (file: string) => {
      const out = createWriteStream(file);
      let batch: unknown[][] = [header];
      for (const row of rows) {
        batch.push(row);
        if (batch.length >= 512) {
          if (!out.write(stringify(batch, options))) await once(out, "drain");
          batch = [];
        }
      }
      out.write(stringify(batch, options));
      await new Promise<void>((done) => out.end(done));
    };
    const pair = [
      { name: "writer", write: viaWriter, rates: writerRates },
      { name: "raw", write: viaRaw, rates: rawRates },
    ];
    for (let i = 0; i <= runs; i++) {
      // Interleaved, in alternating order (neither always pays the other's garbage); the first pair is a
      // warm-up; a new file each time (no identical-content shortcut).
      for (const { name, write, rates } of i % 2 === 0 ? pair : [...pair].reverse()) {
        const file = join(dir, `${name}-${i}.csv`);
        const started = performance.now();
        await write(file);
        const seconds = (performance.now() - started) / 1000;
        if (i > 0) rates.push(rows.length / seconds);
        if (i === 1) sizes.set(name, (await stat(file)).size);
        await rm(file, { force: true });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  log(`CSV sizes: writer ${sizes.get("writer")} bytes, raw ${sizes.get("raw")} bytes`);
  return { writer: median(writerRates), raw: median(rawRates) };
}

/** The sandbox for at least `rows` rows of the query, and how many resources that took. */
async function startReportSandbox(rows: number): Promise<{ sandbox: Sandbox; resources: number }> {
  const resources = resourcesFor(rows);
  log(`starting the sandbox with ${resources.toLocaleString("en-US")} resources`);
  const sandbox = await startSandbox({
    resources,
    functionConfig: FUNCTION_CONFIG,
    usage: { maxLimit: 10_000 },
  });
  return { sandbox, resources };
}

/** The runner's environment for one report of the month, in a fresh workspace. */
export async function actionEnv(
  sandbox: {
    endpoints: Pick<SandboxEndpoints, "gatewayUrl" | "tokenUrl" | "clientId" | "clientSecret" | "scope">;
  },
  workspace: string,
  granularity: "MONTHLY" | "DAILY" = "MONTHLY",
): Promise<Record<string, string>> {
  const { endpoints } = sandbox;
  const files = {
    GITHUB_OUTPUT: join(workspace, ".output"),
    GITHUB_STEP_SUMMARY: join(workspace, ".summary.md"),
  };
  for (const file of Object.values(files)) await writeFile(file, "");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: workspace,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: workspace,
    ...files,
    INPUT_COMMAND: "report",
    INPUT_ENDPOINT: endpoints.gatewayUrl,
    "INPUT_TOKEN-URL": endpoints.tokenUrl,
    "INPUT_CLIENT-ID": endpoints.clientId,
    "INPUT_CLIENT-SECRET": endpoints.clientSecret,
    INPUT_SCOPE: endpoints.scope,
    INPUT_MONTHS: MONTH,
    INPUT_GRANULARITY: granularity,
    "INPUT_GROUP-BY": GROUP_BY.join(","),
    INPUT_FORMAT: "both",
    "INPUT_COMPARE-PREVIOUS": "false",
  };
}

/** One report run of a bundle against the sandbox: its figures, and a digest of the report files. */
interface ReportRun extends ActionResult {
  cpuPerRowUs: ReportBench["cpuPerRowUs"];
  /** sha256 of the CSV and the JSON report, to check that two bundles write the same bytes. */
  digest: string;
}

async function runReportOnce(sandbox: Sandbox, bundle: string): Promise<ReportRun> {
  const workspace = await mkdtemp(join(tmpdir(), "bench-report-"));
  try {
    const env = await actionEnv(sandbox, workspace);
    const cpuBefore = process.cpuUsage();
    const fnBefore = processCpuSeconds(sandbox.fn.pid);
    const action = await runBuiltAction(bundle, env, workspace);
    const used = process.cpuUsage(cpuBefore);
    const fnAfter = processCpuSeconds(sandbox.fn.pid);
    const fn = fnBefore !== undefined && fnAfter !== undefined ? fnAfter - fnBefore : undefined;
    const bench = (used.user + used.system) / 1e6;
    const hash = createHash("sha256");
    const sizes: number[] = [];
    for (const name of ["usage-monthly-cost.csv", "usage-monthly-cost.json"]) {
      const bytes = await readFile(join(workspace, "reports", MONTH, name));
      sizes.push(bytes.length);
      hash.update(bytes);
    }
    log(
      `${action.rows} rows in ${action.seconds.toFixed(1)} s; files ${(sizes[0]! / 1e6).toFixed(0)} MB CSV + ${(sizes[1]! / 1e6).toFixed(0)} MB JSON`,
    );
    const usPerRow = (seconds: number | undefined) =>
      seconds === undefined ? undefined : Math.round((seconds * 1e7) / action.rows) / 10;
    const perRow = (seconds: number | undefined) =>
      seconds === undefined ? "?" : `${usPerRow(seconds)} µs/row`;
    log(
      `CPU seconds: action ${action.cpuSeconds?.toFixed(1) ?? "?"} (${perRow(action.cpuSeconds)}), ` +
        `function ${fn?.toFixed(1) ?? "?"} (${perRow(fn)}), ` +
        `sandbox process (Usage API + gateway + identity) ${bench.toFixed(1)} (${perRow(bench)})`,
    );
    return {
      ...action,
      cpuPerRowUs: {
        action: usPerRow(action.cpuSeconds),
        fn: usPerRow(fn),
        sandbox: usPerRow(bench) as number,
      },
      digest: hash.digest("hex"),
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

export async function benchReport(opts: { rows?: number } = {}): Promise<ReportBench> {
  const target = opts.rows ?? 1_000_000;
  if (!existsSync(ACTION)) throw new Error(`${ACTION} is missing: run 'node scripts/build.mjs action'`);
  const { sandbox, resources } = await startReportSandbox(target);
  let action: ReportRun;
  try {
    action = await runReportOnce(sandbox, ACTION);
  } finally {
    await sandbox.stop();
  }
  const { cpuPerRowUs } = action;

  // The writer comparison, on rows of the same query (a slice of the month, as report cells).
  const sample = Math.min(200_000, target);
  const dataset = createDataset({ resources: Math.ceil(resources * (sample / target)) + 100 });
  const items = summarizeCompact(dataset, {
    tenantId: dataset.tenancyId,
    granularity: "MONTHLY",
    timeUsageStarted: MONTH_START,
    timeUsageEnded: MONTH_END,
    groupBy: GROUP_BY,
  }).items(0, sample) as unknown as Record<string, unknown>[];
  const columns = reportColumns({ granularity: "MONTHLY", queryType: "COST", groupBy: GROUP_BY });
  const ctx = {
    month: MONTH,
    billingPeriodStart: `${MONTH}-01T00:00:00.000Z`,
    billingPeriodEnd: "2025-07-01T00:00:00.000Z",
  };
  const cells = items.map((item) => rowValues(columns, item, ctx));
  const { action: a, fn: f, sandbox: b } = cpuPerRowUs;
  const cpuCeiling = a !== undefined && f !== undefined ? (cpus().length * 1e6) / (a + f + b) : Number.NaN;
  const writers = await compareWriters(cells, columns, 7);
  log(
    `CSV of ${cells.length} rows: writer ${Math.round(writers.writer)} rows/s, raw csv-stringify ${Math.round(writers.raw)} rows/s`,
  );

  return {
    rows: action.rows,
    seconds: action.seconds,
    rowsPerSecond: action.rows / action.seconds,
    peakRssMb: action.peakRssMb,
    writerRatio: writers.writer / writers.raw,
    writerRowsPerSecond: writers.writer,
    rawRowsPerSecond: writers.raw,
    cpuPerRowUs,
    cpuCeiling,
    command:
      `\`npx tsx bench/report.ts\`: sandbox with ${resources.toLocaleString("en-US")} resources (seed 42), function config ` +
      `${Object.entries(FUNCTION_CONFIG)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}; ` +
      `\`${existsSync(GNU_TIME) ? "/usr/bin/time -f %M " : ""}node dist/index.js\` with months ${MONTH}, granularity MONTHLY, ` +
      `group-by ${GROUP_BY.join(",")}, format both, compare-previous false (wall time from spawn to exit). ` +
      `Writer: CsvWriter (escaping, temp file, fsync, rename) vs csv-stringify's sync API in the same 512-row batches into a ` +
      `file stream, ${cells.length.toLocaleString("en-US")} rows of the same query, median of 7 interleaved runs each.`,
  };
}

interface SideBySide {
  rows: number;
  rounds: number;
  /** Per bundle: medians over the rounds, and each round's figures in order. */
  bundles: Record<
    string,
    { actionCpuUs: number; seconds: number; peakRssMb: number; runs: Array<Omit<ReportRun, "stdout">> }
  >;
}

/**
 * Two or more action bundles against one sandbox, `rounds` times each, interleaved (A B, then B A, ...)
 * after one warm-up run each, so that the machine's noise falls on all of them alike. Every run must
 * write the same report bytes.
 */
async function benchReportSideBySide(
  bundles: readonly string[],
  opts: { rows?: number; rounds?: number } = {},
): Promise<SideBySide> {
  const rounds = opts.rounds ?? 3;
  for (const bundle of bundles) if (!existsSync(bundle)) throw new Error(`${bundle} is missing`);
  const { sandbox } = await startReportSandbox(opts.rows ?? 1_000_000);
  const runs = new Map<string, ReportRun[]>(bundles.map((b) => [b, []]));
  const digests = new Set<string>();
  try {
    for (let pass = -1; pass < rounds; pass++) {
      for (const bundle of pass % 2 === 0 ? bundles : [...bundles].reverse()) {
        log(`round ${pass < 0 ? "warm-up" : pass + 1}: ${bundle}`);
        const run = await runReportOnce(sandbox, bundle);
        digests.add(run.digest);
        if (pass >= 0) runs.get(bundle)!.push(run);
      }
    }
  } finally {
    await sandbox.stop();
  }
  if (digests.size !== 1) throw new Error("bench report: the bundles wrote different report bytes");
  const result: SideBySide = { rows: 0, rounds, bundles: {} };
  for (const [bundle, list] of runs) {
    result.rows = list[0]!.rows;
    result.bundles[bundle] = {
      actionCpuUs: median(list.map((r) => r.cpuPerRowUs.action ?? Number.NaN)),
      seconds: round(median(list.map((r) => r.seconds))),
      peakRssMb: round(median(list.map((r) => r.peakRssMb))),
      runs: list.map(({ stdout: _stdout, ...figures }) => figures),
    };
  }
  return result;
}

/** `[rows] [--rounds N] [bundle ...]`: one run of dist/index.js, or the bundles side by side. */
function parseArgs(args: string[]): { rows?: number; rounds?: number; bundles: string[] } {
  const out: { rows?: number; rounds?: number; bundles: string[] } = { bundles: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--rounds") out.rounds = Number(args[++i]);
    else if (/^\d+$/.test(arg)) out.rows = Number(arg);
    else out.bundles.push(resolve(arg));
  }
  return out;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const { rows, rounds, bundles } = parseArgs(process.argv.slice(2));
  const result =
    bundles.length === 0
      ? await benchReport({ rows })
      : await benchReportSideBySide(bundles, { rows, rounds });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
