// The sandbox's container registry: the part of the OCI distribution spec a push and a pull use, on
// 127.0.0.1, answering the way distribution 2.8 (Debian's docker-registry) does where the spec leaves room:
// an index is hidden from clients that do not Accept its type; a mount from a repository without the blob
// falls back to 202; an index whose children are missing is refused with 400 MANIFEST_BLOB_UNKNOWN; error
// bodies are {errors:[{code,message,detail}]}. routes.ts has the operations, store.ts the state, auth.ts
// the token service and its checks, seed.ts the images seeded in-process and pull.ts the Fn agent's pull.
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultInjector } from "../core/faults.js";
import { type Listening, listen, newRequestId, pathOf, takeFault } from "../core/http.js";
import { RegistryAuth, type RegistryAuthMode, TOKEN_PATH } from "./auth.js";
import { type RegistryContext, type RegistryStats, routeRegistryRequest } from "./routes.js";
import { type SandboxPlatform, type SeededImage, type SeedOptions, seedImage } from "./seed.js";
import { RegistryStore, type StoredManifest } from "./store.js";

export { type PulledFunction, pullFunction } from "./pull.js";
export type { SandboxPlatform, SeededImage };

export interface RegistryOptions {
  auth?: RegistryAuthMode;
  faults?: FaultInjector;
  port?: number;
  /** Answer blob GETs with 307 to a second listener, like a registry in front of object storage. */
  redirectBlobs?: boolean;
  /** Sent as OCI-Chunk-Min-Length on upload sessions. */
  chunkMinLength?: number;
  /** Refuse a PUT body larger than this with 413 (exercises the client's chunked fallback). */
  maxPutBodyBytes?: number;
  /** Clock of token expiry (ms). */
  now?: () => number;
}

export interface Registry {
  url: string;
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  port: number;
  /** Token endpoint URL (bearer mode). */
  tokenUrl: string | undefined;
  faults: FaultInjector;
  stats: RegistryStats;
  resetStats(): void;
  seedImage(options: SeedOptions): SeededImage;
  /** Stored manifest by tag or digest. */
  manifest(repository: string, reference: string): (StoredManifest & { digest: string }) | undefined;
  blob(digest: string): Buffer | undefined;
  hasBlob(repository: string, digest: string): boolean;
  tags(repository: string): string[];
  repositories(): string[];
  close(): Promise<void>;
}

function emptyStats(): RegistryStats {
  return {
    requests: {},
    blobBytesReceived: 0,
    mounts: 0,
    mountMisses: 0,
    tokenRequests: [],
    foreignAuthorization: [],
  };
}

function kindOf(path: string): string {
  if (path === "/v2/" || path === "/v2") return "ping";
  if (path === TOKEN_PATH) return "token";
  if (path.includes("/blobs/uploads")) return "upload";
  if (path.includes("/blobs/")) return "blob";
  if (path.includes("/manifests/")) return "manifest";
  if (path.endsWith("/tags/list")) return "tags";
  return "other";
}

function count(stats: RegistryStats, method: string | undefined, kind: string): void {
  stats.requests[`${method} ${kind}`] = (stats.requests[`${method} ${kind}`] ?? 0) + 1;
}

/** The blob store behind redirects: serves blobs by digest, recording any Authorization it is sent. */
function blobStore(store: RegistryStore, stats: () => RegistryStats): Promise<Listening> {
  return listen((req, res) => {
    if (req.headers.authorization) stats().foreignAuthorization.push(req.headers.authorization);
    const digest = /^\/blob\/(sha256:[a-f0-9]{64})$/.exec(pathOf(req))?.[1];
    const data = digest ? store.blobs.get(digest) : undefined;
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
    res.end(req.method === "HEAD" ? undefined : data);
  });
}

/** The token endpoint on "another host", recording any Authorization it is sent. */
function tokenServer(auth: RegistryAuth, stats: () => RegistryStats): Promise<Listening> {
  return listen((req, res) => {
    count(stats(), req.method, "token");
    if (pathOf(req) !== TOKEN_PATH || req.method !== "GET") return void res.writeHead(404).end();
    if (req.headers.authorization) stats().foreignAuthorization.push(req.headers.authorization);
    auth.handleToken(req, res);
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const authMode: RegistryAuthMode = options.auth ?? { mode: "none" };
  const faults = options.faults ?? new FaultInjector("registry");
  let stats = emptyStats();
  const currentStats = () => stats;
  const store = new RegistryStore();
  const auth = new RegistryAuth(authMode, options.now ?? Date.now, () => stats.tokenRequests);
  const blobs = options.redirectBlobs ? await blobStore(store, currentStats) : undefined;
  const tokens =
    authMode.mode === "bearer" && authMode.separateTokenServer
      ? await tokenServer(auth, currentStats)
      : undefined;
  auth.tokenServerUrl = tokens?.url;
  const ctx: RegistryContext = {
    store,
    auth,
    stats: currentStats,
    chunkMinLength: options.chunkMinLength,
    maxPutBodyBytes: options.maxPutBodyBytes,
    blobStoreUrl: blobs?.url,
    servesToken: !tokens,
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req);
    count(stats, req.method ?? "GET", kindOf(path));
    const fault = await takeFault(faults, req, res, newRequestId());
    if (fault === "handled") return;
    await routeRegistryRequest(ctx, req, res, path);
  };
  const main = await listen(handler, options.port ?? 0);
  auth.mainUrl = main.url;
  return {
    url: main.url,
    host: `127.0.0.1:${main.port}`,
    port: main.port,
    tokenUrl: authMode.mode === "bearer" ? auth.realm() : undefined,
    faults,
    get stats() {
      return stats;
    },
    resetStats() {
      stats = emptyStats();
    },
    seedImage: (seed) => seedImage(store, seed),
    manifest: (repository, reference) => store.lookupManifest(repository, reference),
    blob: (digest) => store.blobs.get(digest),
    hasBlob: (repository, digest) => store.hasBlob(repository, digest),
    tags: (repository) => store.tags(repository),
    repositories: () => store.repositories(),
    async close() {
      await Promise.all([main.close(), blobs?.close(), tokens?.close()]);
    },
  };
}
