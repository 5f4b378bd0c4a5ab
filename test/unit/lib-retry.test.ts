// The shared retry helper: full-jitter backoff, Retry-After, attempt and deadline bounds (sleep and clock
// injected, so nothing waits for real).
import { describe, expect, it } from "vitest";
import {
  backoffCeiling,
  backoffDelay,
  isNetworkError,
  isRetryableStatus,
  RetryDeadlineError,
  withRetry,
} from "../../src/lib/retry.js";

class Status extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

const classify = (err: unknown) =>
  err instanceof Status
    ? { retry: isRetryableStatus(err.status), retryAfterMs: err.retryAfterMs, reason: err.message }
    : { retry: false };

function harness(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe("withRetry", () => {
  it("retries retryable failures until one succeeds, with capped full-jitter waits", async () => {
    const h = harness();
    const failures = [new Status(503), new Status(429), new Status(500)];
    const result = await withRetry(
      async (n) => {
        const failure = failures.shift();
        if (failure) throw failure;
        return `ok after ${n}`;
      },
      classify,
      { maxAttempts: 5, baseMs: 100, maxDelayMs: 250, sleep: h.sleep, now: h.now, random: () => 0.999 },
    );
    expect(result).toBe("ok after 4");
    // ceilings 100, 200, 250 (capped); random 0.999 takes almost the whole ceiling
    expect(h.sleeps).toEqual([99, 199, 249]);
  });

  it("waits at least what Retry-After asks", async () => {
    const h = harness();
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw new Status(429, 5_000);
        return true;
      },
      classify,
      { maxAttempts: 3, baseMs: 100, maxDelayMs: 1000, sleep: h.sleep, now: h.now, random: () => 0.5 },
    );
    expect(h.sleeps).toEqual([5_000]);
  });

  it("gives up at once on a final error, and after maxAttempts on retryable ones", async () => {
    const h = harness();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Status(400);
        },
        classify,
        { maxAttempts: 5, baseMs: 1, maxDelayMs: 1, sleep: h.sleep, now: h.now },
      ),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Status(502);
        },
        classify,
        { maxAttempts: 3, baseMs: 1, maxDelayMs: 1, sleep: h.sleep, now: h.now },
      ),
    ).rejects.toMatchObject({ status: 502 });
    expect(calls).toBe(3);
  });

  it("stops with RetryDeadlineError when the next wait would cross the deadline", async () => {
    const h = harness(1_000);
    const err = await withRetry(
      async () => {
        throw new Status(429, 10_000);
      },
      classify,
      { maxAttempts: 10, baseMs: 10, maxDelayMs: 100, deadline: 5_000, sleep: h.sleep, now: h.now },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryDeadlineError);
    expect((err as RetryDeadlineError).retryAfterMs).toBe(10_000);
    expect((err as RetryDeadlineError).lastError).toBeInstanceOf(Status);
    expect(h.sleeps).toEqual([]);
  });

  it("hands back, with RetryDeadlineError, the wait it would have taken: the backoff when larger", async () => {
    const h = harness(1_000);
    const err = await withRetry(
      async () => {
        throw new Status(503, 10);
      },
      classify,
      {
        maxAttempts: 10,
        baseMs: 4_000,
        maxDelayMs: 8_000,
        deadline: 3_000,
        sleep: h.sleep,
        now: h.now,
        random: () => 0.75,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryDeadlineError);
    expect((err as RetryDeadlineError).retryAfterMs).toBe(10);
    expect((err as RetryDeadlineError).delayMs).toBe(3_000);
    expect(h.sleeps).toEqual([]);
  });
});

describe("backoff and classification", () => {
  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 500],
    [40, 500],
  ])("ceiling of retry %i is %i ms (base 100, cap 500)", (retry, ceiling) => {
    expect(backoffCeiling(retry, 100, 500)).toBe(ceiling);
    expect(backoffDelay(retry, 100, 500, () => 0)).toBe(0);
    expect(backoffDelay(retry, 100, 500, () => 0.999_999)).toBe(ceiling - 1);
  });

  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
  ])("status %i retryable: %s", (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });

  it("recognises connection failures through cause chains, not other errors", () => {
    expect(isNetworkError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    expect(isNetworkError(new Error("fetch failed", { cause: { code: "UND_ERR_SOCKET" } }))).toBe(true);
    expect(isNetworkError(new Error("nope"))).toBe(false);
    expect(isNetworkError(Object.assign(new Error("x"), { code: "ENOENT" }))).toBe(false);
  });
});
