// The sandbox's latency model alone: seeded jitter, per-service specs, the token bucket on an injected clock,
// and the --latency flag grammar.
import { describe, expect, it } from "vitest";
import {
  latencySampler,
  parseLatencyFlags,
  serviceLatency,
  TokenBucket,
  tenancyRateLimiter,
} from "../../sandbox/core/latency.js";

describe("latency jitter", () => {
  it("draws whole milliseconds in [fixedMs, fixedMs + jitterMs], the same sequence for the same seed", () => {
    const a = latencySampler({ fixedMs: 300, jitterMs: 200 }, 42);
    const b = latencySampler({ fixedMs: 300, jitterMs: 200 }, 42);
    const draws = Array.from({ length: 20_000 }, () => a());
    expect(Array.from({ length: 20_000 }, () => b())).toEqual(draws);
    expect(draws.every((ms) => Number.isInteger(ms) && ms >= 300 && ms <= 500)).toBe(true);
    expect(Math.min(...draws)).toBe(300);
    expect(Math.max(...draws)).toBe(500);
  });

  it("spreads uniformly: mean near fixed + jitter/2, each fifth of the range near 20%", () => {
    const sample = latencySampler({ fixedMs: 100, jitterMs: 999 }, 7);
    const draws = Array.from({ length: 50_000 }, () => sample());
    const mean = draws.reduce((sum, ms) => sum + ms, 0) / draws.length;
    expect(Math.abs(mean - 599.5)).toBeLessThan(5);
    const fifths = [0, 0, 0, 0, 0];
    for (const ms of draws) fifths[Math.floor((ms - 100) / 200)]!++;
    for (const count of fifths) expect(Math.abs(count / draws.length - 0.2)).toBeLessThan(0.01);
  });

  it("is fixed without jitter, and another seed gives another sequence", () => {
    const fixed = latencySampler({ fixedMs: 250 }, 1);
    expect([fixed(), fixed(), fixed()]).toEqual([250, 250, 250]);
    const one = latencySampler({ fixedMs: 0, jitterMs: 1000 }, 1);
    const two = latencySampler({ fixedMs: 0, jitterMs: 1000 }, 2);
    expect([one(), one(), one()]).not.toEqual([two(), two(), two()]);
  });

  it("refuses a negative or non-finite spec", () => {
    expect(() => latencySampler({ fixedMs: -1 }, 1)).toThrow(
      /fixedMs and jitterMs must be finite numbers >= 0/,
    );
    expect(() => latencySampler({ fixedMs: 1, jitterMs: Number.NaN }, 1)).toThrow(/>= 0/);
  });
});

describe("serviceLatency", () => {
  it("uses the service's spec, else default, else none; waits through the injected delay", async () => {
    const waited: number[] = [];
    const delay = async (ms: number) => {
      waited.push(ms);
    };
    const options = { usageapi: { fixedMs: 300 }, default: { fixedMs: 20 }, delay };
    await serviceLatency(options, "usageapi", 42)?.();
    await serviceLatency(options, "functions", 42)?.();
    expect(waited).toEqual([300, 20]);
    expect(serviceLatency({ usageapi: { fixedMs: 1 } }, "iam", 42)).toBeUndefined();
    expect(serviceLatency(undefined, "usageapi", 42)).toBeUndefined();
  });

  it("seeds each service with its own sequence, from the latency seed over the fallback", async () => {
    const waited: number[] = [];
    const delay = async (ms: number) => {
      waited.push(ms);
    };
    const spec = { fixedMs: 0, jitterMs: 1_000_000 };
    const usage = serviceLatency({ default: spec, delay, seed: 9 }, "usageapi", 42)!;
    const functions = serviceLatency({ default: spec, delay, seed: 9 }, "functions", 42)!;
    await usage();
    await functions();
    const expected = [latencySampler(spec, 9)(), latencySampler(spec, 10)()];
    expect(waited).toEqual(expected);
    expect(expected[0]).not.toBe(expected[1]);
  });
});

describe("TokenBucket", () => {
  it("lets a burst through, then answers the whole seconds until the next token", () => {
    let now = 1_000;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(1); // half a second to the next token, rounded up
    now += 499;
    expect(bucket.take()).toBe(1);
    now += 1;
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(1);
  });

  it("refills at the rate up to the burst, never beyond", () => {
    let now = 0;
    const bucket = new TokenBucket(0.25, 2, () => now);
    bucket.take();
    bucket.take();
    expect(bucket.take()).toBe(4);
    now += 3_000;
    expect(bucket.take()).toBe(1);
    now += 3_600_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 4]);
  });

  it("refuses a rate or burst that cannot work", () => {
    expect(() => new TokenBucket(0, 1, () => 0)).toThrow(/requestsPerSecond > 0 and a whole burst >= 1/);
    expect(() => tenancyRateLimiter({ requestsPerSecond: 1, burst: 0.5 })).toThrow(/whole burst >= 1/);
  });

  it("keeps one bucket per tenancy", () => {
    const now = 0;
    const limit = tenancyRateLimiter({ requestsPerSecond: 1, burst: 1, now: () => now });
    expect([limit("ocid1.tenancy.a"), limit("ocid1.tenancy.b")]).toEqual([0, 0]);
    expect([limit("ocid1.tenancy.a"), limit("ocid1.tenancy.b")]).toEqual([1, 1]);
  });
});

describe("parseLatencyFlags", () => {
  it("reads SERVICE=FIXED[+JITTER] flags", () => {
    expect(parseLatencyFlags(["usageapi=300+100", "default=5"])).toEqual({
      usageapi: { fixedMs: 300, jitterMs: 100 },
      default: { fixedMs: 5, jitterMs: 0 },
    });
  });

  it("names the grammar and the services on a bad flag", () => {
    expect(() => parseLatencyFlags(["usage=300"])).toThrow(
      "--latency 'usage=300' must be SERVICE=FIXED[+JITTER] in ms, SERVICE one of usageapi, functions, apigateway, artifacts, iam, default",
    );
    expect(() => parseLatencyFlags(["usageapi=-1"])).toThrow(/SERVICE=FIXED/);
  });
});
