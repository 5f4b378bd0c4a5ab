// Additive increase, multiplicative decrease: how many calls may be in flight at once. Each call that
// succeeds adds one (up to the cap); each call the server throttled (HTTP 429) halves the limit (down to
// one). Pure: the caller reports outcomes and reads `limit`; the waits themselves are retry.ts's.

export class Aimd {
  private current: number;

  constructor(
    /** The most calls in flight at once (the `max-concurrency` input). */
    readonly max: number,
    initial = 1,
  ) {
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError(`AIMD cap must be a whole number >= 1, got ${max}`);
    this.current = Math.min(max, Math.max(1, Math.floor(initial)));
  }

  /** Calls that may be in flight now. */
  get limit(): number {
    return this.current;
  }

  /** A call succeeded: one more may run, up to the cap. */
  succeeded(): void {
    this.current = Math.min(this.max, this.current + 1);
  }

  /** A call was throttled: half as many may run, at least one. */
  throttled(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
  }
}
