// The parallel source over a scripted endpoint: the parts' pages reach the writer in the parts' order
// whatever order they arrive in, no more parts run than the AIMD limit allows (halved by scripted 429s),
// a month of one page is the sequential path's single call, and a failed part fails the month.
import { describe, expect, it } from "vitest";
import type { FetchMonthOptions, UsagePage, UsageRequest } from "../../src/report/endpoint.js";
import { type PagedSource, ParallelUsageSource } from "../../src/report/parallel.js";

const JUNE: UsageRequest = {
  granularity: "DAILY",
  queryType: "COST",
  timeUsageStarted: "2025-06-01T00:00:00.000Z",
  timeUsageEnded: "2025-07-01T00:00:00.000Z",
  groupBy: ["service"],
};

/** Lets other calls run: `n` turns of the microtask queue. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

interface Script {
  /** Rows of one day: the month is 30 days of `perDay` rows, `pageRows` a page. */
  perDay: number;
  pageRows: number;
  /** Turns each page of a part takes, by the part's first day (later days faster: out-of-order finishes). */
  slowness?: (firstDay: number) => number;
  /** Outcomes of the calls in order: "T" a 429 before the answer, "." none. */
  throttle?: string;
  /** Fail the part that starts on this day. */
  failDay?: number;
}

/** A scripted endpoint: rows "d<day>-<i>", DAILY, pages of `pageRows`, tokens the row offset. */
function scriptedSource(script: Script) {
  const calls: Array<{ body: UsageRequest; options: FetchMonthOptions | undefined }> = [];
  const state = {
    inFlight: 0,
    peak: 0,
    startedOver: 0,
    observe: (_: "ok" | "throttled") => {},
    limit: () => 0,
  };
  let call = 0;
  const rowsOf = (body: UsageRequest) => {
    const from = new Date(body.timeUsageStarted).getUTCDate();
    const to = body.timeUsageEnded.startsWith("2025-07") ? 31 : new Date(body.timeUsageEnded).getUTCDate();
    const rows: Array<Record<string, unknown>> = [];
    for (let d = from; d < to; d++)
      for (let i = 0; i < script.perDay; i++)
        rows.push({ id: `d${d}-${i}`, timeUsageStarted: new Date(Date.UTC(2025, 5, d)).toISOString() });
    return { rows, firstDay: from };
  };
  const source: PagedSource = {
    async fetchMonth(body, onPage, options) {
      calls.push({ body, options });
      if (state.inFlight >= state.limit()) state.startedOver++;
      state.peak = Math.max(state.peak, ++state.inFlight);
      try {
        const { rows, firstDay } = rowsOf(body);
        let offset = options?.from === undefined ? 0 : Number(options.from);
        let pages = 0;
        let items = 0;
        for (;;) {
          if (script.throttle?.[call++] === "T") state.observe("throttled");
          await turns(script.slowness?.(firstDay) ?? 1);
          if (firstDay === script.failDay) throw new Error(`page 1 failed after retries: HTTP 500`);
          state.observe("ok");
          const page = rows.slice(offset, offset + script.pageRows);
          offset += page.length;
          pages++;
          items += page.length;
          await onPage({ groupBy: body.groupBy, items: page, page: pages });
          if (offset >= rows.length) return { pages, items };
          if (pages >= (options?.maxPages ?? Number.POSITIVE_INFINITY))
            return { pages, items, nextPage: String(offset) };
        }
      } finally {
        state.inFlight--;
      }
    },
  };
  return { source, calls, state };
}

async function fetchAll(script: Script, maxConcurrency = 4) {
  const scripted = scriptedSource(script);
  const parallel = new ParallelUsageSource(scripted.source, maxConcurrency);
  scripted.state.observe = parallel.observe;
  // The probe and the listing run alone; the parts may not start beyond the limit.
  scripted.state.limit = () => (scripted.calls.length <= 1 ? 1 : parallel.aimd.limit);
  const ids: string[] = [];
  const result = await parallel.fetchMonth(JUNE, (page: UsagePage) => {
    for (const item of page.items) ids.push(item.id as string);
  });
  return { ...scripted, parallel, ids, result };
}

const monthIds = (perDay: number) =>
  Array.from({ length: 30 * perDay }, (_, i) => `d${Math.floor(i / perDay) + 1}-${i % perDay}`);

