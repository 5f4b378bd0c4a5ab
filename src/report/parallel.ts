// Bounded parallel fetching of one month. The month's first page is fetched alone: a month of one page is
// done (the same single call as the sequential path), and a month of more is cut into disjoint parts
// (split.ts) that are fetched at once, as many in flight as the AIMD controller allows (lib/aimd.ts, capped
// by `max-concurrency`). The parts' pages reach `onPage` in the parts' order, so the report bytes are the
// sequential path's: the first part streams, the later ones wait in memory (a bounded number of pages
// each) until their turn.
import { Aimd } from "../lib/aimd.js";
import type { UsageItem } from "./columns.js";
import type { CallOutcome, FetchMonthOptions, FetchResult, UsagePage, UsageRequest } from "./endpoint.js";
import { dayParts, estimatePages, leadingParts, pastFirstPart, planSplit } from "./split.js";

/** What the parallel source reads from: the endpoint client (its fetchMonth with start and stop options). */
export interface PagedSource {
  fetchMonth(
    body: UsageRequest,
    onPage: (page: UsagePage) => Promise<void> | void,
    options?: FetchMonthOptions,
  ): Promise<FetchResult>;
  close?(): Promise<void>;
}

type OnPage = (page: UsagePage) => Promise<void> | void;

/** How one part's pages are fetched, each handed to `handle` in order. */
type PartFetch = (handle: OnPage) => Promise<unknown>;

/** Thrown by the first part's page handler to stop its query where the second part begins. */
const FIRST_PART_ENDED = new Error("the first part ended");

/** Pages a part that is not yet streaming may hold before it stops fetching (its memory bound). */
const MAX_WAITING_PAGES = 16;

/** One part's pages between its fetch and its turn. */
class PartQueue {
  readonly pages: UsagePage[] = [];
  done = false;
  error: unknown;
  private wake: (() => void) | undefined;
  private space: (() => void) | undefined;

  /** The consumer waits here for a page or the end. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The producer waits here while the queue is full. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.space = resolve;
    });
  }

  notify(): void {
    this.wake?.();
    this.wake = undefined;
  }

  release(): void {
    this.space?.();
    this.space = undefined;
  }
}

export class ParallelUsageSource {
  readonly aimd: Aimd;

  constructor(
    private readonly source: PagedSource,
    maxConcurrency: number,
    private readonly log?: (line: string) => void,
  ) {
    this.aimd = new Aimd(maxConcurrency);
  }

  /** For the endpoint client's `onCall`: every request's outcome moves the limit. */
  readonly observe = (outcome: CallOutcome): void => {
    if (outcome === "ok") this.aimd.succeeded();
    else if (outcome === "throttled") {
      this.aimd.throttled();
      this.log?.(`the endpoint is throttling (HTTP 429): at most ${this.aimd.limit} request(s) at once now`);
    }
    this.schedule?.();
  };

  /** Starts the parts the current limit allows (set while a month's parts run). */
  private schedule: (() => void) | undefined;

  close(): Promise<void> {
    return this.source.close?.() ?? Promise.resolve();
  }

  async fetchMonth(body: UsageRequest, onPage: OnPage): Promise<FetchResult> {
    const plan = planSplit(body);
    if (this.aimd.max === 1 || plan.kind === "none") return this.source.fetchMonth(body, onPage);
    // One page, handed on as it comes (a source that does not stop early hands over the whole month).
    const held: UsagePage[] = [];
    const probe = await this.source.fetchMonth(body, (page) => void held.push(page), { maxPages: 1 });
    const handOn = async () => {
      for (const page of held.splice(0)) await onPage(page);
    };
    if (probe.nextPage === undefined) {
      await handOn();
      return probe;
    }
    const parts = await this.partsOf(body, plan, held[0]?.items ?? []);
    if (parts === undefined) {
      // No split: the first page, then the rest of the same query.
      await handOn();
      const rest = await this.source.fetchMonth(body, onPage, { from: probe.nextPage });
      return { pages: probe.pages + rest.pages, items: probe.items + rest.items };
    }
    this.log?.(`fetching the month as ${parts.length} parts, up to ${this.aimd.max} at once`);
    // The first part is the month's own query gone on from its first page, stopped where the second part
    // begins: the first page is not asked for twice.
    const past = pastFirstPart(parts, plan.kind === "leading" ? plan.dimension : undefined);
    const first: PartFetch = (handle) => this.continueFirst(body, held, probe.nextPage, past, handle);
    return this.fetchParts([first, ...parts.slice(1).map((part) => this.partFetch(part))], onPage);
  }

