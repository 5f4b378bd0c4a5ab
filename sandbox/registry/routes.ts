// The registry's route table: the part of the OCI distribution spec a push and a pull use (ping, blob
// upload sessions and cross-repository mounts, blobs, manifests, tags), answering the way distribution 2.8
// does where the spec leaves room.
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { queryOf } from "../core/http.js";
import { matchRoute } from "../core/routing.js";
import { type RegistryAuth, TOKEN_PATH, type TokenRequestRecord } from "./auth.js";
import { distributionError } from "./errors.js";
import { MT, type RegistryStore, sha256, type Upload, validName } from "./store.js";

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

export interface RegistryContext {
  store: RegistryStore;
  auth: RegistryAuth;
  stats(): RegistryStats;
  /** Sent as OCI-Chunk-Min-Length on upload sessions. */
  chunkMinLength: number | undefined;
  /** Refuse a PUT body larger than this with 413. */
  maxPutBodyBytes: number | undefined;
  /** The blob store blob GETs are redirected to, when there is one. */
  blobStoreUrl: string | undefined;
  /** Whether the token endpoint is served here (not on a separate token server). */
  servesToken: boolean;
}

type Handler = (ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, params: string[]) => unknown;

interface RegistryRoute {
  method?: string;
  pattern: RegExp;
  run: Handler;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_BLOB_BODY = 512 * 1024 * 1024;
const unsupported = (res: ServerResponse) =>
  distributionError(res, 405, "UNSUPPORTED", "the operation is unsupported");
const invalidName = (res: ServerResponse) =>
  distributionError(res, 400, "NAME_INVALID", "invalid repository name");

const ROUTES: RegistryRoute[] = [
  { method: "GET", pattern: new RegExp(`^${TOKEN_PATH}$`), run: token },
  { pattern: /^\/v2\/?$/, run: ping },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?$/, run: startUpload },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/([A-Za-z0-9-]+)$/, run: uploadSession },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, run: blob },
  { pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/, run: manifest },
  { method: "GET", pattern: /^\/v2\/(.+)\/tags\/list$/, run: tags },
];

/** Route the request; anything no row serves is distribution's 404 NOT_FOUND. */
export async function routeRegistryRequest(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const found = matchRoute(ROUTES, req.method ?? "GET", path);
  if (found && found !== "method-not-allowed" && (found.route.run !== token || ctx.servesToken)) {
    await found.route.run(ctx, req, res, found.params);
    return;
  }
  req.resume();
  distributionError(res, 404, "NOT_FOUND", "page not found");
}

/** Read the body, or undefined when it is larger than `limit`. */
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

function token(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse) {
  ctx.auth.handleToken(req, res);
}

function ping(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse) {
  if (!ctx.auth.authorize(req, res, undefined, [])) return;
  res.writeHead(200, {
    "content-type": "application/json",
    "docker-distribution-api-version": "registry/2.0",
    "content-length": 2,
  });
  res.end("{}");
}

function uploadHeaders(
  ctx: RegistryContext,
  repo: string,
  id: string,
  upload: Upload,
): Record<string, string> {
  const headers: Record<string, string> = {
    location: `/v2/${repo}/blobs/uploads/${id}?_state=${randomBytes(6).toString("hex")}`,
    range: `0-${Math.max(0, upload.size - 1)}`,
    "docker-upload-uuid": id,
    "content-length": "0",
  };
  if (ctx.chunkMinLength) headers["oci-chunk-min-length"] = String(ctx.chunkMinLength);
  return headers;
}

function created(res: ServerResponse, location: string, digest: string) {
  res.writeHead(201, { location, "docker-content-digest": digest, "content-length": "0" });
  res.end();
}

