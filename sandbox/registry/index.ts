// The sandbox's container registry: the part of the OCI distribution spec a push and a pull use, on
// 127.0.0.1, answering the way distribution 2.8 (Debian's docker-registry) does where the spec leaves room:
// an index is hidden from clients that do not Accept its type; a mount from a repository without the blob
// falls back to 202; an index whose children are missing is refused with 400 MANIFEST_BLOB_UNKNOWN; error
// bodies are {errors:[{code,message,detail}]}. Auth: none, Basic (htpasswd-like), or Bearer tokens from a
// token endpoint shaped like OCIR's (/20180419/docker/token?service=&scope=), with Basic or anonymous pulls.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { gunzipSync } from "node:zlib";
import { buildLayer, type LayerEntry } from "../../src/image/layer.js";
import { parseReference } from "../../src/image/reference.js";
import { FaultInjector } from "../core/faults.js";
import { type Listening, listen, newRequestId, pathOf, queryOf, takeFault } from "../core/http.js";

export const TOKEN_PATH = "/20180419/docker/token";

const MT = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;
const MANIFEST_TYPES: readonly string[] = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest];
const INDEX_TYPES: readonly string[] = [MT.ociIndex, MT.dockerList];

export interface SandboxPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export type RegistryAuthMode =
  | { mode: "none" }
  | {
      mode: "basic";
      users: Record<string, string>;
      /** Repository prefixes anyone may pull (e.g. `fnproject/`). */
      anonymousPull?: string[];
    }
  | {
      mode: "bearer";
      users: Record<string, string>;
      anonymousPull?: string[];
      /** `service` of the challenge; default `127.0.0.1:<port>` like OCIR's `<region>.ocir.io`. */
      service?: string;
      tokenTtlSeconds?: number;
      /** Which JSON field carries the token: `token` (OCIR), `access_token`, or both (distribution). */
      tokenField?: "token" | "access_token" | "both";
      /** Serve the token endpoint on a second port (another host as far as the client can tell). */
      separateTokenServer?: boolean;
      /** Repository prefixes users may push to (OCIR: `<namespace>/`); default any. */
      pushPrefixes?: string[];
    };

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

export interface TokenRequestRecord {
  authorization: string | undefined;
  scopes: string[];
  user: string | undefined;
  granted: string[];
}

export interface RegistryStats {
  /** Requests by `METHOD kind`, kind one of ping, token, blob, upload, manifest, tags, other. */
  requests: Record<string, number>;
  /** Blob bytes received in upload bodies (PATCH and PUT). */
  blobBytesReceived: number;
  /** Successful cross-repository mounts (201). */
  mounts: number;
  /** Mount requests that fell back to an upload session (202). */
  mountMisses: number;
  tokenRequests: TokenRequestRecord[];
  /** Authorization headers that reached the blob-redirect target or the separate token server. */
  foreignAuthorization: string[];
}

interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

interface Upload {
  repository: string;
  chunks: Buffer[];
  size: number;
}

interface Grant {
  user: string | undefined;
  access: Map<string, Set<string>>;
  expiresAt: number;
}

export interface SeedOptions {
  repository: string;
  tag: string;
  /** Default linux/amd64 and linux/arm64/v8. */
  platforms?: SandboxPlatform[];
  /** An index (default), or a single manifest of the first platform. */
  index?: boolean;
  format?: "oci" | "docker";
  /** Leave `mediaType` out of OCI child manifests (allowed by the spec). */
  omitChildMediaType?: boolean;
  /** Add a buildx-style attestation child (`unknown/unknown`). */
  attestation?: boolean;
  /** Extra files of the platform layer, e.g. a fake node binary. */
  files?: LayerEntry[];
  config?: Record<string, unknown>;
}

export interface SeededImage {
  digest: string;
  mediaType: string;
  children: Array<{ platform: SandboxPlatform; digest: string; layers: string[]; config: string }>;
  /** Every layer digest, shared ones once. */
  layers: string[];
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

function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const validName = (name: string) => name.length <= 255 && name.split("/").every((c) => COMPONENT.test(c));

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

function distributionError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {},
) {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail: detail ?? null }] }));
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length, ...headers });
  res.end(body);
}

