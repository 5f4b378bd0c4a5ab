// One undici Agent for the action's own HTTP calls. Every undici call passes a dispatcher explicitly:
// undici's default would install its Agent as the process-wide global dispatcher, which Node 20's built-in
// fetch (used by the oci-sdk clients) then picks up, and Node 20's fetch and undici 7's Agent disagree on
// header formats ("invalid content-length header").
import { Agent, type Dispatcher } from "undici";
import { isNetworkError } from "./retry.js";

const MAX_BODY_BYTES = 1 << 20;

export interface Timeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 120_000 };

export function createAgent(timeouts: Timeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
}

let shared: Agent | undefined;

/** The process's one shared Agent for short calls (discovery documents, JWKS). */
export function defaultAgent(): Agent {
  shared ??= createAgent({ connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 });
  return shared;
}

/** Read a response body as text, refusing more than `max` bytes. */
export async function readBody(body: Dispatcher.ResponseData["body"], max = MAX_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(body, max)).toString("utf8");
}

/** The whole body as bytes, refusing more than `max`. */
export async function readBodyBytes(
  body: Dispatcher.ResponseData["body"],
  max = MAX_BODY_BYTES,
  tooLarge: () => Error = () => new Error(`response body larger than ${max} bytes`),
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** An HTTP answer worth another attempt (429, 5xx). */
export class RetryableHttpError extends Error {
  override name = "RetryableHttpError";
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** Retry 429/5xx answers and connection failures; everything else is final. */
export function classifyForRetry(err: unknown): { retry: boolean; retryAfterMs?: number; reason?: string } {
  if (err instanceof RetryableHttpError) {
    return {
      retry: true,
      reason: `HTTP ${err.status}`,
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    };
  }
  if (isNetworkError(err)) {
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    return { retry: true, reason: `network error ${code ?? ""}`.trim() };
  }
  return { retry: false };
}
