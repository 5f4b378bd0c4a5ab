// Function benchmarks (issue 2): cold start (spawn to the first 200 over the FDK's unix socket), the
// bundle's size, and the per-call overhead of gateway + function over a direct signed Usage API call.
import "../src/lib/fetch-first.js";
import { spawn } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Agent, request as undiciRequest } from "undici";
import { OciAuthority } from "../sandbox/core/auth.js";
import { FaultInjector } from "../sandbox/core/faults.js";
import { DEFAULT_FUNCTION_ENTRY, startSandbox } from "../sandbox/index.js";
import { createDataset } from "../sandbox/usageapi/dataset.js";
import { startUsageApi } from "../sandbox/usageapi/index.js";
import { fetchToken } from "../test/integration/helpers.js";
import { median, percentile, round } from "./stats.js";
import { umbrellaEntry } from "./umbrella.js";

export interface FunctionBench {
  bundleBytes: number;
  /** The same handler on the umbrella `oci-sdk`, side by side with the bundle (bench/umbrella.ts). */
  umbrella: { median: number; runs: number; ratio: number } | { skipped: string };
  coldStartMs: {
    median: number;
    p90: number;
    min: number;
    runs: number;
    /**
     * Spawn to the FDK's socket appearing, median: node's start, compiling the bundle, and evaluating the
     * FDK (with node:http), the handler and oci-usageapi. oci-common's modules are not evaluated yet (its
     * index loads each export when first read, function/src/shims/oci-common.cjs).
     */
    socketMedian: number;
    /**
     * The socket to the first answer, median of each run's own: oci-common's modules on first read (the
     * signer with sshpk and http-signature, the resource-principal provider), reading the key and the
     * RPST, signing, the Usage API's answer, the handler's work.
     */
    firstCallMedian: number;
    /** Spawn to exit of node running an empty script, median: the floor no bundle can go under. */
    emptyNodeMedian: number;
    /**
     * Which of Node's modules the bundle is built not to load (internal undici, http2, web streams' readable
     * stream) it has loaded by the end of its first answer, from one more (untimed) start with a probe.
     */
    heavyBuiltinsLoaded: string[];
  };
  overheadMs: {
    gatewayMedian: number;
    directMedian: number;
    overheadMedian: number;
    calls: number;
  };
}

const ONE_MONTH = {
  granularity: "MONTHLY",
  timeUsageStarted: "2025-03-01T00:00:00Z",
  timeUsageEnded: "2025-04-01T00:00:00Z",
};