async function readAll(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function basicUser(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
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

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const auth: RegistryAuthMode = options.auth ?? { mode: "none" };
  const faults = options.faults ?? new FaultInjector("registry");
  const now = options.now ?? Date.now;
  let stats = emptyStats();

  const blobs = new Map<string, Buffer>();
  const links = new Map<string, Set<string>>();
  const manifests = new Map<string, Map<string, StoredManifest>>();
  const tagMap = new Map<string, Map<string, string>>();
  const uploads = new Map<string, Upload>();
  const grants = new Map<string, Grant>();

  const link = (repo: string, digest: string) => {
    const set = links.get(repo) ?? new Set<string>();
    set.add(digest);
    links.set(repo, set);
  };
  const hasBlob = (repo: string, digest: string) => links.get(repo)?.has(digest) ?? false;
  const storeManifest = (repo: string, bytes: Buffer, mediaType: string, tag?: string): string => {
    const digest = sha256(bytes);
    const repoManifests = manifests.get(repo) ?? new Map<string, StoredManifest>();
    repoManifests.set(digest, { bytes, mediaType });
    manifests.set(repo, repoManifests);
    if (tag) {
      const tags = tagMap.get(repo) ?? new Map<string, string>();
      tags.set(tag, digest);
      tagMap.set(repo, tags);
    }
    return digest;
  };
  const lookupManifest = (repo: string, reference: string) => {
    const digest = reference.startsWith("sha256:") ? reference : tagMap.get(repo)?.get(reference);
    const stored = digest ? manifests.get(repo)?.get(digest) : undefined;
    return stored && digest ? { ...stored, digest } : undefined;
  };
  const repoExists = (repo: string) => manifests.has(repo) || links.has(repo);

  // Second listeners: the blob store behind redirects, and the token server on "another host".
  let blobStore: Listening | undefined;
  if (options.redirectBlobs) {
    blobStore = await listen((req, res) => {
      if (req.headers.authorization) stats.foreignAuthorization.push(req.headers.authorization);
      const digest = /^\/blob\/(sha256:[a-f0-9]{64})$/.exec(pathOf(req))?.[1];
      const data = digest ? blobs.get(digest) : undefined;
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
      res.end(req.method === "HEAD" ? undefined : data);
    });
  }

  const anonymousPull = auth.mode === "none" ? [] : (auth.anonymousPull ?? []);
  const publicRepo = (repo: string) => anonymousPull.some((prefix) => repo.startsWith(prefix));

  let tokenServer: Listening | undefined;
  let main: Listening | undefined;
  const service = () =>
    (auth.mode === "bearer" ? (auth.service ?? main?.url.replace("http://", "")) : undefined) ?? "";
  const realm = () => `${(tokenServer ?? main)?.url}${TOKEN_PATH}`;

  const handleToken = (req: IncomingMessage, res: ServerResponse, foreign: boolean) => {
    if (auth.mode !== "bearer") return distributionError(res, 404, "NOT_FOUND", "no token service");
    const authorization = req.headers.authorization;
    if (foreign && authorization) stats.foreignAuthorization.push(authorization);
    const query = queryOf(req);
    const scopes = query
      .getAll("scope")
      .flatMap((s) => s.split(" "))
      .filter(Boolean);
    if (query.get("service") !== service()) {
      return distributionError(res, 400, "UNSUPPORTED", `unknown service ${query.get("service")}`);
    }
    let user: string | undefined;
    if (authorization) {
      const basic = basicUser(authorization);
      if (!basic || auth.users[basic.user] !== basic.password) {
        stats.tokenRequests.push({ authorization, scopes, user: undefined, granted: [] });
        return distributionError(
          res,
          401,
          "UNAUTHORIZED",
          "authentication required",
          "invalid username or password",
        );
      }
      user = basic.user;
    }
    const access = new Map<string, Set<string>>();
    const granted: string[] = [];
    for (const scope of scopes) {
      const m = /^repository:([^:]+):([a-z*,]+)$/.exec(scope);
      if (!m?.[1] || !m[2]) continue;
      const repo = m[1];
      const pushable = !auth.pushPrefixes || auth.pushPrefixes.some((prefix) => repo.startsWith(prefix));
      const actions = m[2]
        .split(",")
        .filter((a) =>
          user ? a === "pull" || ((a === "push" || a === "*") && pushable) : a === "pull" && publicRepo(repo),
        );
      if (actions.length === 0) continue;
      const set = access.get(repo) ?? new Set<string>();
      for (const a of actions) set.add(a === "*" ? "push" : a);
      if (actions.includes("*")) set.add("pull");
      access.set(repo, set);
      granted.push(`repository:${repo}:${[...set].sort().join(",")}`);
    }
    stats.tokenRequests.push({ authorization, scopes, user, granted });
    const token = randomBytes(24).toString("base64url");
    const ttl = auth.tokenTtlSeconds ?? 300;
    grants.set(token, { user, access, expiresAt: now() + ttl * 1000 });
    const field = auth.tokenField ?? "token";
    const body: Record<string, unknown> = { expires_in: ttl, issued_at: new Date(now()).toISOString() };
    if (field === "token" || field === "both") body.token = token;
    if (field === "access_token" || field === "both") body.access_token = token;
    const bytes = Buffer.from(JSON.stringify(body));
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.end(bytes);
  };

  if (auth.mode === "bearer" && auth.separateTokenServer) {
    tokenServer = await listen((req, res) => {
      stats.requests[`${req.method} token`] = (stats.requests[`${req.method} token`] ?? 0) + 1;
      if (pathOf(req) === TOKEN_PATH && req.method === "GET") return handleToken(req, res, true);
      res.writeHead(404).end();
    });
  }

  /** Check the request may do `actions` on `repo`; answers 401 itself and returns false when not. */
  const authorize = (
    req: IncomingMessage,
    res: ServerResponse,
    repo: string | undefined,
    actions: string[],
  ): boolean => {
    if (auth.mode === "none") return true;
    const scope = repo ? `repository:${repo}:${actions.join(",")}` : undefined;
    if (auth.mode === "basic") {
      const basic = basicUser(req.headers.authorization);
      if (basic && auth.users[basic.user] === basic.password) return true;
      if (!req.headers.authorization && repo && actions.every((a) => a === "pull") && publicRepo(repo))
        return true;
      req.resume();
      distributionError(res, 401, "UNAUTHORIZED", "authentication required", null, {
        "www-authenticate": 'Basic realm="sandbox-registry"',
      });
      return false;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const grant = bearer ? grants.get(bearer) : undefined;
    const valid = grant !== undefined && grant.expiresAt > now();
    const allowed = valid && (!repo || actions.every((a) => grant.access.get(repo)?.has(a)));
    if (allowed) return true;
    let challenge = `Bearer realm="${realm()}",service="${service()}"`;
    if (scope) challenge += `,scope="${scope}"`;
    if (valid) challenge += ',error="insufficient_scope"';
    else if (bearer) challenge += ',error="invalid_token"';
    req.resume();
    distributionError(
      res,
      401,
      "UNAUTHORIZED",
      "authentication required",
      scope ? [{ Type: "repository", Name: repo, Action: actions.join(",") }] : null,
      {
        "www-authenticate": challenge,
      },
    );
    return false;
  };

  /** Whether the request could pull `repo` (a mount source), without answering. */
  const canPull = (req: IncomingMessage, repo: string): boolean => {
    if (auth.mode === "none") return true;
    if (auth.mode === "basic") {
      const basic = basicUser(req.headers.authorization);
      return (basic !== undefined && auth.users[basic.user] === basic.password) || publicRepo(repo);
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const grant = bearer ? grants.get(bearer) : undefined;
    return grant !== undefined && grant.expiresAt > now() && (grant.access.get(repo)?.has("pull") ?? false);
  };

  const uploadHeaders = (repo: string, id: string, upload: Upload): Record<string, string> => {
    const headers: Record<string, string> = {
      location: `/v2/${repo}/blobs/uploads/${id}?_state=${randomBytes(6).toString("hex")}`,
      range: `0-${Math.max(0, upload.size - 1)}`,
      "docker-upload-uuid": id,
      "content-length": "0",
    };
    if (options.chunkMinLength) headers["oci-chunk-min-length"] = String(options.chunkMinLength);
    return headers;
  };

  const openUpload = (res: ServerResponse, repo: string) => {
    const id = randomUUID();
    const upload: Upload = { repository: repo, chunks: [], size: 0 };
    uploads.set(id, upload);
    res.writeHead(202, uploadHeaders(repo, id, upload)).end();
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = pathOf(req);
    const kind = kindOf(path);
    stats.requests[`${method} ${kind}`] = (stats.requests[`${method} ${kind}`] ?? 0) + 1;
    const fault = await takeFault(faults, req, res, newRequestId());
    if (fault === "handled") return;

    if (path === TOKEN_PATH && method === "GET" && !tokenServer) return handleToken(req, res, false);
    if (path === "/v2/" || path === "/v2") {
      if (!authorize(req, res, undefined, [])) return;
      res.writeHead(200, {
        "content-type": "application/json",
        "docker-distribution-api-version": "registry/2.0",
        "content-length": 2,
      });
      return void res.end("{}");
    }

    let m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path);
    if (m?.[1]) {
      const repo = m[1];
      if (!validName(repo)) return distributionError(res, 400, "NAME_INVALID", "invalid repository name");
      if (method !== "POST")
        return distributionError(res, 405, "UNSUPPORTED", "the operation is unsupported");
      if (!authorize(req, res, repo, ["pull", "push"])) return;
      const query = queryOf(req);
      await readAll(req, 64 * 1024 * 1024); // a body on POST (?digest=) only opens a session, as in 2.8
      const mount = query.get("mount");
      const from = query.get("from");
      if (mount && from) {
        if (validName(from) && hasBlob(from, mount) && canPull(req, from)) {
          link(repo, mount);
          stats.mounts++;
          res.writeHead(201, {
            location: `/v2/${repo}/blobs/${mount}`,
            "docker-content-digest": mount,
            "content-length": "0",
          });
          return void res.end();
        }
        stats.mountMisses++;
      }
      return openUpload(res, repo);
    }

    m = /^\/v2\/(.+)\/blobs\/uploads\/([A-Za-z0-9-]+)$/.exec(path);
    if (m?.[1] && m[2]) {
      const [repo, id] = [m[1], m[2]];
      if (!authorize(req, res, repo, ["pull", "push"])) return;
      const upload = uploads.get(id);
      if (!upload || upload.repository !== repo) {
        req.resume();
        return distributionError(res, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
      }
      if (method === "GET") return void res.writeHead(204, uploadHeaders(repo, id, upload)).end();
      if (method === "DELETE") {
        uploads.delete(id);
        return void res.writeHead(204).end();
      }
      if (method === "PATCH") {
        const range = req.headers["content-range"];
        if (range !== undefined) {
          const r = /^(?:bytes=)?(\d+)-(\d+)$/.exec(range.trim());
          if (!r || Number(r[1]) !== upload.size) {
            req.resume();
            return void res.writeHead(416, uploadHeaders(repo, id, upload)).end();
          }
        }
        const body = await readAll(req, 512 * 1024 * 1024);
        if (!body) return distributionError(res, 413, "SIZE_INVALID", "chunk too large");
        if (range !== undefined) {
          const r = /(\d+)-(\d+)$/.exec(range) as RegExpExecArray;
          if (Number(r[2]) - Number(r[1]) + 1 !== body.length) {
            return void res.writeHead(416, uploadHeaders(repo, id, upload)).end();
          }
        }
        stats.blobBytesReceived += body.length;
        upload.chunks.push(body);
        upload.size += body.length;
        return void res.writeHead(202, uploadHeaders(repo, id, upload)).end();
      }
      if (method === "PUT") {
        const digest = queryOf(req).get("digest");
        const declared = Number(req.headers["content-length"] ?? 0);
        if (options.maxPutBodyBytes !== undefined && declared > options.maxPutBodyBytes) {
          req.resume();
          return distributionError(res, 413, "SIZE_INVALID", "request entity too large");
        }
        const body = await readAll(req, 512 * 1024 * 1024);
        if (!body) return distributionError(res, 413, "SIZE_INVALID", "request entity too large");
        stats.blobBytesReceived += body.length;
        if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
          return distributionError(
            res,
            400,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
          );
        }
        const data = Buffer.concat([...upload.chunks, body]);
        uploads.delete(id);
        if (sha256(data) !== digest) {
          return distributionError(
            res,
            400,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
            {
              expected: digest,
              got: sha256(data),
            },
          );
        }
        blobs.set(digest, data);
        link(repo, digest);
        res.writeHead(201, {
          location: `/v2/${repo}/blobs/${digest}`,
          "docker-content-digest": digest,
          "content-length": "0",
        });
        return void res.end();
      }
      req.resume();
      return distributionError(res, 405, "UNSUPPORTED", "the operation is unsupported");
    }

    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m?.[1] && m[2]) {
      const [repo, digest] = [m[1], m[2]];
      if (!validName(repo)) return distributionError(res, 400, "NAME_INVALID", "invalid repository name");
      if (method !== "GET" && method !== "HEAD")
        return distributionError(res, 405, "UNSUPPORTED", "the operation is unsupported");
      if (!authorize(req, res, repo, ["pull"])) return;
      if (!/^sha256:[a-f0-9]{64}$/.test(digest))
        return distributionError(res, 400, "DIGEST_INVALID", "invalid digest");
      const data = hasBlob(repo, digest) ? blobs.get(digest) : undefined;
      if (!data) {
        if (method === "HEAD") return void res.writeHead(404, { "content-length": "0" }).end();
        return distributionError(res, 404, "BLOB_UNKNOWN", "blob unknown to registry", digest);
      }
      if (method === "GET" && blobStore) {
        res.writeHead(307, { location: `${blobStore.url}/blob/${digest}`, "content-length": "0" });
        return void res.end();
      }
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": data.length,
        "docker-content-digest": digest,
      });
      return void res.end(method === "HEAD" ? undefined : data);
    }

    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m?.[1] && m[2]) {
      const [repo, reference] = [m[1], m[2]];
      if (!validName(repo)) return distributionError(res, 400, "NAME_INVALID", "invalid repository name");
      if (method === "GET" || method === "HEAD") {
        if (!authorize(req, res, repo, ["pull"])) return;
        if (!repoExists(repo))
          return distributionError(res, 404, "NAME_UNKNOWN", "repository name not known to registry", {
            name: repo,
          });
        const found = lookupManifest(repo, reference);
        const accept = (req.headers.accept ?? "").split(",").map((s) => s.split(";")[0]?.trim());
        // distribution 2.8: an index or OCI manifest is unknown to a client that does not accept its type.
        const acceptable =
          found && (found.mediaType === MT.dockerManifest || accept.includes(found.mediaType));
        if (!found || !acceptable) {
          return distributionError(res, 404, "MANIFEST_UNKNOWN", "manifest unknown", { Tag: reference });
        }
        res.writeHead(200, {
          "content-type": found.mediaType,
          "content-length": found.bytes.length,
          "docker-content-digest": found.digest,
          etag: `"${found.digest}"`,
        });
        return void res.end(method === "HEAD" ? undefined : found.bytes);
      }
      if (method === "PUT") {
        if (!authorize(req, res, repo, ["pull", "push"])) return;
        const body = await readAll(req, 4 * 1024 * 1024);
        if (!body) return distributionError(res, 413, "SIZE_INVALID", "manifest too large");
        const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
        const problem = validateManifest(body, contentType, repo);
        if (problem) return distributionError(res, 400, problem.code, problem.message, problem.detail);
        const digest = sha256(body);
        const isDigest = reference.startsWith("sha256:");
        if (isDigest && reference !== digest) {
          return distributionError(
            res,
            400,
            "DIGEST_INVALID",
            "provided digest did not match uploaded content",
            { expected: reference, got: digest },
          );
        }
        if (!isDigest && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(reference)) {
          return distributionError(res, 400, "TAG_INVALID", "manifest tag did not match URI");
        }
        storeManifest(repo, body, contentType, isDigest ? undefined : reference);
        res.writeHead(201, {
          location: `/v2/${repo}/manifests/${digest}`,
          "docker-content-digest": digest,
          "content-length": "0",
        });
        return void res.end();
      }
      req.resume();
      return distributionError(res, 405, "UNSUPPORTED", "the operation is unsupported");
    }

    m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (m?.[1] && method === "GET") {
      if (!authorize(req, res, m[1], ["pull"])) return;
      if (!repoExists(m[1]))
        return distributionError(res, 404, "NAME_UNKNOWN", "repository name not known to registry");
      const body = Buffer.from(
        JSON.stringify({ name: m[1], tags: [...(tagMap.get(m[1])?.keys() ?? [])].sort() }),
      );
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      return void res.end(body);
    }
    req.resume();
    distributionError(res, 404, "NOT_FOUND", "page not found");
  };

  /** What distribution 2.8 checks on a manifest PUT; undefined when it is acceptable. */
  const validateManifest = (
    body: Buffer,
    contentType: string,
    repo: string,
  ): { code: string; message: string; detail?: unknown } | undefined => {
    if (!MANIFEST_TYPES.includes(contentType)) {
      return {
        code: "MANIFEST_INVALID",
        message: "manifest invalid",
        detail: `unsupported media type ${contentType}`,
      };
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return { code: "MANIFEST_INVALID", message: "manifest invalid", detail: "not JSON" };
    }
    if (json.schemaVersion !== 2)
      return { code: "MANIFEST_INVALID", message: "manifest invalid", detail: "schemaVersion must be 2" };
    if (json.mediaType !== undefined && json.mediaType !== contentType) {
      return {
        code: "MANIFEST_INVALID",
        message: "manifest invalid",
        detail: `mediaType ${String(json.mediaType)} does not match ${contentType}`,
      };
    }
    if (INDEX_TYPES.includes(contentType)) {
      if (!Array.isArray(json.manifests))
        return { code: "MANIFEST_INVALID", message: "manifest invalid", detail: "no manifests" };
      for (const child of json.manifests as Array<{ digest?: string }>) {
        if (!child.digest || !manifests.get(repo)?.has(child.digest)) {
          return {
            code: "MANIFEST_BLOB_UNKNOWN",
            message: "blob unknown to registry",
            detail: child.digest ?? null,
          };
        }
      }
      return undefined;
    }
    const config = json.config as { digest?: string; mediaType?: string } | undefined;
    const layers = json.layers as Array<{ digest?: string; mediaType?: string }> | undefined;
    if (!config?.digest || !Array.isArray(layers)) {
      return {
        code: "MANIFEST_INVALID",
        message: "manifest invalid",
        detail: "config and layers are required",
      };
    }
    for (const d of [config, ...layers]) {
      const foreign = d.mediaType?.includes("foreign") || d.mediaType?.includes("nondistributable");
      if (!foreign && (!d.digest || !hasBlob(repo, d.digest))) {
        return {
          code: "MANIFEST_BLOB_UNKNOWN",
          message: "blob unknown to registry",
          detail: d.digest ?? null,
        };
      }
    }
    return undefined;
  };

  main = await listen(handler, options.port ?? 0);
  const listening = main;

  const seedImage = (seed: SeedOptions): SeededImage => {
    const format = seed.format ?? "oci";
    const platforms = seed.platforms ?? [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ];
    const asIndex = seed.index ?? true;
    const chosen = asIndex ? platforms : platforms.slice(0, 1);
    const types =
      format === "oci"
        ? { manifest: MT.ociManifest, index: MT.ociIndex, config: MT.ociConfig, layer: MT.ociLayer }
        : {
            manifest: MT.dockerManifest,
            index: MT.dockerList,
            config: MT.dockerConfig,
            layer: MT.dockerLayer,
          };
    const putBlob = (data: Buffer) => {
      const digest = sha256(data);
      blobs.set(digest, data);
      link(seed.repository, digest);
      return digest;
    };
    // A layer shared by every platform (like an OS base) and one per platform.
    const shared = buildLayer([
      { path: "etc/os-release", content: 'NAME="Sandbox Linux"\nID=sandbox\n' },
      {
        path: "etc/passwd",
        content: "root:x:0:0:root:/root:/bin/sh\nfn:x:1000:1000::/home/fn:/sbin/nologin\n",
      },
    ]);
    const children: SeededImage["children"] = [];
    for (const platform of chosen) {
      const arch = `${platform.architecture}${platform.variant ? `/${platform.variant}` : ""}`;
      const own = buildLayer([
        {
          path: "usr/local/bin/node",
          content: `#!/bin/sh\n# fake node for ${platform.os}/${arch}\n`,
          mode: 0o755,
        },
        ...(seed.files ?? []),
      ]);
      const config = {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        created: "2026-01-01T00:00:00Z",
        config: {
          Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
          Cmd: ["node"],
          ...seed.config,
        },
        rootfs: { type: "layers", diff_ids: [shared.diffId, own.diffId] },
        history: [
          { created: "2026-01-01T00:00:00Z", created_by: "ADD os /" },
          { created: "2026-01-01T00:00:00Z", created_by: "ADD node /usr/local/bin" },
          { created: "2026-01-01T00:00:00Z", created_by: 'CMD ["node"]', empty_layer: true },
        ],
      };
      const configBytes = Buffer.from(JSON.stringify(config));
      const configDigest = putBlob(configBytes);
      const layers = [shared, own].map((l) => ({
        mediaType: types.layer,
        digest: putBlob(l.blob),
        size: l.size,
      }));
      const manifest: Record<string, unknown> = { schemaVersion: 2 };
      if (!(format === "oci" && seed.omitChildMediaType)) manifest.mediaType = types.manifest;
      manifest.config = { mediaType: types.config, digest: configDigest, size: configBytes.length };
      manifest.layers = layers;
      const bytes = Buffer.from(JSON.stringify(manifest));
      const digest = storeManifest(seed.repository, bytes, types.manifest, asIndex ? undefined : seed.tag);
      children.push({ platform, digest, layers: layers.map((l) => l.digest), config: configDigest });
    }
    const allLayers = [...new Set(children.flatMap((c) => c.layers))];
    if (!asIndex) {
      const only = children[0] as SeededImage["children"][number];
      return { digest: only.digest, mediaType: types.manifest, children, layers: allLayers };
    }
    const descriptors: Array<Record<string, unknown>> = children.map((c) => ({
      mediaType: types.manifest,
      digest: c.digest,
      size: manifests.get(seed.repository)?.get(c.digest)?.bytes.length,
      platform: c.platform,
    }));
    if (seed.attestation && format === "oci") {
      const att = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT.ociManifest,
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: putBlob(Buffer.from("{}")),
            size: 2,
          },
          layers: [],
        }),
      );
      const attDigest = storeManifest(seed.repository, att, MT.ociManifest);
      descriptors.push({
        mediaType: MT.ociManifest,
        digest: attDigest,
        size: att.length,
        platform: { os: "unknown", architecture: "unknown" },
        annotations: {
          "vnd.docker.reference.type": "attestation-manifest",
          "vnd.docker.reference.digest": children[0]?.digest ?? "",
        },
      });
    }
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests: descriptors }),
    );
    const digest = storeManifest(seed.repository, index, types.index, seed.tag);
    return { digest, mediaType: types.index, children, layers: allLayers };
  };

  return {
    url: listening.url,
    host: `127.0.0.1:${listening.port}`,
    port: listening.port,
    tokenUrl: auth.mode === "bearer" ? realm() : undefined,
    faults,
    get stats() {
      return stats;
    },
    resetStats() {
      stats = emptyStats();
    },
    seedImage,
    manifest: (repository, reference) => lookupManifest(repository, reference),
    blob: (digest) => blobs.get(digest),
    hasBlob,
    tags: (repository) => [...(tagMap.get(repository)?.keys() ?? [])].sort(),
    repositories: () => [...new Set([...manifests.keys(), ...links.keys()])].sort(),
    async close() {
      await Promise.all([listening.close(), blobStore?.close(), tokenServer?.close()]);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Pulling: what the Fn agent does with a deployed image (by digest): pick the platform, check every layer's
// digest and diff_id (as umoci does), and unpack /function.

export interface TarEntry {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  size: number;
  linkname: string;
  content: Buffer;
}

function cString(block: Buffer, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? length : end).toString("utf8");
}

function octal(block: Buffer, offset: number, length: number): number {
  const text = cString(block, offset, length).trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** A small tar reader (ustar + PAX path/linkpath), written independently of the layer writer. */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] as number);
    if (sum !== octal(block, 148, 8)) throw new Error(`tar checksum mismatch at offset ${offset}`);
    const size = octal(block, 124, 12);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const content = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === "x") {
      pax = {};
      let pos = 0;
      while (pos < content.length) {
        const space = content.indexOf(0x20, pos);
        const length = Number(content.subarray(pos, space).toString("ascii"));
        if (space < 0 || !Number.isSafeInteger(length) || length <= 0)
          throw new Error("malformed PAX record");
        const record = content.subarray(space + 1, pos + length - 1).toString("utf8");
        const eq = record.indexOf("=");
        pax[record.slice(0, eq)] = record.slice(eq + 1);
        pos += length;
      }
      continue;
    }
    const prefix = cString(block, 345, 155);
    const rawName = cString(block, 0, 100);
    const name = pax.path ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const type =
      typeflag === "0" || typeflag === "\0"
        ? "file"
        : typeflag === "5"
          ? "dir"
          : typeflag === "2"
            ? "symlink"
            : typeflag === "1"
              ? "hardlink"
              : "other";
    entries.push({
      name,
      type,
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      uname: cString(block, 265, 32),
      gname: cString(block, 297, 32),
      mtime: octal(block, 136, 12),
      size,
      linkname: pax.linkpath ?? cString(block, 157, 100),
      content: Buffer.from(content),
    });
    pax = {};
  }
  return entries;
}

