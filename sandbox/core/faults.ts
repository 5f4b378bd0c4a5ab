// Fault injection shared by every emulator. A service asks its injector for the fault of each request;
// faults come from a script (consumed in order) or from a rate (a seeded PRNG, so runs repeat).

import { mulberry32 } from "./random.js";

export type Fault =
  /** Answer with this status and an OCI-style JSON error body instead of the real answer. */
  | { type: "status"; status: number; code?: string; message?: string; retryAfter?: number | string }
  /** Destroy the connection without answering (ECONNRESET at the client). */
  | { type: "reset" }
  /** Wait before answering normally. */
  | { type: "delay"; ms: number }
  /** Answer normally but send the body in `chunks` pieces with `chunkDelayMs` between them. */
  | { type: "slowBody"; chunkDelayMs: number; chunks?: number };

interface FaultRule {
  fault: Fault;
  /** Probability in [0, 1] that a request gets this fault. */
  probability: number;
}

/** Default error codes of the OCI error envelope per status (apierrors.htm). */
export function defaultErrorCode(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: "InvalidParameter", message: "Invalid parameter" };
    case 401:
      return {
        code: "NotAuthenticated",
        message: "The required information to complete authentication was not provided or was incorrect.",
      };
    case 404:
      return {
        code: "NotAuthorizedOrNotFound",
        message: "Authorization failed or requested resource not found.",
      };
    case 409:
      return {
        code: "IncorrectState",
        message: "The resource is in a state that does not allow the operation.",
      };
    case 429:
      return { code: "TooManyRequests", message: "Too many requests for the user" };
    case 500:
      return { code: "InternalServerError", message: "Internal Server Error" };
    case 502:
      return { code: "BadGateway", message: "Bad Gateway" };
    case 503:
      return { code: "ServiceUnavailable", message: "Service Unavailable" };
    case 504:
      return { code: "GatewayTimeout", message: "Gateway Timeout" };
    default:
      return { code: "Error", message: `HTTP ${status}` };
  }
}

type RequestFilter = (info: { method: string; path: string }) => boolean;
/** Picks one request's fault (or none); may act on the sandbox too, e.g. move a clock. */
type FaultChooser = (info: { method: string; path: string }) => Fault | undefined;

export class FaultInjector {
  readonly name: string;
  private queue: Fault[] = [];
  private rules: FaultRule[] = [];
  private random: () => number = mulberry32(1);
  private filter: RequestFilter | undefined;
  private chooser: FaultChooser | undefined;
  /** How many faults were handed out since the last clear(), for assertions. */
  injected = 0;
  /** How many requests asked, faulted or not. */
  seen = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** Queue faults: the next requests get them one by one, in order. */
  script(...faults: Fault[]): this {
    this.queue.push(...faults);
    return this;
  }

  /** Give each request `fault` with the probability `probability` (seeded, repeatable). */
  rate(fault: Fault, probability: number, seed = 1): this {
    if (!(probability >= 0 && probability <= 1))
      throw new Error(`fault rate must be in [0, 1], got ${probability}`);
    this.rules.push({ fault, probability });
    this.random = mulberry32(seed);
    return this;
  }

  /**
   * Let `choose` pick each request's fault after the script runs out and before the rates (e.g. a test's
   * seeded plan across several kinds of fault); undefined: no fault from it.
   */
  plan(choose: FaultChooser | undefined): this {
    this.chooser = choose;
    return this;
  }

  /** Only requests the filter accepts take faults (e.g. one path of a service). */
  only(filter: RequestFilter | undefined): this {
    this.filter = filter;
    return this;
  }

  clear(): void {
    this.queue = [];
    this.rules = [];
    this.filter = undefined;
    this.chooser = undefined;
    this.injected = 0;
    this.seen = 0;
  }

  /** Pending scripted faults. */
  get pending(): number {
    return this.queue.length;
  }

  /** The fault for this request, if any. */
  next(info: { method: string; path: string } = { method: "", path: "" }): Fault | undefined {
    if (this.filter && !this.filter(info)) return undefined;
    this.seen++;
    const scripted = this.queue.shift();
    if (scripted) {
      this.injected++;
      return scripted;
    }
    const chosen = this.chooser?.(info);
    if (chosen) {
      this.injected++;
      return chosen;
    }
    for (const rule of this.rules) {
      if (this.random() < rule.probability) {
        this.injected++;
        return rule.fault;
      }
    }
    return undefined;
  }
}

const SERVICES = [
  "identity",
  "jwks",
  "usage",
  "gateway",
  "functions",
  "apigateway",
  "registry",
  "fn",
] as const;
export type ServiceName = (typeof SERVICES)[number];
export type Faults = Record<ServiceName, FaultInjector> & { clearAll(): void };

export function createFaults(): Faults {
  const entries = SERVICES.map((s) => [s, new FaultInjector(s)] as const);
  const faults = Object.fromEntries(entries) as Record<ServiceName, FaultInjector>;
  return Object.assign(faults, {
    clearAll() {
      for (const [, injector] of entries) injector.clear();
    },
  });
}
