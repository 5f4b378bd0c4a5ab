// The time source a flow runs on: injected so that tests run instantly and repeat.

/** Wall-clock time, and optionally the sleep and randomness that retries use. */
export interface Clock {
  now: () => number;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
}
