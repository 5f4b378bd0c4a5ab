// What the token and the endpoint clients share about each remote call: retries run on the run's clock
// and stop at its deadline (the time budget), and each request's timeouts are cut to the time left.
import type { Dispatcher } from "undici";
import type { Clock } from "../lib/clock.js";
import { classifyForRetry, DEFAULT_TIMEOUTS, type Timeouts } from "../lib/http.js";
import { type RetryPolicy, withRetry } from "../lib/retry.js";

/** The options both clients take for their calls. */
export interface RemoteCallOptions {
  clock: Clock;
  /** Absolute time (ms) after which no attempt starts: the run's time budget. */
  deadline?: number | undefined;
  retry?: RetryPolicy;
  timeouts?: Timeouts;
  dispatcher?: Dispatcher | undefined;
  log?: ((line: string) => void) | undefined;
}

/**
 * `attempt` under `policy`, retried on transient HTTP and network failures until the deadline; each retry
 * is logged with the line `retryLine` makes of it.
 */
export function retryCall<T>(
  options: RemoteCallOptions,
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  retryLine: (retry: { attempt: number; delayMs: number; reason: string }) => string,
): Promise<T> {
  const { clock } = options;
  return withRetry(attempt, classifyForRetry, {
    ...policy,
    deadline: options.deadline,
    now: clock.now,
    sleep: clock.sleep,
    random: clock.random,
    onRetry: (retry) => options.log?.(retryLine(retry)),
  });
}

/** The ms left before the deadline (Infinity without one). */
export function timeLeft(options: RemoteCallOptions): number {
  return options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - options.clock.now();
}

/** undici's header and body timeouts for one request: the configured ones, cut to `remaining` (1 ms at least). */
export function requestTimeouts(
  options: RemoteCallOptions,
  remaining: number,
): { headersTimeout: number; bodyTimeout: number } {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  return {
    headersTimeout: Math.max(1, Math.min(timeouts.headersMs, remaining)),
    bodyTimeout: Math.max(1, Math.min(timeouts.bodyMs, remaining)),
  };
}