export interface PulledFunction {
  /** Temp root holding `function/`. */
  dir: string;
  /** `<dir>/function`. */
  functionDir: string;
  /** Digest of the image manifest of the platform. */
  manifestDigest: string;
  entrypoint: string[];
  cmd: string[] | undefined;
  workingDir: string | undefined;
  env: string[];
  cleanup(): Promise<void>;
}

/**
 * Fetch `reference` (`127.0.0.1:<port>/repo:tag[@sha256:…]`) from the sandbox registry, pick `platform`, check
 * each layer against its digest and diff_id, and extract /function into a temp directory.
 */
export async function pullFunction(
  registry: Registry,
  reference: string,
  platform: SandboxPlatform = { os: "linux", architecture: "amd64" },
): Promise<PulledFunction> {
  const ref = parseReference(reference, { role: "function image" });
  const wanted = ref.digest ?? ref.tag ?? "latest";
  const top = registry.manifest(ref.repository, wanted);
  if (!top) throw new Error(`image ${reference} not found in the sandbox registry`);
  let manifest = JSON.parse(top.bytes.toString("utf8")) as {
    manifests?: Array<{ digest: string; platform?: SandboxPlatform }>;
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  let manifestDigest = top.digest;
  if (Array.isArray(manifest.manifests)) {
    const norm = (v?: string) => (v === "v8" ? undefined : v || undefined);
    const child = manifest.manifests.find(
      (d) =>
        d.platform?.os === platform.os &&
        d.platform?.architecture === platform.architecture &&
        norm(d.platform?.variant) === norm(platform.variant),
    );
    if (!child) throw new Error(`image ${reference} has no ${platform.os}/${platform.architecture} child`);
    const stored = registry.manifest(ref.repository, child.digest);
    if (!stored) throw new Error(`image ${reference}: child ${child.digest} is missing`);
    manifest = JSON.parse(stored.bytes.toString("utf8"));
    manifestDigest = child.digest;
  }
  const configBytes = registry.blob(manifest.config.digest);
  if (!configBytes || sha256(configBytes) !== manifest.config.digest)
    throw new Error(`config ${manifest.config.digest} is missing or corrupt`);
  const config = JSON.parse(configBytes.toString("utf8")) as {
    config?: { Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[] };
    rootfs: { diff_ids: string[] };
  };
  if (config.rootfs.diff_ids.length !== manifest.layers.length)
    throw new Error("layer count and diff_ids differ");

  const files = new Map<string, TarEntry>();
  manifest.layers.forEach((layer, i) => {
    const blob = registry.blob(layer.digest);
    if (!blob || sha256(blob) !== layer.digest)
      throw new Error(`layer ${layer.digest} is missing or corrupt`);
    const tar = gunzipSync(blob);
    if (sha256(tar) !== config.rootfs.diff_ids[i]) {
      throw new Error(`diffid mismatch: got ${sha256(tar)} expected ${config.rootfs.diff_ids[i]}`);
    }
    for (const entry of readTar(tar)) {
      const name = posix.normalize(entry.name.replace(/^(\.?\/)+/, "")).replace(/\/$/, "");
      if (name.startsWith("..") || posix.isAbsolute(name))
        throw new Error(`layer entry ${entry.name} escapes the root`);
      if (name !== "function" && !name.startsWith("function/")) continue;
      const base = posix.basename(name);
      if (base === ".wh..wh..opq") {
        const parent = posix.dirname(name);
        for (const key of [...files.keys()]) if (key.startsWith(`${parent}/`)) files.delete(key);
        continue;
      }
      if (base.startsWith(".wh.")) {
        const gone = posix.join(posix.dirname(name), base.slice(4));
        for (const key of [...files.keys()])
          if (key === gone || key.startsWith(`${gone}/`)) files.delete(key);
        continue;
      }
      files.set(name, { ...entry, name });
    }
  });
  const dirs = [...files.values()]
    .filter((e) => e.type === "dir")
    .sort((a, b) => a.name.length - b.name.length);
  const dir = await mkdtemp(join(tmpdir(), "sandbox-fn-"));
  await mkdir(join(dir, "function"), { recursive: true });
  for (const entry of dirs) await mkdir(join(dir, entry.name), { recursive: true });
  for (const entry of files.values()) {
    const target = join(dir, entry.name);
    if (entry.type === "file") {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, entry.content);
      await chmod(target, entry.mode & 0o777);
    } else if (entry.type === "symlink") {
      await mkdir(dirname(target), { recursive: true });
      await symlink(entry.linkname, target);
    }
  }
  for (const entry of dirs) await chmod(join(dir, entry.name), entry.mode & 0o777);
  return {
    dir,
    functionDir: join(dir, "function"),
    manifestDigest,
    entrypoint: config.config?.Entrypoint ?? [],
    cmd: config.config?.Cmd,
    workingDir: config.config?.WorkingDir,
    env: config.config?.Env ?? [],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