/** POST /call over the unix socket as the Fn platform does; resolves with Fn-Http-Status. */
function callOverSocket(socketPath: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: "/call",
        method: "POST",
        headers: {
          "Fn-Call-Id": "bench",
          "Fn-Deadline": new Date(Date.now() + 30_000).toISOString(),
          "Fn-Intent": "httprequest",
          "Fn-Http-Method": "POST",
          "Fn-Http-Request-Url": "/usage/request-summarized-usages",
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(Number(res.headers["fn-http-status"] ?? res.statusCode)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Resolves when `path` exists: woken by an inotify watch on its folder, so that the wait takes no CPU from
 * the starting function (a loop polling for it took one of the machine's 2 cores).
 */
async function waitForPath(path: string, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const watcher = watch(dirname(path), () => {
      if (existsSync(path)) settle();
    });
    const timer = setTimeout(() => settle(new Error(`${path} did not appear in ${timeoutMs} ms`)), timeoutMs);
    // It may have appeared before the watch began.
    if (existsSync(path)) settle();
  });
}

type ColdStart = FunctionBench["coldStartMs"];

/** Spawn the bundle cold `runs` times; each run measures spawn -> first 200 over the socket. */
export async function benchColdStart(runs = 15, entry = DEFAULT_FUNCTION_ENTRY): Promise<ColdStart> {
  const [result] = await benchColdStarts([entry], runs);
  return result as ColdStart;
}

/** What a cold start runs against: the Usage API emulator, its authority and the request's body. */
interface ColdTarget {
  dataset: ReturnType<typeof createDataset>;
  authority: OciAuthority;
  usageUrl: string;
  body: string;
}

/** A resource principal's files (its RPST and private key) in `dir`, and the Fn environment naming them. */
async function functionEnv(target: ColdTarget, dir: string, socket: string): Promise<Record<string, string>> {
  const { dataset } = target;
  const rpst = target.authority.mintRpst({
    tenancyId: dataset.tenancyId,
    compartmentId: dataset.tenancyId,
    resourceId: "ocid1.fnfunc.oc1.iad.bench",
  });
  await mkdir(join(dir, "oci"));
  await writeFile(join(dir, "oci", "rpst"), rpst.token);
  await writeFile(join(dir, "oci", "private.pem"), rpst.privateKeyPem);
  return {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    FN_FORMAT: "http-stream",
    FN_LISTENER: `unix:${socket}`,
    OCI_RESOURCE_PRINCIPAL_VERSION: "2.2",
    OCI_RESOURCE_PRINCIPAL_RPST: join(dir, "oci", "rpst"),
    OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: join(dir, "oci", "private.pem"),
    OCI_RESOURCE_PRINCIPAL_REGION: dataset.homeRegion,
    USAGE_API_ENDPOINT: target.usageUrl,
  };
}

/**
 * One cold start of `entry`: spawn to its listening socket, then its first call's answer (a 200). With a
 * probe, node preloads it (and takes nodeArgs), and the process is stopped with SIGTERM so the probe (and
 * a profile) can write; otherwise it is killed.
 */
async function startColdOnce(
  target: ColdTarget,
  entry: string,
  probe?: string,
  nodeArgs: string[] = [],
): Promise<{ socketMs: number; firstCallMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), "fnb-"));
  const socket = join(dir, "lsnr.sock");
  const env = await functionEnv(target, dir, socket);
  const args = probe === undefined ? [entry] : [...nodeArgs, "--require", probe, entry];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: dir, stdio: "ignore" });
  try {
    // 30 s: the umbrella-oci-sdk peer loads for seconds on a loaded machine.
    await waitForPath(socket, 30_000);
    const linked = performance.now();
    const status = await callOverSocket(socket, target.body);
    if (status !== 200) throw new Error(`cold-start call of ${entry} answered ${status}`);
    return { socketMs: linked - started, firstCallMs: performance.now() - linked };
  } finally {
    // A bundle that failed on its own has exited already: waiting for 'exit' again would hang.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // The probe writes what was loaded on SIGTERM.
      child.kill(probe === undefined ? "SIGKILL" : "SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Spawn to exit of an empty node script: what node itself takes of every cold start. */
async function emptyNodeMs(): Promise<number> {
  const started = performance.now();
  const bare = spawn(process.execPath, ["-e", ""], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: "ignore",
  });
  await new Promise((resolve) => bare.once("exit", resolve));
  return performance.now() - started;
}

/**
 * Several bundles side by side: each run spawns every entry once, in turn, then an empty node, so all of
 * them see the same machine (it is shared and noisy). One result per entry, in the order given. With
 * `profileDir`, one more untimed start of each entry runs under `node --cpu-prof` and writes its profile
 * (spawn to the first answer) to profileDir/entry-N.
 */
export async function benchColdStarts(
  entries: readonly string[],
  runs = 15,
  profileDir?: string,
): Promise<ColdStart[]> {
  const dataset = createDataset();
  const authority = new OciAuthority();
  const usage = await startUsageApi({ dataset, authority, faults: new FaultInjector("usage") });
  const body = JSON.stringify({ tenantId: dataset.tenancyId, ...ONE_MONTH });
  const times = entries.map((): number[] => []);
  const socketTimes = entries.map((): number[] => []);
  const firstCallTimes = entries.map((): number[] => []);
  const emptyTimes: number[] = [];
  const target: ColdTarget = { dataset, authority, usageUrl: usage.url, body };
  /** One cold start; with a probe, node also preloads it (and takes nodeArgs) and the run is not counted. */
  const coldRun = async (entry: string, index: number, probe?: string, nodeArgs: string[] = []) => {
    const run = await startColdOnce(target, entry, probe, nodeArgs);
    if (probe !== undefined) return;
    socketTimes[index]?.push(run.socketMs);
    firstCallTimes[index]?.push(run.firstCallMs);
    times[index]?.push(run.socketMs + run.firstCallMs);
  };
  const probeDir = await mkdtemp(join(tmpdir(), "fnb-probe-"));
  const loaded: string[][] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Entries take turns leading, so none always follows the same neighbour.
      for (let k = 0; k < entries.length; k++) {
        const index = (i + k) % entries.length;
        await coldRun(entries[index] as string, index);
      }
      emptyTimes.push(await emptyNodeMs());
    }
    for (let index = 0; index < entries.length; index++) {
      const out = join(probeDir, `loaded-${index}.json`);
      const probe = join(probeDir, `probe-${index}.cjs`);
      await writeFile(probe, builtinsProbe(out));
      await coldRun(entries[index] as string, index, probe);
      loaded.push(JSON.parse(await readFile(out, "utf8")) as string[]);
      // The probe's exit on SIGTERM is a normal one, so node writes the profile.
      const profile =
        profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", join(profileDir, `entry-${index}`)];
      if (profile.length > 0) await coldRun(entries[index] as string, index, probe, profile);
    }
  } finally {
    await usage.close();
    await rm(probeDir, { recursive: true, force: true });
  }
  return entries.map((_, index) => {
    const own = times[index] ?? [];
    return {
      median: round(median(own)),
      p90: round(percentile(own, 90)),
      min: round(Math.min(...own)),
      runs: own.length,
      socketMedian: round(median(socketTimes[index] ?? [])),
      firstCallMedian: round(median(firstCallTimes[index] ?? [])),
      emptyNodeMedian: round(median(emptyTimes)),
      heavyBuiltinsLoaded: loaded[index] ?? [],
    };
  });
}

