// The whole of function-usage.test.ts again, with the Headers and Response the function bundle carries
// (function/src/shims/web-headers.ts, injected by scripts/build.mjs) in place of Node's: the SDK's request
// building, the signing, the transport and the answers handed to the SDK behave the same with them.
import { vi } from "vitest";
import { Headers, Response } from "../../function/src/shims/web-headers.js";

vi.stubGlobal("Headers", Headers);
vi.stubGlobal("Response", Response);
await import("./function-usage.test.js");
