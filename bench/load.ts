// Load (issue 12): `clients` concurrent API users for `durationMs` against gateway -> function (the real FDK
// bundle under the Fn agent) -> Usage API in the sandbox, each with its own bearer token, over one undici
// Pool. The Usage API answers a seeded share of calls with 429 TooManyRequests, and the function is
// configured with MAX_ATTEMPTS=1 so each of them reaches the client as the function's own 429: every other
// answer must be a 200. Latency is taken per answer; the function process's RSS is sampled from /proc once a
// second and compared window by window after the warm-up (the first 1000 answers), for a leak. Used by `npm run bench` (its "load"
// section) and by test/reliability/load-gateway.test.ts.
import "../src/lib/fetch-first.js";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { fetchToken } from "../test/integration/helpers.js";
import { median, percentile, round } from "./stats.js";

export interface LoadOptions {
  /** Concurrent clients, each with its own token and one request in flight (default 32). */
  clients?: number;
  /** How long the clients send (default 60 s). */
  durationMs?: number;
  /**
   * Answers left out of the latency and RSS figures (default 1000): the function's heap grows to its working
   * size over about that many calls, however long they take on a loaded machine.
   */
  warmupAnswers?: number;
  /** Share of Usage API calls answered 429 (default 0.02). */
  throttleRate?: number;
  /** Seed of the data set and of the 429s (default 12). */
  seed?: number;
  /** RSS sampling period (default 1 s). */
  sampleEveryMs?: number;
  /** Most growth of the last RSS window over the first that still counts as flat: MB and share (default 16, 0.15). */
  rssTolerance?: { mb: number; share: number };
}

interface RssSample {
  atMs: number;
  mb: number;
}

export interface RssFigures {
  samples: RssSample[];
  /** Medians of the three equal windows after the warm-up, MB. */
  windowsMb: [number, number, number];
  /** Last window's median minus the first's, MB; and the tolerance it was held to. */
  growthMb: number;
  toleranceMb: number;
  /** Least-squares slope of the samples after the warm-up, MB per minute. */
  slopeMbPerMinute: number;
  flat: boolean;
}

export interface LoadResult {
  seed: number;
  clients: number;
  durationMs: number;
  warmupAnswers: number;
  /** When the warm-up's last answer came, ms from the start. */
  warmupMs: number;
  answers: number;
  ok: number;
  /** 429 answers the clients saw, and 429s the Usage API injected. */
  throttled: number;
  injected429: number;
  /** Any other status, by status. */
  unexpected: Record<number, number>;
  /** Requests that got no answer (a connection error) or a malformed one, one message each (at most 20). */
  failures: string[];
  answersPerSecond: number;
  /** Over the answers after the warm-up, ms. */
  latencyMs: { p50: number; p99: number; max: number };
  rss: RssFigures;
  /** How often the function container was replaced during the run (a crash or a timeout kill). */
  functionRestarts: number;
}

const DEFAULTS = {
  clients: 32,
  durationMs: 60_000,
  warmupAnswers: 1000,
  throttleRate: 0.02,
  seed: 12,
  sampleEveryMs: 1_000,
  rssTolerance: { mb: 16, share: 0.15 },
};

interface Answer {
  atMs: number;
  ms: number;
  status: number;
}

/** The Usage API's seeded 429s; the load sandbox's function passes each on (MAX_ATTEMPTS=1, no retry inside). */
function throttle(sandbox: Sandbox, rate: number, seed: number): void {
  sandbox.faults.usage.clear();
  sandbox.faults.usage.rate(
    { type: "status", status: 429, code: "TooManyRequests", retryAfter: 1 },
    rate,
    seed,
  );
}

/** One-page queries of the data set's last months, MONTHLY, by service or by region: the clients take turns. */
function loadBodies(sandbox: Sandbox): string[] {
  const months = sandbox.dataset.months.slice(-3);
  return months.flatMap((month) => {
    const start = new Date(`${month}-01T00:00:00Z`);
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    return [["service"], ["region"]].map((groupBy) =>
      JSON.stringify({
        tenantId: sandbox.endpoints.tenancyId,
        granularity: "MONTHLY",
        queryType: "COST",
        groupBy,
        timeUsageStarted: start.toISOString(),
        timeUsageEnded: end.toISOString(),
      }),
    );
  });
}

