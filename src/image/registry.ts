// A small client of the OCI distribution API: what a push needs and nothing more. It follows the spec the way
// go-containerregistry does (HEAD -> mount -> upload, manifests by digest then by tag), checks every digest
// the registry states, and retries 429/5xx/network failures through the project's one retry helper. An
// upload is retried as a whole (a new session), never by re-sending one PATCH of unknown outcome.
import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { type Dispatcher, request } from "undici";
import { defaultAgent, readBodyBytes } from "../lib/http.js";
import {
  isNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  RetryDeadlineError,
  type RetryOptions,
  withRetry,
} from "../lib/retry.js";
import { type Credentials, RegistryAuth, type TokenTransport } from "./auth.js";
import { DigestMismatchError, RegistryError, registryHttpError } from "./errors.js";
import { sha256 } from "./layer.js";
import { type Built, bareMediaType, MANIFEST_ACCEPT } from "./manifest.js";
import { isLoopbackRegistry, registryBaseUrl } from "./reference.js";

export interface RegistryClientOptions {
  /** Registry as in the reference: `iad.ocir.io`, `docker.io`, `127.0.0.1:5000`. */
  registry: string;
  credentials?: Credentials;
  /** Token scopes asked for up front (see repositoryScope). */
  scopes?: readonly string[];
  /** Force http (true) or https (false); default: http on loopback only. */
  plainHttp?: boolean;
  dispatcher?: Dispatcher;
  /** Overrides of the retry policy (attempts, delays, injected sleep and clock). */
  retry?: Partial<RetryOptions>;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Registers a secret with the log masker (core.setSecret in the action). */
  mask?: (secret: string) => void;
  /** Token realm hosts, besides the registry's own, that may receive the credentials. */
  trustedRealmHosts?: readonly string[];
  /** Blobs larger than this go up in chunks (PATCH); default 64 MiB. */
  monolithicLimit?: number;
  /** Chunk size of chunked uploads; default 8 MiB (raised to the registry's OCI-Chunk-Min-Length). */
  chunkSize?: number;
  log?: (line: string) => void;
  userAgent?: string;
}

interface RegistryCounters {
  requests: number;
  retries: number;
  /** Blob bytes sent in PATCH/PUT bodies (including attempts that failed). */
  blobBytesUploaded: number;
  manifestBytesUploaded: number;
}

interface FetchedManifest {
  bytes: Buffer;
  /** Content-Type of the answer, without parameters. */
  mediaType: string;
  digest: string;
}

interface BlobStream {
  stream: Readable;
  size: number;
}

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
type Body = Buffer | (() => Readable);
type Headers = Record<string, string | string[] | undefined>;

interface SendInit {
  method: Method;
  url: string;
  headers?: Record<string, string>;
  body?: Body;
  /** Statuses that are an answer; any other throws a RegistryError. */
  ok: readonly number[];
  /** Follow 3xx (GET/HEAD of blobs and manifests only); credentials never go to another origin. */
  redirects?: boolean;
  repository?: string;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Dispatcher.ResponseData["body"];
  url: string;
}

const MAX_REDIRECTS = 5;
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;
const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, baseMs: 250, maxDelayMs: 8_000 };

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Resolve a Location header (relative or absolute) against the URL it answered. */
export function resolveLocation(requestUrl: string, location: string): string {
  return new URL(location, requestUrl).href;
}