/** POST /blobs/uploads/: a cross-repository mount when the source has the blob, else a new session. */
async function startUpload(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  [repo]: string[],
) {
  if (!validName(repo!)) return invalidName(res);
  if (req.method !== "POST") return unsupported(res);
  if (!ctx.auth.authorize(req, res, repo, ["pull", "push"])) return;
  const query = queryOf(req);
  await readAll(req, 64 * 1024 * 1024); // a body on POST (?digest=) only opens a session, as in 2.8
  const mount = query.get("mount");
  const from = query.get("from");
  if (mount && from) {
    if (validName(from) && ctx.store.hasBlob(from, mount) && ctx.auth.canPull(req, from)) {
      ctx.store.link(repo!, mount);
      ctx.stats().mounts++;
      return created(res, `/v2/${repo}/blobs/${mount}`, mount);
    }
    ctx.stats().mountMisses++;
  }
  const id = randomUUID();
  const upload: Upload = { repository: repo!, chunks: [], size: 0 };
  ctx.store.uploads.set(id, upload);
  res.writeHead(202, uploadHeaders(ctx, repo!, id, upload)).end();
}

/** GET (status), DELETE (cancel), PATCH (a chunk) and PUT (the last chunk and the digest) of a session. */
async function uploadSession(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  [repo, id]: string[],
) {
  if (!ctx.auth.authorize(req, res, repo, ["pull", "push"])) return;
  const upload = ctx.store.uploads.get(id!);
  if (!upload || upload.repository !== repo) {
    req.resume();
    return distributionError(res, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
  }
  if (req.method === "GET") return void res.writeHead(204, uploadHeaders(ctx, repo, id!, upload)).end();
  if (req.method === "DELETE") {
    ctx.store.uploads.delete(id!);
    return void res.writeHead(204).end();
  }
  if (req.method === "PATCH") return patchUpload(ctx, req, res, id!, upload);
  if (req.method === "PUT") return finishUpload(ctx, req, res, id!, upload);
  req.resume();
  return unsupported(res);
}

async function patchUpload(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  upload: Upload,
) {
  const repo = upload.repository;
  const range = req.headers["content-range"];
  if (range !== undefined) {
    const r = /^(?:bytes=)?(\d+)-(\d+)$/.exec(range.trim());
    if (!r || Number(r[1]) !== upload.size) {
      req.resume();
      return void res.writeHead(416, uploadHeaders(ctx, repo, id, upload)).end();
    }
  }
  const body = await readAll(req, MAX_BLOB_BODY);
  if (!body) return distributionError(res, 413, "SIZE_INVALID", "chunk too large");
  if (range !== undefined) {
    const r = /(\d+)-(\d+)$/.exec(range) as RegExpExecArray;
    if (Number(r[2]) - Number(r[1]) + 1 !== body.length) {
      return void res.writeHead(416, uploadHeaders(ctx, repo, id, upload)).end();
    }
  }
  ctx.stats().blobBytesReceived += body.length;
  upload.chunks.push(body);
  upload.size += body.length;
  res.writeHead(202, uploadHeaders(ctx, repo, id, upload)).end();
}

async function finishUpload(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  upload: Upload,
) {
  const repo = upload.repository;
  const digest = queryOf(req).get("digest");
  const declared = Number(req.headers["content-length"] ?? 0);
  if (ctx.maxPutBodyBytes !== undefined && declared > ctx.maxPutBodyBytes) {
    req.resume();
    return distributionError(res, 413, "SIZE_INVALID", "request entity too large");
  }
  const body = await readAll(req, MAX_BLOB_BODY);
  if (!body) return distributionError(res, 413, "SIZE_INVALID", "request entity too large");
  ctx.stats().blobBytesReceived += body.length;
  const mismatch = "provided digest did not match uploaded content";
  if (!digest || !DIGEST.test(digest)) return distributionError(res, 400, "DIGEST_INVALID", mismatch);
  const data = Buffer.concat([...upload.chunks, body]);
  ctx.store.uploads.delete(id);
  if (sha256(data) !== digest) {
    return distributionError(res, 400, "DIGEST_INVALID", mismatch, { expected: digest, got: sha256(data) });
  }
  ctx.store.putBlob(repo, data, digest);
  created(res, `/v2/${repo}/blobs/${digest}`, digest);
}

/** GET/HEAD of a blob linked into the repository (a 307 to the blob store when there is one). */
function blob(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, [repo, digest]: string[]) {
  const method = req.method;
  if (!validName(repo!)) return invalidName(res);
  if (method !== "GET" && method !== "HEAD") return unsupported(res);
  if (!ctx.auth.authorize(req, res, repo, ["pull"])) return;
  if (!DIGEST.test(digest!)) return distributionError(res, 400, "DIGEST_INVALID", "invalid digest");
  const data = ctx.store.hasBlob(repo!, digest!) ? ctx.store.blobs.get(digest!) : undefined;
  if (!data) {
    if (method === "HEAD") return void res.writeHead(404, { "content-length": "0" }).end();
    return distributionError(res, 404, "BLOB_UNKNOWN", "blob unknown to registry", digest);
  }
  if (method === "GET" && ctx.blobStoreUrl) {
    res.writeHead(307, { location: `${ctx.blobStoreUrl}/blob/${digest}`, "content-length": "0" });
    return void res.end();
  }
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": data.length,
    "docker-content-digest": digest,
  });
  res.end(method === "HEAD" ? undefined : data);
}

