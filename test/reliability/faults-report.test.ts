// Faults on the report path, as a system: the report flow (in this process, on a virtual clock so that no
// backoff or Retry-After is waited for real) against the sandbox's identity domain, gateway, function and
// Usage API, with 30% of the calls at each of them faulted: 429 with and without Retry-After, 5xx,
// connection resets, slow bodies (some slower than the client's body timeout) and, at the gateway, the
// token expiring mid-run. Across 50 seeded runs every run either writes files byte-identical to a
// fault-free run's, or fails in one line with no partial file and no temp file.
// Replay one run: RELIABILITY_SEED=<seed> RELIABILITY_RUNS=1 npx vitest run --project reliability test/reliability/faults-report.test.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault, FaultInjector } from "../../sandbox/core/faults.js";
import { mulberry32 } from "../../sandbox/core/random.js";
import { type Sandbox, startSandbox } from "../../sandbox/index.js";
import { oneLine } from "../../src/lib/errors.js";
import { EndpointClient } from "../../src/report/endpoint.js";
import { type ReportDeps, runReport } from "../../src/report/index.js";
import { readReportInputs } from "../../src/report/inputs.js";
import { TokenClient } from "../../src/report/token.js";
import { listFiles, snapshot } from "../integration/report-harness.js";

const RUNS = Number(process.env.RELIABILITY_RUNS ?? 50);
const BASE_SEED = Number(process.env.RELIABILITY_SEED ?? 20_261_203);
const FAULT_RATE = 0.3;
const TOKEN_TTL_MS = 3_600_000;
/** Shorter than the slow bodies' stalls, longer than any normal gap between two chunks of a local answer. */
const TIMEOUTS = { connectMs: 2_000, headersMs: 20_000, bodyMs: 250 };
const BUDGET_MINUTES = 20;
/** Every fifth run gives a page two attempts only, so that runs also fail in the middle of a month. */
const STINGY = { maxAttempts: 2, baseMs: 1000, maxDelayMs: 30_000 };
const isStingy = (run: number) => run % 5 === 4;

type Kind = "429+Retry-After" | "429" | "5xx" | "reset" | "slow body" | "stalled body" | "token expiry";

/** What the faults of one run did, by kind. */
class Tally {
  readonly byKind = new Map<Kind, number>();
  add(kind: Kind): void {
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
  }
  get total(): number {
    return [...this.byKind.values()].reduce((a, b) => a + b, 0);
  }
}

/** The time the report flow and the sandbox's tokens run on: the wall clock plus what was slept or skipped. */
class VirtualTime {
  slept = 0;
  skipped = 0;
  readonly action = () => Date.now() + this.slept;
  readonly tokens = () => Date.now() + this.slept + this.skipped;
  reset(): void {
    this.slept = 0;
    this.skipped = 0;
  }
}

const FIVE_XX = [500, 502, 503, 504];

/**
 * One service's seeded plan: each call is faulted with probability FAULT_RATE, with a kind drawn from
 * `kinds`. Retry-After is whole seconds at the gateway and the token endpoint (the client waits on the
 * virtual clock), 0 at the Usage API (the function waits for real, in its own process).
 */
function plan(
  random: () => number,
  kinds: readonly Kind[],
  tally: Tally,
  options: { retryAfterSeconds: () => number; expire?: () => void },
): (info: { method: string; path: string }) => Fault | undefined {
  let lastExpired = false;
  return () => {
    if (random() >= FAULT_RATE) return undefined;
    let kind = kinds[Math.floor(random() * kinds.length)]!;
    // A token that expires again within its own refresh is not a thing time does.
    if (kind === "token expiry" && lastExpired) kind = "5xx";
    lastExpired = kind === "token expiry";
    tally.add(kind);
    switch (kind) {
      case "429+Retry-After":
        return { type: "status", status: 429, retryAfter: options.retryAfterSeconds() };
      case "429":
        return { type: "status", status: 429 };
      case "5xx":
        return { type: "status", status: FIVE_XX[Math.floor(random() * FIVE_XX.length)]! };
      case "reset":
        return { type: "reset" };
      case "slow body":
        return { type: "slowBody", chunkDelayMs: 5 + Math.floor(random() * 20), chunks: 3 };
      case "stalled body":
        return { type: "slowBody", chunkDelayMs: TIMEOUTS.bodyMs * 3, chunks: 2 };
      case "token expiry":
        options.expire?.();
        // No answer of its own: the gateway now finds the token expired (401) and the client refreshes it.
        return undefined;
    }
  };
}

