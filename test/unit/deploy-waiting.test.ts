import { describe, expect, it } from "vitest";
import { type PollResult, pollUntilDone } from "../../src/deploy/waiting.js";

/** A fake clock whose sleeps move time on; every wait is recorded. */
function clock() {
  const waits: number[] = [];
  let t = 0;
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    now: () => t,
  };
}

const notYet = (extra: Partial<Extract<PollResult<never>, { done: false }>> = {}): PollResult<string> => ({
  done: false,
  waitingLine: "still busy; waiting",
  timedOut: () => new Error("timed out"),
  ...extra,
});

describe("pollUntilDone", () => {
  it("polls until done, the interval growing by half up to maxPollMs, logging before each wait", async () => {
    const c = clock();
    const lines: string[] = [];
    let polls = 0;
    const value = await pollUntilDone(
      { deadline: 1e9, sleep: c.sleep, now: c.now, pollMs: 400, maxPollMs: 1000, log: (l) => lines.push(l) },
      async () => (++polls === 5 ? { done: true, value: "ready" } : notYet()),
    );
    expect(value).toBe("ready");
    expect(c.waits).toEqual([400, 600, 900, 1000]);
    expect(lines).toEqual(Array(4).fill("still busy; waiting"));
  });

  it("throws the poll's timeout error instead of starting a wait that would pass the deadline", async () => {
    const c = clock();
    await expect(
      pollUntilDone({ deadline: 1000, sleep: c.sleep, now: c.now, pollMs: 400 }, async () => notYet()),
    ).rejects.toThrow("timed out");
    // 400 then 600 fit (t = 1000); the next wait (900) would not.
    expect(c.waits).toEqual([400, 600]);
  });

  it("lets the poll set the wait from the interval (a server's retry-after)", async () => {
    const c = clock();
    let polls = 0;
    await pollUntilDone({ deadline: 1e9, sleep: c.sleep, now: c.now, pollMs: 500 }, async () =>
      ++polls === 3
        ? { done: true, value: "ok" }
        : notYet({ waitMs: (interval) => Math.max(interval, 2000) }),
    );
    expect(c.waits).toEqual([2000, 2000]);
  });

  it("ends at once when the poll throws", async () => {
    const c = clock();
    await expect(
      pollUntilDone({ deadline: 1e9, sleep: c.sleep, now: c.now }, async () => {
        throw new Error("FAILED");
      }),
    ).rejects.toThrow("FAILED");
    expect(c.waits).toEqual([]);
  });
});
