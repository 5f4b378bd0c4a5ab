// Streaming JSON report: {month, query, groupBy, items}, items written one at a time. The output is
// canonical (sorted keys, fixed layout, one item per line, trailing newline), so the same data always
// gives the same bytes.
import { AtomicFileWriter, type AtomicWriteResult } from "../lib/atomic.js";
import type { ScannedRows } from "./answer-scan.js";
import { ByteSink } from "./byte-sink.js";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const v = source[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** JSON with object keys sorted at every level, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

/**
 * The key layout of one kind of item: its own keys in arrival order, and the same keys sorted with their
 * JSON prefixes. Usage items all share one layout, so sorting happens once per layout, not per item.
 */
interface Layout {
  keys: string[];
  sorted: string[];
  /** `{"key":` and `,"key":` for each sorted key: the member's prefix when it comes first or later. */
  first: string[];
  next: string[];
  /** The same prefixes with `null` after them. */
  firstNull: string[];
  nextNull: string[];
}

const hasOwnEnumerable = Object.prototype.propertyIsEnumerable;

/** Returned by a member writer when the value needs the general path. */
const GENERAL = Symbol("general");

/**
 * Items as canonicalJson writes them, faster: the sorted key order is cached per layout (usage items all
 * share one, and so do their tags) and plain values are written directly. Anything unusual (a prototype
 * other than Object's, a `__proto__` or `toJSON` key, a BigInt, an own toJSON) goes through canonicalJson
 * for the whole item, so the bytes are always canonicalJson's.
 */
export class CanonicalItemWriter {
  private layout: Layout | undefined;
  private inner: CanonicalItemWriter | undefined;

  write(item: unknown): string {
    const text = this.object(item);
    return text === GENERAL ? canonicalJson(item) : text;
  }

  private object(item: unknown): string | typeof GENERAL {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return GENERAL;
    const proto = Object.getPrototypeOf(item);
    if (proto !== Object.prototype && proto !== null) return GENERAL;
    const layout = this.layoutOf(item as Record<string, unknown>);
    if (layout === undefined) return GENERAL;
    const source = item as Record<string, unknown>;
    let out = "";
    for (let i = 0; i < layout.sorted.length; i++) {
      const value = source[layout.sorted[i]!];
      if (value === null) {
        // The commonest member of a usage item (fields not grouped by): one piece, not two.
        out += out === "" ? layout.firstNull[i]! : layout.nextNull[i]!;
        continue;
      }
      const text = this.member(value);
      if (text === undefined) continue; // JSON leaves undefined, functions and symbols out of objects
      if (text === GENERAL) return GENERAL;
      out += out === "" ? layout.first[i]! : layout.next[i]!;
      out += text;
    }
    return out === "" ? "{}" : `${out}}`;
  }

  private member(value: unknown): string | undefined | typeof GENERAL {
    if (value === null) return "null";
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        return Number.isFinite(value) ? String(value) : "null";
      case "boolean":
        return value ? "true" : "false";
      case "undefined":
      case "function":
      case "symbol":
        return undefined;
      case "object": {
        if (Array.isArray(value)) return this.array(value);
        if (hasOwnEnumerable.call(value, "toJSON")) return GENERAL;
        this.inner ??= new CanonicalItemWriter();
        return this.inner.object(value);
      }
      default:
        return GENERAL;
    }
  }

  private array(values: readonly unknown[]): string | typeof GENERAL {
    let out = "[";
    for (let i = 0; i < values.length; i++) {
      const text = this.member(values[i]);
      if (text === GENERAL) return GENERAL;
      if (i > 0) out += ",";
      out += text ?? "null"; // JSON writes undefined, functions and symbols in arrays as null
    }
    return `${out}]`;
  }

  /** The cached layout when the item's own keys match it, else a new one; undefined for odd keys. */
  private layoutOf(item: Record<string, unknown>): Layout | undefined {
    const cached = this.layout;
    if (cached !== undefined) {
      let i = 0;
      let same = true;
      for (const key in item) {
        if (cached.keys[i] !== key) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === cached.keys.length) return cached;
    }
    const keys = Object.keys(item);
    // for...in also walks inherited enumerable keys: a layout is valid only when it sees the own keys alone.
    let i = 0;
    for (const key in item) if (keys[i++] !== key) return undefined;
    if (i !== keys.length || keys.includes("__proto__") || keys.includes("toJSON")) return undefined;
    // The order canonicalJson's copy has: keys inserted sorted, which an object enumerates with its
    // integer-like keys ("1", "10") first, in numeric order.
    const sorted = Object.keys(Object.fromEntries([...keys].sort().map((key) => [key, 0])));
    const names = sorted.map((key) => `${JSON.stringify(key)}:`);
    const first = names.map((n) => `{${n}`);
    const next = names.map((n) => `,${n}`);
    this.layout = {
      keys,
      sorted,
      first,
      next,
      firstNull: first.map((p) => `${p}null`),
      nextNull: next.map((p) => `${p}null`),
    };
    return this.layout;
  }
}