/** Append a query parameter without re-encoding the opaque parts of an upload URL. */
export function appendQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf("#");
  const base = hash >= 0 ? url.slice(0, hash) : url;
  const sep = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return `${base}${sep}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/** The end offset of a `Range: 0-<end>` (or `bytes=0-<end>`) upload answer, or undefined. */
export function parseRangeEnd(value: string | undefined): number | undefined {
  const m = /^(?:bytes=)?(\d+)-(\d+)$/.exec((value ?? "").trim());
  return m ? Number(m[2]) : undefined;
}

function readLimited(body: Reply["body"], limit: number, what: string): Promise<Buffer> {
  return readBodyBytes(body, limit, () => new Error(`${what} is larger than ${limit} bytes`));
}

async function readText(body: Reply["body"]): Promise<string> {
  try {
    return (await readLimited(body, ERROR_BODY_LIMIT, "error body")).toString("utf8");
  } catch {
    return "";
  }
}

/** Re-slice a byte stream into chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  size: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  for await (const piece of source) {
    let chunk = piece;
    while (pendingSize + chunk.length >= size) {
      const take = size - pendingSize;
      pending.push(chunk.subarray(0, take));
      yield Buffer.concat(pending);
      chunk = chunk.subarray(take);
      pending = [];
      pendingSize = 0;
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingSize += chunk.length;
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending);
}

/** A blob to upload: a buffer, or a way to open a stream of known size (reopened on each attempt). */
type BlobSource = { data: Buffer } | { size: number; open: () => Promise<Readable> };

export class RegistryClient {
  readonly registry: string;
  /** `https://host[:port]` (or http on loopback). */
  readonly origin: string;
  readonly auth: RegistryAuth;
  readonly counters: RegistryCounters = {
    requests: 0,
    retries: 0,
    blobBytesUploaded: 0,
    manifestBytesUploaded: 0,
  };
  private readonly options: RegistryClientOptions;
  private readonly retryOptions: RetryOptions;

  constructor(options: RegistryClientOptions) {
    this.options = options;
    this.registry = options.registry;
    this.origin = registryBaseUrl(
      options.registry,
      options.plainHttp ?? isLoopbackRegistry(options.registry),
    );
    this.retryOptions = { ...DEFAULT_RETRY, ...options.retry };
    const transport: TokenTransport = (url, headers) =>
      this.retrying(`token request to ${new URL(url).origin}`, async () => {
        this.counters.requests++;
        const res = await request(url, {
          method: "GET",
          headers: { "user-agent": this.userAgent, ...headers },
          dispatcher: this.options.dispatcher ?? defaultAgent(),
          headersTimeout: this.options.headersTimeoutMs ?? 60_000,
          bodyTimeout: this.options.bodyTimeoutMs ?? 60_000,
        });
        const body = await readText(res.body);
        if (isRetryableStatus(res.statusCode)) {
          throw new RegistryError(
            `registry ${this.registry}: the token service answered HTTP ${res.statusCode}`,
            {
              registry: this.registry,
              status: res.statusCode,
              retryAfter: header(res.headers, "retry-after"),
            },
          );
        }
        return { status: res.statusCode, headers: res.headers, body };
      });
    this.auth = new RegistryAuth({
      registry: options.registry,
      origin: this.origin,
      credentials: options.credentials,
      scopes: options.scopes ?? [],
      transport,
      now: options.retry?.now,
      mask: options.mask,
      trustedRealmHosts: options.trustedRealmHosts,
    });
  }

  private get userAgent(): string {
    return this.options.userAgent ?? "usage-api-action";
  }

  private url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Run `fn` with the retry policy; a final network failure becomes one readable RegistryError. */
  private async retrying<T>(
    what: string,
    fn: () => Promise<T>,
    extra?: (err: unknown) => boolean,
  ): Promise<T> {
    const now = this.retryOptions.now ?? Date.now;
    try {
      return await withRetry(
        () => fn(),
        (err) => {
          if (err instanceof DigestMismatchError) return { retry: false };
          if (err instanceof RegistryError) {
            if (err.retryable || extra?.(err)) return { retry: true, reason: err.message };
            if (err.status !== undefined && isRetryableStatus(err.status)) {
              return {
                retry: true,
                retryAfterMs: parseRetryAfter(err.retryAfter, now()),
                reason: `HTTP ${err.status}`,
              };
            }
            return { retry: false };
          }
          if (isNetworkError(err)) return { retry: true, reason: networkReason(err) };
          return { retry: false };
        },
        {
          ...this.retryOptions,
          onRetry: (info) => {
            this.counters.retries++;
            this.options.log?.(
              `${what}: attempt ${info.attempt} failed (${info.reason}); retrying in ${info.delayMs} ms`,
            );
            this.retryOptions.onRetry?.(info);
          },
        },
      );
    } catch (err) {
      const last = err instanceof RetryDeadlineError ? err.lastError : err;
      if (last instanceof RegistryError) throw last;
      if (isNetworkError(last)) {
        throw new RegistryError(`registry ${this.registry}: ${what} failed: ${networkReason(last)}`, {
          registry: this.registry,
          cause: last,
        });
      }
      throw last;
    }
  }

  private counting(stream: Readable): Readable {
    const counters = this.counters;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        counters.blobBytesUploaded += chunk.length;
        callback(null, chunk);
      },
    });
    stream.on("error", (err) => counter.destroy(err));
    return stream.pipe(counter);
  }

  /** One HTTP exchange, with the 401 challenge answered once and redirects followed when asked. */
  private async send(init: SendInit): Promise<Reply> {
    let url = init.url;
    let authRetried = false;
    for (let redirects = 0; ; ) {
      const authorization = await this.auth.header(url);
      const headers: Record<string, string> = { "user-agent": this.userAgent, ...init.headers };
      if (authorization) headers.authorization = authorization;
      let body: Buffer | Readable | undefined;
      if (Buffer.isBuffer(init.body)) {
        body = init.body;
        if (init.method === "PUT" || init.method === "PATCH") {
          if (headers["content-type"] === "application/octet-stream")
            this.counters.blobBytesUploaded += body.length;
          else this.counters.manifestBytesUploaded += body.length;
        }
      } else if (init.body) {
        body = this.counting(init.body());
      }
      this.counters.requests++;
      const res = await request(url, {
        method: init.method,
        headers,
        body,
        dispatcher: this.options.dispatcher ?? defaultAgent(),
        headersTimeout: this.options.headersTimeoutMs ?? 120_000,
        bodyTimeout: this.options.bodyTimeoutMs ?? 120_000,
      });
      const reply: Reply = { status: res.statusCode, headers: res.headers, body: res.body, url };
      const sameOrigin = new URL(url).origin === this.origin;
      if (reply.status === 401 && sameOrigin) {
        await reply.body.dump();
        const again = await this.auth.onUnauthorized(
          header(reply.headers, "www-authenticate"),
          authorization,
          init.repository,
        );
        if (again && !authRetried && (body === undefined || Buffer.isBuffer(body))) {
          authRetried = true;
          continue;
        }
        // A streamed body cannot be sent twice: the caller's retry reopens it, now with the new token.
        throw new RegistryError(
          `registry ${this.registry}: ${init.method} ${new URL(url).pathname} was refused (HTTP 401)`,
          {
            registry: this.registry,
            status: 401,
            retryable: again && !authRetried,
          },
        );
      }
      if (init.redirects && reply.status >= 300 && reply.status < 400 && header(reply.headers, "location")) {
        await reply.body.dump();
        if (++redirects > MAX_REDIRECTS) {
          throw new RegistryError(
            `registry ${this.registry}: too many redirects for ${new URL(init.url).pathname}`,
            {
              registry: this.registry,
              status: reply.status,
            },
          );
        }
        url = resolveLocation(url, header(reply.headers, "location") as string);
        continue;
      }
      if (init.ok.includes(reply.status)) {
        this.auth.accepted(authorization);
        return reply;
      }
      const text = init.method === "HEAD" ? "" : await readText(reply.body);
      if (init.method === "HEAD") await reply.body.dump();
      const error = registryHttpError({
        registry: this.registry,
        status: reply.status,
        method: init.method,
        path: new URL(url).pathname,
        body: text,
        retryAfter: header(reply.headers, "retry-after"),
        hint: reply.status === 403 ? "the credentials lack permission for this repository" : undefined,
      });
      throw error;
    }
  }

  private checkDigestHeader(reply: Reply, expected: string, what: string): void {
    const stated = header(reply.headers, "docker-content-digest");
    if (stated?.startsWith("sha256:") && stated !== expected) {
      throw new DigestMismatchError(
        `registry ${this.registry}: ${what} has digest ${expected} but the registry says ${stated}`,
        {
          registry: this.registry,
          status: reply.status,
        },
      );
    }
  }

  /** `GET /v2/`: checks the API is there and settles auth (one token for every scope) before any upload. */
  async ping(): Promise<void> {
    await this.retrying("GET /v2/", async () => {
      const reply = await this.send({ method: "GET", url: this.url("/v2/"), ok: [200] });
      await reply.body.dump();
    });
  }

  /** A manifest or index by tag or digest; the digest of the bytes is checked against the reference and the header. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    return this.retrying(`GET manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "GET",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        ok: [200],
        redirects: true,
        repository,
      });
      const bytes = await readLimited(reply.body, MANIFEST_LIMIT, `manifest ${repository}:${reference}`);
      const digest = sha256(bytes);
      if (reference.startsWith("sha256:") && digest !== reference) {
        throw new DigestMismatchError(
          `registry ${this.registry}: manifest ${repository}@${reference} came back with digest ${digest}`,
          {
            registry: this.registry,
          },
        );
      }
      this.checkDigestHeader(reply, digest, `manifest ${repository}:${reference}`);
      return { bytes, mediaType: bareMediaType(header(reply.headers, "content-type")), digest };
    });
  }

  /** HEAD a manifest: its digest and type, or undefined when the registry does not have it. */
  async headManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest?: string; mediaType: string } | undefined> {
    return this.retrying(`HEAD manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "HEAD",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { accept: MANIFEST_ACCEPT },
        ok: [200, 404],
        redirects: true,
        repository,
      });
      await reply.body.dump();
      if (reply.status === 404) return undefined;
      const digest = header(reply.headers, "docker-content-digest");
      if (reference.startsWith("sha256:"))
        this.checkDigestHeader(reply, reference, `manifest ${repository}@${reference}`);
      return {
        digest: digest ?? (reference.startsWith("sha256:") ? reference : undefined),
        mediaType: bareMediaType(header(reply.headers, "content-type")),
      };
    });
  }

  /** True when the repository already has the blob. */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    return this.retrying(`HEAD blob ${digest}`, async () => {
      const reply = await this.send({
        method: "HEAD",
        url: this.url(`/v2/${repository}/blobs/${digest}`),
        ok: [200, 404],
        redirects: true,
        repository,
      });
      await reply.body.dump();
      if (reply.status === 200) this.checkDigestHeader(reply, digest, `blob ${digest}`);
      return reply.status === 200;
    });
  }

  /** One GET of a blob, redirects followed (to storage, without credentials to other hosts). */
  private sendGetBlob(repository: string, digest: string) {
    return this.send({
      method: "GET",
      url: this.url(`/v2/${repository}/blobs/${digest}`),
      ok: [200],
      redirects: true,
      repository,
    });
  }

  /** A small blob (a config) in memory, checked against its digest. */
  async getBlob(repository: string, digest: string, limit = MANIFEST_LIMIT): Promise<Buffer> {
    return this.retrying(`GET blob ${digest}`, async () => {
      const reply = await this.sendGetBlob(repository, digest);
      const bytes = await readLimited(reply.body, limit, `blob ${digest}`);
      if (sha256(bytes) !== digest) {
        throw new DigestMismatchError(
          `registry ${this.registry}: blob ${digest} came back with digest ${sha256(bytes)}`,
          {
            registry: this.registry,
          },
        );
      }
      return bytes;
    });
  }

  /**
   * A blob as a stream (redirects followed, without credentials to other hosts). The stream fails at its
   * end when the bytes do not hash to `digest`, so a bad copy is never committed silently.
   */
  async openBlob(repository: string, digest: string): Promise<BlobStream> {
    const reply = await this.retrying(`GET blob ${digest}`, async () => {
      const r = await this.sendGetBlob(repository, digest);
      this.checkDigestHeader(r, digest, `blob ${digest}`);
      return r;
    });
    const hash = createHash("sha256");
    const registry = this.registry;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        const got = `sha256:${hash.digest("hex")}`;
        callback(
          got === digest
            ? null
            : new DigestMismatchError(`registry ${registry}: blob ${digest} streamed as ${got}`, {
                registry,
              }),
        );
      },
    });
    reply.body.on("error", (err) => verify.destroy(err));
    return {
      stream: reply.body.pipe(verify),
      size: Number(header(reply.headers, "content-length") ?? Number.NaN),
    };
  }

  /** POST an upload session: its Location and the registry's minimum chunk size. */
  private async startUpload(repository: string): Promise<{ location: string; minChunk: number }> {
    const url = this.url(`/v2/${repository}/blobs/uploads/`);
    const reply = await this.send({
      method: "POST",
      url,
      headers: { "content-length": "0" },
      ok: [202],
      repository,
    });
    await reply.body.dump();
    return {
      location: this.uploadLocation(reply),
      minChunk: Number(header(reply.headers, "oci-chunk-min-length") ?? 0) || 0,
    };
  }

  private uploadLocation(reply: Reply): string {
    const location = header(reply.headers, "location");
    if (!location) {
      throw new RegistryError(`registry ${this.registry}: an upload answer has no Location`, {
        registry: this.registry,
        status: reply.status,
      });
    }
    return resolveLocation(reply.url, location);
  }

  /**
   * Cross-repository mount (same registry only): 201 = mounted; 202 = the registry declined and opened an
   * upload session instead, whose Location is returned for the upload.
   */
  async mountBlob(
    repository: string,
    digest: string,
    from: string,
  ): Promise<{ mounted: true } | { mounted: false; location: string }> {
    return this.retrying(`mount ${digest} from ${from}`, async () => {
      const url = this.url(
        `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      );
      const reply = await this.send({
        method: "POST",
        url,
        headers: { "content-length": "0" },
        ok: [201, 202],
        repository,
      });
      await reply.body.dump();
      if (reply.status === 201) {
        this.checkDigestHeader(reply, digest, `mounted blob ${digest}`);
        return { mounted: true as const };
      }
      return { mounted: false as const, location: this.uploadLocation(reply) };
    });
  }

  /**
   * Upload a blob: monolithic (POST, then PUT ?digest= with the body) up to `monolithicLimit`, chunked
   * (PATCH with Content-Range, then PUT ?digest=) above it or when the registry refuses the size (413).
   * A failed attempt restarts with a new session. `location` reuses a session already opened (a declined mount).
   */
  async uploadBlob(repository: string, digest: string, source: BlobSource, location?: string): Promise<void> {
    let session = location;
    await this.retrying(
      `upload blob ${digest}`,
      async () => {
        const opened = session ? { location: session, minChunk: 0 } : await this.startUpload(repository);
        session = undefined;
        const size = "data" in source ? source.data.length : source.size;
        const limit = this.options.monolithicLimit ?? 64 * 1024 * 1024;
        if (size <= limit && opened.minChunk <= size) {
          try {
            await this.putBlob(opened.location, digest, source, repository);
            return;
          } catch (err) {
            if (!(err instanceof RegistryError && err.status === 413)) throw err;
            this.options.log?.(
              `registry ${this.registry} refused a ${size}-byte upload (413); sending it in chunks`,
            );
          }
          const again = await this.startUpload(repository);
          await this.chunked(again.location, again.minChunk, digest, source, repository);
          return;
        }
        await this.chunked(opened.location, opened.minChunk, digest, source, repository);
      },
      // An upload that lost its place (416) or its session (404 BLOB_UPLOAD_UNKNOWN) starts over.
      (err) => err instanceof RegistryError && (err.status === 416 || err.code === "BLOB_UPLOAD_UNKNOWN"),
    );
  }

  private async putBlob(
    location: string,
    digest: string,
    source: BlobSource,
    repository: string,
  ): Promise<void> {
    const size = "data" in source ? source.data.length : source.size;
    const stream = "data" in source ? undefined : await source.open();
    let reply: Reply;
    try {
      reply = await this.send({
        method: "PUT",
        url: appendQuery(location, "digest", digest),
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
        body: "data" in source ? source.data : () => stream as Readable,
        ok: [201, 204],
        repository,
      });
    } finally {
      // Release the source connection whatever happened (a no-op when the body was read to its end).
      stream?.destroy();
    }
    await reply.body.dump();
    this.checkDigestHeader(reply, digest, `uploaded blob ${digest}`);
  }

  private async chunked(
    location: string,
    minChunk: number,
    digest: string,
    source: BlobSource,
    repository: string,
  ): Promise<void> {
    const chunkSize = Math.max(this.options.chunkSize ?? 8 * 1024 * 1024, minChunk);
    const stream = "data" in source ? undefined : await source.open();
    try {
      await this.patchChunks(
        location,
        chunkSize,
        digest,
        (stream as AsyncIterable<Buffer> | undefined) ?? [(source as { data: Buffer }).data],
        repository,
      );
    } finally {
      stream?.destroy();
    }
  }

  private async patchChunks(
    location: string,
    chunkSize: number,
    digest: string,
    input: AsyncIterable<Buffer> | Iterable<Buffer>,
    repository: string,
  ): Promise<void> {
    let url = location;
    let offset = 0;
    for await (const chunk of rechunk(input, chunkSize)) {
      const end = offset + chunk.length - 1;
      const reply = await this.send({
        method: "PATCH",
        url,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(chunk.length),
          "content-range": `${offset}-${end}`,
        },
        body: chunk,
        ok: [202],
        repository,
      });
      await reply.body.dump();
      const confirmed = parseRangeEnd(header(reply.headers, "range"));
      if (confirmed !== undefined && confirmed !== end) {
        throw new RegistryError(
          `registry ${this.registry}: upload of ${digest} is at byte ${confirmed + 1}, expected ${end + 1}`,
          {
            registry: this.registry,
            status: 416,
          },
        );
      }
      url = header(reply.headers, "location") ? this.uploadLocation(reply) : url;
      offset = end + 1;
    }
    const reply = await this.send({
      method: "PUT",
      url: appendQuery(url, "digest", digest),
      headers: { "content-type": "application/octet-stream", "content-length": "0" },
      body: Buffer.alloc(0),
      ok: [201, 204],
      repository,
    });
    await reply.body.dump();
    this.checkDigestHeader(reply, digest, `uploaded blob ${digest}`);
  }

  /** PUT a manifest or index (by digest or tag); the registry must state the digest of the bytes sent. */
  async putManifest(repository: string, reference: string, manifest: Built): Promise<void> {
    await this.retrying(`PUT manifest ${repository}:${reference}`, async () => {
      const reply = await this.send({
        method: "PUT",
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        headers: { "content-type": manifest.mediaType },
        body: manifest.bytes,
        ok: [201],
        repository,
      });
      await reply.body.dump();
      this.checkDigestHeader(reply, manifest.digest, `manifest ${repository}:${reference}`);
    });
  }
}

function networkReason(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message : String(err);
}
