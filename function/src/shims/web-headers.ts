// The function bundle's Headers and Response (scripts/build.mjs injects them for those globals). The first
// use of Node's own loads its internal undici (fetch, http2, llhttp): about 25 ms of a 180 ms cold start,
// for objects the SDK only uses as maps. oci-common builds each request's headers with `new Headers()` and
// the signer reads and writes them; usage.ts hands the SDK its answer as a `Response`. These classes keep
// the behaviour those paths see: lower-case names, values joined with ", ", iteration sorted by name, the
// same validation and the same error texts, the added text/plain Content-Type, the UTF-8 decoding (with
// BOM removal) of text() and json(). They are not a fetch implementation: nothing here sends a request.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** HTTP whitespace a header value is trimmed of (the Fetch standard's normalisation). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

type HeadersInput = LightHeaders | Iterable<readonly [string, string]> | Record<string, string>;

function invalid(method: string, value: string, what: string): TypeError {
  return new TypeError(`Headers.${method}: "${value}" is an invalid header ${what}.`);
}

function checkedName(method: string, name: string): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw invalid(method, text, "name");
  return text.toLowerCase();
}

function checkedValue(method: string, value: string): string {
  const text = String(value).replace(EDGE_WHITESPACE, "");
  if (FORBIDDEN_IN_VALUE.test(text)) throw invalid(method, text, "value");
  return text;
}

class LightHeaders {
  /** Lower-case name -> values in the order appended. */
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersInput) {
    if (init === undefined || init === null) return;
    // Another Headers too is taken pair by pair, as the Fetch standard fills one: its joined values are
    // normalised again (", " appended to an empty value comes out as ",").
    if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const [name, value] of init as Iterable<readonly [string, string]>) this.append(name, value);
    } else {
      for (const [name, value] of Object.entries(init as Record<string, string>)) this.append(name, value);
    }
  }

  append(name: string, value: string): void {
    const key = checkedName("append", name);
    const text = checkedValue("append", value);
    const values = this.#values.get(key);
    if (values === undefined) this.#values.set(key, [text]);
    else values.push(text);
  }

  set(name: string, value: string): void {
    const key = checkedName("set", name);
    this.#values.set(key, [checkedValue("set", value)]);
  }

  get(name: string): string | null {
    return this.#values.get(checkedName("get", name))?.join(", ") ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(checkedName("has", name));
  }

  delete(name: string): void {
    this.#values.delete(checkedName("delete", name));
  }

  getSetCookie(): string[] {
    return [...(this.#values.get("set-cookie") ?? [])];
  }

  /** Sorted by name, one pair per name (set-cookie: one per value), as the Fetch standard iterates. */
  *entries(): IterableIterator<[string, string]> {
    const names = [...this.#values.keys()].sort();
    for (const name of names) {
      const values = this.#values.get(name) as string[];
      if (name === "set-cookie") for (const value of values) yield [name, value];
      else yield [name, values.join(", ")];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, headers: LightHeaders) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }
}

type BodyInput = string | Uint8Array | ReadableStream<Uint8Array> | null | undefined;

interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInput;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

async function readStream(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

/** The text with lone surrogates as U+FFFD, as a string body is encoded (ES2024, in Node 20). */
function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}

class LightResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LightHeaders;
  readonly #body: BodyInput;
  #used = false;

  constructor(body: BodyInput = null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
    }
    const statusText = init.statusText ?? "";
    if (!REASON_PHRASE.test(statusText)) throw new TypeError("Invalid statusText");
    if (body !== null && body !== undefined && NULL_BODY_STATUS.has(status)) {
      throw new TypeError(`Response constructor: Invalid response status code ${status}`);
    }
    this.status = status;
    this.statusText = statusText;
    this.headers = new LightHeaders(init.headers);
    if (typeof body === "string" && !this.headers.has("content-type")) {
      this.headers.set("content-type", "text/plain;charset=UTF-8");
    }
    this.#body = body ?? null;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as UTF-8 text: lone surrogates and bad bytes become U+FFFD, a leading BOM goes. */
  async text(): Promise<string> {
    const body = this.#body;
    // No body is never used up (a null body reads as "" each time).
    if (body === null || body === undefined) return "";
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read");
    this.#used = true;
    if (typeof body === "string") return wellFormed(body).replace(/^\ufeff/, "");
    const bytes = body instanceof Uint8Array ? body : await readStream(body);
    return new TextDecoder().decode(bytes);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  clone(): LightResponse {
    if (this.#used) throw new TypeError("Response.clone: Body has already been consumed.");
    if (this.#body instanceof ReadableStream) {
      throw new TypeError("a streamed body cannot be cloned by the function's Response");
    }
    return new LightResponse(this.#body, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}

export { LightHeaders as Headers, LightResponse as Response };
