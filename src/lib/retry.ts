// One retry helper for every remote call: capped exponential backoff with full jitter
// (sleep = random(0, min(cap, base * 2^attempt))), Retry-After honoured, bounded by attempts and a deadline.
// Sleep, clock and randomness are injectable so tests run instantly and repeat.

interface RetryDecision {
  retry: boolean;
  /** Server-requested wait (Retry-After), in ms. Used instead of the jittered delay when larger. */
  retryAfterMs?: number;
  /** Short reason for the log line of the retry. */
  reason?: string;
}

/** The attempts and backoff of a retried call (RetryOptions without the clock). */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxDelayMs: number;
}

export interface RetryOptions {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseMs: number;
  maxDelayMs: number;
  /** Absolute time (ms since epoch) after which no further attempt starts. */
  deadline?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * Thrown when the next wait would cross the deadline; carries the last error, the server's wait
 * (Retry-After) and the wait the retry would have taken (the larger of it and the jittered backoff).
 */
export class RetryDeadlineError extends Error {
  override name = "RetryDeadlineError";
  constructor(
    readonly lastError: unknown,
    readonly retryAfterMs: number | undefined,
    readonly delayMs?: number,
  ) {
    super("the retry deadline was reached");
  }
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The exponential ceiling for a 0-based retry number: min(max, base * 2^retry). */
export function backoffCeiling(retry: number, baseMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseMs * 2 ** Math.min(retry, 30));
}

/** Full-jitter delay for a 0-based retry number: random(0, ceiling). */
export function backoffDelay(
  retry: number,
  baseMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  return Math.floor(random() * backoffCeiling(retry, baseMs, maxDelayMs));
}

/**
 * Retry-After (RFC 9110 §10.2.3) as ms from `now`: delay-seconds (digits only) or an HTTP-date in the
 * IMF-fixdate form servers send; undefined when absent or anything else.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Run `attempt` until it succeeds, `classify` says the error is final, attempts run out, or the next wait
 * would cross the deadline (then RetryDeadlineError). The attempt number passed in is 1-based.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  classify: (err: unknown) => RetryDecision,
  options: RetryOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const decision = classify(err);
      if (!decision.retry || n >= options.maxAttempts) throw err;
      const jittered = backoffDelay(n - 1, options.baseMs, options.maxDelayMs, random);
      const delayMs = Math.max(jittered, decision.retryAfterMs ?? 0);
      if (options.deadline !== undefined && now() + delayMs >= options.deadline) {
        throw new RetryDeadlineError(err, decision.retryAfterMs, delayMs);
      }
      options.onRetry?.({ attempt: n, delayMs, reason: decision.reason ?? "retryable error" });
      await sleep(delayMs);
    }
  }
}

/** HTTP statuses worth another attempt: throttling and server-side failures (not 501). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** True for connection-level failures (resets, refused, timeouts), looking through `cause` chains. */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