/** A client: one request at a time until the deadline, each answer recorded. */
async function runClient(
  pool: Pool,
  path: string,
  token: string,
  bodies: readonly string[],
  first: number,
  clock: { startedAt: number; deadline: number },
  out: { answers: Answer[]; failures: string[] },
): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let i = first; performance.now() < clock.deadline; i++) {
    const sent = performance.now();
    try {
      const res = await pool.request({ path, method: "POST", headers, body: bodies[i % bodies.length] });
      const text = await res.body.text();
      const now = performance.now();
      out.answers.push({ atMs: now - clock.startedAt, ms: now - sent, status: res.statusCode });
      const wrong = wrongAnswer(res.statusCode, res.headers, text);
      if (wrong && out.failures.length < 20) out.failures.push(wrong);
    } catch (err) {
      if (out.failures.length < 20) out.failures.push(err instanceof Error ? err.message : String(err));
    }
  }
}

/** What is wrong with a 200 or 429 answer, if anything: a 200 holds items, a 429 says when to retry. */
function wrongAnswer(status: number, headers: Record<string, unknown>, text: string): string | undefined {
  if (status === 429) {
    return headers["retry-after"] && text.includes('"TooManyRequests"')
      ? undefined
      : `a 429 without Retry-After or code TooManyRequests: ${text.slice(0, 200)}`;
  }
  if (status !== 200) return undefined;
  try {
    const body = JSON.parse(text) as { items?: unknown };
    return Array.isArray(body.items) ? undefined : "a 200 without items";
  } catch {
    return `a 200 that is not JSON: ${text.slice(0, 200)}`;
  }
}

/** The resident set of a process, MB, from /proc (Linux). */
async function readRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => {
    throw new Error(`cannot read /proc/${pid}/status: the load run samples RSS from /proc (Linux only)`);
  });
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  if (!Number.isFinite(kb)) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return kb / 1024;
}

/** Samples the function container's RSS every `everyMs`; counts container changes. */
function sampleRss(sandbox: Sandbox, startedAt: number, everyMs: number) {
  const samples: RssSample[] = [];
  const firstPid = sandbox.fn.pid;
  const pids = new Set<number>(firstPid === undefined ? [] : [firstPid]);
  let pending = Promise.resolve();
  const take = () => {
    const pid = sandbox.fn.pid;
    if (pid === undefined) return;
    pids.add(pid);
    pending = pending.then(async () => {
      samples.push({ atMs: performance.now() - startedAt, mb: await readRssMb(pid) });
    });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      take();
      await pending;
      return { samples, restarts: Math.max(0, pids.size - 1) };
    },
  };
}

