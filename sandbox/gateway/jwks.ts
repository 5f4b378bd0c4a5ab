// Remote JWKS of JWT_AUTHENTICATION policies: fetched with a timeout, cached per URI for the policy's
// maxCacheDurationInHours, refetched on an unknown kid at most once per cooldown.
import { Agent, fetch as undiciFetch } from "undici";
import {
  DEFAULT_MAX_CACHE_DURATION_HOURS,
  importJwk,
  type KeyLookup,
  type RemoteJsonWebKeySet,
  type VerificationKey,
} from "./jwt-policy.js";

const MAX_JWKS_BYTES = 1024 * 1024;

interface JwksEntry {
  keys?: Map<string, VerificationKey>;
  fetchedAt: number;
  lastAttemptAt: number;
  fetches: number;
  inflight?: Promise<void>;
}

async function readLimited(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_JWKS_BYTES) throw new Error("JWKS too large");
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

export class JwksCache {
  private readonly entries = new Map<string, JwksEntry>();
  // Own agents: undici's default would become the process-wide dispatcher of Node's fetch (see src/lib/http.ts).
  private readonly agent = new Agent();
  private insecureAgent: Agent | undefined;

  constructor(
    private readonly now: () => number,
    private readonly cooldownMs: number,
    private readonly timeoutMs: number,
  ) {}

  private async fetchKeys(set: RemoteJsonWebKeySet): Promise<Map<string, VerificationKey>> {
    if (set.isSslVerifyDisabled) this.insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
    const res = await undiciFetch(set.uri, {
      redirect: "manual",
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(this.timeoutMs),
      dispatcher: set.isSslVerifyDisabled && this.insecureAgent ? this.insecureAgent : this.agent,
    });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw new Error(`JWKS answered ${res.status}`);
    }
    const doc = JSON.parse((await readLimited(res.body)).toString("utf8")) as { keys?: unknown };
    if (!Array.isArray(doc.keys)) throw new Error("JWKS has no keys array");
    const keys = new Map<string, VerificationKey>();
    for (const jwk of doc.keys) {
      const { key } = importJwk(jwk, "REMOTE_JWKS");
      if (key && !keys.has(key.kid)) keys.set(key.kid, key);
    }
    return keys;
  }

  private refresh(set: RemoteJsonWebKeySet, entry: JwksEntry): Promise<void> {
    entry.inflight ??= (async () => {
      entry.lastAttemptAt = this.now();
      entry.fetches++;
      try {
        entry.keys = await this.fetchKeys(set);
        entry.fetchedAt = this.now();
      } catch {
        // Keep whatever is cached: a warm cache keeps working through an outage, a cold one fails closed.
      } finally {
        entry.inflight = undefined;
      }
    })();
    return entry.inflight;
  }

  /** The key lookup of one remote set. */
  lookup(set: RemoteJsonWebKeySet): KeyLookup {
    const maxAgeMs = (set.maxCacheDurationInHours ?? DEFAULT_MAX_CACHE_DURATION_HOURS) * 3600_000;
    return async (kid) => {
      let entry = this.entries.get(set.uri);
      if (!entry) {
        entry = { fetchedAt: 0, lastAttemptAt: 0, fetches: 0 };
        this.entries.set(set.uri, entry);
      }
      if (entry.inflight) await entry.inflight;
      const canFetch = entry.fetches === 0 || this.now() - entry.lastAttemptAt >= this.cooldownMs;
      const fresh = entry.keys !== undefined && this.now() - entry.fetchedAt < maxAgeMs;
      if (canFetch && (!fresh || !entry.keys?.has(kid))) await this.refresh(set, entry);
      return entry.keys?.get(kid);
    };
  }

  /** Fetch attempts, for one URI or all. */
  fetches(uri?: string): number {
    if (uri !== undefined) return this.entries.get(uri)?.fetches ?? 0;
    let total = 0;
    for (const entry of this.entries.values()) total += entry.fetches;
    return total;
  }

  async close(): Promise<void> {
    await this.agent.close();
    await this.insecureAgent?.close();
  }
}