function manifest(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  [repo, reference]: string[],
) {
  if (!validName(repo!)) return invalidName(res);
  if (req.method === "GET" || req.method === "HEAD") return getManifest(ctx, req, res, repo!, reference!);
  if (req.method === "PUT") return putManifest(ctx, req, res, repo!, reference!);
  req.resume();
  return unsupported(res);
}

function getManifest(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: string,
  reference: string,
) {
  if (!ctx.auth.authorize(req, res, repo, ["pull"])) return;
  if (!ctx.store.repoExists(repo)) {
    return distributionError(res, 404, "NAME_UNKNOWN", "repository name not known to registry", {
      name: repo,
    });
  }
  const found = ctx.store.lookupManifest(repo, reference);
  const accept = (req.headers.accept ?? "").split(",").map((s) => s.split(";")[0]?.trim());
  // distribution 2.8: an index or OCI manifest is unknown to a client that does not accept its type.
  const acceptable = found && (found.mediaType === MT.dockerManifest || accept.includes(found.mediaType));
  if (!found || !acceptable) {
    return distributionError(res, 404, "MANIFEST_UNKNOWN", "manifest unknown", { Tag: reference });
  }
  res.writeHead(200, {
    "content-type": found.mediaType,
    "content-length": found.bytes.length,
    "docker-content-digest": found.digest,
    etag: `"${found.digest}"`,
  });
  res.end(req.method === "HEAD" ? undefined : found.bytes);
}

async function putManifest(
  ctx: RegistryContext,
  req: IncomingMessage,
  res: ServerResponse,
  repo: string,
  reference: string,
) {
  if (!ctx.auth.authorize(req, res, repo, ["pull", "push"])) return;
  const body = await readAll(req, 4 * 1024 * 1024);
  if (!body) return distributionError(res, 413, "SIZE_INVALID", "manifest too large");
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  const problem = ctx.store.validateManifest(body, contentType, repo);
  if (problem) return distributionError(res, 400, problem.code, problem.message, problem.detail);
  const digest = sha256(body);
  const isDigest = reference.startsWith("sha256:");
  if (isDigest && reference !== digest) {
    return distributionError(res, 400, "DIGEST_INVALID", "provided digest did not match uploaded content", {
      expected: reference,
      got: digest,
    });
  }
  if (!isDigest && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(reference)) {
    return distributionError(res, 400, "TAG_INVALID", "manifest tag did not match URI");
  }
  ctx.store.storeManifest(repo, body, contentType, isDigest ? undefined : reference);
  created(res, `/v2/${repo}/manifests/${digest}`, digest);
}

function tags(ctx: RegistryContext, req: IncomingMessage, res: ServerResponse, [repo]: string[]) {
  if (!ctx.auth.authorize(req, res, repo, ["pull"])) return;
  if (!ctx.store.repoExists(repo!)) {
    return distributionError(res, 404, "NAME_UNKNOWN", "repository name not known to registry");
  }
  const body = Buffer.from(JSON.stringify({ name: repo, tags: ctx.store.tags(repo!) }));
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}
