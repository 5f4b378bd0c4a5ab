// The action alone (issue 11): its CPU per row for CSV + JSON against a replayed endpoint. The pages the
// gateway answers for the bench report's month are recorded once from the sandbox (gateway -> function ->
// Usage API emulator), the sandbox is stopped, and a loopback server answers the built action's token
// request and page POSTs from memory. What the action's process spends (user + system, GNU time) is then
// its own cost, apart from the sandbox's, which shares the cores when measured live.
//
// Run alone: npx tsx bench/replay.ts [rows] [--runs N] [--bundle A/index.js [--bundle B/index.js]]
// [--cache FILE] [--profile DIR] (prints the JSON result; diagnostics go to stderr). Several bundles (e.g.
// copies of dist/ from two commits) run interleaved against the same replay, the same bytes checked. --cache keeps the recording in FILE (read when it is
// there, else written), so that repeated runs skip the sandbox; --profile writes a `node --cpu-prof` profile
// of each run of the action into DIR.
import "../src/lib/fetch-first.js";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { request } from "undici";
import { startSandbox } from "../sandbox/index.js";
import {
  actionEnv,
  FUNCTION_CONFIG,
  GROUP_BY,
  MONTH,
  MONTH_END,
  MONTH_START,
  resourcesFor,
  runBuiltAction,
} from "./report.js";
import { median, round } from "./stats.js";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const ACTION = join(root, "dist", "index.js");
const USAGE_PATH = "/usage/request-summarized-usages";
const TOKEN_PATH = "/oauth2/v1/token";
const REPLAY_TOKEN = "replay-bearer";
/** The first page is asked for without a page token. */
const FIRST = "";

const log = (line: string) => process.stderr.write(`bench replay: ${line}\n`);

export interface ReplayBench {
  rows: number;
  pages: number;
  answerBytes: number;
  runs: number;
  /** The action's CPU (user + system) per row, median of the runs, and each run's. */
  cpuPerRowUs: number;
  cpuPerRowUsRuns: number[];
  /** Wall time from spawn to exit, median. */
  seconds: number;
  peakRssMb: number;
  /** sha256 of the CSV and the JSON report (the same in every run). */
  digest: string;
  /** With several bundles side by side: each one's median and runs. */
  bundles?: Record<string, { cpuPerRowUs: number; cpuPerRowUsRuns: number[] }>;
  command: string;
}

/** The answers of one month's query, keyed by the page token that asked for them. */
type Recording = Map<string, Buffer>;

/** The query the built action sends for the bench month (bench/report.ts's actionEnv inputs). */
function monthBody(): string {
  return JSON.stringify({
    granularity: "MONTHLY",
    queryType: "COST",
    timeUsageStarted: MONTH_START,
    timeUsageEnded: MONTH_END,
    groupBy: GROUP_BY,
  });
}

/** Every page the sandbox's gateway answers for the month, with a bearer token from its identity domain. */
async function recordMonth(rows: number): Promise<Recording> {
  const resources = resourcesFor(rows);
  log(`recording: sandbox with ${resources.toLocaleString("en-US")} resources`);
  const sandbox = await startSandbox({
    resources,
    functionConfig: FUNCTION_CONFIG,
    usage: { maxLimit: 10_000 },
  });
  try {
    const { endpoints } = sandbox;
    const token = await clientCredentialsToken(endpoints);
    const recording: Recording = new Map();
    let page: string | undefined = FIRST;
    while (page !== undefined) {
      const bytes = await gatewayPage(endpoints.gatewayUrl, token, page);
      recording.set(page, bytes);
      page = (JSON.parse(bytes.toString("utf8")) as { nextPage?: string | null }).nextPage ?? undefined;
    }
    return recording;
  } finally {
    await sandbox.stop();
  }
}

