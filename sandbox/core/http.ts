// Small HTTP plumbing shared by the emulators: loopback listeners, bounded body reads, JSON answers in the
// OCI error envelope, and the application of injected faults.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { defaultErrorCode, type Fault, type FaultInjector } from "./faults.js";

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Serve `handler` on 127.0.0.1 on a free port (or `port`). Handler errors become a 500 without detail. */
export async function listen(handler: Handler, port = 0): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (process.env.SANDBOX_DEBUG) console.error("sandbox handler error", err);
        if (!res.headersSent)
          sendJson(res, 500, { code: "InternalServerError", message: "Internal Server Error" });
        else res.destroy();
      });
  });
  // Idle connections are closed by the client, never by the server: a server-side idle timeout races a
  // client that reuses the socket just as it expires (fetch then fails with ECONNRESET, seen under load).
  // stop() destroys whatever is still open.
  server.keepAliveTimeout = 0;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/** Read the whole request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** An opc-request-id in the shape OCI uses (hex, upper case, '/'-separated parts). */
export function newRequestId(): string {
  const hex = randomBytes(16).toString("hex").toUpperCase();
  return `${hex.slice(0, 16)}/${hex.slice(16)}`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
  fault?: Fault,
): void {
  sendBody(
    res,
    status,
    Buffer.from(JSON.stringify(body)),
    { "content-type": "application/json", ...headers },
    fault,
  );
}

/** Write a complete answer; a `slowBody` fault spreads the body over timed chunks. */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: Record<string, string | number>,
  fault?: Fault,
): void {
  res.writeHead(status, { ...headers, "content-length": body.length });
  if (fault?.type !== "slowBody" || body.length === 0) {
    res.end(body);
    return;
  }
  const pieces = Math.max(1, Math.min(fault.chunks ?? 4, body.length));
  const size = Math.ceil(body.length / pieces);
  let offset = 0;
  const step = () => {
    if (res.destroyed) return;
    const piece = body.subarray(offset, offset + size);
    offset += piece.length;
    if (offset >= body.length) res.end(piece);
    else {
      res.write(piece);
      setTimeout(step, fault.chunkDelayMs).unref();
    }
  };
  step();
}

/** The OCI error envelope: {"code", "message"} plus the opc-request-id header. */
export function sendOciError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string | number> = {},
  fault?: Fault,
): void {
  sendJson(res, status, { code, message }, { "opc-request-id": requestId, ...headers }, fault);
}

/**
 * Apply the injector's fault to this request. Returns "handled" when the fault answered (or dropped) the
 * request, or the fault to pass on to the normal answer (delay already waited, slowBody to apply), or
 * undefined when there is none.
 */
export async function takeFault(
  injector: FaultInjector,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<"handled" | Fault | undefined> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const fault = injector.next({ method: req.method ?? "GET", path });
  if (!fault) return undefined;
  switch (fault.type) {
    case "reset":
      req.socket.destroy();
      return "handled";
    case "status": {
      const defaults = defaultErrorCode(fault.status);
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      req.resume();
      sendOciError(
        res,
        fault.status,
        fault.code ?? defaults.code,
        fault.message ?? defaults.message,
        requestId,
        headers,
      );
      return "handled";
    }
    case "delay":
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return fault;
    case "slowBody":
      return fault;
  }
}

/** Parse the query string of a request URL. */
export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? "/", "http://sandbox").searchParams;
}

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://sandbox").pathname;
}