interface JsonReportHeader {
  month: string;
  query: Record<string, unknown>;
  groupBy: readonly string[];
  /** Fields a partial or unsettled month adds before its items (outlook.ts); none for a settled month. */
  outlook?: Record<string, unknown>;
}

/** Characters buffered before a write to the file (about 1,500 usage items). */
const FLUSH_AT = 1 << 20;

export class JsonReportWriter {
  private count = 0;
  private buffer = "";
  private readonly items = new CanonicalItemWriter();
  private closed = false;
  /** Scratch for the items of a scanned page (writeRows). */
  private scratch: ByteSink | undefined;

  private constructor(private readonly file: AtomicFileWriter) {}

  static async open(path: string, header: JsonReportHeader): Promise<JsonReportWriter> {
    const file = await AtomicFileWriter.open(path);
    const writer = new JsonReportWriter(file);
    writer.buffer =
      `{\n  "month": ${JSON.stringify(header.month)},\n` +
      `  "query": ${canonicalJson(header.query)},\n` +
      `  "groupBy": ${canonicalJson(header.groupBy)},\n` +
      Object.entries(header.outlook ?? {})
        .map(([key, value]) => `  ${JSON.stringify(key)}: ${canonicalJson(value)},\n`)
        .join("") +
      `  "items": [`;
    return writer;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer;
    this.buffer = "";
    await this.file.write(chunk);
  }

  async write(item: unknown): Promise<void> {
    this.append(item);
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  /** Write a page of items; only the occasional flush waits, not every item. */
  async writeMany(items: Iterable<unknown>): Promise<void> {
    for (const item of items) {
      this.append(item);
      if (this.buffer.length >= FLUSH_AT) await this.flush();
    }
  }

  /**
   * Write `count` items given as their canonicalJson texts joined by ",\n    " (as scanPage makes them),
   * as a string or as UTF-8 bytes: the bytes writeMany writes for the same items.
   */
  async writeCanonical(joined: string | Uint8Array, count: number): Promise<void> {
    if (this.closed) throw new Error("JSON writer already closed");
    if (count === 0) return;
    this.buffer += this.count === 0 ? "\n    " : ",\n    ";
    this.count += count;
    if (typeof joined === "string" && joined.length < FLUSH_AT) {
      this.buffer += joined;
      if (this.buffer.length >= FLUSH_AT) await this.flush();
      return;
    }
    // A page's worth goes out as it is: appended to the buffer, it would be copied once more to flatten it.
    await this.flush();
    await this.file.write(joined);
  }

  /**
   * Write the items of a scanned page, their canonical texts made from its values (answer-scan.ts): for an
   * ASCII page into the writer's scratch sink, reused once the file has its bytes.
   */
  async writeRows(rows: ScannedRows): Promise<void> {
    if (rows.bytes === undefined) return this.writeCanonical(rows.canonicalText(), rows.count);
    if (this.closed) throw new Error("JSON writer already closed");
    if (rows.count === 0) return;
    this.buffer += this.count === 0 ? "\n    " : ",\n    ";
    this.count += rows.count;
    await this.flush();
    this.scratch ??= new ByteSink(1 << 21);
    await this.file.writeSettled(rows.canonicalBytes(this.scratch));
  }

  private append(item: unknown): void {
    if (this.closed) throw new Error("JSON writer already closed");
    this.buffer += `${this.count === 0 ? "\n    " : ",\n    "}${this.items.write(item)}`;
    this.count++;
  }

  async close(): Promise<AtomicWriteResult> {
    if (this.closed) throw new Error("JSON writer already closed");
    this.closed = true;
    this.buffer += this.count === 0 ? "]\n}\n" : "\n  ]\n}\n";
    return this.file.commitAfter(() => this.flush());
  }

  async abort(): Promise<void> {
    this.closed = true;
    this.buffer = "";
    await this.file.abort();
  }
}