/** Node's modules the bundle is built not to load: fetch's undici, http2 (which undici loads), web streams. */
const HEAVY_BUILTINS =
  /^NativeModule (internal\/deps\/undici\/undici|http2|internal\/webstreams\/readablestream)$/;

/** A preload that, on SIGTERM, writes which of HEAVY_BUILTINS the process has loaded, then exits. */
function builtinsProbe(out: string): string {
  return `process.on("SIGTERM", () => {
  const heavy = ${HEAVY_BUILTINS.toString()};
  const names = process.moduleLoadList.filter((name) => heavy.test(name)).map((name) => name.slice(13));
  require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(names));
  process.exit(0);
});
`;
}

/**
 * The same one-month request, alternately through gateway + function (bearer token) and straight to the
 * Usage API emulator signed with an API key by the oci-sdk, `calls` times each after a warm-up.
 */
export async function benchOverhead(calls = 200): Promise<FunctionBench["overheadMs"]> {
  const sandbox = await startSandbox();
  const agent = new Agent({ connections: 4 });
  try {
    const token = await fetchToken(sandbox.endpoints);
    const { directClient } = await import("../test/integration/helpers.js");
    const client = directClient(sandbox);
    const details = { tenantId: sandbox.endpoints.tenancyId, ...ONE_MONTH };
    const body = JSON.stringify(details);
    const viaGateway = async () => {
      const res = await undiciRequest(`${sandbox.endpoints.gatewayUrl}/request-summarized-usages`, {
        method: "POST",
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`gateway answered ${res.statusCode}`);
    };
    const direct = async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the SDK model types dates; the JSON is identical
      await client.requestSummarizedUsages({ requestSummarizedUsagesDetails: details as any });
    };
    for (let i = 0; i < 20; i++) {
      await viaGateway();
      await direct();
    }
    const gatewayTimes: number[] = [];
    const directTimes: number[] = [];
    for (let i = 0; i < calls; i++) {
      let t = performance.now();
      await viaGateway();
      gatewayTimes.push(performance.now() - t);
      t = performance.now();
      await direct();
      directTimes.push(performance.now() - t);
    }
    const gatewayMedian = median(gatewayTimes);
    const directMedian = median(directTimes);
    return {
      gatewayMedian: round(gatewayMedian, 2),
      directMedian: round(directMedian, 2),
      overheadMedian: round(gatewayMedian - directMedian, 2),
      calls,
    };
  } finally {
    await agent.close();
    await sandbox.stop();
  }
}

