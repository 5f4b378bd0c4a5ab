// One undici Agent for the action's own HTTP calls. Every undici call passes a dispatcher explicitly:
// undici's default would install its Agent as the process-wide global dispatcher, which Node 20's built-in
// fetch (used by the oci-sdk clients) then picks up, and Node 20's fetch and undici 7's Agent disagree on
// header formats ("invalid content-length header").
import { Agent } from "undici";

let shared: Agent | undefined;

export function defaultAgent(): Agent {
  shared ??= new Agent({ connect: { timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 60_000 });
  return shared;
}

/** The symbol under which undici and Node's fetch share the global dispatcher (undici's lib/global.js). */
export const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