function slopePerMinute(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.atMs, 0) / n;
  const my = samples.reduce((s, p) => s + p.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.atMs - mx) * (p.mb - my);
    den += (p.atMs - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

/**
 * The samples from `warmupMs` to `endMs` in three equal windows; flat when the last window's median is within
 * the tolerance of the first's.
 */
export function rssFigures(
  samples: readonly RssSample[],
  warmupMs: number,
  endMs: number,
  tolerance: { mb: number; share: number },
): RssFigures {
  const steady = samples.filter((s) => s.atMs >= warmupMs);
  const span = (endMs - warmupMs) / 3;
  const windowsMb = [0, 1, 2].map((w) => {
    const inWindow = steady.filter(
      (s) => s.atMs >= warmupMs + w * span && s.atMs <= warmupMs + (w + 1) * span,
    );
    if (inWindow.length === 0) throw new Error(`no RSS sample in window ${w + 1}: sample more often`);
    return round(median(inWindow.map((s) => s.mb)));
  }) as [number, number, number];
  const growthMb = round(windowsMb[2] - windowsMb[0]);
  const toleranceMb = round(Math.max(tolerance.mb, windowsMb[0] * tolerance.share));
  return {
    samples: [...samples],
    windowsMb,
    growthMb,
    toleranceMb,
    slopeMbPerMinute: round(slopePerMinute(steady), 2),
    flat: growthMb <= toleranceMb,
  };
}

function countStatuses(answers: readonly Answer[]) {
  let ok = 0;
  let throttled = 0;
  const unexpected: Record<number, number> = {};
  for (const { status } of answers) {
    if (status === 200) ok++;
    else if (status === 429) throttled++;
    else unexpected[status] = (unexpected[status] ?? 0) + 1;
  }
  return { ok, throttled, unexpected };
}

/** Drive the load and gather its figures. */
export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  const o = { ...DEFAULTS, ...options };
  const sandbox = await startSandbox({ seed: o.seed, functionConfig: { MAX_ATTEMPTS: "1" } });
  const url = new URL(`${sandbox.endpoints.gatewayUrl}/request-summarized-usages`);
  const pool = new Pool(url.origin, { connections: o.clients });
  try {
    const tokens = await Promise.all(Array.from({ length: o.clients }, () => fetchToken(sandbox.endpoints)));
    const bodies = loadBodies(sandbox);
    await sandbox.fn.start();
    // Throttling starts with the load, so every injected 429 is one the clients must have seen.
    throttle(sandbox, o.throttleRate, o.seed);
    const startedAt = performance.now();
    const clock = { startedAt, deadline: startedAt + o.durationMs };
    const out = { answers: [] as Answer[], failures: [] as string[] };
    const rss = sampleRss(sandbox, startedAt, o.sampleEveryMs);
    await Promise.all(tokens.map((token, i) => runClient(pool, url.pathname, token, bodies, i, clock, out)));
    const elapsedMs = performance.now() - startedAt;
    const { samples, restarts } = await rss.stop();
    if (out.answers.length <= o.warmupAnswers) {
      throw new Error(
        `the load run got ${out.answers.length} answers in ${o.durationMs} ms, not more than the ${o.warmupAnswers} of its warm-up; the machine is too busy, or lower warmupAnswers`,
      );
    }
    // Answers are pushed as they come, so the warm-up ends with the one at its count.
    const warmupMs = out.answers[o.warmupAnswers - 1]!.atMs;
    const steady = out.answers.slice(o.warmupAnswers).map((a) => a.ms);
    return {
      seed: o.seed,
      clients: o.clients,
      durationMs: o.durationMs,
      warmupAnswers: o.warmupAnswers,
      warmupMs: round(warmupMs),
      answers: out.answers.length,
      ...countStatuses(out.answers),
      injected429: sandbox.faults.usage.injected,
      failures: out.failures,
      answersPerSecond: round(out.answers.length / (elapsedMs / 1000)),
      latencyMs: {
        p50: round(percentile(steady, 50)),
        p99: round(percentile(steady, 99)),
        max: round(Math.max(...steady)),
      },
      rss: rssFigures(samples, warmupMs, elapsedMs, o.rssTolerance),
      functionRestarts: restarts,
    };
  } finally {
    await pool.close();
    await sandbox.stop();
  }
}

/** The figures on one line. */
export function describeLoad(r: LoadResult): string {
  const unexpected = Object.entries(r.unexpected).map(([s, n]) => `${n}×${s}`);
  return (
    `load (seed ${r.seed}): ${r.clients} clients × ${r.durationMs / 1000} s: ${r.answers} answers ` +
    `(${r.answersPerSecond}/s), ${r.ok} × 200, ${r.throttled} × 429 of ${r.injected429} injected, ` +
    `unexpected: ${unexpected.length ? unexpected.join(", ") : "none"}, missing or malformed answers: ${r.failures.length}; ` +
    `after a warm-up of ${r.warmupAnswers} answers (${round(r.warmupMs / 1000)} s): latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
    `max ${r.latencyMs.max} ms; function RSS windows ${r.rss.windowsMb.join(" / ")} MB, growth ` +
    `${r.rss.growthMb} MB (tolerance ${r.rss.toleranceMb} MB, ${r.rss.flat ? "flat" : "GROWING"}), ` +
    `slope ${r.rss.slopeMbPerMinute} MB/min; container restarts: ${r.functionRestarts}`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runLoad({ durationMs: Number(process.argv[2] ?? DEFAULTS.durationMs) });
  process.stdout.write(`${describeLoad(result)}\n`);
}
