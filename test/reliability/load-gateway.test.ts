// Load: 32 concurrent clients for 60 s against gateway -> function (the real FDK bundle) -> Usage API in the
// sandbox (bench/load.ts drives it; `npm run bench` writes the same figures to BENCHMARKS.md). The Usage API
// throttles a seeded 2% of calls; every answer is a 200 with items or one of those 429s, and the function's
// RSS after the warm-up stays within the tolerance of its first window. LOAD_SEED replays a run.
import { describe, expect, it } from "vitest";
import { describeLoad, rssFigures, runLoad } from "../../bench/load.js";

const SEED = Number(process.env.LOAD_SEED ?? 12);

describe("load through gateway, function and Usage API", () => {
  it("the RSS check passes a flat, noisy series and flags one that grows 1 MB a second", () => {
    const tolerance = { mb: 16, share: 0.15 };
    const noise = (i: number) => ((i * 7919) % 13) - 6; // ±6 MB, as GC makes it
    const flat = Array.from({ length: 61 }, (_, i) => ({ atMs: i * 1000, mb: 100 + noise(i) }));
    const growing = flat.map((s, i) => ({ ...s, mb: s.mb + i }));
    expect(rssFigures(flat, 10_000, 60_000, tolerance).flat).toBe(true);
    const leak = rssFigures(growing, 10_000, 60_000, tolerance);
    expect(leak.flat).toBe(false);
    expect(leak.growthMb).toBeGreaterThan(leak.toleranceMb);
    expect(leak.slopeMbPerMinute).toBeGreaterThan(50);
  });

  it("32 clients for 60 s: no error but the injected 429s, and the function's RSS stays flat", async () => {
    const result = await runLoad({ clients: 32, durationMs: 60_000, seed: SEED });
    const figures = describeLoad(result);
    console.log(figures);
    const replay = `${figures}\nreplay: LOAD_SEED=${SEED} npx vitest run --project reliability test/reliability/load-gateway.test.ts`;
    expect(result.failures, replay).toEqual([]);
    expect(result.unexpected, replay).toEqual({});
    expect(result.injected429, replay).toBeGreaterThan(0);
    expect(result.throttled, replay).toBe(result.injected429);
    expect(result.ok, replay).toBe(result.answers - result.throttled);
    expect(result.functionRestarts, replay).toBe(0);
    expect(result.rss.samples.length, replay).toBeGreaterThanOrEqual(50);
    expect(result.rss.flat, replay).toBe(true);
  }, 170_000);
});