  /** A part fetched as a query of its own, one page ahead (a part waiting its turn holds one more). */
  private partFetch(part: UsageRequest): PartFetch {
    return (handle) => this.source.fetchMonth(part, handle, { prefetch: true });
  }

  /**
   * The month's first page, then its query from `from` on, each page cut before its first item `past`
   * the first part; no page is asked for once one was cut (so none is read ahead).
   */
  private async continueFirst(
    body: UsageRequest,
    held: UsagePage[],
    from: string | undefined,
    past: (item: UsageItem) => boolean,
    handle: OnPage,
  ): Promise<void> {
    let ended = false;
    const cut = async (page: UsagePage): Promise<void> => {
      const end = page.items.findIndex(past);
      if (end === -1) return handle(page);
      ended = true;
      // The items' canonical text is dropped with the cut: the JSON writer then writes them itself.
      if (end > 0) await handle({ groupBy: page.groupBy, items: page.items.slice(0, end), page: page.page });
      throw FIRST_PART_ENDED;
    };
    try {
      for (const page of held.splice(0)) await cut(page);
      if (from !== undefined) await this.source.fetchMonth(body, cut, { from, prefetch: false });
    } catch (err) {
      if (!(ended && err === FIRST_PART_ENDED)) throw err;
    }
  }

  private async partsOf(
    body: UsageRequest,
    plan: Exclude<ReturnType<typeof planSplit>, { kind: "none" }>,
    firstItems: UsagePage["items"],
  ): Promise<UsageRequest[] | undefined> {
    if (plan.kind === "days") {
      const count = Math.min(plan.days, Math.round(estimatePages(body, firstItems)));
      return count >= 2 ? dayParts(body, count) : undefined;
    }
    const listing: UsagePage["items"] = [];
    await this.source.fetchMonth(plan.listing, (page) => {
      for (const item of page.items) listing.push(item);
    });
    return leadingParts(body, plan.dimension, listing);
  }

  /** Every part fetched, at most `aimd.limit` at once, their pages handed on in the parts' order. */
  private async fetchParts(parts: PartFetch[], onPage: OnPage): Promise<FetchResult> {
    const queues = parts.map(() => new PartQueue());
    const running = new Set<Promise<void>>();
    let next = 0;
    let head = 0;
    let stopped = false;
    const start = (index: number): void => {
      const queue = queues[index]!;
      const run = parts[index]!(async (page) => {
        if (stopped) throw new Error("the month was given up");
        queue.pages.push(page);
        queue.notify();
        while (index !== head && queue.pages.length >= MAX_WAITING_PAGES && !stopped) await queue.drained();
      })
        .then(
          () => {
            queue.done = true;
          },
          (err: unknown) => {
            queue.error = err ?? new Error("a part failed");
            queue.done = true;
          },
        )
        .finally(() => {
          running.delete(run);
          queue.notify();
          this.schedule?.();
        });
      running.add(run);
    };
    this.schedule = () => {
      while (!stopped && next < parts.length && running.size < this.aimd.limit) start(next++);
    };
    let pages = 0;
    let items = 0;
    try {
      this.schedule();
      for (; head < parts.length; head++) {
        const queue = queues[head]!;
        queue.release();
        for (;;) {
          const page = queue.pages.shift();
          if (page !== undefined) {
            pages++;
            items += page.rows?.count ?? page.items.length;
            await onPage(page);
            continue;
          }
          if (queue.error !== undefined) throw queue.error;
          if (queue.done) break;
          await queue.changed();
        }
      }
      return { pages, items };
    } finally {
      stopped = true;
      this.schedule = undefined;
      for (const queue of queues) queue.release();
      // No request outlives the month: the parts still running finish (bounded by the retries and the budget).
      await Promise.all(running);
    }
  }
}
