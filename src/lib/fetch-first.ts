// Import this module before anything that imports the undici package.
//
// Node 20's built-in fetch (which the oci-sdk clients use) and the undici 7 package share one global
// dispatcher slot (Symbol.for("undici.globalDispatcher.1")); whichever loads first fills it. If undici 7
// fills it, Node 20's fetch hands its requests to undici 7's Agent, whose header handling differs, and every
// signed SDK POST fails with "invalid content-length header". Touching a fetch global loads Node's own
// undici first, so the slot holds Node's Agent; our undici 7 calls always pass their own dispatcher
// (src/lib/http.ts). On Node 24 both are undici 7 and this is harmless.
void globalThis.Headers;
