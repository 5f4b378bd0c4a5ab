// Distribution API error bodies: {errors:[{code,message,detail}]}, as distribution 2.8 writes them.
import type { ServerResponse } from "node:http";

export function distributionError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  detail?: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail: detail ?? null }] }));
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length, ...headers });
  res.end(body);
}
