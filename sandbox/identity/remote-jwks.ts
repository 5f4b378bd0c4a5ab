// A trust's public keys, fetched from its publicKeyEndpoint over HTTP as the real domain fetches an external
// issuer's JWKS: cached briefly per URL (the clock is injected), each fetch bounded by a timeout, and an
// outage or a body that is no JWKS reported as one line naming the URL.
import type { JSONWebKeySet } from "jose";

export class JwksUnavailableError extends Error {}

export interface RemoteJwksOptions {
  /** How long a fetched JWKS is used before it is fetched again (default 60 s). */
  cacheMs?: number;
  /** Longest wait for a JWKS answer (default 5 s). */
  timeoutMs?: number;
  now?: () => number;
}

export function remoteJwks(opts: RemoteJwksOptions = {}) {
  const cacheMs = opts.cacheMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { jwks: JSONWebKeySet; fetchedAt: number }>();

  async function fetchJwks(url: string): Promise<JSONWebKeySet> {
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: "application/json" },
      });
    } catch (err) {
      const reason =
        (err as Error).name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : String((err as Error).message);
      throw new JwksUnavailableError(`the JWKS at ${url} could not be fetched (${reason})`);
    }
    if (!res.ok) throw new JwksUnavailableError(`the JWKS at ${url} answered HTTP ${res.status}`);
    const body = (await res.json().catch(() => undefined)) as { keys?: unknown } | undefined;
    if (!body || !Array.isArray(body.keys))
      throw new JwksUnavailableError(`the answer of ${url} is not a JWKS (no "keys" array)`);
    return body as JSONWebKeySet;
  }

  return {
    /** The JWKS at `url`, from the cache while it is fresh; `refresh` skips the cache (an unknown kid). */
    async get(url: string, refresh = false): Promise<JSONWebKeySet> {
      const cached = cache.get(url);
      if (cached && !refresh && now() - cached.fetchedAt < cacheMs) return cached.jwks;
      const jwks = await fetchJwks(url);
      cache.set(url, { jwks, fetchedAt: now() });
      return jwks;
    },
  };
}

export type RemoteJwks = ReturnType<typeof remoteJwks>;
