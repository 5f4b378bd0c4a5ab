// Streaming JSON report: {month, query, groupBy, items}, items written one at a time. The output is
// canonical (sorted keys, fixed layout, one item per line, trailing newline), so the same data always
// gives the same bytes.
import { AtomicFileWriter, type AtomicWriteResult } from "../lib/atomic.js";

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

export interface JsonReportHeader {
  month: string;
  query: Record<string, unknown>;
  groupBy: readonly string[];
}

const FLUSH_AT = 1 << 16;

export class JsonReportWriter {
  private count = 0;
  private buffer = "";
  private closed = false;

  private constructor(private readonly file: AtomicFileWriter) {}

  static async open(path: string, header: JsonReportHeader): Promise<JsonReportWriter> {
    const file = await AtomicFileWriter.open(path);
    const writer = new JsonReportWriter(file);
    writer.buffer =
      `{\n  "month": ${JSON.stringify(header.month)},\n` +
      `  "query": ${canonicalJson(header.query)},\n` +
      `  "groupBy": ${canonicalJson(header.groupBy)},\n` +
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
    if (this.closed) throw new Error("JSON writer already closed");
    this.buffer += `${this.count === 0 ? "\n    " : ",\n    "}${canonicalJson(item)}`;
    this.count++;
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  async close(): Promise<AtomicWriteResult> {
    if (this.closed) throw new Error("JSON writer already closed");
    this.closed = true;
    try {
      this.buffer += this.count === 0 ? "]\n}\n" : "\n  ]\n}\n";
      await this.flush();
      return await this.file.commit();
    } catch (err) {
      await this.file.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.closed = true;
    this.buffer = "";
    await this.file.abort();
  }
}
