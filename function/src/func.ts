// The FDK wiring, and nothing else: FDK ctx -> FunctionRequest -> handle() -> Fn-Http-Status,
// Fn-Http-H-* headers and a raw JSON body.
//
// FDK 0.0.76 traps handled here: the body is taken as a Buffer (json mode silently falls back to a
// string); a null/undefined return hangs the call, so a rawResult string is always returned; a thrown
// error would be sent back with its text in `detail`, so nothing is allowed to escape; ctx.getConfig
// throws, so the config comes from process.env.
import * as fdk from "@fnproject/fdk";
import { loadConfig } from "./config.js";
import { type FunctionRequest, type HandlerDeps, handle, type LogLine } from "./handler.js";
import { createSdkUsage } from "./usage.js";

const loaded = loadConfig(process.env);
const sdk = createSdkUsage(loaded.config);

function log(line: LogLine | Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (loaded.warnings.length > 0) log({ event: "config", warnings: loaded.warnings });

const deps: HandlerDeps = {
  config: loaded.config,
  configError: loaded.errors.length > 0 ? loaded.errors.join("; ") : undefined,
  usage: sdk.usage,
  tenancy: () => sdk.tenancy(),
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  log,
};

function toRequest(input: Buffer, ctx: fdk.Context): FunctionRequest {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(ctx.httpGateway.headers)) {
    if (values[0] !== undefined) headers[name.toLowerCase()] = values[0];
  }
  // Through API Gateway the client's Content-Type is the call's own Content-Type header.
  const contentType = ctx.contentType ?? headers["content-type"];
  if (contentType !== undefined) headers["content-type"] = contentType;
  return {
    method: ctx.httpGateway.method ?? "POST",
    url: ctx.httpGateway.requestURL ?? "/",
    headers,
    body: Buffer.isBuffer(input) ? input : Buffer.alloc(0),
    callId: ctx.callID ?? "",
    deadline: ctx.deadline,
  };
}

async function onCall(input: Buffer, ctx: fdk.Context): Promise<fdk.FnResult> {
  let callId = "unknown";
  try {
    callId = /^[A-Za-z0-9._:-]{1,100}$/.test(ctx.callID ?? "") ? (ctx.callID as string) : "unknown";
    const response = await handle(toRequest(input, ctx), deps);
    ctx.httpGateway.statusCode = response.status;
    for (const [name, value] of Object.entries(response.headers))
      ctx.httpGateway.setResponseHeader(name, value);
    return fdk.rawResult(response.body);
  } catch {
    // handle() catches everything itself; this is the net under the wiring.
    try {
      ctx.httpGateway.statusCode = 500;
      ctx.responseContentType = "application/json";
    } catch {
      // nothing left to set
    }
    log({
      callId,
      status: 500,
      pages: 0,
      items: 0,
      upstreamMs: 0,
      attempts: 0,
      bytes: 0,
      code: "InternalError",
      error: "wiring failure",
    });
    return fdk.rawResult(
      JSON.stringify({
        code: "InternalError",
        message: `internal error; see the function log with call id ${callId}`,
      }),
    );
  }
}

fdk.handle(onCall, { inputMode: "buffer" });
