// Waiting for OCI to finish a change: the function to be ACTIVE, a work request to succeed, a deployment to
// be ACTIVE. One poll loop with one deadline (`wait-timeout`): the interval starts at pollMs and grows by half
// each time, up to maxPollMs; a wait that would pass the deadline is not started.
import { realSleep } from "../lib/retry.js";

export interface Waiting {
  deadline: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** First poll interval; it grows by half each time, up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
  log?: (line: string) => void;
}

/** What one poll found: the result, or that it is not there yet (and what to say while waiting). */
export type PollResult<T> =
  | { done: true; value: T }
  | {
      done: false;
      /** Logged before each wait. */
      waitingLine: string;
      /** The error to throw when the next wait would pass the deadline. */
      timedOut: () => Error;
      /** The wait before the next poll, given the interval the loop is at (default: that interval). */
      waitMs?: (intervalMs: number) => number;
    };

/** Poll until `poll` says done; it throws to end the wait with a failure. */
export async function pollUntilDone<T>(waiting: Waiting, poll: () => Promise<PollResult<T>>): Promise<T> {
  const sleep = waiting.sleep ?? realSleep;
  const now = waiting.now ?? Date.now;
  let interval = waiting.pollMs ?? 500;
  for (;;) {
    const result = await poll();
    if (result.done) return result.value;
    const wait = result.waitMs?.(interval) ?? interval;
    if (now() + wait > waiting.deadline) throw result.timedOut();
    waiting.log?.(result.waitingLine);
    await sleep(wait);
    interval = Math.min(Math.round(interval * 1.5), waiting.maxPollMs ?? 5_000);
  }
}