/** One answer of the gateway for the month's query (`page` FIRST: the first page). */
async function gatewayPage(gatewayUrl: string, token: string, page: string): Promise<Buffer> {
  const query = page === FIRST ? "" : `?page=${encodeURIComponent(page)}`;
  const response = await request(`${gatewayUrl}/request-summarized-usages${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: monthBody(),
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200) throw new Error(`recording: page answered HTTP ${response.statusCode}`);
  return bytes;
}

async function clientCredentialsToken(endpoints: {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}): Promise<string> {
  const basic = Buffer.from(`${endpoints.clientId}:${endpoints.clientSecret}`).toString("base64");
  const response = await request(endpoints.tokenUrl, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: endpoints.scope }).toString(),
  });
  const body = (await response.body.json()) as { access_token?: string };
  if (!body.access_token)
    throw new Error(`recording: the token endpoint answered HTTP ${response.statusCode}`);
  return body.access_token;
}

/** The recording as one file: for each page, its token's length and bytes, then its body's. */
async function saveRecording(file: string, recording: Recording): Promise<void> {
  const parts: Buffer[] = [];
  const length = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  for (const [page, body] of recording) {
    const key = Buffer.from(page, "utf8");
    parts.push(length(key.length), key, length(body.length), body);
  }
  await writeFile(file, Buffer.concat(parts));
}

async function loadRecording(file: string): Promise<Recording> {
  const bytes = await readFile(file);
  const recording: Recording = new Map();
  let at = 0;
  const take = () => {
    const n = bytes.readUInt32LE(at);
    const part = bytes.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return part;
  };
  while (at < bytes.length) recording.set(take().toString("utf8"), Buffer.from(take()));
  return recording;
}

/** The month's answers: from the cache file when there is one, else recorded (and cached when asked). */
async function monthRecording(rows: number, cache: string | undefined): Promise<Recording> {
  if (cache !== undefined && existsSync(cache)) {
    log(`recording read from ${cache}`);
    return loadRecording(cache);
  }
  const recording = await recordMonth(rows);
  if (cache !== undefined) await saveRecording(cache, recording);
  return recording;
}

/** A loopback server answering the token request and the recorded pages (by their page token). */
async function startReplayServer(recording: Recording): Promise<{ url: string; close(): Promise<void> }> {
  const token = Buffer.from(
    JSON.stringify({ access_token: REPLAY_TOKEN, token_type: "Bearer", expires_in: 3600 }),
  );
  const answer = (res: ServerResponse, status: number, body: Buffer) => {
    res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume(); // the body (form or query) is not needed: the recording is of one query
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://replay");
      if (req.method === "POST" && url.pathname === TOKEN_PATH) return answer(res, 200, token);
      const page = recording.get(url.searchParams.get("page") ?? FIRST);
      if (req.method !== "POST" || url.pathname !== USAGE_PATH || page === undefined) {
        return answer(res, 404, Buffer.from('{"code":"NotFound","message":"not recorded"}'));
      }
      if (req.headers.authorization !== `Bearer ${REPLAY_TOKEN}`) {
        return answer(res, 401, Buffer.from('{"code":"NotAuthenticated","message":"bad bearer"}'));
      }
      answer(res, 200, page);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** sha256 of the month's CSV and JSON report in a workspace. */
async function reportDigest(workspace: string): Promise<string> {
  const hash = createHash("sha256");
  for (const name of ["usage-monthly-cost.csv", "usage-monthly-cost.json"]) {
    hash.update(await readFile(join(workspace, "reports", MONTH, name)));
  }
  return hash.digest("hex");
}

interface ReplayRun {
  rows: number;
  cpuSeconds: number;
  seconds: number;
  peakRssMb: number;
  digest: string;
}

async function runReplayedOnce(serverUrl: string, bundle: string, profileDir?: string): Promise<ReplayRun> {
  const workspace = await mkdtemp(join(tmpdir(), "bench-replay-"));
  try {
    const endpoints = {
      gatewayUrl: `${serverUrl}/usage`,
      tokenUrl: `${serverUrl}${TOKEN_PATH}`,
      clientId: "replay-client",
      clientSecret: "replay-secret",
      scope: "https://replay.example/usage.read",
    };
    const env = await actionEnv({ endpoints }, workspace);
    const nodeArgs = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
    const run = await runBuiltAction(bundle, env, workspace, nodeArgs);
    if (run.cpuSeconds === undefined) throw new Error("bench replay needs /usr/bin/time for the CPU figure");
    return {
      rows: run.rows,
      cpuSeconds: run.cpuSeconds,
      seconds: run.seconds,
      peakRssMb: run.peakRssMb,
      digest: await reportDigest(workspace),
    };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

interface ReplayOptions {
  rows?: number;
  runs?: number;
  /** Built action bundles (default dist/index.js); more than one run side by side. */
  bundles?: string[];
  cache?: string;
  profile?: string;
}

/** Each bundle `runs` times (after a warm-up each) against the replay, interleaved: A B, then B A, ... */
async function runBundles(
  serverUrl: string,
  bundles: readonly string[],
  runs: number,
  profile: string | undefined,
): Promise<Map<string, ReplayRun[]>> {
  const results = new Map<string, ReplayRun[]>(bundles.map((b) => [b, []]));
  for (let i = 0; i <= runs; i++) {
    for (const bundle of i % 2 === 0 ? bundles : [...bundles].reverse()) {
      const run = await runReplayedOnce(serverUrl, bundle, profile);
      const usPerRow = (run.cpuSeconds * 1e6) / run.rows;
      log(
        `${i === 0 ? "warm-up" : `run ${i}`}${bundles.length > 1 ? ` of ${bundle}` : ""}: ${run.rows} rows, CPU ${run.cpuSeconds.toFixed(2)} s (${usPerRow.toFixed(2)} µs/row), ${run.seconds.toFixed(1)} s wall, ${run.peakRssMb.toFixed(0)} MB`,
      );
      if (i > 0) results.get(bundle)!.push(run);
    }
  }
  const digests = new Set([...results.values()].flat().map((r) => r.digest));
  if (digests.size !== 1) throw new Error("bench replay: the runs wrote different report bytes");
  return results;
}

const perRowOf = (list: readonly ReplayRun[]) => list.map((r) => round((r.cpuSeconds * 1e6) / r.rows, 2));

/**
 * Record once, then `runs` runs of the built action (after a warm-up run) against the replay; with more
 * than one bundle, all of them interleaved (the figures are the first one's, `bundles` has each one's).
 */
export async function benchReplay(opts: ReplayOptions = {}): Promise<ReplayBench> {
  const rows = opts.rows ?? 1_000_000;
  const runs = opts.runs ?? 5;
  const bundles = opts.bundles?.length ? opts.bundles : [ACTION];
  const recording = await monthRecording(rows, opts.cache);
  const answerBytes = [...recording.values()].reduce((n, b) => n + b.length, 0);
  log(`recorded ${recording.size} pages, ${(answerBytes / 1e6).toFixed(0)} MB`);
  const server = await startReplayServer(recording);
  let results: Map<string, ReplayRun[]>;
  try {
    results = await runBundles(server.url, bundles, runs, opts.profile);
  } finally {
    await server.close();
  }
  const first = results.get(bundles[0]!)!;
  const perRow = perRowOf(first);
  return {
    rows: first[0]!.rows,
    pages: recording.size,
    answerBytes,
    runs,
    cpuPerRowUs: round(median(perRow), 2),
    cpuPerRowUsRuns: perRow,
    seconds: round(median(first.map((r) => r.seconds)), 2),
    peakRssMb: round(median(first.map((r) => r.peakRssMb))),
    digest: first[0]!.digest,
    ...(bundles.length > 1 ? { bundles: bundleFigures(results) } : {}),
    command:
      `\`npx tsx bench/replay.ts ${rows} --runs ${runs}\`: the ${recording.size} answers (${(answerBytes / 1e6).toFixed(0)} MB) the sandbox's gateway ` +
      `gives for bench/report.ts's month (MONTHLY, group-by ${GROUP_BY.join(",")}, function config ` +
      `${Object.entries(FUNCTION_CONFIG)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}) recorded once, then served from memory by a loopback ` +
      "server (token endpoint included) to `/usr/bin/time node dist/index.js` (format both); CPU = user + system of the action's " +
      `process, spawn to exit, median of ${runs} runs after a warm-up.`,
  };
}

function bundleFigures(results: Map<string, ReplayRun[]>): NonNullable<ReplayBench["bundles"]> {
  const out: NonNullable<ReplayBench["bundles"]> = {};
  for (const [bundle, list] of results) {
    const perRow = perRowOf(list);
    out[bundle] = { cpuPerRowUs: round(median(perRow), 2), cpuPerRowUsRuns: perRow };
  }
  return out;
}

const USAGE = "[rows] [--runs N] [--bundle path ...] [--cache file] [--profile dir]";

function parseArgs(args: string[]): ReplayOptions {
  const out: ReplayOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--runs") out.runs = Number(args[++i]);
    else if (arg === "--bundle") out.bundles = [...(out.bundles ?? []), resolve(args[++i]!)];
    else if (arg === "--cache") out.cache = resolve(args[++i]!);
    else if (arg === "--profile") out.profile = resolve(args[++i]!);
    else if (/^\d+$/.test(arg)) out.rows = Number(arg);
    else throw new Error(`bench replay: unknown argument '${arg}' (usage: ${USAGE})`);
  }
  return out;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const result = await benchReplay(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