describe("ParallelUsageSource", () => {
  it("hands the pages on in the parts' order when later parts finish first", async () => {
    const { ids, calls, state, result } = await fetchAll({
      perDay: 10,
      pageRows: 7,
      slowness: (firstDay) => 40 - firstDay,
    });
    expect(ids).toEqual(monthIds(10));
    expect(result.items).toBe(300);
    // The probe, the month's query going on from it as the first part, then the other parts: runs of
    // whole days covering the rest of the month once. The first page is asked for once.
    expect(calls[0]!.options).toEqual({ maxPages: 1 });
    const month = calls.filter((c) => c.body === JUNE);
    expect(month.map((c) => c.options)).toEqual([{ maxPages: 1 }, { from: "7", prefetch: false }]);
    const parts = calls.filter((c) => c.body !== JUNE).map((c) => c.body);
    expect(parts.length).toBeGreaterThan(4);
    expect(parts[0]!.timeUsageStarted).toBe("2025-06-02T00:00:00.000Z");
    for (let i = 1; i < parts.length; i++)
      expect(parts[i]!.timeUsageStarted).toBe(parts[i - 1]!.timeUsageEnded);
    expect(parts.at(-1)!.timeUsageEnded).toBe(JUNE.timeUsageEnded);
    expect(state.peak).toBe(4);
    expect(state.startedOver).toBe(0);
  });

  it("stops the first part at a page that begins the second one, without a half page", async () => {
    const pages: number[] = [];
    const scripted = scriptedSource({ perDay: 14, pageRows: 7 });
    const parallel = new ParallelUsageSource(scripted.source, 4);
    scripted.state.observe = parallel.observe;
    scripted.state.limit = () => parallel.aimd.limit + 1;
    await parallel.fetchMonth(JUNE, (page) => void pages.push(page.items.length));
    // Day 1 is two whole pages: the first part hands on both and then stops at day 2's first row.
    expect(pages.slice(0, 2)).toEqual([7, 7]);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(30 * 14);
    expect(scripted.calls.filter((c) => c.body === JUNE).map((c) => c.options)).toEqual([
      { maxPages: 1 },
      { from: "7", prefetch: false },
    ]);
  });

  it("runs no more parts than the limit, which scripted 429s halve", async () => {
    const { ids, state, parallel } = await fetchAll({
      perDay: 4,
      pageRows: 3,
      throttle: "......T.TT........T...TT",
    });
    expect(ids).toEqual(monthIds(4));
    expect(state.startedOver).toBe(0);
    // After the last scripted 429 the successes grew it back to the cap.
    expect(parallel.aimd.limit).toBe(4);
  });

  it("a month of one page is one call, as on the sequential path", async () => {
    const { ids, calls } = await fetchAll({ perDay: 1, pageRows: 100 });
    expect(ids).toEqual(monthIds(1));
    expect(calls).toHaveLength(1);
  });

  it("goes on from the first page's token when the month is too small to split", async () => {
    // 3 whole days on a page of 35 rows at 12 a day: about 10 pages, split. At 1 row a day and pages of 20:
    // about 1.5 pages, rounded to 2 parts; at pages of 25 it is 1.2: no split, the rest of the same query.
    const { ids, calls } = await fetchAll({ perDay: 1, pageRows: 25 });
    expect(ids).toEqual(monthIds(1));
    expect(calls.map((c) => c.options)).toEqual([{ maxPages: 1 }, { from: "25" }]);
  });

  it("with max-concurrency 1 is the source's own fetch, untouched", async () => {
    const { ids, calls } = await fetchAll({ perDay: 10, pageRows: 7 }, 1);
    expect(ids).toEqual(monthIds(10));
    expect(calls).toEqual([{ body: JUNE, options: undefined }]);
  });

  it("fails the month with the failed part's error and starts nothing after it", async () => {
    const scripted = scriptedSource({ perDay: 10, pageRows: 7, failDay: 9 });
    const parallel = new ParallelUsageSource(scripted.source, 4);
    scripted.state.observe = parallel.observe;
    scripted.state.limit = () => Number.POSITIVE_INFINITY;
    const ids: string[] = [];
    await expect(
      parallel.fetchMonth(JUNE, (page) => {
        for (const item of page.items) ids.push(item.id as string);
      }),
    ).rejects.toThrow("page 1 failed after retries: HTTP 500");
    // Every page before the failed part was handed on, none after it.
    expect(ids.at(-1)).toBe("d8-9");
    expect(scripted.state.inFlight).toBe(0);
  });
});