/** Where one bundle's cold start goes, in the order it happens (medians). */
function describePhases(r: ColdStart): string {
  const heavy = r.heavyBuiltinsLoaded.length > 0 ? r.heavyBuiltinsLoaded.join(", ") : "none";
  return (
    `node ${r.emptyNodeMedian} ms (empty script); to the socket ${r.socketMedian} ms (node, compile, ` +
    `FDK + handler + oci-usageapi); first call ${r.firstCallMedian} ms (oci-common on first read, ` +
    `provider, key, signing, Usage API); heavy built-ins loaded: ${heavy}`
  );
}

export async function benchFunction(): Promise<FunctionBench> {
  const bundleBytes = (await stat(DEFAULT_FUNCTION_ENTRY)).size;
  const peer = await umbrellaEntry();
  const entries = "entry" in peer ? [DEFAULT_FUNCTION_ENTRY, peer.entry] : [DEFAULT_FUNCTION_ENTRY];
  const [coldStartMs, umbrellaRun] = (await benchColdStarts(entries, 15)) as [ColdStart, ColdStart?];
  const umbrella =
    umbrellaRun === undefined
      ? { skipped: "skipped" in peer ? peer.skipped : "not built" }
      : {
          median: umbrellaRun.median,
          runs: umbrellaRun.runs,
          ratio: round(umbrellaRun.median / coldStartMs.median, 1),
        };
  const overheadMs = await benchOverhead();
  return { bundleBytes, umbrella, coldStartMs, overheadMs };
}

// `npx tsx bench/function.ts cold-start A/func.js B/func.js [--runs N] [--cpu-prof DIR]`: bundles side by
// side, with the ratio of each median to the first's (and with --cpu-prof, one profiled start of each in
// DIR/entry-N, for Chrome DevTools or speedscope); with no argument, every function benchmark.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "cold-start") {
    const option = (name: string) => {
      const at = rest.indexOf(name);
      return at >= 0 ? { at, value: rest[at + 1] } : undefined;
    };
    const runsOption = option("--runs");
    const profileOption = option("--cpu-prof");
    const runs = runsOption ? Number(runsOption.value) : 15;
    const taken = [runsOption, profileOption].flatMap((o) => (o ? [o.at, o.at + 1] : []));
    const entries = rest.filter((_, i) => !taken.includes(i)).map((e) => resolve(e));
    const profileDir = profileOption?.value === undefined ? undefined : resolve(profileOption.value);
    const results = await benchColdStarts(
      entries.length > 0 ? entries : [DEFAULT_FUNCTION_ENTRY],
      runs,
      profileDir,
    );
    const first = results[0]?.median ?? Number.NaN;
    results.forEach((r, i) => {
      console.log(
        `${entries[i] ?? DEFAULT_FUNCTION_ENTRY}: ${JSON.stringify(r)} ratio ${round(r.median / first, 2)}`,
      );
      console.log(`  phases: ${describePhases(r)}`);
    });
    if (profileDir !== undefined) console.log(`cpu profiles: ${profileDir}/entry-N (N as the order above)`);
  } else console.log(JSON.stringify(await benchFunction(), null, 2));
}
