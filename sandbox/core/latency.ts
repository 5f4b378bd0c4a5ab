// The sandbox's latency model: each OCI service answers after a fixed delay plus a seeded uniform jitter,
// and a tenancy's calls to a rate-limited service pass through a token bucket (429 with Retry-After when it is
// empty). The delay and the clock are injected so tests record delays and move time without waiting.
import { setTimeout as sleep } from "node:timers/promises";
import { mulberry32 } from "./random.js";

/** One service's response latency: `fixedMs` plus a uniform jitter in [0, `jitterMs`] (whole milliseconds). */
interface LatencySpec {
  fixedMs: number;
  jitterMs?: number;
}

/** The OCI-signed services of the one pipeline that take a latency. */
const LATENCY_SERVICES = ["usageapi", "functions", "apigateway", "artifacts", "iam"] as const;
export type LatencyService = (typeof LATENCY_SERVICES)[number];

/** Waits `ms` milliseconds (default: a timer); tests pass one that records and resolves at once. */
type Delay = (ms: number) => Promise<void>;

export interface LatencyOptions extends Partial<Record<LatencyService | "default", LatencySpec>> {
  /** Seed of the jitter (default the sandbox's data set seed); each service draws from its own sequence. */
  seed?: number;
  delay?: Delay;
}

/** What the pipeline awaits before it handles a request. */
export type ResponseLatency = () => Promise<void>;

/** A seeded sampler of `spec`'s delays: fixedMs + a whole number of ms drawn uniformly from [0, jitterMs]. */
export function latencySampler(spec: LatencySpec, seed: number): () => number {
  checkSpec(spec);
  const random = mulberry32(seed);
  const jitter = spec.jitterMs ?? 0;
  return () => spec.fixedMs + Math.floor(random() * (jitter + 1));
}

function checkSpec(spec: LatencySpec): void {
  const valid = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n >= 0);
  if (!valid(spec.fixedMs) || !valid(spec.jitterMs)) {
    throw new Error(`latency fixedMs and jitterMs must be finite numbers >= 0, got ${JSON.stringify(spec)}`);
  }
}

/** The response latency of `service` (its own spec, else `default`); undefined when neither is set. */
export function serviceLatency(
  options: LatencyOptions | undefined,
  service: LatencyService,
  fallbackSeed: number,
): ResponseLatency | undefined {
  const spec = options?.[service] ?? options?.default;
  if (!spec) return undefined;
  const sample = latencySampler(spec, (options?.seed ?? fallbackSeed) + LATENCY_SERVICES.indexOf(service));
  const delay = options?.delay ?? ((ms: number) => sleep(ms));
  return () => delay(sample());
}

/** A token bucket: `burst` tokens at most, refilled at `ratePerSecond`, on the injected clock (ms). */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    if (
      !(ratePerSecond > 0 && Number.isFinite(ratePerSecond)) ||
      !(Number.isSafeInteger(burst) && burst >= 1)
    ) {
      throw new Error(
        `rate limit needs requestsPerSecond > 0 and a whole burst >= 1, got ${ratePerSecond} and ${burst}`,
      );
    }
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes a token: 0 when one was there, else the whole seconds until one will be (for Retry-After). */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}

export interface RateLimitOptions {
  requestsPerSecond: number;
  burst: number;
  /** The clock in ms (default Date.now). */
  now?: () => number;
}

/** One token bucket per tenancy; `take` answers 0 (pass) or the seconds to wait. */
export type TenancyRateLimiter = (tenancyId: string) => number;

export function tenancyRateLimiter(options: RateLimitOptions): TenancyRateLimiter {
  const now = options.now ?? Date.now;
  new TokenBucket(options.requestsPerSecond, options.burst, now); // checks the options at start
  const buckets = new Map<string, TokenBucket>();
  return (tenancyId) => {
    let bucket = buckets.get(tenancyId);
    if (!bucket) {
      bucket = new TokenBucket(options.requestsPerSecond, options.burst, now);
      buckets.set(tenancyId, bucket);
    }
    return bucket.take();
  };
}

/** `SERVICE=FIXED[+JITTER]` flags (ms; SERVICE one of LATENCY_SERVICES or `default`) as latency options. */
export function parseLatencyFlags(flags: readonly string[]): LatencyOptions {
  const options: LatencyOptions = {};
  const names = [...LATENCY_SERVICES, "default"];
  for (const flag of flags) {
    const match = /^([a-z]+)=(\d+)(?:\+(\d+))?$/.exec(flag);
    const service = match?.[1] as LatencyService | "default" | undefined;
    if (!match || !service || !names.includes(service)) {
      throw new Error(
        `--latency '${flag}' must be SERVICE=FIXED[+JITTER] in ms, SERVICE one of ${names.join(", ")}`,
      );
    }
    options[service] = { fixedMs: Number(match[2]), jitterMs: Number(match[3] ?? 0) };
  }
  return options;
}