interface RunResult {
  ok: boolean;
  error?: string;
  files: Map<string, string>;
  leftovers: string[];
  outputs: Record<string, string>;
  logs: string[];
  virtualMs: number;
}

describe("faults on the report path: 50 seeded runs at 30% faults", () => {
  let sandbox: Sandbox;
  let scratch: string;
  const time = new VirtualTime();
  let reference: RunResult;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "faults-report-"));
    sandbox = await startSandbox({
      tokenClock: time.tokens,
      // Several pages per month, so that faults land inside a month; quick retries inside the function.
      functionConfig: {
        UPSTREAM_PAGE_LIMIT: "300",
        RESPONSE_BUDGET_BYTES: "1024",
        RETRY_BASE_MS: "5",
        RETRY_MAX_DELAY_MS: "20",
      },
    });
    reference = await reportOnce("reference");
    expect(reference.error).toBeUndefined();
  });

  afterAll(async () => {
    await sandbox?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** One run of the report flow in a fresh folder, on the virtual clock; never throws for a failed run. */
  async function reportOnce(name: string, stingy = false): Promise<RunResult> {
    const root = join(scratch, name);
    const logs: string[] = [];
    const outputs: Record<string, string> = {};
    const e = sandbox.endpoints;
    const values: Record<string, string> = {
      endpoint: e.gatewayUrl,
      "token-url": e.tokenUrl,
      "client-id": e.clientId,
      "client-secret": e.clientSecret,
      scope: e.scope,
      months: "2025-03..2025-04",
      granularity: "DAILY",
      "time-budget": String(BUDGET_MINUTES),
    };
    const inputs = readReportInputs((n) => values[n] ?? "", { now: new Date(), setSecret: () => {} });
    time.reset();
    const deps: ReportDeps = {
      root,
      clock: {
        now: time.action,
        sleep: async (ms) => {
          time.slept += ms;
        },
        random: mulberry32(1),
      },
      log: { info: (l) => logs.push(l), warning: (l) => logs.push(`warning: ${l}`), group: (_n, fn) => fn() },
      setSecret: () => {},
      setOutput: (n, v) => {
        outputs[n] = v;
      },
      createTokenClient: ({ auth, ...options }) => {
        if (auth.kind !== "client-credentials") throw new Error("client credentials expected");
        return new TokenClient({ ...options, ...auth, timeouts: TIMEOUTS });
      },
      createEndpointClient: (options) =>
        new EndpointClient({
          ...options,
          prefetch: true,
          timeouts: TIMEOUTS,
          ...(stingy ? { retry: STINGY } : {}),
        }),
      commit: async () => undefined,
    };
    const started = time.action();
    let error: string | undefined;
    try {
      await runReport(inputs, deps);
    } catch (err) {
      error = oneLine(err);
    }
    const virtualMs = time.action() - started;
    const all = await listFiles(root).catch(() => [] as string[]);
    const leftovers = all.filter((f) => /(^|\/)\.[^/]*\.tmp$/.test(f) || f.endsWith(".tmp"));
    const files = await snapshot(root).catch(() => new Map<string, string>());
    return { ok: error === undefined, error, files, leftovers, outputs, logs, virtualMs };
  }

  /** Arm the sandbox's identity domain, gateway and Usage API with this seed's plans. */
  function arm(seed: number, tally: Tally): void {
    const { faults } = sandbox;
    faults.clearAll();
    const arms: Array<[FaultInjector, readonly Kind[], () => number]> = [
      [faults.identity, ["429+Retry-After", "429", "5xx", "reset", "slow body", "stalled body"], () => 1],
      [
        faults.gateway,
        ["429+Retry-After", "429", "5xx", "reset", "slow body", "stalled body", "token expiry"],
        () => 1,
      ],
      [faults.usage, ["429+Retry-After", "429", "5xx", "reset", "slow body"], () => 0],
    ];
    arms.forEach(([injector, kinds, seconds], i) => {
      const random = mulberry32(seed * 7 + i);
      const retryAfterSeconds = injector === faults.usage ? seconds : () => 1 + Math.floor(random() * 5);
      injector.plan(
        plan(random, kinds, tally, {
          retryAfterSeconds,
          expire: () => {
            time.skipped += TOKEN_TTL_MS;
          },
        }),
      );
    });
  }

  // About 90 s on 2 idle cores; room for a loaded machine.
  it("every run writes the fault-free bytes or fails in one line with no partial file", {
    timeout: 600_000,
  }, async () => {
    const wallStarted = Date.now();
    const totals = new Tally();
    const retries: number[] = [];
    const virtual: number[] = [];
    let failedCleanly = 0;
    let leftovers = 0;
    let refreshes = 0;
    let bodyTimeouts = 0;
    for (let i = 0; i < RUNS; i++) {
      const seed = BASE_SEED + i;
      const tally = new Tally();
      arm(seed, tally);
      const run = await reportOnce(`run-${seed}`, isStingy(i));
      sandbox.faults.clearAll();
      for (const [kind, n] of tally.byKind) for (let k = 0; k < n; k++) totals.add(kind);
      const replay = `seed ${seed}${isStingy(i) ? " (2 attempts a page)" : ""} (replay: RELIABILITY_SEED=${seed - i} RELIABILITY_RUNS=${i + 1})`;
      try {
        checkRun(run, reference);
      } catch (err) {
        throw new Error(`${replay}: ${(err as Error).message}\n${run.logs.join("\n")}`);
      }
      if (!run.ok) failedCleanly++;
      leftovers += run.leftovers.length;
      refreshes += run.logs.filter((l) => l.includes("HTTP 401; getting a new token")).length;
      bodyTimeouts += run.logs.filter((l) => l.includes("UND_ERR_BODY_TIMEOUT")).length;
      retries.push(
        run.logs.filter((l) => / failed \(.*\); retrying in \d+ ms$|HTTP 401; getting a new token/.test(l))
          .length,
      );
      virtual.push(run.virtualMs);
    }
    expect(totals.total).toBeGreaterThan(RUNS * 5);
    if (RUNS >= 50)
      expect(failedCleanly, "no run failed: the clean-failure path went untested").toBeGreaterThan(0);
    // Each expiry met the gateway's 401 and a fresh token (a run that failed first may have fewer).
    expect(refreshes).toBeGreaterThan(0);
    // Stalled bodies outlasted the client's body timeout and were retried.
    expect(bodyTimeouts).toBeGreaterThan(0);
    expect(refreshes).toBeLessThanOrEqual(totals.byKind.get("token expiry") ?? 0);
    const kinds = [...totals.byKind].map(([k, n]) => `${k} ${n}`).join(", ");
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `faults-report: runs ${RUNS} (seeds ${BASE_SEED}..${BASE_SEED + RUNS - 1}), faults injected ${totals.total} at ${FAULT_RATE * 100}% of calls (${kinds}), ` +
        `retries per run min ${Math.min(...retries)} / mean ${mean(retries).toFixed(1)} / max ${Math.max(...retries)}, ` +
        `token refreshes on 401 ${refreshes}, body timeouts retried ${bodyTimeouts}, every 5th run with 2 attempts a page; byte-identical ${RUNS - failedCleanly}, failed cleanly ${failedCleanly}, ` +
        `time per run (virtual) mean ${(mean(virtual) / 1000).toFixed(1)} s / max ${(Math.max(...virtual) / 1000).toFixed(1)} s vs budget ${BUDGET_MINUTES * 60} s, ` +
        `wall ${((Date.now() - wallStarted) / 1000).toFixed(1)} s, leftovers: ${leftovers}`,
    );
  });
});

/** The run's files are the reference's (all of them when it succeeded, a subset when it failed); no temp file. */
function checkRun(run: RunResult, reference: RunResult): void {
  expect(run.leftovers, "temp files left").toEqual([]);
  for (const [file, hash] of run.files)
    expect(hash, `${file} differs from the fault-free run's`).toBe(reference.files.get(file));
  if (run.ok) {
    expect([...run.files.keys()]).toEqual([...reference.files.keys()]);
    expect(run.outputs.files).toBe(reference.outputs.files);
    expect(run.outputs.total).toBe(reference.outputs.total);
    return;
  }
  expect(run.error).not.toMatch(/\n/);
  expect(run.error!.length).toBeLessThan(2_000);
  // Each failed month names itself and has no file at all.
  for (const month of ["2025-03", "2025-04"]) {
    const written = [...run.files.keys()].filter((f) => f.startsWith(`reports/${month}/`));
    if (written.length > 0)
      expect(written.length, `${month} written in part`).toBe(
        [...reference.files.keys()].filter((f) => f.startsWith(`reports/${month}/`)).length,
      );
    else expect(run.error).toContain(month);
  }
}
