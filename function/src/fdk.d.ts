// Types for @fnproject/fdk 0.0.76 (fn-fdk.js), which ships none. Only what func.ts uses, as the
// installed source behaves (ctx.getConfig is left out: it throws).
declare module "@fnproject/fdk" {
  /** Headers keyed by canonical name (Xxx-Yyy), every value an array. */
  export type HeaderMap = Record<string, string[]>;

  export interface HTTPGatewayContext {
    /** Fn-Http-Request-Url: path and query, no host; null outside an HTTP trigger. */
    readonly requestURL: string | null;
    /** Fn-Http-Method; null outside an HTTP trigger. */
    readonly method: string | null;
    /** The gateway request headers (Fn-Http-H-* without the prefix), canonical names. */
    readonly headers: HeaderMap;
    getHeader(key: string): string | null;
    /** Sets Fn-Http-Status. */
    set statusCode(status: number);
    /** Sets Fn-Http-H-<key>; Content-Type sets the response content type instead. */
    setResponseHeader(key: string, ...values: string[]): void;
    addResponseHeader(key: string, ...values: string[]): void;
  }

  export interface Context {
    /** Fn-Call-Id. */
    readonly callID: string | null;
    /** Fn-Deadline as a Date (Invalid Date when unparsable), null when absent. */
    readonly deadline: Date | null;
    readonly fnID: string | undefined;
    readonly appID: string | undefined;
    /** A copy of process.env. */
    readonly config: Record<string, string | undefined>;
    readonly headers: HeaderMap;
    /** The call's Content-Type header. */
    readonly contentType: string | null;
    getHeader(key: string): string | null;
    getAllHeaderValues(key: string): string[];
    setResponseHeader(key: string, ...values: string[]): void;
    addResponseHeader(key: string, ...values: string[]): void;
    responseContentType: string | null;
    readonly httpGateway: HTTPGatewayContext;
  }

  /** A value the FDK writes unencoded (see rawResult). */
  export interface FnResult {
    readonly __fnResult: unique symbol;
  }

  export type InputMode = "json" | "string" | "buffer";

  /** The input is a Buffer in "buffer" mode, a string in "string" mode, parsed JSON (or the raw string) in "json" mode. */
  export type Handler<I> = (input: I, ctx: Context) => unknown;

  /** Starts the http-stream server on FN_LISTENER; exits the process when FN_FORMAT is not http-stream. */
  export function handle(fn: Handler<Buffer>, options: { inputMode: "buffer" }): () => void;
  export function handle(fn: Handler<string>, options: { inputMode: "string" }): () => void;
  export function handle(fn: Handler<unknown>, options?: { inputMode?: "json" }): () => void;

  /** Sends a string or Buffer as the body, unencoded. */
  export function rawResult(result: string | Buffer): FnResult;
  export function streamResult(stream: NodeJS.ReadableStream): FnResult;
}
